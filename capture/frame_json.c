/* frame_json.c - Frame.to_json_str(): a subtree as the JSON text
 * pyinstrument's Frame writes ('"identifier": ...,"time": %f,"attributes":
 * json.dumps(...),"children": [...]'), walked without recursion so that a
 * deep tree needs no deep C stack.
 */
#include "capture.h"

#include <math.h>
#include <string.h>

typedef struct jbuf {
  char *p;
  size_t len, cap;
  bool failed;
} jbuf;

static void put(jbuf *b, const char *s, size_t n) {
  if (b->failed)
    return;
  if (capture_grow((void **)&b->p, &b->cap, b->len + n + 1, 1)) {
    b->failed = true;
    return;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

static void puts_(jbuf *b, const char *s) { put(b, s, strlen(s)); }

/* The next code point of UTF-8 text (surrogates as encoded with
 * surrogatepass); bytes that are not UTF-8 stand for themselves. */
static uint32_t next_cp(const unsigned char *s, size_t len, size_t *i) {
  unsigned char c = s[*i];
  int n = c < 0x80 ? 0 : c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : -1;
  if (n <= 0 || *i + (size_t)n >= len) {
    (*i)++;
    return c;
  }
  uint32_t cp = c & (0x3f >> n);
  for (int k = 1; k <= n; k++)
    cp = cp << 6 | (s[*i + (size_t)k] & 0x3f);
  *i += (size_t)n + 1;
  return cp;
}

/* A JSON string as Python's json module writes it: with 'ascii', as
 * json.dumps (every non-ASCII character as \uXXXX, surrogate pairs above
 * U+FFFF); without, as json.encoder.encode_basestring. */
static void jstring(jbuf *b, const char *s, size_t len, bool ascii) {
  put(b, "\"", 1);
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; i < len;) {
    unsigned char c = u[i];
    char esc[16];
    const char *e = NULL;
    switch (c) {
    case '"': e = "\\\""; break;
    case '\\': e = "\\\\"; break;
    case '\n': e = "\\n"; break;
    case '\r': e = "\\r"; break;
    case '\t': e = "\\t"; break;
    case '\b': e = "\\b"; break;
    case '\f': e = "\\f"; break;
    }
    if (e) {
      puts_(b, e);
      i++;
    } else if (c < 0x20) {
      snprintf(esc, sizeof esc, "\\u%04x", c);
      puts_(b, esc);
      i++;
    } else if (c < 0x80 || !ascii) {
      put(b, (const char *)u + i, 1);
      i++;
    } else {
      uint32_t cp = next_cp(u, len, &i);
      if (cp > 0xffff) {
        cp -= 0x10000;
        snprintf(esc, sizeof esc, "\\u%04x\\u%04x", 0xd800 + (cp >> 10),
                 0xdc00 + (cp & 0x3ff));
      } else {
        snprintf(esc, sizeof esc, "\\u%04x", cp);
      }
      puts_(b, esc);
    }
  }
  put(b, "\"", 1);
}

/* A float as json.dumps writes it (repr; NaN, Infinity, -Infinity). */
static void jfloat(jbuf *b, double v, bool is_int) {
  if (isnan(v))
    puts_(b, "NaN");
  else if (isinf(v))
    puts_(b, v > 0 ? "Infinity" : "-Infinity");
  else if (is_int && fabs(v) < 9e15) {
    char n[32];
    snprintf(n, sizeof n, "%lld", (long long)v);
    puts_(b, n);
  } else {
    char *r = PyOS_double_to_string(v, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
    if (!r)
      b->failed = true;
    else
      puts_(b, r);
    PyMem_Free(r);
  }
}

static void frame_open(jbuf *b, const pyi_tree *t, const pyi_frame *f) {
  size_t len;
  const char *id = pyi_frame_identifier(t, f, &len);
  puts_(b, "{\"identifier\": ");
  jstring(b, id, len, false);
  char time[400]; /* '%f' of the largest double has 309 digits */
  snprintf(time, sizeof time, ",\"time\": %f", pyi_frame_time(f));
  if (isnan(pyi_frame_time(f)))
    snprintf(time, sizeof time, ",\"time\": nan");
  else if (isinf(pyi_frame_time(f)))
    snprintf(time, sizeof time, ",\"time\": %s",
             pyi_frame_time(f) > 0 ? "inf" : "-inf");
  puts_(b, time);
  puts_(b, ",\"attributes\": {");
  size_t n = pyi_frame_attr_count(f);
  for (size_t i = 0; i < n; i++) {
    double v;
    bool is_int;
    const char *k = pyi_frame_attr(t, f, i, &len, &v, &is_int);
    if (i)
      puts_(b, ", ");
    jstring(b, k, len, true);
    puts_(b, ": ");
    jfloat(b, v, is_int);
  }
  puts_(b, "},\"children\": [");
}

PyObject *capture_frame_to_json(PyObject *frame) {
  TreeObject *T;
  pyi_frame *top = capture_frame_node(frame, &T);
  if (!top)
    return NULL;
  const pyi_tree *t = capture_tree_of(T);
  jbuf b = {0};
  /* pre-order: open a frame on the way down, close it on the way up */
  const pyi_frame *f = top;
  frame_open(&b, t, f);
  for (;;) {
    const pyi_frame *c = pyi_frame_first_child(f);
    if (c) {
      f = c;
      frame_open(&b, t, f);
      continue;
    }
    while (f != top && !pyi_frame_next_sibling(f)) {
      puts_(&b, "]}");
      f = pyi_frame_parent(f);
    }
    puts_(&b, "]}");
    if (f == top)
      break;
    f = pyi_frame_next_sibling(f);
    puts_(&b, ",");
    frame_open(&b, t, f);
  }
  PyObject *r = b.failed ? NULL
                         : PyUnicode_DecodeUTF8(b.p, (Py_ssize_t)b.len,
                                                "surrogatepass");
  PyMem_Free(b.p);
  return r;
}
