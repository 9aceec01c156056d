/* pyutil.c - what every file of the extension uses: the strings compared
 * per call (interned once), writing to Python streams, growing arrays.
 * It calls nothing else of the extension.
 */
#include "capture.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

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

PyObject *capture_call(const char *module, const char *attr, const char *fmt,
                       ...) {
  PyObject *m = PyImport_ImportModule(module), *f = NULL, *args = NULL, *r;
  va_list ap;
  va_start(ap, fmt);
  if (m && (f = PyObject_GetAttrString(m, attr)))
    args = Py_VaBuildValue(fmt, ap);
  va_end(ap);
  if (args && !PyTuple_Check(args))
    Py_SETREF(args, PyTuple_Pack(1, args));
  r = args ? PyObject_CallObject(f, args) : NULL;
  Py_XDECREF(m);
  Py_XDECREF(f);
  Py_XDECREF(args);
  return r;
}

PyObject *capture_compile(PyObject *source, PyObject *filename) {
  /* compile() first builds the ast module's hundred classes, to test
   * whether its argument is a tree: 2-3 ms of the start of every profiled
   * run, which plain python does not pay for its script */
  PyCompilerFlags cf = {.cf_flags = PyCF_SOURCE_IS_UTF8,
                        .cf_feature_version = PY_MINOR_VERSION};
  const char *text = NULL;
  Py_ssize_t len = 0;
  if (PyBytes_Check(source)) { /* a coding cookie may name its encoding */
    text = PyBytes_AS_STRING(source);
    len = PyBytes_GET_SIZE(source);
  } else if (PyUnicode_Check(source)) {
    cf.cf_flags |= PyCF_IGNORE_COOKIE;
    if (!(text = PyUnicode_AsUTF8AndSize(source, &len)))
      PyErr_Clear(); /* lone surrogates: compile() says what is wrong */
  }
  if (!text || memchr(text, '\0', (size_t)len)) /* compile()'s own error */
    return capture_call("builtins", "compile", "(OOs)", source, filename,
                        "exec");
  return Py_CompileStringObject(text, filename, Py_file_input, &cf, -1);
}

int capture_write_all(int fd, const char *data, size_t len) {
  while (len) {
    ssize_t w = write(fd, data, len);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return w < 0 ? errno : EIO;
    data += w;
    len -= (size_t)w;
  }
  return 0;
}

/* A new thread starts without its starter waiting for it, but a fork must
 * not come in the middle of a thread's start, where an allocator without
 * fork handlers (AddressSanitizer's, as GCC 12 has it) may hold a lock that
 * the child would inherit held, and wait for forever: fork() waits for the
 * threads still starting, in a handler. (Waiting at every start instead
 * cost each profiler start 0.2 ms here, the wake-up of a virtual machine's
 * idle CPU.) */
static atomic_int starting;
static bool fork_waits; /* the handler is registered */

static void await_starts(void) {
  while (atomic_load(&starting) > 0)
    sched_yield(); /* with one CPU, the new thread runs meanwhile */
}

/* A child has no thread starting, whatever began meanwhile elsewhere (a
 * thread without the GIL may start one while another forks). */
static void no_starts(void) { atomic_store(&starting, 0); }

static void register_await(void) {
  fork_waits = pthread_atfork(await_starts, NULL, no_starts) == 0;
}

struct thread_start {
  void *(*fn)(void *);
  void *arg;
};

static void *thread_trampoline(void *arg) {
  struct thread_start st = *(struct thread_start *)arg;
  free(arg);
  atomic_fetch_sub(&starting, 1);
  return st.fn(st.arg);
}

int capture_thread_start(void *(*fn)(void *), void *arg, pthread_t *joinable) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, register_await);
  struct thread_start *st = malloc(sizeof *st);
  if (!st)
    return -1;
  st->fn = fn;
  st->arg = arg;
  atomic_fetch_add(&starting, 1);
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old); /* the new thread inherits it */
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  if (!joinable)
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  int rc = pthread_create(joinable ? joinable : &t, &attr, thread_trampoline,
                          st);
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) {
    atomic_fetch_sub(&starting, 1);
    free(st);
    return -1;
  }
  if (!fork_waits)
    await_starts();
  return 0;
}

PyObject *capture_text(const char *s, size_t len) {
  return PyUnicode_DecodeUTF8(s, (Py_ssize_t)len, "surrogatepass");
}

PyObject *capture_utf8(PyObject *str, const char *what) {
  if (!PyUnicode_Check(str)) {
    PyErr_Format(PyExc_TypeError, "%s must be a str, not %.100s", what,
                 Py_TYPE(str)->tp_name);
    return NULL;
  }
  return PyUnicode_AsEncodedString(str, "utf-8", "surrogatepass");
}

int capture_grow(void **p, size_t *cap, size_t need, size_t size) {
  if (need <= *cap)
    return 0;
  size_t n = *cap ? *cap : 64;
  while (n < need)
    n += n / 2;
  void *q = PyMem_Realloc(*p, n * size);
  if (!q) {
    PyErr_NoMemory();
    return -1;
  }
  memset((char *)q + *cap * size, 0, (n - *cap) * size);
  *p = q;
  *cap = n;
  return 0;
}

int capture_strings_init(void) {
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
      {&capture_str.threading, "threading"},
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

/* ---- Python values as JSON text, for libsession's option maps ---------- */

typedef struct jtext {
  char *p;
  size_t len, cap;
} jtext;

static int jput(jtext *j, const char *s, size_t n) {
  if (capture_grow((void **)&j->p, &j->cap, j->len + n + 1, 1))
    return -1;
  memcpy(j->p + j->len, s, n);
  j->len += n;
  j->p[j->len] = 0;
  return 0;
}

static int jstr(jtext *j, PyObject *str) {
  Py_ssize_t n;
  const char *s = PyUnicode_AsUTF8AndSize(str, &n);
  if (!s || jput(j, "\"", 1))
    return -1;
  for (Py_ssize_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    char esc[8];
    if (c == '"' || c == '\\') {
      esc[0] = '\\';
      esc[1] = (char)c;
      if (jput(j, esc, 2))
        return -1;
    } else if (c < 0x20) {
      snprintf(esc, sizeof esc, "\\u%04x", c);
      if (jput(j, esc, 6))
        return -1;
    } else if (jput(j, (const char *)&c, 1)) {
      return -1;
    }
  }
  return jput(j, "\"", 1);
}

/* Options nest a level or two; the bound keeps a hostile value from
 * recursing deeply. */
static int jvalue(jtext *j, PyObject *v, int depth) {
  if (depth > 32) {
    PyErr_SetString(PyExc_ValueError, "option value nested too deeply");
    return -1;
  }
  if (v == Py_None)
    return jput(j, "null", 4);
  if (PyBool_Check(v))
    return v == Py_True ? jput(j, "true", 4) : jput(j, "false", 5);
  if (PyLong_Check(v) || PyFloat_Check(v)) {
    PyObject *r = PyLong_Check(v) ? PyObject_Str(v) : NULL;
    if (!r) {
      double d = PyFloat_AsDouble(v);
      if (d == -1 && PyErr_Occurred())
        return -1;
      if (!isfinite(d)) /* cJSON reads no NaN/Infinity: null stands in */
        return jput(j, "null", 4);
      char *t = PyOS_double_to_string(d, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
      int rc = t ? jput(j, t, strlen(t)) : -1;
      PyMem_Free(t);
      return rc;
    }
    Py_ssize_t n;
    const char *t = PyUnicode_AsUTF8AndSize(r, &n);
    int rc = t ? jput(j, t, (size_t)n) : -1;
    Py_DECREF(r);
    return rc;
  }
  if (PyUnicode_Check(v))
    return jstr(j, v);
  if (PyDict_Check(v)) {
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    bool first = true;
    if (jput(j, "{", 1))
      return -1;
    while (PyDict_Next(v, &pos, &key, &value)) {
      PyObject *k = PyUnicode_Check(key) ? Py_NewRef(key) : PyObject_Str(key);
      int rc = !k || (!first && jput(j, ",", 1)) || jstr(j, k) ||
                       jput(j, ":", 1) || jvalue(j, value, depth + 1)
                   ? -1
                   : 0;
      Py_XDECREF(k);
      if (rc)
        return -1;
      first = false;
    }
    return jput(j, "}", 1);
  }
  if (PyList_Check(v) || PyTuple_Check(v)) {
    PyObject *seq = PySequence_Fast(v, "");
    if (!seq || jput(j, "[", 1)) {
      Py_XDECREF(seq);
      return -1;
    }
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++)
      if ((i && jput(j, ",", 1)) ||
          jvalue(j, PySequence_Fast_GET_ITEM(seq, i), depth + 1)) {
        Py_DECREF(seq);
        return -1;
      }
    Py_DECREF(seq);
    return jput(j, "]", 1);
  }
  /* anything else reaches Python code only (a custom processor's option):
   * libsession sees its text */
  PyObject *s = PyObject_Str(v);
  int rc = s ? jstr(j, s) : -1;
  Py_XDECREF(s);
  return rc;
}

int capture_opts_set(pyi_opts *o, const char *key, PyObject *v) {
  jtext j = {0};
  int rc = jvalue(&j, v, 0);
  pyi_error err = {0};
  if (rc == 0 && pyi_opts_set_json(o, key, j.p ? j.p : "null", &err)) {
    PyErr_SetString(PyExc_ValueError, err.msg);
    rc = -1;
  }
  PyMem_Free(j.p);
  return rc;
}
