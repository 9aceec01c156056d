/* proc_remove.c - the processors that delete frames: remove_importlib,
 * remove_tracebackhide (both splice the frame's children into its place),
 * merge_consecutive_self_time, remove_irrelevant_nodes,
 * remove_unnecessary_self_time_nodes and
 * remove_first_pyinstrument_frames. All walk the tree without recursion;
 * each edits a frame's child list before the walk descends into it. */
#include <math.h>
#include <string.h>

#include "error.h"
#include "paths.h"
#include "proc.h"

/* Splices out every non-root frame that 'match' selects. Splicing is
 * order-independent (the result is the tree with those frames contracted),
 * so one pre-order walk that re-examines spliced children does it. */
static void splice_matching(pyi_tree *t,
                            bool (*match)(const pyi_tree *, const pyi_frame *)) {
  pyi_frame *root = t->root;
  for (pyi_frame *f = root; f; f = pyi_frame_next_pre(root, f, false)) {
    pyi_frame *c = f->first_child;
    while (c) {
      if (match(t, c)) {
        pyi_frame *next = c->first_child ? c->first_child : c->next;
        pyi_frame_delete_keep_children(t, c);
        c = next;
      } else
        c = c->next;
    }
  }
}

static bool is_importlib(const pyi_tree *t, const pyi_frame *f) {
  return pyi_frame_ident(t, f)->importlib;
}

static bool is_tbhide(const pyi_tree *t, const pyi_frame *f) {
  return pyi_frame_has_tracebackhide(t, f);
}

void pyi_proc_remove_importlib(pyi_tree *t) { splice_matching(t, is_importlib); }

void pyi_proc_remove_tracebackhide(pyi_tree *t) { splice_matching(t, is_tbhide); }

/* Adjacent [self] siblings (one per record in the timeline) become one. */
void pyi_proc_merge_self(pyi_tree *t) {
  uint32_t self = t->s->id_self;
  for (pyi_frame *f = t->root; f; f = pyi_frame_next_pre(t->root, f, false)) {
    pyi_frame *prev = NULL, *next;
    for (pyi_frame *c = f->first_child; c; c = next) {
      next = c->next;
      if (c->ident != self)
        prev = NULL;
      else if (prev) {
        prev->time += c->time;
        pyi_frame_detach(c);
      } else
        prev = c;
    }
  }
}

/* Frames under 'filter_threshold' of the root's time are deleted, their
 * time absorbed by the parent. */
void pyi_proc_remove_irrelevant(pyi_tree *t, double threshold) {
  double total = t->root->time;
  if (total <= 0)
    total = 1e-44;
  for (pyi_frame *f = t->root; f; f = pyi_frame_next_pre(t->root, f, false)) {
    pyi_frame *next;
    for (pyi_frame *c = f->first_child; c; c = next) {
      next = c->next;
      if (c->time / total < threshold)
        pyi_frame_delete_absorb(t, c);
    }
  }
}

/* A frame whose only child is [self] becomes a leaf. */
void pyi_proc_remove_self_nodes(pyi_tree *t) {
  for (pyi_frame *f = t->root; f; f = pyi_frame_next_pre(t->root, f, false))
    if (pyi_frame_one_child(f) && f->first_child->ident == t->s->id_self)
      pyi_frame_delete_absorb(t, f->first_child);
}

/* ---- remove_first_pyinstrument_frames ------------------------------------ */

static bool file_matches(const pyi_tree *t, const pyi_frame *f, const char *tail,
                         const char *substr) {
  const pyi_ident *id = pyi_frame_ident(t, f);
  if (!id->file)
    return false;
  if (tail && pyi_path_match_tail(id->file, id->file_len, tail))
    return true;
  return substr && memmem(id->file, id->file_len, substr, strlen(substr));
}

static bool big_in_parent(const pyi_frame *f) {
  /* proportion_of_parent > 0.8; NaN (parent time 0) is not */
  return f->parent && f->time / f->parent->time > 0.8;
}

/* Strips pyinstrument's own command-line frames (its __main__, the exec'd
 * <string> and runpy) when the tree has exactly that shape. */
int pyi_proc_remove_first_pyinstrument(pyi_tree *t, pyi_error *err) {
  pyi_frame *root = t->root;
  if (file_matches(t, root, PYI_MAIN_TAIL, NULL) && root->first_child) {
    pyi_frame *r = root->first_child;
    if (big_in_parent(r) && file_matches(t, r, NULL, "<string>") && r->first_child) {
      r = r->first_child;
      while (big_in_parent(r) && r->first_child &&
             file_matches(t, r, PYI_RUNPY_TAIL, "<frozen runpy>"))
        r = r->first_child;
      pyi_frame_detach(r);
      t->root = r;
    }
  }
  return 0;
}
