#!/bin/sh
# capture_overhead.sh - `make bench`'s capture section: wall time of each
# shared workload run plainly and under our `pyinstrument` (1 ms and 0.1 ms),
# beside pyinstrument's figures and the targets from the shared bench
# README. Prints a markdown table; asserts nothing.
#
# BENCH_REPEAT  runs per measurement, the median is shown (default 3)
# BENCH_WORKLOADS  (default "callheavy sleepy deep mixed")
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
REPEAT=${BENCH_REPEAT:-3}
WORKLOADS=${BENCH_WORKLOADS:-callheavy sleepy deep mixed}
DIR=${PYI_SHARED:-$top_srcdir/../shared}/bench/workloads
ENV=$top_builddir/capture/build/env.sh
LAUNCHER=$top_builddir/capture/bin/pyinstrument
TIME=/usr/bin/time

if [ ! -f "$ENV" ] || [ ! -x "$LAUNCHER" ]; then
  echo "capture: not built"
  exit 0
fi
if [ ! -d "$DIR" ]; then
  echo "capture: workloads not found at $DIR"
  exit 0
fi
. "$ENV"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the report cache of text reports goes to the scratch directory
PYTHONPATH=$top_builddir/capture/build XDG_DATA_HOME=$tmp/data
PYINSTRUMENT_IGNORE_OVERHEAD_WARNING=1
export PYTHONPATH XDG_DATA_HOME PYINSTRUMENT_IGNORE_OVERHEAD_WARNING LC_ALL=C

# measure CMD...: median wall seconds of $REPEAT runs -> $wall, and the
# peak RSS (MB) of that run -> $rss
measure() {
  : >"$tmp/runs"
  i=0
  while [ $i -lt "$REPEAT" ]; do
    start=$(date +%s%N)
    "$TIME" -f '%M' -o "$tmp/t" "$@" >/dev/null 2>"$tmp/err" ||
      { echo "failed: $* ($(head -c 200 "$tmp/err"))" >&2; return 1; }
    end=$(date +%s%N)
    echo "$(((end - start) / 1000000)) $(tail -n 1 "$tmp/t")" >>"$tmp/runs"
    i=$((i + 1))
  done
  line=$(sort -n "$tmp/runs" | sed -n "$(((REPEAT + 1) / 2))p")
  wall=$(awk -v ms="${line% *}" 'BEGIN { printf "%.3f", ms / 1000 }')
  rss=$(awk -v k="${line#* }" 'BEGIN { printf "%.0f", k / 1024 }')
}

over() { # over PLAIN PROFILED -> "+0.123 s (+45 %)"
  awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.3f s (%+.0f %%)", b - a, (b - a) * 100 / a }'
}

# pyinstrument 5.1.2's figures and our targets (shared bench README)
reference() {
  case $1 in
  callheavy) echo "0.41 s, 1 ms: +68 %, 0.1 ms: +90 %|1 ms: at most +34 %" ;;
  sleepy) echo "0.89 s, 1 ms: +26 %, 0.1 ms: +39 %|1 ms: at most +13 %" ;;
  deep) echo "0.48 s, 1 ms: +35 %, 0.1 ms: killed at 23 GB|1 ms: at most +18 %; 0.1 ms: bounded memory, under 2x plain" ;;
  mixed) echo "1.15-1.35 s, too noisy to quote|-" ;;
  *) echo "-|-" ;;
  esac
}

echo "Interpreter: $PYI_PYTHON ($("$PYI_PYTHON" -c 'import platform; print(platform.python_version())')); medians of $REPEAT wall-clock runs."
echo "Under the profiler: \`pyinstrument [-i 0.0001] W.py >/dev/null\` (text report and report cache included)."
echo "'hook only' is \`pyinstrument -i 1000\`: the profile hook installed but never sampling, i.e. what"
echo "CPython charges for any profile hook (the interpreter leaves its fast paths) plus our throttle."
echo "'tt' is \`--use-timing-thread\` at 1 ms. The 'timer' columns are \`--sampler timer\`: no profile"
echo "hook, the timing thread requests each sample."
echo
printf '| workload | plain | hook only | ours 1 ms | ours 1 ms, tt | ours 0.1 ms (peak RSS) | timer 1 ms | timer 0.1 ms (peak RSS) | pyinstrument (shared README) | target |\n'
printf '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n'
for w in $WORKLOADS; do
  script=$DIR/$w.py
  [ -f "$script" ] || continue
  # one run unmeasured, so that the plain run is not the one warming caches
  "$PYI_PYTHON" "$script" >/dev/null 2>&1 || true
  measure "$PYI_PYTHON" "$script" || continue
  plain=$wall
  plain_rss=$rss
  measure "$LAUNCHER" -i 1000 "$script" || continue
  hook=$wall
  measure "$LAUNCHER" "$script" || continue
  one=$wall
  measure "$LAUNCHER" --use-timing-thread "$script" || continue
  onett=$wall
  measure "$LAUNCHER" -i 0.0001 "$script" || continue
  tenth=$wall
  tenth_rss=$rss
  measure "$LAUNCHER" --sampler timer "$script" || continue
  timer=$wall
  measure "$LAUNCHER" --sampler timer -i 0.0001 "$script" || continue
  timer_tenth=$wall
  timer_rss=$rss
  ref=$(reference "$w")
  printf '| %s | %s s (%s MB) | %s s, %s | %s s, %s | %s s, %s | %s s, %s (%s MB) | %s s, %s | %s s, %s (%s MB) | %s | %s |\n' \
    "$w" "$plain" "$plain_rss" "$hook" "$(over "$plain" "$hook")" \
    "$one" "$(over "$plain" "$one")" "$onett" "$(over "$plain" "$onett")" \
    "$tenth" "$(over "$plain" "$tenth")" "$tenth_rss" \
    "$timer" "$(over "$plain" "$timer")" \
    "$timer_tenth" "$(over "$plain" "$timer_tenth")" "$timer_rss" \
    "${ref%%|*}" "${ref#*|}"
done
