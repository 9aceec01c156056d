/* check_misc.c - float repr, escaping, the options map, combine, resample,
 * the JSON renderer and atomic output. */
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_suites.h"
#include "escape.h"
#include "floatfmt.h"
#include "frameinfo.h"
#include "lazylib.h"
#include "opts.h"
#include "paths.h"
#include "proc.h"
#include "session.h"

START_TEST(float_repr_matches_python) {
  static const struct {
    double v;
    const char *s;
  } cases[] = {{0.0001, "0.0001"}, {0.1 + 0.2, "0.30000000000000004"}, {100.0, "100.0"},
               {1e15, "1000000000000000.0"}, {9999999999999998.0, "9999999999999998.0"},
               {1700000000.25, "1700000000.25"}, {-0.0, "-0.0"}, {1e-05, "1e-05"},
               {2.5e-05, "2.5e-05"}, {1e16, "1e+16"}, {1.2345678901234568e+17, "1.2345678901234568e+17"},
               {1.5e20, "1.5e+20"}, {5e-324, "5e-324"}, {1.7976931348623157e308, "1.7976931348623157e+308"},
               {0.81, "0.81"}, {0.123456789, "0.123456789"}};
  char buf[40];
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    pyi_float_repr(cases[i].v, buf);
    ck_assert_str_eq(buf, cases[i].s);
  }
  pyi_float_repr(NAN, buf);
  ck_assert_str_eq(buf, "NaN");
  pyi_num_repr(3, true, buf);
  ck_assert_str_eq(buf, "3");
}
END_TEST

START_TEST(json_escapes_both_dialects) {
  pyi_buf b = PYI_BUF_INIT;
  const char in[] = "a\"\\\n\t\x01\x7f\xc3\xbc\xf0\x9f\x98\x80/\xed\xb3\xbf";
  pyi_json_ascii_buf(&b, in, sizeof in - 1);
  ck_assert_str_eq(b.ptr, "\"a\\\"\\\\\\n\\t\\u0001\\u007f\\u00fc\\ud83d\\ude00/\\udcff\"");
  pyi_buf_clear(&b);
  pyi_json_utf8_buf(&b, in, sizeof in - 1);
  ck_assert_str_eq(b.ptr, "\"a\\\"\\\\\\n\\t\\u0001\x7f\xc3\xbc\xf0\x9f\x98\x80/\\udcff\"");
  pyi_buf_clear(&b);
  pyi_json_ascii_buf(&b, "x\0y", 3);
  ck_assert_str_eq(b.ptr, "\"x\\u0000y\"");
  pyi_buf_release(&b);
}
END_TEST

START_TEST(opts_follow_dash_p_rules) {
  pyi_opts *o = pyi_opts_new();
  pyi_error err = {0};
  ck_assert_int_eq(pyi_opts_set(o, "time", "percent_of_total", &err), 0);
  ck_assert_str_eq(pyi_opt_string(o, "time"), "percent_of_total");
  ck_assert_int_eq(pyi_opts_set(o, "x", "1e3", &err), 0);
  ck_assert_double_eq(pyi_opt(o, "x")->valuedouble, 1000);
  ck_assert_int_eq(pyi_opts_set(o, "q", "\"a\"", &err), 0);
  ck_assert_str_eq(pyi_opt_string(o, "q"), "a");
  ck_assert_int_eq(pyi_opts_set(o, "e", "", &err), 0);
  ck_assert_str_eq(pyi_opt_string(o, "e"), "");
  ck_assert_int_eq(pyi_opts_set(o, "u", "0", &err), 0);
  ck_assert(!pyi_opt_bool(o, "u", true));
  ck_assert_int_ne(pyi_opts_set(o, "processor_options.filter_threshold", "0", &err), 0);
  ck_assert_int_eq(pyi_opts_set(o, "processor_options", "{\"filter_threshold\": 0.5}", &err), 0);
  ck_assert_int_eq(pyi_opts_set(o, "processor_options.hide_regex", "a.*", &err), 0);
  pyi_proc_opts p;
  ck_assert_int_eq(pyi_opt_proc(o, &p, &err), 0);
  ck_assert_double_eq(p.filter_threshold, 0.5);
  ck_assert_str_eq(p.hide_regex, "a.*");
  ck_assert_ptr_null(p.show_regex);
  pyi_opts_free(o);
}
END_TEST

#define SESSION(start, dur, path, prefixes, desc)                                      \
  "{\"start_time\": " start ", \"duration\": " dur ", \"min_interval\": 0.002, "       \
  "\"max_interval\": 0.002, \"sample_count\": 1, \"start_call_stack\": [], "          \
  "\"target_description\": \"" desc "\", \"cpu_time\": 0.25, \"sys_path\": " path ", " \
  "\"sys_prefixes\": " prefixes ", \"frame_records\": [[[\"" desc "\"], 0.1]]}"

START_TEST(combine_orders_by_start_time) {
  pyi_session *a = session_from_json(SESSION("5.0", "0.1", "[\"/p1\", \"/p2\"]", "[\"/u\", \"/v\"]", "A"));
  pyi_session *b = session_from_json(SESSION("3.0", "0.2", "[\"/p2\", \"/p3\"]", "[\"/w\", \"/u\"]", "B"));
  pyi_session *c = pyi_session_combine(a, b);
  ck_assert_double_eq(pyi_session_start_time(c), 3.0);
  ck_assert_double_eq_tol(pyi_session_duration(c), 0.3, 1e-15);
  ck_assert_double_eq(pyi_session_cpu_time(c), 0.5);
  ck_assert_double_eq(pyi_session_sample_count(c), 2);
  ck_assert_str_eq(pyi_session_target_description(c, NULL), "B");
  ck_assert_uint_eq(pyi_session_sys_path_count(c), 3);
  ck_assert_str_eq(pyi_session_sys_path(c, 2), "/p1");
  ck_assert_uint_eq(pyi_session_sys_prefix_count(c), 3);
  ck_assert_uint_eq(pyi_session_record_count(c), 2);
  /* B's record first */
  uint32_t stack[4];
  ck_assert_uint_eq(pyi_session_stack(c, c->rec_stack[0], stack), 1);
  ck_assert_str_eq(pyi_intern_str(c->finfos, stack[0], NULL), "B");
  pyi_session_free(a);
  pyi_session_free(b);
  pyi_session_free(c);
}
END_TEST

START_TEST(resample_keeps_accumulated_time) {
  pyi_session *s = session_from_json(
      "{\"start_time\": 1, \"duration\": 4, \"sample_count\": 6, \"start_call_stack\": [], "
      "\"target_description\": \"T\", \"cpu_time\": 0, \"frame_records\": ["
      "[[\"a\"], 0.3], [[\"b\"], 0.3], [[\"c\"], 0.5], [[\"d\"], 0.1], [[\"e\"], 2.5], [[\"f\"], 0.05]]}");
  pyi_session *r = pyi_session_resample(s, 1.0);
  ck_assert_uint_eq(pyi_session_record_count(r), 2);
  ck_assert_double_eq_tol(r->rec_time[0], 1.1, 1e-12);
  ck_assert_double_eq_tol(r->rec_time[1], 2.7, 1e-12);
  ck_assert_double_eq(pyi_session_sample_count(r), 2);
  ck_assert_double_eq(pyi_session_min_interval(r), 1.0);
  pyi_session_free(r);
  pyi_session_free(s);
}
END_TEST

/* Builds a record from frame-info strings ('\0' and '\x01' included, so
 * each is given with its length). */
#define FI(lit) lit, sizeof lit - 1
static void add_frames(pyi_session *s, int n, ...) {
  uint32_t ids[16];
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < n; i++) {
    const char *str = va_arg(ap, const char *);
    size_t len = va_arg(ap, size_t);
    ids[i] = pyi_session_intern_frame(s, str, len);
  }
  va_end(ap);
  pyi_error err = {0};
  ck_assert_int_eq(pyi_session_add_record(s, ids, (size_t)n, 0.25, &err), 0);
}

/* The frames of record 'r', root first, joined with '|' and NULs shown as
 * '/', attributes cut off at \x01. */
static char *record_text(const pyi_session *s, size_t r) {
  static char out[512];
  uint32_t ids[32];
  double t;
  size_t depth = pyi_session_record(s, r, ids, 32, &t), o = 0;
  ck_assert_double_eq(t, 0.25);
  for (size_t i = 0; i < depth; i++) {
    size_t len;
    const char *f = pyi_session_frame_info(s, ids[i], &len);
    for (size_t j = 0; j < len && f[j] != '\x01'; j++)
      out[o++] = f[j] ? f[j] : '/';
    out[o++] = i + 1 < depth ? '|' : '\0';
  }
  if (!depth)
    out[0] = '\0';
  return out;
}

START_TEST(nest_puts_records_under_a_root_and_drops_the_stem) {
  pyi_session *s = pyi_session_new();
  pyi_error err = {0};
  uint32_t start[4] = {
      pyi_session_intern_frame(s, FI("Main\0<thread>\0" "1")),
      pyi_session_intern_frame(s, FI("a\0a.py\0" "1\x01l3")),
      pyi_session_intern_frame(s, FI("b\0b.py\0" "1\x01l4")),
      pyi_session_intern_frame(s, FI("c\0c.py\0" "1\x01l5"))};
  ck_assert_int_eq(pyi_session_set_start_call_stack(s, start, 4, &err), 0);
  pyi_session_set_times(s, 10.0, 2.0, 1.5);
  pyi_session_set_sample_count(s, 6);
  /* through the whole start stack, attributes differing */
  add_frames(s, 5, FI("Main\0<thread>\0" "1"), FI("a\0a.py\0" "1\x01l7"),
             FI("b\0b.py\0" "1"), FI("c\0c.py\0" "1\x01l9"), FI("x\0x.py\0" "2"));
  add_frames(s, 4, FI("Main\0<thread>\0" "1"), FI("a\0a.py\0" "1"),
             FI("b\0b.py\0" "1"), FI("c\0c.py\0" "1"));
  /* leaves the stack before the start frame: kept whole */
  add_frames(s, 3, FI("Main\0<thread>\0" "1"), FI("a\0a.py\0" "1"),
             FI("y\0y.py\0" "3"));
  add_frames(s, 4, FI("Main\0<thread>\0" "1"), FI("a\0a.py\0" "1"),
             FI("b\0b.py\0" "1"), FI("z\0z.py\0" "3"));
  /* another thread */
  add_frames(s, 4, FI("T2\0<thread>\0" "2"), FI("a\0a.py\0" "1"),
             FI("b\0b.py\0" "1"), FI("c\0c.py\0" "1"));
  add_frames(s, 0);
  pyi_session *n = pyi_session_nest(s, FI("python3 job.py\0<process>\0" "42"), &err);
  ck_assert_ptr_nonnull(n);
  ck_assert_uint_eq(pyi_session_record_count(n), 6);
  ck_assert_str_eq(record_text(n, 0), "python3 job.py/<process>/42|Main/<thread>/1|c/c.py/1|x/x.py/2");
  ck_assert_str_eq(record_text(n, 1), "python3 job.py/<process>/42|Main/<thread>/1|c/c.py/1");
  ck_assert_str_eq(record_text(n, 2), "python3 job.py/<process>/42|Main/<thread>/1|a/a.py/1|y/y.py/3");
  ck_assert_str_eq(record_text(n, 3),
                   "python3 job.py/<process>/42|Main/<thread>/1|a/a.py/1|b/b.py/1|z/z.py/3");
  ck_assert_str_eq(record_text(n, 4),
                   "python3 job.py/<process>/42|T2/<thread>/2|a/a.py/1|b/b.py/1|c/c.py/1");
  ck_assert_str_eq(record_text(n, 5), "python3 job.py/<process>/42");
  /* the attributes of the kept frames stay */
  uint32_t ids[8];
  double t;
  ck_assert_uint_eq(pyi_session_record(n, 0, ids, 8, &t), 4);
  size_t len;
  const char *c = pyi_session_frame_info(n, ids[2], &len);
  ck_assert_mem_eq(c, "c\0c.py\0" "1\x01l9", len);
  const uint32_t *st;
  ck_assert_uint_eq(pyi_session_start_call_stack(n, &st), 1);
  ck_assert_uint_eq(st[0], ids[0]);
  ck_assert_double_eq(pyi_session_start_time(n), 10.0);
  ck_assert_double_eq(pyi_session_duration(n), 2.0);
  ck_assert_double_eq(pyi_session_cpu_time(n), 1.5);
  ck_assert_double_eq(pyi_session_sample_count(n), 6);
  /* nesting again puts one more frame on top and drops nothing */
  pyi_session *nn = pyi_session_nest(n, FI("outer\0<process>\0" "1"), &err);
  ck_assert_str_eq(record_text(nn, 1),
                   "outer/<process>/1|python3 job.py/<process>/42|Main/<thread>/1|c/c.py/1");
  pyi_session_free(nn);
  pyi_session_free(n);
  ck_assert_ptr_null(pyi_session_nest(s, "", 0, &err));
  ck_assert_int_eq(err.code, PYI_EARG);
  pyi_session_free(s);
}
END_TEST

START_TEST(nest_keeps_short_start_stacks_and_the_depth_limit) {
  pyi_session *s = pyi_session_new();
  pyi_error err = {0};
  uint32_t start[2] = {pyi_session_intern_frame(s, FI("Main\0<thread>\0" "1")),
                       pyi_session_intern_frame(s, FI("a\0a.py\0" "1"))};
  ck_assert_int_eq(pyi_session_set_start_call_stack(s, start, 2, &err), 0);
  add_frames(s, 3, FI("Main\0<thread>\0" "1"), FI("a\0a.py\0" "1"), FI("b\0b.py\0" "1"));
  static uint32_t deep[PYI_MAX_DEPTH];
  for (size_t i = 0; i < PYI_MAX_DEPTH; i++)
    deep[i] = i % 2 ? start[1] : start[0];
  ck_assert_int_eq(pyi_session_add_record(s, deep, PYI_MAX_DEPTH, 0.25, &err), 0);
  pyi_session *n = pyi_session_nest(s, FI("p\0<process>\0" "7"), &err);
  ck_assert_str_eq(record_text(n, 0), "p/<process>/7|Main/<thread>/1|a/a.py/1|b/b.py/1");
  double t;
  ck_assert_uint_eq(pyi_session_record(n, 1, NULL, 0, &t), PYI_MAX_DEPTH);
  /* it saves and loads back */
  size_t len;
  char *json = pyi_render_string(n, "pyisession", NULL, &len, NULL, &err);
  ck_assert_ptr_nonnull(json);
  pyi_session *back = pyi_session_load_mem(json, len, "nested", &err);
  ck_assert_ptr_nonnull(back);
  ck_assert_str_eq(record_text(back, 0), "p/<process>/7|Main/<thread>/1|a/a.py/1|b/b.py/1");
  free(json);
  pyi_session_free(back);
  pyi_session_free(n);
  pyi_session_free(s);
}
END_TEST

/* pyinstrument's loop: double until the resampled session is small. */
static double naive_fit(const pyi_session *s, double interval, size_t max) {
  for (;;) {
    double acc = 0;
    size_t kept = 0;
    for (size_t r = 0; r < s->n_records; r++) {
      acc += s->rec_time[r];
      if (acc >= interval) {
        kept++;
        acc = fmod(acc, interval);
        if (acc < 0)
          acc += interval;
      }
    }
    if (kept <= max || !isfinite(interval))
      return interval;
    interval *= 2;
  }
}

static pyi_session *timed_session(size_t n, double (*time_of)(size_t)) {
  pyi_session *s = pyi_session_new();
  uint32_t f[2] = {pyi_session_intern_frame(s, "main\0a.py\0" "1", 11),
                   pyi_session_intern_frame(s, "g\0a.py\0" "5", 8)};
  for (size_t i = 0; i < n; i++)
    ck_assert_int_eq(pyi_session_add_record(s, f, 1 + i % 2, time_of(i), NULL), 0);
  return s;
}
static double t_even(size_t i) { return i % 3 ? 1e-4 : 1.5e-4; }
static double t_spiky(size_t i) { return i % 97 == 0 ? 5.0 : 1e-4 * (double)(i % 7); }
static double t_negative(size_t i) { return i % 5 == 0 ? -2e-4 : 3e-4; }
static double t_nan(size_t i) { return i == 300 ? NAN : 1e-3; }
static double t_inf(size_t i) { return i == 300 ? INFINITY : 1e-3; }

START_TEST(resample_interval_is_found_in_few_passes) {
  /* from 1e-300, pyinstrument's loop resamples about a thousand times;
   * the same interval must come out of a handful of passes */
  double (*times[])(size_t) = {t_even, t_spiky, t_negative, t_nan, t_inf};
  const double starts[] = {1e-300, 1e-7, 0.3, 1e300, 4.9e-324};
  for (size_t i = 0; i < sizeof times / sizeof *times; i++) {
    pyi_session *s = timed_session(500, times[i]);
    /* (the reference takes a thousand passes from the tiny starts) */
    for (size_t j = 0; j < (i ? 4 : 5); j++) {
      unsigned passes = 0;
      double got = pyi_session_fit_interval(s, starts[j], 100, &passes);
      double want = naive_fit(s, starts[j], 100);
      ck_assert_msg(got == want, "times %zu, start %g: %g, want %g", i,
                    starts[j], got, want);
      ck_assert_msg(passes <= 12, "times %zu, start %g: %u passes", i,
                    starts[j], passes);
    }
    pyi_session_free(s);
  }
}
END_TEST

/* A session of one record whose leaf is "f" with line part 'line' (JSON
 * string text). */
static pyi_session *line_session(const char *line) {
  char json[1024];
  snprintf(json, sizeof json,
           "{\"start_time\": 1, \"duration\": 1, \"sample_count\": 1, "
           "\"start_call_stack\": [], \"target_description\": \"T\", "
           "\"cpu_time\": 0, \"frame_records\": [[[\"main\\u0000/app/a.py"
           "\\u00001\", \"f\\u0000/app/a.py\\u0000%s\"], 1.0]]}",
           line);
  return session_from_json(json);
}

START_TEST(line_numbers_are_printed_as_python_reads_them) {
  /* pyinstrument shows int(part) in full: beyond int64, the int64
   * minimum, other scripts' digits, spaces and underscores */
  static const struct {
    const char *part, *shown;
  } cases[] = {
      {"123456789012345678901234567890", "123456789012345678901234567890"},
      {"-9223372036854775808", "-9223372036854775808"},
      {"-9223372036854775809", "-9223372036854775809"},
      {"18446744073709551616", "18446744073709551616"},
      {"\\u0661\\u0662\\u0663", "123"},           /* Arabic-Indic */
      {"\\uff14\\uff12", "42"},                   /* fullwidth */
      {"\\u00a0 +0_7\\u3000", "7"},
      {"-000", "0"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    pyi_session *s = line_session(cases[i].part);
    ck_assert_ptr_nonnull(s);
    char want[256];
    char *text = render_with(s, "text", NULL);
    snprintf(want, sizeof want, "f  /app/a.py:%s\n", cases[i].shown);
    if (strcmp(cases[i].shown, "0") == 0)
      snprintf(want, sizeof want, "f  /app/a.py\n");
    ck_assert_msg(strstr(text, want), "text, %s: %s", cases[i].part, text);
    char *json = render_with(s, "json", NULL);
    snprintf(want, sizeof want, "\"line_no\": %s,\"time\"", cases[i].shown);
    ck_assert_msg(strstr(json, want), "json, %s: %s", cases[i].part, json);
    char *ss = render_with(s, "speedscope", NULL);
    snprintf(want, sizeof want, "{\"name\": \"f\", \"file\": \"/app/a.py\", "
             "\"line\": %s}", cases[i].shown);
    ck_assert_msg(strstr(ss, want), "speedscope, %s: %s", cases[i].part, ss);
    free(text);
    free(json);
    free(ss);
    pyi_session_free(s);
  }
  /* what int() refuses shows no line (pyinstrument fails on it) */
  static const char *const bad[] = {"1__2", "_1", "1_", "+ 5", "\\u001c5", "x"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    pyi_session *s = line_session(bad[i]);
    char *json = render_with(s, "json", NULL);
    ck_assert_msg(strstr(json, "\"function\": \"f\",\"file_path_short\": "
                               "\"/app/a.py\",\"file_path\": \"/app/a.py\","
                               "\"line_no\": 0,"),
                  "%s: %s", bad[i], json);
    free(json);
    pyi_session_free(s);
  }
  /* int() reads at most 4300 digits */
  char digits[4400];
  memset(digits, '7', 4301);
  digits[4301] = '\0';
  pyi_buf b = PYI_BUF_INIT;
  ck_assert(!pyi_line_decimal(digits, 4301, &b));
  ck_assert(pyi_line_decimal(digits, 4300, &b));
  ck_assert_uint_eq(b.len, 4300);
  pyi_buf_release(&b);
}
END_TEST

START_TEST(json_renderer_matches_pyinstrument) {
  pyi_error err = {0};
  pyi_session *s = pyi_session_load(data_path("good/ex.pyisession"), &err);
  char *j = render_with(s, "json", NULL);
  ck_assert_ptr_nonnull(strstr(j, "{\"start_time\": 1700000000.250000,\"duration\": 0.810000,"
                                  "\"sample_count\": 5,\"target_description\": \"Program: app.py\","
                                  "\"cpu_time\": 0.875000,\"root_frame\": {\"function\": \"main\","
                                  "\"file_path_short\": \"app.py\",\"file_path\": \"/app/app.py\","
                                  "\"line_no\": 1,\"time\": 0.804000,\"await_time\": 0.000000,"
                                  "\"is_application_code\": true,\"children\": ["));
  ck_assert_ptr_nonnull(strstr(j, "\"children\": [],\"group_id\": \""));
  ck_assert_ptr_nonnull(strstr(j, ",\"class_name\": \"JSONDecoder\"}"));
  ck_assert_int_eq(j[strlen(j) - 1], '\n');
  free(j);
  pyi_session_free(s);
}
END_TEST

START_TEST(failed_render_leaves_existing_file) {
  pyi_error err = {0};
  pyi_session *s = pyi_session_load(data_path("good/ex.pyisession"), &err);
  char dir[] = "/tmp/pyi-out-XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  char path[128];
  snprintf(path, sizeof path, "%s/report.txt", dir);
  FILE *f = fopen(path, "w");
  fputs("precious", f);
  fclose(f);
  pyi_opts *o = pyi_opts_new();
  pyi_opts_set(o, "processor_options", "{\"hide_regex\": \"(bad\"}", &err);
  ck_assert_int_ne(pyi_render_file(s, "text", o, path, NULL, &err), 0);
  ck_assert_ptr_nonnull(strstr(err.msg, "regular expression"));
  char buf[32] = {0};
  f = fopen(path, "r");
  ck_assert_uint_eq(fread(buf, 1, sizeof buf - 1, f), 8);
  fclose(f);
  ck_assert_str_eq(buf, "precious");
  /* and a successful render replaces it, leaving no temporary file */
  ck_assert_int_eq(pyi_render_file(s, "text", NULL, path, NULL, &err), 0);
  unlink(path);
  ck_assert_int_eq(rmdir(dir), 0); /* fails if a temporary file remained */
  pyi_opts_free(o);
  pyi_session_free(s);
}
END_TEST

START_TEST(absurd_start_time_renders) {
  /* found by fuzzing: a start_time beyond time_t overflowed the conversion */
  pyi_session *s = session_from_json(
      "{\"start_time\": 1e300, \"duration\": 1, \"sample_count\": 1, \"start_call_stack\": [], "
      "\"target_description\": \"T\", \"cpu_time\": 0, \"frame_records\": [[[\"m\"], 1]]}");
  ck_assert_ptr_nonnull(s);
  char *t = render_with(s, "text", NULL);
  ck_assert_ptr_nonnull(strstr(t, "Recorded: ?"));
  free(t);
  pyi_session_free(s);
}
END_TEST

START_TEST(empty_key_is_not_overread) {
  /* found by fuzzing: '{""' read the key past its end */
  pyi_error err = {0};
  ck_assert_ptr_null(pyi_session_load_mem("{\"\"", 3, "k", &err));
  ck_assert_ptr_nonnull(strstr(err.msg, "unexpected end"));
}
END_TEST

START_TEST(lazy_library_errors_name_the_library_and_the_reason) {
  pyi_error err = {0};
  void (*fn)(void) = NULL;
  struct pyi_lazy_sym sym = {"pyi_no_such_function", &fn};
  ck_assert_int_eq(pyi_lazy_open("libpyi-no-such-library.so.0", "a test",
                                 &sym, 1, &err), -1);
  ck_assert_ptr_nonnull(strstr(err.msg, "cannot open libpyi-no-such-library"
                                        ".so.0, which a test needs: "));
  ck_assert_ptr_null(strchr(err.msg, '\n'));
  ck_assert_int_eq(pyi_lazy_open("libc.so.6", "a test", &sym, 1, &err), -1);
  ck_assert_str_eq(err.msg,
                   "libc.so.6, which a test needs, has no pyi_no_such_function");
  sym.name = "abort";
  ck_assert_int_eq(pyi_lazy_open("libc.so.6", "a test", &sym, 1, &err), 0);
  ck_assert_ptr_eq((void *)fn, (void *)abort);
}
END_TEST

START_TEST(cmark_and_pcre2_open_once_with_every_function) {
  pyi_error err = {0};
  for (int i = 0; i < 2; i++) {
    ck_assert_int_eq(pyi_cmark_open(&err), 0);
    ck_assert_int_eq(pyi_pcre2_open(&err), 0);
  }
  /* every slot of both tables is filled */
  void (*f)(void);
  for (size_t at = 0; at < sizeof pyi_cmark_fns; at += sizeof f) {
    memcpy(&f, (const char *)&pyi_cmark_fns + at, sizeof f);
    ck_assert_ptr_nonnull((void *)f);
  }
  for (size_t at = 0; at < sizeof pyi_pcre2_fns; at += sizeof f) {
    memcpy(&f, (const char *)&pyi_pcre2_fns + at, sizeof f);
    ck_assert_ptr_nonnull((void *)f);
  }
  pyi_regex *re = pyi_regex_new("a+b", &err);
  ck_assert_ptr_nonnull(re);
  ck_assert(pyi_regex_match(re, "aab", 3));
  ck_assert(!pyi_regex_match(re, "b", 1));
  pyi_regex_free(re);
}
END_TEST

START_TEST(path_tails_match_as_the_regular_expressions_do) {
  /* pyi_path_match_tail against PCRE2 running pyinstrument's patterns */
  static const char *const paths[] = {
      "/usr/lib/python3/site-packages/pyinstrument/__main__.py",
      "C:\\env\\pyinstrument\\__main__.py",
      "pyinstrument/__main__Xpy", "pyinstrument/__main__.pyc",
      "pyinstrument/__main__py", "x\npyinstrument/__main__.py",
      "pyinstrument/__main__\npy", "pyinstrument|__main__.py",
      "/usr/lib/python3.11/runpy.py", "runpy\xe2\x82\xacpy", "runp.py",
      "runpy.p", "", "runpyrunpy.py", "a/b\nrunpy.py", "<frozen runpy>",
      "pyinstrumentpyinstrument/__main__.py"};
  static const char *const tails[] = {PYI_MAIN_TAIL, PYI_RUNPY_TAIL};
  static const char *const res[] = {".*pyinstrument[/\\\\]__main__.py",
                                    ".*runpy.py"};
  pyi_error err = {0};
  for (int k = 0; k < 2; k++) {
    pyi_regex *re = pyi_regex_new(res[k], &err);
    ck_assert_ptr_nonnull(re);
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
      size_t n = strlen(paths[i]);
      ck_assert_msg(pyi_path_match_tail(paths[i], n, tails[k]) ==
                        (pyi_regex_match(re, paths[i], n) == 1),
                    "%s on %s", tails[k], paths[i]);
    }
    pyi_regex_free(re);
  }
  ck_assert(pyi_path_match_tail(paths[0], strlen(paths[0]), PYI_MAIN_TAIL));
  ck_assert(pyi_path_match_tail(paths[9], strlen(paths[9]), PYI_RUNPY_TAIL));
  ck_assert(!pyi_path_match_tail(paths[5], strlen(paths[5]), PYI_MAIN_TAIL));
  /* an undecodable byte of a Python path is a lone surrogate, a character
   * that '.' matches in Python (PCRE2 saw none in its bytes) */
  ck_assert(pyi_path_match_tail("runpy\xed\xb3\xbfpy", 10, PYI_RUNPY_TAIL));
}
END_TEST

Suite *misc_suite(void) {
  Suite *s = suite_create("misc");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, float_repr_matches_python);
  tcase_add_test(tc, json_escapes_both_dialects);
  tcase_add_test(tc, opts_follow_dash_p_rules);
  tcase_add_test(tc, combine_orders_by_start_time);
  tcase_add_test(tc, resample_keeps_accumulated_time);
  tcase_add_test(tc, nest_puts_records_under_a_root_and_drops_the_stem);
  tcase_add_test(tc, nest_keeps_short_start_stacks_and_the_depth_limit);
  tcase_add_test(tc, resample_interval_is_found_in_few_passes);
  tcase_add_test(tc, line_numbers_are_printed_as_python_reads_them);
  tcase_add_test(tc, json_renderer_matches_pyinstrument);
  tcase_add_test(tc, failed_render_leaves_existing_file);
  tcase_add_test(tc, absurd_start_time_renders);
  tcase_add_test(tc, empty_key_is_not_overread);
  tcase_add_test(tc, lazy_library_errors_name_the_library_and_the_reason);
  tcase_add_test(tc, cmark_and_pcre2_open_once_with_every_function);
  tcase_add_test(tc, path_tails_match_as_the_regular_expressions_do);
  tcase_set_timeout(tc, 60); /* a guard against hangs; slow under valgrind */
  suite_add_tcase(s, tc);
  return s;
}
