/* target.c - runs the profiled program as python3 runs it (sys.argv,
 * sys.path[0], __main__, exit status, traceback), through runpy from a
 * "<string>" frame as pyinstrument does, so that the processors which trim
 * the command's own frames from reports recognise them (processors.md
 * §2.7). How the program ended is kept and replayed after the report.
 */
#include "cli.h"
#include <marshal.h>

#include <stdarg.h>
#include <string.h>

/* Prints the pending exception as Python does for an uncaught one
 * (through sys.excepthook). */
static void print_exception(void) {
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  capture_flush_std(); /* clears errors: keep ours aside meanwhile */
  PyErr_Restore(type, value, tb);
  PyErr_PrintEx(0);
}

/* The report title: the --target-description template (default
 * "Program: {args}") with {args} replaced as str.format does. NULL and an
 * exit status in *rc when the template is wrong. */
static PyObject *description(PyObject *template, PyObject *shown, int *rc) {
  PyObject *tpl = template ? Py_NewRef(template)
                           : PyUnicode_FromString("Program: {args}");
  PyObject *sp = PyUnicode_FromString(" ");
  PyObject *joined = tpl && sp ? PyUnicode_Join(sp, shown) : NULL;
  PyObject *parsed = NULL, *result = NULL;
  Py_XDECREF(sp);
  if (!joined)
    goto done;
  /* string.Formatter().parse, without importing string (and re) */
  parsed = capture_call("_string", "formatter_parser", "(O)", tpl);
  PyObject *items = parsed ? PySequence_List(parsed) : NULL;
  for (Py_ssize_t i = 0; items && i < PyList_GET_SIZE(items); i++) {
    PyObject *field = PyTuple_GetItem(PyList_GET_ITEM(items, i), 1);
    const char *f = field && field != Py_None ? PyUnicode_AsUTF8(field) : NULL;
    if (!f)
      continue;
    size_t base = strcspn(f, ".[");
    if (base == 0 || strspn(f, "0123456789") == base) {
      *rc = cli_usage_error("Empty placeholder in --target-description");
      break;
    }
    if (base != 4 || strncmp(f, "args", 4) != 0) {
      PyObject *name = PyUnicode_FromStringAndSize(f, (Py_ssize_t)base);
      *rc = cli_usage_error("Unknown placeholder '%U' in --target-description",
                            name);
      Py_XDECREF(name);
      break;
    }
  }
  if (items && !*rc) {
    PyObject *format = PyObject_GetAttrString(tpl, "format");
    PyObject *empty = PyTuple_New(0);
    PyObject *kw = Py_BuildValue("{sO}", "args", joined);
    if (format && empty && kw)
      result = PyObject_Call(format, empty, kw);
    Py_XDECREF(format);
    Py_XDECREF(empty);
    Py_XDECREF(kw);
  }
  Py_XDECREF(items);
done:
  if (!result && !*rc) { /* a lone brace, a bad format spec ... */
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    capture_flush_std();
    PySys_FormatStderr("pyinstrument: --target-description: %S\n",
                       value ? value : Py_None);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    *rc = 1;
  }
  Py_XDECREF(tpl);
  Py_XDECREF(joined);
  Py_XDECREF(parsed);
  return result;
}

/* A list: 'first' followed by the items of 'rest' from index 'from'. */
static PyObject *prepend(PyObject *first, PyObject *rest, Py_ssize_t from) {
  PyObject *list = PyList_GetSlice(rest, from, PyList_GET_SIZE(rest));
  if (list && PyList_Insert(list, 0, first))
    Py_CLEAR(list);
  return list;
}

/* Sets sys.path[0] as python3 sets it for this kind of target. */
static int set_path0(PyObject *value) {
  PyObject *path = PySys_GetObject("path");
  if (!path || !PyList_Check(path))
    return 0;
  if (PyList_GET_SIZE(path) == 0)
    return PyList_Append(path, value);
  return PyList_SetItem(path, 0, Py_NewRef(value));
}

/* The code of a script file as runpy.run_path reads it: a compiled file
 * (.pyc: pkgutil.read_code's test of the magic number) if it is one, else
 * source compiled under the path as given ('abs': the same path made
 * absolute). */
static PyObject *read_script(PyObject *path, PyObject *abs) {
  PyObject *f = capture_call("io", "open_code", "(O)", abs);
  PyObject *data = f ? PyObject_CallMethod(f, "read", NULL) : NULL, *code = NULL;
  if (f) {
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *r = PyObject_CallMethod(f, "close", NULL);
    Py_XDECREF(r);
    PyErr_Clear();
    PyErr_Restore(type, value, tb);
  }
  PyObject *ext = data ? PyImport_ImportModule("_frozen_importlib_external")
                       : NULL;
  PyObject *magic = ext ? PyObject_GetAttrString(ext, "MAGIC_NUMBER") : NULL;
  if (magic && PyBytes_Check(data) && PyBytes_Check(magic) &&
      PyBytes_GET_SIZE(data) >= 16 &&
      memcmp(PyBytes_AS_STRING(data), PyBytes_AS_STRING(magic),
             (size_t)PyBytes_GET_SIZE(magic)) == 0)
    code = PyMarshal_ReadObjectFromString(PyBytes_AS_STRING(data) + 16,
                                          PyBytes_GET_SIZE(data) - 16);
  else if (magic)
    code = capture_compile(data, path);
  Py_XDECREF(f);
  Py_XDECREF(data);
  Py_XDECREF(ext);
  Py_XDECREF(magic);
  return code;
}

/* pkgutil.get_importer(path), without importing pkgutil: the cached
 * finder of 'path', else the first of sys.path_hooks that takes it, else
 * None. New reference. */
static PyObject *get_importer(PyObject *path) {
  PyObject *cache = PySys_GetObject("path_importer_cache"); /* borrowed */
  PyObject *hooks = PySys_GetObject("path_hooks");
  PyObject *found = cache && PyDict_Check(cache)
                        ? PyDict_GetItemWithError(cache, path)
                        : NULL;
  if (found || PyErr_Occurred())
    return Py_XNewRef(found);
  PyObject *it = hooks ? PyObject_GetIter(hooks) : NULL, *hook;
  if (!hooks)
    return Py_NewRef(Py_None);
  while (it && (hook = PyIter_Next(it))) {
    found = PyObject_CallOneArg(hook, path);
    Py_DECREF(hook);
    if (found) {
      if (cache && PyDict_Check(cache) && !PyDict_SetDefault(cache, path, found))
        Py_CLEAR(found);
      break;
    }
    if (!PyErr_ExceptionMatches(PyExc_ImportError))
      break;
    PyErr_Clear();
  }
  Py_XDECREF(it);
  if (!found && !PyErr_Occurred())
    found = Py_NewRef(Py_None);
  return found;
}

/* What to run: fills *code, *globs, *argv (the program's sys.argv) and
 * *shown (what {args} lists). Returns 0, or an exit status. */
static int prepare(struct capture_cli *c, PyObject **code, PyObject **globs,
                   PyObject **argv, PyObject **shown) {
  PyObject *builtins = PyEval_GetBuiltins(); /* borrowed */
  const char *runner;
  *globs = PyDict_New();
  if (!*globs || PyDict_SetItemString(*globs, "__builtins__", builtins))
    return -1;
  if (c->program) { /* python3 -c: sys.path[0] is '' */
    PyObject *dash = PyUnicode_FromString("-c");
    PyObject *empty = PyUnicode_FromString("");
    PyObject *name = PyUnicode_FromString("__main__");
    *argv = dash ? prepend(dash, c->args, 0) : NULL;
    int rc = !*argv || !empty || !name || set_path0(empty) ||
             PyDict_SetItemString(*globs, "__name__", name);
    Py_XDECREF(dash);
    Py_XDECREF(empty);
    Py_XDECREF(name);
    if (rc)
      return -1;
    *shown = Py_NewRef(*argv);
    PyObject *where = PyUnicode_FromString("<string>");
    *code = where ? capture_compile(c->program, where) : NULL;
    Py_XDECREF(where);
    if (!*code) {
      print_exception(); /* a syntax error, as python3 -c reports it */
      return 1;
    }
    return 0;
  }
  if (c->module) { /* python3 -m: sys.path[0] is the working directory */
    PyObject *cwd = capture_call("os", "getcwd", "()");
    PyObject *runpy = PyImport_ImportModule("runpy");
    PyObject *run_module = runpy ? PyObject_GetAttrString(runpy, "run_module")
                                 : NULL;
    int rc = !cwd || !run_module || set_path0(cwd) ||
             PyDict_SetItemString(*globs, "run_module", run_module) ||
             PyDict_SetItemString(*globs, "modname", c->module);
    Py_XDECREF(cwd);
    Py_XDECREF(runpy);
    Py_XDECREF(run_module);
    if (rc || !(*argv = prepend(c->module, c->args, 0)))
      return -1;
    *shown = Py_NewRef(*argv);
    runner = "run_module(modname, run_name='__main__', alter_sys=True)";
  } else { /* a script: sys.path[0] is its directory (absolute, symlinks
            * resolved); argv[0] and __file__ are the path as given */
    PyObject *prog = PyList_GET_ITEM(c->args, 0), *path;
    if (c->from_path) {
      path = capture_call("shutil", "which", "(O)", prog);
      if (path == Py_None) {
        Py_DECREF(path);
        capture_flush_std();
        PySys_FormatStderr("Error: program %U not found in PATH!\n", prog);
        return 1;
      }
    } else {
      PyObject *exists = capture_call("os.path", "exists", "(O)", prog);
      if (exists && !PyObject_IsTrue(exists)) {
        Py_DECREF(exists);
        capture_flush_std();
        PySys_FormatStderr("Error: program %U not found!\n", prog);
        return 1;
      }
      Py_XDECREF(exists);
      path = exists ? Py_NewRef(prog) : NULL;
    }
    PyObject *abs = path ? capture_call("os.path", "abspath", "(O)", path) : NULL;
    PyObject *real = abs ? capture_call("os.path", "realpath", "(O)", abs) : NULL;
    PyObject *dir = real ? capture_call("os.path", "dirname", "(O)", real) : NULL;
    /* A plain file is read and compiled before the profiler starts, as
     * run_path would do after: that is not the program's time, and in a
     * timeline report a first sample there would stand for the whole run
     * (the processor that trims our frames follows the first child). A
     * directory or zip file goes through run_path. */
    PyObject *importer = dir ? get_importer(path) : NULL;
    PyObject *script = importer == Py_None ? read_script(path, abs) : NULL;
    if (importer == Py_None && !script) {
      Py_XDECREF(path);
      Py_XDECREF(abs);
      Py_XDECREF(real);
      Py_XDECREF(dir);
      Py_DECREF(importer);
      print_exception(); /* a syntax error, as python3 reports it */
      return 1;
    }
    const char *runner_name = script ? "_run_module_code" : "run_path";
    PyObject *runpy = importer ? PyImport_ImportModule("runpy") : NULL;
    PyObject *run = runpy ? PyObject_GetAttrString(runpy, runner_name) : NULL;
    int rc = !run || set_path0(dir) ||
             PyDict_SetItemString(*globs, runner_name, run) ||
             PyDict_SetItemString(*globs, "progname", path) ||
             (script && PyDict_SetItemString(*globs, "code", script));
    *argv = rc ? NULL : prepend(path, c->args, 1);
    Py_XDECREF(path);
    Py_XDECREF(abs);
    Py_XDECREF(real);
    Py_XDECREF(dir);
    Py_XDECREF(importer);
    Py_XDECREF(runpy);
    Py_XDECREF(run);
    if (!*argv) {
      Py_XDECREF(script);
      return -1;
    }
    *shown = Py_NewRef(c->args);
    runner = script ? "_run_module_code(code, None, '__main__', pkg_name='',"
                      " script_name=progname)"
                    : "run_path(progname, run_name='__main__')";
    Py_XDECREF(script);
  }
  *code = Py_CompileString(runner, "<string>", Py_file_input);
  return *code ? 0 : -1;
}

PyObject *capture_run_target(struct capture_cli *c,
                             struct capture_outcome *end, int *rc) {
  PyObject *code = NULL, *globs = NULL, *argv = NULL, *shown = NULL,
           *desc = NULL, *profiler = NULL, *saved = NULL, *session = NULL;
  PyObject *sys_argv = PySys_GetObject("argv"); /* borrowed */
  *rc = prepare(c, &code, &globs, &argv, &shown);
  if (*rc == 0)
    desc = description(c->description, shown, rc);
  if (*rc || !desc)
    goto done;
  if (!sys_argv || !PyList_Check(sys_argv) ||
      !(saved = PyList_GetSlice(sys_argv, 0, PyList_GET_SIZE(sys_argv))) ||
      !(profiler = capture_profiler_new(c->interval, CAPTURE_ASYNC_DISABLED,
                                        c->timing_thread ? 1 : -1,
                                        c->sampler)) ||
      PyList_SetSlice(sys_argv, 0, PyList_GET_SIZE(sys_argv), argv)) {
    *rc = -1;
    goto done;
  }
  end->program_mode = c->program != NULL;
  capture_profiler_set_all_threads(
      (ProfilerObject *)profiler, c->all_threads,
      c->program ? CAPTURE_STEM_PROGRAM : CAPTURE_STEM_RUNNER);
  if (c->subprocesses && (*rc = capture_subproc_begin(c, profiler)))
    goto done;
  if (c->exiting) /* the timing thread may keep the report cache after */
    capture_timing_linger(true);
  if (capture_profiler_start((ProfilerObject *)profiler, PyEval_GetFrame(),
                             desc) == 0) {
    PyObject *result = PyEval_EvalCode(code, globs, globs);
    if (!result)
      PyErr_Fetch(&end->type, &end->value, &end->tb);
    Py_XDECREF(result);
    if (c->subprocesses && capture_subproc_forked()) {
      /* a fork of the program ended here: it is a child, with no report */
      capture_subproc_finish();
      PyList_SetSlice(sys_argv, 0, PyList_GET_SIZE(sys_argv), saved);
      PyErr_Clear();
      goto done;
    }
    session = capture_profiler_stop((ProfilerObject *)profiler);
    if (session && c->subprocesses)
      session = capture_subproc_end(session);
  }
  if (PyList_SetSlice(sys_argv, 0, PyList_GET_SIZE(sys_argv), saved) ||
      !session)
    *rc = -1;
done:
  if (*rc == -1) { /* our own failure, not the program's */
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    capture_flush_std();
    PySys_FormatStderr("pyinstrument: %S\n", value ? value : type);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    Py_CLEAR(session);
    *rc = 1;
  }
  Py_XDECREF(code);
  Py_XDECREF(globs);
  Py_XDECREF(argv);
  Py_XDECREF(shown);
  Py_XDECREF(desc);
  Py_XDECREF(profiler);
  Py_XDECREF(saved);
  return session;
}

/* Whether a traceback entry is our runner: the "<string>" frame that calls
 * runpy, or runpy itself. */
static bool machinery(PyTracebackObject *tb, bool keep_string) {
  PyCodeObject *code = PyFrame_GetCode(tb->tb_frame);
  const char *file = PyUnicode_AsUTF8(code->co_filename);
  size_t n = file ? strlen(file) : 0;
  bool ours = file && ((!keep_string && strcmp(file, "<string>") == 0) ||
                       strcmp(file, "<frozen runpy>") == 0 ||
                       (n >= 8 && strcmp(file + n - 8, "runpy.py") == 0));
  Py_DECREF(code);
  PyErr_Clear();
  return ours;
}

PyObject *capture_finish_outcome(struct capture_outcome *end) {
  if (PyErr_GivenExceptionMatches(end->type, PyExc_SystemExit)) {
    PyErr_Restore(end->type, end->value, end->tb); /* exit as it asked */
    return NULL;
  }
  PyErr_NormalizeException(&end->type, &end->value, &end->tb);
  PyObject *tb = end->tb;
  for (bool first = true; tb && PyTraceBack_Check(tb); first = false) {
    PyTracebackObject *t = (PyTracebackObject *)tb;
    if (!t->tb_next || !machinery(t, end->program_mode && first))
      break;
    tb = (PyObject *)t->tb_next;
  }
  if (end->value && tb)
    PyException_SetTraceback(end->value, tb);
  Py_XINCREF(tb);
  Py_XDECREF(end->tb);
  end->tb = tb;
  if (PyErr_GivenExceptionMatches(end->type, PyExc_KeyboardInterrupt)) {
    /* re-raised, so that Python ends the process by SIGINT as it would */
    PyErr_Restore(end->type, end->value, end->tb);
    return NULL;
  }
  PyErr_Restore(end->type, end->value, end->tb);
  end->type = end->value = end->tb = NULL;
  print_exception();
  return PyLong_FromLong(1);
}
