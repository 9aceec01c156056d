"""SessionRenderer, rendered by libsession."""
from pyinstrument._capture import SessionRenderer

__all__ = ["SessionRenderer"]
