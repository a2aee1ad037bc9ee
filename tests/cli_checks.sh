# SPDX-License-Identifier: MIT
# Shared by the command-line tests (sourced): fail, check_usage for bad
# arguments, which must exit 2 with exactly one line on stderr naming the
# problem, and png_size.  Needs $cli (the geocl command) and $GEOCL_TEST_TMP.
fail() { echo "FAIL: $*"; exit 1; }

# check_usage COMMAND EXPECTED-TEXT ARGUMENTS...
check_usage() {
  cmd="$1" expect="$2"
  shift 2
  err="${GEOCL_TEST_TMP:?}/usage-$$.err"
  "$cli" "$cmd" "$@" >/dev/null 2>"$err"
  rc=$?
  [ "$rc" -eq 2 ] || fail "$cmd $*: exit $rc, expected 2"
  [ "$(wc -l <"$err")" -eq 1 ] || fail "$cmd $*: stderr is not one line: $(cat "$err")"
  grep -q -- "$expect" "$err" || fail "$cmd $*: message lacks '$expect': $(cat "$err")"
}

# WIDTHxHEIGHT of a PNG file, from its IHDR chunk.
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{ printf "%dx%d", (($1 * 256 + $2) * 256 + $3) * 256 + $4, (($5 * 256 + $6) * 256 + $7) * 256 + $8 }'; }
