/* session.c - pyinstrument's Session: a Python object owning a libsession
 * session. Fields read straight from it; load, save, combine and resample
 * are libsession's; to_json/from_json go through the .pyisession text.
 */
#include "capture.h"

typedef struct SessionObject {
  PyObject_HEAD
  pyi_session *s;
} SessionObject;

void capture_set_error(PyObject *type, const pyi_error *err) {
  if (!type)
    type = err->code == PYI_EIO ? PyExc_OSError : PyExc_ValueError;
  PyErr_SetString(type, err->msg[0] ? err->msg : "libsession failed");
}

PyObject *capture_session_wrap(pyi_session *s) {
  SessionObject *o = PyObject_New(SessionObject, &Session_Type);
  if (!o) {
    pyi_session_free(s);
    return NULL;
  }
  o->s = s;
  return (PyObject *)o;
}

pyi_session *capture_session_get(PyObject *obj) {
  if (!PyObject_TypeCheck(obj, &Session_Type)) {
    PyErr_Format(PyExc_TypeError, "expected a Session, not %.100s",
                 Py_TYPE(obj)->tp_name);
    return NULL;
  }
  return ((SessionObject *)obj)->s;
}

static void Session_Dealloc(SessionObject *o) {
  pyi_session_free(o->s);
  Py_TYPE(o)->tp_free((PyObject *)o);
}

/* A str from frame-info bytes (they hold NULs and may hold surrogates). */
static PyObject *text(const char *s, size_t len) {
  return PyUnicode_DecodeUTF8(s, (Py_ssize_t)len, "surrogatepass");
}

static PyObject *frame_str(const pyi_session *s, uint32_t id) {
  size_t len;
  const char *t = pyi_session_frame_info(s, id, &len);
  return t ? text(t, len) : PyUnicode_FromString("");
}

/* ==== fields ============================================================= */

static PyObject *number(double v) {
  return PyFloat_FromDouble(v);
}

#define FLOAT_FIELD(field)                                                     \
  static PyObject *Session_Get_##field(SessionObject *o, void *unused) {       \
    return number(pyi_session_##field(o->s));                                  \
  }
FLOAT_FIELD(start_time)
FLOAT_FIELD(duration)
FLOAT_FIELD(min_interval)
FLOAT_FIELD(max_interval)
FLOAT_FIELD(cpu_time)

static PyObject *Session_Get_sample_count(SessionObject *o, void *unused) {
  double n = pyi_session_sample_count(o->s);
  if (n == (double)(long long)n)
    return PyLong_FromLongLong((long long)n);
  return PyFloat_FromDouble(n);
}

static PyObject *Session_Get_target_description(SessionObject *o, void *u) {
  size_t len;
  const char *t = pyi_session_target_description(o->s, &len);
  return text(t, len);
}

static PyObject *string_list(const pyi_session *s, size_t n,
                             const char *(*get)(const pyi_session *, size_t)) {
  PyObject *list = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; list && i < n; i++) {
    const char *v = get(s, i);
    PyObject *str = PyUnicode_DecodeUTF8(v, (Py_ssize_t)strlen(v),
                                         "surrogatepass");
    if (!str)
      Py_CLEAR(list);
    else
      PyList_SET_ITEM(list, (Py_ssize_t)i, str);
  }
  return list;
}

static PyObject *Session_Get_sys_path(SessionObject *o, void *unused) {
  return string_list(o->s, pyi_session_sys_path_count(o->s),
                     pyi_session_sys_path);
}

static PyObject *Session_Get_sys_prefixes(SessionObject *o, void *unused) {
  return string_list(o->s, pyi_session_sys_prefix_count(o->s),
                     pyi_session_sys_prefix);
}

static PyObject *id_list(const pyi_session *s, const uint32_t *ids, size_t n) {
  PyObject *list = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; list && i < n; i++) {
    PyObject *str = frame_str(s, ids[i]);
    if (!str)
      Py_CLEAR(list);
    else
      PyList_SET_ITEM(list, (Py_ssize_t)i, str);
  }
  return list;
}

static PyObject *Session_Get_start_call_stack(SessionObject *o, void *u) {
  const uint32_t *ids;
  size_t n = pyi_session_start_call_stack(o->s, &ids);
  return id_list(o->s, ids, n);
}

/* A new list of (stack, seconds) tuples, as pyinstrument keeps them. */
static PyObject *Session_Get_frame_records(SessionObject *o, void *unused) {
  size_t n = pyi_session_record_count(o->s), cap = 64;
  uint32_t *ids = PyMem_Malloc(cap * sizeof *ids);
  PyObject *list = ids ? PyList_New((Py_ssize_t)n) : PyErr_NoMemory();
  for (size_t i = 0; list && i < n; i++) {
    double t;
    size_t depth = pyi_session_record(o->s, i, ids, cap, &t);
    if (depth > cap) {
      PyMem_Free(ids);
      cap = depth;
      if (!(ids = PyMem_Malloc(cap * sizeof *ids))) {
        PyErr_NoMemory();
        Py_CLEAR(list);
        break;
      }
      pyi_session_record(o->s, i, ids, cap, &t);
    }
    PyObject *rec = Py_BuildValue("(Nd)", id_list(o->s, ids, depth), t);
    if (!rec)
      Py_CLEAR(list);
    else
      PyList_SET_ITEM(list, (Py_ssize_t)i, rec);
  }
  PyMem_Free(ids);
  return list;
}

static PyGetSetDef Session_GetSet[] = {
    {"start_time", (getter)Session_Get_start_time, NULL,
     "Seconds since the epoch when profiling started.", NULL},
    {"duration", (getter)Session_Get_duration, NULL,
     "Wall-clock seconds from start to stop.", NULL},
    {"min_interval", (getter)Session_Get_min_interval, NULL,
     "The smallest sampling interval used.", NULL},
    {"max_interval", (getter)Session_Get_max_interval, NULL,
     "The largest sampling interval used.", NULL},
    {"sample_count", (getter)Session_Get_sample_count, NULL,
     "The number of samples.", NULL},
    {"start_call_stack", (getter)Session_Get_start_call_stack, NULL,
     "Frame infos of the code that started the profiler, root first.", NULL},
    {"target_description", (getter)Session_Get_target_description, NULL,
     "The report title.", NULL},
    {"cpu_time", (getter)Session_Get_cpu_time, NULL,
     "Process CPU seconds between start and stop.", NULL},
    {"sys_path", (getter)Session_Get_sys_path, NULL,
     "sys.path when profiling stopped.", NULL},
    {"sys_prefixes", (getter)Session_Get_sys_prefixes, NULL,
     "The interpreter's prefixes when profiling stopped.", NULL},
    {"frame_records", (getter)Session_Get_frame_records, NULL,
     "The samples: a list of (stack, seconds), stacks root first.", NULL},
    {NULL},
};

/* ==== methods ============================================================ */

/* A file system path argument as bytes (new reference). */
static PyObject *fs_path(PyObject *path) {
  PyObject *b = NULL;
  if (!PyUnicode_FSConverter(path, &b))
    return NULL;
  return b;
}

static PyObject *Session_Load(PyObject *cls, PyObject *path) {
  PyObject *b = fs_path(path);
  if (!b)
    return NULL;
  pyi_error err = {0};
  pyi_session *s = pyi_session_load(PyBytes_AS_STRING(b), &err);
  Py_DECREF(b);
  if (!s) {
    capture_set_error(NULL, &err);
    return NULL;
  }
  return capture_session_wrap(s);
}

static PyObject *Session_Save(SessionObject *o, PyObject *path) {
  PyObject *b = fs_path(path);
  if (!b)
    return NULL;
  pyi_error err = {0};
  int rc = pyi_session_save(o->s, PyBytes_AS_STRING(b), &err);
  Py_DECREF(b);
  if (rc) {
    capture_set_error(NULL, &err);
    return NULL;
  }
  Py_RETURN_NONE;
}

static PyObject *Session_Combine(PyObject *cls, PyObject *args) {
  PyObject *a, *b;
  if (!PyArg_ParseTuple(args, "O!O!:combine", &Session_Type, &a, &Session_Type,
                        &b))
    return NULL;
  return capture_session_wrap(
      pyi_session_combine(((SessionObject *)a)->s, ((SessionObject *)b)->s));
}

static PyObject *Session_Resample(SessionObject *o, PyObject *arg) {
  double interval = PyFloat_AsDouble(arg);
  if (interval == -1 && PyErr_Occurred())
    return NULL;
  if (!(interval > 0)) {
    PyErr_SetString(PyExc_ValueError, "the interval must be positive");
    return NULL;
  }
  return capture_session_wrap(pyi_session_resample(o->s, interval));
}

static PyObject *json_call(const char *func, PyObject *arg) {
  PyObject *json = PyImport_ImportModule("json");
  PyObject *r = json ? PyObject_CallMethod(json, func, "O", arg) : NULL;
  Py_XDECREF(json);
  return r;
}

static PyObject *Session_ToJson(SessionObject *o, PyObject *args,
                                PyObject *kwds) {
  static char *kwlist[] = {"include_frame_records", NULL};
  int records = 1;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|p:to_json", kwlist, &records))
    return NULL;
  pyi_error err = {0};
  size_t len;
  char *t = pyi_render_string(o->s, "pyisession", NULL, &len, NULL, &err);
  if (!t) {
    capture_set_error(NULL, &err);
    return NULL;
  }
  PyObject *str = PyUnicode_DecodeUTF8(t, (Py_ssize_t)len, "strict");
  free(t);
  PyObject *d = str ? json_call("loads", str) : NULL;
  Py_XDECREF(str);
  if (d && !records && PyDict_DelItemString(d, "frame_records"))
    Py_CLEAR(d);
  return d;
}

static PyObject *Session_FromJson(PyObject *cls, PyObject *dict) {
  PyObject *str = json_call("dumps", dict);
  if (!str)
    return NULL;
  Py_ssize_t len;
  const char *t = PyUnicode_AsUTF8AndSize(str, &len);
  pyi_error err = {0};
  pyi_session *s =
      t ? pyi_session_load_mem(t, (size_t)len, "from_json", &err) : NULL;
  Py_DECREF(str);
  if (!s) {
    if (t)
      capture_set_error(PyExc_ValueError, &err);
    return NULL;
  }
  return capture_session_wrap(s);
}

static PyObject *Session_CurrentSysPrefixes(PyObject *cls, PyObject *unused) {
  static const char *const names[] = {"prefix", "base_prefix", "exec_prefix",
                                      "base_exec_prefix"};
  PyObject *list = PyList_New(0);
  for (int i = 0; list && i < 4; i++) {
    PyObject *v = PySys_GetObject(names[i]);
    if (v && PyList_Append(list, v))
      Py_CLEAR(list);
  }
  return list;
}

static PyObject *Session_Repr(SessionObject *o) {
  size_t len;
  const char *t = pyi_session_target_description(o->s, &len);
  PyObject *d = text(t, len);
  PyObject *r = d ? PyUnicode_FromFormat("<Session %R, %zu samples>", d,
                                         pyi_session_record_count(o->s))
                  : NULL;
  Py_XDECREF(d);
  return r;
}

static PyMethodDef Session_Methods[] = {
    {"load", (PyCFunction)Session_Load, METH_O | METH_CLASS,
     "load(path)\n--\n\nReads a .pyisession file (plain or gzip)."},
    {"save", (PyCFunction)Session_Save, METH_O,
     "save(path)\n--\n\nWrites the session as .pyisession JSON."},
    {"combine", (PyCFunction)Session_Combine, METH_VARARGS | METH_STATIC,
     "combine(session1, session2)\n--\n\n"
     "A new session with the records of both, earlier start first."},
    {"resample", (PyCFunction)Session_Resample, METH_O,
     "resample(interval)\n--\n\n"
     "A new session whose records each carry at least 'interval' seconds."},
    {"to_json", (PyCFunction)(void (*)(void))Session_ToJson,
     METH_VARARGS | METH_KEYWORDS,
     "to_json(include_frame_records=True)\n--\n\n"
     "The session as the dict its .pyisession file holds."},
    {"from_json", (PyCFunction)Session_FromJson, METH_O | METH_STATIC,
     "from_json(json_dict)\n--\n\nA session from such a dict."},
    {"current_sys_prefixes", (PyCFunction)Session_CurrentSysPrefixes,
     METH_NOARGS | METH_STATIC,
     "The four prefixes of the running interpreter."},
    {NULL},
};

PyTypeObject Session_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "pyinstrument.session.Session",
    .tp_basicsize = sizeof(SessionObject),
    .tp_dealloc = (destructor)Session_Dealloc,
    .tp_repr = (reprfunc)Session_Repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A recorded profile: metadata and samples.",
    .tp_methods = Session_Methods,
    .tp_getset = Session_GetSet,
};
