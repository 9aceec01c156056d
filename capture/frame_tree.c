/* frame_tree.c - the libsession tree behind a set of Frame views, the
 * views themselves (one per node, made on first access and kept while the
 * tree lives, so a node always gives the same object) and FrameGroup.
 *
 * A tree object owns one libsession tree and the session it reads from (a
 * Session object, the frames' "context", or a private empty session for
 * frames made without one). A frame added to a frame of another tree is
 * copied into that tree and its views follow it.
 */
#include "frame.h"

static PyTypeObject Tree_Type;

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

TreeObject *capture_tree_empty(PyObject *context) {
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
  PyObject *o = capture_frame_alloc(T, f);
  if (!o)
    return NULL;
  FRAME(o)->slot = T->n_views;
  T->views[T->n_views++] = Py_NewRef(o); /* the tree's reference */
  pyi_frame_set_user(f, o);
  return o;
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

pyi_frame *capture_bring_into(TreeObject *T, PyObject *child) {
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

/* ==== FrameGroup ========================================================== */

PyObject *capture_group_view(TreeObject *T, size_t group) {
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
  return capture_group_view(T, pyi_group_create(T->t, FRAME(root)->f));
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
    PyObject *v = capture_frame_view(T, get(T->t, group, i));
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

int capture_add_frame_tree(PyObject *module) {
  if (PyType_Ready(&Tree_Type) || PyType_Ready(&FrameGroup_Type))
    return -1;
  return PyModule_AddObjectRef(module, "FrameGroup",
                               (PyObject *)&FrameGroup_Type);
}
