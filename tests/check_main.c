/* check_main.c - runs every unit-test suite. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"

pyi_session *session_from_json(const char *json) {
  pyi_error err = {0};
  pyi_session *s = pyi_session_load_mem(json, strlen(json), "test", &err);
  if (!s)
    fprintf(stderr, "session_from_json: %s\n", err.msg);
  return s;
}

const char *data_path(const char *rel) {
  static char buf[4096];
  snprintf(buf, sizeof buf, "%s/%s", TEST_DATA, rel);
  return buf;
}

const char *corpus_path(const char *name) {
  static char buf[4096];
  snprintf(buf, sizeof buf, "%s/conformance/cases/%s/session.pyisession",
           SHARED_DIR, name);
  return buf;
}

char *render_with(const pyi_session *s, const char *renderer, ...) {
  pyi_opts *o = pyi_opts_new();
  pyi_error err = {0};
  va_list ap;
  va_start(ap, renderer);
  for (const char *kv; (kv = va_arg(ap, const char *));) {
    const char *eq = strchr(kv, '=');
    char key[128];
    snprintf(key, sizeof key, "%.*s", (int)(eq - kv), kv);
    ck_assert_int_eq(pyi_opts_set(o, key, eq + 1, &err), 0);
  }
  va_end(ap);
  size_t len;
  char *out = pyi_render_string(s, renderer, o, &len, NULL, &err);
  if (!out)
    fprintf(stderr, "render_with: %s\n", err.msg);
  pyi_opts_free(o);
  return out;
}

int main(void) {
  SRunner *sr = srunner_create(intern_suite());
  srunner_add_suite(sr, load_suite());
  srunner_add_suite(sr, tree_suite());
  srunner_add_suite(sr, proc_suite());
  srunner_add_suite(sr, text_suite());
  srunner_add_suite(sr, misc_suite());
  srunner_add_suite(sr, formats_suite());
  srunner_add_suite(sr, formats2_suite());
  srunner_add_suite(sr, combine_suite());
  srunner_add_suite(sr, diff_suite());
  srunner_add_suite(sr, tree_api_suite());
  srunner_add_suite(sr, timeline_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
