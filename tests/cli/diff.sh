#!/bin/sh
# Command-line tests of pyi-diff: the formats (guessed from -o), the
# regression gate's exit codes, added and removed paths, --normalize,
# --threshold, hidden library frames, bad input, usage errors, and deep
# stacks on a small C stack.
. "$(dirname "$0")/setup.sh"
EX="$DATA/good/ex.pyisession"
LD_LIBRARY_PATH="$top_builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH
GENSESSION=$top_builddir/bench/gensession
for prog in "$top_builddir/pyi-diff" "$GENSESSION"; do
  [ -x "$prog" ] || {
    echo "diff: $prog is not built" >&2
    exit 1
  }
done

# the ex program again, compute() slower (0.5 -> 0.9 s of self time)
sed -e 's/\(compute\\u0000\/app\/app.py\\u000010\\u0001l12"\], \)0.5/\10.9/' \
  "$EX" >"$tmp/slower.pyisession"
# ... with sqrt() replaced by cbrt()
sed -e 's/sqrt/cbrt/' "$EX" >"$tmp/cbrt.pyisession"
# ... with json's raw_decode (a hidden library frame) taking 0.16 s, still
# hidden, and 0.45 s, when the report shows the json frames
sed -e 's/\(l353"\], \)0.15/\10.16/' "$EX" >"$tmp/json.pyisession"
sed -e 's/\(l353"\], \)0.15/\10.45/' "$EX" >"$tmp/json2.pyisession"
# ... every sample twice as long
sed -e 's/\], \([0-9.]*\)\]/], 2*\1]/g' "$EX" | python3 -c '
import re, sys
print(re.sub(r"2\*([0-9.]+)", lambda m: repr(2 * float(m.group(1))), sys.stdin.read()), end="")
' >"$tmp/double.pyisession"
for f in slower cbrt json json2 double; do
  cmp -s "$EX" "$tmp/$f.pyisession" && fail "could not make $f.pyisession" || pass
done

# help names every option; version
expect_status 0 tool pyi-diff --help
for opt in --renderer --outfile --normalize --threshold --top --fail-on-regression \
  --render-option --hide --hide-regex --show --show-regex --show-all --unicode \
  --no-unicode --color --no-color --version --help; do
  grep -q -- "$opt" "$tmp/out" && pass || fail "--help does not describe $opt"
  sed 's/\\-/-/g' "$top_srcdir/docs/pyi-diff.1" | grep -q -- "$opt" && pass ||
    fail "the man page does not describe $opt"
done
expect_status 0 tool pyi-diff --version
grep -q "^pyi-diff 0" "$tmp/out" && pass || fail "version"

# a session against itself: nothing changed, and the gate passes
expect_status 0 tool pyi-diff --no-color --fail-on-regression 0 "$EX" "$EX"
grep -q "No call path changed" "$tmp/out" && pass || fail "self diff: $(cat "$tmp/out")"
expect_status 0 tool pyi-diff -r json --threshold 0 "$EX" "$EX"
python3 - "$tmp/out" <<'EOF' && pass || fail "self diff json is not all zeros"
import json, sys
d = json.load(open(sys.argv[1]))
todo, n = [d["root"]], 0
while todo:
    x = todo.pop()
    n += 1
    assert x["delta"] == 0 and x["status"] == "both", x
    todo += x["children"]
assert n > 3 and d["slower"] == [] and d["faster"] == []
EOF

# one function slower: first in the list and in the tree, in red
expect_status 0 tool pyi-diff --color --unicode "$EX" "$tmp/slower.pyisession"
sed -n '/Slower/{n;p;}' "$tmp/out" | grep -q "+0.400.*compute" && pass || fail "compute not first: $(cat "$tmp/out")"
grep -q "$(printf '\033\\[31m')+0.400.*compute" "$tmp/out" && pass || fail "no red for slower"
expect_status 0 tool pyi-diff --no-color --unicode "$EX" "$tmp/slower.pyisession"
grep -q "^0.604 1.004 +0.400 +66.2%  └─ compute  app.py:10  (self +0.400)$" "$tmp/out" && pass ||
  fail "tree line: $(cat "$tmp/out")"
expect_status 0 tool pyi-diff --color "$tmp/slower.pyisession" "$EX"
grep -q "$(printf '\033\\[32m')-0.400.*compute" "$tmp/out" && pass || fail "no green for faster"
expect_status 0 tool pyi-diff "$EX" "$tmp/slower.pyisession"
grep -q "$(printf '\033')" "$tmp/out" && fail "colour on a pipe" || pass

# the gate: total +49.8 %, compute +66.2 %
expect_status 3 tool pyi-diff --fail-on-regression 10 -o "$tmp/gate.txt" "$EX" "$tmp/slower.pyisession"
one_line_error "the total"
grep -q compute "$tmp/gate.txt" && pass || fail "no report written before exit 3"
expect_status 3 tool pyi-diff --fail-on-regression 60 "$EX" "$tmp/slower.pyisession"
one_line_error "compute (app.py:10) got 66.2% slower"
expect_status 0 tool pyi-diff --fail-on-regression 70 "$EX" "$tmp/slower.pyisession"
expect_status 0 tool pyi-diff --fail-on-regression 10 "$tmp/slower.pyisession" "$EX"
# ... a path below the threshold does not count
expect_status 0 tool pyi-diff --threshold 60 --fail-on-regression 60 "$EX" "$tmp/slower.pyisession"

# added and removed paths; an added one fails any gate
expect_status 3 tool pyi-diff --no-color --fail-on-regression 1000 "$EX" "$tmp/cbrt.pyisession"
grep -q "cbrt  <built-in>  \[added\]" "$tmp/out" && pass || fail "added: $(cat "$tmp/out")"
grep -q "sqrt  <built-in>  \[removed\]" "$tmp/out" && pass || fail "removed"
one_line_error "cbrt (<built-in>) is new"

# library frames: left out where the report hides them on both sides
expect_status 0 tool pyi-diff --no-color "$EX" "$tmp/json.pyisession"
grep -q "+0.010 +6.7%  └─ loads  json/__init__.py:299$" "$tmp/out" && pass ||
  fail "json path: $(cat "$tmp/out")"
grep -q "JSONDecoder" "$tmp/out" && fail "a hidden frame is shown" || pass
expect_status 0 tool pyi-diff --no-color --show-all "$EX" "$tmp/json.pyisession"
grep -q "JSONDecoder.decode" "$tmp/out" && pass || fail "--show-all hides frames"
# ... and kept on both sides where one report shows them
expect_status 0 tool pyi-diff --no-color "$EX" "$tmp/json2.pyisession"
grep -q "JSONDecoder.decode" "$tmp/out" && grep -q "JSONDecoder.raw_decode" "$tmp/out" &&
  pass || fail "json2 path: $(cat "$tmp/out")"
grep -q "\[added\]\|\[removed\]" "$tmp/out" && fail "hiding made paths differ" || pass
expect_status 0 tool pyi-diff --no-color --hide-regex '.*/app/.*' --show-all "$EX" "$tmp/json.pyisession"
expect_status 2 tool pyi-diff --hide x --hide-regex y "$EX" "$EX"

# --normalize: twice as long, same shares
expect_status 0 tool pyi-diff --no-color --fail-on-regression 5 --normalize "$EX" "$tmp/double.pyisession"
grep -q "No call path changed" "$tmp/out" && pass || fail "normalize: $(cat "$tmp/out")"
expect_status 3 tool pyi-diff --no-color --fail-on-regression 5 "$EX" "$tmp/double.pyisession"
grep -q "+100.0%" "$tmp/out" && pass || fail "seconds: $(cat "$tmp/out")"

# formats, by name or by -o; stdin
expect_status 0 tool pyi-diff -o "$tmp/d.md" "$EX" "$tmp/slower.pyisession"
head -1 "$tmp/d.md" | grep -q "^# Profile diff" && pass || fail "markdown"
grep -q '^1\. .*`compute`' "$tmp/d.md" && pass || fail "markdown list: $(cat "$tmp/d.md")"
expect_status 0 tool pyi-diff -o "$tmp/d.JSON" "$EX" "$tmp/slower.pyisession"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["slower"][0]["path"] == ["main", "compute"]' \
  "$tmp/d.JSON" && pass || fail "json"
expect_status 0 tool pyi-diff -o "$tmp/d.html" "$EX" "$tmp/slower.pyisession"
head -1 "$tmp/d.html" | grep -q "<!DOCTYPE html>" && pass || fail "html"
if grep -Eiq 'src=|href=|https?://|url\(' "$tmp/d.html"; then fail "the diff page loads something"; else pass; fi
# the page's data: both sides, the options and every node, parents first
diff_data() {
  python3 -c '
import base64, json, re, sys, zlib
page = open(sys.argv[1], encoding="ascii").read()
b64 = re.search(r"id=\"pyi-data\" type=\"application/octet-stream\">([^<]*)<", page).group(1)
print(json.dumps(json.loads(zlib.decompress(base64.b64decode(b64)))))' "$1"
}
diff_data "$tmp/d.html" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["base"]["sample_count"] == 5 and d["new"]["total"] > d["base"]["total"], d["new"]
assert (d["normalize"], d["precision"], d["top"], d["threshold"]) == (False, 3, 10, 1), d
n = d["nodes"]
assert n[0][:3] == [-1, "", ""], n[0]
assert all(0 <= x[0] < i for i, x in enumerate(n) if i), "parents come first"
c = [x for x in n if x[1] == "compute"]
assert len(c) == 1 and c[0][2] == "app.py:10" and abs(c[0][3] - 0.604) < 1e-9 and abs(c[0][4] - 1.004) < 1e-9, c
assert n[c[0][0]][1] == "main"
' && pass || fail "html data"
expect_status 0 tool pyi-diff --threshold 0 --normalize -o "$tmp/d0.html" "$EX" "$tmp/slower.pyisession"
diff_data "$tmp/d0.html" | grep -q '"normalize": true, "precision": 3, "top": 10, "threshold": 0.0,' &&
  pass || fail "html options"
# names that would end the script element stay inside the data
sed -e 's#"compute#"</script><b>compute#g' "$tmp/slower.pyisession" >"$tmp/evil.pyisession"
expect_status 0 tool pyi-diff -o "$tmp/evil.html" "$EX" "$tmp/evil.pyisession"
[ "$(grep -c '</script>' "$tmp/evil.html")" -eq 3 ] && pass || fail "a name reached the diff page as markup"
diff_data "$tmp/evil.html" | grep -q '"</script><b>compute"' && pass || fail "hostile name kept in the data"
expect_status 0 tool pyi-diff -r text -o "$tmp/d.html2" "$EX" "$tmp/slower.pyisession"
grep -q "Slower" "$tmp/d.html2" && pass || fail "-r text"
expect_status 0 sh -c "\"$top_builddir/pyi-diff\" --no-color - \"$tmp/slower.pyisession\" <\"$EX\""
grep -q "+0.400.*compute" "$tmp/out" && pass || fail "stdin base"

# odd but valid sessions: against themselves (every format) and against ex
for f in "$DATA"/odd/*; do
  [ "$(basename "$f")" = README ] && continue
  for fmt in text markdown json html; do
    expect_status 0 tool pyi-diff -r "$fmt" --threshold 0 "$f" "$f"
  done
  expect_status 0 tool pyi-diff --normalize "$EX" "$f"
done

# bad input: one line naming the file, exit 1, an existing output kept
printf '{"start_time": 1' >"$tmp/trunc.pyisession"
echo precious >"$tmp/keep.txt"
expect_status 1 tool pyi-diff -o "$tmp/keep.txt" "$EX" "$tmp/trunc.pyisession"
one_line_error "$tmp/trunc.pyisession"
[ "$(cat "$tmp/keep.txt")" = precious ] && pass || fail "output destroyed"
expect_status 1 tool pyi-diff "$tmp/missing.pyisession" "$EX"
one_line_error "$tmp/missing.pyisession"
expect_status 1 tool pyi-diff "$DATA/bad/await-not-leaf.pyisession" "$EX"
one_line_error "await-not-leaf"

# a failed write never leaves a partial report
for name in d.txt d.md d.json d.html; do
  expect_no_partial_output "$name" pyi-diff "$EX" "$tmp/slower.pyisession"
done

# usage errors exit 2 with one line
expect_status 2 tool pyi-diff "$EX"
one_line_error "two session files"
expect_status 2 tool pyi-diff "$EX" "$EX" "$EX"
one_line_error "only two"
expect_status 2 tool pyi-diff -t "$EX" "$EX"
one_line_error "--timeline"
expect_status 2 tool pyi-diff --threshold abc "$EX" "$EX"
one_line_error "--threshold"
expect_status 2 tool pyi-diff --top 0 "$EX" "$EX"
one_line_error "--top"
expect_status 2 tool pyi-diff -r pstats "$EX" "$EX"
one_line_error "unknown format 'pstats'"
expect_status 2 tool pyi-diff -p flat "$EX" "$EX"
one_line_error "flat"
expect_status 2 tool pyi-diff - - <"$EX"
one_line_error "stdin"

# deep stacks on a 1 MB C stack: no recursion over depth anywhere
"$GENSESSION" -D 4000 -n 2 -o "$tmp/deep2.pyisession"
"$GENSESSION" -D 4000 -n 3 -o "$tmp/deep3.pyisession"
for fmt in txt md json html; do
  set +e
  # shellcheck disable=SC3045 # dash and bash both have ulimit -s
  (ulimit -s 1024 && exec "$top_builddir/pyi-diff" -o "$tmp/deep.$fmt" \
    "$tmp/deep2.pyisession" "$tmp/deep3.pyisession") 2>"$tmp/err"
  rc=$?
  set -e
  [ $rc -eq 0 ] && [ -s "$tmp/deep.$fmt" ] && pass || fail "deep stack, $fmt: exit $rc $(cat "$tmp/err")"
done

finish
