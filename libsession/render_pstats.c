/* render_pstats.c - pyinstrument's pstats renderer: the processed tree
 * folded into the stats dict of Python's profile module,
 *   {(file, line, function): (-1, -1, tt, ct, {caller key: (-1, -1, tt, ct)})}
 * and written in CPython's marshal format (version 4), which pstats.Stats
 * loads. Keys and caller pairs are deduplicated through intern tables. */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "escape.h"
#include "render.h"

struct caller {
  const pyi_frame *pf; /* the parent whose strings the caller key holds */
  uint32_t pkey, next; /* next caller of the same entry, index + 1 */
  double tt, ct;
};

struct entry {
  const pyi_frame *kf;  /* the first frame seen with this key */
  uint32_t first, last; /* callers, index + 1, in insertion order */
  double tt, ct;
};

struct pstats {
  pyi_tree *t;
  pyi_intern_table *keys;  /* key bytes -> key id = entry index + 1 */
  pyi_intern_table *pairs; /* (key id, parent key id) -> caller index + 1 */
  struct entry *entries;
  size_t n_entries, cap_entries;
  struct caller *callers;
  size_t n_callers, cap_callers;
  uint32_t *by_ident; /* identifier id -> key id (a cache) */
  size_t cap_ident;
  pyi_buf scratch;
};

/* ---- the stats dict ---- */

static int64_t key_line(const pyi_tree *t, const pyi_frame *f) {
  int64_t line = 0;
  return pyi_frame_line(t, f, &line) ? line : 0; /* line_no or 0 */
}

/* The key (file_path or "", line_no or 0, function) of 'f'. Parts hold no
 * NUL, so "file\0line\0function" cannot be read two ways. */
static uint32_t key_of(struct pstats *P, const pyi_frame *f) {
  if (f->ident < P->cap_ident && P->by_ident[f->ident])
    return P->by_ident[f->ident];
  const pyi_ident *id = pyi_frame_ident(P->t, f);
  pyi_buf *b = &P->scratch;
  pyi_buf_clear(b);
  if (id->file)
    pyi_buf_put(b, id->file, id->file_len);
  pyi_buf_putc(b, '\0');
  pyi_buf_printf(b, "%lld", (long long)key_line(P->t, f));
  pyi_buf_putc(b, '\0');
  pyi_buf_put(b, id->function, id->function_len);
  uint32_t n = pyi_intern_count(P->keys);
  uint32_t k = pyi_intern(P->keys, b->ptr, b->len);
  if (k > n) {
    P->entries = pyi_xgrow(P->entries, &P->cap_entries, P->n_entries + 1,
                           sizeof *P->entries);
    P->entries[P->n_entries++] = (struct entry){.kf = f};
  }
  if (f->ident >= P->cap_ident) {
    size_t old = P->cap_ident;
    P->by_ident = pyi_xgrow(P->by_ident, &P->cap_ident, (size_t)f->ident + 1,
                            sizeof *P->by_ident);
    memset(P->by_ident + old, 0, (P->cap_ident - old) * sizeof *P->by_ident);
  }
  P->by_ident[f->ident] = k;
  return k;
}

static struct caller *caller_of(struct pstats *P, uint32_t key,
                                const pyi_frame *parent) {
  uint32_t pair[2] = {key, key_of(P, parent)};
  uint32_t n = pyi_intern_count(P->pairs);
  uint32_t c = pyi_intern(P->pairs, (const char *)pair, sizeof pair);
  if (c > n) {
    P->callers = pyi_xgrow(P->callers, &P->cap_callers, P->n_callers + 1,
                           sizeof *P->callers);
    P->callers[P->n_callers++] = (struct caller){.pf = parent, .pkey = pair[1]};
    struct entry *e = &P->entries[key - 1];
    if (e->last)
      P->callers[e->last - 1].next = c;
    else
      e->first = c;
    e->last = c;
  }
  return &P->callers[c - 1];
}

/* Pre-order from the root, which is visited even when synthetic ([root]);
 * below it synthetic frames and whatever hangs under them are skipped. */
static void collect(struct pstats *P, pyi_frame *root) {
  pyi_frame *f = root;
  while (f) {
    f->mark = 0; /* the writer's string slots, see frame_str */
    double self = pyi_frame_self_time(P->t, f);
    uint32_t k = key_of(P, f);
    struct entry *e = &P->entries[k - 1];
    e->tt += self;
    e->ct += f->time;
    if (f != root) {
      struct caller *c = caller_of(P, k, f->parent);
      c->tt += self;
      c->ct += f->time;
    }
    f = pyi_frame_next_pre(root, f, false);
    while (f && pyi_frame_synthetic(P->t, f))
      f = pyi_frame_next_pre(root, f, true);
  }
}

/* ---- marshal --------------------------------------------------------------
 * Back-references follow CPython's choices for this dict, so the bytes
 * match pyinstrument's (except that a one-character name may be typed 'z'
 * where CPython happened to have it interned): shared objects are written
 * once with FLAG_REF and then as 'r' + index. Shared are the top dict, the
 * small ints (-5..256), the empty string, one-character Latin-1 strings,
 * and each frame's own function and file strings. */

#define FLAG_REF 0x80

struct marshal {
  pyi_out *o;
  uint32_t nrefs;
  uint32_t small[262];  /* ref + 1 of each small int, by value + 5 */
  uint32_t chars[257];  /* ref + 1 of "" (256) and each Latin-1 char */
  uint32_t (*slots)[2]; /* ref + 1 of a frame's file and function */
  size_t n_slots, cap_slots;
  pyi_buf utf8;
};

static void w_u32(pyi_out *o, uint32_t v) {
  unsigned char b[4] = {v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24};
  pyi_out_write(o, b, 4);
}

/* Writes type byte 't' flagged, or a back-reference; returns true when the
 * object still has to be written. */
static bool w_ref(struct marshal *M, uint32_t *ref, unsigned char t) {
  if (*ref) {
    pyi_out_putc(M->o, 'r');
    w_u32(M->o, *ref - 1);
    return false;
  }
  *ref = ++M->nrefs; /* index nrefs - 1, stored + 1 */
  pyi_out_putc(M->o, t | FLAG_REF);
  return true;
}

static void w_int(struct marshal *M, int64_t v) {
  if (v >= -5 && v <= 256) {
    if (w_ref(M, &M->small[v + 5], 'i'))
      w_u32(M->o, (uint32_t)(int32_t)v);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    pyi_out_putc(M->o, 'i');
    w_u32(M->o, (uint32_t)(int32_t)v);
  } else { /* a long: signed count of 15-bit digits, least significant first */
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    unsigned char d[10];
    int32_t n = 0;
    for (; mag; mag >>= 15, n++) {
      d[2 * n] = mag & 0xff;
      d[2 * n + 1] = (mag >> 8) & 0x7f;
    }
    pyi_out_putc(M->o, 'l');
    w_u32(M->o, (uint32_t)(v < 0 ? -n : n));
    pyi_out_write(M->o, d, 2 * (size_t)n);
  }
}

static void w_float(struct marshal *M, double v) {
  uint64_t u;
  unsigned char b[8];
  memcpy(&u, &v, sizeof u);
  for (int i = 0; i < 8; i++)
    b[i] = (u >> (8 * i)) & 0xff;
  pyi_out_putc(M->o, 'g');
  pyi_out_write(M->o, b, 8);
}

static void put_utf8(pyi_buf *b, unsigned cp) {
  unsigned char u[4];
  size_t n;
  if (cp < 0x80)
    u[0] = cp, n = 1;
  else if (cp < 0x800)
    u[0] = 0xc0 | cp >> 6, u[1] = 0x80 | (cp & 0x3f), n = 2;
  else if (cp < 0x10000)
    u[0] = 0xe0 | cp >> 12, u[1] = 0x80 | ((cp >> 6) & 0x3f),
    u[2] = 0x80 | (cp & 0x3f), n = 3;
  else
    u[0] = 0xf0 | cp >> 18, u[1] = 0x80 | ((cp >> 12) & 0x3f),
    u[2] = 0x80 | ((cp >> 6) & 0x3f), u[3] = 0x80 | (cp & 0x3f), n = 4;
  pyi_buf_put(b, u, n);
}

/* A str object's payload: ASCII as 'z'/'a', anything else as 'u' with the
 * UTF-8 that marshal's "surrogatepass" gives (bytes that are not UTF-8
 * stand for the surrogates U+DC80..U+DCFF, as Python decoded them). */
static void w_str_body(struct marshal *M, const char *s, size_t len,
                       bool ascii) {
  if (ascii && len < 256) {
    unsigned char n = (unsigned char)len;
    pyi_out_putc(M->o, n);
  } else {
    if (!ascii) {
      pyi_buf_clear(&M->utf8);
      for (size_t i = 0, k; i < len; i += k) {
        unsigned cp;
        k = pyi_utf8_next(s + i, len - i, &cp);
        put_utf8(&M->utf8, cp);
      }
      s = M->utf8.ptr;
      len = M->utf8.len;
    }
    w_u32(M->o, (uint32_t)len);
  }
  pyi_out_write(M->o, s, len);
}

/* Part 0 (function) or 1 (file) of frame 'f' as the str object that frame
 * holds. */
static void w_frame_str(struct marshal *M, pyi_frame *f, const pyi_tree *t,
                        int part) {
  const pyi_ident *id = pyi_frame_ident(t, f);
  const char *s = part ? id->file : id->function;
  size_t len = part ? (id->file ? id->file_len : 0) : id->function_len;
  bool ascii = true;
  for (size_t i = 0; i < len && ascii; i++)
    ascii = (unsigned char)s[i] < 0x80;
  unsigned cp = 0;
  uint32_t *ref;
  if (len == 0) {
    ref = &M->chars[256]; /* the interned empty string */
    if (w_ref(M, ref, 'Z'))
      pyi_out_putc(M->o, 0);
    return;
  }
  if (pyi_utf8_next(s, len, &cp) == len && cp < 256)
    ref = &M->chars[cp];
  else {
    if (!f->mark) {
      M->slots =
          pyi_xgrow(M->slots, &M->cap_slots, M->n_slots + 1, sizeof *M->slots);
      memset(M->slots[M->n_slots], 0, sizeof *M->slots);
      f->mark = (uint32_t)++M->n_slots;
    }
    ref = &M->slots[f->mark - 1][part];
  }
  if (w_ref(M, ref, ascii ? (len < 256 ? 'z' : 'a') : 'u'))
    w_str_body(M, s, len, ascii);
}

static void w_key(struct marshal *M, const pyi_tree *t, pyi_frame *f) {
  pyi_out_write(M->o, ")\3", 2);
  w_frame_str(M, f, t, 1);
  w_int(M, key_line(t, f));
  w_frame_str(M, f, t, 0);
}

static void write_stats(const struct pstats *P, pyi_out *o) {
  struct marshal M = {.o = o, .utf8 = PYI_BUF_INIT};
  M.nrefs = 1; /* the dict itself, shared with the caller of marshal.dumps */
  pyi_out_putc(o, '{' | FLAG_REF);
  for (size_t i = 0; i < P->n_entries; i++) {
    const struct entry *e = &P->entries[i];
    w_key(&M, P->t, (pyi_frame *)e->kf);
    pyi_out_write(o, ")\5", 2);
    w_int(&M, -1);
    w_int(&M, -1);
    w_float(&M, e->tt);
    w_float(&M, e->ct);
    pyi_out_putc(o, '{');
    for (uint32_t c = e->first; c; c = P->callers[c - 1].next) {
      const struct caller *cl = &P->callers[c - 1];
      w_key(&M, P->t, (pyi_frame *)cl->pf);
      pyi_out_write(o, ")\4", 2);
      w_int(&M, -1);
      w_int(&M, -1);
      w_float(&M, cl->tt);
      w_float(&M, cl->ct);
    }
    pyi_out_putc(o, '0');
  }
  pyi_out_putc(o, '0');
  free(M.slots);
  pyi_buf_release(&M.utf8);
}

static int render_pstats(pyi_render_ctx *c) {
  struct pstats P = {.scratch = PYI_BUF_INIT};
  P.t = pyi_render_tree(c);
  if (!P.t)
    return -1;
  P.keys = pyi_intern_new();
  P.pairs = pyi_intern_new();
  if (P.t->root)
    collect(&P, P.t->root);
  write_stats(&P, c->out);
  pyi_intern_free(P.keys);
  pyi_intern_free(P.pairs);
  free(P.entries);
  free(P.callers);
  free(P.by_ident);
  pyi_buf_release(&P.scratch);
  pyi_render_tree_done(c, P.t);
  return 0;
}

const pyi_renderer pyi_renderer_pstats = {
    .name = "pstats",
    .ext = "pstats",
    .class_name = "PstatsRenderer",
    .binary = true,
    .frame = true,
    .procs = PYI_PROCS_PSTATS,
    .render = render_pstats,
};
