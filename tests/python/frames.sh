#!/bin/sh
# The Python object model against pyinstrument's own Frame trees: the
# shared corpus's frames.py builds Session.root_frame() for every case and
# runs each documented processor alone, and the text renderer's chain, on
# it, comparing the trees with those pyinstrument 5.1.2 built.
set -eu
. "$(dirname "$0")/env.sh"
checker="${PYI_SHARED:-$top_srcdir/../shared}/conformance/frames.py"
if [ ! -f "$checker" ]; then
  echo "frames: $checker not found (the shared folder must sit beside the checkout)" >&2
  exit 1
fi
# short paths depend on the directory the trees are built in (the corpus
# was recorded from this one)
mkdir -p /tmp/pyi-conformance-cwd
cd /tmp/pyi-conformance-cwd
PYTHONPATH="$top_builddir/capture/build" exec "$PYI_PYTHON" "$checker" check
