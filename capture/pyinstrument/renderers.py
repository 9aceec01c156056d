"""The report formats; each class takes pyinstrument's keyword options."""
from pyinstrument._capture import (
    ConsoleRenderer,
    HTMLRenderer,
    JSONRenderer,
    PstatsRenderer,
    Renderer,
    SessionRenderer,
    SpeedscopeRenderer,
)

__all__ = [
    "Renderer",
    "ConsoleRenderer",
    "HTMLRenderer",
    "JSONRenderer",
    "SpeedscopeRenderer",
    "SessionRenderer",
    "PstatsRenderer",
]
