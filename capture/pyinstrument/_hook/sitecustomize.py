"""pyinstrument --subprocesses: profiles this Python process as a child of
the profiled program.

The command puts this directory first on PYTHONPATH, so Python imports
this module as it starts. It takes the directory off sys.path again,
imports the sitecustomize module it hides (if there is one), and asks
pyinstrument's extension to profile the process when the environment says
so. Kept to old syntax: any Python may read it.
"""


def _start():
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if not p or os.path.abspath(p) != here]
    me = sys.modules.pop(__name__)
    try:
        try:
            import sitecustomize  # noqa: F401 - the one this file hides
        except ImportError as e:
            if getattr(e, "name", None) != "sitecustomize":
                raise
            sys.modules[__name__] = me
    finally:
        try:
            from pyinstrument._capture import _subprocess_child
        except ImportError:
            pass  # another interpreter, or another pyinstrument
        else:
            _subprocess_child()


_start()
del _start
