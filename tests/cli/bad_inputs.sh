#!/bin/sh
# bad_inputs.sh - malformed sessions fail cleanly, odd-but-valid ones render.
#
# For every case in tests/data/bad/ (and the ones made here: a directory, a
# FIFO, a missing file, 100,000-deep stacks and nesting, 2 GB on one line)
# pyi-render must print exactly one stderr line naming the file, exit 1, not
# die from a signal, print nothing on stdout and leave an existing output
# file byte for byte as it was, with no temporary file left beside it.
# Every case in tests/data/odd/ (and made here: a FIFO, an 8000-deep stack
# on a 1 MB C stack, a million distinct frames) must render with every
# renderer (exit 0) and its pyisession output must load again; the report
# of an odd case must say what the session implies, as Python's json module
# reads it (odd_check.py: its records, sample count, duration and total
# time; there is no pyinstrument rendering of these to compare with). See
# tests/data/bad/README.
. "$(dirname "$0")/setup.sh"
RENDER=$(bin pyi-render)
GENSESSION=$top_builddir/bench/gensession
RENDERERS=${PYI_RENDERERS:-text json pyisession speedscope pstats html markdown folded pprof}
BAD=$DATA/bad
ODD=$DATA/odd

for prog in "$RENDER" "$GENSESSION"; do
  [ -x "$prog" ] || {
    echo "bad_inputs: $prog is not built" >&2
    exit 1
  }
done
mkdir "$tmp/dir" "$tmp/gen"

# The tool under test (under valgrind through libtool, as it is a libtool
# wrapper), killed after a while so that a hang fails instead of blocking;
# stack_kb limits its C stack, native=1 runs it without valgrind (for the
# 2 GB inputs, which would take an hour under valgrind).
stack_kb=""
native=""
run() {
  (
    # shellcheck disable=SC3045 # dash and bash both have ulimit -s
    if [ -n "$stack_kb" ]; then ulimit -s "$stack_kb"; fi
    if [ -n "${VALGRIND:-}" ] && [ -z "$native" ]; then
      # shellcheck disable=SC2086 # VALGRIND is a command with its options
      exec timeout 900 "$top_builddir/libtool" --mode=execute $VALGRIND \
        "$RENDER" "$@"
    fi
    exec timeout 300 "$RENDER" "$@"
  )
}

# expect_bad CASE RENDERER [INPUT_ARG]: INPUT_ARG defaults to CASE; the
# message must name CASE.
expect_bad() {
  case_=$1 r=$2 arg=${3:-$1}
  pass
  rm -rf "$tmp/dir" && mkdir "$tmp/dir"
  printf 'previous report, must survive\n' >"$tmp/dir/report"
  cp "$tmp/dir/report" "$tmp/before"
  set +e
  run -r "$r" -o "$tmp/dir/report" "$arg" >"$tmp/stdout" 2>"$tmp/stderr"
  rc=$?
  set -e
  what="$(basename "$case_") (-r $r)"
  if [ $rc -ne 1 ]; then
    fail "$what: exit status $rc, expected 1"
    sed 's/^/    /' "$tmp/stderr" | head -5 >&2
  fi
  lines=$(wc -l <"$tmp/stderr")
  [ "$lines" -eq 1 ] || fail "$what: $lines stderr lines, expected 1"
  if ! grep -qF -- "$case_" "$tmp/stderr"; then
    fail "$what: the message does not name the file: $(head -c 300 "$tmp/stderr")"
  fi
  [ -s "$tmp/stdout" ] && fail "$what: wrote to stdout"
  cmp -s "$tmp/before" "$tmp/dir/report" || fail "$what: output file changed"
  left=$(ls -A "$tmp/dir")
  [ "$left" = report ] || fail "$what: files left beside the output: $left"
  rm -f "$tmp/dir/report"
}

# expect_ok CASE RENDERER [OPTION...]: renders with exit 0; pyisession
# output loads again; with $implied set (a session file), the report says
# what that session implies.
implied=""
expect_ok() {
  case_=$1 r=$2
  shift 2
  pass
  rm -rf "$tmp/dir" && mkdir "$tmp/dir"
  set +e
  run -r "$r" "$@" -o "$tmp/dir/report" "$case_" >"$tmp/stdout" 2>"$tmp/stderr"
  rc=$?
  set -e
  what="$(basename "$case_") (-r $r $*)"
  if [ $rc -ne 0 ]; then
    fail "$what: exit status $rc, expected 0: $(head -c 300 "$tmp/stderr")"
    return 0
  fi
  # (folded stacks of no samples are no lines at all)
  [ -s "$tmp/dir/report" ] || [ "$r" = folded ] || fail "$what: empty report"
  if [ "$r" = pyisession ]; then
    run -r text -o "$tmp/dir/again" "$tmp/dir/report" 2>"$tmp/stderr" ||
      fail "$what: our own pyisession output does not load: $(head -c 300 "$tmp/stderr")"
  fi
  if [ -n "$implied" ] && [ $# -eq 0 ]; then
    python3 "$top_srcdir/tests/cli/odd_check.py" "$r" "$implied" "$tmp/dir/report" \
      >"$tmp/check" 2>&1 && pass || fail "$what: $(head -c 600 "$tmp/check")"
  fi
  return 0
}

# --- committed cases
for f in "$BAD"/*; do
  [ "$(basename "$f")" = README ] && continue
  expect_bad "$f" text
  expect_bad "$f" json
done
for f in "$ODD"/*; do
  [ "$(basename "$f")" = README ] && continue
  implied=$f
  for r in $RENDERERS; do
    expect_ok "$f" "$r"
  done
  implied=""
done

# --- made here
g=$tmp/gen
mkdir "$g/directory.pyisession"
expect_bad "$g/directory.pyisession" text
expect_bad "$g/does-not-exist.pyisession" text

# a FIFO: read as a stream like any file. Each writer is killed afterwards
# in case the tool never opened its end.
mkfifo "$g/fifo-truncated.pyisession" "$g/fifo-valid.pyisession"
cat "$BAD/trunc-half.pyisession" >"$g/fifo-truncated.pyisession" &
expect_bad "$g/fifo-truncated.pyisession" text
kill $! 2>/dev/null || true
wait || true
cat "$ODD/keys-reordered.pyisession" >"$g/fifo-valid.pyisession" &
implied=$ODD/keys-reordered.pyisession
expect_ok "$g/fifo-valid.pyisession" text
implied=""
kill $! 2>/dev/null || true
wait || true

# stdin: the message names it, whatever the tool calls it
set +e
run -o "$tmp/dir/report" - <"$BAD/trunc-half.pyisession" 2>"$tmp/stderr"
rc=$?
set -e
[ $rc -eq 1 ] || fail "stdin: exit status $rc, expected 1"
[ "$(wc -l <"$tmp/stderr")" -eq 1 ] || fail "stdin: not one stderr line"
rm -f "$tmp/dir/report"

# deep stacks: beyond the limit is an error, just below it renders with
# every renderer on a 1 MB C stack (no recursion over depth)
"$GENSESSION" -D 100000 -n 2 -o "$g/stack-100k-deep.pyisession"
expect_bad "$g/stack-100k-deep.pyisession" text
"$GENSESSION" -D 8000 -n 3 -o "$g/stack-8000-deep.pyisession"
stack_kb=1024
for r in $RENDERERS; do
  expect_ok "$g/stack-8000-deep.pyisession" "$r"
done
expect_ok "$g/stack-8000-deep.pyisession" text -t
stack_kb=""

# a million distinct frames (one new function per sample) render
awk 'BEGIN {
  printf "{\"start_time\": 1.0, \"duration\": 1000.0, \"min_interval\": 0.001, "
  printf "\"max_interval\": 0.001, \"sample_count\": 1000000, "
  printf "\"start_call_stack\": [\"MainThread\\u0000<thread>\\u00001\"], "
  printf "\"target_description\": \"wide\", \"cpu_time\": 1.0, "
  printf "\"sys_path\": [\"/app\"], \"sys_prefixes\": [\"/usr\"], "
  printf "\"frame_records\": ["
  for (i = 0; i < 1000000; i++)
    printf "%s[[\"MainThread\\u0000<thread>\\u00001\", " \
      "\"main\\u0000/app/main.py\\u00001\", " \
      "\"f%d\\u0000/app/m%d.py\\u0000%d\"], 0.001]", (i ? ", " : ""), i, i % 1000, i
  printf "]}"
}' >"$g/million-distinct-frames.pyisession"
for r in $RENDERERS; do
  expect_ok "$g/million-distinct-frames.pyisession" "$r"
done

# nesting 100,000 deep inside an unknown key
{
  printf '{"extra": '
  head -c 100000 /dev/zero | tr '\0' '['
} >"$g/nesting-100k-deep.pyisession"
expect_bad "$g/nesting-100k-deep.pyisession" text

# more than 2 GB on one line, streamed through FIFOs: a string that long,
# and that much whitespace inside the object (offsets past 2^31)
BIG=2200000000
native=1
mkfifo "$g/string-2g.pyisession"
{
  printf '{"target_description": "'
  head -c $BIG /dev/zero | tr '\0' a
  printf '"}'
} >"$g/string-2g.pyisession" 2>/dev/null &
expect_bad "$g/string-2g.pyisession" text
kill $! 2>/dev/null || true # else it dies of SIGPIPE: the tool gave up
wait || true
mkfifo "$g/space-2g.pyisession"
{
  printf '{"start_time": 1.0, '
  head -c $BIG /dev/zero | tr '\0' ' '
  printf '}'
} >"$g/space-2g.pyisession" 2>/dev/null &
expect_bad "$g/space-2g.pyisession" text
kill $! 2>/dev/null || true
wait || true

finish
