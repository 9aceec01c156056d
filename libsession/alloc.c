/* alloc.c - the xmalloc family (see alloc.h). */
#include "alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(void) {
  fputs("pyi: out of memory\n", stderr);
  exit(70);
}

void *pyi_xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p)
    oom();
  return p;
}

void *pyi_xcalloc(size_t count, size_t size) {
  void *p = calloc(count ? count : 1, size ? size : 1);
  if (!p)
    oom();
  return p;
}

void *pyi_xrealloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p)
    oom();
  return p;
}

void *pyi_xgrow(void *p, size_t *cap, size_t need, size_t size) {
  size_t c = *cap;
  if (need <= c)
    return p;
  if (c < 8)
    c = 8;
  while (c < need) {
    if (c > SIZE_MAX / 2 / size)
      oom();
    c += c / 2;
  }
  *cap = c;
  return pyi_xrealloc(p, c * size);
}

char *pyi_xstrndup(const char *s, size_t n) {
  char *d = pyi_xmalloc(n + 1);
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

char *pyi_xstrdup(const char *s) { return pyi_xstrndup(s, strlen(s)); }
