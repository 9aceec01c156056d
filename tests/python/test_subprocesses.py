"""pyinstrument --subprocesses: the Python children of the profiled program
(multiprocessing's fork, spawn and forkserver; subprocess running Python;
forks; grandchildren) join its report, each under a root frame naming the
process, and a child that is killed or leaves a bad session loses only its
own samples."""
import os
import re
import signal
import subprocess
import sys

from helpers import PYI_RENDER, PYTHON, TempDirTest, frame_parts, functions

PY = os.path.basename(PYTHON)

# about 0.2 s of CPU per call (more under the profile hook)
WORK = """\
    from pyinstrument.stack_sampler import get_stack_sampler

    def step(i):
        return i * i

    def until_sampled(s, t=0):
        # steps on until sampler 's' has taken two more samples
        last, seen = s.last_profile_time, 0
        while seen < 2 and s.current_sampling_interval is not None:
            t += step(seen)
            if s.last_profile_time != last:
                seen, last = seen + 1, s.last_profile_time
        return t

    def crunch(n=150000):
        t = 0
        for i in range(n):
            t += step(i)
        # then on until this process was sampled twice: a busy machine or a
        # sanitizer build may start a child's timing thread after n steps
        return until_sampled(get_stack_sampler(), t)

    def crunch_more(n=150000):
        return crunch(n)
    """

POOL = """\
    import multiprocessing as mp
    import sys
    from work import crunch

    def warm_up(barrier):
        crunch()
        barrier.wait()  # every worker warms up before any task runs

    def task(x):
        return x * x

    if __name__ == "__main__":
        ctx = mp.get_context(sys.argv[1])
        barrier = ctx.Barrier(4, timeout=100)
        with ctx.Pool(4, initializer=warm_up, initargs=(barrier,)) as pool:
            print("sum", sum(pool.map(task, range(16))))
    """

JOB = """\
    import sys
    from work import crunch

    def job_main():
        crunch()

    if __name__ == "__main__":
        job_main()
    """

PARENT = """\
    import subprocess, sys
    subprocess.run([sys.executable, "job.py", "x y"], check=True)
    subprocess.run([sys.executable, "-c", "import work; work.crunch()"],
                   check=True)
    subprocess.run([sys.executable, "-m", "job"], check=True)
    subprocess.run([sys.executable, "middle.py"], check=True)
    subprocess.run([sys.executable, "-c",
                    "import work  # " + "\\u00e9" * 100 + "\\nwork.crunch()"],
                   check=True)
    """

MIDDLE = """\
    import subprocess, sys
    subprocess.run([sys.executable, "job.py", "grandchild"], check=True)
    """


def processes(data):
    """{pid: (label, [stacks below the process frame])} of a session."""
    out = {}
    for stack, _ in data["frame_records"]:
        label, file, pid, _ = frame_parts(stack[0])
        if file == "<process>":
            out.setdefault(pid, (label, []))[1].append(stack[1:])
    return out


def has(stacks, function):
    return any(function in functions(s) for s in stacks)


def summary(data):
    """Each process's label and the program's functions it ran, for
    failure messages."""
    return {pid: (label, sorted({f for s in stacks for f in functions(s)
                                 if f in ("warm_up", "crunch", "job_main",
                                          "spin", "task")}))
            for pid, (label, stacks) in processes(data).items()}


class SubprocessTest(TempDirTest):
    def setUp(self):
        super().setUp()
        self.write("work.py", WORK)
        self.write("job.py", JOB)
        # the private directory is made here, so that leftovers show
        self.tmp = os.path.join(self.dir, "tmp")
        os.mkdir(self.tmp)

    def profile(self, *options, script, args=()):
        """Runs 'script' under --subprocesses; the output and the session."""
        path = os.path.join(self.dir, "run.pyisession")
        r = self.run_cli("--subprocesses", "-r", "pyisession", "-o", path,
                         *options, *([script] if script else []), *args,
                         env={"TMPDIR": self.tmp})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(os.listdir(self.tmp), [], "files left behind")
        return r, self.load_json(path)

    def program(self, data, label):
        """The program's own process: its pid and stacks."""
        found = [(pid, stacks) for pid, (l, stacks) in processes(data).items()
                 if l == label]
        self.assertEqual(len(found), 1, summary(data))
        return found[0]


class Multiprocessing(SubprocessTest):
    def pool(self, method, *options, crunched=4):
        """Runs POOL; 'crunched': how many workers must have samples in
        crunch (the timer sampler's thread may get no processor during
        the 0.05 s it takes on a busy machine; the hook samples in the
        program's own thread)."""
        self.write("pool.py", POOL)
        r, data = self.profile(*options, script="pool.py", args=[method])
        self.assertIn("sum 1240", r.stdout)
        me, mine = self.program(data, "%s pool.py %s" % (PY, method))
        self.assertFalse(has(mine, "warm_up"))  # the workers did that
        # the program's branch starts at its own code, as its report would
        ours = [s for s in mine
                if any(frame_parts(f)[1] == "pool.py" for f in s)]
        self.assertTrue(ours)
        for stack in ours:
            self.assertEqual(functions(stack)[:2], ["MainThread", "<module>"])
        worker = {"fork": "ForkPoolWorker", "spawn": "SpawnPoolWorker",
                  "forkserver": "ForkServerPoolWorker"}[method]
        pattern = r"%s-\d+ \(multiprocessing, %s\)$" % (worker, method)
        workers = crunching = 0
        for pid, (label, stacks) in processes(data).items():
            if pid == me:
                continue
            self.assertRegex(label, pattern)
            self.assertTrue(all(frame_parts(s[0])[1] == "<thread>"
                                for s in stacks), label)
            workers += 1
            crunching += has(stacks, "warm_up") and has(stacks, "crunch")
        if crunched == 4:  # else one may have had no sample at all
            self.assertEqual(workers, 4, (summary(data), r.stderr))
        self.assertGreaterEqual(crunching, crunched, summary(data))
        self.assertNotIn("left out", r.stderr)
        return data

    def test_fork_pool(self):
        self.pool("fork")

    def test_spawn_pool(self):
        self.pool("spawn")

    def test_forkserver_pool(self):
        self.pool("forkserver")

    def test_children_take_the_options(self):
        # a forked child restarts the timer sampler's thread; every child
        # samples at the program's interval
        for method in ("fork", "spawn"):
            data = self.pool(method, "--sampler", "timer", "-i", "0.002",
                             crunched=1)
            self.assertEqual(data["min_interval"], 0.002)
            self.assertEqual(data["max_interval"], 0.002)

    def test_executor_left_open_ends_before_the_report(self):
        # its workers end as the interpreter exits: the command does that
        # part of the exit first, so they have written their sessions
        self.write("ex.py", """\
            import concurrent.futures as cf, multiprocessing as mp
            from work import crunch

            def job(x):
                return crunch() and x

            if __name__ == "__main__":
                ex = cf.ProcessPoolExecutor(
                    2, mp_context=mp.get_context("spawn"))
                print("done", sum(ex.map(job, range(4))))
            """)
        r, data = self.profile(script="ex.py")
        self.assertIn("done 6", r.stdout)
        self.assertNotIn("left out", r.stderr)
        workers = [label for label, stacks in processes(data).values()
                   if has(stacks, "job")]
        self.assertTrue(workers, summary(data))
        for label in workers:
            self.assertRegex(label, r"SpawnProcess-\d+ \(multiprocessing, "
                             r"spawn\)$")

    def test_terminated_process_saves_its_samples_and_dies_of_sigterm(self):
        self.write("term.py", """\
            import multiprocessing as mp
            from work import crunch

            def spin(ready):
                crunch()
                ready.set()
                while True:
                    crunch(1000)

            if __name__ == "__main__":
                ctx = mp.get_context("fork")
                ready = ctx.Event()
                p = ctx.Process(target=spin, args=(ready,))
                p.start()
                ready.wait()
                p.terminate()
                p.join()
                print("exitcode", p.exitcode, "pid", p.pid)
            """)
        r, data = self.profile(script="term.py")
        pid = int(re.search(r"exitcode -15 pid (\d+)", r.stdout).group(1))
        label, stacks = processes(data)[pid]
        self.assertEqual(label, "ForkProcess-1 (multiprocessing, fork)")
        self.assertTrue(has(stacks, "spin") and has(stacks, "crunch"))


class Subprocesses(SubprocessTest):
    def test_python_children_and_grandchildren(self):
        self.write("parent.py", PARENT)
        self.write("middle.py", MIDDLE)
        r, data = self.profile(script="parent.py")
        labels = {label: stacks for label, stacks in processes(data).values()}
        self.assertIn("%s parent.py" % PY, labels)
        for label, function in [
                ("%s job.py 'x y'" % PY, "job_main"),
                ("%s -c 'import work; work.crunch()'" % PY, "crunch"),
                ("%s -m job" % PY, "job_main"),
                # a grandchild is a process of its own, beside its parent
                ("%s job.py grandchild" % PY, "job_main")]:
            self.assertIn(label, labels)
            self.assertTrue(has(labels[label], function), label)
            self.assertTrue(has(labels[label], "crunch"), label)
        self.assertIn("%s middle.py" % PY, labels)
        self.assertFalse(has(labels["%s middle.py" % PY], "job_main"))
        # a long command line is cut, between two characters, on one line
        long = [label for label in labels if "\u00e9" in label]
        self.assertEqual(len(long), 1, list(labels))
        self.assertTrue(long[0].startswith(
            "%s -c 'import work  # \u00e9\u00e9" % PY), long[0])
        self.assertTrue(long[0].endswith("\u00e9..."), long[0])
        self.assertLessEqual(len(long[0].encode()), 160)
        self.assertTrue(has(labels[long[0]], "crunch"))

        # the tools read the combined session
        path = os.path.join(self.dir, "run.pyisession")
        # (no threshold: a slow parent, under a sanitizer, makes a quick
        # child less than 1 % of the run)
        text = subprocess.run([PYI_RENDER, "--no-color", "-p",
                               "processor_options.filter_threshold=0", path],
                              capture_output=True, text=True)
        self.assertEqual(text.returncode, 0, text.stderr)
        self.assertRegex(text.stdout, r"\[root\]")
        self.assertRegex(text.stdout,
                         r"%s job\.py grandchild  <process>:\d+" % PY)
        tools = os.path.dirname(PYI_RENDER)
        both = os.path.join(self.dir, "both.pyisession")
        for cmd in ([os.path.join(tools, "pyi-combine"), path, path, "-o",
                     both],
                    [os.path.join(tools, "pyi-diff"), path, path]):
            done = subprocess.run(cmd, capture_output=True, text=True)
            self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(len(self.load_json(both)["frame_records"]),
                         2 * len(data["frame_records"]))

    def test_all_threads_is_passed_on(self):
        # a child's threads each get a branch under its process frame
        # The helper's own sampler is idle, so it goes on until the main
        # thread's sampler has read it twice, and the main thread keeps
        # sampling until then: a busy machine may run the helper's steps
        # all at once while the main thread waits for the GIL.
        self.write("threads.py", """\
            import threading
            from pyinstrument.stack_sampler import get_stack_sampler
            from work import crunch, step, until_sampled

            def worker_job(main, done):
                crunch()
                until_sampled(main)
                done.set()

            if __name__ == "__main__":
                main, done = get_stack_sampler(), threading.Event()
                t = threading.Thread(target=worker_job, args=(main, done),
                                     name="helper")
                t.start()
                crunch()
                while not done.is_set():
                    step(0)
                t.join()
            """)
        self.write("spawner.py", """\
            import subprocess, sys
            subprocess.run([sys.executable, "threads.py"], check=True)
            """)
        r, data = self.profile("--all-threads", "--sampler", "hook",
                               script="spawner.py")
        labels = {label: stacks for label, stacks in processes(data).values()}
        stacks = labels["%s threads.py" % PY]
        threads = {frame_parts(s[0])[0] for s in stacks}
        self.assertEqual(threads, {"MainThread", "helper"}, summary(data))
        self.assertTrue(any(functions(s)[0] == "helper" and
                            "worker_job" in functions(s) for s in stacks))

    def test_program_run_with_dash_m_and_dash_c(self):
        # each branch starts at the program's module frame, whatever the
        # command ran before it (runpy finding the module, "<string>")
        self.write("parentmod.py", """\
            import subprocess, sys
            subprocess.run([sys.executable, "job.py"], check=True)
            """)
        code = ("import subprocess, sys; "
                "subprocess.run([sys.executable, 'job.py'])")
        for args, label, file in [
                (["-m", "parentmod"], "%s -m parentmod" % PY, "parentmod.py"),
                (["-c", code], '%s -c "%s"' % (PY, code), "<string>")]:
            r, data = self.profile(*args, script=None)
            _, mine = self.program(data, label)
            ours = [s for s in mine
                    if any(frame_parts(f)[1].endswith(file) for f in s)]
            self.assertTrue(ours, label)
            for stack in ours:
                self.assertEqual(functions(stack)[:2],
                                 ["MainThread", "<module>"])
            self.program(data, "%s job.py" % PY)

    def test_text_report(self):
        self.write("parent.py", PARENT)
        self.write("middle.py", MIDDLE)
        r = self.run_cli("--subprocesses", "--no-color", "-p",
                         "processor_options.filter_threshold=0", "parent.py",
                         env={"TMPDIR": self.tmp})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"\[root\]")
        self.assertRegex(r.stdout, r"%s parent\.py  <process>:\d+" % PY)
        self.assertRegex(r.stdout, r"%s -m job  <process>:\d+" % PY)
        self.assertIn("job_main  job.py:4", r.stdout)
        self.assertEqual(os.listdir(self.tmp), [])

    def test_forks_that_exit_either_way(self):
        self.write("forks.py", """\
            import os, sys
            import work

            pid = os.fork()
            if pid == 0:
                work.crunch()
                os._exit(3)
            print("exit", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
            pid = os.fork()
            if pid == 0:
                work.crunch_more()
                sys.exit(4)  # back through the command, as a child
            print("exit", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
            """)
        r = self.run_cli("--subprocesses", "--no-color", "forks.py",
                         env={"TMPDIR": self.tmp})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("exit 3\nexit 4\n", r.stdout)
        self.assertEqual(r.stdout.count("Program: forks.py"), 1)  # one report
        forks = re.findall(r"fork of %s forks\.py  <process>:\d+" % PY,
                           r.stdout)
        self.assertEqual(len(forks), 2, r.stdout)
        self.assertIn("crunch_more  work.py", r.stdout)
        self.assertEqual(os.listdir(self.tmp), [])

    def test_children_keep_their_sitecustomize_and_path(self):
        site = self.write("site/sitecustomize.py", "ours = True\n")
        self.write("show.py", """\
            import os, sys, sitecustomize
            print("site", sitecustomize.__file__)
            print("hook", any("_hook" in p for p in sys.path))
            """)
        self.write("parent.py", """\
            import subprocess, sys
            subprocess.run([sys.executable, "show.py"], check=True)
            """)
        path = os.pathsep.join([os.path.dirname(site),
                                os.environ.get("PYTHONPATH", "")])
        r = self.run_cli("--subprocesses", "-o", os.devnull, "parent.py",
                         env={"TMPDIR": self.tmp, "PYTHONPATH": path})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("site %s" % site, r.stdout)
        self.assertIn("hook False", r.stdout)

    def test_off_by_default(self):
        self.write("parent.py", """\
            import os, subprocess, sys
            subprocess.run([sys.executable, "job.py"], check=True)
            print("env", "PYINSTRUMENT_SUBPROCESSES" in os.environ)
            """)
        out = os.path.join(self.dir, "run.pyisession")
        r = self.run_cli("-o", out, "parent.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("env False", r.stdout)
        data = self.load_json(out)
        self.assertEqual(processes(data), {})
        self.assertFalse(any("job_main" in functions(s)
                             for s, _ in data["frame_records"]))


class BadEnds(SubprocessTest):
    def test_killed_and_crashed_children_lose_only_their_samples(self):
        self.write("killed.py", """\
            import multiprocessing as mp, os, signal, subprocess, sys
            import work

            def die():
                work.crunch_more()
                os.kill(os.getpid(), signal.SIGKILL)

            if __name__ == "__main__":
                p = subprocess.Popen([sys.executable, "-c",
                                      "import os, work; work.crunch_more(); "
                                      "os.abort()"])
                print("aborted", p.pid, p.wait())
                p = mp.get_context("fork").Process(target=die)
                p.start()
                p.join()
                print("killed", p.pid, p.exitcode)
                subprocess.run([sys.executable, "job.py", "after"], check=True)
                work.crunch()
            """)
        r, data = self.profile(script="killed.py")
        aborted, killed = (
            int(re.search(r"%s (\d+) -(\d+)" % word, r.stdout).group(1))
            for word in ("aborted", "killed"))
        self.assertIn("aborted %d -%d" % (aborted, signal.SIGABRT), r.stdout)
        self.assertIn("killed %d -%d" % (killed, signal.SIGKILL), r.stdout)
        for pid in (aborted, killed):
            self.assertRegex(r.stderr, r"pyinstrument: child process %d "
                             r"\(.*\) ended without saving its profile" % pid)
        procs = processes(data)
        self.assertNotIn(aborted, procs)
        self.assertNotIn(killed, procs)
        self.assertFalse(any(has(stacks, "crunch_more")
                             for _, stacks in procs.values()))
        _, mine = self.program(data, "%s killed.py" % PY)
        self.assertTrue(has(mine, "crunch"))
        _, after = self.program(data, "%s job.py after" % PY)
        self.assertTrue(has(after, "job_main"))

    def test_a_bad_session_file_is_left_out(self):
        self.write("bad.py", """\
            import os, subprocess, sys
            d = os.environ["PYINSTRUMENT_SUBPROCESSES"].split("dir=")[1]
            subprocess.run([sys.executable, "job.py"], check=True)
            with open(os.path.join(d, "999999.pyisession"), "w") as f:
                f.write('{"start_time": 1, "frame_records": [[["a')
            """)
        r, data = self.profile(script="bad.py")
        self.assertRegex(r.stderr, r"(?m)^pyinstrument: --subprocesses: a "
                         r"child's profile is left out: .*999999\.pyisession: "
                         r".*truncated")
        self.program(data, "%s job.py" % PY)
        self.program(data, "%s bad.py" % PY)

    def test_the_directory_removed(self):
        self.write("rm.py", """\
            import os, shutil, subprocess, sys
            subprocess.run([sys.executable, "job.py"], check=True)
            shutil.rmtree(os.environ["PYINSTRUMENT_SUBPROCESSES"]
                          .split("dir=")[1])
            import work
            work.crunch()
            """)
        r, data = self.profile(script="rm.py")
        self.assertRegex(r.stderr, r"pyinstrument: --subprocesses: .*: No "
                         r"such file or directory; the children's profiles "
                         r"are lost")
        self.assertEqual(processes(data), {})  # the program's own report
        self.assertTrue(any("crunch" in functions(s)
                            for s, _ in data["frame_records"]))

    def test_a_child_still_running_is_named_and_left_out(self):
        self.write("daemon.py", """\
            import subprocess, sys
            p = subprocess.Popen(
                [sys.executable, "-c",
                 "import sys, time; print('up', flush=True); time.sleep(60)"],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            p.stdout.readline()  # it has started, and profiles itself
            print("daemon", p.pid, flush=True)
            """)
        path = os.path.join(self.dir, "run.pyisession")
        proc = subprocess.Popen(
            [PYTHON, "-m", "pyinstrument", "--subprocesses", "-o", path,
             "daemon.py"], cwd=self.dir, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
            env=dict(os.environ, TMPDIR=self.tmp))
        daemon = None
        try:
            line = proc.stdout.readline()
            daemon = int(line.split()[1])
            out, err = proc.communicate(timeout=120)
        finally:
            if daemon:
                os.kill(daemon, signal.SIGKILL)
            proc.kill()
        self.assertEqual(proc.returncode, 0, err)
        self.assertRegex(err, r"pyinstrument: child process %d \(.*\) was "
                         r"still running; its samples are left out" % daemon)
        self.assertNotIn(daemon, processes(self.load_json(path)))
        self.assertEqual(os.listdir(self.tmp), [])
