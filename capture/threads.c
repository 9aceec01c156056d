/* threads.c - sampling every thread (Profiler(all_threads=True)).
 *
 * With the GIL held, every other thread of the interpreter stands still:
 * it waits for the GIL between two instructions, or waits in a C call that
 * released it. So at each sample of its own thread, and when the timing
 * thread finds the own thread waiting (timer.c), the sampler reads the
 * other threads' frames in place (frames.c) and hands each subscriber that
 * asked for every thread one record per thread, under that thread's root
 * frame and with the time since that thread's last record.
 *
 * A thread waiting in a C function has it named, as the hook would name
 * it. A thread standing just after a call has either just returned from
 * it, or, more often, has been waiting for the GIL there: the hook would
 * give that wait to the Python line, not to the function. Its CPU time
 * tells which: the function is named when the thread ran for most of the
 * time since its last record.
 */
#include "sampler.h"

#include <string.h>
#include <time.h>

/* ==== thread roots ======================================================= */

/* The name of the thread 'ident' as threading knows it (a new reference),
 * or NULL (no error set) when it does not know it (yet). Only dicts are
 * read: no Python code runs. */
static PyObject *thread_name(unsigned long ident) {
  static PyObject *active_name, *name_attr;
  if (!active_name && !(active_name = PyUnicode_InternFromString("_active")))
    goto none;
  if (!name_attr && !(name_attr = PyUnicode_InternFromString("_name")))
    goto none;
  PyObject *threading = PyImport_GetModule(capture_str.threading), *name = NULL;
  PyObject *dict = threading ? PyModule_GetDict(threading) : NULL;
  PyObject *active = dict ? PyDict_GetItemWithError(dict, active_name) : NULL;
  PyObject *key = active && PyDict_Check(active)
                      ? PyLong_FromUnsignedLong(ident)
                      : NULL;
  PyObject *thread = key ? PyDict_GetItemWithError(active, key) : NULL;
  if (thread && Py_TYPE(thread)->tp_getattro == PyObject_GenericGetAttr)
    name = PyObject_GenericGetAttr(thread, name_attr);
  Py_XDECREF(threading);
  Py_XDECREF(key);
  if (name && PyUnicode_Check(name))
    return name;
  Py_XDECREF(name);
none:
  PyErr_Clear();
  return NULL;
}

/* The root frame id of thread 'ident': "<name>\0<thread>\0<ident>". Until
 * threading knows the thread (a thread that has not reached its target, or
 * one that C code made) its name is 'Dummy'; *named says which. 0 with an
 * exception set on error. */
static uint32_t thread_root(capture_frames *F, unsigned long ident,
                            bool *named) {
  PyObject *name = thread_name(ident);
  *named = name != NULL;
  PyObject *text =
      name ? PyUnicode_FromFormat("%U%c<thread>%c%lu", name, 0, 0, ident)
           : PyUnicode_FromFormat("Dummy%c<thread>%c%lu", 0, 0, ident);
  Py_XDECREF(name);
  PyObject *bytes =
      text ? PyUnicode_AsEncodedString(text, "utf-8", "surrogatepass") : NULL;
  uint32_t id = bytes ? capture_frames_intern(F, PyBytes_AS_STRING(bytes),
                                              (size_t)PyBytes_GET_SIZE(bytes))
                      : 0;
  Py_XDECREF(text);
  Py_XDECREF(bytes);
  return id;
}

/* Seconds of CPU that thread 't' has used, or -1 when unknown. */
static double thread_cpu(PyThreadState *t) {
#ifdef __linux__
  /* the kernel's clock of one thread, by its id, as glibc's
   * pthread_getcpuclockid makes it; a thread gone gives EINVAL */
  unsigned long tid = t->native_thread_id;
  clockid_t id = (clockid_t)(~(unsigned)tid << 3 | 6u);
  struct timespec ts;
  if (tid && clock_gettime(id, &ts) == 0)
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
#else
  (void)t;
#endif
  return -1;
}

/* ==== the table of threads =============================================== */

/* The entry of thread 't' (a new one when first seen), or NULL with an
 * exception set. */
static capture_thread *thread_entry(SamplerObject *s, PyThreadState *t,
                                    double now) {
  unsigned long ident = t->thread_id;
  for (size_t i = 0; i < s->n_threads; i++) {
    capture_thread *e = &s->threads[i];
    if (e->ts == t && e->ident == ident) {
      if (!e->named && !(e->root = thread_root(s->frames, ident, &e->named)))
        return NULL;
      return e;
    }
  }
  if (capture_grow((void **)&s->threads, &s->cap_threads, s->n_threads + 1,
                   sizeof *s->threads))
    return NULL;
  capture_thread *e = &s->threads[s->n_threads];
  *e = (capture_thread){.ts = t, .ident = ident, .index = ++s->thread_index,
                        .last = s->threads_since < now ? s->threads_since
                                                       : now,
                        .cpu = thread_cpu(t)};
  if (!(e->root = thread_root(s->frames, ident, &e->named)))
    return NULL;
  s->n_threads++;
  return e;
}

/* The stack of thread 't' (not running), root first in s->alt, with the C
 * function it waits in on top, or the one it has just returned from when
 * it 'ran' up to here. */
static Py_ssize_t thread_stack(SamplerObject *s, PyThreadState *t,
                               uint32_t root, bool ran) {
  uintptr_t where[2];
  uint32_t leaf = capture_frames_c_leaf(s->frames, t, where);
  if (!leaf && ran)
    leaf = capture_frames_returned_c(s->frames, t);
  size_t n = 0;
  if (leaf) {
    if (capture_grow((void **)&s->alt, &s->cap_alt, 1, sizeof *s->alt))
      return -1;
    s->alt[n++] = leaf;
  }
  Py_ssize_t depth =
      capture_frames_walk_thread(s->frames, t, leaf != 0, root, &s->alt,
                                 &s->cap_alt, n);
  for (Py_ssize_t i = 0, j = depth; i + 1 < j; i++, j--) {
    uint32_t tmp = s->alt[i];
    s->alt[i] = s->alt[j - 1];
    s->alt[j - 1] = tmp;
  }
  return depth;
}

/* Whether the stack in s->alt ('depth' ids, root first) is that of a
 * threading.Thread still starting: its outermost frame is threading's. */
static bool starting(SamplerObject *s, Py_ssize_t depth) {
  size_t len;
  const char *text = depth > 1 ? capture_frames_text(s->frames, s->alt[1],
                                                     &len)
                               : NULL;
  const char *file = text ? memchr(text, '\0', len) : NULL;
  if (!file)
    return false;
  file++;
  const char *end = memchr(file, '\0', len - (size_t)(file - text));
  size_t n = end ? (size_t)(end - file) : len - (size_t)(file - text);
  return n >= 12 && memcmp(file + n - 12, "threading.py", 12) == 0;
}

int capture_sample_threads(SamplerObject *s, double now) {
  PyThreadState *me = PyThreadState_Get();
  for (size_t i = 0; i < s->n_threads; i++)
    s->threads[i].seen = false;
  for (PyThreadState *t = PyInterpreterState_ThreadHead(me->interp); t;
       t = PyThreadState_Next(t)) {
    if (t == me || t == s->tstate || !capture_frames_has_python(t))
      continue; /* not started, or not a Python thread */
    capture_thread *e = thread_entry(s, t, now);
    if (!e)
      return -1;
    double dt = now - e->last, cpu = thread_cpu(t);
    bool ran = e->cpu >= 0 && cpu >= 0 && cpu - e->cpu >= dt / 2;
    Py_ssize_t depth = thread_stack(s, t, e->root, ran);
    if (depth < 0)
      return -1;
    e->seen = true;
    if (!e->named && starting(s, depth))
      continue; /* its time counts once threading knows its name */
    e->last = now;
    e->cpu = cpu;
    for (size_t k = 0; k < s->n_subs; k++) {
      capture_sub *sub = &s->subs[k];
      if (sub->all_threads &&
          sub->record(sub->profiler, s->frames, e->index, s->alt,
                      (size_t)depth, dt))
        return -1;
    }
  }
  /* threads that have ended leave the table (their state may be reused) */
  size_t kept = 0;
  for (size_t i = 0; i < s->n_threads; i++)
    if (s->threads[i].seen)
      s->threads[kept++] = s->threads[i];
  s->n_threads = kept;
  s->threads_since = now;
  return 0;
}

void capture_threads_reset(SamplerObject *s, double now) {
  s->n_threads = 0;
  s->threads_since = now;
}
