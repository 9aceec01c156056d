# Shared setup of the command-line tests: strict shell, C locale, a scratch
# directory removed on exit, the tools from the build tree, helpers.
set -eu
LC_ALL=C
export LC_ALL
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
VALGRIND=${VALGRIND:-}
DATA="$top_srcdir/tests/data"
CORPUS="$top_srcdir/../shared/conformance/cases"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
passes=0

tool() { # tool NAME ARGS... (under valgrind when enabled)
  _tool=$1
  shift
  if [ -n "$VALGRIND" ]; then
    # libtool wrappers: run the real binary
    $VALGRIND "$top_builddir/.libs/$_tool" "$@"
  else
    "$top_builddir/$_tool" "$@"
  fi
}

pass() { passes=$((passes + 1)); }
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# expect_status WANT CMD...: runs CMD, checks its exit status
expect_status() {
  want=$1
  shift
  set +e
  "$@" >"$tmp/out" 2>"$tmp/err"
  got=$?
  set -e
  if [ "$got" -eq "$want" ]; then pass; else fail "$* exited $got, want $want: $(head -c 300 "$tmp/err")"; fi
}

# one_line_error: stderr has exactly one line and it mentions $1
one_line_error() {
  lines=$(wc -l <"$tmp/err")
  if [ "$lines" -eq 1 ] && grep -qF -- "$1" "$tmp/err"; then pass; else fail "stderr should be one line naming '$1': $(cat "$tmp/err")"; fi
}

finish() {
  echo "$passes passed, $failures failed"
  [ "$failures" -eq 0 ]
}
