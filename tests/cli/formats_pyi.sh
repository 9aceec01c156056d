#!/bin/sh
# The speedscope and pstats renderers from the command line: every corpus
# session rendered with several options and read back by Python
# (formats_pyi.py: pstats.Stats loads it and its times and callers agree with
# the JSON renderer's tree; the speedscope events walk the timeline tree),
# plus name guessing, the binary-output rule and option errors.
. "$(dirname "$0")/setup.sh"
EX="$DATA/good/ex.pyisession"
CHECK="$top_srcdir/tests/cli/formats_pyi.py"
LD_LIBRARY_PATH="$top_builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH
TZ=UTC
export TZ

if [ ! -d "$CORPUS" ]; then
  fail "corpus not found at $CORPUS"
  finish
fi

# readback CHECK-ARGS...: runs the Python reader, counting its verdict
readback() {
  if python3 "$CHECK" "$@" 2>"$tmp/check.err"; then pass; else fail "$* ($(head -3 "$tmp/check.err"))"; fi
}

cases=0
for dir in "$CORPUS"/*/; do
  s="$dir/session.pyisession"
  name=$(basename "$dir")
  [ -f "$s" ] || continue
  if ! tool pyi-render -r json -o "$tmp/tree.json" "$s" 2>/dev/null; then
    # a session the JSON renderer refuses is refused by these too
    expect_status 1 tool pyi-render -r pstats -o "$tmp/bad.pstats" "$s"
    expect_status 1 tool pyi-render -r speedscope -o "$tmp/bad.json" "$s"
    continue
  fi
  cases=$((cases + 1))
  for opts in "" "--show-all" "-t" "-p processor_options.filter_threshold=0"; do
    # shellcheck disable=SC2086 # opts are words
    tool pyi-render -r json $opts -o "$tmp/tree.json" "$s"
    # shellcheck disable=SC2086
    tool pyi-render -r json -t $opts -o "$tmp/timeline.json" "$s"
    # shellcheck disable=SC2086
    expect_status 0 tool pyi-render -r pstats $opts -o "$tmp/$name.pstats" "$s"
    readback pstats "$tmp/$name.pstats" "$tmp/tree.json"
    # shellcheck disable=SC2086
    expect_status 0 tool pyi-render -r speedscope $opts -o "$tmp/$name.speedscope.json" "$s"
    readback speedscope "$tmp/$name.speedscope.json" "$tmp/timeline.json"
  done
done
[ "$cases" -ge 10 ] && pass || fail "only $cases corpus sessions rendered"

# the spec's example: pyinstrument's exact speedscope text
expect_status 0 tool pyi-render -r speedscope "$EX"
grep -q '"name": "CPU profile for '"'"'Program: app.py'"'"' at 2023-11-14T22-13-20"' "$tmp/out" &&
  grep -q '{"type": "C", "at": 0.804, "frame": 0}]}], "shared": {"frames": \[{"name": "main", "file": "/app/app.py", "line": 1}, ' "$tmp/out" &&
  pass || fail "speedscope text of ex: $(head -c 300 "$tmp/out")"

# names: .speedscope.json wins over .json; .pstats in any case
expect_status 0 tool pyi-render -o "$tmp/g.speedscope.json" "$EX"
grep -q '"exporter": "pyinstrument"' "$tmp/g.speedscope.json" && pass || fail "-o x.speedscope.json is not speedscope"
expect_status 0 tool pyi-render -o "$tmp/g.PSTATS" "$EX"
[ "$(head -c 2 "$tmp/g.PSTATS" | od -An -tx1 | tr -d ' ')" = "fb29" ] && pass || fail "-o x.PSTATS is not a marshal dict"

# binary output goes to a file or pipe, never to a terminal
expect_status 0 tool pyi-render -r pstats "$EX"
cmp -s "$tmp/out" "$tmp/g.PSTATS" && pass || fail "pstats on stdout differs from the file"
if command -v script >/dev/null; then
  expect_status 2 script -qec "\"$top_builddir/pyi-render\" -r pstats \"$EX\"" /dev/null
  grep -q "terminal" "$tmp/out" && pass || fail "pstats on a terminal: $(cat "$tmp/out")"
else
  fail "script(1) is needed to give pyi-render a terminal"
fi

# an empty session: an empty dict, no events
printf '{"start_time": 1.0, "duration": 0, "min_interval": 0.001, "max_interval": 0.001, "sample_count": 0, "start_call_stack": [], "target_description": "x", "cpu_time": 0, "sys_path": [], "sys_prefixes": [], "frame_records": []}' >"$tmp/empty.pyisession"
expect_status 0 tool pyi-render -r pstats -o "$tmp/empty.pstats" "$tmp/empty.pyisession"
[ "$(od -An -tx1 "$tmp/empty.pstats" | tr -d ' \n')" = "fb30" ] && pass || fail "empty pstats"
expect_status 0 tool pyi-render -r speedscope "$tmp/empty.pyisession"
grep -q '"endValue": 0, "events": \[\]}\], "shared": {"frames": \[\]}}$' "$tmp/out" && pass || fail "empty speedscope: $(cat "$tmp/out")"

# only frame-renderer options
expect_status 2 tool pyi-render -r speedscope -p flat "$EX"
one_line_error "flat"
expect_status 2 tool pyi-render -r pstats -p unicode=1 "$EX"
one_line_error "unicode"

finish
