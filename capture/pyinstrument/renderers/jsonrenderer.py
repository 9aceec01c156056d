"""JSONRenderer, rendered by libsession."""
from pyinstrument._capture import JSONRenderer

__all__ = ["JSONRenderer"]
