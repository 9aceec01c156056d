"""The report formats; each class takes pyinstrument's keyword options."""
from pyinstrument.renderers.base import FrameRenderer, Renderer
from pyinstrument.renderers.console import ConsoleRenderer
from pyinstrument.renderers.html import HTMLRenderer
from pyinstrument.renderers.jsonrenderer import JSONRenderer
from pyinstrument.renderers.pstatsrenderer import PstatsRenderer
from pyinstrument.renderers.session import SessionRenderer
from pyinstrument.renderers.speedscope import SpeedscopeRenderer
from pyinstrument.renderers.extra import FoldedRenderer, MarkdownRenderer, PprofRenderer

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
