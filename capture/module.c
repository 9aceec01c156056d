/* module.c - pyinstrument._capture: module functions and initialisation.
 * The package's __init__.py re-exports what users import.
 */
#include "capture.h"

capture_strings capture_str;

void capture_flush_std(void) {
  static const char *const names[] = {"stdout", "stderr"};
  for (int i = 0; i < 2; i++) {
    PyObject *f = PySys_GetObject(names[i]); /* borrowed */
    PyObject *r = f && f != Py_None
                      ? PyObject_CallMethodNoArgs(f, capture_str.flush)
                      : NULL;
    Py_XDECREF(r);
  }
  PyErr_Clear();
}

int capture_write(PyObject *file, PyObject *text) {
  PyObject *r = PyObject_CallMethodOneArg(file, capture_str.write, text);
  Py_XDECREF(r);
  return r ? 0 : -1;
}

static PyObject *module_main(PyObject *module, PyObject *args) {
  return capture_main(module, args);
}

static PyMethodDef module_methods[] = {
    {"main", (PyCFunction)module_main, METH_O,
     "main(args)\n--\n\nRuns the pyinstrument command with the argument list "
     "'args' (sys.argv[1:]) and returns its exit status."},
    {"_stack_depths", (PyCFunction)capture_stack_depths, METH_O,
     "_stack_depths(code)\n--\n\nThe value-stack depth before each code unit "
     "as the timer sampler computes it (-1: unreachable), or None where it "
     "does not apply. For tests."},
    {NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pyinstrument._capture",
    .m_doc = "The sampler, session and renderers of pyinstrument, in C over "
             "libsession.",
    .m_size = -1,
    .m_methods = module_methods,
};

static int intern_strings(void) {
  static const struct {
    PyObject **slot;
    const char *text;
  } strings[] = {
      {&capture_str.self, "self"},
      {&capture_str.cls, "cls"},
      {&capture_str.tracebackhide, "__tracebackhide__"},
      {&capture_str.qualname, "__qualname__"},
      {&capture_str.name, "__name__"},
      {&capture_str.write, "write"},
      {&capture_str.flush, "flush"},
      {&capture_str.encoding, "encoding"},
      {&capture_str.isatty, "isatty"},
      {&capture_str.render, "render"},
      {&capture_str.buffer, "buffer"},
      {&capture_str.coro, "_coro"},
      {&capture_str.cr_frame, "cr_frame"},
      {&capture_str.cr_await, "cr_await"},
      {&capture_str.cr_suspended, "cr_suspended"},
  };
  for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
    if (!*strings[i].slot &&
        !(*strings[i].slot = PyUnicode_InternFromString(strings[i].text)))
      return -1;
  if (!capture_str.context_var &&
      !(capture_str.context_var =
            PyContextVar_New("active_profiler_context_var", Py_None)))
    return -1;
  return 0;
}

PyMODINIT_FUNC PyInit__capture(void) {
  PyObject *m = NULL;
  if (intern_strings() || capture_sampler_ready() ||
      PyType_Ready(&Profiler_Type) || PyType_Ready(&Session_Type) ||
      PyType_Ready(&Profile_Type) || PyType_Ready(&ProfileWrapper_Type) ||
      !(m = PyModule_Create(&module_def)))
    return NULL;
  if (PyModule_AddObjectRef(m, "Profiler", (PyObject *)&Profiler_Type) ||
      PyModule_AddObjectRef(m, "Session", (PyObject *)&Session_Type) ||
      PyModule_AddObjectRef(m, "profile", (PyObject *)&Profile_Type) ||
      PyModule_AddObjectRef(m, "active_profiler_context_var",
                            capture_str.context_var) ||
      PyModule_AddStringConstant(m, "__version__", CAPTURE_VERSION) ||
      PyModule_AddStringConstant(m, "libsession_version", PYI_VERSION) ||
      capture_add_renderers(m)) {
    Py_DECREF(m);
    return NULL;
  }
  return m;
}
