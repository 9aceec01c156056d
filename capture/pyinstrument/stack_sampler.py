"""The sampler of each thread, as pyinstrument's stack_sampler module has it.

get_stack_sampler() returns the calling thread's sampler. Its `subscribers`
are the profilers running in that thread, and `timer_func`, a function of no
arguments returning seconds, replaces its clock while set (None restores the
real one), so that a test can drive a profiler with a fake clock. The sampler
is C (capture/sampler.c); this module only names it.
"""
from pyinstrument._capture import (AsyncState, StackSampler,
                                   StackSamplerSubscriber,
                                   active_profiler_context_var)
from pyinstrument._capture import _stack_sampler

__all__ = ["AsyncState", "StackSampler", "StackSamplerSubscriber",
           "active_profiler_context_var", "get_stack_sampler"]


def get_stack_sampler():
    """Gets the stack sampler for the current thread, creating it if
    necessary."""
    return _stack_sampler()
