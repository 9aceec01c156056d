/* render.c - the renderer registry and the entry points of pyisession.h's
 * "Rendering" section. */
#include "render.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "error.h"

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
                  pyi_out *out, FILE *notices, pyi_error *err) {
  pyi_render_ctx c = {(pyi_session *)s, o, out, notices, err, r, NULL};
  return r->render(&c);
}

int pyi_render_file(const pyi_session *s, const char *name, const pyi_opts *o,
                    const char *path, FILE *notices, pyi_error *err) {
  if (pyi_render_check(name, o, err))
    return -1;
  const pyi_renderer *r = pyi_renderer_find(name);
  bool gz = path && !r->gzips_itself && pyi_path_has_suffix(path, ".gz");
  pyi_out out;
  if (pyi_out_open(&out, path, gz, err))
    return -1;
  if (render(s, r, o, &out, notices, err)) {
    pyi_out_abort(&out);
    return -1;
  }
  return pyi_out_close(&out, err);
}

char *pyi_render_string(const pyi_session *s, const char *name, const pyi_opts *o,
                        size_t *len, FILE *notices, pyi_error *err) {
  if (pyi_render_check(name, o, err))
    return NULL;
  pyi_out out;
  pyi_out_init_string(&out);
  if (render(s, pyi_renderer_find(name), o, &out, notices, err)) {
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
  pyi_render_ctx c = {(pyi_session *)s, o,   &out, notices,
                      err, pyi_renderer_find(name), t};
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
