#!/bin/sh
# The Python-level tests of the capture extension, the Python API and the
# pyinstrument command, run against the build tree with the interpreter the
# extension was built for (unittest; see tests/python/helpers.py).
# With PYI_INSTALLED=DIR, the bin directory of an environment that pip
# installed pyi-tools into, they test that copy instead: its python, its
# pyinstrument and pyi-* commands, the package as installed.
set -eu
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
if [ -n "${PYI_INSTALLED:-}" ]; then
  PYI_PYTHON="$PYI_INSTALLED/python" PYI_SANITIZERS=""
  PYI_LAUNCHER="$PYI_INSTALLED/pyinstrument"
  PYI_RENDER="$PYI_INSTALLED/pyi-render"
  unset PYTHONPATH
else
  env="$top_builddir/capture/build/env.sh"
  if [ ! -f "$env" ]; then
    echo "tests/python: $env missing; run make first" >&2
    exit 1
  fi
  . "$env" # PYI_PYTHON, PYI_SANITIZERS, PYI_CC
  PYTHONPATH="$top_builddir/capture/build"
  PYI_LAUNCHER="$top_builddir/capture/bin/pyinstrument"
  PYI_RENDER="$top_builddir/pyi-render"
  export PYTHONPATH
fi
export PYI_LAUNCHER PYI_RENDER PYI_PYTHON
# an instrumented libsession inside a plain python needs the sanitizer
# runtimes loaded first; Python's own allocations are not ours to leak-check
if [ -n "$PYI_SANITIZERS" ]; then
  preload=""
  for lib in libasan.so libubsan.so; do
    path=$($PYI_CC -print-file-name=$lib)
    [ -f "$path" ] && preload="$preload${preload:+:}$path"
  done
  LD_PRELOAD=$preload
  # (last, so that it wins over a detect_leaks=1 from the caller)
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
if [ -n "${PYI_INSTALLED:-}" ]; then # the package under test is the environment's own
  "$PYI_PYTHON" -c 'import os, sys, pyinstrument
if not pyinstrument.__file__.startswith(sys.prefix + os.sep):
    sys.exit("tests/python: pyinstrument comes from %s, not %s"
             % (pyinstrument.__file__, sys.prefix))'
fi
exec "$PYI_PYTHON" -m unittest discover -s "$top_srcdir/tests/python" \
  -t "$top_srcdir/tests/python" -p 'test_*.py' ${PYI_TEST_VERBOSE:+-v}
