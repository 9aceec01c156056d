"""The pyinstrument command: `python -m pyinstrument` and the console
script's entry point, main()."""
import sys


def main(args=None, _exiting=False):
    """Runs the command with 'args' (default: sys.argv[1:]) and exits with
    its status. The command's launchers pass _exiting: the process ends
    with the command, so its report cache may be written while Python
    finalizes (a caller that goes on after SystemExit must not pass it)."""
    from pyinstrument._capture import main as run

    sys.exit(run(sys.argv[1:] if args is None else list(args), _exiting))


if __name__ == "__main__":
    main(_exiting=True)
