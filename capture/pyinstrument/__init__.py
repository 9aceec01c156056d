"""pyinstrument: a statistical profiler for Python (pyi-tools' C implementation)."""
from pyinstrument._capture import Profiler, Session, __version__, profile
from pyinstrument import renderers

__all__ = ["Profiler", "Session", "profile", "renderers", "__version__"]


def load_ipython_extension(ipython):
    """`%load_ext pyinstrument`: registers the %pyinstrument magic."""
    from pyinstrument.magic import PyinstrumentMagic

    ipython.register_magics(PyinstrumentMagic)
