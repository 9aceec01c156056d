/* proc.h - pyinstrument's processors and the pipeline that runs them.
 * A processor edits the tree in place and may replace its root; the
 * pipeline is a table whose order is the run order and whose bits make the
 * masks renderers declare. */
#ifndef PYI_PROC_H
#define PYI_PROC_H

#include <stdbool.h>

#include "tree.h"

enum {
  PYI_PROC_IMPORTLIB = 1 << 0,     /* remove_importlib */
  PYI_PROC_TBHIDE = 1 << 1,        /* remove_tracebackhide */
  PYI_PROC_MERGE_SELF = 1 << 2,    /* merge_consecutive_self_time */
  PYI_PROC_AGGREGATE = 1 << 3,     /* aggregate_repeated_calls */
  PYI_PROC_IRRELEVANT = 1 << 4,    /* remove_irrelevant_nodes */
  PYI_PROC_SELF_NODES = 1 << 5,    /* remove_unnecessary_self_time_nodes */
  PYI_PROC_FIRST_PYI = 1 << 6,     /* remove_first_pyinstrument_frames */
  PYI_PROC_GROUP = 1 << 7,         /* group_library_frames */
};
#define PYI_PROCS_TEXT 0xffu
#define PYI_PROCS_PSTATS (PYI_PROCS_TEXT & ~PYI_PROC_GROUP)
#define PYI_PROCS_TIMELINE (PYI_PROCS_PSTATS & ~PYI_PROC_AGGREGATE)
/* what show_all removes; timeline removes PYI_PROC_AGGREGATE */
#define PYI_PROCS_HIDING                                                      \
  (PYI_PROC_IMPORTLIB | PYI_PROC_TBHIDE | PYI_PROC_IRRELEVANT | PYI_PROC_GROUP)

typedef struct pyi_proc_opts {
  double filter_threshold; /* remove_irrelevant_nodes, default 0.01 */
  const char *hide_regex;  /* Python regular expressions, NULL for none */
  const char *show_regex;
} pyi_proc_opts;

/* Builds the session's tree (stem trimmed) and runs the processors in
 * 'mask'. 'exact' forces the timeline tree even when the fused aggregated
 * build would give the same result (tests compare the two). The tree's
 * root is NULL for a session without samples. */
pyi_tree *pyi_tree_process(const pyi_session *s, unsigned mask,
                           const pyi_proc_opts *o, bool exact, pyi_error *err);

/* Runs the processors of 'mask' on a built tree, in the table's order. */
int pyi_tree_run(pyi_tree *t, unsigned mask, const pyi_proc_opts *o,
                 pyi_error *err);
/* The processors that a streamed timeline build (tree.h) does itself. */
#define PYI_PROCS_STREAMED                                                    \
  (PYI_PROC_IMPORTLIB | PYI_PROC_TBHIDE | PYI_PROC_MERGE_SELF |               \
   PYI_PROC_IRRELEVANT)

/* The processors (the tree's root may be replaced). */
void pyi_proc_remove_importlib(pyi_tree *t);
void pyi_proc_remove_tracebackhide(pyi_tree *t);
void pyi_proc_merge_self(pyi_tree *t);
void pyi_proc_aggregate(pyi_tree *t);
void pyi_proc_remove_irrelevant(pyi_tree *t, double threshold);
void pyi_proc_remove_self_nodes(pyi_tree *t);
int pyi_proc_remove_first_pyinstrument(pyi_tree *t, pyi_error *err);
int pyi_proc_group_library(pyi_tree *t, const pyi_proc_opts *o, pyi_error *err);

/* A compiled Python-syntax regular expression, matched like re.match. */
typedef struct pyi_regex pyi_regex;
pyi_regex *pyi_regex_new(const char *python_re, pyi_error *err);
/* 1 match, 0 no match */
int pyi_regex_match(const pyi_regex *re, const char *s, size_t len);
void pyi_regex_free(pyi_regex *re);

#endif
