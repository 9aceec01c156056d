"""make bench: the cost of sampling alone, inside one process.

Usage: sampling_overhead.py WORKLOAD_DIR ROUNDS [NAME:SCALE ...]

Each workload's main(scale) runs plainly and under Profiler() at 1 ms and
0.1 ms (the default timer sampler) in one interpreter, the three in turn
for ROUNDS rounds, so that a machine getting busier or quieter meanwhile
weighs on all three alike. Without the command's start-up, report and
report cache (capture_overhead.sh shows those), what is left is what
sampling costs the program while it runs. Prints a markdown table: trimmed
means and overheads with their 95 % intervals (overhead_stats.py); asserts
nothing.
"""
import gc
import importlib
import statistics
import sys
import time

from overhead_stats import cell, trimmed_mean
from pyinstrument import Profiler

CONFIGS = [("plain", None), ("1 ms", 0.001), ("0.1 ms", 0.0001)]


def one_run(main, scale, interval):
    profiler = Profiler(interval=interval) if interval else None
    gc.collect()
    start = time.perf_counter()
    if profiler:
        profiler.start()
    main(scale)
    if profiler:
        profiler.stop()
    took = time.perf_counter() - start
    samples = profiler.last_session.sample_count if profiler else 0
    return took, samples


def main():
    directory, rounds = sys.argv[1], int(sys.argv[2])
    sys.path.insert(0, directory)
    print("| workload (scale) | plain | 1 ms | 0.1 ms |")
    print("| --- | --- | --- | --- |")
    for spec in sys.argv[3:]:
        name, scale = spec.split(":")
        main_fn = importlib.import_module(name).main
        one_run(main_fn, int(scale), None)  # warm: imports, caches
        times = {c: [] for c, _ in CONFIGS}
        samples = {c: [] for c, _ in CONFIGS}
        for _ in range(rounds):
            for config, interval in CONFIGS:
                took, n = one_run(main_fn, int(scale), interval)
                times[config].append(took)
                samples[config].append(n)
        plain = times["plain"]
        cells = ["%.3f s" % trimmed_mean(plain)]
        for config, _ in CONFIGS[1:]:
            cells.append("%s (%d samples)"
                         % (cell(plain, times[config]),
                            statistics.median(samples[config])))
        print("| %s (%s) | %s |" % (name, scale, " | ".join(cells)))


if __name__ == "__main__":
    main()
