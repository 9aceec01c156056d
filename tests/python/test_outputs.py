"""The rest of the API's outputs (HTML, browser, every renderer class), the
timing thread, and the command's -t, --html and -h."""
import base64
import json
import marshal
import os
import subprocess
import sys
import textwrap
import time
import unittest
import zlib

from pyinstrument import Profiler, Session
from pyinstrument.renderers import (ConsoleRenderer, HTMLRenderer,
                                    JSONRenderer, PstatsRenderer,
                                    SessionRenderer, SpeedscopeRenderer)

from helpers import (BUSY, PYTHON, TempDirTest, functions, sleep_until_sampled,
                     spin_until_sampled)


def html_data(page):
    """The session data an HTML page carries (zlib, base64), as text."""
    start = page.index('<script id="pyi-data"')
    start = page.index(">", start) + 1
    raw = base64.b64decode(page[start:page.index("</script>", start)])
    return zlib.decompress(raw).decode("utf-8")


def busy():
    spin_until_sampled(4)


def spin_then_sleep():
    """Runs until it has been sampled spinning, then sleeping."""
    busy()
    sleep_until_sampled(0.02)


class Html(TempDirTest):
    @classmethod
    def setUpClass(cls):
        cls.p = Profiler()
        cls.p.start()
        spin_then_sleep()
        cls.p.stop()

    def test_output_html_is_a_page_with_the_profile(self):
        page = self.p.output_html()
        self.assertTrue(page.lstrip().lower().startswith("<!doctype html"))
        self.assertTrue(page.rstrip().endswith("</html>"))
        self.assertIn("spin_then_sleep", html_data(page))
        resampled = self.p.output_html(resample_interval=0.01)
        self.assertIn("spin_then_sleep", html_data(resampled))

    def test_write_html_writes_utf8(self):
        path = os.path.join(self.dir, "r\u00e9port.html")
        self.assertIsNone(self.p.write_html(path))
        with open(path, encoding="utf-8") as f:
            self.assertEqual(f.read(), self.p.output_html())
        with self.assertWarns(DeprecationWarning):
            self.p.write_html(path, timeline=True)

    def test_open_in_browser_writes_a_file_and_starts_the_browser(self):
        # the browser is a script that notes the address it was given
        seen = os.path.join(self.dir, "seen")
        browser = self.write("browser.sh",
                             "#!/bin/sh\necho \"$1\" >%s\n" % seen)
        os.chmod(browser, 0o755)
        prog = textwrap.dedent("""\
            import time
            from pyinstrument import Profiler
            from pyinstrument.stack_sampler import get_stack_sampler
            p = Profiler()
            p.start()
            t = get_stack_sampler().last_profile_time
            while t == get_stack_sampler().last_profile_time:
                time.sleep(0.01)
            p.stop()
            print(p.open_in_browser())
            """)
        env = dict(os.environ, BROWSER=browser)
        r = subprocess.run([PYTHON, "-c", prog], env=env, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        name = r.stdout.strip()
        self.assertTrue(name.endswith(".html"), name)
        try:
            with open(name, encoding="utf-8") as f:
                self.assertIn("sleep", html_data(f.read()))
            for _ in range(100):  # the browser runs in the background
                if os.path.exists(seen) and os.path.getsize(seen):
                    break
                time.sleep(0.05)
            with open(seen) as f:
                self.assertEqual(f.read().strip(), "file://" + name)
        finally:
            os.unlink(name)


class RendererClasses(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        p = Profiler()
        p.start()
        spin_then_sleep()
        cls.session = p.stop()

    def test_console_renderer_options(self):
        flat = ConsoleRenderer(flat=True, flat_time="total", show_all=True,
                               time="percent_of_total").render(self.session)
        self.assertRegex(flat, r"\d+\.\d% spin_then_sleep")
        timeline = ConsoleRenderer(timeline=True).render(self.session)
        self.assertIn("spin_then_sleep", timeline)

    def test_html_renderer(self):
        r = HTMLRenderer(show_all=True, timeline=False, resample_interval=0.01)
        self.assertEqual(r.output_file_extension, "html")
        self.assertFalse(r.output_is_binary)
        self.assertIn("spin_then_sleep", html_data(r.render(self.session)))
        with self.assertRaises(TypeError):
            HTMLRenderer(flat=True)

    def test_json_renderer(self):
        data = json.loads(JSONRenderer(show_all=True).render(self.session))
        self.assertEqual(data["sample_count"], self.session.sample_count)
        self.assertIn("children", data["root_frame"])

    def test_speedscope_renderer(self):
        r = SpeedscopeRenderer()
        data = json.loads(r.render(self.session))
        self.assertEqual(data["$schema"],
                         "https://www.speedscope.app/file-format-schema.json")
        names = [f["name"] for f in data["shared"]["frames"]]
        self.assertIn("spin_then_sleep", names)
        self.assertEqual(r.output_file_extension, "speedscope.json")

    def test_pstats_renderer_output_loads_in_pstats(self):
        import pstats
        r = PstatsRenderer()
        self.assertTrue(r.output_is_binary)
        # a str holding the bytes, as pyinstrument's renderer returns it
        text = r.render(self.session)
        self.assertIsInstance(text, str)
        data = text.encode("utf-8", "surrogateescape")
        stats = marshal.loads(data)
        funcs = {key[2] for key in stats}
        self.assertIn("spin_then_sleep", funcs)
        path = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                            "pyi-test-%d.pstats" % os.getpid())
        with open(path, "wb") as f:
            f.write(data)
        try:
            st = pstats.Stats(path)
            self.assertGreater(st.total_tt, 0)
        finally:
            os.unlink(path)

    def test_session_renderer_round_trips(self):
        text = SessionRenderer(tree_format=False).render(self.session)
        again = Session.from_json(json.loads(text))
        self.assertEqual(again.frame_records, self.session.frame_records)


LAZY_LIBRARIES = """\
import sys
from pyinstrument import Profiler
from pyinstrument.renderers import ConsoleRenderer, MarkdownRenderer
from helpers import spin_until_sampled

def loaded():
    with open("/proc/self/maps") as f:
        maps = f.read()
    return [lib for lib in ("libcmark", "libpcre2-8") if lib in maps]

p = Profiler()
p.start()
spin_until_sampled(2)
p.stop()
steps = [loaded()]
p.output(ConsoleRenderer())
steps.append(loaded())
p.output(ConsoleRenderer(processor_options={"hide_regex": ".*json.*"}))
steps.append(loaded())
p.output(MarkdownRenderer())
steps.append(loaded())
print(steps)
"""


class LazyLibraries(TempDirTest):
    def test_cmark_and_pcre2_load_only_when_used(self):
        # a profile and its text report need neither; a regular expression
        # loads PCRE2, the Markdown renderer libcmark
        self.write("lazy.py", LAZY_LIBRARIES)
        r = subprocess.run(
            [PYTHON, "lazy.py"], cwd=self.dir, capture_output=True, text=True,
            env=dict(os.environ, PYTHONPATH=os.pathsep.join(
                [os.path.dirname(os.path.abspath(__file__))]
                + os.environ.get("PYTHONPATH", "").split(os.pathsep))))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), str(
            [[], [], ["libpcre2-8"], ["libcmark", "libpcre2-8"]]))


class TimingThread(unittest.TestCase):
    def test_timing_thread_samples_like_the_clock(self):
        # pyinstrument's hook, reading the timing thread's clock: samples
        # come as that clock moves on, in a busy loop and at the return of
        # a sleep
        p = Profiler(use_timing_thread=True, sampler="hook")
        p.start()
        spin_then_sleep()
        s = p.stop()
        stacks = [functions(st) for st, _ in s.frame_records]
        self.assertGreaterEqual(sum("busy" in st for st in stacks), 4)
        self.assertIn("sleep", [st[-1] for st in stacks])
        self.assertTrue(all(t > 0 for _, t in s.frame_records))

    def test_conflicting_preferences_are_refused(self):
        a = Profiler(async_mode="disabled", use_timing_thread=True)
        b = Profiler(async_mode="disabled", use_timing_thread=False)
        a.start()
        try:
            with self.assertRaises(ValueError):
                b.start()
            self.assertFalse(b.is_running)
        finally:
            a.stop()


class OutputTextArguments(unittest.TestCase):
    def test_positional_arguments_in_pyinstrument_order(self):
        p = Profiler()
        p.start()
        spin_then_sleep()
        p.stop()
        self.assertEqual(p.output_text(True, False), p.output_text(unicode=True))
        with self.assertRaises(TypeError):
            p.output_text(True, unicode=True)


class CommandOutputs(TempDirTest):
    def setUp(self):
        super().setUp()
        self.write("busy.py", BUSY)

    def test_timeline_keeps_samples_in_order(self):
        r = self.run_cli("--no-color", "--no-unicode", "-t", "busy.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        busy_line = next(i for i, l in enumerate(lines) if "busy  busy.py:3" in l)
        sleep_line = next(i for i, l in enumerate(lines) if "sleep  <built-in>" in l)
        self.assertLess(busy_line, sleep_line)

    def test_html_flag_and_renderer(self):
        for args in (["--html", "-o", "a.out"], ["-r", "html", "-o", "b.out"],
                     ["-o", "c.HTML"]):
            r = self.run_cli(*args, "busy.py")
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(self.dir, args[-1]), encoding="utf-8") as f:
                page = f.read()
            self.assertTrue(page.rstrip().endswith("</html>"))
            self.assertIn("Worker", html_data(page))

    def test_help(self):
        for flag in ("-h", "--help", "--he"):
            r = self.run_cli(flag)
            self.assertEqual(r.returncode, 0)
            self.assertEqual(r.stderr, "")
            self.assertTrue(r.stdout.startswith("Usage: pyinstrument [options]"))
            for opt in ("--load-prev", "--from-path", "--use-timing-thread",
                        "--show-all", "--target-description", "-i INTERVAL"):
                self.assertIn(opt, r.stdout)

    def test_speedscope_and_json_by_name(self):
        r = self.run_cli("-o", "x.speedscope.json", "busy.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        data = self.load_json(os.path.join(self.dir, "x.speedscope.json"))
        self.assertIn("profiles", data)
        r = self.run_cli("-r", "pstats", "-o", "x.out", "busy.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.dir, "x.out"), "rb") as f:
            funcs = {key[2] for key in marshal.load(f)}
        self.assertIn("busy", funcs)

    def test_invalid_regex_is_a_usage_error_before_the_program_runs(self):
        # checked with the renderer's options, as pyinstrument checks them
        # when it makes the renderer: even a program with no samples gets it
        for program in (["busy.py"], ["-c", "print('ran')"]):
            r = self.run_cli("--hide-regex", "(", *program)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("invalid regular expression '('", r.stderr)
            self.assertNotIn("Traceback", r.stderr)
            self.assertNotIn("ran", r.stdout)


if __name__ == "__main__":
    unittest.main()
