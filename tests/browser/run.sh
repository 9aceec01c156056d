#!/bin/sh
# Browser test of the HTML report. pyi-render writes HTML reports of corpus
# sessions and, from the same directory, the text reports the page must
# agree with; report.test.cjs opens the pages in headless Chromium (Debian's
# chromium package) through playwright-core, which this script installs
# with npm into tests/browser/node_modules of the build tree when missing.
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
LD_LIBRARY_PATH="$top_builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH

die() {
  echo "browser test: $*" >&2
  exit 1
}
[ -x "$CHROMIUM" ] || die "$CHROMIUM not found: install the Debian package chromium"
command -v node >/dev/null || die "node not found: install the Debian package nodejs"
[ -d "$CORPUS" ] || die "$CORPUS not found (the shared folder must sit beside the checkout)"
[ -x "$render" ] || die "$render not built"

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

cases="stdlib-fine samename recursion classes threads-sleep unicode tbhide asyncio cprog module edge-empty edge-one-record"
for c in $cases; do
  s="$CORPUS/$c/session.pyisession"
  "$render" -r html -o "$tmp/$c.html" "$s"
  "$render" --unicode --no-color -o "$tmp/$c.default.txt" "$s"
  "$render" --unicode --no-color -p time=percent_of_total -o "$tmp/$c.percent.txt" "$s"
  "$render" --unicode --no-color --show-all -o "$tmp/$c.showall.txt" "$s"
  "$render" --unicode --no-color -p processor_options.filter_threshold=0.05 -o "$tmp/$c.thresh5.txt" "$s"
  "$render" --unicode --no-color -t -o "$tmp/$c.timeline.txt" "$s"
done
"$render" -r html -o "$tmp/xss.html" "$tmp/xss.pyisession"

ARTIFACTS=${ARTIFACTS:-$top_builddir/tests/browser/artifacts}
mkdir -p "$ARTIFACTS"
REPORTS=$tmp CASES=$cases ARTIFACTS=$ARTIFACTS CHROMIUM=$CHROMIUM CORPUS=$CORPUS \
  PLAYWRIGHT_CORE="$mods/node_modules/playwright-core" \
  node "$here/report.test.cjs"
