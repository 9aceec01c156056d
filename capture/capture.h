/* capture.h - what the files of the capture extension share.
 *
 * The extension (pyinstrument._capture) is the only code that includes
 * Python.h. From the bottom up: clocks and the timing thread (timing.c);
 * frame-info strings and their ids, read from running frames (frames.c,
 * with bytecode.c naming C functions from a frame's value stack and
 * iframe.h the frame layout of each CPython version); a per-thread Sampler
 * that takes samples from pyinstrument's profile hook or from the timing
 * thread's requests (sampler.c, timer.c, awaits.c, threads.c); each
 * subscribed Profiler turns those into records of its libsession session
 * (profiler.c); Session and the renderer classes wrap libsession objects
 * (session.c, renderers.c); the command line lives in cli.c and run.c.
 */
#ifndef CAPTURE_H
#define CAPTURE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "pyisession.h"

/* ---- version shims ------------------------------------------------------ */

#if PY_VERSION_HEX < 0x030B0000
#error "the capture extension needs CPython 3.11 or newer"
#endif

/* On the versions whose frame layout we know (iframe.h), the sampler reads
 * interpreter frames directly: the public API would make a frame object
 * per frame (and on 3.11 a locals dict to find 'self'), and the timer
 * sampler names C functions from the frames' value stacks. Elsewhere it
 * goes through the public API and names none. */
#if PY_VERSION_HEX < 0x030E0000 && !defined(CAPTURE_PUBLIC_FRAMES)
#define CAPTURE_INTERNAL_FRAMES 1
#else
#define CAPTURE_INTERNAL_FRAMES 0
#endif

/* On 3.11 and 3.12 a pending call added by a thread other than the main
 * one does not raise the eval loop's flag; the timer sampler raises it
 * itself (sampler.c). 3.13 raises it. */
#if PY_VERSION_HEX < 0x030D0000
#define CAPTURE_RAISE_FLAG 1
#else
#define CAPTURE_RAISE_FLAG 0
#endif

#if PY_VERSION_HEX < 0x030D0000
#define Py_IsFinalizing _Py_IsFinalizing
#endif

#define CAPTURE_VERSION "5.1.2"

/* ---- pyutil.c: strings compared per call, streams, arrays --------------- */

typedef struct capture_strings {
  PyObject *self, *cls, *tracebackhide, *qualname, *name, *write, *flush,
      *encoding, *isatty, *render, *buffer, *coro, *cr_frame, *cr_await,
      *cr_suspended, *threading;
  PyObject *context_var; /* the ContextVar "active_profiler_context_var" */
} capture_strings;

/* Filled once when the module is imported (capture_strings_init: 0, or -1
 * with an exception set), read-only afterwards. */
extern capture_strings capture_str;
int capture_strings_init(void);

/* Calls sys.<stream>.flush() if it exists; errors are cleared. */
void capture_flush_std(void);
/* Writes 'text' to the Python file object 'file'. 0 or -1. */
int capture_write(PyObject *file, PyObject *text);
/* Sets option 'key' (a key path, as pyi_opts_set_json takes it) to a
 * Python value (None, bool, numbers, str, dicts and lists of them; other
 * objects as their str). 0, or -1 with an exception set. */
int capture_opts_set(pyi_opts *o, const char *key, PyObject *v);
/* module.attr(*args), importing 'module'; 'fmt' as Py_BuildValue takes it
 * (a single value is passed as the only argument). NULL with an
 * exception. */
PyObject *capture_call(const char *module, const char *attr, const char *fmt,
                       ...);
/* compile(source, filename, "exec") for a str or bytes source, as a
 * script's file or -c's text, through the C API. New reference. */
PyObject *capture_compile(PyObject *source, PyObject *filename);
/* A str from UTF-8 text that may hold NULs and surrogates (frame infos,
 * paths). New reference. */
PyObject *capture_text(const char *s, size_t len);
/* The UTF-8 bytes of a str, surrogates kept; TypeError naming 'what' for
 * anything else. New reference. */
PyObject *capture_utf8(PyObject *str, const char *what);
/* Writes all 'len' bytes to descriptor 'fd', again after EINTR and short
 * writes. 0, or an errno value (EIO for a write of nothing). */
int capture_write_all(int fd, const char *data, size_t len);
/* Starts a thread running fn(arg) with every signal blocked, so that
 * signals go to the program's threads (the main one, in practice) as
 * CPython expects: a Ctrl-C must interrupt the main thread's sleep. It is
 * detached, or joinable as *joinable when that is given. Returns once the
 * thread is made, 0, or -1; fn runs soon after (a fork meanwhile waits for
 * it). */
int capture_thread_start(void *(*fn)(void *), void *arg, pthread_t *joinable);
/* Grows the array '*p' of 'size'-byte items to hold at least 'need', the
 * new items zeroed. -1 with a Python MemoryError set. */
int capture_grow(void **p, size_t *cap, size_t need, size_t size);

/* ---- timing.c: clocks and the timing thread ----------------------------- */

/* Process-wide clocks (seconds). */
double capture_monotonic(void);
double capture_walltime(void);
double capture_process_time(void);

/* The clocks a profile hook may read: precise, coarse (when its
 * resolution is within the interval), the timing thread's value, or a
 * Python function (a fake clock: sampler.c reads that one). */
enum {
  CAPTURE_CLOCK_PRECISE,
  CAPTURE_CLOCK_COARSE,
  CAPTURE_CLOCK_THREAD,
  CAPTURE_CLOCK_FUNC
};
double capture_clock_now(int clock);
int capture_clock_choose(double interval, bool timing_thread);
/* Warns on stderr when reading the precise clock is slow (cli.md §9). */
void capture_clock_warn(void);

/* The timing thread runs while intervals are subscribed, ticking at the
 * smallest. Subscribing starts it: 0, or -1 with RuntimeError. */
int capture_timing_subscribe(double interval);
void capture_timing_unsubscribe(double interval);
/* While 'on', the timing thread does not exit when the last subscription
 * ends, but waits for a job (or for a new subscription). */
void capture_timing_linger(bool on);
/* Hands job(arg) to the lingering timing thread, which runs it (signals
 * blocked, no GIL) and exits: 0, or -1 when there is no such thread idle
 * (one still in a tick may be waiting for the GIL, which Python's exit
 * ends the thread in, job and all). */
int capture_timing_give(void *(*job)(void *), void *arg);
/* Waits until the job given is done. */
void capture_timing_join(void);
/* Its lock, held while 'tick' runs. */
void capture_timing_lock(void);
void capture_timing_unlock(void);
/* Sets what each tick calls and what resets its state in a forked child
 * (both with the lock held). 0, or -1 with an exception set. */
int capture_timing_init(void (*tick)(void), void (*after_fork)(void));

/* ---- frames.c: frame-info strings and their ids ------------------------- */

/* The frame-info strings one sampler has seen, with dense ids from 1, and
 * the caches that map code objects (by instruction offset and class) and C
 * functions to them, so a sample formats nothing it has seen before. */
typedef struct capture_frames capture_frames;

capture_frames *capture_frames_new(void);
void capture_frames_free(capture_frames *F);
/* Id of a ready-made frame-info string; 0 with an exception set on error. */
uint32_t capture_frames_intern(capture_frames *F, const char *text, size_t len);
/* The text of id 'id' (borrowed). */
const char *capture_frames_text(const capture_frames *F, uint32_t id,
                                size_t *len);
/* Id of a running Python frame (borrowed). */
uint32_t capture_frames_python(capture_frames *F, PyFrameObject *frame);
/* Id of a C function as a c_return event reports it (`sleep`,
 * `Pattern.match`). */
uint32_t capture_frames_cfunc(capture_frames *F, PyObject *callable);
/* Appends to 'out' (n ids filled, capacity grown with PyMem) the ids of
 * 'frame' (unless 'skip_first') and all its callers, leaf first, then the
 * thread root 'root' (0 for none). Returns the new count, or -1 with an
 * exception set. The _objects variant walks frame objects (for frames that
 * may have finished); the other reads the running stack. */
Py_ssize_t capture_frames_walk(capture_frames *F, PyFrameObject *frame,
                               bool skip_first, uint32_t root, uint32_t **out,
                               size_t *cap, size_t n);
Py_ssize_t capture_frames_walk_objects(capture_frames *F, PyFrameObject *frame,
                                       bool skip_first, uint32_t root,
                                       uint32_t **out, size_t *cap, size_t n);
/* As capture_frames_walk for the running stack of the calling thread, or
 * for the stack of thread 't', which does not run (the caller holds the
 * GIL). Unless 'callee', a top frame standing at its RESUME (entered or
 * resumed, nothing run yet) is left out, as the hook's call event leaves
 * it out: the time until then is its caller's. */
Py_ssize_t capture_frames_walk_running(capture_frames *F, bool callee,
                                       uint32_t root, uint32_t **out,
                                       size_t *cap, size_t n);
Py_ssize_t capture_frames_walk_thread(capture_frames *F, PyThreadState *t,
                                      bool callee, uint32_t root,
                                      uint32_t **out, size_t *cap, size_t n);
/* One key per frame of the running stack, leaf first, in the order of
 * capture_frames_walk_running: equal keys at one depth of two samples
 * (almost surely) mean the same call, still running. Returns the count or
 * -1 with an exception set. */
Py_ssize_t capture_frames_running_keys(uintptr_t **out, size_t *cap);
/* The key of a running coroutine's frame (as capture_frames_running_keys
 * gives it), or 0. */
uintptr_t capture_frames_coro_key(PyObject *coro);
/* Whether thread 't' has a Python frame that has started. */
bool capture_frames_has_python(PyThreadState *t);
/* Whether a running frame has a caller. */
bool capture_frames_has_back(PyFrameObject *frame);
/* "<name>\0<thread>\0<ident>" of the calling thread. */
uint32_t capture_frames_thread_root(capture_frames *F);
/* Whether the calling thread is the main thread of the main interpreter:
 * 1, 0, or -1 with an exception set. */
int capture_in_main_thread(void);
/* Where thread 't' is: its top frame and instruction. */
void capture_frames_position(PyThreadState *t, uintptr_t where[2]);
/* The id of the C function thread 't' is calling, as a c_return event
 * reports it, or 0; 'where' gets the position of the call. The caller
 * holds the GIL and 't' is not running (it waits without the GIL). */
uint32_t capture_frames_c_leaf(capture_frames *F, PyThreadState *t,
                               uintptr_t where[2]);
/* The id of the C function the running thread 't' has just returned from
 * (it stands at the check after a call instruction), when the bytecode
 * that loaded it can be read back without running code; or 0. */
uint32_t capture_frames_returned_c(capture_frames *F, PyThreadState *t);
/* (Without CAPTURE_INTERNAL_FRAMES these three find nothing.) */

/* ---- bytecode.c --------------------------------------------------------- */

/* _capture._stack_depths(code): the value-stack depth before each code
 * unit, as the timer sampler computes it to name C functions (-1:
 * unreachable), or None where it does not apply. For tests. */
PyObject *capture_stack_depths(PyObject *module, PyObject *code);

/* ---- sampler.c: the per-thread sampler ---------------------------------- */

enum { CAPTURE_ASYNC_DISABLED, CAPTURE_ASYNC_ENABLED, CAPTURE_ASYNC_STRICT };
/* 'hook': pyinstrument's profile hook. 'timer': samples requested by the
 * timing thread, no hook (main thread only; elsewhere the hook). */
enum { CAPTURE_SAMPLER_HOOK, CAPTURE_SAMPLER_TIMER };
/* The enum value of a sampler name, or -1 with ValueError set. */
int capture_parse_sampler(PyObject *name);
extern const char *const capture_sampler_names[];

/* What a subscriber is handed per sample: the thread it is of (0: the
 * sampler's own; others numbered from 1 as first seen), frame-info ids of
 * the sampler's table 'F', root first, and the seconds the sample stands
 * for. 0 on success, -1 with an exception set (the sampler then switches
 * off). */
typedef int (*capture_record_fn)(PyObject *subscriber, const capture_frames *F,
                                 uint32_t thread, const uint32_t *ids,
                                 size_t depth, double dt);

/* Subscribes 'p' to the sampler of the calling thread (creating it); the
 * sampler holds a reference to 'p' and calls 'record' with each sample,
 * and with each sample of every other thread when 'all_threads'. In async
 * modes 'p' is the value of the context var while in its context.
 * Returns 0, or -1 with RuntimeError/ValueError set. */
int capture_subscribe(PyObject *p, capture_record_fn record, double interval,
                      int async_mode, int use_timing_thread, int sampler,
                      bool all_threads);
/* Unsubscribes 'p'; RuntimeError when called from another thread. */
int capture_unsubscribe(PyObject *p);
/* The frame-info stack of 'frame' and its callers as pyinstrument's
 * start_call_stack: a new list of str, root first. */
PyObject *capture_call_stack(PyFrameObject *frame);
/* Readies the sampler's types and the timer sampler, and adds the types
 * of pyinstrument.stack_sampler to 'module' (at import). 0 or -1. */
int capture_sampler_ready(PyObject *module);
/* _capture._stack_sampler(): the calling thread's sampler (new
 * reference), for pyinstrument.stack_sampler.get_stack_sampler(). */
PyObject *capture_stack_sampler(PyObject *module, PyObject *unused);

/* ---- profiler.c --------------------------------------------------------- */

extern PyTypeObject Profiler_Type;
typedef struct ProfilerObject ProfilerObject;
/* Starts/stops 'p' as Profiler.start/stop do; stop returns the session
 * (new reference). */
int capture_profiler_start(ProfilerObject *p, PyFrameObject *caller,
                           PyObject *target_description);
PyObject *capture_profiler_stop(ProfilerObject *p);
/* The session 'p' is recording, its times and sample count brought up to
 * now and the other threads' records so far moved in, for a process that
 * ends without stopping it (subproc.c); NULL when 'p' is not running.
 * Borrowed: valid while the GIL is held. */
pyi_session *capture_profiler_peek(ProfilerObject *p);
/* Appends sys.path and the interpreter's prefixes to 's', as stop() does.
 * 0, or -1 with an exception set. */
int capture_add_sys_info(pyi_session *s);
PyObject *capture_profiler_new(double interval, int async_mode,
                               int use_timing_thread, int sampler);
/* Whether 'p' samples every thread (from its next start), and then what
 * its own thread's records lose, as a report of one thread would trim
 * it: the start stack above the frame that called start() (API), or all
 * of it, the code that runs the program and runpy's frames (the command:
 * RUNNER when that code is not the program itself, as it is for -c). */
enum { CAPTURE_STEM_API, CAPTURE_STEM_RUNNER, CAPTURE_STEM_PROGRAM };
void capture_profiler_set_all_threads(ProfilerObject *p, bool all_threads,
                                      int stem);
/* Whether a Python stream's encoding is a UTF and whether it is a tty. */
int capture_stream_caps(PyObject *file, bool *unicode, bool *color);

/* ---- context.c: pyinstrument.profile ------------------------------------ */

extern PyTypeObject Profile_Type;
extern PyTypeObject ProfileWrapper_Type;

/* ---- session.c ---------------------------------------------------------- */

extern PyTypeObject Session_Type;
/* Wraps 's' (ownership passes to the new object). New reference. */
PyObject *capture_session_wrap(pyi_session *s);
/* The session inside a Session object (borrowed), or NULL with TypeError. */
pyi_session *capture_session_get(PyObject *obj);
/* Takes the session out of a Session object (the caller owns it), leaving
 * an empty one in its place. */
pyi_session *capture_session_take(PyObject *obj);
/* Sets a Python exception from a libsession error ('type' NULL: OSError
 * for PYI_EIO, else ValueError). */
void capture_set_error(PyObject *type, const pyi_error *err);
/* The same for a file operation on 'filename': an error with an errno
 * becomes the OSError subclass for it, with errno and filename set. */
void capture_set_file_error(const pyi_error *err, PyObject *filename);

/* ---- frame.c, frame_json.c: pyinstrument.frame ----------------------- */

extern PyTypeObject Frame_Type, FrameGroup_Type;
/* The libsession tree behind a set of Frame views. */
typedef struct TreeObject TreeObject;
/* Session.root_frame(trim_stem): the root Frame of a new tree of
 * 'session', or None when it has no samples. New reference. */
PyObject *capture_root_frame(PyObject *session, bool trim_stem);
/* The Frame of node 'f' of tree 'T' (None for NULL). New reference. */
PyObject *capture_frame_view(TreeObject *T, pyi_frame *f);
/* The node of a Frame and its tree (borrowed), or NULL with TypeError. */
pyi_frame *capture_frame_node(PyObject *frame, TreeObject **T);
pyi_tree *capture_tree_of(TreeObject *T);
/* The Session a tree reads (borrowed), or NULL for frames without one. */
PyObject *capture_tree_context(TreeObject *T);
/* Frame.to_json_str(). New reference. */
PyObject *capture_frame_to_json(PyObject *frame);
int capture_add_frames(PyObject *module);

/* ---- processors.c: pyinstrument.processors ---------------------------- */

/* processor(frame, options) for libsession's processor 'name'. New
 * reference (the root it leaves, or None for a None frame). */
PyObject *capture_run_processor(const char *name, PyObject *frame,
                                PyObject *options);
/* libsession's name of one of the processor functions; NULL for others. */
const char *capture_processor_name(PyObject *obj);
/* Adds the processor functions to 'module'. */
int capture_add_processors(PyObject *module);

/* ---- renderers.c -------------------------------------------------------- */

extern PyTypeObject Renderer_Type;
/* Creates the built-in renderer called 'name' ("text", "html", ...) with
 * keyword options 'kwargs' (may be NULL). New reference. */
PyObject *capture_renderer_new(const char *name, PyObject *kwargs);
/* pyinstrument's class name of a built-in renderer ("ConsoleRenderer"). */
const char *capture_renderer_class(const char *name);
/* Renders 'session' with a renderer object: our own types in C, any other
 * object through its render() method. New reference (str, or bytes for
 * binary formats). */
PyObject *capture_render(PyObject *renderer, PyObject *session);
/* The report's bytes, as an object with the buffer protocol: from
 * libsession for our own renderers (no str made on the way, nor a copy),
 * else render()'s str encoded as UTF-8, or its bytes. '*text' tells
 * whether it is text rather than a binary format. New reference. */
PyObject *capture_render_bytes(PyObject *renderer, PyObject *session,
                               bool *text);
/* Renders with one of our renderer objects, when libsession alone can
 * draw it, straight to descriptor 1 as the report is made. 0 when done,
 * 1 when the renderer needs Python (nothing written), -1 with an
 * exception (a bad option) or, with none set, 'err' (output or render). */
int capture_render_stdout(PyObject *renderer, PyObject *session,
                          pyi_error *err);
/* Renders with one of our renderer objects straight to 'path' (written
 * under a temporary name, then renamed). 0, or -1 with an exception. */
int capture_render_file(PyObject *renderer, PyObject *session,
                        const char *path, FILE *notices);
/* Whether a class derived from one of ours takes processor_options
 * without being a FrameRenderer (libsession's own formats). */
bool capture_renderer_takes_processor_options(PyObject *cls);
/* Whether 'cls' is (a subclass of) ConsoleRenderer ('console') or else
 * FrameRenderer. */
bool capture_renderer_derives(PyObject *cls, bool console);
/* The built-in renderer class for a libsession renderer name (borrowed),
 * or NULL. */
PyObject *capture_renderer_type(const char *name);
/* libsession's name of the class (or the class it derives from) of our
 * renderer classes; NULL for others. */
const char *capture_renderer_type_name(PyObject *cls);
/* libsession's name of one of our renderer objects; NULL for others. */
const char *capture_renderer_name(PyObject *renderer);
int capture_add_renderers(PyObject *module);

/* ---- cli.c, run.c: the pyinstrument command ----------------------------- */

/* Runs the command with the argument list 'args'; 'exiting' when the
 * process ends with it. Returns the exit status (new reference). */
PyObject *capture_main(PyObject *module, PyObject *args, bool exiting);
/* _capture._subprocess_child(): run at interpreter start by the
 * sitecustomize of pyinstrument/_hook when `pyinstrument --subprocesses`
 * exported its environment; profiles this process as a child. */
PyObject *capture_subproc_child(PyObject *module, PyObject *unused);

#endif
