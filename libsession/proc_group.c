/* proc_group.c - group_library_frames: runs of "hidden" frames (library
 * code, or what --hide/--show say) become groups that the text renderer
 * collapses into "[N frames hidden]" lines. Also the regular-expression
 * wrapper: Python's re syntax on PCRE2. */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "error.h"
#include "lazylib.h"
#include "proc.h"

struct pyi_regex {
  pcre2_code *code;
  pcre2_match_data *md;
};

/* Python spellings PCRE2 reads differently: \Z is PCRE2's \z, and "{,n}"
 * means "{0,n}". */
static void translate(const char *re, pyi_buf *out) {
  bool in_class = false;
  for (size_t i = 0; re[i]; i++) {
    char c = re[i];
    if (c == '\\' && re[i + 1]) {
      if (re[i + 1] == 'Z' && !in_class)
        pyi_buf_puts(out, "\\z");
      else
        pyi_buf_put(out, re + i, 2);
      i++;
      continue;
    }
    if (in_class) {
      if (c == ']')
        in_class = false;
    } else if (c == '[') {
      in_class = true;
      pyi_buf_putc(out, c);
      if (re[i + 1] == '^')
        pyi_buf_putc(out, re[++i]);
      if (re[i + 1] == ']')
        pyi_buf_putc(out, re[++i]);
      continue;
    } else if (c == '{' && re[i + 1] == ',') {
      size_t j = i + 2;
      while (re[j] >= '0' && re[j] <= '9')
        j++;
      if (j > i + 2 && re[j] == '}') {
        pyi_buf_puts(out, "{0");
        continue;
      }
    }
    pyi_buf_putc(out, c);
  }
}

pyi_regex *pyi_regex_new(const char *python_re, pyi_error *err) {
  if (pyi_pcre2_open(err))
    return NULL;
  pyi_buf b = PYI_BUF_INIT;
  translate(python_re, &b);
  int code;
  PCRE2_SIZE off;
  pcre2_code *re = pcre2_compile((PCRE2_SPTR)pyi_buf_cstr(&b), b.len,
                                 PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED |
                                     PCRE2_MATCH_INVALID_UTF,
                                 &code, &off, NULL);
  pyi_buf_release(&b);
  if (!re) {
    PCRE2_UCHAR msg[160];
    pcre2_get_error_message(code, msg, sizeof msg);
    pyi_fail(err, PYI_EARG, "invalid regular expression '%s': %s", python_re,
             (const char *)msg);
    return NULL;
  }
  pyi_regex *r = pyi_xmalloc(sizeof *r);
  r->code = re;
  r->md = pcre2_match_data_create_from_pattern(re, NULL);
  return r;
}

int pyi_regex_match(const pyi_regex *re, const char *s, size_t len) {
  int rc = pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, 0, re->md, NULL);
  return rc >= 0;
}

void pyi_regex_free(pyi_regex *re) {
  if (!re)
    return;
  pcre2_match_data_free(re->md);
  pcre2_code_free(re->code);
  free(re);
}

/* ---- grouping ------------------------------------------------------------ */

struct hider {
  pyi_tree *t;
  pyi_regex *hide, *show;
  int8_t *cache; /* per identifier: -1 unknown, 0 visible, 1 hidden, 2 ask is_app */
};

static bool hidden(struct hider *h, const pyi_frame *f) {
  int8_t *c = &h->cache[f->ident];
  if (*c < 0) {
    const pyi_ident *id = pyi_frame_ident(h->t, f);
    const char *path = id->file && !pyi_ident_synthetic(id) ? id->file : "";
    size_t len = id->file && !pyi_ident_synthetic(id) ? id->file_len : 0;
    if (h->show && pyi_regex_match(h->show, path, len))
      *c = 0;
    else if (h->hide && pyi_regex_match(h->hide, path, len))
      *c = 1;
    else
      *c = 2;
  }
  return *c == 2 ? !pyi_frame_is_app(h->t, f) : *c == 1;
}

static bool has_hidden_child(struct hider *h, const pyi_frame *f) {
  for (const pyi_frame *c = f->first_child; c; c = c->next)
    if (hidden(h, c))
      return true;
  return false;
}

/* add_to_group: the frame, then its hidden children, depth first. */
static void add_to_group(struct hider *h, pyi_frame *top, size_t gi) {
  pyi_frame *f = top;
  while (f) {
    pyi_group_add(h->t, &h->t->groups[gi], f);
    pyi_frame *c = f->first_child;
    while (c && !hidden(h, c))
      c = c->next;
    if (c) {
      f = c;
      continue;
    }
    /* next hidden sibling of f or of an ancestor, within the group walk */
    while (f != top) {
      pyi_frame *s = f->next;
      while (s && !hidden(h, s))
        s = s->next;
      if (s) {
        f = s;
        break;
      }
      f = f->parent;
    }
    if (f == top)
      f = NULL;
  }
}

int pyi_proc_group_library(pyi_tree *t, const pyi_proc_opts *o, pyi_error *err) {
  struct hider h = {.t = t};
  if (o && o->hide_regex && !(h.hide = pyi_regex_new(o->hide_regex, err)))
    return -1;
  if (o && o->show_regex && !(h.show = pyi_regex_new(o->show_regex, err))) {
    pyi_regex_free(h.hide);
    return -1;
  }
  size_t n = (size_t)pyi_intern_count(t->s->idents) + 1;
  h.cache = pyi_xmalloc(n);
  memset(h.cache, -1, n);
  pyi_frame *root = t->root;
  for (pyi_frame *f = pyi_frame_next_pre(root, root, false); f;
       f = pyi_frame_next_pre(root, f, false)) {
    if (!f->group && hidden(&h, f) && has_hidden_child(&h, f)) {
      pyi_group_new(t, f);
      add_to_group(&h, f, t->n_groups - 1);
    }
  }
  free(h.cache);
  pyi_regex_free(h.hide);
  pyi_regex_free(h.show);
  return 0;
}
