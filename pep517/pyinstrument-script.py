#!python
"""pyinstrument: profile a Python program (pyi-tools).

pip installs this file as the pyinstrument command (its first line becomes
the environment's interpreter). A console-script entry point would do the
same through a wrapper that imports re first: some milliseconds more at
the start of every profiled run."""
from pyinstrument.__main__ import main

main()
