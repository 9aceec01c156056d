#!/bin/sh
# Command-line tests of pyi-render: exit codes, messages, renderer guessing
# from -o, stdin, gzip, atomic output.
. "$(dirname "$0")/setup.sh"
EX="$DATA/good/ex.pyisession"
LD_LIBRARY_PATH="$top_builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH

# success, the tree on stdout
expect_status 0 tool pyi-render --no-color "$EX"
if grep -q "^0.804 main  app.py:1$" "$tmp/out"; then pass; else fail "tree missing: $(cat "$tmp/out")"; fi
if grep -q "Samples:  5" "$tmp/out" && grep -q "Duration: 0.810" "$tmp/out"; then pass; else fail "banner"; fi

# help and version
expect_status 0 tool pyi-render --help
if grep -q -- "--hide-regex" "$tmp/out"; then pass; else fail "help lacks options"; fi
expect_status 0 tool pyi-render --version
if grep -q "pyi-render 0" "$tmp/out"; then pass; else fail "version"; fi
# long options may be abbreviated, as pyinstrument's optparse allows
expect_status 0 tool pyi-render --no-col --tim "$EX"
if grep -q "0.600 compute" "$tmp/out"; then pass; else fail "abbreviated --timeline"; fi

# usage errors exit 2 with one line
expect_status 2 tool pyi-render
one_line_error "no session file"
expect_status 2 tool pyi-render -r nosuch "$EX"
one_line_error "unknown renderer 'nosuch'"
expect_status 2 tool pyi-render -p bogus=1 "$EX"
one_line_error "bogus"
expect_status 2 tool pyi-render -p flat -t "$EX"
one_line_error "timeline and flat"
expect_status 2 tool pyi-render --hide 'x' --hide-regex 'y' "$EX"
one_line_error "--hide-regex"
expect_status 2 tool pyi-render --show 'x' --show-all "$EX"
one_line_error "--show-all"
expect_status 2 tool pyi-render -r pyisession -t "$EX"
one_line_error "timeline"
expect_status 2 tool pyi-render --hide-regex '(' "$EX"
one_line_error "regular expression"
expect_status 2 tool pyi-render --bogus "$EX"

# bad data exits 1 with one line naming the file
expect_status 1 tool pyi-render "$tmp/missing.pyisession"
one_line_error "$tmp/missing.pyisession"
printf '{"start_time": 1' >"$tmp/trunc.pyisession"
expect_status 1 tool pyi-render "$tmp/trunc.pyisession"
one_line_error "trunc.pyisession"
expect_status 1 tool pyi-render "$tmp"
one_line_error "directory"

# -o guesses the renderer from the name, case-insensitively
for pair in out.JSON:json o.pyisession:pyisession o.TXT:text o.dat:text; do
  name=${pair%%:*}
  kind=${pair##*:}
  expect_status 0 tool pyi-render -o "$tmp/$name" "$EX"
  case $kind in
    json) head -c 15 "$tmp/$name" | grep -q '^{"start_time": ' && pass || fail "$name not json" ;;
    pyisession) grep -q '"frame_records": \[\[\[' "$tmp/$name" && pass || fail "$name not a session" ;;
    text) grep -q "0.804 main" "$tmp/$name" && pass || fail "$name not text" ;;
  esac
done
# a file gets unicode and no colour by default
grep -q "$(printf '\342\224\234')" "$tmp/o.TXT" && ! grep -q "$(printf '\033')" "$tmp/o.TXT" && pass || fail "file defaults"

# stdin, and gzip in and out whatever the name
expect_status 0 tool pyi-render -r pyisession -o "$tmp/ex.pyisession.gz" "$EX"
if [ "$(head -c 2 "$tmp/ex.pyisession.gz" | od -An -tx1 | tr -d ' ')" = "1f8b" ]; then pass; else fail "not gzip"; fi
cp "$tmp/ex.pyisession.gz" "$tmp/renamed.txt"
expect_status 0 tool pyi-render --no-color "$tmp/renamed.txt"
grep -q "0.804 main" "$tmp/out" && pass || fail "gzip input"
expect_status 0 sh -c "\"$top_builddir/pyi-render\" --no-color - <\"$EX\""
grep -q "0.804 main" "$tmp/out" && pass || fail "stdin"
# a saved session renders the same as the original
tool pyi-render --no-color "$EX" | tail -n +6 >"$tmp/a.txt"
tool pyi-render --no-color "$tmp/ex.pyisession.gz" | tail -n +6 >"$tmp/b.txt"
cmp -s "$tmp/a.txt" "$tmp/b.txt" && pass || fail "round trip through gzip changed the tree"

# a failed render leaves an existing output untouched and no temporary file
echo precious >"$tmp/keep.txt"
expect_status 1 tool pyi-render -o "$tmp/keep.txt" "$tmp/trunc.pyisession"
[ "$(cat "$tmp/keep.txt")" = precious ] && pass || fail "output destroyed"
expect_status 2 tool pyi-render --hide-regex '(' -o "$tmp/keep.txt" "$EX"
[ "$(cat "$tmp/keep.txt")" = precious ] && pass || fail "output destroyed by a bad regex"
[ "$(ls -A "$tmp" | grep -c '^\.keep')" -eq 0 ] && pass || fail "temporary file left behind"
# writing to a device works in place (never replaced by a rename)
expect_status 0 tool pyi-render -o /dev/null "$EX"
[ -c /dev/null ] && pass || fail "/dev/null replaced"
# a directory that does not exist is an I/O error naming the file
expect_status 1 tool pyi-render -o "$tmp/nodir/x.txt" "$EX"
one_line_error "$tmp/nodir/x.txt"

# an HTML page for a terminal is saved to a temporary file and opened
# (script(1) gives the tool a terminal; BROWSER records what was opened)
cat >"$tmp/browser" <<EOS
#!/bin/sh
echo "\$1" >"$tmp/opened"
EOS
chmod +x "$tmp/browser"
BROWSER="$tmp/browser" script -qec "\"$top_builddir/pyi-render\" -r html \"$EX\"" /dev/null | tr -d '\r' >"$tmp/out"
page=$(sed -n 's/^stdout is a terminal, so saved profile output to //p' "$tmp/out")
if [ -n "$page" ] && [ -s "$page" ] && grep -q "<!DOCTYPE html>" "$page"; then pass; else fail "html to a terminal: $(cat "$tmp/out")"; fi
sleep 1
[ "$(cat "$tmp/opened" 2>/dev/null)" = "file://$page" ] && pass || fail "browser not opened with $page"
rm -f "$page"

finish
