# SPDX-License-Identifier: MIT
# Shared by the command-line tests (sourced): fail, and check_usage for bad
# arguments, which must exit 2 with exactly one line on stderr naming the
# problem.  Needs $cli (the geocl command) and $GEOCL_TEST_TMP.
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
