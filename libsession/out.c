/* out.c - the output sink (see out.h for what is guaranteed): buffering,
 * choosing how a file is written, the temporary file and the signal
 * handler that removes it. */
#include "out.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"

#define FLUSH_AT (1u << 16)

enum {
  OUT_STRING,  /* memory only */
  OUT_DIRECT,  /* fd is the target itself: stdout, a device, a FIFO */
  OUT_RENAME,  /* fd is the temporary file, renamed onto path at close */
  OUT_INPLACE, /* fd is an unnamed file copied into target_fd at close */
};

/* ---- removing the temporary file on a signal ------------------------------
 * A signal handler can only reach what is global, so the paths of the
 * temporary files that exist right now are kept here (a few at a time:
 * threads may render at once). A slot is free (0), being filled (1),
 * armed (2), or emptied by the handler (3). */

#define N_SLOTS 16
static struct {
  atomic_int state;
  char path[PATH_MAX];
} slots[N_SLOTS];
static const int caught[] = {SIGINT, SIGTERM, SIGHUP};
#define N_CAUGHT (sizeof caught / sizeof *caught)
static struct sigaction previous[N_CAUGHT];
static bool handled[N_CAUGHT];
static int armed_count; /* guarded by slots_lock */
static atomic_flag slots_lock = ATOMIC_FLAG_INIT;

static void on_signal(int sig, siginfo_t *info, void *uc) {
  int saved = errno;
  for (int i = 0; i < N_SLOTS; i++) {
    int armed = 2;
    if (atomic_compare_exchange_strong(&slots[i].state, &armed, 3))
      unlink(slots[i].path);
  }
  for (size_t i = 0; i < N_CAUGHT; i++) {
    if (caught[i] != sig)
      continue;
    const struct sigaction *p = &previous[i];
    if (p->sa_flags & SA_SIGINFO) {
      p->sa_sigaction(sig, info, uc);
    } else if (p->sa_handler == SIG_DFL) {
      /* delivered again, with the default action, once this returns */
      signal(sig, SIG_DFL);
      raise(sig);
    } else if (p->sa_handler != SIG_IGN) {
      p->sa_handler(sig);
    }
  }
  errno = saved;
}

static void lock_slots(void) {
  while (atomic_flag_test_and_set(&slots_lock))
    ;
}

static void block_signals(sigset_t *old) {
  sigset_t set;
  sigemptyset(&set);
  for (size_t i = 0; i < N_CAUGHT; i++)
    sigaddset(&set, caught[i]);
  pthread_sigmask(SIG_BLOCK, &set, old);
}

/* Arms a slot for 'path' (called with the signals blocked); -1 when the
 * path does not fit or all slots are taken (the file is then unprotected,
 * not refused). */
static int slot_arm(const char *path) {
  size_t n = strlen(path);
  if (n >= PATH_MAX)
    return -1;
  int slot = -1;
  for (int i = 0; i < N_SLOTS && slot < 0; i++) {
    int free_ = 0;
    if (atomic_compare_exchange_strong(&slots[i].state, &free_, 1))
      slot = i;
  }
  if (slot < 0)
    return -1;
  memcpy(slots[slot].path, path, n + 1);
  atomic_store(&slots[slot].state, 2);
  lock_slots();
  if (armed_count++ == 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigfillset(&sa.sa_mask);
    for (size_t i = 0; i < N_CAUGHT; i++) {
      /* an ignored signal (nohup) stays ignored */
      handled[i] = sigaction(caught[i], NULL, &previous[i]) == 0 &&
                   ((previous[i].sa_flags & SA_SIGINFO) ||
                    previous[i].sa_handler != SIG_IGN) &&
                   sigaction(caught[i], &sa, NULL) == 0;
    }
  }
  atomic_flag_clear(&slots_lock);
  return slot;
}

/* Frees the slot; true if the handler removed the file meanwhile. */
static bool slot_disarm(int slot) {
  if (slot < 0)
    return false;
  sigset_t old;
  block_signals(&old);
  bool removed = atomic_exchange(&slots[slot].state, 1) == 3;
  atomic_store(&slots[slot].state, 0);
  lock_slots();
  if (--armed_count == 0) {
    for (size_t i = 0; i < N_CAUGHT; i++) {
      struct sigaction cur;
      /* put back what was there, unless someone replaced us since */
      if (handled[i] && sigaction(caught[i], NULL, &cur) == 0 &&
          (cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_signal)
        sigaction(caught[i], &previous[i], NULL);
      handled[i] = false;
    }
  }
  atomic_flag_clear(&slots_lock);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return removed;
}

/* ---- writing ------------------------------------------------------------- */

static int write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return w < 0 && errno ? errno : EIO;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static void flush(pyi_out *o) {
  if (o->string_mode || !o->buf.len)
    return;
  if (!o->error) {
    if (o->gz) {
      errno = 0;
      if (gzwrite(o->gz, o->buf.ptr, (unsigned)o->buf.len) != (int)o->buf.len)
        o->error = errno ? errno : EIO;
    } else {
      o->error = write_all(o->fd, o->buf.ptr, o->buf.len);
    }
  }
  pyi_buf_clear(&o->buf);
}

void pyi_out_init_string(pyi_out *o) {
  memset(o, 0, sizeof *o);
  o->fd = o->target_fd = o->slot = -1;
  o->string_mode = true;
  o->mode = OUT_STRING;
}

/* ---- choosing how to write a file ------------------------------------------ */

static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    return pyi_xstrdup(".");
  return pyi_xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
}

static bool on_procfs(const char *link) {
  struct statfs sf;
  char *dir = dir_of(link);
  bool r = statfs(dir, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
  free(dir);
  return r;
}

/* Follows the symlinks that 'path' ends in to the name of the file they
 * lead to (which may not exist yet: > creates a dangling link's target).
 * Stops at a link of /proc ("/dev/stdout" leads to /proc/self/fd/1), which
 * names an open file rather than a path: *magic is then set. NULL with
 * errno on failure. */
static char *resolve(const char *path, bool *magic) {
  char *cur = pyi_xstrdup(path);
  *magic = false;
  for (int hops = 0;; hops++) {
    struct stat st;
    if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
      return cur; /* open() reports any problem with the name */
    if (on_procfs(cur)) {
      *magic = true;
      return cur;
    }
    if (hops == 40) {
      free(cur);
      errno = ELOOP;
      return NULL;
    }
    size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : PATH_MAX;
    char *target = pyi_xmalloc(cap);
    ssize_t n = readlink(cur, target, cap);
    if (n < 0 || (size_t)n >= cap) { /* changed under us: look again */
      free(target);
      if (n < 0 && errno != EINVAL)
        return free(cur), NULL;
      continue;
    }
    target[n] = '\0';
    const char *slash = strrchr(cur, '/');
    if (target[0] != '/' && slash) {
      size_t keep = (size_t)(slash - cur) + 1;
      char *joined = pyi_xmalloc(keep + (size_t)n + 1);
      memcpy(joined, cur, keep);
      memcpy(joined + keep, target, (size_t)n + 1);
      free(target);
      target = joined;
    }
    free(cur);
    cur = target;
  }
}

/* For a /proc link to one of our own descriptors ("/proc/self/fd/1"), a
 * copy of that descriptor, so that the output goes where it goes (at its
 * offset, appending if it appends), as a shell's > /dev/stdout does; else
 * -1. */
static int own_descriptor(const char *link) {
  const char *p = strrchr(link, '/');
  char *end;
  if (!p || p - link < 3 || memcmp(p - 3, "/fd", 3) != 0 || !p[1])
    return -1;
  errno = 0;
  long n = strtol(p + 1, &end, 10);
  struct stat a, b;
  if (*end || errno || n < 0 || n > INT_MAX || fstat((int)n, &a) != 0 ||
      stat(link, &b) != 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino)
    return -1;
  return fcntl((int)n, F_DUPFD_CLOEXEC, 0);
}

static uint64_t next_random(void) {
  static _Atomic uint64_t counter;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t z = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
               ((uint64_t)getpid() << 16) ^
               (atomic_fetch_add(&counter, 1) * 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Creates the temporary file ".NAME.XXXXXX" beside o->path, NAME cut so
 * that the name fits in 255 bytes. With 'like' (the file it will replace)
 * it gets that file's owner and mode, else 0666 less the umask, as >
 * would create it. Returns 0; 1 when it cannot be made here but writing in
 * place may work (errno says why); -1 on another error (errno). */
static int make_temp(pyi_out *o, const struct stat *like) {
  static const char chars[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const char *slash = strrchr(o->path, '/');
  size_t dirlen = slash ? (size_t)(slash - o->path) + 1 : 0;
  const char *base = o->path + dirlen;
  size_t blen = strlen(base);
  if (blen > 255 - 8)
    blen = 255 - 8;
  size_t n = dirlen + 1 + blen + 1 + 6;
  o->tmp = pyi_xmalloc(n + 1);
  int fd = -1;
  for (int tries = 0; fd < 0 && tries < 100; tries++) {
    uint64_t r = next_random();
    char *p = o->tmp;
    memcpy(p, o->path, dirlen);
    p += dirlen;
    *p++ = '.';
    memcpy(p, base, blen);
    p += blen;
    *p++ = '.';
    for (int i = 0; i < 6; i++, r /= 62)
      *p++ = chars[r % 62];
    *p = '\0';
    /* blocked, so that no signal comes between creating and arming */
    sigset_t old;
    block_signals(&old);
    fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
              like ? 0600 : 0666);
    int e = errno;
    if (fd >= 0)
      o->slot = slot_arm(o->tmp);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = e;
    if (fd < 0 && errno != EEXIST)
      break;
  }
  if (fd < 0) {
    int e = errno;
    free(o->tmp);
    o->tmp = NULL;
    errno = e;
    return e == EACCES || e == EPERM || e == EROFS || e == ENAMETOOLONG ? 1
                                                                       : -1;
  }
  struct stat st;
  if (like && (fstat(fd, &st) != 0 ||
               ((st.st_uid != like->st_uid || st.st_gid != like->st_gid) &&
                fchown(fd, like->st_uid, like->st_gid) != 0) ||
               fchmod(fd, like->st_mode & 07777) != 0)) {
    int e = errno;
    close(fd);
    unlink(o->tmp);
    slot_disarm(o->slot);
    o->slot = -1;
    free(o->tmp);
    o->tmp = NULL;
    errno = e;
    return 1; /* it would not be the same file: write in place */
  }
  o->fd = fd;
  return 0;
}

/* An unnamed file for output that is copied in place at close: in
 * $TMPDIR, or else in memory. */
static int staging_file(void) {
  const char *dir = getenv("TMPDIR");
  if (!dir || !*dir)
    dir = "/tmp";
  int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    size_t n = strlen(dir) + 16;
    char *t = pyi_xmalloc(n);
    snprintf(t, n, "%s/pyi-XXXXXX", dir);
    fd = mkostemp(t, O_CLOEXEC);
    if (fd >= 0)
      unlink(t);
    free(t);
  }
  if (fd < 0)
    fd = memfd_create("pyi-output", MFD_CLOEXEC);
  return fd;
}

static int open_file(pyi_out *o, const char *path, pyi_error *err) {
  bool magic;
  int fd;
  char *real = resolve(path, &magic);
  if (!real)
    return pyi_fail_errno(err, errno, "%s: %s", path, strerror(errno));
  o->path = real;
  o->mode = OUT_DIRECT;
  if (magic) {
    o->fd = own_descriptor(real);
    if (o->fd < 0)
      o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY,
                   0666);
    return o->fd < 0 ? pyi_fail_errno(err, errno, "%s: %s", path, strerror(errno))
                     : 0;
  }
  struct stat st;
  /* a FIFO waits for its reader, as with >; anything else must not block */
  bool fifo = stat(real, &st) == 0 && S_ISFIFO(st.st_mode);
  fd = open(real, O_WRONLY | O_CLOEXEC | O_NOCTTY | (fifo ? 0 : O_NONBLOCK));
  if (fd < 0 && errno != ENOENT)
    return pyi_fail_errno(err, errno, "%s: %s", path, strerror(errno));
  if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    o->fd = fd;
    return 0;
  }
  /* a regular file we may write (the kernel checked, as for >), or none */
  int rc = fd >= 0 && st.st_nlink > 1 ? 1 : make_temp(o, fd >= 0 ? &st : NULL);
  if (rc == 0) {
    if (fd >= 0)
      close(fd);
    o->mode = OUT_RENAME;
    return 0;
  }
  int e = errno;
  if (fd < 0)
    return pyi_fail_errno(err, e, "%s: cannot create: %s", path, strerror(e));
  if (rc < 0) {
    close(fd);
    return pyi_fail_errno(err, e, "%s: cannot make a temporary file beside it: %s",
                    path, strerror(e));
  }
  o->mode = OUT_INPLACE;
  o->target_fd = fd;
  o->fd = staging_file();
  if (o->fd < 0)
    return pyi_fail_errno(err, errno, "%s: no room to prepare the output: %s",
                    path, strerror(errno));
  return 0;
}

int pyi_out_open(pyi_out *o, const char *path, bool gzip, pyi_error *err) {
  memset(o, 0, sizeof *o);
  o->fd = o->target_fd = o->slot = -1;
  if (path && !*path)
    return pyi_fail_errno(err, ENOENT, "the output file name is empty: %s",
                    strerror(ENOENT));
  bool to_stdout = !path || strcmp(path, "-") == 0;
  o->name = pyi_xstrdup(to_stdout ? "<stdout>" : path);
  if (to_stdout) {
    o->mode = OUT_DIRECT;
    o->fd = fcntl(1, F_DUPFD_CLOEXEC, 0);
    if (o->fd < 0) {
      pyi_fail_errno(err, errno, "<stdout>: %s", strerror(errno));
      pyi_out_abort(o);
      return -1;
    }
  } else if (open_file(o, path, err)) {
    pyi_out_abort(o);
    return -1;
  }
  if (gzip) {
    /* the staging copy must outlive gzclose; other files are handed over
     * (error injection in the tests follows the descriptor it opened) */
    int gfd = o->mode == OUT_INPLACE ? fcntl(o->fd, F_DUPFD_CLOEXEC, 0) : o->fd;
    o->gz = gfd >= 0 ? gzdopen(gfd, "wb6") : NULL;
    if (!o->gz) {
      int e = errno ? errno : ENOMEM;
      if (gfd >= 0 && gfd != o->fd)
        close(gfd);
      pyi_fail_errno(err, e, "%s: cannot start gzip: %s", o->name,
               strerror(e));
      pyi_out_abort(o);
      return -1;
    }
    if (gfd == o->fd)
      o->fd = -1;
  }
  /* room for a whole flush at once: grown from nothing by half again at a
   * time, the buffer's moves touched three times its size in fresh pages
   * (44 page faults of a text report here) */
  pyi_buf_grow(&o->buf, FLUSH_AT + 4096);
  return 0;
}

void pyi_out_write(pyi_out *o, const void *p, size_t n) {
  pyi_buf_put(&o->buf, p, n);
  if (o->buf.len >= FLUSH_AT)
    flush(o);
}

void pyi_out_puts(pyi_out *o, const char *s) { pyi_out_write(o, s, strlen(s)); }

void pyi_out_putc(pyi_out *o, int c) {
  pyi_buf_putc(&o->buf, c);
  if (o->buf.len >= FLUSH_AT)
    flush(o);
}

void pyi_out_printf(pyi_out *o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  pyi_buf_vprintf(&o->buf, fmt, ap);
  va_end(ap);
  if (o->buf.len >= FLUSH_AT)
    flush(o);
}

/* ---- finishing ----------------------------------------------------------- */

static void close_checked(pyi_out *o, int *fd) {
  if (*fd >= 0 && close(*fd) != 0 && !o->error)
    o->error = errno ? errno : EIO;
  *fd = -1;
}

static void close_stream(pyi_out *o) {
  if (o->gz) {
    errno = 0;
    int rc = gzclose(o->gz);
    if (rc != Z_OK && !o->error)
      o->error = rc == Z_ERRNO && errno ? errno : EIO;
    o->gz = NULL;
  }
}

/* Copies the finished output over the target in place: space is reserved
 * first, so that a full disk is found before the old contents are
 * touched, and the signals that would stop us wait until it is done.
 * Returns 0, or an errno; *damaged when the target was partly rewritten. */
static int copy_in_place(pyi_out *o, bool *damaged) {
  off_t size = lseek(o->fd, 0, SEEK_END);
  if (size < 0)
    return errno;
  if (fallocate(o->target_fd, FALLOC_FL_KEEP_SIZE, 0, size) != 0 &&
      size > 0 && errno != EOPNOTSUPP && errno != ENOSYS)
    return errno;
  sigset_t old;
  block_signals(&old);
  pyi_buf_grow(&o->buf, 1u << 20);
  int e = 0;
  for (off_t at = 0; at < size && !e;) {
    ssize_t n = pread(o->fd, o->buf.ptr, o->buf.cap - 1, at);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      e = n < 0 ? errno : EIO;
      break;
    }
    for (ssize_t done = 0; done < n && !e;) {
      ssize_t w = pwrite(o->target_fd, o->buf.ptr + done, (size_t)(n - done),
                         at + done);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        e = w < 0 && errno ? errno : EIO;
      else {
        done += w;
        *damaged = true;
      }
    }
    at += n;
  }
  if (!e && ftruncate(o->target_fd, size) != 0)
    e = errno;
  if (!e)
    *damaged = false;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return e;
}

static void release(pyi_out *o) {
  free(o->tmp);
  free(o->path);
  free(o->name);
  pyi_buf_release(&o->buf);
  o->tmp = o->path = o->name = NULL;
}

void pyi_out_abort(pyi_out *o) {
  close_stream(o);
  if (o->fd >= 0)
    close(o->fd);
  if (o->target_fd >= 0)
    close(o->target_fd);
  o->fd = o->target_fd = -1;
  if (o->tmp)
    unlink(o->tmp);
  slot_disarm(o->slot);
  o->slot = -1;
  release(o);
}

int pyi_out_close(pyi_out *o, pyi_error *err) {
  if (o->string_mode)
    return 0;
  flush(o);
  close_stream(o);
  bool damaged = false, removed = false;
  if (o->mode == OUT_INPLACE && !o->error)
    o->error = copy_in_place(o, &damaged);
  close_checked(o, &o->fd);
  close_checked(o, &o->target_fd);
  if (o->mode == OUT_RENAME) {
    /* the handler may have removed the file; then nothing is renamed */
    sigset_t old;
    block_signals(&old);
    removed = o->slot >= 0 && atomic_load(&slots[o->slot].state) == 3;
    if (removed && !o->error)
      o->error = EINTR;
    if (!o->error && rename(o->tmp, o->path) != 0)
      o->error = errno;
    if (!o->error) {
      free(o->tmp);
      o->tmp = NULL;
    }
    slot_disarm(o->slot);
    o->slot = -1;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
  }
  if (o->error) {
    int e = o->error;
    if (removed)
      pyi_fail_errno(err, EINTR, "%s: interrupted by a signal; left as it was",
               o->name);
    else if (damaged)
      pyi_fail_errno(err, e,
               "%s: write failed: %s (it was being rewritten in place and is "
               "now incomplete)",
               o->name, strerror(e));
    else
      pyi_fail_errno(err, e, "%s: write failed: %s", o->name, strerror(e));
    pyi_out_abort(o);
    return -1;
  }
  release(o);
  return 0;
}

char *pyi_out_detach(pyi_out *o, size_t *len) {
  if (len)
    *len = o->buf.len;
  return pyi_buf_detach(&o->buf);
}

/* ---- deflated and base64-encoded (the HTML pages' data) ------------------ */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Writes 'n' bytes as base64 through a small block so the sink gets large
 * writes; only the last call of a stream may have n % 3 != 0. */
static void put_base64(pyi_out *o, const unsigned char *p, size_t n) {
  char block[4096];
  size_t k = 0;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)p[i] << 16;
    if (i + 1 < n)
      v |= (unsigned)p[i + 1] << 8;
    if (i + 2 < n)
      v |= p[i + 2];
    block[k++] = b64_alphabet[v >> 18 & 63];
    block[k++] = b64_alphabet[v >> 12 & 63];
    block[k++] = i + 1 < n ? b64_alphabet[v >> 6 & 63] : '=';
    block[k++] = i + 2 < n ? b64_alphabet[v & 63] : '=';
    if (k == sizeof block) {
      pyi_out_write(o, block, k);
      k = 0;
    }
  }
  pyi_out_write(o, block, k);
}

int pyi_out_deflated_base64(pyi_out *o, const void *data, size_t len,
                            pyi_error *err) {
  unsigned char chunk[3 * 16384]; /* a multiple of 3: no padding mid-stream */
  z_stream z = {0};
  if (deflateInit(&z, Z_BEST_COMPRESSION) != Z_OK)
    return pyi_fail(err, PYI_EIO, "cannot start zlib compression");
  const unsigned char *in = data;
  size_t left = len;
  int rc;
  z.next_out = chunk;
  z.avail_out = sizeof chunk;
  do {
    if (z.avail_in == 0 && left) {
      uInt step = left > (1u << 30) ? (1u << 30) : (uInt)left;
      z.next_in = (unsigned char *)in;
      z.avail_in = step;
      in += step;
      left -= step;
    }
    rc = deflate(&z, left || z.avail_in ? Z_NO_FLUSH : Z_FINISH);
    if (rc == Z_STREAM_ERROR) {
      deflateEnd(&z);
      return pyi_fail(err, PYI_EIO, "zlib compression failed");
    }
    /* only full chunks (a multiple of 3) go out before the end */
    if (z.avail_out == 0 || rc == Z_STREAM_END) {
      put_base64(o, chunk, sizeof chunk - z.avail_out);
      z.next_out = chunk;
      z.avail_out = sizeof chunk;
    }
  } while (rc != Z_STREAM_END);
  deflateEnd(&z);
  return 0;
}
