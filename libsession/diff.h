/* diff.h - the diff tree of pyi-diff (diff.c builds it) and its report
 * writers (diff_render.c: text, markdown, json; diff_html.c: html). */
#ifndef PYI_DIFF_H
#define PYI_DIFF_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "intern.h"
#include "opts.h"
#include "out.h"
#include "pyisession.h"
#include "tree.h"

struct pyi_diff_node {
  pyi_diff_node *parent, *first_child, *last_child, *next;
  double v[2];    /* base, new: total time (seconds or fractions) */
  double self[2]; /* base, new: self time */
  double sub;     /* the largest |delta| in the subtree, this node included */
  /* display (strings live in the diff's table; "" when absent) */
  const char *name; /* Class.function */
  const char *function, *class_name, *file, *file_short;
  const char *loc; /* file_short:line */
  int64_t line;
  bool has_line, app, shown;
  uint8_t status; /* enum pyi_diff_status */
  uint32_t rank;  /* creation order: parents before children */
};

/* One side's session as reports describe it. */
struct pyi_diff_side {
  const char *name; /* the name given in the options */
  double total;     /* seconds, whatever the unit of the nodes */
  double start_time, duration, cpu_time, samples;
  const char *description;
};

struct pyi_diff {
  pyi_arena arena; /* nodes */
  pyi_intern_table *strings;
  pyi_diff_node *root;
  pyi_diff_node **nodes; /* all nodes in creation order */
  size_t n_nodes, cap_nodes;
  struct pyi_diff_side side[2];
  pyi_opts *opts;
  bool normalize;
  double threshold;     /* absolute, in the unit of the nodes; at least eps */
  double eps;           /* smaller changes are rounding, not changes */
  double threshold_pct; /* as given, for messages (-1: none) */
  int top;
  int precision;   /* decimals of times, from the sampling intervals */
  size_t n_hidden; /* changed nodes below the threshold */
};

static inline double pyi_diff_delta(const pyi_diff_node *x) {
  return x->v[1] - x->v[0];
}

/* Lines up the processed trees of the two sessions (diff_match.c): makes
 * d->root (the totals) and the nodes below it, in seconds, unsorted. */
void pyi_diff_match(pyi_diff *d, const pyi_tree *base, const pyi_tree *new_);

/* Nodes whose self time changed by at least the threshold, largest growth
 * first ('slower') or largest shrink first; at most d->top. Returns the
 * count; 'out' has room for d->top. */
size_t pyi_diff_top(const pyi_diff *d, bool slower, const pyi_diff_node **out);
/* The nodes from the root's child down to 'n' (caller frees the array). */
const pyi_diff_node **pyi_diff_path_nodes(const pyi_diff_node *n,
                                          size_t *depth);
/* "main > compute > helper": their names joined by 'sep'. */
void pyi_diff_path(const pyi_diff_node *n, const char *sep, pyi_buf *b);
/* Room for any number as the reports write it: %.Nf of a double (309
 * digits before the point at most), a sign, a suffix. */
#define PYI_DIFF_NUM 400
/* A time (a percentage when normalized) as reports write it; a 'delta'
 * has a sign (none when it rounds to zero) and, normalized, is in
 * percentage points. */
void pyi_diff_fmt_value(const pyi_diff *d, double v, bool delta, char *out,
                        size_t n);
/* 'len' bytes of 's' (NULL: "") kept in the diff's string table. */
const char *pyi_diff_keep(pyi_diff *d, const char *s, size_t len);
/* The four columns of a node: base, new, delta, change in percent (cells
 * too narrow for a huge number get it as %e). */
void pyi_diff_cells(const pyi_diff *d, const pyi_diff_node *x, char c[4][48]);
/* Seconds with the diff's precision. */
void pyi_diff_fmt_seconds(const pyi_diff *d, double v, char *out, size_t n);
/* The change relative to the base: "+12.5%", "new" when the base is 0. */
void pyi_diff_fmt_pct(const pyi_diff_node *x, char *out, size_t n);
/* A change big enough to count: at least the threshold (any, with none). */
bool pyi_diff_counts(const pyi_diff *d, double change);

/* Report writers; each writes the whole report to 'o'. */
int pyi_diff_write_text(const pyi_diff *d, pyi_out *o, bool color, bool unicode,
                        pyi_error *err);
int pyi_diff_write_markdown(const pyi_diff *d, pyi_out *o, pyi_error *err);
int pyi_diff_write_json(const pyi_diff *d, pyi_out *o, pyi_error *err);
int pyi_diff_write_html(const pyi_diff *d, pyi_out *o, pyi_error *err);

#endif
