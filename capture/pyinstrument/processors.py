"""Processors: functions that edit a Frame tree before it is rendered.

Each is called as ``frame = processor(frame, options={...})`` and returns
the root it leaves (None stays None). They run in C on the tree's nodes.
A renderer's ``processors`` list may mix them with Python functions of the
same shape.
"""
from typing import Any, Callable, Dict, Optional

from pyinstrument._capture import (
    aggregate_repeated_calls,
    group_library_frames_processor,
    merge_consecutive_self_time,
    remove_first_pyinstrument_frames_processor,
    remove_importlib,
    remove_irrelevant_nodes,
    remove_tracebackhide,
    remove_unnecessary_self_time_nodes,
)
from pyinstrument.frame import Frame

ProcessorOptions = Dict[str, Any]
ProcessorType = Callable[..., Optional[Frame]]

__all__ = [
    "ProcessorType",
    "ProcessorOptions",
    "remove_importlib",
    "remove_tracebackhide",
    "aggregate_repeated_calls",
    "group_library_frames_processor",
    "merge_consecutive_self_time",
    "remove_unnecessary_self_time_nodes",
    "remove_irrelevant_nodes",
    "remove_first_pyinstrument_frames_processor",
]
