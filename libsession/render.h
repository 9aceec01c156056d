/* render.h - the renderer interface. Each renderer is one file exporting
 * one descriptor; render.c lists them, checks options, opens the output
 * and, for frame renderers, builds and processes the tree. */
#ifndef PYI_RENDER_H
#define PYI_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include "opts.h"
#include "out.h"
#include "proc.h"
#include "session.h"
#include "tree.h"

typedef struct pyi_renderer pyi_renderer;

typedef struct pyi_render_ctx {
  pyi_session *s; /* caches (short paths) are filled while rendering */
  const pyi_opts *opts;
  pyi_out *out;
  FILE *notices; /* user-facing notes, may be NULL */
  pyi_error *err;
  const pyi_renderer *r;
  pyi_tree *tree; /* processed by the caller (pyi_render_frame_string), or
                     NULL: the renderer builds its own */
} pyi_render_ctx;

struct pyi_renderer {
  const char *name;
  const char *ext;        /* output extension without the dot */
  const char *class_name; /* pyinstrument's class, for messages */
  bool binary;            /* bytes, not text (refused on a terminal) */
  bool frame;             /* a frame renderer: show_all, timeline, processor_options */
  bool gzips_itself;      /* the format is compressed already (no .gz wrapping) */
  unsigned procs;         /* default processor mask of a frame renderer */
  const char *const *options; /* its own option names, NULL-terminated */
  /* optional: checks option values when the renderer is "constructed" */
  int (*check)(const pyi_opts *o, pyi_error *err);
  int (*render)(pyi_render_ctx *c);
};

/* The processed tree a frame renderer draws (processors per its mask,
 * show_all and timeline, or the caller's tree). NULL on error; root NULL
 * when no samples. Give it back with pyi_render_tree_done. */
pyi_tree *pyi_render_tree(pyi_render_ctx *c);
void pyi_render_tree_done(pyi_render_ctx *c, pyi_tree *t);
/* The processor mask after show_all/timeline. */
unsigned pyi_render_procs(const pyi_render_ctx *c);
const pyi_renderer *pyi_renderer_find(const char *name);
/* True when 'path' ends in 'suffix' (lowercase; compared without case) and
 * the suffix is an extension, not a whole file name. */
bool pyi_path_has_suffix(const char *path, const char *suffix);
/* strftime of a Unix time in local time (pyinstrument shows local time). */
void pyi_local_time(double t, const char *fmt, char *out, size_t size);

/* pyinstrument's HTML data object {"session": ..., "frame_tree": ...}. */
int pyi_write_html_data(const pyi_session *s, pyi_buf *b, pyi_error *err);
/* The session fields of the format, without frame_records, as a JSON
 * object in json.dumps style (shared by the pyisession writer and HTML). */
void pyi_write_session_meta(const pyi_session *s, pyi_buf *b);

/* Writes frame records as json.dumps does ("[[frame, ...], t]" joined by
 * ", "), escaping each distinct frame info once, even across the sessions
 * whose records go to one output. pyi_record_writer_use names the session
 * the next records' stack nodes belong to (call it again for each new
 * session, including one that reuses a freed session's address). */
typedef struct pyi_record_writer {
  pyi_out *out;
  pyi_intern_table *finfos; /* frame info text -> id */
  pyi_buf esc;              /* escaped texts back to back ... */
  size_t *off, off_cap;     /* ... id's text is [off[id - 1], off[id]) */
  const pyi_session *s;
  uint32_t *map; /* s's frame info id -> id (0: not seen yet) */
  size_t map_cap;
  uint32_t *stack;
  uint64_t n; /* records written */
} pyi_record_writer;

void pyi_record_writer_init(pyi_record_writer *w, pyi_out *out);
void pyi_record_writer_use(pyi_record_writer *w, const pyi_session *s);
void pyi_record_writer_put(pyi_record_writer *w, uint32_t node, double t,
                           bool is_int);
void pyi_record_writer_release(pyi_record_writer *w);

extern const pyi_renderer pyi_renderer_text, pyi_renderer_json,
    pyi_renderer_session, pyi_renderer_html;
extern const pyi_renderer pyi_renderer_speedscope, pyi_renderer_pstats;
extern const pyi_renderer pyi_renderer_markdown;
extern const pyi_renderer pyi_renderer_folded;
extern const pyi_renderer pyi_renderer_pprof;

#endif
