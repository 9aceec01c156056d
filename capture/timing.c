/* timing.c - clocks, and the timing thread: one helper thread for the
 * whole process that wakes once per (smallest subscribed) interval. It
 * keeps a clock value that the profile hook reads instead of the clock
 * (use_timing_thread), and at each tick it calls the timer sampler's tick
 * function (timer.c), which asks for a sample. When told to linger, it
 * waits after the last subscription for one job to run before it exits
 * (the report cache's, cache.c). Process-wide by nature, hence file-level
 * state. It calls nothing else of the extension.
 */
#include "capture.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

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

static int64_t monotonic_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* ==== the timing thread ================================================== */

#define TIMING_MAX 1000

static struct {
  pthread_mutex_t lock;
  pthread_cond_t wake;
  double intervals[TIMING_MAX];
  int n;
  bool running;
  bool rephase; /* the next tick comes an interval after a subscription */
  _Atomic int64_t now_ns;
  void (*tick)(void);       /* called at each tick, lock held */
  void (*after_fork)(void); /* resets the tick's state in a forked child */
  /* once the last subscription ends, the thread may run one job before it
   * exits: starting a thread for it costs more (0.5 ms here, next to a
   * timing thread that is exiting) */
  bool linger;           /* ... so it waits for one */
  bool idle;             /* ... waiting: not in a tick, which may be stuck
                          * taking the GIL until Python ends it at exit */
  void *(*job)(void *);  /* given, until taken back by capture_timing_join */
  void *job_arg;
  bool job_done;
  pthread_cond_t done;   /* signalled when it is */
} timing = {.lock = PTHREAD_MUTEX_INITIALIZER,
            .wake = PTHREAD_COND_INITIALIZER,
            .done = PTHREAD_COND_INITIALIZER};

static void *timing_main(void *unused) {
  (void)unused;
  pthread_mutex_lock(&timing.lock);
  int64_t next = monotonic_ns();
  while (timing.n > 0 || (timing.linger && !timing.job)) {
    if (timing.n == 0) { /* lingering: no ticks until a job or a profiler */
      timing.idle = true;
      pthread_cond_wait(&timing.wake, &timing.lock);
      timing.idle = false;
      continue;
    }
    double wait = 1.0;
    for (int i = 0; i < timing.n; i++)
      wait = fmin(wait, timing.intervals[i]);
    int64_t now = monotonic_ns(), step = (int64_t)(wait * 1e9);
    if (timing.rephase) { /* as the hook's first sample: a full interval */
      timing.rephase = false;
      next = now + step;
    }
    if (now >= next) { /* a tick: not a wake-up for a new subscriber */
      atomic_store_explicit(&timing.now_ns, now, memory_order_relaxed);
      if (timing.tick)
        timing.tick();
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
  timing.running = false; /* a new subscription starts a new thread */
  if (timing.job) {
    void *(*job)(void *) = timing.job;
    void *arg = timing.job_arg;
    pthread_mutex_unlock(&timing.lock);
    job(arg);
    pthread_mutex_lock(&timing.lock);
    timing.job_done = true;
    pthread_cond_broadcast(&timing.done);
  }
  pthread_mutex_unlock(&timing.lock);
  return NULL;
}

void capture_timing_lock(void) { pthread_mutex_lock(&timing.lock); }
void capture_timing_unlock(void) { pthread_mutex_unlock(&timing.lock); }

int capture_timing_subscribe(double interval) {
  int rc = 0;
  pthread_mutex_lock(&timing.lock);
  if (timing.n == TIMING_MAX) {
    rc = -1;
  } else {
    timing.intervals[timing.n++] = interval;
    timing.rephase = true;
    atomic_store(&timing.now_ns, monotonic_ns());
    if (!timing.running) {
      if (capture_thread_start(timing_main, NULL, NULL) == 0)
        timing.running = true;
      else
        rc = -1, timing.n--;
    }
    pthread_cond_signal(&timing.wake);
  }
  pthread_mutex_unlock(&timing.lock);
  if (rc)
    PyErr_SetString(PyExc_RuntimeError, "could not start the timing thread");
  return rc;
}

void capture_timing_unsubscribe(double interval) {
  pthread_mutex_lock(&timing.lock);
  for (int i = 0; i < timing.n; i++)
    if (timing.intervals[i] == interval) {
      timing.intervals[i] = timing.intervals[--timing.n];
      break;
    }
  pthread_cond_signal(&timing.wake);
  pthread_mutex_unlock(&timing.lock);
}

void capture_timing_linger(bool on) {
  pthread_mutex_lock(&timing.lock);
  timing.linger = on;
  pthread_cond_signal(&timing.wake);
  pthread_mutex_unlock(&timing.lock);
}

int capture_timing_give(void *(*job)(void *), void *arg) {
  pthread_mutex_lock(&timing.lock);
  bool ok = timing.idle && timing.linger && timing.n == 0 && !timing.job;
  if (ok) {
    timing.job = job;
    timing.job_arg = arg;
    timing.job_done = false;
    timing.linger = false;
    pthread_cond_signal(&timing.wake);
  }
  pthread_mutex_unlock(&timing.lock);
  return ok ? 0 : -1;
}

void capture_timing_join(void) {
  pthread_mutex_lock(&timing.lock);
  while (timing.job && !timing.job_done)
    pthread_cond_wait(&timing.done, &timing.lock);
  timing.job = NULL;
  pthread_mutex_unlock(&timing.lock);
}

/* A forked child has no timing thread and none of the parent's other
 * threads: every subscription is dropped. The sampler of the thread that
 * forked subscribes again (capture_sampler_after_fork). */
static void fork_prepare(void) { pthread_mutex_lock(&timing.lock); }
static void fork_parent(void) { pthread_mutex_unlock(&timing.lock); }
static void fork_child(void) {
  /* the condition variable may hold the parent's waiter, a thread that
   * does not exist here */
  pthread_cond_init(&timing.wake, NULL);
  pthread_cond_init(&timing.done, NULL);
  timing.running = false;
  timing.n = 0;
  timing.linger = timing.idle = false;
  timing.job = NULL;
  if (timing.after_fork)
    timing.after_fork();
  pthread_mutex_unlock(&timing.lock);
}

int capture_timing_init(void (*tick)(void), void (*after_fork)(void)) {
  pthread_mutex_lock(&timing.lock);
  timing.tick = tick;
  timing.after_fork = after_fork;
  pthread_mutex_unlock(&timing.lock);
  if (pthread_atfork(fork_prepare, fork_parent, fork_child) != 0) {
    PyErr_SetString(PyExc_RuntimeError, "pthread_atfork failed");
    return -1;
  }
  return 0;
}

/* ==== the hook's clocks ================================================== */

double capture_clock_now(int clock) {
  switch (clock) {
  case CAPTURE_CLOCK_THREAD:
    return (double)atomic_load_explicit(&timing.now_ns, memory_order_relaxed) *
           1e-9;
  case CAPTURE_CLOCK_COARSE:
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

int capture_clock_choose(double interval, bool timing_thread) {
  return timing_thread                       ? CAPTURE_CLOCK_THREAD
         : coarse_resolution() <= interval ? CAPTURE_CLOCK_COARSE
                                           : CAPTURE_CLOCK_PRECISE;
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

void capture_clock_warn(void) {
  static double cost = -1; /* measured once per process */
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
