/* jsonscan.c - chunked JSON pull scanner (see jsonscan.h). */
#include "jsonscan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"

#define CHUNK (1u << 20)
#define MAX_NESTING 10000

void pyi_scan_init(pyi_scan *sc, const char *name, pyi_error *err) {
  memset(sc, 0, sizeof *sc);
  sc->name = name;
  sc->err = err;
  sc->where_index = -1;
  sc->cap = CHUNK;
  sc->buf = pyi_xmalloc(sc->cap + 1);
}

void pyi_scan_release(pyi_scan *sc) {
  free(sc->buf);
  sc->buf = NULL;
}

uint64_t pyi_scan_offset(const pyi_scan *sc) { return sc->consumed + sc->pos; }

int pyi_scan_fail(pyi_scan *sc, int code, const char *where, const char *msg) {
  if (sc->err && sc->err->code)
    return -1; /* keep the first, most precise message */
  char idx[32] = "";
  if (where && sc->where_index >= 0)
    snprintf(idx, sizeof idx, "[%lld]", sc->where_index);
  return pyi_fail(sc->err, code, "%s: %s%s%s%s (at byte %llu)", sc->name,
                  where ? where : "", idx, where ? ": " : "", msg,
                  (unsigned long long)pyi_scan_offset(sc));
}

/* Makes at least 'need' bytes available from pos, unless the input ends.
 * Returns the number available, or -1 on a read error. */
static long fill(pyi_scan *sc, size_t need) {
  if (sc->end - sc->pos >= need || sc->eof)
    return (long)(sc->end - sc->pos);
  if (sc->pos) {
    memmove(sc->buf, sc->buf + sc->pos, sc->end - sc->pos);
    sc->consumed += sc->pos;
    sc->end -= sc->pos;
    sc->pos = 0;
  }
  if (need > sc->cap) {
    size_t cap = sc->cap;
    while (cap < need)
      cap *= 2;
    sc->buf = pyi_xrealloc(sc->buf, cap + 1);
    sc->cap = cap;
  }
  while (sc->end - sc->pos < need && !sc->eof) {
    long n = sc->refill(sc->ctx, sc->buf + sc->end, sc->cap - sc->end, sc->err);
    if (n < 0)
      return -1;
    if (n == 0)
      sc->eof = true;
    sc->end += (size_t)n;
  }
  return (long)(sc->end - sc->pos);
}

int pyi_scan_peek(pyi_scan *sc) {
  for (;;) {
    while (sc->pos < sc->end) {
      char c = sc->buf[sc->pos];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
        return (unsigned char)c;
      sc->pos++;
    }
    long n = fill(sc, 1);
    if (n < 0)
      return -2;
    if (n == 0)
      return -1;
  }
}

static int unexpected(pyi_scan *sc, int c, const char *where, const char *what) {
  char msg[96];
  if (c == -2)
    return -1;
  if (c == -1)
    snprintf(msg, sizeof msg, "unexpected end of input, expected %s (truncated file?)", what);
  else if (c >= 0x20 && c < 0x7f)
    snprintf(msg, sizeof msg, "expected %s, found '%c'", what, c);
  else
    snprintf(msg, sizeof msg, "expected %s, found byte 0x%02x", what, c);
  return pyi_scan_fail(sc, PYI_EFORMAT, where, msg);
}

int pyi_scan_expect(pyi_scan *sc, char c, const char *where) {
  int got = pyi_scan_peek(sc);
  if (got != (unsigned char)c) {
    char what[8] = {'\'', c, '\'', 0};
    return unexpected(sc, got, where, what);
  }
  sc->pos++;
  return 0;
}

int pyi_scan_raw_string(pyi_scan *sc, const char **raw, size_t *len,
                        const char *where) {
  int c = pyi_scan_peek(sc);
  if (c != '"')
    return unexpected(sc, c, where, "a string");
  size_t i = 1; /* offset from pos of the next byte to look at */
  for (;;) {
    const char *b = sc->buf + sc->pos;
    size_t avail = sc->end - sc->pos;
    /* the closing quote is the first one not escaped by an odd run of
     * backslashes; control characters are refused when decoding */
    while (i < avail) {
      const char *q = memchr(b + i, '"', avail - i);
      if (!q) {
        i = avail;
        break;
      }
      size_t k = (size_t)(q - b), bs = 0;
      while (k - bs > 1 && b[k - bs - 1] == '\\')
        bs++;
      if (bs % 2 == 0) {
        *raw = b + 1;
        *len = k - 1;
        sc->pos += k + 1;
        return 0;
      }
      i = k + 1;
    }
    if (i > PYI_MAX_STRING)
      return pyi_scan_fail(sc, PYI_ELIMIT, where, "string longer than 64 MiB");
    long n = fill(sc, avail + CHUNK / 2);
    if (n < 0)
      return -1;
    if ((size_t)n <= avail) {
      sc->pos = sc->end;
      return pyi_scan_fail(sc, PYI_EFORMAT, where,
                           "unexpected end of input inside a string (truncated file?)");
    }
  }
}

static int hexval(const char *p, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= (unsigned)(c - 'A' + 10);
    else
      return -1;
  }
  *out = v;
  return 0;
}

static void put_cp(pyi_buf *b, unsigned cp) {
  char u[4];
  size_t n;
  if (cp < 0x80) {
    u[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    u[0] = (char)(0xc0 | cp >> 6);
    u[1] = (char)(0x80 | (cp & 0x3f));
    n = 2;
  } else if (cp < 0x10000) {
    u[0] = (char)(0xe0 | cp >> 12);
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    u[2] = (char)(0x80 | (cp & 0x3f));
    n = 3;
  } else {
    u[0] = (char)(0xf0 | cp >> 18);
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    u[3] = (char)(0x80 | (cp & 0x3f));
    n = 4;
  }
  pyi_buf_put(b, u, n);
}

/* Length of the valid UTF-8 sequence at p (0 if invalid). */
static size_t utf8_len(const unsigned char *p, size_t avail) {
  unsigned c = p[0];
  size_t n;
  unsigned min;
  if (c < 0x80)
    return 1;
  if ((c & 0xe0) == 0xc0)
    n = 2, min = 0x80, c &= 0x1f;
  else if ((c & 0xf0) == 0xe0)
    n = 3, min = 0x800, c &= 0x0f;
  else if ((c & 0xf8) == 0xf0)
    n = 4, min = 0x10000, c &= 0x07;
  else
    return 0;
  if (n > avail)
    return 0;
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xc0) != 0x80)
      return 0;
    c = c << 6 | (p[i] & 0x3f);
  }
  if (c < min || c > 0x10ffff || (c >= 0xd800 && c < 0xe000))
    return 0;
  return n;
}

int pyi_scan_decode(pyi_scan *sc, const char *raw, size_t len, pyi_buf *out,
                    const char *where) {
  pyi_buf_clear(out);
  pyi_buf_grow(out, len);
  size_t i = 0;
  while (i < len) {
    size_t start = i;
    while (i < len && raw[i] != '\\' && (unsigned char)raw[i] < 0x80 &&
           (unsigned char)raw[i] >= 0x20)
      i++;
    pyi_buf_put(out, raw + start, i - start);
    if (i >= len)
      break;
    if ((unsigned char)raw[i] < 0x20)
      return pyi_scan_fail(sc, PYI_EFORMAT, where, "control character in a string");
    if ((unsigned char)raw[i] >= 0x80) {
      size_t n = utf8_len((const unsigned char *)raw + i, len - i);
      if (!n)
        return pyi_scan_fail(sc, PYI_EFORMAT, where, "invalid UTF-8 in a string");
      pyi_buf_put(out, raw + i, n);
      i += n;
      continue;
    }
    if (i + 1 >= len)
      return pyi_scan_fail(sc, PYI_EFORMAT, where, "bad escape in a string");
    char e = raw[i + 1];
    i += 2;
    switch (e) {
    case '"': pyi_buf_putc(out, '"'); break;
    case '\\': pyi_buf_putc(out, '\\'); break;
    case '/': pyi_buf_putc(out, '/'); break;
    case 'b': pyi_buf_putc(out, '\b'); break;
    case 'f': pyi_buf_putc(out, '\f'); break;
    case 'n': pyi_buf_putc(out, '\n'); break;
    case 'r': pyi_buf_putc(out, '\r'); break;
    case 't': pyi_buf_putc(out, '\t'); break;
    case 'u': {
      unsigned cp, lo;
      if (i + 4 > len || hexval(raw + i, &cp))
        return pyi_scan_fail(sc, PYI_EFORMAT, where, "invalid \\uXXXX escape");
      i += 4;
      if (cp >= 0xd800 && cp < 0xdc00 && i + 6 <= len && raw[i] == '\\' &&
          raw[i + 1] == 'u' && hexval(raw + i + 2, &lo) == 0 && lo >= 0xdc00 &&
          lo < 0xe000) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i += 6;
      }
      put_cp(out, cp); /* a lone surrogate becomes its 3-byte WTF-8 form */
      break;
    }
    default:
      return pyi_scan_fail(sc, PYI_EFORMAT, where, "bad escape in a string");
    }
  }
  return 0;
}

int pyi_scan_string(pyi_scan *sc, pyi_buf *out, const char *where) {
  const char *raw;
  size_t len;
  if (pyi_scan_raw_string(sc, &raw, &len, where))
    return -1;
  return pyi_scan_decode(sc, raw, len, out, where);
}

static bool is_num_char(char c) {
  return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' ||
         c == 'e' || c == 'E';
}

static int match_word(pyi_scan *sc, const char *w) {
  size_t n = strlen(w);
  long avail = fill(sc, n);
  if (avail < 0)
    return -1;
  if ((size_t)avail < n || memcmp(sc->buf + sc->pos, w, n) != 0)
    return 0;
  sc->pos += n;
  return 1;
}

int pyi_scan_number(pyi_scan *sc, pyi_num *out, const char *where) {
  int c = pyi_scan_peek(sc);
  if (c < 0)
    return unexpected(sc, c, where, "a number");
  static const struct {
    const char *w;
    double v;
  } lits[] = {{"NaN", NAN}, {"Infinity", INFINITY}, {"-Infinity", -INFINITY}};
  if (c == 'N' || c == 'I' || c == '-') {
    for (size_t k = 0; k < 3; k++) {
      int m = match_word(sc, lits[k].w);
      if (m < 0)
        return -1;
      if (m) {
        *out = (pyi_num){lits[k].v, false};
        return 0;
      }
    }
  }
  char tok[400];
  size_t n = 0;
  for (;;) {
    if (sc->pos == sc->end && fill(sc, 1) <= 0)
      break;
    char ch = sc->buf[sc->pos];
    if (!is_num_char(ch))
      break;
    if (n + 1 >= sizeof tok)
      return pyi_scan_fail(sc, PYI_ELIMIT, where, "number too long");
    tok[n++] = ch;
    sc->pos++;
  }
  tok[n] = 0;
  /* JSON grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)? */
  size_t i = 0;
  bool is_int = true;
  if (tok[i] == '-')
    i++;
  if (tok[i] == '0')
    i++;
  else if (tok[i] >= '1' && tok[i] <= '9')
    while (tok[i] >= '0' && tok[i] <= '9')
      i++;
  else
    return unexpected(sc, n ? (unsigned char)tok[0] : c, where, "a number");
  if (tok[i] == '.') {
    is_int = false;
    if (!(tok[++i] >= '0' && tok[i] <= '9'))
      return pyi_scan_fail(sc, PYI_EFORMAT, where, "malformed number");
    while (tok[i] >= '0' && tok[i] <= '9')
      i++;
  }
  if (tok[i] == 'e' || tok[i] == 'E') {
    is_int = false;
    i++;
    if (tok[i] == '+' || tok[i] == '-')
      i++;
    if (!(tok[i] >= '0' && tok[i] <= '9'))
      return pyi_scan_fail(sc, PYI_EFORMAT, where, "malformed number");
    while (tok[i] >= '0' && tok[i] <= '9')
      i++;
  }
  if (i != n)
    return pyi_scan_fail(sc, PYI_EFORMAT, where, "malformed number");
  out->v = strtod(tok, NULL);
  out->is_int = is_int;
  return 0;
}

int pyi_scan_literal(pyi_scan *sc, const char *where) {
  static const char *const words[] = {"null", "false", "true"};
  int c = pyi_scan_peek(sc);
  if (c < 0)
    return unexpected(sc, c, where, "a value");
  for (int k = 0; k < 3; k++) {
    int m = match_word(sc, words[k]);
    if (m < 0)
      return -1;
    if (m)
      return k;
  }
  return unexpected(sc, c, where, "a value");
}

int pyi_scan_skip(pyi_scan *sc, const char *where) {
  char stack[MAX_NESTING];
  size_t depth = 0;
  pyi_buf tmp = PYI_BUF_INIT;
  int rc = -1;
  for (;;) {
    /* one value */
    int c = pyi_scan_peek(sc);
    if (c == '{' || c == '[') {
      if (depth == MAX_NESTING) {
        pyi_scan_fail(sc, PYI_ELIMIT, where, "nesting too deep");
        goto done;
      }
      sc->pos++;
      stack[depth++] = (char)c;
      int d = pyi_scan_peek(sc);
      if ((c == '{' && d == '}') || (c == '[' && d == ']')) {
        sc->pos++;
        depth--;
      } else {
        if (c == '{') {
          const char *raw;
          size_t len;
          if (pyi_scan_raw_string(sc, &raw, &len, where) ||
              pyi_scan_expect(sc, ':', where))
            goto done;
        }
        continue;
      }
    } else if (c == '"') {
      const char *raw;
      size_t len;
      if (pyi_scan_raw_string(sc, &raw, &len, where) ||
          pyi_scan_decode(sc, raw, len, &tmp, where))
        goto done;
    } else if (c == 'n' || c == 't' || c == 'f') {
      if (pyi_scan_literal(sc, where) < 0)
        goto done;
    } else {
      pyi_num num;
      if (pyi_scan_number(sc, &num, where))
        goto done;
    }
    /* after a value: close containers or move to the next member */
    for (;;) {
      if (depth == 0) {
        rc = 0;
        goto done;
      }
      int d = pyi_scan_peek(sc);
      char open = stack[depth - 1];
      if (d == ',') {
        sc->pos++;
        if (open == '{') {
          const char *raw;
          size_t len;
          if (pyi_scan_raw_string(sc, &raw, &len, where) ||
              pyi_scan_expect(sc, ':', where))
            goto done;
        }
        break;
      }
      if ((open == '{' && d == '}') || (open == '[' && d == ']')) {
        sc->pos++;
        depth--;
        continue;
      }
      unexpected(sc, d, where, open == '{' ? "',' or '}'" : "',' or ']'");
      goto done;
    }
  }
done:
  pyi_buf_release(&tmp);
  return rc;
}
