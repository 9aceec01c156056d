/* profiler.c - pyinstrument.Profiler: start/stop, the session being
 * recorded, and the output helpers (print, output_text, output_html, ...).
 *
 * While running, a Profiler is subscribed to its thread's sampler and
 * receives samples as ids of the sampler's frame table; it maps them to
 * ids of its own libsession session (interning each string once) and
 * appends records. stop() fills in the metadata and hands the session to
 * a Session object. With all_threads, the records of the other threads
 * are kept apart, one list per thread, and follow the profiler's own
 * thread's in the session: each thread's samples in a row, so that each
 * thread is one branch of the call tree.
 */
#include "capture.h"

#include <string.h>

struct ProfilerObject {
  PyObject_HEAD
  double interval;
  int async_mode;
  int use_timing_thread; /* -1: None */
  int sampler;           /* CAPTURE_SAMPLER_* */
  PyObject *last_session;
  bool running;
  pyi_session *session; /* being recorded */
  uint32_t *idmap;      /* sampler frame id -> session frame id */
  size_t cap_idmap;
  uint32_t *ids; /* a translated stack */
  size_t cap_ids;
  double start_time, start_cpu;
  bool all_threads;
  int stem;       /* CAPTURE_STEM_*: what the own thread's records lose */
  uint16_t *stems; /* by sampler frame id: its place in the start stack
                      (from 1; STEM_AT) and STEM_RUNNER, STEM_RUNPY */
  size_t cap_stems;
  /* the other threads' records, by the sampler's thread index: depth, the
   * session's frame ids, then the seconds as two words */
  struct thread_records {
    uint32_t *data;
    size_t n, cap;
  } *threads;
  size_t cap_threads;
};

static const char *const async_names[] = {"disabled", "enabled", "strict"};

static int parse_async_mode(PyObject *obj, int *mode) {
  const char *s = PyUnicode_Check(obj) ? PyUnicode_AsUTF8(obj) : NULL;
  for (int i = 0; s && i < 3; i++)
    if (strcmp(s, async_names[i]) == 0) {
      *mode = i;
      return 0;
    }
  PyErr_Clear();
  PyErr_SetString(PyExc_ValueError,
                  "async_mode must be 'enabled', 'disabled' or 'strict'");
  return -1;
}

/* ==== recording ========================================================== */

/* Appends a record of session frame ids to the session. */
static int add_record(ProfilerObject *p, const uint32_t *ids, size_t depth,
                      double dt) {
  pyi_error err = {0};
  if (pyi_session_add_record(p->session, ids, depth, dt, &err) == 0)
    return 0;
  /* deeper than the format's limit: keep the outer frames rather than
   * failing the profiled program */
  for (size_t cut = depth / 2; err.code == PYI_ELIMIT && cut > 0; cut /= 2)
    if (pyi_session_add_record(p->session, ids, cut, dt, &err) == 0)
      return 0;
  capture_set_error(PyExc_RuntimeError, &err);
  return -1;
}

/* Keeps a record of another thread (session frame ids) for stop(). */
static int keep_thread_record(ProfilerObject *p, uint32_t thread,
                              const uint32_t *ids, size_t depth, double dt) {
  if (thread >= p->cap_threads &&
      capture_grow((void **)&p->threads, &p->cap_threads, (size_t)thread + 1,
                   sizeof *p->threads))
    return -1;
  struct thread_records *t = &p->threads[thread];
  uint32_t words[2];
  if (depth > UINT32_MAX - 3 ||
      capture_grow((void **)&t->data, &t->cap, t->n + depth + 3,
                   sizeof *t->data))
    return -1;
  memcpy(words, &dt, sizeof words);
  t->data[t->n++] = (uint32_t)depth;
  memcpy(t->data + t->n, ids, depth * sizeof *ids);
  t->n += depth;
  t->data[t->n++] = words[0];
  t->data[t->n++] = words[1];
  return 0;
}

/* Moves the other threads' records into the session, thread by thread in
 * the order they were first seen. 0 or -1 with an exception set. */
static int add_thread_records(ProfilerObject *p) {
  int rc = 0;
  for (size_t i = 0; i < p->cap_threads; i++) {
    struct thread_records *t = &p->threads[i];
    for (size_t k = 0; rc == 0 && k < t->n;) {
      size_t depth = t->data[k++];
      double dt;
      memcpy(&dt, t->data + k + depth, sizeof dt);
      rc = add_record(p, t->data + k, depth, dt);
      k += depth + 2;
    }
    PyMem_Free(t->data);
    *t = (struct thread_records){0};
  }
  return rc;
}

static void drop_thread_records(ProfilerObject *p) {
  for (size_t i = 0; i < p->cap_threads; i++) {
    PyMem_Free(p->threads[i].data);
    p->threads[i] = (struct thread_records){0};
  }
}

/* ---- the own thread's stem, when every thread is sampled -----------------
 * A report of one thread starts where start() was called (the frames above
 * are trimmed), and the command's report loses the frames that run the
 * program. With several threads the tree's root is [root] and nothing is
 * trimmed, so the own thread's records lose those frames as they are
 * recorded: the start stack above the frame that called start() (the
 * command: that frame too, then the code it runs the program with and
 * runpy's frames). */

enum { STEM_AT = 0x1fff, STEM_RUNNER = 0x2000, STEM_RUNPY = 0x4000 };

/* The identifier part of a frame-info string: its length. */
static size_t ident_len(const char *text, size_t len) {
  const char *attr = memchr(text, '\x01', len);
  return attr ? (size_t)(attr - text) : len;
}

/* What the frame-info string 'text' is in the stem. */
static uint16_t stem_of(ProfilerObject *p, const char *text, size_t len) {
  const uint32_t *start;
  size_t n = pyi_session_start_call_stack(p->session, &start);
  size_t il = ident_len(text, len);
  uint16_t kind = 0;
  for (size_t k = 1; k < n && k <= STEM_AT && !kind; k++) {
    size_t sl;
    const char *s = pyi_session_frame_info(p->session, start[k], &sl);
    if (s && ident_len(s, sl) == il && memcmp(s, text, il) == 0)
      kind = (uint16_t)k;
  }
  static const char runner[] = "<module>\0<string>\0";
  if (p->stem == CAPTURE_STEM_RUNNER && il > sizeof runner - 1 &&
      memcmp(text, runner, sizeof runner - 1) == 0)
    kind |= STEM_RUNNER;
  const char *file = memchr(text, '\0', il);
  size_t fl = file ? il - (size_t)(++file - text) : 0;
  const char *end = file ? memchr(file, '\0', fl) : NULL;
  fl = end ? (size_t)(end - file) : fl;
  if ((fl == 14 && memcmp(file, "<frozen runpy>", 14) == 0) ||
      (fl >= 8 && memcmp(file + fl - 8, "runpy.py", 8) == 0))
    kind |= STEM_RUNPY;
  return kind;
}

/* How many frames after the root the own thread's record 'sids' (sampler
 * ids, root first) loses; 'depth' when it lies within the stem (a sample
 * of the command's own frames, after the program), which it loses
 * whole. */
static size_t stem_length(const ProfilerObject *p, const uint32_t *sids,
                          size_t depth) {
  const uint32_t *start;
  size_t n = pyi_session_start_call_stack(p->session, &start);
  size_t i = 1;
  while (i < depth && i < n && (p->stems[sids[i]] & STEM_AT) == i)
    i++;
  if (i < n || n < 2)
    return 0; /* not below the whole start stack */
  if (p->stem == CAPTURE_STEM_API)
    return i - 2; /* the frame that called start() stays */
  if (i < depth && p->stems[sids[i]] & STEM_RUNNER)
    for (i++; i < depth && p->stems[sids[i]] & STEM_RUNPY; i++)
      ;
  return i < depth ? i - 1 : depth;
}

/* The sampler's callback (capture_record_fn): one sample, root first. */
static int profiler_record(PyObject *obj, const capture_frames *F,
                           uint32_t thread, const uint32_t *ids, size_t depth,
                           double dt) {
  ProfilerObject *p = (ProfilerObject *)obj;
  if (capture_grow((void **)&p->ids, &p->cap_ids, depth, sizeof *p->ids))
    return -1;
  for (size_t i = 0; i < depth; i++) {
    uint32_t sid = ids[i];
    if ((sid >= p->cap_idmap &&
         capture_grow((void **)&p->idmap, &p->cap_idmap, sid + 1,
                      sizeof *p->idmap)) ||
        (p->all_threads && sid >= p->cap_stems &&
         capture_grow((void **)&p->stems, &p->cap_stems, sid + 1,
                      sizeof *p->stems)))
      return -1;
    if (!p->idmap[sid]) { /* first sight in this session */
      size_t len;
      const char *text = capture_frames_text(F, sid, &len);
      p->idmap[sid] = pyi_session_intern_frame(p->session, text, len);
      if (p->all_threads)
        p->stems[sid] = stem_of(p, text, len);
    }
    p->ids[i] = p->idmap[sid];
  }
  if (thread)
    return keep_thread_record(p, thread, p->ids, depth, dt);
  size_t cut = p->all_threads ? stem_length(p, ids, depth) : 0;
  if (cut == depth)
    return 0;
  if (cut) { /* the root, then what follows the stem */
    p->ids[cut] = p->ids[0];
    return add_record(p, p->ids + cut, depth - cut, dt);
  }
  return add_record(p, p->ids, depth, dt);
}

/* ==== start and stop ===================================================== */

static int set_utf8(pyi_session *s, PyObject *str,
                    void (*set)(pyi_session *, const char *, size_t)) {
  PyObject *b = PyUnicode_AsEncodedString(str, "utf-8", "surrogatepass");
  if (!b)
    return -1;
  set(s, PyBytes_AS_STRING(b), (size_t)PyBytes_GET_SIZE(b));
  Py_DECREF(b);
  return 0;
}

static int set_start_stack(pyi_session *s, PyFrameObject *caller) {
  PyObject *list = capture_call_stack(caller);
  if (!list)
    return -1;
  Py_ssize_t n = PyList_GET_SIZE(list);
  uint32_t *ids = PyMem_Malloc((size_t)(n ? n : 1) * sizeof *ids);
  int rc = ids ? 0 : -1;
  for (Py_ssize_t i = 0; i < n && rc == 0; i++) {
    PyObject *b = PyUnicode_AsEncodedString(PyList_GET_ITEM(list, i), "utf-8",
                                            "surrogatepass");
    if (!b) {
      rc = -1;
      break;
    }
    ids[i] = pyi_session_intern_frame(s, PyBytes_AS_STRING(b),
                                      (size_t)PyBytes_GET_SIZE(b));
    Py_DECREF(b);
  }
  pyi_error err = {0};
  if (rc == 0 && pyi_session_set_start_call_stack(s, ids, (size_t)n, &err)) {
    capture_set_error(PyExc_RuntimeError, &err);
    rc = -1;
  }
  if (!ids)
    PyErr_NoMemory();
  PyMem_Free(ids);
  Py_DECREF(list);
  return rc;
}

/* "Profile at <file>:<line>" of the caller (new reference). */
static PyObject *default_description(PyFrameObject *caller) {
  if (!caller)
    return PyUnicode_FromString("Profile at unknown location");
  PyCodeObject *code = PyFrame_GetCode(caller);
  PyObject *d = PyUnicode_FromFormat("Profile at %U:%d", code->co_filename,
                                     PyFrame_GetLineNumber(caller));
  Py_DECREF(code);
  return d;
}

int capture_profiler_start(ProfilerObject *p, PyFrameObject *caller,
                           PyObject *target_description) {
  if (p->running) {
    PyErr_SetString(PyExc_ValueError, "Profiler is already running.");
    return -1;
  }
  double start_time = capture_walltime();
  PyObject *desc = target_description && target_description != Py_None
                       ? Py_NewRef(target_description)
                       : default_description(caller);
  pyi_session *s = pyi_session_new();
  if (!desc || !PyUnicode_Check(desc)) {
    if (desc)
      PyErr_SetString(PyExc_TypeError, "target_description must be a str");
    goto error;
  }
  if (set_utf8(s, desc, pyi_session_set_target_description) ||
      set_start_stack(s, caller))
    goto error;
  if (p->idmap)
    memset(p->idmap, 0, p->cap_idmap * sizeof *p->idmap);
  PyMem_Free(p->stems); /* made again for this session's start stack */
  p->stems = NULL;
  p->cap_stems = 0;
  p->session = s;
  drop_thread_records(p);
  if (capture_subscribe((PyObject *)p, profiler_record, p->interval,
                        p->async_mode, p->use_timing_thread, p->sampler,
                        p->all_threads)) {
    p->session = NULL;
    goto error;
  }
  p->start_time = start_time;
  p->start_cpu = capture_process_time();
  p->running = true;
  Py_DECREF(desc);
  return 0;
error:
  Py_XDECREF(desc);
  pyi_session_free(s);
  return -1;
}

static int add_strings(pyi_session *s, PyObject *list,
                       void (*add)(pyi_session *, const char *)) {
  Py_ssize_t n = PyList_Check(list) ? PyList_GET_SIZE(list) : 0;
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *str = PyObject_Str(PyList_GET_ITEM(list, i));
    PyObject *b = str ? PyUnicode_AsEncodedString(str, "utf-8", "surrogatepass")
                      : NULL;
    Py_XDECREF(str);
    if (!b)
      return -1;
    add(s, PyBytes_AS_STRING(b));
    Py_DECREF(b);
  }
  return 0;
}

int capture_add_sys_info(pyi_session *s) {
  static const char *const names[] = {"prefix", "base_prefix", "exec_prefix",
                                      "base_exec_prefix"};
  PyObject *prefixes = PyList_New(0);
  if (!prefixes)
    return -1;
  for (int i = 0; i < 4; i++) {
    PyObject *v = PySys_GetObject(names[i]); /* borrowed */
    if (v && PyList_Append(prefixes, v)) {
      Py_DECREF(prefixes);
      return -1;
    }
  }
  PyObject *path = PySys_GetObject("path");
  int rc = path ? add_strings(s, path, pyi_session_add_sys_path) : 0;
  if (rc == 0)
    rc = add_strings(s, prefixes, pyi_session_add_sys_prefix);
  Py_DECREF(prefixes);
  return rc;
}

PyObject *capture_profiler_stop(ProfilerObject *p) {
  if (!p->running) {
    PyErr_SetString(PyExc_RuntimeError,
                    "This profiler is not currently running.");
    return NULL;
  }
  if (capture_unsubscribe((PyObject *)p))
    return NULL;
  double cpu = capture_process_time() - p->start_cpu;
  double end = capture_walltime();
  int rc = add_thread_records(p);
  pyi_session *s = p->session;
  p->session = NULL;
  p->running = false;
  if (rc) {
    pyi_session_free(s);
    return NULL;
  }
  pyi_session_set_times(s, p->start_time, end - p->start_time, cpu);
  pyi_session_set_intervals(s, p->interval, p->interval);
  pyi_session_set_sample_count(s, (double)pyi_session_record_count(s));
  if (capture_add_sys_info(s)) {
    pyi_session_free(s);
    return NULL;
  }
  if (p->last_session) { /* a restarted profiler accumulates */
    pyi_session *prev = capture_session_get(p->last_session);
    pyi_session *both = prev ? pyi_session_combine(prev, s) : NULL;
    pyi_session_free(s);
    if (!both)
      return NULL;
    s = both;
  }
  PyObject *session = capture_session_wrap(s);
  if (!session)
    return NULL;
  Py_XSETREF(p->last_session, session);
  return Py_NewRef(session);
}

pyi_session *capture_profiler_peek(ProfilerObject *p) {
  if (!p->running)
    return NULL;
  pyi_session *s = p->session;
  pyi_session_set_times(s, p->start_time, capture_walltime() - p->start_time,
                        capture_process_time() - p->start_cpu);
  pyi_session_set_intervals(s, p->interval, p->interval);
  pyi_session_set_sample_count(s, (double)pyi_session_record_count(s));
  return s;
}

PyObject *capture_profiler_new(double interval, int async_mode,
                               int use_timing_thread, int sampler) {
  ProfilerObject *p = PyObject_GC_New(ProfilerObject, &Profiler_Type);
  if (!p)
    return NULL;
  memset((char *)p + sizeof(PyObject), 0, sizeof *p - sizeof(PyObject));
  p->interval = interval;
  p->async_mode = async_mode;
  p->use_timing_thread = use_timing_thread;
  p->sampler = sampler;
  PyObject_GC_Track(p);
  return (PyObject *)p;
}

/* ==== the type =========================================================== */

static PyObject *Profiler_New(PyTypeObject *type, PyObject *args,
                              PyObject *kwds) {
  static char *kwlist[] = {"interval", "async_mode", "use_timing_thread",
                           "sampler", "all_threads", NULL};
  double interval = 0.001;
  PyObject *mode = NULL, *timing = Py_None, *sampler_name = NULL;
  int async_mode = CAPTURE_ASYNC_ENABLED, sampler = CAPTURE_SAMPLER_TIMER;
  int all_threads = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|dOO$Op:Profiler", kwlist,
                                   &interval, &mode, &timing, &sampler_name,
                                   &all_threads))
    return NULL;
  if (mode && parse_async_mode(mode, &async_mode))
    return NULL;
  if (sampler_name && (sampler = capture_parse_sampler(sampler_name)) < 0)
    return NULL;
  int t = timing == Py_None ? -1 : PyObject_IsTrue(timing);
  if (t == -1 && PyErr_Occurred())
    return NULL;
  ProfilerObject *p = (ProfilerObject *)type->tp_alloc(type, 0);
  if (p) {
    p->interval = interval;
    p->async_mode = async_mode;
    p->use_timing_thread = t;
    p->sampler = sampler;
    p->all_threads = all_threads;
  }
  return (PyObject *)p;
}

void capture_profiler_set_all_threads(ProfilerObject *p, bool all_threads,
                                      int stem) {
  p->all_threads = all_threads;
  p->stem = stem;
}

static int Profiler_Traverse(ProfilerObject *p, visitproc visit, void *arg) {
  Py_VISIT(p->last_session);
  return 0;
}

static int Profiler_Clear(ProfilerObject *p) {
  Py_CLEAR(p->last_session);
  return 0;
}

static void Profiler_Dealloc(ProfilerObject *p) {
  /* a running profiler is referenced by its sampler, so it is stopped here */
  PyObject_GC_UnTrack(p);
  Profiler_Clear(p);
  pyi_session_free(p->session);
  PyMem_Free(p->idmap);
  PyMem_Free(p->ids);
  drop_thread_records(p);
  PyMem_Free(p->threads);
  PyMem_Free(p->stems);
  Py_TYPE(p)->tp_free((PyObject *)p);
}

/* start(caller_frame=None, target_description=None) */
static PyObject *Profiler_Start(ProfilerObject *p, PyObject *args,
                                PyObject *kwds) {
  static char *kwlist[] = {"caller_frame", "target_description", NULL};
  PyObject *frame = Py_None, *desc = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OO:start", kwlist, &frame,
                                   &desc))
    return NULL;
  if (frame != Py_None && !PyFrame_Check(frame)) {
    PyErr_SetString(PyExc_TypeError, "caller_frame must be a frame");
    return NULL;
  }
  PyFrameObject *caller =
      frame == Py_None ? PyEval_GetFrame() : (PyFrameObject *)frame;
  if (capture_profiler_start(p, caller, desc))
    return NULL;
  Py_RETURN_NONE;
}

static PyObject *Profiler_Stop(ProfilerObject *p, PyObject *unused) {
  return capture_profiler_stop(p);
}

static PyObject *Profiler_Reset(ProfilerObject *p, PyObject *unused) {
  if (p->running) {
    PyObject *s = capture_profiler_stop(p);
    if (!s)
      return NULL;
    Py_DECREF(s);
  }
  Py_CLEAR(p->last_session);
  Py_RETURN_NONE;
}

static PyObject *Profiler_Enter(ProfilerObject *p, PyObject *unused) {
  if (capture_profiler_start(p, PyEval_GetFrame(), NULL))
    return NULL;
  return Py_NewRef(p);
}

static PyObject *Profiler_Exit(ProfilerObject *p, PyObject *args) {
  PyObject *s = capture_profiler_stop(p);
  if (!s)
    return NULL;
  Py_DECREF(s);
  Py_RETURN_NONE;
}

/* ---- output ------------------------------------------------------------ */

/* renderer.render(last_session), with pyinstrument's two complaints. */
static PyObject *Profiler_Output(ProfilerObject *p, PyObject *renderer) {
  if (p->running) {
    PyErr_SetString(PyExc_Exception, "can't render profile output because "
                                     "this profiler is still running");
    return NULL;
  }
  if (!p->last_session) {
    PyErr_SetString(PyExc_Exception,
                    "can't render profile output because this profiler has "
                    "not completed a profile session yet");
    return NULL;
  }
  return capture_render(renderer, p->last_session);
}

static PyObject *Profiler_OutputKw(ProfilerObject *p, PyObject *args,
                                   PyObject *kwds) {
  static char *kwlist[] = {"renderer", NULL};
  PyObject *renderer;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:output", kwlist, &renderer))
    return NULL;
  return Profiler_Output(p, renderer);
}

static PyObject *render_with(ProfilerObject *p, const char *name,
                             PyObject *kwargs) {
  PyObject *r = capture_renderer_new(name, kwargs);
  if (!r)
    return NULL;
  PyObject *out = Profiler_Output(p, r);
  Py_DECREF(r);
  return out;
}

static const char *const text_keys[] = {
    "unicode", "color", "show_all", "timeline", "time", "flat", "flat_time",
    "short_mode", "processor_options", NULL};

/* Copies the text renderer's options out of 'kwds' (dropping None
 * processor_options), refusing anything else. New dict. */
static PyObject *text_kwargs(PyObject *kwds, const char *method) {
  PyObject *out = PyDict_New();
  PyObject *key, *value;
  Py_ssize_t pos = 0;
  while (out && kwds && PyDict_Next(kwds, &pos, &key, &value)) {
    const char *k = PyUnicode_AsUTF8(key);
    bool ok = false;
    for (int i = 0; k && text_keys[i] && !ok; i++)
      ok = strcmp(k, text_keys[i]) == 0;
    if (!ok) {
      if (k)
        PyErr_Format(PyExc_TypeError,
                     "%s() got an unexpected keyword argument '%s'", method, k);
      Py_CLEAR(out);
    } else if (!(strcmp(k, "processor_options") == 0 && value == Py_None) &&
               PyDict_SetItem(out, key, value)) {
      Py_CLEAR(out);
    }
  }
  return out;
}

static PyObject *Profiler_OutputText(ProfilerObject *p, PyObject *args,
                                     PyObject *kwds) {
  /* positional arguments come in pyinstrument's order: text_keys */
  Py_ssize_t n = PyTuple_GET_SIZE(args);
  if (n > (Py_ssize_t)(sizeof text_keys / sizeof *text_keys) - 1) {
    PyErr_Format(PyExc_TypeError,
                 "output_text($self, /, ) takes at most 9 arguments (%zd given)", n);
    return NULL;
  }
  PyObject *all = kwds ? PyDict_Copy(kwds) : PyDict_New();
  for (Py_ssize_t i = 0; all && i < n; i++) {
    int clash = PyDict_GetItemString(all, text_keys[i]) != NULL;
    if (clash)
      PyErr_Format(PyExc_TypeError,
                   "output_text() got multiple values for argument '%s'",
                   text_keys[i]);
    if (clash ||
        PyDict_SetItemString(all, text_keys[i], PyTuple_GET_ITEM(args, i)))
      Py_CLEAR(all);
  }
  PyObject *kw = all ? text_kwargs(all, "output_text") : NULL;
  PyObject *out = kw ? render_with(p, "text", kw) : NULL;
  Py_XDECREF(all);
  Py_XDECREF(kw);
  return out;
}

/* Whether a stream supports Unicode (its encoding is a UTF) and colour (it
 * is a terminal), as pyinstrument decides for print(). */
static int stream_caps(PyObject *file, bool *unicode, bool *color) {
  PyObject *enc = PyObject_GetAttr(file, capture_str.encoding);
  *unicode = false;
  if (enc && PyUnicode_Check(enc)) {
    PyObject *codecs = PyImport_ImportModule("codecs");
    PyObject *info = codecs ? PyObject_CallMethod(codecs, "lookup", "O", enc)
                            : NULL;
    PyObject *name = info ? PyObject_GetAttrString(info, "name") : NULL;
    const char *n = name && PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : NULL;
    *unicode = n && strstr(n, "utf");
    Py_XDECREF(codecs);
    Py_XDECREF(info);
    Py_XDECREF(name);
  }
  Py_XDECREF(enc);
  PyErr_Clear();
  PyObject *tty = PyObject_CallMethodNoArgs(file, capture_str.isatty);
  *color = tty && PyObject_IsTrue(tty) == 1;
  Py_XDECREF(tty);
  PyErr_Clear();
  return 0;
}

int capture_stream_caps(PyObject *file, bool *unicode, bool *color) {
  return stream_caps(file, unicode, color);
}

/* print(file=sys.stdout, *, unicode=None, color=None, ...) */
static PyObject *Profiler_Print(ProfilerObject *p, PyObject *args,
                                PyObject *kwds) {
  PyObject *file = NULL;
  if (PyTuple_GET_SIZE(args) > 1) {
    PyErr_SetString(PyExc_TypeError, "print() takes at most 1 positional "
                                     "argument");
    return NULL;
  }
  if (PyTuple_GET_SIZE(args) == 1)
    file = PyTuple_GET_ITEM(args, 0);
  PyObject *kw = PyDict_New(), *out = NULL, *text = NULL;
  if (!kw || (kwds && PyDict_Update(kw, kwds)))
    goto done;
  if (!file && (file = PyDict_GetItemString(kw, "file")) &&
      PyDict_DelItemString(kw, "file"))
    goto done;
  if (!file || file == Py_None)
    file = PySys_GetObject("stdout");
  if (!file) {
    PyErr_SetString(PyExc_RuntimeError, "lost sys.stdout");
    goto done;
  }
  Py_INCREF(file);
  bool uni, col;
  stream_caps(file, &uni, &col);
  static const char *const autos[] = {"unicode", "color"};
  bool values[] = {uni, col};
  for (int i = 0; i < 2; i++) {
    PyObject *v = PyDict_GetItemString(kw, autos[i]);
    if ((!v || v == Py_None) &&
        PyDict_SetItemString(kw, autos[i], values[i] ? Py_True : Py_False))
      goto done_file;
  }
  PyObject *tk = text_kwargs(kw, "print");
  if (tk && (text = render_with(p, "text", tk))) {
    PyObject *nl = PyUnicode_FromFormat("%U\n", text);
    if (nl && capture_write(file, nl) == 0)
      out = Py_NewRef(Py_None);
    Py_XDECREF(nl);
  }
  Py_XDECREF(tk);
done_file:
  Py_DECREF(file);
done:
  Py_XDECREF(kw);
  Py_XDECREF(text);
  return out;
}

static PyObject *html_kwargs(PyObject *resample) {
  if (!resample || resample == Py_None)
    return PyDict_New();
  return Py_BuildValue("{sO}", "resample_interval", resample);
}

static PyObject *Profiler_OutputHtml(ProfilerObject *p, PyObject *args,
                                     PyObject *kwds) {
  static char *kwlist[] = {"resample_interval", NULL};
  PyObject *resample = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:output_html", kwlist,
                                   &resample))
    return NULL;
  PyObject *kw = html_kwargs(resample);
  PyObject *out = kw ? render_with(p, "html", kw) : NULL;
  Py_XDECREF(kw);
  return out;
}

static int deprecated_flags(PyObject *timeline, PyObject *show_all) {
  if ((timeline && PyObject_IsTrue(timeline) == 1) ||
      (show_all && PyObject_IsTrue(show_all) == 1))
    return PyErr_WarnEx(PyExc_DeprecationWarning,
                        "timeline and show_all have no effect on the HTML "
                        "report; use its controls instead",
                        1);
  return 0;
}

/* Writes 'html' (str) to 'path' as UTF-8. */
static int write_text_file(PyObject *path, PyObject *html) {
  PyObject *io = PyImport_ImportModule("io");
  PyObject *open = io ? PyObject_GetAttrString(io, "open") : NULL;
  PyObject *args = Py_BuildValue("(Os)", path, "w");
  PyObject *kw = Py_BuildValue("{ss}", "encoding", "utf-8");
  PyObject *f = open && args && kw ? PyObject_Call(open, args, kw) : NULL;
  int rc = -1;
  Py_XDECREF(open);
  Py_XDECREF(args);
  Py_XDECREF(kw);
  if (f) {
    PyObject *r = PyObject_CallMethodOneArg(f, capture_str.write, html);
    PyObject *c = PyObject_CallMethod(f, "close", NULL);
    rc = r && c ? 0 : -1;
    Py_XDECREF(r);
    Py_XDECREF(c);
    Py_DECREF(f);
  }
  Py_XDECREF(io);
  return rc;
}

static PyObject *Profiler_WriteHtml(ProfilerObject *p, PyObject *args,
                                    PyObject *kwds) {
  static char *kwlist[] = {"path", "timeline", "show_all", "resample_interval",
                           NULL};
  PyObject *path, *timeline = NULL, *show_all = NULL, *resample = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|OOO:write_html", kwlist,
                                   &path, &timeline, &show_all, &resample) ||
      deprecated_flags(timeline, show_all))
    return NULL;
  PyObject *kw = html_kwargs(resample);
  PyObject *html = kw ? render_with(p, "html", kw) : NULL;
  Py_XDECREF(kw);
  if (!html)
    return NULL;
  int rc = write_text_file(path, html);
  Py_DECREF(html);
  if (rc)
    return NULL;
  Py_RETURN_NONE;
}

static PyObject *Profiler_OpenInBrowser(ProfilerObject *p, PyObject *args,
                                        PyObject *kwds) {
  static char *kwlist[] = {"timeline", "resample_interval", NULL};
  PyObject *timeline = NULL, *resample = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OO:open_in_browser", kwlist,
                                   &timeline, &resample) ||
      deprecated_flags(timeline, NULL))
    return NULL;
  PyObject *kw = html_kwargs(resample);
  PyObject *html = kw ? render_with(p, "html", kw) : NULL;
  Py_XDECREF(kw);
  if (!html)
    return NULL;
  PyObject *tempfile = NULL, *tmp = NULL, *name = NULL, *wb = NULL,
           *url = NULL, *r = NULL;
  if ((tempfile = PyImport_ImportModule("tempfile")) &&
      (tmp = PyObject_CallMethod(tempfile, "mkstemp", "s", ".html")) &&
      (name = Py_NewRef(PyTuple_GetItem(tmp, 1))) &&
      write_text_file(name, html) == 0 &&
      (wb = PyImport_ImportModule("webbrowser")) &&
      (url = PyUnicode_FromFormat("file://%U", name)))
    r = PyObject_CallMethod(wb, "open", "O", url);
  if (tmp) { /* mkstemp's descriptor */
    PyObject *os = PyImport_ImportModule("os");
    PyObject *c = os ? PyObject_CallMethod(os, "close", "O",
                                           PyTuple_GetItem(tmp, 0))
                     : NULL;
    Py_XDECREF(os);
    Py_XDECREF(c);
  }
  Py_DECREF(html);
  Py_XDECREF(tempfile);
  Py_XDECREF(tmp);
  Py_XDECREF(wb);
  Py_XDECREF(url);
  if (!r) {
    Py_XDECREF(name);
    return NULL;
  }
  Py_DECREF(r);
  return name;
}

static PyObject *Profiler_GetInterval(ProfilerObject *p, void *unused) {
  return PyFloat_FromDouble(p->interval);
}

static PyObject *Profiler_GetAsyncMode(ProfilerObject *p, void *unused) {
  return PyUnicode_FromString(async_names[p->async_mode]);
}

static PyObject *Profiler_GetSampler(ProfilerObject *p, void *unused) {
  return PyUnicode_FromString(capture_sampler_names[p->sampler]);
}

static PyObject *Profiler_GetAllThreads(ProfilerObject *p, void *unused) {
  return PyBool_FromLong(p->all_threads);
}

static PyObject *Profiler_GetLastSession(ProfilerObject *p, void *unused) {
  return Py_NewRef(p->last_session ? p->last_session : Py_None);
}

static PyObject *Profiler_GetIsRunning(ProfilerObject *p, void *unused) {
  return PyBool_FromLong(p->running);
}

static PyGetSetDef Profiler_GetSet[] = {
    {"interval", (getter)Profiler_GetInterval, NULL,
     "Seconds between samples.", NULL},
    {"async_mode", (getter)Profiler_GetAsyncMode, NULL,
     "'enabled', 'disabled' or 'strict'.", NULL},
    {"sampler", (getter)Profiler_GetSampler, NULL,
     "'timer' (no profile hook; the default) or 'hook' (pyinstrument's "
     "profile hook).",
     NULL},
    {"all_threads", (getter)Profiler_GetAllThreads, NULL,
     "Whether every thread is sampled, each under a root frame naming it, "
     "or only the thread that starts the profiler.",
     NULL},
    {"last_session", (getter)Profiler_GetLastSession, NULL,
     "The session of the last stop() (runs accumulate), or None.", NULL},
    {"is_running", (getter)Profiler_GetIsRunning, NULL,
     "Whether the profiler is sampling.", NULL},
    {NULL},
};

static PyMethodDef Profiler_Methods[] = {
    {"start", (PyCFunction)(void (*)(void))Profiler_Start,
     METH_VARARGS | METH_KEYWORDS,
     "start($self, /, caller_frame=None, target_description=None)\n--\n\n"
     "Starts sampling the calling thread."},
    {"stop", (PyCFunction)Profiler_Stop, METH_NOARGS,
     "stop($self, /)\n--\n\nStops sampling and returns the session (combined with earlier runs)."},
    {"reset", (PyCFunction)Profiler_Reset, METH_NOARGS,
     "reset($self, /)\n--\n\nStops if running and forgets the recorded session."},
    {"__enter__", (PyCFunction)Profiler_Enter, METH_NOARGS,
     "__enter__($self, /)\n--\n\nStarts profiling the with block."},
    {"__exit__", (PyCFunction)Profiler_Exit, METH_VARARGS,
     "__exit__($self, exc_type, exc_value, traceback, /)\n--\n\n"
     "Stops profiling."},
    {"print", (PyCFunction)(void (*)(void))Profiler_Print,
     METH_VARARGS | METH_KEYWORDS,
     "print($self, /, file=None, *, unicode=None, color=None, show_all=False, "
     "timeline=False, time='seconds', flat=False, flat_time='self', "
     "short_mode=False, processor_options=None)\n--\n\n"
     "Prints the text report (Unicode and colour as the stream supports)."},
    {"output_text", (PyCFunction)(void (*)(void))Profiler_OutputText,
     METH_VARARGS | METH_KEYWORDS,
     "output_text(unicode=False, color=False, show_all=False, timeline=False, "
     "time='seconds', flat=False, flat_time='self', short_mode=False, "
     "processor_options=None)\n--\n\nReturns the text report."},
    {"output_html", (PyCFunction)(void (*)(void))Profiler_OutputHtml,
     METH_VARARGS | METH_KEYWORDS,
     "output_html($self, /, resample_interval=None)\n--\n\nReturns the HTML report."},
    {"write_html", (PyCFunction)(void (*)(void))Profiler_WriteHtml,
     METH_VARARGS | METH_KEYWORDS,
     "write_html($self, /, path, timeline=False, show_all=False, resample_interval=None)"
     "\n--\n\nWrites the HTML report to a file."},
    {"open_in_browser", (PyCFunction)(void (*)(void))Profiler_OpenInBrowser,
     METH_VARARGS | METH_KEYWORDS,
     "open_in_browser($self, /, timeline=False, resample_interval=None)\n--\n\n"
     "Writes the HTML report to a temporary file, opens it in the web "
     "browser and returns the file name."},
    {"output", (PyCFunction)(void (*)(void))Profiler_OutputKw,
     METH_VARARGS | METH_KEYWORDS,
     "output($self, /, renderer)\n--\n\nReturns "
     "renderer.render(last_session)."},
    {NULL},
};

PyTypeObject Profiler_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "pyinstrument.Profiler",
    .tp_basicsize = sizeof(ProfilerObject),
    .tp_dealloc = (destructor)Profiler_Dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Profiler(interval=0.001, async_mode='enabled', "
              "use_timing_thread=None, *, sampler='timer', "
              "all_threads=False)\n--\n\n"
              "A statistical profiler of the thread that starts it, or of "
              "every thread.",
    .tp_traverse = (traverseproc)Profiler_Traverse,
    .tp_clear = (inquiry)Profiler_Clear,
    .tp_methods = Profiler_Methods,
    .tp_getset = Profiler_GetSet,
    .tp_new = Profiler_New,
};
