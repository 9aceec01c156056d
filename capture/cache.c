/* cache.c - the report cache of --load-prev: the session of every text
 * report is kept as <start time>.pyisession in
 * $XDG_DATA_HOME/pyinstrument/reports (~/.local/share/... without it); the
 * ten newest files before it stay, then the oldest go while the cache is
 * over its byte limit ($PYINSTRUMENT_REPORT_CACHE_BYTES).
 *
 * When the process ends with the command and the report went straight to
 * descriptor 1, the file is written by a thread of its own while Python
 * finalizes, and the process waits for it at its very end (Py_AtExit): a
 * big session's writing (1.5 ms for deep.py's 880 KB here) then costs the
 * run no wall time. The hint to --load-prev comes then, after whatever the
 * program prints at exit. Otherwise the same steps run at once.
 */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The report cache's folder (the caller frees it): $XDG_DATA_HOME used as
 * it is, else ~/.local/share, then pyinstrument/reports, as appdirs makes
 * it with os.path.expanduser and os.path.join. NULL when out of memory. */
static char *reports_path(void) {
  const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
  if (!xdg && !home) {
    struct passwd *pw = getpwuid(getuid());
    home = pw ? pw->pw_dir : "~"; /* expanduser leaves "~" when it has none */
  }
  size_t n = xdg ? strlen(xdg) : strlen(home);
  if (!xdg)
    while (n > 0 && home[n - 1] == '/') /* HOME=/ gives /.local/share */
      n--;
  size_t size = n + sizeof "/.local/share/pyinstrument/reports";
  char *dir = malloc(size);
  if (!dir)
    return NULL;
  if (xdg) /* os.path.join adds no second slash, nor one after "" */
    snprintf(dir, size, "%s%spyinstrument/reports", xdg,
             n == 0 || xdg[n - 1] == '/' ? "" : "/");
  else
    snprintf(dir, size, "%.*s/.local/share/pyinstrument/reports", (int)n,
             home);
  return dir;
}

PyObject *capture_reports_dir(void) {
  char *dir = reports_path();
  PyObject *r = dir ? PyUnicode_DecodeFSDefault(dir) : PyErr_NoMemory();
  free(dir);
  return r;
}

/* The report cache's limit in bytes: $PYINSTRUMENT_REPORT_CACHE_BYTES, a
 * number with an optional K, M or G (powers of 1024), else 1 GiB. */
static unsigned long long cache_limit(void) {
  const unsigned long long def = 1ull << 30;
  const char *v = getenv("PYINSTRUMENT_REPORT_CACHE_BYTES");
  if (!v || !*v)
    return def;
  char *end;
  errno = 0;
  unsigned long long n = strtoull(v, &end, 10);
  int shift = 0;
  switch (*end) {
  case 'k': case 'K': shift = 10; end++; break;
  case 'm': case 'M': shift = 20; end++; break;
  case 'g': case 'G': shift = 30; end++; break;
  }
  if (errno || end == v || *end || v[0] == '-' || (n << shift >> shift) != n) {
    cli_fail("PYINSTRUMENT_REPORT_CACHE_BYTES=%s is not a size such as "
             "500M; keeping up to 1G",
             v);
    return def;
  }
  return n << shift;
}

/* ==== keeping a session ================================================= */

/* A file of the cache: its name and size. */
struct entry {
  char *name;
  unsigned long long size;
};

/* A session to keep, and what came of it. */
struct keep {
  pyi_session *s;  /* owned when it is kept in the background */
  bool owned;
  char *dir;       /* the reports folder, as the file system names it */
  char id[64];     /* the start time: the file's name and --load-prev's ID */
  unsigned long long limit;
  struct entry *files; /* the cache, newest first */
  size_t n_files;
  bool kept;       /* the file is there, within the limit */
  pyi_error err;   /* why not, when err.msg is set */
};

static int newest_first(const void *a, const void *b) {
  return strcmp(((const struct entry *)b)->name,
                ((const struct entry *)a)->name);
}

/* Notes that a system call on 'path' failed; returns -1. */
static int failed(struct keep *k, const char *path) {
  snprintf(k->err.msg, sizeof k->err.msg, "%s: %s", path, strerror(errno));
  return -1;
}

static char *join(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s/%s", dir, name);
  return p;
}

/* Makes the folder and its parents, as os.makedirs(exist_ok=True): one
 * that is there already is fine, unless it is no folder. */
static int make_dirs(struct keep *k) {
  char *p = k->dir;
  int err = 0;
  for (size_t i = 1;; i++) {
    if (p[i] != '/' && p[i] != '\0')
      continue;
    char c = p[i];
    p[i] = '\0';
    err = mkdir(p, 0777) == 0 || errno == EEXIST ? 0 : errno;
    p[i] = c;
    if (!c)
      break;
  }
  struct stat st;
  if (stat(p, &st) != 0) {
    errno = err ? err : errno;
    return failed(k, p);
  }
  if (!S_ISDIR(st.st_mode)) {
    errno = ENOTDIR;
    return failed(k, p);
  }
  return 0;
}

/* Reads the cache's files: *.pyisession as glob matches it (no dot
 * files), each with its size (one gone meanwhile is left out). */
static int list_files(struct keep *k) {
  DIR *d = opendir(k->dir);
  if (!d)
    return failed(k, k->dir);
  size_t cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (e->d_name[0] == '.' || len <= 11 ||
        strcmp(e->d_name + len - 11, ".pyisession") != 0)
      continue;
    char *path = join(k->dir, e->d_name);
    struct stat st;
    if (!path || stat(path, &st) != 0) {
      free(path);
      continue;
    }
    free(path);
    if (k->n_files == cap) {
      cap = cap ? 2 * cap : 16;
      struct entry *f = realloc(k->files, cap * sizeof *f);
      if (!f)
        break;
      k->files = f;
    }
    char *name = strdup(e->d_name);
    if (!name)
      break;
    k->files[k->n_files++] = (struct entry){name, (unsigned long long)st.st_size};
  }
  closedir(d);
  if (k->n_files > 1) /* (an empty folder has no list to sort) */
    qsort(k->files, k->n_files, sizeof *k->files, newest_first);
  return 0;
}

/* Removes the oldest file of the list, from the list and the folder. */
static int remove_oldest(struct keep *k) {
  struct entry *last = &k->files[--k->n_files];
  char *path = join(k->dir, last->name);
  int rc = path && unlink(path) != 0 && errno != ENOENT /* pruned meanwhile */
               ? failed(k, path)
               : 0;
  free(path);
  free(last->name);
  return rc;
}

/* The steps of cli.md §7: prune to ten files, save, then keep within the
 * byte limit. Sets k->kept, or k->err. Touches no Python object. */
static void keep_session(struct keep *k) {
  if (make_dirs(k) || list_files(k))
    return;
  while (k->n_files > 10) /* the oldest names go first */
    if (remove_oldest(k))
      return;
  char name[sizeof k->id + 16];
  snprintf(name, sizeof name, "%s.pyisession", k->id);
  char *path = join(k->dir, name);
  struct stat st;
  if (!path) {
    snprintf(k->err.msg, sizeof k->err.msg, "out of memory");
    return;
  }
  if (pyi_session_save(k->s, path, &k->err)) {
    free(path);
    return;
  }
  int rc = stat(path, &st) != 0 ? failed(k, path) : 0;
  free(path);
  if (rc)
    return;
  /* the listing taken before, with the new file in its place (a file of
   * the same name, from a run that started in the same second, replaced) */
  size_t n = 0;
  unsigned long long total = 0;
  for (size_t i = 0; i < k->n_files; i++) {
    if (strcmp(k->files[i].name, name) == 0) {
      free(k->files[i].name);
      continue;
    }
    total += k->files[i].size;
    k->files[n++] = k->files[i];
  }
  k->n_files = n;
  struct entry *f = realloc(k->files, (n + 1) * sizeof *f);
  char *mine = strdup(name);
  if (f)
    k->files = f;
  if (!f || !mine) {
    free(mine);
    snprintf(k->err.msg, sizeof k->err.msg, "out of memory");
    return;
  }
  k->files[k->n_files++] = (struct entry){mine, (unsigned long long)st.st_size};
  total += (unsigned long long)st.st_size;
  qsort(k->files, k->n_files, sizeof *k->files, newest_first);
  k->kept = true;
  while (total > k->limit && k->n_files > 0) {
    const struct entry *last = &k->files[k->n_files - 1];
    total -= last->size;
    if (strcmp(last->name, name) == 0)
      k->kept = false;
    if (remove_oldest(k)) {
      k->kept = false;
      return;
    }
  }
}

static void keep_free(struct keep *k) {
  if (!k)
    return;
  if (k->owned)
    pyi_session_free(k->s);
  for (size_t i = 0; i < k->n_files; i++)
    free(k->files[i].name);
  free(k->files);
  free(k->dir);
  free(k);
}

/* The hint, or why there is none: through Python's sys.stdout and
 * stderr, or, at the process's end, straight to descriptors 1 and 2. */
static void tell(const struct keep *k, bool at_exit) {
  char msg[sizeof k->err.msg + 256];
  int fd = 2;
  if (k->kept) {
    snprintf(msg, sizeof msg,
             "To view this report with different options, run:\n"
             "    pyinstrument --load-prev %s [options]\n\n",
             k->id);
    fd = 1;
  } else if (k->err.msg[0]) {
    snprintf(msg, sizeof msg, "could not keep the report for --load-prev: %s",
             k->err.msg);
  } else if (k->limit > 0) {
    snprintf(msg, sizeof msg,
             "the session is bigger than the report cache's limit of %llu "
             "bytes (PYINSTRUMENT_REPORT_CACHE_BYTES), so it was not kept "
             "for --load-prev",
             k->limit);
  } else {
    return; /* a limit of 0: no cache, nothing to say */
  }
  if (!at_exit) {
    if (fd == 1)
      PySys_WriteStdout("%s", msg); /* (formats up to 1000 bytes) */
    else
      cli_fail("%s", msg);
    return;
  }
  /* (a write that fails, to a closed stdout, leaves nothing to do) */
  if (fd == 1) {
    (void)capture_write_all(1, msg, strlen(msg));
    return;
  }
  char line[sizeof msg + 16]; /* as cli_fail words it */
  int n = snprintf(line, sizeof line, "pyinstrument: %s\n", msg);
  if (n > 0 && (size_t)n < sizeof line)
    (void)capture_write_all(2, line, (size_t)n);
}

/* ==== in the background ================================================= */

static struct {
  pthread_t thread;
  struct keep *job;   /* while the thread runs */
  bool timing_thread; /* it is the timing thread, not one of our own */
  bool registered;    /* with Py_AtExit */
  pid_t pid;          /* the process it runs in: not a child forked since */
} background;

static void *keep_in_background(void *arg) {
  keep_session(arg);
  return NULL;
}

/* Waits for the session kept in the background, and tells what came of
 * it: at the process's end, after Python's finalization. */
static void finish_background(void) {
  struct keep *k = background.job;
  if (!k || background.pid != getpid())
    return;
  if (background.timing_thread)
    capture_timing_join();
  else
    pthread_join(background.thread, NULL);
  background.job = NULL;
  tell(k, true);
  keep_free(k);
}

/* Starts keeping k in another thread: the timing thread, lingering for
 * it (see capture_timing_linger), else a thread of its own. False when
 * neither can be had. */
static bool start_background(struct keep *k) {
  if (!background.registered) {
    if (Py_AtExit(finish_background) != 0)
      return false;
    background.registered = true;
  }
  background.pid = getpid();
  if (capture_timing_give(keep_in_background, k) == 0) {
    background.job = k;
    background.timing_thread = true;
    return true;
  }
  background.timing_thread = false;
  if (capture_thread_start(keep_in_background, k, &background.thread) != 0)
    return false;
  background.job = k;
  return true;
}

void capture_remember(PyObject *session, bool exiting) {
  finish_background(); /* one from before, in a process that went on */
  struct keep *k = calloc(1, sizeof *k);
  pyi_session *s = capture_session_get(session);
  if (!k || !s) {
    free(k);
    if (!PyErr_Occurred())
      PyErr_NoMemory();
    cli_fail_exception("could not keep the report for --load-prev");
    return;
  }
  k->dir = reports_path();
  /* the ID is the start time in local time, as time.localtime has it */
  time_t start = (time_t)floor(pyi_session_start_time(s));
  struct tm tm;
  if (!k->dir || !localtime_r(&start, &tm) ||
      !strftime(k->id, sizeof k->id, "%Y-%m-%dT%H-%M-%S", &tm)) {
    keep_free(k);
    cli_fail("could not keep the report for --load-prev: no name for it");
    return;
  }
  k->limit = cache_limit();
  k->s = s;
  /* in the background only a session no one else holds: it is taken */
  if (exiting && Py_REFCNT(session) == 1) {
    k->s = capture_session_take(session);
    k->owned = true;
    if (start_background(k))
      return;
  }
  keep_session(k);
  tell(k, false);
  keep_free(k);
}
