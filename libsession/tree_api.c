/* tree_api.c - the "Frame trees" section of pyisession.h: frame trees as
 * a binding sees pyinstrument's Frame objects. Building, reading and
 * editing go through tree.c's primitives; this file adds what only an
 * outside caller needs: frames made from frame-info strings, attribute
 * assignment, copies between trees, groups by number and one processor
 * run by name on any subtree. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "opts.h"
#include "proc.h"
#include "tree.h"

pyi_tree *pyi_tree_new(pyi_session *s, bool trim_stem, pyi_error *err) {
  return pyi_tree_build(s, PYI_BUILD_ALL_ATTRS |
                               (trim_stem ? 0 : PYI_BUILD_NO_TRIM),
                        err);
}

pyi_tree *pyi_tree_new_empty(pyi_session *s) {
  return pyi_tree_alloc(s, true);
}

pyi_session *pyi_tree_session(const pyi_tree *t) { return t->s; }
pyi_frame *pyi_tree_root(const pyi_tree *t) { return t->root; }

pyi_frame *pyi_frame_make(pyi_tree *t, const char *frame_info, size_t len,
                          double time) {
  pyi_session *s = t->s;
  uint32_t id = pyi_session_finfo(s, frame_info, len);
  const pyi_finfo *fi = &s->finfo[id];
  pyi_frame *f = pyi_frame_new(t, fi->ident);
  f->time = time;
  for (uint16_t i = 0; i < fi->nattrs; i++)
    pyi_frame_add_attr(t, f, s->finfo_attrs[fi->attr_first + i], time,
                       false);
  return f;
}

/* ---- links and fields ---------------------------------------------------- */

pyi_frame *pyi_frame_parent(const pyi_frame *f) { return f->parent; }
pyi_frame *pyi_frame_first_child(const pyi_frame *f) { return f->first_child; }
pyi_frame *pyi_frame_last_child(const pyi_frame *f) { return f->last_child; }
pyi_frame *pyi_frame_next_sibling(const pyi_frame *f) { return f->next; }
pyi_frame *pyi_frame_prev_sibling(const pyi_frame *f) { return f->prev; }
void *pyi_frame_user(const pyi_frame *f) { return f->user; }
void pyi_frame_set_user(pyi_frame *f, void *user) { f->user = user; }

const char *pyi_frame_identifier(const pyi_tree *t, const pyi_frame *f,
                                 size_t *len) {
  return pyi_intern_str(t->s->idents, f->ident, len);
}

void pyi_frame_set_identifier(pyi_tree *t, pyi_frame *f,
                              const char *identifier, size_t len) {
  f->ident = pyi_session_ident(t->s, identifier, len);
}

const char *pyi_frame_function(const pyi_tree *t, const pyi_frame *f,
                               size_t *len) {
  const pyi_ident *id = pyi_frame_ident(t, f);
  *len = id->function_len;
  return id->function;
}

const char *pyi_frame_file(const pyi_tree *t, const pyi_frame *f,
                           size_t *len) {
  const pyi_ident *id = pyi_frame_ident(t, f);
  *len = id->file_len;
  return id->file;
}

const char *pyi_frame_line_text(const pyi_tree *t, const pyi_frame *f,
                                size_t *len) {
  const pyi_ident *id = pyi_frame_ident(t, f);
  *len = id->line_len;
  return id->line_text;
}

bool pyi_frame_is_synthetic(const pyi_tree *t, const pyi_frame *f) {
  return pyi_frame_synthetic(t, f);
}

bool pyi_frame_is_leaf_only(const pyi_tree *t, const pyi_frame *f) {
  return pyi_ident_leaf_only(pyi_frame_ident(t, f));
}

double pyi_frame_time(const pyi_frame *f) { return f->time; }
void pyi_frame_set_time(pyi_frame *f, double time) { f->time = time; }
double pyi_frame_absorbed_time(const pyi_frame *f) { return f->absorbed; }
void pyi_frame_set_absorbed_time(pyi_frame *f, double time) {
  f->absorbed = time;
}

double pyi_frame_total_self_time(const pyi_tree *t, const pyi_frame *f) {
  return pyi_frame_self_time(t, f);
}

double pyi_frame_await_time(const pyi_tree *t, const pyi_frame *f) {
  double sum = 0;
  for (const pyi_frame *x = f; x; x = pyi_frame_next_pre(f, x, false))
    if (pyi_frame_ident(t, x)->kind == PYI_ID_AWAIT)
      sum += x->time;
  return sum;
}

size_t pyi_frame_attr_count(const pyi_frame *f) { return f->nattrs; }

const char *pyi_frame_attr(const pyi_tree *t, const pyi_frame *f, size_t i,
                           size_t *len, double *value, bool *is_int) {
  *value = f->attrs[i].v;
  if (is_int)
    *is_int = f->attrs[i].is_int;
  return pyi_intern_str(t->s->attrs, f->attrs[i].id, len);
}

void pyi_frame_set_attr(pyi_tree *t, pyi_frame *f, const char *key,
                        size_t len, double value, bool is_int) {
  uint32_t id = pyi_intern(t->s->attrs, key, len);
  for (uint32_t i = 0; i < f->nattrs; i++)
    if (f->attrs[i].id == id) {
      f->attrs[i].v = value;
      f->attrs[i].is_int = is_int;
      return;
    }
  pyi_frame_add_attr(t, f, id, value, is_int);
}

void pyi_frame_clear_attrs(pyi_frame *f) { f->nattrs = 0; }

const char *pyi_frame_class(const pyi_tree *t, const pyi_frame *f,
                            size_t *len) {
  return pyi_frame_class_name(t, f, len);
}

bool pyi_frame_tracebackhide(const pyi_tree *t, const pyi_frame *f) {
  return pyi_frame_has_tracebackhide(t, f);
}

const char *pyi_frame_file_short(const pyi_tree *t, const pyi_frame *f) {
  return pyi_frame_short_path(t, f);
}

bool pyi_frame_is_application(const pyi_tree *t, const pyi_frame *f) {
  return pyi_frame_is_app(t, f);
}

/* ---- editing ------------------------------------------------------------- */

int pyi_frame_add_child(pyi_tree *t, pyi_frame *parent, pyi_frame *child,
                        pyi_frame *after, pyi_error *err) {
  if (pyi_frame_is_leaf_only(t, parent))
    return pyi_fail(err, PYI_EARG, "Cannot add children to a leaf-only frame");
  for (const pyi_frame *a = parent; a; a = a->parent)
    if (a == child)
      return pyi_fail(err, PYI_EARG,
                      "a frame cannot be added below itself");
  if (after && (after->parent != parent || after == child))
    return pyi_fail(err, PYI_EARG, "'after' is not a child of this frame");
  if (after)
    pyi_frame_insert_after(after, child);
  else
    pyi_frame_append(parent, child);
  return 0;
}

void pyi_frame_remove(pyi_frame *f) { pyi_frame_detach(f); }

/* A copy of one frame of 'from' in 't', unlinked. */
static pyi_frame *copy_frame(pyi_tree *t, const pyi_tree *from,
                             const pyi_frame *o) {
  size_t len;
  const char *ident = pyi_intern_str(from->s->idents, o->ident, &len);
  pyi_frame *c = pyi_frame_new(
      t, t->s == from->s ? o->ident : pyi_session_ident(t->s, ident, len));
  c->time = o->time;
  c->absorbed = o->absorbed;
  for (uint32_t i = 0; i < o->nattrs; i++) {
    const char *key = pyi_intern_str(from->s->attrs, o->attrs[i].id, &len);
    uint32_t id = t->s == from->s ? o->attrs[i].id
                                  : pyi_intern(t->s->attrs, key, len);
    pyi_frame_add_attr(t, c, id, o->attrs[i].v, o->attrs[i].is_int);
  }
  return c;
}

pyi_frame *pyi_tree_adopt(pyi_tree *t, pyi_tree *from, pyi_frame *f,
                          void (*moved)(void *ctx, pyi_frame *old,
                                        pyi_frame *copy),
                          void *ctx) {
  pyi_frame_detach(f);
  pyi_frame *root = copy_frame(t, from, f);
  if (moved)
    moved(ctx, f, root);
  /* pre-order; the copy being filled follows the original step by step */
  pyi_frame *o = f, *n = root;
  for (;;) {
    pyi_frame *parent;
    if (o->first_child) {
      o = o->first_child;
      parent = n;
    } else {
      while (o != f && !o->next) {
        o = o->parent;
        n = n->parent;
      }
      if (o == f)
        break;
      o = o->next;
      parent = n->parent;
    }
    n = copy_frame(t, from, o);
    pyi_frame_append(parent, n);
    if (moved)
      moved(ctx, o, n);
  }
  return root;
}

/* ---- groups -------------------------------------------------------------- */

size_t pyi_frame_group_of(const pyi_tree *t, const pyi_frame *f) {
  (void)t;
  return f->group;
}

size_t pyi_tree_group_count(const pyi_tree *t) { return t->n_groups; }

size_t pyi_group_create(pyi_tree *t, pyi_frame *root) {
  pyi_group *g = pyi_group_new(t, root);
  size_t n = (size_t)(g - t->groups) + 1;
  pyi_group_set(t, n, root);
  return n;
}

void pyi_group_set(pyi_tree *t, size_t group, pyi_frame *f) {
  if (f->group == group)
    return;
  /* FrameGroup.remove_frame: unlike deleting a frame from the tree, this
   * leaves a group of one as it is */
  pyi_group *old = pyi_frame_group(t, f);
  if (old) {
    size_t k = 0;
    for (size_t i = 0; i < old->n; i++)
      if (old->frames[i] != f)
        old->frames[k++] = old->frames[i];
    old->n = k;
    old->exits_done = false;
    f->group = 0;
  }
  if (group)
    pyi_group_add(t, &t->groups[group - 1], f);
}

pyi_frame *pyi_group_root(const pyi_tree *t, size_t group) {
  return t->groups[group - 1].root;
}

size_t pyi_group_size(const pyi_tree *t, size_t group) {
  return t->groups[group - 1].n;
}

pyi_frame *pyi_group_frame(const pyi_tree *t, size_t group, size_t i) {
  return t->groups[group - 1].frames[i];
}

size_t pyi_group_exit_count(pyi_tree *t, size_t group) {
  pyi_group_exits(t, &t->groups[group - 1]);
  return t->groups[group - 1].n_exits;
}

pyi_frame *pyi_group_exit(pyi_tree *t, size_t group, size_t i) {
  pyi_group_exits(t, &t->groups[group - 1]);
  return t->groups[group - 1].exits[i];
}

const char *pyi_group_id(const pyi_tree *t, size_t group) {
  return t->groups[group - 1].uuid;
}

/* ---- processors ---------------------------------------------------------- */

static const struct {
  const char *name;
  unsigned bit;
} processors[] = {
    {"remove_importlib", PYI_PROC_IMPORTLIB},
    {"remove_tracebackhide", PYI_PROC_TBHIDE},
    {"aggregate_repeated_calls", PYI_PROC_AGGREGATE},
    {"group_library_frames_processor", PYI_PROC_GROUP},
    {"merge_consecutive_self_time", PYI_PROC_MERGE_SELF},
    {"remove_unnecessary_self_time_nodes", PYI_PROC_SELF_NODES},
    {"remove_irrelevant_nodes", PYI_PROC_IRRELEVANT},
    {"remove_first_pyinstrument_frames_processor", PYI_PROC_FIRST_PYI},
};
#define N_PROCESSORS (sizeof processors / sizeof *processors)

const char *const *pyi_processor_names(void) {
  static const char *names[N_PROCESSORS + 1];
  for (size_t i = 0; i < N_PROCESSORS; i++)
    names[i] = processors[i].name;
  return names;
}

pyi_frame *pyi_tree_run_processor(pyi_tree *t, const char *name,
                                  pyi_frame *root, const pyi_opts *o,
                                  pyi_error *err) {
  unsigned bit = 0;
  for (size_t i = 0; i < N_PROCESSORS && !bit; i++)
    if (strcmp(processors[i].name, name) == 0)
      bit = processors[i].bit;
  if (!bit) {
    pyi_fail(err, PYI_EARG, "there is no processor called '%s'", name);
    return NULL;
  }
  pyi_proc_opts p;
  if (pyi_opt_proc_map(o, &p, err))
    return NULL;
  /* the processors work on t->root: point it at the subtree for the run */
  pyi_frame *saved = t->root;
  t->root = root;
  int rc = 0;
  switch (bit) {
  case PYI_PROC_IMPORTLIB: pyi_proc_remove_importlib(t); break;
  case PYI_PROC_TBHIDE: pyi_proc_remove_tracebackhide(t); break;
  case PYI_PROC_MERGE_SELF: pyi_proc_merge_self(t); break;
  case PYI_PROC_AGGREGATE: pyi_proc_aggregate(t); break;
  case PYI_PROC_IRRELEVANT:
    pyi_proc_remove_irrelevant(t, p.filter_threshold);
    break;
  case PYI_PROC_SELF_NODES: pyi_proc_remove_self_nodes(t); break;
  case PYI_PROC_FIRST_PYI: rc = pyi_proc_remove_first_pyinstrument(t, err); break;
  case PYI_PROC_GROUP: rc = pyi_proc_group_library(t, &p, err); break;
  }
  pyi_frame *result = t->root;
  t->root = saved == root ? result : saved;
  return rc ? NULL : result;
}

const pyi_frame *pyi_frame_check(const pyi_tree *t, const pyi_frame *f,
                                 bool recursive) {
  for (const pyi_frame *x = f; x;
       x = recursive ? pyi_frame_next_pre(f, x, false) : NULL) {
    if (pyi_frame_is_leaf_only(t, x)) {
      if (x->first_child)
        return x;
      continue;
    }
    double sum = 0;
    for (const pyi_frame *c = x->first_child; c; c = c->next)
      sum += c->time;
    sum += x->absorbed;
    /* math.isclose(sum, time): a relative tolerance of 1e-9 */
    double diff = fabs(sum - x->time);
    if (!(sum == x->time ||
          (isfinite(diff) &&
           diff <= 1e-9 * fmax(fabs(sum), fabs(x->time)))))
      return x;
  }
  return NULL;
}
