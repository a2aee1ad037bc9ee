#!/bin/sh
# SPDX-License-Identifier: MIT
# The OpenCL kernels take their vector width and the work-items per row from
# the device.  Run the op, attention, norm and point suites on this device
# with the shapes a GPU gets (scalar kernels, a work-group per row) and with
# 4-wide vectors, the latter with the descriptor copy Mesa's compiler needs
# (GEOCL_DESC_COPY, docs/opencl-drivers.md) and llvmpipe's loop limit made
# small (GEOCL_LOOP_LIMIT: farthest-point sampling split over many launches),
# so that every path is tested wherever the tests run; the fused attention
# kernels take one row per work-item (GPUs) and three (CPUs take four: an odd
# count also leaves a work-item with rows past the end).
set -u
if [ ! -f "$GEOCL_TOP_BUILDDIR/backends/opencl/.libs/opencl.so" ]; then
  echo "SKIP: built without the OpenCL backend"
  exit 77
fi
for shape in "1 64 0 0 1" "4 1 1 2000 3"; do
  set -- $shape
  echo "== GEOCL_VECTOR_WIDTH=$1 GEOCL_ROW_LANES=$2 GEOCL_DESC_COPY=$3 GEOCL_LOOP_LIMIT=$4 GEOCL_ATTN_ROWS=$5"
  for suite in check_backend_ops check_attention check_norm check_points; do
    GEOCL_VECTOR_WIDTH=$1 GEOCL_ROW_LANES=$2 GEOCL_DESC_COPY=$3 GEOCL_LOOP_LIMIT=$4 GEOCL_ATTN_ROWS=$5 \
      "$GEOCL_TOP_BUILDDIR/tests/$suite"
    status=$?
    [ $status -eq 0 ] || exit $status
  done
done
exit 0
