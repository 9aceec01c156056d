"""The report formats; each class takes pyinstrument's keyword options."""
from pyinstrument._capture import (ConsoleRenderer, FoldedRenderer,
                                   FrameRenderer, HTMLRenderer, JSONRenderer,
                                   MarkdownRenderer, PprofRenderer,
                                   PstatsRenderer, Renderer, SessionRenderer,
                                   SpeedscopeRenderer)

__all__ = [
    "Renderer",
    "FrameRenderer",
    "ConsoleRenderer",
    "HTMLRenderer",
    "JSONRenderer",
    "SpeedscopeRenderer",
    "SessionRenderer",
    "PstatsRenderer",
    "MarkdownRenderer",
    "FoldedRenderer",
    "PprofRenderer",
]

# pyinstrument's module of each class (pyinstrument.renderers.console ...),
# imported when first named rather than with the package
_SUBMODULES = frozenset(["base", "console", "extra", "html", "jsonrenderer",
                         "pstatsrenderer", "session", "speedscope"])


def __getattr__(name):
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module("pyinstrument.renderers." + name)
    raise AttributeError(
        "module 'pyinstrument.renderers' has no attribute %r" % name)


def __dir__():
    return sorted(set(globals()) | _SUBMODULES)
