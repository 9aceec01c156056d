import sys

from pyinstrument._capture import main as _main


def main():
    """The pyinstrument command (pip's console script calls this)."""
    return _main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
