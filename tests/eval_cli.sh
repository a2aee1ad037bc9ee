#!/bin/sh
# SPDX-License-Identifier: MIT
# geocl eval and geocl infer from the command line, on tests/plugins/testdense
# (a stereo-like head whose prediction is known) and geocl synth's KITTI 2015
# scenes: the table, the JSON object and its fields, the files infer writes,
# and one-line refusals.
set -u
dir="$GEOCL_TEST_TMP/eval_cli"
rm -rf "$dir" && mkdir -p "$dir"
cli="$GEOCL_CLI"
. "$(dirname "$0")/cli_checks.sh"
export GEOCL_PLUGIN_PATH="$GEOCL_TOP_BUILDDIR/tests/plugins/.libs:$GEOCL_PLUGIN_PATH"

$cli synth --out "$dir/kitti" --frames 4 --size 72x40 --layout kitti2015 --quiet || fail "synth"
$cli pretrain --task testdense --data "kitti:$dir/kitti" --steps 1 --batch 1 --device reference --quiet \
  --out "$dir/run" >"$dir/run.out" 2>&1 || { cat "$dir/run.out"; fail "a testdense model"; }
w="$dir/run/last.safetensors"

$cli eval --weights "$w" --data "kitti:$dir/kitti" --device reference --quiet >"$dir/table" || fail "eval"
grep -q "testdense on kitti:.*(kitti): .* samples, .* known pixels, .* tiles of 48x32, overlap 0.7, conf_expsigmoid_15_3" \
  "$dir/table" || fail "eval headline: $(cat "$dir/table")"
for m in avgerr rmse bad@0.5 bad@1 bad@2 bad@3; do grep -q "^  $m " "$dir/table" || fail "no $m: $(cat "$dir/table")"; done
$cli eval --weights "$w" --data "kitti-noc:$dir/kitti" --device reference --json --limit 2 --overlap 0.5 \
  --conf-mode none >"$dir/json" || fail "eval --json"
[ "$(wc -l <"$dir/json")" -eq 1 ] || fail "--json prints more than one line: $(cat "$dir/json")"
for f in '"format": "geocl-eval-1"' '"task": "testdense"' '"source": "kitti-noc"' '"samples": 2' '"crop": \[32, 48\]' \
  '"overlap": 0.5' '"conf_mode": "none"' '"metrics": {"avgerr": [0-9.e+-]*, "rmse": ' '"bad@3": ' '"seconds": '; do
  grep -q "$f" "$dir/json" || fail "JSON lacks $f: $(cat "$dir/json")"
done
if [ -x /usr/bin/python3 ]; then
  /usr/bin/python3 -c "import json, sys; json.load(open(sys.argv[1]))" "$dir/json" || fail "not JSON: $(cat "$dir/json")"
fi

img="$dir/kitti/training/image_2/000000_10.png"
$cli infer --weights "$w" --image1 "$img" --image2 "$dir/kitti/training/image_3/000000_10.png" --out "$dir/a" \
  --device reference >"$dir/infer.out" || fail "infer"
for f in a_disp.png a_disp.pfm a_disp_color.png a_conf.png; do
  [ -s "$dir/$f" ] || fail "infer did not write $f: $(cat "$dir/infer.out")"
done
grep -q "testdense: 72x40 in .* tiles" "$dir/infer.out" || fail "infer headline: $(cat "$dir/infer.out")"

check_usage eval "--weights and --data are required" --weights "$w"
check_usage eval "--overlap '1'" --weights "$w" --data x --overlap 1
check_usage eval "--depth-crop 'kb'" --weights "$w" --data x --depth-crop kb
check_usage infer "--weights, --image1 and --out are required" --weights "$w"
check_usage infer "--tile-batch 0" --weights "$w" --image1 "$img" --out "$dir/b" --tile-batch 0
out=$($cli infer --weights "$w" --image1 "$img" --out "$dir/b" --device reference 2>&1)
[ $? -eq 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && printf '%s\n' "$out" | grep -q "needs --image2" ||
  fail "infer without image2: $out"
out=$($cli eval --weights "$w" --data synthetic --device reference 2>&1)
[ $? -eq 1 ] && printf '%s\n' "$out" | grep -q "testdense needs disparity, valid; synthetic" ||
  fail "eval on data without ground truth: $out"
echo ok
