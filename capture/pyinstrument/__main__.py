import sys

from pyinstrument._capture import main

sys.exit(main(sys.argv[1:]))
