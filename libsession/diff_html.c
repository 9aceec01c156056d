/* diff_html.c - pyi-diff's HTML report: one self-contained page (inline
 * CSS, no script) with the totals, the top regressions and improvements,
 * and the tree of changed call paths as nested <details> elements, each
 * row tinted red (slower) or green (faster) by the size of its change.
 * Every name passes the HTML escaper. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "diff.h"
#include "escape.h"
#include "render.h"

static const char style[] =
    "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;"
    "padding:0 1em;color:#222}\n"
    "code,.tree{font:13px/1.5 ui-monospace,Menlo,Consolas,monospace}\n"
    "h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.5em}\n"
    ".meta{color:#555}.slower{color:#b3261e}.faster{color:#1e7a34}\n"
    ".tops{display:flex;gap:3em;flex-wrap:wrap}.tops ol{padding-left:1.5em}\n"
    ".tree details,.tree .leaf{margin-left:1.6em}\n"
    ".tree>details,.tree>.leaf{margin-left:0}\n"
    ".row{display:inline-flex;gap:.8em;padding:0 .4em;border-radius:3px}\n"
    ".leaf .row{margin-left:1.05em}\n"
    ".num{display:inline-block;min-width:6ch;text-align:right}\n"
    ".pct{min-width:7ch}.loc{color:#777}.tag{font-size:.85em;padding:0 .3em;"
    "border-radius:3px;background:#eee}\n"
    ".app{font-weight:600}.note{color:#777}\n"
    "summary{cursor:pointer}\n";

struct page {
  const pyi_diff *d;
  pyi_out *o;
  pyi_buf b;
  double max; /* the largest |delta| below the root, for tints */
};

static void esc(struct page *P, const char *s) {
  pyi_buf_clear(&P->b);
  pyi_html_escape_buf(&P->b, s, strlen(s));
  pyi_out_write(P->o, P->b.ptr, P->b.len);
}

static const char *change_class(const pyi_diff *d, double change) {
  if (!pyi_diff_counts(d, change))
    return "";
  return change > 0 ? "slower" : "faster";
}

static void row(struct page *P, const pyi_diff_node *x) {
  const pyi_diff *d = P->d;
  pyi_out *o = P->o;
  double dv = pyi_diff_delta(x);
  double a = P->max > 0 ? fabs(dv) / P->max * 0.45 : 0;
  if (pyi_diff_counts(d, dv))
    pyi_out_printf(o, "<span class=\"row\" style=\"background:rgba(%s,%.3f)\">",
                   dv > 0 ? "220,60,50" : "40,170,70", a);
  else
    pyi_out_puts(o, "<span class=\"row\">");
  char c[4][48];
  pyi_diff_cells(d, x, c);
  pyi_out_printf(
      o,
      "<span class=\"num\">%s</span><span class=\"num\">%s</span>"
      "<span class=\"num %s\">%s</span><span class=\"num pct\">%s</span>",
      c[0], c[1], change_class(d, dv), c[2], c[3]);
  pyi_out_printf(o, "<span class=\"%s\">", x->app ? "app" : "lib");
  esc(P, x->name);
  pyi_out_puts(o, "</span>");
  if (*x->loc) {
    pyi_out_puts(o, "<span class=\"loc\">");
    esc(P, x->loc);
    pyi_out_puts(o, "</span>");
  }
  if (x->status != PYI_DIFF_BOTH)
    pyi_out_printf(o, "<span class=\"tag %s\">%s</span>",
                   x->status == PYI_DIFF_ADDED ? "slower" : "faster",
                   x->status == PYI_DIFF_ADDED ? "added" : "removed");
  pyi_out_puts(o, "</span>");
}

static const pyi_diff_node *shown_from(const pyi_diff_node *x) {
  while (x && !x->shown)
    x = x->next;
  return x;
}

/* The shown subtree below the root: a node with shown children opens a
 * <details>, closed when the walk climbs back out of it. */
static void tree(struct page *P) {
  const pyi_diff_node *root = P->d->root;
  pyi_out *o = P->o;
  pyi_out_puts(o, "<div class=\"tree\">\n");
  const pyi_diff_node *x = shown_from(root->first_child);
  if (!x)
    pyi_out_puts(o, "<p class=\"note\">No call path changed by the threshold "
                    "or more.</p>\n");
  while (x) {
    const pyi_diff_node *kid = shown_from(x->first_child);
    if (kid) {
      pyi_out_puts(o, "<details open><summary>");
      row(P, x);
      pyi_out_puts(o, "</summary>\n");
      x = kid;
      continue;
    }
    pyi_out_puts(o, "<div class=\"leaf\">");
    row(P, x);
    pyi_out_puts(o, "</div>\n");
    while (x != root && !shown_from(x->next)) {
      x = x->parent;
      if (x != root)
        pyi_out_puts(o, "</details>\n");
    }
    x = x == root ? NULL : shown_from(x->next);
  }
  pyi_out_puts(o, "</div>\n");
}

static void top(struct page *P, bool slower) {
  const pyi_diff *d = P->d;
  pyi_out *o = P->o;
  const pyi_diff_node **t = pyi_xmalloc((size_t)d->top * sizeof *t);
  size_t n = pyi_diff_top(d, slower, t);
  pyi_out_printf(o, "<section><h2>%s</h2>\n", slower ? "Slower" : "Faster");
  if (!n)
    pyi_out_puts(o, "<p class=\"note\">Nothing above the threshold.</p>\n");
  else
    pyi_out_puts(o, "<ol>\n");
  pyi_buf path = PYI_BUF_INIT;
  for (size_t i = 0; i < n; i++) {
    char v[48];
    double sd = t[i]->self[1] - t[i]->self[0];
    pyi_diff_fmt_value(d, sd, true, v, sizeof v);
    pyi_out_printf(o, "<li><b class=\"%s\">%s</b> self in <code>",
                   change_class(d, sd), v);
    esc(P, t[i]->name);
    pyi_out_puts(o, "</code> <span class=\"loc\">");
    esc(P, t[i]->loc);
    pyi_out_puts(o, "</span><br><small class=\"loc\">");
    pyi_buf_clear(&path);
    pyi_diff_path(t[i], " \xe2\x80\xba ", &path);
    esc(P, pyi_buf_cstr(&path));
    pyi_out_puts(o, "</small></li>\n");
  }
  pyi_buf_release(&path);
  if (n)
    pyi_out_puts(o, "</ol>\n");
  pyi_out_puts(o, "</section>\n");
  free(t);
}

int pyi_diff_write_html(const pyi_diff *d, pyi_out *o, pyi_error *err) {
  struct page P = {d, o, PYI_BUF_INIT, 0};
  for (size_t i = 1; i < d->n_nodes; i++)
    if (d->nodes[i]->shown)
      P.max = fmax(P.max, fabs(pyi_diff_delta(d->nodes[i])));
  pyi_out_puts(
      o, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" "
         "content=\"width=device-width\">\n<title>Profile diff: ");
  esc(&P, d->side[0].name);
  pyi_out_puts(o, " \xe2\x86\x92 ");
  esc(&P, d->side[1].name);
  pyi_out_printf(
      o,
      "</title>\n<style>\n%s</style></head><body>\n<h1>Profile diff</h1>\n"
      "<p class=\"meta\">",
      style);
  for (int s = 0; s < 2; s++) {
    const struct pyi_diff_side *i = &d->side[s];
    char when[32];
    pyi_local_time(i->start_time, "%Y-%m-%d %H:%M:%S", when, sizeof when);
    pyi_out_puts(o, s ? "<br>New: <code>" : "Base: <code>");
    esc(&P, i->name);
    pyi_out_printf(o, "</code>, recorded %s, %.0f samples, %.3f s", when,
                   i->samples, i->duration);
  }
  const pyi_diff_node *r = d->root;
  char c[48], pct[16];
  pyi_diff_fmt_value(d, pyi_diff_delta(r), true, c, sizeof c);
  pyi_diff_fmt_pct(r, pct, sizeof pct);
  char a[48], b[48];
  pyi_diff_fmt_seconds(d, d->side[0].total, a, sizeof a);
  pyi_diff_fmt_seconds(d, d->side[1].total, b, sizeof b);
  pyi_out_printf(o, "</p>\n<p>Total: <b>%s s \xe2\x86\x92 %s s</b> ", a, b);
  if (d->normalize)
    pyi_out_puts(o, "(times below are percentages of each total)</p>\n");
  else
    pyi_out_printf(o, "<b class=\"%s\">%s s</b> (%s)</p>\n",
                   change_class(d, pyi_diff_delta(r)), c, pct);
  pyi_out_puts(o, "<div class=\"tops\">\n");
  top(&P, true);
  top(&P, false);
  pyi_out_puts(
      o,
      "</div>\n<h2>Call tree</h2>\n<p class=\"meta\">base, new, delta, change; "
      "each row shows the call path's total time</p>\n");
  tree(&P);
  if (d->n_hidden)
    pyi_out_printf(
        o,
        "<p class=\"note\">%zu smaller change%s below %g%% of the total not "
        "shown.</p>\n",
        d->n_hidden, d->n_hidden == 1 ? "" : "s", d->threshold_pct);
  pyi_out_puts(o, "</body></html>\n");
  pyi_buf_release(&P.b);
  return 0;
}
