"""Shared pieces of the Python-level tests: where the built tools are, how to
run the pyinstrument command, and readers of frame-info strings."""
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
LAUNCHER = os.environ.get("PYI_LAUNCHER", "pyinstrument")
PYI_RENDER = os.environ.get("PYI_RENDER", "pyi-render")
PYTHON = os.environ.get("PYI_PYTHON", sys.executable)
# The timer sampler names C functions only on CPython 3.11, whose frame
# layout it reads; on later versions their time goes to the calling line.
TIMER_NAMES_C = sys.version_info[:2] == (3, 11)

SESSION_KEYS = [
    ("start_time", float),
    ("duration", float),
    ("min_interval", float),
    ("max_interval", float),
    ("sample_count", int),
    ("start_call_stack", list),
    ("target_description", str),
    ("cpu_time", float),
    ("sys_path", list),
    ("sys_prefixes", list),
    ("frame_records", list),
]


def pythonpath(*dirs):
    """A PYTHONPATH of 'dirs' before the tests' own, if they have one (the
    build tree's package; an installed copy needs none)."""
    return os.pathsep.join(dirs + tuple(filter(None, [os.environ.get("PYTHONPATH")])))


def frame_parts(frame_info):
    """(function, file, line, {marker: data}) of a frame-info string."""
    ident, _, attrs = frame_info.partition("\x01")
    parts = ident.split("\x00")
    attributes = {}
    for a in attrs.split("\x01") if attrs else []:
        if a:
            attributes[a[0]] = a[1:]
    line = int(parts[2]) if len(parts) > 2 else None
    return parts[0], parts[1] if len(parts) > 1 else None, line, attributes


def functions(stack):
    return [frame_parts(f)[0] for f in stack]


def all_frames(session):
    """Every frame info of every record of a Session object."""
    return [f for stack, _ in session.frame_records for f in stack]


def time_in(records, function):
    """Seconds of the records whose stack contains 'function'."""
    return sum(t for stack, t in records if function in functions(stack))


class TempDirTest(unittest.TestCase):
    """A test with a scratch directory and a way to write files into it."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.dir = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text))
        return path

    def run_cli(self, *args, env=None, cwd=None, timeout=120, via_module=False):
        """Runs `pyinstrument ARGS` (or `python -m pyinstrument ARGS`)."""
        cmd = [PYTHON, "-m", "pyinstrument"] if via_module else [LAUNCHER]
        full_env = dict(os.environ)
        full_env.update(env or {})
        return subprocess.run(
            cmd + list(args),
            cwd=cwd or self.dir,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def load_json(self, path):
        with open(path) as f:
            return json.load(f)


BUSY = """\
    import sys, time

    def busy(seconds):
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            pass

    class Worker:
        def run(self):
            busy(0.15)
            time.sleep(0.1)

    Worker().run()
    """
