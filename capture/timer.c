/* timer.c - the timer sampler's requests.
 *
 * It installs no profile hook: any profile hook makes CPython leave its
 * specialised instructions, which doubles the cost of a Python call.
 * Instead, at each tick of the timing thread (timing.c), a sample is
 * requested from the main thread as a pending call, which the main thread
 * runs at its next safe point (between two instructions, as a signal
 * handler would run), so the program runs at full speed in between. A
 * request that waits a whole interval means the main thread is inside one
 * C call: when it has released the GIL, the timing thread notes which C
 * function it waits in, so that the sample taken when it returns names
 * it (bytecode.c).
 */
#include "iframe.h"
#include "sampler.h"

#include <stdatomic.h>

/* The timer sampler: of the main thread, since pending calls run only
 * there. Written under the timing thread's lock (capture_timing_lock) and
 * with the GIL held; the timing thread reads it under its lock. */
static struct {
  SamplerObject *target;
  PyInterpreterState *interp;
  PyThreadState *tstate; /* the target's thread */
  bool all_threads;      /* the target samples every thread */
  uintptr_t generation;  /* counts the installations (the requests' arg) */
  _Atomic int pending;   /* a sample request is queued */
  bool peeked;           /* ... and the thread was looked at */
  bool raised;           /* ... and the eval loop's flag raised for it */
} timer;

/* ==== taking the sample ================================================== */

/* A sample requested by the timing thread, taken by the main thread at
 * its next safe point: between two instructions, so the stack is whole.
 * 'arg' is the installation the request was made for: a request that
 * comes after its sampler was stopped and started again is dropped, so
 * that no sample comes sooner than an interval after a start. */
static int timer_sample(void *arg) {
  if ((uintptr_t)arg != timer.generation)
    return 0;
  atomic_store(&timer.pending, 0);
  SamplerObject *s = timer.target; /* only this thread writes it */
  if (!s)
    return 0;
  /* the C function seen running at the last tick: if it has just
   * returned, the time is its own, as at a c_return event; if it ended
   * otherwise (by an exception: a KeyboardInterrupt in a sleep), the
   * stack seen then stands for the time, as at a c_exception event */
  uint32_t leaf = 0;
  bool left = false;
  PyThreadState *t = PyThreadState_Get();
  if (s->blocked_leaf) {
    uintptr_t at[2];
    capture_frames_position(t, at);
    if (at[0] == s->blocked_at[0] && at[1] == s->blocked_at[1])
      leaf = s->blocked_leaf;
    else
      left = s->n_blocked > 0;
    s->blocked_leaf = 0;
  }
  if (!leaf && !left)
    leaf = capture_frames_returned_c(s->frames, t);
  /* the running stack is read in place: making frame objects here, in
   * the middle of the program, is not something it expects */
  double now = capture_monotonic();
  int rc = left ? capture_take_sample_of(s, s->blocked, s->n_blocked, now)
                : capture_take_sample(s, NULL, PyTrace_OPCODE, NULL, leaf, now);
  if (rc == 0) {
    capture_release_retired(s);
    return 0;
  }
  /* as with the hook: stop sampling, the program sees the error */
  capture_timing_lock();
  timer.target = NULL;
  capture_timing_unlock();
  return -1;
}

/* Notes the C function the main thread waits in, and its stack. */
static void note_blocked(SamplerObject *s) {
  s->n_blocked = 0;
  s->blocked_leaf =
      capture_frames_c_leaf(s->frames, timer.tstate, s->blocked_at);
  if (!s->blocked_leaf ||
      capture_grow((void **)&s->blocked, &s->cap_blocked, 1,
                   sizeof *s->blocked))
    goto done;
  s->blocked[0] = s->blocked_leaf;
  Py_ssize_t n = capture_frames_walk_thread(
      s->frames, timer.tstate, true, s->root, &s->blocked, &s->cap_blocked, 1);
  s->n_blocked = n > 0 ? (size_t)n : 0;
done:
  PyErr_Clear(); /* without the stack, the time goes where it returns */
}

/* A sample request was not taken for a whole interval: the main thread is
 * inside one C call (or one long instruction), or another thread holds the
 * GIL. When it has released the GIL, take it and note which C function it
 * waits in, so that the sample taken when it returns names it. And when
 * every thread is sampled, take the GIL (waiting for whichever thread has
 * it) and sample the others now: they may run meanwhile. The main thread's
 * own sample still waits for it, as under the hook. Called with the timing
 * lock held, which is let go while the GIL is taken. */
static void while_waiting(void) {
  bool peek = !timer.peeked && !GIL_LOCKED(timer.interp);
  if (!peek && !timer.all_threads)
    return; /* looked already, or it runs C code holding the GIL */
  timer.peeked |= peek;
  capture_timing_unlock(); /* the GIL is never taken under it */
  if (Py_IsFinalizing()) {
    capture_timing_lock();
    return;
  }
  PyGILState_STATE g = PyGILState_Ensure();
  SamplerObject *s = timer.target; /* written with the GIL held */
  if (s && atomic_load(&timer.pending)) {
    if (peek && !s->blocked_leaf)
      note_blocked(s);
    if (s->all_threads && capture_sample_threads(s, capture_monotonic())) {
      /* a failing sampler switches itself off; the error is reported */
      PyErr_WriteUnraisable((PyObject *)s);
      capture_timing_lock();
      timer.target = NULL;
      capture_timing_unlock();
    }
  }
  PyGILState_Release(g);
  capture_timing_lock();
}

/* ==== requests =========================================================== */

/* Raises or lowers the eval loop's flag for our waiting request (lock
 * held), at every tick.
 *
 * 3.11 and 3.12 raise that flag for a pending call only when the main
 * thread adds it itself; raise it as a signal handler does, but only while
 * the main thread holds the GIL. Every thread stops at the raised flag,
 * and one that cannot run pending calls finds nothing to do there; a
 * traced thread even comes back to the same instruction, over and over,
 * until the flag falls. So while another thread holds the GIL (or none
 * does) the flag is what CPython computes for a thread other than the main
 * one, a pending signal included (CPython's handler raises the flag for
 * any thread too). 3.13 raises it for the main thread alone. */
#if CAPTURE_RAISE_FLAG
static bool main_holds_gil(void) {
  return GIL_LOCKED(timer.interp) &&
         GIL_HOLDER(timer.interp) == timer.tstate;
}

/* The reasons other than our request to keep the flag raised. */
static int other_reasons(struct _ceval_state *ceval) {
  int flag = _Py_atomic_load_relaxed(&ceval->gil_drop_request) |
             _Py_atomic_load_relaxed(&_PyRuntime.ceval.signals_pending) |
             ceval->pending.async_exc;
#if PY_VERSION_HEX >= 0x030C0000 /* any thread runs these on 3.12 */
  flag |= _Py_atomic_load_relaxed(&ceval->pending.calls_to_do) |
          _Py_atomic_load_relaxed(&ceval->gc_scheduled);
#endif
  return flag;
}
#endif

static void flag_request(void) {
#if CAPTURE_RAISE_FLAG
  struct _ceval_state *ceval = &timer.interp->ceval;
  if (main_holds_gil()) {
    _Py_atomic_store_relaxed(&ceval->eval_breaker, 1);
    timer.raised = true;
  } else if (timer.raised) {
    int flag = other_reasons(ceval);
    _Py_atomic_store_relaxed(&ceval->eval_breaker, flag);
    timer.raised = false;
    /* A reason set between those reads and the store (a signal, another
     * thread asking for the GIL), or the main thread taking the GIL and
     * computing its flag meanwhile, was just overwritten: a Ctrl-C would
     * wait for the end of the program. Look again after the store, and
     * raise the flag back for any of them. */
    atomic_thread_fence(memory_order_seq_cst);
    if (!flag && (other_reasons(ceval) || main_holds_gil()))
      _Py_atomic_store_relaxed(&ceval->eval_breaker, 1);
  }
#endif
}

/* The timing thread's tick (timing lock held): queues one sample request
 * for the main thread. */
static void timer_tick(void) {
  if (!timer.target)
    return;
  bool fresh = !atomic_exchange(&timer.pending, 1);
  if (fresh) {
    timer.peeked = false;
    if (Py_AddPendingCall(timer_sample, (void *)timer.generation) != 0)
      atomic_store(&timer.pending, 0); /* queue full: try next tick */
  } else {
    while_waiting(); /* the last request still waits */
  }
  /* a request the main thread took has lowered the flag itself */
  if (!atomic_load(&timer.pending))
    timer.raised = false;
  else
    flag_request();
}

/* In a forked child (timing lock held): nothing is requested any more;
 * the sampler of the thread that forked installs itself again. */
static void timer_after_fork(void) {
  timer.target = NULL;
  atomic_store(&timer.pending, 0);
  timer.peeked = timer.raised = false;
}

int capture_timer_install(SamplerObject *s, double interval) {
  if (capture_timing_subscribe(interval))
    return -1;
  capture_timing_lock();
  timer.target = s;
  timer.generation++;
  atomic_store(&timer.pending, 0); /* a request still queued is stale */
  timer.peeked = timer.raised = false;
  timer.tstate = PyThreadState_Get();
  timer.interp = timer.tstate->interp;
  timer.all_threads = s->all_threads;
  s->blocked_leaf = 0;
  capture_timing_unlock();
  return 0;
}

void capture_timer_update(SamplerObject *s) {
  capture_timing_lock();
  if (timer.target == s)
    timer.all_threads = s->all_threads;
  capture_timing_unlock();
}

void capture_timer_uninstall(SamplerObject *s, double interval) {
  capture_timing_lock();
  if (timer.target == s)
    timer.target = NULL;
  capture_timing_unlock();
  capture_timing_unsubscribe(interval);
}

/* Sampling must not outlive the interpreter when a program exits with a
 * timer sampler still running. */
static PyObject *timer_atexit(PyObject *unused, PyObject *unused2) {
  (void)unused, (void)unused2;
  capture_timing_lock();
  timer.target = NULL;
  capture_timing_unlock();
  Py_RETURN_NONE;
}

static PyMethodDef timer_atexit_def = {"_stop_timer_sampler", timer_atexit,
                                       METH_NOARGS, NULL};

int capture_timer_init(void) {
  PyObject *atexit = PyImport_ImportModule("atexit");
  PyObject *fn = atexit ? PyCFunction_New(&timer_atexit_def, NULL) : NULL;
  PyObject *r = fn ? PyObject_CallMethod(atexit, "register", "O", fn) : NULL;
  Py_XDECREF(atexit);
  Py_XDECREF(fn);
  if (!r)
    return -1;
  Py_DECREF(r);
  return capture_timing_init(timer_tick, timer_after_fork);
}
