#!/bin/sh
# The Python-level tests of the capture extension, the Python API and the
# pyinstrument command, run against the build tree with the interpreter the
# extension was built for (unittest; see tests/python/helpers.py).
# With PYI_INSTALLED=DIR, the bin directory of an environment that pip
# installed pyi-tools into, they test that copy instead: its python, its
# pyinstrument and pyi-* commands, the package as installed.
set -eu
if [ -n "${PYI_INSTALLED:-}" ]; then
  top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
  top_builddir=${top_builddir:-$top_srcdir}
  PYI_PYTHON="$PYI_INSTALLED/python"
  PYI_LAUNCHER="$PYI_INSTALLED/pyinstrument"
  PYI_RENDER="$PYI_INSTALLED/pyi-render"
  unset PYTHONPATH
else
  . "$(dirname "$0")/env.sh"
  PYTHONPATH="$top_builddir/capture/build"
  PYI_LAUNCHER="$top_builddir/capture/bin/pyinstrument"
  PYI_RENDER="$top_builddir/pyi-render"
  export PYTHONPATH
fi
export PYI_PYTHON PYI_LAUNCHER PYI_RENDER
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
# (faulthandler: a crash prints every thread's Python stack in the log)
exec "$PYI_PYTHON" -X faulthandler -m unittest discover -s "$top_srcdir/tests/python" \
  -t "$top_srcdir/tests/python" -p 'test_*.py' ${PYI_TEST_VERBOSE:+-v}
