#!/bin/sh
# SPDX-License-Identifier: MIT
# The OpenCL backend module builds from installed headers only, as a
# third-party backend would: its quoted includes name its own files, and its
# <geocl/...> includes name public headers (src/geocl, listed for
# make install in a local.mk), never the library's private ones (src/core,
# src/io, ...).
set -u
top="$(cd "$(dirname "$0")/.." && pwd)"
status=0
for f in "$top"/backends/opencl/*.c "$top"/backends/opencl/*.h; do
  case "$f" in */cl_sources.c) continue ;; esac
  for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
    [ -f "$top/backends/opencl/$inc" ] ||
      { echo "FAIL: ${f#$top/} includes \"$inc\", not a file of the backend"; status=1; }
  done
  for inc in $(sed -n 's/^#include <geocl\/\([^>]*\)>.*/\1/p' "$f"); do
    grep -qs "src/geocl/$inc" "$top"/src/local.mk "$top"/src/*/local.mk ||
      { echo "FAIL: ${f#$top/} includes <geocl/$inc>, not an installed header"; status=1; }
  done
done
[ $status -eq 0 ] && echo "backends/opencl includes only its own files and public headers"
exit $status
