/* check_proc.c - each processor, the fused aggregate build against the
 * exact pipeline, glob translation and Python-regex matching. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "proc.h"

static const char *fn(const pyi_tree *t, const pyi_frame *f) {
  static char buf[256];
  const pyi_ident *id = pyi_frame_ident(t, f);
  snprintf(buf, sizeof buf, "%.*s", (int)id->function_len, id->function);
  return buf;
}

static pyi_session *ex(void) {
  pyi_error err = {0};
  pyi_session *s = pyi_session_load(data_path("good/ex.pyisession"), &err);
  ck_assert_msg(s != NULL, "%s", err.msg);
  return s;
}

static pyi_tree *process(pyi_session *s, unsigned mask, bool exact) {
  pyi_error err = {0};
  pyi_proc_opts o = {0.01, NULL, NULL};
  pyi_tree *t = pyi_tree_process(s, mask, &o, exact, &err);
  ck_assert_msg(t != NULL, "%s", err.msg);
  ck_assert(pyi_tree_check(t));
  return t;
}

/* Same shape, identifiers and times (to rounding). */
static void assert_same_tree(const pyi_tree *a, const pyi_tree *b, const char *what) {
  const pyi_frame *x = a->root, *y = b->root;
  ck_assert_msg((x == NULL) == (y == NULL), "%s: one tree is empty", what);
  while (x && y) {
    ck_assert_msg(x->ident == y->ident, "%s: %s vs %s", what, fn(a, x), fn(b, y));
    ck_assert_msg(fabs(x->time - y->time) <= 1e-9 * (1 + fabs(x->time)), "%s: %s time %g vs %g",
                  what, fn(a, x), x->time, y->time);
    ck_assert_msg(fabs(x->absorbed - y->absorbed) <= 1e-9 * (1 + fabs(x->time)),
                  "%s: %s absorbed", what, fn(a, x));
    ck_assert_msg((x->first_child == NULL) == (y->first_child == NULL), "%s: %s children",
                  what, fn(a, x));
    const pyi_frame *nx = pyi_frame_next_pre(a->root, x, false);
    const pyi_frame *ny = pyi_frame_next_pre(b->root, y, false);
    ck_assert_msg((nx == NULL) == (ny == NULL), "%s: sizes differ after %s", what, fn(a, x));
    x = nx;
    y = ny;
  }
}

START_TEST(aggregate_merges_and_sorts) {
  pyi_session *s = ex();
  pyi_tree *t = process(s, PYI_PROC_IMPORTLIB | PYI_PROC_TBHIDE | PYI_PROC_MERGE_SELF |
                               PYI_PROC_AGGREGATE, true);
  pyi_frame *main = t->root;
  ck_assert_str_eq(fn(t, main->first_child), "compute");
  ck_assert_double_eq_tol(main->first_child->time, 0.604, 1e-12);
  ck_assert_str_eq(fn(t, main->first_child->first_child), "[self]");
  ck_assert_double_eq_tol(main->first_child->first_child->time, 0.504, 1e-12);
  ck_assert_str_eq(fn(t, main->first_child->next), "loads");
  ck_assert_str_eq(fn(t, main->last_child), "[self]");
  pyi_tree_free(t);
  pyi_session_free(s);
}
END_TEST

START_TEST(irrelevant_nodes_are_absorbed) {
  pyi_session *s = ex();
  /* timeline pipeline: the 0.004 compute (under 1% of 0.804) goes */
  pyi_tree *t = process(s, PYI_PROCS_TIMELINE, true);
  pyi_frame *main = t->root;
  int n = 0;
  for (pyi_frame *c = main->first_child; c; c = c->next)
    n++;
  ck_assert_int_eq(n, 3);
  ck_assert_double_eq_tol(main->absorbed, 0.004, 1e-12);
  pyi_tree_free(t);
  /* the threshold is strict: exactly at it survives */
  pyi_tree *raw = pyi_tree_build(s, 0, NULL);
  pyi_proc_remove_irrelevant(raw, 0.004 / 0.804);
  n = 0;
  for (pyi_frame *c = raw->root->first_child; c; c = c->next)
    n++;
  ck_assert_int_eq(n, 4);
  pyi_tree_free(raw);
  pyi_session_free(s);
}
END_TEST

START_TEST(unnecessary_self_nodes_become_absorbed_time) {
  pyi_session *s = ex();
  pyi_tree *t = process(s, PYI_PROCS_PSTATS, true);
  pyi_frame *compute = t->root->first_child;
  pyi_frame *sqrt_f = compute->last_child;
  ck_assert_str_eq(fn(t, sqrt_f), "sqrt");
  ck_assert_ptr_null(sqrt_f->first_child);
  ck_assert_double_eq_tol(sqrt_f->absorbed, 0.1, 1e-12);
  pyi_tree_free(t);
  pyi_session_free(s);
}
END_TEST

START_TEST(library_frames_form_groups) {
  pyi_session *s = ex();
  pyi_tree *t = process(s, PYI_PROCS_TEXT, true);
  pyi_frame *loads = t->root->first_child->next;
  ck_assert_str_eq(fn(t, loads), "loads");
  pyi_group *g = pyi_frame_group(t, loads);
  ck_assert_ptr_nonnull(g);
  ck_assert_ptr_eq(g->root, loads);
  ck_assert_uint_eq(g->n, 3); /* loads, decode, raw_decode */
  /* sqrt is hidden but has no hidden child: no group */
  ck_assert_ptr_null(pyi_frame_group(t, t->root->first_child->last_child));
  ck_assert_uint_eq(t->n_groups, 1);
  pyi_tree_free(t);
  pyi_session_free(s);
}
END_TEST

START_TEST(cli_shaped_stacks_lose_pyinstrument_frames) {
#define TH "\"MainThread\\u0000<thread>\\u00001\""
#define PM "\"main\\u0000/opt/x/pyinstrument/__main__.py\\u000029\""
#define PRE TH ", " PM ", \"<module>\\u0000<string>\\u00001\", \"run_path\\u0000<frozen runpy>\\u0000262\", " \
  "\"_run_module_code\\u0000<frozen runpy>\\u000092\", \"_run_code\\u0000<frozen runpy>\\u000065\", " \
  "\"<module>\\u0000/app/s.py\\u00001\""
  pyi_session *s = session_from_json(
      "{\"start_time\": 1.0, \"duration\": 1.0, \"sample_count\": 3, \"start_call_stack\": [" TH ", " PM "], "
      "\"target_description\": \"T\", \"cpu_time\": 0, \"sys_path\": [\"/app\"], \"sys_prefixes\": [\"/usr\"], "
      "\"frame_records\": ["
      "[[" PRE ", \"_find_and_load\\u0000<frozen importlib._bootstrap>\\u00001165\", "
      "\"exec_module\\u0000<frozen importlib._bootstrap_external>\\u0000934\", \"<module>\\u0000/app/mod.py\\u00001\"], 0.2],"
      "[[" PRE ", \"helper\\u0000/app/s.py\\u000010\\u0001h1\", \"work\\u0000/app/s.py\\u000020\"], 0.5],"
      "[[" PRE ", \"helper\\u0000/app/s.py\\u000010\\u0001h1\"], 0.1]]}");
  ck_assert_ptr_nonnull(s);
  for (int exact = 0; exact < 2; exact++) {
    pyi_tree *t = process(s, PYI_PROCS_TEXT, exact);
    pyi_frame *root = t->root;
    ck_assert_str_eq(fn(t, root), "<module>");
    ck_assert_str_eq(pyi_frame_short_path(t, root), "s.py");
    const char *want[] = {"work", "<module>", "[self]"};
    int i = 0;
    for (pyi_frame *c = root->first_child; c; c = c->next, i++)
      ck_assert_str_eq(fn(t, c), want[i]);
    ck_assert_int_eq(i, 3);
    pyi_tree_free(t);
  }
  /* with show_all the importlib frames and helper stay */
  pyi_tree *t = process(s, PYI_PROCS_TEXT & ~PYI_PROCS_HIDING, false);
  ck_assert_str_eq(fn(t, t->root->first_child), "helper");
  ck_assert_str_eq(fn(t, t->root->last_child), "_find_and_load");
  pyi_tree_free(t);
  pyi_session_free(s);
}
END_TEST

START_TEST(fused_build_equals_exact_pipeline_on_corpus) {
  static const char *const cases[] = {"asyncio", "classes", "cprog", "module", "recursion",
                                      "recursion-fine", "samename", "stdlib", "stdlib-fine",
                                      "tbhide", "threads-sleep", "unicode", "edge-one-record"};
  static const unsigned masks[] = {PYI_PROCS_TEXT, PYI_PROCS_PSTATS,
                                   PYI_PROCS_TEXT & ~PYI_PROCS_HIDING};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    pyi_error err = {0};
    pyi_session *s = pyi_session_load(corpus_path(cases[i]), &err);
    ck_assert_msg(s != NULL, "%s", err.msg);
    for (size_t m = 0; m < 3; m++) {
      pyi_tree *a = process(s, masks[m], false), *b = process(s, masks[m], true);
      assert_same_tree(a, b, cases[i]);
      pyi_tree_free(a);
      pyi_tree_free(b);
    }
    pyi_session_free(s);
  }
}
END_TEST

START_TEST(glob_translates_like_fnmatch) {
  static const char *const cases[][2] = {
      {"*.py", "(?s:.*\\.py)\\Z"},
      {"a?b", "(?s:a.b)\\Z"},
      {"[!abc]x", "(?s:[^abc]x)\\Z"},
      {"[a-z]*", "(?s:[a-z].*)\\Z"},
      {"**/x", "(?s:.*/x)\\Z"},
      {"x[", "(?s:x\\[)\\Z"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char *re = pyi_glob_to_regex(cases[i][0]);
    ck_assert_str_eq(re, cases[i][1]);
    free(re);
  }
}
END_TEST

static bool matches(const char *re, const char *s) {
  pyi_error err = {0};
  pyi_regex *r = pyi_regex_new(re, &err);
  ck_assert_msg(r != NULL, "%s", err.msg);
  bool m = pyi_regex_match(r, s, strlen(s));
  pyi_regex_free(r);
  return m;
}

static bool glob_matches(const char *glob, const char *s) {
  char *re = pyi_glob_to_regex(glob);
  bool m = matches(re, s);
  free(re);
  return m;
}

START_TEST(regex_behaves_like_python_re_match) {
  ck_assert(!matches("requests", "/venv/site-packages/requests/api.py")); /* anchored */
  ck_assert(matches(".*requests", "/venv/site-packages/requests/api.py"));
  ck_assert(matches("a\\Z", "a"));
  ck_assert(!matches("a\\Z", "a\n")); /* \Z is the very end in Python */
  ck_assert(matches("a$", "a\n"));
  ck_assert(!matches("a.b", "a\nb"));
  ck_assert(matches("x{,2}y", "xxy"));
  ck_assert(matches("(?P<n>a)(?P=n)", "aa"));
  ck_assert(matches("\\w+\\.py", "\xc3\xbc" "ber.py")); /* Unicode \w */
  pyi_error err = {0};
  ck_assert_ptr_null(pyi_regex_new("(unclosed", &err));
  ck_assert_int_eq(err.code, PYI_EARG);
  ck_assert(glob_matches("*/site-packages/*", "/v/lib/site-packages/x.py"));
  ck_assert(!glob_matches("*/site-packages/*", "/v/lib/site-packages"));
  ck_assert(glob_matches("*a*b*", "xaxbx"));
  ck_assert(glob_matches("a[]]b", "a]b"));
  ck_assert(glob_matches("foo\\bar", "foo\\bar"));
  ck_assert(glob_matches("?", "\xc3\xbc")); /* one character, not one byte */
  ck_assert(glob_matches("*x", "a\nx"));
}
END_TEST

Suite *proc_suite(void) {
  Suite *s = suite_create("proc");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, aggregate_merges_and_sorts);
  tcase_add_test(tc, irrelevant_nodes_are_absorbed);
  tcase_add_test(tc, unnecessary_self_nodes_become_absorbed_time);
  tcase_add_test(tc, library_frames_form_groups);
  tcase_add_test(tc, cli_shaped_stacks_lose_pyinstrument_frames);
  tcase_add_test(tc, fused_build_equals_exact_pipeline_on_corpus);
  tcase_add_test(tc, glob_translates_like_fnmatch);
  tcase_add_test(tc, regex_behaves_like_python_re_match);
  suite_add_tcase(s, tc);
  return s;
}
