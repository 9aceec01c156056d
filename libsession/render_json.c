/* render_json.c - pyinstrument's JSON renderer: the processed tree as one
 * line of hand-formatted JSON (",": no space, ": " after keys, %f times,
 * non-ASCII written raw). */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "escape.h"
#include "render.h"

struct json {
  pyi_tree *t;
  pyi_out *o;
  double *await; /* by frame mark: await_time of its subtree */
};

static void str(pyi_out *o, const char *s, size_t n) { pyi_json_utf8(o, s, n); }

static void enter(struct json *J, const pyi_frame *f) {
  pyi_tree *t = J->t;
  pyi_out *o = J->o;
  const pyi_ident *id = pyi_frame_ident(t, f);
  pyi_out_puts(o, "{\"function\": ");
  str(o, id->function, id->function_len);
  pyi_out_puts(o, ",\"file_path_short\": ");
  const char *sp = pyi_frame_short_path(t, f);
  str(o, sp ? sp : "", sp ? strlen(sp) : 0);
  pyi_out_puts(o, ",\"file_path\": ");
  bool has_file = id->file && !pyi_ident_synthetic(id);
  str(o, has_file ? id->file : "", has_file ? id->file_len : 0);
  int64_t line = 0;
  if (!pyi_frame_line(t, f, &line))
    line = 0;
  pyi_out_printf(o, ",\"line_no\": %lld,\"time\": %f,\"await_time\": %f,"
                    "\"is_application_code\": %s,\"children\": [",
                 (long long)line, f->time, J->await[f->mark],
                 pyi_frame_is_app(t, f) ? "true" : "false");
}

static void leave(struct json *J, const pyi_frame *f) {
  pyi_out *o = J->o;
  pyi_out_putc(o, ']');
  pyi_group *g = pyi_frame_group(J->t, f);
  if (g) {
    pyi_out_puts(o, ",\"group_id\": ");
    str(o, g->uuid, 36);
  }
  size_t n;
  const char *cls = pyi_frame_class_name(J->t, f, &n);
  if (cls) {
    pyi_out_puts(o, ",\"class_name\": ");
    str(o, cls, n);
  }
  pyi_out_putc(o, '}');
}

/* await_time: the time of every [await] frame in the subtree. Frames are
 * numbered in pre-order; walking that order backwards visits children
 * before parents. */
static double *await_times(pyi_tree *t) {
  size_t n = 0, cap = 0;
  pyi_frame **order = NULL;
  for (pyi_frame *f = t->root; f; f = pyi_frame_next_pre(t->root, f, false)) {
    order = pyi_xgrow(order, &cap, n + 1, sizeof *order);
    f->mark = (uint32_t)n;
    order[n++] = f;
  }
  double *aw = pyi_xcalloc(n ? n : 1, sizeof *aw);
  for (size_t i = n; i-- > 0;) {
    pyi_frame *f = order[i];
    if (pyi_frame_ident(t, f)->kind == PYI_ID_AWAIT)
      aw[i] += f->time;
    if (f->parent && f != t->root)
      aw[f->parent->mark] += aw[i];
  }
  free(order);
  return aw;
}

static int render_json(pyi_render_ctx *c) {
  const pyi_session *s = c->s;
  pyi_out *o = c->out;
  struct json J = {.o = o};
  J.t = pyi_render_tree(c);
  if (!J.t)
    return -1;
  pyi_out_printf(o, "{\"start_time\": %f,\"duration\": %f,\"sample_count\": %.0f,"
                    "\"target_description\": ",
                 s->start_time.v, s->duration.v, s->sample_count.v);
  str(o, s->target_description, s->target_description_len);
  pyi_out_printf(o, ",\"cpu_time\": %f,\"root_frame\": ", s->cpu_time.v);
  pyi_frame *root = J.t->root;
  if (!root)
    pyi_out_puts(o, "null");
  else {
    J.await = await_times(J.t);
    pyi_frame *f = root;
    enter(&J, f);
    for (;;) {
      if (f->first_child) {
        f = f->first_child;
        enter(&J, f);
        continue;
      }
      leave(&J, f);
      while (f != root && !f->next) {
        f = f->parent;
        leave(&J, f);
      }
      if (f == root)
        break;
      f = f->next;
      pyi_out_putc(o, ',');
      enter(&J, f);
    }
    free(J.await);
  }
  pyi_out_puts(o, "}\n");
  pyi_render_tree_done(c, J.t);
  return 0;
}

const pyi_renderer pyi_renderer_json = {
    .name = "json",
    .ext = "json",
    .class_name = "JSONRenderer",
    .frame = true,
    .procs = PYI_PROCS_TEXT,
    .render = render_json,
};
