/* check_formats.c - the speedscope and pstats renderers, checked against
 * the spec's worked example (pyinstrument's own output for ex.pyisession)
 * and edge cases. pstats output is decoded by a small marshal reader of
 * the test's own, independent of the writer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_suites.h"

static pyi_session *ex(void) {
  pyi_error err = {0};
  pyi_session *s = pyi_session_load(data_path("good/ex.pyisession"), &err);
  ck_assert_msg(s != NULL, "%s", err.msg);
  return s;
}

static char *render(const pyi_session *s, const char *renderer, size_t *len) {
  pyi_error err = {0};
  char *out = pyi_render_string(s, renderer, NULL, len, NULL, &err);
  ck_assert_msg(out != NULL, "%s", err.msg);
  return out;
}

static void utc(void) {
  setenv("TZ", "UTC", 1);
  tzset();
}

/* A session from records given as JSON text, no start stack (no trim). */
static pyi_session *records(const char *desc, const char *frame_records) {
  char json[4096];
  snprintf(
      json, sizeof json,
      "{\"start_time\": 0.0, \"duration\": 1.5, \"min_interval\": 0.001, "
      "\"max_interval\": 0.001, \"sample_count\": 5, \"start_call_stack\": [], "
      "\"target_description\": \"%s\", \"cpu_time\": 0.0, \"sys_path\": [], "
      "\"sys_prefixes\": [], \"frame_records\": [%s]}",
      desc, frame_records);
  pyi_session *s = session_from_json(json);
  ck_assert(s != NULL);
  return s;
}

/* ---- a marshal reader (the subset a stats dict uses) ---- */

enum { MV_INT, MV_FLOAT, MV_STR, MV_TUPLE, MV_DICT };
typedef struct mv {
  int type;
  int64_t i;
  double f;
  const char *s; /* into the input */
  size_t len, n, cap;
  struct mv **items; /* a dict holds key, value, key, value ... */
} mv;

typedef struct mreader {
  const unsigned char *p, *end;
  mv **refs, **all;
  size_t nrefs, nall, cap_refs, cap_all;
} mreader;

/* The reader aborts through plain ifs: every passing ck_assert is a
 * message to the parent process, too many for 100,000 objects. */
static const unsigned char *take(mreader *r, size_t n) {
  if ((size_t)(r->end - r->p) < n)
    ck_abort_msg("marshal data ends early");
  const unsigned char *at = r->p;
  r->p += n;
  return at;
}

static uint32_t u32(mreader *r) {
  const unsigned char *b = take(r, 4);
  return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

/* Appends to an array that doubles (growing by one is quadratic under the
 * sanitizers, which copy on every realloc). */
static void append(mv ***a, size_t *n, size_t *cap, mv *v) {
  if (*n == *cap) {
    *cap = *cap ? 2 * *cap : 16;
    *a = realloc(*a, *cap * sizeof **a);
    if (!*a)
      ck_abort_msg("out of memory");
  }
  (*a)[(*n)++] = v;
}

static mv *node(mreader *r, int type) {
  mv *v = calloc(1, sizeof *v);
  v->type = type;
  append(&r->all, &r->nall, &r->cap_all, v);
  return v;
}

static void push_item(mv *v, mv *item) {
  append(&v->items, &v->n, &v->cap, item);
}

/* Recursion follows the format's nesting (a stats dict is 4 deep), which
 * 'depth' bounds; tree depth never reaches it. */
static mv *mread(mreader *r, int depth) {
  if (depth >= 8)
    ck_abort_msg("marshal nesting too deep");
  unsigned char code = *take(r, 1);
  bool flag = code & 0x80;
  size_t slot = r->nrefs;
  if (flag) /* containers take their index before their contents */
    append(&r->refs, &r->nrefs, &r->cap_refs, NULL);
  mv *v;
  switch (code & 0x7f) {
  case '{':
    v = node(r, MV_DICT);
    if (flag)
      r->refs[slot] = v;
    while (*r->p != '0') {
      push_item(v, mread(r, depth + 1));
      push_item(v, mread(r, depth + 1));
    }
    take(r, 1);
    return v;
  case ')': {
    v = node(r, MV_TUPLE);
    if (flag)
      r->refs[slot] = v;
    size_t n = *take(r, 1);
    for (size_t i = 0; i < n; i++)
      push_item(v, mread(r, depth + 1));
    return v;
  }
  case 'i':
    v = node(r, MV_INT);
    v->i = (int32_t)u32(r);
    break;
  case 'l': {
    v = node(r, MV_INT);
    int32_t n = (int32_t)u32(r);
    uint64_t mag = 0;
    for (int32_t k = 0; k < (n < 0 ? -n : n); k++) {
      const unsigned char *d = take(r, 2);
      mag |= (uint64_t)(d[0] | d[1] << 8) << (15 * k);
    }
    v->i = n < 0 ? -(int64_t)mag : (int64_t)mag;
    break;
  }
  case 'g': {
    v = node(r, MV_FLOAT);
    const unsigned char *b = take(r, 8);
    uint64_t u = 0;
    for (int k = 7; k >= 0; k--)
      u = u << 8 | b[k];
    memcpy(&v->f, &u, sizeof v->f);
    break;
  }
  case 'z':
  case 'Z':
    v = node(r, MV_STR);
    v->len = *take(r, 1);
    v->s = (const char *)take(r, v->len);
    break;
  case 'a':
  case 'A':
  case 'u':
  case 't':
    v = node(r, MV_STR);
    v->len = u32(r);
    v->s = (const char *)take(r, v->len);
    break;
  case 'r': {
    uint32_t k = u32(r);
    if (k >= r->nrefs || !r->refs[k])
      ck_abort_msg("bad back-reference %u", k);
    return r->refs[k];
  }
  default:
    ck_abort_msg("unexpected marshal type 0x%02x", code);
    return NULL;
  }
  if (flag)
    r->refs[slot] = v;
  return v;
}

static mv *mload(mreader *r, const char *data, size_t len) {
  memset(r, 0, sizeof *r);
  r->p = (const unsigned char *)data;
  r->end = r->p + len;
  mv *v = mread(r, 0);
  ck_assert_msg(r->p == r->end, "%zu bytes after the dict",
                (size_t)(r->end - r->p));
  ck_assert_int_eq(v->type, MV_DICT);
  return v;
}

static void mfree(mreader *r) {
  for (size_t i = 0; i < r->nall; i++) {
    free(r->all[i]->items);
    free(r->all[i]);
  }
  free(r->all);
  free(r->refs);
}

static bool is_key(const mv *k, const char *file, int64_t line,
                   const char *fn) {
  return k->type == MV_TUPLE && k->n == 3 && k->items[0]->type == MV_STR &&
         k->items[0]->len == strlen(file) &&
         !memcmp(k->items[0]->s, file, k->items[0]->len) &&
         k->items[1]->type == MV_INT && k->items[1]->i == line &&
         k->items[2]->type == MV_STR && k->items[2]->len == strlen(fn) &&
         !memcmp(k->items[2]->s, fn, k->items[2]->len);
}

/* The value for key (file, line, fn) in dict 'd', or NULL. */
static const mv *lookup(const mv *d, const char *file, int64_t line,
                        const char *fn) {
  for (size_t i = 0; i < d->n; i += 2)
    if (is_key(d->items[i], file, line, fn))
      return d->items[i + 1];
  return NULL;
}

/* An entry's (-1, -1, tt, ct, callers) or a caller's (-1, -1, tt, ct). */
static void assert_times(const mv *v, size_t n, double tt, double ct,
                         double tol) {
  ck_assert_ptr_nonnull(v);
  ck_assert_int_eq(v->type, MV_TUPLE);
  ck_assert_uint_eq(v->n, n);
  ck_assert(v->items[0]->type == MV_INT && v->items[0]->i == -1);
  ck_assert(v->items[1]->type == MV_INT && v->items[1]->i == -1);
  ck_assert(v->items[2]->type == MV_FLOAT && v->items[3]->type == MV_FLOAT);
  if (tol == 0) { /* the same float sums as pyinstrument's */
    ck_assert_double_eq(v->items[2]->f, tt);
    ck_assert_double_eq(v->items[3]->f, ct);
  } else {
    ck_assert_double_eq_tol(v->items[2]->f, tt, tol);
    ck_assert_double_eq_tol(v->items[3]->f, ct, tol);
  }
}

/* ---- speedscope ---- */

START_TEST(speedscope_ex_is_pyinstruments_text) {
  utc();
  pyi_session *s = ex();
  char *out = render(s, "speedscope", NULL);
  /* renderers.md §4, produced by pyinstrument 5.1.2 */
  ck_assert_str_eq(
      out,
      "{\"$schema\": \"https://www.speedscope.app/file-format-schema.json\", "
      "\"name\": \"CPU "
      "profile for 'Program: app.py' at 2023-11-14T22-13-20\", "
      "\"activeProfileIndex\": null, "
      "\"exporter\": \"pyinstrument\", \"profiles\": [{\"type\": \"evented\", "
      "\"name\": \"CPU "
      "profile for 'Program: app.py' at 2023-11-14T22-13-20\", \"unit\": "
      "\"seconds\", "
      "\"startValue\": 0.0, \"endValue\": 0.81, \"events\": [{\"type\": \"O\", "
      "\"at\": 0.0, "
      "\"frame\": 0}, {\"type\": \"O\", \"at\": 0.0, \"frame\": 1}, {\"type\": "
      "\"O\", \"at\": "
      "0.0, \"frame\": 2}, {\"type\": \"O\", \"at\": 0.0, \"frame\": 3}, "
      "{\"type\": \"C\", "
      "\"at\": 0.15, \"frame\": 3}, {\"type\": \"C\", \"at\": 0.15, \"frame\": "
      "2}, {\"type\": "
      "\"C\", \"at\": 0.15, \"frame\": 1}, {\"type\": \"O\", \"at\": 0.15, "
      "\"frame\": 4}, "
      "{\"type\": \"O\", \"at\": 0.15, \"frame\": 5}, {\"type\": \"C\", "
      "\"at\": 0.65, "
      "\"frame\": 5}, {\"type\": \"O\", \"at\": 0.65, \"frame\": 6}, "
      "{\"type\": \"C\", \"at\": "
      "0.75, \"frame\": 6}, {\"type\": \"C\", \"at\": 0.75, \"frame\": 4}, "
      "{\"type\": \"O\", "
      "\"at\": 0.75, \"frame\": 5}, {\"type\": \"C\", \"at\": 0.8, \"frame\": "
      "5}, {\"type\": "
      "\"C\", \"at\": 0.804, \"frame\": 0}]}], \"shared\": {\"frames\": "
      "[{\"name\": \"main\", "
      "\"file\": \"/app/app.py\", \"line\": 1}, {\"name\": \"loads\", "
      "\"file\": "
      "\"/usr/lib/python3.11/json/__init__.py\", \"line\": 299}, {\"name\": "
      "\"decode\", "
      "\"file\": \"/usr/lib/python3.11/json/decoder.py\", \"line\": 332}, "
      "{\"name\": "
      "\"raw_decode\", \"file\": \"/usr/lib/python3.11/json/decoder.py\", "
      "\"line\": 343}, "
      "{\"name\": \"compute\", \"file\": \"/app/app.py\", \"line\": 10}, "
      "{\"name\": "
      "\"[self]\", \"file\": null, \"line\": null}, {\"name\": \"sqrt\", "
      "\"file\": "
      "\"<built-in>\", \"line\": 0}]}}\n");
  free(out);
  pyi_session_free(s);
}
END_TEST

START_TEST(speedscope_empty_session) {
  utc();
  pyi_session *s =
      session_from_json("{\"start_time\": 0, \"duration\": 0, "
                        "\"min_interval\": 0.001, \"max_interval\": 0.001, "
                        "\"sample_count\": 0, \"start_call_stack\": [], "
                        "\"target_description\": \"x\", "
                        "\"cpu_time\": 0, \"sys_path\": [], \"sys_prefixes\": "
                        "[], \"frame_records\": []}");
  char *out = render(s, "speedscope", NULL);
  ck_assert_str_eq(
      out,
      "{\"$schema\": \"https://www.speedscope.app/file-format-schema.json\", "
      "\"name\": \"CPU profile for 'x' at 1970-01-01T00-00-00\", "
      "\"activeProfileIndex\": null, \"exporter\": \"pyinstrument\", "
      "\"profiles\": [{\"type\": \"evented\", \"name\": \"CPU profile for 'x' "
      "at 1970-01-01T00-00-00\", \"unit\": \"seconds\", \"startValue\": 0.0, "
      "\"endValue\": 0, \"events\": []}], \"shared\": {\"frames\": []}}\n");
  free(out);
  pyi_session_free(s);
}
END_TEST

/* Frames are one per (name, file, line): "012" and "12" are one frame;
 * missing parts are null; text is escaped as json.dumps does. */
START_TEST(speedscope_frames_keyed_by_what_they_show) {
  utc();
  pyi_session *s = records(
      "caf\\u00e9 \\\"q\\\"",
      "[[\"main\\u0000m.py\\u00001\", \"f\\u0000a.py\\u000012\"], 0.1], "
      "[[\"main\\u0000m.py\\u00001\", \"nofile\"], 0.1], "
      "[[\"main\\u0000m.py\\u00001\", \"g\\u0000b.py\"], 0.1], "
      "[[\"main\\u0000m.py\\u00001\", \"f\\u0000a.py\\u0000012\"], 0.1], "
      "[[\"main\\u0000m.py\\u00001\", \"\\u00e9\\u0000m.py\\u00003\"], 0.1]");
  char *out = render(s, "speedscope", NULL);
  ck_assert_msg(strstr(out,
                       "\"name\": \"CPU profile for 'caf\\u00e9 \\\"q\\\"' at "
                       "1970-01-01T00-00-00\", \"activeProfileIndex\"") != NULL,
                "%s", out);
  ck_assert_msg(strstr(out, "\"events\": [{\"type\": \"O\", \"at\": 0.0, "
                            "\"frame\": 0}, {\"type\": \"O\", "
                            "\"at\": 0.0, \"frame\": 1}, {\"type\": \"C\", "
                            "\"at\": 0.1, \"frame\": 1}, "
                            "{\"type\": \"O\", \"at\": 0.1, \"frame\": 2}, "
                            "{\"type\": \"C\", \"at\": 0.2, "
                            "\"frame\": 2}, {\"type\": \"O\", \"at\": 0.2, "
                            "\"frame\": 3}, {\"type\": \"C\", "
                            "\"at\": 0.30000000000000004, \"frame\": 3}, "
                            "{\"type\": \"O\", \"at\": "
                            "0.30000000000000004, \"frame\": 1}, {\"type\": "
                            "\"C\", \"at\": 0.4, \"frame\": "
                            "1}, {\"type\": \"O\", \"at\": 0.4, \"frame\": 4}, "
                            "{\"type\": \"C\", \"at\": "
                            "0.5, \"frame\": 4}, {\"type\": \"C\", \"at\": "
                            "0.5, \"frame\": 0}]}]") != NULL,
                "%s", out);
  ck_assert_msg(
      strstr(
          out,
          "\"shared\": {\"frames\": [{\"name\": \"main\", \"file\": \"m.py\", "
          "\"line\": 1}, {\"name\": \"f\", \"file\": \"a.py\", \"line\": 12}, "
          "{\"name\": \"nofile\", \"file\": null, \"line\": null}, {\"name\": "
          "\"g\", \"file\": \"b.py\", \"line\": null}, {\"name\": \"\\u00e9\", "
          "\"file\": \"m.py\", \"line\": 3}]}}\n") != NULL,
      "%s", out);
  free(out);
  pyi_session_free(s);
}
END_TEST

/* A chain of 'depth' distinct frames, one sample. */
static pyi_session *deep(size_t depth) {
  pyi_error err = {0};
  pyi_session *s = pyi_session_new();
  uint32_t *ids = malloc(depth * sizeof *ids);
  for (size_t i = 0; i < depth; i++) {
    char fi[64];
    int n = snprintf(fi, sizeof fi, "f%zu%cdeep.py%c%zu", i, 0, 0, i + 1);
    ids[i] = pyi_session_intern_frame(s, fi, (size_t)n);
  }
  ck_assert_int_eq(pyi_session_add_record(s, ids, depth, 1.0, &err), 0);
  pyi_session_set_sample_count(s, 1);
  free(ids);
  return s;
}

/* Occurrences of 'needle' in 'len' bytes (a plain scan: the sanitizers'
 * strstr/memmem re-measure the whole haystack on every call). */
static size_t count_mem(const char *hay, size_t len, const char *needle,
                        size_t n) {
  size_t k = 0;
  for (size_t i = 0; i + n <= len; i++)
    if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0)
      k++;
  return k;
}

static size_t count(const char *hay, const char *needle) {
  return count_mem(hay, strlen(hay), needle, strlen(needle));
}

START_TEST(deep_stacks_render_without_recursion) {
  pyi_session *s = deep(8192);
  char *out = render(s, "speedscope", NULL);
  ck_assert_uint_eq(count(out, "\"type\": \"O\""), 8192);
  ck_assert_uint_eq(count(out, "\"type\": \"C\", \"at\": 1.0,"), 8192);
  free(out);
  size_t len;
  out = render(s, "pstats", &len);
  mreader r;
  const mv *d = mload(&r, out, len);
  ck_assert_uint_eq(d->n, 2 * 8192);
  assert_times(lookup(d, "deep.py", 8192, "f8191"), 5, 1.0, 1.0, 0);
  mfree(&r);
  free(out);
  pyi_session_free(s);
}
END_TEST

/* ---- pstats ---- */

START_TEST(pstats_ex_matches_spec) {
  pyi_session *s = ex();
  size_t len;
  char *out = render(s, "pstats", &len);
  /* renderers.md §5.2: pyinstrument's first bytes */
  static const char head[] =
      "\xfb\x29\x03\xfa\x0b/app/app.py\xe9\x01\0\0\0\xfa\x04main"
      "\x29\x05\xe9\xff\xff\xff\xff\x72\x04\0\0\0\x67";
  ck_assert_uint_ge(len, sizeof head - 1);
  ck_assert_mem_eq(out, head, sizeof head - 1);
  mreader r;
  const mv *d = mload(&r, out, len);
  /* renderers.md §5.1, as Python loaded pyinstrument's file; in its order */
  static const struct {
    const char *file, *fn;
    int line;
    double tt, ct;
  } want[] = {
      {"/app/app.py", "main", 1, 0.05000000000000007, 0.804},
      {"/app/app.py", "compute", 10, 0.504, 0.604},
      {"<built-in>", "sqrt", 0, 0.1, 0.1},
      {"/usr/lib/python3.11/json/__init__.py", "loads", 299, 0.0, 0.15},
      {"/usr/lib/python3.11/json/decoder.py", "decode", 332, 0.0, 0.15},
      {"/usr/lib/python3.11/json/decoder.py", "raw_decode", 343, 0.15, 0.15},
  };
  static const int parent[] = {-1, 0, 1, 0, 3, 4};
  ck_assert_uint_eq(d->n, 2 * 6);
  for (size_t i = 0; i < 6; i++) {
    ck_assert_msg(
        is_key(d->items[2 * i], want[i].file, want[i].line, want[i].fn),
        "entry %zu is not %s", i, want[i].fn);
    const mv *v = d->items[2 * i + 1];
    assert_times(v, 5, want[i].tt, want[i].ct, 0);
    const mv *callers = v->items[4];
    ck_assert_int_eq(callers->type, MV_DICT);
    if (parent[i] < 0) {
      ck_assert_uint_eq(callers->n, 0);
      continue;
    }
    ck_assert_uint_eq(callers->n, 2);
    int p = parent[i];
    assert_times(lookup(callers, want[p].file, want[p].line, want[p].fn), 4,
                 want[i].tt, want[i].ct, 0);
  }
  mfree(&r);
  free(out);
  pyi_session_free(s);
}
END_TEST

START_TEST(pstats_empty_session_is_empty_dict) {
  pyi_session *s = records("x", "");
  size_t len;
  char *out = render(s, "pstats", &len);
  ck_assert_uint_eq(len, 2);
  ck_assert_mem_eq(out, "\xfb\x30", 2);
  free(out);
  pyi_session_free(s);
}
END_TEST

/* Two threads keep the [root] frame, keyed ("", 0, "[root]"); thread
 * idents are line numbers beyond int32 (marshal's 'l' form). */
START_TEST(pstats_threads_keep_root_and_long_lines) {
  pyi_session *s = records(
      "x", "[[\"T1\\u0000<thread>\\u0000140440286641024\", "
           "\"a\\u0000x.py\\u00001\"], 0.3], "
           "[[\"T2\\u0000<thread>\\u00002\", \"b\\u0000y.py\\u00001\"], 0.2]");
  size_t len;
  char *out = render(s, "pstats", &len);
  static const char big[] = "\x6c\x04\0\0\0\x80\x3b\xcb\x1a\xeb\x7e\x03\x00";
  ck_assert_ptr_nonnull(memmem(out, len, big, sizeof big - 1));
  mreader r;
  const mv *d = mload(&r, out, len);
  ck_assert_uint_eq(d->n, 2 * 5);
  ck_assert(is_key(d->items[0], "", 0, "[root]"));
  const mv *t1 = lookup(d, "<thread>", 140440286641024, "T1");
  assert_times(t1, 5, 0, 0.3, 1e-12);
  assert_times(lookup(t1->items[4], "", 0, "[root]"), 4, 0, 0.3, 1e-12);
  assert_times(lookup(d, "x.py", 1, "a"), 5, 0.3, 0.3, 0);
  assert_times(lookup(d, "y.py", 1, "b"), 5, 0.2, 0.2, 0);
  mfree(&r);
  free(out);
  pyi_session_free(s);
}
END_TEST

/* Recursion counts a function's total time once per frame (pyinstrument's
 * choice); its callers record each call site. */
START_TEST(pstats_recursion_counts_each_frame) {
  pyi_session *s =
      records("x", "[[\"a\\u0000r.py\\u00001\", \"b\\u0000r.py\\u00005\", "
                   "\"a\\u0000r.py\\u00001\"], 0.3], "
                   "[[\"a\\u0000r.py\\u00001\"], 0.1]");
  size_t len;
  char *out = render(s, "pstats", &len);
  mreader r;
  const mv *d = mload(&r, out, len);
  ck_assert_uint_eq(d->n, 2 * 2);
  const mv *a = lookup(d, "r.py", 1, "a"), *b = lookup(d, "r.py", 5, "b");
  assert_times(a, 5, 0.4, 0.3 + 0.1 + 0.3, 1e-12);
  ck_assert_uint_eq(a->items[4]->n, 2); /* only b calls a */
  assert_times(lookup(a->items[4], "r.py", 5, "b"), 4, 0.3, 0.3, 1e-12);
  assert_times(b, 5, 0, 0.3, 1e-12);
  assert_times(lookup(b->items[4], "r.py", 1, "a"), 4, 0, 0.3, 1e-12);
  mfree(&r);
  free(out);
  pyi_session_free(s);
}
END_TEST

/* Keys merge by value; strings keep Python's types ('a' for long ASCII,
 * 'u' for the rest, lone surrogates as surrogatepass UTF-8); a
 * one-character name is one shared object. */
START_TEST(pstats_keys_and_strings) {
  char long_name[301];
  memset(long_name, 'n', 300);
  long_name[300] = 0;
  char recs[2048];
  snprintf(
      recs, sizeof recs,
      "[[\"main\\u0000m.py\\u00001\", \"f\\u0000a.py\\u000012\"], 0.1], "
      "[[\"main\\u0000m.py\\u00001\", "
      "\"gr\\u00f6\\u00dfe\\u0000a.py\\u00002\"], 0.1], "
      "[[\"main\\u0000m.py\\u00001\", \"f\\u0000a.py\\u0000012\"], 0.1], "
      "[[\"main\\u0000m.py\\u00001\", \"%s\\u0000a.py\\u00003\"], 0.1], "
      "[[\"main\\u0000m.py\\u00001\", \"\\udc80x\\u0000a.py\\u00004\"], 0.1], "
      "[[\"main\\u0000m.py\\u00001\", \"h\\u0000a.py\\u00005\"], 0.1], "
      "[[\"main\\u0000m.py\\u00001\", \"h\\u0000b.py\\u00005\"], 0.1]",
      long_name);
  pyi_session *s = records("x", recs);
  size_t len;
  char *out = render(s, "pstats", &len);
  mreader r;
  const mv *d = mload(&r, out, len);
  ck_assert_uint_eq(d->n, 2 * 7);
  const mv *f = lookup(d, "a.py", 12, "f");
  assert_times(f, 5, 0.2, 0.2, 1e-12);
  ck_assert_uint_eq(f->items[4]->n, 2);
  assert_times(lookup(f->items[4], "m.py", 1, "main"), 4, 0.2, 0.2, 1e-12);
  ck_assert_ptr_nonnull(lookup(d, "a.py", 2,
                               "gr\xc3\xb6\xc3\x9f"
                               "e"));
  ck_assert_ptr_nonnull(lookup(d, "a.py", 3, long_name));
  ck_assert_ptr_nonnull(lookup(d, "a.py", 4, "\xed\xb2\x80x"));
  ck_assert_ptr_nonnull(lookup(d, "a.py", 5, "h"));
  ck_assert_ptr_nonnull(lookup(d, "b.py", 5, "h"));
  ck_assert_ptr_nonnull(memmem(out, len,
                               "\xf5\x07\0\0\0gr\xc3\xb6\xc3\x9f"
                               "e",
                               12));
  ck_assert_ptr_nonnull(memmem(out, len, "\xe1\x2c\x01\0\0nnn", 8));
  ck_assert_uint_eq(count_mem(out, len, "\xfa\x01h", 3), 1);
  mfree(&r);
  free(out);
  pyi_session_free(s);
}
END_TEST

START_TEST(renderer_facts) {
  ck_assert(pyi_renderer_is_binary("pstats"));
  ck_assert(!pyi_renderer_is_binary("speedscope"));
  ck_assert_str_eq(pyi_renderer_extension("speedscope"), "speedscope.json");
  ck_assert_str_eq(pyi_renderer_extension("pstats"), "pstats");
  ck_assert_str_eq(pyi_renderer_guess("out/run.speedscope.json"), "speedscope");
  ck_assert_str_eq(pyi_renderer_guess("run.json"), "json");
  ck_assert_str_eq(pyi_renderer_guess("RUN.PSTATS"), "pstats");
  pyi_error err = {0};
  pyi_opts *o = pyi_opts_new();
  ck_assert_int_eq(pyi_opts_set(o, "show_all", "true", &err), 0);
  ck_assert_int_eq(pyi_opts_set(o, "timeline", "true", &err), 0);
  ck_assert_int_eq(pyi_render_check("speedscope", o, &err), 0);
  ck_assert_int_eq(pyi_render_check("pstats", o, &err), 0);
  ck_assert_int_eq(pyi_opts_set(o, "flat", "true", &err), 0);
  ck_assert_int_eq(pyi_render_check("pstats", o, &err), -1);
  ck_assert_int_eq(err.code, PYI_EARG);
  pyi_opts_free(o);
}
END_TEST

Suite *formats_suite(void) {
  Suite *s = suite_create("formats");
  TCase *tc = tcase_create("speedscope_pstats");
  tcase_set_timeout(tc, 60); /* a guard against hangs; slow under valgrind */
  tcase_add_test(tc, speedscope_ex_is_pyinstruments_text);
  tcase_add_test(tc, speedscope_empty_session);
  tcase_add_test(tc, speedscope_frames_keyed_by_what_they_show);
  tcase_add_test(tc, deep_stacks_render_without_recursion);
  tcase_add_test(tc, pstats_ex_matches_spec);
  tcase_add_test(tc, pstats_empty_session_is_empty_dict);
  tcase_add_test(tc, pstats_threads_keep_root_and_long_lines);
  tcase_add_test(tc, pstats_recursion_counts_each_frame);
  tcase_add_test(tc, pstats_keys_and_strings);
  tcase_add_test(tc, renderer_facts);
  suite_add_tcase(s, tc);
  return s;
}
