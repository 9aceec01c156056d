/* escape.c - JSON and HTML escaping (escape.h). A 256-entry table says, for
 * each ASCII byte, whether it passes through, has a short escape, or needs
 * \u00XX. Both writers work on a pyi_buf; the sink versions write through
 * the sink's buffer. */
#include "escape.h"

#include <string.h>

/* 0: copy, 'u': \u00XX, other: the letter after the backslash */
static const char esc[128] = {
    ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r',
    [1] = 'u',  [2] = 'u',  [3] = 'u',  [4] = 'u',  [5] = 'u',  [6] = 'u',
    [7] = 'u',  [11] = 'u', [14] = 'u', [15] = 'u', [16] = 'u', [17] = 'u',
    [18] = 'u', [19] = 'u', [20] = 'u', [21] = 'u', [22] = 'u', [23] = 'u',
    [24] = 'u', [25] = 'u', [26] = 'u', [27] = 'u', [28] = 'u', [29] = 'u',
    [30] = 'u', [31] = 'u', ['"'] = '"', ['\\'] = '\\',
};

static const char hex[] = "0123456789abcdef";

size_t pyi_utf8_next(const char *str, size_t len, unsigned *cp) {
  const unsigned char *s = (const unsigned char *)str;
  unsigned c = s[0];
  size_t n;
  unsigned min;
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  if ((c & 0xe0) == 0xc0)
    n = 2, min = 0x80, c &= 0x1f;
  else if ((c & 0xf0) == 0xe0)
    n = 3, min = 0x800, c &= 0x0f;
  else if ((c & 0xf8) == 0xf0)
    n = 4, min = 0x10000, c &= 0x07;
  else
    goto bad;
  if (n > len)
    goto bad;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80)
      goto bad;
    c = c << 6 | (s[i] & 0x3f);
  }
  if (c < min || c > 0x10ffff)
    goto bad;
  *cp = c; /* surrogates (WTF-8) are accepted */
  return n;
bad:
  *cp = 0xdc00 + s[0];
  return 1;
}

static void put_u(pyi_buf *b, unsigned v) {
  char u[6] = {'\\', 'u', hex[(v >> 12) & 15], hex[(v >> 8) & 15],
               hex[(v >> 4) & 15], hex[v & 15]};
  pyi_buf_put(b, u, 6);
}

static void escape(pyi_buf *b, const char *s, size_t len, int ascii) {
  pyi_buf_grow(b, len + 2);
  pyi_buf_putc(b, '"');
  size_t i = 0;
  while (i < len) {
    size_t start = i;
    while (i < len && (unsigned char)s[i] < 0x7f && !esc[(unsigned char)s[i]] &&
           s[i] != 0)
      i++;
    pyi_buf_put(b, s + start, i - start);
    if (i >= len)
      break;
    unsigned char c = (unsigned char)s[i];
    if (c < 0x7f) {
      char e = esc[c];
      if (e == 'u' || c == 0) {
        put_u(b, c);
      } else {
        char two[2] = {'\\', e};
        pyi_buf_put(b, two, 2);
      }
      i++;
      continue;
    }
    if (c == 0x7f) {
      if (ascii)
        put_u(b, c);
      else
        pyi_buf_putc(b, c);
      i++;
      continue;
    }
    unsigned cp;
    size_t n = pyi_utf8_next(s + i, len - i, &cp);
    if (ascii || (cp >= 0xd800 && cp < 0xe000)) {
      if (cp >= 0x10000) {
        cp -= 0x10000;
        put_u(b, 0xd800 + (cp >> 10));
        put_u(b, 0xdc00 + (cp & 0x3ff));
      } else
        put_u(b, cp);
    } else
      pyi_buf_put(b, s + i, n);
    i += n;
  }
  pyi_buf_putc(b, '"');
}

void pyi_json_ascii_buf(pyi_buf *b, const char *s, size_t len) {
  escape(b, s, len, 1);
}

void pyi_json_utf8_buf(pyi_buf *b, const char *s, size_t len) {
  escape(b, s, len, 0);
}

void pyi_json_ascii(pyi_out *o, const char *s, size_t len) {
  escape(&o->buf, s, len, 1);
  pyi_out_write(o, "", 0); /* lets the sink flush if it grew large */
}

void pyi_json_utf8(pyi_out *o, const char *s, size_t len) {
  escape(&o->buf, s, len, 0);
  pyi_out_write(o, "", 0);
}

void pyi_html_escape_buf(pyi_buf *b, const char *s, size_t len) {
  for (size_t i = 0; i < len; i++) {
    switch (s[i]) {
    case '&': pyi_buf_puts(b, "&amp;"); break;
    case '<': pyi_buf_puts(b, "&lt;"); break;
    case '>': pyi_buf_puts(b, "&gt;"); break;
    case '"': pyi_buf_puts(b, "&quot;"); break;
    case '\'': pyi_buf_puts(b, "&#39;"); break;
    default: pyi_buf_putc(b, s[i]);
    }
  }
}

void pyi_utf8_clean_buf(pyi_buf *b, const char *s, size_t len, bool controls) {
  size_t i = 0;
  while (i < len) {
    unsigned cp;
    size_t n = pyi_utf8_next(s + i, len - i, &cp);
    bool bad = (cp >= 0xd800 && cp < 0xe000) ||
               (controls && (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)));
    if (bad)
      pyi_buf_puts(b, "\xef\xbf\xbd"); /* U+FFFD */
    else
      pyi_buf_put(b, s + i, n);
    i += n;
  }
}
