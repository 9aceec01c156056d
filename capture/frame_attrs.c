/* frame_attrs.c - Frame.attributes: a mapping of a frame's observations
 * ("l12", "cMyClass") to the seconds they were seen for, read and written
 * through to the node, in first-seen order.
 */
#include "frame.h"

#include <math.h>
#include <string.h>

/* ==== Frame.attributes: a live mapping ==================================== */

static void Attrs_Dealloc(AttrsObject *a) {
  Py_XDECREF(a->frame);
  PyObject_Free(a);
}

/* The index of attribute 'key' or -1; -2 with an exception set. */
static Py_ssize_t attr_index(FrameObject *o, PyObject *key) {
  PyObject *b = capture_utf8(key, "an attribute");
  if (!b)
    return -2;
  size_t n = pyi_frame_attr_count(o->f);
  Py_ssize_t found = -1;
  for (size_t i = 0; i < n && found < 0; i++) {
    size_t len;
    double v;
    const char *k = pyi_frame_attr(o->tree->t, o->f, i, &len, &v, NULL);
    if (len == (size_t)PyBytes_GET_SIZE(b) &&
        memcmp(k, PyBytes_AS_STRING(b), len) == 0)
      found = (Py_ssize_t)i;
  }
  Py_DECREF(b);
  return found;
}

static PyObject *attr_value(FrameObject *o, size_t i) {
  size_t len;
  double v;
  bool is_int;
  pyi_frame_attr(o->tree->t, o->f, i, &len, &v, &is_int);
  if (is_int && fabs(v) < 9e15)
    return PyLong_FromLongLong((long long)v);
  return PyFloat_FromDouble(v);
}

static PyObject *attr_key(FrameObject *o, size_t i) {
  size_t len;
  double v;
  const char *k = pyi_frame_attr(o->tree->t, o->f, i, &len, &v, NULL);
  return capture_text(k, len);
}

int capture_attrs_set(FrameObject *o, PyObject *key, PyObject *value) {
  PyObject *b = capture_utf8(key, "an attribute");
  double v = b ? PyFloat_AsDouble(value) : -1;
  if (!b || (v == -1 && PyErr_Occurred())) {
    Py_XDECREF(b);
    return -1;
  }
  pyi_frame_set_attr(o->tree->t, o->f, PyBytes_AS_STRING(b),
                     (size_t)PyBytes_GET_SIZE(b), v, PyLong_Check(value));
  Py_DECREF(b);
  return 0;
}

static Py_ssize_t Attrs_Len(AttrsObject *a) {
  return (Py_ssize_t)pyi_frame_attr_count(a->frame->f);
}

static PyObject *Attrs_GetItem(AttrsObject *a, PyObject *key) {
  Py_ssize_t i = attr_index(a->frame, key);
  if (i == -1)
    PyErr_SetObject(PyExc_KeyError, key);
  return i < 0 ? NULL : attr_value(a->frame, (size_t)i);
}

static int Attrs_SetItem(AttrsObject *a, PyObject *key, PyObject *value) {
  if (value)
    return capture_attrs_set(a->frame, key, value);
  Py_ssize_t i = attr_index(a->frame, key);
  if (i == -1)
    PyErr_SetObject(PyExc_KeyError, key);
  if (i < 0)
    return -1;
  /* rebuilt without the key, order kept */
  PyObject *items = PyList_New(0);
  size_t n = pyi_frame_attr_count(a->frame->f);
  for (size_t k = 0; items && k < n; k++) {
    if ((Py_ssize_t)k == i)
      continue;
    PyObject *kv = PyTuple_Pack(2, attr_key(a->frame, k),
                                attr_value(a->frame, k));
    if (!kv || PyList_Append(items, kv))
      Py_CLEAR(items);
    if (kv) {
      Py_DECREF(PyTuple_GET_ITEM(kv, 0));
      Py_DECREF(PyTuple_GET_ITEM(kv, 1));
      Py_DECREF(kv);
    }
  }
  if (!items)
    return -1;
  pyi_frame_clear_attrs(a->frame->f);
  int rc = 0;
  for (Py_ssize_t k = 0; rc == 0 && k < PyList_GET_SIZE(items); k++) {
    PyObject *kv = PyList_GET_ITEM(items, k);
    rc = capture_attrs_set(a->frame, PyTuple_GET_ITEM(kv, 0), PyTuple_GET_ITEM(kv, 1));
  }
  Py_DECREF(items);
  return rc;
}

/* A new dict with the attributes, in order. */
static PyObject *attrs_dict(FrameObject *o) {
  PyObject *d = PyDict_New();
  size_t n = pyi_frame_attr_count(o->f);
  for (size_t i = 0; d && i < n; i++) {
    PyObject *k = attr_key(o, i), *v = k ? attr_value(o, i) : NULL;
    if (!v || PyDict_SetItem(d, k, v))
      Py_CLEAR(d);
    Py_XDECREF(k);
    Py_XDECREF(v);
  }
  return d;
}

static PyObject *Attrs_Iter(AttrsObject *a) {
  PyObject *d = attrs_dict(a->frame);
  PyObject *it = d ? PyObject_GetIter(d) : NULL;
  Py_XDECREF(d);
  return it;
}

static int Attrs_Contains(AttrsObject *a, PyObject *key) {
  Py_ssize_t i = attr_index(a->frame, key);
  return i == -2 ? -1 : i >= 0;
}

static PyObject *Attrs_Repr(AttrsObject *a) {
  PyObject *d = attrs_dict(a->frame);
  PyObject *r = d ? PyObject_Repr(d) : NULL;
  Py_XDECREF(d);
  return r;
}

static PyObject *Attrs_RichCompare(AttrsObject *a, PyObject *other, int op) {
  PyObject *d = attrs_dict(a->frame);
  if (!d)
    return NULL;
  if (PyObject_TypeCheck(other, &Attrs_Type)) {
    PyObject *d2 = attrs_dict(((AttrsObject *)other)->frame);
    PyObject *r = d2 ? PyObject_RichCompare(d, d2, op) : NULL;
    Py_DECREF(d);
    Py_XDECREF(d2);
    return r;
  }
  PyObject *r = PyObject_RichCompare(d, other, op);
  Py_DECREF(d);
  return r;
}

#define ATTRS_VIEW(name)                                                       \
  static PyObject *Attrs_##name(AttrsObject *a, PyObject *unused) {            \
    PyObject *d = attrs_dict(a->frame);                                        \
    PyObject *r = d ? PyObject_CallMethod(d, #name, NULL) : NULL;              \
    Py_XDECREF(d);                                                             \
    return r;                                                                  \
  }
ATTRS_VIEW(keys)
ATTRS_VIEW(values)
ATTRS_VIEW(items)
ATTRS_VIEW(copy)

static PyObject *Attrs_Get(AttrsObject *a, PyObject *args) {
  PyObject *key, *dflt = Py_None;
  if (!PyArg_ParseTuple(args, "O|O:get", &key, &dflt))
    return NULL;
  Py_ssize_t i = attr_index(a->frame, key);
  return i == -2 ? NULL : i < 0 ? Py_NewRef(dflt) : attr_value(a->frame, (size_t)i);
}

static PyMethodDef Attrs_Methods[] = {
    {"keys", (PyCFunction)Attrs_keys, METH_NOARGS,
     "keys($self, /)\n--\n\nThe observations, in first-seen order."},
    {"values", (PyCFunction)Attrs_values, METH_NOARGS,
     "values($self, /)\n--\n\nThe seconds of each observation."},
    {"items", (PyCFunction)Attrs_items, METH_NOARGS,
     "items($self, /)\n--\n\n(observation, seconds) pairs."},
    {"copy", (PyCFunction)Attrs_copy, METH_NOARGS,
     "copy($self, /)\n--\n\nA dict of the attributes."},
    {"get", (PyCFunction)Attrs_Get, METH_VARARGS,
     "get($self, key, default=None, /)\n--\n\nThe seconds of one "
     "observation, or 'default'."},
    {NULL},
};

static PyMappingMethods Attrs_Mapping = {
    .mp_length = (lenfunc)Attrs_Len,
    .mp_subscript = (binaryfunc)Attrs_GetItem,
    .mp_ass_subscript = (objobjargproc)Attrs_SetItem,
};

static PySequenceMethods Attrs_Sequence = {
    .sq_contains = (objobjproc)Attrs_Contains,
};

PyTypeObject Attrs_Type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "pyinstrument.frame.FrameAttributes",
    .tp_basicsize = sizeof(AttrsObject),
    .tp_dealloc = (destructor)Attrs_Dealloc,
    .tp_repr = (reprfunc)Attrs_Repr,
    .tp_as_mapping = &Attrs_Mapping,
    .tp_as_sequence = &Attrs_Sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_MAPPING,
    .tp_doc = "A frame's attributes: observation -> seconds, read and "
              "written through to the frame.",
    .tp_richcompare = (richcmpfunc)Attrs_RichCompare,
    .tp_iter = (getiterfunc)Attrs_Iter,
    .tp_methods = Attrs_Methods,
    .tp_hash = PyObject_HashNotImplemented,
};

PyObject *capture_attrs_new(FrameObject *o) {
  AttrsObject *a = PyObject_New(AttrsObject, &Attrs_Type);
  if (a)
    a->frame = (FrameObject *)Py_NewRef(o);
  return (PyObject *)a;
}
