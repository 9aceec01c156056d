"""Async modes (capture.md §6): asyncio with enabled, strict and disabled
profilers, and code leaving the profiler's context."""
import asyncio
import contextvars
import time
import unittest

from pyinstrument import Profiler

from helpers import frame_parts, functions, time_in


def busy(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


async def other_task():
    await asyncio.sleep(0.005)
    busy(0.03)  # runs while the profiled task waits


async def inner():
    await asyncio.sleep(0.06)


async def profiled(mode):
    task = asyncio.ensure_future(other_task())
    p = Profiler(async_mode=mode)
    p.start()
    await inner()
    busy(0.01)
    p.stop()
    await task
    return p.last_session


def run(mode):
    return asyncio.run(profiled(mode))


class AsyncModes(unittest.TestCase):
    def check_awaited(self, session):
        records = session.frame_records
        awaited = [functions(s) for s, _ in records if functions(s)[-1] == "[await]"]
        self.assertTrue(awaited)
        for stack in awaited:
            self.assertEqual(stack[-4:], ["profiled", "inner", "sleep", "[await]"])
        # the other task's busy loop is not this context's
        self.assertEqual(time_in(records, "other_task"), 0)
        self.assertGreater(time_in(records, "[await]"), 0.04)
        self.assertGreater(time_in(records, "busy"), 0.005)

    def test_enabled(self):
        s = run("enabled")
        self.check_awaited(s)
        # the [await] frame carries the suspended coroutine's attributes
        leaves = {frame_parts(st[-2])[0] for st, _ in s.frame_records
                  if functions(st)[-1] == "[await]"}
        self.assertEqual(leaves, {"sleep"})

    def test_strict(self):
        self.check_awaited(run("strict"))

    def test_disabled_sees_everything_in_the_thread(self):
        records = run("disabled").frame_records
        self.assertGreater(time_in(records, "other_task"), 0.01)
        self.assertEqual(time_in(records, "[await]"), 0)
        names = {f for s, _ in records for f in functions(s)}
        self.assertIn("epoll.poll", names)

    def test_one_async_profiler_per_context(self):
        async def two():
            a = Profiler()
            a.start()
            try:
                with self.assertRaisesRegex(RuntimeError, "already a profiler"):
                    Profiler(async_mode="strict").start()
                # a profiler without async support may join
                b = Profiler(async_mode="disabled")
                b.start()
                b.stop()
            finally:
                a.stop()
        asyncio.run(two())


class LeavingTheContext(unittest.TestCase):
    def leave(self, mode):
        p = Profiler(async_mode=mode)

        def starter():
            p.start()  # inside ctx.run: the profiler's context is ctx
            busy(0.02)

        contextvars.copy_context().run(starter)
        busy(0.03)  # back in the outer context
        return p.stop().frame_records

    def test_strict_marks_out_of_context_time(self):
        records = self.leave("strict")
        ooc = [functions(s) for s, _ in records
               if functions(s)[-1] == "[out-of-context]"]
        self.assertTrue(ooc)
        self.assertTrue(all(s[-2] == "leave" for s in ooc), ooc)
        self.assertGreater(time_in(records, "[out-of-context]"), 0.02)
        self.assertGreater(time_in(records, "starter"), 0.01)

    def test_enabled_shows_the_real_code(self):
        records = self.leave("enabled")
        self.assertEqual(time_in(records, "[out-of-context]"), 0)
        outside = [s for s, _ in records
                   if "busy" in functions(s) and "starter" not in functions(s)]
        self.assertTrue(outside)
