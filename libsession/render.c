/* render.c - the renderer registry and the entry points of pyisession.h's
 * "Rendering" section. */
#include "render.h"

#include <ctype.h>
#include <sys/stat.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "error.h"
#include "load.h"

static const pyi_renderer *const renderers[] = {
    &pyi_renderer_text, &pyi_renderer_json, &pyi_renderer_session,
    &pyi_renderer_html, &pyi_renderer_speedscope, &pyi_renderer_pstats,
    &pyi_renderer_markdown,
    &pyi_renderer_folded,
    &pyi_renderer_pprof,
};
#define N_RENDERERS (sizeof renderers / sizeof *renderers)

const pyi_renderer *pyi_renderer_find(const char *name) {
  if (!name)
    return NULL;
  if (strcmp(name, "session") == 0)
    name = "pyisession"; /* pyinstrument's old name */
  for (size_t i = 0; i < N_RENDERERS; i++)
    if (strcmp(renderers[i]->name, name) == 0)
      return renderers[i];
  return NULL;
}

bool pyi_renderer_exists(const char *name) { return pyi_renderer_find(name) != NULL; }

const char *const *pyi_renderer_names(void) {
  static const char *names[N_RENDERERS + 1];
  for (size_t i = 0; i < N_RENDERERS; i++)
    names[i] = renderers[i]->name;
  return names;
}

bool pyi_renderer_is_binary(const char *name) {
  const pyi_renderer *r = pyi_renderer_find(name);
  return r && r->binary;
}

const char *pyi_renderer_extension(const char *name) {
  const pyi_renderer *r = pyi_renderer_find(name);
  return r ? r->ext : NULL;
}

bool pyi_path_has_suffix(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  if (m > n)
    return false;
  for (size_t i = 0; i < m; i++)
    if (tolower((unsigned char)s[n - m + i]) != suffix[i])
      return false;
  /* "extension" as os.path.splitext sees it: not a leading dot of a name */
  return n > m && s[n - m - 1] != '/';
}

const char *pyi_renderer_guess(const char *path) {
  static const struct {
    const char *suffix, *renderer;
  } table[] = {
      {".speedscope.json", "speedscope"}, {".pyisession.gz", "pyisession"},
      {".txt", "text"},   {".html", "html"},   {".htm", "html"},
      {".json", "json"},  {".pyisession", "pyisession"}, {".pstats", "pstats"},
      {".md", "markdown"}, {".folded", "folded"}, {".pprof", "pprof"},
      {".pb.gz", "pprof"},
  };
  if (!path)
    return NULL;
  for (size_t i = 0; i < sizeof table / sizeof *table; i++)
    if (pyi_path_has_suffix(path, table[i].suffix))
      return pyi_renderer_exists(table[i].renderer) ? table[i].renderer : NULL;
  return NULL;
}

static const char *const frame_opts[] = {"show_all", "timeline", "processor_options", NULL};

int pyi_render_check(const char *name, const pyi_opts *o, pyi_error *err) {
  const pyi_renderer *r = pyi_renderer_find(name);
  if (!r)
    return pyi_fail(err, PYI_EARG, "unknown renderer '%s'", name ? name : "");
  if (o) {
    for (const cJSON *c = o->root->child; c; c = c->next) {
      bool ok = false;
      for (const char *const *a = r->frame ? frame_opts : NULL; a && *a && !ok; a++)
        ok = strcmp(*a, c->string) == 0;
      for (const char *const *a = r->options; a && *a && !ok; a++)
        ok = strcmp(*a, c->string) == 0;
      if (!ok)
        return pyi_fail(err, PYI_EARG, "the %s renderer has no option '%s'", r->name,
                        c->string);
    }
  }
  if (r->frame) {
    pyi_proc_opts p;
    if (pyi_opt_proc(o, &p, err))
      return -1;
    /* a bad regex is reported now, not only once there are frames to
     * match it against (a profile with no samples never compiles it) */
    const char *res[] = {p.hide_regex, p.show_regex};
    for (size_t i = 0; i < 2; i++) {
      pyi_regex *re = res[i] ? pyi_regex_new(res[i], err) : NULL;
      if (res[i] && !re)
        return -1;
      pyi_regex_free(re);
    }
  }
  return r->check ? r->check(o, err) : 0;
}

unsigned pyi_render_procs(const pyi_render_ctx *c) {
  unsigned mask = c->r->procs;
  if (pyi_opt_bool(c->opts, "show_all", false))
    mask &= ~PYI_PROCS_HIDING;
  if (pyi_opt_bool(c->opts, "timeline", false))
    mask &= ~PYI_PROC_AGGREGATE;
  return mask;
}

pyi_tree *pyi_render_tree(pyi_render_ctx *c) {
  if (c->tree)
    return c->tree;
  pyi_proc_opts p;
  if (pyi_opt_proc(c->opts, &p, c->err))
    return NULL;
  if (c->streamed) { /* the build did the first processors */
    pyi_tree *t = c->streamed;
    c->streamed = NULL;
    if (pyi_tree_run(t, pyi_render_procs(c) & ~PYI_PROCS_STREAMED, &p,
                     c->err)) {
      pyi_tree_free(t);
      return NULL;
    }
    return t;
  }
  return pyi_tree_process(c->s, pyi_render_procs(c), &p, false, c->err);
}

void pyi_render_tree_done(pyi_render_ctx *c, pyi_tree *t) {
  if (t != c->tree)
    pyi_tree_free(t);
}

void pyi_local_time(double t, const char *fmt, char *out, size_t size) {
  struct tm tm;
  /* beyond a few hundred million years localtime has no answer, and the
   * conversion to time_t would overflow */
  bool ok = isfinite(t) && fabs(t) < 1e16;
  time_t secs = ok ? (time_t)floor(t) : 0;
  if (!ok || !localtime_r(&secs, &tm) || !strftime(out, size, fmt, &tm))
    snprintf(out, size, "?");
}

static int render(const pyi_session *s, const pyi_renderer *r, const pyi_opts *o,
                  pyi_out *out, FILE *notices, pyi_tree *streamed,
                  pyi_error *err) {
  pyi_render_ctx c = {.s = (pyi_session *)s, .opts = o, .out = out,
                      .notices = notices, .err = err, .r = r,
                      .streamed = streamed};
  int rc = r->render(&c);
  pyi_tree_free(c.streamed); /* not taken */
  return rc;
}

static int render_to(const pyi_session *s, const pyi_renderer *r,
                     const pyi_opts *o, const char *path, FILE *notices,
                     pyi_tree *streamed, pyi_error *err) {
  bool gz = path && !r->gzips_itself && pyi_path_has_suffix(path, ".gz");
  pyi_out out;
  if (pyi_out_open(&out, path, gz, err)) {
    pyi_tree_free(streamed);
    return -1;
  }
  if (render(s, r, o, &out, notices, streamed, err)) {
    pyi_out_abort(&out);
    return -1;
  }
  return pyi_out_close(&out, err);
}

int pyi_render_file(const pyi_session *s, const char *name, const pyi_opts *o,
                    const char *path, FILE *notices, pyi_error *err) {
  if (pyi_render_check(name, o, err))
    return -1;
  return render_to(s, pyi_renderer_find(name), o, path, notices, NULL, err);
}

/* ---- rendering a file as its records stream past ------------------------ */

struct streaming {
  pyi_timeline_scan scan;
  pyi_timeline_builder *b;
  unsigned array; /* the frame_records array being read (pass 1) */
  pyi_load_stream *ls;
};

static int scan_record(void *ctx, const pyi_session *s, const uint32_t *stack,
                       size_t d, double t, bool is_int, pyi_error *err) {
  struct streaming *st = ctx;
  if (st->ls->arrays != st->array) { /* a repeated key: the last counts */
    pyi_timeline_scan_release(&st->scan);
    pyi_timeline_scan_init(&st->scan);
    st->array = st->ls->arrays;
  }
  return pyi_timeline_scan_add(&st->scan, s, stack, d, t, st->scan.n, err);
}

static int build_record(void *ctx, const pyi_session *s, const uint32_t *stack,
                        size_t d, double t, bool is_int, pyi_error *err) {
  struct streaming *st = ctx;
  if (st->scan.n-- == 0)
    return pyi_fail(err, PYI_EIO, "%s: changed while being read",
                    pyi_session_name(s));
  pyi_timeline_builder_add(st->b, s, stack, d, t, is_int);
  return 0;
}

static bool same_file(const struct stat *a, const struct stat *b) {
  return S_ISREG(a->st_mode) && a->st_dev == b->st_dev &&
         a->st_ino == b->st_ino && a->st_size == b->st_size &&
         a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
         a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Reads 'in' twice, building the timeline tree on the second reading
 * (tree.h), and renders it. Returns 1 when the session needs the whole
 * tree after all (an identifier with and without __tracebackhide__). */
static int render_streamed(const char *in, const pyi_renderer *r,
                           const pyi_opts *o, const char *out, FILE *notices,
                           pyi_error *err) {
  pyi_proc_opts p;
  if (pyi_opt_proc(o, &p, err))
    return -1;
  pyi_render_ctx probe = {.opts = o, .r = r};
  unsigned mask = pyi_render_procs(&probe);
  pyi_load_stream ls1 = {.record_stack = scan_record};
  struct streaming st = {.ls = &ls1};
  pyi_timeline_scan_init(&st.scan);
  ls1.ctx = &st;
  pyi_session *s = pyi_session_load_stream(in, &ls1, err);
  if (!s || ((mask & PYI_PROC_TBHIDE) && s->mixed_hide)) {
    pyi_timeline_scan_release(&st.scan);
    pyi_session_free(s);
    return s ? 1 : -1;
  }
  if (st.array != ls1.arrays) { /* the last array was empty */
    pyi_timeline_scan_release(&st.scan);
    pyi_timeline_scan_init(&st.scan);
  }
  st.b = pyi_timeline_builder_new(&st.scan, s, mask, p.filter_threshold);
  pyi_session_free(s);
  size_t records = st.scan.n;
  pyi_timeline_scan_release(&st.scan);
  st.scan.n = records; /* counted down by the second reading */
  pyi_load_stream ls2 = {.record_stack = build_record, .ctx = &st,
                         .only_array = ls1.arrays};
  s = pyi_session_load_stream(in, &ls2, err);
  pyi_tree *t = s ? pyi_timeline_builder_finish(st.b, s) : NULL;
  if (!s)
    pyi_timeline_builder_free(st.b);
  else if (!t || st.scan.n || ls2.arrays != ls1.arrays ||
           !same_file(&ls1.st, &ls2.st)) {
    pyi_fail(err, PYI_EIO, "%s: changed while being read", in);
    pyi_tree_free(t);
    t = NULL;
  }
  int rc = t ? render_to(s, r, o, out, notices, t, err) : -1;
  pyi_session_free(s);
  return rc;
}

int pyi_render_path(const char *in, const char *name, const pyi_opts *o,
                    const char *out, FILE *notices, pyi_error *err) {
  if (pyi_render_check(name, o, err))
    return -1;
  const pyi_renderer *r = pyi_renderer_find(name);
  pyi_render_ctx probe = {.opts = o, .r = r};
  struct stat st;
  /* a timeline tree can be built while the records stream past, from a
   * file that can be read twice */
  if (r->tree_only && !(pyi_render_procs(&probe) & PYI_PROC_AGGREGATE) &&
      strcmp(in, "-") != 0 && stat(in, &st) == 0 && S_ISREG(st.st_mode)) {
    int rc = render_streamed(in, r, o, out, notices, err);
    if (rc <= 0)
      return rc;
  }
  pyi_session *s = pyi_session_load(in, err);
  if (!s)
    return -1;
  int rc = render_to(s, r, o, out, notices, NULL, err);
  pyi_session_free(s);
  return rc;
}

char *pyi_render_string(const pyi_session *s, const char *name, const pyi_opts *o,
                        size_t *len, FILE *notices, pyi_error *err) {
  if (pyi_render_check(name, o, err))
    return NULL;
  pyi_out out;
  pyi_out_init_string(&out);
  if (render(s, pyi_renderer_find(name), o, &out, notices, NULL, err)) {
    pyi_buf_release(&out.buf);
    return NULL;
  }
  return pyi_out_detach(&out, len);
}

/* The frame renderers of pyinstrument's classes, which draw any tree. */
bool pyi_renderer_draws_tree(const char *name) {
  static const char *const names[] = {"text", "json", "speedscope", "pstats"};
  for (size_t i = 0; name && i < sizeof names / sizeof *names; i++)
    if (strcmp(names[i], name) == 0)
      return true;
  return false;
}

char *pyi_render_frame_string(const pyi_session *s, pyi_tree *t,
                              pyi_frame *root, const char *name,
                              const pyi_opts *o, size_t *len, FILE *notices,
                              pyi_error *err) {
  if (pyi_render_check(name, o, err))
    return NULL;
  if (!pyi_renderer_draws_tree(name)) {
    pyi_fail(err, PYI_EARG, "the %s renderer does not draw a frame tree",
             name);
    return NULL;
  }
  pyi_out out;
  pyi_out_init_string(&out);
  pyi_tree *none = t ? NULL : pyi_tree_alloc(s, false); /* no samples */
  if (none)
    t = none;
  pyi_frame *saved = t->root;
  t->root = root;
  pyi_render_ctx c = {.s = (pyi_session *)s, .opts = o, .out = &out,
                      .notices = notices, .err = err,
                      .r = pyi_renderer_find(name), .tree = t};
  int rc = c.r->render(&c);
  t->root = saved;
  pyi_tree_free(none);
  if (rc) {
    pyi_buf_release(&out.buf);
    return NULL;
  }
  return pyi_out_detach(&out, len);
}

int pyi_write_file(const char *path, const void *data, size_t len,
                   pyi_error *err) {
  pyi_out out;
  if (pyi_out_open(&out, path, false, err))
    return -1;
  pyi_out_write(&out, data, len);
  return pyi_out_close(&out, err);
}

int pyi_session_save(const pyi_session *s, const char *path, pyi_error *err) {
  return pyi_render_file(s, "pyisession", NULL, path, NULL, err);
}
