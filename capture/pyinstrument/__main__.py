"""The pyinstrument command: `python -m pyinstrument` and the console
script's entry point, main()."""
import sys


def main(args=None):
    """Runs the command with 'args' (default: sys.argv[1:]) and exits with
    its status."""
    from pyinstrument._capture import main as run

    sys.exit(run(sys.argv[1:] if args is None else list(args)))


if __name__ == "__main__":
    main()
