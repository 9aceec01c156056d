/* renderers.c - pyinstrument's renderer classes (ConsoleRenderer,
 * HTMLRenderer, ...) over libsession's renderers.
 *
 * A renderer object holds the libsession renderer name and an options map
 * built from its keyword arguments (each value as JSON, as '-p' gives
 * them); construction fails as pyinstrument's does on a bad option, and
 * render(session) renders in-process.
 */
#include "capture.h"

#include <stdlib.h>
#include <string.h>

typedef struct RendererObject {
  PyObject_HEAD
  const char *name; /* libsession's renderer; NULL until initialised */
  pyi_opts *opts;
  PyObject *kwargs;
} RendererObject;

static const char *const frame_keys[] = {"show_all", "timeline",
                                         "processor_options", NULL};
static const char *const text_keys[] = {
    "show_all", "timeline", "processor_options", "unicode",   "color",
    "flat",     "time",     "flat_time",         "short_mode", NULL};
static const char *const html_keys[] = {"resample_interval", "show_all",
                                        "timeline", NULL};
static const char *const session_keys[] = {"tree_format", NULL};

extern PyTypeObject ConsoleRenderer_Type, HTMLRenderer_Type,
    JSONRenderer_Type, SpeedscopeRenderer_Type, SessionRenderer_Type,
    PstatsRenderer_Type;

static const struct renderer_class {
  const char *name, *class_name;
  PyTypeObject *type;
  const char *const *keys;
} classes[] = {
    {"text", "ConsoleRenderer", &ConsoleRenderer_Type, text_keys},
    {"html", "HTMLRenderer", &HTMLRenderer_Type, html_keys},
    {"json", "JSONRenderer", &JSONRenderer_Type, frame_keys},
    {"speedscope", "SpeedscopeRenderer", &SpeedscopeRenderer_Type, frame_keys},
    {"pyisession", "SessionRenderer", &SessionRenderer_Type, session_keys},
    {"pstats", "PstatsRenderer", &PstatsRenderer_Type, frame_keys},
};
#define N_CLASSES (sizeof classes / sizeof *classes)

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

static void Renderer_Dealloc(RendererObject *r) {
  pyi_opts_free(r->opts);
  Py_XDECREF(r->kwargs);
  Py_TYPE(r)->tp_free((PyObject *)r);
}

/* Fills a renderer: checks the keyword names against pyinstrument's
 * constructor ('keys', NULL for any), converts the values to an options
 * map and lets libsession check them. */
static int renderer_init(RendererObject *r, const char *name,
                         const char *class_name, const char *const *keys,
                         PyObject *kwargs) {
  PyObject *json = PyImport_ImportModule("json");
  pyi_opts *o = pyi_opts_new();
  PyObject *key, *value;
  Py_ssize_t pos = 0;
  int rc = json ? 0 : -1;
  while (rc == 0 && kwargs && PyDict_Next(kwargs, &pos, &key, &value)) {
    const char *k = PyUnicode_AsUTF8(key);
    bool known = keys == NULL;
    for (size_t i = 0; k && keys && keys[i] && !known; i++)
      known = strcmp(keys[i], k) == 0;
    if (!k || !known) {
      if (k)
        PyErr_Format(PyExc_TypeError,
                     "%s.__init__() got an unexpected keyword argument '%s'",
                     class_name, k);
      rc = -1;
      break;
    }
    PyObject *text = PyObject_CallMethod(json, "dumps", "O", value);
    const char *t = text ? PyUnicode_AsUTF8(text) : NULL;
    pyi_error err = {0};
    if (!t || pyi_opts_set_json(o, k, t, &err)) {
      if (t)
        capture_set_error(PyExc_ValueError, &err);
      rc = -1;
    }
    Py_XDECREF(text);
  }
  pyi_error err = {0};
  if (rc == 0 && pyi_render_check(name, o, &err)) {
    capture_set_error(PyExc_ValueError, &err);
    rc = -1;
  }
  Py_XDECREF(json);
  if (rc) {
    pyi_opts_free(o);
    return -1;
  }
  pyi_opts_free(r->opts);
  r->opts = o;
  r->name = name;
  Py_XSETREF(r->kwargs, kwargs ? PyDict_Copy(kwargs) : PyDict_New());
  return r->kwargs ? 0 : -1;
}

static int Renderer_Init(RendererObject *r, PyObject *args, PyObject *kwds) {
  const struct renderer_class *c = class_of(Py_TYPE(r));
  if (!c) {
    PyErr_SetString(PyExc_TypeError, "Renderer is abstract: use one of its "
                                     "subclasses");
    return -1;
  }
  if (PyTuple_GET_SIZE(args)) {
    PyErr_Format(PyExc_TypeError, "%s() takes keyword arguments only",
                 c->class_name);
    return -1;
  }
  return renderer_init(r, c->name, c->class_name, c->keys, kwds);
}

PyObject *capture_renderer_new(const char *name, PyObject *kwargs) {
  if (strcmp(name, "session") == 0)
    name = "pyisession";
  const struct renderer_class *c = NULL;
  for (size_t i = 0; i < N_CLASSES && !c; i++)
    if (strcmp(classes[i].name, name) == 0)
      c = &classes[i];
  /* libsession's own extra formats get the base type */
  PyTypeObject *type = c ? c->type : &Renderer_Type;
  RendererObject *r = (RendererObject *)type->tp_alloc(type, 0);
  const char *const *names = pyi_renderer_names();
  for (size_t i = 0; !c && names[i]; i++)
    if (strcmp(names[i], name) == 0)
      name = names[i]; /* a static string */
  if (r && renderer_init(r, c ? c->name : name, c ? c->class_name : name,
                         c ? c->keys : NULL, kwargs)) {
    Py_CLEAR(r);
  }
  return (PyObject *)r;
}

static RendererObject *ready(PyObject *obj) {
  RendererObject *r = (RendererObject *)obj;
  if (!r->name) {
    PyErr_SetString(PyExc_RuntimeError, "renderer not initialised");
    return NULL;
  }
  return r;
}

PyObject *capture_render(PyObject *renderer, PyObject *session) {
  if (!PyObject_TypeCheck(renderer, &Renderer_Type))
    return PyObject_CallMethodOneArg(renderer, capture_str.render, session);
  RendererObject *r = ready(renderer);
  pyi_session *s = r ? capture_session_get(session) : NULL;
  if (!s)
    return NULL;
  pyi_error err = {0};
  size_t len;
  char *out;
  Py_BEGIN_ALLOW_THREADS /* a big render need not hold up other threads */
  out = pyi_render_string(s, r->name, r->opts, &len, NULL, &err);
  Py_END_ALLOW_THREADS
  if (!out) {
    capture_set_error(NULL, &err);
    return NULL;
  }
  PyObject *result = pyi_renderer_is_binary(r->name)
                         ? PyBytes_FromStringAndSize(out, (Py_ssize_t)len)
                         : PyUnicode_DecodeUTF8(out, (Py_ssize_t)len, "replace");
  free(out);
  return result;
}

int capture_render_file(PyObject *renderer, PyObject *session,
                        const char *path, FILE *notices) {
  RendererObject *r = ready(renderer);
  pyi_session *s = r ? capture_session_get(session) : NULL;
  if (!s)
    return -1;
  pyi_error err = {0};
  int rc;
  Py_BEGIN_ALLOW_THREADS
  rc = pyi_render_file(s, r->name, r->opts, path, notices, &err);
  Py_END_ALLOW_THREADS
  if (rc)
    capture_set_error(NULL, &err);
  return rc;
}

const char *capture_renderer_type_name(PyObject *cls) {
  const struct renderer_class *c =
      PyType_Check(cls) ? class_of((PyTypeObject *)cls) : NULL;
  return c ? c->name : NULL;
}

const char *capture_renderer_name(PyObject *renderer) {
  if (!PyObject_TypeCheck(renderer, &Renderer_Type))
    return NULL;
  return ((RendererObject *)renderer)->name;
}

static PyObject *Renderer_Render(PyObject *self, PyObject *session) {
  return capture_render(self, session);
}

static PyObject *Renderer_GetExtension(RendererObject *r, void *unused) {
  const char *ext = r->name ? pyi_renderer_extension(r->name) : NULL;
  return PyUnicode_FromString(ext ? ext : "txt");
}

static PyObject *Renderer_GetBinary(RendererObject *r, void *unused) {
  return PyBool_FromLong(r->name && pyi_renderer_is_binary(r->name));
}

static PyObject *Renderer_GetOptions(RendererObject *r, void *unused) {
  return r->kwargs ? PyDict_Copy(r->kwargs) : PyDict_New();
}

static PyObject *Renderer_GetName(RendererObject *r, void *unused) {
  return r->name ? PyUnicode_FromString(r->name) : Py_NewRef(Py_None);
}

static PyGetSetDef Renderer_GetSet[] = {
    {"output_file_extension", (getter)Renderer_GetExtension, NULL,
     "The extension of a file of this format, without the dot.", NULL},
    {"output_is_binary", (getter)Renderer_GetBinary, NULL,
     "Whether render() returns bytes.", NULL},
    {"options", (getter)Renderer_GetOptions, NULL,
     "The keyword options given.", NULL},
    {"name", (getter)Renderer_GetName, NULL, "The format's name (-r NAME).",
     NULL},
    {NULL},
};

static PyMethodDef Renderer_Methods[] = {
    {"render", (PyCFunction)Renderer_Render, METH_O,
     "render(session)\n--\n\nThe report of a Session (str, or bytes for "
     "binary formats)."},
    {NULL},
};

PyTypeObject Renderer_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "pyinstrument.renderers.Renderer",
    .tp_basicsize = sizeof(RendererObject),
    .tp_dealloc = (destructor)Renderer_Dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "The base of the renderer classes.",
    .tp_methods = Renderer_Methods,
    .tp_getset = Renderer_GetSet,
    .tp_init = (initproc)Renderer_Init,
    .tp_new = PyType_GenericNew,
};

#define RENDERER_TYPE(var, cls, doc)                                          \
  PyTypeObject var = {                                                         \
      PyVarObject_HEAD_INIT(NULL, 0).tp_name = "pyinstrument.renderers." cls,  \
      .tp_basicsize = sizeof(RendererObject),                                  \
      .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,                    \
      .tp_doc = doc,                                                           \
      .tp_base = &Renderer_Type,                                               \
  };
RENDERER_TYPE(ConsoleRenderer_Type, "ConsoleRenderer",
              "The text report: a call tree, or a flat list (flat=True).")
RENDERER_TYPE(HTMLRenderer_Type, "HTMLRenderer", "An interactive HTML page.")
RENDERER_TYPE(JSONRenderer_Type, "JSONRenderer",
              "The processed call tree as JSON.")
RENDERER_TYPE(SpeedscopeRenderer_Type, "SpeedscopeRenderer",
              "A profile for speedscope.app.")
RENDERER_TYPE(SessionRenderer_Type, "SessionRenderer",
              "The raw session (.pyisession).")
RENDERER_TYPE(PstatsRenderer_Type, "PstatsRenderer",
              "Python's pstats format (binary), for pstats and snakeviz.")

int capture_add_renderers(PyObject *module) {
  if (PyType_Ready(&Renderer_Type) ||
      PyModule_AddObjectRef(module, "Renderer", (PyObject *)&Renderer_Type))
    return -1;
  for (size_t i = 0; i < N_CLASSES; i++)
    if (PyType_Ready(classes[i].type) ||
        PyModule_AddObjectRef(module, classes[i].class_name,
                              (PyObject *)classes[i].type))
      return -1;
  return 0;
}
