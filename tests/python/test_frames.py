"""The object model: Session.root_frame(), Frame, FrameGroup and the
processors, on sessions built by hand so that every number is known."""
import inspect
import json
import math
import os
import sys
import unittest

from helpers import TempDirTest

from pyinstrument import processors
from pyinstrument.frame import (
    SELF_TIME_FRAME_IDENTIFIER,
    Frame,
    FrameGroup,
)
from pyinstrument.session import Session

APP = "/app"
LIB = "/usr/lib/python3.11"


def fi(function, path, line, *attrs):
    """A frame-info string."""
    s = f"{function}\x00{path}\x00{line}"
    return s + "".join("\x01" + a for a in attrs)


MAIN = fi("main", f"{APP}/m.py", 1)
COMPUTE = fi("compute", f"{APP}/m.py", 10, "l12")
LOADS = fi("loads", f"{LIB}/json/__init__.py", 299)
DECODE = fi("decode", f"{LIB}/json/decoder.py", 332, "cJSONDecoder")
THREAD = "MainThread\x00<thread>\x00140"


def session(records, start=(THREAD, MAIN), **fields):
    values = dict(
        frame_records=records,
        start_time=1700000000.0,
        duration=sum(t for _, t in records),
        min_interval=0.001,
        max_interval=0.001,
        sample_count=len(records),
        start_call_stack=list(start),
        target_description="by hand",
        cpu_time=0.5,
        sys_path=[APP, LIB],
        sys_prefixes=["/usr"],
    )
    values.update(fields)
    return Session(**values)


def example():
    """main calls compute twice with loads in between (a timeline)."""
    return session([
        ([THREAD, MAIN, COMPUTE], 0.25),
        ([THREAD, MAIN, LOADS, DECODE], 0.125),
        ([THREAD, MAIN, COMPUTE], 0.5),
        ([THREAD, MAIN], 0.0625),
    ])


def leaf(info, time):
    """A frame whose time is its own: a [self] child carries it, so that
    self_check holds as for the frames root_frame() builds."""
    return Frame(info, children=[Frame(SELF_TIME_FRAME_IDENTIFIER, time=time)],
                 time=time)


def shape(frame):
    """(function, time, children...) of a subtree, iteratively."""
    out = [frame.function, frame.time, []]
    stack = [(frame, out)]
    while stack:
        f, o = stack.pop()
        for c in f.children:
            co = [c.function, c.time, []]
            o[2].append(co)
            stack.append((c, co))
    return out


class RootFrame(unittest.TestCase):
    def test_timeline_tree_with_the_stem_trimmed(self):
        root = example().root_frame()
        self.assertEqual(root.function, "main")  # MainThread is above start()
        self.assertIsNone(root.parent)
        self.assertEqual(
            [c.function for c in root.children],
            ["compute", "loads", "compute", SELF_TIME_FRAME_IDENTIFIER],
        )
        self.assertAlmostEqual(root.time, 0.9375)
        root.self_check()

    def test_untrimmed_keeps_the_thread(self):
        root = example().root_frame(trim_stem=False)
        self.assertEqual(root.function, "MainThread")
        self.assertEqual(root.file_path, "<thread>")
        self.assertEqual(root.line_no, 140)
        self.assertIs(root.children[0].parent, root)

    def test_empty_session_has_no_root(self):
        self.assertIsNone(session([]).root_frame())

    def test_same_node_same_object(self):
        root = example().root_frame()
        a = root.children[1]
        self.assertIs(a, root.children[1])
        self.assertIs(a.children[0].parent, a)
        a.note = "kept"  # attributes of one's own stay with the frame
        self.assertEqual(root.children[1].note, "kept")

    def test_fields(self):
        s = example()
        loads = s.root_frame().children[1]
        decode = loads.children[0]
        self.assertEqual(loads.identifier, LOADS)
        self.assertEqual(loads.file_path_short, "json/__init__.py")
        self.assertEqual(loads.code_position_short(), "json/__init__.py:299")
        self.assertFalse(loads.is_application_code)
        self.assertTrue(loads.parent.is_application_code)
        self.assertEqual(decode.class_name, "JSONDecoder")
        self.assertEqual(dict(decode.attributes), {"cJSONDecoder": 0.125})
        self.assertEqual(decode.get_attribute_value("c"), "JSONDecoder")
        self.assertFalse(decode.has_tracebackhide)
        self.assertIs(loads.context, s)
        self.assertAlmostEqual(loads.proportion_of_parent, 0.125 / 0.9375)
        self.assertEqual(loads.parent.proportion_of_parent, 1.0)
        self.assertAlmostEqual(loads.total_self_time, 0.0)
        self.assertAlmostEqual(loads.parent.total_self_time, 0.0625)
        sf = decode.children[0]
        self.assertTrue(sf.is_synthetic and sf.is_synthetic_leaf)
        self.assertEqual(sf.file_path_short, "json/decoder.py")  # its parent's
        self.assertIsNone(sf.line_no)

    def test_await_time(self):
        s = session([
            ([THREAD, MAIN, COMPUTE, "[await]"], 0.25),
            ([THREAD, MAIN, "[await]"], 0.5),
            ([THREAD, MAIN, COMPUTE], 0.125),
        ])
        root = s.root_frame()
        self.assertEqual(root.await_time(), 0.75)
        self.assertEqual(root.children[0].await_time(), 0.25)

    def test_a_deep_tree(self):
        deep = [THREAD] + [fi(f"f{i}", f"{APP}/d.py", i) for i in range(5000)]
        root = session([(deep, 0.5)], start=(THREAD,)).root_frame()
        root.self_check()  # no recursion limit: checked in C
        text = root.to_json_str()
        self.assertEqual(text.count('"identifier"'), 5002)  # + [self]
        root = processors.aggregate_repeated_calls(root, options={})
        n, f = 0, root
        while f.children:
            f, n = f.children[0], n + 1
        self.assertEqual(n, 5001)


class EditingFrames(unittest.TestCase):
    def test_constructor_and_attributes(self):
        f = Frame(DECODE, time=0.5)
        self.assertEqual(f.identifier, DECODE.split("\x01")[0])
        self.assertEqual(f.time, 0.5)
        self.assertEqual(dict(f.attributes), {"cJSONDecoder": 0.5})
        f.attributes["cOther"] = 0.75
        self.assertEqual(f.class_name, "Other")
        del f.attributes["cOther"]
        self.assertEqual(list(f.attributes), ["cJSONDecoder"])
        f.record_time_from_frame_info(DECODE, 0.25)
        self.assertEqual(f.time, 0.75)
        self.assertEqual(f.attributes["cJSONDecoder"], 0.75)
        with self.assertRaises(RuntimeError):  # no context to shorten with
            f.file_path_short

    def test_children_and_moves_between_trees(self):
        a = leaf(COMPUTE, 0.25)
        b = Frame(LOADS, children=[leaf(DECODE, 0.125)], time=0.125)
        parent = Frame(MAIN, children=[a, b], time=0.375)
        self.assertEqual([c.function for c in parent.children], ["compute", "loads"])
        self.assertIs(a.parent, parent)
        self.assertIs(b.children[0].parent, b)
        parent.self_check()
        s = example()
        root = s.root_frame()
        root.add_child(parent, after=root.children[0])
        self.assertIs(parent.parent, root)
        self.assertIs(parent.context, s)  # it took its new parent's context
        self.assertEqual(parent.file_path_short, "m.py")
        self.assertEqual(root.children[1], parent)
        parent.remove_from_parent()
        self.assertIsNone(parent.parent)
        self.assertNotIn(parent, root.children)

    def test_add_children_keeps_order(self):
        p = Frame(MAIN)
        first = Frame(COMPUTE)
        p.add_child(first)
        p.add_children([Frame(LOADS), Frame(DECODE)], after=first)
        self.assertEqual([c.function for c in p.children],
                         ["compute", "loads", "decode"])

    def test_refusals(self):
        leaf = Frame(SELF_TIME_FRAME_IDENTIFIER, time=1)
        with self.assertRaisesRegex(ValueError, "leaf-only"):
            leaf.add_child(Frame(MAIN))
        p = Frame(MAIN)
        c = Frame(COMPUTE)
        p.add_child(c)
        with self.assertRaises(ValueError):
            c.add_child(p)  # a frame below itself

    def test_self_check_finds_a_wrong_time(self):
        p = Frame(MAIN, children=[leaf(COMPUTE, 0.25)], time=0.25)
        p.self_check()
        p.time = 0.5
        with self.assertRaisesRegex(AssertionError, "time mismatch"):
            p.self_check()
        p.absorbed_time = 0.25
        p.self_check()

    def test_to_json_str_is_pyinstrument_s(self):
        f = Frame(fi("f\u00e9", "/a/\"x\".py", 3, "c\u00e9"), time=0.5)
        f.add_child(Frame(SELF_TIME_FRAME_IDENTIFIER, time=0.5))
        text = f.to_json_str()
        self.assertTrue(text.startswith('{"identifier": "f\u00e9\\u0000/a/\\"x\\".py'
                                        '\\u00003","time": 0.500000,'
                                        '"attributes": {"c\\u00e9": 0.5},'
                                        '"children": [{"identifier": "[self]"'))
        data = json.loads(text)
        self.assertEqual(data["children"][0]["children"], [])

    def test_groups(self):
        root = example().root_frame()
        loads = root.children[1]
        g = FrameGroup(loads)
        g.add_frame(loads.children[0])
        self.assertIs(loads.group, g)
        self.assertIs(g.root, loads)
        self.assertEqual(len(g.frames), 2)
        # decode's [self] is outside the group
        self.assertEqual(g.exit_frames, [loads.children[0]])
        self.assertRegex(g.id, r"^[0-9a-f]{8}-[0-9a-f]{4}-4")
        g.remove_frame(loads.children[0])
        self.assertIsNone(loads.children[0].group)


class Processors(unittest.TestCase):
    def test_none_stays_none(self):
        for name in processors.__all__:
            if name[0].islower():
                self.assertIsNone(getattr(processors, name)(None, options={}))

    def test_aggregate(self):
        root = processors.aggregate_repeated_calls(example().root_frame(), {})
        self.assertEqual([(c.function, c.time) for c in root.children],
                         [("compute", 0.75), ("loads", 0.125),
                          (SELF_TIME_FRAME_IDENTIFIER, 0.0625)])
        root.self_check()

    def test_irrelevant_with_options(self):
        root = example().root_frame()
        root = processors.remove_irrelevant_nodes(root, options={"filter_threshold": 0.2})
        self.assertEqual([c.function for c in root.children], ["compute", "compute"])
        self.assertAlmostEqual(root.absorbed_time, 0.1875)
        root.self_check()

    def test_group_library_frames(self):
        root = processors.group_library_frames_processor(
            example().root_frame(), options={})
        loads = root.children[1]
        self.assertIsNotNone(loads.group)
        self.assertIs(loads.children[0].group, loads.group)
        self.assertIsNone(root.group)
        regex = processors.group_library_frames_processor(
            example().root_frame(), options={"show_regex": ".*json.*"})
        self.assertIsNone(regex.children[1].group)

    def test_a_mixed_python_chain(self):
        seen = []

        def rename(frame, options):
            seen.append(options.get("suffix"))
            for c in frame.children:
                c.identifier = c.function + options["suffix"] + "\x00x.py\x001"
            return frame

        root = example().root_frame()
        for p in (processors.aggregate_repeated_calls, rename,
                  processors.remove_unnecessary_self_time_nodes):
            root = p(root, options={"suffix": "!"})
        self.assertEqual(seen, ["!"])
        self.assertEqual([c.function for c in root.children],
                         ["compute!", "loads!", "[self]!"])


class SessionObject(TempDirTest):
    def test_fields_are_assignable(self):
        s = example()
        s.target_description = "renamed"
        s.sys_path = ["/usr/lib"]
        s.duration = 2.0
        self.assertEqual(s.target_description, "renamed")
        self.assertEqual(s.sys_path, ["/usr/lib"])
        self.assertEqual(s.duration, 2.0)
        self.assertEqual(s.shorten_path(f"{LIB}/json/x.py"), "python3.11/json/x.py")
        s.frame_records = [([THREAD, MAIN], 1.0)]
        self.assertEqual(len(s.frame_records), 1)
        self.assertEqual(s.root_frame().time, 1.0)

    def test_to_json_and_back(self):
        s = example()
        d = s.to_json()
        self.assertEqual(list(d), ["start_time", "duration", "min_interval",
                                   "max_interval", "sample_count",
                                   "start_call_stack", "target_description",
                                   "cpu_time", "sys_path", "sys_prefixes",
                                   "frame_records"])
        again = Session.from_json(json.loads(json.dumps(d)))
        self.assertEqual(again.frame_records, s.frame_records)
        self.assertNotIn("frame_records", s.to_json(include_frame_records=False))
        del d["sys_path"]
        self.assertEqual(Session.from_json(d).sys_path, sys.path)
        del d["duration"]
        with self.assertRaises(KeyError):
            Session.from_json(d)

    def test_file_errors_are_os_errors(self):
        missing = os.path.join(self.dir, "nope.pyisession")
        with self.assertRaises(FileNotFoundError) as e:
            Session.load(missing)
        self.assertEqual(e.exception.filename, missing)
        self.assertEqual(e.exception.errno, 2)
        with self.assertRaises(IsADirectoryError):
            Session.load(self.dir)
        with self.assertRaises(NotADirectoryError):
            Session.load(os.path.join(self.write("f", "x"), "x.pyisession"))
        with self.assertRaises(FileNotFoundError) as e:
            example().save(os.path.join(self.dir, "no", "such", "dir.pyisession"))
        self.assertEqual(e.exception.errno, 2)


class Introspection(unittest.TestCase):
    def test_every_public_callable_has_a_signature(self):
        import pyinstrument.profiler
        import pyinstrument.renderers
        modules = [pyinstrument, pyinstrument.frame, processors,
                   pyinstrument.renderers, pyinstrument.session,
                   pyinstrument.profiler]
        missing = []
        for mod in modules:
            for name in mod.__all__:
                obj = getattr(mod, name)
                targets = [(name, obj)]
                if isinstance(obj, type):
                    targets += [(f"{name}.{a}", getattr(obj, a)) for a in dir(obj)
                                if not a.startswith("_") and callable(getattr(obj, a))
                                and not isinstance(getattr(obj, a), type)]
                for label, target in targets:
                    if callable(target):
                        try:
                            inspect.signature(target)
                        except (TypeError, ValueError):
                            missing.append(label)
        self.assertEqual(missing, [])
        sig = inspect.signature(processors.remove_irrelevant_nodes)
        self.assertEqual(list(sig.parameters), ["frame", "options"])


import pyinstrument  # noqa: E402  (used by Introspection)

if __name__ == "__main__":
    unittest.main()
