#!python
"""pyinstrument: profile a Python program (pyi-tools).

Installed as the pyinstrument command, the first line naming the
interpreter: pip writes the environment's for "#!python", make the one
configure found. A console-script entry point would do the same through a
wrapper that imports re first, and a shell script would start a shell:
some milliseconds more at the start of every profiled run."""
from pyinstrument.__main__ import main

main(_exiting=True)
