/* arena.h - a bump allocator for memory that dies all at once (tree frames,
 * interned strings). Blocks are chained; nothing is freed individually. */
#ifndef PYI_ARENA_H
#define PYI_ARENA_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

typedef struct pyi_arena_block {
  struct pyi_arena_block *prev;
  size_t used, size;
  _Alignas(16) unsigned char data[];
} pyi_arena_block;

typedef struct pyi_arena {
  pyi_arena_block *head;
  size_t total; /* bytes reserved, for statistics */
} pyi_arena;

#define PYI_ARENA_INIT {NULL, 0}

static inline void *pyi_arena_alloc(pyi_arena *a, size_t n) {
  pyi_arena_block *b = a->head;
  n = (n + 15) & ~(size_t)15;
  if (!b || b->size - b->used < n) {
    size_t size = n > 65536 ? n : (a->total < (1u << 20) ? 65536 : 1u << 20);
    b = pyi_xmalloc(sizeof *b + size);
    b->prev = a->head;
    b->used = 0;
    b->size = size;
    a->head = b;
    a->total += size;
  }
  void *p = b->data + b->used;
  b->used += n;
  return p;
}

static inline void *pyi_arena_zalloc(pyi_arena *a, size_t n) {
  return memset(pyi_arena_alloc(a, n), 0, n);
}

static inline void pyi_arena_release(pyi_arena *a) {
  pyi_arena_block *b = a->head;
  while (b) {
    pyi_arena_block *prev = b->prev;
    free(b);
    b = prev;
  }
  a->head = NULL;
  a->total = 0;
}

#endif
