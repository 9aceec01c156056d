/* processors.c - pyinstrument.processors: each processor is a function
 * processor(frame, options) -> frame that runs libsession's C processor
 * on the frame's tree (frame.c), so a Python-side chain and the built-in
 * renderers edit the same nodes the same way.
 */
#include "capture.h"

#include <string.h>

/* The options map a processor reads (filter_threshold, hide_regex,
 * show_regex) from a dict; other keys are left to Python processors. */
static pyi_opts *proc_opts(PyObject *options) {
  pyi_opts *o = pyi_opts_new();
  if (!options || options == Py_None)
    return o;
  if (!PyDict_Check(options)) {
    PyErr_Format(PyExc_TypeError, "options must be a dict, not %.100s",
                 Py_TYPE(options)->tp_name);
    goto error;
  }
  static const char *const keys[] = {"filter_threshold", "hide_regex",
                                     "show_regex"};
  for (size_t i = 0; i < 3; i++) {
    PyObject *v = PyDict_GetItemString(options, keys[i]); /* borrowed */
    pyi_error err = {0};
    int rc = 0;
    if (!v || v == Py_None) {
      continue;
    } else if (PyUnicode_Check(v)) {
      const char *s = PyUnicode_AsUTF8(v);
      rc = s ? pyi_opts_set_string(o, keys[i], s, &err) : -1;
    } else if (PyBool_Check(v)) {
      rc = pyi_opts_set_bool(o, keys[i], v == Py_True, &err);
    } else if (PyNumber_Check(v)) {
      double d = PyFloat_AsDouble(v);
      rc = d == -1 && PyErr_Occurred() ? -1
                                       : pyi_opts_set_number(o, keys[i], d, &err);
    } else {
      PyErr_Format(PyExc_TypeError, "processor option '%s' has type %.100s",
                   keys[i], Py_TYPE(v)->tp_name);
      goto error;
    }
    if (rc) {
      if (!PyErr_Occurred())
        capture_set_error(PyExc_ValueError, &err);
      goto error;
    }
  }
  return o;
error:
  pyi_opts_free(o);
  return NULL;
}

PyObject *capture_run_processor(const char *name, PyObject *frame,
                                PyObject *options) {
  if (frame == Py_None)
    Py_RETURN_NONE;
  TreeObject *T;
  pyi_frame *f = capture_frame_node(frame, &T);
  pyi_opts *o = f ? proc_opts(options) : NULL;
  if (!o)
    return NULL;
  pyi_error err = {0};
  pyi_frame *r = pyi_tree_run_processor(capture_tree_of(T), name, f, o, &err);
  pyi_opts_free(o);
  if (!r) {
    capture_set_error(PyExc_ValueError, &err);
    return NULL;
  }
  return capture_frame_view(T, r);
}

/* pyinstrument's processors, in the text renderer's order; libsession
 * knows them by the same names. */
#define PROCESSORS(X)                                                          \
  X(remove_importlib, "Removes the frames of the import machinery, their "     \
                      "children taking their place.")                           \
  X(remove_tracebackhide, "Removes frames whose function sets "                 \
                          "__tracebackhide__, their children taking their "     \
                          "place.")                                             \
  X(merge_consecutive_self_time, "Merges adjacent [self] frames.")              \
  X(aggregate_repeated_calls, "Combines siblings of the same identifier and "  \
                              "sorts children by time: the timeline becomes "  \
                              "a call tree.")                                  \
  X(remove_irrelevant_nodes, "Removes frames under options['filter_"          \
                             "threshold'] (default 0.01) of the root's time, " \
                             "their time absorbed by the parent.")             \
  X(remove_unnecessary_self_time_nodes, "Removes a [self] frame that is its " \
                                        "parent's only child.")              \
  X(remove_first_pyinstrument_frames_processor, "Strips the pyinstrument "     \
                                                "command's own frames from "   \
                                                "the top of the tree.")        \
  X(group_library_frames_processor, "Groups runs of library frames (or "       \
                                    "what options['hide_regex'] and "          \
                                    "['show_regex'] choose) for reports to "   \
                                    "fold.")

static PyObject *run(const char *name, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"frame", "options", NULL};
  PyObject *frame, *options = Py_None;
  char fmt[96];
  snprintf(fmt, sizeof fmt, "O|O:%s", name);
  if (!PyArg_ParseTupleAndKeywords(args, kwds, fmt, kwlist, &frame, &options))
    return NULL;
  return capture_run_processor(name, frame, options);
}

#define DEFINE(fn, doc)                                                        \
  static PyObject *Proc_##fn(PyObject *m, PyObject *args, PyObject *kwds) {    \
    return run(#fn, args, kwds);                                               \
  }
PROCESSORS(DEFINE)
#undef DEFINE

static PyMethodDef processor_methods[] = {
#define ENTRY(fn, doc)                                                         \
  {#fn, (PyCFunction)(void (*)(void))Proc_##fn, METH_VARARGS | METH_KEYWORDS, \
   #fn "(frame, options=None)\n--\n\n" doc},
    PROCESSORS(ENTRY)
#undef ENTRY
    {NULL},
};

const char *capture_processor_name(PyObject *obj) {
  if (!PyCFunction_Check(obj))
    return NULL;
  PyMethodDef *def = ((PyCFunctionObject *)obj)->m_ml;
  for (PyMethodDef *d = processor_methods; d->ml_name; d++)
    if (d == def)
      return d->ml_name;
  return NULL;
}

int capture_add_processors(PyObject *module) {
  for (PyMethodDef *d = processor_methods; d->ml_name; d++) {
    PyObject *f = PyCFunction_NewEx(d, NULL, NULL);
    if (!f || PyModule_AddObjectRef(module, d->ml_name, f)) {
      Py_XDECREF(f);
      return -1;
    }
    Py_DECREF(f);
  }
  return 0;
}
