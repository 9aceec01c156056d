"""Async modes (capture.md §6): asyncio with enabled, strict and disabled
profilers, and code leaving the profiler's context. The code waits for
samples, not for lengths of time (helpers.spin_until_sampled)."""
import asyncio
import contextvars
import time
import unittest
import weakref

from pyinstrument import Profiler
from pyinstrument.stack_sampler import get_stack_sampler

from helpers import TIMER_NAMES_C, frame_parts, functions, spin_until_sampled


def busy(samples=2):
    spin_until_sampled(samples)


async def other_task(done):
    await asyncio.sleep(0.005)
    busy()  # runs while the profiled task waits
    done.set()


async def inner(done):
    while not done.is_set():
        await asyncio.sleep(0.005)


async def profiled(mode, sampler):
    done = asyncio.Event()
    task = asyncio.ensure_future(other_task(done))
    p = Profiler(async_mode=mode, sampler=sampler)
    p.start()
    await inner(done)
    busy()
    p.stop()
    await task
    return p.last_session


def run(mode, sampler):
    return asyncio.run(profiled(mode, sampler))


def count(records, function):
    """How many records have 'function' in their stack."""
    return sum(function in functions(stack) for stack, _ in records)


async def stranger():
    for _ in range(4):
        await asyncio.sleep(0.005)
        busy(1)


async def child(n):
    await asyncio.sleep(0.01 * n)
    busy(1)


async def gathering(sampler):
    task = asyncio.ensure_future(stranger())
    p = Profiler(async_mode="enabled", sampler=sampler)
    p.start()
    await asyncio.gather(child(1), child(3))
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    loop.call_later(0.02, future.set_result, 1)
    await future
    p.stop()
    await task
    return p.last_session


class AsyncModes(unittest.TestCase):
    sampler = "hook"

    def check_awaited(self, session):
        records = session.frame_records
        awaited = [functions(s) for s, _ in records if functions(s)[-1] == "[await]"]
        self.assertTrue(awaited)
        for stack in awaited:
            self.assertEqual(stack[-4:], ["profiled", "inner", "sleep", "[await]"])
        # the other task's busy loop is not this context's
        self.assertEqual(count(records, "other_task"), 0)
        self.assertGreaterEqual(count(records, "[await]"), 2)
        self.assertGreaterEqual(count(records, "busy"), 2)
        # awaiting, the coroutine sits on the frames that ran it
        def below(stack):
            return stack[:stack.index("profiled")]
        running = [functions(s) for s, _ in records
                   if "busy" in functions(s)]
        self.assertTrue(running)
        self.assertEqual({tuple(below(s)) for s in awaited},
                         {tuple(below(s)) for s in running})

    def test_enabled(self):
        s = run("enabled", self.sampler)
        self.check_awaited(s)
        # the [await] frame carries the suspended coroutine's attributes
        leaves = {frame_parts(st[-2])[0] for st, _ in s.frame_records
                  if functions(st)[-1] == "[await]"}
        self.assertEqual(leaves, {"sleep"})

    def test_strict(self):
        self.check_awaited(run("strict", self.sampler))

    def test_disabled_sees_everything_in_the_thread(self):
        records = run("disabled", self.sampler).frame_records
        self.assertGreaterEqual(count(records, "other_task"), 2)
        self.assertEqual(count(records, "[await]"), 0)

    def test_the_event_loop_waits_in_epoll(self):
        if self.sampler == "timer" and not TIMER_NAMES_C:
            self.skipTest("the timer sampler names C functions only on the "
                          "versions whose frame layout it knows")

        async def nap():  # the loop waits in epoll for three samples
            sampler = get_stack_sampler()
            seen, last = 0, sampler.last_profile_time
            while seen < 3:
                await asyncio.sleep(0.02)
                if sampler.last_profile_time != last:
                    seen, last = seen + 1, sampler.last_profile_time

        p = Profiler(async_mode="disabled", sampler=self.sampler)
        p.start()
        asyncio.run(nap())
        names = {f for st, _ in p.stop().frame_records for f in functions(st)}
        self.assertIn("epoll.poll", names)

    def test_one_async_profiler_per_context(self):
        async def two():
            a = Profiler(sampler=self.sampler)
            a.start()
            try:
                with self.assertRaisesRegex(RuntimeError, "already a profiler"):
                    Profiler(async_mode="strict",
                             sampler=self.sampler).start()
                # a profiler without async support may join
                b = Profiler(async_mode="disabled", sampler=self.sampler)
                b.start()
                b.stop()
            finally:
                a.stop()
        asyncio.run(two())


class LeavingTheContext(unittest.TestCase):
    sampler = "hook"

    def leave(self, mode):
        p = Profiler(async_mode=mode, sampler=self.sampler)

        def starter():
            p.start()  # inside ctx.run: the profiler's context is ctx
            busy(2)

        contextvars.copy_context().run(starter)
        busy(3)  # back in the outer context
        return p.stop().frame_records

    def test_strict_marks_out_of_context_time(self):
        records = self.leave("strict")
        ooc = [functions(s) for s, _ in records
               if functions(s)[-1] == "[out-of-context]"]
        self.assertTrue(ooc)
        self.assertTrue(all(s[-2] == "leave" for s in ooc), ooc)
        self.assertGreaterEqual(len(ooc), 2)
        self.assertGreaterEqual(count(records, "starter"), 2)

    def test_enabled_shows_the_real_code(self):
        records = self.leave("enabled")
        self.assertEqual(count(records, "[out-of-context]"), 0)
        outside = [s for s, _ in records
                   if "busy" in functions(s) and "starter" not in functions(s)]
        self.assertTrue(outside, records)


# The timer sampler sees no events, only samples: it finds where the
# context was left and what the task awaits in another way (sampler.c),
# and must give the same stacks.
class AsyncModesTimer(AsyncModes):
    sampler = "timer"

    # Whichever task left the context last, time while this context's
    # tasks wait is theirs: the hook shows the other task's code when the
    # last to leave had finished; the timer falls back to the task that
    # started the profiler.
    def test_tasks_and_futures(self):
        records = asyncio.run(gathering(self.sampler)).frame_records
        self.assertEqual(count(records, "stranger"), 0)
        self.assertGreaterEqual(count(records, "[await]"), 1)
        self.assertGreaterEqual(count(records, "child"), 2)
        for stack, _ in records:
            names = functions(stack)
            if names[-1] == "[await]":  # under a task of this context
                self.assertIn(names[names.index("_run") + 1],
                              ("gathering", "child"), names)


class LeavingTheContextTimer(LeavingTheContext):
    sampler = "timer"


# ---- a task's last reference, held by the timer sampler -----------------
#
# The timer keeps the last task it saw in the profiler's context. When that
# reference is the task's last, letting go of it runs Python code (the
# task's weakref callbacks), in which a sample may come or the profiler be
# stopped. Neither may happen while the sampler's state is half changed.

def spin_a_while(samples):
    """A finalizer's work, named so in a report: until 'samples' samples,
    for 2 seconds at most (inside a sample, no other sample comes)."""
    spin_until_sampled(samples, timeout=2)


async def sampled_child():
    busy(1)  # the last sample in context is in this task


class ReleasingTasks(unittest.TestCase):
    def test_no_sample_while_a_profiler_stops(self):
        # the child task's last reference goes in stop(); the code it runs
        # is not sampled into the profile that is stopping
        async def main():
            p = Profiler(async_mode="enabled", interval=0.01)
            p.start()
            task = asyncio.ensure_future(sampled_child())
            await task
            weakref.finalize(task, spin_a_while, 2)
            del task
            await asyncio.sleep(0)  # the loop lets go of it in this step
            p.stop()
            return p.last_session

        records = asyncio.run(main()).frame_records
        self.assertGreaterEqual(count(records, "sampled_child"), 1)
        self.assertEqual(count(records, "spin_a_while"), 0)

    def test_stopped_by_code_run_in_a_sample(self):
        # the child task's last reference goes at the next sample, in the
        # parent task; what that runs stops the profiler
        errors = []

        def stop(p):
            try:
                p.stop()
            except Exception as e:  # a weakref callback's error is lost
                errors.append(e)

        async def main():
            p = Profiler(async_mode="enabled", interval=0.001)
            p.start()
            task = asyncio.ensure_future(sampled_child())
            await task
            weakref.finalize(task, stop, p)
            del task
            await asyncio.sleep(0)
            end = time.monotonic() + 10
            while p.is_running and time.monotonic() < end:
                busy(1)
            return p

        p = asyncio.run(main())
        self.assertEqual(errors, [])
        self.assertFalse(p.is_running)
        records = p.last_session.frame_records
        self.assertGreaterEqual(count(records, "sampled_child"), 1)
        self.assertGreaterEqual(count(records, "main"), 1)


if __name__ == "__main__":
    unittest.main()
