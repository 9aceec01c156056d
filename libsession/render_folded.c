/* render_folded.c - folded stacks ("root;caller;callee 1234", one line per
 * distinct stack), the input of FlameGraph, speedscope and Pyroscope.
 * Built from the records (stacks.h), not the call tree: every sample is
 * kept. Lines are sorted bytewise and equal lines merged, so the output
 * is deterministic. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "escape.h"
#include "frameinfo.h"
#include "render.h"
#include "stacks.h"

/* Writes 'len' bytes of a name so that it can never split a line or a
 * frame: '\' becomes "\\", ';' "\x3b", control characters, bytes that are
 * not UTF-8 and lone surrogates \xHH / \uXXXX. Everything else is kept. */
static void put_escaped(pyi_buf *b, const char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  size_t i = 0;
  while (i < len) {
    unsigned cp;
    size_t n = pyi_utf8_next(s + i, len - i, &cp);
    unsigned char c = (unsigned char)s[i];
    if (n == 1 && (c < 0x20 || c == 0x7f || c == ';' || c >= 0x80)) {
      char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
      pyi_buf_put(b, e, 4);
    } else if (c == '\\')
      pyi_buf_puts(b, "\\\\");
    else if (cp >= 0xd800 && cp < 0xe000)
      pyi_buf_printf(b, "\\u%04x", cp);
    else
      pyi_buf_put(b, s + i, n);
    i += n;
  }
}

/* "Class.function (file:line)": the identifier's full file path and the
 * line of the definition, so two functions never share a name. */
static void frame_name(pyi_buf *b, const pyi_session *s, uint32_t finfo) {
  const pyi_ident *id = &s->ident[s->finfo[finfo].ident];
  size_t cn;
  const char *cls = pyi_finfo_class(s, finfo, &cn);
  if (cls) {
    put_escaped(b, cls, cn);
    pyi_buf_putc(b, '.');
  }
  put_escaped(b, id->function, id->function_len);
  if (!id->file || !id->file_len)
    return;
  pyi_buf_puts(b, " (");
  put_escaped(b, id->file, id->file_len);
  int64_t line;
  if (id->line_text && pyi_parse_line(id->line_text, id->line_len, &line) && line)
    pyi_buf_printf(b, ":%lld", (long long)line);
  pyi_buf_putc(b, ')');
}

struct line {
  const char *p; /* the stack text, in the shared buffer */
  size_t off, len;
  double time;
  uint64_t count;
};

static int cmp_line(const void *a, const void *b) {
  const struct line *x = a, *y = b;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->p, y->p, n);
  if (c)
    return c;
  return x->len < y->len ? -1 : x->len > y->len;
}

static const char *const folded_opts[] = {"unit", NULL};

static int folded_check(const pyi_opts *o, pyi_error *err) {
  const char *u = pyi_opt_string(o, "unit");
  if (pyi_opt(o, "unit") && !(u && (strcmp(u, "us") == 0 || strcmp(u, "samples") == 0)))
    return pyi_fail(err, PYI_EARG, "the folded renderer's unit must be 'us' or 'samples'");
  return 0;
}

static int render_folded(pyi_render_ctx *c) {
  const pyi_session *s = c->s;
  const char *u = pyi_opt_string(c->opts, "unit");
  bool samples = u && strcmp(u, "samples") == 0;
  pyi_stacks st;
  if (pyi_stacks_init(&st, s, pyi_opt_bool(c->opts, "show_all", false), c->err))
    return -1;
  pyi_buf text = PYI_BUF_INIT;
  struct line *lines = pyi_xmalloc((st.n ? st.n : 1) * sizeof *lines);
  size_t n = 0;
  for (size_t i = 0; i < st.n; i++) {
    const uint32_t *fr;
    size_t d = pyi_stacks_frames(&st, i, &fr);
    if (!d)
      continue; /* a sample outside any frame has no stack to draw */
    size_t off = text.len;
    for (size_t k = 0; k < d; k++) {
      if (k)
        pyi_buf_putc(&text, ';');
      frame_name(&text, s, fr[k]);
    }
    lines[n++] = (struct line){NULL, off, text.len - off, st.time[i], st.count[i]};
  }
  for (size_t i = 0; i < n; i++) /* the buffer has stopped moving */
    lines[i].p = text.ptr + lines[i].off;
  qsort(lines, n, sizeof *lines, cmp_line);
  for (size_t i = 0; i < n;) {
    struct line sum = lines[i];
    for (i++; i < n && cmp_line(&sum, &lines[i]) == 0; i++) {
      sum.time += lines[i].time;
      sum.count += lines[i].count;
    }
    double v = samples ? (double)sum.count : round(sum.time * 1e6);
    if (!(v >= 1) || isinf(v))
      continue; /* under half a microsecond, or not a number of them */
    pyi_out_write(c->out, sum.p, sum.len);
    pyi_out_printf(c->out, " %.0f\n", v);
  }
  free(lines);
  pyi_buf_release(&text);
  pyi_stacks_release(&st);
  return 0;
}

const pyi_renderer pyi_renderer_folded = {
    .name = "folded",
    .ext = "folded",
    .class_name = "FoldedRenderer",
    .frame = true,
    .options = folded_opts,
    .check = folded_check,
    .render = render_folded,
};
