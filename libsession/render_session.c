/* render_session.c - the pyisession writer: the session as json.dumps would
 * write it (", " and ": " separators, ASCII-only escapes, float repr, no
 * trailing newline), so real pyinstrument loads it; its record writer also
 * serves pyi-combine, which streams several sessions' records into one
 * file. Also the session part
 * of the HTML data, and the HTML data object itself. */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "escape.h"
#include "floatfmt.h"
#include "render.h"

static void put_num(pyi_buf *b, pyi_num n) {
  char tmp[PYI_NUM_MAX];
  pyi_buf_put(b, tmp, pyi_num_repr(n.v, n.is_int, tmp));
}

static void put_strv(pyi_buf *b, char **v, size_t n) {
  pyi_buf_putc(b, '[');
  for (size_t i = 0; i < n; i++) {
    if (i)
      pyi_buf_puts(b, ", ");
    pyi_json_ascii_buf(b, v[i], strlen(v[i]));
  }
  pyi_buf_putc(b, ']');
}

static void put_finfo(pyi_buf *b, const pyi_session *s, uint32_t id) {
  size_t len;
  const char *str = pyi_intern_str(s->finfos, id, &len);
  pyi_json_ascii_buf(b, str, len);
}

void pyi_write_session_meta(const pyi_session *s, pyi_buf *b) {
  pyi_buf_puts(b, "{\"start_time\": ");
  put_num(b, s->start_time);
  pyi_buf_puts(b, ", \"duration\": ");
  put_num(b, s->duration);
  pyi_buf_puts(b, ", \"min_interval\": ");
  put_num(b, s->min_interval);
  pyi_buf_puts(b, ", \"max_interval\": ");
  put_num(b, s->max_interval);
  pyi_buf_puts(b, ", \"sample_count\": ");
  put_num(b, s->sample_count);
  pyi_buf_puts(b, ", \"start_call_stack\": [");
  for (size_t i = 0; i < s->start_depth; i++) {
    if (i)
      pyi_buf_puts(b, ", ");
    put_finfo(b, s, s->start_stack[i]);
  }
  pyi_buf_puts(b, "], \"target_description\": ");
  pyi_json_ascii_buf(b, s->target_description, s->target_description_len);
  pyi_buf_puts(b, ", \"cpu_time\": ");
  put_num(b, s->cpu_time);
  pyi_buf_puts(b, ", \"sys_path\": ");
  put_strv(b, s->sys_path, s->n_sys_path);
  pyi_buf_puts(b, ", \"sys_prefixes\": ");
  put_strv(b, s->sys_prefixes, s->n_sys_prefixes);
  pyi_buf_putc(b, '}');
}

/* ---- frame records ------------------------------------------------------ */

void pyi_record_writer_init(pyi_record_writer *w, pyi_out *out) {
  memset(w, 0, sizeof *w);
  w->out = out;
  w->finfos = pyi_intern_new();
  w->off = pyi_xgrow(NULL, &w->off_cap, 1024, sizeof *w->off);
  w->off[0] = 0;
  w->stack = pyi_xmalloc(PYI_MAX_DEPTH * sizeof *w->stack);
}

void pyi_record_writer_use(pyi_record_writer *w, const pyi_session *s) {
  w->s = s;
  if (w->map)
    memset(w->map, 0, w->map_cap * sizeof *w->map);
}

/* The writer's id of frame info 'f' of the current session, escaping its
 * text on first sight. */
static uint32_t escaped_id(pyi_record_writer *w, uint32_t f) {
  if (f >= w->map_cap) {
    size_t old = w->map_cap;
    w->map = pyi_xgrow(w->map, &w->map_cap, (size_t)f + 1, sizeof *w->map);
    memset(w->map + old, 0, (w->map_cap - old) * sizeof *w->map);
  }
  if (w->map[f])
    return w->map[f];
  size_t len;
  const char *str = pyi_intern_str(w->s->finfos, f, &len);
  uint32_t n = pyi_intern_count(w->finfos);
  uint32_t id = pyi_intern(w->finfos, str, len);
  if (id > n) {
    pyi_json_ascii_buf(&w->esc, str, len);
    w->off = pyi_xgrow(w->off, &w->off_cap, (size_t)id + 1, sizeof *w->off);
    w->off[id] = w->esc.len;
  }
  return w->map[f] = id;
}

void pyi_record_writer_put(pyi_record_writer *w, uint32_t node, double t,
                           bool is_int) {
  pyi_out *o = w->out;
  char num[PYI_NUM_MAX];
  pyi_out_puts(o, w->n++ ? ", [[" : "[[");
  size_t d = pyi_session_stack(w->s, node, w->stack);
  for (size_t i = 0; i < d; i++) {
    uint32_t id = escaped_id(w, w->stack[i]);
    if (i)
      pyi_out_write(o, ", ", 2);
    pyi_out_write(o, w->esc.ptr + w->off[id - 1], w->off[id] - w->off[id - 1]);
  }
  pyi_out_write(o, "], ", 3);
  pyi_out_write(o, num, pyi_num_repr(t, is_int, num));
  pyi_out_putc(o, ']');
}

void pyi_record_writer_release(pyi_record_writer *w) {
  pyi_intern_free(w->finfos);
  pyi_buf_release(&w->esc);
  free(w->off);
  free(w->map);
  free(w->stack);
}

static int render_session(pyi_render_ctx *c) {
  const pyi_session *s = c->s;
  pyi_out *o = c->out;
  pyi_write_session_meta(s, &o->buf);
  o->buf.len--; /* reopen the object for frame_records */
  pyi_out_puts(o, ", \"frame_records\": [");
  pyi_record_writer w;
  pyi_record_writer_init(&w, o);
  pyi_record_writer_use(&w, s);
  for (size_t r = 0; r < s->n_records; r++)
    pyi_record_writer_put(&w, s->rec_stack[r], s->rec_time[r],
                          s->rec_int && s->rec_int[r]);
  pyi_record_writer_release(&w);
  pyi_out_puts(o, "]}");
  return 0;
}

static const char *const session_opts[] = {"tree_format", NULL};

const pyi_renderer pyi_renderer_session = {
    .name = "pyisession",
    .ext = "pyisession",
    .class_name = "SessionRenderer",
    .options = session_opts,
    .render = render_session,
};

/* ---- the HTML renderer's data object --------------------------------------- */

static void put_attrs(pyi_buf *b, const pyi_tree *t, const pyi_frame *f) {
  char num[PYI_NUM_MAX];
  pyi_buf_putc(b, '{');
  for (uint32_t i = 0; i < f->nattrs; i++) {
    size_t len;
    const char *a = pyi_intern_str(t->s->attrs, f->attrs[i].id, &len);
    if (i)
      pyi_buf_puts(b, ", ");
    pyi_json_ascii_buf(b, a, len);
    pyi_buf_puts(b, ": ");
    pyi_buf_put(b, num, pyi_num_repr(f->attrs[i].v, f->attrs[i].is_int, num));
  }
  pyi_buf_putc(b, '}');
}

static void enter_node(pyi_buf *b, const pyi_tree *t, const pyi_frame *f) {
  size_t len;
  const char *id = pyi_intern_str(t->s->idents, f->ident, &len);
  pyi_buf_puts(b, "{\"identifier\": ");
  pyi_json_utf8_buf(b, id, len);
  pyi_buf_printf(b, ",\"time\": %f,\"attributes\": ", f->time);
  put_attrs(b, t, f);
  pyi_buf_puts(b, ",\"children\": [");
}

int pyi_write_html_data(const pyi_session *s, pyi_buf *b, pyi_error *err) {
  pyi_tree *t = pyi_tree_build(s, PYI_BUILD_ALL_ATTRS, err);
  if (!t)
    return -1;
  pyi_buf_puts(b, "{\"session\": ");
  pyi_write_session_meta(s, b);
  pyi_buf_puts(b, ", \"frame_tree\": ");
  pyi_frame *root = t->root;
  if (!root)
    pyi_buf_puts(b, "null");
  else {
    pyi_frame *f = root;
    enter_node(b, t, f);
    for (;;) {
      if (f->first_child) {
        f = f->first_child;
        enter_node(b, t, f);
        continue;
      }
      pyi_buf_puts(b, "]}");
      while (f != root && !f->next) {
        f = f->parent;
        pyi_buf_puts(b, "]}");
      }
      if (f == root)
        break;
      f = f->next;
      pyi_buf_putc(b, ',');
      enter_node(b, t, f);
    }
  }
  pyi_buf_putc(b, '}');
  pyi_tree_free(t);
  return 0;
}
