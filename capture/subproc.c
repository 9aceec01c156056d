/* subproc.c - `pyinstrument --subprocesses`: the Python children of the
 * profiled program are profiled with the same options, and each one's
 * session joins the program's report under a root frame naming the
 * process ("python3 job.py\0<process>\0PID").
 *
 * The command makes a private directory, exports it with the options in
 * PYINSTRUMENT_SUBPROCESSES and puts pyinstrument/_hook first on
 * PYTHONPATH: the sitecustomize.py there runs in every Python started with
 * that environment (subprocess, multiprocessing's spawn and forkserver) and
 * calls _subprocess_child() below. Forks (multiprocessing's fork, os.fork)
 * are caught by an os.register_at_fork callback. A child profiles itself
 * and, as it ends (atexit, os._exit, SIGTERM), writes its session, nested
 * under its frame by libsession, to DIR/PID.pyisession (under a temporary
 * name, then renamed); DIR/PID.started, written first, names it. Once the
 * program has ended, the command waits briefly for children still
 * writing, combines their files with its own session (pyi_combine_files)
 * and removes the directory. Every process writes into the same directory,
 * so grandchildren are found even when their parent was killed.
 *
 * The state is process-wide by nature (one profiled process, one
 * directory), hence file-level; a forked child starts from its parent's.
 */
#include "subproc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ENV_NAME "PYINSTRUMENT_SUBPROCESSES"

enum { ROLE_NONE, ROLE_TOP, ROLE_CHILD, ROLE_RELAY };
enum { KIND_EXEC, KIND_FORK, KIND_FORKSERVER };

static struct {
  int role;      /* the command (TOP), a profiled child, or the forkserver,
                    which is not profiled but forks children that are */
  int kind;      /* how a child came to be */
  bool finished; /* a child has written its session (or given up) */
  bool forks;    /* the at-fork callback is registered in this interpreter */
  bool exits;    /* atexit and os._exit lead to finish() in this line */
  pid_t pid, top_pid;
  char dir[PATH_MAX - 64];    /* room for the names in it */
  char label[LABEL_MAX + 16]; /* the command line, or "fork of ..." */
  double interval;
  int sampler, async_mode, timing_thread;
  bool all_threads;     /* --all-threads, passed on */
  bool program_mode;    /* the command runs -c PROGRAM */
  PyObject *profiler;   /* the one recording this process, if any */
  PyObject *real_exit;  /* os._exit as we found it */
  PyObject *pythonpath; /* the command's PYTHONPATH before (NULL: unset) */
} sub;

/* ==== helpers ============================================================ */

void capture_subproc_note(const char *fmt, ...) {
  char text[PATH_MAX + 1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  capture_flush_std();
  PySys_FormatStderr("pyinstrument: %s\n", text);
  PyErr_Clear();
  PyErr_Restore(type, value, tb);
}

/* capture_subproc_note() with the pending exception's text after 'what'. */
static void note_exception(const char *what) {
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  PyErr_NormalizeException(&type, &value, &tb);
  PyObject *s = value ? PyObject_Str(value) : NULL;
  const char *text = s ? PyUnicode_AsUTF8(s) : NULL;
  PyErr_Clear();
  capture_subproc_note("%s: %s", what,
                       text && *text ? text
                       : type        ? ((PyTypeObject *)type)->tp_name
                                     : "failed");
  Py_XDECREF(s);
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(tb);
}

/* A module only if the program has imported it (borrowed, or NULL). */
static PyObject *imported(const char *name) {
  PyObject *modules = PySys_GetObject("modules");
  PyObject *m = modules ? PyDict_GetItemString(modules, name) : NULL;
  return m && m != Py_None ? m : NULL;
}

/* os.environ[key] = value, or del os.environ[key] when 'value' is NULL. */
static int set_environ(const char *key, PyObject *value) {
  PyObject *os = PyImport_ImportModule("os");
  PyObject *env = os ? PyObject_GetAttrString(os, "environ") : NULL;
  PyObject *k = env ? PyUnicode_DecodeFSDefault(key) : NULL;
  int rc = -1;
  if (k && value)
    rc = PyObject_SetItem(env, k, value);
  else if (k && (rc = PyObject_DelItem(env, k)) &&
           PyErr_ExceptionMatches(PyExc_KeyError)) {
    PyErr_Clear();
    rc = 0;
  }
  Py_XDECREF(os);
  Py_XDECREF(env);
  Py_XDECREF(k);
  return rc;
}

/* ==== naming ============================================================= */

/* Appends 'len' bytes of 'text' to the label 'out' ('n' bytes so far),
 * control characters as spaces. A label that reaches LABEL_MAX bytes ends
 * in "..." instead, cut between two characters, and takes nothing more.
 * Returns the new length (LABEL_MAX + 1 once cut). */
static size_t label_put(char *out, size_t n, const char *text, size_t len) {
  for (size_t i = 0; i < len && n <= LABEL_MAX; i++) {
    unsigned char c = (unsigned char)text[i];
    if (n + 3 == LABEL_MAX) {
      if ((c & 0xC0) == 0x80) { /* inside a character: drop its start */
        while (n > 0 && ((unsigned char)out[n - 1] & 0xC0) == 0x80)
          n--;
        n -= n > 0;
      }
      memcpy(out + n, "...", 4);
      return LABEL_MAX + 1;
    }
    out[n++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
  }
  if (n <= LABEL_MAX)
    out[n] = '\0';
  return n;
}

/* A command line as one line of text: the program's base name, then its
 * arguments, quoted where they are empty or hold spaces or quotes (for
 * reading, not for a shell). */
static void label_argv(char *out, PyObject *argv) {
  size_t n = 0;
  out[0] = '\0';
  for (Py_ssize_t i = 0; argv && i < PyList_GET_SIZE(argv); i++) {
    PyObject *item = PyList_GET_ITEM(argv, i);
    PyObject *b = PyUnicode_Check(item)
                      ? PyUnicode_AsEncodedString(item, "utf-8", "replace")
                      : NULL;
    if (!b) {
      PyErr_Clear();
      continue;
    }
    const char *a = PyBytes_AS_STRING(b);
    if (i == 0 && strrchr(a, '/'))
      a = strrchr(a, '/') + 1;
    const char *q =
        !*a || strpbrk(a, " \t\n'\"") ? strchr(a, '\'') ? "\"" : "'" : "";
    if (n)
      n = label_put(out, n, " ", 1);
    n = label_put(out, n, q, strlen(q));
    n = label_put(out, n, a, strlen(a));
    n = label_put(out, n, q, strlen(q));
    Py_DECREF(b);
  }
}

/* The name of this process as it ends: a multiprocessing child is named by
 * its Process ("ForkPoolWorker-1 (multiprocessing, fork)"), others by
 * their command line. */
static void final_label(char *out) {
  static const char *const methods[] = {"spawn", "fork", "forkserver"};
  PyObject *mp = imported("multiprocessing.process");
  PyObject *parent =
      mp ? PyObject_CallMethod(mp, "parent_process", NULL) : NULL;
  PyObject *current = parent && parent != Py_None
                          ? PyObject_CallMethod(mp, "current_process", NULL)
                          : NULL;
  PyObject *name = current ? PyObject_GetAttrString(current, "name") : NULL;
  const char *s = name && PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : NULL;
  if (s) {
    size_t n = label_put(out, 0, s, strlen(s));
    char tail[64];
    snprintf(tail, sizeof tail, " (multiprocessing, %s)", methods[sub.kind]);
    label_put(out, n, tail, strlen(tail));
  } else {
    strcpy(out, sub.label);
  }
  PyErr_Clear();
  Py_XDECREF(parent);
  Py_XDECREF(current);
  Py_XDECREF(name);
}

size_t capture_process_frame(char *out, size_t cap, const char *label,
                             long pid) {
  int n = snprintf(out, cap, "%s%c<process>%c%ld", label, 0, 0, pid);
  return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* ==== the environment children read ====================================== */

static int export_options(void) {
  char v[PATH_MAX + 256];
  snprintf(v, sizeof v,
           "interval=%.17g;sampler=%d;async_mode=%d;timing_thread=%d;"
           "all_threads=%d;top=%ld;dir=%s",
           sub.interval, sub.sampler, sub.async_mode, sub.timing_thread,
           (int)sub.all_threads, (long)sub.top_pid, sub.dir);
  PyObject *value = PyUnicode_DecodeFSDefault(v);
  int rc = value ? set_environ(ENV_NAME, value) : -1;
  Py_XDECREF(value);
  return rc;
}

/* Reads ENV_NAME into 'sub'; -1 when it is not ours to read. */
static int import_options(const char *v) {
  double interval = -1;
  int sampler = -1, async_mode = -1, timing = -2, all_threads = 0;
  long top = -1;
  while (*v) {
    if (strncmp(v, "dir=", 4) == 0) {
      if (strlen(v + 4) >= sizeof sub.dir || v[4] != '/')
        return -1;
      strcpy(sub.dir, v + 4);
      break;
    }
    sscanf(v, "interval=%lf", &interval);
    sscanf(v, "sampler=%d", &sampler);
    sscanf(v, "async_mode=%d", &async_mode);
    sscanf(v, "timing_thread=%d", &timing);
    sscanf(v, "all_threads=%d", &all_threads);
    sscanf(v, "top=%ld", &top);
    const char *semi = strchr(v, ';');
    if (!semi)
      return -1;
    v = semi + 1;
  }
  if (!sub.dir[0] || !(interval > 0) || sampler < CAPTURE_SAMPLER_HOOK ||
      sampler > CAPTURE_SAMPLER_TIMER || async_mode < CAPTURE_ASYNC_DISABLED ||
      async_mode > CAPTURE_ASYNC_STRICT || timing < -1 || timing > 1 ||
      top <= 0)
    return -1;
  sub.interval = interval;
  sub.sampler = sampler;
  sub.async_mode = async_mode;
  sub.timing_thread = timing;
  sub.all_threads = all_threads == 1;
  sub.top_pid = (pid_t)top;
  return 0;
}

/* ==== a child's life ===================================================== */

static PyObject *after_fork(PyObject *unused, PyObject *unused2);
static PyObject *at_exit(PyObject *unused, PyObject *unused2);
static PyObject *exit_now(PyObject *unused, PyObject *args);

static PyMethodDef after_fork_def = {"_subprocess_after_fork", after_fork,
                                     METH_NOARGS, NULL};
static PyMethodDef at_exit_def = {"_subprocess_atexit", at_exit, METH_NOARGS,
                                  NULL};
static PyMethodDef exit_def = {
    "_exit", exit_now, METH_VARARGS,
    "_exit(status)\n--\n\nos._exit, after saving this process's profile for "
    "pyinstrument --subprocesses."};

/* Registers after_fork with os.register_at_fork, once per interpreter
 * (threading is imported first, so that its own callback, which makes the
 * forking thread the main one, runs before ours). */
static int watch_forks(void) {
  if (sub.forks)
    return 0;
  PyObject *threading = PyImport_ImportModule("threading");
  PyObject *fn = threading ? PyCFunction_New(&after_fork_def, NULL) : NULL;
  PyObject *os = fn ? PyImport_ImportModule("os") : NULL;
  PyObject *reg = os ? PyObject_GetAttrString(os, "register_at_fork") : NULL;
  PyObject *args = reg ? PyTuple_New(0) : NULL;
  PyObject *kw = args ? Py_BuildValue("{sO}", "after_in_child", fn) : NULL;
  PyObject *r = kw ? PyObject_Call(reg, args, kw) : NULL;
  sub.forks = r != NULL;
  Py_XDECREF(threading);
  Py_XDECREF(fn);
  Py_XDECREF(os);
  Py_XDECREF(reg);
  Py_XDECREF(args);
  Py_XDECREF(kw);
  Py_XDECREF(r);
  return sub.forks ? 0 : -1;
}

/* Makes atexit and os._exit save the session first, once per process line
 * (a fork inherits both). */
static int take_exits(void) {
  if (sub.exits)
    return 0;
  PyObject *fn = PyCFunction_New(&at_exit_def, NULL);
  PyObject *r = fn ? capture_call("atexit", "register", "(O)", fn) : NULL;
  Py_XDECREF(fn);
  if (!r)
    return -1;
  Py_DECREF(r);
  PyObject *os = PyImport_ImportModule("os");
  PyObject *wrapper = os ? PyCFunction_New(&exit_def, NULL) : NULL;
  Py_XSETREF(sub.real_exit, os ? PyObject_GetAttrString(os, "_exit") : NULL);
  int rc = wrapper && sub.real_exit
               ? PyObject_SetAttrString(os, "_exit", wrapper)
               : -1;
  Py_XDECREF(os);
  Py_XDECREF(wrapper);
  sub.exits = rc == 0;
  return rc;
}

/* ---- SIGTERM ---------------------------------------------------------------
 * multiprocessing ends pool workers with SIGTERM, so a child saves its
 * session first. A handler set with Python's signal module would run only
 * when the main thread next runs bytecode, which a worker blocked on a
 * lock may never do; so a C handler wakes a helper thread, which takes the
 * GIL, saves, and lets SIGTERM kill the process as it would have. Only a
 * default SIGTERM is taken; Python's view of it (signal.getsignal) stays
 * SIG_DFL, and a handler the program sets replaces ours. Should the GIL
 * not come within TERM_WAIT seconds (the main thread busy in C code), the
 * process dies without saving. */

#define TERM_WAIT 5

static int term_pipe[2] = {-1, -1};
/* Held while a thread saves the session: another thread that ends the
 * process meanwhile (os._exit in the main thread while SIGTERM's helper
 * saves) waits for it, without the GIL. */
static pthread_mutex_t saving = PTHREAD_MUTEX_INITIALIZER;
static pthread_t saver;

static void die_of_sigterm(void) {
  signal(SIGTERM, SIG_DFL);
  sigset_t term; /* our helper threads block every signal */
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_UNBLOCK, &term, NULL);
  raise(SIGTERM);
  _exit(128 + SIGTERM); /* not reached */
}

static void on_sigterm(int sig) {
  int e = errno;
  if (term_pipe[1] < 0 || write(term_pipe[1], "t", 1) != 1)
    die_of_sigterm();
  errno = e;
}

/* A fork must not wake its parent's helper: its own comes with
 * become_child; until then, SIGTERM kills it. */
static void term_forget(void) {
  pthread_mutex_init(&saving, NULL);
  if (term_pipe[0] >= 0) {
    close(term_pipe[0]);
    close(term_pipe[1]);
  }
  term_pipe[0] = term_pipe[1] = -1;
}

static void *term_reaper(void *unused) {
  nanosleep(&(struct timespec){TERM_WAIT, 0}, NULL);
  die_of_sigterm();
  return NULL;
}

static void finish(void);
static void give_back_sigterm(void);

static void *term_helper(void *unused) {
  char c;
  ssize_t got;
  while ((got = read(term_pipe[0], &c, 1)) < 0 && errno == EINTR)
    ;
  if (got != 1) { /* the program closed our pipe: SIGTERM is its own again */
    give_back_sigterm();
    term_pipe[0] = term_pipe[1] = -1;
    return NULL;
  }
  if (capture_thread_start(term_reaper, NULL, NULL) != 0)
    die_of_sigterm();
  PyGILState_Ensure(); /* kept: the process ends here */
  finish();
  die_of_sigterm();
  return NULL;
}

static void take_sigterm(void) {
  static bool atfork;
  struct sigaction cur;
  if (!atfork)
    atfork = pthread_atfork(NULL, NULL, term_forget) == 0;
  if (!atfork || sigaction(SIGTERM, NULL, &cur) != 0 ||
      (cur.sa_handler != SIG_DFL && cur.sa_handler != on_sigterm))
    return; /* the program's choice stands */
  term_forget();
  if (pipe2(term_pipe, O_CLOEXEC) == 0 &&
      capture_thread_start(term_helper, NULL, NULL) == 0) {
    struct sigaction sa = {.sa_handler = on_sigterm, .sa_flags = SA_ONSTACK};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
  } else {
    term_forget();
  }
}

/* After the session is saved SIGTERM kills at once again. */
static void give_back_sigterm(void) {
  struct sigaction cur;
  if (sigaction(SIGTERM, NULL, &cur) == 0 && cur.sa_handler == on_sigterm)
    signal(SIGTERM, SIG_DFL);
}

/* ---- start and end ------------------------------------------------------ */

/* DIR/PID.started holds the label, so that the command can name a child
 * that never writes its session. */
static int write_marker(void) {
  char tmp[PATH_MAX], path[PATH_MAX];
  snprintf(tmp, sizeof tmp, "%s/.%ld.started.tmp", sub.dir, (long)sub.pid);
  snprintf(path, sizeof path, "%s/%ld.started", sub.dir, (long)sub.pid);
  FILE *f = fopen(tmp, "w");
  if (!f)
    return -1;
  bool ok = fputs(sub.label, f) >= 0;
  if (fclose(f) != 0 || !ok || rename(tmp, path) != 0) {
    unlink(tmp);
    return -1;
  }
  return 0;
}

/* Starts profiling this process as a child ('frame': where it starts). */
static void become_child(int kind, PyFrameObject *frame) {
  sub.role = ROLE_CHILD;
  sub.kind = kind;
  sub.pid = getpid();
  sub.finished = false;
  if (write_marker()) {
    capture_subproc_note("--subprocesses: cannot profile process %ld: %s: %s",
                         (long)sub.pid, sub.dir, strerror(errno));
    sub.role = ROLE_NONE;
    return;
  }
  PyObject *desc =
      PyUnicode_DecodeUTF8(sub.label, (Py_ssize_t)strlen(sub.label), "replace");
  PyObject *p = desc ? capture_profiler_new(sub.interval, sub.async_mode,
                                            sub.timing_thread, sub.sampler)
                     : NULL;
  if (p)
    capture_profiler_set_all_threads((ProfilerObject *)p, sub.all_threads,
                                     CAPTURE_STEM_API);
  int failed = !p || capture_profiler_start((ProfilerObject *)p, frame, desc) ||
               take_exits();
  Py_XDECREF(desc);
  if (failed) {
    char what[96];
    snprintf(what, sizeof what, "--subprocesses: cannot profile process %ld",
             (long)sub.pid);
    note_exception(what);
    if (p && capture_profiler_peek((ProfilerObject *)p)) {
      PyObject *s = capture_profiler_stop((ProfilerObject *)p);
      Py_XDECREF(s);
      PyErr_Clear();
    }
    Py_XDECREF(p);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%ld.started", sub.dir, (long)sub.pid);
    unlink(path);
    sub.role = ROLE_NONE;
    return;
  }
  Py_XSETREF(sub.profiler, p);
  take_sigterm();
}

static void save(void);

/* Writes this child's session so far, nested under the process's frame,
 * to DIR/PID.pyisession, once; returns when it is written, whichever
 * thread writes it. The profiler is not stopped: the process is ending,
 * and this may run in another thread (SIGTERM's helper). */
static void finish(void) {
  if (sub.role != ROLE_CHILD || sub.pid != getpid() ||
      (sub.finished && pthread_equal(saver, pthread_self())))
    return;
  PyThreadState *ts = PyEval_SaveThread();
  pthread_mutex_lock(&saving);
  PyEval_RestoreThread(ts);
  if (!sub.finished) {
    sub.finished = true;
    saver = pthread_self();
    save();
  }
  pthread_mutex_unlock(&saving);
}

/* Writes the session to 'path' through PATH.part, renamed when complete.
 * Not pyi_session_save: its handler would remove the file on a SIGTERM
 * that comes during the write, and here a SIGTERM (a pool ending its
 * workers) only waits for this save to end the process. The directory is
 * the command's own; a child killed mid-write leaves a .part it ignores. */
static int write_session(const pyi_session *s, const char *path,
                         pyi_error *err) {
  size_t len;
  char *data = pyi_render_string(s, "pyisession", NULL, &len, NULL, err);
  if (!data)
    return -1;
  char part[PATH_MAX + 8];
  snprintf(part, sizeof part, "%s.part", path);
  int fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int e = fd < 0 ? errno : capture_write_all(fd, data, len);
  if (fd >= 0 && close(fd) != 0 && !e)
    e = errno;
  if (!e && rename(part, path) != 0)
    e = errno;
  free(data);
  if (e) {
    unlink(part);
    err->code = PYI_EIO;
    err->errnum = e;
    snprintf(err->msg, sizeof err->msg, "%.400s: %s", path, strerror(e));
    return -1;
  }
  return 0;
}

/* finish()'s work. Leaves any pending exception as it was. */
static void save(void) {
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  pyi_session *s = sub.profiler
                       ? capture_profiler_peek((ProfilerObject *)sub.profiler)
                       : NULL;
  char label[LABEL_MAX + 16], frame[LABEL_MAX + 64], path[PATH_MAX];
  final_label(label);
  size_t len = capture_process_frame(frame, sizeof frame, label, sub.pid);
  pyi_error err = {0};
  pyi_session *nested = s && len ? pyi_session_nest(s, frame, len, &err) : NULL;
  snprintf(path, sizeof path, "%s/%ld.pyisession", sub.dir, (long)sub.pid);
  if (!nested || capture_add_sys_info(nested)) {
    PyErr_Clear();
    capture_subproc_note("--subprocesses: the profile of process %ld is "
                         "lost: %s",
                         (long)sub.pid, err.msg[0] ? err.msg : "no session");
  } else {
    pyi_session_set_target_description(nested, label, strlen(label));
    if (write_session(nested, path, &err))
      capture_subproc_note("--subprocesses: the profile of process %ld is "
                           "lost: %s",
                           (long)sub.pid, err.msg);
  }
  pyi_session_free(nested);
  PyErr_Restore(type, value, tb);
  give_back_sigterm();
}

static PyObject *at_exit(PyObject *unused, PyObject *unused2) {
  finish();
  Py_RETURN_NONE;
}

static PyObject *exit_now(PyObject *unused, PyObject *args) {
  finish();
  return PyObject_Call(sub.real_exit, args, NULL);
}

/* Whether a fork is subprocess's, made to run preexec_fn and exec: the
 * program that follows profiles itself if it is Python. */
static bool about_to_exec(PyFrameObject *frame) {
  if (!frame)
    return false;
  PyCodeObject *code = PyFrame_GetCode(frame);
  const char *name = PyUnicode_AsUTF8(code->co_name);
  const char *file = PyUnicode_AsUTF8(code->co_filename);
  size_t n = file ? strlen(file) : 0;
  bool yes = name && strcmp(name, "_execute_child") == 0 && n >= 13 &&
             strcmp(file + n - 13, "subprocess.py") == 0;
  Py_DECREF(code);
  PyErr_Clear();
  return yes;
}

/* os.register_at_fork(after_in_child=...): the fork is a child of its own.
 * What its parent was recording is not its business. */
static PyObject *after_fork(PyObject *unused, PyObject *unused2) {
  if (sub.role == ROLE_NONE)
    Py_RETURN_NONE;
  PyFrameObject *frame = PyEval_GetFrame(); /* the caller of os.fork */
  if (about_to_exec(frame)) {
    sub.role = ROLE_NONE;
    Py_RETURN_NONE;
  }
  if (sub.profiler) {
    PyObject *s = capture_profiler_stop((ProfilerObject *)sub.profiler);
    Py_XDECREF(s);
    PyErr_Clear(); /* forked from another thread: that sampler is gone */
    Py_CLEAR(sub.profiler);
  }
  int kind = sub.role == ROLE_RELAY ? KIND_FORKSERVER : KIND_FORK;
  if (kind == KIND_FORK) {
    char parent[sizeof sub.label];
    strcpy(parent, sub.label);
    size_t n = label_put(sub.label, 0, "fork of ", 8);
    label_put(sub.label, n, parent, strlen(parent));
  }
  become_child(kind, frame);
  Py_RETURN_NONE;
}

/* What this interpreter is, from its command line: 1 multiprocessing's
 * resource tracker or a pyinstrument command (not followed), 2 the
 * forkserver (not profiled, but its forks are the program's workers),
 * else 0. */
static int mp_helper(void) {
  PyObject *argv = PySys_GetObject("orig_argv");
  Py_ssize_t n = argv && PyList_Check(argv) ? PyList_GET_SIZE(argv) : 0;
  for (Py_ssize_t i = 1; i + 1 < n; i++) {
    const char *a = PyUnicode_AsUTF8(PyList_GET_ITEM(argv, i));
    const char *code = PyUnicode_AsUTF8(PyList_GET_ITEM(argv, i + 1));
    PyErr_Clear();
    if (a && code && strcmp(a, "-m") == 0 && strcmp(code, "pyinstrument") == 0)
      return 1; /* a pyinstrument command profiles on its own */
    if (!a || !code || strcmp(a, "-c") != 0)
      continue;
    if (strstr(code, "from multiprocessing.resource_tracker import"))
      return 1;
    if (strstr(code, "from multiprocessing.forkserver import"))
      return 2;
    break;
  }
  return 0;
}

/* _capture._subprocess_child(), from the hook's sitecustomize.py. */
PyObject *capture_subproc_child(PyObject *module, PyObject *unused) {
  const char *v = getenv(ENV_NAME);
  if (!v || sub.role != ROLE_NONE)
    Py_RETURN_NONE;
  if (import_options(v)) {
    capture_subproc_note("--subprocesses: ignoring a malformed %s", ENV_NAME);
    Py_RETURN_NONE;
  }
  int helper = mp_helper();
  if (helper == 1) /* the resource tracker, or pyinstrument profiling */
    Py_RETURN_NONE;
  if (watch_forks()) {
    note_exception("--subprocesses: cannot follow forks");
    Py_RETURN_NONE;
  }
  if (helper == 2) {
    sub.role = ROLE_RELAY;
    sub.pid = getpid();
    label_argv(sub.label, PySys_GetObject("orig_argv"));
    Py_RETURN_NONE;
  }
  label_argv(sub.label, PySys_GetObject("orig_argv"));
  become_child(KIND_EXEC, PyEval_GetFrame());
  Py_RETURN_NONE;
}

/* ==== the command ======================================================== */

int capture_subproc_begin(struct capture_cli *c, PyObject *profiler) {
  PyObject *pkg = PyImport_ImportModule("pyinstrument");
  PyObject *file = pkg ? PyObject_GetAttrString(pkg, "__file__") : NULL;
  PyObject *fsfile = NULL;
  Py_XDECREF(pkg);
  if (!file || !PyUnicode_FSConverter(file, &fsfile)) {
    Py_XDECREF(file);
    note_exception("--subprocesses: cannot find the pyinstrument package");
    return 1;
  }
  Py_DECREF(file);
  char dir[PATH_MAX], hook[PATH_MAX], site[PATH_MAX + 32];
  const char *f = PyBytes_AS_STRING(fsfile), *slash = strrchr(f, '/');
  snprintf(dir, sizeof dir, "%.*s/_hook", slash ? (int)(slash - f) : 1,
           slash ? f : ".");
  Py_DECREF(fsfile);
  snprintf(site, sizeof site, "%s/sitecustomize.py", dir);
  if (!realpath(dir, hook) || access(site, R_OK) != 0) {
    capture_subproc_note("--subprocesses: %s: %s", site, strerror(errno));
    return 1;
  }
  const char *tmpdir = getenv("TMPDIR");
  snprintf(sub.dir, sizeof sub.dir, "%s/pyinstrument-XXXXXX",
           tmpdir && *tmpdir ? tmpdir : "/tmp");
  if (!mkdtemp(sub.dir)) {
    capture_subproc_note("--subprocesses: cannot make a directory in %s: %s",
                         tmpdir && *tmpdir ? tmpdir : "/tmp", strerror(errno));
    return 1;
  }
  sub.role = ROLE_TOP;
  sub.pid = sub.top_pid = getpid();
  sub.interval = c->interval;
  sub.sampler = c->sampler;
  sub.async_mode = CAPTURE_ASYNC_DISABLED;
  sub.timing_thread = c->timing_thread ? 1 : -1;
  sub.all_threads = c->all_threads;
  sub.program_mode = c->program != NULL;
  Py_XSETREF(sub.profiler, Py_NewRef(profiler));
  /* how python3 would have been called */
  PyObject *exe = PySys_GetObject("executable");
  PyObject *argv = PyList_New(0), *r;
  if (argv && exe)
    PyList_Append(argv, exe);
  if (argv && (c->module || c->program)) {
    PyObject *opt = PyUnicode_FromString(c->module ? "-m" : "-c");
    if (opt)
      PyList_Append(argv, opt);
    PyList_Append(argv, c->module ? c->module : c->program);
    Py_XDECREF(opt);
  }
  if (argv && (r = PySequence_InPlaceConcat(argv, c->args)))
    Py_DECREF(r);
  label_argv(sub.label, argv);
  Py_XDECREF(argv);
  PyErr_Clear();
  /* the children's environment */
  PyObject *os = PyImport_ImportModule("os");
  PyObject *env = os ? PyObject_GetAttrString(os, "environ") : NULL;
  PyObject *old = env ? PyMapping_GetItemString(env, "PYTHONPATH") : NULL;
  PyErr_Clear();
  Py_XSETREF(sub.pythonpath, old);
  PyObject *h = PyUnicode_DecodeFSDefault(hook);
  PyObject *path = !h ? NULL
                   : old && PyUnicode_GET_LENGTH(old)
                       ? PyUnicode_FromFormat("%U:%U", h, old)
                       : Py_NewRef(h);
  int rc = !path || set_environ("PYTHONPATH", path) || export_options() ||
           watch_forks();
  Py_XDECREF(os);
  Py_XDECREF(env);
  Py_XDECREF(h);
  Py_XDECREF(path);
  if (rc) {
    note_exception("--subprocesses");
    set_environ("PYTHONPATH", sub.pythonpath);
    set_environ(ENV_NAME, NULL);
    PyErr_Clear();
    Py_CLEAR(sub.pythonpath);
    Py_CLEAR(sub.profiler);
    sub.role = ROLE_NONE;
    rmdir(sub.dir);
    return 1;
  }
  return 0;
}

bool capture_subproc_forked(void) {
  return sub.top_pid && getpid() != sub.top_pid;
}

void capture_subproc_finish(void) { finish(); }

/* ---- after the program ----------------------------------------------------
 */

/* What the interpreter does as it exits, done before the report so that
 * the children it waits for have written their sessions: wait for the
 * threads (which also shuts down concurrent.futures executors), then
 * multiprocessing's exit handler (finalizers: pools terminated, managers
 * shut down; daemonic children terminated, the others joined). Both are
 * no-ops when the interpreter calls them again. */
static void let_children_end(void) {
  static const char *const steps[][2] = {
      {"threading", "_shutdown"}, {"multiprocessing.util", "_exit_function"}};
  for (size_t i = 0; i < 2; i++) {
    PyObject *m = imported(steps[i][0]);
    PyObject *r = m ? PyObject_CallMethod(m, steps[i][1], NULL) : NULL;
    if (m && !r) {
      char what[96];
      snprintf(what, sizeof what, "--subprocesses: %s.%s", steps[i][0],
               steps[i][1]);
      note_exception(what);
    }
    Py_XDECREF(r);
  }
}

PyObject *capture_subproc_end(PyObject *session) {
  if (sub.role != ROLE_TOP || getpid() != sub.top_pid)
    return session;
  Py_CLEAR(sub.profiler);
  let_children_end();
  if (set_environ("PYTHONPATH", sub.pythonpath) || set_environ(ENV_NAME, NULL))
    note_exception("--subprocesses: restoring the environment");
  Py_CLEAR(sub.pythonpath);
  sub.role = ROLE_NONE;
  capture_collect c = {sub.dir, (long)sub.top_pid, sub.label, sub.program_mode};
  pyi_session *all = capture_subproc_collect(&c, capture_session_get(session));
  if (!all)
    return session;
  Py_DECREF(session);
  return capture_session_wrap(all);
}
