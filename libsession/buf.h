/* buf.h - the one string builder. Always NUL-terminated; grows by half;
 * refuses absurd sizes (the process stops, as on out-of-memory). */
#ifndef PYI_BUF_H
#define PYI_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct pyi_buf {
  char *ptr;
  size_t len, cap;
} pyi_buf;

#define PYI_BUF_INIT {NULL, 0, 0}

void pyi_buf_grow(pyi_buf *b, size_t extra);
void pyi_buf_put(pyi_buf *b, const void *p, size_t n);
void pyi_buf_puts(pyi_buf *b, const char *s);
void pyi_buf_putc(pyi_buf *b, int c);
void pyi_buf_printf(pyi_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void pyi_buf_vprintf(pyi_buf *b, const char *fmt, va_list ap);
void pyi_buf_clear(pyi_buf *b);
/* Hands the string to the caller (who frees it); 'b' is empty again. */
char *pyi_buf_detach(pyi_buf *b);
void pyi_buf_release(pyi_buf *b);
/* The contents as a C string ("" when empty, never NULL). */
const char *pyi_buf_cstr(const pyi_buf *b);

#endif
