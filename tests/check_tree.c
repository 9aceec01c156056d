/* check_tree.c - building the timeline tree, trimming the stem, frame
 * properties (class name, short path, application code, self time). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "tree.h"

#define T0 "\"MainThread\\u0000<thread>\\u00001\""
#define META(start) "\"start_time\": 1.0, \"duration\": 1.0, \"sample_count\": 1, " \
  "\"start_call_stack\": [" start "], \"target_description\": \"T\", \"cpu_time\": 0, " \
  "\"sys_path\": [\"/app\", \"/app/lib\", \"\", \"/usr/lib/python3.11\", \"relative/dir\"], " \
  "\"sys_prefixes\": [\"/usr\"]"

static const char *fn(const pyi_tree *t, const pyi_frame *f) {
  static char buf[256];
  const pyi_ident *id = pyi_frame_ident(t, f);
  snprintf(buf, sizeof buf, "%.*s", (int)id->function_len, id->function);
  return buf;
}

static pyi_tree *raw(pyi_session *s) {
  pyi_error err = {0};
  pyi_tree *t = pyi_tree_build(s, PYI_BUILD_ALL_ATTRS, &err);
  ck_assert_msg(t != NULL, "%s", err.msg);
  ck_assert(pyi_tree_check(t));
  return t;
}

START_TEST(build_follows_previous_path_only) {
  /* the spec's worked example: the second compute is a new frame */
  pyi_error err = {0};
  pyi_session *s = pyi_session_load(data_path("good/ex.pyisession"), &err);
  pyi_tree *t = raw(s);
  pyi_frame *main = t->root;
  ck_assert_str_eq(fn(t, main), "main"); /* stem trimmed at start_call_stack */
  ck_assert_double_eq_tol(main->time, 0.804, 1e-12);
  const char *want[] = {"loads", "compute", "[self]", "compute"};
  const double times[] = {0.15, 0.6, 0.05, 0.004};
  int i = 0;
  for (pyi_frame *c = main->first_child; c; c = c->next, i++) {
    ck_assert_int_lt(i, 4);
    ck_assert_str_eq(fn(t, c), want[i]);
    ck_assert_double_eq_tol(c->time, times[i], 1e-12);
  }
  ck_assert_int_eq(i, 4);
  /* compute got records 2 and 3: [self] 0.5 then sqrt 0.1 */
  pyi_frame *compute = main->first_child->next;
  ck_assert_str_eq(fn(t, compute->first_child), "[self]");
  ck_assert_str_eq(fn(t, compute->last_child), "sqrt");
  pyi_tree_free(t);
  pyi_session_free(s);
}
END_TEST

START_TEST(build_credits_attributes_in_first_seen_order) {
  pyi_session *s = session_from_json("{" META(T0) ", \"frame_records\": ["
      "[[" T0 ", \"m\\u0000/app/m.py\\u00001\\u0001l2\"], 0.1],"
      "[[" T0 ", \"m\\u0000/app/m.py\\u00001\\u0001l3\"], 0.2],"
      "[[" T0 ", \"m\\u0000/app/m.py\\u00001\\u0001l2\\u0001cX\"], 0.25]]}");
  pyi_tree *t = raw(s);
  pyi_frame *m = t->root->first_child; /* the start stack holds only the thread */
  ck_assert_str_eq(fn(t, m), "m");
  ck_assert_uint_eq(m->nattrs, 3);
  const char *keys[] = {"l2", "l3", "cX"};
  const double vals[] = {0.35, 0.2, 0.25};
  for (int i = 0; i < 3; i++) {
    ck_assert_str_eq(pyi_intern_str(s->attrs, m->attrs[i].id, NULL), keys[i]);
    ck_assert_double_eq_tol(m->attrs[i].v, vals[i], 1e-12);
  }
  size_t n;
  ck_assert_str_eq(pyi_frame_class_name(t, m, &n), "X");
  pyi_tree_free(t);
  pyi_session_free(s);
}
END_TEST

START_TEST(class_name_tie_goes_to_first) {
  pyi_session *s = session_from_json("{" META(T0) ", \"frame_records\": ["
      "[[" T0 ", \"m\\u0000/app/m.py\\u00001\\u0001cA\"], 1.0],"
      "[[" T0 ", \"m\\u0000/app/m.py\\u00001\\u0001cB\"], 1.0]]}");
  pyi_tree *t = raw(s);
  size_t n;
  ck_assert_str_eq(pyi_frame_class_name(t, t->root->first_child, &n), "A");
  pyi_tree_free(t);
  pyi_session_free(s);
}
END_TEST

START_TEST(two_threads_keep_the_root_frame) {
  pyi_session *s = session_from_json("{" META(T0) ", \"frame_records\": ["
      "[[" T0 ", \"main\\u0000/app/m.py\\u00001\"], 0.4],"
      "[[\"Thread-1\\u0000<thread>\\u00002\", \"work\\u0000/app/w.py\\u00001\"], 0.2]]}");
  pyi_tree *t = raw(s);
  ck_assert_str_eq(fn(t, t->root), "[root]");
  ck_assert_double_eq_tol(t->root->time, 0.6, 1e-12);
  ck_assert_str_eq(fn(t, t->root->first_child), "MainThread");
  ck_assert_str_eq(fn(t, t->root->last_child), "Thread-1");
  pyi_tree_free(t);
  pyi_session_free(s);
}
END_TEST

START_TEST(empty_stack_gives_lone_self_root) {
  pyi_session *s = session_from_json("{" META(T0) ", \"frame_records\": [[[], 0.5]]}");
  pyi_tree *t = raw(s);
  ck_assert_str_eq(fn(t, t->root), "[self]");
  ck_assert_ptr_null(t->root->first_child);
  pyi_tree_free(t);
  pyi_error err = {0};
  t = pyi_tree_build_aggregated(s, true, true, &err);
  ck_assert_str_eq(fn(t, t->root), "[self]");
  pyi_tree_free(t);
  pyi_session_free(s);
}
END_TEST

START_TEST(frame_after_self_is_an_error) {
  pyi_session *s = session_from_json("{" META(T0) ", \"frame_records\": ["
      "[[" T0 ", \"[await]\", \"x\\u0000/app/x.py\\u00001\"], 0.5]]}");
  pyi_error err = {0};
  ck_assert_ptr_null(pyi_tree_build(s, 0, &err));
  ck_assert_ptr_nonnull(strstr(err.msg, "frame_records[0]"));
  memset(&err, 0, sizeof err);
  ck_assert_ptr_null(pyi_tree_build_aggregated(s, true, true, &err));
  ck_assert_int_ne(err.code, 0);
  pyi_session_free(s);
}
END_TEST

START_TEST(trim_stops_where_tree_leaves_start_stack) {
  /* start stack [T, a, b]; tree T-a-{b, c}: trimming stops at a */
  pyi_session *s = session_from_json("{" META(T0 ", \"a\\u0000/app/a.py\\u00001\\u0001l3\", "
                                              "\"b\\u0000/app/b.py\\u00001\"")
      ", \"frame_records\": ["
      "[[" T0 ", \"a\\u0000/app/a.py\\u00001\\u0001l4\", \"b\\u0000/app/b.py\\u00001\"], 0.5],"
      "[[" T0 ", \"a\\u0000/app/a.py\\u00001\", \"c\\u0000/app/c.py\\u00001\"], 0.5]]}");
  pyi_tree *t = raw(s);
  ck_assert_str_eq(fn(t, t->root), "a");
  ck_assert_ptr_null(t->root->parent);
  pyi_tree_free(t);
  pyi_session_free(s);
}
END_TEST

START_TEST(short_paths_follow_python_relpath) {
  static const char *const cases[][2] = {
      {"/app/m.py", "m.py"},
      {"/app/lib/x/y.py", "x/y.py"},
      {"/x.py", "/x.py"},
      {"/usr/lib/python3.11/json/__init__.py", "json/__init__.py"},
      {"rel/p.py", "rel/p.py"},
      {"<built-in>", "<built-in>"},
      {"/app", "."},
      {"//app//m.py", "m.py"},
      {"/app/./m.py", "m.py"},
      {"/app/../app/m.py", "m.py"},
      {"/other/deep/a/b/c/d.py", "/other/deep/a/b/c/d.py"},
  };
  pyi_session *s = session_from_json("{" META(T0) ", \"frame_records\": []}");
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char ident[256];
    int n = snprintf(ident, sizeof ident, "f%c%s%c1", 0, cases[i][0], 0);
    uint32_t id = pyi_session_ident(s, ident, (size_t)n);
    ck_assert_str_eq(pyi_session_short_path(s, id), cases[i][1]);
  }
  pyi_session_free(s);
}
END_TEST

START_TEST(application_code_rules) {
  pyi_session *s = session_from_json("{" META(T0) ", \"frame_records\": ["
      "[[" T0 ", \"a\\u0000/app/a.py\\u00001\", \"s\\u0000<string>\\u00001\"], 0.5],"
      "[[" T0 ", \"l\\u0000/usr/lib/x.py\\u00001\", \"s\\u0000<string>\\u00001\", "
      "\"k\\u0000/usrlocal/k.py\\u00001\"], 0.5]]}");
  pyi_tree *t = raw(s);
  pyi_frame *thread = t->root;
  ck_assert(!pyi_frame_is_app(t, thread)); /* <thread> */
  pyi_frame *a = thread->first_child, *l = a->next;
  ck_assert(pyi_frame_is_app(t, a));
  ck_assert(pyi_frame_is_app(t, a->first_child)); /* <string> under app code */
  ck_assert(!pyi_frame_is_app(t, l));
  ck_assert(!pyi_frame_is_app(t, l->first_child)); /* <string> under library */
  /* plain prefix test: /usr matches /usrlocal */
  ck_assert(!pyi_frame_is_app(t, l->first_child->first_child));
  ck_assert(!pyi_frame_is_app(t, a->first_child->first_child)); /* [self] */
  pyi_tree_free(t);
  pyi_session_free(s);
}
END_TEST

START_TEST(self_time_counts_synthetic_children) {
  pyi_error err = {0};
  pyi_session *s = pyi_session_load(data_path("good/ex.pyisession"), &err);
  pyi_tree *t = raw(s);
  /* main: 0.804 - loads 0.15 - compute 0.6 - compute 0.004 = 0.05 */
  ck_assert_double_eq_tol(pyi_frame_self_time(t, t->root), 0.05, 1e-12);
  pyi_tree_free(t);
  pyi_session_free(s);
}
END_TEST

START_TEST(deep_stack_builds_without_recursion) {
  size_t depth = 8000;
  char *json = malloc(depth * 40 + 1024);
  char *p = json + sprintf(json, "{" META(T0) ", \"frame_records\": [[[" T0);
  for (size_t i = 0; i < depth; i++)
    p += sprintf(p, ", \"f%zu\\u0000/app/r.py\\u0000%zu\"", i % 3, i % 3);
  sprintf(p, "], 1.0]]}");
  pyi_session *s = session_from_json(json);
  ck_assert_ptr_nonnull(s);
  pyi_tree *t = raw(s);
  size_t n = 0;
  for (pyi_frame *f = t->root; f; f = f->first_child)
    n++;
  ck_assert_uint_eq(n, depth + 2); /* thread, frames, [self] */
  pyi_tree_free(t);
  char *text = render_with(s, "text", "unicode=false", NULL);
  ck_assert_ptr_nonnull(text);
  free(text);
  pyi_session_free(s);
  free(json);
}
END_TEST

Suite *tree_suite(void) {
  Suite *s = suite_create("tree");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, build_follows_previous_path_only);
  tcase_add_test(tc, build_credits_attributes_in_first_seen_order);
  tcase_add_test(tc, class_name_tie_goes_to_first);
  tcase_add_test(tc, two_threads_keep_the_root_frame);
  tcase_add_test(tc, empty_stack_gives_lone_self_root);
  tcase_add_test(tc, frame_after_self_is_an_error);
  tcase_add_test(tc, trim_stops_where_tree_leaves_start_stack);
  tcase_add_test(tc, short_paths_follow_python_relpath);
  tcase_add_test(tc, application_code_rules);
  tcase_add_test(tc, self_time_counts_synthetic_children);
  tcase_add_test(tc, deep_stack_builds_without_recursion);
  suite_add_tcase(s, tc);
  return s;
}
