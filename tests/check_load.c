/* check_load.c - the session reader: plain, gzip, stdin, defaults for
 * missing keys, malformed inputs, interning, and saving it back. */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "check_suites.h"
#include "session.h"

#define HEAD "\"start_time\": 1.5, \"duration\": 2, \"sample_count\": 1, " \
             "\"start_call_stack\": [], \"target_description\": \"T\", \"cpu_time\": 0.25"
#define REC "[[\"T\\u0000<thread>\\u00001\", \"f\\u0000a.py\\u00003\\u0001l4\"], 0.5]"

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  char *b = malloc((size_t)n + 1);
  ck_assert_uint_eq(fread(b, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  b[n] = 0;
  *len = (size_t)n;
  return b;
}

static const char *load_error(const char *json) {
  static pyi_error err;
  memset(&err, 0, sizeof err);
  pyi_session *s = pyi_session_load_mem(json, strlen(json), "bad.pyisession", &err);
  ck_assert_ptr_null(s);
  ck_assert_int_ne(err.code, 0);
  ck_assert_ptr_null(strchr(err.msg, '\n'));
  return err.msg;
}

START_TEST(load_reads_every_key) {
  pyi_error err = {0};
  pyi_session *s = pyi_session_load(data_path("good/ex.pyisession"), &err);
  ck_assert_msg(s != NULL, "%s", err.msg);
  ck_assert_double_eq(pyi_session_start_time(s), 1700000000.25);
  ck_assert_double_eq(pyi_session_duration(s), 0.81);
  ck_assert_double_eq(pyi_session_sample_count(s), 5);
  ck_assert_double_eq(pyi_session_cpu_time(s), 0.875);
  ck_assert_double_eq(pyi_session_max_interval(s), 0.001);
  ck_assert_str_eq(pyi_session_target_description(s, NULL), "Program: app.py");
  ck_assert_uint_eq(pyi_session_sys_path_count(s), 2);
  ck_assert_str_eq(pyi_session_sys_path(s, 1), "/usr/lib/python3.11");
  ck_assert_uint_eq(pyi_session_sys_prefix_count(s), 2);
  ck_assert_uint_eq(pyi_session_record_count(s), 5);
  ck_assert_uint_eq(s->start_depth, 2);
  /* 11 distinct frame infos: main appears with four line attributes */
  ck_assert_uint_eq(pyi_intern_count(s->finfos), 11);
  pyi_session_free(s);
}
END_TEST

START_TEST(load_interns_repeated_frames_once) {
  const char *json = "{" HEAD ", \"frame_records\": [" REC ", " REC ", " REC "]}";
  pyi_session *s = session_from_json(json);
  ck_assert_ptr_nonnull(s);
  ck_assert_uint_eq(pyi_session_record_count(s), 3);
  ck_assert_uint_eq(pyi_intern_count(s->finfos), 2);
  ck_assert_uint_eq(s->n_nodes, 3); /* empty stack + two trie nodes */
  ck_assert_uint_eq(s->rec_stack[0], s->rec_stack[2]);
  pyi_session_free(s);
}
END_TEST

START_TEST(load_defaults_missing_optional_keys) {
  pyi_session *s = session_from_json("{" HEAD ", \"frame_records\": []}");
  ck_assert_ptr_nonnull(s);
  ck_assert_double_eq(pyi_session_min_interval(s), 0.001);
  ck_assert_double_eq(pyi_session_max_interval(s), 0.001);
  ck_assert_uint_eq(pyi_session_sys_path_count(s), 0);
  ck_assert_uint_eq(pyi_session_sys_prefix_count(s), 0);
  ck_assert(s->duration.is_int);
  pyi_session_free(s);
}
END_TEST

START_TEST(load_accepts_pyinstrument4_program_key) {
  pyi_session *s = session_from_json(
      "{\"frame_records\": [], \"start_time\": 1.0, \"duration\": 0.5, \"sample_count\": 0, "
      "\"start_call_stack\": [], \"program\": \"app.py --x\", \"cpu_time\": 0.1}");
  ck_assert_ptr_nonnull(s);
  ck_assert_str_eq(pyi_session_target_description(s, NULL), "Program: app.py --x");
  pyi_session_free(s);
}
END_TEST

START_TEST(load_falsy_cpu_time_becomes_integer_zero) {
  pyi_session *s = session_from_json(
      "{\"start_time\": 1.5, \"duration\": 2, \"sample_count\": 0, \"start_call_stack\": [], "
      "\"target_description\": \"T\", \"cpu_time\": null, \"frame_records\": []}");
  ck_assert_ptr_nonnull(s);
  ck_assert_double_eq(pyi_session_cpu_time(s), 0);
  ck_assert(s->cpu_time.is_int);
  pyi_session_free(s);
}
END_TEST

START_TEST(load_accepts_python_literals_and_surrogates) {
  pyi_session *s = session_from_json(
      "{\"start_time\": NaN, \"duration\": Infinity, \"sample_count\": 1, \"start_call_stack\": [], "
      "\"target_description\": \"a\\udcffb\\ud83d\\ude00\", \"cpu_time\": -Infinity, "
      "\"frame_records\": [" REC "]}");
  ck_assert_ptr_nonnull(s);
  ck_assert(isnan(pyi_session_start_time(s)));
  ck_assert(isinf(pyi_session_duration(s)));
  size_t len;
  const char *d = pyi_session_target_description(s, &len);
  /* lone surrogate as 3-byte WTF-8, the pair as one 4-byte character */
  ck_assert_uint_eq(len, 1 + 3 + 1 + 4);
  ck_assert_int_eq((unsigned char)d[1], 0xed);
  pyi_session_free(s);
}
END_TEST

START_TEST(load_reads_gzip_whatever_the_name) {
  size_t len;
  char *plain = slurp(data_path("good/ex.pyisession"), &len);
  char tmpl[] = "/tmp/pyi-test-XXXXXX";
  int fd = mkstemp(tmpl);
  gzFile gz = gzdopen(fd, "wb");
  gzwrite(gz, plain, (unsigned)len);
  gzclose(gz);
  pyi_error err = {0};
  pyi_session *s = pyi_session_load(tmpl, &err);
  ck_assert_msg(s != NULL, "%s", err.msg);
  ck_assert_uint_eq(pyi_session_record_count(s), 5);
  pyi_session_free(s);
  /* the same bytes from memory */
  size_t glen;
  char *gzbytes = slurp(tmpl, &glen);
  s = pyi_session_load_mem(gzbytes, glen, "mem", &err);
  ck_assert_ptr_nonnull(s);
  pyi_session_free(s);
  /* NUL padding after the data (more than one read's worth), as gzip and
   * Python skip it; anything else after it is garbage */
  size_t pad = (1u << 18) + 3;
  char *padded = calloc(glen + pad + 1, 1);
  memcpy(padded, gzbytes, glen);
  s = pyi_session_load_mem(padded, glen + pad, "padded.gz", &err);
  ck_assert_msg(s != NULL, "%s", err.msg);
  ck_assert_uint_eq(pyi_session_record_count(s), 5);
  pyi_session_free(s);
  padded[glen + pad] = 'x';
  s = pyi_session_load_mem(padded, glen + pad + 1, "padded.gz", &err);
  ck_assert_ptr_null(s);
  ck_assert_ptr_nonnull(strstr(err.msg, "trailing garbage"));
  free(padded);
  /* truncated gzip is an error, never a partial session */
  s = pyi_session_load_mem(gzbytes, glen / 2, "half.gz", &err);
  ck_assert_ptr_null(s);
  ck_assert_ptr_nonnull(strstr(err.msg, "half.gz"));
  FILE *f = fopen(tmpl, "wb");
  fwrite(gzbytes, 1, glen / 2, f);
  fclose(f);
  memset(&err, 0, sizeof err);
  s = pyi_session_load(tmpl, &err);
  ck_assert_ptr_null(s);
  ck_assert_ptr_nonnull(strstr(err.msg, "truncated"));
  unlink(tmpl);
  free(plain);
  free(gzbytes);
}
END_TEST

START_TEST(load_reads_stdin) {
  int fd = open(data_path("good/ex.pyisession"), O_RDONLY);
  ck_assert_int_ge(fd, 0);
  dup2(fd, 0); /* Check runs each test in its own process */
  close(fd);
  pyi_error err = {0};
  pyi_session *s = pyi_session_load("-", &err);
  ck_assert_msg(s != NULL, "%s", err.msg);
  ck_assert_uint_eq(pyi_session_record_count(s), 5);
  pyi_session_free(s);
}
END_TEST

START_TEST(load_rejects_malformed_input_with_one_line) {
  ck_assert_ptr_nonnull(strstr(load_error(""), "empty"));
  ck_assert_ptr_nonnull(strstr(load_error("this is not a session"), "not a JSON object"));
  ck_assert_ptr_nonnull(strstr(load_error("{" HEAD "}"), "missing key 'frame_records'"));
  ck_assert_ptr_nonnull(strstr(load_error("{\"frame_records\": []}"), "missing key"));
  ck_assert_ptr_nonnull(strstr(load_error("{" HEAD ", \"frame_records\": [" REC),
                               "unexpected end of input"));
  ck_assert_ptr_nonnull(strstr(load_error("{" HEAD ", \"frame_records\": {}}"), "frame_records"));
  ck_assert_ptr_nonnull(strstr(load_error("{" HEAD ", \"frame_records\": [[[1], 0.5]]}"),
                               "frame_records[0]"));
  ck_assert_ptr_nonnull(strstr(load_error("{" HEAD ", \"frame_records\": [[[\"a\"], \"x\"]]}"),
                               "a number"));
  ck_assert_ptr_nonnull(strstr(load_error("{\"start_time\": \"noon\", \"frame_records\": []}"),
                               "start_time"));
  ck_assert_ptr_nonnull(strstr(load_error("{" HEAD ", \"frame_records\": []} extra"), "extra data"));
  ck_assert_ptr_nonnull(strstr(load_error("{" HEAD ", \"frame_records\": [[[\"a\xff\"], 1]]}"),
                               "UTF-8"));
  ck_assert_ptr_nonnull(strstr(load_error("{" HEAD ", \"frame_records\": [[[\"a\\q\"], 1]]}"),
                               "escape"));
  ck_assert_ptr_nonnull(strstr(load_error("{" HEAD ", \"frame_records\": [[[\"a\nb\"], 1]]}"),
                               "control character"));
  ck_assert_ptr_nonnull(strstr(load_error("[1, 2]"), "bad.pyisession"));
}
END_TEST

START_TEST(load_rejects_absurd_depth) {
  size_t n = 10000;
  char *json = malloc(n * 12 + 512);
  char *p = json + sprintf(json, "{" HEAD ", \"frame_records\": [[[");
  for (size_t i = 0; i < n; i++)
    p += sprintf(p, "%s\"f%zu\"", i ? ", " : "", i % 7);
  sprintf(p, "], 1.0]]}");
  const char *msg = load_error(json);
  ck_assert_ptr_nonnull(strstr(msg, "limit"));
  free(json);
}
END_TEST

START_TEST(load_names_missing_file_and_directory) {
  pyi_error err = {0};
  ck_assert_ptr_null(pyi_session_load("/nonexistent/x.pyisession", &err));
  ck_assert_int_eq(err.code, PYI_EIO);
  ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/x.pyisession"));
  memset(&err, 0, sizeof err);
  ck_assert_ptr_null(pyi_session_load("/tmp", &err));
  ck_assert_ptr_nonnull(strstr(err.msg, "directory"));
}
END_TEST

START_TEST(save_round_trips_byte_for_byte) {
  /* pyinstrument's own re-save of a session is the same text; ours too */
  const char *json = "{\"start_time\": 1700000000.25, \"duration\": 1, \"min_interval\": 0.001, "
                     "\"max_interval\": 0.001, \"sample_count\": 2, \"start_call_stack\": "
                     "[\"T\\u0000<thread>\\u00001\"], \"target_description\": \"Prog: \\u00fc\\t\\ud83d\\ude00\", "
                     "\"cpu_time\": 0, \"sys_path\": [\"/a\"], \"sys_prefixes\": [\"/u\", \"/u\"], "
                     "\"frame_records\": [[[\"T\\u0000<thread>\\u00001\", \"f\\u0000a.py\\u00003\\u0001l4\"], "
                     "0.30000000000000004], [[\"T\\u0000<thread>\\u00001\"], 2], [[], 1e-05]]}";
  pyi_session *s = session_from_json(json);
  ck_assert_ptr_nonnull(s);
  size_t len;
  pyi_error err = {0};
  char *out = pyi_render_string(s, "pyisession", NULL, &len, NULL, &err);
  ck_assert_ptr_nonnull(out);
  ck_assert_str_eq(out, json);
  free(out);
  pyi_session_free(s);
}
END_TEST

Suite *load_suite(void) {
  Suite *s = suite_create("load");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, load_reads_every_key);
  tcase_add_test(tc, load_interns_repeated_frames_once);
  tcase_add_test(tc, load_defaults_missing_optional_keys);
  tcase_add_test(tc, load_accepts_pyinstrument4_program_key);
  tcase_add_test(tc, load_falsy_cpu_time_becomes_integer_zero);
  tcase_add_test(tc, load_accepts_python_literals_and_surrogates);
  tcase_add_test(tc, load_reads_gzip_whatever_the_name);
  tcase_add_test(tc, load_reads_stdin);
  tcase_add_test(tc, load_rejects_malformed_input_with_one_line);
  tcase_add_test(tc, load_rejects_absurd_depth);
  tcase_add_test(tc, load_names_missing_file_and_directory);
  tcase_add_test(tc, save_round_trips_byte_for_byte);
  suite_add_tcase(s, tc);
  return s;
}
