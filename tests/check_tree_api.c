/* check_tree_api.c - the public frame-tree API (tree_api.c): trees built
 * and made by hand, editing, copies between trees, groups by number, one
 * processor on a subtree, self_check, rendering a tree the caller
 * processed, and the session fields a binding replaces. Only pyisession.h
 * is used, as a binding would. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"

#define T0 "\"MainThread\\u0000<thread>\\u00001\""
#define M "\"main\\u0000/app/m.py\\u00001\""
#define C "\"compute\\u0000/app/m.py\\u000010\\u0001l12\""
#define L "\"loads\\u0000/usr/lib/json/__init__.py\\u0000299\""
#define D "\"decode\\u0000/usr/lib/json/decoder.py\\u0000332\\u0001cDec\""
#define SESSION                                                                \
  "{\"start_time\": 1.0, \"duration\": 1.0, \"sample_count\": 4, "            \
  "\"start_call_stack\": [" T0 ", " M "], \"target_description\": \"T\", "    \
  "\"cpu_time\": 0, \"sys_path\": [\"/app\", \"/usr/lib\"], "                \
  "\"sys_prefixes\": [\"/usr\"], \"frame_records\": ["                        \
  "[[" T0 ", " M ", " C "], 0.25], [[" T0 ", " M ", " L ", " D "], 0.125], " \
  "[[" T0 ", " M ", " C "], 0.5], [[" T0 ", " M "], 0.0625]]}"

static const char *fn(const pyi_tree *t, const pyi_frame *f) {
  static char buf[128];
  size_t len;
  const char *s = pyi_frame_function(t, f, &len);
  snprintf(buf, sizeof buf, "%.*s", (int)len, s);
  return buf;
}

static int children(const pyi_frame *f) {
  int n = 0;
  for (const pyi_frame *c = pyi_frame_first_child(f); c;
       c = pyi_frame_next_sibling(c))
    n++;
  return n;
}

START_TEST(tree_new_builds_the_timeline_and_trims) {
  pyi_session *s = session_from_json(SESSION);
  pyi_error err = {0};
  pyi_tree *t = pyi_tree_new(s, true, &err);
  pyi_frame *root = pyi_tree_root(t);
  ck_assert_str_eq(fn(t, root), "main");
  ck_assert_ptr_null(pyi_frame_parent(root));
  ck_assert_int_eq(children(root), 4); /* compute, loads, compute, [self] */
  ck_assert_double_eq_tol(pyi_frame_time(root), 0.9375, 1e-12);
  pyi_frame *loads = pyi_frame_next_sibling(pyi_frame_first_child(root));
  ck_assert_str_eq(pyi_frame_file_short(t, loads), "json/__init__.py");
  ck_assert(!pyi_frame_is_application(t, loads));
  ck_assert(pyi_frame_is_application(t, root));
  size_t len;
  ck_assert_str_eq(pyi_frame_class(t, pyi_frame_first_child(loads), &len), "Dec");
  ck_assert_ptr_null(pyi_frame_check(t, root, true));
  pyi_tree_free(t);
  t = pyi_tree_new(s, false, &err);
  ck_assert_str_eq(fn(t, pyi_tree_root(t)), "MainThread");
  pyi_tree_free(t);
  pyi_session_free(s);
}
END_TEST

START_TEST(frames_made_by_hand_and_edited) {
  pyi_session *s = pyi_session_new();
  pyi_tree *t = pyi_tree_new_empty(s);
  pyi_error err = {0};
  static const char p_info[] = "p\0/x/p.py\0" "1";
  static const char c_info[] = "c\0/x/c.py\0" "2\x01" "cK";
  pyi_frame *p = pyi_frame_make(t, p_info, sizeof p_info - 1, 0.5);
  pyi_frame *c = pyi_frame_make(t, c_info, sizeof c_info - 1, 0.5);
  pyi_frame *self = pyi_frame_make(t, "[self]", 6, 0.25);
  ck_assert_int_eq(pyi_frame_add_child(t, p, c, NULL, &err), 0);
  ck_assert_int_eq(pyi_frame_add_child(t, p, self, c, &err), 0);
  ck_assert_ptr_eq(pyi_frame_last_child(p), self);
  /* leaf-only frames take no children; a frame cannot go below itself */
  ck_assert_int_eq(pyi_frame_add_child(t, self, pyi_frame_make(t, "x", 1, 0), NULL, &err), -1);
  ck_assert_int_eq(err.code, PYI_EARG);
  ck_assert_int_eq(pyi_frame_add_child(t, c, p, NULL, &err), -1);
  /* 0.5 + 0.25 != 0.5: the check names p; absorbed time mends it */
  ck_assert_ptr_eq(pyi_frame_check(t, p, true), p);
  pyi_frame_set_time(p, 0.75);
  ck_assert_ptr_eq(pyi_frame_check(t, p, true), c); /* c has no children */
  ck_assert_ptr_null(pyi_frame_check(t, p, false)); /* p itself holds */
  pyi_frame_set_absorbed_time(c, 0.5);
  ck_assert_ptr_null(pyi_frame_check(t, p, true));
  /* attributes: set, replace, read back in order */
  pyi_frame_set_attr(t, c, "l7", 2, 0.125, false);
  pyi_frame_set_attr(t, c, "cK", 2, 1.0, false);
  size_t len;
  double v;
  ck_assert_int_eq(pyi_frame_attr_count(c), 2);
  ck_assert_int_eq(memcmp(pyi_frame_attr(t, c, 0, &len, &v, NULL), "cK", 2), 0);
  ck_assert_double_eq(v, 1.0);
  pyi_frame_remove(self);
  ck_assert_ptr_null(pyi_frame_parent(self));
  ck_assert_int_eq(children(p), 1);
  pyi_tree_free(t);
  pyi_session_free(s);
}
END_TEST

struct moves {
  int n;
  pyi_frame *first_old, *first_new;
};

static void on_move(void *ctx, pyi_frame *old, pyi_frame *copy) {
  struct moves *m = ctx;
  if (m->n++ == 0) {
    m->first_old = old;
    m->first_new = copy;
  }
}

START_TEST(adopt_copies_a_subtree_between_sessions) {
  pyi_session *a = session_from_json(SESSION), *b = pyi_session_new();
  pyi_error err = {0};
  pyi_tree *from = pyi_tree_new(a, true, &err), *to = pyi_tree_new_empty(b);
  pyi_frame *loads = pyi_frame_next_sibling(pyi_frame_first_child(pyi_tree_root(from)));
  struct moves m = {0};
  pyi_frame *copy = pyi_tree_adopt(to, from, loads, on_move, &m);
  ck_assert_int_eq(m.n, 3); /* loads, decode, [self] */
  ck_assert_ptr_eq(m.first_old, loads);
  ck_assert_ptr_eq(m.first_new, copy);
  ck_assert_ptr_null(pyi_frame_parent(loads)); /* detached from 'from' */
  ck_assert_int_eq(children(pyi_tree_root(from)), 3);
  pyi_tree_free(from); /* the copy no longer needs it */
  pyi_session_free(a);
  size_t len;
  const char *id = pyi_frame_identifier(to, copy, &len);
  ck_assert_int_eq(len, strlen("loads") + 1 + strlen("/usr/lib/json/__init__.py") + 4);
  ck_assert_int_eq(memcmp(id, "loads", 5), 0);
  pyi_frame *decode = pyi_frame_first_child(copy);
  ck_assert_str_eq(pyi_frame_class(to, decode, &len), "Dec");
  ck_assert_double_eq_tol(pyi_frame_time(decode), 0.125, 1e-15);
  ck_assert_ptr_null(pyi_frame_check(to, copy, true));
  pyi_tree_free(to);
  pyi_session_free(b);
}
END_TEST

START_TEST(processors_run_by_name_on_a_subtree) {
  pyi_session *s = session_from_json(SESSION);
  pyi_error err = {0};
  pyi_tree *t = pyi_tree_new(s, true, &err);
  pyi_frame *root = pyi_tree_root(t);
  ck_assert_ptr_eq(pyi_tree_run_processor(t, "aggregate_repeated_calls", root, NULL, &err), root);
  ck_assert_int_eq(children(root), 3);
  ck_assert_str_eq(fn(t, pyi_frame_first_child(root)), "compute");
  ck_assert_double_eq_tol(pyi_frame_time(pyi_frame_first_child(root)), 0.75, 1e-12);
  pyi_opts *o = pyi_opts_new();
  ck_assert_int_eq(pyi_opts_set_number(o, "filter_threshold", 0.2, &err), 0);
  pyi_tree_run_processor(t, "remove_irrelevant_nodes", root, o, &err);
  ck_assert_int_eq(children(root), 1);
  ck_assert_double_eq_tol(pyi_frame_absorbed_time(root), 0.1875, 1e-12);
  ck_assert_ptr_null(pyi_frame_check(t, root, true));
  ck_assert_ptr_null(pyi_tree_run_processor(t, "no_such_processor", root, NULL, &err));
  ck_assert_int_eq(err.code, PYI_EARG);
  ck_assert_int_eq(pyi_opts_set_string(o, "hide_regex", "(", &err), 0);
  ck_assert_ptr_null(pyi_tree_run_processor(t, "group_library_frames_processor", root, o, &err));
  pyi_opts_free(o);
  const char *const *names = pyi_processor_names();
  int n = 0;
  while (names[n])
    n++;
  ck_assert_int_eq(n, 8);
  pyi_tree_free(t);
  pyi_session_free(s);
}
END_TEST

START_TEST(groups_by_number) {
  pyi_session *s = session_from_json(SESSION);
  pyi_error err = {0};
  pyi_tree *t = pyi_tree_new(s, true, &err);
  pyi_frame *root = pyi_tree_run_processor(t, "group_library_frames_processor",
                                           pyi_tree_root(t), NULL, &err);
  pyi_frame *loads = pyi_frame_next_sibling(pyi_frame_first_child(root));
  size_t g = pyi_frame_group_of(t, loads);
  ck_assert_uint_eq(g, 1);
  ck_assert_uint_eq(pyi_tree_group_count(t), 1);
  ck_assert_ptr_eq(pyi_group_root(t, g), loads);
  ck_assert_uint_eq(pyi_group_size(t, g), 3); /* loads, decode, [self] */
  ck_assert_uint_eq(pyi_group_exit_count(t, g), 0);
  ck_assert_int_eq((int)strlen(pyi_group_id(t, g)), 36);
  pyi_group_set(t, 0, pyi_group_frame(t, g, 2));
  ck_assert_uint_eq(pyi_group_size(t, g), 2);
  ck_assert_uint_eq(pyi_group_exit_count(t, g), 1); /* decode -> [self] */
  size_t h = pyi_group_create(t, pyi_frame_first_child(root));
  ck_assert_uint_eq(h, 2);
  pyi_group_set(t, h, loads); /* leaves group 1 */
  ck_assert_uint_eq(pyi_group_size(t, g), 1);
  pyi_tree_free(t);
  pyi_session_free(s);
}
END_TEST

START_TEST(render_a_tree_the_caller_processed) {
  pyi_session *s = session_from_json(SESSION);
  pyi_error err = {0};
  pyi_tree *t = pyi_tree_new(s, true, &err);
  pyi_frame *root = pyi_tree_root(t);
  pyi_tree_run_processor(t, "aggregate_repeated_calls", root, NULL, &err);
  pyi_frame_remove(pyi_frame_first_child(root)); /* compute is gone */
  size_t len;
  char *out = pyi_render_frame_string(s, t, root, "text", NULL, &len, NULL, &err);
  ck_assert_ptr_nonnull(out);
  ck_assert_ptr_nonnull(strstr(out, "loads"));
  ck_assert_ptr_null(strstr(out, "compute"));
  free(out);
  /* no root: the report of a session without samples */
  out = pyi_render_frame_string(s, NULL, NULL, "text", NULL, &len, NULL, &err);
  ck_assert_ptr_nonnull(strstr(out, "No samples were recorded."));
  free(out);
  ck_assert_ptr_null(pyi_render_frame_string(s, t, root, "folded", NULL, &len, NULL, &err));
  ck_assert_int_eq(err.code, PYI_EARG);
  ck_assert(pyi_renderer_draws_tree("pstats") && !pyi_renderer_draws_tree("html"));
  pyi_tree_free(t);
  pyi_session_free(s);
}
END_TEST

START_TEST(session_fields_replaced) {
  pyi_session *s = session_from_json(SESSION);
  ck_assert_str_eq(pyi_session_shorten_path(s, "/usr/lib/json/x.py", 18), "json/x.py");
  ck_assert_str_eq(pyi_session_shorten_path(s, "<built-in>", 10), "<built-in>");
  ck_assert_str_eq(pyi_session_shorten_path(s, "", 0), "");
  pyi_session_clear_sys_path(s);
  ck_assert_uint_eq(pyi_session_sys_path_count(s), 0);
  /* answered again with the sys_path of now */
  ck_assert_str_eq(pyi_session_shorten_path(s, "/usr/lib/json/x.py", 18),
                   "/usr/lib/json/x.py");
  pyi_session_add_sys_path(s, "/usr");
  ck_assert_str_eq(pyi_session_shorten_path(s, "/usr/lib/json/x.py", 18), "lib/json/x.py");
  pyi_session_clear_records(s);
  ck_assert_uint_eq(pyi_session_record_count(s), 0);
  pyi_error err = {0};
  pyi_tree *t = pyi_tree_new(s, true, &err);
  ck_assert_ptr_null(pyi_tree_root(t));
  pyi_tree_free(t);
  pyi_session_free(s);
}
END_TEST

START_TEST(deep_trees_need_no_deep_stack) {
  /* 8000 frames deep, built by hand: checked, copied and processed without
   * recursion */
  pyi_session *s = pyi_session_new();
  pyi_tree *t = pyi_tree_new_empty(s), *u = pyi_tree_new_empty(s);
  pyi_error err = {0};
  pyi_frame *top = pyi_frame_make(t, "f", 1, 1.0), *f = top;
  for (int i = 0; i < 8000; i++) {
    pyi_frame *c = pyi_frame_make(t, "f", 1, 1.0);
    ck_assert_int_eq(pyi_frame_add_child(t, f, c, NULL, &err), 0);
    f = c;
  }
  pyi_frame_add_child(t, f, pyi_frame_make(t, "[self]", 6, 1.0), NULL, &err);
  ck_assert_ptr_null(pyi_frame_check(t, top, true));
  pyi_frame *copy = pyi_tree_adopt(u, t, top, NULL, NULL);
  ck_assert_ptr_null(pyi_frame_check(u, copy, true));
  pyi_tree_run_processor(u, "aggregate_repeated_calls", copy, NULL, &err);
  ck_assert_double_eq(pyi_frame_await_time(u, copy), 0.0);
  pyi_tree_free(t);
  pyi_tree_free(u);
  pyi_session_free(s);
}
END_TEST

Suite *tree_api_suite(void) {
  Suite *s = suite_create("tree_api");
  TCase *tc = tcase_create("tree_api");
  tcase_add_test(tc, tree_new_builds_the_timeline_and_trims);
  tcase_add_test(tc, frames_made_by_hand_and_edited);
  tcase_add_test(tc, adopt_copies_a_subtree_between_sessions);
  tcase_add_test(tc, processors_run_by_name_on_a_subtree);
  tcase_add_test(tc, groups_by_number);
  tcase_add_test(tc, render_a_tree_the_caller_processed);
  tcase_add_test(tc, session_fields_replaced);
  tcase_add_test(tc, deep_trees_need_no_deep_stack);
  suite_add_tcase(s, tc);
  return s;
}
