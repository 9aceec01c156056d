/* proc_aggregate.c - aggregate_repeated_calls on a timeline tree: siblings
 * with the same identifier are combined into the first one (its children
 * appended), then every child list is sorted by time, largest first. The
 * fused build (build.c) does the same in one pass for the common case. */
#include <stdlib.h>

#include "alloc.h"
#include "proc.h"

void pyi_proc_aggregate(pyi_tree *t) {
  size_t n = (size_t)pyi_intern_count(t->s->idents) + 1;
  pyi_frame **first = pyi_xcalloc(n, sizeof *first);
  uint32_t *gen = pyi_xcalloc(n, sizeof *gen);
  uint32_t cur = 0;
  pyi_frame **scratch = NULL;
  size_t cap = 0;
  for (pyi_frame *f = t->root; f; f = pyi_frame_next_pre(t->root, f, false)) {
    cur++; /* a fresh "first by identifier" map per child list */
    pyi_frame *next;
    for (pyi_frame *c = f->first_child; c; c = next) {
      next = c->next;
      if (gen[c->ident] == cur)
        pyi_frame_combine(t, c, first[c->ident]);
      else {
        gen[c->ident] = cur;
        first[c->ident] = c;
      }
    }
    pyi_frame_sort_children(f, &scratch, &cap);
  }
  free(first);
  free(gen);
  free(scratch);
}
