"""`make bench`: the Python object model on a big session, next to
pyinstrument 5.1.2's figures for the same steps (bench/README.md).

    python3 object_model.py SESSION [REPEAT]

Prints a Markdown table: Session.load, Session.root_frame(), a
ConsoleRenderer render, and one with a Python processor appended to its
processors (the tree path: libsession's processors on the Frame tree, the
Python function on it, libsession's text renderer). Times are medians of
REPEAT runs in this process; peak RSS is the process's.
"""
import resource
import sys
import time

from pyinstrument.renderers import ConsoleRenderer
from pyinstrument.session import Session

# pyinstrument 5.1.2, 100k samples (bench/README.md): seconds
REFERENCE = {"load": 0.65, "root_frame": 2.65, "custom": 4.39}


def median(f, repeat):
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = f()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2], result


def main():
    path = sys.argv[1]
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    t_load, session = median(lambda: Session.load(path), repeat)
    t_root, _ = median(session.root_frame, repeat)

    def custom():
        r = ConsoleRenderer()
        r.processors.append(lambda frame, options: frame)
        return r.render(session)

    t_default, plain = median(lambda: ConsoleRenderer().render(session), repeat)
    t_custom, text = median(custom, repeat)
    assert text == plain  # an identity processor changes nothing
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = len(session.frame_records)

    def vs(key, t):
        ref = REFERENCE.get(key)
        return "%.0fx faster" % (ref / t) if ref and n == 100000 else "-"

    print("| step | seconds | vs pyinstrument 5.1.2 (100k samples) |")
    print("| --- | --- | --- |")
    print("| Session.load | %.3f | %s |" % (t_load, vs("load", t_load)))
    print("| session.root_frame() | %.3f | %s |" % (t_root, vs("root_frame", t_root)))
    print("| ConsoleRenderer().render (libsession's pipeline) | %.3f | - |" % t_default)
    print("| ConsoleRenderer with a Python processor appended | %.3f | %s |"
          % (t_custom, vs("custom", t_custom)))
    print()
    print("%d samples; peak RSS of the process %.0f MB (pyinstrument: 659 MB)."
          % (n, rss))


if __name__ == "__main__":
    main()
