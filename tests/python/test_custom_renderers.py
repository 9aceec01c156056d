"""Renderers customised the documented way: editing a renderer's
processors list, Python processors, Renderer and FrameRenderer subclasses,
through Profiler.output(), the pyinstrument command's -r and -p."""
import json
import os
import sys
import unittest

from helpers import TempDirTest
from test_frames import COMPUTE, LOADS, MAIN, THREAD, DECODE, example

from pyinstrument import Profiler, processors
from pyinstrument.renderers import (
    ConsoleRenderer,
    FrameRenderer,
    HTMLRenderer,
    JSONRenderer,
    PstatsRenderer,
    Renderer,
)
from pyinstrument.renderers.base import ProcessorList


def tree_lines(text):
    """The call-tree lines of a text report (the banner left out)."""
    lines = text.splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("0.")) 
    return [l for l in lines[start:] if l.strip()]


class ProcessorLists(unittest.TestCase):
    def test_default_list_is_editable_and_pyinstrument_s(self):
        r = ConsoleRenderer()
        self.assertEqual(r.processors, r.default_processors())
        self.assertIs(r.processors[3], processors.aggregate_repeated_calls)
        self.assertEqual(ConsoleRenderer(show_all=True).processors, [
            processors.merge_consecutive_self_time,
            processors.aggregate_repeated_calls,
            processors.remove_unnecessary_self_time_nodes,
            processors.remove_first_pyinstrument_frames_processor,
        ])
        self.assertNotIn(processors.aggregate_repeated_calls,
                         ConsoleRenderer(timeline=True).processors)
        self.assertEqual(HTMLRenderer().preprocessors, [])

    def test_removing_aggregation_gives_the_timeline(self):
        s = example()
        r = ConsoleRenderer(processor_options={"filter_threshold": 0})
        r.processors.remove(processors.aggregate_repeated_calls)
        mine = r.render(s)
        timeline = ConsoleRenderer(timeline=True,
                                   processor_options={"filter_threshold": 0}).render(s)
        aggregated = ConsoleRenderer(processor_options={"filter_threshold": 0}).render(s)
        self.assertEqual(tree_lines(mine), tree_lines(timeline))
        self.assertNotEqual(tree_lines(mine), tree_lines(aggregated))
        self.assertEqual(sum("compute" in l for l in tree_lines(mine)), 2)

    def test_an_appended_python_processor_runs_with_the_options(self):
        calls = []

        def drop_json(frame, options):
            calls.append(dict(options))
            for c in frame.children:
                if c.file_path and "json" in c.file_path:
                    c.remove_from_parent()
                    frame.absorbed_time += c.time
            return frame

        r = ConsoleRenderer(processor_options={"my_option": 13})
        r.processors.append(drop_json)
        text = r.render(example())
        self.assertEqual(calls, [{"my_option": 13}])
        self.assertNotIn("loads", text)
        self.assertIn("compute", text)
        r.processor_options["my_option"] = 14  # read again at each render
        r.render(example())
        self.assertEqual(calls[-1], {"my_option": 14})

    def test_json_of_a_custom_chain(self):
        r = JSONRenderer()
        r.processors = [processors.aggregate_repeated_calls]
        data = json.loads(r.render(example()))
        root = data["root_frame"]
        self.assertEqual([c["function"] for c in root["children"]],
                         ["compute", "loads", "[self]"])

    def test_overridden_preprocess_is_used(self):
        class Trimmed(ConsoleRenderer):
            def preprocess(self, root_frame):
                root = super().preprocess(root_frame)
                return root.children[0]

        text = Trimmed().render(example())
        self.assertTrue(tree_lines(text)[0].split()[1] == "compute")

    def test_pstats_output_is_a_str_of_bytes(self):
        import marshal
        out = PstatsRenderer().render(example())
        self.assertIsInstance(out, str)
        stats = marshal.loads(out.encode("utf-8", "surrogateescape"))
        self.assertIn("compute", {k[2] for k in stats})


class Words(FrameRenderer):
    """A renderer of one's own: one word per frame, depth first."""
    output_file_extension = "words"

    def __init__(self, show_all=False, timeline=False, processor_options=None,
                 sep=" "):
        super().__init__(show_all=show_all, timeline=timeline,
                         processor_options=processor_options)
        self.sep = sep

    def default_processors(self) -> ProcessorList:
        return [processors.aggregate_repeated_calls,
                processors.remove_unnecessary_self_time_nodes]

    def render(self, session):
        root = self.preprocess(session.root_frame())
        words, stack = [], [root] if root else []
        while stack:
            f = stack.pop()
            words.append(f.function)
            stack.extend(reversed(f.children))
        return self.sep.join(words) + "\n"


class Subclasses(TempDirTest):
    def test_renderer_subclass_calls_super_init(self):
        class Count(Renderer):
            def __init__(self):
                super().__init__()
                self.n = 0

            def render(self, session):
                self.n += 1
                return f"{len(session.frame_records)} records"

        r = Count()
        self.assertEqual(r.render(example()), "4 records")
        self.assertEqual(r.output_file_extension, "txt")
        with self.assertRaises(NotImplementedError):
            Renderer().render(example())
        with self.assertRaises(NotImplementedError):
            FrameRenderer()

    def test_frame_renderer_subclass(self):
        self.assertEqual(Words().render(example()), "main compute loads decode [self]\n")
        w = Words(timeline=True)
        self.assertEqual(w.processors, [processors.remove_unnecessary_self_time_nodes])

    def test_profiler_output_uses_the_subclass(self):
        p = Profiler(interval=0.0001)
        with p:  # calls for the hook to sample at, for several intervals
            for _ in range(2000):
                sum(range(1000))
        self.assertGreater(len(p.last_session.frame_records), 0)
        out = p.output(renderer=Words(sep=","))
        self.assertTrue(out.endswith("\n"))
        self.assertIn("test_profiler_output_uses_the_subclass", out.split(","))

    def test_command_line_class_and_option(self):
        self.write("mine.py", '''
            from pyinstrument.renderers import FrameRenderer, ConsoleRenderer
            from pyinstrument import processors

            seen = []

            def record_option(frame, options):
                seen.append(options.get("my_option"))
                return frame

            class Mine(FrameRenderer):
                def default_processors(self):
                    return [processors.aggregate_repeated_calls, record_option]

                def render(self, session):
                    self.preprocess(session.root_frame())
                    return "my_option=%r hide=%r\\n" % (
                        seen[-1], self.processor_options.get("hide_regex"))

            class Shouting(ConsoleRenderer):
                def render(self, session):
                    return super().render(session).upper()
            ''')
        prog = self.write("prog.py", "sum(range(100000))\n")
        env = {"PYTHONPATH": self.dir + os.pathsep + os.environ.get("PYTHONPATH", "")}
        r = self.run_cli("-r", "mine.Mine", "-p", "processor_options.my_option=13",
                         prog, env=env, cwd=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("my_option=13 hide=None", r.stdout)
        r = self.run_cli("-r", "mine.Shouting", "--no-color", prog, env=env, cwd=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("PROG.PY", r.stdout)
        out = os.path.join(self.dir, "out.txt")
        r = self.run_cli("-r", "mine.Shouting", "-o", out, prog, env=env, cwd=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            self.assertIn("PROG.PY", f.read())


    def test_html_preprocessors_are_refused_wherever_the_page_goes(self):
        # the page processes the tree in the browser: an HTMLRenderer given
        # preprocessors fails the same way to stdout and to a file
        self.write("mine.py", '''
            from pyinstrument.renderers import HTMLRenderer

            class Preprocessed(HTMLRenderer):
                def __init__(self, **kw):
                    super().__init__(**kw)
                    self.preprocessors.append(lambda frame, options: frame)
            ''')
        prog = self.write("prog.py", "sum(range(100000))\n")
        env = {"PYTHONPATH": self.dir + os.pathsep + os.environ.get("PYTHONPATH", "")}
        out = os.path.join(self.dir, "out.html")
        for where in [[], ["-o", out]]:
            r = self.run_cli("-r", "mine.Preprocessed", *where, prog, env=env,
                             cwd=self.dir)
            self.assertEqual(r.returncode, 1, where)
            self.assertIn("HTMLRenderer.preprocessors", r.stderr)
            self.assertEqual(r.stderr.count("\n"), 1, r.stderr)
            self.assertNotIn("<html", r.stdout.lower())
            self.assertFalse(os.path.exists(out))


class Modules(TempDirTest):
    def test_module_paths(self):
        from pyinstrument.context_manager import ProfileContext, profile
        from pyinstrument.profiler import Profiler as P
        from pyinstrument.renderers.base import FrameRenderer as FR, Renderer as R
        from pyinstrument.renderers.console import ConsoleRenderer as CR
        from pyinstrument.renderers.html import HTMLRenderer as HR
        from pyinstrument.renderers.jsonrenderer import JSONRenderer as JR
        from pyinstrument.renderers.pstatsrenderer import PstatsRenderer as PR
        from pyinstrument.renderers.session import SessionRenderer as SR
        from pyinstrument.renderers.speedscope import SpeedscopeRenderer as SSR
        from pyinstrument.session import Session as S
        import pyinstrument
        self.assertIs(P, pyinstrument.Profiler)
        self.assertIs(S, pyinstrument.Session)
        self.assertIs(ProfileContext, profile)
        ctx = ProfileContext(interval=0.01, async_mode="disabled")
        self.assertEqual(ctx.options, {"interval": 0.01, "async_mode": "disabled"})
        self.assertIsInstance(ctx.profiler, P)
        self.assertEqual(ctx.profiler.interval, 0.01)
        self.assertTrue(issubclass(CR, FR) and issubclass(FR, R))
        self.assertTrue(issubclass(JR, FR) and issubclass(PR, FR) and issubclass(SSR, FR))
        self.assertTrue(issubclass(HR, R) and issubclass(SR, R))

    def test_importing_main_runs_nothing(self):
        r = self.run_python("import pyinstrument.__main__ as m; print(callable(m.main))")
        self.assertEqual(r.stdout.strip(), "True")
        prog = self.write("p.py", "print('ran')\n")
        r = self.run_python(
            "import sys; from pyinstrument.__main__ import main; "
            f"main(['--no-color', {prog!r}])")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ran", r.stdout)
        self.assertIn("p.py", r.stdout)

    def test_no_import_of_ours_runs_under_a_profiler(self):
        # a report made while an outer profiler runs (nested @profile) must
        # not import anything: the import would show in the user's code
        r = self.run_python("""if True:
            import sys
            from pyinstrument import Profiler, profile
            before = set(sys.modules)
            outer = Profiler(interval=0.0001)
            outer.start()
            @profile(interval=0.0001)
            def work():
                return sum(sum(range(500)) for _ in range(2000))
            work()
            outer.stop()
            new = sorted(set(sys.modules) - before)
            importing = [f for stack, _ in outer.last_session.frame_records
                         for f in stack if "importlib._bootstrap" in f]
            print("NEW", new)
            print("IMPORTING", len(importing))
            """)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("work", r.stderr)  # the inner report was printed
        self.assertIn("NEW []", r.stdout)
        self.assertIn("IMPORTING 0", r.stdout)

    def run_python(self, code):
        import subprocess
        return subprocess.run([sys.executable, "-c", code], capture_output=True,
                              text=True, cwd=self.dir, timeout=120)


if __name__ == "__main__":
    unittest.main()
