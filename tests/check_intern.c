/* check_intern.c - the intern table and the string builder. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check_suites.h"
#include "intern.h"

START_TEST(intern_returns_same_id_for_equal_strings) {
  char a[] = "main\0app.py\0" "12", b[sizeof a];
  pyi_intern_table *t = pyi_intern_new();
  memcpy(b, a, sizeof a);
  uint32_t ia = pyi_intern(t, a, sizeof a - 1);
  ck_assert_uint_eq(ia, pyi_intern(t, b, sizeof b - 1));
  ck_assert_uint_eq(ia, 1);
  ck_assert_uint_eq(pyi_intern_count(t), 1);
  pyi_intern_free(t);
}
END_TEST

START_TEST(intern_distinguishes_strings_differing_after_nul) {
  pyi_intern_table *t = pyi_intern_new();
  uint32_t a = pyi_intern(t, "f\0a.py", 6);
  uint32_t b = pyi_intern(t, "f\0b.py", 6);
  ck_assert_uint_ne(a, b);
  size_t len;
  const char *s = pyi_intern_str(t, b, &len);
  ck_assert_uint_eq(len, 6);
  ck_assert_int_eq(memcmp(s, "f\0b.py", 6), 0);
  ck_assert_uint_eq(pyi_intern_find(t, "f\0c.py", 6), 0);
  pyi_intern_free(t);
}
END_TEST

START_TEST(intern_keeps_ids_dense_through_growth) {
  pyi_intern_table *t = pyi_intern_new();
  char key[32];
  for (int i = 0; i < 100000; i++) {
    int n = snprintf(key, sizeof key, "frame-%d", i);
    ck_assert_uint_eq(pyi_intern(t, key, (size_t)n), (uint32_t)i + 1);
  }
  for (int i = 0; i < 100000; i += 997) {
    int n = snprintf(key, sizeof key, "frame-%d", i);
    ck_assert_uint_eq(pyi_intern_find(t, key, (size_t)n), (uint32_t)i + 1);
  }
  pyi_intern_free(t);
}
END_TEST

START_TEST(buf_builds_and_detaches) {
  pyi_buf b = PYI_BUF_INIT;
  ck_assert_str_eq(pyi_buf_cstr(&b), "");
  pyi_buf_puts(&b, "abc");
  pyi_buf_printf(&b, "-%d-", 42);
  for (int i = 0; i < 1000; i++)
    pyi_buf_putc(&b, 'x');
  ck_assert_uint_eq(b.len, 3 + 4 + 1000);
  ck_assert_int_eq(strncmp(b.ptr, "abc-42-x", 8), 0);
  char *s = pyi_buf_detach(&b);
  ck_assert_uint_eq(b.len, 0);
  ck_assert_ptr_null(b.ptr);
  ck_assert_uint_eq(strlen(s), 1007);
  free(s);
}
END_TEST

Suite *intern_suite(void) {
  Suite *s = suite_create("intern");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, intern_returns_same_id_for_equal_strings);
  tcase_add_test(tc, intern_distinguishes_strings_differing_after_nul);
  tcase_add_test(tc, intern_keeps_ids_dense_through_growth);
  tcase_add_test(tc, buf_builds_and_detaches);
  suite_add_tcase(s, tc);
  return s;
}
