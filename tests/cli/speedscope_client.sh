#!/bin/sh
# pyi-render's speedscope files opened by the real speedscope app (the npm
# package pinned in tests/speedscope/package-lock.json) in headless
# Chromium: speedscope must import them as speedscope files and list the
# frames with their times (tests/speedscope/load.mjs). Installs the npm
# packages on first run; needs node, npm and chromium (tests/packages.txt).
. "$(dirname "$0")/setup.sh"
EX="$DATA/good/ex.pyisession"
# the page driver and its npm packages live in the build tree (a release
# tarball's source tree is read-only under make distcheck)
APP="$top_builddir/tests/speedscope"
if [ ! "$APP" -ef "$top_srcdir/tests/speedscope" ]; then
  mkdir -p "$APP"
  for f in package.json package-lock.json load.mjs; do
    cp "$top_srcdir/tests/speedscope/$f" "$APP/"
  done
fi
LD_LIBRARY_PATH="$top_builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH
TZ=UTC
export TZ

for cmd in node npm; do
  command -v "$cmd" >/dev/null || fail "$cmd is not installed (see tests/packages.txt)"
done
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || fail "chromium is not installed (see tests/packages.txt)"
if [ "$failures" -eq 0 ] && [ ! -d "$APP/node_modules/speedscope" ]; then
  (cd "$APP" && npm ci --no-audit --no-fund --loglevel=error) >"$tmp/npm.log" 2>&1 ||
    fail "npm ci in tests/speedscope failed: $(tail -5 "$tmp/npm.log")"
fi
[ "$failures" -eq 0 ] || finish

# open FILE TITLE NAME[=TOTAL]...: speedscope shows FILE as expected
open_in_speedscope() {
  if node "$APP/load.mjs" "$@" 2>"$tmp/load.err"; then pass; else fail "$1: $(head -5 "$tmp/load.err")"; fi
}

# the spec's example, with the times speedscope's sandwich view prints
expect_status 0 tool pyi-render -r speedscope -o "$tmp/ex.speedscope.json" "$EX"
open_in_speedscope "$tmp/ex.speedscope.json" "CPU profile for 'Program: app.py' at 2023-11-14T22-13-20" \
  main=804.00ms compute=600.00ms sqrt=100.00ms loads=150.00ms decode=150.00ms \
  raw_decode=150.00ms '[self]=550.00ms'

# non-ASCII names travel as \u escapes
s="$CORPUS/unicode/session.pyisession"
if [ -f "$s" ]; then
  expect_status 0 tool pyi-render -r speedscope -o "$tmp/u.speedscope.json" "$s"
  open_in_speedscope "$tmp/u.speedscope.json" "CPU profile for 'Program: unicode_names.py' at " \
    '<module>' "$(printf 'm\303\251thode')" "$(printf '\350\256\241\347\256\227')" \
    "$(printf 'gr\303\266\303\237e')"
else
  fail "corpus session $s not found"
fi

# a file speedscope cannot read fails the check (the check can fail)
printf '{"$schema": "https://www.speedscope.app/file-format-schema.json"}\n' >"$tmp/broken.json"
if node "$APP/load.mjs" "$tmp/broken.json" "CPU profile" main 2>/dev/null; then
  fail "a broken file passed the speedscope check"
else pass; fi

finish
