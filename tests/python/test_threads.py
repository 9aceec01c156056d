"""Every thread: Profiler(all_threads=True) and `pyinstrument --all-threads`.

The main thread's samples read every other thread's stack too, and the
timing thread samples them while the main thread waits; each thread's
records sit under a root frame naming it, one thread after another."""
import dis
import json
import os
import subprocess
import sys
import threading
import time
import unittest

from pyinstrument import Profiler

from helpers import (PYI_RENDER, PYTHON, TempDirTest, fake_clock, frame_parts,
                     functions, spin_until_sampled)

TOOLS = os.path.dirname(PYI_RENDER)


def spin(stop):
    while not stop.is_set():
        pass


def parked(lock):
    lock.acquire()


def start_parked(name):
    """A thread waiting in lock.acquire() until the returned lock is
    released, once it waits there (its frame stands at the call)."""
    lock = threading.Lock()
    lock.acquire()
    t = threading.Thread(target=parked, args=(lock,), name=name)
    t.start()
    while True:
        f = sys._current_frames().get(t.ident)
        if (f is not None and f.f_code is parked.__code__ and
                dis.opname[f.f_code.co_code[f.f_lasti]] in ("CALL",
                                                            "PRECALL")):
            return t, lock
        time.sleep(0.001)


def roots(session):
    """Thread root frames in record order, consecutive repeats merged."""
    out = []
    for stack, _ in session.frame_records:
        if not out or out[-1] != stack[0]:
            out.append(stack[0])
    return out


def time_by_thread(session):
    times = {}
    for stack, t in session.frame_records:
        name = frame_parts(stack[0])[0]
        times[name] = times.get(name, 0) + t
    return times


def four_busy_threads(main_samples=30):
    """Four threads spinning until the main thread has taken
    'main_samples' samples of its own, each of which reads them all."""
    stop = threading.Event()
    workers = [threading.Thread(target=spin, args=(stop,),
                                name="worker-%d" % i) for i in range(4)]
    for w in workers:
        w.start()
    spin_until_sampled(main_samples)
    stop.set()
    for w in workers:
        w.join()
    return workers


class EveryThread(unittest.TestCase):
    def test_four_busy_threads_with_plausible_shares(self):
        p = Profiler(all_threads=True, async_mode="disabled")
        self.assertTrue(p.all_threads)
        p.start()
        workers = four_busy_threads()
        s = p.stop()
        # one run of records per thread: the main thread's, then each
        # worker's in the order they were first seen
        names = [frame_parts(r)[0] for r in roots(s)]
        self.assertEqual(names[0], "MainThread")
        self.assertEqual(sorted(names[1:]),
                         ["worker-%d" % i for i in range(4)])
        for w in workers:
            root = "%s\x00<thread>\x00%d" % (w.name, w.ident)
            self.assertIn(root, roots(s))
        # each worker was read at every one of the main thread's samples,
        # and spun all along: the same share for each
        counts = {}
        for stack, _ in s.frame_records:
            counts[frame_parts(stack[0])[0]] = counts.get(
                frame_parts(stack[0])[0], 0) + 1
            if frame_parts(stack[0])[0].startswith("worker"):
                self.assertIn("spin", functions(stack))
                self.assertNotIn("spin_until_sampled", functions(stack))
        times = time_by_thread(s)
        for i in range(4):
            self.assertGreaterEqual(counts["worker-%d" % i], 30)
            self.assertGreater(times["worker-%d" % i],
                               0.5 * max(times.values()), times)
        self.assertEqual(s.sample_count, len(s.frame_records))

    def test_threads_that_start_and_end_during_the_run(self):
        p = Profiler(all_threads=True, async_mode="disabled")
        p.start()
        spin_until_sampled(2)
        t, release = start_parked("brief")
        spin_until_sampled(3)  # these samples read the waiting thread
        release.release()
        t.join()
        spin_until_sampled(2)
        s = p.stop()
        brief = [functions(st) for st, _ in s.frame_records
                 if frame_parts(st[0])[0] == "brief"]
        self.assertGreaterEqual(len(brief), 3)
        # it waits in a lock, named as the hook names it
        self.assertTrue(all(st[-1] == "lock.acquire" for st in brief), brief)
        self.assertEqual([frame_parts(r)[0] for r in roots(s)],
                         ["MainThread", "brief"])

    def test_the_default_is_the_starting_thread_alone(self):
        p = Profiler(async_mode="disabled")
        self.assertFalse(p.all_threads)
        p.start()
        four_busy_threads(5)
        s = p.stop()
        self.assertEqual({frame_parts(r)[0] for r in roots(s)},
                         {"MainThread"})

    def test_a_fake_clock_dates_every_thread(self):
        t, release = start_parked("waiter")
        try:
            with fake_clock():
                p = Profiler(all_threads=True, async_mode="disabled")
                p.start()
                time.sleep(0.5)
                time.sleep(0.25)
                s = p.stop()
        finally:
            release.release()
            t.join()
        times = [(frame_parts(st[0])[0], functions(st)[-1], dt)
                 for st, dt in s.frame_records]
        self.assertEqual(times, [("MainThread", "sleep", 0.5),
                                 ("MainThread", "sleep", 0.25),
                                 ("waiter", "lock.acquire", 0.5),
                                 ("waiter", "lock.acquire", 0.25)])

    def test_with_the_hook_other_threads_are_read_at_its_samples(self):
        t, release = start_parked("waiter")
        p = Profiler(sampler="hook", all_threads=True,
                     async_mode="disabled")
        p.start()
        spin_until_sampled(3)
        s = p.stop()
        release.release()
        t.join()
        self.assertEqual([frame_parts(r)[0] for r in roots(s)],
                         ["MainThread", "waiter"])


class Command(TempDirTest):
    SCRIPT = """
        import threading
        from pyinstrument.stack_sampler import get_stack_sampler

        def spin(stop):
            while not stop.is_set():
                pass

        def main():
            stop = threading.Event()
            workers = [threading.Thread(target=spin, args=(stop,),
                                        name="busy-%d" % i) for i in range(4)]
            for w in workers:
                w.start()
            # until this thread has taken 30 samples (each reads them all)
            sampler = get_stack_sampler()
            seen, last = 0, sampler.last_profile_time
            while seen < 30:
                if sampler.last_profile_time != last:
                    seen, last = seen + 1, sampler.last_profile_time
            stop.set()
            for w in workers:
                w.join()

        main()
    """

    def record(self):
        self.write("busy4.py", self.SCRIPT)
        out = os.path.join(self.dir, "run.pyisession")
        r = self.run_cli("--all-threads", "-o", out, "busy4.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        return out

    def test_all_threads_in_the_report(self):
        self.write("busy4.py", self.SCRIPT)
        r = self.run_cli("--all-threads", "--no-color", "busy4.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Threads: 5", r.stdout)
        for i in range(4):
            self.assertIn("busy-%d  <thread>:" % i, r.stdout)
        # the main thread's branch starts at the program, as a report of
        # one thread does
        self.assertRegex(r.stdout, r"MainThread  <thread>:\d+\n.*<module>  "
                                   r"busy4.py:1")

    def test_the_session_in_the_format_and_in_the_tools(self):
        path = self.record()
        data = self.load_json(path)
        for stack, _ in data["frame_records"]:
            name, file, ident, _ = frame_parts(stack[0])
            self.assertEqual(file, "<thread>")
            self.assertIsInstance(ident, int)
        r = subprocess.run([PYI_RENDER, "-r", "json", path],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        tree = json.loads(r.stdout)["root_frame"]
        self.assertEqual(tree["function"], "[root]")
        self.assertEqual(sorted(c["function"] for c in tree["children"]),
                         ["MainThread"] + ["busy-%d" % i for i in range(4)])
        # combined with itself: still one branch per thread
        both = os.path.join(self.dir, "both.pyisession")
        r = subprocess.run([os.path.join(TOOLS, "pyi-combine"), path, path,
                            "-o", both], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = subprocess.run([PYI_RENDER, "--no-color", both],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.count("busy-0  <thread>"), 1)
        self.assertIn("Threads: 5", r.stdout)
        # compared with another run: the threads match by name
        other = os.path.join(self.dir, "other.pyisession")
        os.rename(path, other)
        path = self.record()
        # (every path shown: the unchanged threads too)
        r = subprocess.run([os.path.join(TOOLS, "pyi-diff"), "--no-color",
                            "--threshold", "0", other, path],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        for name in ["MainThread"] + ["busy-%d" % i for i in range(4)]:
            line = [l for l in r.stdout.splitlines()
                    if name + "  <thread>:" in l]
            self.assertEqual(len(line), 1, r.stdout)
            self.assertNotIn("[added]", line[0])
            self.assertNotIn("[removed]", line[0])

    def test_one_thread_by_default(self):
        self.write("busy4.py", self.SCRIPT)
        out = os.path.join(self.dir, "run.pyisession")
        r = self.run_cli("-o", out, "busy4.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        names = {frame_parts(s[0])[0]
                 for s, _ in self.load_json(out)["frame_records"]}
        self.assertEqual(names, {"MainThread"})


if __name__ == "__main__":
    unittest.main()


class WithoutThreading(unittest.TestCase):
    """The package and a profiler in the main thread import no threading (a
    bare interpreter's start pays milliseconds for it), and the root frame
    still names the thread as threading would."""

    def test_main_thread_named_without_importing_threading(self):
        import pyinstrument
        top = os.path.dirname(os.path.dirname(os.path.abspath(
            pyinstrument.__file__)))
        code = """if True:
            import sys
            assert "threading" not in sys.modules, "threading came with -S"
            from pyinstrument import Profiler
            for attempt in range(50):  # until a sample was taken
                p = Profiler(interval=0.0001)
                p.start()
                sum(i * i for i in range(300000))
                p.stop()
                if p.last_session.frame_records:
                    break
            print("THREADING", "threading" in sys.modules)
            print("ROOT", p.last_session.frame_records[0][0][0].split(chr(0))[:2])
            """
        # -S: no site, so no .pth file imports threading first
        r = subprocess.run([PYTHON, "-S", "-c", code], capture_output=True,
                           text=True, timeout=120,
                           env=dict(os.environ, PYTHONPATH=top))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("THREADING False", r.stdout)
        self.assertIn("ROOT ['MainThread', '<thread>']", r.stdout)
