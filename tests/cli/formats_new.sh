#!/bin/sh
# The markdown, folded and pprof renderers from the command line, read back
# by real clients: pprof output by `go tool pprof` (-top for names and
# totals, -traces for every stack, compared with our folded output), and
# the Markdown by cmark-gfm, GitHub's own CommonMark parser.
. "$(dirname "$0")/setup.sh"
LD_LIBRARY_PATH="$top_builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH
for prog in go cmark-gfm python3; do
  if ! command -v $prog >/dev/null 2>&1; then
    echo "formats_new: $prog not found (tests/packages.txt lists the packages; ./setup.sh test installs them)" >&2
    exit 1
  fi
done
# pprof keeps nothing between runs; give it a home of its own
HOME="$tmp"
PPROF_TMPDIR="$tmp"
export HOME PPROF_TMPDIR
EX="$DATA/good/ex.pyisession"

# expected SESSION: "<records with a stack> <their seconds in ns>", from the
# session file itself (one ns rounding per distinct stack, as stored)
expected() {
  python3 - "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
groups = {}
for stack, t in d["frame_records"]:
    if stack:
        n, s = groups.get(tuple(stack), (0, 0.0))
        groups[tuple(stack)] = (n + 1, s + t)
print(sum(n for n, _ in groups.values()), sum(round(s * 1e9) for _, s in groups.values()),
      len(groups))
EOF
}

# by_name: folded lines with each frame reduced to its function name
# ("name (file:line)" -> "name"), equal stacks summed, sorted
by_name() {
  sed 's/ ([^;]*)//g' | awk '{v = $NF; $NF = ""; sub(/ $/, ""); s[$0] += v}
    END {for (k in s) print k " " s[k]}' | sort
}

# traces_folded: `go tool pprof -traces` blocks (leaf first) as folded lines
traces_folded() {
  awk '/^-----------\+/ { if (n) { line = f[n]; for (i = n - 1; i >= 1; i--) line = line ";" f[i]; print line " " v } n = 0; next }
    /^ *[0-9]/ && n == 0 { v = $1; sub(/^ *[^ ]+ +/, ""); f[++n] = $0; next }
    n > 0 { sub(/^ +/, ""); f[++n] = $0 }' | by_name
}

for case in classes unicode recursion stdlib asyncio; do
  S="$CORPUS/$case/session.pyisession"
  if [ ! -f "$S" ]; then
    fail "$S missing (the shared folder must sit beside the checkout)"
    continue
  fi
  expect_status 0 tool pyi-render -o "$tmp/$case.pb.gz" "$S"
  expect_status 0 tool pyi-render -r folded -p unit=samples -o "$tmp/$case.folded" "$S"
  set -- $(expected "$S")
  records=$1 ns=$2 groups=$3

  # totals: the wall time (pprof's default sample type) and the sample count
  go tool pprof -top -unit=ns "$tmp/$case.pb.gz" >"$tmp/top" 2>"$tmp/err" || fail "$case: pprof -top: $(cat "$tmp/err")"
  got=$(sed -n 's/.*Total samples = \([0-9]*\)ns.*/\1/p' "$tmp/top")
  if grep -q '^Type: wall$' "$tmp/top" && [ -n "$got" ] &&
    [ $((got > ns ? got - ns : ns - got)) -le "$groups" ]; then pass; else
    fail "$case: pprof total '$got' ns, want $ns: $(head -6 "$tmp/top")"
  fi
  go tool pprof -top -sample_index=samples "$tmp/$case.pb.gz" >"$tmp/top" 2>"$tmp/err" || fail "$case: pprof -top samples"
  grep -q "Total samples = $records *\$" "$tmp/top" && pass || fail "$case: want $records samples: $(head -6 "$tmp/top")"

  # every stack: pprof's traces and our folded output agree, frame by frame
  go tool pprof -traces -sample_index=samples "$tmp/$case.pb.gz" 2>"$tmp/err" | traces_folded >"$tmp/traces"
  by_name <"$tmp/$case.folded" >"$tmp/folded"
  if [ -s "$tmp/traces" ] && cmp -s "$tmp/traces" "$tmp/folded"; then pass; else
    fail "$case: pprof traces differ from the folded stacks: $(diff "$tmp/traces" "$tmp/folded" | head -10)"
  fi
  awk '{s += $NF} END {print s}' "$tmp/$case.folded" | grep -qx "$records" && pass || fail "$case: folded sample count"
done

# the names pprof shows for the classes case, as pyinstrument names them
go tool pprof -top "$tmp/classes.pb.gz" >"$tmp/top" 2>/dev/null
for name in '<module>' run Square.area Square.side '<genexpr>' sum sleep helper '<listcomp>'; do
  grep -q " $name\$" "$tmp/top" && pass || fail "pprof -top lacks $name"
done
# line numbers: the 'l' attribute of the sample, not the definition
go tool pprof -traces -lines "$tmp/classes.pb.gz" >"$tmp/lines" 2>/dev/null
grep -q '^ *run classes.py:16$' "$tmp/lines" && ! grep -q ' run classes.py:12$' "$tmp/lines" &&
  pass || fail "pprof -lines: $(head -20 "$tmp/lines")"

# -o guesses pprof from .pb.gz and .pprof, and never gzips twice
expect_status 0 tool pyi-render -o "$tmp/g.pprof" "$EX"
expect_status 0 tool pyi-render -o "$tmp/g.PB.GZ" "$EX"
cmp -s "$tmp/g.pprof" "$tmp/g.PB.GZ" && pass || fail ".pprof and .pb.gz differ"
gzip -dc "$tmp/g.pprof" | gzip -t 2>/dev/null && fail "pprof output gzipped twice" || pass
# binary output is refused on a terminal only; a pipe gets it
expect_status 0 sh -c "\"$top_builddir/pyi-render\" -r pprof \"$EX\" | gzip -t"

# folded from -o, and its options
expect_status 0 tool pyi-render -o "$tmp/ex.folded" "$EX"
grep -qx 'main (/app/app.py:1);compute (/app/app.py:10) 504000' "$tmp/ex.folded" && pass || fail "folded: $(cat "$tmp/ex.folded")"
expect_status 2 tool pyi-render -r folded -p unit=ms "$EX"
one_line_error "unit"

# Markdown: GitHub's parser (with its extensions) reads the names back
expect_status 0 tool pyi-render -o "$tmp/classes.md" "$CORPUS/classes/session.pyisession"
cmark-gfm -e table -e strikethrough -e autolink -e tagfilter -t xml "$tmp/classes.md" >"$tmp/md.xml"
for name in '&lt;module&gt;' run Square.area '&lt;genexpr&gt;' '&lt;listcomp&gt;'; do
  grep -q "<text xml:space=\"preserve\">$name</text>" "$tmp/md.xml" && pass || fail "cmark-gfm: no text $name"
done
grep -q '<code xml:space="preserve">classes.py:10</code>' "$tmp/md.xml" && pass || fail "cmark-gfm: no position"
! grep -q '<table\|<strikethrough\|<link\|<html' "$tmp/md.xml" && pass || fail "cmark-gfm saw markup we did not write"
expect_status 0 tool pyi-render -r markdown -p format=html -p depth=3 -p limit=2 "$CORPUS/classes/session.pyisession"
grep -q '<strong>&lt;module&gt;</strong> <code>classes.py:1</code>' "$tmp/out" && pass || fail "html: $(head -c 400 "$tmp/out")"
expect_status 2 tool pyi-render -r markdown -p format=pdf "$EX"
one_line_error "format"
expect_status 2 tool pyi-render -r markdown -p depth=0 "$EX"
one_line_error "depth"

finish
