#!/bin/sh
# embed.sh SRCDIR OUT PAGE "CSS..." "JS...": turns one page of the HTML app
# into a C include with two strings, the page before and after its @DATA@
# mark. The stylesheets, a \001 byte and the scripts (joined into one
# function) are gzip-compressed and base64-encoded in place of @APP@;
# loader.js, which inflates and starts them, goes in place of the @LOADER@
# line. Indentation, blank lines and whole-line comments are dropped
# first. Needs awk, gzip and base64.
set -eu
LC_ALL=C
export LC_ALL
src=$1
out=$2
page=$3
css=$4
js=$5
for f in $page loader.js $css $js; do
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
trap 'rm -f "$tmp" "$tmp.app" "$tmp.b64" "$tmp.loader"' EXIT

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
  for f in $css; do awk "$slim" "$src/$f"; done
  printf '\001'
  echo "(function () {"
  echo "'use strict';"
  for f in $js; do awk "$slim" "$src/$f"; done
  echo "})();"
} >"$tmp.app"
# -n: no name or time stamp, so the build is reproducible
gzip -9 -n -c "$tmp.app" | base64 | tr -d '\n' >"$tmp.b64"
echo >>"$tmp.b64"
awk "$slim" "$src/loader.js" >"$tmp.loader"

awk "$slim" "$src/$page" | awk -v app="$tmp.b64" -v loader="$tmp.loader" '
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
$0 == "@LOADER@" {
  while ((getline line < loader) > 0) emit(line)
  next
}
/@APP@/ {
  getline code < app
  sub(/@APP@/, code)
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
  echo "embed.sh: $src/$page: no @DATA@ mark" >&2
  exit 1
fi
mv "$tmp" "$out"
