/* render_text.c - the console report: a banner, then the call tree drawn
 * exactly as pyinstrument's ConsoleRenderer draws it (glyphs, colours,
 * hidden library groups), or the flat listing. The tree is walked with an
 * explicit stack; each level remembers its indent as a length into one
 * prefix buffer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "escape.h"
#include "floatfmt.h"
#include "render.h"

struct glyphs {
  const char *middle, *cont, *last, *blank;
};
static const struct glyphs uni = {"\xe2\x94\x9c\xe2\x94\x80 ", "\xe2\x94\x82  ",
                                  "\xe2\x94\x94\xe2\x94\x80 ", "   "};
static const struct glyphs ascii = {"|- ", "|  ", "`- ", "   "};
static const struct glyphs six = {"      ", "      ", "      ", "      "};
static const struct glyphs none = {"", "", "", ""};

struct text {
  pyi_render_ctx *c;
  pyi_tree *t;
  pyi_out *o;
  bool color, unicode, percent, short_mode;
  int prec;
  double root_time;
  pyi_buf line;
  /* per group: 1 when printed in full (fewer than 2 hideable frames) */
  uint8_t *ignored;
};

#define C(x) (T->color ? (x) : "")
#define RESET C("\x1b[0m")

static const char *time_color(const struct text *T, double v) {
  double p = T->root_time != 0 ? v / T->root_time : 1;
  if (p > 0.6)
    return C("\x1b[31m");
  if (p > 0.2)
    return C("\x1b[33m");
  if (p > 0.05)
    return C("\x1b[32m");
  return C("\x1b[92m\x1b[2m");
}

static void frame_line(struct text *T, const pyi_frame *f, double v) {
  pyi_out *o = T->o;
  pyi_out_puts(o, time_color(T, v));
  if (T->percent) {
    double p = T->root_time != 0 ? v / T->root_time : 1;
    pyi_out_printf(o, "%.1f%%", p * 100);
  } else
    pyi_out_printf(o, "%.*f", T->prec, v);
  pyi_out_puts(o, RESET);
  pyi_out_putc(o, ' ');
  if (pyi_frame_is_app(T->t, f))
    pyi_out_puts(o, C("\x1b[48;5;24m\x1b[38;5;15m"));
  size_t n;
  const char *cls = pyi_frame_class_name(T->t, f, &n);
  if (cls) {
    pyi_out_write(o, cls, n);
    pyi_out_putc(o, '.');
  }
  const pyi_ident *id = pyi_frame_ident(T->t, f);
  pyi_out_write(o, id->function, id->function_len);
  pyi_out_puts(o, RESET);
  pyi_out_puts(o, "  ");
  pyi_buf_clear(&T->line);
  if (pyi_frame_code_position(T->t, f, &T->line)) {
    pyi_out_puts(o, C("\x1b[2m"));
    pyi_out_write(o, T->line.ptr, T->line.len);
    pyi_out_puts(o, RESET);
  }
  pyi_out_putc(o, '\n');
}

/* ---- groups ---------------------------------------------------------------- */

static bool drawn(struct text *T, const pyi_frame *f) {
  return !pyi_frame_hidden(T->t, f, T->ignored, T->root_time);
}

/* Length in code points of the first 'n' bytes (for the 40-column cap). */
static size_t cut_points(const char *s, size_t len, size_t max_points) {
  size_t i = 0, points = 0;
  while (i < len && points < max_points) {
    unsigned cp;
    i += pyi_utf8_next(s + i, len - i, &cp);
    points++;
  }
  return i;
}

static size_t count_points(const char *s, size_t len) {
  size_t i = 0, points = 0;
  while (i < len) {
    unsigned cp;
    i += pyi_utf8_next(s + i, len - i, &cp);
    points++;
  }
  return points;
}

static void group_line(struct text *T, const pyi_group *g) {
  pyi_buf libs = PYI_BUF_INIT;
  size_t hidden = 0;
  const char **seen = pyi_xmalloc((g->n ? g->n : 1) * sizeof *seen);
  size_t *seen_len = pyi_xmalloc((g->n ? g->n : 1) * sizeof *seen_len);
  size_t n_seen = 0;
  for (size_t k = 0; k < g->n; k++) {
    const pyi_frame *f = g->frames[k];
    if (drawn(T, f))
      continue;
    hidden++;
    const char *sp = pyi_frame_short_path(T->t, f);
    if (!sp || !*sp)
      continue;
    size_t n = strcspn(sp, "/\\.");
    if (!n)
      continue;
    bool dup = false;
    for (size_t j = 0; j < n_seen && !dup; j++)
      dup = seen_len[j] == n && memcmp(seen[j], sp, n) == 0;
    if (dup)
      continue;
    seen[n_seen] = sp;
    seen_len[n_seen++] = n;
    if (libs.len)
      pyi_buf_puts(&libs, ", ");
    pyi_buf_put(&libs, sp, n);
  }
  if (count_points(libs.ptr ? libs.ptr : "", libs.len) > 40) {
    libs.len = cut_points(libs.ptr, libs.len, 37);
    pyi_buf_puts(&libs, "...");
  }
  pyi_out_printf(T->o, "[%zu frames hidden]  %s", hidden, C("\x1b[2m"));
  pyi_out_write(T->o, pyi_buf_cstr(&libs), libs.len);
  pyi_out_puts(T->o, RESET);
  pyi_out_putc(T->o, '\n');
  free(seen);
  free(seen_len);
  pyi_buf_release(&libs);
}

/* ---- the tree -------------------------------------------------------------- */

struct level {
  const pyi_frame *f;       /* whose children are being drawn */
  const pyi_frame *next;    /* next child to draw */
  const pyi_frame *last;    /* last drawn child (NULL: none) */
  bool passed_last;
  const struct glyphs *g;
  size_t plen;              /* its child_indent = prefix[0..plen) */
};

static const pyi_frame *last_drawn(struct text *T, const pyi_frame *f) {
  for (const pyi_frame *c = f->last_child; c; c = c->prev)
    if (drawn(T, c))
      return c;
  return NULL;
}

/* Draws f (if drawn) and returns the glyphs its children use. */
static const struct glyphs *draw(struct text *T, const pyi_frame *f,
                                 const pyi_buf *prefix, size_t base,
                                 const char *branch, size_t child_len) {
  if (!drawn(T, f))
    return &none;
  pyi_out_write(T->o, prefix->ptr, base);
  pyi_out_puts(T->o, branch);
  frame_line(T, f, f->time);
  pyi_group *g = pyi_frame_group(T->t, f);
  if (g && g->root == f && !T->ignored[f->group - 1]) {
    pyi_out_write(T->o, prefix->ptr, child_len);
    pyi_out_puts(T->o, "   ");
    group_line(T, g);
    return &six;
  }
  return T->unicode ? &uni : &ascii;
}

static void draw_tree(struct text *T, const char *ind) {
  pyi_buf prefix = PYI_BUF_INIT;
  pyi_buf_puts(&prefix, ind);
  struct level *stack = NULL;
  size_t n = 0, cap = 0;
  const pyi_frame *root = T->t->root;
  const struct glyphs *g = draw(T, root, &prefix, prefix.len, "", prefix.len);
  stack = pyi_xgrow(stack, &cap, 1, sizeof *stack);
  stack[n++] = (struct level){root, root->first_child, last_drawn(T, root), false, g,
                              prefix.len};
  while (n) {
    struct level *L = &stack[n - 1];
    const pyi_frame *c = L->next;
    if (!c) {
      n--;
      continue;
    }
    L->next = c->next;
    bool before_last = L->last && !L->passed_last && c != L->last;
    if (c == L->last)
      L->passed_last = true;
    const char *branch = before_last ? L->g->middle : L->g->last;
    const char *cont = before_last ? L->g->cont : L->g->blank;
    size_t base = L->plen;
    prefix.len = base;
    pyi_buf_puts(&prefix, cont); /* c's child_indent */
    const struct glyphs *cg = draw(T, c, &prefix, base, branch, prefix.len);
    if (c->first_child) {
      size_t plen = prefix.len;
      stack = pyi_xgrow(stack, &cap, n + 1, sizeof *stack);
      stack[n++] = (struct level){c, c->first_child, last_drawn(T, c), false, cg, plen};
    }
  }
  free(stack);
  pyi_buf_release(&prefix);
}

/* ---- flat ------------------------------------------------------------------ */

struct row {
  uint32_t rank; /* first-visit order, for a stable sort */
  double v;
  const pyi_frame *f;
};

static int cmp_row(const void *a, const void *b) {
  const struct row *x = a, *y = b;
  if (x->v != y->v)
    return x->v < y->v ? 1 : -1;
  return x->rank < y->rank ? -1 : (x->rank > y->rank);
}

static void draw_flat(struct text *T, bool total, bool show_all) {
  pyi_tree *t = T->t;
  size_t n_ids = (size_t)pyi_intern_count(t->s->idents) + 1;
  uint32_t *slot = pyi_xcalloc(n_ids, sizeof *slot); /* ident -> row + 1 */
  struct row *rows = NULL;
  size_t n = 0, cap = 0;
  for (pyi_frame *f = t->root; f; f = pyi_frame_next_pre(t->root, f, false)) {
    uint32_t i = slot[f->ident];
    if (!i) {
      rows = pyi_xgrow(rows, &cap, n + 1, sizeof *rows);
      rows[n] = (struct row){(uint32_t)n, 0, f};
      slot[f->ident] = i = (uint32_t)++n;
    }
    struct row *r = &rows[i - 1];
    if (total)
      r->v = f->time;
    else
      r->v += pyi_frame_self_time(t, f);
    r->f = f;
  }
  qsort(rows, n, sizeof *rows, cmp_row); /* ties by insertion rank: stable */
  for (size_t i = 0; i < n; i++) {
    if (!show_all && !(rows[i].v / T->root_time > 0.001))
      continue;
    frame_line(T, rows[i].f, rows[i].v);
  }
  free(rows);
  free(slot);
}

/* ---- banner and entry point ------------------------------------------------ */

static void banner(struct text *T) {
  const pyi_session *s = T->c->s;
  pyi_out *o = T->o;
  char when[32], num[PYI_NUM_MAX];
  pyi_local_time(s->start_time.v, "%H:%M:%S", when, sizeof when);
  pyi_num_repr(s->sample_count.v, s->sample_count.is_int, num);
  if (T->short_mode) {
    pyi_out_puts(o, "\npyi-tools ........................................\n.\n.  ");
    pyi_out_write(o, s->target_description, s->target_description_len);
    pyi_out_puts(o, "\n.\n");
    return;
  }
  pyi_out_printf(o, "\n  pyi-tools %s  %sRecorded:%s %-9s  %sSamples:%s  %s\n", PYI_VERSION,
                 C("\x1b[2m"), RESET, when, C("\x1b[2m"), RESET, num);
  char dur[64];
  snprintf(dur, sizeof dur, "%.3f", s->duration.v);
  pyi_out_printf(o, "  %*s  %sDuration:%s %-9s  %sCPU time:%s %.3f",
                 (int)strlen("pyi-tools " PYI_VERSION), "", C("\x1b[2m"), RESET, dur,
                 C("\x1b[2m"), RESET, s->cpu_time.v);
  /* several threads (pyinstrument --all-threads, or combined sessions) */
  size_t threads = pyi_session_thread_count(s);
  if (threads > 1)
    pyi_out_printf(o, "  %sThreads:%s %zu", C("\x1b[2m"), RESET, threads);
  pyi_out_puts(o, "\n\n");
  pyi_out_write(o, s->target_description, s->target_description_len);
  pyi_out_puts(o, "\n\n");
}

static const char *const text_opts[] = {"unicode", "color", "flat", "time", "flat_time",
                                        "short_mode", NULL};

static int text_check(const pyi_opts *o, pyi_error *err) {
  if (pyi_opt_bool(o, "flat", false) && pyi_opt_bool(o, "timeline", false))
    return pyi_fail(err, PYI_EARG, "cannot use timeline and flat options together");
  return 0;
}

static int render_text(pyi_render_ctx *c) {
  struct text T = {.c = c, .o = c->out};
  T.color = pyi_opt_bool(c->opts, "color", false);
  T.unicode = pyi_opt_bool(c->opts, "unicode", false);
  T.short_mode = pyi_opt_bool(c->opts, "short_mode", false);
  const char *tm = pyi_opt_string(c->opts, "time");
  T.percent = tm && strcmp(tm, "percent_of_total") == 0;
  /* any flat_time other than "self" means total, as in pyinstrument */
  const char *ft = pyi_opt_string(c->opts, "flat_time");
  bool flat_total = pyi_opt(c->opts, "flat_time") && !(ft && strcmp(ft, "self") == 0);
  double mi = c->s->max_interval.v;
  if (!(mi >= 1e-9))
    mi = 1e-9;
  T.prec = (int)ceil(-log10(mi < 1 ? mi : 1));
  if (T.prec < 0 || T.prec > 40)
    T.prec = 9;
  T.t = pyi_render_tree(c);
  if (!T.t)
    return -1;
  const char *ind = T.short_mode ? ".  " : "";
  banner(&T);
  if (!T.t->root)
    pyi_out_printf(T.o, "%sNo samples were recorded.\n", ind);
  else {
    T.root_time = T.t->root->time;
    T.ignored = pyi_groups_prepare(T.t, T.root_time);
    if (pyi_opt_bool(c->opts, "flat", false))
      draw_flat(&T, flat_total, pyi_opt_bool(c->opts, "show_all", false));
    else
      draw_tree(&T, ind);
  }
  pyi_out_printf(T.o, "%s\n", ind);
  if (T.short_mode)
    pyi_out_puts(T.o, ".....................................................\n\n");
  free(T.ignored);
  pyi_buf_release(&T.line);
  pyi_render_tree_done(c, T.t);
  return 0;
}

const pyi_renderer pyi_renderer_text = {
    .name = "text",
    .ext = "txt",
    .class_name = "ConsoleRenderer",
    .frame = true,
    .procs = PYI_PROCS_TEXT,
    .options = text_opts,
    .check = text_check,
    .render = render_text,
};
