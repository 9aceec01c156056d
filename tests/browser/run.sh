#!/bin/sh
# Browser test of the HTML report and the diff page. pyi-render writes HTML
# reports of corpus sessions and, from the same directory, the text reports
# the page must agree with; pyi-diff writes diff pages; report.test.cjs
# (with diff.test.cjs) opens them in headless Chromium (Debian's chromium
# package) through playwright-core, which this script installs with npm
# into tests/browser/node_modules of the build tree when missing.
# Needs: chromium, nodejs, npm (see tests/packages.txt).
set -eu
LC_ALL=C
export LC_ALL
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
CORPUS=${CORPUS:-${PYI_SHARED:-$top_srcdir/../shared}/conformance/cases}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
render="$top_builddir/pyi-render"
diff="$top_builddir/pyi-diff"
gensession="$top_builddir/bench/gensession"
LD_LIBRARY_PATH="$top_builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH

die() {
  echo "browser test: $*" >&2
  exit 1
}
[ -x "$CHROMIUM" ] || die "$CHROMIUM not found: install the Debian package chromium"
command -v node >/dev/null || die "node not found: install the Debian package nodejs"
[ -d "$CORPUS" ] || die "$CORPUS not found (the shared folder must sit beside the checkout)"
for prog in "$render" "$diff" "$gensession"; do
  [ -x "$prog" ] || die "$prog not built"
done

# playwright-core, at the version package.json pins
mods="$top_builddir/tests/browser"
want=$(sed -n 's/.*"playwright-core": *"\([^"]*\)".*/\1/p' "$here/package.json")
have=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' \
  "$mods/node_modules/playwright-core/package.json" 2>/dev/null | head -n 1)
if [ "$have" != "$want" ]; then
  command -v npm >/dev/null || die "npm not found: install the Debian package npm"
  mkdir -p "$mods"
  if [ ! "$mods" -ef "$here" ]; then
    cp "$here/package.json" "$here/package-lock.json" "$mods/"
  fi
  (cd "$mods" && npm ci --no-audit --no-fund --loglevel=error >&2) ||
    die "npm could not install playwright-core $want"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/cwd"
cd "$tmp/cwd" # short paths depend on it: both reports are made here

# a session whose names try to break out of the page
printf '%s' '{"start_time": 1700000000.0, "duration": 0.3, "min_interval": 0.001,
 "max_interval": 0.001, "sample_count": 3,
 "start_call_stack": ["MainThread\u0000<thread>\u00001"],
 "target_description": "Program: </script><script>alert(1)</script><b id=\"inj\">x</b>",
 "cpu_time": 0.3, "sys_path": ["/app"], "sys_prefixes": ["/usr"],
 "frame_records": [
  [["MainThread\u0000<thread>\u00001", "</script><script>alert(1)</script>\u0000/app/<img src=x onerror=alert(2)>.py\u00001"], 0.2],
  [["MainThread\u0000<thread>\u00001", "main\u0000/app/m.py\u00001"], 0.1]]}' \
  >"$tmp/xss.pyisession"

# the text report's variants the page's text style must match
cases="stdlib-fine samename recursion classes threads-sleep unicode tbhide asyncio cprog module edge-empty edge-one-record"
for c in $cases; do
  s="$CORPUS/$c/session.pyisession"
  "$render" --unicode --no-color -o "$tmp/$c.default.txt" "$s"
  "$render" --unicode --no-color -p time=percent_of_total -o "$tmp/$c.percent.txt" "$s"
  "$render" --unicode --no-color --show-all -o "$tmp/$c.showall.txt" "$s"
  "$render" --unicode --no-color -p processor_options.filter_threshold=0.05 -o "$tmp/$c.thresh5.txt" "$s"
  "$render" --unicode --no-color -t -o "$tmp/$c.timeline.txt" "$s"
  "$render" --unicode --no-color -t --show-all -o "$tmp/$c.tlall.txt" "$s"
done
# every case with pyinstrument's page's rows, and those above
row_cases=
for f in "$CORPUS"/*/expected/html-rows.tsv; do
  c=$(basename "$(dirname "$(dirname "$f")")")
  row_cases="$row_cases $c"
done
for c in $cases $row_cases; do
  [ -f "$tmp/$c.html" ] || "$render" -r html -o "$tmp/$c.html" "$CORPUS/$c/session.pyisession"
done
"$render" -r html -o "$tmp/xss.html" "$tmp/xss.pyisession"
# two threads (as --all-threads records them): the timeline has a lane each
printf '%s' '{"start_time": 1700000000.0, "duration": 0.3, "min_interval": 0.001,
 "max_interval": 0.001, "sample_count": 4,
 "start_call_stack": ["MainThread\u0000<thread>\u00001"],
 "target_description": "Program: lanes.py", "cpu_time": 0.55,
 "sys_path": ["/app"], "sys_prefixes": ["/usr"],
 "frame_records": [
  [["MainThread\u0000<thread>\u00001", "a\u0000/app/m.py\u00001"], 0.125],
  [["MainThread\u0000<thread>\u00001", "a\u0000/app/m.py\u00001"], 0.125],
  [["worker\u0000<thread>\u00002", "b\u0000/app/w.py\u00001"], 0.25],
  [["MainThread\u0000<thread>\u00001", "c\u0000/app/m.py\u00002"], 0.0625]]}' \
  >"$tmp/lanes.pyisession"
"$render" -r html -o "$tmp/lanes.html" "$tmp/lanes.pyisession"
"$gensession" -D 8000 -n 3 -o "$tmp/deep.pyisession" # the loader's limit is 8192
"$render" -r html -o "$tmp/deep.html" "$tmp/deep.pyisession"

# diff pages: ex against a run where compute() got slower (0.5 -> 0.9 s of
# self time) and json's raw_decode faster (0.15 -> 0.05 s); real runs
ex="$top_srcdir/tests/data/good/ex.pyisession"
cp "$ex" "$tmp/ex.pyisession"
sed -e 's/\(compute\\u0000\/app\/app.py\\u000010\\u0001l12"\], \)0.5/\10.9/' \
  -e 's/\(l353"\], \)0.15/\10.05/' "$ex" >"$tmp/changed.pyisession"
cmp -s "$ex" "$tmp/changed.pyisession" && die "could not change ex.pyisession"
"$diff" -o "$tmp/diff-ex.html" ../ex.pyisession ../changed.pyisession
"$diff" -o "$tmp/diff-std.html" "$CORPUS/stdlib/session.pyisession" "$CORPUS/stdlib-fine/session.pyisession"
"$diff" -o "$tmp/diff-rec.html" "$CORPUS/recursion/session.pyisession" "$CORPUS/recursion-fine/session.pyisession"
"$gensession" -D 4000 -n 2 -o "$tmp/deep2.pyisession"
"$gensession" -D 4000 -n 3 -o "$tmp/deep3.pyisession"
"$diff" -o "$tmp/diff-deep.html" "$tmp/deep2.pyisession" "$tmp/deep3.pyisession"
"$diff" -o "$tmp/diff-xss.html" "$tmp/xss.pyisession" "$tmp/xss.pyisession"

ARTIFACTS=${ARTIFACTS:-$top_builddir/tests/browser/artifacts}
mkdir -p "$ARTIFACTS"
REPORTS=$tmp CASES=$cases ROW_CASES=$row_cases ARTIFACTS=$ARTIFACTS CHROMIUM=$CHROMIUM CORPUS=$CORPUS \
  PLAYWRIGHT_CORE="$mods/node_modules/playwright-core" \
  node "$here/report.test.cjs"
