/* diff_render.c - pyi-diff's text, markdown and json reports. The text
 * report is a banner, the top regressions and improvements by self time,
 * then the tree of changed call paths with base, new, delta and percent
 * columns. Markdown is built as a cmark node tree (lists of the top
 * changes, the text tree in a code block) and rendered by cmark, so names
 * stay literal. JSON holds every node. Trees are walked with parent links,
 * never by recursion. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "diff.h"
#include "escape.h"
#include "floatfmt.h"
#include "lazylib.h"
#include "render.h"

/* ---- numbers as reports show them ---------------------------------------- */

/* Copies 'full' to 'out' (n bytes); a number too long for it (only the
 * HTML report's narrow cells, for times near 1e308) is written as %e
 * instead, still true. */
static void fit(char *out, size_t n, const char *full, double v, bool sign,
                const char *suffix) {
  if (strlen(full) < n)
    memcpy(out, full, strlen(full) + 1);
  else
    snprintf(out, n, sign ? "%+.3e%s" : "%.3e%s", v, suffix);
}

/* A time (or a fraction, as a percentage), with a sign for deltas; a value
 * that rounds to zero is written without one. As pyinstrument writes
 * times: %.Nf, every digit (a 1e308 s duration has 309 of them). */
void pyi_diff_fmt_value(const pyi_diff *d, double v, bool delta, char *out,
                        size_t n) {
  char full[PYI_DIFF_NUM];
  int p = d->normalize ? 1 : d->precision;
  if (d->normalize)
    v *= 100;
  const char *pct = d->normalize ? "%" : "";
  if (delta) { /* percentage points when normalized: no % sign */
    bool zero = fabs(v) < 0.5 * pow(10, -p);
    snprintf(full, sizeof full, zero ? "%.*f" : "%+.*f", p, zero ? 0.0 : v);
    fit(out, n, full, v, !zero, "");
  } else {
    snprintf(full, sizeof full, "%.*f%s", p, v, pct);
    fit(out, n, full, v, false, pct);
  }
}

void pyi_diff_fmt_seconds(const pyi_diff *d, double v, char *out, size_t n) {
  char full[PYI_DIFF_NUM];
  snprintf(full, sizeof full, "%.*f", d->precision, v);
  fit(out, n, full, v, false, "");
}

/* The change relative to the base: "+12.5%", "new" when the base is 0. */
void pyi_diff_fmt_pct(const pyi_diff_node *x, char *out, size_t n) {
  if (x->v[0] == 0) {
    snprintf(out, n, x->v[1] == 0 ? "0.0%%" : "new");
    return;
  }
  double p = pyi_diff_delta(x) / x->v[0] * 100;
  char full[PYI_DIFF_NUM];
  if (fabs(p) < 0.05)
    snprintf(full, sizeof full, "0.0%%");
  else
    snprintf(full, sizeof full, "%+.1f%%", p);
  fit(out, n, full, p, true, "%");
}

static const char *unit(const pyi_diff *d) {
  return d->normalize ? " pts" : " s";
}

/* ---- text ---------------------------------------------------------------- */

struct text {
  const pyi_diff *d;
  pyi_out *o;
  bool color, unicode;
  int w[4]; /* widths of base, new, delta, percent */
};

#define C(x) (T->color ? (x) : "")
#define RESET C("\x1b[0m")
#define DIM C("\x1b[2m")

static const char *change_color(const struct text *T, double change) {
  if (!pyi_diff_counts(T->d, change))
    return DIM;
  return change > 0 ? C("\x1b[31m") : C("\x1b[32m");
}

void pyi_diff_cells(const pyi_diff *d, const pyi_diff_node *x, char c[4][48]) {
  pyi_diff_fmt_value(d, x->v[0], false, c[0], 48);
  pyi_diff_fmt_value(d, x->v[1], false, c[1], 48);
  pyi_diff_fmt_value(d, pyi_diff_delta(x), true, c[2], 48);
  pyi_diff_fmt_pct(x, c[3], 48);
}

/* The same, wide enough for every digit. */
static void wide_cells(const pyi_diff *d, const pyi_diff_node *x,
                       char c[4][PYI_DIFF_NUM]) {
  pyi_diff_fmt_value(d, x->v[0], false, c[0], PYI_DIFF_NUM);
  pyi_diff_fmt_value(d, x->v[1], false, c[1], PYI_DIFF_NUM);
  pyi_diff_fmt_value(d, pyi_diff_delta(x), true, c[2], PYI_DIFF_NUM);
  pyi_diff_fmt_pct(x, c[3], PYI_DIFF_NUM);
}

static void banner(struct text *T) {
  const pyi_diff *d = T->d;
  pyi_out *o = T->o;
  const char *arrow = T->unicode ? "\xe2\x86\x92" : "->";
  int nw = (int)fmax(strlen(d->side[0].name), strlen(d->side[1].name));
  pyi_out_printf(o, "\n  pyi-diff %s\n", PYI_VERSION);
  for (int s = 0; s < 2; s++) {
    const struct pyi_diff_side *i = &d->side[s];
    char when[32], num[PYI_NUM_MAX];
    pyi_local_time(i->start_time, "%Y-%m-%d %H:%M:%S", when, sizeof when);
    pyi_num_repr(i->samples, i->samples == floor(i->samples), num);
    pyi_out_printf(o,
                   "  %s%-4s%s %-*s  %sRecorded:%s %s  %sSamples:%s %s  "
                   "%sDuration:%s %.3f\n",
                   DIM, s ? "new" : "base", RESET, nw, i->name, DIM, RESET,
                   when, DIM, RESET, num, DIM, RESET, i->duration);
  }
  char a[PYI_DIFF_NUM], b[PYI_DIFF_NUM], c[PYI_DIFF_NUM], p[PYI_DIFF_NUM];
  const pyi_diff_node *r = d->root;
  pyi_diff_fmt_value(d, r->v[0], false, a, sizeof a);
  pyi_diff_fmt_value(d, r->v[1], false, b, sizeof b);
  pyi_diff_fmt_value(d, pyi_diff_delta(r), true, c, sizeof c);
  pyi_diff_fmt_pct(r, p, sizeof p);
  if (d->normalize) {
    char x[PYI_DIFF_NUM], y[PYI_DIFF_NUM];
    pyi_diff_fmt_seconds(d, d->side[0].total, x, sizeof x);
    pyi_diff_fmt_seconds(d, d->side[1].total, y, sizeof y);
    pyi_out_printf(o,
                   "\n  Total: %s %s %s s; times below are %% of each total\n",
                   x, arrow, y);
  } else
    pyi_out_printf(o, "\n  Total: %s %s %s s  %s%s%s%s (%s)\n", a, arrow, b,
                   change_color(T, pyi_diff_delta(r)), c, unit(d), RESET, p);
}

/* The call path to 'x', its last few names only: the tree has the rest. */
static void short_path(struct text *T, const pyi_diff_node *x, pyi_buf *b) {
  enum { KEEP = 4 };
  const char *sep = T->unicode ? " \xe2\x80\xba " : " > ";
  size_t depth;
  const pyi_diff_node **path = pyi_diff_path_nodes(x, &depth);
  size_t from = depth > KEEP ? depth - KEEP : 0;
  if (from)
    pyi_buf_puts(b, T->unicode ? "\xe2\x80\xa6" : "...");
  for (size_t i = from; i < depth; i++) {
    if (i > 0)
      pyi_buf_puts(b, sep);
    pyi_buf_puts(b, path[i]->name);
  }
  free(path);
}

static void top_list(struct text *T, bool slower) {
  const pyi_diff *d = T->d;
  const pyi_diff_node **top = pyi_xmalloc((size_t)d->top * sizeof *top);
  size_t n = pyi_diff_top(d, slower, top);
  pyi_buf path = PYI_BUF_INIT;
  char v[PYI_DIFF_NUM];
  pyi_out_printf(T->o, "\n  %s (self time):%s\n", slower ? "Slower" : "Faster",
                 n ? "" : " none above the threshold");
  for (size_t i = 0; i < n; i++) {
    const pyi_diff_node *x = top[i];
    double sd = x->self[1] - x->self[0];
    pyi_diff_fmt_value(d, sd, true, v, sizeof v);
    pyi_buf_clear(&path);
    short_path(T, x, &path);
    pyi_out_printf(T->o, "  %s%10s%s  %s  %s%s%s  %s%s%s\n",
                   change_color(T, sd), v, RESET, x->name, DIM, x->loc, RESET,
                   DIM, pyi_buf_cstr(&path), RESET);
  }
  pyi_buf_release(&path);
  free(top);
}

static void node_line(struct text *T, const pyi_diff_node *x,
                      const char *prefix, size_t plen, const char *branch) {
  const pyi_diff *d = T->d;
  pyi_out *o = T->o;
  char c[4][PYI_DIFF_NUM];
  wide_cells(d, x, c);
  const char *col = change_color(T, pyi_diff_delta(x));
  pyi_out_printf(o, "%*s %*s %s%*s %*s%s  ", T->w[0], c[0], T->w[1], c[1], col,
                 T->w[2], c[2], T->w[3], c[3], RESET);
  pyi_out_write(o, prefix, plen);
  pyi_out_puts(o, branch);
  pyi_out_printf(o, "%s%s%s", x->app ? C("\x1b[1m") : "", x->name, RESET);
  if (*x->loc)
    pyi_out_printf(o, "  %s%s%s", DIM, x->loc, RESET);
  if (x->status == PYI_DIFF_ADDED)
    pyi_out_printf(o, "  %s[added]%s", C("\x1b[31m"), RESET);
  else if (x->status == PYI_DIFF_REMOVED)
    pyi_out_printf(o, "  %s[removed]%s", C("\x1b[32m"), RESET);
  double sd = x->self[1] - x->self[0];
  if (x->first_child && pyi_diff_counts(d, sd)) {
    pyi_diff_fmt_value(d, sd, true, c[0], sizeof c[0]);
    pyi_out_printf(o, "  %s(self %s)%s", change_color(T, sd), c[0], RESET);
  }
  pyi_out_putc(o, '\n');
}

static const pyi_diff_node *last_shown(const pyi_diff_node *x) {
  const pyi_diff_node *last = NULL;
  for (const pyi_diff_node *c = x->first_child; c; c = c->next)
    if (c->shown)
      last = c;
  return last;
}

/* The tree below the root, shown nodes only, as pyinstrument draws it. */
static void draw_tree(struct text *T) {
  const pyi_diff *d = T->d;
  char c[4][PYI_DIFF_NUM];
  const char *const heads[4] = {"base", "new", d->normalize ? "points" : "delta",
                                "%"};
  for (int i = 0; i < 4; i++)
    T->w[i] = (int)strlen(heads[i]);
  for (size_t i = 0; i < d->n_nodes; i++) {
    if (!d->nodes[i]->shown)
      continue;
    wide_cells(d, d->nodes[i], c);
    for (int k = 0; k < 4; k++)
      T->w[k] = (int)fmax(T->w[k], strlen(c[k]));
  }
  pyi_out_printf(T->o, "%s%*s %*s %*s %*s%s\n", DIM, T->w[0], heads[0], T->w[1],
                 heads[1], T->w[2], heads[2], T->w[3], heads[3], RESET);
  const char *mid = T->unicode ? "\xe2\x94\x9c\xe2\x94\x80 " : "|- ";
  const char *end = T->unicode ? "\xe2\x94\x94\xe2\x94\x80 " : "`- ";
  const char *bar = T->unicode ? "\xe2\x94\x82  " : "|  ";
  pyi_buf prefix = PYI_BUF_INIT;
  struct level {
    const pyi_diff_node *next, *last;
    size_t plen;
  } *stack = NULL;
  size_t n = 0, cap = 0;
  stack = pyi_xgrow(stack, &cap, 1, sizeof *stack);
  stack[n++] = (struct level){d->root->first_child, last_shown(d->root), 0};
  bool top = true; /* the root's children get no branch glyphs */
  while (n) {
    struct level *L = &stack[n - 1];
    const pyi_diff_node *x = L->next;
    while (x && !x->shown)
      x = x->next;
    if (!x) {
      n--;
      continue;
    }
    L->next = x->next;
    top = n == 1;
    bool last = x == L->last;
    size_t base = L->plen;
    prefix.len = base;
    node_line(T, x, pyi_buf_cstr(&prefix), base, top ? "" : last ? end : mid);
    if (!top)
      pyi_buf_puts(&prefix, last ? "   " : bar);
    const pyi_diff_node *ls = last_shown(x);
    if (ls) {
      size_t plen = prefix.len;
      stack = pyi_xgrow(stack, &cap, n + 1, sizeof *stack);
      stack[n++] = (struct level){x->first_child, ls, plen};
    }
  }
  free(stack);
  pyi_buf_release(&prefix);
  if (!last_shown(d->root))
    pyi_out_puts(T->o, "No call path changed by the threshold or more.\n");
}

static void hidden_note(struct text *T) {
  const pyi_diff *d = T->d;
  if (d->n_hidden)
    pyi_out_printf(T->o,
                   "%s%zu smaller change%s below %g%% of the total not shown "
                   "(--threshold)%s\n",
                   DIM, d->n_hidden, d->n_hidden == 1 ? "" : "s",
                   d->threshold_pct, RESET);
}

int pyi_diff_write_text(const pyi_diff *d, pyi_out *o, bool color, bool unicode,
                        pyi_error *err) {
  struct text T = {d, o, color, unicode, {0}};
  banner(&T);
  top_list(&T, true);
  top_list(&T, false);
  pyi_out_putc(o, '\n');
  draw_tree(&T);
  hidden_note(&T);
  pyi_out_putc(o, '\n');
  return 0;
}

/* ---- json ---------------------------------------------------------------- */

static void json_num(pyi_out *o, double v) {
  char num[40];
  if (!isfinite(v))
    pyi_out_puts(o, "null");
  else
    pyi_out_write(o, num, pyi_float_repr(v, num));
}

static void json_str(pyi_out *o, const char *s) {
  if (*s)
    pyi_json_utf8(o, s, strlen(s));
  else
    pyi_out_puts(o, "null");
}

static void json_node(pyi_out *o, const pyi_diff_node *x) {
  static const char *const status[] = {"both", "added", "removed"};
  pyi_out_puts(o, "{\"name\": ");
  json_str(o, x->parent ? x->name : "");
  pyi_out_puts(o, ", \"function\": ");
  json_str(o, x->function);
  pyi_out_puts(o, ", \"class_name\": ");
  json_str(o, x->class_name);
  pyi_out_puts(o, ", \"file_path\": ");
  json_str(o, x->file);
  pyi_out_puts(o, ", \"file_path_short\": ");
  json_str(o, x->file_short);
  if (x->has_line)
    pyi_out_printf(o, ", \"line_no\": %lld", (long long)x->line);
  else
    pyi_out_puts(o, ", \"line_no\": null");
  pyi_out_printf(
      o, ", \"is_application_code\": %s, \"status\": \"%s\", \"shown\": %s",
      x->app ? "true" : "false", status[x->status],
      x->shown ? "true" : "false");
  const char *keys[] = {"base",    "new",       "delta",
                        "percent", "base_self", "new_self"};
  double vals[] = {
      x->v[0],           x->v[1],
      pyi_diff_delta(x), x->v[0] != 0 ? pyi_diff_delta(x) / x->v[0] * 100 : NAN,
      x->self[0],        x->self[1]};
  for (int i = 0; i < 6; i++) {
    pyi_out_printf(o, ", \"%s\": ", keys[i]);
    json_num(o, vals[i]);
  }
  pyi_out_puts(o, ", \"children\": [");
}

static void json_side(pyi_out *o, const struct pyi_diff_side *i) {
  pyi_out_puts(o, "{\"name\": ");
  pyi_json_utf8(o, i->name, strlen(i->name));
  const char *keys[] = {"total", "start_time", "duration", "cpu_time",
                        "sample_count"};
  double vals[] = {i->total, i->start_time, i->duration, i->cpu_time,
                   i->samples};
  for (int k = 0; k < 5; k++) {
    pyi_out_printf(o, ", \"%s\": ", keys[k]);
    json_num(o, vals[k]);
  }
  pyi_out_puts(o, ", \"target_description\": ");
  pyi_json_utf8(o, i->description, strlen(i->description));
  pyi_out_putc(o, '}');
}

static void json_top(const pyi_diff *d, pyi_out *o, bool slower) {
  const pyi_diff_node **top = pyi_xmalloc((size_t)d->top * sizeof *top);
  size_t n = pyi_diff_top(d, slower, top);
  pyi_out_printf(o, ", \"%s\": [", slower ? "slower" : "faster");
  for (size_t i = 0; i < n; i++) {
    pyi_out_puts(o, i ? ", {\"path\": [" : "{\"path\": [");
    size_t depth;
    const pyi_diff_node **path = pyi_diff_path_nodes(top[i], &depth);
    for (size_t k = 0; k < depth; k++) {
      if (k)
        pyi_out_puts(o, ", ");
      pyi_json_utf8(o, path[k]->name, strlen(path[k]->name));
    }
    free(path);
    pyi_out_puts(o, "], \"location\": ");
    json_str(o, top[i]->loc);
    pyi_out_puts(o, ", \"self_delta\": ");
    json_num(o, top[i]->self[1] - top[i]->self[0]);
    pyi_out_puts(o, ", \"delta\": ");
    json_num(o, pyi_diff_delta(top[i]));
    pyi_out_putc(o, '}');
  }
  pyi_out_putc(o, ']');
  free(top);
}

int pyi_diff_write_json(const pyi_diff *d, pyi_out *o, pyi_error *err) {
  pyi_out_puts(o, "{\"base\": ");
  json_side(o, &d->side[0]);
  pyi_out_puts(o, ", \"new\": ");
  json_side(o, &d->side[1]);
  pyi_out_printf(o, ", \"unit\": \"%s\", \"threshold\": ",
                 d->normalize ? "fraction" : "seconds");
  json_num(o, d->threshold_pct < 0 ? NAN : d->threshold);
  json_top(d, o, true);
  json_top(d, o, false);
  pyi_out_puts(o, ", \"root\": ");
  const pyi_diff_node *root = d->root, *x = root;
  for (;;) {
    json_node(o, x);
    if (x->first_child) {
      x = x->first_child;
      continue;
    }
    pyi_out_puts(o, "]}");
    while (x != root && !x->next) {
      x = x->parent;
      pyi_out_puts(o, "]}");
    }
    if (x == root)
      break;
    x = x->next;
    pyi_out_puts(o, ", ");
  }
  pyi_out_puts(o, "}\n");
  return 0;
}

/* ---- markdown ------------------------------------------------------------ */

static cmark_node *md_add(cmark_node *parent, cmark_node_type type,
                          const char *literal) {
  cmark_node *n = cmark_node_new(type);
  if (literal)
    cmark_node_set_literal(n, literal);
  cmark_node_append_child(parent, n);
  return n;
}

static cmark_node *md_para(cmark_node *parent) {
  return md_add(parent, CMARK_NODE_PARAGRAPH, NULL);
}

static void md_heading(cmark_node *doc, int level, const char *text) {
  cmark_node *h = md_add(doc, CMARK_NODE_HEADING, NULL);
  cmark_node_set_heading_level(h, level);
  md_add(h, CMARK_NODE_TEXT, text);
}

static void md_top(const pyi_diff *d, cmark_node *doc, bool slower) {
  md_heading(doc, 2, slower ? "Slower" : "Faster");
  const pyi_diff_node **top = pyi_xmalloc((size_t)d->top * sizeof *top);
  size_t n = pyi_diff_top(d, slower, top);
  if (!n) {
    char msg[160];
    snprintf(msg, sizeof msg,
             "No call path got %s by %g%% of the total or more.",
             slower ? "slower" : "faster",
             d->threshold_pct < 0 ? 0 : d->threshold_pct);
    md_add(md_para(doc), CMARK_NODE_TEXT, msg);
  } else {
    cmark_node *list = md_add(doc, CMARK_NODE_LIST, NULL);
    cmark_node_set_list_type(list, CMARK_ORDERED_LIST);
    cmark_node_set_list_start(list, 1);
    cmark_node_set_list_tight(list, 1);
    pyi_buf path = PYI_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
      const pyi_diff_node *x = top[i];
      cmark_node *p = md_para(md_add(list, CMARK_NODE_ITEM, NULL));
      char v[PYI_DIFF_NUM], t[PYI_DIFF_NUM], pct[PYI_DIFF_NUM],
          text[3 * PYI_DIFF_NUM];
      pyi_diff_fmt_value(d, x->self[1] - x->self[0], true, v, sizeof v);
      snprintf(text, sizeof text, "%s%s", v, unit(d));
      md_add(md_add(p, CMARK_NODE_STRONG, NULL), CMARK_NODE_TEXT, text);
      md_add(p, CMARK_NODE_TEXT, " self time in ");
      md_add(p, CMARK_NODE_CODE, x->name);
      if (*x->loc) {
        md_add(p, CMARK_NODE_TEXT, " (");
        md_add(p, CMARK_NODE_CODE, x->loc);
        md_add(p, CMARK_NODE_TEXT, ")");
      }
      pyi_diff_fmt_value(d, pyi_diff_delta(x), true, t, sizeof t);
      pyi_diff_fmt_pct(x, pct, sizeof pct);
      snprintf(text, sizeof text, "; total %s%s (%s); path ", t, unit(d), pct);
      md_add(p, CMARK_NODE_TEXT, text);
      pyi_buf_clear(&path);
      pyi_diff_path(x, " > ", &path);
      md_add(p, CMARK_NODE_CODE, pyi_buf_cstr(&path));
    }
    pyi_buf_release(&path);
  }
  free(top);
}

int pyi_diff_write_markdown(const pyi_diff *d, pyi_out *o, pyi_error *err) {
  if (pyi_cmark_open(err))
    return -1;
  cmark_node *doc = cmark_node_new(CMARK_NODE_DOCUMENT);
  char a[PYI_DIFF_NUM], b[PYI_DIFF_NUM], c[PYI_DIFF_NUM], pct[PYI_DIFF_NUM],
      text[3 * PYI_DIFF_NUM];
  md_heading(doc, 1, "Profile diff");
  cmark_node *p = md_para(doc);
  for (int s = 0; s < 2; s++) {
    const struct pyi_diff_side *i = &d->side[s];
    char when[32];
    pyi_local_time(i->start_time, "%Y-%m-%d %H:%M:%S", when, sizeof when);
    md_add(p, CMARK_NODE_TEXT, s ? "New: " : "Base: ");
    md_add(p, CMARK_NODE_CODE, i->name);
    snprintf(text, sizeof text, ", recorded %s, %.0f samples, %.3f s.", when,
             i->samples, i->duration);
    md_add(p, CMARK_NODE_TEXT, text);
    if (!s)
      md_add(p, CMARK_NODE_SOFTBREAK, NULL);
  }
  const pyi_diff_node *r = d->root;
  p = md_para(doc);
  md_add(p, CMARK_NODE_TEXT, "Total: ");
  pyi_diff_fmt_seconds(d, d->side[0].total, a, sizeof a);
  pyi_diff_fmt_seconds(d, d->side[1].total, b, sizeof b);
  pyi_diff_fmt_value(d, pyi_diff_delta(r), true, c, sizeof c);
  pyi_diff_fmt_pct(r, pct, sizeof pct);
  snprintf(text, sizeof text, "%s s \xe2\x86\x92 %s s", a, b);
  md_add(md_add(p, CMARK_NODE_STRONG, NULL), CMARK_NODE_TEXT, text);
  if (d->normalize)
    md_add(p, CMARK_NODE_TEXT, " (times below are percentages of each total)");
  else {
    snprintf(text, sizeof text, " (%s s, %s)", c, pct);
    md_add(p, CMARK_NODE_TEXT, text);
  }
  md_top(d, doc, true);
  md_top(d, doc, false);
  md_heading(doc, 2, "Call tree");
  pyi_out tree;
  pyi_out_init_string(&tree);
  struct text T = {d, &tree, false, true, {0}};
  draw_tree(&T);
  hidden_note(&T);
  size_t len;
  char *tree_text = pyi_out_detach(&tree, &len);
  cmark_node *code = md_add(doc, CMARK_NODE_CODE_BLOCK, tree_text);
  cmark_node_set_fence_info(code, "text");
  free(tree_text);
  char *md = cmark_render_commonmark(doc, CMARK_OPT_DEFAULT, 0);
  pyi_out_puts(o, md);
  free(md);
  cmark_node_free(doc);
  return 0;
}
