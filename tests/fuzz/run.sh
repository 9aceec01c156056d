#!/bin/sh
# run.sh - `make fuzz`: runs each libFuzzer target for FUZZ_TIME seconds.
#
# The corpus lives in the build tree (tests/fuzz/corpus/, kept between runs,
# never committed). It is seeded from the conformance sessions, cut down to
# their first records so that each run is fast, and from tests/data. A
# crash, leak, timeout (a hang or a quadratic blow-up: -timeout) or memory
# blow-up (-rss_limit_mb) stops the target and leaves the input in
# tests/fuzz/artifacts/; copy it into tests/fuzz/regress/<target>/ once
# understood, so that `make check` replays it forever.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}" "${CONFORMANCE_DIR:?}"
FUZZ_TIME=${FUZZ_TIME:-120}
PYTHON=${PYTHON:-python3}
B=$top_builddir/tests/fuzz
S=$top_srcdir/tests/fuzz
mkdir -p "$B/corpus/load" "$B/corpus/render" "$B/artifacts"

# seeds: the same session files for both targets; render inputs get two
# option bytes in front, one seed per renderer choice
"$PYTHON" - "$B/corpus" "$CONFORMANCE_DIR" "$top_srcdir/tests/data" <<'PY'
import glob, gzip, json, os, sys
corpus, conf, data = sys.argv[1:]
seeds = {}
for path in sorted(glob.glob(os.path.join(conf, "cases", "*", "session.pyisession"))):
    name = os.path.basename(os.path.dirname(path))
    raw = open(path, "rb").read()
    try:
        s = json.loads(raw)
        s["frame_records"] = s["frame_records"][:25]
        s["sample_count"] = len(s["frame_records"])
        raw = json.dumps(s).encode()
    except (ValueError, KeyError, TypeError):
        pass  # the edge cases stay as they are
    seeds["conf-" + name] = raw
for kind in ("good", "odd", "bad"):
    for path in sorted(glob.glob(os.path.join(data, kind, "*"))):
        if os.path.basename(path) != "README" and os.path.getsize(path) < 65536:
            seeds[kind + "-" + os.path.basename(path)] = open(path, "rb").read()
seeds["conf-gzip"] = gzip.compress(seeds.get("conf-classes", b"{}"), mtime=0)
for name, raw in seeds.items():
    open(os.path.join(corpus, "load", "seed-" + name), "wb").write(raw)
    if not name.startswith("bad-"):
        for r in range(10):
            hdr = bytes([r | (r * 0x35 & 0xf0), (r * 7) & 0x3f])
            open(os.path.join(corpus, "render", "seed-%s-%d" % (name, r)), "wb").write(hdr + raw)
PY
cp "$S"/regress/load/* "$B/corpus/load/" 2>/dev/null || true
cp "$S"/regress/render/* "$B/corpus/render/" 2>/dev/null || true

# FUZZ_KEEP_GOING=1: both targets at once, each in libFuzzer's fork mode,
# going on after a crash so that one long run finds more than one bug.
extra=""
if [ "${FUZZ_KEEP_GOING:-0}" = 1 ]; then
  extra="-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1"
fi
before=$(find "$B/artifacts" -type f | wc -l)
fuzz() { # target
  echo "fuzz_$1: $FUZZ_TIME s from $(find "$B/corpus/$1" -type f | wc -l) inputs"
  # shellcheck disable=SC2086 # extra holds several options
  "$B/fuzz_$1" -max_total_time="$FUZZ_TIME" -timeout=10 -rss_limit_mb=2048 \
    -max_len=262144 -dict="$S/pyisession.dict" $extra \
    -artifact_prefix="$B/artifacts/$1-" -print_final_stats=1 \
    "$B/corpus/$1" >"$B/fuzz_$1.log" 2>&1
}
status=0
if [ -n "$extra" ]; then
  fuzz load &
  fuzz render &
  wait || true
else
  for t in load render; do
    fuzz $t || status=1
  done
fi
for t in load render; do
  grep -E 'ERROR|SUMMARY|runtime error|Test unit written|fuzz_(load|render):' \
    "$B/fuzz_$t.log" | sort | uniq -c | sort -rn | head -20 >&2
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)|cov:' \
    "$B/fuzz_$t.log" | tail -3
done
after=$(find "$B/artifacts" -type f | wc -l)
if [ "$after" -gt "$before" ] || [ $status -ne 0 ]; then
  echo "make fuzz: problems found; inputs in $B/artifacts/" >&2
  exit 1
fi
