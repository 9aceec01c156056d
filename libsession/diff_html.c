/* diff_html.c - pyi-diff's HTML report: the diff app of html-template/
 * (diff.html, compiled in as diff_template.inc) around the diff's data,
 * deflated and base64-encoded like the report's (out.c). The data is one
 * JSON object: both sessions, the options, and every node of the diff
 * tree in depth-first order as [parent, name, location, base, new,
 * status, application code], parents by their index, children in the
 * report's order; the page does the threshold, the lists, search and the
 * flame graph itself. Names only ever reach the page as JSON text. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "diff.h"
#include "escape.h"
#include "floatfmt.h"
#include "render.h"

#include "diff_template.inc"

static void num(pyi_buf *b, double v) {
  char s[40];
  if (!isfinite(v))
    pyi_buf_puts(b, "null");
  else
    pyi_buf_put(b, s, pyi_float_repr(v, s));
}

static void str(pyi_buf *b, const char *s) {
  pyi_json_utf8_buf(b, s ? s : "", s ? strlen(s) : 0);
}

static void side(pyi_buf *b, const struct pyi_diff_side *i) {
  pyi_buf_puts(b, "{\"name\": ");
  str(b, i->name);
  pyi_buf_puts(b, ", \"description\": ");
  str(b, i->description);
  const char *keys[] = {"total", "start_time", "duration", "cpu_time",
                        "sample_count"};
  double vals[] = {i->total, i->start_time, i->duration, i->cpu_time,
                   i->samples};
  for (int k = 0; k < 5; k++) {
    pyi_buf_printf(b, ", \"%s\": ", keys[k]);
    num(b, vals[k]);
  }
  pyi_buf_putc(b, '}');
}

/* The nodes depth-first without recursion; pos[rank] is a node's index in
 * the list, which its children name as their parent. */
static void nodes(pyi_buf *b, const pyi_diff *d) {
  size_t *pos = pyi_xmalloc((d->n_nodes ? d->n_nodes : 1) * sizeof *pos);
  size_t n = 0;
  const pyi_diff_node *x = d->root;
  pyi_buf_puts(b, "[");
  while (x) {
    pos[x->rank] = n;
    pyi_buf_puts(b, n++ ? ",\n[" : "[");
    if (x->parent)
      pyi_buf_printf(b, "%zu", pos[x->parent->rank]);
    else
      pyi_buf_puts(b, "-1");
    pyi_buf_putc(b, ',');
    str(b, x->parent ? x->name : "");
    pyi_buf_putc(b, ',');
    str(b, x->loc);
    pyi_buf_putc(b, ',');
    num(b, x->v[0]);
    pyi_buf_putc(b, ',');
    num(b, x->v[1]);
    pyi_buf_printf(b, ",%d,%d]", x->status, x->app ? 1 : 0);
    if (x->first_child) {
      x = x->first_child;
      continue;
    }
    while (x && !x->next)
      x = x->parent;
    x = x ? x->next : NULL;
  }
  pyi_buf_puts(b, "]");
  free(pos);
}

int pyi_diff_write_html(const pyi_diff *d, pyi_out *o, pyi_error *err) {
  pyi_buf b = PYI_BUF_INIT;
  pyi_buf_puts(&b, "{\"base\": ");
  side(&b, &d->side[0]);
  pyi_buf_puts(&b, ", \"new\": ");
  side(&b, &d->side[1]);
  pyi_buf_printf(&b,
                 ", \"normalize\": %s, \"precision\": %d, \"top\": %d, "
                 "\"threshold\": ",
                 d->normalize ? "true" : "false", d->precision, d->top);
  num(&b, d->threshold_pct < 0 ? 0 : d->threshold_pct);
  pyi_buf_puts(&b, ", \"nodes\": ");
  nodes(&b, d);
  pyi_buf_puts(&b, "}");
  pyi_out_write(o, html_head, sizeof html_head - 1);
  int rc = pyi_out_deflated_base64(o, b.ptr, b.len, err);
  pyi_out_write(o, html_tail, sizeof html_tail - 1);
  pyi_buf_release(&b);
  return rc;
}
