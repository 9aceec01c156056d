"""profile(): profile a block or a function and print its report."""
from pyinstrument._capture import profile

# pyinstrument's class behind profile(): the same object here
ProfileContext = profile

__all__ = ["ProfileContext", "profile"]
