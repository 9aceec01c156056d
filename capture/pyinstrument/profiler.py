"""Profiler: start and stop sampling, render what was recorded."""
from pyinstrument._capture import Profiler

__all__ = ["Profiler"]
