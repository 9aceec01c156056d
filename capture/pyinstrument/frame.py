"""Frame trees: the call tree of a profile as Frame objects.

Frames are views of a call tree kept by the C extension; a processor or a
renderer edits them through this API and the built-in processors edit the
same nodes in C.
"""
from collections.abc import MutableMapping

from pyinstrument._capture import Frame, FrameAttributes, FrameGroup

# the identifiers of frames that stand for no Python frame
AWAIT_FRAME_IDENTIFIER = "[await]"
SELF_TIME_FRAME_IDENTIFIER = "[self]"
OUT_OF_CONTEXT_FRAME_IDENTIFIER = "[out-of-context]"
DUMMY_ROOT_FRAME_IDENTIFIER = "[root]"

SYNTHETIC_FRAME_IDENTIFIERS = frozenset(
    [
        AWAIT_FRAME_IDENTIFIER,
        SELF_TIME_FRAME_IDENTIFIER,
        OUT_OF_CONTEXT_FRAME_IDENTIFIER,
        DUMMY_ROOT_FRAME_IDENTIFIER,
    ]
)
# the synthetic frames that never have children
SYNTHETIC_LEAF_IDENTIFIERS = frozenset(
    [AWAIT_FRAME_IDENTIFIER, SELF_TIME_FRAME_IDENTIFIER, OUT_OF_CONTEXT_FRAME_IDENTIFIER]
)

MutableMapping.register(FrameAttributes)

__all__ = [
    "Frame",
    "FrameGroup",
    "AWAIT_FRAME_IDENTIFIER",
    "SELF_TIME_FRAME_IDENTIFIER",
    "OUT_OF_CONTEXT_FRAME_IDENTIFIER",
    "DUMMY_ROOT_FRAME_IDENTIFIER",
    "SYNTHETIC_FRAME_IDENTIFIERS",
    "SYNTHETIC_LEAF_IDENTIFIERS",
]
