/* check_diff.c - pyi_diff: matching by call path, added and removed
 * paths, the threshold, normalization, the regression gate and the report
 * formats (markdown parsed back with cmark, json with cJSON). */
#include <cjson/cJSON.h>
#include <cmark.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check_suites.h"
#include "diff.h"
#include "session.h"

/* A session from records written "f@file:line;g@file:line=seconds"; a
 * frame without "@" is in /app/app.py at line 1. sys_prefixes is /usr, so
 * frames under /usr are library code. */
static pyi_session *mk(const char *const *recs) {
  pyi_session *s = pyi_session_new();
  pyi_error err = {0};
  double total = 0;
  size_t n = 0;
  pyi_session_add_sys_path(s, "/app");
  pyi_session_add_sys_prefix(s, "/usr");
  for (; recs[n]; n++) {
    uint32_t ids[64];
    size_t depth = 0;
    char *copy = strdup(recs[n]);
    char *eq = strrchr(copy, '=');
    ck_assert_ptr_nonnull(eq);
    *eq = 0;
    double t = strtod(eq + 1, NULL);
    for (char *save = NULL, *f = strtok_r(copy, ";", &save); f;
         f = strtok_r(NULL, ";", &save)) {
      char buf[256];
      char *at = strchr(f, '@');
      const char *file = "/app/app.py", *line = "1";
      if (at) {
        *at = 0;
        file = at + 1;
        char *colon = strrchr(at + 1, ':');
        ck_assert_ptr_nonnull(colon);
        *colon = 0;
        line = colon + 1;
      }
      int len = snprintf(buf, sizeof buf, "%s%c%s%c%s", f, 0, file, 0, line);
      ids[depth++] = pyi_session_intern_frame(s, buf, (size_t)len);
    }
    ck_assert_int_eq(pyi_session_add_record(s, ids, depth, t, &err), 0);
    total += t;
    free(copy);
  }
  pyi_session_set_times(s, 1700000000, total, total);
  pyi_session_set_sample_count(s, (double)n);
  return s;
}

static pyi_diff *diff_of(const pyi_session *a, const pyi_session *b,
                         double threshold, bool normalize) {
  pyi_diff_opts o = {.threshold = threshold, .normalize = normalize};
  pyi_error err = {0};
  pyi_diff *d = pyi_diff_new(a, b, &o, &err);
  ck_assert_msg(d != NULL, "%s", err.msg);
  return d;
}

/* The child of 'n' called 'name' (NULL if none). */
static const pyi_diff_node *child(const pyi_diff_node *n, const char *name) {
  for (const pyi_diff_node *c = pyi_diff_node_first_child(n); c;
       c = pyi_diff_node_next(c))
    if (strcmp(pyi_diff_node_name(c), name) == 0)
      return c;
  return NULL;
}

static const pyi_diff_node *path(const pyi_diff *d, const char *const *names) {
  const pyi_diff_node *n = pyi_diff_root(d);
  for (; n && *names; names++)
    n = child(n, *names);
  return n;
}

START_TEST(diff_with_itself_is_all_zeros) {
  static const char *const cases[] = {
      "classes", "stdlib-fine", "threads-sleep", "asyncio",
      "tbhide",  "unicode",     "edge-empty"};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    pyi_error err = {0};
    pyi_session *s = pyi_session_load(corpus_path(cases[i]), &err);
    ck_assert_msg(s != NULL, "%s", err.msg);
    pyi_diff *d = diff_of(s, s, -1, false);
    size_t nodes = 0;
    for (size_t k = 0; k < d->n_nodes; k++) {
      const pyi_diff_node *x = d->nodes[k];
      nodes++;
      ck_assert_msg(pyi_diff_node_delta(x) == 0, "%s: %s changed", cases[i],
                    x->name);
      ck_assert_int_eq(pyi_diff_node_status(x), PYI_DIFF_BOTH);
      ck_assert(pyi_diff_node_shown(x)); /* no threshold: everything */
    }
    ck_assert_uint_ge(nodes, 1);
    ck_assert_ptr_null(pyi_diff_regression(d, 0));
    const pyi_diff_node *top[10];
    ck_assert_uint_eq(pyi_diff_top(d, true, top), 0);
    ck_assert_uint_eq(pyi_diff_top(d, false, top), 0);
    pyi_diff_free(d);
    /* with the default threshold nothing is shown but the root */
    d = diff_of(s, s, 0, false);
    for (size_t k = 1; k < d->n_nodes; k++)
      ck_assert(!pyi_diff_node_shown(d->nodes[k]));
    size_t len;
    char *text = pyi_diff_render_string(d, "text", &len, &err);
    ck_assert_ptr_nonnull(strstr(text, "No call path changed"));
    ck_assert_ptr_null(strstr(text, "[added]"));
    free(text);
    pyi_diff_free(d);
    pyi_session_free(s);
  }
}
END_TEST

/* A copy of 's' whose records through a frame called 'fn' take 'factor'
 * times as long. */
static pyi_session *slowed(const pyi_session *s, const char *fn,
                           double factor) {
  pyi_session *c = pyi_session_new();
  pyi_error err = {0};
  pyi_session_set_times(c, s->start_time.v + 60, s->duration.v, s->cpu_time.v);
  pyi_session_set_intervals(c, s->min_interval.v, s->max_interval.v);
  for (size_t i = 0; i < s->n_sys_path; i++)
    pyi_session_add_sys_path(c, s->sys_path[i]);
  for (size_t i = 0; i < s->n_sys_prefixes; i++)
    pyi_session_add_sys_prefix(c, s->sys_prefixes[i]);
  uint32_t *stack = malloc(PYI_MAX_DEPTH * sizeof *stack);
  for (size_t i = 0; i < s->start_depth; i++) {
    size_t len;
    const char *str = pyi_intern_str(s->finfos, s->start_stack[i], &len);
    stack[i] = pyi_session_intern_frame(c, str, len);
  }
  ck_assert_int_eq(
      pyi_session_set_start_call_stack(c, stack, s->start_depth, &err), 0);
  size_t hits = 0;
  for (size_t r = 0; r < s->n_records; r++) {
    size_t d = pyi_session_stack(s, s->rec_stack[r], stack);
    bool hit = false;
    for (size_t i = 0; i < d; i++) {
      size_t len;
      const char *str = pyi_intern_str(s->finfos, stack[i], &len);
      hit |= strncmp(str, fn, strlen(fn)) == 0 && str[strlen(fn)] == 0;
      stack[i] = pyi_session_intern_frame(c, str, len);
    }
    hits += hit;
    ck_assert_int_eq(pyi_session_add_record(c, stack, d,
                                            s->rec_time[r] * (hit ? factor : 1),
                                            &err),
                     0);
  }
  ck_assert_uint_gt(hits, 0);
  free(stack);
  return c;
}

START_TEST(one_function_made_slower_is_on_top) {
  pyi_error err = {0};
  pyi_session *base = pyi_session_load(corpus_path("stdlib"), &err);
  ck_assert_ptr_nonnull(base);
  pyi_session *new_ = slowed(base, "table", 3);
  pyi_diff *d = diff_of(base, new_, 0, false);
  const pyi_diff_node *top[10];
  ck_assert_uint_ge(pyi_diff_top(d, true, top), 1);
  ck_assert_str_eq(pyi_diff_node_name(top[0]), "table");
  ck_assert_uint_eq(pyi_diff_top(d, false, top), 0);
  /* the biggest change leads there at every level of the tree */
  const pyi_diff_node *n = pyi_diff_node_first_child(pyi_diff_root(d));
  ck_assert_str_eq(pyi_diff_node_name(n), "<module>");
  n = pyi_diff_node_first_child(n);
  ck_assert_str_eq(pyi_diff_node_name(n), "table");
  ck_assert_double_eq_tol(pyi_diff_node_percent(n), 200, 1e-6);
  ck_assert_int_eq(pyi_diff_node_status(n), PYI_DIFF_BOTH);
  /* nothing else moved */
  for (const pyi_diff_node *c = pyi_diff_node_next(n); c;
       c = pyi_diff_node_next(c))
    ck_assert_double_eq(pyi_diff_node_delta(c), 0);
  /* the text report puts it first in the slower list and in the tree */
  size_t len;
  char *text = pyi_diff_render_string(d, "text", &len, &err);
  char *slower = strstr(text, "Slower");
  ck_assert_ptr_nonnull(slower);
  ck_assert_ptr_nonnull(strstr(slower, "table"));
  ck_assert(strstr(slower, "table") < strstr(slower, "\n\n"));
  free(text);
  pyi_diff_free(d);
  pyi_session_free(new_);
  pyi_session_free(base);
}
END_TEST

START_TEST(added_and_removed_paths_are_marked) {
  static const char *const a[] = {"main;a=0.5", "main;b=0.25",
                                  "main;b;deep=0.25", NULL};
  static const char *const b[] = {"main;a=0.5", "main;c=0.25", NULL};
  pyi_session *sa = mk(a), *sb = mk(b);
  pyi_diff *d = diff_of(sa, sb, -1, false);
  const pyi_diff_node *main = path(d, (const char *[]){"main", NULL});
  ck_assert_ptr_nonnull(main);
  ck_assert_int_eq(pyi_diff_node_status(child(main, "a")), PYI_DIFF_BOTH);
  const pyi_diff_node *rb = child(main, "b"), *ac = child(main, "c");
  ck_assert_int_eq(pyi_diff_node_status(rb), PYI_DIFF_REMOVED);
  ck_assert_double_eq(pyi_diff_node_base(rb), 0.5);
  ck_assert_double_eq(pyi_diff_node_new(rb), 0);
  ck_assert_double_eq(pyi_diff_node_percent(rb), -100);
  ck_assert_int_eq(pyi_diff_node_status(child(rb, "deep")), PYI_DIFF_REMOVED);
  ck_assert_int_eq(pyi_diff_node_status(ac), PYI_DIFF_ADDED);
  ck_assert(isnan(pyi_diff_node_percent(ac)));
  /* sorted by the size of the change: b (-0.5) before c (+0.25) before a */
  ck_assert_ptr_eq(pyi_diff_node_first_child(main), rb);
  ck_assert_ptr_eq(pyi_diff_node_next(rb), ac);
  /* an added path is a regression whatever the limit */
  ck_assert_ptr_eq(pyi_diff_regression(d, 1e6), ac);
  pyi_error err = {0};
  size_t len;
  char *text = pyi_diff_render_string(d, "text", &len, &err);
  ck_assert_ptr_nonnull(strstr(text, "c  app.py:1  [added]"));
  ck_assert_ptr_nonnull(strstr(text, "b  app.py:1  [removed]"));
  ck_assert_ptr_nonnull(strstr(text, "new"));
  free(text);
  pyi_diff_free(d);
  pyi_session_free(sa);
  pyi_session_free(sb);
}
END_TEST

START_TEST(a_function_that_moved_still_matches) {
  static const char *const a[] = {"main;f@/app/m.py:10=0.5",
                                  "main;g@/app/m.py:30=0.5", NULL};
  static const char *const b[] = {"main;f@/app/m.py:12=0.75",
                                  "main;g@/app/m.py:30=0.5", NULL};
  pyi_session *sa = mk(a), *sb = mk(b);
  pyi_diff *d = diff_of(sa, sb, -1, false);
  const pyi_diff_node *f = path(d, (const char *[]){"main", "f", NULL});
  ck_assert_int_eq(pyi_diff_node_status(f), PYI_DIFF_BOTH);
  ck_assert_str_eq(pyi_diff_node_location(f), "m.py:12"); /* the new place */
  ck_assert_double_eq(pyi_diff_node_delta(f), 0.25);
  pyi_diff_free(d);
  pyi_session_free(sb);
  /* two candidates on one side: no guess, one removed and one added */
  static const char *const c[] = {"main;f@/app/m.py:12=0.5",
                                  "main;f@/app/m.py:20=0.5", NULL};
  sb = mk(c);
  d = diff_of(sa, sb, -1, false);
  const pyi_diff_node *main = path(d, (const char *[]){"main", NULL});
  int added = 0, removed = 0;
  for (const pyi_diff_node *x = pyi_diff_node_first_child(main); x;
       x = pyi_diff_node_next(x)) {
    if (strcmp(pyi_diff_node_name(x), "f") != 0)
      continue;
    added += pyi_diff_node_status(x) == PYI_DIFF_ADDED;
    removed += pyi_diff_node_status(x) == PYI_DIFF_REMOVED;
  }
  ck_assert_int_eq(added, 2);
  ck_assert_int_eq(removed, 1);
  pyi_diff_free(d);
  pyi_session_free(sa);
  pyi_session_free(sb);
}
END_TEST

#define LIB(x) #x "@/usr/lib/python3/lib.py:" #x
START_TEST(library_frames_are_left_out_on_both_sides) {
  /* base: the group libA..libD has one frame to hide (libB), so the report
   * shows it whole; new: libC joins and both are hidden. libB is then
   * kept on both sides, libC (new only, hidden) dropped: same paths. */
  static const char *const a[] = {
      "main;" LIB(1) ";" LIB(2) ";" LIB(4) ";cb=0.5", "main;other=0.5", NULL};
  static const char *const b[] = {
      "main;" LIB(1) ";" LIB(2) ";" LIB(3) ";" LIB(4) ";cb=0.75",
      "main;other=0.5", NULL};
  pyi_session *sa = mk(a), *sb = mk(b);
  pyi_diff *d = diff_of(sa, sb, -1, false);
  const pyi_diff_node *cb =
      path(d, (const char *[]){"main", "1", "2", "4", "cb", NULL});
  ck_assert_ptr_nonnull(cb);
  ck_assert_int_eq(pyi_diff_node_status(cb), PYI_DIFF_BOTH);
  ck_assert_double_eq(pyi_diff_node_delta(cb), 0.25);
  for (size_t k = 0; k < d->n_nodes; k++)
    ck_assert_int_eq(pyi_diff_node_status(d->nodes[k]), PYI_DIFF_BOTH);
  pyi_diff_free(d);
  /* with --show-all nothing is hidden: libC is an added path */
  pyi_opts *o = pyi_opts_new();
  pyi_error err = {0};
  pyi_opts_set_bool(o, "show_all", true, &err);
  pyi_diff_opts opts = {.opts = o, .threshold = -1};
  d = pyi_diff_new(sa, sb, &opts, &err);
  ck_assert_ptr_nonnull(d);
  const pyi_diff_node *c3 =
      path(d, (const char *[]){"main", "1", "2", "3", NULL});
  ck_assert_ptr_nonnull(c3);
  ck_assert_int_eq(pyi_diff_node_status(c3), PYI_DIFF_ADDED);
  pyi_diff_free(d);
  pyi_opts_free(o);
  pyi_session_free(sa);
  pyi_session_free(sb);
}
END_TEST

START_TEST(threshold_and_normalize) {
  /* new runs twice as long, every path in proportion, but for a tiny one */
  static const char *const a[] = {"main;f=0.5", "main;g=0.496",
                                  "main;tiny=0.004", NULL};
  static const char *const b[] = {"main;f=1.0", "main;g=0.992",
                                  "main;tiny=0.012", NULL};
  pyi_session *sa = mk(a), *sb = mk(b);
  pyi_diff *d = diff_of(sa, sb, 0, false);
  const pyi_diff_node *main = path(d, (const char *[]){"main", NULL});
  ck_assert(pyi_diff_node_shown(child(main, "f")));
  ck_assert(
      !pyi_diff_node_shown(child(main, "tiny"))); /* +0.008 < 1% of 2.004 */
  ck_assert_ptr_eq(pyi_diff_regression(d, 50),
                   pyi_diff_root(d)); /* total +100% */
  ck_assert_ptr_null(pyi_diff_regression(d, 200));
  pyi_diff_free(d);
  d = diff_of(sa, sb, 0, true);
  main = path(d, (const char *[]){"main", NULL});
  ck_assert_double_eq_tol(pyi_diff_node_base(child(main, "f")), 0.5, 1e-12);
  ck_assert_double_eq_tol(pyi_diff_node_delta(child(main, "f")),
                          1.0 / 2.004 - 0.5, 1e-12);
  ck_assert(!pyi_diff_node_shown(child(main, "f"))); /* -0.1 points */
  ck_assert(!pyi_diff_node_shown(child(main, "tiny")));
  ck_assert_ptr_null(pyi_diff_regression(d, 10));
  pyi_diff_free(d);
  /* a threshold of 0.1 % shows tiny (0.4 % -> 0.6 % of the total), and
   * the gate catches it (+50 %) */
  d = diff_of(sa, sb, 0.1, true);
  main = path(d, (const char *[]){"main", NULL});
  ck_assert(pyi_diff_node_shown(child(main, "tiny")));
  ck_assert_ptr_eq(pyi_diff_regression(d, 10), child(main, "tiny"));
  pyi_diff_free(d);
  pyi_session_free(sa);
  pyi_session_free(sb);
}
END_TEST

START_TEST(regression_gate_picks_the_worst_path) {
  static const char *const a[] = {"main;f=0.5", "main;g=0.5", NULL};
  static const char *const b[] = {"main;f=0.4", "main;g=0.7", NULL};
  pyi_session *sa = mk(a), *sb = mk(b);
  pyi_diff *d = diff_of(sa, sb, 0, false);
  const pyi_diff_node *main = path(d, (const char *[]){"main", NULL});
  ck_assert_ptr_eq(pyi_diff_regression(d, 5),
                   pyi_diff_root(d)); /* total +10% */
  ck_assert_ptr_eq(pyi_diff_regression(d, 10.5), child(main, "g")); /* +40% */
  ck_assert_ptr_eq(pyi_diff_regression(d, 39.9), child(main, "g"));
  ck_assert_ptr_null(pyi_diff_regression(d, 40.1));
  pyi_diff_free(d);
  pyi_session_free(sa);
  pyi_session_free(sb);
}
END_TEST

static void collect(cmark_node *doc, pyi_buf *code, int *markup) {
  cmark_iter *it = cmark_iter_new(doc);
  cmark_event_type ev;
  while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
    cmark_node *n = cmark_iter_get_node(it);
    if (ev != CMARK_EVENT_ENTER)
      continue;
    switch (cmark_node_get_type(n)) {
    case CMARK_NODE_CODE:
    case CMARK_NODE_CODE_BLOCK:
      pyi_buf_puts(code, cmark_node_get_literal(n));
      pyi_buf_putc(code, '\n');
      break;
    case CMARK_NODE_EMPH:
    case CMARK_NODE_LINK:
    case CMARK_NODE_HTML_INLINE:
    case CMARK_NODE_HTML_BLOCK:
      (*markup)++;
      break;
    default:
      break;
    }
  }
  cmark_iter_free(it);
}

START_TEST(markdown_round_trips_through_cmark) {
  static const char *const a[] = {"main;*star*_x_=0.5", "main;a`b``c=0.5",
                                  "main;[l](u)<b>=0.5", NULL};
  static const char *const b[] = {"main;*star*_x_=0.9", "main;a`b``c=0.1",
                                  "main;[l](u)<b>=0.7", NULL};
  pyi_session *sa = mk(a), *sb = mk(b);
  pyi_diff *d = diff_of(sa, sb, 0, false);
  pyi_error err = {0};
  size_t len;
  char *md = pyi_diff_render_string(d, "markdown", &len, &err);
  ck_assert_ptr_nonnull(md);
  cmark_node *doc = cmark_parse_document(md, len, CMARK_OPT_DEFAULT);
  pyi_buf code = PYI_BUF_INIT;
  int markup = 0;
  collect(doc, &code, &markup);
  ck_assert_int_eq(markup, 0); /* no name became emphasis, a link or HTML */
  const char *names[] = {"*star*_x_", "a`b``c", "[l](u)<b>"};
  for (int i = 0; i < 3; i++) {
    char line[64];
    snprintf(line, sizeof line, "\n%s\n", names[i]);
    /* a code span holding exactly the name, and the name in the tree */
    ck_assert_msg(strstr(code.ptr, line) ||
                      strncmp(code.ptr, line + 1, strlen(line) - 1) == 0,
                  "no code span '%s' in:\n%s", names[i], md);
    snprintf(line, sizeof line, " %s  app.py:1", names[i]);
    ck_assert_ptr_nonnull(strstr(code.ptr, line));
  }
  /* slower first: *star*_x_ (+0.4) leads its list, a`b``c (-0.4) the other */
  const char *slower = strstr(md, "## Slower"),
             *faster = strstr(md, "## Faster");
  ck_assert(slower && faster && slower < faster);
  ck_assert(strstr(slower, "*star*") < faster);
  ck_assert(strstr(faster, "a`b``c") != NULL);
  pyi_buf_release(&code);
  cmark_node_free(doc);
  free(md);
  pyi_diff_free(d);
  pyi_session_free(sa);
  pyi_session_free(sb);
}
END_TEST

START_TEST(json_holds_every_node) {
  pyi_error err = {0};
  pyi_session *base = pyi_session_load(corpus_path("stdlib"), &err);
  pyi_session *new_ = pyi_session_load(corpus_path("stdlib-fine"), &err);
  ck_assert(base && new_);
  pyi_diff *d = diff_of(base, new_, 0, false);
  size_t len, hidden = 0;
  for (size_t k = 0; k < d->n_nodes; k++)
    hidden += !pyi_diff_node_shown(d->nodes[k]);
  ck_assert_uint_gt(hidden, 0);
  char *j = pyi_diff_render_string(d, "json", &len, &err);
  cJSON *doc = cJSON_Parse(j);
  ck_assert_ptr_nonnull(doc);
  /* count nodes without recursion: a queue of arrays */
  size_t count = 0;
  cJSON **queue = malloc(d->n_nodes * sizeof *queue);
  size_t head = 0, tail = 0;
  queue[tail++] = cJSON_GetObjectItem(doc, "root");
  while (head < tail) {
    cJSON *n = queue[head++];
    count++;
    ck_assert(cJSON_IsNumber(cJSON_GetObjectItem(n, "delta")));
    cJSON *kids = cJSON_GetObjectItem(n, "children");
    for (cJSON *c = kids ? kids->child : NULL; c; c = c->next) {
      ck_assert_uint_lt(tail, d->n_nodes);
      queue[tail++] = c;
    }
  }
  ck_assert_uint_eq(count, d->n_nodes);
  ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "base"), "name")
                       ->valuestring,
                   "base");
  ck_assert(cJSON_IsArray(cJSON_GetObjectItem(doc, "slower")));
  free(queue);
  cJSON_Delete(doc);
  free(j);
  pyi_diff_free(d);
  pyi_session_free(base);
  pyi_session_free(new_);
}
END_TEST

/* The data of an HTML page: its pyi-data element, base64 then zlib. */
static cJSON *html_data(const char *html) {
  static const char mark[] = "id=\"pyi-data\" type=\"application/octet-stream\">";
  static const char b64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const char *p = strstr(html, mark);
  if (!p)
    return NULL;
  p += sizeof mark - 1;
  size_t n = strcspn(p, "<"), k = 0;
  unsigned char *z = malloc(n), *out = NULL;
  unsigned v = 0, bits = 0;
  for (size_t i = 0; i < n && p[i] != '='; i++) {
    const char *c = strchr(b64, p[i]);
    if (!c)
      continue;
    v = v << 6 | (unsigned)(c - b64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      z[k++] = (unsigned char)(v >> bits);
    }
  }
  uLongf cap = 1 << 16;
  int rc;
  for (;;) {
    uLongf got = cap;
    out = realloc(out, cap + 1);
    rc = uncompress(out, &got, z, k);
    if (rc != Z_BUF_ERROR) {
      if (rc == Z_OK)
        out[got] = 0;
      break;
    }
    cap *= 2;
  }
  cJSON *doc = rc == Z_OK ? cJSON_Parse((char *)out) : NULL;
  free(z);
  free(out);
  return doc;
}

START_TEST(text_colours_and_html_escapes) {
  static const char *const a[] = {"main;f=0.5", "main;g<i>=0.5", NULL};
  static const char *const b[] = {"main;f=0.9", "main;g<i>=0.1", NULL};
  pyi_session *sa = mk(a), *sb = mk(b);
  pyi_opts *o = pyi_opts_new();
  pyi_error err = {0};
  pyi_opts_set_bool(o, "color", true, &err);
  pyi_opts_set_bool(o, "unicode", true, &err);
  pyi_diff_opts opts = {.opts = o};
  pyi_diff *d = pyi_diff_new(sa, sb, &opts, &err);
  size_t len;
  char *text = pyi_diff_render_string(d, "text", &len, &err);
  ck_assert_ptr_nonnull(strstr(text, "\x1b[31m+0.400"));
  ck_assert_ptr_nonnull(strstr(text, "\x1b[32m-0.400"));
  ck_assert_ptr_nonnull(strstr(text, "\xe2\x94\x9c\xe2\x94\x80 "));
  free(text);
  char *html = pyi_diff_render_string(d, "html", &len, &err);
  ck_assert_ptr_null(strstr(html, "g<i>")); /* names only inside the data */
  ck_assert_ptr_nonnull(strstr(html, "</html>"));
  cJSON *data = html_data(html), *g = NULL;
  ck_assert_ptr_nonnull(data);
  cJSON *n, *nodes = cJSON_GetObjectItem(data, "nodes");
  cJSON_ArrayForEach(n, nodes) {
    if (strcmp(cJSON_GetArrayItem(n, 1)->valuestring, "g<i>") == 0)
      g = n;
  }
  ck_assert_ptr_nonnull(g);
  ck_assert_double_eq_tol(cJSON_GetArrayItem(g, 3)->valuedouble, 0.5, 1e-12);
  ck_assert_double_eq_tol(cJSON_GetArrayItem(g, 4)->valuedouble, 0.1, 1e-12);
  ck_assert_int_eq(cJSON_GetArrayItem(nodes, 0)->child->valueint, -1);
  cJSON_Delete(data);
  free(html);
  pyi_diff_free(d);
  opts.opts = NULL; /* no colour by default */
  d = pyi_diff_new(sa, sb, &opts, &err);
  text = pyi_diff_render_string(d, "text", &len, &err);
  ck_assert_ptr_null(strchr(text, '\x1b'));
  ck_assert_ptr_nonnull(strstr(text, "`- "));
  free(text);
  pyi_diff_free(d);
  pyi_opts_free(o);
  pyi_session_free(sa);
  pyi_session_free(sb);
}
END_TEST

START_TEST(options_and_formats_are_checked) {
  pyi_error err = {0};
  pyi_opts *o = pyi_opts_new();
  pyi_opts_set_bool(o, "flat", true, &err);
  pyi_diff_opts opts = {.opts = o};
  ck_assert_int_eq(pyi_diff_check(&opts, &err), -1);
  ck_assert_int_eq(err.code, PYI_EARG);
  ck_assert_ptr_nonnull(strstr(err.msg, "flat"));
  opts = (pyi_diff_opts){.threshold = 101};
  ck_assert_int_eq(pyi_diff_check(&opts, &err), -1);
  pyi_opts_free(o);
  ck_assert_str_eq(pyi_diff_format_guess("a/report.MD"), "markdown");
  ck_assert_str_eq(pyi_diff_format_guess("x.html"), "html");
  ck_assert_str_eq(pyi_diff_format_guess("x.json"), "json");
  ck_assert_str_eq(pyi_diff_format_guess("x.txt"), "text");
  ck_assert_ptr_null(pyi_diff_format_guess("x.pyisession"));
  ck_assert_ptr_null(pyi_diff_format_guess(NULL));
  ck_assert(!pyi_diff_format_exists("pstats"));
  /* a session whose tree cannot be built fails with the tree's message */
  pyi_session *bad =
      pyi_session_load(data_path("bad/await-not-leaf.pyisession"), &err);
  ck_assert_ptr_nonnull(bad);
  ck_assert_ptr_null(pyi_diff_new(bad, bad, NULL, &err));
  ck_assert_ptr_nonnull(strstr(err.msg, "await-not-leaf"));
  pyi_session_free(bad);
  static const char *const a[] = {"main=1", NULL};
  pyi_session *s = mk(a);
  pyi_diff *d = pyi_diff_new(s, s, NULL, &err);
  size_t len;
  ck_assert_ptr_null(pyi_diff_render_string(d, "pstats", &len, &err));
  ck_assert_int_eq(err.code, PYI_EARG);
  pyi_diff_free(d);
  pyi_session_free(s);
}
END_TEST

Suite *diff_suite(void) {
  Suite *s = suite_create("diff");
  TCase *tc = tcase_create("diff");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, diff_with_itself_is_all_zeros);
  tcase_add_test(tc, one_function_made_slower_is_on_top);
  tcase_add_test(tc, added_and_removed_paths_are_marked);
  tcase_add_test(tc, a_function_that_moved_still_matches);
  tcase_add_test(tc, library_frames_are_left_out_on_both_sides);
  tcase_add_test(tc, threshold_and_normalize);
  tcase_add_test(tc, regression_gate_picks_the_worst_path);
  tcase_add_test(tc, markdown_round_trips_through_cmark);
  tcase_add_test(tc, json_holds_every_node);
  tcase_add_test(tc, text_colours_and_html_escapes);
  tcase_add_test(tc, options_and_formats_are_checked);
  suite_add_tcase(s, tc);
  return s;
}
