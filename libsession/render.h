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
 * show_all and timeline). NULL on error; root NULL when no samples. */
pyi_tree *pyi_render_tree(pyi_render_ctx *c);
/* The processor mask after show_all/timeline. */
unsigned pyi_render_procs(const pyi_render_ctx *c);
const pyi_renderer *pyi_renderer_find(const char *name);
/* strftime of a Unix time in local time (pyinstrument shows local time). */
void pyi_local_time(double t, const char *fmt, char *out, size_t size);

/* pyinstrument's HTML data object {"session": ..., "frame_tree": ...}. */
int pyi_write_html_data(const pyi_session *s, pyi_buf *b, pyi_error *err);
/* The session fields of the format, without frame_records, as a JSON
 * object in json.dumps style (shared by the pyisession writer and HTML). */
void pyi_write_session_meta(const pyi_session *s, pyi_buf *b);

extern const pyi_renderer pyi_renderer_text, pyi_renderer_json,
    pyi_renderer_session, pyi_renderer_html;
extern const pyi_renderer pyi_renderer_speedscope, pyi_renderer_pstats;

#endif
