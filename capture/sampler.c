/* sampler.c - the per-thread sampler: pyinstrument's profile hook, or
 * samples requested by a timer.
 *
 * One Sampler per thread, kept in the thread's state dict while profilers
 * are subscribed to it. Its hook runs on every profile event of that
 * thread; when 'interval' has passed since the last sample it records the
 * whole stack as frame ids (frames.c) and hands it, with the wall-clock
 * time since the previous sample, to every subscribed Profiler. Async
 * contexts are followed through a ContextVar as in capture.md §6.
 *
 * The 'timer' sampler installs no hook: any profile hook makes CPython
 * leave its specialised instructions, which doubles the cost of a Python
 * call. Instead the timing thread asks the main thread, once per interval,
 * to take a sample at its next safe point (a pending call).
 */
#include "capture.h"

#include <math.h>
#include <pthread.h>

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#if CAPTURE_RAISE_FLAG
#define Py_BUILD_CORE 1
#undef _PyGC_FINALIZED /* Python.h's public spelling; the core one follows */
#include <internal/pycore_interp.h>
#include <internal/pycore_runtime.h>
#undef Py_BUILD_CORE
#endif

/* ==== clocks ============================================================= */

static inline double ts_seconds(clockid_t id) {
  struct timespec t;
  clock_gettime(id, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

double capture_monotonic(void) { return ts_seconds(CLOCK_MONOTONIC); }
double capture_walltime(void) { return ts_seconds(CLOCK_REALTIME); }
double capture_process_time(void) {
  return ts_seconds(CLOCK_PROCESS_CPUTIME_ID);
}

enum { TIMER_WALLTIME, TIMER_COARSE, TIMER_THREAD };

/* ==== the timing thread ===================================================
 * One helper thread for the whole process refreshes a clock value every
 * (smallest subscribed) interval, so the hook reads an atomic instead of
 * the clock, and requests the samples of a timer sampler. Process-wide by
 * nature, hence file-level state. */

#define TIMING_MAX 1000

static struct {
  pthread_mutex_t lock;
  pthread_cond_t wake;
  double intervals[TIMING_MAX];
  int n;
  bool running;
  _Atomic int64_t now_ns;
  /* The timer sampler (of the main thread; pending calls run only there),
   * written by that thread with the lock held. */
  struct SamplerObject *target;
  PyInterpreterState *interp;
  PyThreadState *tstate; /* the target's thread */
  _Atomic int pending;   /* a sample request is queued */
  bool peeked;           /* ... and the thread was looked at */
  bool raised;           /* ... and the eval loop's flag raised for it */
} timing = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static int timer_sample(void *unused);
static void peek_blocked(void);

/* Raises or lowers the eval loop's flag for our waiting request (lock
 * held), at every tick.
 *
 * 3.11 raises that flag for a pending call only when the main thread adds
 * it itself; raise it as a signal handler does, but only while the main
 * thread holds the GIL. Every thread stops at the raised flag, and one
 * that cannot run pending calls finds nothing to do there; a traced
 * thread even comes back to the same instruction, over and over, until
 * the flag falls. So while another thread holds the GIL (or none does)
 * the flag is what CPython computes for a thread other than the main
 * one. */
static void flag_request(void) {
#if CAPTURE_RAISE_FLAG
  struct _ceval_state *ceval = &timing.interp->ceval;
#if PY_VERSION_HEX < 0x030C0000
  struct _gil_runtime_state *gil = &_PyRuntime.ceval.gil;
#else /* 3.12: one GIL per interpreter */
  struct _gil_runtime_state *gil = ceval->gil;
#endif
  if (_Py_atomic_load_relaxed(&gil->locked) &&
      _Py_atomic_load_relaxed(&gil->last_holder) == (uintptr_t)timing.tstate) {
    _Py_atomic_store_relaxed(&ceval->eval_breaker, 1);
    timing.raised = true;
  } else if (timing.raised) {
    int flag = _Py_atomic_load_relaxed(&ceval->gil_drop_request) |
               ceval->pending.async_exc;
#if PY_VERSION_HEX >= 0x030C0000 /* any thread runs these on 3.12 */
    flag |= _Py_atomic_load_relaxed(&ceval->pending.calls_to_do) |
            _Py_atomic_load_relaxed(&ceval->gc_scheduled);
#endif
    _Py_atomic_store_relaxed(&ceval->eval_breaker, flag);
    timing.raised = false;
  }
#endif
}

/* Queues one sample request for the main thread (lock held). */
static void request_sample(void) {
  bool fresh = !atomic_exchange(&timing.pending, 1);
  if (fresh) {
    timing.peeked = false;
    if (Py_AddPendingCall(timer_sample, NULL) != 0)
      atomic_store(&timing.pending, 0); /* queue full: try next tick */
  } else {
    peek_blocked(); /* the last request still waits */
  }
  /* a request the main thread took has lowered the flag itself */
  if (!atomic_load(&timing.pending))
    timing.raised = false;
  else
    flag_request();
}

static int64_t monotonic_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void *timing_main(void *unused) {
  pthread_mutex_lock(&timing.lock);
  int64_t next = monotonic_ns();
  while (timing.n > 0) {
    double wait = 1.0;
    for (int i = 0; i < timing.n; i++)
      wait = fmin(wait, timing.intervals[i]);
    int64_t now = monotonic_ns(), step = (int64_t)(wait * 1e9);
    if (now >= next) { /* a tick: not a wake-up for a new subscriber */
      atomic_store_explicit(&timing.now_ns, now, memory_order_relaxed);
      if (timing.target)
        request_sample();
      next = now + step;
    }
    if (next > now + step)
      next = now + step; /* a shorter interval was subscribed */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until); /* the condvar's clock */
    int64_t ns = until.tv_nsec + (next - now);
    until.tv_sec += ns / 1000000000;
    until.tv_nsec = ns % 1000000000;
    pthread_cond_timedwait(&timing.wake, &timing.lock, &until);
  }
  timing.running = false;
  pthread_mutex_unlock(&timing.lock);
  return NULL;
}

static int timing_subscribe(double interval) {
  int rc = 0;
  pthread_mutex_lock(&timing.lock);
  if (timing.n == TIMING_MAX) {
    rc = -1;
  } else {
    timing.intervals[timing.n++] = interval;
    atomic_store(&timing.now_ns, monotonic_ns());
    if (!timing.running) {
      pthread_t t;
      pthread_attr_t attr;
      pthread_attr_init(&attr);
      pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
      if (pthread_create(&t, &attr, timing_main, NULL) == 0)
        timing.running = true;
      else
        rc = -1, timing.n--;
      pthread_attr_destroy(&attr);
    }
    pthread_cond_signal(&timing.wake);
  }
  pthread_mutex_unlock(&timing.lock);
  if (rc)
    PyErr_SetString(PyExc_RuntimeError, "could not start the timing thread");
  return rc;
}

static void timing_unsubscribe(double interval) {
  pthread_mutex_lock(&timing.lock);
  for (int i = 0; i < timing.n; i++)
    if (timing.intervals[i] == interval) {
      timing.intervals[i] = timing.intervals[--timing.n];
      break;
    }
  pthread_cond_signal(&timing.wake);
  pthread_mutex_unlock(&timing.lock);
}

static inline double timer_now(int timer) {
  switch (timer) {
  case TIMER_THREAD:
    return (double)atomic_load_explicit(&timing.now_ns, memory_order_relaxed) *
           1e-9;
  case TIMER_COARSE:
    return ts_seconds(CLOCK_MONOTONIC_COARSE);
  default:
    return ts_seconds(CLOCK_MONOTONIC);
  }
}

static double coarse_resolution(void) {
  struct timespec r;
  if (clock_getres(CLOCK_MONOTONIC_COARSE, &r) != 0)
    return INFINITY;
  return (double)r.tv_sec + (double)r.tv_nsec * 1e-9;
}

/* Seconds one reading of 'clock' costs: the cheapest of a few batches of
 * reads (up to 1000 reads or 100 us in all), so that being descheduled
 * once does not count. */
static double clock_cost(clockid_t clock) {
  double best = INFINITY, spent = 0;
  for (int batch = 0; batch < 10 && spent < 100e-6; batch++) {
    double start = ts_seconds(CLOCK_MONOTONIC);
    for (int i = 0; i < 100; i++)
      ts_seconds(clock);
    double t = ts_seconds(CLOCK_MONOTONIC) - start;
    spent += t;
    best = fmin(best, t / 100);
  }
  return best;
}

static bool env_true(const char *name) {
  const char *v = getenv(name);
  static const char *const yes[] = {"y", "yes", "t", "true", "on", "1"};
  for (size_t i = 0; v && i < sizeof yes / sizeof *yes; i++)
    if (strcasecmp(v, yes[i]) == 0)
      return true;
  return false;
}

/* The precise clock is read on every profile event: warn when it is slow
 * (cli.md §9). Measured once per process. */
static void overhead_warning(void) {
  static double cost = -1;
  if (cost < 0)
    cost = clock_cost(CLOCK_MONOTONIC);
  if (cost <= 300e-9 || env_true("PYINSTRUMENT_IGNORE_OVERHEAD_WARNING"))
    return;
  double coarse = clock_cost(CLOCK_MONOTONIC_COARSE);
  char text[1024]; /* PyUnicode_FromFormat has no %g */
  int n = snprintf(
      text, sizeof text,
      "pyinstrument: reading the clock costs %.0f nanoseconds here, which is "
      "a\nlot: the program will run slower than usual under the profiler, "
      "and\ncode made of many small Python calls may look slower than it "
      "is.\n\nThe timing thread may help: pass --use-timing-thread on the "
      "command\nline, or use_timing_thread=True to Profiler().\n\n",
      cost * 1e9);
  if (coarse < 300e-9 && n > 0 && (size_t)n < sizeof text)
    n += snprintf(text + n, sizeof text - (size_t)n,
                  "A cheaper 'coarse' clock exists (%.2g nanoseconds per "
                  "reading); it\nis used when the interval is at least %.3g "
                  "seconds.\n\n",
                  coarse * 1e9, coarse_resolution());
  PySys_FormatStderr("%s%s", text,
                     "Set PYINSTRUMENT_IGNORE_OVERHEAD_WARNING=1 to silence "
                     "this warning.\n");
}

/* ==== the Sampler type =================================================== */

enum { SUB_IN_CONTEXT, SUB_AWAITED, SUB_UNKNOWN };

/* An asyncio task seen running in a profiler's context, and how many ids
 * of that sample (root first) lie below its coroutine (0: not found). The
 * ids are those of the kept sample for the last task, and a copy in
 * 'below' for the task that started the profiler. */
typedef struct capture_task {
  PyObject *task;
  size_t n_below;
  uint32_t *below;
  size_t cap_below;
} capture_task;

typedef struct capture_sub {
  PyObject *profiler; /* the subscriber: alive while subscribed, and the
                         value of the context var in its context */
  capture_record_fn record;
  double interval;
  int async_mode;
  int timing_thread; /* -1: no preference */
  int sampler;       /* CAPTURE_SAMPLER_* */
  int state;
  uint32_t *info; /* the stack where its context was left */
  size_t n_info, cap_info;
  /* timer sampler: its last sample in context, the asyncio task that ran
   * then, and the one that started the profiler */
  uint32_t *seen;
  size_t n_seen, cap_seen;
  uintptr_t *seen_keys;
  size_t n_seen_keys, cap_seen_keys;
  capture_task last, first;
} capture_sub;

typedef struct SamplerObject {
  PyObject_HEAD
  capture_sub *subs;
  size_t n_subs, cap_subs;
  double interval; /* of the installed hook or timer; 0 when neither */
  int timer;
  int mode; /* CAPTURE_SAMPLER_* installed */
  double last_invocation; /* the throttle's clock */
  double last_sample;     /* CLOCK_MONOTONIC of the previous sample */
  bool track_async;       /* some subscriber follows async contexts */
  bool warned;
  PyObject *last_value; /* the context var's value at the last event */
  uint32_t *awaits;     /* suspended coroutines, innermost first */
  size_t n_awaits, cap_awaits;
  capture_frames *frames;
  uint32_t *stack; /* the sample being built */
  size_t cap_stack;
  uint32_t *alt; /* an out-of-context stack being built */
  size_t cap_alt;
  uintptr_t *keys; /* capture_frames_running_keys of the sample, leaf
                      first: keys[j] is the frame of stack[n_keys - j] */
  size_t n_keys, cap_keys;
  uint32_t blocked_leaf;  /* the C function the timer found it waiting in */
  uintptr_t blocked_at[2]; /* ... called from this frame and instruction */
  uint32_t root, id_await, id_ooc;
  unsigned long ident;
} SamplerObject;

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
  capture_frames_free(s->frames);
  Py_XDECREF(s->last_value);
  Py_TYPE(s)->tp_free((PyObject *)s);
}

static PyTypeObject Sampler_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "pyinstrument._capture.Sampler",
    .tp_basicsize = sizeof(SamplerObject),
    .tp_dealloc = (destructor)Sampler_Dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The sampler of one thread (internal).",
};

static void reverse(uint32_t *a, size_t n) {
  for (size_t i = 0, j = n; i + 1 < j; i++, j--) {
    uint32_t t = a[i];
    a[i] = a[j - 1];
    a[j - 1] = t;
  }
}

/* ==== samples ============================================================ */

/* The stack pyinstrument's build_call_stack gives for an event, root first
 * in s->stack. Returns the depth or -1. */
static Py_ssize_t build_stack(SamplerObject *s, PyFrameObject *frame, int what,
                              PyObject *arg, uint32_t leaf) {
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
            : capture_frames_walk_running(s->frames, s->root, &s->stack,
                                          &s->cap_stack, n);
  if (depth >= 0)
    reverse(s->stack, (size_t)depth);
  return depth;
}

/* ---- async contexts under the timer sampler -----------------------------
 * The hook sees every return and so the moment a context is left, with
 * the coroutines that suspended on the way out. The timer sees samples
 * only. In context it keeps the stack and the asyncio task then running;
 * out of it, the task's coroutines are read from the task (suspended, so
 * they stand still), below the frames that ran the task. Without a task,
 * the context was left where the kept stack and the present one part. */

/* Longer chains of awaiting coroutines are cut (a sample's depth limit). */
#define CAPTURE_MAX_AWAITS 8192

/* The asyncio task running now (new reference) or NULL. Only asyncio's C
 * parts are used (the running loop, its task table), so no Python code
 * runs; errors are cleared. */
static PyObject *current_task(void) {
  static PyObject *name, *get_loop, *current, *tasks;
  if (!get_loop) {
    if (!name && !(name = PyUnicode_InternFromString("_asyncio")))
      goto none;
    PyObject *m = PyImport_GetModule(name); /* imported by asyncio, if */
    if (!m)
      goto none;
    PyObject *g = PyObject_GetAttrString(m, "_get_running_loop");
    PyErr_Clear();
    PyObject *c = PyObject_GetAttrString(m, "current_task"); /* 3.12 */
    PyErr_Clear();
    PyObject *t = c ? NULL : PyObject_GetAttrString(m, "_current_tasks");
    PyErr_Clear();
    Py_DECREF(m);
    if (g && PyCFunction_Check(g) &&
        ((c && PyCFunction_Check(c)) || (t && PyDict_Check(t)))) {
      get_loop = g; /* kept for the life of the process */
      current = c;
      tasks = t;
    } else {
      Py_XDECREF(g);
      Py_XDECREF(c);
      Py_XDECREF(t);
      goto none;
    }
  }
  PyObject *loop = PyObject_CallNoArgs(get_loop), *task = NULL;
  if (loop && loop != Py_None) {
    if (current)
      task = PyObject_CallOneArg(current, loop);
    else if (Py_TYPE(loop)->tp_hash == PyBaseObject_Type.tp_hash)
      Py_XINCREF(task = PyDict_GetItemWithError(tasks, loop)); /* (3.11) */
  }
  Py_XDECREF(loop);
  if (task && task != Py_None)
    return task;
  Py_XDECREF(task);
none:
  PyErr_Clear();
  return NULL;
}

/* Notes in 't' the task running now and how much of the present sample
 * (s->stack, s->keys) lies below its coroutine; 'copy' keeps those ids. */
static int note_task(SamplerObject *s, capture_task *t, bool copy) {
  Py_XSETREF(t->task, current_task());
  t->n_below = 0;
  PyObject *coro = t->task ? PyObject_GetAttr(t->task, capture_str.coro)
                           : NULL;
  uintptr_t key = coro && PyCoro_CheckExact(coro)
                      ? capture_frames_coro_key(coro)
                      : 0;
  Py_XDECREF(coro);
  PyErr_Clear();
  for (size_t j = 0; key && j < s->n_keys; j++)
    if (s->keys[j] == key) { /* the root, then the frames outside it */
      t->n_below = s->n_keys - j;
      break;
    }
  if (copy && t->n_below) {
    if (capture_grow((void **)&t->below, &t->cap_below, t->n_below,
                     sizeof *t->below))
      return -1;
    memcpy(t->below, s->stack, t->n_below * sizeof *t->below);
  }
  return 0;
}

/* Keeps the present sample (s->stack, 'depth' ids; s->keys) as the last
 * one in the context of 'sub'; 'start' when the profiler starts here. */
static int keep_in_context(SamplerObject *s, capture_sub *sub, size_t depth,
                           bool start) {
  if (capture_grow((void **)&sub->seen, &sub->cap_seen, depth,
                   sizeof *sub->seen) ||
      capture_grow((void **)&sub->seen_keys, &sub->cap_seen_keys, s->n_keys,
                   sizeof *sub->seen_keys))
    return -1;
  memcpy(sub->seen, s->stack, depth * sizeof *sub->seen);
  memcpy(sub->seen_keys, s->keys, s->n_keys * sizeof *sub->seen_keys);
  sub->n_seen = depth;
  sub->n_seen_keys = s->n_keys;
  return note_task(s, &sub->last, false) ||
         (start && note_task(s, &sub->first, true));
}

/* Sets sub->info to the ids 'below' the coroutine of task 't', then the
 * coroutines it waits in, outermost first: those the hook sees return at
 * the await. Returns how many coroutines (0: 't' is not suspended in
 * one), or -1 with an exception set. */
static Py_ssize_t push_awaits(SamplerObject *s, capture_sub *sub,
                              const capture_task *t, const uint32_t *below) {
  if (!t->task || !t->n_below)
    return 0;
  PyObject *obj = PyObject_GetAttr(t->task, capture_str.coro);
  size_t n = t->n_below, added = 0;
  while (obj && PyCoro_CheckExact(obj) && added < CAPTURE_MAX_AWAITS) {
    PyObject *flag = PyObject_GetAttr(obj, capture_str.cr_suspended);
    PyObject *frame = flag == Py_True
                          ? PyObject_GetAttr(obj, capture_str.cr_frame)
                          : NULL;
    Py_XDECREF(flag);
    uint32_t id = frame && PyFrame_Check(frame)
                      ? capture_frames_python(s->frames, (PyFrameObject *)frame)
                      : 0;
    Py_XDECREF(frame);
    if (!id)
      break;
    if (capture_grow((void **)&sub->info, &sub->cap_info, n + added + 1,
                     sizeof *sub->info)) {
      Py_DECREF(obj);
      return -1;
    }
    sub->info[n + added++] = id;
    PyObject *next = PyObject_GetAttr(obj, capture_str.cr_await);
    Py_DECREF(obj);
    obj = next;
  }
  Py_XDECREF(obj);
  PyErr_Clear();
  if (added) {
    memcpy(sub->info, below, n * sizeof *sub->info);
    sub->n_info = n + added;
  }
  return (Py_ssize_t)added;
}

static int read_keys(SamplerObject *s) {
  Py_ssize_t n = capture_frames_running_keys(&s->keys, &s->cap_keys);
  if (n < 0)
    return -1;
  s->n_keys = (size_t)n;
  return 0;
}

/* Sets the state and info of each async subscriber for a timer sample
 * whose stack (root first, 'depth' ids) is in s->stack. */
static int timer_follow_async(SamplerObject *s, size_t depth) {
  PyObject *value;
  if (PyContextVar_Get(capture_str.context_var, NULL, &value) < 0)
    return -1;
  Py_XDECREF(value); /* compared only: a subscribed profiler is alive */
  if (read_keys(s))
    return -1;
  for (size_t i = 0; i < s->n_subs; i++) {
    capture_sub *sub = &s->subs[i];
    if (sub->async_mode == CAPTURE_ASYNC_DISABLED)
      continue;
    if (value == sub->profiler) {
      sub->state = SUB_IN_CONTEXT;
      if (keep_in_context(s, sub, depth, false))
        return -1;
      continue;
    }
    /* the last task seen in context, else the one that started it */
    Py_ssize_t awaits = push_awaits(s, sub, &sub->last, sub->seen);
    if (awaits == 0 && sub->first.task != sub->last.task)
      awaits = push_awaits(s, sub, &sub->first, sub->first.below);
    if (awaits < 0)
      return -1;
    if (awaits == 0) { /* no suspended task: where the two stacks part */
      size_t common = 0; /* frames, from the outermost (keys: leaf first) */
      while (common < sub->n_seen_keys && common < s->n_keys &&
             sub->seen_keys[sub->n_seen_keys - 1 - common] ==
                 s->keys[s->n_keys - 1 - common])
        common++;
      size_t n = common + 1 < sub->n_seen ? common + 1 : sub->n_seen;
      if (capture_grow((void **)&sub->info, &sub->cap_info, n + 1,
                       sizeof *sub->info))
        return -1;
      memcpy(sub->info, sub->seen, n * sizeof *sub->info);
      sub->n_info = n;
    }
    sub->state = awaits ? SUB_AWAITED : SUB_UNKNOWN;
  }
  return 0;
}

static int take_sample(SamplerObject *s, PyFrameObject *frame, int what,
                       PyObject *arg, uint32_t leaf) {
  double now = capture_monotonic();
  double dt = now - s->last_sample;
  Py_ssize_t depth = build_stack(s, frame, what, arg, leaf);
  if (depth < 0 ||
      (!frame && s->track_async && timer_follow_async(s, (size_t)depth)))
    return -1;
  s->last_sample = now;
  for (size_t i = 0; i < s->n_subs; i++) {
    capture_sub *sub = &s->subs[i];
    const uint32_t *ids = s->stack;
    size_t n = (size_t)depth;
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
    if (sub->record(sub->profiler, s->frames, ids, n, dt))
      return -1;
  }
  return 0;
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

/* The profile hook. The fast path reads a clock and compares. */
static int Sampler_Hook(PyObject *obj, PyFrameObject *frame, int what,
                        PyObject *arg) {
  SamplerObject *s = (SamplerObject *)obj;
  double now = timer_now(s->timer);
  if (s->track_async && follow_async(s, frame, what))
    goto error;
  if (now < s->last_invocation + s->interval)
    return 0;
  s->last_invocation = now;
  if (take_sample(s, frame, what, arg, 0) == 0)
    return 0;
error:
  PyEval_SetProfile(NULL, NULL); /* a failing sampler switches itself off */
  return -1;
}

/* A sample requested by the timing thread, taken by the main thread at
 * its next safe point: between two instructions, so the stack is whole. */
static int timer_sample(void *unused) {
  atomic_store(&timing.pending, 0);
  SamplerObject *s = timing.target; /* only this thread writes it */
  if (!s)
    return 0;
  /* the C function seen running at the last tick, if it has just
   * returned: the time is its own, as at a c_return event */
  uint32_t leaf = 0;
#if CAPTURE_INTERNAL_FRAMES
  if (s->blocked_leaf) {
    uintptr_t at[2];
    capture_frames_position(PyThreadState_Get(), at);
    if (at[0] == s->blocked_at[0] && at[1] == s->blocked_at[1])
      leaf = s->blocked_leaf;
    s->blocked_leaf = 0;
  }
  if (!leaf)
    leaf = capture_frames_returned_c(s->frames, PyThreadState_Get());
#endif
  /* the running stack is read in place: making frame objects here, in
   * the middle of the program, is not something it expects */
  if (take_sample(s, NULL, PyTrace_OPCODE, NULL, leaf) == 0)
    return 0;
  /* as with the hook: stop sampling, the program sees the error */
  pthread_mutex_lock(&timing.lock);
  timing.target = NULL;
  pthread_mutex_unlock(&timing.lock);
  return -1;
}

/* A sample request was not taken for a whole interval: the thread is
 * inside one C call (or one long instruction). When it has released the
 * GIL, take it and note which C function it waits in, so that the sample
 * taken when it returns names it. Called with timing.lock held. */
static void peek_blocked(void) {
#if CAPTURE_INTERNAL_FRAMES
  if (timing.peeked ||
      _Py_atomic_load_relaxed(&_PyRuntime.ceval.gil.locked))
    return; /* looked already, or it runs C code holding the GIL */
  timing.peeked = true;
  pthread_mutex_unlock(&timing.lock); /* the GIL is never taken under it */
  PyGILState_STATE g = PyGILState_Ensure();
  SamplerObject *s = timing.target; /* written with the GIL held */
  if (s && atomic_load(&timing.pending) && !s->blocked_leaf)
    s->blocked_leaf =
        capture_frames_c_leaf(s->frames, timing.tstate, s->blocked_at);
  PyGILState_Release(g);
  pthread_mutex_lock(&timing.lock);
#endif
}

/* Sampling must not outlive the interpreter when a program exits with a
 * timer sampler still running. */
static PyObject *timer_atexit(PyObject *unused, PyObject *unused2) {
  pthread_mutex_lock(&timing.lock);
  timing.target = NULL;
  pthread_mutex_unlock(&timing.lock);
  Py_RETURN_NONE;
}

static PyMethodDef timer_atexit_def = {"_stop_timer_sampler", timer_atexit,
                                       METH_NOARGS, NULL};

/* A forked child has no timing thread. */
static void fork_prepare(void) { pthread_mutex_lock(&timing.lock); }
static void fork_parent(void) { pthread_mutex_unlock(&timing.lock); }
static void fork_child(void) {
  timing.running = false;
  timing.n = 0;
  timing.target = NULL;
  atomic_store(&timing.pending, 0);
  pthread_mutex_unlock(&timing.lock);
}

static int timer_once(void) {
  static bool done;
  if (done)
    return 0;
  PyObject *atexit = PyImport_ImportModule("atexit");
  PyObject *fn = atexit ? PyCFunction_New(&timer_atexit_def, NULL) : NULL;
  PyObject *r = fn ? PyObject_CallMethod(atexit, "register", "O", fn) : NULL;
  Py_XDECREF(atexit);
  Py_XDECREF(fn);
  if (!r)
    return -1;
  Py_DECREF(r);
  if (pthread_atfork(fork_prepare, fork_parent, fork_child) != 0) {
    PyErr_SetString(PyExc_RuntimeError, "pthread_atfork failed");
    return -1;
  }
  done = true;
  return 0;
}

/* ==== subscriptions ====================================================== */

static PyObject *sampler_key(void) {
  static PyObject *key; /* interned once, never freed */
  if (!key)
    key = PyUnicode_InternFromString("pyinstrument._capture.sampler");
  return key;
}

/* The calling thread's sampler (borrowed), created if 'create'. */
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
  if (!(n->frames = capture_frames_new()) ||
      !(n->root = capture_frames_thread_root(n->frames)) ||
      !(n->id_await = capture_frames_intern(n->frames, "[await]", 7)) ||
      !(n->id_ooc = capture_frames_intern(n->frames, "[out-of-context]", 16)) ||
      PyDict_SetItem(dict, key, (PyObject *)n)) {
    Py_DECREF(n);
    return NULL;
  }
  Py_DECREF(n); /* the dict holds it */
  return n;
}

/* Whether the calling thread is the main thread: 1, 0, or -1 on error. */
static int in_main_thread(void) {
  PyObject *threading = PyImport_ImportModule("threading");
  PyObject *main = threading ? PyObject_CallMethod(threading, "main_thread",
                                                   NULL)
                             : NULL;
  PyObject *ident = main ? PyObject_GetAttrString(main, "ident") : NULL;
  int rc = -1;
  if (ident) {
    unsigned long v = PyLong_AsUnsignedLong(ident);
    rc = PyErr_Occurred() ? -1 : v == PyThread_get_thread_ident();
  }
  Py_XDECREF(threading);
  Py_XDECREF(main);
  Py_XDECREF(ident);
  return rc;
}

/* Removes the hook or the timer of 's'. */
static void sampler_uninstall(SamplerObject *s) {
  if (s->interval <= 0)
    return;
  if (s->mode == CAPTURE_SAMPLER_TIMER) {
    pthread_mutex_lock(&timing.lock);
    timing.target = NULL;
    pthread_mutex_unlock(&timing.lock);
    timing_unsubscribe(s->interval);
  } else {
    PyEval_SetProfile(NULL, NULL);
    if (s->timer == TIMER_THREAD)
      timing_unsubscribe(s->interval);
  }
  s->interval = 0;
}

static int sampler_install(SamplerObject *s, double interval, int timer,
                           int mode) {
  if ((mode == CAPTURE_SAMPLER_TIMER || timer == TIMER_THREAD) &&
      timing_subscribe(interval))
    return -1;
  s->interval = interval;
  s->timer = timer;
  s->mode = mode;
  if (mode == CAPTURE_SAMPLER_TIMER) {
    pthread_mutex_lock(&timing.lock);
    timing.target = s;
    timing.tstate = PyThreadState_Get();
    timing.interp = timing.tstate->interp;
    s->blocked_leaf = 0;
    pthread_mutex_unlock(&timing.lock);
    return 0;
  }
  if (timer == TIMER_WALLTIME && !s->warned) {
    s->warned = true;
    overhead_warning();
  }
  s->last_invocation = timer_now(timer); /* first sample one interval on */
  PyEval_SetProfile(Sampler_Hook, (PyObject *)s);
  return 0;
}

/* Re-derives the settings from the subscribers; (re)installs or removes
 * the hook as pyinstrument's StackSampler._update does. */
static int sampler_update(SamplerObject *s) {
  if (s->n_subs == 0) {
    sampler_uninstall(s);
    PyObject *dict = PyThreadState_GetDict();
    return dict ? PyDict_DelItem(dict, sampler_key()) : 0; /* frees s */
  }
  double interval = INFINITY;
  int thread_pref = -1, mode = CAPTURE_SAMPLER_HOOK;
  bool track = false;
  for (size_t i = 0; i < s->n_subs; i++) {
    interval = fmin(interval, s->subs[i].interval);
    if (s->subs[i].timing_thread >= 0)
      thread_pref = s->subs[i].timing_thread;
    mode = s->subs[i].sampler; /* they agree */
    track |= s->subs[i].async_mode != CAPTURE_ASYNC_DISABLED;
  }
  /* pending calls run in the main thread only: elsewhere, the hook */
  if (mode == CAPTURE_SAMPLER_TIMER) {
    int main = in_main_thread();
    if (main < 0)
      return -1;
    if (!main)
      mode = CAPTURE_SAMPLER_HOOK;
  }
  int timer = thread_pref == 1                    ? TIMER_THREAD
              : coarse_resolution() <= interval ? TIMER_COARSE
                                                : TIMER_WALLTIME;
  s->track_async = track;
  Py_CLEAR(s->last_value);
  if (track &&
      PyContextVar_Get(capture_str.context_var, NULL, &s->last_value) < 0)
    return -1;
  if (s->interval == interval && s->timer == timer && s->mode == mode)
    return 0;
  if (mode == CAPTURE_SAMPLER_TIMER && timer_once())
    return -1;
  sampler_uninstall(s);
  return sampler_install(s, interval, timer, mode);
}

int capture_subscribe(PyObject *p, capture_record_fn record, double interval,
                      int async_mode, int use_timing_thread, int sampler) {
  SamplerObject *s = thread_sampler(true);
  if (!s)
    return -1;
  Py_INCREF(s); /* sampler_update may drop the dict's reference */
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
      .state = SUB_IN_CONTEXT,
  };
  if (s->n_subs == 1)
    s->last_sample = capture_monotonic();
  rc = sampler_update(s);
  /* the timer sees the context only at samples: the first is here */
  if (rc == 0 && s->mode == CAPTURE_SAMPLER_TIMER &&
      async_mode != CAPTURE_ASYNC_DISABLED) {
    Py_ssize_t depth = build_stack(s, NULL, PyTrace_OPCODE, NULL, 0);
    if (depth < 0 || read_keys(s) ||
        keep_in_context(s, &s->subs[s->n_subs - 1], (size_t)depth, true)) {
      PyObject *type, *value, *tb;
      PyErr_Fetch(&type, &value, &tb);
      capture_unsubscribe(p);
      PyErr_Restore(type, value, tb);
      rc = -1;
    }
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
  sub_clear(&s->subs[i]);
  memmove(&s->subs[i], &s->subs[i + 1], (s->n_subs - i - 1) * sizeof *s->subs);
  s->n_subs--;
  Py_INCREF(s);
  int rc = sampler_update(s);
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
    PyObject *str = PyUnicode_DecodeUTF8(text, (Py_ssize_t)len, "surrogatepass");
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

int capture_sampler_ready(void) { return PyType_Ready(&Sampler_Type); }

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
