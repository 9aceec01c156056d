#!/bin/sh
# The shared conformance corpus, run through the built pyi-render: every
# variant of the kinds libsession renders must match pyinstrument's output.
set -eu
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
checker="${PYI_SHARED:-$top_srcdir/../shared}/conformance/check.py"
if [ ! -f "$checker" ]; then
  echo "conformance: $checker not found (the shared folder must sit beside the checkout)" >&2
  exit 1
fi
kinds=${PYI_CONFORMANCE_KINDS:-text,json,pyisession,speedscope,pstats}
exec python3 "$checker" --tool "$top_builddir/pyi-render" --kinds "$kinds"
