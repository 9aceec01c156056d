/* arena.h - a bump allocator for memory that dies all at once (tree frames,
 * interned strings). Blocks are chained; nothing is freed individually.
 * Big arenas take 2 MB blocks mapped as huge pages where the system allows
 * it: a big tree is tens of megabytes of fresh memory, and faulting it in
 * 4 KB pages cost more than building the tree (3x, measured in a VM). */
#ifndef PYI_ARENA_H
#define PYI_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "alloc.h"

typedef struct pyi_arena_block {
  struct pyi_arena_block *prev;
  size_t used, size;
  bool mapped; /* a PYI_ARENA_HUGE mapping, not malloc's */
  _Alignas(16) unsigned char data[];
} pyi_arena_block;

typedef struct pyi_arena {
  pyi_arena_block *head;
  size_t total; /* bytes reserved, for statistics */
} pyi_arena;

#define PYI_ARENA_INIT {NULL, 0}
#define PYI_ARENA_HUGE ((size_t)2 << 20)

/* A 2 MB block aligned to 2 MB (so that it can be one huge page), or NULL
 * when the system will not map one. */
static inline pyi_arena_block *pyi_arena_map_huge(void) {
  char *m = mmap(NULL, 2 * PYI_ARENA_HUGE, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED)
    return NULL;
  char *al = (char *)(((uintptr_t)m + PYI_ARENA_HUGE - 1) &
                      ~(uintptr_t)(PYI_ARENA_HUGE - 1));
  if (al > m)
    munmap(m, (size_t)(al - m));
  if (m + 2 * PYI_ARENA_HUGE > al + PYI_ARENA_HUGE)
    munmap(al + PYI_ARENA_HUGE, (size_t)(m + PYI_ARENA_HUGE - al));
#ifdef MADV_HUGEPAGE
  madvise(al, PYI_ARENA_HUGE, MADV_HUGEPAGE);
#endif
  pyi_arena_block *b = (pyi_arena_block *)(void *)al;
  b->mapped = true;
  b->size = PYI_ARENA_HUGE - sizeof *b;
  return b;
}

static inline void *pyi_arena_alloc(pyi_arena *a, size_t n) {
  pyi_arena_block *b = a->head;
  n = (n + 15) & ~(size_t)15;
  if (!b || b->size - b->used < n) {
    size_t size = n > 65536 ? n : (a->total < (1u << 20) ? 65536 : 1u << 20);
    b = size == 1u << 20 ? pyi_arena_map_huge() : NULL;
    if (!b) {
      b = pyi_xmalloc(sizeof *b + size);
      b->mapped = false;
      b->size = size;
    }
    b->prev = a->head;
    b->used = 0;
    a->head = b;
    a->total += b->size;
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
    if (b->mapped)
      munmap(b, PYI_ARENA_HUGE);
    else
      free(b);
    b = prev;
  }
  a->head = NULL;
  a->total = 0;
}

#endif
