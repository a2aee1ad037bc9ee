#!/bin/sh
# SPDX-License-Identifier: MIT
# geocl forward and reconstruct on a tiny model: the happy path, and bad
# inputs that must each give one clear line and a non-zero exit.
set -u
dir="$GEOCL_TEST_TMP/model_cli"
rm -rf "$dir" && mkdir -p "$dir"
"$GEOCL_TOP_BUILDDIR/tests/make_model_files" "$dir" || { echo "FAIL: making the files"; exit 1; }
geocl="$GEOCL_CLI"
fails=0

# expect STATUS PATTERN COMMAND...: the exit status and a pattern of its output
expect() {
  want_status=$1 pattern=$2
  shift 2
  out=$("$@" 2>&1)
  status=$?
  if [ "$status" -ne "$want_status" ] || ! printf '%s\n' "$out" | grep -q -- "$pattern"; then
    echo "FAIL: $*"
    echo "  exit $status (wanted $want_status), output:"
    printf '%s\n' "$out" | sed 's/^/    /'
    fails=$((fails + 1))
  else
    echo "ok: $pattern"
  fi
}

M="$dir/model.safetensors"
I1="$dir/img1.png"
I2="$dir/img2.png"
run="$geocl forward --device reference"

expect 0 "loss" $run --weights "$M" --image1 "$I1" --image2 "$I2" --mask "$dir/mask.safetensors" \
  --out "$dir/o.safetensors" --grads "$dir/g.safetensors"
[ -s "$dir/o.safetensors" ] && [ -s "$dir/g.safetensors" ] || { echo "FAIL: no output files"; fails=$((fails + 1)); }
expect 0 "wrote" $geocl reconstruct --device reference --weights "$M" --image1 "$I1" --image2 "$I2" \
  --out "$dir/recon.png"
[ -s "$dir/recon.png" ] || { echo "FAIL: no picture"; fails=$((fails + 1)); }

expect 1 "small.png is 16x16 (WxH) but the model's img_size is 48x32" \
  $run --weights "$M" --image1 "$dir/small.png" --image2 "$I2" --out "$dir/x.safetensors"
echo "not an image" > "$dir/text.png"
expect 1 "text.png" $run --weights "$M" --image1 "$dir/text.png" --image2 "$I2" --out "$dir/x.safetensors"
expect 1 "1 missing (mask_token)" $run --weights "$dir/missing.safetensors" --image1 "$I1" --image2 "$I2" \
  --out "$dir/x.safetensors"
expect 1 "with another shape" $run --weights "$M" --image1 "$I1" --image2 "$I2" --out "$dir/x.safetensors" \
  enc_embed_dim=32
head -c 1000 "$M" > "$dir/truncated.safetensors"
expect 1 "truncated.safetensors" $run --weights "$dir/truncated.safetensors" --image1 "$I1" --image2 "$I2" \
  --out "$dir/x.safetensors"
expect 1 "nosuch.safetensors" $run --weights "$dir/nosuch.safetensors" --image1 "$I1" --image2 "$I2" \
  --out "$dir/x.safetensors"
expect 1 "needs --image2" $run --weights "$M" --image1 "$I1" --out "$dir/x.safetensors"
expect 1 "'mask' must have shape \[6\] or \[1, 6\]" $run --weights "$M" --image1 "$I1" --image2 "$I2" \
  --mask "$dir/badmask.safetensors" --out "$dir/x.safetensors"
expect 1 "croco has no option 'enc_dim'" $run --weights "$M" --image1 "$I1" --image2 "$I2" \
  --out "$dir/x.safetensors" enc_dim=32
expect 1 "holds a 'croco' model, not 'mae'" $run --task mae --weights "$M" --image1 "$I1" --out "$dir/x.safetensors"
expect 2 "required" $run --weights "$M" --image1 "$I1"
expect 1 "the mask hides no patch" $run --weights "$M" --image1 "$I1" --image2 "$I2" \
  --mask "$dir/nomask.safetensors" --out "$dir/x.safetensors"
# recorded configs that do not fit the tensors: refused before anything is
# built (enc_depth 1e8 used to hang; timeout turns a hang into a failure)
expect 1 "deep.safetensors: does not match the model: it declares over" \
  timeout 60 $run --weights "$dir/deep.safetensors" --image1 "$I1" --image2 "$I2" --out "$dir/x.safetensors"
expect 1 "wide.safetensors: params: with 'patch_embed.proj.weight' \[1099511627776, 3, 16, 16\]" \
  timeout 60 $run --weights "$dir/wide.safetensors" --image1 "$I1" --image2 "$I2" --out "$dir/x.safetensors"
expect 1 "bigimg.safetensors: does not match the model: 2 missing (enc_pos_embed, dec_pos_embed)" \
  timeout 60 $run --weights "$dir/bigimg.safetensors" --image1 "$I1" --image2 "$I2" --out "$dir/x.safetensors"
expect 1 "nan.safetensors: tensor 'mask_token' holds NaN at element 0" \
  $run --weights "$dir/nan.safetensors" --image1 "$I1" --image2 "$I2" --out "$dir/x.safetensors"
# non-regular files are refused at once, not waited on
mkfifo "$dir/fifo.safetensors" "$dir/fifo.png"
expect 1 "fifo.safetensors: not a regular file" \
  timeout 60 $run --weights "$dir/fifo.safetensors" --image1 "$I1" --image2 "$I2" --out "$dir/x.safetensors"
expect 1 "fifo.png: not a regular file" \
  timeout 60 $run --weights "$M" --image1 "$dir/fifo.png" --image2 "$I2" --out "$dir/x.safetensors"
[ ! -e "$dir/x.safetensors" ] || { echo "FAIL: a failed run wrote an output"; fails=$((fails + 1)); }
[ $fails -eq 0 ] || exit 1
