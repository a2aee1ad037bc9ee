#!/bin/sh
# SPDX-License-Identifier: MIT
# The downstream heads end to end on geocl synth's data, from a geocl pretrain
# checkpoint: geocl finetune --head stereo, flow and depth train, validate
# (metrics.jsonl, best.safetensors) and resume exactly (with --recompute
# before the stop: the same weights); geocl eval gives the
# task's metrics (and --json), geocl infer the files and pictures; geocl
# forward takes a target and writes the loss and gradients.
set -u
dir="$GEOCL_TEST_TMP/heads_cli"
rm -rf "$dir" && mkdir -p "$dir"
cli="$GEOCL_CLI"
. "$(dirname "$0")/cli_checks.sh"
small="img_size=64 patch_size=16 enc_embed_dim=32 enc_depth=2 enc_num_heads=2 dec_embed_dim=32 dec_depth=2 dec_num_heads=2 pos_embed=RoPE100"
dev="--device reference"

$cli pretrain $dev --batch 2 --synthetic-pairs 8 --steps 2 --quiet --out "$dir/pre" $small >"$dir/pre.out" 2>&1 ||
  { cat "$dir/pre.out"; fail "pretrain"; }
init="$dir/pre/last.safetensors"
$cli synth --out "$dir/odo" --frames 5 --size 96x64 --quiet || fail "synth odometry"
$cli synth --out "$dir/k15" --frames 5 --size 96x64 --layout kitti2015 --seed 3 --quiet || fail "synth kitti2015"

for head in stereo flow depth; do
  case $head in
    stereo) val="kitti:$dir/k15" metric=avgerr first=avgerr ;;
    flow) val="kitti:$dir/k15" metric=epe first=EPE ;;
    depth) val="$dir/odo" metric=abs_rel first=abs_rel ;;
  esac
  run="--head $head --init $init --data $dir/odo --val-data $val --val-batches 1 $dev --batch 2 --steps 4"
  run="$run --log-every 2 --save-every 2 --seed 5"
  $cli finetune $run --out "$dir/$head" >"$dir/$head.out" 2>&1 || { cat "$dir/$head.out"; fail "finetune $head"; }
  grep -q "step 2/4 .* $metric " "$dir/$head.out" || fail "$head: no $metric on the progress line: $(cat "$dir/$head.out")"
  grep -q "\"val\": {\"$first\": " "$dir/$head/metrics.jsonl" || fail "$head: validation: $(cat "$dir/$head/metrics.jsonl")"
  grep -q "best $first so far" "$dir/$head.out" || fail "$head: no best checkpoint noted"
  [ -s "$dir/$head/best.safetensors" ] && [ -s "$dir/$head/recon-4.png" ] || fail "$head: no best checkpoint or picture"
  # the picture: 64x64 panels (left/frame 1, [right/frame 2,] prediction, target) under an 11-row caption strip
  case $head in depth) want=192x75 ;; *) want=256x75 ;; esac
  [ "$(png_size "$dir/$head/recon-4.png")" = "$want" ] || fail "$head: picture $(png_size "$dir/$head/recon-4.png"), not $want"
  # resume: the same losses as the uninterrupted run (the first half recomputing its blocks in backward)
  $cli finetune $run --out "$dir/$head-part" --stop-at 2 --recompute --quiet >/dev/null 2>&1 || fail "$head --stop-at"
  $cli finetune --resume "$dir/$head-part" $dev --quiet >/dev/null 2>&1 || fail "$head --resume"
  losses() { grep -o '"loss": [^,}]*' "$1"; }
  [ "$(losses "$dir/$head/metrics.jsonl")" = "$(losses "$dir/$head-part/metrics.jsonl")" ] ||
    fail "$head: resumed losses differ: $(cat "$dir/$head/metrics.jsonl") vs $(cat "$dir/$head-part/metrics.jsonl")"
  cmp -s "$dir/$head/last.safetensors" "$dir/$head-part/last.safetensors" || fail "$head: resumed weights differ"
  # eval at full size (96x64 images, 64x64 crops at overlap 0.7: 3 tiles each)
  $cli eval --weights "$dir/$head/best.safetensors" --data "$val" $dev --limit 2 --json >"$dir/$head.json" ||
    fail "eval $head"
  grep -q "\"task\": \"$head\".*\"samples\": 2, .*\"tiles\": 6, \"crop\": \[64, 64\].*\"metrics\": {\"$first\": [0-9]" \
    "$dir/$head.json" || fail "eval $head JSON: $(cat "$dir/$head.json")"
done
grep -q '"s40+": ' "$dir/flow.json" || fail "flow: no speed bins"
# the fields of format geocl-eval-1 in their documented order (docs/heads.md)
keys() { grep -o '"[a-z_0-9]*": ' "$1" | tr -d '":' | tr -s ' \n' ' '; }
[ "$(keys "$dir/stereo.json")" = "format task weights data source samples pixels tiles crop overlap conf_mode metrics avgerr rmse seconds " ] ||
  fail "stereo JSON fields: $(keys "$dir/stereo.json")"
[ "$(keys "$dir/depth.json")" = "format task weights data source samples pixels tiles crop overlap conf_mode depth min max crop metrics abs_rel sq_rel rmse rmse_log silog log10 delta1 delta2 delta3 seconds " ] ||
  fail "depth JSON fields: $(keys "$dir/depth.json")"
grep -q '"depth": {"min": 0.001, "max": 80, "crop": "none"}' "$dir/depth.json" || fail "depth JSON: $(cat "$dir/depth.json")"

# infer on a whole image pair and on one image
img="$dir/k15/training/image_2/000000_10.png"
$cli infer --weights "$dir/stereo/best.safetensors" --image1 "$img" --image2 "$dir/k15/training/image_3/000000_10.png" \
  --out "$dir/new/s" $dev >/dev/null || fail "infer stereo"
$cli infer --weights "$dir/flow/best.safetensors" --image1 "$img" --image2 "$dir/k15/training/image_2/000000_11.png" \
  --out "$dir/f" $dev >/dev/null || fail "infer flow"
$cli infer --weights "$dir/depth/best.safetensors" --image1 "$img" --out "$dir/d" $dev >/dev/null || fail "infer depth"
for f in new/s_disp.png new/s_disp.pfm new/s_disp_color.png new/s_conf.png f_flow.png f_flow.flo f_flow_color.png f_conf.png \
  d_depth.png d_depth.pfm d_depth_color.png; do
  [ -s "$dir/$f" ] || fail "infer did not write $f"
done

# geocl forward with a target: the loss, and a gradient for every parameter
"$GEOCL_TOP_BUILDDIR/tests/make_model_files" target 1 64 64 "$dir" || fail "make_model_files target"
$cli synth --out "$dir/sq" --frames 2 --size 64x64 --quiet || fail "synth 64x64"
a="$dir/sq/sequences/00/image_2/000000.png" b="$dir/sq/sequences/00/image_3/000000.png"
$cli forward --weights "$dir/stereo/best.safetensors" --image1 "$a" --image2 "$b" --target "$dir/target.safetensors" \
  --out "$dir/O.safetensors" --grads "$dir/G.safetensors" $dev >"$dir/forward.out" || fail "forward --target"
grep -q "^loss " "$dir/forward.out" || fail "forward: no loss: $(cat "$dir/forward.out")"
[ -s "$dir/G.safetensors" ] || fail "forward: no gradients"
out=$($cli forward --weights "$dir/stereo/best.safetensors" --image1 "$a" --image2 "$b" $dev \
  --target "$dir/badtarget.safetensors" --out "$dir/O2.safetensors" 2>&1)
[ $? -eq 1 ] && printf '%s\n' "$out" | grep -q "'target' must be \[1, 1, 64, 64\] for task stereo" ||
  fail "forward with a wrong target: $out"
out=$($cli forward --weights "$dir/stereo/best.safetensors" --image1 "$a" --image2 "$b" $dev \
  --out "$dir/O3.safetensors" --grads "$dir/G3.safetensors" 2>&1)
[ $? -eq 1 ] && printf '%s\n' "$out" | grep -q "needs --target" || fail "forward --grads without a target: $out"
echo ok
