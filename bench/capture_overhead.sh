#!/bin/sh
# capture_overhead.sh - `make bench`'s capture section: wall time of each
# shared workload run plainly and under our `pyinstrument` (the default,
# the timer sampler, at 1 ms and 0.1 ms; pyinstrument's hook for
# comparison), beside pyinstrument's figures and the targets, with a
# one-statement program for the command's fixed cost; then the cost of
# sampling alone, in one process (sampling_overhead.py). Prints markdown
# tables; asserts nothing.
#
# The runs are interleaved (one of each configuration in turn, ROUNDS
# rounds) so that a machine that gets busier or quieter meanwhile weighs on
# every column alike; overhead_stats.py makes each cell of them.
#
# BENCH_ROUNDS  rounds (default 40: with 15, the interval of an overhead
#               spanned 15 points on the project's VM, wider than the 5 %
#               target it is read against)
# BENCH_WORKLOADS  (default "callheavy sleepy deep mixed")
# BENCH_SAMPLING  NAME:SCALE of the in-process table (default
#                 "callheavy:20 sleepy:10 deep:20 mixed:4")
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
REPEAT=${BENCH_ROUNDS:-40}
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

# the configurations: name, then the command before the script
CONFIGS="plain default default_tenth hook hook_only"
command_of() {
  case $1 in
  plain) echo "$PYI_PYTHON" ;;
  default) echo "$LAUNCHER" ;;
  default_tenth) echo "$LAUNCHER -i 0.0001" ;;
  hook) echo "$LAUNCHER --sampler hook" ;;
  hook_only) echo "$LAUNCHER --sampler hook -i 1000" ;;
  esac
}

# Address-space randomisation off for every run alike (setarch -R, where
# it works): on the project's VM it made about half of all python starts
# 20 ms slower at random (an empty program took 72 or 95 ms), 15 % of
# deep.py's run, which a median of a few runs does not even out.
NORAND=
if setarch -R true 2>/dev/null; then
  NORAND="setarch -R"
fi

# run CONFIG SCRIPT: one timed run; appends "ms rss_kb" to $tmp/CONFIG
run() {
  start=$(date +%s%N)
  # shellcheck disable=SC2046
  $NORAND "$TIME" -f '%M' -o "$tmp/t" $(command_of "$1") "$2" >/dev/null 2>"$tmp/err" ||
    { echo "failed: $1 $2 ($(head -c 200 "$tmp/err"))" >&2; return 1; }
  end=$(date +%s%N)
  echo "$(((end - start) / 1000000)) $(tail -n 1 "$tmp/t")" >>"$tmp/$1"
}

# pyinstrument 5.1.2's figures (shared bench README) and our targets
reference() {
  case $1 in
  callheavy) echo "1 ms: +68 % (+264 % measured again); 0.1 ms: +90 %|1 ms: +5 %; 0.1 ms: +15 %" ;;
  sleepy) echo "1 ms: +26 %; 0.1 ms: +39 %|1 ms: +5 %; 0.1 ms: +15 %" ;;
  deep) echo "1 ms: +35 % (+241 % measured again); 0.1 ms: killed at 23 GB|1 ms: +5 %; 0.1 ms: +15 %, bounded memory" ;;
  mixed) echo "too noisy to quote|-" ;;
  empty) echo "-|- (fixed cost: start-up, report, report cache)" ;;
  *) echo "-|-" ;;
  esac
}

echo "Interpreter: $PYI_PYTHON ($("$PYI_PYTHON" -c 'import platform; print(platform.python_version())'))."
echo "Wall time of \`pyinstrument [options] W.py >/dev/null\` (text report and report cache"
echo "included), $REPEAT interleaved rounds. Each cell: the trimmed mean (middle 80 %) of a"
echo "configuration's runs, its overhead, and in brackets a 95 % bootstrap interval of that"
echo "overhead (bench/overhead_stats.py says why not medians). 'default' is the timer sampler (no profile"
echo "hook); 'hook' is pyinstrument's profile hook (\`--sampler hook\`); 'hook only' is the hook"
echo "installed but never sampling (\`--sampler hook -i 1000\`): what CPython charges for any"
echo "profile hook."
[ -n "$NORAND" ] && echo "Address-space randomisation is off for every run (setarch -R)."
echo
printf '| workload | plain | default 1 ms | default 0.1 ms (peak RSS) | hook 1 ms | hook only | pyinstrument (shared README) | target |\n'
printf '| --- | --- | --- | --- | --- | --- | --- | --- |\n'
# "empty": a program of one statement, whose whole overhead is the
# command's start-up, text report and report cache
printf 'pass\n' >"$tmp/empty.py"
for w in empty $WORKLOADS; do
  script=$DIR/$w.py
  [ "$w" = empty ] && script=$tmp/empty.py
  [ -f "$script" ] || continue
  # one run unmeasured, so that the plain run is not the one warming caches
  "$PYI_PYTHON" "$script" >/dev/null 2>&1 || true
  for c in $CONFIGS; do : >"$tmp/$c"; done
  i=0
  ok=1
  while [ $i -lt "$REPEAT" ] && [ $ok = 1 ]; do
    for c in $CONFIGS; do
      run "$c" "$script" || { ok=0; break; }
    done
    i=$((i + 1))
  done
  [ $ok = 1 ] || continue
  ref=$(reference "$w")
  "$PYI_PYTHON" "$top_srcdir/bench/overhead_stats.py" row "$w" "${ref%%|*}" \
    "${ref#*|}" "$tmp"
done
echo
echo "Sampling alone: each workload's main(scale) in one process, plainly and under"
echo "Profiler() at 1 ms and 0.1 ms (no start-up, report or cache), the three in turn,"
echo "$REPEAT rounds, figures as above; scales chosen for runs of a few tenths of a second:"
echo
"$PYI_PYTHON" "$top_srcdir/bench/sampling_overhead.py" "$DIR" "$REPEAT" \
  ${BENCH_SAMPLING:-callheavy:20 sleepy:10 deep:20 mixed:4}
