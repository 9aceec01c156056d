"""The build backend pip uses for pyi-tools (PEP 517), standard library only.

`pip install .` and `pip wheel .` call build_wheel: the sources are copied
to a temporary directory (a git checkout's files as git lists them, so that
an in-place build's products stay behind; otherwise the whole tree),
configured for the interpreter that runs this backend, built by make with
warnings as errors and with libsession linked into the tools and the
extension, and packed into a wheel:

  pyinstrument/                       the package and its _capture extension
  pyinstrument-V.data/scripts/        pyinstrument (a Python script),
                                      pyi-render, pyi-combine, pyi-diff
  pyinstrument-V.data/data/share/man/man1/   the man pages
  pyinstrument-V.dist-info/           METADATA, WHEEL, RECORD

V is the version of pyinstrument the package follows (capture/capture.h)
with pyi-tools' own as a local label (libsession/pyisession.h), e.g.
5.1.2+pyitools.0.1.0, so that `pyinstrument>=5` is satisfied by it.

`make install` runs this file as a script to write the same METADATA into a
dist-info of its own, listing the Python side of what it installed, so that
pip sees a make-installed copy and can uninstall it.
"""
import base64
import csv
import glob
import hashlib
import io
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
import zipfile

NAME = "pyinstrument"
TOOLS = ("pyi-render", "pyi-combine", "pyi-diff")
# backend-path puts this file's folder on sys.path; the project is above it
TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DESCRIPTION = """\
This is not the pyinstrument of PyPI, but a package with its names and
interface built on pyi-tools, a C toolkit for pyinstrument's `.pyisession`
profiles: the sampler, the call tree, its processors and every report
(text, HTML, JSON, speedscope, pstats and more) are C, in the `_capture`
extension and libsession.

It installs the `pyinstrument` command and package (`Profiler`,
`profile`, `Session`, the renderers, the IPython magic and the Django
middleware) and pyi-tools' own commands `pyi-render`, `pyi-combine` and
`pyi-diff`, with their man pages.

The version is the pyinstrument version whose interface it follows, with
pyi-tools' version as a local label.
"""


def _define(path, macro):
    with open(os.path.join(TOP, path), encoding="utf-8") as f:
        m = re.search(r'^#define %s "([^"]+)"' % macro, f.read(), re.M)
    if not m:
        raise RuntimeError("%s: no #define %s" % (path, macro))
    return m.group(1)


def version():
    """pyinstrument's version with ours as the local label."""
    return "%s+pyitools.%s" % (_define("capture/capture.h", "CAPTURE_VERSION"),
                               _define("libsession/pyisession.h", "PYI_VERSION"))


def dist_info_name():
    return "%s-%s.dist-info" % (NAME, version())


def metadata():
    """The METADATA file (core metadata 2.1) of the wheel and make install."""
    fields = [
        ("Metadata-Version", "2.1"),
        ("Name", NAME),
        ("Version", version()),
        ("Summary", "pyinstrument's profiler and reports on pyi-tools' C "
                    "core (libsession)"),
        ("Keywords", "profiler,profiling,pyinstrument,pyisession"),
        ("Requires-Python", ">=3.11"),
        ("Classifier", "Programming Language :: C"),
    ]
    fields += [("Classifier", "Programming Language :: Python :: 3.%d" % v)
               for v in (11, 12, 13, 14)]
    fields += [("Classifier", "Operating System :: POSIX :: Linux"),
               ("Description-Content-Type", "text/markdown")]
    head = "".join("%s: %s\n" % f for f in fields)
    return head + "\n" + DESCRIPTION


def wheel_tags():
    """(python, abi, platform) of the running interpreter."""
    if sys.implementation.name != "cpython":
        raise RuntimeError("pyi-tools' capture extension is for CPython only")
    py = "cp%d%d" % sys.version_info[:2]
    plat = re.sub(r"[^A-Za-z0-9]", "_", sysconfig.get_platform())
    return py, py + sys.abiflags, plat


def _wheel_file():
    return ("Wheel-Version: 1.0\nGenerator: pyi-tools pep517/pyi_backend.py\n"
            "Root-Is-Purelib: false\nTag: %s-%s-%s\n" % wheel_tags())


def _dist_info_files():
    return [("METADATA", metadata()), ("WHEEL", _wheel_file())]


def _hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _record(rows):
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


# --- the build ------------------------------------------------------------

# What autoreconf makes, which git ignores: taken along from a checkout
# that has it, so that the copy needs no autoreconf (their times are kept,
# and make's rules rerun the autotools when an input is newer)
AUTOTOOLS_OUTPUT = ("configure", "aclocal.m4", "config.h.in", "Makefile.in",
                    "build-aux", "m4")


def _source_files(top):
    """Paths (relative to top) of the sources to build from."""
    if os.path.exists(os.path.join(top, ".git")):
        try:
            out = subprocess.run(
                ["git", "ls-files", "-z", "--cached", "--others",
                 "--exclude-standard"], cwd=top, check=True,
                capture_output=True).stdout
        except (OSError, subprocess.CalledProcessError):
            pass  # no git here: take the tree as it is
        else:
            names = set(out.decode("utf-8", "surrogateescape").split("\0"))
            if os.path.exists(os.path.join(top, "configure")):
                for name in AUTOTOOLS_OUTPUT:
                    names.update(_walk(top, name))
            return sorted(n for n in names
                          if n and os.path.lexists(os.path.join(top, n)))
    if os.path.exists(os.path.join(top, "config.status")):
        raise RuntimeError(
            "%s is configured in place, and its build products would be "
            "mixed into the wheel's build: run 'make distclean' there first"
            % top)
    return sorted(_walk(top, "."))


def _walk(top, name):
    """The files of top/name (a file or a folder), relative to top."""
    path = os.path.join(top, name)
    if not os.path.isdir(path):
        return [name] if os.path.lexists(path) else []
    files = []
    for root, dirs, names in os.walk(path):
        dirs[:] = [d for d in dirs if d not in (".git", "__pycache__")]
        files += [os.path.normpath(os.path.relpath(os.path.join(root, n), top))
                  for n in names]
    return files


def _copy_sources(top, dst):
    for rel in _source_files(top):
        src, to = os.path.join(top, rel), os.path.join(dst, rel)
        os.makedirs(os.path.dirname(to), exist_ok=True)
        if os.path.islink(src):
            os.symlink(os.readlink(src), to)
        else:
            shutil.copy2(src, to)


def _run(cmd, cwd, env):
    print("pyi-tools build: %s" % " ".join(shlex.quote(c) for c in cmd),
          flush=True)
    r = subprocess.run(cmd, cwd=cwd, env=env)
    if r.returncode != 0:
        raise RuntimeError("%s failed (exit status %d); its output is above"
                           % (os.path.basename(cmd[0]), r.returncode))


def _build(tmp, config_settings):
    """Configures and makes the project in tmp; returns (src, build)."""
    config_settings = config_settings or {}
    src, build = os.path.join(tmp, "src"), os.path.join(tmp, "build")
    _copy_sources(TOP, src)
    env = dict(os.environ)
    # a make that runs pip must not hand its job server to ours
    for var in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
        env.pop(var, None)
    if not os.path.exists(os.path.join(src, "configure")):
        _run(["autoreconf", "-fi"], src, env)  # a git checkout
    os.mkdir(build)
    extra = shlex.split(config_settings.get("configure-args", ""))
    _run([os.path.join(src, "configure"), "--disable-dependency-tracking",
          "--enable-werror", "--enable-embedded-libsession",
          "PYTHON=" + sys.executable] + extra, build, env)
    jobs = config_settings.get("jobs") or str(os.cpu_count() or 1)
    _run(["make", "-j" + jobs], build, env)
    return src, build


def _wheel_contents(src, build):
    """(name in the wheel, file) of everything the build puts in it."""
    files = []
    stage = os.path.join(build, "capture", "build")  # the package as staged
    for root, dirs, names in os.walk(os.path.join(stage, NAME)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for n in sorted(names):
            path = os.path.join(root, n)
            files.append((os.path.relpath(path, stage).replace(os.sep, "/"),
                          path))
    ext = "%s/_capture%s" % (NAME, sysconfig.get_config_var("EXT_SUFFIX"))
    if ext not in dict(files):
        raise RuntimeError("the build staged no %s" % ext)
    data = "%s-%s.data" % (NAME, version())
    # the command as a script of our own, not a console-script entry point
    # (see the file); pip points its "#!python" at the environment's python
    files.append(("%s/scripts/pyinstrument" % data,
                  os.path.join(src, "pep517", "pyinstrument-script.py")))
    for tool in TOOLS:
        path = os.path.join(build, tool)
        with open(path, "rb") as f:
            if f.read(4) != b"\x7fELF":  # a libtool wrapper would not run
                raise RuntimeError("%s is not a linked program" % path)
        files.append(("%s/scripts/%s" % (data, tool), path))
    for page in sorted(glob.glob(os.path.join(src, "docs", "*.1"))):
        files.append(("%s/data/share/man/man1/%s"
                      % (data, os.path.basename(page)), page))
    return files


def _zip_time():
    when = int(os.environ.get("SOURCE_DATE_EPOCH", time.time()))
    return time.gmtime(max(when, 315532800))[:6]  # zip starts in 1980


def _write_wheel(directory, files):
    name = "%s-%s-%s-%s-%s.whl" % ((NAME, version()) + wheel_tags())
    path = os.path.join(directory, name)
    info = dist_info_name()
    when = _zip_time()
    rows = []
    with zipfile.ZipFile(path + ".part", "w", zipfile.ZIP_DEFLATED) as z:
        def add(arcname, data, mode):
            zi = zipfile.ZipInfo(arcname, when)
            zi.external_attr = (stat.S_IFREG | mode) << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
            rows.append((arcname, _hash(data), str(len(data))))

        for arcname, file in files:
            with open(file, "rb") as f:
                data = f.read()
            executable = (os.stat(file).st_mode & 0o111 or
                          "/scripts/" in arcname)  # pip keeps the mode
            add(arcname, data, 0o755 if executable else 0o644)
        for n, text in _dist_info_files():
            add("%s/%s" % (info, n), text.encode("utf-8"), 0o644)
        rows.append(("%s/RECORD" % info, "", ""))
        zi = zipfile.ZipInfo("%s/RECORD" % info, when)
        zi.external_attr = (stat.S_IFREG | 0o644) << 16
        zi.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(zi, _record(rows))
    os.replace(path + ".part", path)
    return name


# --- PEP 517 hooks ----------------------------------------------------------

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    info = dist_info_name()
    os.makedirs(os.path.join(metadata_directory, info), exist_ok=True)
    for n, text in _dist_info_files():
        with open(os.path.join(metadata_directory, info, n), "w",
                  encoding="utf-8") as f:
            f.write(text)
    return info


def build_wheel(wheel_directory, config_settings=None,
                metadata_directory=None):
    tmp = tempfile.mkdtemp(prefix="pyi-tools-wheel-")
    try:
        src, build = _build(tmp, config_settings)
        return _write_wheel(wheel_directory, _wheel_contents(src, build))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def build_sdist(sdist_directory, config_settings=None):
    """The sources (as _source_files finds them) with PKG-INFO; building a
    wheel from one of a git checkout needs autoconf, automake and libtool."""
    base = "%s-%s" % (NAME, version())
    name = base + ".tar.gz"

    def clean(ti):
        ti.uid = ti.gid = 0
        ti.uname = ti.gname = ""
        return ti

    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as tar:
        for rel in _source_files(TOP):
            tar.add(os.path.join(TOP, rel), arcname="%s/%s" % (base, rel),
                    recursive=False, filter=clean)
        data = metadata().encode("utf-8")
        ti = clean(tarfile.TarInfo("%s/PKG-INFO" % base))
        ti.size, ti.mtime, ti.mode = len(data), time.time(), 0o644
        tar.addfile(ti, io.BytesIO(data))
    return name


# --- make install ------------------------------------------------------------

def install_dist_info(destdir, site, files):
    """Writes DESTDIR/SITE/<dist-info> for the installed 'files' (absolute
    paths as installed, without DESTDIR): METADATA, INSTALLER, RECORD."""
    info = os.path.join(site, dist_info_name())
    os.makedirs(destdir + info, exist_ok=True)
    own = [("METADATA", metadata()), ("INSTALLER", "make\n")]
    for n, text in own:
        with open(os.path.join(destdir + info, n), "w", encoding="utf-8") as f:
            f.write(text)
    rows = []
    for path in list(files) + [os.path.join(info, n) for n, _ in own]:
        with open(destdir + path, "rb") as f:
            data = f.read()
        rows.append((os.path.relpath(path, site), _hash(data), str(len(data))))
    rows.append((os.path.relpath(os.path.join(info, "RECORD"), site), "", ""))
    with open(os.path.join(destdir + info, "RECORD"), "w",
              encoding="utf-8") as f:
        f.write(_record(rows))


USAGE = """\
usage: pyi_backend.py version | dist-info-name | metadata
       pyi_backend.py install-dist-info DESTDIR SITE FILE...
"""


def main(argv):
    if argv[:1] == ["version"] and len(argv) == 1:
        print(version())
    elif argv[:1] == ["dist-info-name"] and len(argv) == 1:
        print(dist_info_name())
    elif argv[:1] == ["metadata"] and len(argv) == 1:
        sys.stdout.write(metadata())
    elif argv[:1] == ["install-dist-info"] and len(argv) >= 3:
        install_dist_info(argv[1].rstrip("/"), argv[2], argv[3:])
    else:
        sys.stderr.write(USAGE)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
