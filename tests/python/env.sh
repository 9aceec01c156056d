# Sourced by the Python test scripts: the interpreter the extension was
# built for (PYI_PYTHON) and, for a sanitizer build, the runtimes an
# instrumented libsession needs inside a plain python.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
env="$top_builddir/capture/build/env.sh"
if [ ! -f "$env" ]; then
  echo "tests/python: $env missing; run make first" >&2
  exit 1
fi
. "$env" # PYI_PYTHON, PYI_SANITIZERS, PYI_CC
export PYI_PYTHON
if [ -n "$PYI_SANITIZERS" ]; then
  preload=""
  for lib in libasan.so libubsan.so; do
    path=$($PYI_CC -print-file-name=$lib)
    [ -f "$path" ] && preload="$preload${preload:+:}$path"
  done
  LD_PRELOAD=$preload
  # (last, so that it wins over a detect_leaks=1 from the caller); Python's
  # own allocations are not ours to leak-check
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
  export LD_PRELOAD ASAN_OPTIONS
fi
