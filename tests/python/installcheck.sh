#!/bin/sh
# make installcheck: what `make install` put in place runs, and pip sees it.
# The installed pyinstrument command runs with the installed package; `pip
# show` names the distribution (pyinstrument, our version, where it is);
# every file of the dist-info's RECORD is there with its hash; and `pip
# uninstall pyinstrument`, run on a copy of those files (the installed copy
# stays for make uninstall), removes every one of them.
# Needs PYTHON, pyi_pydir and bindir as configured (the Makefile passes
# them) and pip for that PYTHON.
set -eu
: "${PYTHON:?}" "${pyi_pydir:?}" "${bindir:?}"
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "installcheck: $*" >&2
  exit 1
}
version=$("$PYTHON" "$top_srcdir/pep517/pyi_backend.py" version)
info=$pyi_pydir/pyinstrument-$version.dist-info
[ -f "$info/RECORD" ] || fail "$info/RECORD missing"

out=$(cd "$tmp" && PYTHONPATH=$pyi_pydir "$bindir/pyinstrument" --version) ||
  fail "the installed pyinstrument does not run"
case $out in
"pyinstrument ${version%%+*}, on Python "*) ;;
*) fail "pyinstrument --version: $out" ;;
esac

show=$(cd "$tmp" && PYTHONPATH=$pyi_pydir "$PYTHON" -m pip show pyinstrument) ||
  fail "pip show pyinstrument failed"
for field in "Name: pyinstrument" "Version: $version" "Location: $pyi_pydir"; do
  printf '%s\n' "$show" | grep -qxF "$field" || fail "pip show: no '$field' in:
$show"
done

# every file listed, with its hash; then a copy of them at the same paths
# under $tmp/root, whose RECORD (paths relative to site-packages) still
# points at them
"$PYTHON" - "$info" "$tmp/root" <<'PY' || fail "RECORD does not match the files"
import base64, csv, hashlib, os, shutil, sys
info, root = sys.argv[1:]
site = os.path.dirname(info)
with open(os.path.join(info, "RECORD"), newline="") as f:
    rows = list(csv.reader(f))
names = {r[0] for r in rows}
for need in ("pyinstrument/__init__.py", os.path.basename(info) + "/METADATA"):
    if need not in names:
        sys.exit("RECORD lists no %s" % need)
for path, digest, size in rows:
    full = os.path.normpath(os.path.join(site, path))
    with open(full, "rb") as f:
        data = f.read()
    if digest:
        want = "sha256=" + base64.urlsafe_b64encode(
            hashlib.sha256(data).digest()).rstrip(b"=").decode()
        if (digest, size) != (want, str(len(data))):
            sys.exit("%s: RECORD says %s %s, the file is %s %d"
                     % (full, digest, size, want, len(data)))
    copy = root + full
    os.makedirs(os.path.dirname(copy), exist_ok=True)
    shutil.copy2(full, copy)
PY

# pip refuses to touch a system interpreter's packages unless told to
(cd "$tmp" && PYTHONPATH=$tmp/root$pyi_pydir PIP_BREAK_SYSTEM_PACKAGES=1 \
  "$PYTHON" -m pip uninstall -y --disable-pip-version-check pyinstrument \
  >"$tmp/uninstall.log" 2>&1) || fail "pip uninstall failed: $(cat "$tmp/uninstall.log")"
left=$(find "$tmp/root" -type f)
[ -z "$left" ] || fail "pip uninstall left: $left"
echo "installcheck: pyinstrument $version: runs, pip shows it and uninstalls it"
