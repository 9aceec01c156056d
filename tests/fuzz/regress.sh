#!/bin/sh
# regress.sh - replays the fuzz targets' checks without libFuzzer: on the
# inputs that once found bugs, and on every committed good, odd and bad
# session (each must load or fail with a one-line message; what loads must
# save, load again and render with every renderer). Uses $VALGRIND if set.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
F=$top_srcdir/tests/fuzz
D=$top_srcdir/tests/data
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Render inputs start with two option bytes: give each data file every
# renderer choice (low nibble of byte 0) with assorted option bits.
n=0
for f in "$D"/good/* "$D"/odd/*; do
  case $f in */README | *'*') continue ;; esac
  for hdr in '\000\000' '\021\003' '\042\076' '\063\021' '\104\040' \
    '\005\001' '\206\100' '\027\200' '\250\000' '\011\077'; do
    n=$((n + 1))
    # shellcheck disable=SC2059 # the header is an octal escape
    { printf "$hdr"; cat "$f"; } >"$tmp/$n"
  done
done

load_inputs() {
  for f in "$F"/regress/load/* "$D"/bad/* "$D"/odd/* "$D"/good/*; do
    [ -f "$f" ] && [ "$(basename "$f")" != README ] && printf '%s\n' "$f"
  done
}
render_inputs() {
  for f in "$F"/regress/render/* "$tmp"/*; do
    [ -f "$f" ] && printf '%s\n' "$f"
  done
}

status=0
# shellcheck disable=SC2086 # VALGRIND is a command with its options
load_inputs | ${VALGRIND:-} "$top_builddir/tests/fuzz/replay_load" || status=1
# shellcheck disable=SC2086
render_inputs | ${VALGRIND:-} "$top_builddir/tests/fuzz/replay_render" ||
  status=1
exit $status
