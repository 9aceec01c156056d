/* session.c - the session object: metadata accessors, the stack trie and
 * record list, combine and resample (pyinstrument's Session methods). */
#include "session.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"

pyi_session *pyi_session_new(void) {
  pyi_session *s = pyi_xcalloc(1, sizeof *s);
  s->min_interval.v = s->max_interval.v = 0.001;
  s->sample_count.is_int = true;
  s->cpu_time.is_int = true;
  s->target_description = pyi_xstrdup("");
  s->finfos = pyi_intern_new();
  s->idents = pyi_intern_new();
  s->attrs = pyi_intern_new();
  s->strings = pyi_intern_new();
  s->id_self = pyi_session_ident(s, "[self]", 6);
  s->id_root = pyi_session_ident(s, "[root]", 6);
  s->nodes = pyi_xgrow(NULL, &s->cap_nodes, 1024, sizeof *s->nodes);
  s->nodes[0] = (pyi_stack_node){0, 0, 0};
  s->n_nodes = 1;
  s->node_mask = 2047;
  s->node_seed = pyi_hash_seed(s);
  s->node_slots = pyi_xcalloc(s->node_mask + 1, sizeof *s->node_slots);
  return s;
}

static void free_strv(char **v, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(v[i]);
  free(v);
}

void pyi_session_free(pyi_session *s) {
  if (!s)
    return;
  free(s->name);
  free(s->target_description);
  free_strv(s->sys_path, s->n_sys_path);
  free_strv(s->sys_prefixes, s->n_sys_prefixes);
  free(s->start_stack);
  pyi_intern_free(s->finfos);
  pyi_intern_free(s->idents);
  pyi_intern_free(s->attrs);
  pyi_intern_free(s->strings);
  free(s->finfo);
  free(s->ident);
  free(s->finfo_attrs);
  free(s->nodes);
  free(s->node_slots);
  free(s->rec_stack);
  free(s->rec_time);
  free(s->rec_int);
  free(s->cwd);
  free(s);
}

/* ---- the stack trie ---------------------------------------------------- */

static void node_rehash(pyi_session *s) {
  size_t mask = s->node_mask * 2 + 1;
  uint32_t *slots = pyi_xcalloc(mask + 1, sizeof *slots);
  for (size_t n = 1; n < s->n_nodes; n++) {
    const pyi_stack_node *nd = &s->nodes[n];
    size_t i = pyi_hash_pair(nd->parent, nd->finfo, s->node_seed) & mask;
    while (slots[i])
      i = (i + 1) & mask;
    slots[i] = (uint32_t)n;
  }
  free(s->node_slots);
  s->node_slots = slots;
  s->node_mask = mask;
}

uint32_t pyi_session_push(pyi_session *s, uint32_t parent, uint32_t finfo) {
  size_t i = pyi_hash_pair(parent, finfo, s->node_seed) & s->node_mask;
  for (;;) {
    uint32_t n = s->node_slots[i];
    if (!n)
      break;
    if (s->nodes[n].parent == parent && s->nodes[n].finfo == finfo)
      return n;
    i = (i + 1) & s->node_mask;
  }
  s->nodes = pyi_xgrow(s->nodes, &s->cap_nodes, s->n_nodes + 1, sizeof *s->nodes);
  uint32_t n = (uint32_t)s->n_nodes++;
  s->nodes[n] = (pyi_stack_node){parent, finfo, s->nodes[parent].depth + 1};
  s->node_slots[i] = n;
  if (s->n_nodes * 4 > (s->node_mask + 1) * 3)
    node_rehash(s);
  return n;
}

void pyi_session_append(pyi_session *s, uint32_t node, double t, bool is_int) {
  if (s->n_records == s->cap_records) {
    size_t cap = s->cap_records;
    s->rec_stack = pyi_xgrow(s->rec_stack, &cap, s->n_records + 1, sizeof *s->rec_stack);
    cap = s->cap_records;
    s->rec_time = pyi_xgrow(s->rec_time, &cap, s->n_records + 1, sizeof *s->rec_time);
    if (s->rec_int) {
      s->rec_int = pyi_xrealloc(s->rec_int, cap);
      memset(s->rec_int + s->cap_records, 0, cap - s->cap_records);
    }
    s->cap_records = cap;
  }
  if (is_int && !s->rec_int)
    s->rec_int = pyi_xcalloc(s->cap_records, 1);
  if (s->rec_int)
    s->rec_int[s->n_records] = is_int;
  s->rec_stack[s->n_records] = node;
  s->rec_time[s->n_records] = t;
  s->n_records++;
}

size_t pyi_session_stack(const pyi_session *s, uint32_t node, uint32_t *out) {
  size_t depth = s->nodes[node].depth;
  for (size_t i = depth; i > 0; i--) {
    out[i - 1] = s->nodes[node].finfo;
    node = s->nodes[node].parent;
  }
  return depth;
}

/* ---- public building API ------------------------------------------------ */

uint32_t pyi_session_intern_frame(pyi_session *s, const char *frame_info,
                                  size_t len) {
  return pyi_session_finfo(s, frame_info, len);
}

static int check_stack(const pyi_session *s, const uint32_t *frames,
                       size_t depth, pyi_error *err) {
  if (depth > PYI_MAX_DEPTH)
    return pyi_fail(err, PYI_ELIMIT, "stack of %zu frames exceeds the limit of %d",
                    depth, PYI_MAX_DEPTH);
  for (size_t i = 0; i < depth; i++)
    if (frames[i] == 0 || frames[i] > pyi_intern_count(s->finfos))
      return pyi_fail(err, PYI_EARG, "unknown frame id %u", frames[i]);
  return 0;
}

int pyi_session_set_start_call_stack(pyi_session *s, const uint32_t *frames,
                                     size_t depth, pyi_error *err) {
  if (check_stack(s, frames, depth, err))
    return -1;
  free(s->start_stack);
  s->start_stack = pyi_xmalloc((depth ? depth : 1) * sizeof *frames);
  if (depth)
    memcpy(s->start_stack, frames, depth * sizeof *frames);
  s->start_depth = depth;
  return 0;
}

int pyi_session_add_record(pyi_session *s, const uint32_t *frames, size_t depth,
                           double seconds, pyi_error *err) {
  if (check_stack(s, frames, depth, err))
    return -1;
  uint32_t node = 0;
  for (size_t i = 0; i < depth; i++)
    node = pyi_session_push(s, node, frames[i]);
  pyi_session_append(s, node, seconds, false);
  return 0;
}

void pyi_session_set_times(pyi_session *s, double start_time, double duration,
                           double cpu_time) {
  s->start_time = (pyi_num){start_time, false};
  s->duration = (pyi_num){duration, false};
  s->cpu_time = (pyi_num){cpu_time, false};
}

void pyi_session_set_intervals(pyi_session *s, double min_interval,
                               double max_interval) {
  s->min_interval = (pyi_num){min_interval, false};
  s->max_interval = (pyi_num){max_interval, false};
}

void pyi_session_set_sample_count(pyi_session *s, double n) {
  s->sample_count = (pyi_num){n, n == floor(n) && fabs(n) < 9e15};
}

void pyi_session_set_target_description(pyi_session *s, const char *text,
                                        size_t len) {
  free(s->target_description);
  s->target_description = pyi_xstrndup(text, len);
  s->target_description_len = len;
}

/* Short paths and is_application_code are cached per identifier; they
 * depend on sys_path and sys_prefixes, so a change marks the caches stale
 * and the next reader clears them (pyi_session_fresh_paths), once. */
static void forget_path_caches(pyi_session *s) { s->paths_stale = true; }

void pyi_session_fresh_paths(pyi_session *s) {
  if (!s->paths_stale)
    return;
  uint32_t n = pyi_intern_count(s->idents);
  for (uint32_t i = 1; i <= n; i++) {
    s->ident[i].short_path = 0;
    s->ident[i].app = -1;
  }
  s->paths_stale = false;
}

static void push_str(char ***v, size_t *n, size_t *cap, const char *str) {
  *v = pyi_xgrow(*v, cap, *n + 1, sizeof **v);
  (*v)[(*n)++] = pyi_xstrdup(str);
}

void pyi_session_add_sys_path(pyi_session *s, const char *path) {
  push_str(&s->sys_path, &s->n_sys_path, &s->cap_sys_path, path);
  forget_path_caches(s);
}

void pyi_session_add_sys_prefix(pyi_session *s, const char *prefix) {
  push_str(&s->sys_prefixes, &s->n_sys_prefixes, &s->cap_sys_prefixes, prefix);
  forget_path_caches(s);
}

void pyi_session_clear_sys_path(pyi_session *s) {
  free_strv(s->sys_path, s->n_sys_path);
  s->sys_path = NULL;
  s->n_sys_path = s->cap_sys_path = 0;
  forget_path_caches(s);
}

void pyi_session_clear_sys_prefixes(pyi_session *s) {
  free_strv(s->sys_prefixes, s->n_sys_prefixes);
  s->sys_prefixes = NULL;
  s->n_sys_prefixes = s->cap_sys_prefixes = 0;
  forget_path_caches(s);
}

void pyi_session_clear_records(pyi_session *s) {
  s->n_records = 0; /* the stack trie stays: records may come back */
  free(s->rec_int);
  s->rec_int = NULL;
}

double pyi_session_start_time(const pyi_session *s) { return s->start_time.v; }
double pyi_session_duration(const pyi_session *s) { return s->duration.v; }
double pyi_session_min_interval(const pyi_session *s) { return s->min_interval.v; }
double pyi_session_max_interval(const pyi_session *s) { return s->max_interval.v; }
double pyi_session_sample_count(const pyi_session *s) { return s->sample_count.v; }
double pyi_session_cpu_time(const pyi_session *s) { return s->cpu_time.v; }
const char *pyi_session_target_description(const pyi_session *s, size_t *len) {
  if (len)
    *len = s->target_description_len;
  return s->target_description;
}
size_t pyi_session_sys_path_count(const pyi_session *s) { return s->n_sys_path; }
const char *pyi_session_sys_path(const pyi_session *s, size_t i) {
  return i < s->n_sys_path ? s->sys_path[i] : NULL;
}
size_t pyi_session_sys_prefix_count(const pyi_session *s) {
  return s->n_sys_prefixes;
}
const char *pyi_session_sys_prefix(const pyi_session *s, size_t i) {
  return i < s->n_sys_prefixes ? s->sys_prefixes[i] : NULL;
}
size_t pyi_session_record_count(const pyi_session *s) { return s->n_records; }

size_t pyi_session_thread_count(const pyi_session *s) {
  /* the trie's nodes of depth 1 are the records' first frames */
  uint8_t *seen = pyi_xcalloc(pyi_intern_count(s->idents) + 1, 1);
  size_t count = 0;
  for (size_t i = 1; i < s->n_nodes; i++) {
    if (s->nodes[i].depth != 1)
      continue;
    uint32_t id = s->finfo[s->nodes[i].finfo].ident;
    const pyi_ident *d = pyi_ident_of(s, id);
    if (!seen[id] && d->file && d->file_len == 8 &&
        memcmp(d->file, "<thread>", 8) == 0) {
      seen[id] = 1;
      count++;
    }
  }
  free(seen);
  return count;
}

uint32_t pyi_session_frame_count(const pyi_session *s) {
  return pyi_intern_count(s->finfos);
}

const char *pyi_session_frame_info(const pyi_session *s, uint32_t id,
                                   size_t *len) {
  if (id == 0 || id > pyi_intern_count(s->finfos))
    return NULL;
  return pyi_intern_str(s->finfos, id, len);
}

size_t pyi_session_start_call_stack(const pyi_session *s,
                                    const uint32_t **frames) {
  *frames = s->start_stack;
  return s->start_depth;
}

size_t pyi_session_record(const pyi_session *s, size_t i, uint32_t *frames,
                          size_t cap, double *seconds) {
  uint32_t node = s->rec_stack[i];
  size_t depth = s->nodes[node].depth;
  *seconds = s->rec_time[i];
  for (size_t d = depth; d > 0 && depth <= cap; d--) {
    frames[d - 1] = s->nodes[node].finfo;
    node = s->nodes[node].parent;
  }
  return depth;
}

const char *pyi_session_string(const pyi_session *s, uint32_t id) {
  return pyi_intern_str(s->strings, id, NULL);
}

/* ---- combine and resample ------------------------------------------------ */

/* Copies the records of 'src' into 'dst', re-interning frame infos. */
static void copy_records(pyi_session *dst, const pyi_session *src, size_t from,
                         size_t to, const double *times) {
  uint32_t nf = pyi_intern_count(src->finfos);
  uint32_t *map = pyi_xcalloc((size_t)nf + 1, sizeof *map);
  uint32_t *nodemap = pyi_xcalloc(src->n_nodes, sizeof *nodemap);
  for (uint32_t f = 1; f <= nf; f++) {
    size_t len;
    const char *str = pyi_intern_str(src->finfos, f, &len);
    map[f] = pyi_session_finfo(dst, str, len);
  }
  /* parents always precede children in the trie, so one pass maps all */
  for (size_t n = 1; n < src->n_nodes; n++)
    nodemap[n] = pyi_session_push(dst, nodemap[src->nodes[n].parent],
                                  map[src->nodes[n].finfo]);
  for (size_t r = from; r < to; r++)
    pyi_session_append(dst, nodemap[src->rec_stack[r]],
                       times ? times[r] : src->rec_time[r],
                       src->rec_int && src->rec_int[r]);
  free(map);
  free(nodemap);
}

void pyi_session_copy_meta(pyi_session *d, const pyi_session *s) {
  d->start_time = s->start_time;
  d->duration = s->duration;
  d->min_interval = s->min_interval;
  d->max_interval = s->max_interval;
  d->sample_count = s->sample_count;
  d->cpu_time = s->cpu_time;
  pyi_session_set_target_description(d, s->target_description,
                                     s->target_description_len);
  for (size_t i = 0; i < s->n_sys_path; i++)
    pyi_session_add_sys_path(d, s->sys_path[i]);
  for (size_t i = 0; i < s->n_sys_prefixes; i++)
    pyi_session_add_sys_prefix(d, s->sys_prefixes[i]);
  free(d->start_stack);
  d->start_stack = pyi_xmalloc((s->start_depth ? s->start_depth : 1) * sizeof(uint32_t));
  d->start_depth = s->start_depth;
  for (size_t i = 0; i < s->start_depth; i++) {
    size_t len;
    const char *str = pyi_intern_str(s->finfos, s->start_stack[i], &len);
    d->start_stack[i] = pyi_session_finfo(d, str, len);
  }
}

static pyi_num num_add(pyi_num a, pyi_num b) {
  return (pyi_num){a.v + b.v, a.is_int && b.is_int};
}

void pyi_meta_fold_init(pyi_meta_fold *f, pyi_session *acc) {
  f->acc = acc;
  f->paths = pyi_intern_new();
  f->prefixes = pyi_intern_new();
  for (size_t i = 0; i < acc->n_sys_path; i++)
    pyi_intern(f->paths, acc->sys_path[i], strlen(acc->sys_path[i]));
  /* a set union in Python (order unspecified); first-seen order here */
  size_t keep = 0;
  for (size_t i = 0; i < acc->n_sys_prefixes; i++) {
    char *p = acc->sys_prefixes[i];
    uint32_t n = pyi_intern_count(f->prefixes);
    if (pyi_intern(f->prefixes, p, strlen(p)) <= n)
      free(p);
    else
      acc->sys_prefixes[keep++] = p;
  }
  acc->n_sys_prefixes = keep;
}

void pyi_meta_fold_add(pyi_meta_fold *f, const pyi_session *b) {
  pyi_session *a = f->acc;
  /* min()/max() keep the first argument on ties, as Python's do */
  if (b->min_interval.v < a->min_interval.v)
    a->min_interval = b->min_interval;
  if (b->max_interval.v > a->max_interval.v)
    a->max_interval = b->max_interval;
  a->duration = num_add(a->duration, b->duration);
  a->sample_count = num_add(a->sample_count, b->sample_count);
  a->cpu_time = num_add(a->cpu_time, b->cpu_time);
  /* entries of b not in a's list as it was: b's own repeats all count */
  uint32_t before = pyi_intern_count(f->paths);
  for (size_t i = 0; i < b->n_sys_path; i++) {
    const char *p = b->sys_path[i];
    uint32_t id = pyi_intern_find(f->paths, p, strlen(p));
    if (id && id <= before)
      continue;
    pyi_intern(f->paths, p, strlen(p));
    pyi_session_add_sys_path(a, p);
  }
  for (size_t i = 0; i < b->n_sys_prefixes; i++) {
    const char *p = b->sys_prefixes[i];
    uint32_t n = pyi_intern_count(f->prefixes);
    if (pyi_intern(f->prefixes, p, strlen(p)) > n)
      pyi_session_add_sys_prefix(a, p);
  }
}

void pyi_meta_fold_release(pyi_meta_fold *f) {
  pyi_intern_free(f->paths);
  pyi_intern_free(f->prefixes);
}

pyi_session *pyi_session_combine(const pyi_session *a, const pyi_session *b) {
  if (a->start_time.v > b->start_time.v) {
    const pyi_session *t = a;
    a = b;
    b = t;
  }
  pyi_session *s = pyi_session_new();
  pyi_session_copy_meta(s, a);
  pyi_meta_fold f;
  pyi_meta_fold_init(&f, s);
  pyi_meta_fold_add(&f, b);
  pyi_meta_fold_release(&f);
  copy_records(s, a, 0, a->n_records, NULL);
  copy_records(s, b, 0, b->n_records, NULL);
  return s;
}

/* Each trie node of 's' is mapped once (parents come before children):
 * img is its node in 'd', and a node at the depth of the start frame whose
 * path is the whole start stack hangs its image under the image of its
 * thread root instead of its parent's, which drops the stem for every
 * record below it. */
pyi_session *pyi_session_nest(const pyi_session *s, const char *frame_info,
                              size_t len, pyi_error *err) {
  if (!frame_info || len == 0) {
    pyi_fail(err, PYI_EARG, "the root frame of a nested session is empty");
    return NULL;
  }
  pyi_session *d = pyi_session_new();
  pyi_session_copy_meta(d, s);
  uint32_t top = pyi_session_finfo(d, frame_info, len);
  d->start_stack[0] = top; /* copy_meta allocated at least one slot */
  d->start_depth = 1;

  uint32_t nf = pyi_intern_count(s->finfos);
  uint32_t *map = pyi_xcalloc((size_t)nf + 1, sizeof *map);
  for (uint32_t f = 1; f <= nf; f++) {
    size_t flen;
    const char *str = pyi_intern_str(s->finfos, f, &flen);
    map[f] = pyi_session_finfo(d, str, flen);
  }
  size_t k = s->start_depth; /* the stem is positions 1 .. k-2 */
  uint32_t *img = pyi_xcalloc(s->n_nodes, sizeof *img);
  uint32_t *root = pyi_xcalloc(s->n_nodes, sizeof *root); /* depth-1 node */
  bool *match = pyi_xcalloc(s->n_nodes, sizeof *match);   /* path = stack */
  img[0] = pyi_session_push(d, 0, top);
  match[0] = true;
  for (size_t n = 1; n < s->n_nodes; n++) {
    const pyi_stack_node *nd = &s->nodes[n];
    uint32_t depth = nd->depth, up = nd->parent;
    root[n] = depth == 1 ? (uint32_t)n : root[up];
    match[n] =
        depth <= k && match[up] &&
        s->finfo[nd->finfo].ident == s->finfo[s->start_stack[depth - 1]].ident;
    uint32_t under = k >= 3 && depth == k && match[n] ? img[root[n]] : img[up];
    img[n] = d->nodes[under].depth < PYI_MAX_DEPTH
                 ? pyi_session_push(d, under, map[nd->finfo])
                 : under;
  }
  for (size_t r = 0; r < s->n_records; r++)
    pyi_session_append(d, img[s->rec_stack[r]], s->rec_time[r],
                       s->rec_int && s->rec_int[r]);
  free(map);
  free(img);
  free(root);
  free(match);
  return d;
}

pyi_session *pyi_session_resample(const pyi_session *src, double interval) {
  pyi_session *s = pyi_session_new();
  pyi_session_copy_meta(s, src);
  s->min_interval = s->max_interval = (pyi_num){interval, false};
  /* the kept records carry the whole accumulated time (pyinstrument) */
  double *times = pyi_xmalloc((src->n_records ? src->n_records : 1) * sizeof *times);
  double acc = 0.0;
  size_t kept = 0;
  uint32_t *keep_stack = pyi_xmalloc((src->n_records ? src->n_records : 1) * sizeof *keep_stack);
  for (size_t r = 0; r < src->n_records; r++) {
    acc += src->rec_time[r];
    if (acc >= interval) {
      times[kept] = acc;
      keep_stack[kept++] = src->rec_stack[r];
      acc = fmod(acc, interval);
      if (acc < 0)
        acc += interval;
    }
  }
  /* build a compacted source view: only the kept records */
  pyi_session view = *src;
  view.rec_stack = keep_stack;
  view.rec_time = times;
  view.rec_int = NULL;
  view.n_records = kept;
  copy_records(s, &view, 0, kept, NULL);
  s->sample_count = (pyi_num){(double)kept, true};
  free(times);
  free(keep_stack);
  return s;
}
