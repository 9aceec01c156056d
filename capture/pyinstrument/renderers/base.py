"""Renderer and FrameRenderer, the classes to subclass for a report of
your own (see the README's Python API section)."""
from typing import List

from pyinstrument._capture import FrameRenderer, Renderer
from pyinstrument.processors import ProcessorType

ProcessorList = List[ProcessorType]

__all__ = ["Renderer", "FrameRenderer", "ProcessorList"]
