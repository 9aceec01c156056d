/* session.c - pyinstrument's Session: a Python object owning a libsession
 * session. Fields read straight from it; load, save, combine and resample
 * are libsession's; to_json/from_json go through the .pyisession text.
 */
#include "capture.h"

#include <string.h>

typedef struct SessionObject {
  PyObject_HEAD
  pyi_session *s;
} SessionObject;

void capture_set_error(PyObject *type, const pyi_error *err) {
  if (!type)
    type = err->code == PYI_EIO ? PyExc_OSError : PyExc_ValueError;
  PyErr_SetString(type, err->msg[0] ? err->msg : "libsession failed");
}

void capture_set_file_error(const pyi_error *err, PyObject *filename) {
  if (!err->errnum) {
    capture_set_error(NULL, err);
    return;
  }
  /* OSError(errno, strerror, filename) picks the subclass for errno
   * (FileNotFoundError, PermissionError, IsADirectoryError, ...) */
  PyObject *e = PyObject_CallFunction(PyExc_OSError, "isO", err->errnum,
                                      strerror(err->errnum), filename);
  if (e) {
    PyErr_SetObject((PyObject *)Py_TYPE(e), e);
    Py_DECREF(e);
  }
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

pyi_session *capture_session_take(PyObject *obj) {
  SessionObject *o = (SessionObject *)obj;
  pyi_session *s = o->s;
  o->s = pyi_session_new();
  return s;
}

static void Session_Dealloc(SessionObject *o) {
  pyi_session_free(o->s);
  Py_TYPE(o)->tp_free((PyObject *)o);
}

static PyObject *frame_str(const pyi_session *s, uint32_t id) {
  size_t len;
  const char *t = pyi_session_frame_info(s, id, &len);
  return t ? capture_text(t, len) : PyUnicode_FromString("");
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
  return capture_text(t, len);
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


/* ---- setters: pyinstrument's Session fields are plain attributes ---- */

static int need_value(PyObject *v, const char *name) {
  if (!v)
    PyErr_Format(PyExc_AttributeError, "cannot delete %s", name);
  return v ? 0 : -1;
}

static int number_of(PyObject *v, const char *name, double *out) {
  if (need_value(v, name))
    return -1;
  *out = PyFloat_AsDouble(v);
  return *out == -1 && PyErr_Occurred() ? -1 : 0;
}

static int Session_Set_start_time(SessionObject *o, PyObject *v, void *u) {
  double d;
  if (number_of(v, "start_time", &d))
    return -1;
  pyi_session_set_times(o->s, d, pyi_session_duration(o->s),
                        pyi_session_cpu_time(o->s));
  return 0;
}

static int Session_Set_duration(SessionObject *o, PyObject *v, void *u) {
  double d;
  if (number_of(v, "duration", &d))
    return -1;
  pyi_session_set_times(o->s, pyi_session_start_time(o->s), d,
                        pyi_session_cpu_time(o->s));
  return 0;
}

static int Session_Set_cpu_time(SessionObject *o, PyObject *v, void *u) {
  double d;
  if (number_of(v, "cpu_time", &d))
    return -1;
  pyi_session_set_times(o->s, pyi_session_start_time(o->s),
                        pyi_session_duration(o->s), d);
  return 0;
}

static int Session_Set_min_interval(SessionObject *o, PyObject *v, void *u) {
  double d;
  if (number_of(v, "min_interval", &d))
    return -1;
  pyi_session_set_intervals(o->s, d, pyi_session_max_interval(o->s));
  return 0;
}

static int Session_Set_max_interval(SessionObject *o, PyObject *v, void *u) {
  double d;
  if (number_of(v, "max_interval", &d))
    return -1;
  pyi_session_set_intervals(o->s, pyi_session_min_interval(o->s), d);
  return 0;
}

static int Session_Set_sample_count(SessionObject *o, PyObject *v, void *u) {
  double d;
  if (number_of(v, "sample_count", &d))
    return -1;
  pyi_session_set_sample_count(o->s, d);
  return 0;
}

static int Session_Set_target_description(SessionObject *o, PyObject *v,
                                          void *u) {
  PyObject *b = need_value(v, "target_description")
                    ? NULL
                    : capture_utf8(v, "target_description");
  if (!b)
    return -1;
  pyi_session_set_target_description(o->s, PyBytes_AS_STRING(b),
                                     (size_t)PyBytes_GET_SIZE(b));
  Py_DECREF(b);
  return 0;
}

/* Replaces a list of strings with the items of 'v' (checked first). */
static int set_strings(pyi_session *s, PyObject *v, const char *name,
                       void (*clear)(pyi_session *),
                       void (*add)(pyi_session *, const char *)) {
  PyObject *seq = need_value(v, name)
                      ? NULL
                      : PySequence_Fast(v, "expected a list of str");
  if (!seq)
    return -1;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  for (Py_ssize_t i = 0; i < n; i++)
    if (!PyUnicode_Check(PySequence_Fast_GET_ITEM(seq, i))) {
      PyErr_Format(PyExc_TypeError, "%s must hold str items", name);
      Py_DECREF(seq);
      return -1;
    }
  clear(s);
  int rc = 0;
  for (Py_ssize_t i = 0; rc == 0 && i < n; i++) {
    PyObject *b = capture_utf8(PySequence_Fast_GET_ITEM(seq, i), name);
    if (!b)
      rc = -1;
    else
      add(s, PyBytes_AS_STRING(b));
    Py_XDECREF(b);
  }
  Py_DECREF(seq);
  return rc;
}

static int Session_Set_sys_path(SessionObject *o, PyObject *v, void *u) {
  return set_strings(o->s, v, "sys_path", pyi_session_clear_sys_path,
                     pyi_session_add_sys_path);
}

static int Session_Set_sys_prefixes(SessionObject *o, PyObject *v, void *u) {
  return set_strings(o->s, v, "sys_prefixes", pyi_session_clear_sys_prefixes,
                     pyi_session_add_sys_prefix);
}

/* The frame ids of a list of frame-info strings (interned into 's'); the
 * count in '*n'. PyMem; NULL with an exception set. */
static uint32_t *intern_stack(pyi_session *s, PyObject *stack, size_t *n) {
  PyObject *seq = PySequence_Fast(stack, "a stack must be a list of str");
  if (!seq)
    return NULL;
  *n = (size_t)PySequence_Fast_GET_SIZE(seq);
  uint32_t *ids = PyMem_Malloc((*n ? *n : 1) * sizeof *ids);
  if (!ids)
    PyErr_NoMemory();
  for (size_t i = 0; ids && i < *n; i++) {
    PyObject *b = capture_utf8(PySequence_Fast_GET_ITEM(seq, (Py_ssize_t)i),
                             "a frame");
    if (!b) {
      PyMem_Free(ids);
      ids = NULL;
      break;
    }
    ids[i] = pyi_session_intern_frame(s, PyBytes_AS_STRING(b),
                                      (size_t)PyBytes_GET_SIZE(b));
    Py_DECREF(b);
  }
  Py_DECREF(seq);
  return ids;
}

static int Session_Set_start_call_stack(SessionObject *o, PyObject *v,
                                        void *u) {
  size_t n;
  uint32_t *ids = need_value(v, "start_call_stack")
                      ? NULL
                      : intern_stack(o->s, v, &n);
  if (!ids)
    return -1;
  pyi_error err = {0};
  int rc = pyi_session_set_start_call_stack(o->s, ids, n, &err);
  PyMem_Free(ids);
  if (rc)
    capture_set_error(PyExc_ValueError, &err);
  return rc;
}

static int Session_Set_frame_records(SessionObject *o, PyObject *v, void *u) {
  PyObject *seq = need_value(v, "frame_records")
                      ? NULL
                      : PySequence_Fast(v, "frame_records must be a list");
  if (!seq)
    return -1;
  pyi_session_clear_records(o->s);
  int rc = 0;
  for (Py_ssize_t i = 0; rc == 0 && i < PySequence_Fast_GET_SIZE(seq); i++) {
    PyObject *rec = PySequence_Fast_GET_ITEM(seq, i), *stack, *t;
    size_t n;
    uint32_t *ids = NULL;
    double secs = -1;
    pyi_error err = {0};
    if (!PySequence_Check(rec) || PySequence_Size(rec) != 2) {
      PyErr_Format(PyExc_ValueError,
                   "frame_records[%zd] must be a (stack, seconds) pair", i);
      rc = -1;
      break;
    }
    stack = PySequence_GetItem(rec, 0);
    t = stack ? PySequence_GetItem(rec, 1) : NULL;
    if (t && !((secs = PyFloat_AsDouble(t)) == -1 && PyErr_Occurred()))
      ids = intern_stack(o->s, stack, &n);
    if (!ids ||
        pyi_session_add_record(o->s, ids, n, secs, &err)) {
      if (ids)
        capture_set_error(PyExc_ValueError, &err);
      rc = -1;
    }
    PyMem_Free(ids);
    Py_XDECREF(stack);
    Py_XDECREF(t);
  }
  Py_DECREF(seq);
  return rc;
}

static PyGetSetDef Session_GetSet[] = {
    {"start_time", (getter)Session_Get_start_time, (setter)Session_Set_start_time,
     "Seconds since the epoch when profiling started.", NULL},
    {"duration", (getter)Session_Get_duration, (setter)Session_Set_duration,
     "Wall-clock seconds from start to stop.", NULL},
    {"min_interval", (getter)Session_Get_min_interval, (setter)Session_Set_min_interval,
     "The smallest sampling interval used.", NULL},
    {"max_interval", (getter)Session_Get_max_interval, (setter)Session_Set_max_interval,
     "The largest sampling interval used.", NULL},
    {"sample_count", (getter)Session_Get_sample_count, (setter)Session_Set_sample_count,
     "The number of samples.", NULL},
    {"start_call_stack", (getter)Session_Get_start_call_stack, (setter)Session_Set_start_call_stack,
     "Frame infos of the code that started the profiler, root first.", NULL},
    {"target_description", (getter)Session_Get_target_description, (setter)Session_Set_target_description,
     "The report title.", NULL},
    {"cpu_time", (getter)Session_Get_cpu_time, (setter)Session_Set_cpu_time,
     "Process CPU seconds between start and stop.", NULL},
    {"sys_path", (getter)Session_Get_sys_path, (setter)Session_Set_sys_path,
     "sys.path when profiling stopped.", NULL},
    {"sys_prefixes", (getter)Session_Get_sys_prefixes, (setter)Session_Set_sys_prefixes,
     "The interpreter's prefixes when profiling stopped.", NULL},
    {"frame_records", (getter)Session_Get_frame_records, (setter)Session_Set_frame_records,
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

static PyObject *Session_Load(PyObject *cls, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"filename", NULL};
  PyObject *path;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:load", kwlist, &path))
    return NULL;
  PyObject *b = fs_path(path);
  if (!b)
    return NULL;
  pyi_error err = {0};
  pyi_session *s = pyi_session_load(PyBytes_AS_STRING(b), &err);
  Py_DECREF(b);
  if (!s) {
    capture_set_file_error(&err, path);
    return NULL;
  }
  return capture_session_wrap(s);
}

static PyObject *Session_Save(SessionObject *o, PyObject *args,
                              PyObject *kwds) {
  static char *kwlist[] = {"filename", NULL};
  PyObject *path;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:save", kwlist, &path))
    return NULL;
  PyObject *b = fs_path(path);
  if (!b)
    return NULL;
  pyi_error err = {0};
  int rc = pyi_session_save(o->s, PyBytes_AS_STRING(b), &err);
  Py_DECREF(b);
  if (rc) {
    capture_set_file_error(&err, path);
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

/* pyinstrument's Session fields, in the order of its to_json(). */
static const char *const fields[] = {
    "start_time",       "duration",           "min_interval",
    "max_interval",     "sample_count",       "start_call_stack",
    "target_description", "cpu_time",         "sys_path",
    "sys_prefixes",     "frame_records",      NULL};

static PyObject *Session_ToJson(SessionObject *o, PyObject *args,
                                PyObject *kwds) {
  static char *kwlist[] = {"include_frame_records", NULL};
  int records = 1;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|p:to_json", kwlist, &records))
    return NULL;
  PyObject *d = PyDict_New();
  for (size_t i = 0; d && fields[i]; i++) {
    if (!records && strcmp(fields[i], "frame_records") == 0)
      continue;
    PyObject *v = PyObject_GetAttrString((PyObject *)o, fields[i]);
    if (!v || PyDict_SetItemString(d, fields[i], v))
      Py_CLEAR(d);
    Py_XDECREF(v);
  }
  return d;
}

/* Session(frame_records, start_time, duration, min_interval, max_interval,
 * sample_count, start_call_stack, target_description, cpu_time, sys_path,
 * sys_prefixes): every field given, as pyinstrument's constructor. */
static PyObject *Session_New(PyTypeObject *type, PyObject *args,
                             PyObject *kwds) {
  static char *kwlist[] = {"frame_records", "start_time", "duration",
                           "min_interval", "max_interval", "sample_count",
                           "start_call_stack", "target_description",
                           "cpu_time", "sys_path", "sys_prefixes", NULL};
  PyObject *v[11];
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOOOOOOOOOO:Session", kwlist,
                                   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                                   &v[6], &v[7], &v[8], &v[9], &v[10]))
    return NULL;
  PyObject *self = capture_session_wrap(pyi_session_new());
  for (size_t i = 0; self && kwlist[i]; i++)
    if (PyObject_SetAttrString(self, kwlist[i], v[i]))
      Py_CLEAR(self);
  return self;
}

/* pyinstrument's from_json: the required keys, and defaults for the
 * optional ones (the intervals, sys_path, sys_prefixes; cpu_time or 0). */
static PyObject *Session_FromJson(PyObject *cls, PyObject *dict) {
  if (!PyDict_Check(dict)) {
    PyErr_Format(PyExc_TypeError, "from_json takes a dict, not %.100s",
                 Py_TYPE(dict)->tp_name);
    return NULL;
  }
  PyObject *kw = PyDict_New(), *dflt = NULL;
  for (size_t i = 0; kw && fields[i]; i++) {
    const char *k = fields[i];
    PyObject *v = PyDict_GetItemString(dict, k); /* borrowed */
    if (!v && (!strcmp(k, "min_interval") || !strcmp(k, "max_interval")))
      v = dflt = PyFloat_FromDouble(0.001);
    else if (!v && !strcmp(k, "sys_path"))
      v = dflt = Py_XNewRef(PySys_GetObject("path"));
    else if (!v && !strcmp(k, "sys_prefixes"))
      v = dflt = PyObject_CallMethod((PyObject *)&Session_Type,
                                     "current_sys_prefixes", NULL);
    else if (!v) {
      PyErr_SetString(PyExc_KeyError, k);
      Py_CLEAR(kw);
      break;
    } else if (!strcmp(k, "cpu_time") && !PyObject_IsTrue(v)) {
      v = dflt = PyLong_FromLong(0);
    }
    if (!v || PyDict_SetItemString(kw, k, v))
      Py_CLEAR(kw);
    Py_CLEAR(dflt);
  }
  PyObject *empty = kw ? PyTuple_New(0) : NULL;
  PyObject *r = empty ? Session_New(&Session_Type, empty, kw) : NULL;
  Py_XDECREF(empty);
  Py_XDECREF(kw);
  return r;
}

static PyObject *Session_RootFrame(SessionObject *o, PyObject *args,
                                   PyObject *kwds) {
  static char *kwlist[] = {"trim_stem", NULL};
  int trim = 1;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|p:root_frame", kwlist, &trim))
    return NULL;
  return capture_root_frame((PyObject *)o, trim);
}

static PyObject *Session_ShortenPath(SessionObject *o, PyObject *path) {
  PyObject *b = capture_utf8(path, "path");
  if (!b)
    return NULL;
  const char *r = pyi_session_shorten_path(o->s, PyBytes_AS_STRING(b),
                                           (size_t)PyBytes_GET_SIZE(b));
  Py_DECREF(b);
  return capture_text(r, strlen(r));
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
  PyObject *d = capture_text(t, len);
  PyObject *r = d ? PyUnicode_FromFormat("<Session %R, %zu samples>", d,
                                         pyi_session_record_count(o->s))
                  : NULL;
  Py_XDECREF(d);
  return r;
}

static PyMethodDef Session_Methods[] = {
    {"load", (PyCFunction)(void (*)(void))Session_Load,
     METH_VARARGS | METH_KEYWORDS | METH_CLASS,
     "load($type, /, filename)\n--\n\nReads a .pyisession file (plain or "
     "gzip)."},
    {"save", (PyCFunction)(void (*)(void))Session_Save,
     METH_VARARGS | METH_KEYWORDS,
     "save($self, /, filename)\n--\n\nWrites the session as .pyisession "
     "JSON (gzip-compressed when the name ends in .gz)."},
    {"combine", (PyCFunction)Session_Combine, METH_VARARGS | METH_STATIC,
     "combine(session1, session2)\n--\n\n"
     "A new session with the records of both, earlier start first."},
    {"resample", (PyCFunction)Session_Resample, METH_O,
     "resample($self, interval, /)\n--\n\n"
     "A new session whose records each carry at least 'interval' seconds."},
    {"to_json", (PyCFunction)(void (*)(void))Session_ToJson,
     METH_VARARGS | METH_KEYWORDS,
     "to_json($self, /, include_frame_records=True)\n--\n\n"
     "The session as the dict its .pyisession file holds."},
    {"from_json", (PyCFunction)Session_FromJson, METH_O | METH_STATIC,
     "from_json(json_dict)\n--\n\nA session from such a dict."},
    {"root_frame", (PyCFunction)(void (*)(void))Session_RootFrame,
     METH_VARARGS | METH_KEYWORDS,
     "root_frame($self, /, trim_stem=True)\n--\n\n"
     "The call tree of the samples as Frame objects, in time order (None "
     "without samples); 'trim_stem' drops the frames above the call that "
     "started the profiler."},
    {"shorten_path", (PyCFunction)Session_ShortenPath, METH_O,
     "shorten_path($self, path, /)\n--\n\n"
     "'path' relative to the sys_path entry that makes it shortest."},
    {"current_sys_prefixes", (PyCFunction)Session_CurrentSysPrefixes,
     METH_NOARGS | METH_STATIC,
     "current_sys_prefixes()\n--\n\nThe four prefixes of the running "
     "interpreter."},
    {NULL},
};

PyTypeObject Session_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "pyinstrument.session.Session",
    .tp_basicsize = sizeof(SessionObject),
    .tp_dealloc = (destructor)Session_Dealloc,
    .tp_repr = (reprfunc)Session_Repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Session(frame_records, start_time, duration, min_interval, "
              "max_interval, sample_count, start_call_stack, "
              "target_description, cpu_time, sys_path, sys_prefixes)\n--\n\n"
              "A recorded profile: metadata and samples.",
    .tp_new = Session_New,
    .tp_methods = Session_Methods,
    .tp_getset = Session_GetSet,
};
