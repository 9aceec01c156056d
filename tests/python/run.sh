#!/bin/sh
# The Python-level tests of the capture extension, the Python API and the
# pyinstrument command, run against the build tree with the interpreter the
# extension was built for (unittest; see tests/python/helpers.py).
set -eu
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
env="$top_builddir/capture/build/env.sh"
if [ ! -f "$env" ]; then
  echo "tests/python: $env missing; run make first" >&2
  exit 1
fi
. "$env" # PYI_PYTHON, PYI_SANITIZERS, PYI_CC
PYTHONPATH="$top_builddir/capture/build"
PYI_LAUNCHER="$top_builddir/capture/bin/pyinstrument"
PYI_RENDER="$top_builddir/pyi-render"
export PYTHONPATH PYI_LAUNCHER PYI_RENDER PYI_PYTHON
# an instrumented libsession inside a plain python needs the sanitizer
# runtimes loaded first; Python's own allocations are not ours to leak-check
if [ -n "$PYI_SANITIZERS" ]; then
  preload=""
  for lib in libasan.so libubsan.so; do
    path=$($PYI_CC -print-file-name=$lib)
    [ -f "$path" ] && preload="$preload${preload:+:}$path"
  done
  LD_PRELOAD=$preload
  # (the last setting of an option wins: ours goes after the caller's)
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
  export LD_PRELOAD ASAN_OPTIONS
fi
# the report cache and any HOME lookups stay in a scratch directory
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
HOME=$scratch XDG_DATA_HOME=$scratch/data
PYINSTRUMENT_IGNORE_OVERHEAD_WARNING=1
export HOME XDG_DATA_HOME PYINSTRUMENT_IGNORE_OVERHEAD_WARNING
cd "$scratch"
exec "$PYI_PYTHON" -m unittest discover -s "$top_srcdir/tests/python" \
  -t "$top_srcdir/tests/python" -p 'test_*.py' ${PYI_TEST_VERBOSE:+-v}
