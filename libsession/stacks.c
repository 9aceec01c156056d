/* stacks.c - records summed per stack-trie node, and the trimmed frames of
 * each stack (stacks.h). Sits beside build.c: the stack formats read the
 * records directly and never build the call tree. */
#include "stacks.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "frameinfo.h"
#include "paths.h"

int pyi_stacks_init(pyi_stacks *st, const pyi_session *s, bool show_all,
                    pyi_error *err) {
  memset(st, 0, sizeof *st);
  st->s = s;
  st->show_all = show_all;
  uint32_t *slot = pyi_xcalloc(s->n_nodes ? s->n_nodes : 1, sizeof *slot);
  size_t cap = 0;
  for (size_t r = 0; r < s->n_records; r++) {
    uint32_t node = s->rec_stack[r];
    if (!slot[node]) {
      size_t c = cap;
      st->node = pyi_xgrow(st->node, &c, st->n + 1, sizeof *st->node);
      c = cap;
      st->time = pyi_xgrow(st->time, &c, st->n + 1, sizeof *st->time);
      c = cap;
      st->count = pyi_xgrow(st->count, &c, st->n + 1, sizeof *st->count);
      cap = c;
      st->node[st->n] = node;
      st->time[st->n] = 0;
      st->count[st->n] = 0;
      slot[node] = (uint32_t)++st->n;
    }
    st->time[slot[node] - 1] += s->rec_time[r];
    st->count[slot[node] - 1]++;
  }
  free(slot);
  st->raw = pyi_xmalloc(PYI_MAX_DEPTH * sizeof *st->raw);
  st->out = pyi_xmalloc(PYI_MAX_DEPTH * sizeof *st->out);
  return 0;
}

void pyi_stacks_release(pyi_stacks *st) {
  free(st->node);
  free(st->time);
  free(st->count);
  free(st->raw);
  free(st->out);
  memset(st, 0, sizeof *st);
}

static const pyi_ident *ident(const pyi_session *s, uint32_t finfo) {
  return &s->ident[s->finfo[finfo].ident];
}

/* (the same patterns as remove_first_pyinstrument_frames) */
static bool file_is(const pyi_stacks *st, uint32_t finfo, const char *tail,
                    const char *substr) {
  const pyi_ident *id = ident(st->s, finfo);
  if (!id->file)
    return false;
  if (tail && pyi_path_match_tail(id->file, id->file_len, tail))
    return true;
  return substr && memmem(id->file, id->file_len, substr, strlen(substr));
}

static bool has_attr(const pyi_session *s, uint32_t finfo, const char *attr) {
  const pyi_finfo *fi = &s->finfo[finfo];
  for (uint16_t i = 0; i < fi->nattrs; i++) {
    size_t n;
    const char *a = pyi_intern_str(s->attrs, s->finfo_attrs[fi->attr_first + i], &n);
    if (n == strlen(attr) && memcmp(a, attr, n) == 0)
      return true;
  }
  return false;
}

size_t pyi_stacks_frames(pyi_stacks *st, size_t i, const uint32_t **frames) {
  const pyi_session *s = st->s;
  size_t d = pyi_session_stack(s, st->node[i], st->raw);
  size_t from = 0;
  /* the stem above start(): the tree's root is the last frame of it */
  size_t sd = s->start_depth;
  if (sd > 1 && d >= sd) {
    size_t k = 0;
    while (k < sd && s->finfo[st->raw[k]].ident == s->finfo[s->start_stack[k]].ident)
      k++;
    if (k == sd)
      from = sd - 1;
  }
  /* pyinstrument's command line: __main__.py, exec'd <string>, runpy; the
   * tree drops them only when they have children, so the leaf stays */
  if (d - from > 2 && file_is(st, st->raw[from], PYI_MAIN_TAIL, NULL) &&
      file_is(st, st->raw[from + 1], NULL, "<string>")) {
    from += 2;
    while (d - from > 1 && file_is(st, st->raw[from], PYI_RUNPY_TAIL, "<frozen runpy>"))
      from++;
  }
  size_t n = 0;
  for (size_t k = from; k < d; k++) {
    uint32_t fi = st->raw[k];
    if (!st->show_all &&
        (ident(s, fi)->importlib || has_attr(s, fi, "h1")))
      continue;
    st->out[n++] = fi;
  }
  *frames = st->out;
  return n;
}

int64_t pyi_finfo_line(const pyi_session *s, uint32_t finfo, int64_t fallback) {
  const pyi_finfo *fi = &s->finfo[finfo];
  for (uint16_t i = 0; i < fi->nattrs; i++) {
    size_t n;
    const char *a = pyi_intern_str(s->attrs, s->finfo_attrs[fi->attr_first + i], &n);
    int64_t line;
    if (n > 1 && a[0] == 'l' && pyi_parse_line(a + 1, n - 1, &line))
      return line;
  }
  return fallback;
}

const char *pyi_finfo_class(const pyi_session *s, uint32_t finfo, size_t *len) {
  const pyi_finfo *fi = &s->finfo[finfo];
  for (uint16_t i = 0; i < fi->nattrs; i++) {
    size_t n;
    const char *a = pyi_intern_str(s->attrs, s->finfo_attrs[fi->attr_first + i], &n);
    if (n > 1 && a[0] == 'c') {
      *len = n - 1;
      return a + 1;
    }
  }
  return NULL;
}
