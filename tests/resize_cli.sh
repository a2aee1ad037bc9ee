#!/bin/sh
# SPDX-License-Identifier: MIT
# --resize: images that are img1 scaled by whole factors, or framed by rows
# that crop removes, give geocl forward exactly img1's outputs; reconstruct
# fits any size by default; forward wants the size unless asked.
set -u
cli="$GEOCL_CLI"
. "$(dirname "$0")/cli_checks.sh"
dir="$GEOCL_TEST_TMP/resize_cli"
rm -rf "$dir" && mkdir -p "$dir"
"$GEOCL_TOP_BUILDDIR/tests/make_model_files" "$dir" || fail "making the files"
close="$GEOCL_TOP_BUILDDIR/tests/st_allclose"
M="$dir/model.safetensors" I2="$dir/img2.png"
fwd() { # OUT IMAGE1 [options]
  out=$1 img=$2
  shift 2
  "$cli" forward --device reference --weights "$M" --image1 "$img" --image2 "$I2" --mask "$dir/mask.safetensors" \
    --out "$dir/$out.safetensors" "$@" >/dev/null || fail "forward $out $*"
}
fwd ref "$dir/img1.png"
fwd x2crop "$dir/img1_x2.png" --resize crop       # 2x2 blocks averaged back
fwd x2stretch "$dir/img1_x2.png" --resize stretch
fwd wide "$dir/img1_wide.png" --resize stretch    # bilinear halving of repeated columns
fwd framed "$dir/img1_framed.png" --resize crop   # the centre 48x32 of 48x48
for o in x2crop x2stretch wide framed; do
  "$close" "$dir/$o.safetensors:feat1" "$dir/ref.safetensors:feat1" 1e-6 || fail "$o: feat1 differs from img1's"
  "$close" "$dir/$o.safetensors:loss" "$dir/ref.safetensors:loss" 1e-6 || fail "$o: loss differs from img1's"
done
# without crop the frame stays in the picture: stretch must differ
fwd framedstretch "$dir/img1_framed.png" --resize stretch
"$close" "$dir/framedstretch.safetensors:feat1" "$dir/ref.safetensors:feat1" 1e-3 >/dev/null &&
  fail "a stretched framed image gave img1's features"
# forward wants the model's size by default; reconstruct fits by default
"$cli" forward --device reference --weights "$M" --image1 "$dir/img1_x2.png" --image2 "$I2" --out "$dir/x.safetensors" \
  2>"$dir/err" && fail "forward took a 96x64 image without --resize"
grep -q "img1_x2.png is 96x64 (WxH) but the model's img_size is 48x32" "$dir/err" || fail "forward: $(cat "$dir/err")"
"$cli" reconstruct --device reference --weights "$M" --image1 "$dir/img1_x2.png" --image2 "$I2" --out "$dir/r.png" \
  >/dev/null || fail "reconstruct of a 96x64 image"
check_usage forward "--resize squash: expected none, crop or stretch" --weights "$M" --image1 "$dir/img1.png" \
  --out "$dir/x.safetensors" --resize squash
echo ok
