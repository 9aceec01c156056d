/* frame.c - pyinstrument.frame: Frame and FrameGroup as views of a
 * libsession frame tree.
 *
 * A tree object owns one libsession tree and the session it reads from
 * (a Session object, the frames' "context", or a private empty session
 * for frames made without one). A Frame is a view of one node: made on
 * first access, kept by the tree for as long as the tree lives, so the
 * same node always gives the same object (identity, id() and attributes
 * set on it behave as on pyinstrument's frames). Editing a view edits the
 * node; a frame added to a frame of another tree is copied into that tree
 * and its views follow it. Processors (processors.c) run libsession's C
 * code on the same nodes.
 */
#include "capture.h"

#include <math.h>
#include <string.h>

struct TreeObject {
  PyObject_HEAD
  pyi_tree *t;
  PyObject *context; /* the Session the tree reads, or NULL */
  pyi_session *own;  /* the private session of a tree without context */
  PyObject **views;  /* every Frame made for a node of this tree */
  size_t n_views, cap_views;
  PyObject **groups; /* FrameGroup views by group number - 1 (or NULL) */
  size_t cap_groups;
};

typedef struct FrameObject {
  PyObject_HEAD
  TreeObject *tree;
  pyi_frame *f;
  size_t slot; /* index in tree->views */
  PyObject *dict;
} FrameObject;

typedef struct GroupObject {
  PyObject_HEAD
  TreeObject *tree;
  size_t group;
} GroupObject;

typedef struct AttrsObject {
  PyObject_HEAD
  FrameObject *frame;
} AttrsObject;

static PyTypeObject Tree_Type, Attrs_Type;

#define FRAME(o) ((FrameObject *)(o))

/* ==== helpers ============================================================= */

/* A str from frame text (it may hold NULs and surrogates). New reference. */
static PyObject *text(const char *s, size_t len) {
  return PyUnicode_DecodeUTF8(s, (Py_ssize_t)len, "surrogatepass");
}

/* The UTF-8 bytes of a str (surrogates kept). New reference. */
static PyObject *bytes_of(PyObject *str) {
  if (!PyUnicode_Check(str)) {
    PyErr_Format(PyExc_TypeError, "expected a str, not %.100s",
                 Py_TYPE(str)->tp_name);
    return NULL;
  }
  return PyUnicode_AsEncodedString(str, "utf-8", "surrogatepass");
}

static PyObject *no_context(void) {
  PyErr_SetString(PyExc_RuntimeError, "Frame has no context");
  return NULL;
}

/* ==== the tree ============================================================ */

static int Tree_Traverse(TreeObject *T, visitproc visit, void *arg) {
  Py_VISIT(T->context);
  for (size_t i = 0; i < T->n_views; i++)
    Py_VISIT(T->views[i]);
  for (size_t i = 0; i < T->cap_groups; i++)
    Py_VISIT(T->groups[i]);
  return 0;
}

static int Tree_Clear(TreeObject *T) {
  /* views are let go of last to first; each unhooks itself from its node */
  while (T->n_views) {
    PyObject *v = T->views[--T->n_views];
    T->views[T->n_views] = NULL;
    Py_DECREF(v);
  }
  for (size_t i = 0; i < T->cap_groups; i++)
    Py_CLEAR(T->groups[i]);
  Py_CLEAR(T->context);
  return 0;
}

static void Tree_Dealloc(TreeObject *T) {
  PyObject_GC_UnTrack(T);
  Tree_Clear(T);
  pyi_tree_free(T->t);
  pyi_session_free(T->own);
  PyMem_Free(T->views);
  PyMem_Free(T->groups);
  Py_TYPE(T)->tp_free((PyObject *)T);
}

static PyTypeObject Tree_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "pyinstrument._capture.FrameTree",
    .tp_basicsize = sizeof(TreeObject),
    .tp_dealloc = (destructor)Tree_Dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "The libsession tree a set of Frame objects belongs to.",
    .tp_traverse = (traverseproc)Tree_Traverse,
    .tp_clear = (inquiry)Tree_Clear,
};

/* A tree object for 't' reading session 's': 'context' is the Session
 * object that owns 's', or NULL when the tree owns 's' itself. Takes 't'
 * (and 's' without context) even on failure. New reference. */
static TreeObject *tree_wrap(pyi_tree *t, PyObject *context, pyi_session *s) {
  TreeObject *T = PyObject_GC_New(TreeObject, &Tree_Type);
  if (!T) {
    pyi_tree_free(t);
    if (!context)
      pyi_session_free(s);
    return NULL;
  }
  T->t = t;
  T->context = Py_XNewRef(context);
  T->own = context ? NULL : s;
  T->views = NULL;
  T->n_views = T->cap_views = 0;
  T->groups = NULL;
  T->cap_groups = 0;
  PyObject_GC_Track(T);
  return T;
}

/* An empty tree: of the Session 'context', or with a session of its own
 * when 'context' is NULL or None. New reference. */
static TreeObject *tree_empty(PyObject *context) {
  if (context == Py_None)
    context = NULL;
  pyi_session *s = context ? capture_session_get(context) : pyi_session_new();
  if (!s)
    return NULL;
  return tree_wrap(pyi_tree_new_empty(s), context, s);
}

/* ==== frame views ========================================================= */

static PyObject *view(TreeObject *T, pyi_frame *f) {
  PyObject *v = pyi_frame_user(f);
  if (v)
    return Py_NewRef(v);
  if (capture_grow((void **)&T->views, &T->cap_views, T->n_views + 1,
                   sizeof *T->views))
    return NULL;
  FrameObject *o = PyObject_GC_New(FrameObject, &Frame_Type);
  if (!o)
    return NULL;
  o->tree = (TreeObject *)Py_NewRef(T);
  o->f = f;
  o->dict = NULL;
  o->slot = T->n_views;
  T->views[T->n_views++] = Py_NewRef(o); /* the tree's reference */
  pyi_frame_set_user(f, o);
  PyObject_GC_Track(o);
  return (PyObject *)o;
}

PyObject *capture_frame_view(TreeObject *T, pyi_frame *f) {
  return f ? view(T, f) : Py_NewRef(Py_None);
}

pyi_frame *capture_frame_node(PyObject *obj, TreeObject **T) {
  if (!PyObject_TypeCheck(obj, &Frame_Type) || !FRAME(obj)->tree) {
    PyErr_Format(PyExc_TypeError, "expected a Frame, not %.100s",
                 Py_TYPE(obj)->tp_name);
    return NULL;
  }
  *T = FRAME(obj)->tree;
  return FRAME(obj)->f;
}

pyi_tree *capture_tree_of(TreeObject *T) { return T->t; }

PyObject *capture_tree_context(TreeObject *T) { return T->context; }

PyObject *capture_root_frame(PyObject *session, bool trim_stem) {
  pyi_session *s = capture_session_get(session);
  pyi_error err = {0};
  pyi_tree *t = s ? pyi_tree_new(s, trim_stem, &err) : NULL;
  if (!t) {
    if (s)
      capture_set_error(PyExc_ValueError, &err);
    return NULL;
  }
  TreeObject *T = tree_wrap(t, session, s);
  if (!T)
    return NULL;
  PyObject *root = capture_frame_view(T, pyi_tree_root(t));
  Py_DECREF(T);
  return root;
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

/* pyi_tree_adopt's callback: the view of 'old' now shows 'copy', in the
 * tree being copied into. */
struct moving {
  TreeObject *from, *to;
  int failed;
};

static void moved(void *ctx, pyi_frame *old, pyi_frame *copy) {
  struct moving *m = ctx;
  FrameObject *o = pyi_frame_user(old);
  if (!o || m->failed)
    return;
  if (capture_grow((void **)&m->to->views, &m->to->cap_views,
                   m->to->n_views + 1, sizeof *m->to->views)) {
    m->failed = 1; /* the view stays with the old, detached node */
    return;
  }
  TreeObject *from = m->from;
  /* the last view takes this one's slot in the old tree */
  FrameObject *last = FRAME(from->views[--from->n_views]);
  from->views[o->slot] = (PyObject *)last;
  last->slot = o->slot;
  from->views[from->n_views] = NULL;
  pyi_frame_set_user(old, NULL);
  o->slot = m->to->n_views;
  m->to->views[m->to->n_views++] = (PyObject *)o; /* the reference moves */
  Py_SETREF(o->tree, (TreeObject *)Py_NewRef(m->to));
  o->f = copy;
  pyi_frame_set_user(copy, o);
}

/* Makes 'child' a frame of tree 'T' (copying it over from its own tree if
 * need be); returns its node there, or NULL with an exception set. */
static pyi_frame *bring_into(TreeObject *T, PyObject *child) {
  TreeObject *C;
  pyi_frame *f = capture_frame_node(child, &C);
  if (!f || C == T)
    return f;
  struct moving m = {C, T, 0};
  Py_INCREF(C); /* the last view leaving may hold the last reference */
  pyi_tree_adopt(T->t, C->t, f, moved, &m);
  Py_DECREF(C);
  if (m.failed)
    return NULL;
  return FRAME(child)->f;
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
  PyObject *b = info ? bytes_of(info) : PyBytes_FromString("");
  TreeObject *T = b ? tree_empty(context) : NULL;
  PyObject *self = NULL, *seq = NULL;
  if (!T)
    goto done;
  pyi_frame *f = pyi_frame_make(T->t, PyBytes_AS_STRING(b),
                                (size_t)PyBytes_GET_SIZE(b), time);
  if (!(self = view(T, f)))
    goto done;
  if (children != Py_None) {
    if (!(seq = PySequence_Fast(children, "children must be a sequence")))
      goto error;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
      PyObject *c = PySequence_Fast_GET_ITEM(seq, i);
      pyi_frame *cf = bring_into(T, c);
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
  return text(s, len);
}

static int Frame_SetIdentifier(FrameObject *o, PyObject *v, void *unused) {
  PyObject *b = v ? bytes_of(v) : NULL;
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
  return text(s, len);
}

static PyObject *Frame_GetFilePath(FrameObject *o, void *unused) {
  size_t len;
  const char *s = pyi_frame_file(o->tree->t, o->f, &len);
  return s ? text(s, len) : Py_NewRef(Py_None);
}

static PyObject *Frame_GetLineNo(FrameObject *o, void *unused) {
  size_t len;
  const char *s = pyi_frame_line_text(o->tree->t, o->f, &len);
  if (!s)
    Py_RETURN_NONE;
  /* int() of the text, as pyinstrument: any size, Unicode digits */
  PyObject *str = text(s, len);
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

static PyObject *Frame_GetTime(FrameObject *o, void *unused) {
  return PyFloat_FromDouble(pyi_frame_time(o->f));
}

static int Frame_SetTime(FrameObject *o, PyObject *v, void *unused) {
  double d = get_double(v, "time");
  if (d == -1 && PyErr_Occurred())
    return -1;
  pyi_frame_set_time(o->f, d);
  return 0;
}

static PyObject *Frame_GetAbsorbed(FrameObject *o, void *unused) {
  return PyFloat_FromDouble(pyi_frame_absorbed_time(o->f));
}

static int Frame_SetAbsorbed(FrameObject *o, PyObject *v, void *unused) {
  double d = get_double(v, "absorbed_time");
  if (d == -1 && PyErr_Occurred())
    return -1;
  pyi_frame_set_absorbed_time(o->f, d);
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
    PyObject *v = view(o->tree, c);
    if (!v)
      Py_CLEAR(tuple);
    else
      PyTuple_SET_ITEM(tuple, i++, v);
  }
  return tuple;
}

static PyObject *group_view(TreeObject *T, size_t group);

static PyObject *Frame_GetGroup(FrameObject *o, void *unused) {
  size_t g = pyi_frame_group_of(o->tree->t, o->f);
  return g ? group_view(o->tree, g) : Py_NewRef(Py_None);
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
  return c ? text(c, len) : PyUnicode_FromString("");
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
  return sp ? text(sp, strlen(sp)) : Py_NewRef(Py_None);
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
  AttrsObject *a = PyObject_New(AttrsObject, &Attrs_Type);
  if (a)
    a->frame = (FrameObject *)Py_NewRef(o);
  return (PyObject *)a;
}

static int set_attr(FrameObject *o, PyObject *key, PyObject *value);

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
    rc = set_attr(o, PyTuple_GET_ITEM(kv, 0), PyTuple_GET_ITEM(kv, 1));
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
  PyObject *b = bytes_of(marker);
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
  PyObject *key = text(best, best_len);
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
  pyi_frame *c = bring_into(o->tree, child);
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
  TreeObject *T = tree_empty(context);
  pyi_frame *f = T ? bring_into(T, (PyObject *)o) : NULL;
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
  PyObject *b = bytes_of(info);
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
  const pyi_frame *bad;
  if (recursive) {
    bad = pyi_frame_check(t, o->f);
  } else {
    /* this frame alone: check a copy of the rule on it */
    bad = NULL;
    if (pyi_frame_is_leaf_only(t, o->f)) {
      if (pyi_frame_first_child(o->f))
        bad = o->f;
    } else {
      double sum = 0;
      for (pyi_frame *c = pyi_frame_first_child(o->f); c;
           c = pyi_frame_next_sibling(c))
        sum += pyi_frame_time(c);
      sum += pyi_frame_absorbed_time(o->f);
      double time = pyi_frame_time(o->f), diff = fabs(sum - time);
      if (!(sum == time || (isfinite(diff) &&
                            diff <= 1e-9 * fmax(fabs(sum), fabs(time)))))
        bad = o->f;
    }
  }
  if (!bad)
    Py_RETURN_NONE;
  double sum = pyi_frame_absorbed_time(bad);
  for (pyi_frame *c = pyi_frame_first_child(bad); c;
       c = pyi_frame_next_sibling(c))
    sum += pyi_frame_time(c);
  size_t len;
  const char *id = pyi_frame_identifier(t, bad, &len);
  PyObject *name = text(id, len);
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
    {"time", (getter)Frame_GetTime, (setter)Frame_SetTime,
     "Total seconds in this frame and below it.", NULL},
    {"absorbed_time", (getter)Frame_GetAbsorbed, (setter)Frame_SetAbsorbed,
     "Seconds of descendants that processors removed into this frame.",
     NULL},
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

/* ==== Frame.attributes: a live mapping ==================================== */

static void Attrs_Dealloc(AttrsObject *a) {
  Py_XDECREF(a->frame);
  PyObject_Free(a);
}

/* The index of attribute 'key' or -1; -2 with an exception set. */
static Py_ssize_t attr_index(FrameObject *o, PyObject *key) {
  PyObject *b = bytes_of(key);
  if (!b)
    return -2;
  size_t n = pyi_frame_attr_count(o->f);
  Py_ssize_t found = -1;
  for (size_t i = 0; i < n && found < 0; i++) {
    size_t len;
    double v;
    const char *k = pyi_frame_attr(o->tree->t, o->f, i, &len, &v, NULL);
    if (len == (size_t)PyBytes_GET_SIZE(b) &&
        memcmp(k, PyBytes_AS_STRING(b), len) == 0)
      found = (Py_ssize_t)i;
  }
  Py_DECREF(b);
  return found;
}

static PyObject *attr_value(FrameObject *o, size_t i) {
  size_t len;
  double v;
  bool is_int;
  pyi_frame_attr(o->tree->t, o->f, i, &len, &v, &is_int);
  if (is_int && fabs(v) < 9e15)
    return PyLong_FromLongLong((long long)v);
  return PyFloat_FromDouble(v);
}

static PyObject *attr_key(FrameObject *o, size_t i) {
  size_t len;
  double v;
  const char *k = pyi_frame_attr(o->tree->t, o->f, i, &len, &v, NULL);
  return text(k, len);
}

static int set_attr(FrameObject *o, PyObject *key, PyObject *value) {
  PyObject *b = bytes_of(key);
  double v = b ? PyFloat_AsDouble(value) : -1;
  if (!b || (v == -1 && PyErr_Occurred())) {
    Py_XDECREF(b);
    return -1;
  }
  pyi_frame_set_attr(o->tree->t, o->f, PyBytes_AS_STRING(b),
                     (size_t)PyBytes_GET_SIZE(b), v, PyLong_Check(value));
  Py_DECREF(b);
  return 0;
}

static Py_ssize_t Attrs_Len(AttrsObject *a) {
  return (Py_ssize_t)pyi_frame_attr_count(a->frame->f);
}

static PyObject *Attrs_GetItem(AttrsObject *a, PyObject *key) {
  Py_ssize_t i = attr_index(a->frame, key);
  if (i == -1)
    PyErr_SetObject(PyExc_KeyError, key);
  return i < 0 ? NULL : attr_value(a->frame, (size_t)i);
}

static int Attrs_SetItem(AttrsObject *a, PyObject *key, PyObject *value) {
  if (value)
    return set_attr(a->frame, key, value);
  Py_ssize_t i = attr_index(a->frame, key);
  if (i == -1)
    PyErr_SetObject(PyExc_KeyError, key);
  if (i < 0)
    return -1;
  /* rebuilt without the key, order kept */
  PyObject *items = PyList_New(0);
  size_t n = pyi_frame_attr_count(a->frame->f);
  for (size_t k = 0; items && k < n; k++) {
    if ((Py_ssize_t)k == i)
      continue;
    PyObject *kv = PyTuple_Pack(2, attr_key(a->frame, k),
                                attr_value(a->frame, k));
    if (!kv || PyList_Append(items, kv))
      Py_CLEAR(items);
    if (kv) {
      Py_DECREF(PyTuple_GET_ITEM(kv, 0));
      Py_DECREF(PyTuple_GET_ITEM(kv, 1));
      Py_DECREF(kv);
    }
  }
  if (!items)
    return -1;
  pyi_frame_clear_attrs(a->frame->f);
  int rc = 0;
  for (Py_ssize_t k = 0; rc == 0 && k < PyList_GET_SIZE(items); k++) {
    PyObject *kv = PyList_GET_ITEM(items, k);
    rc = set_attr(a->frame, PyTuple_GET_ITEM(kv, 0), PyTuple_GET_ITEM(kv, 1));
  }
  Py_DECREF(items);
  return rc;
}

/* A new dict with the attributes, in order. */
static PyObject *attrs_dict(FrameObject *o) {
  PyObject *d = PyDict_New();
  size_t n = pyi_frame_attr_count(o->f);
  for (size_t i = 0; d && i < n; i++) {
    PyObject *k = attr_key(o, i), *v = k ? attr_value(o, i) : NULL;
    if (!v || PyDict_SetItem(d, k, v))
      Py_CLEAR(d);
    Py_XDECREF(k);
    Py_XDECREF(v);
  }
  return d;
}

static PyObject *Attrs_Iter(AttrsObject *a) {
  PyObject *d = attrs_dict(a->frame);
  PyObject *it = d ? PyObject_GetIter(d) : NULL;
  Py_XDECREF(d);
  return it;
}

static int Attrs_Contains(AttrsObject *a, PyObject *key) {
  Py_ssize_t i = attr_index(a->frame, key);
  return i == -2 ? -1 : i >= 0;
}

static PyObject *Attrs_Repr(AttrsObject *a) {
  PyObject *d = attrs_dict(a->frame);
  PyObject *r = d ? PyObject_Repr(d) : NULL;
  Py_XDECREF(d);
  return r;
}

static PyObject *Attrs_RichCompare(AttrsObject *a, PyObject *other, int op) {
  PyObject *d = attrs_dict(a->frame);
  if (!d)
    return NULL;
  if (PyObject_TypeCheck(other, &Attrs_Type)) {
    PyObject *d2 = attrs_dict(((AttrsObject *)other)->frame);
    PyObject *r = d2 ? PyObject_RichCompare(d, d2, op) : NULL;
    Py_DECREF(d);
    Py_XDECREF(d2);
    return r;
  }
  PyObject *r = PyObject_RichCompare(d, other, op);
  Py_DECREF(d);
  return r;
}

#define ATTRS_VIEW(name)                                                       \
  static PyObject *Attrs_##name(AttrsObject *a, PyObject *unused) {            \
    PyObject *d = attrs_dict(a->frame);                                        \
    PyObject *r = d ? PyObject_CallMethod(d, #name, NULL) : NULL;              \
    Py_XDECREF(d);                                                             \
    return r;                                                                  \
  }
ATTRS_VIEW(keys)
ATTRS_VIEW(values)
ATTRS_VIEW(items)
ATTRS_VIEW(copy)

static PyObject *Attrs_Get(AttrsObject *a, PyObject *args) {
  PyObject *key, *dflt = Py_None;
  if (!PyArg_ParseTuple(args, "O|O:get", &key, &dflt))
    return NULL;
  Py_ssize_t i = attr_index(a->frame, key);
  return i == -2 ? NULL : i < 0 ? Py_NewRef(dflt) : attr_value(a->frame, (size_t)i);
}

static PyMethodDef Attrs_Methods[] = {
    {"keys", (PyCFunction)Attrs_keys, METH_NOARGS,
     "keys($self, /)\n--\n\nThe observations, in first-seen order."},
    {"values", (PyCFunction)Attrs_values, METH_NOARGS,
     "values($self, /)\n--\n\nThe seconds of each observation."},
    {"items", (PyCFunction)Attrs_items, METH_NOARGS,
     "items($self, /)\n--\n\n(observation, seconds) pairs."},
    {"copy", (PyCFunction)Attrs_copy, METH_NOARGS,
     "copy($self, /)\n--\n\nA dict of the attributes."},
    {"get", (PyCFunction)Attrs_Get, METH_VARARGS,
     "get($self, key, default=None, /)\n--\n\nThe seconds of one "
     "observation, or 'default'."},
    {NULL},
};

static PyMappingMethods Attrs_Mapping = {
    .mp_length = (lenfunc)Attrs_Len,
    .mp_subscript = (binaryfunc)Attrs_GetItem,
    .mp_ass_subscript = (objobjargproc)Attrs_SetItem,
};

static PySequenceMethods Attrs_Sequence = {
    .sq_contains = (objobjproc)Attrs_Contains,
};

static PyTypeObject Attrs_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "pyinstrument.frame.FrameAttributes",
    .tp_basicsize = sizeof(AttrsObject),
    .tp_dealloc = (destructor)Attrs_Dealloc,
    .tp_repr = (reprfunc)Attrs_Repr,
    .tp_as_mapping = &Attrs_Mapping,
    .tp_as_sequence = &Attrs_Sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_MAPPING,
    .tp_doc = "A frame's attributes: observation -> seconds, read and "
              "written through to the frame.",
    .tp_richcompare = (richcmpfunc)Attrs_RichCompare,
    .tp_iter = (getiterfunc)Attrs_Iter,
    .tp_methods = Attrs_Methods,
    .tp_hash = PyObject_HashNotImplemented,
};

/* ==== FrameGroup ========================================================== */

static PyObject *group_view(TreeObject *T, size_t group) {
  if (capture_grow((void **)&T->groups, &T->cap_groups, group,
                   sizeof *T->groups))
    return NULL;
  if (!T->groups[group - 1]) {
    GroupObject *g = PyObject_GC_New(GroupObject, &FrameGroup_Type);
    if (!g)
      return NULL;
    g->tree = (TreeObject *)Py_NewRef(T);
    g->group = group;
    T->groups[group - 1] = (PyObject *)g; /* the tree's reference */
    PyObject_GC_Track(g);
  }
  return Py_NewRef(T->groups[group - 1]);
}

static int Group_Traverse(GroupObject *g, visitproc visit, void *arg) {
  Py_VISIT(g->tree);
  return 0;
}

static int Group_Clear(GroupObject *g) {
  Py_CLEAR(g->tree);
  return 0;
}

static void Group_Dealloc(GroupObject *g) {
  PyObject_GC_UnTrack(g);
  Py_CLEAR(g->tree);
  Py_TYPE(g)->tp_free((PyObject *)g);
}

static GroupObject *live(GroupObject *g) {
  if (!g->tree)
    PyErr_SetString(PyExc_RuntimeError, "the group's tree is gone");
  return g->tree ? g : NULL;
}

/* FrameGroup(root) */
static PyObject *Group_New(PyTypeObject *type, PyObject *args,
                           PyObject *kwds) {
  static char *kwlist[] = {"root", NULL};
  PyObject *root;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!:FrameGroup", kwlist,
                                   &Frame_Type, &root))
    return NULL;
  TreeObject *T = FRAME(root)->tree;
  return group_view(T, pyi_group_create(T->t, FRAME(root)->f));
}

static PyObject *Group_GetRoot(GroupObject *g, void *unused) {
  if (!live(g))
    return NULL;
  return capture_frame_view(g->tree, pyi_group_root(g->tree->t, g->group));
}

static PyObject *Group_GetId(GroupObject *g, void *unused) {
  if (!live(g))
    return NULL;
  return PyUnicode_FromString(pyi_group_id(g->tree->t, g->group));
}

static PyObject *frame_tuple(TreeObject *T, size_t n,
                             pyi_frame *(*get)(pyi_tree *, size_t, size_t),
                             size_t group) {
  PyObject *t = PyTuple_New((Py_ssize_t)n);
  for (size_t i = 0; t && i < n; i++) {
    PyObject *v = view(T, get(T->t, group, i));
    if (!v)
      Py_CLEAR(t);
    else
      PyTuple_SET_ITEM(t, (Py_ssize_t)i, v);
  }
  return t;
}

static pyi_frame *group_frame(pyi_tree *t, size_t g, size_t i) {
  return pyi_group_frame(t, g, i);
}

static PyObject *Group_GetFrames(GroupObject *g, void *unused) {
  if (!live(g))
    return NULL;
  return frame_tuple(g->tree, pyi_group_size(g->tree->t, g->group),
                     group_frame, g->group);
}

static PyObject *Group_GetExitFrames(GroupObject *g, void *unused) {
  if (!live(g))
    return NULL;
  PyObject *t = frame_tuple(g->tree,
                            pyi_group_exit_count(g->tree->t, g->group),
                            pyi_group_exit, g->group);
  PyObject *list = t ? PySequence_List(t) : NULL; /* pyinstrument: a list */
  Py_XDECREF(t);
  return list;
}

static PyObject *group_edit(GroupObject *g, PyObject *frame, bool add) {
  if (!live(g))
    return NULL;
  TreeObject *T;
  pyi_frame *f = capture_frame_node(frame, &T);
  if (!f)
    return NULL;
  if (T != g->tree) {
    PyErr_SetString(PyExc_ValueError,
                    "the frames of a group are of one tree");
    return NULL;
  }
  if (!add && pyi_frame_group_of(T->t, f) != g->group) {
    PyErr_SetString(PyExc_ValueError, "the frame is not in this group");
    return NULL;
  }
  pyi_group_set(T->t, add ? g->group : 0, f);
  Py_RETURN_NONE;
}

static PyObject *Group_AddFrame(GroupObject *g, PyObject *frame) {
  return group_edit(g, frame, true);
}

static PyObject *Group_RemoveFrame(GroupObject *g, PyObject *frame) {
  return group_edit(g, frame, false);
}

static PyObject *Group_Repr(GroupObject *g) {
  return PyUnicode_FromFormat(
      "FrameGroup(len(frames)=%zu)",
      g->tree ? pyi_group_size(g->tree->t, g->group) : (size_t)0);
}

static PyGetSetDef Group_GetSet[] = {
    {"root", (getter)Group_GetRoot, NULL, "The first frame of the group.",
     NULL},
    {"id", (getter)Group_GetId, NULL, "A random UUID naming the group.",
     NULL},
    {"frames", (getter)Group_GetFrames, NULL,
     "Its frames in the order they joined, as a tuple.", NULL},
    {"exit_frames", (getter)Group_GetExitFrames, NULL,
     "Its frames that have a child outside the group.", NULL},
    {NULL},
};

static PyMethodDef Group_Methods[] = {
    {"add_frame", (PyCFunction)Group_AddFrame, METH_O,
     "add_frame($self, frame, /)\n--\n\nAdds a frame of the same tree "
     "(leaving its old group)."},
    {"remove_frame", (PyCFunction)Group_RemoveFrame, METH_O,
     "remove_frame($self, frame, /)\n--\n\nTakes a frame out of the "
     "group."},
    {NULL},
};

PyTypeObject FrameGroup_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "pyinstrument.frame.FrameGroup",
    .tp_basicsize = sizeof(GroupObject),
    .tp_dealloc = (destructor)Group_Dealloc,
    .tp_repr = (reprfunc)Group_Repr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "FrameGroup(root)\n--\n\n"
              "Library frames that a report may fold into one line.",
    .tp_traverse = (traverseproc)Group_Traverse,
    .tp_clear = (inquiry)Group_Clear,
    .tp_methods = Group_Methods,
    .tp_getset = Group_GetSet,
    .tp_new = Group_New,
};

int capture_add_frames(PyObject *module) {
  if (PyType_Ready(&Tree_Type) || PyType_Ready(&Attrs_Type) ||
      PyType_Ready(&Frame_Type) || PyType_Ready(&FrameGroup_Type))
    return -1;
  return PyModule_AddObjectRef(module, "Frame", (PyObject *)&Frame_Type) ||
                 PyModule_AddObjectRef(module, "FrameGroup",
                                       (PyObject *)&FrameGroup_Type) ||
                 PyModule_AddObjectRef(module, "FrameAttributes",
                                       (PyObject *)&Attrs_Type)
             ? -1
             : 0;
}
