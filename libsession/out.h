/* out.h - the output sink every renderer writes to. Bytes collect in a
 * buffer flushed to the target in large blocks; write errors are sticky
 * and reported by pyi_out_close. How a file is written (README, "Output
 * files"):
 *
 *  - a symlink is followed to the file it names, however many hops;
 *  - a regular file is written under a temporary name beside it
 *    (".NAME.XXXXXX", shortened so that it fits when NAME is long) and
 *    renamed over it only by a successful close, so a failed or
 *    interrupted render leaves whatever was there before; the new file
 *    gets the old one's mode and owner;
 *  - a file with other hard links, one whose owner we cannot give the
 *    temporary file, or one in a directory where no temporary file can be
 *    made, is written in place instead: the whole output is first finished
 *    in an unnamed temporary file (or memory), then copied over the file
 *    and the file cut to its new length;
 *  - anything else (stdout, a device, a FIFO, /dev/stdout and the other
 *    descriptor links of /proc) is written directly, as > would;
 *  - a file the user could not write with > (permissions checked with the
 *    effective ids, as the kernel does) is refused before anything else;
 *  - SIGINT, SIGTERM or SIGHUP while a temporary file exists remove it,
 *    then take their previous action. */
#ifndef PYI_OUT_H
#define PYI_OUT_H

#include <stdbool.h>
#include <stdio.h>
#include <zlib.h>

#include "buf.h"
#include "pyisession.h"

typedef struct pyi_out {
  pyi_buf buf;
  int fd;         /* where flushes go: the target, a temporary file, or -1
                     (string mode, or in place with the output in memory) */
  gzFile gz;      /* set when gzip-compressing (over a copy of fd) */
  int target_fd;  /* in-place mode: the target, written at close */
  int mode;       /* how the file is written (out.c) */
  char *name;     /* the name messages use: the path as given, "<stdout>" */
  char *path;     /* the final file (symlinks followed), renamed onto */
  char *tmp;      /* the temporary file beside it, NULL if none */
  int slot;       /* its entry in the signal handler's list, or -1 */
  int error;      /* first errno seen, 0 if none */
  bool string_mode;
} pyi_out;

/* Opens 'path' ("-" or NULL: stdout); gzip-compresses when 'gzip'. On
 * failure nothing was created and 'err' names the path and the reason. */
int pyi_out_open(pyi_out *o, const char *path, bool gzip, pyi_error *err);
/* A sink that collects everything in memory (pyi_out_detach). */
void pyi_out_init_string(pyi_out *o);
void pyi_out_write(pyi_out *o, const void *p, size_t n);
void pyi_out_puts(pyi_out *o, const char *s);
void pyi_out_putc(pyi_out *o, int c);
void pyi_out_printf(pyi_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Finishes: flushes, closes, and puts the file in place. On failure the
 * target is as it was (but for a failure while writing in place, which
 * the message then says) and 'err' names the path and the reason. */
int pyi_out_close(pyi_out *o, pyi_error *err);
/* Gives up: removes the temporary file, leaves the target untouched. */
void pyi_out_abort(pyi_out *o);
/* String mode: the collected bytes (caller frees), length in '*len'. */
char *pyi_out_detach(pyi_out *o, size_t *len);
/* Writes 'len' bytes of 'data' deflated (zlib format, what a browser's
 * DecompressionStream("deflate") reads) and base64-encoded, for the HTML
 * pages. Fails only when zlib does. */
int pyi_out_deflated_base64(pyi_out *o, const void *data, size_t len,
                            pyi_error *err);

#endif
