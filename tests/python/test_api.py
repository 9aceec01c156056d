"""The Python API: Profiler, profile, Session and the renderer classes."""
import contextlib
import io
import json
import os
import threading
import time
import unittest

import pyinstrument
from pyinstrument import Profiler, Session, profile
from pyinstrument.renderers import (ConsoleRenderer, JSONRenderer,
                                    SessionRenderer)

from helpers import (SESSION_KEYS, TempDirTest, all_frames, fake_clock,
                     frame_parts, functions, spin_until_sampled, time_in)


def busy(samples=10):
    """Runs until 'samples' samples were taken (not for a time that a busy
    machine may not give the profiler)."""
    spin_until_sampled(samples)


def record(func, **options):
    p = Profiler(**options)
    p.start()
    func()
    return p.stop()


class ProfilerLifecycle(unittest.TestCase):
    def test_start_stop_and_state(self):
        p = Profiler()
        self.assertFalse(p.is_running)
        self.assertIsNone(p.last_session)
        self.assertEqual((p.interval, p.async_mode), (0.001, "enabled"))
        p.start()
        self.assertTrue(p.is_running)
        with self.assertRaisesRegex(ValueError, "already running"):
            p.start()
        busy()
        s = p.stop()
        self.assertFalse(p.is_running)
        self.assertIs(p.last_session, s)
        self.assertGreater(s.sample_count, 0)
        with self.assertRaisesRegex(RuntimeError, "not currently running"):
            p.stop()
        p.reset()
        self.assertIsNone(p.last_session)

    def test_output_before_and_during_a_run(self):
        p = Profiler()
        with self.assertRaisesRegex(Exception, "not completed a profile"):
            p.output_text()
        p.start()
        with self.assertRaisesRegex(Exception, "still running"):
            p.output_text()
        p.stop()

    def test_context_manager(self):
        with Profiler(interval=0.0005) as p:
            busy()
        self.assertFalse(p.is_running)
        s = p.last_session
        self.assertEqual(s.min_interval, 0.0005)
        self.assertIn("busy", {frame_parts(f)[0] for f in all_frames(s)})
        self.assertTrue(s.target_description.startswith("Profile at "))

    def test_restart_combines_sessions(self):
        p = Profiler()
        p.start()
        busy()
        first = p.stop()
        start, n1, d1 = first.start_time, first.sample_count, first.duration
        p.start()
        busy()
        both = p.stop()
        self.assertEqual(both.start_time, start)
        self.assertGreater(both.sample_count, n1)
        self.assertGreater(both.duration, d1)

    def test_start_stack_and_description(self):
        p = Profiler()
        p.start()  # this line's number is in the start stack
        line = ProfilerLifecycle.test_start_stack_and_description.__code__.co_firstlineno + 2
        s = p.stop()
        here = frame_parts(s.start_call_stack[-1])
        self.assertEqual(here[0], "test_start_stack_and_description")
        self.assertEqual(here[3]["l"], str(line))
        self.assertEqual(frame_parts(s.start_call_stack[0])[1], "<thread>")
        self.assertEqual(s.target_description,
                         "Profile at %s:%d" % (__file__, line))
        q = Profiler()  # (p's next session would keep its first title)
        q.start(target_description="custom")
        self.assertEqual(q.stop().target_description, "custom")

    def test_stop_on_another_thread_is_refused(self):
        p = Profiler()
        p.start()
        errors = []

        def stop():
            try:
                p.stop()
            except RuntimeError as e:
                errors.append(str(e))

        t = threading.Thread(target=stop)
        t.start()
        t.join()
        p.stop()
        self.assertEqual(len(errors), 1)
        self.assertIn("same thread", errors[0])

    def test_only_the_starting_thread_is_sampled(self):
        stop = threading.Event()

        def spin():
            while not stop.is_set():
                pass

        t = threading.Thread(target=spin, name="Spinner")
        p = Profiler()
        p.start()
        t.start()
        busy(3)  # while the other thread spins
        stop.set()
        t.join()
        s = p.stop()
        roots = {functions(st)[0] for st, _ in s.frame_records}
        self.assertEqual(roots, {threading.current_thread().name})
        self.assertNotIn("spin", {frame_parts(f)[0] for f in all_frames(s)})

    def test_a_profiler_in_a_worker_thread(self):
        result = {}

        def worker():
            p = Profiler()
            p.start()
            busy()
            result["s"] = p.stop()

        t = threading.Thread(target=worker, name="Worker-X")
        t.start()
        busy()
        t.join()
        stacks = [st for st, _ in result["s"].frame_records]
        self.assertTrue(stacks)
        self.assertEqual({frame_parts(st[0])[:2] for st in stacks},
                         {("Worker-X", "<thread>")})
        self.assertEqual(int(frame_parts(stacks[0][0])[2]), t.ident)

    def test_two_profilers_in_one_thread(self):
        outer = Profiler(async_mode="disabled")
        inner = Profiler(async_mode="disabled", interval=0.01)
        outer.start()
        inner.start()
        busy()
        a, b = inner.stop(), outer.stop()
        self.assertGreater(a.sample_count, 0)
        self.assertGreater(b.sample_count, 0)
        first = Profiler()
        first.start()
        with self.assertRaisesRegex(RuntimeError, "already a profiler running"):
            Profiler().start()
        first.stop()


class Output(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.p = Profiler()
        cls.p.start()
        busy()
        time.sleep(0.02)
        cls.p.stop()

    def test_output_text(self):
        text = self.p.output_text()
        self.assertIn("busy  test_api.py:", text)
        self.assertNotIn("\x1b[", text)
        self.assertNotIn("\u2500", text)  # ASCII by default
        self.assertIn("\u2500", self.p.output_text(unicode=True))
        self.assertIn("\x1b[", self.p.output_text(color=True))
        self.assertIn("%", self.p.output_text(time="percent_of_total"))
        short = self.p.output_text(short_mode=True).splitlines()
        self.assertEqual(short[-2], "." * 53)
        self.assertTrue(all(line.startswith(".") for line in short[2:-1]))

    def test_print_adds_a_newline(self):
        out = io.StringIO()
        self.p.print(file=out)
        self.assertEqual(out.getvalue(), self.p.output_text() + "\n")
        out = io.StringIO()
        self.p.print(out, unicode=True, flat=True)
        self.assertEqual(out.getvalue(),
                         self.p.output_text(unicode=True, flat=True) + "\n")

    def test_output_with_a_renderer(self):
        data = json.loads(self.p.output(JSONRenderer()))
        self.assertIn("root_frame", data)
        raw = json.loads(self.p.output(SessionRenderer()))
        self.assertEqual(list(raw), [k for k, _ in SESSION_KEYS])

    def test_renderer_options_are_checked(self):
        with self.assertRaisesRegex(TypeError, "unexpected keyword argument 'bogus'"):
            ConsoleRenderer(bogus=1)
        with self.assertRaisesRegex(ValueError, "timeline and flat"):
            ConsoleRenderer(flat=True, timeline=True)
        with self.assertRaises(TypeError):
            SessionRenderer(timeline=True)
        r = ConsoleRenderer(unicode=True, processor_options={"filter_threshold": 0})
        self.assertEqual(r.output_file_extension, "txt")
        self.assertFalse(r.output_is_binary)
        self.assertIn("\u2500", r.render(self.p.last_session))


class Profile(unittest.TestCase):
    def run_quietly(self, func):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            value = func()
        return value, err.getvalue()

    def test_with_block(self):
        def block():
            with profile(interval=0.0001):
                busy()
        _, out = self.run_quietly(block)
        self.assertIn("\n" + "." * 53 + "\n", out)
        self.assertIn("Block at %s:" % __file__, out)
        self.assertIn(".  ", out)
        self.assertRegex(out, r"busy  test_api.py:\d+")

    def test_decorator_forms(self):
        @profile
        def plain(x, y=1):
            busy()
            return x + y

        @profile(renderer=JSONRenderer())
        def configured():
            busy()
            return "ok"

        value, out = self.run_quietly(lambda: plain(1, y=2))
        self.assertEqual(value, 3)
        self.assertIn("Function Profile.test_decorator_forms.<locals>.plain at",
                      out)
        self.assertEqual(plain.__name__, "plain")
        value, out = self.run_quietly(configured)
        self.assertEqual(value, "ok")
        self.assertIn("root_frame", json.loads(out))

    def test_decorated_method_and_exception(self):
        class Thing:
            @profile
            def method(self, v):
                busy()
                raise KeyError(v)

        with self.assertRaises(KeyError):
            self.run_quietly(lambda: Thing().method("k"))


class Sessions(TempDirTest):
    def test_fields(self):
        s = record(lambda: busy())
        for key, kind in SESSION_KEYS:
            self.assertIsInstance(getattr(s, key), kind, key)
        self.assertEqual(s.sample_count, len(s.frame_records))
        self.assertEqual(len(s.sys_prefixes), 4)
        self.assertEqual(s.sys_prefixes, Session.current_sys_prefixes())
        self.assertGreater(s.cpu_time, 0)
        self.assertAlmostEqual(s.start_time, time.time(), delta=60)

    def test_save_load_roundtrip(self):
        s = record(lambda: busy())
        path = os.path.join(self.dir, "x.pyisession")
        s.save(path)
        t = Session.load(path)
        self.assertEqual(t.frame_records, s.frame_records)
        self.assertEqual(t.start_call_stack, s.start_call_stack)
        self.assertEqual(t.target_description, s.target_description)
        self.assertEqual(t.sys_path, s.sys_path)
        self.assertEqual(t.to_json(), s.to_json())
        with self.assertRaises(OSError):
            Session.load(os.path.join(self.dir, "missing"))

    def test_json_and_combine(self):
        a = record(lambda: busy())
        b = record(lambda: busy())
        d = a.to_json()
        self.assertEqual(list(d), [k for k, _ in SESSION_KEYS])
        self.assertNotIn("frame_records", a.to_json(include_frame_records=False))
        self.assertEqual(Session.from_json(d).frame_records, a.frame_records)
        c = Session.combine(b, a)
        self.assertEqual(c.start_time, a.start_time)
        self.assertEqual(c.sample_count, a.sample_count + b.sample_count)
        self.assertEqual(c.frame_records, a.frame_records + b.frame_records)
        r = c.resample(1.0)
        self.assertLessEqual(r.sample_count, 1)


# ---- frame infos as capture.md §4 defines them -------------------------

class Outer:
    def meth(self):
        busy()

    class Inner:
        def meth(self):
            busy()

    @classmethod
    def cm(cls):
        busy()

    @staticmethod
    def sm():
        busy()


def plain_cls(cls):
    busy()


def local_self():
    self = 3
    busy()
    return self


class Captures:
    def method(self):
        def inner():  # makes 'self' a cell variable
            return self
        busy()
        return inner


def hidden():
    __tracebackhide__ = False  # the value is never read
    busy()


class Renamed:
    def m(self):
        busy()


Renamed.__name__ = "NewName"


class FrameInfos(unittest.TestCase):
    """The frame infos of capture.md §4, from pyinstrument's hook and from
    the timer sampler (FrameInfosTimer), which must write the same."""
    sampler = "hook"
    # what the recording must have seen, C functions included
    EXPECTED = {"meth", "cm", "sm", "plain_cls", "local_self", "method",
                "hidden", "m", "<lambda>", "<genexpr>", "sleep", "str.join",
                "Pattern.match"}

    @classmethod
    def setUpClass(cls):
        import re

        def work():
            Outer().meth()
            Outer.Inner().meth()
            Outer.cm()
            Outer.sm()
            plain_cls(int)
            plain_cls(5)
            local_self()
            Captures().method()
            hidden()
            Renamed().m()
            (lambda: busy())()
            sum(i for i in range(100000))
            ",".join(["x" * 10] * 300000)
            pattern = re.compile("(a+)+b")
            pattern.match("a" * 18 + "c")  # backtracks for a while
            time.sleep(0.01)

        # A function is seen when a sample falls in it. The timer's samples
        # need the timing thread to run meanwhile, which a busy machine may
        # not allow for the shorter ones: record again (at most ten times)
        # until every function was seen, keeping what each run saw.
        cls.infos, cls.slept = {}, 0
        for _ in range(10):
            cls.s = record(work, sampler=cls.sampler)
            for f in all_frames(cls.s):
                func, file, line, attrs = frame_parts(f)
                cls.infos.setdefault(func, set()).add(
                    (file, line, attrs.get("c"), "h" in attrs))
            cls.slept = max(cls.slept, time_in(cls.s.frame_records, "sleep"))
            if cls.EXPECTED <= set(cls.infos) and cls.slept >= 0.009:
                break

    def classes(self, func):
        return {c for _, _, c, _ in self.infos[func]}

    def test_classes(self):
        self.assertEqual(self.classes("meth"), {"Outer", "Inner"})
        self.assertEqual(self.classes("cm"), {"Outer"})
        self.assertEqual(self.classes("sm"), {None})
        self.assertEqual(self.classes("plain_cls"), {"int", None})
        self.assertEqual(self.classes("local_self"), {"int"})
        self.assertEqual(self.classes("method"), {"Captures"})
        self.assertEqual(self.classes("m"), {"NewName"})

    def test_names_lines_and_hide(self):
        file, line, _, hide = next(iter(self.infos["hidden"]))
        self.assertEqual((file, line, hide),
                         (__file__, hidden.__code__.co_firstlineno, True))
        self.assertEqual({h for *_, h in self.infos["busy"]}, {False})
        self.assertIn("<lambda>", self.infos)
        self.assertIn("<genexpr>", self.infos)

    def test_c_functions(self):
        for name in ("sleep", "str.join", "Pattern.match"):
            self.assertEqual(self.infos[name], {("<built-in>", 0, None, False)},
                             name)
        self.assertGreaterEqual(self.slept, 0.009)

    def test_tracebackhide_frames_are_removed_from_reports(self):
        out = ConsoleRenderer().render(self.s)
        # the function named "hidden", not a "[N frames hidden]" group line
        self.assertNotRegex(out, r"\bhidden  test_api\.py")
        self.assertIn("local_self", out)


class FrameInfosTimer(FrameInfos):
    sampler = "timer"


class Package(unittest.TestCase):
    def test_public_names(self):
        for name in ("Profiler", "Session", "profile", "renderers", "__version__"):
            self.assertTrue(hasattr(pyinstrument, name), name)
        self.assertEqual(pyinstrument.__version__, "5.1.2")
