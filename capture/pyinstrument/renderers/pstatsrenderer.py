"""PstatsRenderer, rendered by libsession."""
from pyinstrument._capture import PstatsRenderer

__all__ = ["PstatsRenderer"]
