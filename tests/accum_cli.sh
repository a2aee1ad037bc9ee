#!/bin/sh
# SPDX-License-Identifier: MIT
# --accum-iter: K batches of B/K samples make the same optimizer steps as
# batches of B (same samples, masks keyed by sample, lr from the effective
# batch), and a stopped run resumes to the same weights.
set -u
cli="$GEOCL_CLI"
. "$(dirname "$0")/cli_checks.sh"
dir="$GEOCL_TEST_TMP/accum_cli"
rm -rf "$dir" && mkdir -p "$dir"
close="$GEOCL_TOP_BUILDDIR/tests/st_allclose"
tiny="img_size=32 patch_size=8 enc_embed_dim=32 enc_depth=2 enc_num_heads=2 dec_embed_dim=32 dec_depth=1 dec_num_heads=2"
train() { # NAME BATCH ACCUM [options]
  name=$1 batch=$2 accum=$3
  shift 3
  "$cli" pretrain --device reference --steps 4 --batch "$batch" --accum-iter "$accum" --log-every 1 \
    --synthetic-pairs 32 --out "$dir/$name" --quiet "$@" $tiny >"$dir/$name.out" 2>&1 ||
    fail "pretrain $name: $(cat "$dir/$name.out")"
}
train b4 4 1
train b2x2 2 2
train b1x4 1 4
train b2 2 1
same() { # A B TOL: every parameter named below within TOL
  for t in enc_blocks.0.attn.qkv.weight enc_blocks.1.mlp.fc2.weight decoder_embed.weight mask_token; do
    "$close" "$dir/$1/last.safetensors:$t" "$dir/$2/last.safetensors:$t" "$3" >/dev/null || return 1
  done
}
same b4 b2x2 1e-6 || fail "batch 2 x accum 2 differs from batch 4"
same b4 b1x4 1e-6 || fail "batch 1 x accum 4 differs from batch 4"
same b4 b2 1e-6 && fail "batch 2 without accumulation matches batch 4: the comparison cannot tell"
# the logged losses are the steps' mean losses
paste -d' ' "$dir/b4/metrics.jsonl" "$dir/b1x4/metrics.jsonl" | awk '{
  for (i = 1; i <= NF; i++) if ($i == "\"loss\":") { v[++n] = $(i + 1) + 0 }
  d = v[n] - v[n - 1]; if (d < 0) d = -d; if (d > 1e-5) { print "loss " v[n - 1] " vs " v[n]; bad = 1 } }
  END { exit bad }' || fail "logged losses differ"
grep -q '"accum_iter": 4' "$dir/b1x4/config.json" || fail "config.json lacks accum_iter"
"$cli" pretrain --device reference --steps 1 --batch 1 --accum-iter 4 --synthetic-pairs 32 --out "$dir/note" $tiny \
  >"$dir/note.out" 2>&1 || fail "pretrain note: $(cat "$dir/note.out")"
grep -q "1 steps of 4 samples (4 batches of 1)" "$dir/note.out" || fail "no note of the accumulation: $(cat "$dir/note.out")"
# stopped after step 2 and resumed: the same weights as the straight run (within 1e-6: without accumulation
# too, a resumed run's weights differ from a straight run's in the last bits here, its losses not at all)
train part 1 4 --stop-at 2
"$cli" pretrain --resume "$dir/part" --quiet >/dev/null 2>&1 || fail "resume with accumulation"
same b1x4 part 1e-6 || fail "resumed accumulation differs from the straight run"
check_usage pretrain "--accum-iter 0: expected a whole number from 1 to" --accum-iter 0 --out "$dir/x"
echo ok
