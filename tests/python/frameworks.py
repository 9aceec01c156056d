"""Shared pieces of the integration tests: finding the web frameworks and
the examples, and reading the function names out of a report."""
import base64
import importlib
import json
import os
import re
import sys
import unittest
import warnings
import zlib

import time
import types

from helpers import HERE, sampled_sleep

EXAMPLES = os.path.normpath(os.path.join(HERE, "..", "..", "examples"))

# Debian's python3-* packages install pure-Python code (and extensions for
# Debian's own CPython of the same version) in its standard location below.
# It goes at the END of sys.path, so that what pip installed for this
# interpreter (Flask, Werkzeug, IPython, pydantic) wins.
DEBIAN_PYTHON = "/usr/lib/python3/dist-packages"


def _import(module):
    # Debian's packages import modules this Python deprecates (cgi, ...)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return importlib.import_module(module)


def debian_version():
    """(major, minor) of the Python that Debian's python3-* packages are
    built for (its python3), or None off Debian."""
    try:
        with open("/usr/share/python3/debian_defaults") as f:
            m = re.search(r"^default-version\s*=\s*python(\d+)\.(\d+)",
                          f.read(), re.M)
    except OSError:
        return None
    return (int(m.group(1)), int(m.group(2))) if m else None


def not_importable(package, why):
    """The test's verdict when Debian's 'package' did not import (for the
    reason 'why'): a skip that says so on a Python other than the one Debian
    built it for, else a failure (tests/packages.txt has it installed)."""
    built_for = debian_version()
    here = sys.version_info[:2]
    if built_for and here != built_for:
        return unittest.SkipTest(
            "%s does not import on Python %d.%d (%s); Debian builds it for "
            "its Python %d.%d" % ((package,) + here + (why,) + built_for))
    return AssertionError(
        "%s does not import (%s): install it (tests/packages.txt lists it "
        "for ./setup.sh test)" % (package, why))


def import_error(path):
    """The import error a child process wrote to 'path' (see CHILD_IMPORT),
    or None."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return None


# How a child process imports Debian's frameworks: an import that fails is
# written to the file 'import-error' and ends the child with status 3.
CHILD_IMPORT = """\
try:
    {imports}
except Exception as e:
    with open("import-error", "w", encoding="utf-8") as f:
        f.write("%s: %s" % (type(e).__name__, e))
    sys.exit(3)
"""


def need(module, package):
    """Imports 'module', from Debian's directory if need be. A framework
    that does not import fails the test on the Python Debian's package is
    built for, and skips it on other versions, saying so."""
    try:
        return _import(module)
    except ImportError:
        pass
    if DEBIAN_PYTHON not in sys.path:
        sys.path.append(DEBIAN_PYTHON)
    try:
        return _import(module)
    except Exception as e:  # a newer Python may fail it in any way
        raise not_importable(package, "%s: %s" % (type(e).__name__, e)) from None


def example(name):
    """Imports examples/NAME.py. Its view sleeps until sampled: its 'time'
    is the time module with helpers.sampled_sleep."""
    if EXAMPLES not in sys.path:
        sys.path.insert(0, EXAMPLES)
    module = _import(name)
    if getattr(module, "time", None) is time:
        patched = types.ModuleType("time")
        patched.__dict__.update(time.__dict__, sleep=sampled_sleep)
        module.time = patched
    return module


def html_data(page):
    """The session data object inside an HTML report (deflated, base64)."""
    m = re.search(r'<script id="pyi-data"[^>]*>([A-Za-z0-9+/=\s]+)</script>',
                  page)
    if not m:
        raise AssertionError("not an HTML report: %r" % page[:200])
    return json.loads(zlib.decompress(base64.b64decode(m.group(1))))


def tree_functions(node):
    """Function names of a frame_tree (JSON renderer or HTML data)."""
    names, stack = [], [node]
    while stack:
        n = stack.pop()
        if "function" in n:  # the JSON renderer's frames
            names.append(n["function"])
        else:  # the HTML data's, named by frame identifier
            names.append(n["identifier"].split("\x00")[0])
        stack.extend(n.get("children", []))
    return names


def html_functions(page):
    """Function names of the call tree in an HTML report."""
    return tree_functions(html_data(page)["frame_tree"])
