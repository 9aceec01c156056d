#!/bin/sh
# inject_errors.sh - a failed write never leaves a partial or damaged file.
#
# tests/inject_errors.c, preloaded, makes opening, writing, closing or
# renaming the files of one directory fail. For every renderer and each
# kind of failure, pyi-render must exit 1 with one stderr line, leave an
# existing report byte for byte as it was (or create none) and leave no
# temporary file behind. With no failure injected the shim must be
# invisible: the report equals the one written without it.
. "$(dirname "$0")/setup.sh"
RENDER=$(bin pyi-render)
SHIM=$top_builddir/tests/.libs/inject_errors.so
RENDERERS=${PYI_RENDERERS:-text json pyisession speedscope pstats html markdown folded pprof}
# a preloaded shim comes before the sanitizer runtime: allow it
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
export ASAN_OPTIONS

# same A B: equal reports, but for group ids, random as in pyinstrument.
same() {
  cmp -s "$1" "$2" && return 0
  sed 's/"group_id": *"[^"]*"/"group_id": ""/g' "$1" >"$tmp/a"
  sed 's/"group_id": *"[^"]*"/"group_id": ""/g' "$2" >"$tmp/b"
  cmp -s "$tmp/a" "$tmp/b"
}

# run INJECT [ARGS...]: pyi-render with the shim aimed at $tmp/dir.
run() {
  inject=$1
  shift
  (
    export PYI_INJECT="$inject" PYI_INJECT_PATH="$tmp/dir/"
    if [ -n "${VALGRIND:-}" ]; then
      # preloaded into the tool only: libtool itself reads its arguments
      # shellcheck disable=SC2086 # VALGRIND is a command with its options
      exec "$top_builddir/libtool" --mode=execute env LD_PRELOAD="$SHIM" \
        $VALGRIND "$RENDER" "$@"
    fi
    LD_PRELOAD=$SHIM exec "$RENDER" "$@"
  )
}

[ -f "$SHIM" ] || {
  echo "inject_errors: $SHIM not built" >&2
  exit 1
}
"$top_builddir/bench/gensession" -n 3000 -s 7 -o "$tmp/in.pyisession"

for r in $RENDERERS; do
  name=report.$r
  [ "$r" = pyisession ] && name=report.pyisession.gz # the gzip writer too
  mkdir -p "$tmp/dir" "$tmp/ref"
  "$RENDER" -r "$r" -o "$tmp/ref/$name" "$tmp/in.pyisession"
  size=$(wc -c <"$tmp/ref/$name")

  # the shim with nothing to inject changes nothing
  pass
  rm -rf "$tmp/dir" && mkdir "$tmp/dir"
  if run none -r "$r" -o "$tmp/dir/$name" "$tmp/in.pyisession" 2>"$tmp/err"; then
    same "$tmp/ref/$name" "$tmp/dir/$name" ||
      fail "-r $r: the report differs when the shim injects nothing"
  else
    fail "-r $r: fails when the shim injects nothing: $(cat "$tmp/err")"
  fi

  for how in open write:0 write:1 write:$((size / 2)) write:$((size - 1)) \
    close rename; do
    for existing in yes no; do
      pass
      rm -rf "$tmp/dir" && mkdir "$tmp/dir"
      [ $existing = yes ] && printf 'previous report\n' >"$tmp/dir/$name"
      set +e
      PYI_INJECT_AFTER=${how#write:} run "${how%%:*}" -r "$r" \
        -o "$tmp/dir/$name" "$tmp/in.pyisession" >"$tmp/stdout" 2>"$tmp/err"
      rc=$?
      set -e
      what="-r $r, failing $how, existing report: $existing"
      [ $rc -eq 1 ] || fail "$what: exit status $rc, expected 1"
      [ "$(wc -l <"$tmp/err")" -eq 1 ] ||
        fail "$what: not one stderr line: $(head -c 300 "$tmp/err")"
      if [ $existing = yes ]; then
        printf 'previous report\n' | cmp -s - "$tmp/dir/$name" ||
          fail "$what: the existing report changed"
        left=$(ls -A "$tmp/dir")
        [ "$left" = "$name" ] || fail "$what: files left: $left"
      else
        left=$(ls -A "$tmp/dir")
        [ -z "$left" ] || fail "$what: files left: $left"
      fi
    done
  done
done

# stdout that cannot be written: one line and exit 1 as well
pass
set +e
"$RENDER" -r text "$tmp/in.pyisession" >/dev/full 2>"$tmp/err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "stdout on a full disk: exit status $rc, expected 1"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "stdout on a full disk: not one line"

finish
