#!/bin/sh
# SPDX-License-Identifier: MIT
# geocl finetune from the command line, with tests/plugins/testhead on a
# pre-trained croco: what was loaded is reported, validation metrics reach
# metrics.jsonl, a resumed head run repeats the losses of an uninterrupted
# one, and what cannot work is refused before any step with one line.
set -u
dir="$GEOCL_TEST_TMP/finetune_cli"
rm -rf "$dir" && mkdir -p "$dir"
cli="$GEOCL_CLI"
. "$(dirname "$0")/cli_checks.sh"
export GEOCL_PLUGIN_PATH="$GEOCL_TOP_BUILDDIR/tests/plugins/.libs:$GEOCL_PLUGIN_PATH"
tiny="img_size=32 patch_size=8 enc_embed_dim=32 enc_depth=2 enc_num_heads=2 dec_embed_dim=32 dec_depth=1 dec_num_heads=2"
common="--device reference --batch 2 --synthetic-pairs 8 --quiet"

$cli pretrain $common --steps 2 --out "$dir/pre" $tiny > "$dir/pre.out" 2>&1 || { cat "$dir/pre.out"; fail "pretrain"; }
init="$dir/pre/last.safetensors"
# the head needs depth: rendered frames with their depth maps
$cli synth --out "$dir/synth" --sequences 1 --frames 6 --size 40x40 --quiet || fail "synth"
data="$dir/synth"

# a head run: the load report, the training metric and validation
$cli finetune --head testhead --init "$init" --data "$data" --val-data "$data" --val-batches 1 $common \
  --steps 4 --log-every 2 --save-every 2 --out "$dir/ft" --freeze enc_blocks.0 hook=enc.1 > "$dir/ft.out" 2>&1 ||
  { cat "$dir/ft.out"; fail "finetune"; }
$cli finetune --head testhead --init "$init" --data "$data" --val-data "$data" --val-batches 1 \
  --device reference --batch 2 --synthetic-pairs 8 --steps 4 --log-every 2 --save-every 2 --out "$dir/report" \
  hook=enc.1 > "$dir/report.out" 2>&1 || { cat "$dir/report.out"; fail "finetune with output"; }
grep -q "tensors loaded" "$dir/report.out" || fail "no load report: $(cat "$dir/report.out")"
grep -q "mask_token" "$dir/report.out" || fail "the report does not name what it skipped"
grep -q '"val": {' "$dir/ft/metrics.jsonl" || fail "no validation line in metrics.jsonl"
grep -q '"feat_mean"' "$dir/ft/metrics.jsonl" || fail "no training metric in metrics.jsonl"
grep -q '"enc_blocks.0"' "$dir/ft/config.json" || fail "--freeze is not in config.json"

# resume: stop at step 2, continue, same losses as the uninterrupted run
$cli finetune --head testhead --init "$init" --data "$data" --val-data "$data" --val-batches 1 $common \
  --steps 4 --log-every 2 --save-every 2 --out "$dir/part" --stop-at 2 --freeze enc_blocks.0 hook=enc.1 ||
  fail "finetune --stop-at"
$cli finetune --resume "$dir/part" --device reference --quiet || fail "finetune --resume"
losses() { grep -o '"loss": [^,}]*' "$1"; }
[ "$(losses "$dir/ft/metrics.jsonl")" = "$(losses "$dir/part/metrics.jsonl")" ] ||
  fail "resumed losses differ: $(cat "$dir/ft/metrics.jsonl") vs $(cat "$dir/part/metrics.jsonl")"
[ "$(losses "$dir/ft/metrics.jsonl" | wc -l)" -eq 4 ] || fail "expected 2 training and 2 validation losses"

# refused before any step, with one line
expect() {
  want=$1 pattern=$2
  shift 2
  out=$($cli finetune "$@" 2>&1)
  status=$?
  [ $status -eq "$want" ] && printf '%s\n' "$out" | grep -q -- "$pattern" ||
    fail "geocl finetune $*: exit $status (wanted $want), output: $out"
  [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "geocl finetune $*: more than one line: $out"
}
expect 2 "name the head" --data "$data"
expect 1 "has no block 'enc.7'" --head testhead --init "$init" $common --steps 1 --out "$dir/x1" --data "$data" \
  hook=enc.7
expect 1 "lacks" --head testhead --init "$GEOCL_FIXTURES/ops/gelu.safetensors" $common --steps 1 --out "$dir/x2" --data "$data"
expect 1 "task testhead needs depth, valid; synthetic at synthetic provides image1, image2" \
  --head testhead --init "$init" $common --steps 1 --out "$dir/x3" --data synthetic
expect 1 "PREFIX=MULTIPLIER" --head testhead --init "$init" $common --steps 1 --out "$dir/x4" --data "$data" \
  --lr-mult head.=x
for x in x1 x2 x3 x4; do [ ! -e "$dir/$x" ] || fail "a failed start left $dir/$x"; done
echo ok
