"""Where and how the pyinstrument command and Session.save write files:
-o resolved where the command started, through symlinks with the old
file's mode kept (also for a renderer class of the user's), one-line
messages naming the file or <stdout> and the reason, and the byte limit
of the --load-prev report cache."""
import json
import os
import stat
import subprocess
import textwrap

from helpers import LAUNCHER, PYTHON, SLEEP_UNTIL_SAMPLED, TempDirTest

QUICK = """\
    import time
    time.sleep(0.005)
    """

CUSTOM_RENDERER = """\
    class Plain:
        output_is_binary = False
        output_file_extension = "txt"

        def __init__(self, **options):
            pass

        def render(self, session):
            return "custom report\\n"
    """


class OutputFile(TempDirTest):
    def setUp(self):
        super().setUp()
        self.write("quick.py", QUICK)

    def test_o_names_a_file_where_the_command_started(self):
        self.write("wander.py", """\
            import os
            os.makedirs("sub", exist_ok=True)
            os.chdir("sub")
            """)
        r = self.run_cli("-o", "report.txt", "wander.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.isfile(os.path.join(self.dir, "report.txt")))
        self.assertFalse(os.path.exists(os.path.join(self.dir, "sub",
                                                     "report.txt")))

    def test_o_survives_the_program_removing_its_directory(self):
        self.write("gone.py", """\
            import os
            os.makedirs("sub")
            os.chdir("sub")
            os.rmdir(os.getcwd())
            """)
        r = self.run_cli("-o", "report.json", "gone.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("root_frame", self.load_json(os.path.join(self.dir,
                                                                "report.json")))

    def test_symlink_and_mode_are_kept(self):
        target = os.path.join(self.dir, "real.html")
        with open(target, "w") as f:
            f.write("old")
        os.chmod(target, 0o600)
        os.symlink("real.html", os.path.join(self.dir, "link.html"))
        r = self.run_cli("-o", "link.html", "quick.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.islink(os.path.join(self.dir, "link.html")))
        self.assertEqual(stat.S_IMODE(os.stat(target).st_mode), 0o600)
        with open(target) as f:
            self.assertIn("<!DOCTYPE html>", f.read())

    def test_a_renderer_class_writes_like_the_others(self):
        self.write("myrender.py", CUSTOM_RENDERER)
        target = os.path.join(self.dir, "real.txt")
        with open(target, "w") as f:
            f.write("old")
        os.chmod(target, 0o640)
        os.symlink("real.txt", os.path.join(self.dir, "link.txt"))
        r = self.run_cli("-r", "myrender.Plain", "-o", "link.txt", "quick.py",
                         env={"PYTHONPATH": self.dir + os.pathsep +
                              os.environ.get("PYTHONPATH", "")})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.islink(os.path.join(self.dir, "link.txt")))
        self.assertEqual(stat.S_IMODE(os.stat(target).st_mode), 0o640)
        with open(target) as f:
            self.assertEqual(f.read(), "custom report\n")
        r = self.run_cli("-r", "myrender.Plain", "-o", "/dev/full", "quick.py",
                         env={"PYTHONPATH": self.dir + os.pathsep +
                              os.environ.get("PYTHONPATH", "")})
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr, "pyinstrument: /dev/full: write failed: "
                         "No space left on device\n")

    def test_session_save_through_a_symlink_keeps_the_mode(self):
        from pyinstrument import Session
        src = os.path.join(self.dir, "s.pyisession")
        r = self.run_cli("-o", src, "quick.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        target = os.path.join(self.dir, "kept.pyisession")
        with open(target, "w") as f:
            f.write("old")
        os.chmod(target, 0o600)
        link = os.path.join(self.dir, "link.pyisession")
        os.symlink("kept.pyisession", link)
        Session.load(src).save(link)
        self.assertTrue(os.path.islink(link))
        self.assertEqual(stat.S_IMODE(os.stat(target).st_mode), 0o600)
        self.assertEqual(Session.load(target).sample_count,
                         Session.load(src).sample_count)

    def test_messages_name_the_file_and_the_reason(self):
        r = self.run_cli("-o", "/dev/full", "quick.py")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.count("\n"), 1, r.stderr)
        self.assertIn("/dev/full", r.stderr)
        self.assertIn("No space left on device", r.stderr)
        r = self.run_cli("-o", "", "quick.py")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr, "pyinstrument: the output file name is "
                         "empty: No such file or directory\n")

    def test_stdout_that_cannot_be_written(self):
        # a reader that went away: one line naming <stdout> and the reason
        p = subprocess.Popen([LAUNCHER, "quick.py"], cwd=self.dir,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        p.stdout.close()
        err = p.stderr.read().decode()
        p.stderr.close()
        self.assertEqual(p.wait(), 1)
        self.assertEqual(err, "pyinstrument: <stdout>: Broken pipe\n")
        # no stdout at all
        r = subprocess.run([LAUNCHER, "quick.py"], cwd=self.dir,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True, preexec_fn=lambda: os.close(1))
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr,
                         "pyinstrument: <stdout>: Bad file descriptor\n")
        with open("/dev/full", "w") as full:
            r = subprocess.run([LAUNCHER, "quick.py"], cwd=self.dir,
                               stdout=full, stderr=subprocess.PIPE, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr,
                         "pyinstrument: <stdout>: No space left on device\n")


class ProgramsStdout(TempDirTest):
    """The report goes to the stdout the command started with, whatever
    the program does to sys.stdout."""

    def check_report(self, program):
        self.write("rebind.py", program)
        r = self.run_cli("--no-color", "rebind.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Recorded:", r.stdout)
        self.assertIn("rebind.py", r.stdout)
        return r

    def test_stringio(self):
        r = self.check_report("""\
            import io, sys, time
            print("before")
            sys.stdout = io.StringIO()
            print("swallowed")
            time.sleep(0.005)
            """)
        self.assertTrue(r.stdout.startswith("before\n"), r.stdout)
        self.assertNotIn("swallowed", r.stdout)

    def test_none_and_devnull(self):
        self.check_report("""\
            import sys, time
            sys.stdout = None
            time.sleep(0.005)
            """)
        self.check_report("""\
            import os, sys, time
            sys.stdout = open(os.devnull, "w")
            time.sleep(0.005)
            """)

    def test_the_program_closes_it(self):
        r = self.check_report("""\
            import sys, time
            print("last words")
            sys.stdout.close()
            time.sleep(0.005)
            """)
        self.assertTrue(r.stdout.startswith("last words\n"), r.stdout)

    def test_json_and_html_too(self):
        self.write("rebind.py", """\
            import io, sys, time
            sys.stdout = io.StringIO()
            time.sleep(0.005)
            """)
        r = self.run_cli("-r", "json", "rebind.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('"root_frame"', r.stdout)
        r = self.run_cli("-r", "html", "rebind.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("<html", r.stdout.lower())


# recursion 300 deep down to a sleep that a sample names: a text report of
# about 150 KB, more than the 64 KB that the writer buffers at a time
DEEP = "import sys\nsys.setrecursionlimit(2000)\n\ndef down(n):\n" \
    "    if n:\n        return down(n - 1)\n" + \
    "".join("    " + line + "\n" for line in SLEEP_UNTIL_SAMPLED.splitlines()) + \
    "\ndown(300)\n"


class ReportOnStdout(TempDirTest):
    """A report for the command's own stdout is written as it is drawn:
    the same bytes as -o writes, after the program's output."""

    def run_bytes(self, *args):
        r = subprocess.run([LAUNCHER] + list(args), cwd=self.dir,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_the_same_bytes_as_a_file(self):
        self.write("deep.py", DEEP)
        self.run_bytes("-r", "pyisession", "-o", "s.pyisession", "deep.py")
        for renderer in ["text", "json", "speedscope", "pstats"]:
            shown = self.run_bytes("--load", "s.pyisession", "-r", renderer)
            self.run_bytes("--load", "s.pyisession", "-r", renderer,
                           "-o", "r.out")
            with open(os.path.join(self.dir, "r.out"), "rb") as f:
                written = f.read()
            if renderer == "text":  # with how to see it again
                self.assertGreater(len(written), 100_000)
                self.assertIn(b"down  deep.py:4", written)
                self.assertTrue(shown.startswith(written), renderer)
                self.assertIn(b"--load-prev", shown[len(written):])
            else:
                self.assertEqual(shown, written, renderer)

    def test_after_the_programs_own_output(self):
        self.write("talk.py", "import sys\nprint('from print')\n"
                   "sys.stdout.write('unflushed')\n" + SLEEP_UNTIL_SAMPLED)
        out = self.run_bytes("talk.py")
        self.assertTrue(out.startswith(b"from print\nunflushed\n"), out[:80])
        self.assertIn(b"talk.py", out)


class ReportCache(TempDirTest):
    def setUp(self):
        super().setUp()
        self.write("quick.py", QUICK)
        self.data = os.path.join(self.dir, "data")
        self.reports = os.path.join(self.data, "pyinstrument", "reports")
        os.makedirs(self.reports)

    def old_report(self, second, size):
        path = os.path.join(self.reports,
                            "2000-01-01T00-00-%02d.pyisession" % second)
        with open(path, "wb") as f:
            f.write(b" " * size)

    def run_kept(self, limit):
        env = {"XDG_DATA_HOME": self.data}
        if limit is not None:
            env["PYINSTRUMENT_REPORT_CACHE_BYTES"] = limit
        return self.run_cli("--no-color", "quick.py", env=env)

    def test_oldest_reports_go_first_to_stay_within_the_limit(self):
        for second in range(5):
            self.old_report(second, 300 * 1024)
        r = self.run_kept("1M")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("--load-prev", r.stdout)
        kept = sorted(os.listdir(self.reports))
        # the new one and the newest old ones that fit in 1 MiB beside it
        self.assertEqual(kept[:3], ["2000-01-01T00-00-02.pyisession",
                                    "2000-01-01T00-00-03.pyisession",
                                    "2000-01-01T00-00-04.pyisession"])
        self.assertEqual(len(kept), 4)
        total = sum(os.path.getsize(os.path.join(self.reports, k))
                    for k in kept)
        self.assertLessEqual(total, 1 << 20)

    def test_the_default_limit_is_one_gibibyte(self):
        # a sparse file of 1 GiB: no disk is used
        path = os.path.join(self.reports, "2000-01-01T00-00-00.pyisession")
        with open(path, "wb") as f:
            f.truncate(1 << 30)
        r = self.run_kept(None)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(os.listdir(self.reports)), 1)
        self.assertFalse(os.path.exists(path))

    def test_a_session_over_the_limit_is_not_kept(self):
        r = self.run_kept("10")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("--load-prev", r.stdout)
        self.assertIn("not kept for --load-prev", r.stderr)
        self.assertEqual(os.listdir(self.reports), [])
        r = self.run_kept("0")  # no cache: nothing kept, nothing said
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertEqual(os.listdir(self.reports), [])

    # main() as a program calls it: the process may go on after it
    IN_PROCESS = ("import sys\nfrom pyinstrument.__main__ import main\n"
                  "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n"
                  "    print('went on')\n")

    def run_in_process(self, *args):
        env = dict(os.environ, XDG_DATA_HOME=self.data)
        return subprocess.run([PYTHON, "-c", self.IN_PROCESS] + list(args),
                              cwd=self.dir, env=env, capture_output=True,
                              text=True, timeout=120)

    def test_kept_while_python_finalizes_when_the_command_exits(self):
        # the command's own launchers: the session is written by another
        # thread (the timing thread, or without one a thread of its own)
        # while Python finalizes, and the hint comes at the very end, after
        # what the program prints at exit
        self.write("bye.py", "import atexit\natexit.register(print, 'bye')\n"
                   + textwrap.dedent(QUICK))
        for via_module, sampler in [(False, "timer"), (True, "timer"),
                                    (False, "hook")]:
            r = self.run_cli("--no-color", "--sampler", sampler, "bye.py",
                             via_module=via_module,
                             env={"XDG_DATA_HOME": self.data})
            self.assertEqual((r.returncode, r.stderr), (0, ""))
            lines = r.stdout.splitlines()
            self.assertEqual(lines[-4], "bye")
            self.assertEqual(lines[-2].split()[:2], ["pyinstrument", "--load-prev"])
            ident = lines[-2].split()[2]
            # the file is whole when the command has returned
            with open(os.path.join(self.reports, ident + ".pyisession")) as f:
                self.assertEqual(json.load(f)["target_description"],
                                 "Program: bye.py")
        # main() called by a program that goes on: all is done at once
        r = self.run_in_process("--no-color", "bye.py")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        lines = r.stdout.splitlines()
        self.assertIn("--load-prev", lines[-4])
        self.assertEqual(lines[-2:], ["went on", "bye"])

    def assert_not_kept(self, r, path, reason):
        """The report, and one line on why its session was not kept."""
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("quick.py", r.stdout)
        self.assertNotIn("--load-prev", r.stdout)
        self.assertEqual(r.stderr, "pyinstrument: could not keep the report for "
                         "--load-prev: %s: %s\n" % (path, reason))

    def test_a_cache_that_cannot_be_pruned_is_reported(self):
        # the oldest name is a folder: it cannot be removed, so nothing is
        # kept, and the report and exit status are untouched
        for second in range(11):
            self.old_report(second, 10)
        os.remove(os.path.join(self.reports, "2000-01-01T00-00-00.pyisession"))
        os.mkdir(os.path.join(self.reports, "2000-01-01T00-00-00.pyisession"))
        folder = os.path.join(self.reports, "2000-01-01T00-00-00.pyisession")
        for run in (lambda: self.run_kept(None),
                    lambda: self.run_in_process("--no-color", "quick.py")):
            self.assert_not_kept(run(), folder, "Is a directory")
            self.assertEqual(len(os.listdir(self.reports)), 11)

    def test_the_folder_is_under_home_without_xdg_data_home(self):
        home = os.path.join(self.dir, "home")
        env = dict(os.environ, HOME=home + "//")
        env.pop("XDG_DATA_HOME", None)
        r = subprocess.run([LAUNCHER, "--no-color", "quick.py"], cwd=self.dir,
                           env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        ident = [l for l in r.stdout.splitlines() if "--load-prev" in l][0].split()[2]
        self.assertEqual(
            os.listdir(os.path.join(home, ".local/share/pyinstrument/reports")),
            [ident + ".pyisession"])

    def test_a_folder_that_cannot_be_made_is_reported(self):
        self.write("data2", "a file where the folder should be")
        r = self.run_cli("--no-color", "quick.py",
                         env={"XDG_DATA_HOME": os.path.join(self.dir, "data2")})
        self.assert_not_kept(
            r, os.path.join(self.dir, "data2", "pyinstrument", "reports"),
            "Not a directory")

    def test_a_bad_limit_is_reported_and_the_default_used(self):
        r = self.run_kept("lots")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("PYINSTRUMENT_REPORT_CACHE_BYTES=lots", r.stderr)
        self.assertIn("--load-prev", r.stdout)
