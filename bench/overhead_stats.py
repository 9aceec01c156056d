"""make bench: the overhead figures of the capture tables.

Each configuration is run once per round, the configurations in turn, so a
round's runs are a pair (or a set) taken close together. On the project's
VM a run's speed is bimodal at random: the same plain deep.py took 83 ms
or 127 ms from one process to the next, in about equal parts. A median of
15 such runs lands in either mode, and moved a row by 10 points between two
runs of the table. So each configuration's figure is a trimmed mean (the
middle 80 % of its runs: a stray stall of the machine does not count, the
mix of the two modes does), and the overhead is shown with a 95 %
bootstrap interval: rounds drawn again at random, with their runs kept
together, 2000 times.

Used by capture_overhead.sh (`overhead_stats.py row ...`) and imported by
sampling_overhead.py.
"""
import random
import statistics
import sys

RESAMPLES = 2000


def trimmed_mean(values):
    """The mean of the middle 80 % of 'values'."""
    v = sorted(values)
    cut = len(v) // 10
    kept = v[cut:len(v) - cut] if len(v) > 2 * cut else v
    return sum(kept) / len(kept)


def cell(base, other, seed=1):
    """'0.123 s, +4 % [+1, +7]' for two lists of run times of the same
    rounds (base[i] and other[i] ran in round i): the figure of 'other',
    its overhead against 'base' and the overhead's 95 % interval."""
    a, b = trimmed_mean(base), trimmed_mean(other)
    rng = random.Random(seed)  # the same table for the same runs
    n = len(base)
    draws = []
    for _ in range(RESAMPLES):
        idx = [rng.randrange(n) for _ in range(n)]
        draws.append(trimmed_mean([other[i] for i in idx]) /
                     trimmed_mean([base[i] for i in idx]) - 1)
    draws.sort()
    low = draws[int(0.025 * (RESAMPLES - 1))]
    high = draws[int(0.975 * (RESAMPLES - 1))]
    return "%.3f s, %+.0f %% [%+.0f, %+.0f]" % (b, (b / a - 1) * 100,
                                               low * 100, high * 100)


def read_runs(path):
    """[(seconds, rss in MB)] of a capture_overhead.sh file ("ms rss_kb"
    per line, in round order)."""
    runs = []
    with open(path) as f:
        for line in f:
            ms, kb = line.split()
            runs.append((int(ms) / 1000, int(kb) / 1024))
    return runs


def row(name, reference, target, directory):
    """The markdown row of workload 'name' from the run files in
    'directory' (plain, default, default_tenth, hook, hook_only)."""
    runs = {c: read_runs("%s/%s" % (directory, c)) for c in
            ("plain", "default", "default_tenth", "hook", "hook_only")}
    n = min(len(r) for r in runs.values())
    times = {c: [t for t, _ in r[:n]] for c, r in runs.items()}
    rss = {c: statistics.median(m for _, m in r[:n]) for c, r in runs.items()}
    plain = times["plain"]
    print("| %s | %.3f s (%.0f MB) | %s | %s (%.0f MB) | %s | %s | %s | %s |"
          % (name, trimmed_mean(plain), rss["plain"],
             cell(plain, times["default"]), cell(plain, times["default_tenth"]),
             rss["default_tenth"],
             cell(plain, times["hook"]), cell(plain, times["hook_only"]),
             reference, target))


if __name__ == "__main__":
    if len(sys.argv) != 6 or sys.argv[1] != "row":
        sys.exit("usage: overhead_stats.py row NAME REFERENCE TARGET DIR")
    row(*sys.argv[2:])
