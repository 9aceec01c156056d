/* check_combine.c - pyi_combine_files against the pairwise fold of
 * pyi_session_combine, byte for byte, and its failure modes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_suites.h"
#include "session.h"

static char dir[64];

static void make_dir(void) {
  snprintf(dir, sizeof dir, "/tmp/pyi-combine-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
}

/* Writes 'text' to DIR/name and returns the path (static, one at a time
 * per slot). */
static const char *put_file(int slot, const char *name, const char *text) {
  static char paths[8][160];
  snprintf(paths[slot], sizeof paths[slot], "%s/%s", dir, name);
  FILE *f = fopen(paths[slot], "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  ck_assert_int_eq(fclose(f), 0);
  return paths[slot];
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  char *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n + 65536 > cap)
      buf = realloc(buf, cap = (n + 65536) * 2);
    size_t got = fread(buf + n, 1, 65536, f);
    n += got;
    if (got == 0)
      break;
  }
  fclose(f);
  buf[n] = 0;
  *len = n;
  return buf;
}

/* The reference: load each file, sort by start time (stable, NaN last),
 * fold pyi_session_combine, and save as a string. */
static char *pairwise_fold(const char *const *paths, size_t n, size_t *len) {
  pyi_session **s = calloc(n, sizeof *s);
  pyi_error err = {0};
  for (size_t i = 0; i < n; i++) {
    s[i] = pyi_session_load(paths[i], &err);
    ck_assert_msg(s[i] != NULL, "%s", err.msg);
  }
  /* a stable sort by hand: insertion keeps equal start times in order */
  for (size_t i = 1; i < n; i++) {
    pyi_session *x = s[i];
    size_t j = i;
    while (j > 0) {
      double a = pyi_session_start_time(s[j - 1]),
             b = pyi_session_start_time(x);
      bool after = isnan(a) ? !isnan(b) : (!isnan(b) && a > b);
      if (!after)
        break;
      s[j] = s[j - 1];
      j--;
    }
    s[j] = x;
  }
  pyi_session *acc = s[0];
  for (size_t i = 1; i < n; i++) {
    pyi_session *next = pyi_session_combine(acc, s[i]);
    if (acc != s[0])
      pyi_session_free(acc);
    acc = next;
  }
  char *out = pyi_render_string(acc, "pyisession", NULL, len, NULL, &err);
  ck_assert_ptr_nonnull(out);
  if (acc != s[0])
    pyi_session_free(acc);
  for (size_t i = 0; i < n; i++)
    pyi_session_free(s[i]);
  free(s);
  return out;
}

/* Combines 'paths' with pyi_combine_files and checks the bytes equal the
 * pairwise fold. */
static void check_equals_fold(const char *const *paths, size_t n) {
  char out[160];
  snprintf(out, sizeof out, "%s/combined.pyisession", dir);
  pyi_error err = {0};
  ck_assert_msg(pyi_combine_files(paths, n, out, NULL, &err) == 0, "%s",
                err.msg);
  size_t got_len, want_len;
  char *got = read_file(out, &got_len);
  char *want = pairwise_fold(paths, n, &want_len);
  ck_assert_uint_eq(got_len, want_len);
  ck_assert_msg(memcmp(got, want, want_len) == 0,
                "combined output differs from the fold");
  free(got);
  free(want);
  unlink(out);
}

START_TEST(combine_corpus_equals_pairwise_fold) {
  static const char *const cases[] = {
      "stdlib",     "classes",        "recursion",       "threads-sleep",
      "unicode",    "asyncio",        "cprog",           "module",
      "samename",   "tbhide",         "edge-one-record", "edge-no-intervals",
      "edge-empty", "recursion-fine", "stdlib-fine"};
  size_t n = sizeof cases / sizeof *cases;
  char(*store)[512] = calloc(n, sizeof *store);
  const char **paths = calloc(n, sizeof *paths);
  for (size_t i = 0; i < n; i++) {
    snprintf(store[i], sizeof store[i], "%s", corpus_path(cases[i]));
    paths[i] = store[i];
  }
  make_dir();
  check_equals_fold(paths, n);
  /* every prefix of the list, so that each fold length is covered */
  for (size_t k = 1; k < 5; k++)
    check_equals_fold(paths, k);
  remove_dir();
  free(store);
  free(paths);
}
END_TEST

#define META(start, path, prefixes, desc, recs)                                \
  "{\"start_time\": " start ", \"duration\": 0.1, \"min_interval\": 0.002, "   \
  "\"max_interval\": 0.002, \"sample_count\": 1, \"start_call_stack\": "       \
  "[\"" desc "\"], "                                                           \
  "\"target_description\": \"" desc                                            \
  "\", \"cpu_time\": 0.25, \"sys_path\": " path ", "                           \
  "\"sys_prefixes\": " prefixes ", \"frame_records\": " recs "}"

START_TEST(combine_follows_session_combine_rules) {
  make_dir();
  const char *paths[4];
  paths[0] =
      put_file(0, "a.pyisession",
               META("5.0", "[\"/p1\", \"/p2\"]", "[\"/u\", \"/v\", \"/u\"]",
                    "A", "[[[\"A\"], 0.1]]"));
  paths[1] =
      put_file(1, "b.pyisession",
               META("3.0", "[\"/p2\", \"/p3\", \"/p3\"]", "[\"/w\", \"/u\"]",
                    "B", "[[[\"B\", \"x\"], 0.2], [[\"B\"], 1]]"));
  paths[2] = put_file(
      2, "c.pyisession",
      META("5.0", "[\"/p4\", \"/p1\"]", "[\"/v\", \"/x\"]", "C", "[]"));
  paths[3] =
      put_file(3, "d.pyisession",
               META("NaN", "[\"/p5\"]", "[\"/y\"]", "D", "[[[\"D\"], 0.5]]"));
  check_equals_fold(paths, 4);
  check_equals_fold(paths + 1, 3);
  /* one input comes back as it was: its repeated prefixes too */
  check_equals_fold(paths, 1);
  char out[160];
  snprintf(out, sizeof out, "%s/out.pyisession", dir);
  pyi_error err = {0};
  ck_assert_int_eq(pyi_combine_files(paths, 4, out, NULL, &err), 0);
  pyi_session *s = pyi_session_load(out, &err);
  ck_assert_ptr_nonnull(s);
  ck_assert_double_eq(pyi_session_start_time(s), 3.0);
  ck_assert_str_eq(pyi_session_target_description(s, NULL), "B");
  ck_assert_uint_eq(pyi_session_record_count(s), 4);
  ck_assert_double_eq(pyi_session_sample_count(s), 4);
  ck_assert_double_eq(pyi_session_cpu_time(s), 1.0);
  /* B's sys_path, then A's new entries, then C's, then D's */
  static const char *const want_path[] = {"/p2", "/p3", "/p3",
                                          "/p1", "/p4", "/p5"};
  ck_assert_uint_eq(pyi_session_sys_path_count(s), 6);
  for (size_t i = 0; i < 6; i++)
    ck_assert_str_eq(pyi_session_sys_path(s, i), want_path[i]);
  static const char *const want_prefix[] = {"/w", "/u", "/v", "/x", "/y"};
  ck_assert_uint_eq(pyi_session_sys_prefix_count(s), 5);
  for (size_t i = 0; i < 5; i++)
    ck_assert_str_eq(pyi_session_sys_prefix(s, i), want_prefix[i]);
  /* records: B's, then A's, then C's (none; equal start, given later), D's */
  uint32_t stack[4];
  static const char *const first[] = {"B", "B", "A", "D"};
  for (size_t r = 0; r < 4; r++) {
    pyi_session_stack(s, s->rec_stack[r], stack);
    ck_assert_str_eq(pyi_intern_str(s->finfos, stack[0], NULL), first[r]);
  }
  ck_assert(s->rec_int && s->rec_int[1]); /* an integer time stays one */
  pyi_session_free(s);
  remove_dir();
}
END_TEST

START_TEST(combine_takes_the_last_of_repeated_record_arrays) {
  make_dir();
  const char *paths[2] = {data_path("odd/duplicate-key-records.pyisession"),
                          NULL};
  char keep[512];
  snprintf(keep, sizeof keep, "%s", paths[0]);
  paths[0] = keep;
  paths[1] =
      put_file(0, "later.pyisession",
               META("1800000000.0", "[]", "[]", "L", "[[[\"L\"], 0.1]]"));
  check_equals_fold(paths, 2);
  remove_dir();
}
END_TEST

static int n_skipped;
static char skipped_msg[512];
static void count_skipped(void *ctx, const pyi_error *e) {
  n_skipped++;
  snprintf(skipped_msg, sizeof skipped_msg, "%s", e->msg);
}

START_TEST(combine_bad_input_writes_nothing) {
  make_dir();
  const char *paths[3];
  paths[0] = put_file(0, "good.pyisession",
                      META("1.0", "[]", "[]", "G", "[[[\"G\"], 0.1]]"));
  paths[1] = put_file(1, "bad.pyisession",
                      "{\"start_time\": 1, \"frame_records\": [[[\"x\"], ");
  paths[2] = put_file(2, "good2.pyisession",
                      META("2.0", "[]", "[]", "H", "[[[\"H\"], 0.1]]"));
  const char *out = put_file(3, "out.pyisession", "precious");
  pyi_error err = {0};
  ck_assert_int_eq(pyi_combine_files(paths, 3, out, NULL, &err), -1);
  ck_assert_ptr_nonnull(strstr(err.msg, paths[1]));
  ck_assert_ptr_null(strchr(err.msg, '\n'));
  size_t len;
  char *text = read_file(out, &len);
  ck_assert_str_eq(text, "precious");
  free(text);
  /* skipping it: reported once, and the rest combined as if it were absent */
  pyi_combine_opts o = {.skip_bad = true, .skipped = count_skipped};
  n_skipped = 0;
  ck_assert_int_eq(pyi_combine_files(paths, 3, out, &o, &err), 0);
  ck_assert_int_eq(n_skipped, 1);
  ck_assert_ptr_nonnull(strstr(skipped_msg, paths[1]));
  text = read_file(out, &len);
  const char *rest[2] = {paths[0], paths[2]};
  size_t want_len;
  char *want = pairwise_fold(rest, 2, &want_len);
  ck_assert_uint_eq(len, want_len);
  ck_assert(memcmp(text, want, len) == 0);
  free(text);
  free(want);
  /* nothing left: an error */
  n_skipped = 0;
  ck_assert_int_eq(pyi_combine_files(paths + 1, 1, out, &o, &err), -1);
  ck_assert_int_eq(n_skipped, 1);
  ck_assert_ptr_nonnull(strstr(err.msg, "no session"));
  remove_dir();
}
END_TEST

START_TEST(combine_refuses_misuse) {
  pyi_error err = {0};
  ck_assert_int_eq(pyi_combine_files(NULL, 0, NULL, NULL, &err), -1);
  ck_assert_int_eq(err.code, PYI_EARG);
  const char *twice[] = {"-", "-"};
  ck_assert_int_eq(pyi_combine_files(twice, 2, NULL, NULL, &err), -1);
  ck_assert_int_eq(err.code, PYI_EARG);
  ck_assert_ptr_nonnull(strstr(err.msg, "stdin"));
}
END_TEST

static uint64_t last_records[3];
static int passes_seen;
static void note_progress(void *ctx, const pyi_combine_progress *p) {
  passes_seen |= 1 << p->pass;
  last_records[p->pass] = p->records;
  if (p->pass == 2)
    ck_assert_uint_le(p->records, p->total_records);
}

START_TEST(combine_reports_progress_and_gzips) {
  make_dir();
  const char *paths[2] = {data_path("good/ex.pyisession"), NULL};
  char keep[512];
  snprintf(keep, sizeof keep, "%s", paths[0]);
  paths[0] = keep;
  paths[1] = data_path("odd/gzip.pyisession.gz");
  char out[160];
  snprintf(out, sizeof out, "%s/out.pyisession.gz", dir);
  pyi_combine_opts o = {.progress = note_progress};
  pyi_error err = {0};
  passes_seen = 0;
  ck_assert_msg(pyi_combine_files(paths, 2, out, &o, &err) == 0, "%s", err.msg);
  ck_assert_int_eq(passes_seen, 6);
  ck_assert_uint_eq(last_records[1], 10);
  ck_assert_uint_eq(last_records[2], 10);
  size_t len;
  char *raw = read_file(out, &len);
  ck_assert(len > 2 && (unsigned char)raw[0] == 0x1f &&
            (unsigned char)raw[1] == 0x8b);
  free(raw);
  pyi_session *s = pyi_session_load(out, &err);
  ck_assert_ptr_nonnull(s);
  char *got = pyi_render_string(s, "pyisession", NULL, &len, NULL, &err);
  size_t want_len;
  char *want = pairwise_fold(paths, 2, &want_len);
  ck_assert_uint_eq(len, want_len);
  ck_assert(memcmp(got, want, len) == 0);
  free(got);
  free(want);
  pyi_session_free(s);
  remove_dir();
}
END_TEST

Suite *combine_suite(void) {
  Suite *s = suite_create("combine");
  TCase *tc = tcase_create("combine");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, combine_corpus_equals_pairwise_fold);
  tcase_add_test(tc, combine_follows_session_combine_rules);
  tcase_add_test(tc, combine_takes_the_last_of_repeated_record_arrays);
  tcase_add_test(tc, combine_bad_input_writes_nothing);
  tcase_add_test(tc, combine_refuses_misuse);
  tcase_add_test(tc, combine_reports_progress_and_gzips);
  suite_add_tcase(s, tc);
  return s;
}
