/* inject_errors.c - an LD_PRELOAD shim that makes output fail on demand,
 * to prove that a failed write never leaves a partial or damaged file
 * (tests/cli/inject_errors.sh). Only files whose path contains
 * $PYI_INJECT_PATH are touched; $PYI_INJECT says how they fail:
 *
 *   none      nothing fails (the shim must then be invisible)
 *   open      creating or opening them fails (ENOSPC)
 *   create    creating them fails (EACCES), as in a read-only directory;
 *             opening an existing one works
 *   write     writes fail (ENOSPC) once $PYI_INJECT_AFTER bytes (default
 *             0) went to them; the write that crosses the mark is short
 *   close     close/fclose report EIO (the descriptor is closed anyway)
 *   fsync     fsync/fdatasync report EIO
 *   rename    rename/renameat/linkat onto or from them fail (EIO)
 *   signal    the write that crosses $PYI_INJECT_AFTER bytes first raises
 *             signal $PYI_INJECT_SIGNAL (the write goes ahead if the
 *             process survives it)
 *
 * stdio streams on such files are rebuilt with fopencookie over the
 * descriptor, because glibc's stdio writes through internal calls that a
 * preloaded write() never sees. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAXFD 65536

static bool tracked[MAXFD];
static unsigned long long written;

#define REAL(ret, name, params)                                                \
  static ret(*real_##name) params;                                             \
  if (!real_##name)                                                            \
    real_##name = (ret(*) params)dlsym(RTLD_NEXT, #name)

static const char *mode(void) {
  const char *m = getenv("PYI_INJECT");
  return m ? m : "none";
}
static bool is(const char *m) { return strcmp(mode(), m) == 0; }

static bool matches(const char *path) {
  const char *pat = getenv("PYI_INJECT_PATH");
  return path && pat && *pat && strstr(path, pat);
}

static bool fd_tracked(int fd) { return fd >= 0 && fd < MAXFD && tracked[fd]; }

static int track(int fd, const char *path) {
  if (fd >= 0 && fd < MAXFD)
    tracked[fd] = matches(path);
  return fd;
}

static int refuse(int err) {
  errno = err;
  return -1;
}

/* ---- opening ---- */

static bool creating(int flags) {
  return (flags & O_CREAT) || (flags & __O_TMPFILE) == __O_TMPFILE;
}

#define OPEN_LIKE(name)                                                        \
  int name(const char *path, int flags, ...) {                                 \
    REAL(int, name, (const char *, int, ...));                                 \
    mode_t m = 0;                                                              \
    if (creating(flags)) {                                                     \
      va_list ap;                                                              \
      va_start(ap, flags);                                                     \
      m = va_arg(ap, mode_t);                                                  \
      va_end(ap);                                                              \
    }                                                                          \
    if (is("open") && matches(path))                                           \
      return refuse(ENOSPC);                                                   \
    if (is("create") && creating(flags) && matches(path))                      \
      return refuse(EACCES);                                                   \
    return track(real_##name(path, flags, m), path);                           \
  }
OPEN_LIKE(open)
OPEN_LIKE(open64)

#define OPENAT_LIKE(name)                                                      \
  int name(int dirfd, const char *path, int flags, ...) {                      \
    REAL(int, name, (int, const char *, int, ...));                            \
    mode_t m = 0;                                                              \
    if (creating(flags)) {                                                     \
      va_list ap;                                                              \
      va_start(ap, flags);                                                     \
      m = va_arg(ap, mode_t);                                                  \
      va_end(ap);                                                              \
    }                                                                          \
    if (is("open") && matches(path))                                           \
      return refuse(ENOSPC);                                                   \
    if (is("create") && creating(flags) && matches(path))                      \
      return refuse(EACCES);                                                   \
    return track(real_##name(dirfd, path, flags, m), path);                    \
  }
OPENAT_LIKE(openat)
OPENAT_LIKE(openat64)

int creat(const char *path, mode_t m) {
  return open(path, O_CREAT | O_WRONLY | O_TRUNC, m);
}

#define MKSTEMP_LIKE(name, params, args)                                       \
  int name params {                                                            \
    REAL(int, name, params);                                                   \
    if (is("open") && matches(tmpl))                                           \
      return refuse(ENOSPC);                                                   \
    if (is("create") && matches(tmpl))                                         \
      return refuse(EACCES);                                                   \
    return track(real_##name args, tmpl);                                      \
  }
MKSTEMP_LIKE(mkstemp, (char *tmpl), (tmpl))
MKSTEMP_LIKE(mkostemp, (char *tmpl, int flags), (tmpl, flags))
MKSTEMP_LIKE(mkstemps, (char *tmpl, int suffixlen), (tmpl, suffixlen))
MKSTEMP_LIKE(mkostemps, (char *tmpl, int suffixlen, int flags),
             (tmpl, suffixlen, flags))

/* ---- writing ---- */

/* How many of 'n' bytes may go to 'fd' now; -1 (errno set) for none. */
static ssize_t allowance(int fd, size_t n) {
  const char *a = getenv("PYI_INJECT_AFTER");
  unsigned long long after = a ? strtoull(a, NULL, 10) : 0;
  if (fd_tracked(fd) && is("signal") && written <= after &&
      written + n > after) {
    const char *sig = getenv("PYI_INJECT_SIGNAL");
    raise(sig ? atoi(sig) : SIGTERM);
  }
  if (!fd_tracked(fd) || !is("write"))
    return (ssize_t)n;
  if (written >= after || n == 0)
    return n ? refuse(ENOSPC) : 0;
  return (ssize_t)(after - written < n ? after - written : n);
}

ssize_t write(int fd, const void *buf, size_t n) {
  REAL(ssize_t, write, (int, const void *, size_t));
  ssize_t ok = allowance(fd, n);
  if (ok < 0)
    return ok;
  ssize_t r = real_write(fd, buf, (size_t)ok);
  if (r > 0 && fd_tracked(fd))
    written += (unsigned long long)r;
  return r;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
  REAL(ssize_t, pwrite, (int, const void *, size_t, off_t));
  ssize_t ok = allowance(fd, n);
  if (ok < 0)
    return ok;
  ssize_t r = real_pwrite(fd, buf, (size_t)ok, off);
  if (r > 0 && fd_tracked(fd))
    written += (unsigned long long)r;
  return r;
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) {
  return pwrite(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt) {
  REAL(ssize_t, writev, (int, const struct iovec *, int));
  if (!fd_tracked(fd))
    return real_writev(fd, iov, cnt);
  ssize_t total = 0; /* one vector at a time, so the limit is exact */
  for (int i = 0; i < cnt; i++) {
    ssize_t r = write(fd, iov[i].iov_base, iov[i].iov_len);
    if (r < 0)
      return total ? total : r;
    total += r;
    if ((size_t)r < iov[i].iov_len)
      break;
  }
  return total;
}

/* ---- closing, syncing, renaming ---- */

int close(int fd) {
  REAL(int, close, (int));
  bool t = fd_tracked(fd);
  if (fd >= 0 && fd < MAXFD)
    tracked[fd] = false;
  int r = real_close(fd);
  return r == 0 && t && is("close") ? refuse(EIO) : r;
}

int fsync(int fd) {
  REAL(int, fsync, (int));
  return fd_tracked(fd) && is("fsync") ? refuse(EIO) : real_fsync(fd);
}

int fdatasync(int fd) {
  REAL(int, fdatasync, (int));
  return fd_tracked(fd) && is("fsync") ? refuse(EIO) : real_fdatasync(fd);
}

int rename(const char *from, const char *to) {
  REAL(int, rename, (const char *, const char *));
  if (is("rename") && (matches(from) || matches(to)))
    return refuse(EIO);
  return real_rename(from, to);
}

int renameat(int fd1, const char *from, int fd2, const char *to) {
  REAL(int, renameat, (int, const char *, int, const char *));
  if (is("rename") && (matches(from) || matches(to)))
    return refuse(EIO);
  return real_renameat(fd1, from, fd2, to);
}

int renameat2(int fd1, const char *from, int fd2, const char *to,
              unsigned flags) {
  REAL(int, renameat2, (int, const char *, int, const char *, unsigned));
  if (is("rename") && (matches(from) || matches(to)))
    return refuse(EIO);
  return real_renameat2(fd1, from, fd2, to, flags);
}

int linkat(int fd1, const char *from, int fd2, const char *to, int flags) {
  REAL(int, linkat, (int, const char *, int, const char *, int));
  if (is("rename") && matches(to))
    return refuse(EIO);
  return real_linkat(fd1, from, fd2, to, flags);
}

/* ---- stdio: a cookie stream over the descriptor ---- */

static ssize_t cookie_write(void *c, const char *buf, size_t n) {
  ssize_t r = write((int)(long)c, buf, n);
  return r < 0 ? 0 : r; /* 0 is how a cookie reports an error */
}
static ssize_t cookie_read(void *c, char *buf, size_t n) {
  return read((int)(long)c, buf, n);
}
static int cookie_seek(void *c, off64_t *off, int whence) {
  off64_t r = lseek64((int)(long)c, *off, whence);
  if (r < 0)
    return -1;
  *off = r;
  return 0;
}
static int cookie_close(void *c) { return close((int)(long)c); }

static FILE *wrap(int fd, const char *how) {
  cookie_io_functions_t io = {cookie_read, cookie_write, cookie_seek,
                              cookie_close};
  FILE *f = fopencookie((void *)(long)fd, how, io);
  if (!f)
    close(fd);
  return f;
}

static int open_flags(const char *how) {
  int f = strchr(how, '+') ? O_RDWR : 0;
  int excl = strchr(how, 'x') ? O_EXCL : 0;
  if (how[0] == 'w')
    return (f ? f : O_WRONLY) | O_CREAT | O_TRUNC | excl;
  if (how[0] == 'a')
    return (f ? f : O_WRONLY) | O_CREAT | O_APPEND | excl;
  return f ? f : O_RDONLY;
}

FILE *fopen(const char *path, const char *how) {
  REAL(FILE *, fopen, (const char *, const char *));
  if (!matches(path))
    return real_fopen(path, how);
  int fd = open(path, open_flags(how) | O_CLOEXEC, 0666);
  return fd < 0 ? NULL : wrap(fd, how);
}

FILE *fopen64(const char *path, const char *how) { return fopen(path, how); }

FILE *fdopen(int fd, const char *how) {
  REAL(FILE *, fdopen, (int, const char *));
  return fd_tracked(fd) ? wrap(fd, how) : real_fdopen(fd, how);
}
