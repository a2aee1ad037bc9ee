#!/bin/sh
# SPDX-License-Identifier: MIT
# geocl bench: bad arguments are one-line usage errors; each benchmark's JSON
# has its fields, with figures consistent with each other (GFLOP/s from the
# sizes and the median; a step's peak memory is parameters + activations) and
# a step's memory the same on OpenCL as on the reference backend, and less
# with --recompute; the point-cloud benchmarks report their sizes and times.
set -u
cli="${GEOCL_CLI:?run through tests/wrapper.sh}"
dir="${GEOCL_TEST_TMP:?}/bench-cli"
rm -rf "$dir" && mkdir -p "$dir"
. "$(dirname "$0")/cli_checks.sh"

check_usage bench "no benchmark 'foo'" foo
check_usage bench "gemm needs all its sizes" gemm --m 0 --n 4 --k 4
check_usage bench "attention needs all its sizes" attention --batch 1 --n 8 --heads 2
check_usage bench "--repeat must be at least 1" infonce --m 8 --dim 4 --repeat 0
check_usage bench "unexpected argument 'x=1'" gemm --m 4 --n 4 --k 4 x=1
# numbers are parsed whole: nothing is cut to 32 bits or wraps
check_usage bench "--m 4294967297: expected a whole number from 0 to 2147483647" gemm --m 4294967297 --n 4 --k 4
check_usage bench "--repeat 4294967297: expected a whole number" infonce --m 8 --dim 4 --repeat 4294967297
check_usage bench "--tau x: expected a number" infonce --m 8 --dim 4 --tau x
check_usage bench "--depth 42: expected 18, 34, 50, 101 or 152" resnet --depth 42
check_usage bench "--size 0x32: expected HxW or S" resnet --size 0x32
check_usage bench "--size 64x: expected HxW or S" resnet --size 64x
check_usage bench "fps needs all its sizes" fps --points 100
check_usage bench "ballquery needs all its sizes" ballquery --centres 10
check_usage bench "mlp needs all its sizes" mlp --rows 10 --in 4
"$cli" bench step --model nope >/dev/null 2>"$dir/err" && fail "an unknown preset was accepted"
grep -q "no preset 'nope'" "$dir/err" || fail "unknown preset: $(cat "$dir/err")"

# the number after "key": in a one-line JSON object
field() { sed -n "s/.*\"$1\": \([-0-9.e+]*\).*/\1/p" "$2"; }

for dev in reference opencl; do
  if [ "$dev" = opencl ]; then
    "$cli" devices | grep -q "^[0-9][0-9]* *opencl " || { echo "SKIP: no OpenCL device"; exit 77; }
    case "${GEOCL_DEVICE:-0}" in [Rr]ef | [Rr]eference) echo "SKIP: GEOCL_DEVICE selects no OpenCL device"; exit 77 ;; esac
    d=${GEOCL_DEVICE:-0}
  else
    d=reference
  fi
  "$cli" bench gemm --device "$d" --m 64 --n 48 --k 32 --batch 2 --repeat 3 --json >"$dir/gemm.$dev" ||
    fail "bench gemm on $dev"
  awk -v g="$(field gflops "$dir/gemm.$dev")" -v t="$(field median_s "$dir/gemm.$dev")" \
    'BEGIN { e = 2 * 64 * 48 * 32 * 2 / t * 1e-9; exit !(g > 0 && (g - e) ^ 2 < (1e-3 * e) ^ 2 + 1e-6) }' ||
    fail "GFLOP/s is not 2mnk·batch/median on $dev: $(cat "$dir/gemm.$dev")"
  "$cli" bench attention --device "$d" --batch 1 --n 13 --heads 2 --head-dim 8 --rope --repeat 2 --json \
    >"$dir/attn.$dev" || fail "bench attention on $dev"
  grep -q '"nq": 13, "nk": 13, "heads": 2, "head_dim": 8, "rope": 1' "$dir/attn.$dev" ||
    fail "attention JSON on $dev: $(cat "$dir/attn.$dev")"
  "$cli" bench infonce --device "$d" --m 16 --dim 8 --repeat 2 --json >"$dir/nce.$dev" || fail "bench infonce on $dev"
  [ -n "$(field median_s "$dir/nce.$dev")" ] || fail "infonce JSON on $dev: $(cat "$dir/nce.$dev")"
  "$cli" bench step --device "$d" --model tiny --batch 2 --repeat 1 --warmup 1 --json img_size=64 \
    >"$dir/step.$dev" || fail "bench step on $dev"
  peak=$(field peak_bytes "$dir/step.$dev")
  model=$(field model_bytes "$dir/step.$dev")
  act=$(field activation_bytes "$dir/step.$dev")
  [ -n "$peak" ] && [ "$peak" -gt 0 ] && [ "$peak" -eq $((model + act)) ] ||
    fail "step memory on $dev: $(cat "$dir/step.$dev")"
  # the backend's own buffers: none on the reference backend; on OpenCL,
  # with geocl's GEMM kernel, CroCo's kept weight panels (GEOCL_PACK_CACHE
  # MiB, default 64) and the packing scratch
  held=$(field backend_bytes "$dir/step.$dev")
  if [ "$dev" = reference ]; then
    [ "$held" = 0 ] || fail "the reference backend holds $held bytes: $(cat "$dir/step.$dev")"
  else
    for mib in 64 3; do
      GEOCL_GEMM=geocl GEOCL_PACK_CACHE=$mib "$cli" bench step --device "$d" --model tiny --batch 2 --repeat 1 \
        --warmup 1 --json img_size=64 >"$dir/step.ring$mib" || fail "bench step with a $mib MiB ring on $dev"
    done
    held=$(field backend_bytes "$dir/step.ring64") held3=$(field backend_bytes "$dir/step.ring3")
    [ "$held" -gt $((64 << 20)) ] && [ "$held3" -gt $((3 << 20)) ] && [ "$held3" -lt $((4 << 20)) ] ||
      fail "backend_bytes $held with a 64 MiB ring, $held3 with 3 MiB: $(cat "$dir/step.ring64" "$dir/step.ring3")"
  fi
  awk -v p="$(field pairs_per_s "$dir/step.$dev")" 'BEGIN { exit !(p > 0) }' ||
    fail "no pairs/s on $dev: $(cat "$dir/step.$dev")"
  awk -v f="$(field gflop_per_step "$dir/step.$dev")" -v g="$(field gflops "$dir/step.$dev")" \
    -v t="$(field step_median_s "$dir/step.$dev")" 'BEGIN { exit !(f > 0 && (g - f / t) ^ 2 < (1e-3 * g) ^ 2 + 1e-6) }' ||
    fail "step GFLOP/s is not GFLOP a step / median on $dev: $(cat "$dir/step.$dev")"
  # heads: a step on made-up dense targets (disparity; depth)
  for task in stereo depth; do
    "$cli" bench step --device "$d" --task $task --model tiny --batch 2 --repeat 1 --warmup 1 --json \
      backbone.img_size=64 >"$dir/$task.$dev" || fail "bench step --task $task on $dev"
    awk -v p="$(field pairs_per_s "$dir/$task.$dev")" -v f="$(field gflop_per_step "$dir/$task.$dev")" \
      'BEGIN { exit !(p > 0 && f > 0) }' || fail "bench step --task $task on $dev: $(cat "$dir/$task.$dev")"
  done
  "$cli" bench resnet --device "$d" --depth 18 --batch 2 --size 32x40 --repeat 1 --warmup 1 --json >"$dir/resnet.$dev" ||
    fail "bench resnet on $dev"
  grep -q '"depth": 18, "batch": 2, "size": \[32, 40\]' "$dir/resnet.$dev" || fail "resnet JSON on $dev: $(cat "$dir/resnet.$dev")"
  peak=$(field peak_bytes "$dir/resnet.$dev")
  [ -n "$peak" ] && [ "$peak" -eq $(($(field model_bytes "$dir/resnet.$dev") + $(field activation_bytes "$dir/resnet.$dev"))) ] ||
    fail "resnet memory on $dev: $(cat "$dir/resnet.$dev")"
  awk -v p="$(field images_per_s "$dir/resnet.$dev")" 'BEGIN { exit !(p > 0) }' ||
    fail "no images/s on $dev: $(cat "$dir/resnet.$dev")"
  "$cli" bench fps --device "$d" --points 300 --samples 20 --batch 2 --features 4 --repeat 2 --json >"$dir/fps.$dev" ||
    fail "bench fps on $dev"
  grep -q '"batch": 2, "points": 300, "samples": 20, "dims": 7' "$dir/fps.$dev" && [ -n "$(field median_s "$dir/fps.$dev")" ] ||
    fail "fps JSON on $dev: $(cat "$dir/fps.$dev")"
  "$cli" bench ballquery --device "$d" --points 400 --centres 50 --repeat 2 --json >"$dir/ball.$dev" ||
    fail "bench ballquery on $dev"
  awk -v q="$(field ball_query_s "$dir/ball.$dev")" -v t="$(field median_s "$dir/ball.$dev")" 'BEGIN { exit !(q > 0 && t > 0) }' ||
    fail "ballquery JSON on $dev: $(cat "$dir/ball.$dev")"
  "$cli" bench mlp --device "$d" --rows 100 --in 8 --out 6 --repeat 2 --json >"$dir/mlp.$dev" || fail "bench mlp on $dev"
  awk -v g="$(field forward_gflops "$dir/mlp.$dev")" -v t="$(field forward_s "$dir/mlp.$dev")" \
    'BEGIN { e = 2 * 100 * 8 * 6 / t * 1e-9; exit !(g > 0 && (g - e) ^ 2 < (1e-3 * e) ^ 2 + 1e-6) }' ||
    fail "mlp GFLOP/s is not 2·rows·in·out/forward_s on $dev: $(cat "$dir/mlp.$dev")"
done
"$cli" bench assignment --device reference --n 40 --repeat 2 --json >"$dir/assign" || fail "bench assignment"
awk -v c="$(field mean_cost "$dir/assign")" 'BEGIN { exit !(c > 0) }' || fail "assignment JSON: $(cat "$dir/assign")"
# the pool's accounting does not depend on the backend
[ "$(field model_bytes "$dir/step.opencl")" -eq "$(field model_bytes "$dir/step.reference")" ] ||
  fail "parameter memory differs between backends"
[ "$(field model_bytes "$dir/resnet.opencl")" -eq "$(field model_bytes "$dir/resnet.reference")" ] ||
  fail "resnet parameter memory differs between backends"
# nor does a step's useful work (geocl_ctx_flops counts what the ops dispatch)
[ "$(field gflop_per_step "$dir/step.opencl")" = "$(field gflop_per_step "$dir/step.reference")" ] ||
  fail "a step's GFLOP differ between backends: $(cat "$dir/step.opencl" "$dir/step.reference")"
[ "$(field gflop_per_step "$dir/stereo.opencl")" = "$(field gflop_per_step "$dir/stereo.reference")" ] ||
  fail "a stereo step's GFLOP differ between backends: $(cat "$dir/stereo.opencl" "$dir/stereo.reference")"
# a task without a loss is named, not a NULL loss
"$cli" bench step --device reference --task features --batch 1 --repeat 1 --warmup 0 backbone.img_size=32 \
  >/dev/null 2>"$dir/err" && fail "bench step --task features succeeded"
grep -q "task features returned no loss" "$dir/err" || fail "bench step --task features: $(cat "$dir/err")"
# --recompute: the same step keeping fewer activations; the forward run again is not counted as useful work
"$cli" bench step --device reference --model tiny --batch 2 --repeat 1 --warmup 1 --json --recompute img_size=64 \
  >"$dir/step.recompute" 2>"$dir/err" || fail "bench step --recompute"
[ -s "$dir/err" ] && fail "bench step --recompute on CroCo: $(cat "$dir/err")"
grep -q '"recompute": true' "$dir/step.recompute" && grep -q '"recompute": false' "$dir/step.reference" ||
  fail "recompute not in the JSON: $(cat "$dir/step.recompute")"
[ "$(field activation_bytes "$dir/step.recompute")" -lt "$(field activation_bytes "$dir/step.reference")" ] ||
  fail "--recompute kept as much: $(cat "$dir/step.recompute" "$dir/step.reference")"
[ "$(field gflop_per_step "$dir/step.recompute")" = "$(field gflop_per_step "$dir/step.reference")" ] ||
  fail "--recompute changed the useful work: $(cat "$dir/step.recompute" "$dir/step.reference")"
check_usage bench "--recompute is for 'bench step' (its transformer blocks), not 'gemm'" gemm --m 4 --n 4 --k 4 --recompute
check_usage bench "--keep-b is for 'bench gemm' of one product (a weight's panels are kept whole), not 'attention'" \
  attention --batch 1 --n 4 --heads 1 --head-dim 4 --keep-b
check_usage bench "not 'gemm' with --batch above 1" gemm --m 4 --n 4 --k 4 --batch 2 --keep-b
# --keep-b: geocl's kernel packs B in the warm-up only, so the timed runs'
# profile has no packing of B (where the device times kernels and uses geocl's)
"$cli" bench gemm --device "$d" --m 40 --n 96 --k 64 --tb --repeat 2 --profile >"$dir/packs" ||
  fail "bench gemm --profile"
"$cli" bench gemm --device "$d" --m 40 --n 96 --k 64 --tb --keep-b --repeat 2 --profile >"$dir/kept" ||
  fail "bench gemm --keep-b"
grep -q "(B kept)" "$dir/kept" || fail "bench gemm --keep-b does not say so: $(cat "$dir/kept")"
if grep -q "gemm_pack_b" "$dir/packs"; then
  grep -q "gemm_pack_b" "$dir/kept" && fail "bench gemm --keep-b packed B in the timed runs: $(cat "$dir/kept")"
fi
# --profile (on the OpenCL device the loop ended with): the time's shares
"$cli" bench step --device "$d" --model tiny --batch 2 --repeat 1 --warmup 1 --profile img_size=64 >"$dir/prof" ||
  fail "bench step --profile"
grep -q '^useful work: [0-9.]* GFLOP a step' "$dir/prof" &&
  grep -q '^time per run: GEMM (packing included) [0-9.]*%, attention [0-9.]*%, other kernels [0-9.]*%, host [0-9.]*%$' \
    "$dir/prof" || fail "bench step --profile: $(cat "$dir/prof")"
echo "bench: usage errors, JSON of gemm/attention/infonce/step (CroCo, stereo, depth)/resnet/fps/ballquery/mlp on both backends, assignment"
