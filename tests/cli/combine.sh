#!/bin/sh
# Command-line tests of pyi-combine: stdout and -o (plain and gzip), stdin
# and pipes as inputs, summed times as pyi-render shows them, bad inputs
# (one line, exit 1, nothing written), --skip-bad, usage errors.
. "$(dirname "$0")/setup.sh"
EX="$DATA/good/ex.pyisession"
GZ="$DATA/odd/gzip.pyisession.gz"
LD_LIBRARY_PATH="$top_builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH
for prog in pyi-combine pyi-render; do
  [ -x "$top_builddir/$prog" ] || {
    echo "combine: $top_builddir/$prog is not built" >&2
    exit 1
  }
done

# a second recording of the ex program, started an hour later, with its
# own sys_path entry and a slower compute()
sed -e 's/"start_time": 1700000000.25/"start_time": 1700003600.5/' \
  -e 's/"sys_path": \["\/app"/"sys_path": ["\/extra", "\/app"/' \
  -e 's/\(compute\\u0000\/app\/app.py\\u000010\\u0001l12"\], \)0.5/\10.9/' \
  "$EX" >"$tmp/later.pyisession"
grep -q '1700003600.5' "$tmp/later.pyisession" && grep -q '0.9\]' "$tmp/later.pyisession" &&
  pass || fail "could not make the second recording"

# help and version name every option
expect_status 0 tool pyi-combine --help
sed 's/\\-/-/g' "$top_srcdir/docs/pyi-combine.1" >"$tmp/man"
for opt in --outfile --skip-bad --version --help; do
  grep -q -- "$opt" "$tmp/out" && pass || fail "--help does not describe $opt"
  grep -q -- "$opt" "$tmp/man" && pass || fail "the man page does not describe $opt"
done
expect_status 0 tool pyi-combine --version
grep -q "^pyi-combine 0" "$tmp/out" && pass || fail "version"

# stdout, piped into pyi-render: samples, durations and times add up
tool pyi-combine "$tmp/later.pyisession" "$EX" | tool pyi-render --no-color - >"$tmp/tree.txt"
grep -q "Samples:  10" "$tmp/tree.txt" && pass || fail "samples not summed: $(head -5 "$tmp/tree.txt")"
grep -q "Duration: 1.620" "$tmp/tree.txt" && pass || fail "durations not summed"
grep -q "CPU time: 1.750" "$tmp/tree.txt" && pass || fail "cpu times not summed"
# main: 0.804 + 1.204; compute: 0.604 + 1.004
grep -q "^2.008 main  app.py:1$" "$tmp/tree.txt" && pass || fail "main not summed: $(cat "$tmp/tree.txt")"
grep -q "1.608 compute  app.py:10$" "$tmp/tree.txt" && pass || fail "compute not summed"

# -o (also after the inputs), the earlier recording first whatever the
# argument order, the later one's new sys_path entry appended
expect_status 0 tool pyi-combine "$tmp/later.pyisession" "$EX" -o "$tmp/c.pyisession"
[ -s "$tmp/out" ] && fail "wrote to stdout with -o" || pass
python3 - "$tmp/c.pyisession" <<'EOF' && pass || fail "combined metadata"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["start_time"] == 1700000000.25, d["start_time"]
assert d["sys_path"] == ["/app", "/usr/lib/python3.11", "/extra"], d["sys_path"]
assert d["sys_prefixes"] == ["/usr"], d["sys_prefixes"]
assert d["sample_count"] == 10 and len(d["frame_records"]) == 10
times = [r[1] for r in d["frame_records"]]
assert times[1] == 0.5 and times[6] == 0.9, times
EOF

# gzip output by name; gzip, stdin and pipe inputs
expect_status 0 tool pyi-combine -o "$tmp/c.pyisession.gz" "$EX" "$GZ"
[ "$(head -c 2 "$tmp/c.pyisession.gz" | od -An -tx1 | tr -d ' ')" = 1f8b ] && pass || fail "not gzip"
expect_status 0 tool pyi-render --no-color "$tmp/c.pyisession.gz"
grep -q "Samples:  10" "$tmp/out" && pass || fail "gzip output does not render"
expect_status 0 sh -c "\"$top_builddir/pyi-combine\" - \"$tmp/later.pyisession\" <\"$EX\" >\"$tmp/stdin.pyisession\""
cmp -s "$tmp/stdin.pyisession" "$tmp/c.pyisession" && pass || fail "stdin input differs from the file"
mkfifo "$tmp/fifo"
cat "$EX" >"$tmp/fifo" &
expect_status 0 tool pyi-combine -o "$tmp/fifo.pyisession" "$tmp/later.pyisession" "$tmp/fifo"
wait
cmp -s "$tmp/fifo.pyisession" "$tmp/c.pyisession" && pass || fail "a pipe input differs from the file"
# one input comes back byte for byte as pyi-render saves it
expect_status 0 tool pyi-combine -o "$tmp/one.pyisession" "$EX"
tool pyi-render -r pyisession -o "$tmp/saved.pyisession" "$EX"
cmp -s "$tmp/one.pyisession" "$tmp/saved.pyisession" && pass || fail "single input changed"

# a bad input: one line naming it, exit 1, nothing on stdout, an existing
# output untouched and no temporary file left
printf '{"start_time": 1' >"$tmp/trunc.pyisession"
mkdir "$tmp/dir"
echo precious >"$tmp/dir/keep.pyisession"
expect_status 1 tool pyi-combine "$EX" "$tmp/trunc.pyisession" -o "$tmp/dir/keep.pyisession"
one_line_error "$tmp/trunc.pyisession"
[ "$(cat "$tmp/dir/keep.pyisession")" = precious ] && pass || fail "output destroyed"
[ "$(ls -A "$tmp/dir")" = keep.pyisession ] && pass || fail "temporary file left: $(ls -A "$tmp/dir")"
expect_status 1 tool pyi-combine "$EX" "$tmp/trunc.pyisession"
[ -s "$tmp/out" ] && fail "partial output on stdout" || pass
expect_status 1 tool pyi-combine "$EX" "$tmp/missing.pyisession"
one_line_error "$tmp/missing.pyisession"
# every malformed session of the shared collection, even after a good one
for f in "$DATA"/bad/*; do
  [ "$(basename "$f")" = README ] && continue
  set +e
  tool pyi-combine "$EX" "$f" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  set -e
  case $(basename "$f") in
    # the session loads; only building its call tree fails
    *-not-leaf.pyisession) [ $rc -eq 0 ] && pass || fail "$f: exit $rc, want 0" ;;
    *)
      [ $rc -eq 1 ] && pass || fail "$f: exit $rc, want 1"
      [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -qF -- "$f" "$tmp/err" && pass ||
        fail "$f: not one line naming the file: $(cat "$tmp/err")"
      [ -s "$tmp/out" ] && fail "$f: wrote to stdout" || pass
      ;;
  esac
done

# every odd but valid session of the shared collection, all at once: the
# result is Session.combine of them as Python's json module reads them
# (records in start-time order, counts and times summed: odd_check.py),
# and it loads and renders
set --
for f in "$DATA"/odd/*; do
  [ "$(basename "$f")" = README ] || set -- "$@" "$f"
done
expect_status 0 tool pyi-combine -o "$tmp/odd.pyisession" "$@"
first=$1
shift
python3 "$top_srcdir/tests/cli/odd_check.py" pyisession "$first" "$tmp/odd.pyisession" "$@" \
  >"$tmp/check" 2>&1 && pass || fail "combined odd sessions: $(head -c 600 "$tmp/check")"
expect_status 0 tool pyi-render -o "$tmp/odd.txt" "$tmp/odd.pyisession"
python3 "$top_srcdir/tests/cli/odd_check.py" text "$tmp/odd.pyisession" "$tmp/odd.txt" \
  >"$tmp/check" 2>&1 && pass || fail "combined odd sessions, text: $(head -c 600 "$tmp/check")"
expect_status 0 tool pyi-render -r json -o "$tmp/odd.json" "$tmp/odd.pyisession"
python3 "$top_srcdir/tests/cli/odd_check.py" json "$tmp/odd.pyisession" "$tmp/odd.json" \
  >"$tmp/check" 2>&1 && pass || fail "combined odd sessions, json: $(head -c 600 "$tmp/check")"

# --skip-bad: reported on one line each, the rest combined
expect_status 0 tool pyi-combine --skip-bad "$tmp/later.pyisession" "$tmp/trunc.pyisession" "$EX" \
  "$tmp/missing.pyisession" -o "$tmp/skipped.pyisession"
[ "$(wc -l <"$tmp/err")" -eq 2 ] && grep -q "trunc.pyisession.*(skipped)" "$tmp/err" &&
  grep -q "missing.pyisession.*(skipped)" "$tmp/err" && pass || fail "skips not reported: $(cat "$tmp/err")"
cmp -s "$tmp/skipped.pyisession" "$tmp/c.pyisession" && pass || fail "--skip-bad result differs"
expect_status 1 tool pyi-combine --skip-bad "$tmp/trunc.pyisession"
grep -q "no session to combine" "$tmp/err" && pass || fail "all skipped: $(cat "$tmp/err")"

# a failed write never leaves a partial file (plain and gzip output)
expect_no_partial_output c.pyisession pyi-combine "$EX" "$tmp/later.pyisession"
expect_no_partial_output c.pyisession.gz pyi-combine "$EX" "$tmp/later.pyisession"

# usage errors exit 2
expect_status 2 tool pyi-combine
one_line_error "no session files"
expect_status 2 tool pyi-combine - -
one_line_error "stdin"
expect_status 2 tool pyi-combine --bogus "$EX"

finish
