/* module.c - pyinstrument._capture: module functions and initialisation.
 * The package's __init__.py re-exports what users import.
 */
#include "capture.h"

static PyObject *module_main(PyObject *module, PyObject *args) {
  PyObject *list;
  int exiting = 0;
  if (!PyArg_ParseTuple(args, "O|p:main", &list, &exiting))
    return NULL;
  return capture_main(module, list, exiting);
}

static PyMethodDef module_methods[] = {
    {"main", (PyCFunction)module_main, METH_VARARGS,
     "main(args, exiting=False, /)\n--\n\nRuns the pyinstrument command with "
     "the argument list 'args' (sys.argv[1:]) and returns its exit status. "
     "'exiting': the process ends with the command, so the report cache may "
     "be written while Python finalizes."},
    {"_subprocess_child", capture_subproc_child, METH_NOARGS,
     "_subprocess_child()\n--\n\nProfiles this process as a child of "
     "`pyinstrument --subprocesses` when its environment says so (run at "
     "start by pyinstrument/_hook/sitecustomize.py)."},
    {"_stack_sampler", (PyCFunction)capture_stack_sampler, METH_NOARGS,
     "_stack_sampler()\n--\n\nThe calling thread's sampler, created if "
     "needed: pyinstrument.stack_sampler.get_stack_sampler()."},
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

PyMODINIT_FUNC PyInit__capture(void) {
  PyObject *m = NULL;
  if (capture_strings_init() || PyType_Ready(&Profiler_Type) ||
      PyType_Ready(&Session_Type) ||
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
      capture_add_frames(m) || capture_add_processors(m) ||
      capture_sampler_ready(m) ||
      capture_add_renderers(m)) {
    Py_DECREF(m);
    return NULL;
  }
  return m;
}
