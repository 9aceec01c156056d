/* check_formats2.c - the Markdown, folded and pprof renderers. Markdown is
 * parsed back with cmark and every function name must come back as the
 * same literal text; pprof is gunzipped and decoded by the small protobuf
 * reader below. */
#include <cmark.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check_suites.h"

static pyi_session *ex(void) {
  pyi_error err = {0};
  pyi_session *s = pyi_session_load(data_path("good/ex.pyisession"), &err);
  ck_assert_msg(s != NULL, "%s", err.msg);
  return s;
}

#define META(desc, stack)                                                      \
  "{\"start_time\": 1700000000.0, \"duration\": 1.0, \"min_interval\": "      \
  "0.001, \"max_interval\": 0.001, \"sample_count\": 20, "                    \
  "\"start_call_stack\": [" stack "], \"target_description\": \"" desc "\", " \
  "\"cpu_time\": 0.5, \"sys_path\": [], \"sys_prefixes\": [], "               \
  "\"frame_records\": ["
#define Z "\\u0000"

/* Names Markdown gives a meaning to, as JSON text and as the name shown
 * (class "." function). */
static const struct {
  const char *json, *name;
} tricky[] = {
    {"__init__" Z "app.py" Z "10\\u0001cMy_Class", "My_Class.__init__"},
    {"<module>" Z "mod.py" Z "1", "<module>"},
    {"a|b" Z "app.py" Z "12", "a|b"},
    {"*args" Z "app.py" Z "13", "*args"},
    {"[x](y)" Z "app.py" Z "14", "[x](y)"},
    {"`tick`" Z "app.py" Z "15", "`tick`"},
    {"&amp;" Z "app.py" Z "16", "&amp;"},
    {"#hash" Z "app.py" Z "17", "#hash"},
    {"1. item" Z "app.py" Z "18", "1. item"},
    {"~~strike~~" Z "app.py" Z "19", "~~strike~~"},
    {"<b>html</b>" Z "app.py" Z "20", "<b>html</b>"},
    {"back\\\\slash\\\\" Z "app.py" Z "21", "back\\slash\\"},
    {"_emph_" Z "app.py" Z "22", "_emph_"},
    {"- dash" Z "app.py" Z "23", "- dash"},
    {"**" Z "app.py" Z "24", "**"},
    {"\\u00fcnic\\u00f6de" Z "app.py" Z "25", "\xc3\xbcnic\xc3\xb6" "de"},
    {"a;b" Z "app.py" Z "26", "a;b"},
    {"new\\nline" Z "app.py" Z "27", "new\xef\xbf\xbdline"},
    /* bold cannot hold these: they go in code spans */
    {"trail " Z "app.py" Z "28", "trail "},
    {"  lead" Z "app.py" Z "29", "  lead"},
    {"\\u00a0nbsp" Z "app.py" Z "30", "\xc2\xa0nbsp"},
};
#define N_TRICKY (sizeof tricky / sizeof *tricky)

/* main (self 0.1 s) calling each tricky function once, each for a
 * different time so the order is fixed. */
static pyi_session *tricky_session(void) {
  size_t cap = 1 << 14, len = 0;
  char *json = malloc(cap);
  len += (size_t)snprintf(json, cap, "%s",
                          META("Program: weird `prog` *x* | y", "")
                          "[[\"main" Z "app.py" Z "1\"], 0.1]");
  for (size_t i = 0; i < N_TRICKY; i++)
    len += (size_t)snprintf(json + len, cap - len,
                            ", [[\"main" Z "app.py" Z "1\", \"%s\"], %.3f]",
                            tricky[i].json, 0.03 + 0.001 * (double)i);
  len += (size_t)snprintf(json + len, cap - len, "]}");
  ck_assert_uint_lt(len, cap);
  pyi_session *s = session_from_json(json);
  ck_assert_ptr_nonnull(s);
  free(json);
  return s;
}

static pyi_opts *opts_of(const char *key, const char *value) {
  pyi_opts *o = pyi_opts_new();
  pyi_error err = {0};
  ck_assert_int_eq(pyi_opts_set(o, key, value, &err), 0);
  return o;
}

/* Renders with one option and expects the renderer to refuse it. */
static void refuses(const char *renderer, const char *key, const char *value) {
  pyi_opts *o = opts_of(key, value);
  pyi_error err = {0};
  ck_assert_int_eq(pyi_render_check(renderer, o, &err), -1);
  ck_assert_int_eq(err.code, PYI_EARG);
  ck_assert_msg(strstr(err.msg, key) != NULL, "%s", err.msg);
  pyi_opts_free(o);
}

/* ---- markdown -------------------------------------------------------------- */

#define MAX_TEXTS 128

/* The text under every node of 'type' (strong: names; code: positions),
 * in document order. A soft break inside one shows as '\n'. */
static size_t texts_of(cmark_node *doc, cmark_node_type type, char out[][256]) {
  cmark_iter *it = cmark_iter_new(doc);
  size_t n = 0;
  int inside = 0;
  for (cmark_event_type ev; (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE;) {
    cmark_node *x = cmark_iter_get_node(it);
    cmark_node_type t = cmark_node_get_type(x);
    if (t == type && type == CMARK_NODE_CODE) {
      ck_assert_uint_lt(n, MAX_TEXTS);
      snprintf(out[n++], 256, "%s", cmark_node_get_literal(x));
    } else if (t == type) {
      if (ev == CMARK_EVENT_ENTER) {
        ck_assert_uint_lt(n, MAX_TEXTS);
        out[n][0] = 0;
        inside = 1;
      } else {
        inside = 0;
        n++;
      }
    } else if (inside && t == CMARK_NODE_TEXT) {
      strncat(out[n], cmark_node_get_literal(x), 255 - strlen(out[n]));
    } else if (inside && (t == CMARK_NODE_SOFTBREAK || t == CMARK_NODE_LINEBREAK)) {
      strncat(out[n], "\n", 255 - strlen(out[n]));
    } else if (inside && ev == CMARK_EVENT_ENTER) {
      strncat(out[n], "<?>", 255 - strlen(out[n])); /* markup made of a name */
    }
  }
  cmark_iter_free(it);
  return n;
}

static size_t count_eq(char texts[][256], size_t n, const char *s) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    k += strcmp(texts[i], s) == 0;
  return k;
}

START_TEST(markdown_names_round_trip_through_cmark) {
  pyi_session *s = tricky_session();
  char *md = render_with(s, "markdown", "limit=100", NULL);
  ck_assert_ptr_nonnull(md);
  cmark_node *doc = cmark_parse_document(md, strlen(md), CMARK_OPT_DEFAULT);
  static char texts[MAX_TEXTS][256], codes[MAX_TEXTS][256];
  size_t n = texts_of(doc, CMARK_NODE_STRONG, texts);
  size_t nc = texts_of(doc, CMARK_NODE_CODE, codes);
  for (size_t i = 0; i < N_TRICKY; i++)
    /* once in the call paths, once in the top functions */
    ck_assert_msg(count_eq(texts, n, tricky[i].name) + count_eq(codes, nc, tricky[i].name) == 2,
                  "name '%s' did not come back twice as literal text:\n%s", tricky[i].name,
                  md);
  ck_assert_uint_eq(count_eq(texts, n, "main"), 2);
  ck_assert_uint_eq(count_eq(codes, nc, "weird `prog` *x* | y"), 1);
  ck_assert_uint_eq(count_eq(codes, nc, "app.py:12"), 2);
  ck_assert_uint_eq(count_eq(codes, nc, "mod.py:1"), 2);
  cmark_node_free(doc);
  free(md);
  pyi_session_free(s);
}
END_TEST

START_TEST(markdown_html_escapes_names) {
  pyi_session *s = tricky_session();
  char *h = render_with(s, "markdown", "format=html", NULL);
  ck_assert_ptr_nonnull(h);
  static const char *const want[] = {
      "<h2>Profile</h2>",
      "<strong>&lt;module&gt;</strong> <code>mod.py:1</code>",
      "<strong>&lt;b&gt;html&lt;/b&gt;</strong>",
      "<strong>a|b</strong>",
      "<strong>*args</strong>",
      "<strong>My_Class.__init__</strong>",
      "<strong>&amp;amp;</strong>",
      "<code>weird `prog` *x* | y</code>",
  };
  for (size_t i = 0; i < sizeof want / sizeof *want; i++)
    ck_assert_msg(strstr(h, want[i]) != NULL, "no %s in:\n%s", want[i], h);
  ck_assert_ptr_null(strstr(h, "<b>"));
  free(h);
  pyi_session_free(s);
}
END_TEST

START_TEST(markdown_reports_figures_paths_and_top_functions) {
  pyi_session *s = ex();
  char *md = render_with(s, "markdown", NULL);
  ck_assert_ptr_nonnull(md);
  ck_assert_ptr_nonnull(strstr(md, "## Profile\n\n"));
  ck_assert_ptr_nonnull(strstr(md, "**Program:** `app.py`\n"));
  ck_assert_ptr_nonnull(strstr(md, "**Duration:** 0.810 s\n"));
  ck_assert_ptr_nonnull(strstr(md, "**Samples:** 5\n"));
  ck_assert_ptr_nonnull(strstr(md, "**CPU time:** 0.875 s\n"));
  const char *paths = strstr(md, "### Hottest call paths\n");
  ck_assert_ptr_nonnull(paths);
  ck_assert_str_eq(paths,
                   "### Hottest call paths\n\n"
                   "  - 0.804 s (100.0%) **main** `app.py:1`\n"
                   "      - 0.604 s (75.1%) **compute** `app.py:10`\n"
                   "          - 0.504 s (62.7%) **\\[self\\]** `app.py`\n"
                   "          - 0.100 s (12.4%) **sqrt** `<built-in>`\n"
                   "      - 0.150 s (18.7%) **loads** `json/__init__.py:299`\n"
                   "          - 0.150 s (18.7%) **JSONDecoder.decode** `json/decoder.py:332`\n"
                   "              - 0.150 s (18.7%) **JSONDecoder.raw\\_decode** "
                   "`json/decoder.py:343`\n"
                   "      - 0.050 s (6.2%) **\\[self\\]** `app.py`\n"
                   "\n"
                   "### Top functions by self time\n\n"
                   "1.  **compute** `app.py:10`: self 0.504 s (62.7%), total 0.604 s (75.1%)\n"
                   "2.  **JSONDecoder.raw\\_decode** `json/decoder.py:343`: self 0.150 s "
                   "(18.7%), total 0.150 s (18.7%)\n"
                   "3.  **sqrt** `<built-in>`: self 0.100 s (12.4%), total 0.100 s (12.4%)\n"
                   "4.  **main** `app.py:1`: self 0.050 s (6.2%), total 0.804 s (100.0%)\n");
  free(md);
  pyi_session_free(s);
}
END_TEST

START_TEST(markdown_depth_and_limit_cut_the_lists) {
  pyi_session *s = ex();
  char *md = render_with(s, "markdown", "depth=2", "limit=1", NULL);
  ck_assert_ptr_nonnull(md);
  ck_assert_ptr_nonnull(strstr(md, "**compute**"));
  ck_assert_ptr_null(strstr(md, "**sqrt**"));
  ck_assert_ptr_null(strstr(md, "2.  "));
  free(md);
  md = render_with(s, "markdown", "depth=1", "limit=0", NULL);
  ck_assert_ptr_nonnull(strstr(md, "**main**"));
  ck_assert_ptr_null(strstr(md, "**compute**"));
  ck_assert_ptr_null(strstr(md, "Top functions"));
  free(md);
  refuses("markdown", "format", "pdf");
  refuses("markdown", "depth", "0");
  refuses("markdown", "depth", "1.5");
  refuses("markdown", "depth", "deep");
  refuses("markdown", "depth", "257");
  refuses("markdown", "limit", "-1");
  pyi_session_free(s);
}
END_TEST

START_TEST(markdown_without_samples_says_so) {
  pyi_session *s = session_from_json(META("Program: x.py", "") "]}");
  ck_assert_ptr_nonnull(s);
  char *md = render_with(s, "markdown", NULL);
  ck_assert_ptr_nonnull(strstr(md, "No samples were recorded."));
  ck_assert_ptr_null(strstr(md, "Top functions"));
  free(md);
  pyi_session_free(s);
}
END_TEST

/* ---- folded ---------------------------------------------------------------- */

START_TEST(folded_writes_sorted_stacks_in_us_and_samples) {
  pyi_session *s = ex();
  char *f = render_with(s, "folded", NULL);
  static const char *const stacks[] = {
      "main (/app/app.py:1)",
      "main (/app/app.py:1);compute (/app/app.py:10)",
      "main (/app/app.py:1);compute (/app/app.py:10);sqrt (<built-in>)",
      "main (/app/app.py:1);loads (/usr/lib/python3.11/json/__init__.py:299);"
      "JSONDecoder.decode (/usr/lib/python3.11/json/decoder.py:332);"
      "JSONDecoder.raw_decode (/usr/lib/python3.11/json/decoder.py:343)",
  };
  char want[2048];
  snprintf(want, sizeof want, "%s 50000\n%s 504000\n%s 100000\n%s 150000\n", stacks[0],
           stacks[1], stacks[2], stacks[3]);
  ck_assert_str_eq(f, want);
  free(f);
  f = render_with(s, "folded", "unit=samples", NULL);
  snprintf(want, sizeof want, "%s 1\n%s 2\n%s 1\n%s 1\n", stacks[0], stacks[1], stacks[2],
           stacks[3]);
  ck_assert_str_eq(f, want);
  free(f);
  refuses("folded", "unit", "ms");
  pyi_session_free(s);
}
END_TEST

START_TEST(folded_escapes_separators_and_bad_text) {
  pyi_session *s = session_from_json(
      META("Program: x.py", "")
      "[[\"main" Z "app.py" Z "1\", \"a;b\\nc\\\\d\\te" Z "dir;x/f.py" Z "2\"], 0.25],"
      "[[\"main" Z "app.py" Z "1\", \"\\udc80x" Z "f.py" Z "3\"], 0.5]]}");
  ck_assert_ptr_nonnull(s);
  char *f = render_with(s, "folded", NULL);
  ck_assert_str_eq(f, "main (app.py:1);\\udc80x (f.py:3) 500000\n"
                      "main (app.py:1);a\\x3bb\\x0ac\\\\d\\x09e (dir\\x3bx/f.py:2) 250000\n");
  free(f);
  pyi_session_free(s);
}
END_TEST

#define PYI_MAIN "/x/pyinstrument/__main__.py"
#define CLI_STEM                                                               \
  "\"MainThread" Z "<thread>" Z "1\", \"<module>" Z PYI_MAIN Z "1\", \"main" Z \
  PYI_MAIN Z "29\""
#define CLI_RECORD(rest, t)                                                    \
  "[[" CLI_STEM ", \"<module>" Z "<string>" Z "1\", \"run_path" Z              \
  "<frozen runpy>" Z "262\", \"_run_module_code" Z "<frozen runpy>" Z          \
  "91\", \"_run_code" Z "<frozen runpy>" Z "65\", \"<module>" Z "app.py" Z     \
  "1\", " rest "], " t "]"

START_TEST(folded_drops_startup_and_hidden_frames_but_no_sample) {
  pyi_session *s = session_from_json(
      META("Program: app.py", CLI_STEM)
      CLI_RECORD("\"_find_and_load" Z "<frozen importlib._bootstrap>" Z "1165\", "
                 "\"<module>" Z "lib.py" Z "1\"", "0.2") ", "
      CLI_RECORD("\"work" Z "app.py" Z "3\\u0001h1\", \"inner" Z "app.py" Z "5\"",
                 "0.3") "]}");
  ck_assert_ptr_nonnull(s);
  char *f = render_with(s, "folded", NULL);
  ck_assert_str_eq(f, "<module> (app.py:1);<module> (lib.py:1) 200000\n"
                      "<module> (app.py:1);inner (app.py:5) 300000\n");
  free(f);
  f = render_with(s, "folded", "show_all=true", NULL);
  ck_assert_str_eq(f, "<module> (app.py:1);_find_and_load (<frozen importlib._bootstrap>:1165);"
                      "<module> (lib.py:1) 200000\n"
                      "<module> (app.py:1);work (app.py:3);inner (app.py:5) 300000\n");
  free(f);
  pyi_session_free(s);
}
END_TEST

/* ---- pprof: gunzip and a protobuf reader ----------------------------------- */

static unsigned char *gunzip(const char *data, size_t len, size_t *out_len) {
  ck_assert_uint_ge(len, 2);
  ck_assert_int_eq((unsigned char)data[0], 0x1f);
  ck_assert_int_eq((unsigned char)data[1], 0x8b);
  z_stream z = {0};
  ck_assert_int_eq(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
  size_t cap = 1 << 16, n = 0;
  unsigned char *out = malloc(cap);
  z.next_in = (unsigned char *)data;
  z.avail_in = (uInt)len;
  int rc;
  do {
    if (n == cap)
      out = realloc(out, cap *= 2);
    z.next_out = out + n;
    z.avail_out = (uInt)(cap - n);
    rc = inflate(&z, Z_NO_FLUSH);
    ck_assert_msg(rc == Z_OK || rc == Z_STREAM_END, "inflate: %d", rc);
    n = cap - z.avail_out;
  } while (rc != Z_STREAM_END);
  ck_assert_uint_eq(z.avail_in, 0); /* one gzip member, nothing after it */
  inflateEnd(&z);
  *out_len = n;
  return out;
}

struct pb {
  const unsigned char *p, *end;
};

static uint64_t pb_varint(struct pb *r) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    ck_assert_msg(r->p < r->end, "truncated varint");
    unsigned char c = *r->p++;
    v |= (uint64_t)(c & 0x7f) << shift;
    if (!(c & 0x80))
      return v;
  }
  ck_abort_msg("varint longer than ten bytes");
  return 0;
}

/* The next field: its number, wire type and value (varint) or bytes. */
static int pb_field(struct pb *r, unsigned *field, unsigned *wire, uint64_t *v,
                    struct pb *sub) {
  if (r->p >= r->end)
    return 0;
  uint64_t key = pb_varint(r);
  *field = (unsigned)(key >> 3);
  *wire = (unsigned)(key & 7);
  ck_assert_uint_ne(*field, 0);
  if (*wire == 0)
    *v = pb_varint(r);
  else if (*wire == 2) {
    *v = pb_varint(r);
    ck_assert_uint_le(*v, (uint64_t)(r->end - r->p));
    sub->p = r->p;
    sub->end = r->p + *v;
    r->p += *v;
  } else
    ck_abort_msg("unexpected wire type %u", *wire);
  return 1;
}

/* A repeated integer, packed or not, appended to 'out'. */
static size_t pb_ints(unsigned wire, uint64_t v, struct pb *sub, uint64_t **out,
                      size_t n) {
  if (wire == 0) {
    *out = realloc(*out, (n + 1) * sizeof **out);
    (*out)[n++] = v;
    return n;
  }
  while (sub->p < sub->end) {
    *out = realloc(*out, (n + 1) * sizeof **out);
    (*out)[n++] = pb_varint(sub);
  }
  return n;
}

struct pfunc {
  uint64_t id, name, filename, start_line;
};
struct ploc {
  uint64_t id, mapping, func, line;
};
struct psample {
  uint64_t *locs, *values;
  size_t nlocs, nvalues;
};
struct prof {
  unsigned char *raw;
  struct pb *str;
  size_t nstr;
  struct pfunc *fn;
  size_t nfn;
  struct ploc *loc;
  size_t nloc;
  struct psample *smp;
  size_t nsmp;
  uint64_t types[4][2], period_type[2];
  size_t ntypes, nmappings;
  uint64_t time_nanos, duration_nanos, period, default_type, comment;
};

#define GROW(arr, n) ((arr) = realloc((arr), ((n) + 1) * sizeof *(arr)), &(arr)[(n)++])

static void value_type(struct pb *m, uint64_t out[2]) {
  unsigned f, w;
  uint64_t v;
  struct pb sub;
  while (pb_field(m, &f, &w, &v, &sub))
    if (f == 1 || f == 2)
      out[f - 1] = v;
}

static void decode(struct prof *P, const char *data, size_t len) {
  size_t n;
  memset(P, 0, sizeof *P);
  P->raw = gunzip(data, len, &n);
  struct pb r = {P->raw, P->raw + n}, m, sub;
  unsigned f, w, f2, w2;
  uint64_t v, v2;
  while (pb_field(&r, &f, &w, &v, &m)) {
    switch (f) {
    case 1:
      ck_assert_uint_lt(P->ntypes, 4);
      value_type(&m, P->types[P->ntypes++]);
      break;
    case 2: {
      struct psample *s = GROW(P->smp, P->nsmp);
      memset(s, 0, sizeof *s);
      while (pb_field(&m, &f2, &w2, &v2, &sub)) {
        if (f2 == 1)
          s->nlocs = pb_ints(w2, v2, &sub, &s->locs, s->nlocs);
        else if (f2 == 2)
          s->nvalues = pb_ints(w2, v2, &sub, &s->values, s->nvalues);
      }
      break;
    }
    case 3:
      P->nmappings++;
      break;
    case 4: {
      struct ploc *l = GROW(P->loc, P->nloc);
      memset(l, 0, sizeof *l);
      while (pb_field(&m, &f2, &w2, &v2, &sub)) {
        if (f2 == 1)
          l->id = v2;
        else if (f2 == 2)
          l->mapping = v2;
        else if (f2 == 4) {
          ck_assert_uint_eq(l->func, 0); /* one line: nothing is inlined */
          struct pb line = sub, x;
          unsigned f3, w3;
          uint64_t v3;
          while (pb_field(&line, &f3, &w3, &v3, &x)) {
            if (f3 == 1)
              l->func = v3;
            else if (f3 == 2)
              l->line = v3;
          }
        }
      }
      break;
    }
    case 5: {
      struct pfunc *fn = GROW(P->fn, P->nfn);
      memset(fn, 0, sizeof *fn);
      while (pb_field(&m, &f2, &w2, &v2, &sub)) {
        if (f2 == 1)
          fn->id = v2;
        else if (f2 == 2)
          fn->name = v2;
        else if (f2 == 4)
          fn->filename = v2;
        else if (f2 == 5)
          fn->start_line = v2;
      }
      break;
    }
    case 6:
      *GROW(P->str, P->nstr) = m;
      break;
    case 9: P->time_nanos = v; break;
    case 10: P->duration_nanos = v; break;
    case 11: value_type(&m, P->period_type); break;
    case 12: P->period = v; break;
    case 13: P->comment = v; break;
    case 14: P->default_type = v; break;
    default: ck_abort_msg("unexpected Profile field %u", f);
    }
  }
}

static void prof_free(struct prof *P) {
  for (size_t i = 0; i < P->nsmp; i++) {
    free(P->smp[i].locs);
    free(P->smp[i].values);
  }
  free(P->smp);
  free(P->loc);
  free(P->fn);
  free(P->str);
  free(P->raw);
}

static int str_is(const struct prof *P, uint64_t i, const char *s) {
  ck_assert_uint_lt(i, P->nstr);
  size_t n = (size_t)(P->str[i].end - P->str[i].p);
  return n == strlen(s) && memcmp(P->str[i].p, s, n) == 0;
}

static const struct ploc *loc_of(const struct prof *P, uint64_t id) {
  ck_assert_uint_ge(id, 1);
  ck_assert_uint_le(id, P->nloc);
  ck_assert_uint_eq(P->loc[id - 1].id, id);
  return &P->loc[id - 1];
}

static const struct pfunc *func_of(const struct prof *P, uint64_t id) {
  ck_assert_uint_ge(id, 1);
  ck_assert_uint_le(id, P->nfn);
  ck_assert_uint_eq(P->fn[id - 1].id, id);
  return &P->fn[id - 1];
}

/* Every reference resolves: ids, string indices, the one mapping. */
static void check_refs(const struct prof *P) {
  ck_assert_uint_ge(P->nstr, 1);
  ck_assert_ptr_eq(P->str[0].p, P->str[0].end); /* string_table[0] is "" */
  ck_assert_uint_eq(P->nmappings, 1);
  for (size_t i = 0; i < P->nsmp; i++) {
    ck_assert_uint_eq(P->smp[i].nvalues, P->ntypes);
    for (size_t k = 0; k < P->smp[i].nlocs; k++)
      loc_of(P, P->smp[i].locs[k]);
  }
  for (size_t i = 0; i < P->nloc; i++) {
    ck_assert_uint_eq(P->loc[i].mapping, 1);
    func_of(P, P->loc[i].func);
  }
  for (size_t i = 0; i < P->nfn; i++) {
    ck_assert_uint_lt(P->fn[i].name, P->nstr);
    ck_assert_uint_lt(P->fn[i].filename, P->nstr);
  }
}

static const char *leaf_name(const struct prof *P, const struct psample *s, size_t k,
                             char *buf) {
  const struct pfunc *fn = func_of(P, loc_of(P, s->locs[k])->func);
  const struct pb *str = &P->str[fn->name];
  snprintf(buf, 128, "%.*s", (int)(str->end - str->p), (const char *)str->p);
  return buf;
}

START_TEST(pprof_decodes_to_the_session) {
  pyi_session *s = ex();
  size_t len;
  pyi_error err = {0};
  char *data = pyi_render_string(s, "pprof", NULL, &len, NULL, &err);
  ck_assert_msg(data != NULL, "%s", err.msg);
  struct prof P;
  decode(&P, data, len);
  check_refs(&P);
  ck_assert_uint_eq(P.ntypes, 2);
  ck_assert(str_is(&P, P.types[0][0], "wall") && str_is(&P, P.types[0][1], "nanoseconds"));
  ck_assert(str_is(&P, P.types[1][0], "samples") && str_is(&P, P.types[1][1], "count"));
  ck_assert(str_is(&P, P.default_type, "wall"));
  ck_assert(str_is(&P, P.period_type[0], "wall") && str_is(&P, P.period_type[1], "nanoseconds"));
  ck_assert(str_is(&P, P.comment, "Program: app.py"));
  ck_assert_uint_eq(P.period, 1000000);
  ck_assert_uint_eq(P.duration_nanos, 810000000);
  ck_assert_uint_eq(P.time_nanos, UINT64_C(1700000000250000000));
  uint64_t ns = 0, count = 0;
  int seen_decode = 0, seen_compute = 0;
  char b1[128], b2[128];
  for (size_t i = 0; i < P.nsmp; i++) {
    const struct psample *x = &P.smp[i];
    ns += x->values[0];
    count += x->values[1];
    const struct ploc *leaf = loc_of(&P, x->locs[0]);
    const struct pfunc *fn = func_of(&P, leaf->func);
    if (str_is(&P, fn->name, "JSONDecoder.raw_decode")) {
      seen_decode = 1;
      ck_assert(str_is(&P, fn->filename, "/usr/lib/python3.11/json/decoder.py"));
      ck_assert_uint_eq(fn->start_line, 343);
      ck_assert_uint_eq(leaf->line, 353); /* the 'l' attribute: the line running */
      ck_assert_uint_eq(x->nlocs, 4);    /* leaf first, the thread frame trimmed */
      ck_assert_str_eq(leaf_name(&P, x, 1, b1), "JSONDecoder.decode");
      ck_assert_str_eq(leaf_name(&P, x, 2, b2), "loads");
      ck_assert_str_eq(leaf_name(&P, x, 3, b1), "main");
      ck_assert_uint_eq(x->values[0], 150000000);
      ck_assert_uint_eq(x->values[1], 1);
    }
    if (str_is(&P, fn->name, "compute")) {
      /* lines 12 and 13 are two locations of one function */
      seen_compute |= leaf->line == 12 ? 1 : 2;
      ck_assert_uint_eq(fn->start_line, 10);
      if (leaf->line == 12)
        ck_assert_uint_eq(x->values[1], 2);
    }
  }
  ck_assert_int_eq(seen_decode, 1);
  ck_assert_int_eq(seen_compute, 1); /* sqrt's caller is compute at line 13 */
  ck_assert_uint_eq(count, 5);
  ck_assert_uint_le(ns > 804000000 ? ns - 804000000 : 804000000 - ns, 5);
  prof_free(&P);
  free(data);
  pyi_session_free(s);
}
END_TEST

/* A stack as deep as sessions may be, through all three renderers: none of
 * them may recurse per frame. */
START_TEST(deepest_stack_renders_in_every_new_format) {
  pyi_session *s = pyi_session_new();
  uint32_t *ids = malloc(8192 * sizeof *ids);
  for (int i = 0; i < 8192; i++) {
    char fi[64];
    int n = snprintf(fi, sizeof fi, "f%d%cdeep.py%c%d", i, 0, 0, i + 1);
    ids[i] = pyi_session_intern_frame(s, fi, (size_t)n);
  }
  pyi_error err = {0};
  ck_assert_int_eq(pyi_session_add_record(s, ids, 8192, 0.5, &err), 0);
  char *f = render_with(s, "folded", NULL);
  size_t semis = 0;
  for (const char *p = f; *p; p++)
    semis += *p == ';';
  ck_assert_uint_eq(semis, 8191);
  ck_assert_ptr_nonnull(strstr(f, ";f8191 (deep.py:8192) 500000\n"));
  free(f);
  size_t len;
  char *data = pyi_render_string(s, "pprof", NULL, &len, NULL, &err);
  struct prof P;
  decode(&P, data, len);
  check_refs(&P);
  ck_assert_uint_eq(P.nsmp, 1);
  ck_assert_uint_eq(P.smp[0].nlocs, 8192);
  char b[128];
  ck_assert_str_eq(leaf_name(&P, &P.smp[0], 0, b), "f8191");
  ck_assert_str_eq(leaf_name(&P, &P.smp[0], 8191, b), "f0");
  prof_free(&P);
  free(data);
  char *md = render_with(s, "markdown", "depth=256", NULL);
  ck_assert_ptr_nonnull(strstr(md, "**f255**"));
  ck_assert_ptr_null(strstr(md, "**f256**"));
  free(md);
  free(ids);
  pyi_session_free(s);
}
END_TEST

Suite *formats2_suite(void) {
  Suite *s = suite_create("formats2");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60); /* the deepest stack is slow under ASan */
  tcase_add_test(tc, markdown_names_round_trip_through_cmark);
  tcase_add_test(tc, markdown_html_escapes_names);
  tcase_add_test(tc, markdown_reports_figures_paths_and_top_functions);
  tcase_add_test(tc, markdown_depth_and_limit_cut_the_lists);
  tcase_add_test(tc, markdown_without_samples_says_so);
  tcase_add_test(tc, folded_writes_sorted_stacks_in_us_and_samples);
  tcase_add_test(tc, folded_escapes_separators_and_bad_text);
  tcase_add_test(tc, folded_drops_startup_and_hidden_frames_but_no_sample);
  tcase_add_test(tc, pprof_decodes_to_the_session);
  tcase_add_test(tc, deepest_stack_renders_in_every_new_format);
  suite_add_tcase(s, tc);
  return s;
}
