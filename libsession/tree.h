/* tree.h - the call tree built from a session's records (cmark-shaped:
 * parent, first/last child, prev/next sibling), its editing primitives and
 * frame properties as pyinstrument's Frame defines them. All frames live in
 * the tree's arena and die with it; processors unlink, never free. */
#ifndef PYI_TREE_H
#define PYI_TREE_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "session.h"

typedef struct pyi_attr {
  uint32_t id; /* in s->attrs */
  bool is_int; /* every time added was a JSON integer */
  double v;
} pyi_attr;

typedef struct pyi_frame pyi_frame;
struct pyi_frame {
  pyi_frame *parent, *first_child, *last_child, *prev, *next;
  double time, absorbed;
  pyi_attr *attrs;
  uint32_t nattrs, cap_attrs;
  uint32_t ident; /* in s->idents */
  uint32_t group; /* 0 none, else index + 1 into tree->groups */
  uint32_t mark;  /* scratch for one pass at a time */
  void *user;     /* a binding's pointer (pyi_frame_user) */
};

typedef struct pyi_group {
  pyi_frame *root;
  pyi_frame **frames;
  size_t n, cap;
  pyi_frame **exits; /* frames with a child outside the group, on demand */
  size_t n_exits;
  bool exits_done;
  char uuid[37];
} pyi_group;

typedef struct pyi_tree {
  pyi_arena arena;
  pyi_session *s;
  pyi_frame *root;
  pyi_group *groups;
  size_t n_groups, cap_groups;
  bool all_attrs; /* keep every attribute (HTML), not just c and h */
  uint64_t uuid_state;
} pyi_tree;

/* ---- building (build.c) ---- */
enum {
  PYI_BUILD_ALL_ATTRS = 1 << 0, /* keep line attributes too */
  PYI_BUILD_NO_TRIM = 1 << 1,   /* keep the stem above start() */
};
/* An empty tree of session 's' ('all_attrs': keep line attributes too). */
pyi_tree *pyi_tree_alloc(const pyi_session *s, bool all_attrs);
/* pyinstrument's Session.root_frame(): the timeline tree, stem trimmed. */
pyi_tree *pyi_tree_build(const pyi_session *s, unsigned flags, pyi_error *err);
/* The same tree after remove_importlib (if 'importlib'),
 * remove_tracebackhide (if 'tbhide'), merge_consecutive_self_time and
 * aggregate_repeated_calls, built in one pass over the records without the
 * timeline tree. Returns NULL with err->code 0 when the session needs the
 * exact path (an identifier seen both with and without __tracebackhide__). */
pyi_tree *pyi_tree_build_aggregated(const pyi_session *s, bool importlib,
                                    bool tbhide, pyi_error *err);
void pyi_tree_free(pyi_tree *t);

/* ---- primitives (tree.c) ---- */
pyi_frame *pyi_frame_new(pyi_tree *t, uint32_t ident);
void pyi_frame_append(pyi_frame *parent, pyi_frame *child);
void pyi_frame_insert_after(pyi_frame *sibling, pyi_frame *f);
void pyi_frame_detach(pyi_frame *f);
/* Adds 'v' to attribute 'id' (appending it if new). */
void pyi_frame_add_attr(pyi_tree *t, pyi_frame *f, uint32_t id, double v,
                        bool is_int);
static inline bool pyi_frame_one_child(const pyi_frame *f) {
  return f->first_child && f->first_child == f->last_child;
}
/* delete_frame_from_tree(f, "children"): children move into f's place. */
void pyi_frame_delete_keep_children(pyi_tree *t, pyi_frame *f);
/* delete_frame_from_tree(f, "nothing"): f's time is absorbed by its parent. */
void pyi_frame_delete_absorb(pyi_tree *t, pyi_frame *f);
/* combine_frames(f, into): sums times and attributes, moves f's children
 * to the end of into's. */
void pyi_frame_combine(pyi_tree *t, pyi_frame *f, pyi_frame *into);
/* Stable sort of f's children by time, largest first. */
void pyi_frame_sort_children(pyi_frame *f, pyi_frame ***scratch, size_t *cap);
/* Verifies links and that times add up; returns false on a broken tree. */
bool pyi_tree_check(const pyi_tree *t);

/* ---- properties (tree.c) ---- */
static inline const pyi_ident *pyi_frame_ident(const pyi_tree *t,
                                               const pyi_frame *f) {
  return &t->s->ident[f->ident];
}
bool pyi_frame_synthetic(const pyi_tree *t, const pyi_frame *f);
/* The most-observed attribute starting with 'marker' (without it), or
 * NULL; length in '*len'. */
const char *pyi_frame_attr_value(const pyi_tree *t, const pyi_frame *f,
                                 char marker, size_t *len);
/* class_name: NULL when none or empty. */
const char *pyi_frame_class_name(const pyi_tree *t, const pyi_frame *f,
                                 size_t *len);
bool pyi_frame_has_tracebackhide(const pyi_tree *t, const pyi_frame *f);
/* file_path_short (synthetic frames use their parent's); NULL if none. */
const char *pyi_frame_short_path(const pyi_tree *t, const pyi_frame *f);
/* line_no: false when absent; the value may not fit (then *text is set). */
bool pyi_frame_line(const pyi_tree *t, const pyi_frame *f, int64_t *line);
/* Appends code_position_short ("file:line", "file", or nothing); returns
 * false when there is none. */
bool pyi_frame_code_position(const pyi_tree *t, const pyi_frame *f, pyi_buf *b);
bool pyi_frame_is_app(const pyi_tree *t, const pyi_frame *f);
double pyi_frame_self_time(const pyi_tree *t, const pyi_frame *f);
/* Group of a frame, or NULL. */
static inline pyi_group *pyi_frame_group(const pyi_tree *t, const pyi_frame *f) {
  return f->group ? &t->groups[f->group - 1] : NULL;
}
/* The group's exit frames (computed once). */
void pyi_group_exits(pyi_tree *t, pyi_group *g);
pyi_group *pyi_group_new(pyi_tree *t, pyi_frame *root);
void pyi_group_add(pyi_tree *t, pyi_group *g, pyi_frame *f);

/* pyinstrument's console renderer hides the frames of a library group
 * except the group's root, frames that call out of the group and frames
 * whose self time exceeds 20 % of 'total'; a group with fewer than two
 * frames to hide is shown whole. pyi_groups_prepare returns a flag per
 * group (1: shown whole; the caller frees it) and marks the exits in
 * f->mark, which must then stay untouched while pyi_frame_hidden is used. */
uint8_t *pyi_groups_prepare(pyi_tree *t, double total);
bool pyi_frame_hidden(const pyi_tree *t, const pyi_frame *f,
                      const uint8_t *whole, double total);

/* Depth-first pre-order successor of 'f' within the subtree of 'top'
 * (NULL when done); with 'skip_children' the walk does not descend. */
static inline pyi_frame *pyi_frame_next_pre(const pyi_frame *top,
                                            const pyi_frame *f,
                                            bool skip_children) {
  if (!skip_children && f->first_child)
    return f->first_child;
  while (f != top) {
    if (f->next)
      return f->next;
    f = f->parent;
  }
  return NULL;
}

#endif
