/* combine.c - many session files into one, as folding Session.combine over
 * them in start-time order would, without holding their records.
 *
 * Pass 1 reads every input through the loader's streaming mode: the whole
 * file is checked, its records are counted and dropped, and only its
 * metadata is kept (strings interned once across inputs). The metadata is
 * then folded in start-time order (session.c's pyi_meta_fold, the same
 * step pyi_session_combine takes). Pass 2 writes the combined header and
 * streams each input's records, in that order, straight to the output
 * sink through the record writer's escaped-frame cache. An input that
 * cannot be read twice (stdin, a pipe) is loaded whole in pass 1 and kept.
 * Nothing is written before every input has been read once, and a file
 * output appears only when complete (out.c). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "error.h"
#include "load.h"
#include "render.h"
#include "session.h"

#define PROGRESS_EVERY (1u << 16) /* records between progress reports */

enum { N_START, N_DURATION, N_MIN, N_MAX, N_SAMPLES, N_CPU, N_NUMS };

struct input {
  const char *path;
  size_t order; /* position among the arguments: ties keep it */
  pyi_num num[N_NUMS];
  uint32_t desc;  /* the description, in the string table */
  uint32_t *strs; /* sys_path, then sys_prefixes, then start_call_stack */
  size_t n_path, n_prefix, n_start;
  unsigned arrays;   /* frame_records arrays in the file (the last counts) */
  uint64_t records;  /* records of the last array */
  struct stat st;    /* a regular file as pass 1 saw it */
  pyi_session *held; /* read once and kept (not a regular file) */
  bool skipped;
};

struct combine {
  const pyi_combine_opts *o;
  pyi_error *err;
  struct input *in;
  size_t n;
  pyi_intern_table *strings;
  pyi_combine_progress prog;
  /* the input being streamed */
  struct input *cur;
  pyi_load_stream *ls;
  uint64_t count;
  unsigned count_array;
  bool fresh; /* no record of the current input written yet */
  pyi_record_writer w;
};

static void report(struct combine *c) {
  if (c->o && c->o->progress)
    c->o->progress(c->o->ctx, &c->prog);
}

static void tick(struct combine *c) {
  if (++c->prog.records % PROGRESS_EVERY == 0)
    report(c);
}

/* ---- pass 1: check each input, keep its metadata ------------------------- */

static int count_record(void *ctx, const pyi_session *s, uint32_t node,
                        double t, bool is_int, pyi_error *err) {
  struct combine *c = ctx;
  if (c->ls->arrays != c->count_array) { /* a repeated key starts over */
    c->count_array = c->ls->arrays;
    c->count = 0;
  }
  c->count++;
  tick(c);
  return 0;
}

static uint32_t intern_str(struct combine *c, const char *s, size_t len) {
  return pyi_intern(c->strings, s, len);
}

static void keep_meta(struct combine *c, struct input *in,
                      const pyi_session *s) {
  in->num[N_START] = s->start_time;
  in->num[N_DURATION] = s->duration;
  in->num[N_MIN] = s->min_interval;
  in->num[N_MAX] = s->max_interval;
  in->num[N_SAMPLES] = s->sample_count;
  in->num[N_CPU] = s->cpu_time;
  in->desc = intern_str(c, s->target_description, s->target_description_len);
  in->n_path = s->n_sys_path;
  in->n_prefix = s->n_sys_prefixes;
  in->n_start = s->start_depth;
  size_t n = in->n_path + in->n_prefix + in->n_start;
  in->strs = pyi_xmalloc((n ? n : 1) * sizeof *in->strs);
  uint32_t *p = in->strs;
  for (size_t i = 0; i < s->n_sys_path; i++)
    *p++ = intern_str(c, s->sys_path[i], strlen(s->sys_path[i]));
  for (size_t i = 0; i < s->n_sys_prefixes; i++)
    *p++ = intern_str(c, s->sys_prefixes[i], strlen(s->sys_prefixes[i]));
  for (size_t i = 0; i < s->start_depth; i++) {
    size_t len;
    const char *f = pyi_intern_str(s->finfos, s->start_stack[i], &len);
    *p++ = intern_str(c, f, len);
  }
}

static bool regular_file(const char *path, struct stat *st) {
  return strcmp(path, "-") != 0 && stat(path, st) == 0 && S_ISREG(st->st_mode);
}

static int read_input(struct combine *c, struct input *in) {
  pyi_session *s;
  if (regular_file(in->path, &in->st)) {
    pyi_load_stream ls = {.record = count_record, .ctx = c};
    c->ls = &ls;
    c->count = 0;
    c->count_array = 0;
    s = pyi_session_load_stream(in->path, &ls, c->err);
    in->arrays = ls.arrays;
    in->records = ls.arrays == c->count_array ? c->count : 0;
    if (s && !S_ISREG(ls.st.st_mode)) /* replaced since the stat */
      return pyi_fail(c->err, PYI_EIO, "%s: changed while being read",
                      in->path);
  } else {
    s = in->held = pyi_session_load(in->path, c->err);
    if (s) {
      in->records = s->n_records;
      c->prog.records += s->n_records;
    }
  }
  if (!s)
    return -1;
  keep_meta(c, in, s);
  if (s != in->held)
    pyi_session_free(s);
  return 0;
}

/* ---- the fold ------------------------------------------------------------ */

/* Start time order; NaN (which never compares greater in Python, so it
 * would never be swapped) goes last; ties keep the argument order. */
static int cmp_start(const void *pa, const void *pb) {
  const struct input *a = *(struct input *const *)pa,
                     *b = *(struct input *const *)pb;
  double x = a->num[N_START].v, y = b->num[N_START].v;
  bool xn = isnan(x), yn = isnan(y);
  if (xn != yn)
    return xn ? 1 : -1;
  if (!xn && x != y)
    return x < y ? -1 : 1;
  return a->order < b->order ? -1 : a->order > b->order;
}

/* A session with the metadata of 'in' and no records. */
static pyi_session *meta_session(struct combine *c, const struct input *in) {
  pyi_session *s = pyi_session_new();
  s->start_time = in->num[N_START];
  s->duration = in->num[N_DURATION];
  s->min_interval = in->num[N_MIN];
  s->max_interval = in->num[N_MAX];
  s->sample_count = in->num[N_SAMPLES];
  s->cpu_time = in->num[N_CPU];
  size_t len;
  const char *d = pyi_intern_str(c->strings, in->desc, &len);
  pyi_session_set_target_description(s, d, len);
  const uint32_t *p = in->strs;
  for (size_t i = 0; i < in->n_path; i++)
    pyi_session_add_sys_path(s, pyi_intern_str(c->strings, *p++, NULL));
  for (size_t i = 0; i < in->n_prefix; i++)
    pyi_session_add_sys_prefix(s, pyi_intern_str(c->strings, *p++, NULL));
  uint32_t *stack =
      pyi_xmalloc((in->n_start ? in->n_start : 1) * sizeof *stack);
  for (size_t i = 0; i < in->n_start; i++) {
    const char *f = pyi_intern_str(c->strings, *p++, &len);
    stack[i] = pyi_session_finfo(s, f, len);
  }
  pyi_session_set_start_call_stack(s, stack, in->n_start, NULL);
  free(stack);
  return s;
}

static pyi_session *fold(struct combine *c, struct input **order, size_t n) {
  pyi_session *acc = meta_session(c, order[0]);
  if (n < 2)
    return acc; /* nothing combined: the session as it was */
  pyi_meta_fold f;
  pyi_meta_fold_init(&f, acc);
  for (size_t i = 1; i < n; i++) {
    pyi_session *next = meta_session(c, order[i]);
    pyi_meta_fold_add(&f, next);
    pyi_session_free(next);
  }
  pyi_meta_fold_release(&f);
  return acc;
}

/* ---- pass 2: stream the records ------------------------------------------ */

static int write_record(void *ctx, const pyi_session *s, uint32_t node,
                        double t, bool is_int, pyi_error *err) {
  struct combine *c = ctx;
  if (c->fresh) { /* a new input: its ids mean other frames */
    pyi_record_writer_use(&c->w, s);
    c->fresh = false;
  }
  if (++c->count > c->cur->records)
    return pyi_fail(err, PYI_EIO, "%s: changed while being combined",
                    c->cur->path);
  pyi_record_writer_put(&c->w, node, t, is_int);
  tick(c);
  return 0;
}

static bool same_file(const struct stat *a, const struct stat *b) {
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
         a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
         a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static int write_input(struct combine *c, struct input *in) {
  c->cur = in;
  c->count = 0;
  if (in->held) {
    pyi_session *s = in->held;
    pyi_record_writer_use(&c->w, s);
    for (size_t r = 0; r < s->n_records; r++) {
      pyi_record_writer_put(&c->w, s->rec_stack[r], s->rec_time[r],
                            s->rec_int && s->rec_int[r]);
      tick(c);
    }
    return 0;
  }
  struct stat st;
  if (!regular_file(in->path, &st) || !same_file(&st, &in->st))
    return pyi_fail(c->err, PYI_EIO, "%s: changed while being combined",
                    in->path);
  pyi_load_stream ls = {
      .record = write_record, .ctx = c, .only_array = in->arrays};
  c->fresh = true;
  pyi_session *s = pyi_session_load_stream(in->path, &ls, c->err);
  if (!s)
    return -1;
  pyi_session_free(s);
  if (c->count != in->records || ls.arrays != in->arrays)
    return pyi_fail(c->err, PYI_EIO, "%s: changed while being combined",
                    in->path);
  return 0;
}

static int write_all(struct combine *c, const pyi_session *meta,
                     struct input **order, size_t n, const char *out_path) {
  pyi_out out;
  if (pyi_out_open(&out, out_path,
                   out_path && pyi_path_has_suffix(out_path, ".gz"), c->err))
    return -1;
  pyi_write_session_meta(meta, &out.buf);
  out.buf.len--; /* reopen the object for frame_records */
  pyi_out_puts(&out, ", \"frame_records\": [");
  pyi_record_writer_init(&c->w, &out);
  c->prog = (pyi_combine_progress){.pass = 2, .inputs = n};
  for (size_t i = 0; i < n; i++)
    c->prog.total_records += order[i]->records;
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    c->prog.input = i;
    rc = write_input(c, order[i]);
    report(c);
  }
  pyi_record_writer_release(&c->w);
  if (rc) {
    pyi_out_abort(&out);
    return -1;
  }
  pyi_out_puts(&out, "]}");
  return pyi_out_close(&out, c->err);
}

/* ---- entry point --------------------------------------------------------- */

int pyi_combine_files(const char *const *paths, size_t n, const char *out_path,
                      const pyi_combine_opts *o, pyi_error *err) {
  if (err)
    memset(err, 0, sizeof *err);
  if (!n)
    return pyi_fail(err, PYI_EARG, "no session files to combine");
  size_t stdin_uses = 0;
  for (size_t i = 0; i < n; i++)
    stdin_uses += strcmp(paths[i], "-") == 0;
  if (stdin_uses > 1)
    return pyi_fail(err, PYI_EARG, "stdin ('-') can be read only once");
  pyi_error local = {0};
  struct combine c = {.o = o, .err = err ? err : &local, .n = n};
  c.in = pyi_xcalloc(n, sizeof *c.in);
  c.strings = pyi_intern_new();
  struct input **order = pyi_xmalloc(n * sizeof *order);
  size_t kept = 0;
  int rc = 0;
  c.prog = (pyi_combine_progress){.pass = 1, .inputs = n};
  for (size_t i = 0; i < n && !rc; i++) {
    struct input *in = &c.in[i];
    *in = (struct input){.path = paths[i], .order = i};
    c.prog.input = i;
    if (read_input(&c, in) == 0)
      order[kept++] = in;
    else if (o && o->skip_bad && c.err->code != PYI_EARG) {
      in->skipped = true;
      if (o->skipped)
        o->skipped(o->ctx, c.err);
      memset(c.err, 0, sizeof *c.err);
    } else
      rc = -1;
    report(&c);
  }
  if (!rc && !kept)
    rc = pyi_fail(c.err, PYI_EFORMAT,
                  "no session to combine: every input was skipped");
  if (!rc) {
    qsort(order, kept, sizeof *order, cmp_start);
    pyi_session *meta = fold(&c, order, kept);
    rc = write_all(&c, meta, order, kept, out_path);
    pyi_session_free(meta);
  }
  for (size_t i = 0; i < n; i++) {
    free(c.in[i].strs);
    pyi_session_free(c.in[i].held);
  }
  free(c.in);
  free(order);
  pyi_intern_free(c.strings);
  return rc;
}
