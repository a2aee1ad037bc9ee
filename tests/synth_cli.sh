#!/bin/sh
# SPDX-License-Identifier: MIT
# geocl synth on the command line: help, bad arguments (one line, exit 2),
# the layout (depth_color/ unless --no-color), refusal to overwrite, --force.
set -u
cli="${GEOCL_CLI:?run through tests/wrapper.sh}"
out="${GEOCL_TEST_TMP:?}/synth-cli"
rm -rf "$out"
. "$(dirname "$0")/cli_checks.sh"

"$cli" synth --help | grep -q "velodyne/<ffffff>.bin" || fail "--help does not describe the layout"
"$cli" --help | grep -q "synth" || fail "geocl --help does not list synth"
"$cli" --version | grep -q "^License: MIT" || fail "geocl --version does not name the licence"

check_usage synth "--out DIR is required"
check_usage synth "--frames '1'" --out "$out" --frames 1
check_usage synth "--frames 'x'" --out "$out" --frames x
check_usage synth "--size '300'" --out "$out" --size 300
check_usage synth "--size '8x64'" --out "$out" --size 8x64
check_usage synth "--sequences '0'" --out "$out" --sequences 0
check_usage synth "--seed '-1'" --out "$out" --seed -1
check_usage synth "unknown option '--bogus'" --out "$out" --bogus
check_usage synth "option '--seed' needs a value" --out "$out" --seed
check_usage synth "unexpected argument 'extra'" --out "$out" extra
check_usage synth "--layout 'kitti'" --out "$out" --layout kitti
[ ! -e "$out" ] || fail "a refused command created $out"

"$cli" synth --out "$out" --sequences 2 --frames 4 --size 48x32 --seed 5 >"$out.log" || fail "synth failed"
grep -q "frames/s" "$out.log" || fail "no speed in the summary: $(cat "$out.log")"
for f in pairs.txt sequences/00/calib.txt sequences/01/poses.txt sequences/00/image_2/000002.png \
  sequences/01/depth/000000.png sequences/01/depth_color/000003.png sequences/01/velodyne/000001.bin; do
  [ -s "$out/$f" ] || fail "missing $f"
done
[ -z "$(find "$out" -name '*.tmp-*')" ] || fail "temporary files left behind"
[ "$(png_size "$out/sequences/00/depth_color/000000.png")" = 48x32 ] || fail "depth_color is not 48x32"
"$cli" synth --out "$out.plain" --frames 2 --size 48x32 --no-color --quiet || fail "--no-color failed"
[ -s "$out.plain/sequences/00/depth/000000.png" ] && [ ! -e "$out.plain/sequences/00/depth_color" ] ||
  fail "--no-color: $(ls "$out.plain/sequences/00")"
rm -rf "$out.plain"

# an existing data set is not overwritten without --force
"$cli" synth --out "$out" --frames 4 --size 48x32 2>"$out.err"
rc=$?
[ "$rc" -eq 1 ] || fail "overwrite: exit $rc, expected 1"
grep -q "already exists.*--force" "$out.err" || fail "overwrite message: $(cat "$out.err")"
cp "$out/pairs.txt" "$out.pairs"
"$cli" synth --out "$out" --sequences 2 --frames 4 --size 48x32 --seed 5 --force --quiet || fail "--force failed"
cmp -s "$out/pairs.txt" "$out.pairs" || fail "the same arguments gave another pairs.txt"

# the KITTI 2015 layout: scenes of both views with disparity and flow
rm -rf "$out"
"$cli" synth --out "$out" --frames 4 --size 48x32 --layout kitti2015 --quiet || fail "--layout kitti2015 failed"
for f in pairs.txt training/image_2/000000_10.png training/image_2/000000_11.png training/image_3/000000_10.png \
  training/disp_occ_0/000000_10.png training/disp_noc_0/000000_10.png training/flow_occ/000000_10.png \
  training/flow_noc/000000_10.png training/calib/000000.txt; do
  [ -s "$out/$f" ] || fail "kitti2015: missing $f"
done
[ ! -e "$out/sequences" ] || fail "kitti2015 wrote sequences/"
"$cli" synth --out "$out" --frames 4 --size 48x32 --layout kitti2015 2>"$out.err"
grep -q "already exists.*--force" "$out.err" || fail "kitti2015 overwrite message: $(cat "$out.err")"

rm -rf "$out" "$out.err" "$out.log" "$out.pairs"
echo "PASS: synth command line"
