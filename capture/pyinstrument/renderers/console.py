"""ConsoleRenderer, rendered by libsession."""
from pyinstrument._capture import ConsoleRenderer

__all__ = ["ConsoleRenderer"]
