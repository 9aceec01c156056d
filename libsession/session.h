/* session.h - the in-memory session: metadata, the intern tables of frame
 * infos, identifiers and attributes, the stack trie and the records.
 *
 * A record is (stack node, seconds). Stack nodes form a trie keyed by
 * (parent node, frame info), so consecutive samples that share most of
 * their stack share the storage; node 0 is the empty stack. */
#ifndef PYI_SESSION_H
#define PYI_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "intern.h"
#include "pyisession.h"

/* Deeper stacks are refused: CPython with its default limits never gets
 * near, and every pass below is linear in depth anyway. */
#define PYI_MAX_DEPTH 8192

/* A number as Python's json module would hold it: ints stay ints. */
typedef struct pyi_num {
  double v;
  bool is_int;
} pyi_num;

enum pyi_ident_kind {
  PYI_ID_NORMAL = 0,
  PYI_ID_SELF,   /* [self]            synthetic, leaf-only */
  PYI_ID_AWAIT,  /* [await]           synthetic, leaf-only */
  PYI_ID_OOC,    /* [out-of-context]  synthetic, leaf-only */
  PYI_ID_ROOT,   /* [root]            synthetic */
};

/* One distinct identifier "function\0file\0line", parsed. Strings point
 * into the identifier intern table. */
typedef struct pyi_ident {
  const char *function, *file; /* file NULL when there is no second part */
  uint32_t function_len, file_len;
  const char *line_text; /* third part, NULL when absent */
  uint32_t line_len;
  uint8_t kind;
  bool importlib;   /* file contains "<frozen importlib._bootstrap" */
  int8_t app;       /* is_application_code: 0, 1, 2 = "as the parent", -1 unknown */
  uint8_t hide_seen; /* how its frame infos carried 'h' (frameinfo.c) */
  uint32_t short_path; /* id in s->strings of file_path_short; 0 = none */
} pyi_ident;

/* One distinct frame-info string: its identifier and attributes. */
typedef struct pyi_finfo {
  uint32_t ident;
  uint32_t attr_first; /* index into s->finfo_attrs */
  uint16_t nattrs;
  bool hide;   /* has an attribute whose first char is 'h' */
  bool has_ch; /* has a 'c' or 'h' attribute (all most trees keep) */
} pyi_finfo;

typedef struct pyi_stack_node {
  uint32_t parent, finfo, depth;
} pyi_stack_node;

struct pyi_session {
  char *name; /* the file it came from, for messages (NULL if built) */
  pyi_num start_time, duration, min_interval, max_interval, sample_count,
      cpu_time;
  char *target_description;
  size_t target_description_len;
  char **sys_path, **sys_prefixes;
  size_t n_sys_path, n_sys_prefixes, cap_sys_path, cap_sys_prefixes;
  uint32_t *start_stack; /* frame info ids, root first */
  size_t start_depth;

  pyi_intern_table *finfos, *idents, *attrs, *strings;
  pyi_finfo *finfo; /* by frame info id */
  size_t finfo_cap;
  pyi_ident *ident; /* by identifier id */
  size_t ident_cap;
  uint32_t *finfo_attrs; /* attribute ids of all frame infos */
  size_t n_finfo_attrs, cap_finfo_attrs;
  uint32_t id_self, id_root; /* identifier ids of [self], [root] */
  /* identifiers seen with and without an 'h' attribute: then tracebackhide
   * is decided per tree node and the fused aggregate build is not exact */
  bool mixed_hide;

  pyi_stack_node *nodes;
  size_t n_nodes, cap_nodes;
  uint32_t *node_slots; /* hash (parent, finfo) -> node */
  size_t node_mask;
  uint64_t node_seed; /* random: see pyi_hash_seed */

  uint32_t *rec_stack;
  double *rec_time;
  uint8_t *rec_int; /* NULL until an integer time is seen; 1 per record */
  size_t n_records, cap_records;

  /* path shortening: cwd captured on first use */
  char *cwd;
  bool paths_stale; /* sys_path/sys_prefixes changed since caches filled */
};

/* The name messages about this session use. */
static inline const char *pyi_session_name(const pyi_session *s) {
  return s->name ? s->name : "session";
}

/* Interns a frame info and parses it on first sight. */
uint32_t pyi_session_finfo(pyi_session *s, const char *str, size_t len);
/* Identifier id of an identifier string (parsing it on first sight). */
uint32_t pyi_session_ident(pyi_session *s, const char *str, size_t len);
/* The stack node for 'parent' extended by frame info 'finfo'. */
uint32_t pyi_session_push(pyi_session *s, uint32_t parent, uint32_t finfo);
/* Appends a record whose stack is the trie node 'node'. */
void pyi_session_append(pyi_session *s, uint32_t node, double t, bool is_int);
/* Fills 'out' (capacity PYI_MAX_DEPTH) with the frame infos of 'node',
 * root first; returns the depth. */
size_t pyi_session_stack(const pyi_session *s, uint32_t node, uint32_t *out);

static inline const pyi_ident *pyi_ident_of(const pyi_session *s, uint32_t id) {
  return &s->ident[id];
}
static inline bool pyi_ident_synthetic(const pyi_ident *i) {
  return i->kind != PYI_ID_NORMAL;
}
static inline bool pyi_ident_leaf_only(const pyi_ident *i) {
  return i->kind == PYI_ID_SELF || i->kind == PYI_ID_AWAIT ||
         i->kind == PYI_ID_OOC;
}

/* How many distinct threads the records start in: their first frames that
 * are thread roots ("name\0<thread>\0ident"). */
size_t pyi_session_thread_count(const pyi_session *s);

/* Copies the metadata of 's' (not its records) into the new session 'd'. */
void pyi_session_copy_meta(pyi_session *d, const pyi_session *s);

/* Session.combine's metadata, one session at a time: a fold whose
 * accumulator 'acc' holds the first session's metadata and takes each
 * later-starting session in turn (intervals widened, times and counts
 * summed, sys_path merged, sys_prefixes united in first-seen order). The
 * sets mirror acc's lists so that each step costs its own entries only. */
typedef struct pyi_meta_fold {
  pyi_session *acc;
  pyi_intern_table *paths, *prefixes;
} pyi_meta_fold;
void pyi_meta_fold_init(pyi_meta_fold *f, pyi_session *acc);
void pyi_meta_fold_add(pyi_meta_fold *f, const pyi_session *next);
void pyi_meta_fold_release(pyi_meta_fold *f);

/* Clears the per-identifier caches of short paths and application code
 * when sys_path or sys_prefixes changed since they were filled. */
void pyi_session_fresh_paths(pyi_session *s);
/* The short file path of an identifier (or NULL), computed once. */
const char *pyi_session_short_path(pyi_session *s, uint32_t ident);
/* Interns a string (used for short paths and other derived text). */
const char *pyi_session_string(const pyi_session *s, uint32_t id);

#endif
