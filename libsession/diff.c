/* diff.c - pyi-diff's engine (pyisession.h, "Comparing two sessions"):
 * both sessions through the text report's processors, their trees lined
 * up by diff_match.c, then units, self times, the order of children and
 * the threshold; the regression check, the top lists and the entry points
 * of the report writers (diff_render.c, diff_html.c). */
#include "diff.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "proc.h"
#include "render.h"
#include "tree.h"

/* ---- after matching: units, self times, order, threshold ----------------- */

static int cmp_children(const void *a, const void *b) {
  const pyi_diff_node *x = *(pyi_diff_node *const *)a,
                      *y = *(pyi_diff_node *const *)b;
  double dx = fabs(pyi_diff_delta(x)), dy = fabs(pyi_diff_delta(y));
  if (dx != dy)
    return dx > dy ? -1 : 1;
  double mx = fmax(x->v[0], x->v[1]), my = fmax(y->v[0], y->v[1]);
  if (mx != my)
    return mx > my ? -1 : 1;
  int c = strcmp(x->name, y->name);
  if (c)
    return c;
  c = strcmp(x->loc, y->loc);
  return c ? c : (x->rank < y->rank ? -1 : 1);
}

static void finish(pyi_diff *d) {
  double k[2] = {1, 1};
  if (d->normalize)
    for (int s = 0; s < 2; s++)
      k[s] = d->side[s].total > 0 ? 1 / d->side[s].total : 0;
  pyi_diff_node **kids = NULL;
  size_t cap = 0;
  for (size_t i = 0; i < d->n_nodes; i++) {
    pyi_diff_node *x = d->nodes[i];
    for (int s = 0; s < 2; s++)
      x->v[s] *= k[s];
  }
  for (size_t i = 0; i < d->n_nodes; i++) {
    pyi_diff_node *x = d->nodes[i];
    size_t n = 0;
    x->self[0] = x->v[0];
    x->self[1] = x->v[1];
    for (pyi_diff_node *c = x->first_child; c; c = c->next) {
      x->self[0] -= c->v[0];
      x->self[1] -= c->v[1];
      kids = pyi_xgrow(kids, &cap, n + 1, sizeof *kids);
      kids[n++] = c;
    }
    if (n < 2)
      continue;
    qsort(kids, n, sizeof *kids, cmp_children);
    x->first_child = kids[0];
    x->last_child = kids[n - 1];
    for (size_t j = 0; j < n; j++)
      kids[j]->next = j + 1 < n ? kids[j + 1] : NULL;
  }
  free(kids);
  /* children come after their parents: a backward pass sees them first */
  for (size_t i = d->n_nodes; i-- > 0;) {
    pyi_diff_node *x = d->nodes[i];
    x->sub = fmax(x->sub, fabs(pyi_diff_delta(x)));
    if (x->parent)
      x->parent->sub = fmax(x->parent->sub, x->sub);
  }
  d->n_hidden = 0;
  for (size_t i = 0; i < d->n_nodes; i++) {
    pyi_diff_node *x = d->nodes[i];
    x->shown = !x->parent || d->threshold_pct < 0 || pyi_diff_counts(d, x->sub);
    d->n_hidden += !x->shown && fabs(pyi_diff_delta(x)) > d->eps;
  }
}

/* ---- options and entry point --------------------------------------------- */

static const char *const diff_opt_names[] = {"show_all", "processor_options",
                                             "unicode", "color", NULL};

int pyi_diff_check(const pyi_diff_opts *o, pyi_error *err) {
  if (!o)
    return 0;
  if (isnan(o->threshold) || o->threshold > 100)
    return pyi_fail(err, PYI_EARG,
                    "the threshold must be a percentage up to 100");
  if (o->top < 0)
    return pyi_fail(err, PYI_EARG,
                    "the number of top changes cannot be negative");
  if (!o->opts)
    return 0;
  pyi_proc_opts p;
  if (pyi_opts_only(o->opts, diff_opt_names, "diff", err) ||
      pyi_opt_proc(o->opts, &p, err))
    return -1;
  return 0;
}

/* The session's tree after the text report's processors, with the
 * diff's default filter threshold. */
static pyi_tree *process(const pyi_diff *d, const pyi_session *ses,
                         pyi_error *err) {
  pyi_proc_opts p;
  if (pyi_opt_proc(d->opts, &p, err))
    return NULL;
  const cJSON *po = pyi_opt(d->opts, "processor_options");
  if (!po || !cJSON_GetObjectItemCaseSensitive(po, "filter_threshold"))
    p.filter_threshold = 0; /* pyisession.h: the diff has its own threshold */
  unsigned mask = PYI_PROCS_TEXT;
  if (pyi_opt_bool(d->opts, "show_all", false))
    mask &= ~PYI_PROCS_HIDING;
  return pyi_tree_process(ses, mask, &p, false, err);
}

const char *pyi_diff_keep(pyi_diff *d, const char *s, size_t len) {
  return pyi_intern_str(d->strings,
                        pyi_intern(d->strings, s ? s : "", s ? len : 0), NULL);
}

static void side_info(pyi_diff *d, int s, const pyi_session *ses,
                      const char *name) {
  struct pyi_diff_side *i = &d->side[s];
  i->name = pyi_diff_keep(d, name, strlen(name));
  i->start_time = ses->start_time.v;
  i->duration = ses->duration.v;
  i->cpu_time = ses->cpu_time.v;
  i->samples = ses->sample_count.v;
  i->description = pyi_diff_keep(d, ses->target_description,
                                 strlen(ses->target_description));
}

pyi_diff *pyi_diff_new(const pyi_session *base, const pyi_session *new_,
                       const pyi_diff_opts *o, pyi_error *err) {
  static const pyi_diff_opts defaults = {0};
  if (!o)
    o = &defaults;
  if (pyi_diff_check(o, err))
    return NULL;
  pyi_diff *d = pyi_xcalloc(1, sizeof *d);
  d->strings = pyi_intern_new();
  d->opts = o->opts ? pyi_opts_copy(o->opts) : pyi_opts_new();
  d->normalize = o->normalize;
  d->threshold_pct = o->threshold == 0  ? 1
                     : o->threshold < 0 ? -1
                                        : o->threshold;
  d->top = o->top ? o->top : 10;
  side_info(d, 0, base, o->base_name ? o->base_name : "base");
  side_info(d, 1, new_, o->new_name ? o->new_name : "new");
  double mi = fmin(base->max_interval.v, new_->max_interval.v);
  d->precision = mi > 0 && isfinite(mi) ? (int)ceil(-log10(fmin(mi, 1))) : 3;
  d->precision = d->precision < 1 ? 1 : d->precision > 6 ? 6 : d->precision;
  pyi_tree *tb = process(d, base, err), *tn = tb ? process(d, new_, err) : NULL;
  if (!tn) {
    pyi_tree_free(tb);
    pyi_diff_free(d);
    return NULL;
  }
  pyi_diff_match(d, tb, tn);
  pyi_tree_free(tb);
  pyi_tree_free(tn);
  d->side[0].total = d->root->v[0];
  d->side[1].total = d->root->v[1];
  double scale = d->normalize ? 1 : fmax(d->side[0].total, d->side[1].total);
  if (!isfinite(scale))
    scale = 0;
  /* float sums differ in their last bits: smaller is no change at all */
  d->eps = 1e-9 * scale;
  d->threshold =
      fmax(d->threshold_pct < 0 ? 0 : d->threshold_pct / 100 * scale, d->eps);
  finish(d);
  return d;
}

void pyi_diff_free(pyi_diff *d) {
  if (!d)
    return;
  pyi_arena_release(&d->arena);
  pyi_intern_free(d->strings);
  free(d->nodes);
  pyi_opts_free(d->opts);
  free(d);
}

/* ---- nodes --------------------------------------------------------------- */

const pyi_diff_node *pyi_diff_root(const pyi_diff *d) { return d->root; }
const pyi_diff_node *pyi_diff_node_parent(const pyi_diff_node *n) {
  return n->parent;
}
const pyi_diff_node *pyi_diff_node_first_child(const pyi_diff_node *n) {
  return n->first_child;
}
const pyi_diff_node *pyi_diff_node_next(const pyi_diff_node *n) {
  return n->next;
}
int pyi_diff_node_status(const pyi_diff_node *n) { return n->status; }
double pyi_diff_node_base(const pyi_diff_node *n) { return n->v[0]; }
double pyi_diff_node_new(const pyi_diff_node *n) { return n->v[1]; }
double pyi_diff_node_base_self(const pyi_diff_node *n) { return n->self[0]; }
double pyi_diff_node_new_self(const pyi_diff_node *n) { return n->self[1]; }
double pyi_diff_node_delta(const pyi_diff_node *n) { return pyi_diff_delta(n); }
double pyi_diff_node_percent(const pyi_diff_node *n) {
  return n->v[0] != 0 ? pyi_diff_delta(n) / n->v[0] * 100 : NAN;
}
bool pyi_diff_node_shown(const pyi_diff_node *n) { return n->shown; }
const char *pyi_diff_node_name(const pyi_diff_node *n) { return n->name; }
const char *pyi_diff_node_location(const pyi_diff_node *n) { return n->loc; }

bool pyi_diff_counts(const pyi_diff *d, double change) {
  return change != 0 && fabs(change) >= d->threshold;
}

const pyi_diff_node *pyi_diff_regression(const pyi_diff *d, double percent) {
  const pyi_diff_node *r = d->root;
  if (pyi_diff_counts(d, pyi_diff_delta(r)) && pyi_diff_delta(r) > 0 &&
      (r->v[0] == 0 || pyi_diff_node_percent(r) > percent))
    return r;
  const pyi_diff_node *worst = NULL;
  double worst_pct = 0;
  for (size_t i = 1; i < d->n_nodes; i++) {
    const pyi_diff_node *x = d->nodes[i];
    if (pyi_diff_delta(x) <= 0 || !pyi_diff_counts(d, pyi_diff_delta(x)))
      continue;
    double p = x->v[0] > 0 ? pyi_diff_node_percent(x) : INFINITY;
    if (!(p > percent))
      continue;
    if (!worst || p > worst_pct ||
        (p == worst_pct && pyi_diff_delta(x) > pyi_diff_delta(worst))) {
      worst = x;
      worst_pct = p;
    }
  }
  return worst;
}

int pyi_diff_gate_check(const pyi_diff *d, pyi_error *err) {
  for (size_t i = 0; i < d->n_nodes; i++) {
    const pyi_diff_node *x = d->nodes[i];
    int side = isnan(x->v[0]) ? 0 : isnan(x->v[1]) ? 1 : -1;
    if (side < 0 && !isnan(pyi_diff_delta(x)))
      continue;
    const char *what = x->parent ? x->name : "the total";
    if (side >= 0)
      return pyi_fail(err, PYI_EFORMAT,
                      "%s: the time of %s is NaN, so no regression can be "
                      "judged",
                      d->side[side].name, what);
    return pyi_fail(err, PYI_EFORMAT,
                    "%s, %s: the change in %s is NaN (infinite times), so no "
                    "regression can be judged",
                    d->side[0].name, d->side[1].name, what);
  }
  return 0;
}

static double self_delta(const pyi_diff_node *x) {
  return x->self[1] - x->self[0];
}

static int cmp_slower(const void *a, const void *b) {
  const pyi_diff_node *x = *(const pyi_diff_node *const *)a;
  const pyi_diff_node *y = *(const pyi_diff_node *const *)b;
  double dx = self_delta(x), dy = self_delta(y);
  if (dx != dy)
    return dx > dy ? -1 : 1;
  return x->rank < y->rank ? -1 : x->rank > y->rank;
}

size_t pyi_diff_top(const pyi_diff *d, bool slower, const pyi_diff_node **out) {
  const pyi_diff_node **all =
      pyi_xmalloc((d->n_nodes ? d->n_nodes : 1) * sizeof *all);
  size_t n = 0;
  for (size_t i = 1; i < d->n_nodes; i++) {
    double sd = self_delta(d->nodes[i]);
    if (pyi_diff_counts(d, sd) && (slower ? sd > 0 : sd < 0))
      all[n++] = d->nodes[i];
  }
  qsort(all, n, sizeof *all, cmp_slower);
  if (!slower) /* largest shrink first */
    for (size_t i = 0; i < n / 2; i++) {
      const pyi_diff_node *t = all[i];
      all[i] = all[n - 1 - i];
      all[n - 1 - i] = t;
    }
  if (n > (size_t)d->top)
    n = (size_t)d->top;
  memcpy(out, all, n * sizeof *out);
  free(all);
  return n;
}

const pyi_diff_node **pyi_diff_path_nodes(const pyi_diff_node *n,
                                          size_t *depth) {
  size_t k = 0;
  for (const pyi_diff_node *x = n; x->parent; x = x->parent)
    k++;
  const pyi_diff_node **path = pyi_xmalloc((k ? k : 1) * sizeof *path);
  *depth = k;
  for (const pyi_diff_node *x = n; x->parent; x = x->parent)
    path[--k] = x;
  return path;
}

void pyi_diff_path(const pyi_diff_node *n, const char *sep, pyi_buf *b) {
  size_t depth;
  const pyi_diff_node **path = pyi_diff_path_nodes(n, &depth);
  for (size_t i = 0; i < depth; i++) {
    if (i)
      pyi_buf_puts(b, sep);
    pyi_buf_puts(b, path[i]->name);
  }
  free(path);
}

/* ---- formats ------------------------------------------------------------- */

static const struct format {
  const char *name, *ext[2];
} formats[] = {{"text", {".txt", NULL}},
               {"markdown", {".md", ".markdown"}},
               {"json", {".json", NULL}},
               {"html", {".html", ".htm"}}};
#define N_FORMATS (sizeof formats / sizeof *formats)

bool pyi_diff_format_exists(const char *name) {
  for (size_t i = 0; name && i < N_FORMATS; i++)
    if (strcmp(formats[i].name, name) == 0)
      return true;
  return false;
}

const char *pyi_diff_format_guess(const char *path) {
  for (size_t i = 0; path && i < N_FORMATS; i++)
    for (int e = 0; e < 2 && formats[i].ext[e]; e++)
      if (pyi_path_has_suffix(path, formats[i].ext[e]))
        return formats[i].name;
  return NULL;
}

static int render(const pyi_diff *d, const char *format, pyi_out *o,
                  pyi_error *err) {
  if (strcmp(format, "text") == 0)
    return pyi_diff_write_text(d, o, pyi_opt_bool(d->opts, "color", false),
                               pyi_opt_bool(d->opts, "unicode", false), err);
  if (strcmp(format, "markdown") == 0)
    return pyi_diff_write_markdown(d, o, err);
  if (strcmp(format, "json") == 0)
    return pyi_diff_write_json(d, o, err);
  return pyi_diff_write_html(d, o, err);
}

int pyi_diff_render_file(const pyi_diff *d, const char *format,
                         const char *path, pyi_error *err) {
  if (!pyi_diff_format_exists(format))
    return pyi_fail(err, PYI_EARG, "unknown diff format '%s'",
                    format ? format : "");
  pyi_out out;
  if (pyi_out_open(&out, path, false, err))
    return -1;
  if (render(d, format, &out, err)) {
    pyi_out_abort(&out);
    return -1;
  }
  return pyi_out_close(&out, err);
}

char *pyi_diff_render_string(const pyi_diff *d, const char *format, size_t *len,
                             pyi_error *err) {
  if (!pyi_diff_format_exists(format)) {
    pyi_fail(err, PYI_EARG, "unknown diff format '%s'", format ? format : "");
    return NULL;
  }
  pyi_out out;
  pyi_out_init_string(&out);
  if (render(d, format, &out, err)) {
    pyi_buf_release(&out.buf);
    return NULL;
  }
  return pyi_out_detach(&out, len);
}
