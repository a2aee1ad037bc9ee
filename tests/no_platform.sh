#!/bin/sh
# SPDX-License-Identifier: MIT
# With an ICD loader but no OpenCL platform (CL_PLATFORM_NOT_FOUND_KHR),
# `geocl devices` must explain it, still list the reference backend and exit 0.
set -u
if [ ! -f "$GEOCL_TOP_BUILDDIR/backends/opencl/.libs/opencl.so" ]; then
  echo "SKIP: built without the OpenCL backend"
  exit 77
fi
empty="$GEOCL_TEST_TMP/no-icd-vendors"
mkdir -p "$empty"
out=$(OCL_ICD_VENDORS="$empty" "$GEOCL_CLI" devices 2>&1)
status=$?
echo "$out"
[ $status -eq 0 ] || { echo "FAIL: exit status $status"; exit 1; }
echo "$out" | grep -q "no OpenCL platform" || { echo "FAIL: no explanation"; exit 1; }
echo "$out" | grep -q "reference" || { echo "FAIL: reference backend not listed"; exit 1; }
echo "$out" | grep -q "(default)" || { echo "FAIL: no default device marked"; exit 1; }
exit 0
