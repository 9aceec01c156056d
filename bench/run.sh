#!/bin/sh
# run.sh - `make bench`: wall time and peak memory of our tools on big
# generated sessions, next to pyinstrument's figures (bench/README.md has
# the reference numbers and how to read the table). Prints, never asserts.
#
# BENCH_SIZES    sample counts (default "10k 100k 1M 5M")
# BENCH_REPEAT   runs per measurement, the median is shown (default 3;
#                sizes of 5M and more run once)
# BENCH_RENDERERS  (default "text json speedscope pstats html pprof")
# BENCH_DATA     where the sessions go (default bench/data in the build tree)
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
SIZES=${BENCH_SIZES:-10k 100k 1M 5M}
REPEAT=${BENCH_REPEAT:-3}
RENDERERS=${BENCH_RENDERERS:-text json speedscope pstats html pprof}
DATA=${BENCH_DATA:-$top_builddir/bench/data}
GEN=$top_builddir/bench/gensession
RENDER=$top_builddir/pyi-render
COMBINE=$top_builddir/pyi-combine
DIFF=$top_builddir/pyi-diff
TIME=/usr/bin/time
export LC_ALL=C top_srcdir top_builddir

[ -x "$TIME" ] || { echo "bench: needs GNU time at $TIME" >&2; exit 1; }
mkdir -p "$DATA"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

count() { # 10k -> 10000
  case $1 in
  *k | *K) echo $((${1%?} * 1000)) ;;
  *m | *M) echo $((${1%?} * 1000000)) ;;
  *) echo "$1" ;;
  esac
}

# Sessions are made once and kept (deterministic, so never stale unless the
# generator changed): the session, its gzip copy, the two halves of another
# recording of the same program for pyi-combine, and a second full
# recording for pyi-diff.
# (The last two only when the tools are built: at 5M each file is 9 GB.)
fresh() { # file: exists and is newer than the generator
  # shellcheck disable=SC3013 # dash and bash have -nt
  [ -s "$1" ] && ! [ "$GEN" -nt "$1" ]
}
generate() { # size
  n=$(count "$1")
  f=$DATA/s$1.pyisession
  if ! fresh "$f.gz" || ! fresh "$f"; then
    echo "generating $1 samples..." >&2
    "$GEN" -n "$n" -s 1 -o "$f" -z "$f.gz"
  fi
  if [ -x "$COMBINE" ] && ! fresh "$DATA/s$1-b.pyisession"; then
    "$GEN" -n $((n / 2)) -s 1 -r 11 -o "$DATA/s$1-a.pyisession"
    "$GEN" -n $((n / 2)) -s 1 -r 12 -t 1700003600.5 -o "$DATA/s$1-b.pyisession"
  fi
  if [ -x "$DIFF" ] && ! fresh "$DATA/s$1-other.pyisession"; then
    "$GEN" -n "$n" -s 1 -r 13 -o "$DATA/s$1-other.pyisession"
  fi
}

# measure CMD...: runs CMD $reps times; sets wall (s, median), cpu (user +
# system s of that run: steadier than wall on a busy machine), rss (MB) and
# ok (exit status of the last run).
measure() {
  : >"$tmp/runs"
  i=0
  while [ $i -lt "$reps" ]; do
    start=$(date +%s%N)
    set +e
    "$TIME" -f '%M %U %S' -o "$tmp/t" "$@" >/dev/null 2>"$tmp/err"
    ok=$?
    set -e
    end=$(date +%s%N)
    # wall time from date (time's %e has 10 ms steps), peak RSS from time
    echo "$(((end - start) / 1000000)) $(tail -n 1 "$tmp/t")" |
      awk '{ printf "%.3f %s %.2f\n", $1 / 1000, $2, $3 + $4 }' >>"$tmp/runs"
    i=$((i + 1))
  done
  line=$(sort -n "$tmp/runs" | sed -n "$(((reps + 1) / 2))p")
  wall=$(echo "$line" | cut -d' ' -f1)
  cpu=$(echo "$line" | cut -d' ' -f3)
  rss=$(echo "$line" | awk '{ printf "%.0f", $2 / 1024 }')
}

mb() { awk -v b="$(wc -c <"$1")" 'BEGIN { printf "%.2f", b / 1e6 }'; }
per_sample() { awk -v w="$1" -v n="$2" 'BEGIN { printf "%.2f", w * 1e6 / n }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else printf "-" }'; }

# pyinstrument's figures from bench/README.md: wall s and peak RSS MB
reference() { # size renderer
  case "$1 $2" in
  "100k text") echo "11.6 445" ;;
  "100k json" | "100k pstats" | "100k speedscope") echo "11.7 446" ;;
  "100k html") echo "11.2 591" ;;
  "1M text") echo "113.5 4300" ;;
  "1M html") echo "30.8 3100" ;;
  *) echo "" ;;
  esac
}

row() { printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$@"; }

echo "## pyi-tools benchmark ($(uname -m), $(nproc) cores; medians of $REPEAT)"
echo
for size in $SIZES; do generate "$size"; done
echo "Generated sessions (bench/gensession, seed 1):"
echo
for size in $SIZES; do
  f=$DATA/s$size.pyisession
  echo "- $size samples: $(mb "$f") MB, $(mb "$f.gz") MB gzip"
done
echo
echo "### Load + render (pyi-render -r R -o FILE), and the floors"
echo
row samples input tool "wall s" "cpu s" "peak RSS MB" "output MB" \
  "cpu us/sample" "vs pyinstrument (wall x, memory /)"
row --- --- --- --- --- --- --- --- ---
for size in $SIZES; do
  n=$(count "$size")
  reps=$REPEAT
  [ "$n" -ge 5000000 ] && reps=1
  f=$DATA/s$size.pyisession
  measure cat "$f"
  row "$size" plain "cat (floor)" "$wall" "$cpu" "$rss" - - -
  measure zcat "$f.gz"
  zcat_wall=$wall
  row "$size" gzip "zcat (floor)" "$wall" "$cpu" "$rss" - - -
  for r in $RENDERERS; do
    out=$tmp/out.$r
    for input in plain gzip; do
      [ $input = gzip ] && [ "$r" != text ] && continue
      in=$f
      [ $input = gzip ] && in=$f.gz
      measure "$RENDER" -r "$r" -o "$out" "$in"
      if [ "$ok" -ne 0 ]; then
        row "$size" $input "$r" "failed: $(head -c 80 "$tmp/err")" - - - - -
        continue
      fi
      vs=""
      ref=$(reference "$size" "$r")
      if [ -n "$ref" ] && [ $input = plain ]; then
        vs="$(ratio "${ref% *}" "$wall")x faster, $(ratio "${ref#* }" "$rss")x less memory"
      fi
      [ $input = gzip ] && vs="$(ratio "$wall" "$zcat_wall")x the zcat time"
      row "$size" $input "$r" "$wall" "$cpu" "$rss" "$(mb "$out")" \
        "$(per_sample "$cpu" "$n")" "${vs:--}"
      echo "$r-$input $size $(per_sample "$cpu" "$n") $rss" >>"$tmp/linear"
      rm -f "$out"
    done
  done
done
echo

echo "### Linearity: CPU microseconds per sample (peak RSS MB) by size"
echo
printf '| renderer |'
for size in $SIZES; do printf ' %s |' "$size"; done
echo
printf '| --- |'
for size in $SIZES; do printf ' --- |'; done
echo
if [ -s "$tmp/linear" ]; then
  cut -d' ' -f1 "$tmp/linear" | awk '!seen[$0]++' >"$tmp/keys"
  while read -r key; do
    printf '| %s |' "$key"
    for size in $SIZES; do
      v=$(awk -v k="$key" -v s="$size" '$1 == k && $2 == s { print $3 " (" $4 ")" }' \
        "$tmp/linear")
      printf ' %s |' "${v:--}"
    done
    echo
  done <"$tmp/keys"
fi
echo

echo "### pyi-combine (two halves) and pyi-diff (two recordings)"
echo
row samples tool "wall s" "cpu s" "peak RSS MB" "output MB" "cpu us/sample" - -
row --- --- --- --- --- --- --- --- ---
for size in $SIZES; do
  n=$(count "$size")
  reps=$REPEAT
  [ "$n" -ge 5000000 ] && reps=1
  if [ -x "$COMBINE" ]; then
    measure "$COMBINE" -o "$tmp/combined.pyisession" \
      "$DATA/s$size-a.pyisession" "$DATA/s$size-b.pyisession"
    if [ "$ok" -eq 0 ]; then
      row "$size" pyi-combine "$wall" "$cpu" "$rss" \
        "$(mb "$tmp/combined.pyisession")" "$(per_sample "$cpu" "$n")" - -
    else
      row "$size" pyi-combine "failed: $(head -c 80 "$tmp/err")" - - - - - -
    fi
    rm -f "$tmp/combined.pyisession"
  else
    row "$size" pyi-combine "not built" - - - - - -
  fi
  if [ -x "$DIFF" ]; then
    measure "$DIFF" -o "$tmp/diff.txt" "$DATA/s$size.pyisession" \
      "$DATA/s$size-other.pyisession"
    if [ "$ok" -eq 0 ] || [ "$ok" -eq 3 ]; then
      row "$size" pyi-diff "$wall" "$cpu" "$rss" "$(mb "$tmp/diff.txt")" \
        "$(per_sample "$cpu" $((2 * n)))" - -
    else
      row "$size" pyi-diff "failed: $(head -c 80 "$tmp/err")" - - - - - -
    fi
    rm -f "$tmp/diff.txt"
  else
    row "$size" pyi-diff "not built" - - - - - -
  fi
done
echo

echo "### The Python object model (root_frame, a custom processor)"
echo
if [ -f "$top_builddir/capture/build/env.sh" ] && [ -f "$DATA/s100k.pyisession" ]; then
  . "$top_builddir/capture/build/env.sh"
  PYTHONPATH="$top_builddir/capture/build" "$PYI_PYTHON" \
    "$top_srcdir/bench/object_model.py" "$DATA/s100k.pyisession" "$REPEAT"
else
  echo "needs the capture extension and the 100k session (BENCH_SIZES with 100k)"
fi
echo

echo "### Capture overhead"
echo
if [ -x "$top_srcdir/bench/capture_overhead.sh" ] ||
  [ -f "$top_srcdir/bench/capture_overhead.sh" ]; then
  sh "$top_srcdir/bench/capture_overhead.sh"
else
  echo "capture: not built"
fi
