#!/bin/sh
# The Python-level tests of the capture extension, the Python API and the
# pyinstrument command, run against the build tree with the interpreter the
# extension was built for (unittest; see tests/python/helpers.py).
set -eu
. "$(dirname "$0")/env.sh"
PYTHONPATH="$top_builddir/capture/build"
PYI_LAUNCHER="$top_builddir/capture/bin/pyinstrument"
PYI_RENDER="$top_builddir/pyi-render"
export PYTHONPATH PYI_LAUNCHER PYI_RENDER
# the report cache and any HOME lookups stay in a scratch directory
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
HOME=$scratch XDG_DATA_HOME=$scratch/data
PYINSTRUMENT_IGNORE_OVERHEAD_WARNING=1
export HOME XDG_DATA_HOME PYINSTRUMENT_IGNORE_OVERHEAD_WARNING
cd "$scratch"
exec "$PYI_PYTHON" -m unittest discover -s "$top_srcdir/tests/python" \
  -t "$top_srcdir/tests/python" -p 'test_*.py' ${PYI_TEST_VERBOSE:+-v}
