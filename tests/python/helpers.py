"""Shared pieces of the Python-level tests: where the built tools are, how to
run the pyinstrument command, and readers of frame-info strings."""
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
from unittest import mock

from pyinstrument.stack_sampler import get_stack_sampler

HERE = os.path.dirname(os.path.abspath(__file__))
LAUNCHER = os.environ.get("PYI_LAUNCHER", "pyinstrument")
PYI_RENDER = os.environ.get("PYI_RENDER", "pyi-render")
PYTHON = os.environ.get("PYI_PYTHON", sys.executable)
# The timer sampler names C functions by reading CPython's internal frame
# layout, known for 3.11 to 3.13; on other versions their time goes to the
# calling line.
TIMER_NAMES_C = (3, 11) <= sys.version_info[:2] <= (3, 13)

# A runner that started us in the background of a shell may have left
# SIGINT ignored, and the programs we start would inherit that: Python then
# installs no KeyboardInterrupt handler, and the tests of Ctrl-C (ours and
# CPython's own) would see it ignored. A handler is reset to the default
# in every program we run.
signal.signal(signal.SIGINT, signal.default_int_handler)

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


class FakeClock:
    """A clock that only moves when told, or when the code under test
    calls time.sleep (patched by fake_clock)."""

    def __init__(self, start=100.0):
        self.now = start

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


@contextlib.contextmanager
def fake_clock(start=100.0):
    """Drives the calling thread's sampler with a FakeClock: its samples
    fall where the clock says and carry its times, and time.sleep moves it
    on instead of sleeping (pyinstrument's own tests do the same)."""
    clock = FakeClock(start)
    sampler = get_stack_sampler()
    with mock.patch("time.sleep", new=clock.sleep):
        sampler.timer_func = clock.time
        try:
            yield clock
        finally:
            sampler.timer_func = None


def _step():
    pass


def spin_until_sampled(samples=1, timeout=None):
    """Runs Python code until the calling thread's sampler has taken
    'samples' samples: a test waits for samples, not for a length of time
    that a busy machine may not give the profiler. (It calls a function
    each time round, so that the profile hook sees events; it returns at
    once when nothing samples, and after 'timeout' seconds if given: code
    run inside a sample sees no other sample.)"""
    sampler = get_stack_sampler()
    last = sampler.last_profile_time
    end = None if timeout is None else time.monotonic() + timeout
    while (samples > 0 and sampler.current_sampling_interval is not None
           and (end is None or time.monotonic() < end)):
        _step()
        now = sampler.last_profile_time
        if now != last:
            samples -= 1
            last = now


# Code text defining sampled_sleep(seconds): time.sleep(seconds), then more
# sleep until the calling thread's sampler has taken a sample (when one
# samples it). A test that looks for a sleeping function in a report patches
# the program's time.sleep with it: the timer sampler names a sleep when its
# timing thread runs during it, which a busy machine may not allow for
# 50 ms. (Text, so that test programs in child processes can run it.)
SAMPLED_SLEEP = """\
def sampled_sleep(seconds, _sleep=__import__("time").sleep):
    from pyinstrument.stack_sampler import get_stack_sampler
    sampler = get_stack_sampler()
    last = sampler.last_profile_time
    _sleep(seconds)
    while (sampler.last_profile_time == last and
           sampler.current_sampling_interval is not None):
        _sleep(0.005)
"""
exec(SAMPLED_SLEEP)


def sleep_until_sampled(step=0.005):
    """Sleeps in steps of 'step' seconds until a sample has been taken."""
    sampler = get_stack_sampler()
    last = sampler.last_profile_time
    while (sampler.last_profile_time == last and
           sampler.current_sampling_interval is not None):
        time.sleep(step)


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


# Program text: sleeps 0.02 s at a time until a sample has named the sleep.
# (It asks the extension, loaded already, for the sampler: importing
# pyinstrument.stack_sampler would compile it under the profiler.)
# (sleeps at least once: a sample between reading the time and the first
# comparison would otherwise end the loop before any sleep)
SLEEP_UNTIL_SAMPLED = """\
import time
from pyinstrument._capture import _stack_sampler as get_stack_sampler
while True:
    t = get_stack_sampler().last_profile_time
    time.sleep(0.02)
    if t != get_stack_sampler().last_profile_time: break
"""

# A program that spins (for 0.15 s, and until 15 samples were taken) then
# sleeps (0.1 s at a time until a sample has named the sleep): what a test
# of it looks for is recorded however busy the machine is.
BUSY = """\
    import sys, time
    from pyinstrument.stack_sampler import get_stack_sampler
    def busy(seconds):
        end, s, n, t = time.perf_counter() + seconds, get_stack_sampler(), 0, 0
        while time.perf_counter() < end or n < 15:
            n, t = n + (s.last_profile_time != t), s.last_profile_time

    class Worker:
        def run(self):
            busy(0.15)
            while True:  # at least one sleep, however the samples fall
                t = get_stack_sampler().last_profile_time
                time.sleep(0.1)
                if t != get_stack_sampler().last_profile_time: break

    Worker().run()
    """
