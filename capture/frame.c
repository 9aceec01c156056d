/* frame.c - pyinstrument.frame.Frame: a view of one node of a libsession
 * frame tree (frame_tree.c). Reading a field reads the node; editing the
 * view edits the node, so Python code and libsession's processors work on
 * the same tree.
 */
#include "frame.h"

#include <math.h>
#include <string.h>

static PyObject *no_context(void) {
  PyErr_SetString(PyExc_RuntimeError, "Frame has no context");
  return NULL;
}

static int Frame_Traverse(FrameObject *o, visitproc visit, void *arg) {
  Py_VISIT(o->tree);
  Py_VISIT(o->dict);
  return 0;
}

static int Frame_Clear(FrameObject *o) {
  Py_CLEAR(o->dict);
  return 0;
}

static void Frame_Dealloc(FrameObject *o) {
  PyObject_GC_UnTrack(o);
  /* only a dying tree lets go of its views */
  if (o->f && pyi_frame_user(o->f) == o)
    pyi_frame_set_user(o->f, NULL);
  Py_CLEAR(o->dict);
  Py_CLEAR(o->tree);
  Py_TYPE(o)->tp_free((PyObject *)o);
}

PyObject *capture_frame_alloc(TreeObject *T, pyi_frame *f) {
  FrameObject *o = PyObject_GC_New(FrameObject, &Frame_Type);
  if (!o)
    return NULL;
  o->tree = (TreeObject *)Py_NewRef(T);
  o->f = f;
  o->dict = NULL;
  o->slot = 0;
  PyObject_GC_Track(o);
  return (PyObject *)o;
}

/* Frame(identifier_or_frame_info="", children=None, time=0, context=None) */
static PyObject *Frame_New(PyTypeObject *type, PyObject *args,
                           PyObject *kwds) {
  static char *kwlist[] = {"identifier_or_frame_info", "children", "time",
                           "context", NULL};
  PyObject *info = NULL, *children = Py_None, *context = Py_None;
  double time = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|UOdO:Frame", kwlist, &info,
                                   &children, &time, &context))
    return NULL;
  if (context != Py_None && !capture_session_get(context))
    return NULL;
  PyObject *b = info ? capture_utf8(info, "identifier_or_frame_info")
                      : PyBytes_FromString("");
  TreeObject *T = b ? capture_tree_empty(context) : NULL;
  PyObject *self = NULL, *seq = NULL;
  if (!T)
    goto done;
  pyi_frame *f = pyi_frame_make(T->t, PyBytes_AS_STRING(b),
                                (size_t)PyBytes_GET_SIZE(b), time);
  if (!(self = capture_frame_view(T, f)))
    goto done;
  if (children != Py_None) {
    if (!(seq = PySequence_Fast(children, "children must be a sequence")))
      goto error;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
      PyObject *c = PySequence_Fast_GET_ITEM(seq, i);
      pyi_frame *cf = capture_bring_into(T, c);
      pyi_error err = {0};
      if (!cf)
        goto error;
      if (pyi_frame_add_child(T->t, f, cf, NULL, &err)) {
        capture_set_error(PyExc_ValueError, &err);
        goto error;
      }
    }
  }
  goto done;
error:
  Py_CLEAR(self);
done:
  Py_XDECREF(seq);
  Py_XDECREF(T);
  Py_XDECREF(b);
  return self;
}

/* ==== Frame: fields ======================================================= */

static PyObject *Frame_GetIdentifier(FrameObject *o, void *unused) {
  size_t len;
  const char *s = pyi_frame_identifier(o->tree->t, o->f, &len);
  return capture_text(s, len);
}

static int Frame_SetIdentifier(FrameObject *o, PyObject *v, void *unused) {
  PyObject *b = v ? capture_utf8(v, "identifier") : NULL;
  if (!v)
    PyErr_SetString(PyExc_AttributeError, "cannot delete identifier");
  if (!b)
    return -1;
  /* as pyinstrument's constructor: anything after \x01 is not identity */
  const char *s = PyBytes_AS_STRING(b);
  const char *end = memchr(s, '\x01', (size_t)PyBytes_GET_SIZE(b));
  size_t len = end ? (size_t)(end - s) : (size_t)PyBytes_GET_SIZE(b);
  pyi_frame_set_identifier(o->tree->t, o->f, s, len);
  Py_DECREF(b);
  return 0;
}

static PyObject *Frame_GetFunction(FrameObject *o, void *unused) {
  size_t len;
  const char *s = pyi_frame_function(o->tree->t, o->f, &len);
  return capture_text(s, len);
}

static PyObject *Frame_GetFilePath(FrameObject *o, void *unused) {
  size_t len;
  const char *s = pyi_frame_file(o->tree->t, o->f, &len);
  return s ? capture_text(s, len) : Py_NewRef(Py_None);
}

static PyObject *Frame_GetLineNo(FrameObject *o, void *unused) {
  size_t len;
  const char *s = pyi_frame_line_text(o->tree->t, o->f, &len);
  if (!s)
    Py_RETURN_NONE;
  /* int() of the text, as pyinstrument: any size, Unicode digits */
  PyObject *str = capture_text(s, len);
  PyObject *n = str ? PyLong_FromUnicodeObject(str, 10) : NULL;
  Py_XDECREF(str);
  return n;
}

static double get_double(PyObject *v, const char *name) {
  if (!v) {
    PyErr_Format(PyExc_AttributeError, "cannot delete %s", name);
    return -1;
  }
  return PyFloat_AsDouble(v);
}

/* time and absorbed_time: the getset closure picks the field */
static PyObject *Frame_GetSeconds(FrameObject *o, void *absorbed) {
  return PyFloat_FromDouble(absorbed ? pyi_frame_absorbed_time(o->f)
                                     : pyi_frame_time(o->f));
}

static int Frame_SetSeconds(FrameObject *o, PyObject *v, void *absorbed) {
  double d = get_double(v, absorbed ? "absorbed_time" : "time");
  if (d == -1 && PyErr_Occurred())
    return -1;
  (absorbed ? pyi_frame_set_absorbed_time : pyi_frame_set_time)(o->f, d);
  return 0;
}

static PyObject *Frame_GetParent(FrameObject *o, void *unused) {
  return capture_frame_view(o->tree, pyi_frame_parent(o->f));
}

static PyObject *Frame_GetChildren(FrameObject *o, void *unused) {
  Py_ssize_t n = 0;
  for (pyi_frame *c = pyi_frame_first_child(o->f); c;
       c = pyi_frame_next_sibling(c))
    n++;
  PyObject *tuple = PyTuple_New(n);
  Py_ssize_t i = 0;
  for (pyi_frame *c = pyi_frame_first_child(o->f); tuple && c;
       c = pyi_frame_next_sibling(c)) {
    PyObject *v = capture_frame_view(o->tree, c);
    if (!v)
      Py_CLEAR(tuple);
    else
      PyTuple_SET_ITEM(tuple, i++, v);
  }
  return tuple;
}

static PyObject *Frame_GetGroup(FrameObject *o, void *unused) {
  size_t g = pyi_frame_group_of(o->tree->t, o->f);
  return g ? capture_group_view(o->tree, g) : Py_NewRef(Py_None);
}

static int Frame_SetGroup(FrameObject *o, PyObject *v, void *unused) {
  size_t g = 0;
  if (v && v != Py_None) {
    if (!PyObject_TypeCheck(v, &FrameGroup_Type) ||
        ((GroupObject *)v)->tree != o->tree) {
      PyErr_SetString(PyExc_ValueError,
                      "a frame's group must be a FrameGroup of its tree");
      return -1;
    }
    g = ((GroupObject *)v)->group;
  }
  pyi_group_set(o->tree->t, g, o->f);
  return 0;
}

static PyObject *Frame_GetContext(FrameObject *o, void *unused) {
  return o->tree->context ? Py_NewRef(o->tree->context) : no_context();
}

static PyObject *Frame_GetSynthetic(FrameObject *o, void *unused) {
  return PyBool_FromLong(pyi_frame_is_synthetic(o->tree->t, o->f));
}

static PyObject *Frame_GetSyntheticLeaf(FrameObject *o, void *unused) {
  return PyBool_FromLong(pyi_frame_is_leaf_only(o->tree->t, o->f));
}

static PyObject *Frame_GetClassName(FrameObject *o, void *unused) {
  /* pyinstrument returns "" for an empty class observation */
  size_t n = pyi_frame_attr_count(o->f), len;
  const char *best = NULL;
  double best_v = 0;
  for (size_t i = 0; i < n; i++) {
    double v;
    const char *k = pyi_frame_attr(o->tree->t, o->f, i, &len, &v, NULL);
    if (len && k[0] == 'c' && (!best || v > best_v)) {
      best = k;
      best_v = v;
    }
  }
  if (!best)
    Py_RETURN_NONE;
  const char *c = pyi_frame_class(o->tree->t, o->f, &len);
  return c ? capture_text(c, len) : PyUnicode_FromString("");
}

static PyObject *Frame_GetTbHide(FrameObject *o, void *unused) {
  return PyBool_FromLong(pyi_frame_tracebackhide(o->tree->t, o->f));
}

/* The frame whose file a synthetic frame shows: its nearest real parent. */
static const pyi_frame *file_frame(const pyi_tree *t, const pyi_frame *f) {
  while (pyi_frame_is_synthetic(t, f) && pyi_frame_parent(f))
    f = pyi_frame_parent(f);
  return f;
}

static PyObject *short_path(FrameObject *o) {
  const pyi_tree *t = o->tree->t;
  size_t len;
  const pyi_frame *f = file_frame(t, o->f);
  if (!pyi_frame_file(t, f, &len) || !len)
    Py_RETURN_NONE;
  if (!o->tree->context)
    return no_context();
  const char *sp = pyi_frame_file_short(t, f);
  return sp ? capture_text(sp, strlen(sp)) : Py_NewRef(Py_None);
}

static PyObject *Frame_GetFilePathShort(FrameObject *o, void *unused) {
  return short_path(o);
}

static PyObject *Frame_GetIsApp(FrameObject *o, void *unused) {
  const pyi_tree *t = o->tree->t;
  size_t len;
  if (pyi_frame_is_synthetic(t, o->f) || !pyi_frame_file(t, o->f, &len) ||
      !len)
    Py_RETURN_FALSE;
  if (!o->tree->context)
    return no_context();
  return PyBool_FromLong(pyi_frame_is_application(t, o->f));
}

static PyObject *Frame_GetProportion(FrameObject *o, void *unused) {
  pyi_frame *p = pyi_frame_parent(o->f);
  if (!p)
    return PyFloat_FromDouble(1.0);
  double pt = pyi_frame_time(p);
  return PyFloat_FromDouble(pt == 0 ? NAN : pyi_frame_time(o->f) / pt);
}

static PyObject *Frame_GetSelfTime(FrameObject *o, void *unused) {
  return PyFloat_FromDouble(pyi_frame_total_self_time(o->tree->t, o->f));
}

static PyObject *Frame_GetAttributes(FrameObject *o, void *unused) {
  return capture_attrs_new(o);
}

static int Frame_SetAttributes(FrameObject *o, PyObject *v, void *unused) {
  PyObject *items = v ? PyMapping_Items(v) : NULL;
  if (!v)
    PyErr_SetString(PyExc_AttributeError, "cannot delete attributes");
  if (!items)
    return -1;
  pyi_frame_clear_attrs(o->f);
  int rc = 0;
  for (Py_ssize_t i = 0; rc == 0 && i < PyList_GET_SIZE(items); i++) {
    PyObject *kv = PyList_GET_ITEM(items, i);
    rc = capture_attrs_set(o, PyTuple_GET_ITEM(kv, 0), PyTuple_GET_ITEM(kv, 1));
  }
  Py_DECREF(items);
  return rc;
}

static PyObject *Frame_GetDict(FrameObject *o, void *unused) {
  if (!o->dict && !(o->dict = PyDict_New()))
    return NULL;
  return Py_NewRef(o->dict);
}

/* ==== Frame: methods ====================================================== */

static PyObject *Frame_CodePosition(FrameObject *o, PyObject *unused) {
  PyObject *sp = short_path(o);
  if (!sp || sp == Py_None)
    return sp;
  PyObject *line = Frame_GetLineNo(o, NULL);
  if (!line) {
    Py_DECREF(sp);
    return NULL;
  }
  int truth = line == Py_None ? 0 : PyObject_IsTrue(line);
  PyObject *r = truth > 0 ? PyUnicode_FromFormat("%U:%S", sp, line)
                          : Py_NewRef(sp);
  Py_DECREF(sp);
  Py_DECREF(line);
  return r;
}

static PyObject *Frame_AwaitTime(FrameObject *o, PyObject *unused) {
  return PyFloat_FromDouble(pyi_frame_await_time(o->tree->t, o->f));
}

static PyObject *Frame_AttributeValue(FrameObject *o, PyObject *marker) {
  PyObject *b = capture_utf8(marker, "attribute_marker");
  if (!b)
    return NULL;
  const char *m = PyBytes_AS_STRING(b);
  size_t mlen = (size_t)PyBytes_GET_SIZE(b), n = pyi_frame_attr_count(o->f);
  const char *best = NULL;
  size_t best_len = 0;
  double best_v = 0;
  for (size_t i = 0; i < n; i++) {
    size_t len;
    double v;
    const char *k = pyi_frame_attr(o->tree->t, o->f, i, &len, &v, NULL);
    if (len >= mlen && memcmp(k, m, mlen) == 0 && (!best || v > best_v)) {
      best = k;
      best_len = len;
      best_v = v;
    }
  }
  Py_DECREF(b);
  /* the key minus its first character, as pyinstrument strips "the" marker */
  if (!best)
    Py_RETURN_NONE;
  PyObject *key = capture_text(best, best_len);
  PyObject *r = key ? PyUnicode_Substring(key, 1, PY_SSIZE_T_MAX) : NULL;
  Py_XDECREF(key);
  return r;
}

static PyObject *Frame_AddChild(FrameObject *o, PyObject *args,
                                PyObject *kwds) {
  static char *kwlist[] = {"frame", "after", NULL};
  PyObject *child, *after = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!|O:add_child", kwlist,
                                   &Frame_Type, &child, &after))
    return NULL;
  pyi_frame *a = NULL;
  TreeObject *at;
  if (after != Py_None && !(a = capture_frame_node(after, &at)))
    return NULL;
  if (a && at != o->tree) {
    PyErr_SetString(PyExc_ValueError, "'after' is not a child of this frame");
    return NULL;
  }
  if (pyi_frame_is_leaf_only(o->tree->t, o->f)) {
    PyErr_SetString(PyExc_ValueError,
                    "Cannot add children to a leaf-only frame");
    return NULL;
  }
  pyi_frame *c = capture_bring_into(o->tree, child);
  pyi_error err = {0};
  if (!c)
    return NULL;
  if (pyi_frame_add_child(o->tree->t, o->f, c, a, &err)) {
    capture_set_error(PyExc_ValueError, &err);
    return NULL;
  }
  Py_RETURN_NONE;
}

static PyObject *Frame_AddChildren(FrameObject *o, PyObject *args,
                                   PyObject *kwds) {
  static char *kwlist[] = {"frames", "after", NULL};
  PyObject *frames, *after = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:add_children", kwlist,
                                   &frames, &after))
    return NULL;
  PyObject *seq = PySequence_Fast(frames, "frames must be a sequence");
  if (!seq)
    return NULL;
  /* one after the other: each new frame goes after the previous one */
  PyObject *prev = Py_NewRef(after);
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
    PyObject *f = PySequence_Fast_GET_ITEM(seq, i);
    PyObject *a = Py_BuildValue("(OO)", f, prev);
    PyObject *r = a ? Frame_AddChild(o, a, NULL) : NULL;
    Py_XDECREF(a);
    if (!r) {
      Py_DECREF(prev);
      Py_DECREF(seq);
      return NULL;
    }
    Py_DECREF(r);
    if (after != Py_None)
      Py_SETREF(prev, Py_NewRef(f));
  }
  Py_DECREF(prev);
  Py_DECREF(seq);
  Py_RETURN_NONE;
}

static PyObject *Frame_RemoveFromParent(FrameObject *o, PyObject *unused) {
  pyi_frame_remove(o->f);
  Py_RETURN_NONE;
}

static PyObject *Frame_SetContext(FrameObject *o, PyObject *context) {
  if (context == Py_None)
    context = NULL;
  if (context == o->tree->context)
    Py_RETURN_NONE;
  if (context && !capture_session_get(context))
    return NULL;
  if (pyi_frame_parent(o->f)) {
    PyErr_SetString(PyExc_ValueError,
                    "a frame has its parent's context: set it on the root");
    return NULL;
  }
  TreeObject *T = capture_tree_empty(context);
  pyi_frame *f = T ? capture_bring_into(T, (PyObject *)o) : NULL;
  Py_XDECREF(T);
  if (!f)
    return NULL;
  Py_RETURN_NONE;
}

static PyObject *Frame_RecordTime(FrameObject *o, PyObject *args,
                                  PyObject *kwds) {
  static char *kwlist[] = {"frame_info", "time", NULL};
  PyObject *info;
  double time;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "Ud:record_time_from_frame_info",
                                   kwlist, &info, &time))
    return NULL;
  PyObject *b = capture_utf8(info, "frame_info");
  if (!b)
    return NULL;
  /* a scratch frame parses the info; its attributes are added to ours */
  pyi_tree *t = o->tree->t;
  pyi_frame *tmp = pyi_frame_make(t, PyBytes_AS_STRING(b),
                                  (size_t)PyBytes_GET_SIZE(b), time);
  Py_DECREF(b);
  pyi_frame_set_time(o->f, pyi_frame_time(o->f) + time);
  size_t n = pyi_frame_attr_count(tmp);
  for (size_t i = 0; i < n; i++) {
    size_t len, m = pyi_frame_attr_count(o->f), k;
    double v, old = 0;
    bool found = false;
    const char *key = pyi_frame_attr(t, tmp, i, &len, &v, NULL);
    for (k = 0; k < m && !found; k++) {
      size_t l2;
      const char *k2 = pyi_frame_attr(t, o->f, k, &l2, &old, NULL);
      found = l2 == len && memcmp(k2, key, len) == 0;
    }
    pyi_frame_set_attr(t, o->f, key, len, found ? old + time : time, false);
  }
  Py_RETURN_NONE;
}

static PyObject *Frame_SelfCheck(FrameObject *o, PyObject *args,
                                 PyObject *kwds) {
  static char *kwlist[] = {"recursive", NULL};
  int recursive = 1;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|p:self_check", kwlist,
                                   &recursive))
    return NULL;
  const pyi_tree *t = o->tree->t;
  const pyi_frame *bad = pyi_frame_check(t, o->f, recursive);
  if (!bad)
    Py_RETURN_NONE;
  double sum = pyi_frame_absorbed_time(bad);
  for (pyi_frame *c = pyi_frame_first_child(bad); c;
       c = pyi_frame_next_sibling(c))
    sum += pyi_frame_time(c);
  size_t len;
  const char *id = pyi_frame_identifier(t, bad, &len);
  PyObject *name = capture_text(id, len);
  PyObject *should = PyFloat_FromDouble(sum);
  PyObject *was = PyFloat_FromDouble(pyi_frame_time(bad));
  if (name && should && was)
    PyErr_Format(PyExc_AssertionError,
                 pyi_frame_is_leaf_only(t, bad)
                     ? "Frame %R is leaf-only and has children"
                     : "Frame time mismatch in %R, should be %S, was %S",
                 name, should, was);
  Py_XDECREF(name);
  Py_XDECREF(should);
  Py_XDECREF(was);
  return NULL;
}

static PyObject *Frame_ToJsonStr(FrameObject *o, PyObject *unused) {
  return capture_frame_to_json((PyObject *)o);
}

static PyObject *Frame_Repr(FrameObject *o) {
  PyObject *id = Frame_GetIdentifier(o, NULL);
  PyObject *g = id ? Frame_GetGroup(o, NULL) : NULL;
  size_t n = 0;
  for (pyi_frame *c = pyi_frame_first_child(o->f); c;
       c = pyi_frame_next_sibling(c))
    n++;
  char time[64];
  snprintf(time, sizeof time, "%f", pyi_frame_time(o->f));
  PyObject *r = g ? PyUnicode_FromFormat(
                        "Frame(identifier=%U, time=%s, len(children)=%zu), "
                        "group=%R",
                        id, time, n, g)
                  : NULL;
  Py_XDECREF(id);
  Py_XDECREF(g);
  return r;
}

static PyGetSetDef Frame_GetSet[] = {
    {"identifier", (getter)Frame_GetIdentifier, (setter)Frame_SetIdentifier,
     "function, file and line, NUL-separated: what makes two frames the "
     "same.",
     NULL},
    {"function", (getter)Frame_GetFunction, NULL,
     "The function's name (the whole identifier of a synthetic frame).",
     NULL},
    {"file_path", (getter)Frame_GetFilePath, NULL,
     "The file the function is in, or None.", NULL},
    {"line_no", (getter)Frame_GetLineNo, NULL,
     "The line of the function's definition, or None.", NULL},
    {"time", (getter)Frame_GetSeconds, (setter)Frame_SetSeconds,
     "Total seconds in this frame and below it.", NULL},
    {"absorbed_time", (getter)Frame_GetSeconds, (setter)Frame_SetSeconds,
     "Seconds of descendants that processors removed into this frame.",
     (void *)1},
    {"parent", (getter)Frame_GetParent, NULL, "The caller's frame, or None.",
     NULL},
    {"children", (getter)Frame_GetChildren, NULL,
     "The frames it called, as a tuple (edit with add_child and "
     "remove_from_parent).",
     NULL},
    {"group", (getter)Frame_GetGroup, (setter)Frame_SetGroup,
     "The FrameGroup of library frames it belongs to, or None.", NULL},
    {"context", (getter)Frame_GetContext, NULL,
     "The Session the frame belongs to (RuntimeError when none).", NULL},
    {"attributes", (getter)Frame_GetAttributes, (setter)Frame_SetAttributes,
     "Observations (\"l12\", \"cMyClass\") and the seconds seen, a live "
     "mapping.",
     NULL},
    {"is_synthetic", (getter)Frame_GetSynthetic, NULL,
     "True for [root], [self], [await] and [out-of-context].", NULL},
    {"is_synthetic_leaf", (getter)Frame_GetSyntheticLeaf, NULL,
     "True for [self], [await] and [out-of-context], which have no "
     "children.",
     NULL},
    {"class_name", (getter)Frame_GetClassName, NULL,
     "The class of the method, as most observed, or None.", NULL},
    {"has_tracebackhide", (getter)Frame_GetTbHide, NULL,
     "Whether the function sets __tracebackhide__.", NULL},
    {"file_path_short", (getter)Frame_GetFilePathShort, NULL,
     "file_path relative to the closest sys.path entry.", NULL},
    {"is_application_code", (getter)Frame_GetIsApp, NULL,
     "False for library code (under the interpreter's prefixes) and "
     "synthetic frames.",
     NULL},
    {"proportion_of_parent", (getter)Frame_GetProportion, NULL,
     "time / parent.time (1.0 for a root, NaN under a parent of no time).",
     NULL},
    {"total_self_time", (getter)Frame_GetSelfTime, NULL,
     "time minus the time of the children that are not synthetic.", NULL},
    {"__dict__", (getter)Frame_GetDict, NULL, NULL, NULL},
    {NULL},
};

static PyMethodDef Frame_Methods[] = {
    {"code_position_short", (PyCFunction)Frame_CodePosition, METH_NOARGS,
     "code_position_short($self, /)\n--\n\n\"file.py:12\": the short path "
     "and the line, or None."},
    {"await_time", (PyCFunction)Frame_AwaitTime, METH_NOARGS,
     "await_time($self, /)\n--\n\nSeconds in [await] frames of this "
     "subtree."},
    {"get_attribute_value", (PyCFunction)Frame_AttributeValue, METH_O,
     "get_attribute_value($self, attribute_marker, /)\n--\n\nThe most "
     "observed value of the attributes starting with the marker, or None."},
    {"add_child", (PyCFunction)(void (*)(void))Frame_AddChild,
     METH_VARARGS | METH_KEYWORDS,
     "add_child($self, /, frame, after=None)\n--\n\nMakes 'frame' the last "
     "child, or the one right after 'after'; it leaves its old parent."},
    {"add_children", (PyCFunction)(void (*)(void))Frame_AddChildren,
     METH_VARARGS | METH_KEYWORDS,
     "add_children($self, /, frames, after=None)\n--\n\nadd_child for each "
     "frame, keeping their order."},
    {"remove_from_parent", (PyCFunction)Frame_RemoveFromParent, METH_NOARGS,
     "remove_from_parent($self, /)\n--\n\nDetaches the frame from its "
     "parent."},
    {"set_context", (PyCFunction)Frame_SetContext, METH_O,
     "set_context($self, context, /)\n--\n\nMoves a root frame and its "
     "subtree to the Session 'context' (or to none)."},
    {"record_time_from_frame_info",
     (PyCFunction)(void (*)(void))Frame_RecordTime,
     METH_VARARGS | METH_KEYWORDS,
     "record_time_from_frame_info($self, /, frame_info, time)\n--\n\nAdds "
     "'time' to the frame and to each attribute of 'frame_info'."},
    {"self_check", (PyCFunction)(void (*)(void))Frame_SelfCheck,
     METH_VARARGS | METH_KEYWORDS,
     "self_check($self, /, recursive=True)\n--\n\nAssertionError unless "
     "every frame's time is its children's plus its absorbed time."},
    {"to_json_str", (PyCFunction)Frame_ToJsonStr, METH_NOARGS,
     "to_json_str($self, /)\n--\n\nThe subtree as JSON text: identifier, "
     "time, attributes, children."},
    {NULL},
};

PyTypeObject Frame_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "pyinstrument.frame.Frame",
    .tp_basicsize = sizeof(FrameObject),
    .tp_dealloc = (destructor)Frame_Dealloc,
    .tp_repr = (reprfunc)Frame_Repr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Frame(identifier_or_frame_info='', children=None, time=0, "
              "context=None)\n--\n\n"
              "One node of a call tree: a function called along one path, "
              "the time spent there and below.",
    .tp_traverse = (traverseproc)Frame_Traverse,
    .tp_clear = (inquiry)Frame_Clear,
    .tp_methods = Frame_Methods,
    .tp_getset = Frame_GetSet,
    .tp_dictoffset = offsetof(FrameObject, dict),
    .tp_new = Frame_New,
};

int capture_add_frames(PyObject *module) {
  if (capture_add_frame_tree(module) || PyType_Ready(&Attrs_Type) ||
      PyType_Ready(&Frame_Type))
    return -1;
  return PyModule_AddObjectRef(module, "Frame", (PyObject *)&Frame_Type) ||
                 PyModule_AddObjectRef(module, "FrameAttributes",
                                       (PyObject *)&Attrs_Type)
             ? -1
             : 0;
}
