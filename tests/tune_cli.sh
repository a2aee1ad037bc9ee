#!/bin/sh
# SPDX-License-Identifier: MIT
# geocl tune: bad arguments, --list accounts for a step's useful work, a tuning run writes the device's cache file
# (atomically, not with GEOCL_TUNE_CACHE=off), and later runs use what it
# says for the tuned shape and its class (format 1 files too), and ignore a
# corrupt file. (CLBlast parameters in the file: check_opencl_smoke.)
set -u
cli="${GEOCL_CLI:?run through tests/wrapper.sh}"
dir="${GEOCL_TEST_TMP:?}/tune-cli"
rm -rf "$dir" && mkdir -p "$dir"
. "$(dirname "$0")/cli_checks.sh"

"$cli" --help | grep -q "tune" || fail "geocl --help does not list tune"
"$cli" tune --help | grep -q "GEOCL_TUNE_CACHE" || fail "--help does not say where results go"
check_usage tune "go together" --m 8
check_usage tune "--repeat" --m 8 --n 8 --k 8 --repeat 0
check_usage tune "unexpected argument 'x=1'" --m 8 --n 8 --k 8 x=1
check_usage tune "--m 18446744073709551615: expected a whole number" --m 18446744073709551615 --n 8 --k 8
check_usage tune "--resnet takes 18, 34, 50, 101 or 152" --resnet 42
check_usage tune "--resnet takes 18, 34, 50, 101 or 152, and neither" --resnet 50 --m 8 --n 8 --k 8
check_usage tune "--size 0: expected HxW or S" --resnet 18 --size 0
check_usage tune "--list records a step's shapes" --list --m 8 --n 8 --k 8
check_usage tune "--json goes with --list" --json

# --list: the listed GEMMs (2·m·n·k·batch per call) and attention calls
# (4·nq·nk·d per head forward, twice that backward) add up to the useful work
# geocl_ctx_flops counts for the same step
"$cli" tune --list --json --model tiny --batch 1 --device reference >"$dir/list" || fail "tune --list failed"
"$cli" bench step --model tiny --batch 1 --repeat 1 --warmup 0 --json --device reference >"$dir/step" ||
  fail "bench step failed"
listed=$(awk '{ kind = $1; gsub(/[^0-9]+/, " "); split($0, v, " ") }
  kind ~ /gemm/ { t += 2 * v[1] * v[2] * v[3] * v[4] * v[7] }
  kind ~ /attention/ { t += 4 * v[1] * v[2] * v[3] * v[4] * v[5] * (v[7] + 2 * v[8]) }
  END { printf "%.6g", t * 1e-9 }' "$dir/list")
counted=$(grep -o '"gflop_per_step": [0-9.e+-]*' "$dir/step" | cut -d' ' -f2)
awk -v a="$listed" -v b="$counted" 'BEGIN { exit !(b > 0 && (a - b) / b < 1e-3 && (b - a) / b < 1e-3) }' ||
  fail "tune --list accounts for $listed GFLOP, bench step counts $counted: $(cat "$dir/list")"
[ "$(grep -c '^{"gemm"' "$dir/list")" -gt 10 ] || fail "too few GEMM shapes listed: $(cat "$dir/list")"
# calls whose B an earlier call of the step packed: each of an encoder block's
# four weights serves both views forward and backward (8 a block), the patch
# embedding both images, decoder_embed both encodings forward and backward (3)
"$cli" tune --list --json --model tiny --batch 1 --device reference enc_depth=4 >"$dir/list4" ||
  fail "tune --list enc_depth=4 failed"
kept=$(awk '/^{"gemm"/ { gsub(/[^0-9]+/, " "); split($0, v, " "); k += v[8] } END { print k + 0 }' "$dir/list4")
[ "$kept" = 35 ] || fail "tune --list: $kept calls with B kept at enc_depth=4, expected 35: $(cat "$dir/list4")"
"$cli" tune --list --model tiny --batch 1 --device reference | grep -q "GEMM shapes of one croco step (batch 1)" ||
  fail "tune --list: no table"

"$cli" devices | grep -q "^[0-9][0-9]* *opencl " || { echo "SKIP: no OpenCL device"; exit 77; }

# a quick tuning run keeps its result in one file of the cache directory
GEOCL_TUNE_CACHE="$dir/cache" "$cli" tune --m 13 --n 32 --k 24 --quick --repeat 1 >"$dir/out" ||
  fail "tune failed: $(cat "$dir/out")"
file=$(ls "$dir"/cache/gemm-*.txt) || fail "no cache file: $(cat "$dir/out")"
grep -q "kept in $file" "$dir/out" || fail "the output does not name $file: $(cat "$dir/out")"
[ "$(head -n 1 "$file")" = "geocl-gemm-tune 3" ] || fail "no format line in $file"
grep -q "^CLBlast parameters: not tuned" "$dir/out" || fail "no CLBlast stage (skipped for a tiny shape): $(cat "$dir/out")"
grep -q "^0 0 13 32 24 1 \(geocl\|clblast\)" "$file" || fail "no entry for the tuned shape: $(cat "$file")"
[ "$(ls "$dir/cache" | wc -l)" -eq 1 ] || fail "files besides $file: $(ls "$dir/cache")"
GEOCL_TUNE_CACHE=off "$cli" tune --m 13 --n 32 --k 24 --quick --repeat 1 >"$dir/out" || fail "tune (off) failed"
grep -q "memory only" "$dir/out" || fail "GEOCL_TUNE_CACHE=off: $(cat "$dir/out")"

# what the file says runs: CLBlast for 40x48x40 and its class (50x36x33), geocl's kernel elsewhere
ran() { # which GEMM bench ran for m n k with the cache in $dir/cache
  GEOCL_TUNE_CACHE="${4:-$dir/cache}" "$cli" bench gemm --m "$1" --n "$2" --k "$3" --repeat 1 --warmup 0 --profile \
    2>"$dir/err" | grep -o "clblast_sgemm\|gemm_tile"
}
{ head -n 1 "$file" && echo "0 0 40 48 40 1 clblast"; } >"$dir/new" && mv "$dir/new" "$file"
[ "$(ran 40 48 40)" = "clblast_sgemm" ] || fail "the tuned shape did not run CLBlast"
[ "$(ran 50 36 33)" = "clblast_sgemm" ] || fail "a shape of the tuned one's class did not run CLBlast"
[ "$(ran 40 48 40 off)" = "gemm_tile" ] || fail "GEOCL_TUNE_CACHE=off: the untuned GEMM did not run"
[ "$(ran 100 48 40)" = "gemm_tile" ] || fail "a shape of another class did not run the untuned GEMM"
# a file of format 1 (no clblast-xgemm line) is still read
sed -i 1s/3/1/ "$file"
[ "$(ran 40 48 40)" = "clblast_sgemm" ] || fail "a format 1 file was not read: $(cat "$dir/err")"
sed -i 1s/1/3/ "$file"
# lines that do not parse, or name parameters the kernel cannot take, are skipped
{ echo "0 0 40 48 40 1 geocl tm=99" && echo "0 0 40 48 40 1 geocl tm=6 vw=3 nv=2 ku=4 wg=1x1 panels=1 pack_a=0 pack_b=1 pack_wg=1"; } >>"$file"
[ "$(ran 40 48 40)" = "clblast_sgemm" ] || fail "a bad line spoilt the file: $(cat "$dir/err")"
echo "not a tuning file" >"$file"
[ "$(ran 40 48 40)" = "gemm_tile" ] || fail "a corrupt file was used"
grep -q "ignored" "$dir/err" || fail "no warning about the corrupt file: $(cat "$dir/err")"

rm -rf "$dir"
echo "PASS: tune command line and cache"
