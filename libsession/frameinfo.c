/* frameinfo.c - frame-info grammar helpers (frameinfo.h) and the parsing of
 * identifiers and attributes into the session's tables. */
#include "frameinfo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "session.h"

size_t pyi_finfo_ident_len(const char *s, size_t len) {
  const char *p = memchr(s, '\x01', len);
  return p ? (size_t)(p - s) : len;
}

/* The zero of every run of ten decimal digits outside ASCII (Unicode 14,
 * CPython 3.11's: what int() reads as digits). */
static const uint32_t digit_zeros[] = {
    0x660,   0x6f0,   0x7c0,   0x966,   0x9e6,   0xa66,   0xae6,   0xb66,
    0xbe6,   0xc66,   0xce6,   0xd66,   0xde6,   0xe50,   0xed0,   0xf20,
    0x1040,  0x1090,  0x17e0,  0x1810,  0x1946,  0x19d0,  0x1a80,  0x1a90,
    0x1b50,  0x1bb0,  0x1c40,  0x1c50,  0xa620,  0xa8d0,  0xa900,  0xa9d0,
    0xa9f0,  0xaa50,  0xabf0,  0xff10,  0x104a0, 0x10d30, 0x11066, 0x110f0,
    0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650, 0x116c0, 0x11730,
    0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0, 0x16b50,
    0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950,
    0x1fbf0};

/* What int() makes of one character before parsing: ASCII as it is,
 * Unicode white space as ' ', a decimal digit as its ASCII digit; 0 for
 * anything else (int() then fails). */
static char int_char(uint32_t c) {
  if (c < 127)
    return (char)c;
  if (c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
      c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000)
    return ' ';
  for (size_t i = 0; i < sizeof digit_zeros / sizeof *digit_zeros; i++)
    if (c >= digit_zeros[i] && c < digit_zeros[i] + 10)
      return (char)('0' + (c - digit_zeros[i]));
  return 0;
}

/* Decodes one UTF-8 character at s[*i] (advancing *i); 0x110000 when it
 * is not well formed. */
static uint32_t utf8_next(const char *s, size_t len, size_t *i) {
  unsigned char c = (unsigned char)s[(*i)++];
  if (c < 0x80)
    return c;
  int n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : -1;
  if (n < 0 || *i + (size_t)n > len)
    return 0x110000;
  uint32_t v = c & (0x3fu >> n);
  for (int k = 0; k < n; k++) {
    unsigned char d = (unsigned char)s[(*i)++];
    if ((d & 0xc0) != 0x80)
      return 0x110000;
    v = v << 6 | (d & 0x3f);
  }
  return v;
}

static bool ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

#define PY_INT_MAX_DIGITS 4300 /* int()'s limit on decimal strings (3.11) */

bool pyi_line_decimal(const char *s, size_t len, pyi_buf *out) {
  /* int(): each character mapped to ASCII, then spaces, a sign, digits
   * with single underscores between them, spaces */
  size_t start = out->len, i = 0, digits = 0;
  enum { LEAD, SIGN, DIGIT, UNDERSCORE, TRAIL } state = LEAD;
  bool neg = false, zeros = true;
  while (i < len) {
    char c = int_char(utf8_next(s, len, &i));
    if (ascii_space(c) && state != SIGN && state != UNDERSCORE) {
      if (state == DIGIT)
        state = TRAIL;
      continue;
    }
    if (state == LEAD && (c == '+' || c == '-')) {
      neg = c == '-';
      state = SIGN;
    } else if (c >= '0' && c <= '9' && state != TRAIL) {
      if (++digits > PY_INT_MAX_DIGITS)
        goto fail;
      if (zeros && c == '0')
        ; /* leading zeros are not printed */
      else {
        if (zeros && neg)
          pyi_buf_putc(out, '-');
        zeros = false;
        pyi_buf_putc(out, c);
      }
      state = DIGIT;
    } else if (c == '_' && state == DIGIT) {
      state = UNDERSCORE;
    } else {
      goto fail;
    }
  }
  if (state != DIGIT && state != TRAIL)
    goto fail;
  if (zeros)
    pyi_buf_putc(out, '0'); /* "-0" is 0 */
  return true;
fail:
  out->len = start;
  if (out->ptr)
    out->ptr[start] = '\0';
  return false;
}

bool pyi_parse_line(const char *s, size_t len, int64_t *out) {
  /* the usual case: plain digits that fit */
  if (len && len <= 18 && s[0] != '0') {
    int64_t v = 0;
    size_t i = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9')
      v = v * 10 + (s[i++] - '0');
    if (i == len) {
      *out = v;
      return true;
    }
  }
  char small[64];
  pyi_buf b = PYI_BUF_INIT;
  if (!pyi_line_decimal(s, len, &b))
    return false;
  bool ok = b.len < sizeof small;
  if (ok) {
    memcpy(small, b.ptr, b.len + 1);
    errno = 0;
    char *end;
    long long v = strtoll(small, &end, 10);
    ok = !errno && !*end;
    *out = v;
  }
  pyi_buf_release(&b);
  return ok;
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
