/* frames.c - frame-info strings in pyinstrument's format, and their ids.
 *
 * A sample is a list of ids into one table of strings per sampler. The
 * string of a Python frame depends on its code object, current line and
 * the class of 'self'/'cls', so ids are cached by (code, instruction
 * offset, class): a sample of frames seen before formats nothing and
 * allocates nothing. The cache holds references to the code objects and
 * classes it uses as keys, so a key's address is never reused meanwhile.
 */
#include "iframe.h"

#include <string.h>


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
#if CAPTURE_INTERNAL_FRAMES
  bool map_tried;         /* 'map' was made (NULL: not understood) */
  capture_stackmap *map; /* what its value stack holds where */
#endif
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
  /* small at first, grown as needed: a table is made at every profiler
   * start (two: the start stack has its own), and a fresh page of zeroed
   * memory costs more than the few rehashes of a big program (bigger
   * tables here cost 20 page faults, 0.2 ms, per start) */
  if (map_init(&F->by_code, 64) || map_init(&F->by_frame, 64) ||
      map_init(&F->by_cfunc, 16) || map_init(&F->by_text, 64) ||
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
#if CAPTURE_INTERNAL_FRAMES
    capture_stackmap_free(F->codes[i].map);
#endif
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
  PyCodeObject *code = IFRAME_CODE(f);
  return frame_id(F, code, (int)iframe_index(f),
                  code->co_nlocals > 0 ? f->localsplus[0] : NULL);
}

uint32_t capture_frames_python(capture_frames *F, PyFrameObject *frame) {
  return iframe_id(F, frame->f_frame);
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

bool capture_frames_has_python(PyThreadState *t) {
  return iframe_top(t) != NULL;
}

static const capture_stackmap *code_map(capture_frames *F, PyCodeObject *code);

/* Whether a sample at frame 'f' belongs to its caller: 'f' stands at its
 * RESUME, entered (nothing of it has run: the time until then is the
 * caller's, as at the hook's call event) or resumed after a yield or an
 * await. Resumed by C code after a yield (a generator that sum() or
 * list() drives), it keeps the time: what ran since the last safe point is
 * its own body, to its yield, and that C loop. */
static bool entering(capture_frames *F, _PyInterpreterFrame *f) {
  const capture_stackmap *m = code_map(F, IFRAME_CODE(f));
  int arg;
  if (!m || capture_stackmap_op(m, iframe_index(f), &arg) != RESUME)
    return false;
  return !((arg & 3) == 1 && IFRAME_FROM_C(f)); /* 3.13: | 4 in a handler */
}

Py_ssize_t capture_frames_walk_thread(capture_frames *F, PyThreadState *t,
                                      bool callee, uint32_t root,
                                      uint32_t **out, size_t *cap, size_t n) {
  _PyInterpreterFrame *f = iframe_top(t);
  if (f && !callee && entering(F, f))
    f = iframe_back(f);
  for (; f; f = iframe_back(f))
    if (push(out, cap, &n, iframe_id(F, f)))
      return -1;
  if (root && push(out, cap, &n, root))
    return -1;
  return (Py_ssize_t)n;
}

Py_ssize_t capture_frames_running_keys(uintptr_t **out, size_t *cap) {
  size_t n = 0;
  for (_PyInterpreterFrame *f = iframe_top(PyThreadState_Get()); f;
       f = iframe_back(f)) {
    if (n + 1 > *cap && capture_grow((void **)out, cap, n + 1, sizeof **out))
      return -1;
    (*out)[n++] = frame_key(f, IFRAME_CODE(f));
  }
  return (Py_ssize_t)n;
}

uintptr_t capture_frames_coro_key(PyObject *coro) {
  PyGenObject *gen = (PyGenObject *)coro;
  _PyInterpreterFrame *f = (_PyInterpreterFrame *)gen->gi_iframe;
  return frame_key(f, IFRAME_CODE(f));
}

/* ---- C functions read off the value stack (bytecode.c) ------------------ */

/* The stack map of 'code', made once per code object; NULL when there is
 * none (no error set). */
static const capture_stackmap *code_map(capture_frames *F, PyCodeObject *code) {
  uint32_t ci = map_get(&F->by_code, (uintptr_t)code, 0);
  if (!ci && !(ci = code_new(F, code))) {
    PyErr_Clear();
    return NULL;
  }
  capture_code *c = &F->codes[ci - 1];
  if (!c->map_tried) {
    c->map_tried = true;
    c->map = capture_stackmap_new(code);
  }
  return c->map;
}

/* The id of 'fn' (a new reference, consumed; may be NULL) as the profile
 * hook reports C functions and C methods (a method of a subclass is
 * named after the class that defines it); 0 for other callables. */
static uint32_t c_callable_id(capture_frames *F, PyObject *fn) {
  uint32_t id = 0;
  if (fn && (PyCFunction_Check(fn) || Py_IS_TYPE(fn, &PyMethodDescr_Type)))
    id = capture_frames_cfunc(F, fn);
  Py_XDECREF(fn);
  if (!id)
    PyErr_Clear();
  return id;
}

uint32_t capture_frames_returned_c(capture_frames *F, PyThreadState *t) {
  _PyInterpreterFrame *f = TSTATE_FRAME(t);
  if (!f || _PyFrame_IsIncomplete(f))
    return 0;
  const capture_stackmap *m = code_map(F, IFRAME_CODE(f));
  return m ? c_callable_id(F, capture_stackmap_returned(m, f)) : 0;
}

void capture_frames_position(PyThreadState *t, uintptr_t where[2]) {
  _PyInterpreterFrame *f = iframe_top(t);
  where[0] = (uintptr_t)f;
  where[1] = f ? (uintptr_t)IFRAME_INSTR(f) : 0;
}

uint32_t capture_frames_c_leaf(capture_frames *F, PyThreadState *t,
                               uintptr_t where[2]) {
  _PyInterpreterFrame *f = iframe_top(t);
  capture_frames_position(t, where);
  if (!f)
    return 0;
  const capture_stackmap *m = code_map(F, IFRAME_CODE(f));
  return m ? c_callable_id(F, capture_stackmap_called(m, f)) : 0;
}

#else /* the public API: frame objects, no C functions named */

bool capture_frames_has_python(PyThreadState *t) {
  PyFrameObject *frame = PyThreadState_GetFrame(t);
  Py_XDECREF(frame);
  return frame != NULL;
}

Py_ssize_t capture_frames_walk_thread(capture_frames *F, PyThreadState *t,
                                      bool callee, uint32_t root,
                                      uint32_t **out, size_t *cap, size_t n) {
  (void)callee;
  PyFrameObject *frame = PyThreadState_GetFrame(t);
  Py_ssize_t rc =
      capture_frames_walk_objects(F, frame, false, root, out, cap, n);
  Py_XDECREF(frame);
  return rc;
}

uint32_t capture_frames_returned_c(capture_frames *F, PyThreadState *t) {
  (void)F, (void)t;
  return 0;
}

void capture_frames_position(PyThreadState *t, uintptr_t where[2]) {
  (void)t;
  where[0] = where[1] = 0;
}

uint32_t capture_frames_c_leaf(capture_frames *F, PyThreadState *t,
                               uintptr_t where[2]) {
  (void)F, (void)t;
  where[0] = where[1] = 0;
  return 0;
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

Py_ssize_t capture_frames_walk_running(capture_frames *F, bool callee,
                                       uint32_t root, uint32_t **out,
                                       size_t *cap, size_t n) {
  return capture_frames_walk_thread(F, PyThreadState_Get(), callee, root, out,
                                    cap, n);
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

int capture_in_main_thread(void) {
#if CAPTURE_INTERNAL_FRAMES
  /* read from the runtime: a profiler's start imports nothing (threading
   * costs a bare interpreter milliseconds, and its first import would be
   * recorded by an outer profiler); a forked child's runtime names the
   * thread that forked, as threading does */
  return PyThread_get_thread_ident() == _PyRuntime.main_thread &&
         PyThreadState_Get()->interp == PyInterpreterState_Main();
#else
  PyObject *threading = PyImport_ImportModule("threading");
  PyObject *main = threading ? PyObject_CallMethod(threading, "main_thread",
                                                   NULL)
                             : NULL;
  PyObject *ident = main ? PyObject_GetAttrString(main, "ident") : NULL;
  int rc = -1;
  if (ident) {
    unsigned long v = PyLong_AsUnsignedLong(ident);
    rc = PyErr_Occurred() ? -1 : v == PyThread_get_thread_ident();
  }
  Py_XDECREF(threading);
  Py_XDECREF(main);
  Py_XDECREF(ident);
  return rc;
#endif
}

uint32_t capture_frames_thread_root(capture_frames *F) {
  PyObject *threading = NULL, *thread = NULL, *name = NULL, *text = NULL,
           *bytes = NULL;
  uint32_t id = 0;
  /* the main thread is "MainThread" to threading, which need not be
   * imported to say so; other threads are whatever it calls them */
  int main = (threading = PyImport_GetModule(capture_str.threading)) ? 0
             : PyErr_Occurred()                                   ? -1
                                            : capture_in_main_thread();
  if (main < 0)
    goto done;
  if (main) {
    if (!(name = PyUnicode_FromString("MainThread")))
      goto done;
  } else if ((!threading &&
              !(threading = PyImport_ImportModule("threading"))) ||
             !(thread = PyObject_CallMethod(threading, "current_thread", NULL)) ||
             !(name = PyObject_GetAttrString(thread, "name"))) {
    goto done;
  }
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
