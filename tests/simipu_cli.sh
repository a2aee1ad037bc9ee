#!/bin/sh
# SPDX-License-Identifier: MIT
# geocl pretrain --task simipu end to end on geocl synth's LiDAR data (the
# odometry layout through the lidar pipeline), at a size below the tiny
# preset's: the loss falls, a run stopped and resumed repeats the straight
# run bit for bit (losses and weights), and the picture is written; the same
# frames in the KITTI object layout train too, a bad frame skipped with a warning.
set -u
dir="$GEOCL_TEST_TMP/simipu_cli"
rm -rf "$dir" && mkdir -p "$dir"
cli="$GEOCL_CLI"
. "$(dirname "$0")/cli_checks.sh" # png_size
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
small="img_size=64x160 img_scale=160x48,160x48 num_points=512 sa_points=128,32,16 sa3_fps_range=16"
common="--task simipu --data $dir/data --batch 4 --steps 12 --log-every 1 --save-every 6 --recon-every 6 --quiet"
losses() { grep -o '"loss": [^,}]*' "$1" | cut -d' ' -f2; }

$cli synth --out "$dir/data" --sequences 2 --frames 4 --size 320x96 --quiet || fail "geocl synth"
$cli pretrain $common --out "$dir/full" $small || fail "pretrain"
losses "$dir/full/metrics.jsonl" > "$dir/full.loss"
[ "$(wc -l < "$dir/full.loss")" -eq 12 ] || fail "the run did not log 12 steps"
# the mean of the last 4 losses below the first 4's by 0.3 (about 10.4 -> 9.5 here)
drop=$(awk '{v[NR] = $1} END {for (i = 1; i <= 4; i++) {a += v[i]; b += v[NR - 4 + i]} printf "%.3f", (a - b) / 4}' \
  "$dir/full.loss")
echo "simipu 12 steps: mean loss of the first 4 steps minus the last 4: $drop"
awk -v d="$drop" 'BEGIN {exit !(d != "" && d > 0.3)}' || fail "the loss did not fall (drop $drop)"
for k in loss_intra loss_inter intro_acc_top1 intro_acc_top5 cross_acc_top1 cross_acc_top5; do
  grep -q "\"$k\": " "$dir/full/metrics.jsonl" || fail "metrics.jsonl has no $k"
done
for s in 6 12; do
  head -c 8 "$dir/full/recon-$s.png" | od -An -c | grep -q "P   N   G" || fail "no picture recon-$s.png"
  # 160x64 image beside a 96-wide panel of curves, under an 11-row caption strip
  [ "$(png_size "$dir/full/recon-$s.png")" = 256x75 ] || fail "recon-$s.png is $(png_size "$dir/full/recon-$s.png")"
done

# stopped after step 6 and resumed: the straight run's losses and weights, bit for bit
$cli pretrain $common --stop-at 6 --out "$dir/split" $small || fail "pretrain --stop-at 6"
[ "$(losses "$dir/split/metrics.jsonl" | wc -l)" -eq 6 ] || fail "--stop-at 6 did not stop after step 6"
$cli pretrain --resume "$dir/split" --quiet || fail "resume"
losses "$dir/split/metrics.jsonl" > "$dir/split.loss"
cmp -s "$dir/full.loss" "$dir/split.loss" || { paste "$dir/full.loss" "$dir/split.loss"; fail "resumed losses differ"; }
cmp -s "$dir/full/last.safetensors" "$dir/split/last.safetensors" || fail "resumed weights differ"

# the same frames in the KITTI 3D object layout (training/, calib per frame with R0_rect and
# Tr_velo_to_cam, one frame with a short velodyne file): trains, skipping that frame with a count
obj="$dir/object/training"
mkdir -p "$obj/image_2" "$obj/calib" "$obj/velodyne"
n=0
for s in 00 01; do
  for f in "$dir/data/sequences/$s/image_2/"*.png; do
    id=$(printf '%06d' $n)
    frame=$(basename "$f" .png)
    cp "$f" "$obj/image_2/$id.png"
    cp "$dir/data/sequences/$s/velodyne/$frame.bin" "$obj/velodyne/$id.bin"
    sed -e 's/^Tr:/Tr_velo_to_cam:/' "$dir/data/sequences/$s/calib.txt" > "$obj/calib/$id.txt"
    echo "R0_rect: 1 0 0 0 1 0 0 0 1" >> "$obj/calib/$id.txt"
    echo "Tr_imu_to_velo: 1 0 0 0 0 1 0 0 0 0 1 0" >> "$obj/calib/$id.txt"
    n=$((n + 1))
  done
done
head -c 100 "$obj/velodyne/000007.bin" > "$dir/short.bin" && mv "$dir/short.bin" "$obj/velodyne/000007.bin"
$cli pretrain --task simipu --data "kitti-object:$dir/object" --batch 4 --steps 2 --log-every 1 --out "$dir/object-run" \
  --recompute $small > "$dir/object.out" 2>&1 || { cat "$dir/object.out"; fail "pretrain on the kitti-object layout"; }
grep -q "000007.bin" "$dir/object.out" || { cat "$dir/object.out"; fail "no warning naming the short velodyne file"; }
# SimIPU has no transformer blocks: --recompute is said to change nothing
grep -q -- "--recompute changes nothing here" "$dir/object.out" || { cat "$dir/object.out"; fail "no note on --recompute"; }
[ "$(losses "$dir/object-run/metrics.jsonl" | wc -l)" -eq 2 ] || fail "the kitti-object run did not log 2 steps"
[ $fails -eq 0 ]
