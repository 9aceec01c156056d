/* renderers.c - pyinstrument's renderer classes: Renderer, FrameRenderer
 * and the built-in ConsoleRenderer, HTMLRenderer, JSONRenderer,
 * SpeedscopeRenderer, SessionRenderer and PstatsRenderer, over libsession.
 *
 * Instances keep pyinstrument's attributes in their __dict__ (processors,
 * processor_options, show_all, timeline, unicode, ...), read when render()
 * runs, so subclasses and code that edits them work as with pyinstrument.
 * A built-in frame renderer whose processor list is its default one, and
 * whose preprocess() is not overridden, renders in one libsession call,
 * which builds and processes the tree in C; any other list runs through
 * preprocess() on the Frame tree (frame.c), whose C processors edit the
 * nodes in place, and libsession draws the tree that comes out.
 */
#include "capture.h"

#include <stdlib.h>
#include <string.h>

typedef struct RendererObject {
  PyObject_HEAD
  PyObject *dict;
} RendererObject;

/* The processors of proc.h, in the run order of libsession's pipeline
 * (and of pyinstrument's default lists). */
static const char *const proc_names[] = {
    "remove_importlib",
    "remove_tracebackhide",
    "merge_consecutive_self_time",
    "aggregate_repeated_calls",
    "remove_irrelevant_nodes",
    "remove_unnecessary_self_time_nodes",
    "remove_first_pyinstrument_frames_processor",
    "group_library_frames_processor",
};
#define N_PROCS 8
enum {
  P_IMPORTLIB = 1 << 0,
  P_TBHIDE = 1 << 1,
  P_MERGE = 1 << 2,
  P_AGGREGATE = 1 << 3,
  P_IRRELEVANT = 1 << 4,
  P_SELF_NODES = 1 << 5,
  P_FIRST_PYI = 1 << 6,
  P_GROUP = 1 << 7,
  P_ALL = 0xff,
  /* what show_all removes (pyinstrument's FrameRenderer.__init__) */
  P_HIDING = P_IMPORTLIB | P_TBHIDE | P_IRRELEVANT | P_GROUP,
};

static const char *const text_keys[] = {
    "show_all", "timeline", "processor_options", "unicode",   "color",
    "flat",     "time",     "flat_time",         "short_mode", NULL};
static const char *const frame_keys[] = {"show_all", "timeline",
                                         "processor_options", NULL};
static const char *const html_keys[] = {"show_all", "timeline",
                                        "resample_interval", NULL};
static const char *const session_keys[] = {"tree_format", NULL};
/* libsession's own formats: the frame options, then their own */
static const char *const markdown_keys[] = {"show_all", "timeline",
                                            "processor_options", "format",
                                            "depth", "limit", NULL};
static const char *const folded_keys[] = {"show_all", "timeline",
                                          "processor_options", "unit", NULL};

extern PyTypeObject FrameRenderer_Type, ConsoleRenderer_Type,
    HTMLRenderer_Type, JSONRenderer_Type, SpeedscopeRenderer_Type,
    SessionRenderer_Type, PstatsRenderer_Type, MarkdownRenderer_Type,
    FoldedRenderer_Type, PprofRenderer_Type;

/* Each built-in class: libsession's renderer, its constructor keywords,
 * its default processors; 'frame': a FrameRenderer; 'cli_frame': the
 * command gives it processor_options (libsession's own formats take them
 * without being FrameRenderers). */
static const struct renderer_class {
  const char *name, *class_name, *ext;
  PyTypeObject *type;
  const char *const *keys, *const *lib_keys; /* constructor, libsession */
  unsigned procs;
  bool frame, binary, cli_frame;
} classes[] = {
    {"text", "ConsoleRenderer", "txt", &ConsoleRenderer_Type, text_keys,
     text_keys, P_ALL, true, false, false},
    {"html", "HTMLRenderer", "html", &HTMLRenderer_Type, html_keys,
     html_keys, 0, false, false, false},
    {"json", "JSONRenderer", "json", &JSONRenderer_Type, frame_keys,
     frame_keys, P_ALL, true, false, false},
    {"speedscope", "SpeedscopeRenderer", "speedscope.json",
     &SpeedscopeRenderer_Type, frame_keys, frame_keys,
     P_ALL & ~(P_AGGREGATE | P_GROUP), true, false, false},
    {"pyisession", "SessionRenderer", "pyisession", &SessionRenderer_Type,
     session_keys, session_keys, 0, false, false, false},
    {"pstats", "PstatsRenderer", "pstats", &PstatsRenderer_Type, frame_keys,
     frame_keys, P_ALL & ~P_GROUP, true, true, false},
    {"markdown", "MarkdownRenderer", "md", &MarkdownRenderer_Type,
     markdown_keys, markdown_keys, 0, false, false, true},
    {"folded", "FoldedRenderer", "folded", &FoldedRenderer_Type, folded_keys,
     folded_keys, 0, false, false, true},
    {"pprof", "PprofRenderer", "pb.gz", &PprofRenderer_Type, frame_keys,
     frame_keys, 0, false, true, true},
};
#define N_CLASSES (sizeof classes / sizeof *classes)

/* The processor function objects, made once (their identity is what a
 * processors list is compared by). */
static PyObject *proc_objects[N_PROCS];

const char *capture_renderer_class(const char *name) {
  if (name && strcmp(name, "session") == 0)
    name = "pyisession";
  for (size_t i = 0; name && i < N_CLASSES; i++)
    if (strcmp(classes[i].name, name) == 0)
      return classes[i].class_name;
  return NULL;
}

static const struct renderer_class *class_of(PyTypeObject *type) {
  for (; type; type = type->tp_base)
    for (size_t i = 0; i < N_CLASSES; i++)
      if (classes[i].type == type)
        return &classes[i];
  return NULL;
}

static bool is_ours(PyTypeObject *t) {
  if (t == &Renderer_Type || t == &FrameRenderer_Type)
    return true;
  for (size_t i = 0; i < N_CLASSES; i++)
    if (classes[i].type == t)
      return true;
  return false;
}

/* Whether 'method' of 'self' is still the one our classes define (no
 * subclass overrides it). */
static bool inherited(PyObject *self, const char *method) {
  PyObject *mro = Py_TYPE(self)->tp_mro;
  for (Py_ssize_t i = 0; mro && i < PyTuple_GET_SIZE(mro); i++) {
    PyTypeObject *t = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
    if (PyDict_GetItemString(t->tp_dict, method))
      return is_ours(t);
  }
  return false;
}

/* ==== construction ======================================================== */

static int Renderer_Traverse(RendererObject *r, visitproc visit, void *arg) {
  Py_VISIT(r->dict);
  return 0;
}

static int Renderer_Clear(RendererObject *r) {
  Py_CLEAR(r->dict);
  return 0;
}

static void Renderer_Dealloc(RendererObject *r) {
  PyObject_GC_UnTrack(r);
  Py_CLEAR(r->dict);
  Py_TYPE(r)->tp_free((PyObject *)r);
}

/* Renderer.__init__(self): nothing to set up. */
static int Renderer_Init(PyObject *self, PyObject *args, PyObject *kwds) {
  if (PyTuple_GET_SIZE(args) || (kwds && PyDict_GET_SIZE(kwds))) {
    PyErr_SetString(PyExc_TypeError, "Renderer.__init__() takes no arguments");
    return -1;
  }
  return 0;
}

/* The processors of 'mask' as a new list of the processor functions. */
static PyObject *proc_list(unsigned mask) {
  PyObject *list = PyList_New(0);
  for (int i = 0; list && i < N_PROCS; i++)
    if ((mask & (1u << i)) && PyList_Append(list, proc_objects[i]))
      Py_CLEAR(list);
  return list;
}

/* FrameRenderer's part of construction: processors from
 * self.default_processors(), less what show_all and timeline remove. */
static int frame_init(PyObject *self, PyObject *show_all, PyObject *timeline,
                      PyObject *processor_options) {
  int all = PyObject_IsTrue(show_all), tl = PyObject_IsTrue(timeline);
  if (all < 0 || tl < 0)
    return -1;
  PyObject *procs = PyObject_CallMethod(self, "default_processors", NULL);
  if (!procs)
    return -1;
  int rc = 0;
  if (!PyList_Check(procs)) {
    PyObject *list = PySequence_List(procs);
    Py_SETREF(procs, list);
    if (!procs)
      return -1;
  }
  for (int i = 0; i < N_PROCS && rc == 0; i++) {
    unsigned bit = 1u << i;
    if (!((all && (bit & P_HIDING)) || (tl && bit == P_AGGREGATE)))
      continue;
    /* list.remove, when present */
    for (Py_ssize_t k = PyList_GET_SIZE(procs); k-- > 0;)
      if (PyList_GET_ITEM(procs, k) == proc_objects[i])
        rc = PySequence_DelItem(procs, k);
  }
  PyObject *po = processor_options && processor_options != Py_None
                     ? Py_NewRef(processor_options)
                     : PyDict_New();
  if (rc == 0 && po &&
      (PyObject_SetAttrString(self, "processors", procs) ||
       PyObject_SetAttrString(self, "processor_options", po) ||
       PyObject_SetAttrString(self, "show_all", all ? Py_True : Py_False) ||
       PyObject_SetAttrString(self, "timeline", tl ? Py_True : Py_False)))
    rc = -1;
  Py_XDECREF(po);
  Py_DECREF(procs);
  return po ? rc : -1;
}

/* FrameRenderer.__init__(self, show_all=False, timeline=False,
 * processor_options=None) */
static int FrameRenderer_Init(PyObject *self, PyObject *args,
                              PyObject *kwds) {
  static char *kwlist[] = {"show_all", "timeline", "processor_options", NULL};
  PyObject *all = Py_False, *tl = Py_False, *po = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OOO:FrameRenderer", kwlist,
                                   &all, &tl, &po))
    return -1;
  return frame_init(self, all, tl, po);
}

/* The defaults of the constructor keywords of the built-in classes. */
static PyObject *default_of(const char *key) {
  static const char *const flags[] = {"show_all", "timeline",   "unicode",
                                      "color",    "flat",       "short_mode",
                                      "tree_format"};
  if (!strcmp(key, "time"))
    return PyUnicode_FromString("seconds");
  if (!strcmp(key, "flat_time"))
    return PyUnicode_FromString("self");
  for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
    if (!strcmp(key, flags[i]))
      Py_RETURN_FALSE;
  Py_RETURN_NONE; /* resample_interval, processor_options, ours */
}

static int check_options(PyObject *self, const struct renderer_class *c);

/* The built-in classes: keyword options only, pyinstrument's names and
 * message for an unknown one; each becomes an attribute. */
static int Builtin_Init(PyObject *self, PyObject *args, PyObject *kwds) {
  const struct renderer_class *c = class_of(Py_TYPE(self));
  if (PyTuple_GET_SIZE(args)) {
    PyErr_Format(PyExc_TypeError, "%s() takes keyword arguments only",
                 c->class_name);
    return -1;
  }
  PyObject *key, *value;
  Py_ssize_t pos = 0;
  while (kwds && PyDict_Next(kwds, &pos, &key, &value)) {
    const char *k = PyUnicode_AsUTF8(key);
    bool known = false;
    for (size_t i = 0; k && c->keys[i] && !known; i++)
      known = strcmp(c->keys[i], k) == 0;
    if (!known) {
      if (k)
        PyErr_Format(PyExc_TypeError,
                     "%s.__init__() got an unexpected keyword argument '%s'",
                     c->class_name, k);
      return -1;
    }
  }
  PyObject *v[3] = {NULL, NULL, NULL}; /* show_all, timeline, options */
  int rc = 0;
  for (size_t i = 0; rc == 0 && c->keys[i]; i++) {
    const char *k = c->keys[i];
    PyObject *given = kwds ? PyDict_GetItemString(kwds, k) : NULL;
    PyObject *val = given ? Py_NewRef(given) : default_of(k);
    if (c->frame && !strcmp(k, "show_all"))
      v[0] = Py_NewRef(val);
    else if (c->frame && !strcmp(k, "timeline"))
      v[1] = Py_NewRef(val);
    else if (c->frame && !strcmp(k, "processor_options"))
      v[2] = Py_NewRef(val);
    else if (PyObject_SetAttrString(self, k, val))
      rc = -1;
    Py_DECREF(val);
  }
  if (rc == 0 && c->frame)
    rc = frame_init(self, v[0], v[1], v[2]);
  /* the page's own processing; a list here would need the tree path */
  if (rc == 0 && c->type == &HTMLRenderer_Type) {
    PyObject *l = PyList_New(0), *d = PyDict_New();
    rc = !l || !d || PyObject_SetAttrString(self, "preprocessors", l) ||
                 PyObject_SetAttrString(self, "preprocessor_options", d)
             ? -1
             : 0;
    Py_XDECREF(l);
    Py_XDECREF(d);
  }
  for (int i = 0; i < 3; i++)
    Py_XDECREF(v[i]);
  return rc ? -1 : check_options(self, c);
}

PyObject *capture_renderer_new(const char *name, PyObject *kwargs) {
  if (strcmp(name, "session") == 0)
    name = "pyisession";
  for (size_t i = 0; i < N_CLASSES; i++)
    if (strcmp(classes[i].name, name) == 0) {
      PyObject *empty = PyTuple_New(0);
      PyObject *r = empty ? PyObject_Call((PyObject *)classes[i].type, empty,
                                          kwargs)
                          : NULL;
      Py_XDECREF(empty);
      return r;
    }
  PyErr_Format(PyExc_ValueError, "no renderer class for '%s'", name);
  return NULL;
}

/* ==== options and processors at render time ============================== */

/* libsession's options map from the instance's attributes. */
static pyi_opts *options_of(PyObject *self, const struct renderer_class *c) {
  pyi_opts *o = pyi_opts_new();
  for (size_t i = 0; c->lib_keys[i]; i++) {
    PyObject *v = PyObject_GetAttrString(self, c->lib_keys[i]);
    if (!v) {
      if (!PyErr_ExceptionMatches(PyExc_AttributeError))
        goto error;
      PyErr_Clear(); /* a subclass that never ran our __init__ */
      continue;
    }
    /* left at its default, an option is left out, as if never given */
    PyObject *d = default_of(c->lib_keys[i]);
    int same = d ? PyObject_RichCompareBool(v, d, Py_EQ) : -1;
    int rc = same < 0 ? -1
             : same   ? 0
                      : capture_opts_set(o, c->lib_keys[i], v);
    Py_XDECREF(d);
    Py_DECREF(v);
    if (rc)
      goto error;
  }
  return o;
error:
  pyi_opts_free(o);
  return NULL;
}

static int check_options(PyObject *self, const struct renderer_class *c) {
  pyi_opts *o = options_of(self, c);
  pyi_error err = {0};
  int rc = o ? pyi_render_check(c->name, o, &err) : -1;
  if (o && rc)
    capture_set_error(PyExc_ValueError, &err);
  pyi_opts_free(o);
  return rc;
}

/* The mask of self.processors when it is a list of our processors in
 * pipeline order, each at most once; -1 otherwise. */
static long procs_mask(PyObject *self) {
  PyObject *procs = PyObject_GetAttrString(self, "processors");
  if (!procs) {
    PyErr_Clear();
    return -1;
  }
  long mask = PyList_Check(procs) ? 0 : -1;
  int last = -1;
  for (Py_ssize_t k = 0; mask >= 0 && k < PyList_GET_SIZE(procs); k++) {
    int found = -1;
    for (int i = 0; i < N_PROCS && found < 0; i++)
      if (PyList_GET_ITEM(procs, k) == proc_objects[i])
        found = i;
    if (found <= last)
      mask = -1;
    else {
      mask |= 1L << found;
      last = found;
    }
  }
  Py_DECREF(procs);
  return mask;
}

/* Whether libsession's own pipeline renders 'self' exactly: the default
 * processors for its show_all and timeline, preprocess() not overridden. */
static bool fast_path(PyObject *self, const struct renderer_class *c) {
  if (!c->frame)
    return true;
  if (!inherited(self, "preprocess"))
    return false;
  long mask = procs_mask(self);
  if (mask < 0)
    return false;
  unsigned want = c->procs;
  PyObject *all = PyObject_GetAttrString(self, "show_all");
  PyObject *tl = all ? PyObject_GetAttrString(self, "timeline") : NULL;
  int a = tl ? PyObject_IsTrue(all) : -1, t = tl ? PyObject_IsTrue(tl) : -1;
  Py_XDECREF(all);
  Py_XDECREF(tl);
  if (a < 0 || t < 0) {
    PyErr_Clear();
    return false;
  }
  if (a)
    want &= ~(unsigned)P_HIDING;
  if (t)
    want &= ~(unsigned)P_AGGREGATE;
  return (unsigned long)mask == want;
}

/* An HTMLRenderer given preprocessors: refused, with an exception (the
 * page processes the tree itself, in the browser). */
static bool refuses_preprocessors(PyObject *self, const struct renderer_class *c) {
  if (c->type != &HTMLRenderer_Type)
    return false;
  PyObject *pre = PyObject_GetAttrString(self, "preprocessors");
  Py_ssize_t n = pre ? PyObject_Length(pre) : 0;
  Py_XDECREF(pre);
  PyErr_Clear();
  if (n <= 0)
    return false;
  PyErr_SetString(PyExc_NotImplementedError,
                  "HTMLRenderer.preprocessors: the page processes the tree "
                  "itself; leave the list empty");
  return true;
}

/* The report of a built-in renderer as bytes from libsession (caller
 * frees); *len its length. */
static char *render_bytes(PyObject *self, const struct renderer_class *c,
                          PyObject *session, size_t *len) {
  pyi_session *s = capture_session_get(session);
  pyi_opts *o = s ? options_of(self, c) : NULL;
  char *out = NULL;
  pyi_error err = {0};
  if (!o)
    return NULL;
  if (refuses_preprocessors(self, c)) {
    pyi_opts_free(o);
    return NULL;
  }
  if (fast_path(self, c)) {
    Py_BEGIN_ALLOW_THREADS /* a big render need not hold up other threads */
    out = pyi_render_string(s, c->name, o, len, NULL, &err);
    Py_END_ALLOW_THREADS
  } else if (!PyErr_Occurred()) {
    /* self.preprocess(session.root_frame()), then libsession draws it */
    PyObject *root = capture_root_frame(session, true);
    PyObject *done = root ? PyObject_CallMethod(self, "preprocess", "O", root)
                          : NULL;
    TreeObject *T = NULL;
    pyi_frame *f = done && done != Py_None ? capture_frame_node(done, &T)
                                           : NULL;
    if (done && (f || done == Py_None)) /* None: nothing left to draw */
      out = pyi_render_frame_string(s, T ? capture_tree_of(T) : NULL, f,
                                    c->name, o, len, NULL, &err);
    Py_XDECREF(root);
    Py_XDECREF(done);
  }
  pyi_opts_free(o);
  if (!out && !PyErr_Occurred())
    capture_set_error(NULL, &err);
  return out;
}

/* ==== render ============================================================== */

static PyObject *Renderer_Render(PyObject *self, PyObject *session) {
  const struct renderer_class *c = class_of(Py_TYPE(self));
  if (!c) {
    PyErr_SetString(PyExc_NotImplementedError,
                    "a Renderer subclass must define render(session)");
    return NULL;
  }
  size_t len;
  char *out = render_bytes(self, c, session, &len);
  if (!out)
    return NULL;
  /* binary output as str, as pyinstrument's pstats renderer returns it */
  PyObject *r = PyUnicode_DecodeUTF8(out, (Py_ssize_t)len,
                                     c->binary ? "surrogateescape" : "replace");
  free(out);
  return r;
}

PyObject *capture_render(PyObject *renderer, PyObject *session) {
  return PyObject_CallMethodOneArg(renderer, capture_str.render, session);
}

/* What a render() method returned, as the bytes to write: a str in UTF-8
 * (a binary format's str keeps its undecodable bytes, as surrogates), or
 * the bytes themselves. New reference, or NULL with an exception. */
static PyObject *report_bytes(PyObject *data, const struct renderer_class *c) {
  if (PyUnicode_Check(data))
    return PyUnicode_AsEncodedString(
        data, "utf-8", c && c->binary ? "surrogateescape" : "strict");
  if (PyBytes_Check(data))
    return Py_NewRef(data);
  PyErr_SetString(PyExc_TypeError, "render() must return str or bytes");
  return NULL;
}

/* libsession's report, lent through the buffer protocol rather than
 * copied into a bytes object: a copy of a big report costs a page fault
 * for every 4 KB of it (0.8 ms for deep.py's 270 KB text report). */
typedef struct {
  PyObject_HEAD
  char *data; /* malloc'd by libsession, freed with the object */
  Py_ssize_t len;
} ReportObject;

static int Report_GetBuffer(PyObject *self, Py_buffer *view, int flags) {
  ReportObject *r = (ReportObject *)self;
  return PyBuffer_FillInfo(view, self, r->data, r->len, 1, flags);
}

static void Report_Dealloc(PyObject *self) {
  free(((ReportObject *)self)->data);
  Py_TYPE(self)->tp_free(self);
}

static PyBufferProcs Report_AsBuffer = {.bf_getbuffer = Report_GetBuffer};

static PyTypeObject Report_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "pyinstrument._capture.Report",
    .tp_basicsize = sizeof(ReportObject),
    .tp_dealloc = Report_Dealloc,
    .tp_as_buffer = &Report_AsBuffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A rendered report's bytes (the buffer protocol only).",
};

PyObject *capture_render_bytes(PyObject *renderer, PyObject *session,
                               bool *text) {
  const struct renderer_class *c = class_of(Py_TYPE(renderer));
  if (c && inherited(renderer, "render")) {
    size_t len;
    char *out = render_bytes(renderer, c, session, &len);
    ReportObject *r = out ? PyObject_New(ReportObject, &Report_Type) : NULL;
    if (!r) {
      free(out);
      return NULL;
    }
    r->data = out;
    r->len = (Py_ssize_t)len;
    *text = !c->binary;
    return (PyObject *)r;
  }
  PyObject *data = capture_render(renderer, session);
  if (!data)
    return NULL;
  *text = PyUnicode_Check(data);
  PyObject *b = report_bytes(data, c);
  Py_DECREF(data);
  return b;
}

/* Our renderer's report drawn by libsession alone, straight to 'path'
 * ("-": descriptor 1): 0 when written, 1 when the renderer needs Python
 * (nothing done), -1 with an exception (a bad option) or, with none set,
 * 'err'. */
static int render_alone(PyObject *renderer, PyObject *session,
                        const char *path, FILE *notices, pyi_error *err) {
  const struct renderer_class *c = class_of(Py_TYPE(renderer));
  if (!c || !inherited(renderer, "render") || !fast_path(renderer, c))
    return PyErr_Occurred() ? -1 : 1;
  if (refuses_preprocessors(renderer, c))
    return -1;
  pyi_session *s = capture_session_get(session);
  pyi_opts *o = s ? options_of(renderer, c) : NULL;
  if (!o)
    return -1;
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = pyi_render_file(s, c->name, o, path, notices, err);
  Py_END_ALLOW_THREADS
  pyi_opts_free(o);
  return rc;
}

int capture_render_stdout(PyObject *renderer, PyObject *session,
                          pyi_error *err) {
  return render_alone(renderer, session, "-", NULL, err);
}

int capture_render_file(PyObject *renderer, PyObject *session,
                        const char *path, FILE *notices) {
  pyi_error err = {0};
  int rc = render_alone(renderer, session, path, notices, &err);
  if (rc < 0 && PyErr_Occurred())
    return -1;
  if (rc == 1) { /* render() in Python, then written as libsession writes */
    const struct renderer_class *c = class_of(Py_TYPE(renderer));
    PyObject *data = capture_render(renderer, session);
    PyObject *b = data ? report_bytes(data, c) : NULL;
    Py_XDECREF(data);
    if (!b)
      return -1;
    rc = pyi_write_file(path, PyBytes_AS_STRING(b),
                        (size_t)PyBytes_GET_SIZE(b), &err);
    Py_DECREF(b);
  }
  if (rc)
    capture_set_error(NULL, &err);
  return rc;
}

bool capture_renderer_takes_processor_options(PyObject *cls) {
  const struct renderer_class *c =
      PyType_Check(cls) ? class_of((PyTypeObject *)cls) : NULL;
  return c && (c->frame || c->cli_frame);
}

bool capture_renderer_derives(PyObject *cls, bool console) {
  PyTypeObject *base = console ? &ConsoleRenderer_Type : &FrameRenderer_Type;
  int r = PyObject_IsSubclass(cls, (PyObject *)base);
  PyErr_Clear(); /* not a class: it derives from nothing */
  return r > 0;
}

PyObject *capture_renderer_type(const char *name) {
  if (name && strcmp(name, "session") == 0)
    name = "pyisession";
  for (size_t i = 0; name && i < N_CLASSES; i++)
    if (strcmp(classes[i].name, name) == 0)
      return (PyObject *)classes[i].type;
  return NULL;
}

const char *capture_renderer_type_name(PyObject *cls) {
  const struct renderer_class *c =
      PyType_Check(cls) ? class_of((PyTypeObject *)cls) : NULL;
  return c ? c->name : NULL;
}

const char *capture_renderer_name(PyObject *renderer) {
  const struct renderer_class *c = class_of(Py_TYPE(renderer));
  return c && inherited(renderer, "render") ? c->name : NULL;
}

/* ==== FrameRenderer methods =============================================== */

static PyObject *FrameRenderer_Defaults(PyObject *self, PyObject *unused) {
  const struct renderer_class *c = class_of(Py_TYPE(self));
  if (!c) {
    PyErr_SetString(PyExc_NotImplementedError,
                    "a FrameRenderer subclass must define "
                    "default_processors()");
    return NULL;
  }
  return proc_list(c->procs);
}

static PyObject *FrameRenderer_Preprocess(PyObject *self, PyObject *root) {
  PyObject *procs = PyObject_GetAttrString(self, "processors");
  PyObject *opts = procs ? PyObject_GetAttrString(self, "processor_options")
                         : NULL;
  PyObject *seq = opts ? PySequence_Fast(procs, "processors must be a list")
                       : NULL;
  PyObject *frame = seq ? Py_NewRef(root) : NULL;
  PyObject *kw = frame ? Py_BuildValue("{sO}", "options", opts) : NULL;
  if (!kw)
    Py_CLEAR(frame);
  for (Py_ssize_t i = 0; frame && i < PySequence_Fast_GET_SIZE(seq); i++) {
    PyObject *p = PySequence_Fast_GET_ITEM(seq, i);
    const char *name = capture_processor_name(p);
    PyObject *next;
    if (name) { /* ours: no call through Python */
      next = capture_run_processor(name, frame, opts);
    } else {
      PyObject *a = PyTuple_Pack(1, frame);
      next = a ? PyObject_Call(p, a, kw) : NULL;
      Py_XDECREF(a);
    }
    Py_SETREF(frame, next);
  }
  Py_XDECREF(kw);
  Py_XDECREF(seq);
  Py_XDECREF(opts);
  Py_XDECREF(procs);
  return frame;
}

/* ==== types =============================================================== */

static PyMethodDef Renderer_Methods[] = {
    {"render", (PyCFunction)Renderer_Render, METH_O,
     "render($self, session, /)\n--\n\nThe report of a Session (str)."},
    {NULL},
};

PyTypeObject Renderer_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "pyinstrument.renderers.base.Renderer",
    .tp_basicsize = sizeof(RendererObject),
    .tp_dealloc = (destructor)Renderer_Dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Renderer()\n--\n\n"
              "The base of renderers: render(session) returns the report.",
    .tp_traverse = (traverseproc)Renderer_Traverse,
    .tp_clear = (inquiry)Renderer_Clear,
    .tp_methods = Renderer_Methods,
    .tp_dictoffset = offsetof(RendererObject, dict),
    .tp_init = Renderer_Init,
    .tp_new = PyType_GenericNew,
};

static PyMethodDef FrameRenderer_Methods[] = {
    {"default_processors", (PyCFunction)FrameRenderer_Defaults, METH_NOARGS,
     "default_processors($self, /)\n--\n\nThe processors this renderer runs "
     "unless told otherwise (a new list)."},
    {"preprocess", (PyCFunction)FrameRenderer_Preprocess, METH_O,
     "preprocess($self, root_frame, /)\n--\n\nRuns self.processors in turn "
     "on the tree, each given self.processor_options; returns the root "
     "that comes out."},
    {NULL},
};

PyTypeObject FrameRenderer_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name =
        "pyinstrument.renderers.base.FrameRenderer",
    .tp_basicsize = sizeof(RendererObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "FrameRenderer(show_all=False, timeline=False, "
              "processor_options=None)\n--\n\n"
              "The base of renderers that draw the Frame tree after running "
              "their processors on it.",
    .tp_traverse = (traverseproc)Renderer_Traverse,
    .tp_clear = (inquiry)Renderer_Clear,
    .tp_methods = FrameRenderer_Methods,
    .tp_base = &Renderer_Type,
    .tp_init = FrameRenderer_Init,
};

#define RENDERER_TYPE(var, module, cls, base, sig, doc)                        \
  PyTypeObject var = {                                                         \
      PyVarObject_HEAD_INIT(NULL, 0).tp_name =                                 \
          "pyinstrument.renderers." module "." cls,                            \
      .tp_basicsize = sizeof(RendererObject),                                  \
      .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC, \
      .tp_doc = cls sig "\n--\n\n" doc,                                        \
      .tp_traverse = (traverseproc)Renderer_Traverse,                          \
      .tp_clear = (inquiry)Renderer_Clear,                                     \
      .tp_base = base,                                                         \
      .tp_init = Builtin_Init,                                                 \
  };
#define FRAME_SIG "(show_all=False, timeline=False, processor_options=None)"
RENDERER_TYPE(ConsoleRenderer_Type, "console", "ConsoleRenderer",
              &FrameRenderer_Type,
              "(show_all=False, timeline=False, processor_options=None, "
              "unicode=False, color=False, flat=False, time='seconds', "
              "flat_time='self', short_mode=False)",
              "The text report: a call tree, or a flat list (flat=True).")
RENDERER_TYPE(HTMLRenderer_Type, "html", "HTMLRenderer", &Renderer_Type,
              "(show_all=False, timeline=False, resample_interval=None)",
              "An interactive HTML page, which does its own processing "
              "(show_all and timeline are view options there).")
RENDERER_TYPE(JSONRenderer_Type, "jsonrenderer", "JSONRenderer",
              &FrameRenderer_Type, FRAME_SIG,
              "The processed call tree as JSON.")
RENDERER_TYPE(SpeedscopeRenderer_Type, "speedscope", "SpeedscopeRenderer",
              &FrameRenderer_Type, FRAME_SIG,
              "A profile for speedscope.app.")
RENDERER_TYPE(SessionRenderer_Type, "session", "SessionRenderer",
              &Renderer_Type, "(tree_format=False)",
              "The raw session (.pyisession).")
RENDERER_TYPE(MarkdownRenderer_Type, "extra", "MarkdownRenderer",
              &Renderer_Type,
              "(show_all=False, timeline=False, processor_options=None, "
              "format=None, depth=None, limit=None)",
              "A Markdown summary: figures, the hottest call paths, the top "
              "functions (format='html': the same as an HTML fragment).")
RENDERER_TYPE(FoldedRenderer_Type, "extra", "FoldedRenderer", &Renderer_Type,
              "(show_all=False, timeline=False, processor_options=None, "
              "unit=None)",
              "Folded stacks for FlameGraph, speedscope and Pyroscope.")
RENDERER_TYPE(PprofRenderer_Type, "extra", "PprofRenderer", &Renderer_Type,
              FRAME_SIG,
              "gzip-compressed pprof (binary data in a str), for go tool "
              "pprof, Grafana Pyroscope and Parca.")
RENDERER_TYPE(PstatsRenderer_Type, "pstatsrenderer", "PstatsRenderer",
              &FrameRenderer_Type, FRAME_SIG,
              "Python's pstats format, for pstats and snakeviz (binary data "
              "in a str, as pyinstrument returns it).")

/* Class attributes pyinstrument's renderers have. */
static int set_class_attrs(PyTypeObject *t, const char *ext, bool binary) {
  PyObject *e = PyUnicode_FromString(ext);
  int rc = !e || PyDict_SetItemString(t->tp_dict, "output_file_extension", e) ||
                   PyDict_SetItemString(t->tp_dict, "output_is_binary",
                                        binary ? Py_True : Py_False)
               ? -1
               : 0;
  Py_XDECREF(e);
  PyType_Modified(t);
  return rc;
}

int capture_add_renderers(PyObject *module) {
  for (int i = 0; i < N_PROCS; i++)
    if (!proc_objects[i] &&
        !(proc_objects[i] = PyObject_GetAttrString(module, proc_names[i])))
      return -1;
  if (PyType_Ready(&Report_Type) || PyType_Ready(&Renderer_Type) ||
      PyType_Ready(&FrameRenderer_Type) ||
      set_class_attrs(&Renderer_Type, "txt", false))
    return -1;
  PyObject *misconf = PyErr_NewException(
      "pyinstrument.renderers.base.Renderer.MisconfigurationError", NULL, NULL);
  if (!misconf ||
      PyDict_SetItemString(Renderer_Type.tp_dict, "MisconfigurationError",
                           misconf)) {
    Py_XDECREF(misconf);
    return -1;
  }
  Py_DECREF(misconf);
  if (PyModule_AddObjectRef(module, "Renderer", (PyObject *)&Renderer_Type) ||
      PyModule_AddObjectRef(module, "FrameRenderer",
                            (PyObject *)&FrameRenderer_Type))
    return -1;
  for (size_t i = 0; i < N_CLASSES; i++)
    if (PyType_Ready(classes[i].type) ||
        set_class_attrs(classes[i].type, classes[i].ext, classes[i].binary) ||
        PyModule_AddObjectRef(module, classes[i].class_name,
                              (PyObject *)classes[i].type))
      return -1;
  return 0;
}
