/* sampler.h - what the sampler's files share: the Sampler object of one
 * thread and its subscriptions. sampler.c holds the object, the profile
 * hook and the subscriptions; timer.c the timer sampler's requests;
 * awaits.c how the timer sampler follows async contexts; threads.c the
 * sampling of the other threads.
 */
#ifndef CAPTURE_SAMPLER_H
#define CAPTURE_SAMPLER_H

#include "capture.h"

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
  bool all_threads;  /* it gets records of the other threads too */
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

/* Another thread, seen by a sampler that samples every thread. */
typedef struct capture_thread {
  PyThreadState *ts; /* with 'ident', who it is while it lives */
  unsigned long ident;
  uint32_t index; /* what subscribers are told: 1, 2, ... as first seen */
  uint32_t root;  /* its root frame */
  double last;    /* when its last record ended */
  double cpu;     /* its CPU time then (-1: unknown) */
  bool named;     /* threading knew its name */
  bool seen;      /* found at the last walk */
} capture_thread;

typedef struct SamplerObject {
  PyObject_HEAD
  capture_sub *subs;
  size_t n_subs, cap_subs;
  double interval; /* of the installed hook or timer; 0 when neither */
  int clock;       /* CAPTURE_CLOCK_* of the hook */
  PyObject *timer_func; /* a fake clock replacing the hook's and the
                           samples' (get_stack_sampler().timer_func) */
  int mode;        /* CAPTURE_SAMPLER_* installed */
  double last_invocation; /* the throttle's clock */
  double last_sample;     /* CLOCK_MONOTONIC of the previous sample */
  bool track_async;       /* some subscriber follows async contexts */
  bool warned;
  PyObject *last_value; /* the context var's value at the last event */
  PyObject *retired;    /* tasks let go of during a sample (a list) */
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
  uint32_t *blocked;       /* ... and the stack then, leaf first */
  size_t n_blocked, cap_blocked;
  uint32_t root, id_await, id_ooc;
  unsigned long ident;
  PyThreadState *tstate; /* its thread */
  /* every thread: some subscriber wants them; the others seen */
  bool all_threads;
  capture_thread *threads;
  size_t n_threads, cap_threads;
  uint32_t thread_index; /* the last index given */
  double threads_since;  /* the time of the last walk */
} SamplerObject;

/* ---- sampler.c ---------------------------------------------------------- */

/* The stack pyinstrument's build_call_stack gives for a hook event at
 * 'frame' (NULL: the running stack, for the timer sampler), root first in
 * s->stack, with the C function 'leaf' (or the one 'arg' of a c_return
 * event) on top. Returns the depth or -1 with an exception set. */
Py_ssize_t capture_build_stack(SamplerObject *s, PyFrameObject *frame,
                               int what, PyObject *arg, uint32_t leaf);
/* Takes one sample at time 'now' (by the sampler's clock) and hands it to
 * every subscriber. 0 or -1 with an exception set (the caller switches
 * the sampler off). */
int capture_take_sample(SamplerObject *s, PyFrameObject *frame, int what,
                        PyObject *arg, uint32_t leaf, double now);
/* The same with a stack read earlier: 'n' ids, leaf first (no async
 * context is followed). */
int capture_take_sample_of(SamplerObject *s, const uint32_t *ids, size_t n,
                           double now);

/* ---- timer.c ------------------------------------------------------------ */

/* Once, at import: stops the timer sampler at exit, hooks the timing
 * thread. 0 or -1 with an exception set. */
int capture_timer_init(void);

/* Makes 's' (of the main thread) the timer sampler that the timing thread
 * asks for a sample every 'interval'. 0 or -1 with an exception set. */
int capture_timer_install(SamplerObject *s, double interval);
void capture_timer_uninstall(SamplerObject *s, double interval);
/* Tells the timing thread what changed in the settings of 's'. */
void capture_timer_update(SamplerObject *s);

/* ---- threads.c ---------------------------------------------------------- */

/* Hands the subscribers that want every thread one record per thread but
 * the sampler's own and the calling one, each with the time since its
 * last record, 'now' being the time by the sampler's clock. The caller
 * holds the GIL. 0 or -1 with an exception set. */
int capture_sample_threads(SamplerObject *s, double now);
/* Forgets the threads seen; the next walk counts from 'now'. */
void capture_threads_reset(SamplerObject *s, double now);

/* ---- awaits.c ----------------------------------------------------------- */

/* Reads the keys of the running stack into s->keys. 0 or -1. */
int capture_read_keys(SamplerObject *s);
/* Keeps the present sample (s->stack, 'depth' ids; s->keys) as the last
 * one in the context of 'sub'; 'start' when the profiler starts here. */
int capture_keep_in_context(SamplerObject *s, capture_sub *sub, size_t depth,
                            bool start);
/* Sets the state and info of each async subscriber for a timer sample
 * whose stack (root first, 'depth' ids) is in s->stack. 0 or -1. */
int capture_timer_follow_async(SamplerObject *s, size_t depth);
/* Lets go of the tasks a sample replaced. The last reference to a task
 * runs Python code (weakref callbacks, __del__ of what it holds), which
 * may take a sample or stop a profiler: it must not run while the
 * sampler's state is half changed, so this comes after the sample. It
 * touches 's' no more once it lets go (that may stop the last profiler). */
void capture_release_retired(SamplerObject *s);

#endif
