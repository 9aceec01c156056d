"""SpeedscopeRenderer, rendered by libsession."""
from pyinstrument._capture import SpeedscopeRenderer

__all__ = ["SpeedscopeRenderer"]
