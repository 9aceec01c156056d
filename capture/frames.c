/* frames.c - frame-info strings in pyinstrument's format, and their ids.
 *
 * A sample is a list of ids into one table of strings per sampler. The
 * string of a Python frame depends on its code object, current line and
 * the class of 'self'/'cls', so ids are cached by (code, instruction
 * offset, class): a sample of frames seen before formats nothing and
 * allocates nothing. The cache holds references to the code objects and
 * classes it uses as keys, so a key's address is never reused meanwhile.
 */
#include "capture.h"

#include <string.h>

#if CAPTURE_INTERNAL_FRAMES
#define Py_BUILD_CORE 1
#include <internal/pycore_frame.h>
#include <opcode.h>
#undef Py_BUILD_CORE
#endif

/* ==== a small open-addressing map: (a, b) -> nonzero uint32 ============== */

typedef struct map_slot {
  uint64_t a, b;
  uint32_t v; /* 0: empty */
} map_slot;

typedef struct capture_map {
  map_slot *slots;
  size_t mask, used;
} capture_map;

static inline uint64_t mix(uint64_t a, uint64_t b) {
  uint64_t h = (a ^ (b * 0x9E3779B97F4A7C15ULL)) * 0xBF58476D1CE4E5B9ULL;
  return h ^ (h >> 31);
}

static inline uint32_t map_get(const capture_map *m, uint64_t a, uint64_t b) {
  size_t i = mix(a, b) & m->mask;
  for (;;) {
    const map_slot *s = &m->slots[i];
    if (s->v == 0)
      return 0;
    if (s->a == a && s->b == b)
      return s->v;
    i = (i + 1) & m->mask;
  }
}

static int map_init(capture_map *m, size_t size) {
  m->slots = PyMem_Calloc(size, sizeof *m->slots);
  m->mask = size - 1;
  m->used = 0;
  return m->slots ? 0 : -1;
}

static int map_put(capture_map *m, uint64_t a, uint64_t b, uint32_t v) {
  if ((m->used + 1) * 2 > m->mask + 1) { /* keep probes short: at most half full */
    capture_map bigger;
    if (map_init(&bigger, (m->mask + 1) * 2))
      return -1;
    for (size_t i = 0; i <= m->mask; i++)
      if (m->slots[i].v)
        map_put(&bigger, m->slots[i].a, m->slots[i].b, m->slots[i].v);
    PyMem_Free(m->slots);
    *m = bigger;
  }
  size_t i = mix(a, b) & m->mask;
  while (m->slots[i].v)
    i = (i + 1) & m->mask;
  m->slots[i] = (map_slot){a, b, v};
  m->used++;
  return 0;
}

/* ==== the table ========================================================== */

enum { SELF_NONE, SELF_SELF, SELF_CLS };

typedef struct capture_code {
  char *base; /* "co_name\0co_filename\0co_firstlineno" */
  size_t base_len;
  uint8_t self_kind; /* what co_varnames[0] is called */
  bool self_is_cell; /* ... and it is captured by a closure */
  bool hide;         /* __tracebackhide__ is a local name */
  int8_t depth_state; /* 0: not analysed, 1: 'depths' valid, -1: failed */
  int32_t *depths;    /* value-stack depth before each code unit, or -1 */
  uint8_t *units;     /* the code without specialisations */
} capture_code;

struct capture_frames {
  capture_map by_code;  /* code object -> index into codes, from 1 */
  capture_map by_frame; /* (code index << 32 | offset, class) -> id */
  capture_map by_cfunc; /* (PyMethodDef, class of self) -> id */
  capture_map by_text;  /* (hash, 0) -> id; chained through 'next' */
  capture_code *codes;
  size_t n_codes, cap_codes;
  char *pool; /* the strings, back to back */
  size_t pool_len, pool_cap;
  struct text {
    uint32_t off, len, next; /* 'next': the id with the same hash */
  } *texts;                  /* by id */
  size_t n_ids, cap_ids;
  PyObject *keep; /* list: code objects and classes used as keys */
};

capture_frames *capture_frames_new(void) {
  capture_frames *F = PyMem_Calloc(1, sizeof *F);
  if (!F)
    return (capture_frames *)PyErr_NoMemory();
  if (map_init(&F->by_code, 256) || map_init(&F->by_frame, 1024) ||
      map_init(&F->by_cfunc, 64) || map_init(&F->by_text, 1024) ||
      !(F->keep = PyList_New(0))) {
    capture_frames_free(F);
    return (capture_frames *)PyErr_NoMemory();
  }
  return F;
}

void capture_frames_free(capture_frames *F) {
  if (!F)
    return;
  PyMem_Free(F->by_code.slots);
  PyMem_Free(F->by_frame.slots);
  PyMem_Free(F->by_cfunc.slots);
  PyMem_Free(F->by_text.slots);
  for (size_t i = 0; i < F->n_codes; i++) {
    PyMem_Free(F->codes[i].base);
    PyMem_Free(F->codes[i].depths);
    PyMem_Free(F->codes[i].units);
  }
  PyMem_Free(F->codes);
  PyMem_Free(F->pool);
  PyMem_Free(F->texts);
  Py_XDECREF(F->keep);
  PyMem_Free(F);
}

static uint64_t text_hash(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
  return h;
}

uint32_t capture_frames_intern(capture_frames *F, const char *text,
                               size_t len) {
  uint64_t h = text_hash(text, len);
  uint32_t first = map_get(&F->by_text, h, 0);
  for (uint32_t id = first; id; id = F->texts[id].next)
    if (F->texts[id].len == len &&
        memcmp(F->pool + F->texts[id].off, text, len) == 0)
      return id;
  if (F->pool_len + len >= UINT32_MAX || F->n_ids + 1 >= UINT32_MAX) {
    PyErr_SetString(PyExc_OverflowError, "too many frame strings");
    return 0;
  }
  uint32_t id = (uint32_t)F->n_ids + 1;
  if (capture_grow((void **)&F->texts, &F->cap_ids, (size_t)id + 1,
                   sizeof *F->texts) ||
      capture_grow((void **)&F->pool, &F->pool_cap, F->pool_len + len + 1, 1))
    return 0;
  memcpy(F->pool + F->pool_len, text, len);
  F->texts[id] = (struct text){(uint32_t)F->pool_len, (uint32_t)len, 0};
  F->pool_len += len;
  F->n_ids = id;
  if (first) { /* a hash collision: chain behind the first */
    F->texts[id].next = F->texts[first].next;
    F->texts[first].next = id;
  } else if (map_put(&F->by_text, h, 0, id)) {
    PyErr_NoMemory();
    return 0;
  }
  return id;
}

const char *capture_frames_text(const capture_frames *F, uint32_t id,
                                size_t *len) {
  *len = F->texts[id].len;
  return F->pool + F->texts[id].off;
}

/* ==== Python frames ====================================================== */

/* UTF-8 of a str (new bytes object); lone surrogates from undecodable file
 * names pass through so that the file still names the same path. */
static PyObject *utf8(PyObject *s) {
  return PyUnicode_AsEncodedString(s, "utf-8", "surrogatepass");
}

/* Learns what a code object's frame infos share. Returns its index from 1,
 * or 0 with an exception set. */
static uint32_t code_new(capture_frames *F, PyCodeObject *code) {
  PyObject *name = NULL, *file = NULL, *vars = NULL, *cells = NULL;
  capture_code c = {0};
  uint32_t index = 0;
  if (capture_grow((void **)&F->codes, &F->cap_codes, F->n_codes + 1, sizeof c))
    return 0;
  if (!(name = utf8(code->co_name)) || !(file = utf8(code->co_filename)) ||
      !(vars = PyCode_GetVarnames(code)) || !(cells = PyCode_GetCellvars(code)))
    goto error;
  char line[24];
  int nline = snprintf(line, sizeof line, "%d", code->co_firstlineno);
  c.base_len = (size_t)(PyBytes_GET_SIZE(name) + 1 + PyBytes_GET_SIZE(file) +
                        1 + nline);
  if (!(c.base = PyMem_Malloc(c.base_len + 1))) {
    PyErr_NoMemory();
    goto error;
  }
  char *p = c.base;
  memcpy(p, PyBytes_AS_STRING(name), (size_t)PyBytes_GET_SIZE(name));
  p += PyBytes_GET_SIZE(name);
  *p++ = '\0';
  memcpy(p, PyBytes_AS_STRING(file), (size_t)PyBytes_GET_SIZE(file));
  p += PyBytes_GET_SIZE(file);
  *p++ = '\0';
  memcpy(p, line, (size_t)nline + 1);
  /* the class rule looks at the first local name only (capture.md §4) */
  if (PyTuple_GET_SIZE(vars) > 0) {
    PyObject *v0 = PyTuple_GET_ITEM(vars, 0);
    if (PyUnicode_Compare(v0, capture_str.self) == 0)
      c.self_kind = SELF_SELF;
    else if (PyUnicode_Compare(v0, capture_str.cls) == 0)
      c.self_kind = SELF_CLS;
    int in_cells = PySequence_Contains(cells, v0);
    if (in_cells < 0)
      goto error;
    c.self_is_cell = in_cells;
  }
  int hide = PySequence_Contains(vars, capture_str.tracebackhide);
  if (hide < 0 || PyList_Append(F->keep, (PyObject *)code))
    goto error;
  c.hide = hide;
  F->codes[F->n_codes++] = c;
  index = (uint32_t)F->n_codes;
  if (map_put(&F->by_code, (uintptr_t)code, 0, index)) {
    PyErr_NoMemory();
    index = 0;
  }
  c.base = NULL; /* owned by the table now */
error:
  PyMem_Free(c.base);
  Py_XDECREF(name);
  Py_XDECREF(file);
  Py_XDECREF(vars);
  Py_XDECREF(cells);
  return index;
}

/* Formats and interns the frame info of a code position first seen. */
static uint32_t frame_new(capture_frames *F, uint32_t ci, PyCodeObject *code,
                          int lasti, PyTypeObject *cls) {
  const capture_code *c = &F->codes[ci - 1];
  int line = PyCode_Addr2Line(code, lasti * 2); /* 2-byte code units */
  const char *cname = NULL;
  size_t ncname = 0;
  if (cls) { /* CPython's _PyType_Name: tp_name after the last dot */
    const char *dot = strrchr(cls->tp_name, '.');
    cname = dot ? dot + 1 : cls->tp_name;
    ncname = strlen(cname);
  }
  size_t n = c->base_len + (cls ? 2 + ncname : 0) + 24 + 3;
  char stackbuf[512], *buf = n <= sizeof stackbuf ? stackbuf : PyMem_Malloc(n);
  if (!buf) {
    PyErr_NoMemory();
    return 0;
  }
  size_t len = c->base_len;
  memcpy(buf, c->base, len);
  if (cls) {
    buf[len++] = '\x01';
    buf[len++] = 'c';
    memcpy(buf + len, cname, ncname);
    len += ncname;
  }
  if (line >= 1)
    len += (size_t)snprintf(buf + len, 24, "\x01l%d", line);
  if (c->hide) {
    memcpy(buf + len, "\x01h1", 3);
    len += 3;
  }
  uint32_t id = capture_frames_intern(F, buf, len);
  if (buf != stackbuf)
    PyMem_Free(buf);
  if (!id)
    return 0;
  if (cls && PyList_Append(F->keep, (PyObject *)cls))
    return 0;
  uint64_t key = (uint64_t)ci << 32 | (uint32_t)lasti;
  if (map_put(&F->by_frame, key, (uintptr_t)cls, id)) {
    PyErr_NoMemory();
    return 0;
  }
  return id;
}

/* The id of a frame running 'code' at instruction 'lasti' whose first
 * local slot holds 'local0' (borrowed, may be NULL; for the public-API
 * path the value of the variable itself). */
static inline uint32_t frame_id(capture_frames *F, PyCodeObject *code,
                                int lasti, PyObject *local0) {
  uint32_t ci = map_get(&F->by_code, (uintptr_t)code, 0);
  if (!ci && !(ci = code_new(F, code)))
    return 0;
  const capture_code *c = &F->codes[ci - 1];
  PyTypeObject *cls = NULL;
  if (c->self_kind != SELF_NONE && local0) {
    /* a 'self' kept alive for a closure sits in a cell (before the frame
     * made its cells, the raw argument is there) */
    if (c->self_is_cell && PyCell_Check(local0))
      local0 = PyCell_GET(local0);
    if (local0 && c->self_kind == SELF_SELF)
      cls = Py_TYPE(local0);
    else if (local0 && PyType_Check(local0))
      cls = (PyTypeObject *)local0;
  }
  uint32_t id = map_get(&F->by_frame, (uint64_t)ci << 32 | (uint32_t)lasti,
                        (uintptr_t)cls);
  return id ? id : frame_new(F, ci, code, lasti, cls);
}

/* A frame's identity while it runs: where it lives and what it runs. */
static inline uintptr_t frame_key(const void *frame, const void *code) {
  uintptr_t c = (uintptr_t)code;
  return (uintptr_t)frame ^ (c << 17 | c >> (sizeof c * 8 - 17));
}

/* Appends 'id' to the growable array 'out'. */
static inline int push(uint32_t **out, size_t *cap, size_t *n, uint32_t id) {
  if (!id || (*n + 1 > *cap &&
              capture_grow((void **)out, cap, *n + 1, sizeof **out)))
    return -1;
  (*out)[(*n)++] = id;
  return 0;
}

#if CAPTURE_INTERNAL_FRAMES

static inline uint32_t iframe_id(capture_frames *F, _PyInterpreterFrame *f) {
  PyCodeObject *code = f->f_code;
  return frame_id(F, code, _PyInterpreterFrame_LASTI(f),
                  code->co_nlocals > 0 ? f->localsplus[0] : NULL);
}

uint32_t capture_frames_python(capture_frames *F, PyFrameObject *frame) {
  return iframe_id(F, frame->f_frame);
}

/* The caller of an interpreter frame, skipping frames still being set up
 * (as PyFrame_GetBack does). */
static inline _PyInterpreterFrame *iframe_back(_PyInterpreterFrame *f) {
  for (f = f->previous; f && _PyFrame_IsIncomplete(f); f = f->previous)
    ;
  return f;
}

bool capture_frames_has_back(PyFrameObject *frame) {
  return frame->f_back || iframe_back(frame->f_frame);
}

Py_ssize_t capture_frames_walk(capture_frames *F, PyFrameObject *frame,
                               bool skip_first, uint32_t root, uint32_t **out,
                               size_t *cap, size_t n) {
  if (frame && frame->f_back) /* a finished frame: take the object chain */
    return capture_frames_walk_objects(F, frame, skip_first, root, out, cap, n);
  _PyInterpreterFrame *f = frame ? frame->f_frame : NULL;
  if (f && skip_first)
    f = iframe_back(f);
  for (; f; f = iframe_back(f))
    if (push(out, cap, &n, iframe_id(F, f)))
      return -1;
  if (root && push(out, cap, &n, root))
    return -1;
  return (Py_ssize_t)n;
}

/* ---- the C function a thread is blocked in -------------------------------
 * While a thread waits in a C function with the GIL released (sleep, I/O,
 * a lock), its frames stand still and the callable sits on the calling
 * frame's value stack, below the arguments. Where exactly depends on the
 * stack depth at the call instruction, which the bytecode fixes: one
 * forward pass over it per code object, as the compiler does. */

/* Value-stack depth before each code unit of 'code' (-1: unreachable), in
 * c->depths. -1 when the bytecode is not understood; no error is set. */
static int analyse_depths(capture_code *c, PyCodeObject *code) {
  if (c->depth_state)
    return c->depth_state > 0 ? 0 : -1;
  c->depth_state = -1;
  PyObject *bytes = PyCode_GetCode(code); /* without specialisations */
  if (!bytes) {
    PyErr_Clear();
    return -1;
  }
  const uint8_t *u = (const uint8_t *)PyBytes_AS_STRING(bytes);
  Py_ssize_t n = PyBytes_GET_SIZE(bytes) / 2;
  int32_t *d = PyMem_Malloc((size_t)(n ? n : 1) * sizeof *d);
  Py_ssize_t *work = PyMem_Malloc((size_t)(n ? n : 1) * sizeof *work);
  Py_ssize_t nwork = 0;
  bool ok = d && work;
  for (Py_ssize_t i = 0; ok && i < n; i++)
    d[i] = -1;
  /* the entry, then every exception handler with its table depth */
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
  /* a generator starts with the value it is sent (popped at once) */
  if (ok && n)
    REACH(0, code->co_flags & (CO_GENERATOR | CO_COROUTINE |
                               CO_ASYNC_GENERATOR) ? 1 : 0);
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
      bool jump = false, stop = false;
      Py_ssize_t target = 0;
      if (op != CACHE && op != EXTENDED_ARG) {
        fall = PyCompile_OpcodeStackEffectWithJump(op, (int)arg, 0);
        taken = PyCompile_OpcodeStackEffectWithJump(op, (int)arg, 1);
        if (fall == PY_INVALID_STACK_EFFECT ||
            taken == PY_INVALID_STACK_EFFECT) {
          ok = false;
          break;
        }
      }
      switch (op) {
      case JUMP_FORWARD: stop = true; /* fall through */
      case FOR_ITER: case JUMP_IF_FALSE_OR_POP: case JUMP_IF_TRUE_OR_POP:
      case POP_JUMP_FORWARD_IF_FALSE: case POP_JUMP_FORWARD_IF_TRUE:
      case POP_JUMP_FORWARD_IF_NOT_NONE: case POP_JUMP_FORWARD_IF_NONE:
      case SEND:
        jump = true, target = i + 1 + (Py_ssize_t)arg;
        break;
      case JUMP_BACKWARD: case JUMP_BACKWARD_NO_INTERRUPT: stop = true;
        /* fall through */
      case POP_JUMP_BACKWARD_IF_NOT_NONE: case POP_JUMP_BACKWARD_IF_NONE:
      case POP_JUMP_BACKWARD_IF_FALSE: case POP_JUMP_BACKWARD_IF_TRUE:
        jump = true, target = i + 1 - (Py_ssize_t)arg;
        break;
      case RETURN_VALUE: case RAISE_VARARGS: case RERAISE:
        stop = true;
        break;
      }
      if (jump)
        REACH(target, depth + taken);
      if (!ok || stop || i + 1 >= n)
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
  uint8_t *copy = ok ? PyMem_Malloc((size_t)(n ? 2 * n : 1)) : NULL;
  if (copy)
    memcpy(copy, u, (size_t)(2 * n));
  Py_DECREF(bytes);
  PyMem_Free(work);
  if (!copy) {
    PyMem_Free(d);
    return -1;
  }
  c->depths = d;
  c->units = copy;
  c->depth_state = 1;
  return 0;
}

/* The callable a frame stopped at the call instruction 'i' is calling
 * (borrowed), or NULL. 'u' is the code without specialisations.
 *
 * The thread may also have stopped just after the call (giving up the GIL
 * at the check that follows it): then the result has been stored in the
 * lowest slot of the call's layout, and the slots above it are stale.
 * So the lowest slot is read first, and a slot above it only when the
 * lowest holds NULL, which a result never is. A method is named from its
 * descriptor alone, since its 'self' may be stale. */
static PyObject *called(_PyInterpreterFrame *f, const capture_code *c,
                        const uint8_t *u, Py_ssize_t i) {
  int op = u[2 * i];
  if (op == CALL) { /* the layout is the one before its PRECALL */
    do
      i--;
    while (i >= 0 && u[2 * i] == CACHE);
    if (i < 0 || u[2 * i] != PRECALL)
      return NULL;
    op = PRECALL;
  }
  int arg = u[2 * i + 1];
  for (Py_ssize_t j = i - 1, shift = 8;
       j >= 0 && u[2 * j] == EXTENDED_ARG && shift < 32; j--, shift += 8)
    arg |= u[2 * j + 1] << shift;
  int depth = c->depths[i];
  PyObject **stack = f->localsplus + f->f_code->co_nlocalsplus;
  int low; /* [NULL or method, callable or self, args...] */
  if (op == PRECALL)
    low = depth - arg - 2;
  else if (op == CALL_FUNCTION_EX) /* [NULL, callable, args, kwargs?] */
    low = depth - 3 - (arg & 1);
  else
    return NULL;
  if (depth < 0 || arg < 0 || low < 0)
    return NULL;
  if (stack[low])
    return op == PRECALL ? stack[low] : NULL;
  return stack[low + 1];
}

/* ---- the C function a thread has just returned from ----------------------
 * The sample taken at the check that follows a call stands where the hook
 * would take it at the c_return event. The callable's slot is stale by
 * then, so the callable is found again from the instructions that loaded
 * it: a local, a constant, a global, or an attribute of those (a module's
 * or a type's, or a C method of an object), looked up without running any
 * Python code. Other callables are not named. */

/* Oparg of the instruction at unit 'j', with its EXTENDED_ARG prefixes. */
static int unit_arg(const uint8_t *u, Py_ssize_t j) {
  int arg = u[2 * j + 1];
  for (Py_ssize_t k = j - 1, shift = 8;
       k >= 0 && u[2 * k] == EXTENDED_ARG && shift < 32; k--, shift += 8)
    arg |= u[2 * k + 1] << shift;
  return arg;
}

/* The instruction before unit 'i' that wrote stack slot 'slot' last, or
 * -1 when that is not certain. Stack slots [w0, w1) are what an
 * instruction writes and 't0' the lowest it touches; for most opcodes
 * they follow from the depth and the net effect (one result at most). */
static Py_ssize_t writer(const capture_code *c, const uint8_t *u,
                         Py_ssize_t i, int slot) {
  for (Py_ssize_t j = i - 1; j >= 0 && i - j < 1024; j--) {
    int op = u[2 * j];
    if (op == CACHE || op == EXTENDED_ARG)
      continue;
    int d = c->depths[j], arg = unit_arg(u, j), w0 = d, w1 = d + 1, t0 = d;
    if (d < 0)
      return -1;
    switch (op) {
    case LOAD_FAST: case LOAD_CONST: case LOAD_DEREF: case LOAD_NAME:
    case PUSH_NULL:
      break;
    case LOAD_GLOBAL:
      w1 = d + 1 + (arg & 1);
      break;
    case LOAD_ATTR:
      w0 = t0 = d - 1, w1 = d;
      break;
    case LOAD_METHOD:
      w0 = t0 = d - 1;
      break;
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
 * method of an object bound to it, an object's own attribute. New
 * reference or NULL (no error set). */
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
    else if (!d && type->tp_getattro == PyObject_GenericGetAttr)
      v = PyObject_GenericGetAttr(obj, name); /* the instance's own */
  }
  PyErr_Clear();
  return v;
}

/* The value instruction 'j' of frame 'f' left in 'slot' (new reference),
 * loaded again; NULL when unknown. */
static PyObject *reload(_PyInterpreterFrame *f, const capture_code *c,
                        const uint8_t *u, Py_ssize_t j, int slot, int level) {
  if (j < 0 || level > 4)
    return NULL;
  PyCodeObject *code = f->f_code;
  int op = u[2 * j], arg = unit_arg(u, j), d = c->depths[j];
  PyObject *v = NULL, *obj;
  switch (op) {
  case LOAD_FAST:
    if (arg < code->co_nlocalsplus)
      v = Py_XNewRef(f->localsplus[arg]);
    break;
  case LOAD_DEREF:
    if (arg < code->co_nlocalsplus && f->localsplus[arg] &&
        PyCell_Check(f->localsplus[arg]))
      v = Py_XNewRef(PyCell_GET(f->localsplus[arg]));
    break;
  case LOAD_CONST:
    if (arg < PyTuple_GET_SIZE(code->co_consts))
      v = Py_NewRef(PyTuple_GET_ITEM(code->co_consts, arg));
    break;
  case LOAD_GLOBAL:
  case LOAD_NAME: {
    int k = op == LOAD_GLOBAL ? arg >> 1 : arg;
    if (op == LOAD_GLOBAL && slot != d + (arg & 1))
      break; /* the NULL it pushes first */
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
    if (arg < PyTuple_GET_SIZE(code->co_names) &&
        (obj = reload(f, c, u, writer(c, u, j, slot), slot, level + 1))) {
      v = quiet_attr(obj, PyTuple_GET_ITEM(code->co_names, arg));
      Py_DECREF(obj);
    }
    break;
  }
  return v;
}

uint32_t capture_frames_returned_c(capture_frames *F, PyThreadState *t) {
  _PyInterpreterFrame *f = t->cframe ? t->cframe->current_frame : NULL;
  if (!f || _PyFrame_IsIncomplete(f))
    return 0;
  PyCodeObject *code = f->f_code;
  Py_ssize_t i = f->prev_instr - _PyCode_CODE(code);
  if (i < 0 || i >= Py_SIZE(code))
    return 0;
  uint32_t ci = map_get(&F->by_code, (uintptr_t)code, 0);
  if (!ci && !(ci = code_new(F, code))) {
    PyErr_Clear();
    return 0;
  }
  capture_code *c = &F->codes[ci - 1];
  if (analyse_depths(c, code))
    return 0;
  const uint8_t *u = c->units;
  int op = u[2 * i];
  if (op != CALL && op != PRECALL && op != CALL_FUNCTION_EX)
    return 0;
  if (op == CALL) { /* the layout is the one before its PRECALL */
    do
      i--;
    while (i >= 0 && u[2 * i] == CACHE);
    op = i >= 0 ? u[2 * i] : 0;
  }
  int arg = i >= 0 ? unit_arg(u, i) : 0, depth = i >= 0 ? c->depths[i] : -1;
  /* the slot above the NULL/method one: the callable, or a method's self */
  int slot = op == PRECALL            ? depth - arg - 1
             : op == CALL_FUNCTION_EX ? depth - 2 - (arg & 1)
                                      : -1;
  PyObject *fn = NULL;
  Py_ssize_t j = slot > 0 ? writer(c, u, i, slot) : -1;
  if (j >= 0 && u[2 * j] == LOAD_METHOD && c->depths[j] == slot &&
      unit_arg(u, j) < PyTuple_GET_SIZE(code->co_names)) {
    PyObject *obj = reload(f, c, u, writer(c, u, j, slot - 1), slot - 1, 0);
    if (obj) /* a method: looked up as attribute access would */
      fn = quiet_attr(obj, PyTuple_GET_ITEM(code->co_names, unit_arg(u, j)));
    Py_XDECREF(obj);
  } else if (j >= 0) {
    fn = reload(f, c, u, j, slot, 0);
  }
  uint32_t id = 0;
  if (fn && (PyCFunction_Check(fn) || Py_IS_TYPE(fn, &PyMethodDescr_Type)))
    id = capture_frames_cfunc(F, fn);
  Py_XDECREF(fn);
  if (!id)
    PyErr_Clear();
  return id;
}

/* The top frame of thread 't' that has started running. */
static _PyInterpreterFrame *top_frame(PyThreadState *t) {
  _PyInterpreterFrame *f = t->cframe ? t->cframe->current_frame : NULL;
  while (f && _PyFrame_IsIncomplete(f))
    f = f->previous;
  return f;
}

void capture_frames_position(PyThreadState *t, uintptr_t where[2]) {
  _PyInterpreterFrame *f = top_frame(t);
  where[0] = (uintptr_t)f;
  where[1] = f ? (uintptr_t)f->prev_instr : 0;
}

uint32_t capture_frames_c_leaf(capture_frames *F, PyThreadState *t,
                               uintptr_t where[2]) {
  _PyInterpreterFrame *f = top_frame(t);
  if (!f)
    return 0;
  PyCodeObject *code = f->f_code;
  Py_ssize_t i = f->prev_instr - _PyCode_CODE(code);
  Py_ssize_t n = Py_SIZE(code);
  uint32_t ci = map_get(&F->by_code, (uintptr_t)code, 0);
  if (i < 0 || i >= n || (!ci && !(ci = code_new(F, code)))) {
    PyErr_Clear();
    return 0;
  }
  capture_code *c = &F->codes[ci - 1];
  if (analyse_depths(c, code))
    return 0;
  PyObject *fn = called(f, c, c->units, i);
  uint32_t id = 0;
  /* as the profile hook reports them: C functions and C methods (a
   * method of a subclass is named after the class that defines it) */
  if (fn && (PyCFunction_Check(fn) || Py_IS_TYPE(fn, &PyMethodDescr_Type)))
    id = capture_frames_cfunc(F, fn);
  if (!id)
    PyErr_Clear();
  where[0] = (uintptr_t)f;
  where[1] = (uintptr_t)f->prev_instr;
  return id;
}

PyObject *capture_stack_depths(PyObject *module, PyObject *code) {
  if (!PyCode_Check(code)) {
    PyErr_SetString(PyExc_TypeError, "a code object is needed");
    return NULL;
  }
  capture_frames *F = capture_frames_new();
  uint32_t ci = F ? code_new(F, (PyCodeObject *)code) : 0;
  PyObject *list = NULL;
  if (ci && analyse_depths(&F->codes[ci - 1], (PyCodeObject *)code) == 0) {
    Py_ssize_t n = Py_SIZE(code);
    list = PyList_New(n);
    for (Py_ssize_t i = 0; list && i < n; i++) {
      PyObject *v = PyLong_FromLong(F->codes[ci - 1].depths[i]);
      if (!v)
        Py_CLEAR(list);
      else
        PyList_SET_ITEM(list, i, v);
    }
  } else if (ci) {
    list = Py_NewRef(Py_None);
  }
  capture_frames_free(F);
  return list;
}

Py_ssize_t capture_frames_walk_running(capture_frames *F, uint32_t root,
                                       uint32_t **out, size_t *cap, size_t n) {
  PyThreadState *t = PyThreadState_Get();
  _PyInterpreterFrame *f = t->cframe ? t->cframe->current_frame : NULL;
  while (f && _PyFrame_IsIncomplete(f))
    f = f->previous;
  for (; f; f = iframe_back(f))
    if (push(out, cap, &n, iframe_id(F, f)))
      return -1;
  if (root && push(out, cap, &n, root))
    return -1;
  return (Py_ssize_t)n;
}

Py_ssize_t capture_frames_running_keys(uintptr_t **out, size_t *cap) {
  PyThreadState *t = PyThreadState_Get();
  _PyInterpreterFrame *f = t->cframe ? t->cframe->current_frame : NULL;
  while (f && _PyFrame_IsIncomplete(f))
    f = f->previous;
  size_t n = 0;
  for (; f; f = iframe_back(f)) {
    if (n + 1 > *cap && capture_grow((void **)out, cap, n + 1, sizeof **out))
      return -1;
    (*out)[n++] = frame_key(f, f->f_code);
  }
  return (Py_ssize_t)n;
}

uintptr_t capture_frames_coro_key(PyObject *coro) {
  PyGenObject *gen = (PyGenObject *)coro;
  _PyInterpreterFrame *f = (_PyInterpreterFrame *)gen->gi_iframe;
  return frame_key(f, f->f_code);
}

#else /* the public API (3.12 and later) */

PyObject *capture_stack_depths(PyObject *module, PyObject *code) {
  Py_RETURN_NONE;
}

Py_ssize_t capture_frames_walk_running(capture_frames *F, uint32_t root,
                                       uint32_t **out, size_t *cap, size_t n) {
  return capture_frames_walk_objects(F, PyEval_GetFrame(), false, root, out,
                                     cap, n);
}

uint32_t capture_frames_python(capture_frames *F, PyFrameObject *frame) {
  PyCodeObject *code = PyFrame_GetCode(frame);
  PyObject *local0 = NULL;
  uint32_t ci = map_get(&F->by_code, (uintptr_t)code, 0);
  if (!ci && !(ci = code_new(F, code))) {
    Py_DECREF(code);
    return 0;
  }
  if (F->codes[ci - 1].self_kind != SELF_NONE) {
    PyObject *name = F->codes[ci - 1].self_kind == SELF_SELF ? capture_str.self
                                                              : capture_str.cls;
    if (!(local0 = PyFrame_GetVar(frame, name)))
      PyErr_Clear(); /* unbound */
  }
  int lasti = PyFrame_GetLasti(frame);
  uint32_t id = frame_id(F, code, lasti < 0 ? -1 : lasti / 2, local0);
  Py_XDECREF(local0);
  Py_DECREF(code);
  return id;
}

uintptr_t capture_frames_coro_key(PyObject *coro) {
  PyObject *frame = PyObject_GetAttr(coro, capture_str.cr_frame);
  uintptr_t key = 0;
  if (frame && PyFrame_Check(frame)) {
    PyCodeObject *code = PyFrame_GetCode((PyFrameObject *)frame);
    key = frame_key(frame, code);
    Py_DECREF(code);
  }
  Py_XDECREF(frame);
  PyErr_Clear();
  return key;
}

Py_ssize_t capture_frames_running_keys(uintptr_t **out, size_t *cap) {
  PyFrameObject *frame = PyEval_GetFrame();
  Py_XINCREF(frame);
  size_t n = 0;
  while (frame) {
    if (n + 1 > *cap && capture_grow((void **)out, cap, n + 1, sizeof **out)) {
      Py_DECREF(frame);
      return -1;
    }
    PyCodeObject *code = PyFrame_GetCode(frame);
    (*out)[n++] = frame_key(frame, code);
    Py_DECREF(code);
    PyFrameObject *back = PyFrame_GetBack(frame);
    Py_DECREF(frame);
    frame = back;
  }
  return (Py_ssize_t)n;
}

bool capture_frames_has_back(PyFrameObject *frame) {
  PyFrameObject *back = PyFrame_GetBack(frame);
  Py_XDECREF(back);
  return back != NULL;
}

Py_ssize_t capture_frames_walk(capture_frames *F, PyFrameObject *frame,
                               bool skip_first, uint32_t root, uint32_t **out,
                               size_t *cap, size_t n) {
  return capture_frames_walk_objects(F, frame, skip_first, root, out, cap, n);
}

#endif

Py_ssize_t capture_frames_walk_objects(capture_frames *F, PyFrameObject *frame,
                                       bool skip_first, uint32_t root,
                                       uint32_t **out, size_t *cap, size_t n) {
  Py_XINCREF(frame);
  for (bool first = true; frame; first = false) {
    if (!(first && skip_first) &&
        push(out, cap, &n, capture_frames_python(F, frame))) {
      Py_DECREF(frame);
      return -1;
    }
    PyFrameObject *back = PyFrame_GetBack(frame);
    Py_DECREF(frame);
    frame = back;
  }
  if (root && push(out, cap, &n, root))
    return -1;
  return (Py_ssize_t)n;
}

/* ==== C functions and thread roots ======================================= */

/* "<qualname or name>\0<built-in>\00" of any callable. */
static uint32_t cfunc_format(capture_frames *F, PyObject *callable) {
  PyObject *name = PyObject_GetAttr(callable, capture_str.qualname);
  if (!name) {
    PyErr_Clear();
    if (!(name = PyObject_GetAttr(callable, capture_str.name)))
      return 0;
  }
  PyObject *text = NULL;
  uint32_t id = 0;
  if (PyUnicode_Check(name))
    text = PyUnicode_FromFormat("%U%c<built-in>%c0", name, 0, 0);
  else
    text = PyUnicode_FromFormat("%S%c<built-in>%c0", name, 0, 0);
  PyObject *bytes = text ? utf8(text) : NULL;
  if (bytes)
    id = capture_frames_intern(F, PyBytes_AS_STRING(bytes),
                               (size_t)PyBytes_GET_SIZE(bytes));
  Py_DECREF(name);
  Py_XDECREF(text);
  Py_XDECREF(bytes);
  return id;
}

uint32_t capture_frames_cfunc(capture_frames *F, PyObject *callable) {
  if (!PyCFunction_Check(callable))
    return cfunc_format(F, callable);
  /* a builtin's qualname is its method name, qualified by the class of
   * its __self__ unless that is a module: cache on exactly those */
  PyCFunctionObject *m = (PyCFunctionObject *)callable;
  PyObject *self = m->m_self;
  PyObject *cls = !self || PyModule_Check(self) ? NULL
                  : PyType_Check(self)          ? self
                                                : (PyObject *)Py_TYPE(self);
  uint32_t id = map_get(&F->by_cfunc, (uintptr_t)m->m_ml, (uintptr_t)cls);
  if (id)
    return id;
  if (!(id = cfunc_format(F, callable)))
    return 0;
  if ((cls && PyList_Append(F->keep, cls)) ||
      map_put(&F->by_cfunc, (uintptr_t)m->m_ml, (uintptr_t)cls, id)) {
    if (!PyErr_Occurred())
      PyErr_NoMemory();
    return 0;
  }
  return id;
}

uint32_t capture_frames_thread_root(capture_frames *F) {
  PyObject *threading = NULL, *thread = NULL, *name = NULL, *text = NULL,
           *bytes = NULL;
  uint32_t id = 0;
  if (!(threading = PyImport_ImportModule("threading")) ||
      !(thread = PyObject_CallMethod(threading, "current_thread", NULL)) ||
      !(name = PyObject_GetAttrString(thread, "name")))
    goto done;
  text = PyUnicode_FromFormat("%S%c<thread>%c%lu", name, 0, 0,
                              PyThread_get_thread_ident());
  if (text && (bytes = utf8(text)))
    id = capture_frames_intern(F, PyBytes_AS_STRING(bytes),
                               (size_t)PyBytes_GET_SIZE(bytes));
done:
  Py_XDECREF(threading);
  Py_XDECREF(thread);
  Py_XDECREF(name);
  Py_XDECREF(text);
  Py_XDECREF(bytes);
  return id;
}
