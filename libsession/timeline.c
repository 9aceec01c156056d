/* timeline.c - the timeline tree built from records streamed past it
 * (tree.h). pyi_tree_build keeps a frame for every run of every call in
 * the run; here a frame is judged by remove_irrelevant_nodes as soon as
 * it is complete (the total it is measured against comes from a first
 * pass), and one too small is deleted on the spot and its memory reused.
 * remove_importlib and remove_tracebackhide splice frames out by never
 * making them (their children go where the splice would put them), and
 * consecutive [self] frames merge as they arrive, all before any frame is
 * judged, as in pyinstrument's order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "proc.h"
#include "tree.h"

/* ---- pass 1 -------------------------------------------------------------- */

void pyi_timeline_scan_init(pyi_timeline_scan *sc) {
  memset(sc, 0, sizeof *sc);
}

void pyi_timeline_scan_release(pyi_timeline_scan *sc) {
  free(sc->common);
  memset(sc, 0, sizeof *sc);
}

int pyi_timeline_scan_add(pyi_timeline_scan *sc, const pyi_session *s,
                          const uint32_t *stack, size_t d, double v, size_t r,
                          pyi_error *err) {
  for (size_t i = 0; i + 1 < d; i++) {
    const pyi_ident *id = &s->ident[s->finfo[stack[i]].ident];
    if (pyi_ident_leaf_only(id))
      return pyi_leaf_only_error(s, err, r, id);
  }
  if (sc->n == 0) {
    sc->common = pyi_xmalloc((d ? d : 1) * sizeof *sc->common);
    for (size_t i = 0; i < d; i++)
      sc->common[i] = s->finfo[stack[i]].ident;
    sc->lcp = sc->mind = sc->first_depth = d;
    sc->first_time = v;
  } else {
    if (d < sc->mind)
      sc->mind = d;
    if (d < sc->lcp)
      sc->lcp = d;
    for (size_t i = 0; i < sc->lcp; i++)
      if (s->finfo[stack[i]].ident != sc->common[i]) {
        sc->lcp = i;
        break;
      }
  }
  sc->sum += v;
  sc->n++;
  return 0;
}

/* ---- pass 2 -------------------------------------------------------------- */

enum root_kind {
  ROOT_NONE,  /* no records */
  ROOT_ALL,   /* [root], holding several threads */
  ROOT_FRAME, /* the frame at stack index k of every record */
  ROOT_SELF,  /* one record, whose [self] is all there is */
};

struct pyi_timeline_builder {
  pyi_tree *t;
  enum root_kind kind;
  size_t k;
  unsigned mask;
  bool prune;
  double threshold, total;
  bool broken; /* the records disagree with the first pass */
  /* the open path, by position: position p is stack index p - 1, and R
   * the root's own (0 for [root]); node[p] is NULL for a frame spliced
   * out, whose children go to attach[p], its nearest kept ancestor */
  size_t R, top;
  uint32_t *ident;
  pyi_frame **node, **attach;
  pyi_frame *spare; /* deleted frames, for reuse (linked by next) */
};

static bool synthetic_id(const pyi_session *s, uint32_t ident) {
  return pyi_ident_synthetic(&s->ident[ident]);
}

static uint32_t start_ident(const pyi_session *s, size_t i) {
  return s->finfo[s->start_stack[i]].ident;
}

/* Where pyi_tree_build's root ends up: the single child of [root] becomes
 * the root, then the stem is trimmed while a frame has one child and no
 * time of its own and the child continues start_call_stack. Along the
 * common prefix every frame's time is the sum of all records (added in
 * the same order, so a child's equals its parent's exactly). */
static void plan(pyi_timeline_builder *b, const pyi_timeline_scan *sc,
                 const pyi_session *s) {
  b->total = sc->sum;
  if (sc->n == 0) {
    b->kind = ROOT_NONE;
    return;
  }
  if (sc->mind == 0 || sc->lcp == 0) {
    /* [root] has one child only for a single empty stack: its [self] */
    b->kind = sc->n == 1 && sc->first_depth == 0 ? ROOT_SELF : ROOT_ALL;
    return;
  }
  b->kind = ROOT_FRAME;
  b->k = 0;
  if (!s->start_depth || start_ident(s, 0) != sc->common[0])
    return;
  for (size_t q = 1;; q++) {
    size_t k = b->k;
    if (k + 1 < sc->lcp) { /* one frame child, holding all the time */
      uint32_t child = sc->common[k + 1];
      double self = synthetic_id(s, child) ? sc->sum : sc->sum - sc->sum;
      if (self != 0 || q >= s->start_depth || start_ident(s, q) != child)
        return;
      b->k++;
      continue;
    }
    /* the deepest common frame has one child only for a single record
     * ending there: its [self], and then the frame's own time is v */
    if (sc->n == 1 && !pyi_ident_leaf_only(&s->ident[sc->common[k]]) &&
        sc->first_time == 0 && q < s->start_depth &&
        start_ident(s, q) == s->id_self)
      b->kind = ROOT_SELF;
    return;
  }
}

pyi_timeline_builder *pyi_timeline_builder_new(const pyi_timeline_scan *sc,
                                               const pyi_session *plan_s,
                                               unsigned mask,
                                               double threshold) {
  pyi_timeline_builder *b = pyi_xcalloc(1, sizeof *b);
  plan(b, sc, plan_s);
  b->mask = mask;
  b->prune = mask & PYI_PROC_IRRELEVANT;
  b->threshold = threshold;
  if (b->total <= 0)
    b->total = 1e-44; /* as remove_irrelevant_nodes divides */
  b->R = b->kind == ROOT_FRAME ? b->k + 1 : 0;
  b->top = b->R;
  b->ident = pyi_xcalloc(PYI_MAX_DEPTH + 1, sizeof *b->ident);
  b->node = pyi_xcalloc(PYI_MAX_DEPTH + 1, sizeof *b->node);
  b->attach = pyi_xcalloc(PYI_MAX_DEPTH + 1, sizeof *b->attach);
  return b;
}

static pyi_frame *new_frame(pyi_timeline_builder *b, uint32_t ident) {
  pyi_frame *f = b->spare;
  if (!f)
    return pyi_frame_new(b->t, ident);
  b->spare = f->next;
  pyi_attr *attrs = f->attrs; /* its attribute space is reused too */
  uint32_t cap = f->cap_attrs;
  memset(f, 0, sizeof *f);
  f->attrs = attrs;
  f->cap_attrs = cap;
  f->ident = ident;
  return f;
}

/* Puts the detached subtree of 'f' on the spare list, leaves first. */
static void recycle(pyi_timeline_builder *b, pyi_frame *f) {
  pyi_frame *x = f;
  while (x) {
    if (x->first_child) {
      x = x->first_child;
      continue;
    }
    pyi_frame *p = x == f ? NULL : x->parent;
    if (p) {
      p->first_child = x->next;
      if (!x->next)
        p->last_child = NULL;
    }
    x->next = b->spare;
    b->spare = x;
    x = p;
  }
}

/* A frame is complete: remove_irrelevant_nodes judges it now. Its parent
 * absorbs the time of a deleted one, in the order of the children, as the
 * processor adds them. */
static void finalize(pyi_timeline_builder *b, pyi_frame *f) {
  f->mark = 1;
  if (b->prune && f->time / b->total < b->threshold) {
    f->parent->absorbed += f->time;
    pyi_frame_detach(f);
    recycle(b, f);
  }
}

static bool pending_self(const pyi_timeline_builder *b, const pyi_frame *f) {
  const pyi_frame *c = f->last_child;
  return c && c->ident == b->t->s->id_self && !c->mark;
}

static void add_child(pyi_timeline_builder *b, pyi_frame *parent,
                      pyi_frame *f) {
  if (pending_self(b, parent)) /* a run of [self] ends */
    finalize(b, parent->last_child);
  pyi_frame_append(parent, f);
}

static void add_self(pyi_timeline_builder *b, pyi_frame *parent, double v) {
  if ((b->mask & PYI_PROC_MERGE_SELF) && pending_self(b, parent)) {
    parent->last_child->time += v; /* merge_consecutive_self_time */
    return;
  }
  pyi_frame *f = new_frame(b, b->t->s->id_self);
  f->time = v;
  add_child(b, parent, f);
}

static void close_node(pyi_timeline_builder *b, pyi_frame *f) {
  if (pending_self(b, f))
    finalize(b, f->last_child);
  finalize(b, f);
}

/* Closes the open positions from the deepest up to 'p'. */
static void close_from(pyi_timeline_builder *b, size_t p) {
  for (size_t q = b->top; q >= p && q > b->R; q--)
    if (b->node[q])
      close_node(b, b->node[q]);
  if (b->top >= p)
    b->top = p - 1;
}

void pyi_timeline_builder_add(pyi_timeline_builder *b, const pyi_session *s,
                              const uint32_t *stack, size_t d, double v,
                              bool is_int) {
  if (!b->t)
    b->t = pyi_tree_alloc(s, false);
  pyi_tree *t = b->t;
  size_t R = b->R;
  if (b->broken || b->kind == ROOT_NONE || (b->kind == ROOT_SELF && t->root) ||
      (b->kind == ROOT_FRAME &&
       (d < R || (t->root && t->root->ident !=
                                 s->finfo[stack[b->k]].ident)))) {
    b->broken = true;
    return;
  }
  if (b->kind == ROOT_SELF) {
    t->root = new_frame(b, s->id_self);
    t->root->time = v;
    return;
  }
  if (!t->root) {
    t->root = new_frame(b, b->kind == ROOT_ALL
                               ? s->id_root
                               : s->finfo[stack[b->k]].ident);
    b->node[R] = t->root;
  }
  if (b->kind == ROOT_ALL)
    t->root->time += v;
  else
    pyi_frame_record(t, t->root, &s->finfo[stack[b->k]], v, is_int);
  /* how far the record continues the open path */
  size_t p = R + 1;
  while (p <= b->top && p <= d && b->ident[p] == s->finfo[stack[p - 1]].ident)
    p++;
  close_from(b, p);
  for (size_t q = R + 1; q < p; q++)
    if (b->node[q])
      pyi_frame_record(t, b->node[q], &s->finfo[stack[q - 1]], v, is_int);
  for (size_t q = p; q <= d; q++) {
    const pyi_finfo *fi = &s->finfo[stack[q - 1]];
    const pyi_ident *id = &s->ident[fi->ident];
    b->ident[q] = fi->ident;
    b->attach[q] = b->node[q - 1] ? b->node[q - 1] : b->attach[q - 1];
    if (((b->mask & PYI_PROC_IMPORTLIB) && id->importlib) ||
        ((b->mask & PYI_PROC_TBHIDE) && fi->hide)) {
      b->node[q] = NULL; /* spliced out: never made */
      continue;
    }
    pyi_frame *f = new_frame(b, fi->ident);
    add_child(b, b->attach[q], f);
    pyi_frame_record(t, f, fi, v, is_int);
    b->node[q] = f;
  }
  b->top = d;
  /* the record's own time, in a [self] under its last frame */
  const pyi_frame *last = b->node[d];
  uint32_t last_ident = d == R ? t->root->ident : b->ident[d];
  if (!pyi_ident_leaf_only(&s->ident[last_ident]))
    add_self(b, last ? b->node[d] : b->attach[d], v);
}

static void release(pyi_timeline_builder *b) {
  free(b->ident);
  free(b->node);
  free(b->attach);
  free(b);
}

void pyi_timeline_builder_free(pyi_timeline_builder *b) {
  if (!b)
    return;
  pyi_tree_free(b->t);
  release(b);
}

pyi_tree *pyi_timeline_builder_finish(pyi_timeline_builder *b,
                                      const pyi_session *s) {
  if (b->broken) {
    pyi_timeline_builder_free(b);
    return NULL;
  }
  if (!b->t)
    b->t = pyi_tree_alloc(s, false);
  pyi_tree *t = b->t;
  if (t->root && b->kind != ROOT_SELF) {
    close_from(b, b->R + 1);
    if (pending_self(b, t->root))
      finalize(b, t->root->last_child);
  }
  for (pyi_frame *f = t->root; f; f = pyi_frame_next_pre(t->root, f, false))
    f->mark = 0; /* scratch again, for the processors */
  b->t = NULL;
  release(b);
  return t;
}
