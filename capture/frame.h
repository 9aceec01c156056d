/* frame.h - what the files of pyinstrument.frame share: the tree object
 * that owns a libsession tree (frame_tree.c), the Frame views of its nodes
 * (frame.c), their attribute mappings (frame_attrs.c) and FrameGroup views
 * (frame_tree.c).
 */
#ifndef CAPTURE_FRAME_H
#define CAPTURE_FRAME_H

#include "capture.h"

struct TreeObject {
  PyObject_HEAD
  pyi_tree *t;
  PyObject *context; /* the Session the tree reads, or NULL */
  pyi_session *own;  /* the private session of a tree without context */
  PyObject **views;  /* every Frame made for a node of this tree */
  size_t n_views, cap_views;
  PyObject **groups; /* FrameGroup views by group number - 1 (or NULL) */
  size_t cap_groups;
};

typedef struct FrameObject {
  PyObject_HEAD
  TreeObject *tree;
  pyi_frame *f;
  size_t slot; /* index in tree->views */
  PyObject *dict;
} FrameObject;

typedef struct GroupObject {
  PyObject_HEAD
  TreeObject *tree;
  size_t group;
} GroupObject;

typedef struct AttrsObject {
  PyObject_HEAD
  FrameObject *frame;
} AttrsObject;

#define FRAME(o) ((FrameObject *)(o))

extern PyTypeObject Attrs_Type;

/* An empty tree: of the Session 'context', or with a session of its own
 * when 'context' is NULL or None. New reference. */
TreeObject *capture_tree_empty(PyObject *context);
/* Makes 'child' (a Frame) a frame of tree 'T', copying it over from its
 * own tree if need be, its views following; returns its node there, or
 * NULL with an exception set. */
pyi_frame *capture_bring_into(TreeObject *T, PyObject *child);
/* The FrameGroup of group number 'group' of 'T'. New reference. */
PyObject *capture_group_view(TreeObject *T, size_t group);
/* Frame.attributes: a live mapping of the frame's attributes. New
 * reference. */
PyObject *capture_attrs_new(FrameObject *o);
/* attributes[key] = value on a frame. 0, or -1 with an exception set. */
int capture_attrs_set(FrameObject *o, PyObject *key, PyObject *value);
/* A new Frame object for node 'f' of 'T' (frame.c); capture_frame_view
 * makes and keeps the one view of a node. New reference. */
PyObject *capture_frame_alloc(TreeObject *T, pyi_frame *f);
/* Readies the tree and FrameGroup types and adds FrameGroup. */
int capture_add_frame_tree(PyObject *module);

#endif
