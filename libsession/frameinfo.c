/* frameinfo.c - frame-info grammar helpers (frameinfo.h) and the parsing of
 * identifiers and attributes into the session's tables. */
#include "frameinfo.h"

#include <string.h>

#include "alloc.h"
#include "session.h"

size_t pyi_finfo_ident_len(const char *s, size_t len) {
  const char *p = memchr(s, '\x01', len);
  return p ? (size_t)(p - s) : len;
}

static bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

bool pyi_parse_line(const char *s, size_t len, int64_t *out) {
  size_t i = 0, end = len;
  while (i < end && is_space(s[i]))
    i++;
  while (end > i && is_space(s[end - 1]))
    end--;
  bool neg = false;
  if (i < end && (s[i] == '+' || s[i] == '-'))
    neg = s[i++] == '-';
  if (i >= end)
    return false;
  uint64_t v = 0;
  bool prev_digit = false;
  for (; i < end; i++) {
    char c = s[i];
    if (c == '_' && prev_digit && i + 1 < end && s[i + 1] >= '0' &&
        s[i + 1] <= '9') {
      prev_digit = false;
      continue;
    }
    if (c < '0' || c > '9')
      return false;
    if (v > (UINT64_MAX - 9) / 10)
      return false;
    v = v * 10 + (uint64_t)(c - '0');
    prev_digit = true;
  }
  if (v > (uint64_t)INT64_MAX)
    return false;
  *out = neg ? -(int64_t)v : (int64_t)v;
  return true;
}

static uint8_t kind_of(const char *s, size_t len) {
  static const struct {
    const char *name;
    uint8_t kind;
  } synth[] = {{"[self]", PYI_ID_SELF},
               {"[await]", PYI_ID_AWAIT},
               {"[out-of-context]", PYI_ID_OOC},
               {"[root]", PYI_ID_ROOT}};
  for (size_t i = 0; i < sizeof synth / sizeof *synth; i++)
    if (strlen(synth[i].name) == len && memcmp(synth[i].name, s, len) == 0)
      return synth[i].kind;
  return PYI_ID_NORMAL;
}

uint32_t pyi_session_ident(pyi_session *s, const char *str, size_t len) {
  uint32_t n = pyi_intern_count(s->idents);
  uint32_t id = pyi_intern(s->idents, str, len);
  if (id <= n)
    return id;
  s->ident = pyi_xgrow(s->ident, &s->ident_cap, (size_t)id + 1, sizeof *s->ident);
  pyi_ident *d = &s->ident[id];
  memset(d, 0, sizeof *d);
  const char *p = pyi_intern_str(s->idents, id, NULL); /* stable copy */
  const char *end = p + len;
  const char *z1 = memchr(p, 0, len);
  d->function = p;
  d->function_len = (uint32_t)(z1 ? (size_t)(z1 - p) : len);
  if (z1) {
    const char *f = z1 + 1;
    const char *z2 = memchr(f, 0, (size_t)(end - f));
    d->file = f;
    d->file_len = (uint32_t)(z2 ? (size_t)(z2 - f) : (size_t)(end - f));
    if (z2) {
      const char *l = z2 + 1;
      const char *z3 = memchr(l, 0, (size_t)(end - l));
      d->line_text = l;
      d->line_len = (uint32_t)(z3 ? (size_t)(z3 - l) : (size_t)(end - l));
    }
  }
  d->kind = kind_of(p, len);
  if (d->file) {
    static const char imp[] = "<frozen importlib._bootstrap";
    d->importlib = d->file_len >= sizeof imp - 1 &&
                   memmem(d->file, d->file_len, imp, sizeof imp - 1) != NULL;
  }
  d->app = -1; /* computed on first use: depends on sys_prefixes */
  return id;
}

uint32_t pyi_session_finfo(pyi_session *s, const char *str, size_t len) {
  uint32_t n = pyi_intern_count(s->finfos);
  uint32_t id = pyi_intern(s->finfos, str, len);
  if (id <= n)
    return id;
  s->finfo = pyi_xgrow(s->finfo, &s->finfo_cap, (size_t)id + 1, sizeof *s->finfo);
  pyi_finfo *fi = &s->finfo[id];
  memset(fi, 0, sizeof *fi);
  size_t ilen = pyi_finfo_ident_len(str, len);
  fi->ident = pyi_session_ident(s, str, ilen);
  fi->attr_first = (uint32_t)s->n_finfo_attrs;
  int hkind = 0; /* 0 none, 1 exactly "h1", 2 anything else */
  if (ilen + 1 < len) {
    const char *a = str + ilen + 1, *end = str + len;
    for (;;) {
      const char *q = memchr(a, '\x01', (size_t)(end - a));
      size_t alen = q ? (size_t)(q - a) : (size_t)(end - a);
      uint32_t aid = pyi_intern(s->attrs, a, alen);
      s->finfo_attrs = pyi_xgrow(s->finfo_attrs, &s->cap_finfo_attrs,
                                 s->n_finfo_attrs + 1, sizeof *s->finfo_attrs);
      s->finfo_attrs[s->n_finfo_attrs++] = aid;
      fi->nattrs++;
      if (alen && (a[0] == 'c' || a[0] == 'h'))
        fi->has_ch = true;
      if (alen && a[0] == 'h')
        hkind = (hkind == 0 && alen == 2 && a[1] == '1') ? 1 : 2;
      if (!q || fi->nattrs == UINT16_MAX)
        break;
      a = q + 1;
    }
  }
  fi->hide = hkind != 0;
  /* bit 1: seen without 'h', 2: seen with "h1", 4: seen with other 'h' */
  uint8_t *seen = &s->ident[fi->ident].hide_seen;
  *seen |= (uint8_t)(1u << hkind);
  if (*seen & 4 || (*seen & 3) == 3)
    s->mixed_hide = true;
  return id;
}
