/* pyutil.c - what every file of the extension uses: the strings compared
 * per call (interned once), writing to Python streams, growing arrays.
 * It calls nothing else of the extension.
 */
#include "capture.h"

#include <string.h>

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
