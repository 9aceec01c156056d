#!/usr/bin/env python3
"""Reads pyi-render's pstats and speedscope output back with Python and checks
it against the JSON renderer's tree of the same session.

usage: formats_pyi.py pstats STATS TREE_JSON
       formats_pyi.py speedscope PROFILE TIMELINE_TREE_JSON

pstats: pstats.Stats must load STATS; every (file, line, function) entry and
caller must hold the own and total times the tree gives (pyinstrument's
rules: pre-order, synthetic children skipped, recursion counted twice); own
times must add up to the root's total and each entry's callers to the entry.
speedscope: the file must be one evented profile whose open/close events walk
the timeline tree in pre-order, each frame open for its time.
Exits 1 with one line per problem.
"""
import io
import json
import marshal
import math
import pstats
import sys

SYNTHETIC = {"[self]", "[await]", "[out-of-context]", "[root]"}
problems = []


def problem(msg):
    if len(problems) < 10:
        print("formats_pyi: %s" % msg, file=sys.stderr)
    problems.append(msg)


def near(a, b, terms=1):
    # the JSON renderer prints times with 6 decimals
    return abs(a - b) <= 1e-6 * (terms + 1) + 1e-9 * max(abs(a), abs(b))


def preorder(root):
    """(frame, parent) pairs, iteratively."""
    stack = [(root, None)]
    while stack:
        f, parent = stack.pop()
        yield f, parent
        for c in reversed(f["children"]):
            stack.append((c, f))


def key(f):
    return (f["file_path"], f["line_no"], f["function"])


def own_time(f):
    return f["time"] - sum(c["time"] for c in f["children"] if c["function"] not in SYNTHETIC)


def check_pstats(stats_path, tree_path):
    tree = json.load(open(tree_path, encoding="utf-8"))["root_frame"]
    if tree is None:
        # pstats.Stats refuses an empty dict (pyinstrument's output too)
        with open(stats_path, "rb") as f:
            if marshal.load(f) != {} or f.read():
                problem("an empty session must give just an empty dict")
        return
    try:
        st = pstats.Stats(stats_path)
    except Exception as err:  # any failure to load is the finding
        problem("pstats cannot load %s: %s" % (stats_path, err))
        return
    st.stream = io.StringIO()
    st.sort_stats("cumulative").print_stats()  # the usual client calls work
    got = st.stats
    want, terms = {}, {}
    if tree is not None:
        # the root is visited even when synthetic; below it synthetic frames are not
        stack = [(tree, None)]
        while stack:
            f, parent = stack.pop()
            k = key(f)
            e = want.setdefault(k, [0.0, 0.0, {}])
            e[0] += own_time(f)
            e[1] += f["time"]
            terms[k] = terms.get(k, 0) + 1 + len(f["children"])
            if parent is not None:
                c = e[2].setdefault(key(parent), [0.0, 0.0])
                c[0] += own_time(f)
                c[1] += f["time"]
            for c in reversed(f["children"]):
                if c["function"] not in SYNTHETIC:
                    stack.append((c, f))
    if set(got) != set(want):
        problem("functions differ: missing %s, unexpected %s"
                % (sorted(set(want) - set(got))[:3], sorted(set(got) - set(want))[:3]))
        return
    roots = []
    for k, (tt, ct, callers) in want.items():
        cc, nc, gtt, gct, gcallers = got[k]
        if (cc, nc) != (-1, -1):
            problem("%s: call counts %r, %r, expected -1, -1" % (k, cc, nc))
        if not near(gtt, tt, terms[k]) or not near(gct, ct, terms[k]):
            problem("%s: tt, ct = %r, %r; the tree gives %r, %r" % (k, gtt, gct, tt, ct))
        if set(gcallers) != set(callers):
            problem("%s: callers %s, expected %s" % (k, sorted(gcallers), sorted(callers)))
            continue
        for pk, (ptt, pct) in callers.items():
            v = gcallers[pk]
            if v[:2] != (-1, -1) or not near(v[2], ptt, terms[k]) or not near(v[3], pct, terms[k]):
                problem("%s called from %s: %r, expected (-1, -1, %r, %r)" % (k, pk, v, ptt, pct))
        if not gcallers:
            roots.append(k)
        # every visit of a non-root frame went to exactly one caller
        elif k != key(tree) and not math.isclose(sum(v[3] for v in gcallers.values()), gct, rel_tol=1e-9, abs_tol=1e-12):
            problem("%s: callers' ct do not add up to its ct %r" % (k, gct))
    if tree is not None:
        if any(k != key(tree) for k in roots):
            problem("entries without callers: %s, expected only the root" % roots)
        total_tt = sum(v[2] for v in got.values())
        if not near(total_tt, tree["time"]):
            problem("own times add up to %r, the root's total is %r" % (total_tt, tree["time"]))
    elif got:
        problem("an empty session gave %d entries" % len(got))


def check_speedscope(path, tree_path):
    report = json.load(open(tree_path, encoding="utf-8"))
    tree, duration = report["root_frame"], report["duration"]
    raw = open(path, "rb").read()
    try:
        raw.decode("ascii")
    except UnicodeDecodeError:
        problem("not ASCII (json.dumps escapes everything else)")
    if not raw.endswith(b"]}}\n"):
        problem("does not end with the frames table and a newline")
    doc = json.loads(raw)
    if doc.get("$schema") != "https://www.speedscope.app/file-format-schema.json" \
            or doc.get("exporter") != "pyinstrument" or doc.get("activeProfileIndex", 0) is not None:
        problem("header fields: %r" % {k: v for k, v in doc.items() if k not in ("profiles", "shared")})
    (prof,) = doc["profiles"]
    if prof["type"] != "evented" or prof["unit"] != "seconds" or prof["startValue"] != 0 \
            or prof["name"] != doc["name"] or not doc["name"].startswith("CPU profile for '"):
        problem("profile fields: %r" % {k: v for k, v in prof.items() if k != "events"})
    if not near(prof["endValue"], duration):
        problem("endValue %r, the session's duration is %s" % (prof["endValue"], duration))
    frames = doc["shared"]["frames"]
    seen = set()
    for fr in frames:
        t = (fr["name"], fr["file"], fr["line"])
        if t in seen:
            problem("frame %r listed twice" % (t,))
        seen.add(t)
    order = list(preorder(tree)) if tree is not None else []
    events = prof["events"]
    if len(events) != 2 * len(order):
        problem("%d events for %d frames" % (len(events), len(order)))
        return
    stack, i, last, used = [], 0, 0.0, set()
    for ev in events:
        if ev["at"] < last:
            problem("time goes back to %r" % ev["at"])
        last = ev["at"]
        if not 0 <= ev["frame"] < len(frames):
            problem("frame index %r out of range" % ev["frame"])
            return
        used.add(ev["frame"])
        if ev["type"] == "O":
            f = order[i][0]
            i += 1
            fr = frames[ev["frame"]]
            if (fr["name"], fr["file"] or "", fr["line"] or 0) != (f["function"], f["file_path"], f["line_no"]):
                problem("opened %r where the tree has %s" % (fr, key(f)))
            stack.append((ev["frame"], ev["at"], f))
        elif ev["type"] == "C":
            if not stack or stack[-1][0] != ev["frame"]:
                problem("close of frame %r does not match the open one" % ev["frame"])
                return
            idx, at, f = stack.pop()
            if not near(ev["at"] - at, f["time"], 4):
                problem("%s open for %r, its time is %r" % (key(f), ev["at"] - at, f["time"]))
        else:
            problem("event type %r" % ev["type"])
    if stack:
        problem("%d frames left open" % len(stack))
    if used != set(range(len(frames))):
        problem("frames listed but never used")


def main():
    if sys.argv[1:2] == ["pstats"] and len(sys.argv) == 4:
        check_pstats(sys.argv[2], sys.argv[3])
    elif sys.argv[1:2] == ["speedscope"] and len(sys.argv) == 4:
        check_speedscope(sys.argv[2], sys.argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
