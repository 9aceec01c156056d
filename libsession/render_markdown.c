/* render_markdown.c - a short report for CI job summaries and pull-request
 * comments: the session's figures, the hottest call paths as a nested list
 * and the top functions by self time. It builds a cmark document (plain
 * CommonMark: headings, lists, strong, code spans) and lets cmark write it,
 * so every name is escaped by the renderer that knows the syntax; the same
 * document renders as HTML with format=html. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "escape.h"
#include "floatfmt.h"
#include "lazylib.h"
#include "render.h"

#define DEFAULT_DEPTH 10
#define MAX_DEPTH 256 /* nested lists indent every line: keep them shallow */
#define DEFAULT_LIMIT 10

struct md {
  pyi_render_ctx *c;
  pyi_tree *t;
  int prec;     /* digits of seconds, as the console report shows them */
  double total; /* the root's time, for percentages */
  pyi_buf tmp;
};

/* ---- building nodes -------------------------------------------------------- */

static cmark_node *add(cmark_node *parent, cmark_node_type type) {
  cmark_node *n = cmark_node_new(type);
  cmark_node_append_child(parent, n);
  return n;
}

static cmark_node *add_literal(cmark_node *parent, cmark_node_type type,
                               const char *s) {
  cmark_node *n = add(parent, type);
  cmark_node_set_literal(n, s);
  return n;
}

/* Session text as a literal: valid UTF-8 on one line (a control character
 * would break the paragraph it sits in). */
static const char *clean(struct md *M, const char *s, size_t n) {
  pyi_buf_clear(&M->tmp);
  pyi_utf8_clean_buf(&M->tmp, s, n, true);
  return pyi_buf_cstr(&M->tmp);
}

static cmark_node *add_list(cmark_node *parent, cmark_list_type type) {
  cmark_node *l = add(parent, CMARK_NODE_LIST);
  cmark_node_set_list_type(l, type);
  cmark_node_set_list_tight(l, 1);
  if (type == CMARK_ORDERED_LIST) {
    cmark_node_set_list_start(l, 1);
    cmark_node_set_list_delim(l, CMARK_PERIOD_DELIM);
  }
  return l;
}

/* A list item holding one paragraph; returns the paragraph. */
static cmark_node *add_item(cmark_node *list, cmark_node **item) {
  cmark_node *it = add(list, CMARK_NODE_ITEM);
  if (item)
    *item = it;
  return add(it, CMARK_NODE_PARAGRAPH);
}

static void add_heading(cmark_node *doc, int level, const char *s) {
  cmark_node *h = add(doc, CMARK_NODE_HEADING);
  cmark_node_set_heading_level(h, level);
  add_literal(h, CMARK_NODE_TEXT, s);
}

/* "**Label:** value" */
static cmark_node *add_field(cmark_node *list, const char *label) {
  cmark_node *p = add_item(list, NULL);
  add_literal(add(p, CMARK_NODE_STRONG), CMARK_NODE_TEXT, label);
  add_literal(p, CMARK_NODE_TEXT, " ");
  return p;
}

static void add_seconds(struct md *M, cmark_node *p, const char *before, double v,
                        bool percent) {
  pyi_buf num = PYI_BUF_INIT; /* every digit, even of 1e308 */
  if (percent)
    pyi_buf_printf(&num, "%s%.*f s (%.1f%%)", before, M->prec, v,
                   M->total > 0 ? v / M->total * 100 : 100.0);
  else
    pyi_buf_printf(&num, "%s%.*f s", before, M->prec, v);
  add_literal(p, CMARK_NODE_TEXT, pyi_buf_cstr(&num));
  pyi_buf_release(&num);
}

static bool unicode_space(unsigned cp) {
  return cp == ' ' || cp == '\t' || cp == 0xa0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200a) || cp == 0x202f || cp == 0x205f ||
         cp == 0x3000;
}

/* Strong emphasis cannot open before or close after whitespace, so such
 * a name goes in a code span, which keeps its spaces. */
static bool edged_by_space(const char *s) {
  size_t n = strlen(s), i = 0;
  unsigned cp = 0;
  if (!n)
    return false;
  pyi_utf8_next(s, n, &cp);
  if (unicode_space(cp))
    return true;
  while (i < n) /* to the last code point */
    i += pyi_utf8_next(s + i, n - i, &cp);
  return unicode_space(cp);
}

/* "**Class.function** `file:line`" */
static void add_frame_name(struct md *M, cmark_node *p, const pyi_frame *f) {
  pyi_buf name = PYI_BUF_INIT;
  size_t n;
  const char *cls = pyi_frame_class_name(M->t, f, &n);
  if (cls) {
    pyi_buf_put(&name, cls, n);
    pyi_buf_putc(&name, '.');
  }
  const pyi_ident *id = pyi_frame_ident(M->t, f);
  pyi_buf_put(&name, id->function, id->function_len);
  const char *text = clean(M, name.ptr, name.len);
  if (edged_by_space(text))
    add_literal(p, CMARK_NODE_CODE, text);
  else if (*text)
    add_literal(add(p, CMARK_NODE_STRONG), CMARK_NODE_TEXT, text);
  pyi_buf_clear(&name);
  if (pyi_frame_code_position(M->t, f, &name)) {
    add_literal(p, CMARK_NODE_TEXT, " ");
    add_literal(p, CMARK_NODE_CODE, clean(M, name.ptr, name.len));
  }
  pyi_buf_release(&name);
}

/* ---- sections -------------------------------------------------------------- */

static void summary(struct md *M, cmark_node *doc) {
  const pyi_session *s = M->c->s;
  add_heading(doc, 2, "Profile");
  cmark_node *list = add_list(doc, CMARK_BULLET_LIST);
  static const char prog[] = "Program: ";
  const char *d = s->target_description;
  size_t dn = s->target_description_len;
  if (dn > sizeof prog - 1 && memcmp(d, prog, sizeof prog - 1) == 0)
    add_literal(add_field(list, "Program:"), CMARK_NODE_CODE,
                clean(M, d + sizeof prog - 1, dn - (sizeof prog - 1)));
  else if (dn)
    add_literal(add_item(list, NULL), CMARK_NODE_TEXT, clean(M, d, dn));
  char buf[PYI_NUM_MAX];
  pyi_local_time(s->start_time.v, "%Y-%m-%d %H:%M:%S", buf, sizeof buf);
  add_literal(add_field(list, "Recorded:"), CMARK_NODE_TEXT, buf);
  add_seconds(M, add_field(list, "Duration:"), "", s->duration.v, false);
  pyi_num_repr(s->sample_count.v, s->sample_count.is_int, buf);
  add_literal(add_field(list, "Samples:"), CMARK_NODE_TEXT, buf);
  add_seconds(M, add_field(list, "CPU time:"), "", s->cpu_time.v, false);
}

struct level {
  const pyi_frame *next; /* next child to list */
  cmark_node *item;      /* the parent's item */
  cmark_node *list;      /* the children's list, made on first use */
  long depth;            /* of the children */
};

/* The processed tree as nested lists down to 'depth' levels, walked with
 * an explicit stack. */
static void call_paths(struct md *M, cmark_node *doc, long depth) {
  add_heading(doc, 3, "Hottest call paths");
  const pyi_frame *root = M->t->root;
  cmark_node *item;
  cmark_node *p = add_item(add_list(doc, CMARK_BULLET_LIST), &item);
  add_seconds(M, p, "", root->time, true);
  add_literal(p, CMARK_NODE_TEXT, " ");
  add_frame_name(M, p, root);
  struct level *stack = pyi_xmalloc((size_t)depth * sizeof *stack);
  size_t n = 0;
  if (depth > 1)
    stack[n++] = (struct level){root->first_child, item, NULL, 2};
  while (n) {
    struct level *L = &stack[n - 1];
    const pyi_frame *f = L->next;
    if (!f) {
      n--;
      continue;
    }
    L->next = f->next;
    if (!L->list) {
      L->list = add_list(L->item, CMARK_BULLET_LIST);
    }
    p = add_item(L->list, &item);
    add_seconds(M, p, "", f->time, true);
    add_literal(p, CMARK_NODE_TEXT, " ");
    add_frame_name(M, p, f);
    if (f->first_child && L->depth < depth)
      stack[n++] = (struct level){f->first_child, item, NULL, L->depth + 1};
  }
  free(stack);
}

struct fn {
  const pyi_frame *f; /* the first frame seen, for its name */
  double self, total;
  uint32_t rank, active; /* first-seen order; frames open on the walk */
};

static int cmp_fn(const void *a, const void *b) {
  const struct fn *x = a, *y = b;
  if (x->self != y->self)
    return x->self < y->self ? 1 : -1;
  return x->rank < y->rank ? -1 : (x->rank > y->rank);
}

static void visit(struct md *M, struct fn **rows, size_t *n, size_t *cap,
                  uint32_t *slot, const pyi_frame *f, bool entering) {
  if (pyi_frame_synthetic(M->t, f))
    return; /* [self] time is its parent's self time already */
  uint32_t i = slot[f->ident];
  if (!i) {
    *rows = pyi_xgrow(*rows, cap, *n + 1, sizeof **rows);
    (*rows)[*n] = (struct fn){f, 0, 0, (uint32_t)*n, 0};
    slot[f->ident] = i = (uint32_t)++*n;
  }
  struct fn *r = &(*rows)[i - 1];
  if (!entering) {
    r->active--;
    return;
  }
  r->self += pyi_frame_self_time(M->t, f);
  if (r->active++ == 0)
    r->total += f->time; /* a recursive call is inside the outer one's total */
}

/* Self and total time per function over 't', the tree before small frames
 * are folded into their parents (which would inflate the parents' self
 * time). */
static void top_functions(struct md *M, cmark_node *doc, pyi_tree *t, long limit) {
  add_heading(doc, 3, "Top functions by self time");
  pyi_tree *saved = M->t;
  M->t = t;
  uint32_t *slot = pyi_xcalloc((size_t)pyi_intern_count(t->s->idents) + 1, sizeof *slot);
  struct fn *rows = NULL;
  size_t n = 0, cap = 0;
  pyi_frame *root = t->root, *f = root;
  visit(M, &rows, &n, &cap, slot, f, true);
  for (;;) {
    if (f->first_child) {
      f = f->first_child;
      visit(M, &rows, &n, &cap, slot, f, true);
      continue;
    }
    visit(M, &rows, &n, &cap, slot, f, false);
    while (f != root && !f->next) {
      f = f->parent;
      visit(M, &rows, &n, &cap, slot, f, false);
    }
    if (f == root)
      break;
    f = f->next;
    visit(M, &rows, &n, &cap, slot, f, true);
  }
  qsort(rows, n, sizeof *rows, cmp_fn);
  cmark_node *list = add_list(doc, CMARK_ORDERED_LIST);
  for (size_t i = 0; i < n && i < (size_t)limit && rows[i].self > 0; i++) {
    cmark_node *p = add_item(list, NULL);
    add_frame_name(M, p, rows[i].f);
    add_seconds(M, p, ": self ", rows[i].self, true);
    add_seconds(M, p, ", total ", rows[i].total, true);
  }
  if (!cmark_node_first_child(list))
    cmark_node_free(list);
  free(rows);
  free(slot);
  M->t = saved;
}

/* ---- options and entry point ----------------------------------------------- */

static const char *const markdown_opts[] = {"format", "depth", "limit", NULL};

static int int_opt(const pyi_opts *o, const char *name, long min, long max, long dflt,
                   long *out, pyi_error *err) {
  const cJSON *v = pyi_opt(o, name);
  *out = dflt;
  if (!v)
    return 0;
  if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
      v->valuedouble < (double)min || v->valuedouble > (double)max)
    return pyi_fail(err, PYI_EARG,
                    "the markdown renderer's %s must be an integer from %ld to %ld",
                    name, min, max);
  *out = (long)v->valuedouble;
  return 0;
}

static int markdown_check(const pyi_opts *o, pyi_error *err) {
  long v;
  const char *fmt = pyi_opt_string(o, "format");
  if (pyi_opt(o, "format") &&
      !(fmt && (strcmp(fmt, "markdown") == 0 || strcmp(fmt, "html") == 0)))
    return pyi_fail(err, PYI_EARG,
                    "the markdown renderer's format must be 'markdown' or 'html'");
  if (int_opt(o, "depth", 1, MAX_DEPTH, DEFAULT_DEPTH, &v, err) ||
      int_opt(o, "limit", 0, 100000, DEFAULT_LIMIT, &v, err))
    return -1;
  return 0;
}

static int render_markdown(pyi_render_ctx *c) {
  struct md M = {.c = c};
  long depth, limit;
  if (pyi_cmark_open(c->err))
    return -1;
  if (int_opt(c->opts, "depth", 1, MAX_DEPTH, DEFAULT_DEPTH, &depth, c->err) ||
      int_opt(c->opts, "limit", 0, 100000, DEFAULT_LIMIT, &limit, c->err))
    return -1;
  const char *fmt = pyi_opt_string(c->opts, "format");
  bool html = fmt && strcmp(fmt, "html") == 0;
  double mi = c->s->max_interval.v;
  M.prec = mi > 0 && mi < 1 ? (int)ceil(-log10(mi)) : 3;
  if (M.prec < 1 || M.prec > 9)
    M.prec = 3;
  M.t = pyi_render_tree(c);
  if (!M.t)
    return -1;
  pyi_tree *flat = NULL;
  if (M.t->root) {
    pyi_proc_opts p;
    if (pyi_opt_proc(c->opts, &p, c->err) ||
        !(flat = pyi_tree_process(c->s, pyi_render_procs(c) & ~PYI_PROC_IRRELEVANT,
                                  &p, false, c->err))) {
      pyi_render_tree_done(c, M.t);
      return -1;
    }
  }
  cmark_node *doc = cmark_node_new(CMARK_NODE_DOCUMENT);
  summary(&M, doc);
  if (!M.t->root) {
    add_heading(doc, 3, "Hottest call paths");
    add_literal(add(doc, CMARK_NODE_PARAGRAPH), CMARK_NODE_TEXT,
                "No samples were recorded.");
  } else {
    M.total = M.t->root->time;
    call_paths(&M, doc, depth);
    if (limit > 0)
      top_functions(&M, doc, flat, limit);
  }
  char *out = html ? cmark_render_html(doc, CMARK_OPT_DEFAULT)
                   : cmark_render_commonmark(doc, CMARK_OPT_DEFAULT, 0);
  pyi_out_puts(c->out, out);
  free(out);
  cmark_node_free(doc);
  pyi_buf_release(&M.tmp);
  pyi_tree_free(flat);
  pyi_render_tree_done(c, M.t);
  return 0;
}

const pyi_renderer pyi_renderer_markdown = {
    .name = "markdown",
    .ext = "md",
    .class_name = "MarkdownRenderer",
    .frame = true,
    .procs = PYI_PROCS_PSTATS,
    .options = markdown_opts,
    .check = markdown_check,
    .render = render_markdown,
};
