/* check_text.c - the console renderer's options, checked against the text
 * pyinstrument prints for the spec's worked example. */
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"

static pyi_session *ex(void) {
  pyi_error err = {0};
  pyi_session *s = pyi_session_load(data_path("good/ex.pyisession"), &err);
  ck_assert_msg(s != NULL, "%s", err.msg);
  return s;
}

/* The report from its first tree line on (the banner is ours). */
static const char *body(const char *text, const char *first) {
  const char *p = strstr(text, first);
  ck_assert_msg(p != NULL, "no line starting %s in:\n%s", first, text);
  return p;
}

START_TEST(text_unicode_tree) {
  pyi_session *s = ex();
  char *t = render_with(s, "text", "unicode=true", NULL);
  ck_assert_str_eq(body(t, "0.804 main"),
                   "0.804 main  app.py:1\n"
                   "\xe2\x94\x9c\xe2\x94\x80 0.604 compute  app.py:10\n"
                   "\xe2\x94\x82  \xe2\x94\x9c\xe2\x94\x80 0.504 [self]  app.py\n"
                   "\xe2\x94\x82  \xe2\x94\x94\xe2\x94\x80 0.100 sqrt  <built-in>\n"
                   "\xe2\x94\x9c\xe2\x94\x80 0.150 loads  json/__init__.py:299\n"
                   "\xe2\x94\x82     [2 frames hidden]  json\n"
                   "\xe2\x94\x94\xe2\x94\x80 0.050 [self]  app.py\n"
                   "\n");
  free(t);
  pyi_session_free(s);
}
END_TEST

START_TEST(text_ascii_percent) {
  pyi_session *s = ex();
  char *t = render_with(s, "text", "time=percent_of_total", NULL);
  ck_assert_str_eq(body(t, "100.0% main"),
                   "100.0% main  app.py:1\n"
                   "|- 75.1% compute  app.py:10\n"
                   "|  |- 62.7% [self]  app.py\n"
                   "|  `- 12.4% sqrt  <built-in>\n"
                   "|- 18.7% loads  json/__init__.py:299\n"
                   "|     [2 frames hidden]  json\n"
                   "`- 6.2% [self]  app.py\n"
                   "\n");
  free(t);
  pyi_session_free(s);
}
END_TEST

START_TEST(text_timeline_keeps_time_order) {
  pyi_session *s = ex();
  char *t = render_with(s, "text", "timeline=true", NULL);
  ck_assert_str_eq(body(t, "0.804 main"),
                   "0.804 main  app.py:1\n"
                   "|- 0.150 loads  json/__init__.py:299\n"
                   "|     [2 frames hidden]  json\n"
                   "|- 0.600 compute  app.py:10\n"
                   "|  |- 0.500 [self]  app.py\n"
                   "|  `- 0.100 sqrt  <built-in>\n"
                   "`- 0.050 [self]  app.py\n"
                   "\n");
  free(t);
  pyi_session_free(s);
}
END_TEST

START_TEST(text_color_codes) {
  pyi_session *s = ex();
  char *t = render_with(s, "text", "unicode=true", "color=true", NULL);
  const char *want =
      "\x1b[31m0.804\x1b[0m \x1b[48;5;24m\x1b[38;5;15mmain\x1b[0m  \x1b[2mapp.py:1\x1b[0m\n"
      "\xe2\x94\x9c\xe2\x94\x80 \x1b[31m0.604\x1b[0m \x1b[48;5;24m\x1b[38;5;15mcompute\x1b[0m  "
      "\x1b[2mapp.py:10\x1b[0m\n"
      "\xe2\x94\x82  \xe2\x94\x9c\xe2\x94\x80 \x1b[31m0.504\x1b[0m [self]\x1b[0m  \x1b[2mapp.py\x1b[0m\n"
      "\xe2\x94\x82  \xe2\x94\x94\xe2\x94\x80 \x1b[32m0.100\x1b[0m sqrt\x1b[0m  \x1b[2m<built-in>\x1b[0m\n"
      "\xe2\x94\x9c\xe2\x94\x80 \x1b[32m0.150\x1b[0m loads\x1b[0m  \x1b[2mjson/__init__.py:299\x1b[0m\n"
      "\xe2\x94\x82     [2 frames hidden]  \x1b[2mjson\x1b[0m\n"
      "\xe2\x94\x94\xe2\x94\x80 \x1b[32m0.050\x1b[0m [self]\x1b[0m  \x1b[2mapp.py\x1b[0m\n";
  ck_assert_int_eq(strncmp(body(t, "\x1b[31m0.804"), want, strlen(want)), 0);
  free(t);
  pyi_session_free(s);
}
END_TEST

START_TEST(text_flat_self_and_total) {
  pyi_session *s = ex();
  char *t = render_with(s, "text", "flat=true", NULL);
  ck_assert_str_eq(body(t, "0.554"),
                   "0.554 [self]  app.py\n"
                   "0.504 compute  app.py:10\n"
                   "0.150 JSONDecoder.raw_decode  json/decoder.py:343\n"
                   "0.100 sqrt  <built-in>\n"
                   "0.050 main  app.py:1\n"
                   "\n");
  free(t);
  t = render_with(s, "text", "flat=true", "flat_time=total", NULL);
  ck_assert_ptr_nonnull(strstr(t, "0.804 main  app.py:1\n0.604 compute"));
  free(t);
  pyi_session_free(s);
}
END_TEST

START_TEST(text_short_mode_prefixes_lines) {
  pyi_session *s = ex();
  char *t = render_with(s, "text", "short_mode=true", NULL);
  ck_assert_ptr_nonnull(strstr(t, ".  0.804 main  app.py:1\n.  |- 0.604 compute"));
  ck_assert_ptr_nonnull(strstr(t, ".  \n.....................................................\n\n"));
  free(t);
  pyi_session_free(s);
}
END_TEST

START_TEST(text_empty_session) {
  pyi_session *s = session_from_json(
      "{\"start_time\": 1700000000.0, \"duration\": 0, \"sample_count\": 0, \"start_call_stack\": [], "
      "\"target_description\": \"Program: test\", \"cpu_time\": 0, \"frame_records\": []}");
  char *t = render_with(s, "text", NULL);
  ck_assert_ptr_nonnull(strstr(t, "Program: test\n\nNo samples were recorded.\n\n"));
  ck_assert_ptr_nonnull(strstr(t, "Samples:  0"));
  free(t);
  pyi_session_free(s);
}
END_TEST

START_TEST(text_rejects_flat_with_timeline) {
  pyi_opts *o = pyi_opts_new();
  pyi_error err = {0};
  pyi_opts_set(o, "flat", "true", &err);
  pyi_opts_set(o, "timeline", "true", &err);
  ck_assert_int_ne(pyi_render_check("text", o, &err), 0);
  ck_assert_ptr_nonnull(strstr(err.msg, "timeline and flat"));
  pyi_opts_free(o);
  o = pyi_opts_new();
  pyi_opts_set(o, "bogus", "1", &err);
  ck_assert_int_ne(pyi_render_check("text", o, &err), 0);
  ck_assert_ptr_nonnull(strstr(err.msg, "bogus"));
  ck_assert_int_ne(pyi_render_check("pyisession", o, &err), 0);
  pyi_opts_free(o);
}
END_TEST

START_TEST(text_precision_follows_interval) {
  pyi_session *s = session_from_json(
      "{\"start_time\": 1.0, \"duration\": 0.5, \"sample_count\": 1, \"start_call_stack\": [], "
      "\"max_interval\": 0.0001, \"target_description\": \"T\", \"cpu_time\": 0, "
      "\"frame_records\": [[[\"m\\u0000/a/m.py\\u00001\"], 0.12345]]}");
  char *t = render_with(s, "text", NULL);
  ck_assert_ptr_nonnull(strstr(t, "\n0.1235 m  /a/m.py:1\n"));
  free(t);
  pyi_session_free(s);
}
END_TEST

Suite *text_suite(void) {
  Suite *s = suite_create("text");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, text_unicode_tree);
  tcase_add_test(tc, text_ascii_percent);
  tcase_add_test(tc, text_timeline_keeps_time_order);
  tcase_add_test(tc, text_color_codes);
  tcase_add_test(tc, text_flat_self_and_total);
  tcase_add_test(tc, text_short_mode_prefixes_lines);
  tcase_add_test(tc, text_empty_session);
  tcase_add_test(tc, text_rejects_flat_with_timeline);
  tcase_add_test(tc, text_precision_follows_interval);
  suite_add_tcase(s, tc);
  return s;
}
