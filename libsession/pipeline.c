/* pipeline.c - the processor table and its runner (proc.h). */
#include <math.h>
#include <stdlib.h>

#include "error.h"
#include "proc.h"

pyi_tree *pyi_tree_process(const pyi_session *s, unsigned mask,
                           const pyi_proc_opts *o, bool exact, pyi_error *err) {
  pyi_tree *t = NULL;
  unsigned done = 0;
  /* the fused build covers the first four steps when they all apply */
  if (!exact && (mask & PYI_PROC_AGGREGATE) && (mask & PYI_PROC_MERGE_SELF)) {
    pyi_error e = {0};
    t = pyi_tree_build_aggregated(s, mask & PYI_PROC_IMPORTLIB,
                                  mask & PYI_PROC_TBHIDE, &e);
    if (!t && e.code) {
      if (err)
        *err = e;
      return NULL;
    }
    if (t)
      done = PYI_PROC_IMPORTLIB | PYI_PROC_TBHIDE | PYI_PROC_MERGE_SELF |
             PYI_PROC_AGGREGATE;
  }
  if (!t) {
    t = pyi_tree_build(s, 0, err);
    if (!t)
      return NULL;
  }
  if (pyi_tree_run(t, mask & ~done, o, err)) {
    pyi_tree_free(t);
    return NULL;
  }
  return t;
}

int pyi_tree_run(pyi_tree *t, unsigned mask, const pyi_proc_opts *o,
                 pyi_error *err) {
  if (!t->root)
    return 0;
  static const unsigned order[] = {
      PYI_PROC_IMPORTLIB,  PYI_PROC_TBHIDE,     PYI_PROC_MERGE_SELF,
      PYI_PROC_AGGREGATE,  PYI_PROC_IRRELEVANT, PYI_PROC_SELF_NODES,
      PYI_PROC_FIRST_PYI,  PYI_PROC_GROUP};
  for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
    if (!(mask & order[i]))
      continue;
    int rc = 0;
    switch (order[i]) {
    case PYI_PROC_IMPORTLIB: pyi_proc_remove_importlib(t); break;
    case PYI_PROC_TBHIDE: pyi_proc_remove_tracebackhide(t); break;
    case PYI_PROC_MERGE_SELF: pyi_proc_merge_self(t); break;
    case PYI_PROC_AGGREGATE: pyi_proc_aggregate(t); break;
    case PYI_PROC_IRRELEVANT: pyi_proc_remove_irrelevant(t, o ? o->filter_threshold : 0.01); break;
    case PYI_PROC_SELF_NODES: pyi_proc_remove_self_nodes(t); break;
    case PYI_PROC_FIRST_PYI: rc = pyi_proc_remove_first_pyinstrument(t, err); break;
    case PYI_PROC_GROUP: rc = pyi_proc_group_library(t, o, err); break;
    }
    if (rc)
      return -1;
  }
  return 0;
}
