#!/bin/sh
# embed.sh SRCDIR OUT: turns the HTML app into a C include with two strings,
# the page before and after its @DATA@ mark. app.css goes in place of the
# @CSS@ line. The scripts (JS below, in order) are joined into one function,
# gzip-compressed and base64-encoded, in place of @JS@ (the page's loader
# inflates it). Indentation, blank lines and whole-line comments are dropped
# first. Needs awk, gzip and base64.
set -eu
LC_ALL=C
export LC_ALL
src=$1
out=$2
JS="frames.js tree.js charts.js app.js"
for f in index.html app.css $JS; do
  if [ ! -f "$src/$f" ]; then
    echo "embed.sh: $src/$f: missing" >&2
    exit 1
  fi
  # the page is compiled as C strings: keep it ASCII (escapes in JS/CSS)
  if grep -n '[^ -~	]' "$src/$f" >&2; then
    echo "embed.sh: $src/$f: non-ASCII characters above; use \\u escapes" >&2
    exit 1
  fi
done
tmp="$out.tmp$$"
trap 'rm -f "$tmp" "$tmp.js" "$tmp.b64"' EXIT

# slim FILE: the lines without indentation, blank lines, // and /* */ lines
slim='
{
  sub(/^[ \t]+/, ""); sub(/[ \t]+$/, "")
  if (incomment) { if ($0 ~ /\*\//) incomment = 0; next }
  if ($0 ~ /^\/\*/) { if ($0 !~ /\*\//) incomment = 1; next }
  if ($0 == "" || $0 ~ /^\/\//) next
  print
}'
{
  echo "(function () {"
  echo "'use strict';"
  for f in $JS; do awk "$slim" "$src/$f"; done
  echo "})();"
} >"$tmp.js"
# -n: no name or time stamp, so the build is reproducible
gzip -9 -n -c "$tmp.js" | base64 | tr -d '\n' >"$tmp.b64"
echo >>"$tmp.b64"

awk "$slim" "$src/index.html" | awk -v css="$src/app.css" -v app="$tmp.b64" '
function cstr(s,   out, c, i) {
  # byte by byte: awk dialects disagree on backslashes in gsub replacements
  out = ""
  for (i = 1; i <= length(s); i++) {
    c = substr(s, i, 1)
    if (c == "\\" || c == "\"") out = out "\\" c
    else if (c == "?") out = out "\\?"
    else if (c == "\t") out = out "\\t"
    else out = out c
  }
  return "\"" out
}
function emit(s) { print "  " cstr(s) "\\n\"" }
BEGIN {
  print "/* Generated from html-template/ by html-template/embed.sh; do not edit. */"
  print "static const char html_head[] ="
}
$0 == "@CSS@" {
  incomment = 0
  while ((getline line < css) > 0) {
    sub(/^[ \t]+/, "", line); sub(/[ \t]+$/, "", line)
    if (incomment) { if (line ~ /\*\//) incomment = 0; continue }
    if (line ~ /^\/\*/) { if (line !~ /\*\//) incomment = 1; continue }
    if (line != "") emit(line)
  }
  next
}
/@JS@/ {
  getline code < app
  sub(/@JS@/, code)
}
/@DATA@/ {
  i = index($0, "@DATA@")
  print "  " cstr(substr($0, 1, i - 1)) "\";"
  print "static const char html_tail[] ="
  $0 = substr($0, i + 6)
}
{ emit($0) }
END { print "  \"\";" }
' >"$tmp"
if ! grep -q '^static const char html_tail' "$tmp"; then
  echo "embed.sh: $src/index.html: no @DATA@ mark" >&2
  exit 1
fi
mv "$tmp" "$out"
