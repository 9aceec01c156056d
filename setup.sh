#!/bin/sh
# One command to get going on a Debian machine (run as root, or with sudo):
#   ./setup.sh        install the packages, build, install, then profile
#                     examples/demo.py with the installed pyinstrument
#   ./setup.sh test   install the packages, then run every test: on the
#                     release tarball (make distcheck), on each CPython
#                     found from pip installs into venvs, with
#                     AddressSanitizer and UBSan, and the unit tests and
#                     three command-line tests under valgrind
set -eu
cd "$(dirname "$0")"
mode=${1:-demo}
case $mode in demo | test) ;; *)
  echo "usage: $0 [demo|test]" >&2
  exit 2
  ;;
esac

# Debian packages: build tools, then the libraries named in README.md
packages="build-essential autoconf automake libtool pkg-config
  libcjson-dev libcmark-dev zlib1g-dev libpcre2-dev check python3 python3-dev"
if [ "$mode" = test ]; then
  packages="$packages valgrind"
fi
if [ -f tests/packages.txt ] && [ "$mode" = test ]; then
  # "PACKAGE" or "PACKAGE unless COMMAND" per line
  while read -r pkg word cmd; do
    case $pkg in '' | '#'*) continue ;; esac
    if [ "$word" = unless ] && command -v "$cmd" >/dev/null 2>&1; then
      continue
    fi
    packages="$packages $pkg"
  done <tests/packages.txt
fi

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "setup: installing$missing"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
fi

jobs=$(nproc 2>/dev/null || echo 2)

# the end of the log of every failed test under DIR, on stderr, so that a
# CI transcript names the failing case
show_failed() {
  for trs in $(grep -l -r --include='*.trs' '^:test-result: \(FAIL\|ERROR\)' "$1" 2>/dev/null); do
    echo "setup: ---- end of ${trs%.trs}.log ----" >&2
    tail -n 80 "${trs%.trs}.log" >&2
  done
}

# make check with the given arguments, showing what failed
check() {
  if make -j"$jobs" check "$@"; then return 0; fi
  show_failed .
  return 1
}

autoreconf -fi >/dev/null 2>&1 || autoreconf -fi

if [ "$mode" = test ]; then
  # objects left by an earlier build (maybe a sanitizer one) would be reused
  if [ -f Makefile ]; then make distclean >/dev/null 2>&1 || true; fi
  ./configure -q --enable-werror
  # the release tarball, built in a tree of its own with warnings as errors:
  # every test of make check, then make install, installcheck (pip sees the
  # installed copy), uninstall and distclean, leaving nothing behind
  if ! make -j"$jobs" distcheck DISTCHECK_CONFIGURE_FLAGS=--quiet \
    >distcheck.log 2>&1; then
    grep -E '^(PASS|FAIL|SKIP|XPASS|ERROR):' distcheck.log || true
    for build in pyi-tools-*/_build; do show_failed "$build"; done
    tail -n 40 distcheck.log >&2
    echo "setup: make distcheck failed: see distcheck.log and the test logs" \
      "in pyi-tools-*/_build/sub" >&2
    exit 1
  fi
  grep -E '^(PASS|FAIL|SKIP|XPASS|ERROR):|^# [A-Z]+: ' distcheck.log
  tail -n 3 distcheck.log
  # the Python tests on each supported CPython found (python3.X on PATH,
  # pyenv's versions), each installed with pip into a fresh venv
  make check-pythons
  # the same suite rebuilt in place with AddressSanitizer and UBSan
  make distclean >/dev/null
  ./configure -q --enable-werror --enable-sanitizers
  make -j"$jobs" >/dev/null
  ASAN_OPTIONS=detect_leaks=1 CK_TIMEOUT_MULTIPLIER=4
  export ASAN_OPTIONS CK_TIMEOUT_MULTIPLIER
  check
  unset ASAN_OPTIONS CK_TIMEOUT_MULTIPLIER
  # the unit tests, the fuzz regression inputs and the command-line tests
  # of rendering, combining and writing files once more under valgrind
  # (each guarded by timeout: see Makefile.am)
  make distclean >/dev/null
  ./configure -q --enable-werror --enable-valgrind
  make -j"$jobs" >/dev/null
  check TESTS="tests/check_unit tests/fuzz/regress.sh \
    tests/cli/render.sh tests/cli/combine.sh tests/cli/output.sh"
  echo "setup: all tests passed"
  exit 0
fi

./configure -q
make -j"$jobs" >/dev/null
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo make install >/dev/null
$sudo ldconfig 2>/dev/null || true
echo "setup: installed pyi-render to $(command -v pyi-render || echo /usr/local/bin/pyi-render)"
echo "setup: installed pyinstrument to $(command -v pyinstrument || echo /usr/local/bin/pyinstrument)"
echo
# the demo: profile examples/demo.py with our own profiler, print the text
# report, then write the HTML report of the same program
echo "setup: pyinstrument examples/demo.py"
pyinstrument examples/demo.py
pyinstrument -r html -o demo-report.html examples/demo.py
echo "setup: wrote the HTML report demo-report.html"
