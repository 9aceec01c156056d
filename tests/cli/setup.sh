# Shared setup of the command-line tests: strict shell, C locale, a scratch
# directory removed on exit, the tools from the build tree, helpers.
set -eu
LC_ALL=C
export LC_ALL
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
VALGRIND=${VALGRIND:-}
DATA="$top_srcdir/tests/data"
CORPUS="${PYI_SHARED:-$top_srcdir/../shared}/conformance/cases"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
passes=0
# python3 resolved once to the interpreter itself: a version manager's
# shim (pyenv's) takes 0.3 s a start, more than the checks it runs
PYTHON3=$(command python3 -c 'import sys; print(sys.executable)')
python3() { "$PYTHON3" "$@"; }

# The tools are libtool wrapper scripts, which take 50 ms a start (the
# tests start them thousands of times): run the binaries behind them, with
# the library path libtool gives them (taken once, from pyi-render's).
LD_LIBRARY_PATH=$("$top_builddir/libtool" --mode=execute \
  sh -c 'printf %s "$LD_LIBRARY_PATH"' sh "$top_builddir/pyi-render")
export LD_LIBRARY_PATH
bin() { # bin NAME: the binary of the tool NAME of the build tree
  if [ -x "$top_builddir/.libs/$1" ]; then
    echo "$top_builddir/.libs/$1"
  else
    echo "$top_builddir/$1"
  fi
}

tool() { # tool NAME ARGS... (under valgrind when enabled)
  _tool=$(bin "$1")
  shift
  # shellcheck disable=SC2086 # VALGRIND is a command with its options
  $VALGRIND "$_tool" "$@"
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

# expect_no_partial_output NAME TOOL ARGS...: runs TOOL ARGS... -o
# $tmp/dir/NAME with tests/inject_errors.c preloaded, failing the open, a
# write (first byte, middle, last byte), the close or the rename of the
# output; each time the tool must exit 1 with one stderr line and leave an
# existing file as it was, or no file at all.
expect_no_partial_output() {
  _name=$1 _tool=$2
  shift 2
  _shim=$top_builddir/tests/.libs/inject_errors.so
  [ -f "$_shim" ] || {
    fail "$_shim is not built (make check builds it)"
    return 0
  }
  rm -rf "$tmp/dir" && mkdir "$tmp/dir"
  "$top_builddir/$_tool" "$@" -o "$tmp/dir/$_name" 2>"$tmp/err" || fail "$_tool $*: $(cat "$tmp/err")"
  _size=$(wc -c <"$tmp/dir/$_name")
  for _how in open write:0 write:1 write:$((_size / 2)) write:$((_size - 1)) close rename; do
    for _existing in yes no; do
      rm -rf "$tmp/dir" && mkdir "$tmp/dir"
      [ $_existing = yes ] && echo previous >"$tmp/dir/$_name"
      set +e
      (
        export PYI_INJECT="${_how%%:*}" PYI_INJECT_AFTER="${_how#write:}" \
          PYI_INJECT_PATH="$tmp/dir/" LD_PRELOAD="$_shim"
        ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
        export ASAN_OPTIONS
        exec "$top_builddir/.libs/$_tool" "$@" -o "$tmp/dir/$_name"
      ) >/dev/null 2>"$tmp/err"
      _rc=$?
      set -e
      _what="$_tool, failing $_how, existing output: $_existing"
      [ $_rc -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && pass ||
        fail "$_what: exit $_rc, stderr: $(head -c 300 "$tmp/err")"
      if [ $_existing = yes ]; then
        [ "$(cat "$tmp/dir/$_name")" = previous ] && [ "$(ls -A "$tmp/dir")" = "$_name" ] &&
          pass || fail "$_what: the output changed or files were left: $(ls -A "$tmp/dir")"
      else
        [ -z "$(ls -A "$tmp/dir")" ] && pass || fail "$_what: files left: $(ls -A "$tmp/dir")"
      fi
    done
  done
}
