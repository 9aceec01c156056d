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
  _Atomic int pending;   /* a sample request is queued */
  bool peeked;           /* ... and the thread was looked at */
  bool raised;           /* ... and the eval loop's flag raised for it */
} timer;

/* ==== taking the sample ================================================== */

/* A sample requested by the timing thread, taken by the main thread at
 * its next safe point: between two instructions, so the stack is whole. */
static int timer_sample(void *unused) {
  (void)unused;
  atomic_store(&timer.pending, 0);
  SamplerObject *s = timer.target; /* only this thread writes it */
  if (!s)
    return 0;
  /* the C function seen running at the last tick, if it has just
   * returned: the time is its own, as at a c_return event */
  uint32_t leaf = 0;
  PyThreadState *t = PyThreadState_Get();
  if (s->blocked_leaf) {
    uintptr_t at[2];
    capture_frames_position(t, at);
    if (at[0] == s->blocked_at[0] && at[1] == s->blocked_at[1])
      leaf = s->blocked_leaf;
    s->blocked_leaf = 0;
  }
  if (!leaf)
    leaf = capture_frames_returned_c(s->frames, t);
  /* the running stack is read in place: making frame objects here, in
   * the middle of the program, is not something it expects */
  if (capture_take_sample(s, NULL, PyTrace_OPCODE, NULL, leaf,
                          capture_monotonic()) == 0)
    return 0;
  /* as with the hook: stop sampling, the program sees the error */
  capture_timing_lock();
  timer.target = NULL;
  capture_timing_unlock();
  return -1;
}

/* A sample request was not taken for a whole interval: the thread is
 * inside one C call (or one long instruction). When it has released the
 * GIL, take it and note which C function it waits in, so that the sample
 * taken when it returns names it. Called with the timing lock held. */
static void peek_blocked(void) {
#if CAPTURE_INTERNAL_FRAMES
  if (timer.peeked || GIL_LOCKED(timer.interp))
    return; /* looked already, or it runs C code holding the GIL */
  timer.peeked = true;
  capture_timing_unlock(); /* the GIL is never taken under it */
  PyGILState_STATE g = PyGILState_Ensure();
  SamplerObject *s = timer.target; /* written with the GIL held */
  if (s && atomic_load(&timer.pending) && !s->blocked_leaf)
    s->blocked_leaf =
        capture_frames_c_leaf(s->frames, timer.tstate, s->blocked_at);
  PyGILState_Release(g);
  capture_timing_lock();
#endif
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
 * one. 3.13 raises it for the main thread alone. */
static void flag_request(void) {
#if CAPTURE_RAISE_FLAG
  struct _ceval_state *ceval = &timer.interp->ceval;
  if (GIL_LOCKED(timer.interp) && GIL_HOLDER(timer.interp) == timer.tstate) {
    _Py_atomic_store_relaxed(&ceval->eval_breaker, 1);
    timer.raised = true;
  } else if (timer.raised) {
    int flag = _Py_atomic_load_relaxed(&ceval->gil_drop_request) |
               ceval->pending.async_exc;
#if PY_VERSION_HEX >= 0x030C0000 /* any thread runs these on 3.12 */
    flag |= _Py_atomic_load_relaxed(&ceval->pending.calls_to_do) |
            _Py_atomic_load_relaxed(&ceval->gc_scheduled);
#endif
    _Py_atomic_store_relaxed(&ceval->eval_breaker, flag);
    timer.raised = false;
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
    if (Py_AddPendingCall(timer_sample, NULL) != 0)
      atomic_store(&timer.pending, 0); /* queue full: try next tick */
  } else {
    peek_blocked(); /* the last request still waits */
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
  timer.tstate = PyThreadState_Get();
  timer.interp = timer.tstate->interp;
  s->blocked_leaf = 0;
  capture_timing_unlock();
  return 0;
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
