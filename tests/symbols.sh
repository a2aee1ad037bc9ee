#!/bin/sh
# SPDX-License-Identifier: MIT
# packaging/debian/libgeocl0.symbols must list exactly what libgeocl.so
# exports: a symbol missing there makes the Debian build version it with the
# Debian revision (a lintian error), a symbol listed but gone fails
# dpkg-gensymbols (docs/releasing.md, "The symbols file").
set -u
lib="$GEOCL_TOP_BUILDDIR/src/.libs/libgeocl.so"
list="$GEOCL_FIXTURES/../../packaging/debian/libgeocl0.symbols"
if [ ! -f "$lib" ] || ! command -v nm > /dev/null; then
  echo "SKIP: no shared libgeocl.so (or no nm) to read the exports of"
  exit 77
fi
exported="$GEOCL_TEST_TMP/symbols.exported"
listed="$GEOCL_TEST_TMP/symbols.listed"
nm -D --defined-only "$lib" | awk '{print $3}' | LC_ALL=C sort > "$exported"
sed -n 's/^ \([^@]*\)@Base .*/\1/p' "$list" | LC_ALL=C sort > "$listed"
[ -s "$exported" ] || { echo "FAIL: nm found no exported symbols in $lib"; exit 1; }
if ! cmp -s "$exported" "$listed"; then
  echo "FAIL: packaging/debian/libgeocl0.symbols differs from what $lib exports"
  echo "(+: exported, not listed; -: listed, not exported):"
  diff "$listed" "$exported" | sed -n 's/^> /+ /p; s/^< /- /p'
  echo "Refresh it with: packaging/update-symbols $lib"
  exit 1
fi
echo "ok: $(wc -l < "$exported") exported symbols, all listed"
