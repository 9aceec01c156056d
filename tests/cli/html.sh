#!/bin/sh
# Command-line tests of the html renderer: a self-contained page carrying
# pyinstrument's data object (deflated, base64), resampling of sessions
# over 100,000 samples, option checks, no partial output.
. "$(dirname "$0")/setup.sh"
EX="$DATA/good/ex.pyisession"
LD_LIBRARY_PATH="$top_builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH

# payload FILE: the page's data object, inflated, without the "cwd" key the
# page is also told, as compact JSON text
payload() {
  python3 -c '
import base64, json, re, sys, zlib
page = open(sys.argv[1], encoding="ascii").read()
b64 = re.search(r"id=\"pyi-data\" type=\"application/octet-stream\">([^<]*)<", page).group(1)
obj = json.loads(zlib.decompress(base64.b64decode(b64)))
obj.pop("cwd")
print(json.dumps(obj, separators=(",", ":")))' "$1"
}

# the page, guessed from the name, one file with nothing to fetch
expect_status 0 tool pyi-render -o "$tmp/ex.html" "$EX"
head -n 1 "$tmp/ex.html" | grep -q '^<!DOCTYPE html>$' && pass || fail "not an HTML page"
if grep -Eiq 'src=|href=|https?://|url\(' "$tmp/ex.html"; then fail "the page loads something"; else pass; fi
[ ! -s "$tmp/err" ] && pass || fail "unexpected stderr: $(cat "$tmp/err")"

# the data is pyinstrument's object for the session (renderers.md 7.2)
payload "$tmp/ex.html" >"$tmp/got.json"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s, t = d["session"], d["frame_tree"]
assert list(s) == ["start_time", "duration", "min_interval", "max_interval", "sample_count",
    "start_call_stack", "target_description", "cpu_time", "sys_path", "sys_prefixes"], list(s)
assert s["sample_count"] == 5 and s["target_description"] == "Program: app.py"
assert t["identifier"] == "main\x00/app/app.py\x001" and t["time"] == 0.804
# unprocessed: timeline order, the small second compute still there
assert [c["identifier"].split("\x00")[0] for c in t["children"]] == ["loads", "compute", "[self]", "compute"]
assert t["attributes"] == {"l5": 0.15, "l6": 0.604, "l7": 0.05}
' "$tmp/got.json" && pass || fail "data object differs from pyinstrument's"

# an empty session gives a page with no tree
printf '%s' '{"start_time": 1.0, "duration": 0, "sample_count": 0, "start_call_stack": [],
  "target_description": "Program: t", "cpu_time": 0, "frame_records": []}' >"$tmp/empty.pyisession"
expect_status 0 tool pyi-render -r html -o "$tmp/empty.html" "$tmp/empty.pyisession"
payload "$tmp/empty.html" | grep -q '"frame_tree":null}$' && pass || fail "empty session"

# names that would end the script element never appear in the page
printf '%s' '{"start_time": 1.0, "duration": 0.1, "sample_count": 1,
  "start_call_stack": ["T\u0000<thread>\u00001"], "target_description": "</script><script>x()</script>",
  "cpu_time": 0, "frame_records": [[["T\u0000<thread>\u00001", "</script>\u0000</script>.py\u00001"], 0.1]]}' \
  >"$tmp/evil.pyisession"
expect_status 0 tool pyi-render -r html -o "$tmp/evil.html" "$tmp/evil.pyisession"
# (every occurrence counts, in any case, however many share a line: the
# page ends as many script elements as a harmless one)
closings() { grep -oi '</script' "$1" | wc -l; }
[ "$(closings "$tmp/evil.html")" -eq "$(closings "$tmp/ex.html")" ] && pass ||
  fail "a name reached the page as markup"

# more than 100,000 samples are resampled like pyinstrument (renderers.md 7.3)
python3 -c '
import sys
recs = ", ".join(["[[\"T\\u0000<thread>\\u00001\", \"f\\u0000/a.py\\u00001\"], 0.0001]"] * 100001)
sys.stdout.write("{\"start_time\": 1.0, \"duration\": 10.0001, \"sample_count\": 100001, "
    "\"start_call_stack\": [\"T\\u0000<thread>\\u00001\"], \"target_description\": \"big\", "
    "\"cpu_time\": 1, \"frame_records\": [" + recs + "]}")' >"$tmp/big.pyisession"
expect_status 0 tool pyi-render -o "$tmp/big.html" "$tmp/big.pyisession"
one_line_error "resampled to 10000 samples with interval 0.001000 seconds"
payload "$tmp/big.html" | grep -q '"min_interval":0.00100001,"max_interval":0.00100001,"sample_count":10000,' &&
  pass || fail "resampled session"
expect_status 0 tool pyi-render -r html -p resample_interval=0.00001 -o "$tmp/big.html" "$tmp/big.pyisession"
one_line_error "resampled to 62500 samples with interval 0.000160 seconds"
expect_status 0 tool pyi-render -r html -p resample_interval=0 -o "$tmp/big.html" "$tmp/big.pyisession"
[ ! -s "$tmp/err" ] && pass || fail "resample_interval=0 should keep every sample"
payload "$tmp/big.html" | grep -q '"sample_count":100001,' && pass || fail "not resampled"

# options: show_all and timeline only give a notice; a bad interval is refused
expect_status 0 tool pyi-render -r html -t -o "$tmp/t.html" "$EX"
one_line_error "timeline option has no effect"
echo precious >"$tmp/keep.html"
expect_status 2 tool pyi-render -r html -p 'resample_interval="soon"' -o "$tmp/keep.html" "$EX"
one_line_error "resample_interval"
expect_status 2 tool pyi-render -r html -p processor_options.filter_threshold=0 -o "$tmp/keep.html" "$EX"
one_line_error "processor_options"
expect_status 1 tool pyi-render -r html -o "$tmp/keep.html" "$tmp/missing.pyisession"
one_line_error "$tmp/missing.pyisession"
[ "$(cat "$tmp/keep.html")" = precious ] && pass || fail "output destroyed"

finish
