/* tree.c - frame tree primitives and frame properties (tree.h). */
#include "tree.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "frameinfo.h"

pyi_frame *pyi_frame_new(pyi_tree *t, uint32_t ident) {
  pyi_frame *f = pyi_arena_zalloc(&t->arena, sizeof *f);
  f->ident = ident;
  return f;
}

void pyi_tree_free(pyi_tree *t) {
  if (!t)
    return;
  for (size_t i = 0; i < t->n_groups; i++) {
    free(t->groups[i].frames);
    free(t->groups[i].exits);
  }
  free(t->groups);
  pyi_arena_release(&t->arena);
  free(t);
}

void pyi_frame_detach(pyi_frame *f) {
  pyi_frame *p = f->parent;
  if (!p)
    return;
  if (f->prev)
    f->prev->next = f->next;
  else
    p->first_child = f->next;
  if (f->next)
    f->next->prev = f->prev;
  else
    p->last_child = f->prev;
  f->parent = f->prev = f->next = NULL;
}

void pyi_frame_append(pyi_frame *parent, pyi_frame *child) {
  pyi_frame_detach(child);
  child->parent = parent;
  child->prev = parent->last_child;
  if (parent->last_child)
    parent->last_child->next = child;
  else
    parent->first_child = child;
  parent->last_child = child;
}

void pyi_frame_insert_after(pyi_frame *sibling, pyi_frame *f) {
  pyi_frame_detach(f);
  pyi_frame *p = sibling->parent;
  f->parent = p;
  f->prev = sibling;
  f->next = sibling->next;
  if (sibling->next)
    sibling->next->prev = f;
  else
    p->last_child = f;
  sibling->next = f;
}

void pyi_frame_add_attr(pyi_tree *t, pyi_frame *f, uint32_t id, double v,
                        bool is_int) {
  /* recent attributes are the likely hits: search from the end */
  for (uint32_t i = f->nattrs; i-- > 0;) {
    if (f->attrs[i].id == id) {
      f->attrs[i].v += v;
      f->attrs[i].is_int &= is_int;
      return;
    }
  }
  if (f->nattrs == f->cap_attrs) {
    uint32_t cap = f->cap_attrs ? f->cap_attrs * 2 : 2;
    pyi_attr *a = pyi_arena_alloc(&t->arena, cap * sizeof *a);
    if (f->nattrs)
      memcpy(a, f->attrs, f->nattrs * sizeof *a);
    f->attrs = a;
    f->cap_attrs = cap;
  }
  f->attrs[f->nattrs++] = (pyi_attr){id, is_int, v};
}

/* Removes f (and, with 'deep', its descendants) from their groups; a group
 * left with one frame is dissolved. */
static void ungroup(pyi_tree *t, pyi_frame *f, bool deep) {
  for (pyi_frame *x = f; x; x = deep ? pyi_frame_next_pre(f, x, false) : NULL) {
    pyi_group *g = pyi_frame_group(t, x);
    if (!g)
      continue;
    size_t k = 0;
    for (size_t i = 0; i < g->n; i++)
      if (g->frames[i] != x)
        g->frames[k++] = g->frames[i];
    g->n = k;
    x->group = 0;
    g->exits_done = false;
    if (g->n == 1) {
      g->frames[0]->group = 0;
      g->n = 0;
    }
  }
}

void pyi_frame_delete_keep_children(pyi_tree *t, pyi_frame *f) {
  pyi_frame *p = f->parent, *after = f;
  while (f->first_child) {
    pyi_frame *c = f->first_child;
    pyi_frame_insert_after(after, c);
    after = c;
  }
  p->absorbed += f->absorbed;
  pyi_frame_detach(f);
  if (t->n_groups)
    ungroup(t, f, true);
}

void pyi_frame_delete_absorb(pyi_tree *t, pyi_frame *f) {
  pyi_frame *p = f->parent;
  p->absorbed += f->time;
  p->absorbed += f->absorbed;
  pyi_frame_detach(f);
  if (t->n_groups)
    ungroup(t, f, true);
}

void pyi_frame_combine(pyi_tree *t, pyi_frame *f, pyi_frame *into) {
  into->absorbed += f->absorbed;
  into->time += f->time;
  for (uint32_t i = 0; i < f->nattrs; i++)
    pyi_frame_add_attr(t, into, f->attrs[i].id, f->attrs[i].v, f->attrs[i].is_int);
  while (f->first_child)
    pyi_frame_append(into, f->first_child);
  pyi_frame_detach(f);
  if (t->n_groups)
    ungroup(t, f, false);
}

static void merge_sort(pyi_frame **a, pyi_frame **tmp, size_t n) {
  if (n < 2)
    return;
  if (n <= 16) { /* insertion sort: stable */
    for (size_t i = 1; i < n; i++) {
      pyi_frame *x = a[i];
      size_t j = i;
      while (j > 0 && a[j - 1]->time < x->time) {
        a[j] = a[j - 1];
        j--;
      }
      a[j] = x;
    }
    return;
  }
  size_t h = n / 2;
  merge_sort(a, tmp, h); /* recursion over log2(children), not tree depth */
  merge_sort(a + h, tmp, n - h);
  size_t i = 0, j = h, k = 0;
  while (i < h && j < n)
    tmp[k++] = a[j]->time > a[i]->time ? a[j++] : a[i++];
  while (i < h)
    tmp[k++] = a[i++];
  while (j < n)
    tmp[k++] = a[j++];
  memcpy(a, tmp, n * sizeof *a);
}

void pyi_frame_sort_children(pyi_frame *f, pyi_frame ***scratch, size_t *cap) {
  size_t n = 0;
  bool sorted = true;
  for (pyi_frame *c = f->first_child; c; c = c->next, n++)
    if (c->prev && c->prev->time < c->time)
      sorted = false;
  if (sorted)
    return;
  *scratch = pyi_xgrow(*scratch, cap, 2 * n, sizeof **scratch);
  pyi_frame **a = *scratch;
  n = 0;
  for (pyi_frame *c = f->first_child; c; c = c->next)
    a[n++] = c;
  merge_sort(a, a + n, n);
  f->first_child = a[0];
  f->last_child = a[n - 1];
  for (size_t i = 0; i < n; i++) {
    a[i]->prev = i ? a[i - 1] : NULL;
    a[i]->next = i + 1 < n ? a[i + 1] : NULL;
  }
}

bool pyi_tree_check(const pyi_tree *t) {
  if (!t->root)
    return true;
  if (t->root->parent)
    return false;
  for (pyi_frame *f = t->root; f; f = pyi_frame_next_pre(t->root, f, false)) {
    double sum = f->absorbed;
    pyi_frame *prev = NULL;
    for (pyi_frame *c = f->first_child; c; c = c->next) {
      if (c->parent != f || c->prev != prev)
        return false;
      sum += c->time;
      prev = c;
    }
    if (f->last_child != prev)
      return false;
    if (f->first_child && !pyi_ident_leaf_only(pyi_frame_ident(t, f)) &&
        fabs(sum - f->time) > 1e-9 * (fabs(f->time) + 1) && isfinite(sum))
      return false;
  }
  return true;
}

/* ---- properties ---------------------------------------------------------- */

bool pyi_frame_synthetic(const pyi_tree *t, const pyi_frame *f) {
  return pyi_ident_synthetic(pyi_frame_ident(t, f));
}

const char *pyi_frame_attr_value(const pyi_tree *t, const pyi_frame *f,
                                 char marker, size_t *len) {
  const pyi_attr *best = NULL;
  const char *best_s = NULL;
  size_t best_len = 0;
  for (uint32_t i = 0; i < f->nattrs; i++) {
    size_t n;
    const char *a = pyi_intern_str(t->s->attrs, f->attrs[i].id, &n);
    if (n == 0 || a[0] != marker)
      continue;
    if (!best || f->attrs[i].v > best->v) {
      best = &f->attrs[i];
      best_s = a;
      best_len = n;
    }
  }
  if (!best)
    return NULL;
  *len = best_len - 1;
  return best_s + 1;
}

const char *pyi_frame_class_name(const pyi_tree *t, const pyi_frame *f,
                                 size_t *len) {
  const char *c = pyi_frame_attr_value(t, f, 'c', len);
  return c && *len ? c : NULL;
}

bool pyi_frame_has_tracebackhide(const pyi_tree *t, const pyi_frame *f) {
  size_t n;
  const char *h = pyi_frame_attr_value(t, f, 'h', &n);
  return h && n == 1 && h[0] == '1';
}

const char *pyi_frame_short_path(const pyi_tree *t, const pyi_frame *f) {
  while (pyi_frame_synthetic(t, f) && f->parent)
    f = f->parent;
  const pyi_ident *id = pyi_frame_ident(t, f);
  if (!id->file || !id->file_len || pyi_ident_synthetic(id))
    return NULL;
  return pyi_session_short_path(t->s, f->ident);
}

bool pyi_frame_line(const pyi_tree *t, const pyi_frame *f, int64_t *line) {
  const pyi_ident *id = pyi_frame_ident(t, f);
  if (!id->line_text)
    return false;
  /* validity was checked when the session was loaded */
  *line = 0;
  return pyi_parse_line(id->line_text, id->line_len, line);
}

bool pyi_frame_code_position(const pyi_tree *t, const pyi_frame *f, pyi_buf *b) {
  const char *sp = pyi_frame_short_path(t, f);
  if (!sp)
    return false;
  pyi_buf_puts(b, sp);
  int64_t line;
  if (!pyi_frame_synthetic(t, f) && pyi_frame_line(t, f, &line) && line != 0)
    pyi_buf_printf(b, ":%lld", (long long)line);
  return true;
}

static int8_t app_of(const pyi_session *s, pyi_ident *id) {
  if (id->app >= 0)
    return id->app;
  int8_t app;
  if (pyi_ident_synthetic(id) || !id->file || !id->file_len)
    app = 0;
  else {
    app = -1;
    for (size_t i = 0; i < s->n_sys_prefixes && app < 0; i++) {
      size_t n = strlen(s->sys_prefixes[i]);
      if (n <= id->file_len && memcmp(id->file, s->sys_prefixes[i], n) == 0)
        app = 0;
    }
    if (app < 0 && id->file[0] == '<') {
      static const char ipy[] = "<ipython-input-";
      if (id->file_len >= sizeof ipy - 1 && memcmp(id->file, ipy, sizeof ipy - 1) == 0)
        app = 1;
      else if ((id->file_len == 8 && memcmp(id->file, "<string>", 8) == 0) ||
               (id->file_len == 7 && memcmp(id->file, "<stdin>", 7) == 0))
        app = 2;
      else
        app = 0;
    }
    if (app < 0)
      app = 1;
  }
  id->app = app;
  return app;
}

bool pyi_frame_is_app(const pyi_tree *t, const pyi_frame *f) {
  pyi_session_fresh_paths(t->s);
  for (;;) {
    int8_t a = app_of(t->s, &t->s->ident[f->ident]);
    if (a != 2)
      return a == 1;
    if (!f->parent)
      return true;
    f = f->parent;
  }
}

double pyi_frame_self_time(const pyi_tree *t, const pyi_frame *f) {
  double v = f->time;
  for (const pyi_frame *c = f->first_child; c; c = c->next)
    if (!pyi_frame_synthetic(t, c))
      v -= c->time;
  return v;
}

/* ---- groups ---------------------------------------------------------------- */

static uint64_t splitmix(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

pyi_group *pyi_group_new(pyi_tree *t, pyi_frame *root) {
  t->groups = pyi_xgrow(t->groups, &t->cap_groups, t->n_groups + 1, sizeof *t->groups);
  pyi_group *g = &t->groups[t->n_groups++];
  memset(g, 0, sizeof *g);
  g->root = root;
  /* a version-4 UUID, as pyinstrument's group ids are */
  uint64_t a = splitmix(&t->uuid_state), b = splitmix(&t->uuid_state);
  snprintf(g->uuid, sizeof g->uuid, "%08x-%04x-4%03x-%04x-%012llx",
           (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
           (unsigned)a & 0xfff, (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
           (unsigned long long)(b & 0xffffffffffffULL));
  return g;
}

void pyi_group_add(pyi_tree *t, pyi_group *g, pyi_frame *f) {
  pyi_group *old = pyi_frame_group(t, f);
  if (old == g)
    return;
  if (old)
    ungroup(t, f, false);
  g->frames = pyi_xgrow(g->frames, &g->cap, g->n + 1, sizeof *g->frames);
  g->frames[g->n++] = f;
  f->group = (uint32_t)(g - t->groups) + 1;
  g->exits_done = false;
}

void pyi_group_exits(pyi_tree *t, pyi_group *g) {
  if (g->exits_done)
    return;
  free(g->exits);
  g->exits = pyi_xmalloc((g->n ? g->n : 1) * sizeof *g->exits);
  g->n_exits = 0;
  for (size_t i = 0; i < g->n; i++) {
    pyi_frame *f = g->frames[i];
    for (pyi_frame *c = f->first_child; c; c = c->next)
      if (pyi_frame_group(t, c) != g) {
        g->exits[g->n_exits++] = f;
        break;
      }
  }
  g->exits_done = true;
}

/* ---- what the console report hides ---- */

static bool shown_in_group(const pyi_tree *t, const pyi_frame *f,
                           const pyi_group *g, double total) {
  return f == g->root || pyi_frame_self_time(t, f) > 0.2 * total || f->mark;
}

uint8_t *pyi_groups_prepare(pyi_tree *t, double total) {
  uint8_t *whole = pyi_xcalloc(t->n_groups ? t->n_groups : 1, 1);
  for (pyi_frame *f = t->root; f; f = pyi_frame_next_pre(t->root, f, false))
    f->mark = 0;
  for (size_t i = 0; i < t->n_groups; i++) {
    pyi_group *g = &t->groups[i];
    pyi_group_exits(t, g);
    for (size_t k = 0; k < g->n_exits; k++)
      g->exits[k]->mark = 1;
  }
  for (size_t i = 0; i < t->n_groups; i++) {
    pyi_group *g = &t->groups[i];
    size_t hideable = 0;
    for (size_t k = 0; k < g->n; k++)
      hideable += !shown_in_group(t, g->frames[k], g, total);
    whole[i] = hideable < 2;
  }
  return whole;
}

bool pyi_frame_hidden(const pyi_tree *t, const pyi_frame *f,
                      const uint8_t *whole, double total) {
  if (!f->group || whole[f->group - 1])
    return false;
  return !shown_in_group(t, f, &t->groups[f->group - 1], total);
}
