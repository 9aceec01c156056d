#!/bin/sh
# The Python tests on every supported CPython, each from a pip install. For
# each interpreter: a fresh venv; `pip wheel --no-build-isolation` of this
# source tree (pep517/pyi_backend.py builds the wheel; nothing comes from a
# package index) and `pip install` of that wheel; checks of what pip
# installed (pip show, a requirement on pyinstrument, the commands, the man
# pages); the Python suite (tests/python/run.sh) against that copy; `pip
# uninstall`, which must leave the venv's files as they were before.
#
# Interpreters: PYI_PYTHONS="PATH..." when set. Otherwise, for each version
# of PYI_PYTHON_VERSIONS (default: 3.11 3.12 3.13 3.14), the first of these
# that runs as that version: python3.X on PATH (pyenv's shims left out),
# then the newest of pyenv's versions/3.X.* (`pyenv root`, else
# $PYENV_ROOT, else ~/.pyenv). A version found nowhere is reported and
# skipped; the exit status is 1 when a test or check failed, or when no
# interpreter was found at all. Logs: check-pythons/ in the build tree.
set -eu
LC_ALL=C
export LC_ALL
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
logs=$top_builddir/check-pythons
mkdir -p "$logs"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Debian's packages are imported from its directory, which versions other
# than Debian's own must not fill with their bytecode
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE
pip_opts="--no-index --no-cache-dir --disable-pip-version-check"

pyenv_root() {
  if command -v pyenv >/dev/null 2>&1; then
    pyenv root
  elif [ -n "${PYENV_ROOT:-}" ]; then
    echo "$PYENV_ROOT"
  elif [ -d "$HOME/.pyenv" ]; then
    echo "$HOME/.pyenv"
  fi
}

runs_as() { # runs_as PYTHON X.Y: PYTHON runs and is version X.Y
  [ -x "$1" ] || return 1
  [ "$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$2" ]
}

find_python() { # find_python X.Y: prints the interpreter's path
  root=$(pyenv_root)
  oldifs=$IFS
  IFS=:
  for dir in $PATH; do
    IFS=$oldifs
    if [ -n "$root" ] && [ "$dir" = "$root/shims" ]; then continue; fi
    if runs_as "$dir/python$1" "$1"; then
      echo "$dir/python$1"
      return 0
    fi
  done
  IFS=$oldifs
  [ -n "$root" ] || return 1
  for py in $(ls -d "$root/versions/$1".* 2>/dev/null | sort -rV); do
    if runs_as "$py/bin/python$1" "$1"; then
      echo "$py/bin/python$1"
      return 0
    fi
  done
  return 1
}

snapshot() { # the files of a venv, but for bytecode its own pip writes
  (cd "$1" && find . ! -type d | grep -v '/site-packages/pip/' | sort)
}

failed=0
check() { # check WHAT COMMAND...: runs it; on failure says so, with output
  what=$1
  shift
  if out=$("$@" 2>&1); then
    return 0
  fi
  echo "FAIL: $label: $what" >&2
  printf '%s\n' "$out" | tail -20 >&2
  failed=1
  return 1
}

has_line() { # has_line TEXT LINE
  printf '%s\n' "$1" | grep -qxF "$2"
}

version=$(python3 "$top_srcdir/pep517/pyi_backend.py" version)
tested="" missing="" summary=""

one() { # one PYTHON: the whole round in a fresh venv
  py=$1
  full=$("$py" -c 'import platform; print(platform.python_version())')
  short=${full%.*}
  label="Python $full ($py)"
  log=$logs/$short.log
  venv=$tmp/venv-$short
  start=$(date +%s)
  echo "versions: $label"
  check "python -m venv" "$py" -m venv "$venv" || return 0
  snapshot "$venv" >"$tmp/before"
  bin=$venv/bin
  wheels=$tmp/wheels-$short
  if ! { "$bin/python" -m pip wheel $pip_opts --no-build-isolation \
    -w "$wheels" "$top_srcdir" &&
    "$bin/python" -m pip install $pip_opts "$wheels"/*.whl; } \
    >"$logs/$short.pip.log" 2>&1; then
    echo "FAIL: $label: pip wheel or install (see $logs/$short.pip.log)" >&2
    tail -30 "$logs/$short.pip.log" >&2
    failed=1
    return 0
  fi
  built=$(date +%s)
  tag=$("$py" -c 'import sys; print("cp%d%d" % sys.version_info[:2])')
  check "the wheel is named for $tag" \
    test -f "$wheels/pyinstrument-$version-$tag-$tag-linux_$(uname -m).whl" || true

  # pip sees our distribution, under pyinstrument's name
  show=$("$bin/python" -m pip show pyinstrument 2>&1) || true
  site=$("$bin/python" -c 'import sysconfig; print(sysconfig.get_path("platlib"))')
  for field in "Name: pyinstrument" "Version: $version" "Location: $site"; do
    check "pip show says '$field'" has_line "$show" "$field" || true
  done
  check "a requirement pyinstrument>=4 is satisfied" \
    "$bin/python" -m pip install $pip_opts "pyinstrument>=4" || true
  check "pyinstrument --version" has_line "$("$bin/pyinstrument" --version 2>&1)" \
    "pyinstrument ${version%%+*}, on Python $full (pyi-tools ${version#*+pyitools.})" || true
  # the command is a script of ours, not a console-script wrapper (which
  # imports re): nothing heavy is imported before the program starts
  imports=$("$bin/python" -X importtime "$bin/pyinstrument" --version 2>&1 >/dev/null) || true
  check "pyinstrument starts without importing re or typing" \
    sh -c '! printf "%s\n" "$1" | grep -qE "\| +(re|typing)\$"' - "$imports" || true
  check "pyinstrument imports the package at start" \
    sh -c 'printf "%s\n" "$1" | grep -qE "\| +pyinstrument\$"' - "$imports" || true
  for t in pyi-render pyi-combine pyi-diff; do
    check "$t --version" "$bin/$t" --version || true
    check "$t needs no libsession.so" sh -c "! ldd '$bin/$t' | grep libsession" || true
  done
  for page in "$top_srcdir"/docs/*.1; do
    check "man page $(basename "$page") installed" \
      cmp "$page" "$venv/share/man/man1/$(basename "$page")" || true
  done

  # the Python suite against the installed copy
  if PYI_INSTALLED=$bin PYI_TEST_VERBOSE=1 top_srcdir=$top_srcdir \
    top_builddir=$top_builddir $SHELL "$top_srcdir/tests/python/run.sh" >"$log" 2>&1; then
    result=ok
  else
    result=FAILED
    failed=1
    echo "FAIL: $label: the Python tests (see $log)" >&2
    grep -E '^(FAIL|ERROR):' "$log" >&2 || tail -20 "$log" >&2
  fi
  # counted from the verbose lines, one per test (a class skipped in
  # setUpClass is one), whose verdict a warning may push to a line of its
  # own; since 3.12, "Ran N tests" leaves out what a decorator skips
  ran=$(grep -cE '^(test|setUpClass|tearDownClass)[A-Za-z0-9_]* \(.*\) \.\.\. ' "$log" || true)
  skipped=$(grep -c ' \.\.\. skipped ' "$log" || true)
  bad=$(grep -cE '^(FAIL|ERROR): ' "$log" || true)
  passed=$((ran - skipped - bad))
  tested_at=$(date +%s)

  # pip uninstall takes back every file it installed
  check "pip uninstall" "$bin/python" -m pip uninstall -y pyinstrument || true
  snapshot "$venv" >"$tmp/after"
  check "files left after pip uninstall" diff "$tmp/before" "$tmp/after" || true
  rm -rf "$venv"

  line="Python $full: $result: $passed passed, $skipped skipped, $bad failed (install $((built - start)) s, tests $((tested_at - built)) s)"
  echo "versions: $line"
  summary="$summary$line
"
  grep '\.\.\. skipped ' "$log" | sed 's/^/  /' || true
  tested="$tested $short"
}

if [ -n "${PYI_PYTHONS:-}" ]; then
  for py in $PYI_PYTHONS; do
    one "$py"
  done
else
  for v in ${PYI_PYTHON_VERSIONS:-3.11 3.12 3.13 3.14}; do
    if py=$(find_python "$v"); then
      one "$py"
    else
      echo "versions: no Python $v (python$v on PATH or in pyenv's versions): not tested"
      missing="$missing $v"
    fi
  done
fi

printf '%s' "$summary"
echo "versions: tested:${tested:- none}${missing:+; not found:$missing}"
if [ -z "$tested" ]; then
  echo "versions: no interpreter found" >&2
  exit 1
fi
exit $failed
