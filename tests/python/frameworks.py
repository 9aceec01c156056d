"""Shared pieces of the integration tests: finding the web frameworks and
the examples, and reading the function names out of a report."""
import base64
import importlib
import json
import os
import re
import sys
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


def need(module, package):
    """Imports 'module', from Debian's directory if need be. A missing
    framework fails the test (tests/packages.txt has it installed)."""
    try:
        return _import(module)
    except ImportError:
        pass
    if DEBIAN_PYTHON not in sys.path:
        sys.path.append(DEBIAN_PYTHON)
    try:
        return _import(module)
    except ImportError as e:
        raise AssertionError(
            "%s does not import (%s): install %s (tests/packages.txt lists it "
            "for ./setup.sh test)" % (module, e, package)) from None


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
