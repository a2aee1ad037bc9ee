#!/bin/sh
# SPDX-License-Identifier: MIT
# geocl encode: the features head's block outputs equal what geocl forward
# computes with the pretext model when no token is masked (the encoder's
# normalised output feat1 and the decoder's normalised output dec), in
# safetensors and in .npy; bad arguments refused.
set -u
cli="$GEOCL_CLI"
. "$(dirname "$0")/cli_checks.sh"
dir="$GEOCL_TEST_TMP/encode_cli"
rm -rf "$dir" && mkdir -p "$dir"
"$GEOCL_TOP_BUILDDIR/tests/make_model_files" "$dir" || fail "making the files"
close="$GEOCL_TOP_BUILDDIR/tests/st_allclose"
M="$dir/model.safetensors" I1="$dir/img1.png" I2="$dir/img2.png"

"$cli" forward --device reference --weights "$M" --image1 "$I1" --image2 "$I2" --mask "$dir/nomask.safetensors" \
  --out "$dir/fwd.safetensors" >/dev/null || fail "forward"
"$cli" encode --device reference --weights "$M" --image1 "$I1" --image2 "$I2" --blocks last,dec.0 \
  --out "$dir/enc.safetensors" >"$dir/out" || fail "encode: $(cat "$dir/out")"
grep -q "^wrote $dir/enc.safetensors: enc.0 \[1, 6, 16\] dec.0 \[1, 6, 16\]$" "$dir/out" || fail "encode said: $(cat "$dir/out")"
"$close" "$dir/enc.safetensors:enc.0" "$dir/fwd.safetensors:feat1" 1e-6 || fail "encoder features differ from forward's"
"$close" "$dir/enc.safetensors:dec.0" "$dir/fwd.safetensors:dec" 1e-6 || fail "decoder features differ from forward's"
"$cli" encode --device reference --weights "$M" --image1 "$I1" --out "$dir/enc.npy" >/dev/null || fail "encode .npy"
"$close" "$dir/enc.npy" "$dir/fwd.safetensors:feat1" 1e-6 || fail ".npy differs from forward's feat1"

check_usage encode "give --image2" --weights "$M" --image1 "$I1" --blocks dec.0 --out "$dir/x.npy"
check_usage encode "--image2 is read by decoder blocks only" --weights "$M" --image1 "$I1" --image2 "$I2" \
  --out "$dir/x.npy"
check_usage encode "--out $dir/x.png: name the file" --weights "$M" --image1 "$I1" --out "$dir/x.png"
"$cli" encode --device reference --weights "$M" --image1 "$I1" --blocks encoder,enc.0 --out "$dir/x.npy" \
  2>"$dir/err" && fail "two blocks into one .npy"
grep -q "a .npy file holds one array" "$dir/err" || fail "two blocks into .npy: $(cat "$dir/err")"
[ ! -e "$dir/x.npy" ] || fail "a refused encode wrote x.npy"
echo ok
