"""libsession's own formats, beyond pyinstrument's: a Markdown summary,
folded stacks and pprof."""
from pyinstrument._capture import FoldedRenderer, MarkdownRenderer, PprofRenderer

__all__ = ["MarkdownRenderer", "FoldedRenderer", "PprofRenderer"]
