#!/bin/sh
# SPDX-License-Identifier: MIT
# geocl encode: the features head's encoder output equals what geocl forward
# computes with the pretext model for the image it never masks (feat2), in
# safetensors and in .npy; decoder blocks, another input size; bad arguments
# refused.
set -u
cli="$GEOCL_CLI"
. "$(dirname "$0")/cli_checks.sh"
dir="$GEOCL_TEST_TMP/encode_cli"
rm -rf "$dir" && mkdir -p "$dir"
"$GEOCL_TOP_BUILDDIR/tests/make_model_files" "$dir" || fail "making the files"
close="$GEOCL_TOP_BUILDDIR/tests/st_allclose"
M="$dir/model.safetensors" I1="$dir/img1.png" I2="$dir/img2.png"

# CroCo never masks image 2: forward's feat2 is the encoder's normalised output on it
"$cli" forward --device reference --weights "$M" --image1 "$I1" --image2 "$I2" --mask "$dir/mask.safetensors" \
  --out "$dir/fwd.safetensors" >/dev/null || fail "forward"
"$cli" encode --device reference --weights "$M" --image1 "$I2" --out "$dir/enc.safetensors" >"$dir/out" ||
  fail "encode: $(cat "$dir/out")"
grep -q "^wrote $dir/enc.safetensors: enc.0 \[1, 6, 16\]$" "$dir/out" || fail "encode said: $(cat "$dir/out")"
"$close" "$dir/enc.safetensors:enc.0" "$dir/fwd.safetensors:feat2" 1e-6 || fail "encoder features differ from forward's"
"$cli" encode --device reference --weights "$M" --image1 "$I2" --out "$dir/enc.npy" >/dev/null || fail "encode .npy"
"$close" "$dir/enc.npy" "$dir/fwd.safetensors:feat2" 1e-6 || fail ".npy differs from forward's feat2"
# decoder blocks: image 1 decoded against image 2 (only the shape here: no independent reference of the
# unmasked decoder exists in the suite; check_heads checks its last output's normalisation)
"$cli" encode --device reference --weights "$M" --image1 "$I1" --image2 "$I2" --blocks last,dec.0 \
  --out "$dir/both.safetensors" >"$dir/out" || fail "encode dec.0: $(cat "$dir/out")"
grep -q "enc.0 \[1, 6, 16\] dec.0 \[1, 6, 16\]$" "$dir/out" || fail "encode dec.0 said: $(cat "$dir/out")"

# a cosine-embedding checkpoint of 32x32 run at 64x48: its tables resampled to the 8x6 grid
tiny="img_size=32 patch_size=8 enc_embed_dim=32 enc_depth=2 enc_num_heads=2 dec_embed_dim=32 dec_depth=1 dec_num_heads=2"
"$cli" pretrain --device reference --steps 1 --batch 2 --synthetic-pairs 8 --out "$dir/cos" --quiet $tiny \
  pos_embed=cosine >/dev/null || fail "pretrain cosine"
"$cli" synth --out "$dir/syn" --frames 2 --size 48x64 --quiet >/dev/null || fail "synth"
"$cli" encode --device reference --weights "$dir/cos/last.safetensors" --image1 "$dir/syn/sequences/00/image_2/000000.png" \
  --out "$dir/cos.safetensors" backbone.img_size=64x48 >"$dir/out" 2>&1 || fail "encode at 64x48: $(cat "$dir/out")"
grep -q "enc.1 \[1, 48, 32\]" "$dir/out" || fail "encode at 64x48 said: $(cat "$dir/out")"
check_usage encode "only backbone.KEY=VALUE options" --weights "$M" --image1 "$I1" --out "$dir/x.npy" img_size=64

check_usage encode "give --image2" --weights "$M" --image1 "$I1" --blocks dec.0 --out "$dir/x.npy"
check_usage encode "--image2 is read by decoder blocks only" --weights "$M" --image1 "$I1" --image2 "$I2" \
  --out "$dir/x.npy"
check_usage encode "--out $dir/x.png: name the file" --weights "$M" --image1 "$I1" --out "$dir/x.png"
"$cli" encode --device reference --weights "$M" --image1 "$I1" --blocks encoder,enc.0 --out "$dir/x.npy" \
  2>"$dir/err" && fail "two blocks into one .npy"
grep -q "a .npy file holds one array" "$dir/err" || fail "two blocks into .npy: $(cat "$dir/err")"
[ ! -e "$dir/x.npy" ] || fail "a refused encode wrote x.npy"
echo ok
