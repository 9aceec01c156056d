"""pyinstrument: a statistical profiler for Python (pyi-tools' C implementation)."""
from pyinstrument._capture import Profiler, Session, __version__, profile
from pyinstrument import renderers

__all__ = ["Profiler", "Session", "profile", "renderers", "__version__"]
