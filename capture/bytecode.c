/* bytecode.c - what a frame stopped at a call instruction is calling, read
 * off its value stack without running code: the timer sampler's way to
 * name the C function a thread waits in, or has just returned from, as
 * the profile hook's c_return event names it.
 *
 * Where the callable sits depends on the stack depth at the call, which
 * the bytecode fixes: one forward pass over it per code object, as the
 * compiler does (a stack map). CPython 3.11, 3.12 and 3.13 differ in the
 * instruction set and in the order of a call's values; the differences
 * are the shims at the top. Below frames.c, which names what is found.
 */
#include "iframe.h"

#if CAPTURE_INTERNAL_FRAMES

#include <string.h>

/* ---- version shims ------------------------------------------------------
 * A call's values, bottom up (the callable's 'self' is bound by the call):
 *   3.11 PRECALL n, 3.12 CALL n: [NULL or method, callable or self, args]
 *   3.13 CALL n:                 [callable or method, NULL or self, args]
 *   3.13 CALL_KW n:              the same, then a tuple of keyword names
 *   CALL_FUNCTION_EX:   3.11, 3.12: [NULL, callable, args, kwargs?]
 *                       3.13:       [callable, NULL, args, kwargs?]
 * A method is loaded by LOAD_METHOD (3.11) or a LOAD_ATTR with the low bit
 * of its argument set (3.12 and later, the name is the argument >> 1),
 * which pushes the pair [method, self], or [NULL, attribute] (3.11, 3.12)
 * / [attribute, NULL] (3.13). LOAD_GLOBAL with the low bit set pushes a
 * NULL below (3.11, 3.12) or above (3.13) the global. */
#if PY_VERSION_HEX >= 0x030D0000
#define CALLEE_FIRST 1 /* the callable below its NULL */
#else
#define CALLEE_FIRST 0
#endif
#if PY_VERSION_HEX >= 0x030C0000
#define ATTR_NAME(arg) ((arg) >> 1)
#define IS_METHOD_LOAD(op, arg) ((op) == LOAD_ATTR && ((arg)&1))
#else
#define ATTR_NAME(arg) (arg)
#define IS_METHOD_LOAD(op, arg) ((op) == LOAD_METHOD)
#endif
/* 3.11 and 3.12 run RETURN_GENERATOR with the sent value already pushed
 * in the compiler's accounting; 3.13 counts it as a push */
#if PY_VERSION_HEX >= 0x030D0000
#define GENERATOR_START 0
#else
#define GENERATOR_START 1
#endif
#define GENERATOR_FLAGS (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR)

enum { JUMP_IF = 1, JUMP_ALWAYS = 2, JUMP_BACK = 4 };

/* Whether 'op' jumps: JUMP_IF or JUMP_ALWAYS, with JUMP_BACK when its
 * argument counts backwards. 0 otherwise. */
static int jump_kind(int op) {
  switch (op) {
  case JUMP_FORWARD:
    return JUMP_ALWAYS;
  case JUMP_BACKWARD:
  case JUMP_BACKWARD_NO_INTERRUPT:
    return JUMP_ALWAYS | JUMP_BACK;
  case FOR_ITER:
  case SEND:
#if PY_VERSION_HEX < 0x030C0000
  case JUMP_IF_FALSE_OR_POP:
  case JUMP_IF_TRUE_OR_POP:
  case POP_JUMP_FORWARD_IF_FALSE:
  case POP_JUMP_FORWARD_IF_TRUE:
  case POP_JUMP_FORWARD_IF_NOT_NONE:
  case POP_JUMP_FORWARD_IF_NONE:
    return JUMP_IF;
  case POP_JUMP_BACKWARD_IF_NOT_NONE:
  case POP_JUMP_BACKWARD_IF_NONE:
  case POP_JUMP_BACKWARD_IF_FALSE:
  case POP_JUMP_BACKWARD_IF_TRUE:
    return JUMP_IF | JUMP_BACK;
#else
  case POP_JUMP_IF_FALSE:
  case POP_JUMP_IF_TRUE:
  case POP_JUMP_IF_NOT_NONE:
  case POP_JUMP_IF_NONE:
    return JUMP_IF;
#endif
  }
  return 0;
}

/* Whether control never goes on to the next instruction. */
static bool ends_flow(int op) {
  switch (op) {
  case RETURN_VALUE:
  case RAISE_VARARGS:
  case RERAISE:
#if PY_VERSION_HEX >= 0x030C0000
  case RETURN_CONST:
#endif
    return true;
  }
  return false;
}

/* Instructions that leave the value stack alone. */
static bool stack_neutral(int op) {
  switch (op) {
  case CACHE:
  case EXTENDED_ARG:
  case NOP:
  case RESUME:
#if PY_VERSION_HEX >= 0x030C0000 && PY_VERSION_HEX < 0x030D0000
  case KW_NAMES:
#endif
    return true;
  }
  return false;
}

/* ==== the stack map ====================================================== */

struct capture_stackmap {
  Py_ssize_t n;    /* code units */
  int32_t *depths; /* value-stack depth before each code unit, or -1 */
  uint8_t *units;  /* the code without specialisations */
};

void capture_stackmap_free(capture_stackmap *m) {
  if (!m)
    return;
  PyMem_Free(m->depths);
  PyMem_Free(m->units);
  PyMem_Free(m);
}

/* Oparg of the instruction at unit 'j', with its EXTENDED_ARG prefixes. */
static int unit_arg(const uint8_t *u, Py_ssize_t j) {
  int arg = u[2 * j + 1];
  for (Py_ssize_t k = j - 1, shift = 8;
       k >= 0 && u[2 * k] == EXTENDED_ARG && shift < 32; k--, shift += 8)
    arg |= u[2 * k + 1] << shift;
  return arg;
}

/* Inline cache entries after the instruction at unit 'i': a jump counts
 * from the end of them. */
static Py_ssize_t caches_after(const uint8_t *u, Py_ssize_t n, Py_ssize_t i) {
  Py_ssize_t c = 0;
  while (i + 1 + c < n && u[2 * (i + 1 + c)] == CACHE)
    c++;
  return c;
}

/* Fills d[] (n units) with the depth before each code unit, from the
 * entry and from every exception handler. false when the bytecode is not
 * understood. 'work' has room for n entries. */
static bool walk_depths(PyCodeObject *code, const uint8_t *u, Py_ssize_t n,
                        int32_t *d, Py_ssize_t *work) {
  Py_ssize_t nwork = 0;
  bool ok = true;
  for (Py_ssize_t i = 0; i < n; i++)
    d[i] = -1;
#define REACH(at, depth)                                                      \
  do {                                                                        \
    Py_ssize_t at_ = (at);                                                    \
    int depth_ = (depth);                                                     \
    if (at_ < 0 || at_ >= n || depth_ < 0)                                    \
      ok = false;                                                             \
    else if (d[at_] < 0)                                                      \
      d[at_] = depth_, work[nwork++] = at_;                                   \
    else if (d[at_] != depth_)                                                \
      ok = false;                                                             \
  } while (0)
  if (n)
    REACH(0, code->co_flags & GENERATOR_FLAGS ? GENERATOR_START : 0);
  PyObject *table = code->co_exceptiontable;
  const uint8_t *t = (const uint8_t *)PyBytes_AS_STRING(table);
  Py_ssize_t tn = PyBytes_GET_SIZE(table), k = 0;
  while (ok && k < tn) { /* entries of 4 varints (6 bits a byte) */
    long v[4];
    for (int f = 0; f < 4; f++) {
      if (k >= tn) {
        ok = false;
        break;
      }
      long x = t[k] & 63;
      while (t[k++] & 64 && k < tn)
        x = (x << 6) | (t[k] & 63);
      v[f] = x;
    }
    if (ok) /* handler: the depth, lasti if pushed, the exception */
      REACH(v[2], (int)(v[3] >> 1) + (int)(v[3] & 1) + 1);
  }
  while (ok && nwork > 0) {
    Py_ssize_t i = work[--nwork];
    int depth = d[i];
    unsigned ext = 0;
    for (;;) { /* a straight run from i */
      int op = u[2 * i];
      unsigned arg = ext | u[2 * i + 1];
      ext = op == EXTENDED_ARG ? arg << 8 : 0;
      int fall = 0, taken = 0;
      if (op != CACHE && op != EXTENDED_ARG) {
        fall = PyCompile_OpcodeStackEffectWithJump(op, (int)arg, 0);
        taken = PyCompile_OpcodeStackEffectWithJump(op, (int)arg, 1);
        if (fall == PY_INVALID_STACK_EFFECT ||
            taken == PY_INVALID_STACK_EFFECT) {
          ok = false;
          break;
        }
      }
      int kind = jump_kind(op);
      if (kind) {
        Py_ssize_t next = i + 1 + caches_after(u, n, i);
        REACH(kind & JUMP_BACK ? next - (Py_ssize_t)arg
                               : next + (Py_ssize_t)arg,
              depth + taken);
      }
      if (!ok || kind & JUMP_ALWAYS || ends_flow(op) || i + 1 >= n)
        break;
      depth += fall;
      if (depth < 0) {
        ok = false;
        break;
      }
      if (d[i + 1] >= 0) { /* joined a run already walked */
        if (d[i + 1] != depth)
          ok = false;
        break;
      }
      d[++i] = depth;
    }
  }
#undef REACH
  return ok;
}

capture_stackmap *capture_stackmap_new(PyCodeObject *code) {
  PyObject *bytes = PyCode_GetCode(code); /* without specialisations */
  if (!bytes) {
    PyErr_Clear();
    return NULL;
  }
  Py_ssize_t n = PyBytes_GET_SIZE(bytes) / 2;
  size_t cells = (size_t)(n ? n : 1);
  capture_stackmap *m = PyMem_Calloc(1, sizeof *m);
  Py_ssize_t *work = PyMem_Malloc(cells * sizeof *work);
  if (m) {
    m->n = n;
    m->depths = PyMem_Malloc(cells * sizeof *m->depths);
    m->units = PyMem_Malloc(2 * cells);
  }
  if (!m || !work || !m->depths || !m->units ||
      !walk_depths(code, (const uint8_t *)PyBytes_AS_STRING(bytes), n,
                   m->depths, work)) {
    capture_stackmap_free(m);
    m = NULL;
  } else {
    memcpy(m->units, PyBytes_AS_STRING(bytes), (size_t)(2 * n));
  }
  PyMem_Free(work);
  Py_DECREF(bytes);
  return m;
}

int capture_stackmap_op(const capture_stackmap *m, Py_ssize_t i, int *arg) {
  if (i < 0 || i >= m->n)
    return -1;
  *arg = m->units[2 * i + 1];
  return m->units[2 * i];
}

/* _capture._stack_depths(code): the stack map's depths, for tests. */
PyObject *capture_stack_depths(PyObject *module, PyObject *code) {
  (void)module;
  if (!PyCode_Check(code)) {
    PyErr_SetString(PyExc_TypeError, "a code object is needed");
    return NULL;
  }
  capture_stackmap *m = capture_stackmap_new((PyCodeObject *)code);
  if (!m)
    return PyErr_Occurred() ? NULL : Py_NewRef(Py_None);
  PyObject *list = PyList_New(m->n);
  for (Py_ssize_t i = 0; list && i < m->n; i++) {
    PyObject *v = PyLong_FromLong(m->depths[i]);
    if (!v)
      Py_CLEAR(list);
    else
      PyList_SET_ITEM(list, i, v);
  }
  capture_stackmap_free(m);
  return list;
}

/* ==== the callable of a call ============================================= */

/* The call instruction at unit 'i' (3.11: its PRECALL when 'i' is the
 * CALL that follows one). Returns the unit, with *op and *arg, or -1. */
static Py_ssize_t call_at(const capture_stackmap *m, Py_ssize_t i, int *op,
                          int *arg) {
  const uint8_t *u = m->units;
  if (i < 0 || i >= m->n || m->depths[i] < 0)
    return -1;
  *op = u[2 * i];
#if PY_VERSION_HEX < 0x030C0000
  if (*op == CALL) { /* the layout is the one before its PRECALL */
    do
      i--;
    while (i >= 0 && u[2 * i] == CACHE);
    if (i < 0 || u[2 * i] != PRECALL || m->depths[i] < 0)
      return -1;
    *op = PRECALL;
  }
  if (*op != PRECALL && *op != CALL_FUNCTION_EX)
    return -1;
#elif PY_VERSION_HEX < 0x030D0000
  if (*op != CALL && *op != CALL_FUNCTION_EX)
    return -1;
#else
  if (*op != CALL && *op != CALL_KW && *op != CALL_FUNCTION_EX)
    return -1;
#endif
  *arg = unit_arg(u, i);
  return i;
}

/* The slot (from the bottom of the value stack) of the callable of a
 * call, or of its 'self' when a method is called (3.11, 3.12); the slot
 * beside it, for the NULL or the method, is *pair. -1 when unknown. */
static int callee_slot(const capture_stackmap *m, Py_ssize_t i, int op,
                       int arg, int *pair) {
  int depth = m->depths[i], low;
  if (op == CALL_FUNCTION_EX)
    low = depth - 3 - (arg & 1);
#if PY_VERSION_HEX >= 0x030D0000
  else if (op == CALL_KW)
    low = depth - arg - 3;
#endif
  else
    low = depth - arg - 2;
  if (low < 0 || arg < 0)
    return -1;
  *pair = CALLEE_FIRST ? low + 1 : low;
  return CALLEE_FIRST ? low : low + 1;
}

PyObject *capture_stackmap_called(const capture_stackmap *m,
                                  _PyInterpreterFrame *f) {
  int op, arg, pair;
  Py_ssize_t i = call_at(m, iframe_index(f), &op, &arg);
  int slot = i >= 0 ? callee_slot(m, i, op, arg, &pair) : -1;
  if (slot < 0)
    return NULL;
  PyObject **stack = f->localsplus + IFRAME_CODE(f)->co_nlocalsplus;
#if CALLEE_FIRST
  /* the callable's slot gets the result: while the call runs it is the
   * callable, afterwards a result, which is seldom a C function */
  return Py_XNewRef(stack[slot]);
#else
  /* The result goes to the lowest slot, the NULL or the method, and the
   * slots above it go stale; so the slot above is read only when the
   * lowest holds NULL, which a result never is. A method is named from
   * its descriptor alone, since its 'self' may be stale. */
  if (stack[pair])
    return op == CALL_FUNCTION_EX ? NULL : Py_NewRef(stack[pair]);
  return Py_XNewRef(stack[slot]);
#endif
}

/* ---- finding the callable again -----------------------------------------
 * The sample taken at the check that follows a call stands where the hook
 * would take it at the c_return event. The callable's slot is stale by
 * then, so the callable is found again from the instructions that loaded
 * it: a local, a constant, a global, or an attribute of those (a module's
 * or a type's, or a C method of an object), looked up without running any
 * Python code. Other callables are not named. */

/* The instruction before unit 'i' that wrote stack slot 'slot' last, or
 * -1 when that is not certain. Stack slots [w0, w1) are what an
 * instruction writes and 't0' the lowest it touches; for most opcodes
 * they follow from the depth and the net effect (one result at most). */
static Py_ssize_t writer(const capture_stackmap *m, Py_ssize_t i, int slot) {
  const uint8_t *u = m->units;
  for (Py_ssize_t j = i - 1; j >= 0 && i - j < 1024; j--) {
    int op = u[2 * j];
    if (stack_neutral(op))
      continue;
    int d = m->depths[j], arg = unit_arg(u, j), w0 = d, w1 = d + 1, t0 = d;
    if (d < 0)
      return -1;
    switch (op) {
    case LOAD_FAST: case LOAD_CONST: case LOAD_DEREF: case LOAD_NAME:
    case PUSH_NULL:
#if PY_VERSION_HEX >= 0x030C0000
    case LOAD_FAST_CHECK: case LOAD_FAST_AND_CLEAR:
#endif
      break;
#if PY_VERSION_HEX >= 0x030D0000
    case LOAD_FAST_LOAD_FAST:
      w1 = d + 2;
      break;
    case STORE_FAST_LOAD_FAST: /* the top value out, a local in */
      w0 = t0 = d - 1, w1 = d;
      break;
#endif
    case LOAD_GLOBAL:
      w1 = d + 1 + (arg & 1);
      break;
    case LOAD_ATTR: /* obj -> attr, or a method's pair (3.12 and later) */
      w0 = t0 = d - 1, w1 = d + (IS_METHOD_LOAD(op, arg) ? 1 : 0);
      break;
#if PY_VERSION_HEX < 0x030C0000
    case LOAD_METHOD:
      w0 = t0 = d - 1;
      break;
#endif
    case SWAP:
      w0 = w1 = 0, t0 = d - arg;
      break;
    default: {
      int e = PyCompile_OpcodeStackEffectWithJump(op, arg, 0);
      if (e == PY_INVALID_STACK_EFFECT)
        return -1;
      t0 = d - (e < 1 ? 1 - e : 0);
      w0 = w1 = 0; /* not one we can read back */
      if (t0 <= slot)
        return -1;
    }
    }
    if (w0 <= slot && slot < w1)
      return j;
    if (t0 <= slot)
      return -1;
  }
  return -1;
}

/* 'name' of 'obj' as attribute access would find it, when that runs no
 * Python code: a module's global, a C function or method of a type, a C
 * method of an object bound to it, an object's own attribute or one of its
 * class that is no descriptor. New reference or NULL (no error set). */
static PyObject *quiet_attr(PyObject *obj, PyObject *name) {
  PyObject *v = NULL;
  if (PyModule_Check(obj)) {
    PyObject *dict = PyModule_GetDict(obj);
    v = dict ? PyDict_GetItemWithError(dict, name) : NULL;
    Py_XINCREF(v);
  } else if (PyType_Check(obj)) {
    v = _PyType_Lookup((PyTypeObject *)obj, name);
    v = v && (PyCFunction_Check(v) || Py_IS_TYPE(v, &PyMethodDescr_Type))
            ? Py_NewRef(v)
            : NULL;
  } else {
    PyTypeObject *type = Py_TYPE(obj);
    PyObject *d = _PyType_Lookup(type, name);
    if (d && Py_IS_TYPE(d, &PyMethodDescr_Type))
      v = Py_TYPE(d)->tp_descr_get(d, obj, (PyObject *)type);
    else if ((!d || !Py_TYPE(d)->tp_descr_get) &&
             type->tp_getattro == PyObject_GenericGetAttr)
      v = PyObject_GenericGetAttr(obj, name); /* the instance's, or 'd' */
  }
  PyErr_Clear();
  return v;
}

/* A fast local of 'f' (new reference or NULL), through its cell for
 * LOAD_DEREF. */
static PyObject *local(_PyInterpreterFrame *f, int k, bool deref) {
  if (k < 0 || k >= IFRAME_CODE(f)->co_nlocalsplus)
    return NULL;
  PyObject *v = f->localsplus[k];
  if (deref)
    v = v && PyCell_Check(v) ? PyCell_GET(v) : NULL;
  return Py_XNewRef(v);
}

/* The value instruction 'j' of frame 'f' left in 'slot' (new reference),
 * loaded again; NULL when unknown. */
static PyObject *reload(_PyInterpreterFrame *f, const capture_stackmap *m,
                        Py_ssize_t j, int slot, int level) {
  if (j < 0 || level > 4)
    return NULL;
  PyCodeObject *code = IFRAME_CODE(f);
  const uint8_t *u = m->units;
  int op = u[2 * j], arg = unit_arg(u, j), d = m->depths[j];
  PyObject *v = NULL, *obj;
  switch (op) {
  case LOAD_FAST:
#if PY_VERSION_HEX >= 0x030C0000
  case LOAD_FAST_CHECK:
  case LOAD_FAST_AND_CLEAR:
#endif
    v = local(f, arg, false);
    break;
#if PY_VERSION_HEX >= 0x030D0000
  case LOAD_FAST_LOAD_FAST:
    v = local(f, slot == d ? arg >> 4 : arg & 15, false);
    break;
  case STORE_FAST_LOAD_FAST:
    v = local(f, arg & 15, false);
    break;
#endif
  case LOAD_DEREF:
    v = local(f, arg, true);
    break;
  case LOAD_CONST:
    if (arg < PyTuple_GET_SIZE(code->co_consts))
      v = Py_NewRef(PyTuple_GET_ITEM(code->co_consts, arg));
    break;
  case LOAD_GLOBAL:
  case LOAD_NAME: {
    int k = op == LOAD_GLOBAL ? arg >> 1 : arg;
    if (op == LOAD_GLOBAL && slot != d + (CALLEE_FIRST ? 0 : (arg & 1)))
      break; /* the NULL it pushes */
    if (k >= PyTuple_GET_SIZE(code->co_names))
      break;
    PyObject *name = PyTuple_GET_ITEM(code->co_names, k);
    PyObject *dicts[] = {op == LOAD_NAME ? f->f_locals : NULL, f->f_globals,
                         f->f_builtins};
    for (int n = 0; !v && n < 3; n++)
      if (dicts[n] && PyDict_CheckExact(dicts[n]))
        v = Py_XNewRef(PyDict_GetItemWithError(dicts[n], name));
    PyErr_Clear();
    break;
  }
  case LOAD_ATTR: /* obj -> obj.name, in the same slot */
    if (!IS_METHOD_LOAD(op, arg) &&
        ATTR_NAME(arg) < PyTuple_GET_SIZE(code->co_names) &&
        (obj = reload(f, m, writer(m, j, slot), slot, level + 1))) {
      v = quiet_attr(obj, PyTuple_GET_ITEM(code->co_names, ATTR_NAME(arg)));
      Py_DECREF(obj);
    }
    break;
  }
  return v;
}

PyObject *capture_stackmap_returned(const capture_stackmap *m,
                                    _PyInterpreterFrame *f) {
  int op, arg, pair;
  Py_ssize_t i = call_at(m, iframe_index(f), &op, &arg);
  int slot = i >= 0 ? callee_slot(m, i, op, arg, &pair) : -1;
  Py_ssize_t j = slot >= 0 ? writer(m, i, slot) : -1;
  if (j < 0)
    return NULL;
  PyCodeObject *code = IFRAME_CODE(f);
  const uint8_t *u = m->units;
  int jop = u[2 * j], jarg = unit_arg(u, j);
  /* a method's pair: its object one slot under the pair's lower slot */
  int owner = m->depths[j] - 1;
  if (IS_METHOD_LOAD(jop, jarg) && owner == (CALLEE_FIRST ? slot : pair) &&
      ATTR_NAME(jarg) < PyTuple_GET_SIZE(code->co_names)) {
    PyObject *fn = NULL;
    PyObject *obj = reload(f, m, writer(m, j, owner), owner, 0);
    if (obj) /* looked up as attribute access would */
      fn = quiet_attr(obj, PyTuple_GET_ITEM(code->co_names, ATTR_NAME(jarg)));
    Py_XDECREF(obj);
    return fn;
  }
  return reload(f, m, j, slot, 0);
}

#else /* no stack maps where frames are read through the public API */

PyObject *capture_stack_depths(PyObject *module, PyObject *code) {
  (void)module, (void)code;
  Py_RETURN_NONE;
}

#endif
