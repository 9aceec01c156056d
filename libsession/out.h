/* out.h - the output sink every renderer writes to. Bytes collect in a
 * buffer flushed to the target in large blocks. A file target is written
 * under a temporary name in the same directory and renamed over the target
 * only by a successful pyi_out_close, so a failed render leaves whatever was
 * there before. Write errors are sticky and reported by close. */
#ifndef PYI_OUT_H
#define PYI_OUT_H

#include <stdbool.h>
#include <stdio.h>
#include <zlib.h>

#include "buf.h"
#include "pyisession.h"

typedef struct pyi_out {
  pyi_buf buf;
  FILE *fp;    /* NULL in string mode */
  gzFile gz;   /* set when gzip-compressing to the file */
  char *path;  /* the final name (NULL for stdout) */
  char *tmp;   /* the temporary name, renamed to path on close */
  int error;   /* first errno seen, 0 if none */
  bool string_mode;
} pyi_out;

/* Opens 'path' ("-" or NULL: stdout); gzip-compresses when 'gzip'. */
int pyi_out_open(pyi_out *o, const char *path, bool gzip, pyi_error *err);
/* A sink that collects everything in memory (pyi_out_detach). */
void pyi_out_init_string(pyi_out *o);
void pyi_out_write(pyi_out *o, const void *p, size_t n);
void pyi_out_puts(pyi_out *o, const char *s);
void pyi_out_putc(pyi_out *o, int c);
void pyi_out_printf(pyi_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Finishes: flushes, closes, renames into place. On failure removes the
 * temporary file and fills 'err'. */
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
