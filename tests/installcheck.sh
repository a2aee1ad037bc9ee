#!/bin/sh
# SPDX-License-Identifier: MIT
# make installcheck: the installed geocl, used as a plugin author would use
# it.  Builds examples/depthprobe out of tree with pkg-config against the
# installed headers and library, then trains it on a frozen CroCo encoder
# pre-trained by the installed `geocl pretrain`, with validation.
# Arguments: srcdir bindir libdir.
set -eu
srcdir=$1 bindir=$2 libdir=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/geocl-installcheck.XXXXXX")
trap 'rm -rf "$work"' EXIT
export PKG_CONFIG_PATH="$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
unset GEOCL_PLUGIN_PATH GEOCL_BACKEND_PATH
geocl="$bindir/geocl"

cp "$srcdir/examples/depthprobe/depthprobe.c" "$srcdir/examples/depthprobe/Makefile" "$work/"
make -s -C "$work" depthprobe.so
echo "installcheck: built depthprobe.so against $(pkg-config --modversion geocl) in $libdir"

"$geocl" plugins | grep -q '^croco ' || { echo "installcheck: the installed geocl lists no croco plugin"; exit 1; }
tiny="img_size=64 enc_embed_dim=64 enc_depth=2 enc_num_heads=2 dec_embed_dim=64 dec_depth=1 dec_num_heads=2"
"$geocl" synth --out "$work/synth" --sequences 2 --frames 4 --size 72x72 --quiet
"$geocl" pretrain --steps 3 --batch 4 --out "$work/pre" --quiet $tiny
GEOCL_PLUGIN_PATH="$work" "$geocl" finetune --head depthprobe --init "$work/pre/last.safetensors" \
  --data "$work/synth" --val-data "$work/synth" --steps 4 --batch 4 --save-every 2 --out "$work/ft" > "$work/ft.out"
cat "$work/ft.out"
grep -q "tensors loaded" "$work/ft.out" || { echo "installcheck: no load report"; exit 1; }
grep -q '"val": {"abs_rel"' "$work/ft/metrics.jsonl" ||
  { echo "installcheck: no validation metrics in metrics.jsonl"; cat "$work/ft/metrics.jsonl"; exit 1; }
echo "installcheck: depthprobe trained on the installed geocl; validation in metrics.jsonl"

# The converters: installed with their modules; with PyTorch, the run above converts back.
for tool in croco simipu; do
  "$bindir/geocl-convert-$tool" --help > /dev/null || { echo "installcheck: geocl-convert-$tool --help failed"; exit 1; }
done
modules=$(sed -n 's|^MODULES = Path("\(.*\)")$|\1|p' "$bindir/geocl-convert-croco")
for m in croco_ref dpt_ref simipu_ref stio philox; do
  [ -f "$modules/$m.py" ] || { echo "installcheck: geocl-convert-croco looks for $m.py in '$modules': not there"; exit 1; }
done
if /usr/bin/python3 -c 'import torch, numpy' 2> /dev/null; then
  "$bindir/geocl-convert-croco" --reverse "$work/pre/last.safetensors" -o "$work/pre.pth"
  [ -s "$work/pre.pth" ] || { echo "installcheck: geocl-convert-croco wrote no $work/pre.pth"; exit 1; }
fi
echo "installcheck: the converters find their modules in $modules"
