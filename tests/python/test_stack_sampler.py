"""pyinstrument.stack_sampler: the sampler of each thread, its subscribers,
and timer_func, the fake clock that makes a profiler deterministic."""
import sys
import threading
import time
import unittest

from pyinstrument import Profiler
from pyinstrument.stack_sampler import (AsyncState, StackSampler,
                                        StackSamplerSubscriber,
                                        get_stack_sampler)

from helpers import FakeClock, fake_clock, functions


def long_a():
    time.sleep(0.25)


def long_b():
    time.sleep(0.5)


def records_of(session):
    return [(functions(stack), t) for stack, t in session.frame_records]


class GetStackSampler(unittest.TestCase):
    def test_one_sampler_per_thread(self):
        mine = get_stack_sampler()
        self.assertIsInstance(mine, StackSampler)
        self.assertIs(get_stack_sampler(), mine)
        other = []
        t = threading.Thread(target=lambda: other.append(get_stack_sampler()))
        t.start()
        t.join()
        self.assertIsNot(other[0], mine)

    def test_subscribers_are_the_running_profilers(self):
        sampler = get_stack_sampler()
        self.assertEqual(sampler.subscribers, [])
        self.assertIsNone(sampler.current_sampling_interval)
        a = Profiler(interval=0.01)
        b = Profiler(interval=0.002, async_mode="disabled",
                     use_timing_thread=False)
        a.start()
        b.start()
        try:
            subs = sampler.subscribers
            self.assertEqual([s.target for s in subs], [a, b])
            self.assertIsInstance(subs[0], StackSamplerSubscriber)
            self.assertEqual([s.desired_interval for s in subs], [0.01, 0.002])
            self.assertEqual([s.bound_to_async_context for s in subs],
                             [True, False])
            self.assertEqual(subs[0].async_state, AsyncState(("in_context",
                                                              None)))
            self.assertEqual(subs[0].async_state.state, "in_context")
            self.assertIsNone(subs[1].async_state)
            self.assertEqual([s.use_timing_thread for s in subs], [None, False])
            self.assertEqual(sampler.current_sampling_interval, 0.002)
        finally:
            b.stop()
            a.stop()
        self.assertEqual(sampler.subscribers, [])


class FakeClockDrivesSampling(unittest.TestCase):
    def test_samples_are_taken_and_dated_by_the_fake_clock(self):
        for sampler in ("hook", "timer"):
            with fake_clock():
                p = Profiler(sampler=sampler)
                p.start()
                long_a()
                long_b()
                session = p.stop()
            # one sample where each sleep returned, with exactly its time
            self.assertEqual(
                [(names[-2:], t) for names, t in records_of(session)],
                [(["long_a", "sleep"], 0.25), (["long_b", "sleep"], 0.5)],
                sampler)

    def test_the_interval_is_measured_on_the_fake_clock(self):
        with fake_clock() as clock:
            p = Profiler(interval=0.01, async_mode="disabled")
            p.start()
            for _ in range(10):
                clock.sleep(0.004)  # a Python call: the hook sees it
            session = p.stop()
        # samples at 0.012, 0.024 and 0.036 seconds (the first return
        # events 0.01 past the last sample)
        self.assertEqual([round(t, 9) for _, t in records_of(session)],
                         [0.012, 0.012, 0.012])

    def test_timer_sampler_uses_the_hook_while_the_clock_is_set(self):
        p = Profiler(sampler="timer", async_mode="disabled")
        p.start()
        try:
            self.assertIsNone(sys.getprofile())
            sampler = get_stack_sampler()
            clock = FakeClock()
            sampler.timer_func = clock.time
            self.assertIsNotNone(sys.getprofile())
            clock.sleep(1.0)
            sampler.timer_func = None
            self.assertIsNone(sys.getprofile())
        finally:
            session = p.stop()
        faked = [r for r in records_of(session) if r[1] == 1.0]
        self.assertEqual([names[-1] for names, _ in faked], ["sleep"])

    def test_clearing_it_restores_the_real_clock(self):
        p = Profiler(sampler="hook", async_mode="disabled")
        with fake_clock():
            p.start()
            time.sleep(1000.0)  # fake: a sample of 1000 s
        time.sleep(0.005)  # real: a sample of a few milliseconds
        times = [t for _, t in records_of(p.stop())]
        self.assertEqual(times[0], 1000.0)
        self.assertTrue(times[1:])
        self.assertTrue(all(0.004 < t < 60 for t in times[1:]), times)

    def test_a_failing_clock_switches_the_profiler_off(self):
        def broken():
            raise ZeroDivisionError("clock")

        sampler = get_stack_sampler()
        p = Profiler(async_mode="disabled")
        p.start()
        try:
            with self.assertRaises(ZeroDivisionError):
                sampler.timer_func = broken
            self.assertIsNone(sampler.timer_func)  # refused, as it was
            clock = FakeClock()
            sampler.timer_func = clock.time
            with self.assertRaises(TypeError):
                clock.now = None  # not a number: the next event fails
                long_a()
            self.assertIsNone(sys.getprofile())
        finally:
            sampler.timer_func = None
            p.stop()

    def test_bad_values(self):
        sampler = get_stack_sampler()
        with self.assertRaises(TypeError):
            sampler.timer_func = 3
        with fake_clock():
            with self.assertRaisesRegex(ValueError, "timing thread"):
                Profiler(use_timing_thread=True).start()
            self.assertEqual(sampler.subscribers, [])


if __name__ == "__main__":
    unittest.main()
