/* out.c - the output sink (see out.h). */
#include "out.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"

#define FLUSH_AT (1u << 16)

static void flush(pyi_out *o) {
  if (o->string_mode || !o->buf.len)
    return;
  if (!o->error) {
    if (o->gz) {
      if (gzwrite(o->gz, o->buf.ptr, (unsigned)o->buf.len) != (int)o->buf.len)
        o->error = errno ? errno : EIO;
    } else if (fwrite(o->buf.ptr, 1, o->buf.len, o->fp) != o->buf.len)
      o->error = errno ? errno : EIO;
  }
  pyi_buf_clear(&o->buf);
}

void pyi_out_init_string(pyi_out *o) {
  memset(o, 0, sizeof *o);
  o->string_mode = true;
}

int pyi_out_open(pyi_out *o, const char *path, bool gzip, pyi_error *err) {
  memset(o, 0, sizeof *o);
  int fd;
  if (!path || strcmp(path, "-") == 0) {
    fd = dup(1);
    if (fd < 0)
      return pyi_fail_errno(err, errno, "<stdout>: %s", strerror(errno));
  } else {
    struct stat st;
    /* only regular files are replaced by rename; a device or FIFO is
     * written in place */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
      if (S_ISDIR(st.st_mode))
        return pyi_fail_errno(err, EISDIR, "%s: is a directory", path);
      fd = open(path, O_WRONLY | O_CLOEXEC);
      if (fd < 0)
        return pyi_fail_errno(err, errno, "%s: %s", path, strerror(errno));
    } else {
      size_t n = strlen(path);
      const char *slash = strrchr(path, '/');
      size_t dirlen = slash ? (size_t)(slash - path + 1) : 0;
      o->tmp = pyi_xmalloc(n + 16);
      snprintf(o->tmp, n + 16, "%.*s.%s.XXXXXX", (int)dirlen, path, path + dirlen);
      fd = mkstemp(o->tmp);
      if (fd < 0) {
        int e = errno;
        free(o->tmp);
        o->tmp = NULL;
        return pyi_fail_errno(err, e, "%s: cannot create: %s", path, strerror(e));
      }
      mode_t mask = umask(0);
      umask(mask);
      fchmod(fd, 0666 & ~mask);
      o->path = pyi_xstrdup(path);
    }
  }
  if (gzip) {
    o->gz = gzdopen(fd, "wb6");
    if (!o->gz) {
      close(fd);
      pyi_out_abort(o);
      return pyi_fail(err, PYI_EIO, "%s: cannot start gzip", path ? path : "<stdout>");
    }
  } else {
    o->fp = fdopen(fd, "wb");
    if (!o->fp) {
      close(fd);
      pyi_out_abort(o);
      return pyi_fail_errno(err, errno, "%s: %s", path ? path : "<stdout>", strerror(errno));
    }
  }
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

static void close_stream(pyi_out *o) {
  if (o->gz) {
    int rc = gzclose(o->gz);
    if (rc != Z_OK && !o->error)
      o->error = rc == Z_ERRNO && errno ? errno : EIO;
    o->gz = NULL;
  }
  if (o->fp) {
    if (fflush(o->fp) != 0 && !o->error)
      o->error = errno ? errno : EIO;
    if (ferror(o->fp) && !o->error)
      o->error = EIO;
    if (fclose(o->fp) != 0 && !o->error)
      o->error = errno ? errno : EIO;
    o->fp = NULL;
  }
}

void pyi_out_abort(pyi_out *o) {
  close_stream(o);
  if (o->tmp)
    unlink(o->tmp);
  free(o->tmp);
  free(o->path);
  pyi_buf_release(&o->buf);
  o->tmp = o->path = NULL;
}

int pyi_out_close(pyi_out *o, pyi_error *err) {
  if (o->string_mode)
    return 0;
  flush(o);
  close_stream(o);
  const char *name = o->path ? o->path : "<stdout>";
  if (!o->error && o->tmp && rename(o->tmp, o->path) != 0)
    o->error = errno;
  if (o->error) {
    int e = o->error;
    pyi_fail_errno(err, e, "%s: write failed: %s", name, strerror(e));
    pyi_out_abort(o);
    return -1;
  }
  free(o->tmp);
  free(o->path);
  pyi_buf_release(&o->buf);
  o->tmp = o->path = NULL;
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
