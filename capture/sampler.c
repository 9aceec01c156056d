/* sampler.c - the per-thread sampler: pyinstrument's profile hook, or
 * samples requested by a timer (timer.c).
 *
 * One Sampler per thread, kept in the thread's state dict while profilers
 * are subscribed to it. Its hook runs on every profile event of that
 * thread; when 'interval' has passed since the last sample it records the
 * whole stack as frame ids (frames.c) and hands it, with the wall-clock
 * time since the previous sample, to every subscribed Profiler. Async
 * contexts are followed through a ContextVar as in capture.md §6 (by the
 * hook here, by the timer sampler in awaits.c).
 */
#include "sampler.h"

#include <math.h>
#include <string.h>

/* ==== the Sampler type =================================================== */

static void sub_clear(capture_sub *sub) {
  PyMem_Free(sub->info);
  PyMem_Free(sub->seen);
  PyMem_Free(sub->seen_keys);
  PyMem_Free(sub->first.below);
  Py_XDECREF(sub->last.task);
  Py_XDECREF(sub->first.task);
}

static void Sampler_Dealloc(SamplerObject *s) {
  for (size_t i = 0; i < s->n_subs; i++) {
    sub_clear(&s->subs[i]);
    Py_DECREF(s->subs[i].profiler);
  }
  PyMem_Free(s->subs);
  PyMem_Free(s->awaits);
  PyMem_Free(s->stack);
  PyMem_Free(s->alt);
  PyMem_Free(s->keys);
  PyMem_Free(s->threads);
  PyMem_Free(s->blocked);
  capture_frames_free(s->frames);
  Py_XDECREF(s->last_value);
  Py_XDECREF(s->retired);
  Py_XDECREF(s->timer_func);
  Py_TYPE(s)->tp_free((PyObject *)s);
}

static PyTypeObject Sampler_Type; /* its view is at the end */

static void reverse(uint32_t *a, size_t n) {
  for (size_t i = 0, j = n; i + 1 < j; i++, j--) {
    uint32_t t = a[i];
    a[i] = a[j - 1];
    a[j - 1] = t;
  }
}

/* ==== samples ============================================================ */

Py_ssize_t capture_build_stack(SamplerObject *s, PyFrameObject *frame,
                               int what, PyObject *arg, uint32_t leaf) {
  size_t n = 0;
  if (((what == PyTrace_C_RETURN || what == PyTrace_C_EXCEPTION) && arg) ||
      leaf) {
    uint32_t id = leaf ? leaf : capture_frames_cfunc(s->frames, arg);
    if (!id || capture_grow((void **)&s->stack, &s->cap_stack, 1,
                                sizeof *s->stack))
      return -1;
    s->stack[n++] = id;
  }
  /* at a call the new function has not run yet: its caller gets the time */
  Py_ssize_t depth =
      frame ? capture_frames_walk(s->frames, frame, what == PyTrace_CALL,
                                  s->root, &s->stack, &s->cap_stack, n)
            : capture_frames_walk_running(s->frames, leaf != 0, s->root,
                                          &s->stack, &s->cap_stack, n);
  if (depth >= 0)
    reverse(s->stack, (size_t)depth);
  return depth;
}


/* Hands the sample in s->stack ('depth' ids, root first) to every
 * subscriber, then reads the other threads if some subscriber wants them. */
static int deliver(SamplerObject *s, size_t depth, double now) {
  double dt = now - s->last_sample;
  s->last_sample = now;
  for (size_t i = 0; i < s->n_subs; i++) {
    capture_sub *sub = &s->subs[i];
    const uint32_t *ids = s->stack;
    size_t n = depth;
    uint32_t extra = 0;
    if (sub->state == SUB_AWAITED && sub->async_mode != CAPTURE_ASYNC_DISABLED)
      extra = s->id_await;
    else if (sub->state == SUB_UNKNOWN &&
             sub->async_mode == CAPTURE_ASYNC_STRICT)
      extra = s->id_ooc;
    if (extra) { /* the stack where the context was left, marked */
      if (capture_grow((void **)&s->alt, &s->cap_alt, sub->n_info + 1,
                       sizeof *s->alt))
        return -1;
      memcpy(s->alt, sub->info, sub->n_info * sizeof *s->alt);
      s->alt[sub->n_info] = extra;
      ids = s->alt;
      n = sub->n_info + 1;
    }
    if (sub->record(sub->profiler, s->frames, 0, ids, n, dt))
      return -1;
  }
  return s->all_threads ? capture_sample_threads(s, now) : 0;
}

int capture_take_sample(SamplerObject *s, PyFrameObject *frame, int what,
                        PyObject *arg, uint32_t leaf, double now) {
  Py_ssize_t depth = capture_build_stack(s, frame, what, arg, leaf);
  if (depth < 0 ||
      (!frame && s->track_async &&
       capture_timer_follow_async(s, (size_t)depth)))
    return -1;
  return deliver(s, (size_t)depth, now);
}

int capture_take_sample_of(SamplerObject *s, const uint32_t *ids, size_t n,
                           double now) {
  if (capture_grow((void **)&s->stack, &s->cap_stack, n, sizeof *s->stack))
    return -1;
  for (size_t i = 0; i < n; i++) /* root first */
    s->stack[i] = ids[n - 1 - i];
  return deliver(s, n, now);
}

/* The context variable changed from 'old' to 'value' at this hook event
 * (the timer sampler follows contexts in timer_follow_async). */
static int context_changed(SamplerObject *s, PyFrameObject *frame, int what,
                           PyObject *value, PyObject *old) {
  for (size_t i = 0; i < s->n_subs; i++) {
    capture_sub *sub = &s->subs[i];
    if (old == sub->profiler) { /* leaving its context */
      bool skip = what == PyTrace_CALL && capture_frames_has_back(frame);
      Py_ssize_t n = capture_frames_walk(s->frames, frame, skip, s->root,
                                         &sub->info, &sub->cap_info, 0);
      if (n < 0 ||
          capture_grow((void **)&sub->info, &sub->cap_info,
                       (size_t)n + s->n_awaits, sizeof *sub->info))
        return -1;
      reverse(sub->info, (size_t)n);
      for (size_t k = s->n_awaits; k > 0; k--) /* outermost coroutine first */
        sub->info[n++] = s->awaits[k - 1];
      sub->n_info = (size_t)n;
      sub->state = s->n_awaits ? SUB_AWAITED : SUB_UNKNOWN;
    } else if (value == sub->profiler) {
      sub->state = SUB_IN_CONTEXT;
    }
  }
  return 0;
}

static int follow_async(SamplerObject *s, PyFrameObject *frame, int what) {
  PyObject *value;
  if (PyContextVar_Get(capture_str.context_var, NULL, &value) < 0)
    return -1;
  if (value != s->last_value) {
    PyObject *old = s->last_value;
    s->last_value = value; /* takes the reference */
    int rc = context_changed(s, frame, what, value, old);
    Py_XDECREF(old);
    if (rc)
      return -1;
  } else {
    Py_XDECREF(value);
  }
  /* a coroutine suspending at an await 'returns': collect the chain */
  if (what == PyTrace_RETURN) {
    PyCodeObject *code = PyFrame_GetCode(frame);
    bool coro = code->co_flags & CO_COROUTINE;
    Py_DECREF(code);
    if (coro) {
      uint32_t id = capture_frames_python(s->frames, frame);
      if (!id || capture_grow((void **)&s->awaits, &s->cap_awaits,
                                s->n_awaits + 1, sizeof *s->awaits))
        return -1;
      s->awaits[s->n_awaits++] = id;
      return 0;
    }
  }
  s->n_awaits = 0;
  return 0;
}

/* The time by the sampler's clock: timer_func when set (a fake clock,
 * which dates the samples too), else CLOCK_MONOTONIC. -1 with an
 * exception set when timer_func fails. */
static double sampler_now(SamplerObject *s) {
  if (!s->timer_func)
    return capture_monotonic();
  PyObject *r = PyObject_CallNoArgs(s->timer_func);
  double now = r ? PyFloat_AsDouble(r) : -1;
  Py_XDECREF(r);
  if (now == -1 && PyErr_Occurred())
    return -1;
  return now;
}

/* The profile hook. The fast path reads a clock and compares. */
static int Sampler_Hook(PyObject *obj, PyFrameObject *frame, int what,
                        PyObject *arg) {
  SamplerObject *s = (SamplerObject *)obj;
  double now = s->timer_func ? sampler_now(s) : capture_clock_now(s->clock);
  if ((now == -1 && PyErr_Occurred()) ||
      (s->track_async && follow_async(s, frame, what)))
    goto error;
  if (now < s->last_invocation + s->interval)
    return 0;
  s->last_invocation = now;
  if (capture_take_sample(s, frame, what, arg, 0,
                          s->timer_func ? now : capture_monotonic()) == 0)
    return 0;
error:
  PyEval_SetProfile(NULL, NULL); /* a failing sampler switches itself off */
  return -1;
}

/* ==== subscriptions ====================================================== */

static PyObject *sampler_key(void) {
  static PyObject *key; /* interned once, never freed */
  if (!key)
    key = PyUnicode_InternFromString("pyinstrument._capture.sampler");
  return key;
}

/* The calling thread's sampler (borrowed), created if 'create'. It stays
 * in the thread's state dict for the life of the thread, as pyinstrument's
 * does; what it holds while sampling is released when the last profiler
 * leaves (sampler_release). */
static SamplerObject *thread_sampler(bool create) {
  PyObject *dict = PyThreadState_GetDict(), *key = sampler_key();
  if (!dict || !key) {
    if (!PyErr_Occurred())
      PyErr_SetString(PyExc_RuntimeError, "no thread state");
    return NULL;
  }
  PyObject *s = PyDict_GetItemWithError(dict, key);
  if (s || PyErr_Occurred() || !create)
    return (SamplerObject *)s;
  SamplerObject *n = PyObject_New(SamplerObject, &Sampler_Type);
  if (!n)
    return NULL;
  memset((char *)n + sizeof(PyObject), 0, sizeof *n - sizeof(PyObject));
  n->ident = PyThread_get_thread_ident();
  n->tstate = PyThreadState_Get();
  if (PyDict_SetItem(dict, key, (PyObject *)n)) {
    Py_DECREF(n);
    return NULL;
  }
  Py_DECREF(n); /* the dict holds it */
  return n;
}

/* The frame table of a sampling session, made at its first subscriber
 * (the thread's name is read then). 0 or -1 with an exception set. */
static int sampler_prepare(SamplerObject *s) {
  if (s->frames)
    return 0;
  if (!(s->frames = capture_frames_new()) ||
      !(s->root = capture_frames_thread_root(s->frames)) ||
      !(s->id_await = capture_frames_intern(s->frames, "[await]", 7)) ||
      !(s->id_ooc = capture_frames_intern(s->frames, "[out-of-context]", 16))) {
    capture_frames_free(s->frames);
    s->frames = NULL;
    return -1;
  }
  return 0;
}

/* Drops what the last session held: the frame table (with references to
 * code objects and classes) and the buffers. */
static void sampler_release(SamplerObject *s) {
  capture_frames_free(s->frames);
  s->frames = NULL;
  PyMem_Free(s->awaits);
  PyMem_Free(s->stack);
  PyMem_Free(s->alt);
  PyMem_Free(s->keys);
  s->awaits = s->stack = s->alt = NULL;
  s->keys = NULL;
  s->cap_awaits = s->cap_stack = s->cap_alt = s->cap_keys = 0;
  s->n_awaits = s->n_keys = 0;
  s->blocked_leaf = 0;
  PyMem_Free(s->blocked);
  s->blocked = NULL;
  s->n_blocked = s->cap_blocked = 0;
  Py_CLEAR(s->last_value);
  PyMem_Free(s->threads);
  s->threads = NULL;
  s->n_threads = s->cap_threads = 0;
  s->all_threads = false;
}

/* Removes the hook or the timer of 's'. */
static void sampler_uninstall(SamplerObject *s) {
  if (s->interval <= 0)
    return;
  if (s->mode == CAPTURE_SAMPLER_TIMER) {
    capture_timer_uninstall(s, s->interval);
  } else {
    PyEval_SetProfile(NULL, NULL);
    if (s->clock == CAPTURE_CLOCK_THREAD)
      capture_timing_unsubscribe(s->interval);
  }
  s->interval = 0;
}

static int sampler_install(SamplerObject *s, double interval, int clock,
                           int mode) {
  double now = 0;
  if (clock == CAPTURE_CLOCK_FUNC && (now = sampler_now(s)) == -1 &&
      PyErr_Occurred())
    return -1;
  if (mode == CAPTURE_SAMPLER_TIMER) {
    if (capture_timer_install(s, interval))
      return -1;
  } else if (clock == CAPTURE_CLOCK_THREAD &&
             capture_timing_subscribe(interval)) {
    return -1;
  }
  s->interval = interval;
  s->clock = clock;
  s->mode = mode;
  if (mode == CAPTURE_SAMPLER_TIMER)
    return 0;
  if (clock == CAPTURE_CLOCK_PRECISE && !s->warned) {
    s->warned = true;
    capture_clock_warn();
  }
  /* the first sample comes an interval later */
  s->last_invocation =
      clock == CAPTURE_CLOCK_FUNC ? now : capture_clock_now(clock);
  PyEval_SetProfile(Sampler_Hook, (PyObject *)s);
  return 0;
}

/* Re-derives the settings from the subscribers; (re)installs or removes
 * the hook as pyinstrument's StackSampler._update does. */
static int sampler_update(SamplerObject *s) {
  if (s->n_subs == 0) {
    sampler_uninstall(s);
    sampler_release(s);
    return 0;
  }
  double interval = INFINITY;
  int thread_pref = -1, mode = CAPTURE_SAMPLER_HOOK;
  bool track = false, all = false;
  for (size_t i = 0; i < s->n_subs; i++) {
    interval = fmin(interval, s->subs[i].interval);
    if (s->subs[i].timing_thread >= 0)
      thread_pref = s->subs[i].timing_thread;
    mode = s->subs[i].sampler; /* they agree */
    track |= s->subs[i].async_mode != CAPTURE_ASYNC_DISABLED;
    all |= s->subs[i].all_threads;
  }
  if (all && !s->all_threads) /* other threads' times count from here */
    capture_threads_reset(s, s->last_sample);
  s->all_threads = all;
  if (s->timer_func && thread_pref == 1) {
    PyErr_SetString(PyExc_ValueError,
                    "Profiler requested to use the timing thread but this "
                    "stack sampler is already using a custom timer function.");
    return -1;
  }
  /* pending calls run in the main thread only: elsewhere, the hook; and a
   * fake clock can only be asked at profile events */
  if (mode == CAPTURE_SAMPLER_TIMER) {
    int main = s->timer_func ? 0 : capture_in_main_thread();
    if (main < 0)
      return -1;
    if (!main)
      mode = CAPTURE_SAMPLER_HOOK;
  }
  int clock = s->timer_func ? CAPTURE_CLOCK_FUNC
                            : capture_clock_choose(interval, thread_pref == 1);
  s->track_async = track;
  Py_CLEAR(s->last_value);
  if (track &&
      PyContextVar_Get(capture_str.context_var, NULL, &s->last_value) < 0)
    return -1;
  if (s->interval == interval && s->clock == clock && s->mode == mode) {
    if (mode == CAPTURE_SAMPLER_TIMER)
      capture_timer_update(s);
    return 0;
  }
  sampler_uninstall(s);
  return sampler_install(s, interval, clock, mode);
}

int capture_subscribe(PyObject *p, capture_record_fn record, double interval,
                      int async_mode, int use_timing_thread, int sampler,
                      bool all_threads) {
  SamplerObject *s = thread_sampler(true);
  if (!s)
    return -1;
  Py_INCREF(s);
  int rc = -1;
  for (size_t i = 0; i < s->n_subs; i++) {
    if (s->subs[i].profiler == p) {
      PyErr_SetString(PyExc_ValueError, "this profiler is already subscribed");
      goto done;
    }
    if (use_timing_thread >= 0 && s->subs[i].timing_thread >= 0 &&
        s->subs[i].timing_thread != use_timing_thread) {
      PyErr_SetString(PyExc_ValueError,
                      "profilers in one thread must agree on "
                      "use_timing_thread");
      goto done;
    }
    if (s->subs[i].sampler != sampler) {
      PyErr_SetString(PyExc_ValueError,
                      "profilers in one thread must use the same sampler");
      goto done;
    }
  }
  if (async_mode != CAPTURE_ASYNC_DISABLED) {
    PyObject *value, *token;
    if (PyContextVar_Get(capture_str.context_var, NULL, &value) < 0)
      goto done;
    bool busy = value && value != Py_None;
    Py_XDECREF(value);
    if (busy) {
      PyErr_SetString(PyExc_RuntimeError,
                      "There is already a profiler running. You cannot run "
                      "multiple profilers in the same thread or async "
                      "context, unless you disable async support.");
      goto done;
    }
    if (!(token = PyContextVar_Set(capture_str.context_var, p)))
      goto done;
    Py_DECREF(token);
  }
  if (sampler_prepare(s))
    goto done;
  capture_sub *n = s->subs;
  if (s->n_subs == s->cap_subs) {
    size_t cap = s->cap_subs ? s->cap_subs * 2 : 4;
    if (!(n = PyMem_Realloc(s->subs, cap * sizeof *n))) {
      PyErr_NoMemory();
      goto done;
    }
    s->subs = n;
    s->cap_subs = cap;
  }
  /* the hook treats a zero or negative interval as 1 ms */
  Py_INCREF(p);
  s->subs[s->n_subs++] = (capture_sub){
      .profiler = p,
      .record = record,
      .interval = interval > 0 ? interval : 0.001,
      .async_mode = async_mode,
      .timing_thread = use_timing_thread,
      .sampler = sampler,
      .all_threads = all_threads,
      .state = SUB_IN_CONTEXT,
  };
  if (s->n_subs == 1 && (s->last_sample = sampler_now(s)) == -1 &&
      PyErr_Occurred()) {
    s->n_subs--;
    Py_DECREF(p);
    goto done;
  }
  rc = sampler_update(s);
  /* the timer sees the context only at samples: the first is here */
  if (rc == 0 && s->mode == CAPTURE_SAMPLER_TIMER &&
      async_mode != CAPTURE_ASYNC_DISABLED) {
    Py_ssize_t depth = capture_build_stack(s, NULL, PyTrace_OPCODE, NULL, 0);
    if (depth < 0 || capture_read_keys(s) ||
        capture_keep_in_context(s, &s->subs[s->n_subs - 1], (size_t)depth,
                                true))
      rc = -1;
  }
  if (rc) { /* it did not start: it is not subscribed either */
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    capture_unsubscribe(p);
    PyErr_Clear();
    PyErr_Restore(type, value, tb);
  }
done:
  Py_DECREF(s);
  return rc;
}

int capture_unsubscribe(PyObject *p) {
  SamplerObject *s = thread_sampler(false);
  size_t i = 0;
  while (s && i < s->n_subs && s->subs[i].profiler != p)
    i++;
  if (!s || i == s->n_subs) {
    if (!PyErr_Occurred())
      PyErr_SetString(PyExc_RuntimeError,
                      "Failed to stop profiling. Make sure that you start/stop "
                      "profiling on the same thread.");
    return -1;
  }
  if (s->subs[i].async_mode != CAPTURE_ASYNC_DISABLED) {
    PyObject *token = PyContextVar_Set(capture_str.context_var, Py_None);
    if (!token)
      return -1;
    Py_DECREF(token);
  }
  /* out of the list before its references go: the last reference to a
   * task it kept runs Python code, where a sample may come */
  capture_sub gone = s->subs[i];
  memmove(&s->subs[i], &s->subs[i + 1], (s->n_subs - i - 1) * sizeof *s->subs);
  s->n_subs--;
  Py_INCREF(s);
  int rc = sampler_update(s);
  sub_clear(&gone);
  capture_release_retired(s);
  Py_DECREF(s);
  Py_DECREF(p); /* the subscription's reference; the caller holds another */
  return rc;
}

/* ==== start stacks ======================================================= */

PyObject *capture_call_stack(PyFrameObject *frame) {
  capture_frames *F = capture_frames_new();
  uint32_t *ids = NULL;
  size_t cap = 0;
  PyObject *list = NULL;
  uint32_t root;
  Py_ssize_t n;
  if (!F || !(root = capture_frames_thread_root(F)))
    goto done;
  n = capture_frames_walk_objects(F, frame, false, root, &ids, &cap, 0);
  if (n < 0 || !(list = PyList_New(n)))
    goto done;
  for (Py_ssize_t i = 0; i < n; i++) {
    size_t len;
    const char *text = capture_frames_text(F, ids[n - 1 - i], &len);
    PyObject *str =
        PyUnicode_DecodeUTF8(text, (Py_ssize_t)len, "surrogatepass");
    if (!str) {
      Py_CLEAR(list);
      break;
    }
    PyList_SET_ITEM(list, i, str);
  }
done:
  PyMem_Free(ids);
  capture_frames_free(F);
  return list;
}

/* ==== after fork ========================================================= */

/* In a forked child (os.register_at_fork), the thread that forked is the
 * only one, and the timing thread is gone with its subscriptions: the
 * sampler of this thread subscribes again, so that the child is profiled
 * as the hook profiles it. */
static PyObject *after_fork_in_child(PyObject *unused, PyObject *unused2) {
  (void)unused, (void)unused2;
  SamplerObject *s = thread_sampler(false);
  if (!s || s->interval <= 0 ||
      (s->mode != CAPTURE_SAMPLER_TIMER && s->clock != CAPTURE_CLOCK_THREAD)) {
    PyErr_Clear();
    Py_RETURN_NONE; /* nothing, or a hook without the timing thread */
  }
  double interval = s->interval;
  s->interval = 0;
  if (sampler_install(s, interval, s->clock, s->mode)) {
    PyErr_WriteUnraisable((PyObject *)s);
    PyEval_SetProfile(NULL, NULL);
  }
  Py_RETURN_NONE;
}

static PyMethodDef after_fork_def = {"_sampler_after_fork", after_fork_in_child,
                                     METH_NOARGS, NULL};

static int register_at_fork(void) {
  PyObject *os = PyImport_ImportModule("os");
  PyObject *reg = os ? PyObject_GetAttrString(os, "register_at_fork") : NULL;
  PyObject *fn = reg ? PyCFunction_New(&after_fork_def, NULL) : NULL;
  PyObject *kw = fn ? Py_BuildValue("{sO}", "after_in_child", fn) : NULL;
  PyObject *args = kw ? PyTuple_New(0) : NULL;
  PyObject *r = args ? PyObject_Call(reg, args, kw) : NULL;
  Py_XDECREF(os);
  Py_XDECREF(reg);
  Py_XDECREF(fn);
  Py_XDECREF(kw);
  Py_XDECREF(args);
  Py_XDECREF(r);
  return r ? 0 : -1;
}

/* ==== the Python view: pyinstrument.stack_sampler ========================
 * get_stack_sampler() gives the calling thread's sampler, as pyinstrument
 * does: its subscribers (a snapshot of the profilers subscribed) and a
 * settable timer_func, a fake clock for tests. While timer_func is set,
 * the thread's profilers sample from the profile hook, whichever sampler
 * they asked for: the hook asks the clock at each event, as pyinstrument
 * does, so the samples fall where the fake clock says, and their times
 * are the fake clock's. (The timer sampler's requests come on real time,
 * which a fake clock cannot steer.) */

static PyStructSequence_Field subscriber_fields[] = {
    {"target", "the subscribed Profiler"},
    {"desired_interval", "its interval, in seconds"},
    {"bound_to_async_context", "whether it follows an async context"},
    {"async_state", "an AsyncState, or None when not bound to a context"},
    {"use_timing_thread", "its preference for the timing thread, or None"},
    {NULL, NULL}};
static PyStructSequence_Desc subscriber_desc = {
    "pyinstrument.stack_sampler.StackSamplerSubscriber",
    "A profiler's subscription to its thread's sampler (a snapshot).",
    subscriber_fields, 5};
static PyStructSequence_Field async_fields[] = {
    {"state", "'in_context', 'out_of_context_awaited' or "
              "'out_of_context_unknown'"},
    {"info", "out of context: the stack where the context was left "
             "(frame-info strings, root first); else None"},
    {NULL, NULL}};
static PyStructSequence_Desc async_desc = {
    "pyinstrument.stack_sampler.AsyncState",
    "Where a subscriber's async context stands (a snapshot).", async_fields,
    2};
static PyTypeObject *Subscriber_Type, *AsyncState_Type;

/* An AsyncState of 'sub' (new reference). */
static PyObject *async_state(SamplerObject *s, const capture_sub *sub) {
  static const char *const names[] = {"in_context", "out_of_context_awaited",
                                      "out_of_context_unknown"};
  PyObject *st = PyStructSequence_New(AsyncState_Type);
  PyObject *name = PyUnicode_FromString(names[sub->state]);
  PyObject *info = sub->state == SUB_IN_CONTEXT
                       ? Py_NewRef(Py_None)
                       : PyList_New((Py_ssize_t)sub->n_info);
  for (size_t i = 0; info && info != Py_None && i < sub->n_info; i++) {
    size_t len;
    const char *text = capture_frames_text(s->frames, sub->info[i], &len);
    PyObject *str =
        PyUnicode_DecodeUTF8(text, (Py_ssize_t)len, "surrogatepass");
    if (!str)
      Py_CLEAR(info);
    else
      PyList_SET_ITEM(info, (Py_ssize_t)i, str);
  }
  if (!st || !name || !info) {
    Py_XDECREF(st);
    Py_XDECREF(name);
    Py_XDECREF(info);
    return NULL;
  }
  PyStructSequence_SetItem(st, 0, name);
  PyStructSequence_SetItem(st, 1, info);
  return st;
}

static PyObject *Sampler_GetSubscribers(SamplerObject *s, void *unused) {
  (void)unused;
  PyObject *list = PyList_New((Py_ssize_t)s->n_subs);
  for (size_t i = 0; list && i < s->n_subs; i++) {
    const capture_sub *sub = &s->subs[i];
    bool bound = sub->async_mode != CAPTURE_ASYNC_DISABLED;
    PyObject *item = PyStructSequence_New(Subscriber_Type);
    PyObject *values[5] = {
        Py_NewRef(sub->profiler), PyFloat_FromDouble(sub->interval),
        PyBool_FromLong(bound),
        bound ? async_state(s, sub) : Py_NewRef(Py_None),
        sub->timing_thread < 0 ? Py_NewRef(Py_None)
                               : PyBool_FromLong(sub->timing_thread)};
    bool ok = item != NULL;
    for (int k = 0; k < 5; k++) {
      if (ok && values[k])
        PyStructSequence_SetItem(item, k, values[k]);
      else
        Py_XDECREF(values[k]);
      ok = ok && values[k];
    }
    if (!ok) {
      Py_XDECREF(item);
      Py_CLEAR(list);
      break;
    }
    PyList_SET_ITEM(list, (Py_ssize_t)i, item);
  }
  return list;
}

static PyObject *Sampler_GetTimerFunc(SamplerObject *s, void *unused) {
  (void)unused;
  return Py_NewRef(s->timer_func ? s->timer_func : Py_None);
}

/* Takes effect at once: the samples that follow are taken at the events
 * the new clock decides, and dated by it. */
static int Sampler_SetTimerFunc(SamplerObject *s, PyObject *value,
                                void *unused) {
  (void)unused;
  if (value && value != Py_None && !PyCallable_Check(value)) {
    PyErr_SetString(PyExc_TypeError, "timer_func must be callable or None");
    return -1;
  }
  PyObject *old = s->timer_func;
  s->timer_func = value && value != Py_None ? Py_NewRef(value) : NULL;
  double now = 0;
  if (s->n_subs && (((now = sampler_now(s)) == -1 && PyErr_Occurred()) ||
                    sampler_update(s))) {
    Py_XSETREF(s->timer_func, old); /* as it was */
    PyObject *type, *exc, *tb;
    PyErr_Fetch(&type, &exc, &tb);
    if (sampler_update(s))
      PyErr_Clear();
    PyErr_Restore(type, exc, tb);
    return -1;
  }
  if (s->n_subs)
    s->last_sample = now; /* the samples' clock changes here */
  Py_XDECREF(old);
  return 0;
}

static PyObject *Sampler_GetInterval(SamplerObject *s, void *unused) {
  (void)unused;
  return s->interval > 0 ? PyFloat_FromDouble(s->interval)
                         : Py_NewRef(Py_None);
}

static PyObject *Sampler_GetLastTime(SamplerObject *s, void *unused) {
  (void)unused;
  return PyFloat_FromDouble(s->n_subs ? s->last_sample : 0.0);
}

static PyGetSetDef Sampler_GetSet[] = {
    {"subscribers", (getter)Sampler_GetSubscribers, NULL,
     "The subscriptions of the profilers running in this thread (a new "
     "list of StackSamplerSubscriber).",
     NULL},
    {"timer_func", (getter)Sampler_GetTimerFunc,
     (setter)Sampler_SetTimerFunc,
     "A function of no arguments returning seconds that replaces the "
     "sampler's clock while set, or None. While set, samples come from the "
     "profile hook at the events where this clock has moved on by the "
     "interval, and are dated by it.",
     NULL},
    {"current_sampling_interval", (getter)Sampler_GetInterval, NULL,
     "The interval sampled at (the smallest of the subscribers'), or None.",
     NULL},
    {"last_profile_time", (getter)Sampler_GetLastTime, NULL,
     "The sampler's clock at the last sample (0.0 when not sampling).", NULL},
    {NULL},
};

static PyTypeObject Sampler_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name =
        "pyinstrument.stack_sampler.StackSampler",
    .tp_basicsize = sizeof(SamplerObject),
    .tp_dealloc = (destructor)Sampler_Dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The sampler of one thread: get_stack_sampler() gives it.",
    .tp_getset = Sampler_GetSet,
};

PyObject *capture_stack_sampler(PyObject *module, PyObject *unused) {
  (void)module, (void)unused;
  return Py_XNewRef((PyObject *)thread_sampler(true));
}

int capture_sampler_ready(PyObject *module) {
  if (PyType_Ready(&Sampler_Type) || capture_timer_init() ||
      register_at_fork())
    return -1;
  if (!Subscriber_Type &&
      !(Subscriber_Type = PyStructSequence_NewType(&subscriber_desc)))
    return -1;
  if (!AsyncState_Type &&
      !(AsyncState_Type = PyStructSequence_NewType(&async_desc)))
    return -1;
  return PyModule_AddObjectRef(module, "StackSampler",
                               (PyObject *)&Sampler_Type) ||
         PyModule_AddObjectRef(module, "StackSamplerSubscriber",
                               (PyObject *)Subscriber_Type) ||
         PyModule_AddObjectRef(module, "AsyncState",
                               (PyObject *)AsyncState_Type);
}

const char *const capture_sampler_names[] = {"hook", "timer"};

int capture_parse_sampler(PyObject *name) {
  const char *s = PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : NULL;
  for (int i = 0; s && i < 2; i++)
    if (strcmp(s, capture_sampler_names[i]) == 0)
      return i;
  PyErr_Clear();
  PyErr_SetString(PyExc_ValueError, "sampler must be 'hook' or 'timer'");
  return -1;
}
