#!/bin/sh
# stream.sh - timelines rendered while the records stream past.
#
# pyi-render builds a timeline (speedscope; text, json and pstats with -t)
# from a regular file in two readings without holding the records
# (libsession/timeline.c); from stdin it loads the session whole. Both
# must give the same report, byte for byte (but for the random group ids
# of the JSON report), on the corpus, the odd sessions and generated runs,
# with the options that change the pipeline; and a bad file must fail with
# the same message either way.
. "$(dirname "$0")/setup.sh"
RENDER=$(bin pyi-render)
GENSESSION=$top_builddir/bench/gensession
for prog in "$RENDER" "$GENSESSION"; do
  [ -x "$prog" ] || {
    echo "stream: $prog is not built" >&2
    exit 1
  }
done

# the tool itself, not its libtool wrapper script: hundreds of runs
LD_LIBRARY_PATH="$top_builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH
render() {
  if [ -n "$VALGRIND" ]; then
    tool pyi-render "$@"
  else
    "$top_builddir/.libs/pyi-render" "$@"
  fi
}

# same A B: equal reports, but for group ids
same() {
  cmp -s "$1" "$2" && return 0
  sed 's/"group_id": *"[^"]*"/"group_id": ""/g' "$1" >"$tmp/a"
  sed 's/"group_id": *"[^"]*"/"group_id": ""/g' "$2" >"$tmp/b"
  cmp -s "$tmp/a" "$tmp/b"
}

"$GENSESSION" -n 20000 -s 3 -o "$tmp/gen.pyisession"
"$GENSESSION" -n 5000 -s 4 -P 0 -o "$tmp/gen-new-paths.pyisession"
gzip -c "$tmp/gen.pyisession" >"$tmp/gen-gz.pyisession.gz"
set -- "$tmp/gen.pyisession" "$tmp/gen-new-paths.pyisession" "$tmp/gen-gz.pyisession.gz"
for f in "$DATA"/good/* "$DATA"/odd/*.pyisession* "$CORPUS"/*/session.pyisession; do
  case $f in */edge-no-frame-records/* | */edge-not-json/* | */edge-truncated/* | */edge-empty/*) continue ;; esac
  set -- "$@" "$f"
done

# every file with the pipelines of the four renderers; the generated runs
# and ex also with the options that change the pipeline
for f in "$@"; do
  more=""
  case $f in "$tmp"/* | */good/ex.pyisession)
    more="tty show-all speedscope-all none-filtered filter hide percent" ;;
  esac
  for how in speedscope text json pstats $more; do
    case $how in
    speedscope) opts="-r speedscope" ;;
    text | json | pstats) opts="-r $how -t" ;;
    tty) opts="-r text -t --unicode --color" ;;
    show-all) opts="-r text -t --show-all" ;;
    speedscope-all) opts="-r speedscope --show-all" ;;
    none-filtered) opts="-r text -t -p processor_options.filter_threshold=0" ;;
    filter) opts="-r json -t -p processor_options.filter_threshold=0.2" ;;
    hide) opts="-r text -t --hide-regex .*/app/.*" ;;
    percent) opts="-r text -t -p time=percent_of_total" ;;
    esac
    pass
    # shellcheck disable=SC2086 # the options are words
    if ! render $opts -o "$tmp/streamed" "$f" 2>"$tmp/err1"; then
      fail "$f ($opts): $(cat "$tmp/err1")"
      continue
    fi
    # shellcheck disable=SC2086
    render $opts -o "$tmp/whole" - <"$f" 2>"$tmp/err2" ||
      fail "$f ($opts) from stdin: $(cat "$tmp/err2")"
    same "$tmp/streamed" "$tmp/whole" || fail "$f ($opts): the streamed report differs"
  done
done

# bad files: one line, the same as when the session is loaded whole (the
# name aside: stdin is "<stdin>")
for f in "$DATA"/bad/*.pyisession*; do
  set +e
  render -t -o "$tmp/out" "$f" 2>"$tmp/err1"
  rc1=$?
  render -o "$tmp/out" "$f" 2>"$tmp/err2"
  set -e
  [ $rc1 -eq 1 ] && [ "$(wc -l <"$tmp/err1")" -eq 1 ] && pass ||
    fail "$f -t: exit $rc1: $(cat "$tmp/err1")"
  cmp -s "$tmp/err1" "$tmp/err2" && pass ||
    fail "$f: -t says '$(cat "$tmp/err1")', without: '$(cat "$tmp/err2")'"
done

finish
