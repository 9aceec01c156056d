"""odd_check.py RENDERER SESSION REPORT [SESSION...]
odd_check.py diff BASE REPORT NEW

Checks a report against what the session file implies, read independently
with Python's json module (as pyinstrument reads it): the sample count,
duration and total time, the records themselves for pyisession output.
With several sessions (pyi-combine's inputs), REPORT is their combination
(a pyisession file); with "diff", REPORT is pyi-diff's JSON report of BASE
against NEW. Prints one line per problem and exits 1 if any.
Used by bad_inputs.sh and combine.sh for the odd-but-valid sessions, which
have no pyinstrument rendering in the corpus to compare with."""
import base64
import gzip
import json
import marshal
import math
import re
import sys
import zlib

problems = []


def problem(msg):
    problems.append(msg)


def read_session(path):
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    s = json.loads(raw.decode("utf-8", "surrogatepass"))
    if "target_description" not in s and "program" in s:
        # pyinstrument 4.x's key; 5.x's description (bad/README)
        s["target_description"] = "Program: " + s["program"]
    if not s.get("cpu_time"):
        s["cpu_time"] = 0  # pyinstrument: a falsy cpu_time is 0
    return s


def same(a, b, rel=1e-9, abs_=0.0):
    if a is None or b is None:
        return a is None and b is None
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= abs_ + rel * max(abs(a), abs(b))


def total_of(records):
    """The root's time: the records' times added in order, as floats."""
    total = 0.0
    for _, t in records:
        total += float(t)
    return total


def finite(x):
    return x is not None and math.isfinite(x)


def check_text(s, text):
    records = s["frame_records"]
    duration = float(s["duration"])
    if "Duration: %.3f" % duration not in text:
        problem("text: no 'Duration: %.3f'" % duration)
    if not records:
        if "No samples were recorded." not in text:
            problem("text: no samples, but no 'No samples were recorded.'")
        return
    mi = s.get("max_interval", 0.001)
    mi = 1e-9 if not mi > 1e-9 else mi  # max(1e-9, x) as Python sees NaN
    prec = math.ceil(-math.log10(min(mi, 1)))
    want = "%.*f " % (prec, total_of(records))
    lines = text.split("\n")
    # the tree starts after the description and an empty line
    desc_end = text.index(s["target_description"] + "\n\n") if s["target_description"] else -1
    tree = text[desc_end + len(s["target_description"]) + 2:] if desc_end >= 0 else text
    first = tree.split("\n", 1)[0]
    if not first.startswith(want):
        problem("text: the root line is %r, want it to start with %r" % (first, want))
    del lines


def loads_f(text):
    """JSON whose times pyinstrument writes with %f: NaN and infinities
    come out as bare words, read here as null."""
    return json.loads(re.sub(r"(?<=[:\[,] )-?(nan|inf)\b|(?<=[:\[,])-?(nan|inf)\b",
                             "null", text))


def check_json(s, text):
    j = loads_f(text)
    for key in ("duration", "cpu_time", "start_time"):
        v = s.get(key)
        got = j.get(key)
        if not (same(got, v, 1e-6, 1e-6) or (got is None and v is not None and not finite(float(v)))):
            problem("json: %s is %r, the session says %r" % (key, got, v))
    records = s["frame_records"]
    root = j.get("root_frame")
    if not records:
        if root is not None:
            problem("json: a root frame without samples")
        return
    total = total_of(records)
    got = root and root.get("time")
    if not (same(got, total, 1e-9, 1e-6) or (got is None and not finite(total))):
        problem("json: the root's time is %r, the records add up to %r" % (got, total))


def same_records(got, want, what):
    if len(got) != len(want):
        problem("%s: %d records, want %d" % (what, len(got), len(want)))
        return
    for i, ((gs, gt), (ws, wt)) in enumerate(zip(got, want)):
        if gs != ws or not same(gt, wt, 0.0):
            problem("%s: record %d is %r, want %r" % (what, i, [gs, gt], [ws, wt]))
            return


def check_pyisession(s, text):
    j = json.loads(text)
    same_records(j["frame_records"], s["frame_records"], "pyisession")
    for key in ("start_time", "duration", "sample_count", "cpu_time",
                "target_description"):
        a, b = j.get(key), s.get(key)
        if isinstance(b, str) or isinstance(a, str):
            ok = a == b
        else:
            ok = same(a, b, 1e-15)
        if not ok:
            problem("pyisession: %s is %r, the session says %r" % (key, a, b))


def check_speedscope(s, text):
    j = json.loads(text)
    prof = j["profiles"][0]
    if not same(prof["endValue"], s["duration"], 0.0):
        problem("speedscope: endValue %r, duration %r" % (prof["endValue"], s["duration"]))
    events = prof["events"]
    frames = j["shared"]["frames"]
    depth = 0
    for e in events:
        depth += 1 if e["type"] == "O" else -1
        if depth < 0 or not 0 <= e["frame"] < len(frames):
            problem("speedscope: events do not nest or index the frames")
            return
    if depth:
        problem("speedscope: %d frames never closed" % depth)
    total = total_of(s["frame_records"])
    if not s["frame_records"]:
        if events:
            problem("speedscope: events without samples")
    elif finite(total) and not same(events[-1]["at"], total, 1e-9, 1e-12):
        problem("speedscope: the clock ends at %r, the records add up to %r"
                % (events[-1]["at"], total))


def check_pstats(s, data):
    stats = marshal.loads(data)
    total = total_of(s["frame_records"])
    self_sum = sum(v[2] for v in stats.values())
    if s["frame_records"] and finite(total) and not same(self_sum, total, 1e-9, 1e-12):
        problem("pstats: self times add up to %r, the records to %r" % (self_sum, total))
    if not s["frame_records"] and stats:
        problem("pstats: functions without samples")


def check_html(s, page):
    m = re.search(r'id="pyi-data" type="application/octet-stream">([^<]*)<', page)
    if not m:
        problem("html: no data object in the page")
        return
    obj = loads_f(zlib.decompress(base64.b64decode(m.group(1))).decode())
    sess = obj["session"]
    for key in ("duration", "sample_count", "start_time"):
        if not same(sess.get(key), s.get(key), 1e-15):
            problem("html: session %s is %r, want %r" % (key, sess.get(key), s.get(key)))
    tree = obj.get("frame_tree")
    total = total_of(s["frame_records"])
    if not s["frame_records"]:
        if tree is not None:
            problem("html: a frame tree without samples")
    elif finite(total) and not same(tree["time"], total, 1e-9, 1e-6):
        problem("html: the tree's time is %r, the records add up to %r" % (tree["time"], total))


def check_markdown(s, text):
    want = "**Duration:** %.3f s" % float(s["duration"])
    if want not in text:
        problem("markdown: no %r" % want)
    records = s["frame_records"]
    total = total_of(records)
    if records and finite(total) and total > 0:
        first = re.search(r"### Hottest call paths\n\n  - (\S+) s ", text)
        if not first or first.group(1) != "%.3f" % total:
            problem("markdown: the hottest path is %r, want %.3f s"
                    % (first and first.group(1), total))


def nonempty(records):
    return [t for stack, t in records if stack]


def check_folded(s, text):
    times = nonempty(s["frame_records"])
    values = []
    for line in text.splitlines():
        stack, _, value = line.rpartition(" ")
        if not stack or not value.isdigit() or int(value) < 1:
            problem("folded: a malformed line %r" % line)
            return
        values.append(int(value))
    want = sum(float(t) for t in times) * 1e6
    if all(finite(float(t)) and t >= 0 for t in times) and finite(want):
        if abs(sum(values) - want) > len(values) + 1e-9 * want:
            problem("folded: values add up to %d us, the records to %.1f" % (sum(values), want))


def varint(b, i):
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return v, i


def fields(b):
    i = 0
    while i < len(b):
        key, i = varint(b, i)
        wire = key & 7
        if wire == 0:
            v, i = varint(b, i)
        elif wire == 2:
            n, i = varint(b, i)
            v = b[i:i + n]
            i += n
        else:
            raise ValueError("wire type %d" % wire)
        yield key >> 3, v


def check_pprof(s, data):
    prof = gzip.decompress(data)
    counts = walls = 0
    for field, v in fields(prof):
        if field == 2:  # Sample
            for f, vals in fields(v):
                if f == 2:  # value: packed [wall ns, samples]
                    i, vs = 0, []
                    while i < len(vals):
                        x, i = varint(vals, i)
                        vs.append(x)
                    walls += vs[0]
                    counts += vs[1]
    times = nonempty(s["frame_records"])
    if counts != len(times):
        problem("pprof: %d samples, the session has %d with a stack" % (counts, len(times)))
    want = sum(float(t) for t in times) * 1e9
    if all(finite(float(t)) and t >= 0 for t in times) and want < 2 ** 63:
        if abs(walls - want) > counts + 1e-9 * want:
            problem("pprof: %d ns in all, the records add up to %.0f" % (walls, want))


def combined(sessions):
    """Session.combine folded over the inputs in start-time order (stable;
    NaN sorts last, as pyi-combine documents)."""
    order = sorted(range(len(sessions)), key=lambda i: (
        math.isnan(float(sessions[i]["start_time"])),
        float(sessions[i]["start_time"]) if not math.isnan(float(sessions[i]["start_time"])) else 0))
    out = {"frame_records": [], "sample_count": 0, "duration": 0.0, "cpu_time": 0.0}
    for i in order:
        s = sessions[i]
        out["frame_records"] += s["frame_records"]
        out["sample_count"] += s["sample_count"]
        out["duration"] += float(s["duration"])
        out["cpu_time"] += float(s["cpu_time"])
    return out


def check_diff(base, new, text, same_file):
    """The totals are the sessions' totals; a session against itself has
    no change anywhere (a NaN time is NaN on both sides)."""
    d = json.loads(text)
    root = d["root"]
    for side, s in (("base", base), ("new", new)):
        total = total_of(s["frame_records"]) if s["frame_records"] else 0.0
        got = root[side]
        if not (same(got, total, 1e-9, 1e-12) or (got is None and not finite(total))):
            problem("diff: the %s total is %r, the records add up to %r" % (side, got, total))
    if not same_file:
        return
    todo = [root]
    while todo:
        x = todo.pop()
        if x["status"] != "both" or not same(x["base"], x["new"], 0.0):
            problem("diff: against itself, %r changed: %r -> %r (%s)"
                    % (x.get("name"), x["base"], x["new"], x["status"]))
            return
        todo += x["children"]


def main():
    renderer, report = sys.argv[1], sys.argv[3]
    paths = [sys.argv[2]] + sys.argv[4:]
    if renderer == "diff":
        base, new = read_session(paths[0]), read_session(paths[1])
        check_diff(base, new, open(report, encoding="utf-8").read(), paths[0] == paths[1])
        for p in problems:
            print("%s vs %s: %s" % (paths[0], paths[1], p))
        return 1 if problems else 0
    sessions = [read_session(p) for p in paths]
    data = open(report, "rb").read()
    if len(sessions) > 1:
        want = combined(sessions)
        got = json.loads(data)
        same_records(got["frame_records"], want["frame_records"], "combined")
        for key in ("sample_count", "duration", "cpu_time"):
            if not same(got[key], want[key], 1e-12):
                problem("combined: %s is %r, want %r" % (key, got[key], want[key]))
    else:
        s = sessions[0]
        if renderer not in ("text", "json", "pyisession", "speedscope", "markdown",
                            "folded", "html", "pstats", "pprof"):
            raise SystemExit("odd_check: unknown renderer %s" % renderer)
        check = {"text": check_text, "json": check_json, "pyisession": check_pyisession,
                 "speedscope": check_speedscope, "markdown": check_markdown,
                 "folded": check_folded, "html": check_html}
        binary = {"pstats": check_pstats, "pprof": check_pprof}
        if renderer in binary:
            binary[renderer](s, data)
        else:
            check[renderer](s, data.decode("utf-8", "surrogateescape"))
    for p in problems:
        print("%s: %s" % (paths[0] if len(paths) == 1 else "combined", p))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
