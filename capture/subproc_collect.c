/* subproc_collect.c - `pyinstrument --subprocesses` after the program:
 * the children's sessions in the shared directory (PID.pyisession, each
 * already nested under its process's frame) join the program's, which is
 * nested under its own frame first; libsession's pyi_combine_files does
 * the combining. Children that started (PID.started) but wrote nothing are
 * waited for a moment, then named on stderr. subproc.c holds the rest.
 */
#include "subproc.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define GRACE 2.0 /* seconds to wait for children still writing */

typedef struct child {
  long pid;
  bool session, marker;
} child;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Whether 'pid' is a process that may still write (not gone, not a
 * zombie). */
static bool alive(long pid) {
  if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
    return false;
  char path[64], stat[512];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f)
    return true;
  size_t n = fread(stat, 1, sizeof stat - 1, f);
  fclose(f);
  stat[n] = '\0';
  const char *end = strrchr(stat, ')'); /* "pid (comm) S ..." */
  return !(end && end[1] == ' ' && (end[2] == 'Z' || end[2] == 'X'));
}

static int by_pid(const void *a, const void *b) {
  long x = ((const child *)a)->pid, y = ((const child *)b)->pid;
  return (x > y) - (x < y);
}

/* The children 'dir' names (PID.started, PID.pyisession), by pid. Returns
 * the count (the array is the caller's, PyMem), or -1 when 'dir' is gone.
 */
static Py_ssize_t scan(const capture_collect *c, child **out) {
  DIR *d = opendir(c->dir);
  child *list = NULL;
  size_t n = 0, cap = 0;
  *out = NULL;
  if (!d)
    return -1;
  for (struct dirent *e; (e = readdir(d));) {
    char *end;
    long pid = strtol(e->d_name, &end, 10);
    bool session = strcmp(end, ".pyisession") == 0;
    if (end == e->d_name || pid <= 0 || pid == c->top_pid ||
        !(session || strcmp(end, ".started") == 0))
      continue;
    size_t i = 0;
    while (i < n && list[i].pid != pid)
      i++;
    if (i == n) {
      if (capture_grow((void **)&list, &cap, n + 1, sizeof *list)) {
        PyErr_Clear();
        break;
      }
      list[n++] = (child){pid, false, false};
    }
    *(session ? &list[i].session : &list[i].marker) = true;
  }
  closedir(d);
  if (n)
    qsort(list, n, sizeof *list, by_pid);
  *out = list;
  return (Py_ssize_t)n;
}

/* The label a child wrote in its marker, or "?". */
static void marker_label(const capture_collect *c, long pid, char *out,
                         size_t cap) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%ld.started", c->dir, pid);
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(out, 1, cap - 1, f) : 0;
  if (f)
    fclose(f);
  out[n] = '\0';
  if (!n)
    strcpy(out, "?");
}

/* Waits up to GRACE seconds for the children that started and still run
 * to write their sessions, then names those that did not. Returns the
 * length of '*list' (how many of them have a session in '*sessions'), or
 * -1 when the directory is gone. */
static Py_ssize_t wait_for_children(const capture_collect *c, child **list,
                                    Py_ssize_t *sessions) {
  double deadline = now() + GRACE;
  Py_ssize_t n;
  for (;;) {
    if ((n = scan(c, list)) < 0)
      return -1;
    bool waiting = false;
    for (Py_ssize_t i = 0; i < n && !waiting; i++)
      waiting = !(*list)[i].session && alive((*list)[i].pid);
    if (!waiting || now() > deadline)
      break;
    PyMem_Free(*list);
    PyThreadState *ts = PyEval_SaveThread();
    nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
    PyEval_RestoreThread(ts);
  }
  *sessions = 0;
  for (Py_ssize_t i = 0; i < n; i++) {
    const child *ch = &(*list)[i];
    if (ch->session) {
      ++*sessions;
      continue;
    }
    char label[LABEL_MAX + 16];
    marker_label(c, ch->pid, label, sizeof label);
    capture_subproc_note(
        "child process %ld (%s) %s; its samples are left out", ch->pid, label,
        alive(ch->pid) ? "was still running"
                       : "ended without saving its profile (killed?)");
  }
  return n;
}

/* ---- the program's own records ------------------------------------------ */

/* The identifier of a frame info (up to its attributes). */
static size_t ident_len(const char *f, size_t len) {
  const char *a = memchr(f, '\x01', len);
  return a ? (size_t)(a - f) : len;
}

static bool file_is(const pyi_session *s, uint32_t id, const char *name,
                    bool suffix) {
  size_t len, n = strlen(name);
  const char *f = pyi_session_frame_info(s, id, &len);
  size_t ilen = ident_len(f, len);
  const char *a = memchr(f, '\0', ilen);
  if (!a)
    return false;
  const char *b = memchr(a + 1, '\0', ilen - (size_t)(a + 1 - f));
  size_t flen = (size_t)((b ? b : f + ilen) - (a + 1));
  return suffix ? flen >= n && memcmp(a + 1 + flen - n, name, n) == 0
                : flen == n && memcmp(a + 1, name, n) == 0;
}

/* The command's own frames above the program in the records of 's': the
 * start stack, the "<string>" runner and runpy's frames, then the
 * program's module frame, which a report of the program alone starts at
 * (remove_first_pyinstrument_frames). Fills 'buf' (8192 ids) and returns
 * the depth, or 0 when no record shows it. */
static size_t program_stem(const capture_collect *c, const pyi_session *s,
                           uint32_t *buf) {
  const uint32_t *start;
  size_t k = pyi_session_start_call_stack(s, &start);
  for (size_t r = 0; k && r < pyi_session_record_count(s); r++) {
    double t;
    size_t d = pyi_session_record(s, r, buf, 8192, &t), j = k;
    bool same = d > k && d <= 8192;
    for (size_t i = 0; same && i < k; i++) {
      size_t al, bl;
      const char *a = pyi_session_frame_info(s, buf[i], &al);
      const char *b = pyi_session_frame_info(s, start[i], &bl);
      same = ident_len(a, al) == ident_len(b, bl) &&
             memcmp(a, b, ident_len(a, al)) == 0;
    }
    if (!same || !file_is(s, buf[j], "<string>", false))
      continue;
    if (!c->program_mode) /* with -c, "<string>" is the program */
      for (j++; j < d && (file_is(s, buf[j], "<frozen runpy>", false) ||
                          file_is(s, buf[j], "runpy.py", true));)
        j++;
    size_t len;
    const char *f = j < d ? pyi_session_frame_info(s, buf[j], &len) : NULL;
    if (f && len > 9 && memcmp(f, "<module>", 9) == 0)
      return j + 1; /* the program's module, not runpy finding it */
  }
  return 0;
}

/* The program's session under its process frame, without the command's
 * frames. NULL with 'err' filled. */
static pyi_session *nest_program(const capture_collect *c, pyi_session *top,
                                 pyi_error *err) {
  char frame[LABEL_MAX + 64];
  size_t len = capture_process_frame(frame, sizeof frame, c->label, c->top_pid);
  const uint32_t *start;
  size_t k = pyi_session_start_call_stack(top, &start);
  uint32_t *kept = PyMem_Malloc((k + 1) * sizeof *kept);
  uint32_t *stem = PyMem_Malloc(8192 * sizeof *stem);
  size_t depth = kept && stem ? program_stem(c, top, stem) : 0;
  if (depth) { /* the stem nesting drops; the session is put back after */
    memcpy(kept, start, k * sizeof *kept);
    pyi_session_set_start_call_stack(top, stem, depth, err);
  }
  pyi_session *nested = pyi_session_nest(top, frame, len, err);
  if (depth)
    pyi_session_set_start_call_stack(top, kept, k, err);
  PyMem_Free(kept);
  PyMem_Free(stem);
  return nested;
}

static void skipped(void *ctx, const pyi_error *e) {
  capture_subproc_note("--subprocesses: a child's profile is left out: %s",
                       e->msg);
}

/* The files combined: the program's first (written beside the children's),
 * then every child's session. The duration stays the program's; CPU time
 * and samples add up. NULL after a note on failure. */
static pyi_session *combine(const capture_collect *c, pyi_session *top,
                            const child *list, Py_ssize_t n) {
  pyi_error err = {0};
  pyi_session *nested = nest_program(c, top, &err), *all = NULL;
  size_t k = 0;
  char(*paths)[PATH_MAX] = PyMem_Calloc((size_t)n + 2, sizeof *paths);
  const char **names = PyMem_Calloc((size_t)n + 1, sizeof *names);
  if (nested && paths && names) {
    snprintf(paths[k], PATH_MAX, "%s/%ld.pyisession", c->dir, c->top_pid);
    names[k] = paths[k];
    k++;
    for (Py_ssize_t i = 0; i < n; i++)
      if (list[i].session) {
        snprintf(paths[k], PATH_MAX, "%s/%ld.pyisession", c->dir, list[i].pid);
        names[k] = paths[k];
        k++;
      }
    snprintf(paths[k], PATH_MAX, "%s/all.pyisession", c->dir);
    pyi_combine_opts o = {.skip_bad = true, .skipped = skipped};
    if (pyi_session_save(nested, paths[0], &err) == 0 &&
        pyi_combine_files(names, k, paths[k], &o, &err) == 0 &&
        (all = pyi_session_load(paths[k], &err)))
      pyi_session_set_times(all, pyi_session_start_time(top),
                            pyi_session_duration(top),
                            pyi_session_cpu_time(all));
  }
  if (!all)
    capture_subproc_note(
        "--subprocesses: the children's profiles are left out: %s",
        err.msg[0] ? err.msg : "out of memory");
  PyMem_Free(paths);
  PyMem_Free(names);
  pyi_session_free(nested);
  return all;
}

/* Removes the directory and everything in it (all of it ours or our
 * children's). */
static void remove_dir(const char *dir) {
  DIR *d = opendir(dir);
  char path[PATH_MAX];
  for (struct dirent *e; d && (e = readdir(d));) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    unlink(path);
  }
  if (d)
    closedir(d);
  if (rmdir(dir) != 0 && errno != ENOENT)
    capture_subproc_note("--subprocesses: cannot remove %s: %s", dir,
                         strerror(errno));
}

pyi_session *capture_subproc_collect(const capture_collect *c,
                                     pyi_session *top) {
  child *list = NULL;
  Py_ssize_t sessions = 0, n = wait_for_children(c, &list, &sessions);
  pyi_session *all = NULL;
  if (n < 0)
    capture_subproc_note("--subprocesses: %s: %s; the children's profiles "
                         "are lost",
                         c->dir, strerror(errno));
  else if (sessions > 0)
    all = combine(c, top, list, n);
  PyMem_Free(list);
  if (n >= 0)
    remove_dir(c->dir);
  return all;
}
