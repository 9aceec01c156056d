"""HTMLRenderer, rendered by libsession."""
from pyinstrument._capture import HTMLRenderer

__all__ = ["HTMLRenderer"]
