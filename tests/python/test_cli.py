"""The pyinstrument command: running programs, reports, options, errors."""
import glob
import json
import os
import signal
import stat
import subprocess
import time

from helpers import (BUSY, LAUNCHER, PYI_RENDER, PYTHON, SESSION_KEYS,
                     SLEEP_UNTIL_SAMPLED, TempDirTest, frame_parts, functions,
                     pythonpath, time_in)

ARGV_SCRIPT = """\
    import sys
    print("argv", sys.argv, repr(sys.path[0]), __name__)
    """


class RunsPrograms(TempDirTest):
    def test_busy_script_shows_its_functions(self):
        self.write("busy.py", BUSY)
        r = self.run_cli("--no-color", "busy.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout
        self.assertIn("Worker.run  busy.py:9", out)
        self.assertIn("busy  busy.py:3", out)
        self.assertIn("sleep  <built-in>", out)
        self.assertIn("Program: busy.py", out)
        # the command's own frames are trimmed from the tree
        self.assertNotIn("runpy", out)
        self.assertNotIn("__main__.py", out)

    def test_script_argv_path0_and_name(self):
        self.write("sub/s1.py", ARGV_SCRIPT)
        r = self.run_cli("-o", os.devnull, "sub/s1.py", "a", "b", "--flag")
        self.assertEqual(r.returncode, 0, r.stderr)
        real = os.path.realpath(os.path.join(self.dir, "sub"))
        self.assertIn(
            "argv ['sub/s1.py', 'a', 'b', '--flag'] %r __main__" % real,
            r.stdout)

    def test_reading_the_script_is_not_profiled(self):
        # 60k lines take tens of milliseconds to compile; that happens
        # before the profiler starts (a first sample there would stand for
        # the whole program in a timeline report)
        body = "".join("v%d = %d\n" % (i, i) for i in range(60000))
        self.write("big.py", body + SLEEP_UNTIL_SAMPLED)
        out = os.path.join(self.dir, "big.pyisession")
        r = self.run_cli("-o", out, "big.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        records = self.load_json(out)["frame_records"]
        for stack, _ in records:
            self.assertNotIn("_get_code_from_file", functions(stack))
            self.assertNotIn("compile", functions(stack))
        self.assertGreaterEqual(time_in(records, "sleep"), 0.02)

    def test_directory_and_compiled_targets(self):
        self.write("app/__main__.py", ARGV_SCRIPT)
        r = self.run_cli("-o", os.devnull, "app", "z")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("argv ['app', 'z'] 'app' __main__", r.stdout)
        src = self.write("c1.py", ARGV_SCRIPT)
        subprocess.run([PYTHON, "-m", "py_compile", src], check=True)
        pyc = glob.glob(os.path.join(self.dir, "__pycache__", "c1.*.pyc"))[0]
        os.rename(pyc, os.path.join(self.dir, "c1.pyc"))
        r = self.run_cli("-o", os.devnull, "c1.pyc")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("argv ['c1.pyc']", r.stdout)
        # a zip application, found by sys.path_hooks as python3 finds it
        subprocess.run([PYTHON, "-m", "zipapp", os.path.join(self.dir, "app"),
                        "-o", os.path.join(self.dir, "app.pyz")], check=True)
        r = self.run_cli("-o", os.devnull, "app.pyz", "y")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("argv ['app.pyz', 'y'] 'app.pyz' __main__", r.stdout)

    def test_syntax_error_as_python_reports_it(self):
        self.write("bad.py", "x = (\n")
        r = self.run_cli("bad.py")
        self.assertEqual(r.returncode, 1)
        self.assertIn("SyntaxError", r.stderr)
        self.assertIn('File "bad.py", line 1', r.stderr)
        self.assertEqual(r.stdout, "")

    def test_source_bytes_as_python_reads_them(self):
        # compiled through the C API, not compile(): the coding cookie, a
        # BOM and a NUL byte must still come out as compile() makes them
        def script(name, data):
            with open(os.path.join(self.dir, name), "wb") as f:
                f.write(data)
        script("latin.py", b"# -*- coding: latin-1 -*-\nprint(ascii('caf\xe9'))\n")
        script("bom.py", b"\xef\xbb\xbfprint(ascii('\xc3\xa9t\xc3\xa9'))\n")
        script("nul.py", b"x = 1\0\n")
        for name, out in (("latin.py", "'caf\\xe9'"), ("bom.py", "'\\xe9t\\xe9'")):
            r = self.run_cli("-o", os.devnull, name)
            self.assertEqual((r.returncode, r.stdout.strip()), (0, out), r.stderr)
        # refused as runpy (and so pyinstrument) refuses it; python3 itself
        # ran such a file up to the NUL before 3.12
        r = self.run_cli("nul.py")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("null bytes", r.stderr)
        self.assertEqual(r.stdout, "")
        r = self.run_cli("-o", os.devnull, "-c", "print(ascii('h\u00e9'))")
        self.assertEqual((r.returncode, r.stdout.strip()), (0, "'h\\xe9'"), r.stderr)

    def test_the_program_starts_with_only_the_package_imported(self):
        # the renderer classes and the rest come with the report, not before
        # the program: each import is start-up time of every profiled run
        self.write("mods.py", """\
            import sys
            print(sorted(m for m in sys.modules if m.startswith("pyinstrument")))
            """)
        r = self.run_cli("-o", os.devnull, "mods.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "['pyinstrument', "
                         "'pyinstrument.__main__', 'pyinstrument._capture']")

    def test_module_mode(self):
        self.write("pkg/__init__.py", "")
        self.write("pkg/mod.py", ARGV_SCRIPT)
        r = self.run_cli("-o", os.devnull, "-m", "pkg.mod", "q", "--from-path")
        self.assertEqual(r.returncode, 0, r.stderr)
        mod = os.path.join(os.path.realpath(self.dir), "pkg", "mod.py")
        self.assertIn("argv [%r, 'q', '--from-path'] %r __main__"
                      % (mod, os.path.realpath(self.dir)), r.stdout)

    def test_program_mode(self):
        r = self.run_cli("-o", os.devnull, "-c",
                         "import sys; print(sys.argv, repr(sys.path[0]), "
                         "__name__)", "x", "y")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("['-c', 'x', 'y'] '' __main__", r.stdout)

    def test_from_path_finds_executables_only(self):
        tool = self.write("binx/s1tool", ARGV_SCRIPT)
        os.chmod(tool, 0o755)
        env = {"PATH": os.path.join(self.dir, "binx") + ":" + os.environ["PATH"]}
        r = self.run_cli("--from-path", "-o", os.devnull, "s1tool", "a", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("argv [%r, 'a']" % tool, r.stdout)
        os.chmod(tool, 0o644)
        r = self.run_cli("--from-path", "-o", os.devnull, "s1tool", env=env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("Error: program s1tool not found in PATH!", r.stderr)

    def test_missing_script(self):
        r = self.run_cli("nothere.py")
        self.assertEqual(r.returncode, 1)
        self.assertIn("Error: program nothere.py not found!", r.stderr)

    def test_python_dash_m_pyinstrument(self):
        self.write("busy.py", BUSY)
        r = self.run_cli("--no-color", "busy.py", via_module=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Worker.run  busy.py:9", r.stdout)
        self.assertNotIn("__main__.py", r.stdout)

    def test_threads_are_not_profiled(self):
        self.write("threads.py", """\
            import threading, time
            def spinner():
                end = time.perf_counter() + 0.2
                while time.perf_counter() < end:
                    pass
            t = threading.Thread(target=spinner, name="Spinner")
            t.start()
            time.sleep(0.05)
            t.join()
            """)
        r = self.run_cli("-r", "pyisession", "-o", "t.pyisession", "threads.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        data = self.load_json(os.path.join(self.dir, "t.pyisession"))
        roots = {functions(s)[0] for s, _ in data["frame_records"]}
        self.assertEqual(roots, {"MainThread"})
        names = {f for s, _ in data["frame_records"] for f in functions(s)}
        self.assertNotIn("spinner", names)
        self.assertIn("join", names)


class EndsAsTheProgramEnds(TempDirTest):
    def test_exit_status_after_report(self):
        self.write("ex.py", SLEEP_UNTIL_SAMPLED + "import sys\nsys.exit(3)\n")
        r = self.run_cli("--no-color", "ex.py")
        self.assertEqual(r.returncode, 3)
        self.assertIn("sleep  <built-in>", r.stdout)

    def test_exit_with_message(self):
        self.write("ex.py", "import sys\nsys.exit('bad things')\n")
        r = self.run_cli("-o", os.devnull, "ex.py")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.strip(), "bad things")

    def test_exception_keeps_report_traceback_and_status(self):
        self.write("boom.py", """\
            import time, pyinstrument.stack_sampler as ss
            def f():
                t = ss.get_stack_sampler().last_profile_time
                while t == ss.get_stack_sampler().last_profile_time:
                    time.sleep(0.02)
                raise ValueError("boom")
            f()
            """)
        r = self.run_cli("--no-color", "boom.py")
        self.assertEqual(r.returncode, 1)
        self.assertIn("f  boom.py:2", r.stdout)  # the report is there
        err = r.stderr.splitlines()
        self.assertEqual(err[0], "Traceback (most recent call last):")
        self.assertIn('File "boom.py", line 7, in <module>', err[1])
        self.assertEqual(err[-1], "ValueError: boom")
        self.assertNotIn("runpy", r.stderr)

    def test_ctrl_c_prints_the_report_then_dies_of_sigint(self):
        self.write("long.py", """\
            import time
            def wait():
                open("started", "w").close()
                time.sleep(60)
            wait()
            """)
        p = subprocess.Popen([LAUNCHER, "--no-color", "long.py"], cwd=self.dir,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        started = os.path.join(self.dir, "started")
        for _ in range(600):  # wait until the program runs
            if os.path.exists(started):
                break
            time.sleep(0.05)
        # the timing thread looks at the waiting program within two ticks
        # (two milliseconds, when the machine lets it run)
        time.sleep(0.5)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, -signal.SIGINT)
        self.assertIn("wait  long.py:2", out)
        self.assertIn("sleep  <built-in>", out)
        self.assertIn("KeyboardInterrupt", err)


class Sessions(TempDirTest):
    def record(self, script="busy.py", body=BUSY, *extra):
        self.write(script, body)
        out = os.path.join(self.dir, "run.pyisession")
        r = self.run_cli(*extra, "-r", "pyisession", "-o", out, script)
        self.assertEqual(r.returncode, 0, r.stderr)
        return out

    def test_file_has_every_key_in_order_with_its_type(self):
        data = self.load_json(self.record())
        self.assertEqual(list(data), [k for k, _ in SESSION_KEYS])
        for key, kind in SESSION_KEYS:
            self.assertIsInstance(data[key], kind, key)
        self.assertEqual(data["sample_count"], len(data["frame_records"]))
        self.assertEqual(data["min_interval"], 0.001)
        self.assertEqual(data["target_description"], "Program: busy.py")
        self.assertEqual(len(data["sys_prefixes"]), 4)
        self.assertTrue(all(isinstance(p, str) for p in data["sys_path"]))
        self.assertGreater(data["cpu_time"], 0)
        self.assertGreater(data["duration"], 0.2)

    def test_records_follow_the_frame_info_grammar(self):
        data = self.load_json(self.record())
        self.assertGreater(len(data["frame_records"]), 10)
        for stack, seconds in data["frame_records"]:
            self.assertIsInstance(seconds, float)
            self.assertGreater(seconds, 0)
            func, file, line, _ = frame_parts(stack[0])
            self.assertEqual((func, file), ("MainThread", "<thread>"))
            for i, f in enumerate(stack[1:], 1):
                func, file, line, attrs = frame_parts(f)
                self.assertIsInstance(line, int)
                self.assertTrue(set(attrs) <= {"c", "l", "h"}, f)
                order = [a[0] for a in f.split("\x01")[1:]]
                self.assertEqual(order, sorted(order, key="clh".index))
                if file == "<built-in>":
                    self.assertEqual(i, len(stack) - 1)  # C frames are leaves
                    self.assertEqual((line, attrs), (0, {}))
        start = data["start_call_stack"]
        self.assertEqual(frame_parts(start[0])[1], "<thread>")
        self.assertTrue(frame_parts(start[-1])[1].endswith(
            os.path.join("pyinstrument", "__main__.py")))

    def test_sleep_is_a_builtin_frame_with_wall_time(self):
        data = self.load_json(self.record())
        sleep = time_in(data["frame_records"], "sleep")
        self.assertGreaterEqual(sleep, 0.095)
        leaves = {frame_parts(s[-1])[:2] for s, _ in data["frame_records"]}
        self.assertIn(("sleep", "<built-in>"), leaves)

    def test_pyi_render_renders_the_recording(self):
        path = self.record()
        r = subprocess.run([PYI_RENDER, "--no-color", path],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Worker.run  busy.py:9", r.stdout)
        r = subprocess.run([PYI_RENDER, "-r", "json", path],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["root_frame"]["function"],
                         "<module>")

    def test_load_renders_a_saved_session(self):
        path = self.record()
        r = self.run_cli("--load", path, "--no-color")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Worker.run  busy.py:9", r.stdout)

    def test_interval_and_timing_thread(self):
        path = self.record("busy.py", BUSY, "-i", "0.005", "--use-timing-thread",
                           "--sampler", "hook")
        data = self.load_json(path)
        self.assertEqual(data["max_interval"], 0.005)
        # the thread's clock moves in interval steps: samples come about
        # every interval, some a little early
        times = [t for _, t in data["frame_records"]]
        self.assertGreater(sum(times) / len(times), 0.0025)
        self.assertIn("busy", {f for s, _ in data["frame_records"]
                               for f in functions(s)})

    def test_target_description_template(self):
        self.write("p.py", "pass\n")
        r = self.run_cli("--target-description", "X {args} Y", "-r", "json",
                         "-c", "pass", "a", "b c")
        self.assertEqual(json.loads(r.stdout)["target_description"],
                         "X -c a b c Y")
        r = self.run_cli("--target-description", "{nope}", "p.py")
        self.assertEqual(r.returncode, 2)
        self.assertIn("Unknown placeholder 'nope' in --target-description",
                      r.stderr)
        r = self.run_cli("--target-description", "{0}", "p.py")
        self.assertEqual(r.returncode, 2)
        self.assertIn("Empty placeholder in --target-description", r.stderr)


class Reports(TempDirTest):
    def setUp(self):
        super().setUp()
        self.write("busy.py", BUSY)

    def test_renderer_guessed_from_the_file_name(self):
        for name, check in [("o.JSON", lambda t: json.loads(t)["root_frame"]),
                            ("o.pyisession", lambda t: json.loads(t)["frame_records"]),
                            ("o.txt", lambda t: "Worker.run" in t)]:
            r = self.run_cli("-o", name, "busy.py")
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(self.dir, name)) as f:
                self.assertTrue(check(f.read()), name)

    def test_render_options(self):
        r = self.run_cli("--no-color", "-p", "flat", "-p", "time=percent_of_total",
                         "busy.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"\d+\.\d% sleep  <built-in>")
        r = self.run_cli("-p", "processor_options.nothing.x=1", "busy.py")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)

    def test_hide_and_show_as_pyi_render_does(self):
        r = self.run_cli("-o", "s.pyisession", "busy.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        for opts in (["--hide", "*/busy.py"], ["--hide-regex", ".*busy"],
                     ["--show", "*"], ["--show-regex", ".*"], ["--show-all"],
                     ["--hide", "*", "--show", "*built-in*"]):
            r = self.run_cli("--load", "s.pyisession", "-o", "a.txt", *opts)
            self.assertEqual(r.returncode, 0, r.stderr)
            r = subprocess.run([PYI_RENDER, *opts, "-o", "b.txt",
                                "s.pyisession"], cwd=self.dir)
            self.assertEqual(r.returncode, 0)
            with open(os.path.join(self.dir, "a.txt")) as a, \
                    open(os.path.join(self.dir, "b.txt")) as b:
                self.assertEqual(a.read(), b.read(), opts)

    def test_unicode_and_color_flags(self):
        r = self.run_cli("--unicode", "--color", "busy.py")
        self.assertIn("\x1b[", r.stdout)
        self.assertIn("\u2514\u2500", r.stdout)
        r = self.run_cli("--no-unicode", "--no-color", "busy.py")
        self.assertNotIn("\x1b[", r.stdout)
        self.assertIn("`- ", r.stdout)

    def test_text_report_is_kept_for_load_prev(self):
        data = os.path.join(self.dir, "data")
        reports = os.path.join(data, "pyinstrument", "reports")
        os.makedirs(reports)
        for i in range(12):  # older reports are pruned to ten before saving
            open(os.path.join(reports, "2000-01-01T00-00-%02d.pyisession" % i),
                 "w").close()
        env = {"XDG_DATA_HOME": data}
        r = self.run_cli("--no-color", "busy.py", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        hint = [l for l in r.stdout.splitlines() if "--load-prev" in l][0].split()
        self.assertEqual(hint[:2], ["pyinstrument", "--load-prev"])
        ident = hint[2]
        kept = sorted(os.listdir(reports))
        self.assertEqual(len(kept), 11)
        self.assertIn(ident + ".pyisession", kept)
        self.assertNotIn("2000-01-01T00-00-00.pyisession", kept)
        r = self.run_cli("--load-prev", ident, "--no-color", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Worker.run  busy.py:9", r.stdout)
        r = self.run_cli("--load-prev", "nope", env=env)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.strip(),
                         "pyinstrument: Couldn't find a profile with identifier nope")

    def test_no_cache_with_outfile(self):
        data = os.path.join(self.dir, "data")
        r = self.run_cli("-o", "r.txt", "busy.py", env={"XDG_DATA_HOME": data})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(glob.glob(os.path.join(data, "pyinstrument", "reports",
                                                "*")))
        self.assertNotIn("--load-prev", r.stdout)

    def test_custom_renderer_class(self):
        self.write("myrender.py", """\
            class Count:
                output_is_binary = False
                def __init__(self, **options):
                    self.options = options
                def render(self, session):
                    return "samples=%d options=%s\\n" % (
                        session.sample_count, sorted(self.options))
            """)
        r = self.run_cli("-r", "myrender.Count", "-p", "x=1", "busy.py",
                         env={"PYTHONPATH": pythonpath(self.dir)})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"samples=\d+ options=\['show_all', 'x'\]|"
                                   r"samples=\d+ options=\['x'\]")

    def test_unwritable_outfile_is_refused_before_running(self):
        self.write("marker.py", "open('ran', 'w').close()\n")
        r = self.run_cli("-o", "/nonexistent/dir/out.txt", "marker.py")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "ran")))


class CommandLine(TempDirTest):
    def usage_error(self, args, message):
        r = self.run_cli(*args)
        self.assertEqual(r.returncode, 2, r.stderr)
        lines = r.stderr.splitlines()
        self.assertEqual(lines[0], "Usage: pyinstrument [options] scriptfile [arg] ...")
        self.assertEqual(lines[2], "pyinstrument: error: " + message)
        return r

    def test_usage_errors(self):
        self.write("p.py", "pass\n")
        self.usage_error(["--rend", "x", "p.py"],
                         "ambiguous option: --rend (--render-option, --renderer?)")
        self.usage_error(["-i", "abc", "p.py"],
                         "option -i: invalid floating-point value: 'abc'")
        self.usage_error(["--bogus"], "no such option: --bogus")
        self.usage_error(["-x"], "no such option: -x")
        self.usage_error(["-o"], "-o option requires 1 argument")
        self.usage_error(["--show-all=1", "p.py"],
                         "--show-all option does not take a value")
        self.usage_error(["--load", "a", "p.py"],
                         "You can only specify one of --load, --load-prev, -m, "
                         "or script arguments")
        self.usage_error(["--from-path", "-m", "x"],
                         "The options -m and --from-path are mutually exclusive.")
        self.usage_error(["--hide", "a", "--hide-regex", "b", "p.py"],
                         "You can\u2018t specify both --hide and --hide-regex")
        self.usage_error(["--show", "a", "--show-all", "p.py"],
                         "You can only specify one of --show, --show-regex and "
                         "--show-all")
        self.usage_error(["-r", "pyisession", "-t", "p.py"],
                         "Failed to create SessionRenderer. Check your "
                         "renderer options.")

    def test_abbreviations_clusters_and_attached_values(self):
        self.write("p.py", "import time\ntime.sleep(0.01)\n")
        r = self.run_cli("--tim", "--no-col", "-tojson.out", "p.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.dir, "json.out")) as f:
            text = f.read()  # no renderer guessed from ".out": text
        self.assertIn("Program: p.py", text)
        self.assertNotIn("\x1b[", text)
        r = self.run_cli("--interval=0.002", "-rjson", "p.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("root_frame", json.loads(r.stdout))

    def test_options_end_at_the_script(self):
        self.write("p.py", "import sys\nprint(sys.argv[1:])\n")
        r = self.run_cli("-o", os.devnull, "p.py", "-r", "json", "--", "x")
        self.assertIn("['-r', 'json', '--', 'x']", r.stdout)
        r = self.run_cli("-o", os.devnull, "--", "p.py", "y")
        self.assertIn("['y']", r.stdout)

    def test_help_version_and_nothing_to_do(self):
        r = self.run_cli("--help")
        self.assertEqual(r.returncode, 0)
        self.assertTrue(r.stdout.startswith("Usage: pyinstrument [options]"))
        for opt in ["--load-prev", "--from-path", "--outfile", "--renderer",
                    "--render-option", "--timeline", "--target-description",
                    "--hide-regex", "--show-regex", "--show-all", "--unicode",
                    "--no-color", "--interval", "--use-timing-thread", "-m",
                    "-c"]:
            self.assertIn(opt, r.stdout)
        r = self.run_cli()
        self.assertEqual(r.returncode, 2)
        self.assertTrue(r.stdout.startswith("Usage:"))
        r = self.run_cli("-t")
        self.assertEqual(r.returncode, 2)
        r = self.run_cli("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^pyinstrument 5\.1\.2, on Python 3\.\d+\.\d+")

    def test_bad_inputs_give_one_line(self):
        self.write("p.py", "pass\n")
        self.write("bad.pyisession", "{not json")
        for args in (["--load", "bad.pyisession"], ["--load", "missing"],
                     ["-r", "nosuch", "p.py"], ["-r", "no.such.Renderer", "p.py"]):
            r = self.run_cli(*args)
            self.assertEqual(r.returncode, 1, args)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertTrue(r.stderr.startswith("pyinstrument: "), r.stderr)

    def test_binary_output_refused_on_a_terminal(self):
        import pty
        self.write("bin.py", """\
            class Bin:
                output_is_binary = True
                def __init__(self, **kw): pass
                def render(self, session): return b"x"
            """)
        self.write("p.py", "pass\n")
        env = dict(os.environ, PYTHONPATH=pythonpath(self.dir))
        master, slave = pty.openpty()
        p = subprocess.run([LAUNCHER, "-r", "bin.Bin", "p.py"], cwd=self.dir,
                           env=env, stdout=slave, stderr=subprocess.PIPE,
                           text=True)
        os.close(slave)
        os.close(master)
        self.assertEqual(p.returncode, 2)
        self.assertIn("Can't write binary output to a terminal", p.stderr)
