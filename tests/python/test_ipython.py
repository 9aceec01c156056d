"""The %pyinstrument / %%pyinstrument magic in a real IPython shell: text
in a terminal, HTML for a notebook (what the display publisher receives),
the magic's options, and a cell that raises."""
import contextlib
import html
import io
import os
import re
import sys
import tempfile
import unittest

from frameworks import html_functions, need

# The slow functions sleep (0.03 s at a time) until a sample has been taken,
# which names the sleep: the reports hold them however busy the machine is.
SETUP_CELL = """\
import sys
import threading
import time
import io
import json
from pyinstrument.stack_sampler import get_stack_sampler

def slow_cell_function():
    t = get_stack_sampler().last_profile_time
    while (t == get_stack_sampler().last_profile_time and
           get_stack_sampler().current_sampling_interval is not None):
        time.sleep(0.03)

def slow_hook(d):
    t = get_stack_sampler().last_profile_time
    while (t == get_stack_sampler().last_profile_time and
           get_stack_sampler().current_sampling_interval is not None):
        time.sleep(0.03)
    return d
"""


class IPythonMagic(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        need("IPython", "python3-ipython")
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        cls.saved_hooks = sys.displayhook, sys.excepthook
        config = Config()
        config.HistoryManager.enabled = False
        cls.shell = InteractiveShell.instance(config=config)
        cls.shell.run_line_magic("load_ext", "pyinstrument")
        cls.shell.run_cell(SETUP_CELL)

    @classmethod
    def tearDownClass(cls):
        from IPython.core.interactiveshell import InteractiveShell

        InteractiveShell.clear_instance()
        sys.displayhook, sys.excepthook = cls.saved_hooks

    def run_cell(self, code):
        """Output (stdout and stderr) of one cell."""
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            self.shell.run_cell(code)
        return out.getvalue()

    def test_cell_magic_prints_a_text_report_rooted_at_the_cell(self):
        out = self.run_cell("%%pyinstrument\nslow_cell_function()\n")
        self.assertIn("slow_cell_function", out)
        self.assertIn("sleep", out)
        # the cell is the root: none of IPython's machinery shows
        first = [l for l in out.splitlines() if re.match(r"\s*\d+\.\d+ ", l)]
        self.assertRegex(first[0], r"<module>\s+<ipython-input-")
        self.assertNotIn("run_cell", out)
        self.assertNotIn("run_code", out)

    def test_line_magic_profiles_the_rest_of_the_line_as_typed(self):
        out = self.run_cell(
            '%pyinstrument slow_cell_function(); print("two  spaces")')
        self.assertIn("two  spaces", out)
        self.assertIn("slow_cell_function", out)

    def test_the_value_of_the_last_expression_is_still_shown(self):
        out = self.run_cell("%%pyinstrument\nslow_cell_function()\n20 + 22\n")
        self.assertRegex(out, r"Out\[\d+\]: 42")
        self.assertIn("slow_cell_function", out)

    def test_names_the_cell_defines_stay_defined(self):
        self.run_cell("%%pyinstrument\nmade_in_cell = 7\nslow_cell_function()\n")
        self.assertEqual(self.shell.user_ns["made_in_cell"], 7)
        self.assertNotIn("_cell_start", " ".join(self.shell.user_ns))

    def test_timeline_keeps_repeated_calls_apart(self):
        cell = ("slow_cell_function()\nthreading.Event().wait(0.03)\n"
                "slow_cell_function()\n")
        merged = self.run_cell("%%pyinstrument\n" + cell)
        timeline = self.run_cell("%%pyinstrument --timeline\n" + cell)
        self.assertEqual(merged.count("slow_cell_function"), 1, merged)
        self.assertEqual(timeline.count("slow_cell_function"), 2, timeline)

    def test_render_options_reach_the_text_report(self):
        flat = self.run_cell("%pyinstrument -p flat slow_cell_function()")
        self.assertIn("sleep", flat)
        self.assertNotIn("slow_cell_function", flat)  # no self time
        unicode = self.run_cell(
            "%pyinstrument -p unicode=true slow_cell_function()")
        self.assertIn("\u2514\u2500", unicode)

    def test_interval_and_async_mode_are_checked(self):
        out = self.run_cell(
            "%pyinstrument --interval=0.0005 --async_mode=enabled "
            "slow_cell_function()")
        self.assertIn("slow_cell_function", out)
        bad = self.run_cell("%pyinstrument --async_mode=sometimes 1")
        self.assertIn("invalid choice", bad)
        self.assertNotIn("Samples", bad)
        out = self.run_cell(
            "%pyinstrument --sampler=timer slow_cell_function()")
        self.assertIn("slow_cell_function", out)
        bad = self.run_cell("%pyinstrument --sampler=sometimes 1")
        self.assertIn("invalid choice", bad)
        bad = self.run_cell("%pyinstrument --interval=often 1")
        self.assertIn("invalid float value", bad)
        self.assertNotIn("Samples", bad)

    def test_show_all_keeps_the_import_machinery(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "slow_import_module.py"), "w") as f:
                f.write("from pyinstrument.stack_sampler import "
                        "get_stack_sampler as s\nimport time\nt = "
                        "s().last_profile_time\nwhile t == "
                        "s().last_profile_time: time.sleep(0.03)\n")
            self.shell.user_ns["module_dir"] = d
            cell = ("sys.path.insert(0, module_dir)\n"
                    "sys.modules.pop('slow_import_module', None)\n"
                    "import slow_import_module\n"
                    "sys.path.remove(module_dir)\n")
            hidden = self.run_cell("%%pyinstrument\n" + cell)
            shown = self.run_cell("%%pyinstrument --show-all\n" + cell)
        for out in hidden, shown:
            self.assertIn("slow_import_module.py", out)
        self.assertNotIn("_find_and_load", hidden)
        self.assertIn("_find_and_load", shown)

    def test_show_and_show_regex_keep_hidden_frames_in_view(self):
        # json.load -> loads -> decode -> raw_decode -> hook: the two in
        # the middle collapse once json's frames count as hidden
        cell = ('\njson.load(io.StringIO("{}"), object_hook=slow_hook)\n')
        hide = "%%pyinstrument -p 'processor_options.hide_regex=.*json.*' "
        hidden = self.run_cell(hide + cell)
        self.assertIn("2 frames hidden", hidden)
        self.assertNotIn("JSONDecoder.decode", hidden)
        for show in ("--show '*decoder.py'", '--show-regex ".*decoder"'):
            shown = self.run_cell(hide + show + cell)
            self.assertNotIn("frames hidden", shown)
            self.assertIn("JSONDecoder.decode", shown)

    def test_a_cell_that_raises_is_reported_and_the_magic_recovers(self):
        out = self.run_cell(
            "%%pyinstrument\nslow_cell_function()\nraise ValueError('boom')\n")
        self.assertIn("ValueError", out)
        self.assertIn("slow_cell_function", out)
        again = self.run_cell("%pyinstrument slow_cell_function()")
        self.assertIn("slow_cell_function", again)
        self.assertNotIn("already", again)

    def test_a_notebook_receives_the_html_report(self):
        from IPython.core.displaypub import DisplayPublisher

        published = []

        class Recorder(DisplayPublisher):
            def publish(self, data, metadata=None, **kwargs):
                published.append(data)

        saved = self.shell.display_pub
        self.shell.display_pub = Recorder(shell=self.shell)
        try:
            self.run_cell("%%pyinstrument --height 300\nslow_cell_function()\n")
        finally:
            self.shell.display_pub = saved
        self.assertEqual(len(published), 1)
        bundle = published[0]
        self.assertIn("slow_cell_function", bundle["text/plain"])
        frame = bundle["text/html"]
        m = re.fullmatch(r'<iframe srcdoc="([^"]*)" width="100%" '
                         r'height="300" [^>]*></iframe>'
                         r'<details><summary>Text report</summary>'
                         r'<pre>([^<]*)</pre></details>', frame, re.S)
        self.assertTrue(m, frame[:300])
        page = html.unescape(m.group(1))
        self.assertIn("slow_cell_function", html_functions(page))
        # the names can be found by searching the notebook's own text
        self.assertIn("slow_cell_function", html.unescape(m.group(2)))
        self.assertNotIn("\x1b", m.group(2))

    def test_line_magic_does_not_expand_braces(self):
        self.shell.run_cell("x = 5")
        self.run_cell('%pyinstrument s = "{x}" + str(len("{x}"))')
        self.assertEqual(self.shell.user_ns["s"], "{x}3")

    def test_ctrl_c_stops_the_cell_and_is_not_swallowed(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            result = self.shell.run_cell(
                "%%pyinstrument\nslow_cell_function()\nraise KeyboardInterrupt\n"
                "ran_on = True\n")
        self.assertIsInstance(result.error_in_exec, KeyboardInterrupt)
        self.assertNotIn("ran_on", self.shell.user_ns)
        self.assertIn("slow_cell_function", out.getvalue())  # still reported


if __name__ == "__main__":
    unittest.main()
