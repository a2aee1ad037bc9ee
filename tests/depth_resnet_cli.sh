#!/bin/sh
# SPDX-License-Identifier: MIT
# The depth-resnet head end to end on geocl synth's frames: a 2-step
# `geocl pretrain --task simipu` checkpoint, then `geocl finetune` from it
# (every ResNet-18 tensor loaded by name) and from scratch
# (--backbone-preset tiny), validation, `geocl eval --json` with finite
# metrics from tiled inference at the head's crop, `geocl infer`, and the
# one-line error of a crop the encoder cannot take.  64x64 crops keep it
# to seconds on the reference backend.
set -u
dir="$GEOCL_TEST_TMP/depth_resnet_cli"
rm -rf "$dir" && mkdir -p "$dir"
cli="$GEOCL_CLI"
. "$(dirname "$0")/cli_checks.sh"
dev=""  # the default device, as simipu_cli.sh
small="img_size=64x160 img_scale=160x48,160x48 num_points=512 sa_points=128,32,16 sa3_fps_range=16"

$cli synth --out "$dir/train" --sequences 2 --frames 4 --size 96x64 --quiet || fail "synth train"
$cli synth --out "$dir/val" --sequences 1 --frames 2 --size 96x64 --seed 1 --quiet || fail "synth val"
$cli pretrain --task simipu $dev --data "$dir/train" --batch 4 --steps 2 --out "$dir/pre" $small --quiet \
  >"$dir/pre.out" 2>&1 || { cat "$dir/pre.out"; fail "simipu pretrain"; }

for arm in simipu scratch; do
  case $arm in
    simipu) from="--init $dir/pre/last.safetensors" ;;
    scratch) from="--backbone-preset tiny" ;;
  esac
  $cli finetune --head depth-resnet $from $dev --data "$dir/train" --val-data "$dir/val" --batch 2 --steps 3 \
    --log-every 1 --seed 4 crop=64x64 --out "$dir/$arm" >"$dir/$arm.out" 2>&1 || { cat "$dir/$arm.out"; fail "finetune $arm"; }
  grep -q "step 3/3 .* abs_rel " "$dir/$arm.out" || fail "$arm: no abs_rel on the progress line: $(cat "$dir/$arm.out")"
  grep -q '"val": {"abs_rel": [0-9]' "$dir/$arm/metrics.jsonl" || fail "$arm: validation: $(cat "$dir/$arm/metrics.jsonl")"
  # 96x64 frames, 64x64 tiles at overlap 0.7: 3 per image
  $cli eval --weights "$dir/$arm/last.safetensors" --data "$dir/val" $dev --json >"$dir/$arm.json" || fail "eval $arm"
  grep -q '"task": "depth-resnet".*"samples": 2, .*"tiles": 6, "crop": \[64, 64\]' "$dir/$arm.json" ||
    fail "eval $arm JSON: $(cat "$dir/$arm.json")"
  for k in abs_rel rmse delta1; do
    grep -Eq "\"$k\": -?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?[,}]" "$dir/$arm.json" ||
      fail "eval $arm: $k is not a finite number: $(cat "$dir/$arm.json")"
  done
done
# ResNet-18 under the simipu name: conv1 + bn1 (weight, bias, running mean and
# variance, batches tracked) 6, eight basic blocks 12 each, three shortcuts 6 each
grep -q "init $dir/pre/last.safetensors: 120 tensors loaded" "$dir/simipu.out" ||
  fail "the simipu checkpoint's encoder was not loaded whole: $(grep '^init' "$dir/simipu.out")"
grep -q "kept at initialisation (head.conv_list.0.conv.weight" "$dir/simipu.out" || fail "the head was not kept at its init"
cmp -s "$dir/simipu/last.safetensors" "$dir/scratch/last.safetensors" && fail "pre-trained and scratch runs are identical"

img=$(ls "$dir/val/sequences/00/image_2/"*.png | head -n 1)
$cli infer --weights "$dir/simipu/last.safetensors" --image1 "$img" $dev --out "$dir/out/a" >/dev/null ||
  fail "infer"
for f in a_depth.png a_depth.pfm a_depth_color.png; do [ -s "$dir/out/$f" ] || fail "infer wrote no $f"; done

$cli finetune --head depth-resnet --backbone-preset tiny $dev --data "$dir/train" --steps 1 crop=100x100 \
  --out "$dir/bad" >/dev/null 2>"$dir/bad.err" && fail "crop=100x100 was accepted"
grep -q "depth-resnet: crop: both sides must be multiples of 32" "$dir/bad.err" || fail "bad crop: $(cat "$dir/bad.err")"
# one line of error (a warning that no OpenCL device is usable may come first)
[ "$(grep -vc ': warning: ' "$dir/bad.err")" -eq 1 ] || fail "bad crop: not one line: $(cat "$dir/bad.err")"
echo "depth-resnet: finetune (simipu init and scratch), eval --json and infer passed"
