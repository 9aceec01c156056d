/* diff_match.c - lining up two processed call trees by call path, for
 * pyi-diff (diff.c runs the processors and finishes the result).
 *
 * Each tree is first reduced to a "side tree" keyed by identifier: [root]
 * is transparent and [self] frames vanish into their parent's self time.
 * Side trees are matched top-down: children by identifier, then leftovers
 * with the same function and file when that pairing is unique on both
 * sides (a function that moved in its file).
 *
 * Frames the text report hides (inside library groups) are left out, but
 * only where the report would hide them on every side they appear on:
 * otherwise a group drawn whole on one side and not on the other would
 * show up as paths added and removed. So the sides are matched twice:
 * first in full, to learn which matched paths are hidden everywhere; then
 * again with exactly those frames made transparent (their children hang
 * from the nearest kept ancestor, merged by identifier). The second match
 * builds the diff nodes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "diff.h"
#include "tree.h"

#define NONE UINT32_MAX

struct snode {
  uint32_t parent, first_child, next; /* 0: none (node 0 is the root) */
  uint32_t ident;                     /* in match.idents */
  double time;
  const pyi_frame *f; /* the first frame merged here, for display */
  bool hidden;        /* the report hides the frame on this side */
  bool drop;          /* hidden on every side: transparent in round two */
};

struct side {
  const pyi_tree *t;
  struct snode *n;
  size_t len, cap;
  uint32_t *slots; /* hash (parent, ident) -> node */
  size_t mask;
  uint64_t seed; /* random: see pyi_hash_seed */
  uint8_t *matched;
};

struct match {
  pyi_diff *d; /* NULL in the first round: only marks, no diff nodes */
  struct side *side[2];
  pyi_intern_table *idents, *fuzzy; /* identifiers; function + file */
  uint32_t *fuzzy_of;               /* identifier id -> fuzzy id */
  size_t fuzzy_cap;
  uint32_t *ident_map[2]; /* a session's identifier id -> idents id */
  size_t ident_cap[2];
};

/* ---- side trees ---------------------------------------------------------- */

static uint32_t side_find(const struct side *S, uint32_t parent,
                          uint32_t ident) {
  for (size_t i = pyi_hash_pair(parent, ident, S->seed) & S->mask;;
       i = (i + 1) & S->mask) {
    uint32_t n = S->slots[i];
    if (!n)
      return NONE;
    if (S->n[n].parent == parent && S->n[n].ident == ident)
      return n;
  }
}

static void side_insert(struct side *S, uint32_t n) {
  const struct snode *x = &S->n[n];
  size_t i = pyi_hash_pair(x->parent, x->ident, S->seed) & S->mask;
  while (S->slots[i])
    i = (i + 1) & S->mask;
  S->slots[i] = n;
}

static void side_init(struct side *S, const pyi_tree *t, double total) {
  memset(S, 0, sizeof *S);
  S->t = t;
  S->mask = 1023;
  S->seed = pyi_hash_seed(S);
  S->slots = pyi_xcalloc(S->mask + 1, sizeof *S->slots);
  S->n = pyi_xgrow(NULL, &S->cap, 256, sizeof *S->n);
  S->n[0] = (struct snode){.time = total};
  S->len = 1;
}

/* The child of 'parent' for 'ident', made on first sight. */
static uint32_t side_child(struct side *S, uint32_t parent, uint32_t ident,
                           const pyi_frame *f) {
  uint32_t n = side_find(S, parent, ident);
  if (n != NONE)
    return n;
  S->n = pyi_xgrow(S->n, &S->cap, S->len + 1, sizeof *S->n);
  n = (uint32_t)S->len++;
  S->n[n] = (struct snode){parent, 0,    S->n[parent].first_child, ident, 0, f,
                           false,  false};
  S->n[parent].first_child = n;
  side_insert(S, n);
  if (S->len * 4 > (S->mask + 1) * 3) {
    S->mask = S->mask * 2 + 1;
    free(S->slots);
    S->slots = pyi_xcalloc(S->mask + 1, sizeof *S->slots);
    for (uint32_t k = 1; k < S->len; k++)
      side_insert(S, k);
  }
  return n;
}

static void side_release(struct side *S) {
  free(S->n);
  free(S->slots);
  free(S->matched);
}

/* The shared id of a frame's identifier on side 's'. */
static uint32_t ident_id(struct match *M, int s, uint32_t sid) {
  const pyi_session *ses = M->side[s]->t->s;
  if (sid >= M->ident_cap[s]) {
    size_t old = M->ident_cap[s];
    M->ident_map[s] = pyi_xgrow(M->ident_map[s], &M->ident_cap[s],
                                (size_t)sid + 1, sizeof *M->ident_map[s]);
    memset(M->ident_map[s] + old, 0,
           (M->ident_cap[s] - old) * sizeof *M->ident_map[s]);
  }
  if (M->ident_map[s][sid])
    return M->ident_map[s][sid];
  size_t len;
  const char *str = pyi_intern_str(ses->idents, sid, &len);
  uint32_t id = pyi_intern(M->idents, str, len);
  if (id >= M->fuzzy_cap)
    M->fuzzy_of = pyi_xgrow(M->fuzzy_of, &M->fuzzy_cap, (size_t)id + 1,
                            sizeof *M->fuzzy_of);
  const pyi_ident *pi = pyi_ident_of(ses, sid);
  pyi_buf key = PYI_BUF_INIT;
  pyi_buf_put(&key, pi->function, pi->function_len);
  pyi_buf_putc(&key, 0);
  if (pi->file)
    pyi_buf_put(&key, pi->file, pi->file_len);
  M->fuzzy_of[id] = pyi_intern(M->fuzzy, key.ptr, key.len);
  pyi_buf_release(&key);
  return M->ident_map[s][sid] = id;
}

struct pending {
  const pyi_frame *f;
  uint32_t parent;
};

/* Round one's side tree: every frame of the processed tree but [root]
 * (transparent) and [self] (its time stays in the parent's total). */
static void side_from_tree(struct match *M, int s, struct side *S,
                           const pyi_tree *t) {
  side_init(S, t, t->root ? t->root->time : 0);
  if (!t->root)
    return;
  double total = t->root->time;
  uint8_t *whole =
      t->n_groups ? pyi_groups_prepare((pyi_tree *)t, total) : NULL;
  struct pending *stack = NULL;
  size_t n = 0, cap = 0;
  stack = pyi_xgrow(stack, &cap, 1, sizeof *stack);
  stack[n++] = (struct pending){t->root, 0};
  while (n) {
    struct pending p = stack[--n];
    const pyi_ident *id = pyi_frame_ident(t, p.f);
    if (id->kind == PYI_ID_SELF)
      continue;
    uint32_t node = p.parent;
    if (id->kind != PYI_ID_ROOT) {
      node = side_child(S, p.parent, ident_id(M, s, p.f->ident), p.f);
      S->n[node].time += p.f->time;
      S->n[node].hidden |= whole && pyi_frame_hidden(t, p.f, whole, total);
    }
    for (const pyi_frame *c = p.f->first_child; c; c = c->next) {
      stack = pyi_xgrow(stack, &cap, n + 1, sizeof *stack);
      stack[n++] = (struct pending){c, node};
    }
  }
  free(stack);
  free(whole);
}

/* Round two's side tree: 'full' with its dropped nodes made transparent. */
static void side_without_dropped(struct side *S, const struct side *full) {
  side_init(S, full->t, full->n[0].time);
  uint32_t *stack = NULL; /* pairs: full node, parent in S */
  size_t n = 0, cap = 0;
  for (uint32_t c = full->n[0].first_child; c; c = full->n[c].next) {
    stack = pyi_xgrow(stack, &cap, n + 2, sizeof *stack);
    stack[n++] = c;
    stack[n++] = 0;
  }
  while (n) {
    uint32_t parent = stack[--n], x = stack[--n];
    const struct snode *f = &full->n[x];
    uint32_t node = parent;
    if (!f->drop) {
      node = side_child(S, parent, f->ident, f->f);
      S->n[node].time += f->time;
    }
    for (uint32_t c = f->first_child; c; c = full->n[c].next) {
      stack = pyi_xgrow(stack, &cap, n + 2, sizeof *stack);
      stack[n++] = c;
      stack[n++] = node;
    }
  }
  free(stack);
}

/* ---- matching ------------------------------------------------------------ */

static void describe(pyi_diff *d, pyi_diff_node *x, const pyi_tree *t,
                     const pyi_frame *f) {
  const pyi_ident *id = pyi_frame_ident(t, f);
  size_t clen = 0;
  const char *cls = pyi_frame_class_name(t, f, &clen);
  pyi_buf b = PYI_BUF_INIT;
  if (cls) {
    pyi_buf_put(&b, cls, clen);
    pyi_buf_putc(&b, '.');
  }
  pyi_buf_put(&b, id->function, id->function_len);
  x->name = pyi_diff_keep(d, b.ptr, b.len);
  x->function = pyi_diff_keep(d, id->function, id->function_len);
  x->class_name = pyi_diff_keep(d, cls, clen);
  x->file = pyi_diff_keep(d, id->file, id->file_len);
  const char *sp = pyi_frame_short_path(t, f);
  x->file_short = pyi_diff_keep(d, sp, sp ? strlen(sp) : 0);
  pyi_buf_clear(&b);
  pyi_frame_code_position(t, f, &b);
  x->loc = pyi_diff_keep(d, b.ptr, b.len);
  x->has_line = !pyi_frame_synthetic(t, f) && pyi_frame_line(t, f, &x->line);
  x->app = pyi_frame_is_app(t, f);
  pyi_buf_release(&b);
}

static pyi_diff_node *node_new(pyi_diff *d, pyi_diff_node *parent) {
  pyi_diff_node *x = pyi_arena_zalloc(&d->arena, sizeof *x);
  x->name = x->function = x->class_name = x->file = x->file_short = x->loc = "";
  x->rank = (uint32_t)d->n_nodes;
  d->nodes =
      pyi_xgrow(d->nodes, &d->cap_nodes, d->n_nodes + 1, sizeof *d->nodes);
  d->nodes[d->n_nodes++] = x;
  if (parent) {
    x->parent = parent;
    if (parent->last_child)
      parent->last_child->next = x;
    else
      parent->first_child = x;
    parent->last_child = x;
  }
  return x;
}

struct work {
  pyi_diff_node *x; /* NULL in round one */
  uint32_t b, n;    /* side nodes, NONE when absent */
};

struct work_stack {
  struct work *w;
  size_t n, cap;
};

static void pair(struct match *M, struct work_stack *st, pyi_diff_node *parent,
                 uint32_t b, uint32_t n) {
  struct side *S0 = M->side[0], *S1 = M->side[1];
  if (b != NONE)
    S0->matched[b] = 1;
  if (n != NONE)
    S1->matched[n] = 1;
  pyi_diff_node *x = NULL;
  if (!M->d) { /* round one: hidden wherever it appears? */
    bool drop =
        (b == NONE || S0->n[b].hidden) && (n == NONE || S1->n[n].hidden);
    if (b != NONE)
      S0->n[b].drop = drop;
    if (n != NONE)
      S1->n[n].drop = drop;
  } else {
    x = node_new(M->d, parent);
    x->v[0] = b != NONE ? S0->n[b].time : 0;
    x->v[1] = n != NONE ? S1->n[n].time : 0;
    x->status = b == NONE   ? PYI_DIFF_ADDED
                : n == NONE ? PYI_DIFF_REMOVED
                            : PYI_DIFF_BOTH;
    const struct side *S = n != NONE ? S1 : S0; /* the new side's names first */
    describe(M->d, x, S->t, S->n[n != NONE ? n : b].f);
  }
  st->w = pyi_xgrow(st->w, &st->cap, st->n + 1, sizeof *st->w);
  st->w[st->n++] = (struct work){x, b, n};
}

struct cand {
  uint32_t fuzzy, node;
};

static int cmp_cand(const void *a, const void *b) {
  const struct cand *x = a, *y = b;
  if (x->fuzzy != y->fuzzy)
    return x->fuzzy < y->fuzzy ? -1 : 1;
  return x->node < y->node ? -1 : x->node > y->node;
}

/* The unmatched children of 'parent' on side 's', sorted by fuzzy key. */
static size_t unmatched(struct match *M, int s, uint32_t parent,
                        struct cand **out, size_t *cap) {
  size_t k = 0;
  if (parent == NONE)
    return 0;
  const struct side *S = M->side[s];
  for (uint32_t c = S->n[parent].first_child; c; c = S->n[c].next)
    if (!S->matched[c]) {
      *out = pyi_xgrow(*out, cap, k + 1, sizeof **out);
      (*out)[k++] = (struct cand){M->fuzzy_of[S->n[c].ident], c};
    }
  if (k > 1)
    qsort(*out, k, sizeof **out, cmp_cand);
  return k;
}

struct scratch {
  struct cand *b, *n;
  size_t bcap, ncap;
};

static void match_children(struct match *M, struct work_stack *st,
                           struct work w, struct scratch *sc) {
  const struct side *S0 = M->side[0], *S1 = M->side[1];
  if (w.b != NONE && w.n != NONE)
    for (uint32_t c = S0->n[w.b].first_child; c; c = S0->n[c].next) {
      uint32_t m = side_find(S1, w.n, S0->n[c].ident);
      if (m != NONE)
        pair(M, st, w.x, c, m);
    }
  size_t nb = unmatched(M, 0, w.b, &sc->b, &sc->bcap);
  size_t nn = unmatched(M, 1, w.n, &sc->n, &sc->ncap);
  for (size_t i = 0, j = 0; i < nb && j < nn;) {
    uint32_t fb = sc->b[i].fuzzy, fn = sc->n[j].fuzzy;
    if (fb != fn) {
      if (fb < fn)
        i++;
      else
        j++;
      continue;
    }
    size_t ie = i, je = j;
    while (ie < nb && sc->b[ie].fuzzy == fb)
      ie++;
    while (je < nn && sc->n[je].fuzzy == fb)
      je++;
    if (ie - i == 1 && je - j == 1)
      pair(M, st, w.x, sc->b[i].node, sc->n[j].node);
    i = ie;
    j = je;
  }
  for (size_t i = 0; i < nb; i++)
    if (!S0->matched[sc->b[i].node])
      pair(M, st, w.x, sc->b[i].node, NONE);
  for (size_t j = 0; j < nn; j++)
    if (!S1->matched[sc->n[j].node])
      pair(M, st, w.x, NONE, sc->n[j].node);
}

/* Matches the two side trees from their roots; with M->d, builds the diff
 * nodes below d->root. */
static void match_sides(struct match *M) {
  for (int s = 0; s < 2; s++) {
    free(M->side[s]->matched);
    M->side[s]->matched = pyi_xcalloc(M->side[s]->len, 1);
  }
  struct work_stack st = {0};
  struct scratch sc = {0};
  st.w = pyi_xgrow(NULL, &st.cap, 1, sizeof *st.w);
  st.w[st.n++] = (struct work){M->d ? M->d->root : NULL, 0, 0};
  while (st.n) {
    struct work w = st.w[--st.n];
    match_children(M, &st, w, &sc);
  }
  free(st.w);
  free(sc.b);
  free(sc.n);
}

void pyi_diff_match(pyi_diff *d, const pyi_tree *base, const pyi_tree *new_) {
  struct side full[2], kept[2];
  struct match M = {.idents = pyi_intern_new(), .fuzzy = pyi_intern_new()};
  const pyi_tree *t[2] = {base, new_};
  for (int s = 0; s < 2; s++) {
    M.side[s] = &full[s];
    side_from_tree(&M, s, &full[s], t[s]);
  }
  match_sides(&M); /* round one: marks what to drop */
  for (int s = 0; s < 2; s++) {
    side_without_dropped(&kept[s], &full[s]);
    M.side[s] = &kept[s];
  }
  M.d = d;
  d->root = node_new(d, NULL);
  d->root->v[0] = kept[0].n[0].time;
  d->root->v[1] = kept[1].n[0].time;
  match_sides(&M);
  for (int s = 0; s < 2; s++) {
    side_release(&full[s]);
    side_release(&kept[s]);
    free(M.ident_map[s]);
  }
  pyi_intern_free(M.idents);
  pyi_intern_free(M.fuzzy);
  free(M.fuzzy_of);
}
