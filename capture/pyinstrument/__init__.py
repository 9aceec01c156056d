"""pyinstrument: a statistical profiler for Python (pyi-tools' C implementation)."""
# Profilers name the thread they record through threading. Imported with
# the package, as pyinstrument does, it is never first imported by a
# profiler's start or report, which an outer profiler would record.
import threading  # noqa: F401

from pyinstrument._capture import __version__
from pyinstrument import renderers
from pyinstrument.context_manager import profile
from pyinstrument.profiler import Profiler
from pyinstrument.session import Session

__all__ = ["Profiler", "Session", "profile", "renderers", "__version__"]


def load_ipython_extension(ipython):
    """`%load_ext pyinstrument`: registers the %pyinstrument magic."""
    from pyinstrument.magic import PyinstrumentMagic

    ipython.register_magics(PyinstrumentMagic)
