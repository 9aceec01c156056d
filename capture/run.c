/* run.c - what the pyinstrument command does once its options are read
 * (cli.md §3): build the renderer, get the session (load it, or run the
 * program under a Profiler exactly as python3 would run it), write the
 * report, keep the session in the report cache (cache.c), and end as the
 * program ended. Unlike pyinstrument, a program that dies with an
 * exception still gets its report before the traceback.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

int cli_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  PyObject *msg = PyUnicode_FromFormatV(fmt, ap);
  va_end(ap);
  capture_flush_std();
  if (msg)
    PySys_FormatStderr("pyinstrument: %U\n", msg);
  Py_XDECREF(msg);
  PyErr_Clear();
  return 1;
}

int cli_fail_exception(const char *what) {
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  PyErr_NormalizeException(&type, &value, &tb);
  PyObject *text = value ? PyObject_Str(value) : NULL;
  int rc = text && PyUnicode_GET_LENGTH(text)
               ? cli_fail("%s: %U", what, text)
               : cli_fail("%s: %s", what,
                          type ? ((PyTypeObject *)type)->tp_name : "failed");
  Py_XDECREF(text);
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(tb);
  return rc;
}

static const char *utf8(PyObject *s) {
  return s && PyUnicode_Check(s) ? PyUnicode_AsUTF8(s) : NULL;
}

/* ==== the renderer ======================================================= */

/* A renderer class named by its import path (new reference). */
static PyObject *import_class(const char *path) {
  const char *dot = strrchr(path, '.');
  PyObject *mod = PyUnicode_FromStringAndSize(path, dot - path);
  PyObject *m = mod ? PyImport_Import(mod) : NULL;
  PyObject *cls = m ? PyObject_GetAttrString(m, dot + 1) : NULL;
  Py_XDECREF(mod);
  Py_XDECREF(m);
  return cls;
}

/* One '-p KEY[=VALUE]' applied to the options dict: VALUE is JSON, or
 * else a string; KEY is a dotted path through dicts and lists. */
static int apply_render_option(PyObject *kw, PyObject *opt) {
  PyObject *eq = PyUnicode_FromString("="), *dot = PyUnicode_FromString(".");
  PyObject *parts = eq && dot ? PyUnicode_Partition(opt, eq) : NULL;
  Py_XDECREF(eq);
  if (!parts) {
    Py_XDECREF(dot);
    return -1;
  }
  PyObject *key = PyTuple_GET_ITEM(parts, 0), *value;
  if (PyUnicode_GET_LENGTH(PyTuple_GET_ITEM(parts, 1)) == 0) {
    value = Py_NewRef(Py_True);
  } else if (!(value = capture_call("json", "loads", "(O)", PyTuple_GET_ITEM(parts, 2)))) {
    PyErr_Clear();
    value = Py_NewRef(PyTuple_GET_ITEM(parts, 2));
  }
  PyObject *path = PyUnicode_Split(key, dot, -1);
  Py_DECREF(dot);
  PyObject *cur = Py_NewRef(kw);
  int rc = path ? 0 : -1;
  Py_ssize_t n = path ? PyList_GET_SIZE(path) : 0;
  for (Py_ssize_t i = 0; rc == 0 && i < n; i++) {
    PyObject *k = PyList_GET_ITEM(path, i), *index = NULL;
    if (PyList_Check(cur) && !(index = PyNumber_Long(k)))
      PyErr_Clear();
    PyObject *slot = index ? index : k;
    if (!PyDict_Check(cur) && !(PyList_Check(cur) && index)) {
      cli_fail("render option %R: %R is not a mapping or a list index", key, k);
      rc = 1;
    } else if (i == n - 1) {
      rc = PyObject_SetItem(cur, slot, value);
    } else {
      PyObject *next = PyObject_GetItem(cur, slot);
      if (!next) {
        PyErr_Clear();
        cli_fail("render option %R: there is no %R to set it in", key, k);
        rc = 1;
      }
      Py_SETREF(cur, next ? next : Py_NewRef(Py_None));
    }
    Py_XDECREF(index);
  }
  Py_DECREF(cur);
  Py_XDECREF(path);
  Py_DECREF(value);
  Py_DECREF(parts);
  return rc;
}

/* The options pyinstrument's CLI gives a renderer of class 'cls' (cli.md
 * §4): processor_options to frame renderers, unicode and colour to text
 * renderers (subclasses included). */
static PyObject *render_kwargs(struct capture_cli *c, PyObject *cls,
                               bool *failed) {
  PyObject *kw = PyDict_New();
  bool frame = capture_renderer_derives(cls, false) ||
               capture_renderer_takes_processor_options(cls);
  *failed = false;
  if (kw && frame) {
    const char *hide = utf8(c->hide), *show = utf8(c->show);
    char *hre = hide ? pyi_glob_to_regex(hide) : NULL;
    char *sre = show ? pyi_glob_to_regex(show) : NULL;
    PyObject *h = hre ? PyUnicode_FromString(hre)
                      : Py_NewRef(c->hide_regex ? c->hide_regex : Py_None);
    PyObject *s = sre ? PyUnicode_FromString(sre)
                  : c->show_regex ? Py_NewRef(c->show_regex)
                  : c->show_all   ? PyUnicode_FromString(".*")
                                  : Py_NewRef(Py_None);
    free(hre);
    free(sre);
    PyObject *po = h && s ? Py_BuildValue("{sOsO}", "hide_regex", h,
                                          "show_regex", s)
                          : NULL;
    if (!po || PyDict_SetItemString(kw, "processor_options", po))
      Py_CLEAR(kw);
    Py_XDECREF(po);
    Py_XDECREF(h);
    Py_XDECREF(s);
  }
  if (kw && capture_renderer_derives(cls, true)) {
    bool uni = true, col = false; /* a file is UTF-8 and no terminal */
    if (!c->outfile && c->out)
      capture_stream_caps(c->out, &uni, &col);
    if (c->unicode >= 0)
      uni = c->unicode;
    if (c->color >= 0)
      col = c->color;
    if (PyDict_SetItemString(kw, "unicode", uni ? Py_True : Py_False) ||
        PyDict_SetItemString(kw, "color", col ? Py_True : Py_False))
      Py_CLEAR(kw);
  }
  if (kw && c->timeline && PyDict_SetItemString(kw, "timeline", Py_True))
    Py_CLEAR(kw);
  if (kw && c->show_all && PyDict_SetItemString(kw, "show_all", Py_True))
    Py_CLEAR(kw);
  for (Py_ssize_t i = 0; kw && i < PyList_GET_SIZE(c->render_options); i++) {
    int rc = apply_render_option(kw, PyList_GET_ITEM(c->render_options, i));
    if (rc) {
      *failed = rc > 0;
      Py_CLEAR(kw);
    }
  }
  return kw;
}

/* Chooses and builds the renderer. Returns 0 and sets *out, or an exit
 * status. */
static int make_renderer(struct capture_cli *c, PyObject **out) {
  const char *name = c->html ? "html" : utf8(c->renderer);
  PyObject *cls = NULL, *kw = NULL;
  if (!name && c->renderer)
    return cli_fail("the renderer name must be text");
  if (!name && c->outfile)
    name = pyi_renderer_guess(utf8(c->outfile));
  if (!name)
    name = "text";
  if (strcmp(name, "session") == 0)
    name = "pyisession";
  const char *cname = capture_renderer_class(name);
  if (cname && !pyi_renderer_exists(name))
    return cli_fail("the %s renderer is not part of this build", name);
  if (!pyi_renderer_exists(name)) {
    if (!strchr(name, '.') || name[strlen(name) - 1] == '.')
      return cli_fail("there is no renderer called '%s' (use text, html, "
                      "json, speedscope, pyisession, pstats, or the import "
                      "path of a renderer class)",
                      name);
    if (!(cls = import_class(name)))
      return cli_fail_exception("cannot use the renderer class");
    cname = PyType_Check(cls) ? ((PyTypeObject *)cls)->tp_name : name;
    if (strrchr(cname, '.'))
      cname = strrchr(cname, '.') + 1;
  } else {
    cls = Py_NewRef(capture_renderer_type(name));
  }
  bool bad_option;
  if (!(kw = render_kwargs(c, cls, &bad_option))) {
    Py_XDECREF(cls);
    return bad_option ? 1 : cli_fail_exception("render options");
  }
  PyObject *empty = PyTuple_New(0);
  PyObject *r = empty ? PyObject_Call(cls, empty, kw) : NULL;
  Py_XDECREF(empty);
  Py_XDECREF(cls);
  Py_DECREF(kw);
  if (!r) {
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    int rc = cli_usage_error("Failed to create %s. Check your renderer "
                             "options.\n  %S\n",
                             cname, value ? value : Py_None);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return rc;
  }
  *out = r;
  return 0;
}

/* ==== the report ========================================================= */

static bool stdout_is_tty(const struct capture_cli *c) {
  bool uni, tty;
  return c->out && capture_stream_caps(c->out, &uni, &tty) == 0 && tty;
}

static bool is_binary(PyObject *renderer) {
  PyObject *b = PyObject_GetAttrString(renderer, "output_is_binary");
  int v = b ? PyObject_IsTrue(b) : 0;
  Py_XDECREF(b);
  PyErr_Clear();
  return v == 1;
}

/* After a failed write to stdout: what Python still holds for it would
 * fail again at exit, with a second message; let it go to /dev/null. */
static void null_stdout(void) {
  int null = open("/dev/null", O_WRONLY);
  if (null >= 0) {
    dup2(null, 1);
    close(null);
  }
}

/* A failed write to stdout as one line naming it and the reason; returns
 * 1. Python has set stdout to None when descriptor 1 was closed. */
static int fail_stdout(PyObject *out) {
  PyObject *type, *value, *tb;
  if (!out || out == Py_None)
    return cli_fail("<stdout>: %s", strerror(EBADF));
  PyErr_Fetch(&type, &value, &tb);
  PyErr_NormalizeException(&type, &value, &tb);
  PyObject *why = value && PyObject_TypeCheck(value, (PyTypeObject *)PyExc_OSError)
                      ? PyObject_GetAttrString(value, "strerror")
                      : NULL;
  int rc;
  if (why && PyUnicode_Check(why)) {
    rc = cli_fail("<stdout>: %U", why);
  } else {
    PyErr_Restore(type, value, tb);
    type = value = tb = NULL;
    rc = cli_fail_exception("<stdout>");
  }
  Py_XDECREF(why);
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(tb);
  null_stdout();
  return rc;
}

/* True when the program closed the stream the command found as stdout. */
static bool is_closed(PyObject *out) {
  PyObject *v = PyObject_GetAttrString(out, "closed");
  int closed = v ? PyObject_IsTrue(v) : 0;
  Py_XDECREF(v);
  PyErr_Clear();
  return closed == 1;
}

/* The binary buffer of 'out' when 'out' is a text stream that encodes as
 * UTF-8, so that a text report can go there as it is (new reference);
 * else NULL, without an exception. */
static PyObject *utf8_buffer(PyObject *out) {
  PyObject *enc = PyObject_GetAttrString(out, "encoding"), *buf = NULL;
  const char *e = enc && PyUnicode_Check(enc) ? PyUnicode_AsUTF8(enc) : NULL;
  if (e && (strcasecmp(e, "utf-8") == 0 || strcasecmp(e, "utf8") == 0))
    buf = PyObject_GetAttr(out, capture_str.buffer);
  Py_XDECREF(enc);
  PyErr_Clear();
  return buf;
}

/* Writes the report 'bytes' (UTF-8 when 'text') to 'out', the stdout the
 * command started with (the program may have rebound sys.stdout to a
 * StringIO or None, or closed it: then to descriptor 1), or, with 'path',
 * to a file the way libsession writes every file. Returns 0, or 1 after
 * printing the error. */
static int put(PyObject *data, bool text, PyObject *out, PyObject *path) {
  Py_buffer view;
  if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE))
    return cli_fail_exception("the report");
  const char *d = view.buf;
  size_t n = (size_t)view.len;
  int rc = -1;
  if (path) {
    PyObject *b = NULL;
    pyi_error err = {0};
    if (!PyUnicode_FSConverter(path, &b)) {
      rc = cli_fail_exception("bad output file name");
    } else {
      const char *p = PyBytes_AS_STRING(b);
      Py_BEGIN_ALLOW_THREADS
      rc = pyi_write_file(p, d, n, &err);
      Py_END_ALLOW_THREADS
      if (rc)
        rc = cli_fail("%s", err.msg);
      Py_DECREF(b);
    }
  } else if (out && out != Py_None && is_closed(out)) {
    int e = capture_write_all(1, d, n);
    rc = e ? cli_fail("<stdout>: %s", strerror(e)) : 0;
  } else {
    PyObject *r = NULL;
    if (out && out != Py_None) {
      /* bytes go to the binary buffer, and so does UTF-8 text for a UTF-8
       * stream (a big report is not decoded to be encoded again); the
       * text written so far goes first */
      PyObject *buf = text ? utf8_buffer(out)
                           : PyObject_GetAttr(out, capture_str.buffer);
      if (buf) {
        r = PyObject_CallMethodNoArgs(out, capture_str.flush);
        rc = r ? capture_write(buf, data) : -1;
        Py_CLEAR(r);
        Py_DECREF(buf);
      } else if (text) {
        PyObject *str = PyUnicode_DecodeUTF8(d, (Py_ssize_t)n, "replace");
        rc = str ? capture_write(out, str) : -1;
        Py_XDECREF(str);
      }
    }
    if (rc == 0 && !(r = PyObject_CallMethodNoArgs(out, capture_str.flush)))
      rc = -1;
    Py_XDECREF(r);
    rc = rc ? fail_stdout(out) : 0;
    capture_flush_std();
  }
  PyBuffer_Release(&view);
  return rc;
}

/* Whether a report of renderer 'name' can go straight to descriptor 1:
 * the command's stdout is still open on it, with its text flushed, and
 * takes the report's bytes as they are (UTF-8 text, or a binary format);
 * an HTML page meant for a terminal goes to a browser instead. Libsession
 * then writes it as it is drawn, through a small buffer: a report made
 * whole first costs a fresh page of memory for every 4 KB of it. */
static bool direct_stdout(struct capture_cli *c, const char *name) {
  PyObject *out = c->out;
  if (!out || out == Py_None || is_closed(out) ||
      (strcmp(name, "html") == 0 && stdout_is_tty(c)))
    return false;
  PyObject *fd = PyObject_CallMethod(out, "fileno", NULL);
  long n = fd ? PyLong_AsLong(fd) : -1;
  Py_XDECREF(fd);
  PyObject *buf = n != 1                    ? NULL
                  : pyi_renderer_is_binary(name) ? Py_NewRef(Py_True)
                                                 : utf8_buffer(out);
  PyErr_Clear();
  if (!buf)
    return false;
  Py_DECREF(buf);
  PyObject *r = PyObject_CallMethodNoArgs(out, capture_str.flush);
  Py_XDECREF(r);
  PyErr_Clear(); /* a stdout that cannot flush fails again in put() */
  return r != NULL;
}

static int write_report(struct capture_cli *c, PyObject *renderer,
                        PyObject *session) {
  const char *name = capture_renderer_name(renderer);
  capture_flush_std(); /* the program's own output comes first */
  if (c->outfile && name) { /* written beside the target, then renamed */
    PyObject *b = NULL;
    if (!PyUnicode_FSConverter(c->outfile, &b))
      return cli_fail_exception("bad output file name");
    int rc = capture_render_file(renderer, session, PyBytes_AS_STRING(b),
                                 stderr);
    Py_DECREF(b);
    return rc ? cli_fail_exception("writing the report") : 0;
  }
  if (name && direct_stdout(c, name)) {
    pyi_error err = {0};
    int rc = capture_render_stdout(renderer, session, &err);
    c->direct = rc == 0;
    if (rc == 0)
      return 0;
    if (rc < 0 && PyErr_Occurred())
      return cli_fail_exception("rendering the report");
    if (rc < 0) { /* a system error in the words put() uses */
      if (err.errnum)
        cli_fail("<stdout>: %s", strerror(err.errnum));
      else
        cli_fail("%s", err.msg);
      null_stdout();
      return 1;
    }
  }
  bool text;
  PyObject *data = capture_render_bytes(renderer, session, &text);
  if (!data)
    return cli_fail_exception("rendering the report");
  int rc = 0;
  if (!c->outfile && name && strcmp(name, "html") == 0 && stdout_is_tty(c)) {
    PyObject *tmp = capture_call("tempfile", "mkstemp", "(s)", ".html");
    PyObject *path = tmp ? Py_NewRef(PyTuple_GetItem(tmp, 1)) : NULL;
    PyObject *closed = tmp ? capture_call("os", "close", "(O)", PyTuple_GetItem(tmp, 0))
                           : NULL;
    PyObject *url = path ? PyUnicode_FromFormat("file://%U", path) : NULL;
    PyObject *r = NULL;
    if (!closed || !url)
      rc = cli_fail_exception("opening the report");
    else if ((rc = put(data, text, c->out, path)) == 0) {
      if ((r = capture_call("webbrowser", "open", "(O)", url)))
        PySys_FormatStdout(
            "stdout is a terminal, so saved profile output to %U\n", path);
      else
        rc = cli_fail_exception("opening the report");
    }
    Py_XDECREF(tmp);
    Py_XDECREF(path);
    Py_XDECREF(closed);
    Py_XDECREF(url);
    Py_XDECREF(r);
  } else {
    rc = put(data, text, c->out, c->outfile);
  }
  Py_DECREF(data);
  return rc;
}

/* ==== main =============================================================== */

/* Refuses early an -o file that cannot be written, before a long run. */
static int check_outfile(PyObject *outfile) {
  PyObject *b = NULL, *dir = NULL;
  if (!PyUnicode_FSConverter(outfile, &b))
    return cli_fail_exception("bad output file name");
  const char *path = PyBytes_AS_STRING(b);
  int rc = 0;
  if (!*path) {
    rc = cli_fail("the output file name is empty: %s", strerror(ENOENT));
  } else if (access(path, F_OK) == 0) {
    if (access(path, W_OK) != 0)
      rc = cli_fail("cannot write %s: %s", path, strerror(errno));
  } else if ((dir = capture_call("os.path", "dirname", "(y)", path))) {
    const char *d = PyBytes_Check(dir) ? PyBytes_AS_STRING(dir) : ".";
    if (access(*d ? d : ".", W_OK) != 0)
      rc = cli_fail("cannot write %s: %s", path, strerror(errno));
  } else {
    rc = cli_fail_exception("bad output file name");
  }
  Py_XDECREF(dir);
  Py_DECREF(b);
  return rc;
}

static PyObject *load_session(struct capture_cli *c, int *rc) {
  PyObject *path = NULL, *session = NULL;
  if (c->load_prev) {
    PyObject *dir = capture_reports_dir();
    PyObject *name = dir ? PyUnicode_FromFormat("%U.pyisession", c->load_prev)
                         : NULL;
    path = name ? capture_call("os.path", "join", "(OO)", dir, name) : NULL;
    PyObject *exists = path ? capture_call("os.path", "exists", "(O)", path) : NULL;
    if (exists && !PyObject_IsTrue(exists))
      *rc = cli_fail("Couldn't find a profile with identifier %U", c->load_prev);
    else if (!exists)
      *rc = cli_fail_exception("--load-prev");
    Py_XDECREF(dir);
    Py_XDECREF(name);
    Py_XDECREF(exists);
  } else {
    path = Py_NewRef(c->load);
  }
  if (!*rc) {
    PyObject *load = PyObject_GetAttrString((PyObject *)&Session_Type, "load");
    session = load ? PyObject_CallOneArg(load, path) : NULL;
    Py_XDECREF(load);
    if (!session)
      *rc = cli_fail_exception("cannot load the session");
  }
  Py_XDECREF(path);
  return session;
}

/* -o names a file in the directory the command started in, wherever the
 * program goes (or whatever it removes) meanwhile. The name stays as
 * given otherwise: symlinks and ".." mean what they mean at the end. */
static int anchor_outfile(struct capture_cli *c) {
  if (PyUnicode_Check(c->outfile) && PyUnicode_GET_LENGTH(c->outfile) == 0)
    return 0; /* refused by check_outfile */
  PyObject *cwd = capture_call("os", "getcwd", "()");
  PyObject *abs = cwd ? capture_call("os.path", "join", "(OO)", cwd, c->outfile) : NULL;
  Py_XDECREF(cwd);
  if (!abs || PyList_Append(c->keep, abs)) {
    Py_XDECREF(abs);
    return cli_fail_exception("the current directory");
  }
  c->outfile = abs; /* kept alive by c->keep */
  Py_DECREF(abs);
  return 0;
}

PyObject *cli_run(struct capture_cli *c) {
  PyObject *renderer = NULL, *session = NULL;
  struct capture_outcome end = {0};
  c->out = Py_XNewRef(PySys_GetObject("stdout")); /* before the program */
  int rc = c->outfile ? anchor_outfile(c) : 0;
  if (!rc && c->outfile)
    rc = check_outfile(c->outfile);
  if (!rc)
    rc = make_renderer(c, &renderer);
  if (!rc && is_binary(renderer) && !c->outfile && stdout_is_tty(c))
    rc = cli_usage_error("Can't write binary output to a terminal. Redirect "
                         "to a file or use --outfile.");
  if (!rc && (c->load || c->load_prev))
    session = load_session(c, &rc);
  else if (!rc)
    session = capture_run_target(c, &end, &rc);
  if (!rc && session) {
    rc = write_report(c, renderer, session);
    const char *name = capture_renderer_name(renderer);
    if (!rc && !c->outfile && name && strcmp(name, "text") == 0)
      capture_remember(session, c->exiting && c->direct);
  }
  capture_timing_linger(false); /* unless it has a job, it can go now */
  Py_XDECREF(session);
  Py_XDECREF(renderer);
  if (end.type)
    return capture_finish_outcome(&end);
  return PyLong_FromLong(rc);
}

PyObject *capture_main(PyObject *module, PyObject *args, bool exiting) {
  if (!PyList_Check(args)) {
    PyErr_SetString(PyExc_TypeError, "main() takes the list of arguments");
    return NULL;
  }
  struct capture_cli c = {.interval = 0.001, .unicode = -1, .color = -1,
                          .sampler = CAPTURE_SAMPLER_TIMER,
                          .exiting = exiting};
  c.render_options = PyList_New(0);
  int rc = c.render_options ? cli_parse(&c, args) : -1;
  if (rc == 0)
    rc = cli_check(&c, PyList_GET_SIZE(args));
  PyObject *result = rc == -1          ? NULL
                     : rc == CLI_DONE_OK ? PyLong_FromLong(0)
                     : rc                ? PyLong_FromLong(rc)
                                         : cli_run(&c);
  Py_XDECREF(c.render_options);
  Py_XDECREF(c.args);
  Py_XDECREF(c.keep);
  Py_XDECREF(c.out);
  return result;
}
