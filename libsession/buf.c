/* buf.c - the string builder (see buf.h). */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

void pyi_buf_grow(pyi_buf *b, size_t extra) {
  size_t need = b->len + extra + 1;
  if (need <= b->cap)
    return;
  if (extra > ((size_t)1 << 40)) {
    fputs("pyi: string too large\n", stderr);
    exit(70);
  }
  size_t cap = b->cap < 64 ? 64 : b->cap;
  while (cap < need)
    cap += cap / 2;
  b->ptr = pyi_xrealloc(b->ptr, cap);
  b->cap = cap;
}

void pyi_buf_put(pyi_buf *b, const void *p, size_t n) {
  pyi_buf_grow(b, n);
  if (n)
    memcpy(b->ptr + b->len, p, n);
  b->len += n;
  b->ptr[b->len] = 0;
}

void pyi_buf_puts(pyi_buf *b, const char *s) { pyi_buf_put(b, s, strlen(s)); }

void pyi_buf_putc(pyi_buf *b, int c) {
  pyi_buf_grow(b, 1);
  b->ptr[b->len++] = (char)c;
  b->ptr[b->len] = 0;
}

void pyi_buf_vprintf(pyi_buf *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  pyi_buf_grow(b, 64);
  int n = vsnprintf(b->ptr + b->len, b->cap - b->len, fmt, ap);
  if (n >= 0 && (size_t)n >= b->cap - b->len) {
    pyi_buf_grow(b, (size_t)n);
    vsnprintf(b->ptr + b->len, b->cap - b->len, fmt, ap2);
  }
  va_end(ap2);
  if (n > 0)
    b->len += (size_t)n;
}

void pyi_buf_printf(pyi_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  pyi_buf_vprintf(b, fmt, ap);
  va_end(ap);
}

void pyi_buf_clear(pyi_buf *b) {
  b->len = 0;
  if (b->ptr)
    b->ptr[0] = 0;
}

char *pyi_buf_detach(pyi_buf *b) {
  char *p = b->ptr ? b->ptr : pyi_xstrdup("");
  b->ptr = NULL;
  b->len = b->cap = 0;
  return p;
}

void pyi_buf_release(pyi_buf *b) {
  free(b->ptr);
  b->ptr = NULL;
  b->len = b->cap = 0;
}

const char *pyi_buf_cstr(const pyi_buf *b) { return b->ptr ? b->ptr : ""; }
