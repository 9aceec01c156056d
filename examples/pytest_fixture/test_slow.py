"""Two tests for the fixture in conftest.py to profile."""
import time


def test_slow_sleeper():
    time.sleep(0.05)


def test_slow_spinner():
    end = time.perf_counter() + 0.05
    while time.perf_counter() < end:
        pass
