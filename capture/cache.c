/* cache.c - the report cache of --load-prev: the session of every text
 * report is kept as <start time>.pyisession in
 * $XDG_DATA_HOME/pyinstrument/reports (~/.local/share/... without it); the
 * ten newest files before it stay, then the oldest go while the cache is
 * over its byte limit ($PYINSTRUMENT_REPORT_CACHE_BYTES).
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

PyObject *capture_reports_dir(bool create) {
  const char *xdg = getenv("XDG_DATA_HOME"); /* used as it is, when set */
  PyObject *base = xdg ? PyUnicode_DecodeFSDefault(xdg)
                       : capture_call("os.path", "expanduser", "(s)", "~/.local/share");
  PyObject *dir = base ? capture_call("os.path", "join", "(Oss)", base, "pyinstrument",
                              "reports")
                       : NULL;
  if (dir && create) {
    PyObject *os = PyImport_ImportModule("os");
    PyObject *makedirs = os ? PyObject_GetAttrString(os, "makedirs") : NULL;
    PyObject *args = Py_BuildValue("(O)", dir);
    PyObject *kw = Py_BuildValue("{sO}", "exist_ok", Py_True);
    PyObject *r = makedirs && args && kw ? PyObject_Call(makedirs, args, kw)
                                         : NULL;
    if (!r)
      Py_CLEAR(dir);
    Py_XDECREF(os);
    Py_XDECREF(makedirs);
    Py_XDECREF(args);
    Py_XDECREF(kw);
    Py_XDECREF(r);
  }
  Py_XDECREF(base);
  return dir;
}

/* The report cache's limit in bytes: $PYINSTRUMENT_REPORT_CACHE_BYTES, a
 * number with an optional K, M or G (powers of 1024), else 1 GiB. */
static unsigned long long cache_limit(void) {
  const unsigned long long def = 1ull << 30;
  const char *v = getenv("PYINSTRUMENT_REPORT_CACHE_BYTES");
  if (!v || !*v)
    return def;
  char *end;
  errno = 0;
  unsigned long long n = strtoull(v, &end, 10);
  int shift = 0;
  switch (*end) {
  case 'k': case 'K': shift = 10; end++; break;
  case 'm': case 'M': shift = 20; end++; break;
  case 'g': case 'G': shift = 30; end++; break;
  }
  if (errno || end == v || *end || v[0] == '-' || (n << shift >> shift) != n) {
    cli_fail("PYINSTRUMENT_REPORT_CACHE_BYTES=%s is not a size such as "
             "500M; keeping up to 1G",
             v);
    return def;
  }
  return n << shift;
}

/* The cache's files, newest first (their names are start times), each
 * with its size: a list of (path, size) tuples (new reference). */
static PyObject *cache_files(PyObject *dir) {
  /* *.pyisession as glob matches it (no dot files), without glob, which
   * imports re: milliseconds of every run's end where nothing else has */
  PyObject *names = capture_call("os", "listdir", "(O)", dir);
  PyObject *files = names ? PyList_New(0) : NULL;
  for (Py_ssize_t i = 0; files && i < PyList_GET_SIZE(names); i++) {
    PyObject *n = PyList_GET_ITEM(names, i);
    const char *u = PyUnicode_Check(n) ? PyUnicode_AsUTF8(n) : NULL;
    size_t len = u ? strlen(u) : 0;
    PyObject *f = NULL;
    if (!u) {
      PyErr_Clear(); /* an undecodable name is none of ours */
      continue;
    }
    if (u[0] == '.' || len <= 11 || strcmp(u + len - 11, ".pyisession") != 0)
      continue;
    if (!(f = capture_call("os.path", "join", "(OO)", dir, n)) ||
        PyList_Append(files, f))
      Py_CLEAR(files);
    Py_XDECREF(f);
  }
  Py_XDECREF(names);
  PyObject *out = files ? PyList_New(0) : NULL;
  if (!out || PyList_Sort(files) || PyList_Reverse(files)) {
    Py_XDECREF(files);
    Py_XDECREF(out);
    return NULL;
  }
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(files); i++) {
    PyObject *f = PyList_GET_ITEM(files, i);
    PyObject *size = capture_call("os.path", "getsize", "(O)", f);
    PyObject *item = size ? PyTuple_Pack(2, f, size) : NULL;
    if (!size) /* gone meanwhile: another run pruned it */
      PyErr_Clear();
    if (item && PyList_Append(out, item))
      Py_CLEAR(out);
    Py_XDECREF(size);
    Py_XDECREF(item);
    if (!out)
      break;
  }
  Py_DECREF(files);
  return out;
}

void capture_remember(PyObject *session) {
  PyObject *dir = capture_reports_dir(true), *files = NULL, *stamp = NULL,
           *name = NULL, *path = NULL, *r = NULL;
  if (!dir || !(files = cache_files(dir)))
    goto done;
  while (PyList_GET_SIZE(files) > 10) { /* the oldest names go first */
    Py_ssize_t last = PyList_GET_SIZE(files) - 1;
    PyObject *old = PyTuple_GET_ITEM(PyList_GET_ITEM(files, last), 0);
    if (!(r = capture_call("os", "remove", "(O)", old)) ||
        PyList_SetSlice(files, last, last + 1, NULL))
      goto done;
    Py_CLEAR(r);
  }
  PyObject *start = PyObject_GetAttrString(session, "start_time");
  PyObject *local = start ? capture_call("time", "localtime", "(O)", start) : NULL;
  Py_XDECREF(start);
  if (!local ||
      !(stamp = capture_call("time", "strftime", "(sO)", "%Y-%m-%dT%H-%M-%S", local)))
    goto done_local;
  if (!(name = PyUnicode_FromFormat("%U.pyisession", stamp)) ||
      !(path = capture_call("os.path", "join", "(OO)", dir, name)) ||
      !(r = PyObject_CallMethod(session, "save", "O", path)))
    goto done_local;
  Py_CLEAR(r);
  /* the listing taken before, with the new file in its place (a file of
   * the same name, from a run that started in the same second, replaced) */
  for (Py_ssize_t i = PyList_GET_SIZE(files) - 1; i >= 0; i--) {
    int same = PyObject_RichCompareBool(
        PyTuple_GET_ITEM(PyList_GET_ITEM(files, i), 0), path, Py_EQ);
    if (same < 0 || (same && PyList_SetSlice(files, i, i + 1, NULL)))
      goto done_local;
  }
  PyObject *size = capture_call("os.path", "getsize", "(O)", path);
  PyObject *item = size ? PyTuple_Pack(2, path, size) : NULL;
  int bad = !item || PyList_Append(files, item) || PyList_Sort(files) ||
            PyList_Reverse(files);
  Py_XDECREF(size);
  Py_XDECREF(item);
  if (bad)
    goto done_local;
  unsigned long long limit = cache_limit(), total = 0;
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(files); i++)
    total += PyLong_AsUnsignedLongLong(
        PyTuple_GET_ITEM(PyList_GET_ITEM(files, i), 1));
  bool kept = true;
  while (total > limit && PyList_GET_SIZE(files) > 0) {
    Py_ssize_t last = PyList_GET_SIZE(files) - 1;
    PyObject *old = PyList_GET_ITEM(files, last);
    PyObject *f = PyTuple_GET_ITEM(old, 0);
    int same = PyObject_RichCompareBool(f, path, Py_EQ);
    total -= PyLong_AsUnsignedLongLong(PyTuple_GET_ITEM(old, 1));
    if (same == 1)
      kept = false;
    if (!(r = capture_call("os", "remove", "(O)", f)) ||
        PyList_SetSlice(files, last, last + 1, NULL))
      goto done_local;
    Py_CLEAR(r);
  }
  if (kept)
    PySys_FormatStdout("To view this report with different options, run:\n"
                       "    pyinstrument --load-prev %U [options]\n\n",
                       stamp);
  else if (limit > 0)
    cli_fail("the session is bigger than the report cache's limit of %llu "
             "bytes (PYINSTRUMENT_REPORT_CACHE_BYTES), so it was not kept "
             "for --load-prev",
             limit);
done_local:
  Py_XDECREF(local);
done:
  if (PyErr_Occurred())
    cli_fail_exception("could not keep the report for --load-prev");
  Py_XDECREF(dir);
  Py_XDECREF(files);
  Py_XDECREF(stamp);
  Py_XDECREF(name);
  Py_XDECREF(path);
  Py_XDECREF(r);
}

