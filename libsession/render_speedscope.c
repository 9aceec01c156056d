/* render_speedscope.c - pyinstrument's speedscope renderer: the processed
 * timeline tree as one evented profile, written as json.dumps would write
 * it. Open/close events stream to the sink during the walk; the shared
 * frame table they index comes after them in the file, so only its text is
 * buffered. */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "escape.h"
#include "floatfmt.h"
#include "render.h"

struct speedscope {
  pyi_tree *t;
  pyi_out *o;
  double clock;           /* seconds; closes advance it */
  pyi_intern_table *keys; /* (function, file, line) -> frame index + 1 */
  pyi_buf frames;         /* the "frames" array's items, in index order */
  pyi_buf key;            /* scratch */
  uint32_t *by_ident;     /* identifier id -> frame index + 1 (a cache) */
  size_t cap_ident;
  const char *sep; /* before the next event */
};

/* Frames are keyed by what speedscope shows, not by identifier: two
 * identifiers can differ only in how their line number is spelled. */
static uint32_t frame_index(struct speedscope *S, const pyi_frame *f) {
  if (f->ident < S->cap_ident && S->by_ident[f->ident])
    return S->by_ident[f->ident] - 1;
  const pyi_ident *id = pyi_frame_ident(S->t, f);
  int64_t line = 0;
  bool has_line = pyi_frame_line(S->t, f, &line);
  /* the parts hold no NUL, so NUL-separated fields cannot run together */
  pyi_buf_clear(&S->key);
  pyi_buf_put(&S->key, id->function, id->function_len);
  pyi_buf_putc(&S->key, '\0');
  if (id->file) {
    pyi_buf_putc(&S->key, 'F');
    pyi_buf_put(&S->key, id->file, id->file_len);
  }
  pyi_buf_putc(&S->key, '\0');
  if (has_line)
    pyi_buf_printf(&S->key, "L%lld", (long long)line);
  uint32_t n = pyi_intern_count(S->keys);
  uint32_t k = pyi_intern(S->keys, S->key.ptr, S->key.len);
  if (k > n) { /* first seen: its entry joins the table */
    pyi_buf *b = &S->frames;
    pyi_buf_puts(b, k > 1 ? ", {\"name\": " : "{\"name\": ");
    pyi_json_ascii_buf(b, id->function, id->function_len);
    pyi_buf_puts(b, ", \"file\": ");
    if (id->file)
      pyi_json_ascii_buf(b, id->file, id->file_len);
    else
      pyi_buf_puts(b, "null");
    if (has_line)
      pyi_buf_printf(b, ", \"line\": %lld}", (long long)line);
    else
      pyi_buf_puts(b, ", \"line\": null}");
  }
  if (f->ident >= S->cap_ident) {
    size_t old = S->cap_ident;
    S->by_ident = pyi_xgrow(S->by_ident, &S->cap_ident, (size_t)f->ident + 1,
                            sizeof *S->by_ident);
    memset(S->by_ident + old, 0, (S->cap_ident - old) * sizeof *S->by_ident);
  }
  S->by_ident[f->ident] = k;
  return k - 1;
}

static void event(struct speedscope *S, char type, uint32_t frame) {
  char num[40];
  pyi_out_puts(S->o, S->sep);
  pyi_out_printf(S->o, "{\"type\": \"%c\", \"at\": ", type);
  pyi_out_write(S->o, num, pyi_float_repr(S->clock, num));
  pyi_out_printf(S->o, ", \"frame\": %u}", frame);
  S->sep = ", ";
}

static void enter(struct speedscope *S, const pyi_frame *f) {
  event(S, 'O', frame_index(S, f));
}

/* A frame closes after its absorbed time, and a leaf-only synthetic frame
 * after its own time as well: the only places real time sits. The two
 * additions stay separate, as in pyinstrument, for the same float sums. */
static void leave(struct speedscope *S, const pyi_frame *f) {
  S->clock += f->absorbed;
  if (pyi_ident_leaf_only(pyi_frame_ident(S->t, f)))
    S->clock += f->time;
  event(S, 'C', frame_index(S, f));
}

static void walk(struct speedscope *S, pyi_frame *root) {
  pyi_frame *f = root;
  enter(S, f);
  for (;;) {
    if (f->first_child) {
      f = f->first_child;
      enter(S, f);
      continue;
    }
    leave(S, f);
    while (f != root && !f->next) {
      f = f->parent;
      leave(S, f);
    }
    if (f == root)
      break;
    f = f->next;
    enter(S, f);
  }
}

static int render_speedscope(pyi_render_ctx *c) {
  const pyi_session *s = c->s;
  pyi_out *o = c->out;
  struct speedscope S = {.o = o, .clock = 0.0, .sep = ""};
  S.t = pyi_render_tree(c);
  if (!S.t)
    return -1;
  S.keys = pyi_intern_new();

  char when[64], num[PYI_NUM_MAX];
  pyi_local_time(s->start_time.v, "%Y-%m-%dT%H-%M-%S", when, sizeof when);
  pyi_buf name = PYI_BUF_INIT;
  pyi_buf_puts(&name, "CPU profile for '");
  pyi_buf_put(&name, s->target_description, s->target_description_len);
  pyi_buf_printf(&name, "' at %s", when);

  pyi_out_puts(
      o, "{\"$schema\": \"https://www.speedscope.app/file-format-schema.json\""
         ", \"name\": ");
  pyi_json_ascii(o, name.ptr, name.len);
  pyi_out_puts(o,
               ", \"activeProfileIndex\": null, \"exporter\": \"pyinstrument\""
               ", \"profiles\": [{\"type\": \"evented\", \"name\": ");
  pyi_json_ascii(o, name.ptr, name.len);
  pyi_out_puts(o,
               ", \"unit\": \"seconds\", \"startValue\": 0.0, \"endValue\": ");
  pyi_out_write(o, num, pyi_num_repr(s->duration.v, s->duration.is_int, num));
  pyi_out_puts(o, ", \"events\": [");
  if (S.t->root)
    walk(&S, S.t->root);
  pyi_out_puts(o, "]}], \"shared\": {\"frames\": [");
  pyi_out_write(o, S.frames.ptr, S.frames.len);
  pyi_out_puts(o, "]}}\n");

  pyi_buf_release(&name);
  pyi_buf_release(&S.frames);
  pyi_buf_release(&S.key);
  free(S.by_ident);
  pyi_intern_free(S.keys);
  pyi_render_tree_done(c, S.t);
  return 0;
}

const pyi_renderer pyi_renderer_speedscope = {
    .name = "speedscope",
    .ext = "speedscope.json",
    .class_name = "SpeedscopeRenderer",
    .frame = true,
    .procs = PYI_PROCS_TIMELINE,
    .render = render_speedscope,
};
