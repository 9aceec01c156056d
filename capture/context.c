/* context.c - pyinstrument.profile: `with profile():`, `@profile` and
 * `@profile(...)`. Each use runs its own Profiler (async mode "disabled"
 * unless asked) and prints the report to stderr when it ends.
 */
#include "capture.h"

#include <string.h>
#include <structmember.h>

typedef struct profile_opts {
  double interval;
  int async_mode;
  int use_timing_thread;
  int sampler;
  PyObject *renderer;           /* NULL: the short text report */
  PyObject *target_description; /* NULL: "Block at ..." / "Function ..." */
} profile_opts;

typedef struct ProfileObject {
  PyObject_HEAD
  profile_opts o;
  PyObject *profiler;
  PyObject *options; /* the keyword options given, as pyinstrument keeps them */
} ProfileObject;

typedef struct WrapperObject {
  PyObject_HEAD
  profile_opts o;
  PyObject *func;
} WrapperObject;

static int parse_opts(PyObject *kwds, profile_opts *o) {
  static char *kwlist[] = {"interval",        "async_mode",
                           "use_timing_thread", "renderer",
                           "target_description", "sampler", NULL};
  PyObject *empty = PyTuple_New(0), *mode = NULL, *timing = Py_None;
  PyObject *renderer = Py_None, *desc = Py_None, *sampler = NULL;
  *o = (profile_opts){0.001, CAPTURE_ASYNC_DISABLED, -1, CAPTURE_SAMPLER_TIMER,
                      NULL, NULL};
  int ok = empty && PyArg_ParseTupleAndKeywords(
                        empty, kwds, "|dOOOO$O:profile", kwlist, &o->interval,
                        &mode, &timing, &renderer, &desc, &sampler);
  Py_XDECREF(empty);
  if (!ok)
    return -1;
  if (mode) {
    const char *m = PyUnicode_Check(mode) ? PyUnicode_AsUTF8(mode) : "";
    if (!m)
      return -1;
    o->async_mode = strcmp(m, "enabled") == 0   ? CAPTURE_ASYNC_ENABLED
                    : strcmp(m, "strict") == 0  ? CAPTURE_ASYNC_STRICT
                    : strcmp(m, "disabled") == 0 ? CAPTURE_ASYNC_DISABLED
                                                 : -1;
    if (o->async_mode < 0) {
      PyErr_SetString(PyExc_ValueError,
                      "async_mode must be 'enabled', 'disabled' or 'strict'");
      return -1;
    }
  }
  if (timing != Py_None && (o->use_timing_thread = PyObject_IsTrue(timing)) < 0)
    return -1;
  if (sampler && (o->sampler = capture_parse_sampler(sampler)) < 0)
    return -1;
  o->renderer = renderer == Py_None ? NULL : Py_NewRef(renderer);
  o->target_description = desc == Py_None ? NULL : Py_NewRef(desc);
  return 0;
}

static void opts_release(profile_opts *o) {
  Py_CLEAR(o->renderer);
  Py_CLEAR(o->target_description);
}

/* Stops 'profiler' and writes the report to stderr. The exception being
 * propagated, if any, is kept. */
static int finish(PyObject *profiler, const profile_opts *o) {
  PyObject *exc_type, *exc, *tb;
  PyErr_Fetch(&exc_type, &exc, &tb);
  PyObject *session = capture_profiler_stop((ProfilerObject *)profiler);
  PyObject *renderer = NULL, *text = NULL;
  PyObject *err = PySys_GetObject("stderr"); /* borrowed */
  int rc = -1;
  if (!session || !err)
    goto done;
  if (o->renderer) {
    renderer = Py_NewRef(o->renderer);
  } else {
    bool uni, col;
    capture_stream_caps(err, &uni, &col);
    PyObject *kw = Py_BuildValue("{sOsOsO}", "short_mode", Py_True, "unicode",
                                 uni ? Py_True : Py_False, "color",
                                 col ? Py_True : Py_False);
    renderer = kw ? capture_renderer_new("text", kw) : NULL;
    Py_XDECREF(kw);
  }
  if (renderer && (text = capture_render(renderer, session)))
    rc = capture_write(err, text);
done:
  Py_XDECREF(session);
  Py_XDECREF(renderer);
  Py_XDECREF(text);
  if (exc_type) { /* the block's own exception wins */
    if (rc)
      PyErr_WriteUnraisable(profiler);
    PyErr_Restore(exc_type, exc, tb);
    return 0;
  }
  return rc;
}

static int start(PyObject *profiler, const profile_opts *o, PyObject *desc) {
  return capture_profiler_start((ProfilerObject *)profiler, PyEval_GetFrame(),
                                o->target_description ? o->target_description
                                                      : desc);
}

/* ==== the wrapper of a decorated function ================================ */

static PyObject *wrap(PyObject *func, profile_opts *o) {
  if (!PyCallable_Check(func)) {
    PyErr_SetString(PyExc_TypeError, "profile() decorates callables");
    return NULL;
  }
  WrapperObject *w = PyObject_GC_New(WrapperObject, &ProfileWrapper_Type);
  if (!w)
    return NULL;
  w->o = *o;
  Py_XINCREF(o->renderer);
  Py_XINCREF(o->target_description);
  w->func = Py_NewRef(func);
  PyObject_GC_Track(w);
  return (PyObject *)w;
}

/* "Function <qualname> at <file>:<first line>" (new reference). */
static PyObject *function_description(PyObject *func) {
  PyObject *qualname = PyObject_GetAttr(func, capture_str.qualname);
  PyObject *code = PyObject_GetAttrString(func, "__code__");
  PyErr_Clear();
  PyObject *d;
  if (code && PyCode_Check(code))
    d = PyUnicode_FromFormat("Function %S at %U:%d",
                             qualname ? qualname : func,
                             ((PyCodeObject *)code)->co_filename,
                             ((PyCodeObject *)code)->co_firstlineno);
  else
    d = PyUnicode_FromFormat("Function %S", qualname ? qualname : func);
  Py_XDECREF(qualname);
  Py_XDECREF(code);
  return d;
}

static PyObject *Wrapper_Call(WrapperObject *w, PyObject *args,
                              PyObject *kwds) {
  PyObject *profiler =
      capture_profiler_new(w->o.interval, w->o.async_mode,
                           w->o.use_timing_thread, w->o.sampler);
  PyObject *desc = function_description(w->func), *result = NULL;
  if (profiler && desc && start(profiler, &w->o, desc) == 0) {
    result = PyObject_Call(w->func, args, kwds);
    if (finish(profiler, &w->o))
      Py_CLEAR(result);
  }
  Py_XDECREF(profiler);
  Py_XDECREF(desc);
  return result;
}

/* Bound as a method when it decorates one. */
static PyObject *Wrapper_Get(PyObject *self, PyObject *obj, PyObject *type) {
  if (!obj || obj == Py_None)
    return Py_NewRef(self);
  return PyMethod_New(self, obj);
}

/* Attributes it lacks come from the function (__name__, __doc__, ...). */
static PyObject *Wrapper_GetAttr(WrapperObject *w, PyObject *name) {
  PyObject *v = PyObject_GenericGetAttr((PyObject *)w, name);
  if (v || !PyErr_ExceptionMatches(PyExc_AttributeError))
    return v;
  PyErr_Clear();
  if (PyUnicode_Check(name) &&
      PyUnicode_CompareWithASCIIString(name, "__wrapped__") == 0)
    return Py_NewRef(w->func);
  return PyObject_GetAttr(w->func, name);
}

static int Wrapper_Traverse(WrapperObject *w, visitproc visit, void *arg) {
  Py_VISIT(w->func);
  Py_VISIT(w->o.renderer);
  Py_VISIT(w->o.target_description);
  return 0;
}

static int Wrapper_Clear(WrapperObject *w) {
  Py_CLEAR(w->func);
  opts_release(&w->o);
  return 0;
}

static void Wrapper_Dealloc(WrapperObject *w) {
  PyObject_GC_UnTrack(w);
  Wrapper_Clear(w);
  PyObject_GC_Del(w);
}

PyTypeObject ProfileWrapper_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "pyinstrument.profiled_function",
    .tp_basicsize = sizeof(WrapperObject),
    .tp_dealloc = (destructor)Wrapper_Dealloc,
    .tp_call = (ternaryfunc)Wrapper_Call,
    .tp_getattro = (getattrofunc)Wrapper_GetAttr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "A function profiled on every call (from pyinstrument.profile).",
    .tp_traverse = (traverseproc)Wrapper_Traverse,
    .tp_clear = (inquiry)Wrapper_Clear,
    .tp_descr_get = Wrapper_Get,
};

/* ==== profile itself ===================================================== */

static PyObject *Profile_New(PyTypeObject *type, PyObject *args,
                             PyObject *kwds) {
  profile_opts o;
  Py_ssize_t nargs = PyTuple_GET_SIZE(args);
  if (nargs > 1 || (nargs == 1 && kwds && PyDict_GET_SIZE(kwds))) {
    PyErr_SetString(PyExc_TypeError,
                    "profile() takes keyword options, or one function");
    return NULL;
  }
  if (parse_opts(nargs ? NULL : kwds, &o))
    return NULL;
  if (nargs == 1) { /* @profile without brackets */
    PyObject *w = wrap(PyTuple_GET_ITEM(args, 0), &o);
    opts_release(&o);
    return w;
  }
  ProfileObject *p = (ProfileObject *)type->tp_alloc(type, 0);
  if (!p || !(p->options = kwds ? PyDict_Copy(kwds) : PyDict_New()) ||
      !(p->profiler = capture_profiler_new(o.interval, o.async_mode,
                                           o.use_timing_thread,
                                           o.sampler))) {
    Py_XDECREF(p);
    opts_release(&o);
    return NULL;
  }
  p->o = o;
  return (PyObject *)p;
}

static PyObject *Profile_Enter(ProfileObject *p, PyObject *unused) {
  PyObject *running = PyObject_GetAttrString(p->profiler, "is_running");
  int busy = running ? PyObject_IsTrue(running) : -1;
  Py_XDECREF(running);
  if (busy < 0)
    return NULL;
  if (busy) {
    PyErr_SetString(PyExc_RuntimeError,
                    "This profiler is already running - did you forget the "
                    "brackets on pyinstrument.profile() ?");
    return NULL;
  }
  PyFrameObject *caller = PyEval_GetFrame();
  PyObject *desc;
  if (caller) {
    PyCodeObject *code = PyFrame_GetCode(caller);
    desc = PyUnicode_FromFormat("Block at %U:%d", code->co_filename,
                                PyFrame_GetLineNumber(caller));
    Py_DECREF(code);
  } else {
    desc = PyUnicode_FromString("Block at unknown location");
  }
  int rc = desc ? start(p->profiler, &p->o, desc) : -1;
  Py_XDECREF(desc);
  if (rc)
    return NULL;
  return Py_NewRef(p);
}

static PyObject *Profile_Exit(ProfileObject *p, PyObject *args) {
  if (finish(p->profiler, &p->o))
    return NULL;
  Py_RETURN_NONE;
}

/* profile(...)(func): a decorator with options. */
static PyObject *Profile_Call(ProfileObject *p, PyObject *args,
                              PyObject *kwds) {
  PyObject *func;
  if (!PyArg_ParseTuple(args, "O:profile", &func))
    return NULL;
  return wrap(func, &p->o);
}

static int Profile_Traverse(ProfileObject *p, visitproc visit, void *arg) {
  Py_VISIT(p->profiler);
  Py_VISIT(p->options);
  Py_VISIT(p->o.renderer);
  Py_VISIT(p->o.target_description);
  return 0;
}

static int Profile_Clear(ProfileObject *p) {
  Py_CLEAR(p->profiler);
  Py_CLEAR(p->options);
  opts_release(&p->o);
  return 0;
}

static void Profile_Dealloc(ProfileObject *p) {
  PyObject_GC_UnTrack(p);
  Profile_Clear(p);
  Py_TYPE(p)->tp_free((PyObject *)p);
}

static PyMethodDef Profile_Methods[] = {
    {"__enter__", (PyCFunction)Profile_Enter, METH_NOARGS,
     "__enter__($self, /)\n--\n\nStarts profiling the block."},
    {"__exit__", (PyCFunction)Profile_Exit, METH_VARARGS,
     "__exit__($self, exc_type, exc_value, traceback, /)\n--\n\n"
     "Stops and prints the report to stderr."},
    {NULL},
};

static PyMemberDef Profile_Members[] = {
    {"profiler", T_OBJECT, offsetof(ProfileObject, profiler), READONLY,
     "The Profiler that runs in the block."},
    {"options", T_OBJECT, offsetof(ProfileObject, options), READONLY,
     "The keyword options given."},
    {NULL},
};

PyTypeObject Profile_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "pyinstrument.profile",
    .tp_basicsize = sizeof(ProfileObject),
    .tp_dealloc = (destructor)Profile_Dealloc,
    .tp_call = (ternaryfunc)Profile_Call,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "profile(interval=0.001, async_mode='disabled', "
              "use_timing_thread=None, renderer=None, "
              "target_description=None, *, sampler='timer')\n--\n\n"
              "Profiles a with block, or every call of a decorated function, "
              "and prints the report to stderr.",
    .tp_traverse = (traverseproc)Profile_Traverse,
    .tp_clear = (inquiry)Profile_Clear,
    .tp_methods = Profile_Methods,
    .tp_members = Profile_Members,
    .tp_new = Profile_New,
};
