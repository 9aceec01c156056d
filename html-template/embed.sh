#!/bin/sh
# embed.sh SRCDIR OUT: turns the HTML app (index.html with app.css and
# app.js put in place of its @CSS@ and @JS@ lines) into a C include with
# two strings, the page before and after its @DATA@ mark. Indentation,
# blank lines and whole-line comments of the CSS and JS are dropped.
set -eu
LC_ALL=C
export LC_ALL
src=$1
out=$2
for f in index.html app.css app.js; do
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
trap 'rm -f "$tmp"' EXIT
awk -v css="$src/app.css" -v js="$src/app.js" '
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
function slim(path,   line, incomment) {
  incomment = 0
  while ((getline line < path) > 0) {
    sub(/^[ \t]+/, "", line); sub(/[ \t]+$/, "", line)
    if (incomment) { if (line ~ /\*\//) incomment = 0; continue }
    if (line ~ /^\/\*/) { if (line !~ /\*\//) incomment = 1; continue }
    if (line == "" || line ~ /^\/\//) continue
    emit(line)
  }
  close(path)
}
BEGIN {
  print "/* Generated from html-template/ by html-template/embed.sh; do not edit. */"
  print "static const char html_head[] ="
}
$0 == "@CSS@" { slim(css); next }
$0 == "@JS@" { slim(js); next }
/@DATA@/ {
  i = index($0, "@DATA@")
  print "  " cstr(substr($0, 1, i - 1)) "\";"
  print "static const char html_tail[] ="
  $0 = substr($0, i + 6)
}
{ emit($0) }
END { print "  \"\";" }
' "$src/index.html" >"$tmp"
if ! grep -q '^static const char html_tail' "$tmp"; then
  echo "embed.sh: $src/index.html: no @DATA@ mark" >&2
  exit 1
fi
mv "$tmp" "$out"
trap - EXIT
