"""A recorded profile."""
from pyinstrument._capture import Session

__all__ = ["Session"]
