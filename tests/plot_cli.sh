#!/bin/sh
# SPDX-License-Identifier: MIT
# geocl plot on real runs: a PNG of the runs' curves, and bad arguments refused.
set -u
cli="$GEOCL_CLI"
. "$(dirname "$0")/cli_checks.sh"
dir="$GEOCL_TEST_TMP/plot_cli"
rm -rf "$dir" && mkdir -p "$dir"
tiny="img_size=32 patch_size=8 enc_embed_dim=32 enc_depth=2 enc_num_heads=2 dec_embed_dim=32 dec_depth=1 dec_num_heads=2"
for s in 1 2; do
  "$cli" pretrain --device reference --steps 4 --batch 2 --log-every 1 --synthetic-pairs 8 --val-data synthetic \
    --val-every 2 --val-batches 1 --seed $s --out "$dir/run$s" --quiet $tiny >/dev/null || fail "pretrain run$s"
done
"$cli" plot "$dir/run1" "$dir/run2/metrics.jsonl" --out "$dir/p.png" >"$dir/out" || fail "plot: $(cat "$dir/out")"
grep -q "^wrote $dir/p.png (2 runs, 4 metrics)$" "$dir/out" || fail "plot said: $(cat "$dir/out")"
[ "$(head -c 8 "$dir/p.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] || fail "p.png is not a PNG"
"$cli" plot "$dir/run1" --metric "val loss" --out "$dir/v.png" >"$dir/out" || fail "plot --metric"
grep -q "(1 run, 1 metric)" "$dir/out" || fail "plot --metric said: $(cat "$dir/out")"
check_usage plot "name at least one run" --out "$dir/x.png"
check_usage plot "--out $dir/x.jpg: the picture is a PNG file" --out "$dir/x.jpg" "$dir/run1"
check_usage plot "--metric los: the runs have no such metric" --metric los --out "$dir/x.png" "$dir/run1"
"$cli" plot "$dir/nothing" --out "$dir/x.png" 2>"$dir/err" && fail "plot of a missing run succeeded"
grep -q "^geocl plot: $dir/nothing: cannot open" "$dir/err" || fail "missing run: $(cat "$dir/err")"
[ ! -e "$dir/x.png" ] || fail "a failed plot wrote x.png"
printf '{"panel": "stereo avgerr", "arm": "croco", "values": [1.5, 2]}\n{"panel": "stereo avgerr", "arm": "scratch", "values": [3, 4]}\n' >"$dir/bars.jsonl"
"$cli" plot --bars "$dir/bars.jsonl" --out "$dir/b.png" >"$dir/out" || fail "plot --bars: $(cat "$dir/out")"
grep -q "^wrote $dir/b.png (2 arms, 1 metric)$" "$dir/out" || fail "plot --bars said: $(cat "$dir/out")"
check_usage plot "--bars draws one file; $dir/run1 is one more" --bars "$dir/bars.jsonl" --out "$dir/x.png" "$dir/run1"
echo ok
