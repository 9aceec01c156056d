"""pyinstrument: a statistical profiler for Python (pyi-tools' C implementation)."""
# Unlike pyinstrument, the package does not import threading (milliseconds
# of a bare interpreter's start): a profiler started in the main thread
# knows it from the runtime, and names it "MainThread" as threading would.
from _collections_abc import MutableMapping as _MutableMapping  # loaded at start-up

from pyinstrument._capture import FrameAttributes as _FrameAttributes
from pyinstrument._capture import Profiler, Session, __version__, profile

__all__ = ["Profiler", "Session", "profile", "renderers", "__version__"]

# Frame.attributes is a mapping, whether or not pyinstrument.frame is imported
_MutableMapping.register(_FrameAttributes)

# The submodules are small and the command needs none of them: each is
# imported when first named (pyinstrument.renderers, pyinstrument.frame ...),
# so that the package costs a profiled program little start-up time.
_SUBMODULES = frozenset([
    "context_manager", "frame", "magic", "middleware", "processors",
    "profiler", "renderers", "session", "stack_sampler",
])


def __getattr__(name):
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module("pyinstrument." + name)
    raise AttributeError("module 'pyinstrument' has no attribute %r" % name)


def __dir__():
    return sorted(set(globals()) | _SUBMODULES)


def load_ipython_extension(ipython):
    """`%load_ext pyinstrument`: registers the %pyinstrument magic."""
    from pyinstrument.magic import PyinstrumentMagic

    ipython.register_magics(PyinstrumentMagic)
