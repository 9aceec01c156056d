/* check_timeline.c - the timeline tree built from streamed records
 * (timeline.c) against the exact pipeline, float for float, on the
 * corpus, the odd sessions and random timelines; and its memory, which
 * must not grow with the number of samples. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "proc.h"
#include "tree.h"

static pyi_tree *streamed(const pyi_session *s, unsigned mask, double thr) {
  pyi_error err = {0};
  pyi_timeline_scan sc;
  pyi_timeline_scan_init(&sc);
  uint32_t *stack = malloc(PYI_MAX_DEPTH * sizeof *stack);
  for (size_t r = 0; r < s->n_records; r++) {
    size_t d = pyi_session_stack(s, s->rec_stack[r], stack);
    ck_assert_msg(pyi_timeline_scan_add(&sc, s, stack, d, s->rec_time[r], r,
                                        &err) == 0,
                  "%s", err.msg);
  }
  pyi_timeline_builder *b = pyi_timeline_builder_new(&sc, s, mask, thr);
  pyi_timeline_scan_release(&sc);
  for (size_t r = 0; r < s->n_records; r++) {
    size_t d = pyi_session_stack(s, s->rec_stack[r], stack);
    pyi_timeline_builder_add(b, s, stack, d, s->rec_time[r],
                             s->rec_int && s->rec_int[r]);
  }
  free(stack);
  pyi_tree *t = pyi_timeline_builder_finish(b, s);
  ck_assert_ptr_nonnull(t);
  pyi_proc_opts o = {thr, NULL, NULL};
  ck_assert_msg(pyi_tree_run(t, mask & ~PYI_PROCS_STREAMED, &o, &err) == 0, "%s",
                err.msg);
  return t;
}

static bool same_double(double a, double b) {
  return (isnan(a) && isnan(b)) || (a == b && signbit(a) == signbit(b));
}

static size_t preorder_index(const pyi_tree *t, const pyi_frame *f) {
  size_t i = 0;
  for (const pyi_frame *x = t->root; x; x = pyi_frame_next_pre(t->root, x, false), i++)
    if (x == f)
      return i;
  return (size_t)-1;
}

/* Same shape, identifiers, times, absorbed times, attributes and groups,
 * exactly. */
static void assert_identical(const pyi_tree *a, const pyi_tree *b, const char *what,
                             unsigned mask, double thr) {
  const pyi_frame *x = a->root, *y = b->root;
  ck_assert_msg((x == NULL) == (y == NULL), "%s: one tree is empty", what);
  size_t i = 0;
  while (x && y) {
    const pyi_ident *ix = pyi_frame_ident(a, x);
    ck_assert_msg(x->ident == y->ident, "%s (mask %x, %g): frame %zu: %.*s vs %.*s",
                  what, mask, thr, i, (int)ix->function_len, ix->function,
                  (int)pyi_frame_ident(b, y)->function_len,
                  pyi_frame_ident(b, y)->function);
    ck_assert_msg(same_double(x->time, y->time) && same_double(x->absorbed, y->absorbed),
                  "%s (mask %x, %g): frame %zu (%.*s): time %.17g/%.17g absorbed "
                  "%.17g/%.17g",
                  what, mask, thr, i, (int)ix->function_len, ix->function, x->time,
                  y->time, x->absorbed, y->absorbed);
    ck_assert_msg(x->nattrs == y->nattrs, "%s: frame %zu attributes", what, i);
    for (uint32_t k = 0; k < x->nattrs; k++)
      ck_assert_msg(x->attrs[k].id == y->attrs[k].id &&
                        same_double(x->attrs[k].v, y->attrs[k].v) &&
                        x->attrs[k].is_int == y->attrs[k].is_int,
                    "%s: frame %zu attribute %u", what, i, k);
    const pyi_group *gx = pyi_frame_group(a, x), *gy = pyi_frame_group(b, y);
    ck_assert_msg((gx == NULL) == (gy == NULL), "%s: frame %zu group", what, i);
    if (gx)
      ck_assert_msg(preorder_index(a, gx->root) == preorder_index(b, gy->root),
                    "%s: frame %zu group root", what, i);
    x = pyi_frame_next_pre(a->root, x, false);
    y = pyi_frame_next_pre(b->root, y, false);
    i++;
  }
  ck_assert_msg(x == NULL && y == NULL, "%s (mask %x): sizes differ", what, mask);
}

/* Every timeline pipeline a renderer asks for, with several thresholds. */
static void check_session(const pyi_session *s, const char *what) {
  static const unsigned masks[] = {
      PYI_PROCS_TEXT & ~PYI_PROC_AGGREGATE, /* text and json, -t */
      PYI_PROCS_TIMELINE,                   /* speedscope, pstats -t */
      PYI_PROCS_TEXT & ~PYI_PROC_AGGREGATE & ~PYI_PROCS_HIDING, /* --show-all */
      PYI_PROCS_TIMELINE & ~PYI_PROCS_HIDING,
      PYI_PROC_MERGE_SELF | PYI_PROC_IRRELEVANT, /* no splicing */
  };
  static const double thresholds[] = {0.01, 0, 0.2, 2.0};
  for (size_t m = 0; m < sizeof masks / sizeof *masks; m++) {
    if ((masks[m] & PYI_PROC_TBHIDE) && s->mixed_hide)
      continue; /* rendered from the whole tree instead */
    for (size_t k = 0; k < sizeof thresholds / sizeof *thresholds; k++) {
      pyi_proc_opts o = {thresholds[k], NULL, NULL};
      pyi_error err = {0};
      pyi_tree *want = pyi_tree_process(s, masks[m], &o, true, &err);
      ck_assert_msg(want != NULL, "%s: %s", what, err.msg);
      pyi_tree *got = streamed(s, masks[m], thresholds[k]);
      assert_identical(got, want, what, masks[m], thresholds[k]);
      ck_assert(pyi_tree_check(got));
      pyi_tree_free(got);
      pyi_tree_free(want);
    }
  }
}

START_TEST(streamed_timeline_equals_exact_pipeline_on_files) {
  static const char *const corpus[] = {
      "asyncio",  "classes",       "cprog",   "module",          "recursion",
      "recursion-fine", "samename", "stdlib", "stdlib-fine",     "tbhide",
      "threads-sleep",  "unicode",  "edge-one-record",
      "edge-no-intervals"};
  for (size_t i = 0; i < sizeof corpus / sizeof *corpus; i++) {
    pyi_error err = {0};
    pyi_session *s = pyi_session_load(corpus_path(corpus[i]), &err);
    ck_assert_msg(s != NULL, "%s: %s", corpus[i], err.msg);
    check_session(s, corpus[i]);
    pyi_session_free(s);
  }
  static const char *const odd[] = {
      "good/ex.pyisession", "good/t4.pyisession",
      "odd/await-leaf.pyisession", "odd/duration-nan.pyisession",
      "odd/frame-empty-string.pyisession", "odd/frame-no-file.pyisession",
      "odd/frame_records-empty.pyisession", "odd/stack-empty.pyisession",
      "odd/start_call_stack-empty.pyisession", "odd/time-huge.pyisession",
      "odd/time-infinity.pyisession", "odd/time-integer.pyisession",
      "odd/time-minus-infinity.pyisession", "odd/time-nan.pyisession",
      "odd/time-negative-zero.pyisession", "odd/time-negative.pyisession",
      "odd/time-tiny.pyisession", "odd/escaped-nul-extra-parts.pyisession",
      "odd/duplicate-key-records.pyisession", "odd/name-empty.pyisession"};
  for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
    pyi_error err = {0};
    pyi_session *s = pyi_session_load(data_path(odd[i]), &err);
    ck_assert_msg(s != NULL, "%s: %s", odd[i], err.msg);
    check_session(s, odd[i]);
    pyi_session_free(s);
  }
}
END_TEST

/* ---- random timelines ------------------------------------------------------ */

static uint64_t rng_state;
static unsigned rnd(unsigned n) {
  rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (unsigned)((rng_state >> 33) % n);
}

/* Frames a random walk picks from: app code, library code (grouped), an
 * importlib frame, a __tracebackhide__ frame, methods of two classes, a
 * builtin, [await]. */
#define F(x) {x, sizeof x - 1}
static const struct {
  const char *s;
  size_t len;
} pool[] = {
    F("main\0/app/main.py\0" "1"),
    F("work\0/app/main.py\0" "10"),
    F("step\0/app/step.py\0" "3\x01" "cStep"),
    F("step\0/app/step.py\0" "3\x01" "cOther"),
    F("loads\0/usr/lib/python3.11/json/__init__.py\0" "299"),
    F("decode\0/usr/lib/python3.11/json/decoder.py\0" "332\x01" "cJSONDecoder"),
    F("_find_and_load\0<frozen importlib._bootstrap>\0" "1"),
    F("hidden\0/app/hide.py\0" "7\x01h1"),
    F("sqrt\0<built-in>\0" "0"),
    F("[await]"),
    F("run\0/usr/lib/python3.11/runpy.py\0" "86"),
};
#define N_POOL (sizeof pool / sizeof *pool)

static pyi_session *random_session(uint64_t seed, size_t n, int times) {
  rng_state = seed;
  pyi_session *s = pyi_session_new();
  pyi_session_add_sys_prefix(s, "/usr");
  static const char t1[] = "MainThread\0<thread>\0" "1", t2[] = "T2\0<thread>\0" "2";
  uint32_t threads[2] = {pyi_session_intern_frame(s, t1, sizeof t1 - 1),
                         pyi_session_intern_frame(s, t2, sizeof t2 - 1)};
  uint32_t ids[N_POOL];
  for (size_t i = 0; i < N_POOL; i++)
    ids[i] = pyi_session_intern_frame(s, pool[i].s, pool[i].len);
  uint32_t start[3] = {threads[0], ids[0], ids[1]};
  ck_assert_int_eq(pyi_session_set_start_call_stack(s, start, 1 + rnd(3), NULL), 0);
  uint32_t stack[64];
  size_t d = 3;
  memcpy(stack, start, sizeof start);
  for (size_t r = 0; r < n; r++) {
    /* pop a few, push a few: a timeline changes a little per sample */
    size_t keep = d ? d - rnd(d < 4 ? d + 1 : 4) : 0;
    if (rnd(40) == 0)
      keep = rnd(2); /* sometimes back to the thread or nothing */
    d = keep;
    if (d == 0 && rnd(6)) {
      stack[d++] = threads[rnd(8) == 0];
    }
    size_t push = rnd(4);
    for (size_t i = 0; i < push && d < 60; i++) {
      if (d && pyi_ident_leaf_only(&s->ident[s->finfo[stack[d - 1]].ident]))
        break;
      stack[d++] = ids[rnd(N_POOL)];
    }
    while (d > 1 && pyi_ident_leaf_only(&s->ident[s->finfo[stack[d - 2]].ident]))
      d--; /* [await] ends a stack */
    double t = 0.001 * (1 + rnd(3));
    switch (times) {
    case 1: t = rnd(50) == 0 ? 0.5 : t; break;     /* a few long ones */
    case 2: t = rnd(10) == 0 ? -t : t; break;      /* negative */
    case 3: t = r == n / 2 ? NAN : t; break;
    case 4: t = rnd(7) == 0 ? 0.0 : t / 7; break;
    }
    ck_assert_int_eq(pyi_session_add_record(s, stack, d, t, NULL), 0);
  }
  return s;
}

START_TEST(streamed_timeline_equals_exact_pipeline_on_random_runs) {
  for (uint64_t seed = 1; seed <= 60; seed++) {
    pyi_session *s = random_session(seed, 1 + seed * 7 % 400, (int)(seed % 5));
    char what[32];
    snprintf(what, sizeof what, "random %llu", (unsigned long long)seed);
    check_session(s, what);
    pyi_session_free(s);
  }
  /* single records: every shape of stem trim */
  for (uint64_t seed = 100; seed < 160; seed++) {
    pyi_session *s = random_session(seed, 1, (int)(seed % 5));
    check_session(s, "one record");
    pyi_session_free(s);
  }
}
END_TEST

START_TEST(streamed_timeline_memory_does_not_follow_samples) {
  /* 40,000 samples of a program that keeps calling the same few paths:
   * the exact timeline tree has a frame per call; the streamed one keeps
   * what the report shows */
  size_t arena[2];
  for (int i = 0; i < 2; i++) {
    pyi_session *s = random_session(7, i ? 40000 : 4000, 0);
    pyi_tree *t = streamed(s, PYI_PROCS_TIMELINE, 0.01);
    arena[i] = t->arena.total;
    if (i) {
      pyi_tree *whole = pyi_tree_build(s, 0, NULL);
      ck_assert_msg(whole->arena.total > 20 * arena[1],
                    "the whole tree takes %zu bytes, the streamed one %zu",
                    whole->arena.total, arena[1]);
      pyi_tree_free(whole);
    }
    pyi_tree_free(t);
    pyi_session_free(s);
  }
  ck_assert_msg(arena[1] <= arena[0] + 65536, "4,000 samples: %zu bytes; 40,000: %zu",
                arena[0], arena[1]);
}
END_TEST

Suite *timeline_suite(void) {
  Suite *s = suite_create("timeline");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, streamed_timeline_equals_exact_pipeline_on_files);
  tcase_add_test(tc, streamed_timeline_equals_exact_pipeline_on_random_runs);
  tcase_add_test(tc, streamed_timeline_memory_does_not_follow_samples);
  tcase_set_timeout(tc, 120); /* a guard against hangs; slow under valgrind */
  suite_add_tcase(s, tc);
  return s;
}
