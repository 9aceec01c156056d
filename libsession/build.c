/* build.c - from records to a frame tree.
 *
 * pyi_tree_build is pyinstrument's build_frame_tree + _trim_stem: the
 * timeline tree, where a record continues the previous record's path as far
 * as the identifiers agree and creates new frames below that.
 *
 * pyi_tree_build_aggregated produces, in one pass over the records, the
 * tree that remove_importlib, remove_tracebackhide,
 * merge_consecutive_self_time and aggregate_repeated_calls would leave: an
 * aggregated node is a path of identifiers, so each record (with removed
 * frames skipped) adds its time along one path of a prefix tree. The
 * timeline tree never exists, which is what keeps big sessions small. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "tree.h"

pyi_tree *pyi_tree_alloc(const pyi_session *s, bool all_attrs) {
  pyi_tree *t = pyi_xcalloc(1, sizeof *t);
  t->s = (pyi_session *)s; /* caches (short paths) live in the session */
  t->all_attrs = all_attrs;
  t->uuid_state = (uint64_t)(uintptr_t)t ^ (uint64_t)s->n_records * 0x2545F4914F6CDD1DULL;
  return t;
}

/* Credits record time 't' to frame 'f' for frame info 'fi'. */
static inline void record(pyi_tree *t, pyi_frame *f, const pyi_finfo *fi,
                          double v, bool is_int) {
  f->time += v;
  if (!fi->nattrs || (!t->all_attrs && !fi->has_ch))
    return; /* (finfo_attrs is NULL while no frame has attributes) */
  const uint32_t *a = t->s->finfo_attrs + fi->attr_first;
  for (uint16_t i = 0; i < fi->nattrs; i++) {
    if (!t->all_attrs) {
      const char *str = pyi_intern_str(t->s->attrs, a[i], NULL);
      if (str[0] != 'c' && str[0] != 'h')
        continue; /* only the HTML data uses line attributes */
    }
    pyi_frame_add_attr(t, f, a[i], v, is_int);
  }
}

static int leaf_only_error(const pyi_session *s, pyi_error *err, size_t r,
                           const pyi_ident *id) {
  return pyi_fail(err, PYI_EFORMAT,
                  "%s: frame_records[%zu]: a frame follows %.*s, which must end a stack",
                  pyi_session_name(s), r, (int)id->function_len, id->function);
}

static uint32_t start_ident(const pyi_session *s, size_t i) {
  return s->finfo[s->start_stack[i]].ident;
}

pyi_tree *pyi_tree_build(const pyi_session *s, unsigned flags, pyi_error *err) {
  pyi_tree *t = pyi_tree_alloc(s, flags & PYI_BUILD_ALL_ATTRS);
  if (!s->n_records)
    return t;
  pyi_frame *root = pyi_frame_new(t, s->id_root);
  pyi_frame **path = pyi_xmalloc((PYI_MAX_DEPTH + 2) * sizeof *path);
  uint32_t *stack = pyi_xmalloc(PYI_MAX_DEPTH * sizeof *stack);
  size_t plen = 1;
  path[0] = root;
  for (size_t r = 0; r < s->n_records; r++) {
    double v = s->rec_time[r];
    bool is_int = s->rec_int && s->rec_int[r];
    size_t d = pyi_session_stack(s, s->rec_stack[r], stack);
    root->time += v;
    for (size_t i = 1; i <= d; i++) {
      const pyi_finfo *fi = &s->finfo[stack[i - 1]];
      pyi_frame *f;
      if (i < plen && path[i]->ident == fi->ident)
        f = path[i];
      else {
        plen = i;
        pyi_frame *parent = path[i - 1];
        if (pyi_ident_leaf_only(pyi_frame_ident(t, parent))) {
          leaf_only_error(s, err, r, pyi_frame_ident(t, parent));
          goto fail;
        }
        f = pyi_frame_new(t, fi->ident);
        pyi_frame_append(parent, f);
        path[plen++] = f;
      }
      record(t, f, fi, v, is_int);
    }
    plen = d + 1;
    pyi_frame *leaf = path[d];
    if (!pyi_ident_leaf_only(pyi_frame_ident(t, leaf))) {
      pyi_frame *self = pyi_frame_new(t, s->id_self);
      self->time = v;
      pyi_frame_append(leaf, self);
    }
  }
  free(path);
  free(stack);
  if (pyi_frame_one_child(root)) {
    pyi_frame *only = root->first_child;
    pyi_frame_detach(only);
    root = only;
  }
  /* trim the stem: descend along start_call_stack while the chain is a
   * single child without time of its own */
  if (!(flags & PYI_BUILD_NO_TRIM) && s->start_depth &&
      start_ident(s, 0) == root->ident) {
    pyi_frame *f = root;
    size_t q = 1;
    while (pyi_frame_self_time(t, f) == 0 && pyi_frame_one_child(f)) {
      if (q >= s->start_depth || f->first_child->ident != start_ident(s, q++))
        break;
      f = f->first_child;
    }
    pyi_frame_detach(f);
    root = f;
  }
  t->root = root;
  return t;
fail:
  free(path);
  free(stack);
  pyi_tree_free(t);
  return NULL;
}

/* ---- the fused aggregate build ------------------------------------------- */

struct child_map {
  struct slot {
    pyi_frame *parent, *child;
    uint32_t ident;
  } *slots;
  size_t mask, count;
};

static inline size_t cm_hash(const pyi_frame *p, uint32_t ident) {
  uint64_t k = ((uint64_t)(uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ULL ^ ident * 0xff51afd7ed558ccdULL;
  return (size_t)(k ^ (k >> 31));
}

static void cm_grow(struct child_map *m) {
  size_t mask = m->mask ? m->mask * 2 + 1 : 1023;
  struct slot *slots = pyi_xcalloc(mask + 1, sizeof *slots);
  for (size_t i = 0; m->slots && i <= m->mask; i++) {
    if (!m->slots[i].child)
      continue;
    size_t j = cm_hash(m->slots[i].parent, m->slots[i].ident) & mask;
    while (slots[j].child)
      j = (j + 1) & mask;
    slots[j] = m->slots[i];
  }
  free(m->slots);
  m->slots = slots;
  m->mask = mask;
}

/* The child of 'p' with identifier 'ident', appended if new. */
static pyi_frame *child_of(pyi_tree *t, struct child_map *m, pyi_frame *p,
                           uint32_t ident) {
  size_t i = cm_hash(p, ident) & m->mask;
  while (m->slots[i].child) {
    if (m->slots[i].parent == p && m->slots[i].ident == ident)
      return m->slots[i].child;
    i = (i + 1) & m->mask;
  }
  pyi_frame *c = pyi_frame_new(t, ident);
  pyi_frame_append(p, c);
  m->slots[i] = (struct slot){p, c, ident};
  if (++m->count * 2 > m->mask)
    cm_grow(m);
  return c;
}

/* Index in every stack of the frame that the collapse and the stem trim
 * make the root, or -1 for the [root] frame that holds several threads. */
static long trimmed_root_index(const pyi_session *s, uint32_t *stack) {
  uint32_t *common = pyi_xmalloc(PYI_MAX_DEPTH * sizeof *common);
  size_t lcp = 0, mind = SIZE_MAX;
  double sum = 0;
  for (size_t r = 0; r < s->n_records; r++) {
    size_t d = pyi_session_stack(s, s->rec_stack[r], stack);
    sum += s->rec_time[r];
    if (r == 0) {
      for (size_t i = 0; i < d; i++)
        common[i] = s->finfo[stack[i]].ident;
      lcp = d;
    }
    if (d < mind)
      mind = d;
    if (d < lcp)
      lcp = d;
    for (size_t i = 0; i < lcp; i++)
      if (s->finfo[stack[i]].ident != common[i]) {
        lcp = i;
        break;
      }
  }
  long k = -1;
  if (lcp == 0 && mind == 0) {
    size_t maxd = 0;
    for (size_t r = 0; r < s->n_records; r++)
      if (s->nodes[s->rec_stack[r]].depth > maxd)
        maxd = s->nodes[s->rec_stack[r]].depth;
    if (maxd == 0)
      k = -2; /* only empty stacks: the lone [self] becomes the root */
  } else if (lcp >= 1 && mind >= 1) {
    k = 0;
    if (s->start_depth && start_ident(s, 0) == common[0] && isfinite(sum)) {
      size_t q = 1;
      while ((size_t)k + 2 <= mind && (size_t)k + 2 <= lcp && q < s->start_depth &&
             start_ident(s, q) == common[k + 1] &&
             !pyi_ident_synthetic(&s->ident[common[k + 1]])) {
        k++;
        q++;
      }
    }
  }
  free(common);
  return k;
}

pyi_tree *pyi_tree_build_aggregated(const pyi_session *s, bool importlib,
                                    bool tbhide, pyi_error *err) {
  if (tbhide && s->mixed_hide) {
    if (err)
      err->code = 0;
    return NULL;
  }
  pyi_tree *t = pyi_tree_alloc(s, false);
  if (!s->n_records)
    return t;
  uint32_t *stack = pyi_xmalloc(PYI_MAX_DEPTH * sizeof *stack);
  pyi_frame **last = pyi_xcalloc(PYI_MAX_DEPTH + 1, sizeof *last);
  struct child_map map = {0};
  cm_grow(&map);
  long k = trimmed_root_index(s, stack);
  pyi_frame *root = NULL;
  for (size_t r = 0; r < s->n_records; r++) {
    double v = s->rec_time[r];
    bool is_int = s->rec_int && s->rec_int[r];
    size_t d = pyi_session_stack(s, s->rec_stack[r], stack);
    for (size_t i = 0; i + 1 < d; i++)
      if (pyi_ident_leaf_only(&s->ident[s->finfo[stack[i]].ident])) {
        leaf_only_error(s, err, r, &s->ident[s->finfo[stack[i]].ident]);
        goto fail;
      }
    pyi_frame *f;
    if (k == -2) {
      if (!root)
        root = pyi_frame_new(t, s->id_self);
      root->time += v;
      continue;
    }
    if (k < 0) {
      if (!root)
        root = pyi_frame_new(t, s->id_root);
      f = root;
      f->time += v;
    } else {
      const pyi_finfo *fi = &s->finfo[stack[k]];
      if (!root)
        root = pyi_frame_new(t, fi->ident);
      f = root;
      record(t, f, fi, v, is_int);
    }
    size_t level = 0;
    for (size_t i = (size_t)(k + 1); i < d; i++) {
      const pyi_finfo *fi = &s->finfo[stack[i]];
      const pyi_ident *id = &s->ident[fi->ident];
      if ((importlib && id->importlib) || (tbhide && fi->hide))
        continue;
      pyi_frame *c = last[level];
      if (!c || c->parent != f || c->ident != fi->ident)
        c = last[level] = child_of(t, &map, f, fi->ident);
      record(t, c, fi, v, is_int);
      f = c;
      level++;
    }
    if (!pyi_ident_leaf_only(pyi_frame_ident(t, f)))
      child_of(t, &map, f, s->id_self)->time += v;
  }
  /* aggregate_repeated_calls sorts every child list, largest first */
  pyi_frame **scratch = NULL;
  size_t cap = 0;
  for (pyi_frame *f = root; f; f = pyi_frame_next_pre(root, f, false))
    pyi_frame_sort_children(f, &scratch, &cap);
  free(scratch);
  free(map.slots);
  free(stack);
  free(last);
  t->root = root;
  return t;
fail:
  free(map.slots);
  free(stack);
  free(last);
  pyi_tree_free(t);
  return NULL;
}
