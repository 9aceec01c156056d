"""The timer sampler is the default, and records what pyinstrument's hook
records: on the test programs and the shared bench workloads, the
functions on the hot paths are the same under both (their shares differ:
the hook's cost, paid per call, makes call-heavy code look heavier), and
C functions are named. One difference is allowed: a Python function that
calls no Python function can have no safe point for a sample (no loop, no
call), and the timer gives its time to its caller. The hook stays one
option away."""
import json
import os
import subprocess
import sys
import unittest

from pyinstrument import Profiler, profile

from helpers import BUSY, HERE, LAUNCHER, PYTHON, TIMER_NAMES_C, TempDirTest
from frameworks import need

WORKLOADS = os.path.normpath(os.path.join(
    HERE, "..", "..", "..", "shared", "bench", "workloads"))
DEMO = os.path.normpath(os.path.join(HERE, "..", "..", "examples", "demo.py"))

# the share of a run's samples (inclusive) that makes a function hot
HOT = 0.15


def shares(path):
    """Inclusive share of the samples of the run of each function (name,
    file) of the program (the command's own frames left out), and the
    functions seen calling a Python function. Samples, not their times:
    on a machine too busy to run the timing thread for a while, the timer's
    next sample carries the whole gap, wherever it falls."""
    with open(path) as f:
        records = json.load(f)["frame_records"]
    total = len(records) or 1
    out, callers = {}, set()
    for stack, _ in records:
        seen = set()
        keys = [(name, os.path.basename(file)) for name, file in
                (frame.split("\x00")[:2] for frame in stack[1:])]
        for i, key in enumerate(keys):
            if i + 1 < len(keys) and keys[i + 1][1] != "<built-in>":
                callers.add(key)
            if key not in seen and not ("runpy" in key[1] or
                                        key[1] in ("<string>", "__main__.py")):
                seen.add(key)
                out[key] = out.get(key, 0) + 1 / total
    return out, callers


class TheDefault(unittest.TestCase):
    def test_profiler_and_profile(self):
        self.assertEqual(Profiler().sampler, "timer")
        with Profiler(async_mode="disabled"):
            self.assertIsNone(sys.getprofile())
        import contextlib
        import io
        with contextlib.redirect_stderr(io.StringIO()):
            with profile():
                self.assertIsNone(sys.getprofile())
            with profile(sampler="hook"):
                self.assertIsNotNone(sys.getprofile())

    def test_the_command(self):
        code = "import sys; print(sys.getprofile() is None)"
        for args, expect in (([], "True"), (["--sampler", "hook"], "False")):
            r = subprocess.run([LAUNCHER, "-o", os.devnull, *args, "-c", code],
                               capture_output=True, text=True, timeout=120)
            self.assertEqual((r.returncode, r.stdout.strip()), (0, expect),
                             r.stderr)

    def test_the_ipython_magic(self):
        # Debian's IPython, as the magic's own tests find it (a skip, saying
        # why, only on a Python Debian did not build it for)
        need("IPython", "python3-ipython")
        from pyinstrument.magic import PyinstrumentMagic
        parser = PyinstrumentMagic.pyinstrument.parser
        self.assertEqual(parser.get_default("sampler"), "timer")


class SameHotPaths(TempDirTest):
    def record(self, program, *args, sampler):
        out = os.path.join(self.dir, "%s.pyisession" % sampler)
        r = subprocess.run([LAUNCHER, "--sampler", sampler, "-o", out,
                            program, *args], capture_output=True, text=True,
                           cwd=self.dir, timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr)
        return shares(out)

    def compare(self, program, *args, named=()):
        hook, callers = self.record(program, *args, sampler="hook")
        timer, _ = self.record(program, *args, sampler="timer")
        for mine, theirs, who in ((hook, timer, "hook"), (timer, hook,
                                                          "timer")):
            # Python functions (the C ones each names are checked below:
            # the timer names fewer, see README)
            hot = {k for k, v in mine.items() if v >= HOT and
                   k[1] != "<built-in>" and (who == "timer" or k in callers)}
            self.assertTrue(hot)
            missing = {k for k in hot if theirs.get(k, 0) == 0}
            self.assertEqual(missing, set(),
                             "hot under the %s only: %s" % (who, program))
        for name in named:  # C functions, named by both
            if TIMER_NAMES_C:
                self.assertIn((name, "<built-in>"), timer, program)
            self.assertIn((name, "<built-in>"), hook, program)

    def workload(self, name):
        path = os.path.join(WORKLOADS, name)
        if not os.path.exists(path):
            self.skipTest("the shared bench workloads are not beside this "
                          "checkout (../shared/bench/workloads)")
        return path

    def test_busy_program(self):
        self.compare(self.write("busy.py", BUSY), named=("sleep",))

    def test_demo(self):
        self.compare(DEMO, named=("Pattern.findall",))

    def test_callheavy(self):
        self.compare(self.workload("callheavy.py"), "4")

    def test_deep(self):
        self.compare(self.workload("deep.py"), "1")

    def test_mixed(self):
        self.compare(self.workload("mixed.py"), "1",
                     named=("Pattern.findall",))

    def test_sleepy(self):
        self.compare(self.workload("sleepy.py"), "4", named=("sleep",))


if __name__ == "__main__":
    unittest.main()
