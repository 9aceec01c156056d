/* glob.c - Python's fnmatch.translate: the regular expression a --hide or
 * --show glob stands for. '*' matches anything (newlines too), '?' one
 * character, [...] a set ([!...] negated, ranges, a leading ']' literal),
 * everything else itself; the whole path must match. */
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "pyisession.h"

/* re.escape's set of special characters */
static void put_literal(pyi_buf *b, char c) {
  if (strchr("()[]{}?*+-|^$\\.&~# \t\n\r\v\f", c) && c)
    pyi_buf_putc(b, '\\');
  pyi_buf_putc(b, c);
}

static void put_set_char(pyi_buf *b, char c) {
  if (c == '\\' || c == ']' || c == '[' || c == '^' || c == '-' || c == '&' ||
      c == '~' || c == '|')
    pyi_buf_putc(b, '\\');
  pyi_buf_putc(b, c);
}

/* Translates the set whose contents are glob[i..j) (']' at j). */
static void put_set(pyi_buf *b, const char *g, size_t i, size_t j) {
  bool neg = i < j && g[i] == '!';
  if (neg)
    i++;
  pyi_buf set = PYI_BUF_INIT;
  for (size_t k = i; k < j; k++) {
    /* a '-' between two characters (not first, not last) makes a range */
    if (k + 2 < j && g[k + 1] == '-') {
      if ((unsigned char)g[k] <= (unsigned char)g[k + 2]) {
        put_set_char(&set, g[k]);
        pyi_buf_putc(&set, '-');
        put_set_char(&set, g[k + 2]);
      } /* an empty range (z-a) matches nothing, as Python drops it */
      k += 2;
      continue;
    }
    put_set_char(&set, g[k]);
  }
  if (!set.len)
    pyi_buf_puts(b, neg ? "." : "(?!)");
  else {
    pyi_buf_puts(b, neg ? "[^" : "[");
    pyi_buf_put(b, set.ptr, set.len);
    pyi_buf_putc(b, ']');
  }
  pyi_buf_release(&set);
}

char *pyi_glob_to_regex(const char *g) {
  pyi_buf b = PYI_BUF_INIT;
  size_t n = strlen(g);
  pyi_buf_puts(&b, "(?s:");
  for (size_t i = 0; i < n; i++) {
    char c = g[i];
    if (c == '*') {
      while (i + 1 < n && g[i + 1] == '*')
        i++;
      pyi_buf_puts(&b, ".*");
    } else if (c == '?')
      pyi_buf_putc(&b, '.');
    else if (c == '[') {
      size_t j = i + 1;
      if (j < n && g[j] == '!')
        j++;
      if (j < n && g[j] == ']')
        j++;
      while (j < n && g[j] != ']')
        j++;
      if (j >= n)
        pyi_buf_puts(&b, "\\[");
      else {
        put_set(&b, g, i + 1, j);
        i = j;
      }
    } else
      put_literal(&b, c);
  }
  pyi_buf_puts(&b, ")\\Z");
  return pyi_buf_detach(&b);
}
