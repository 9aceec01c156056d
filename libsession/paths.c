/* paths.c - relpath and shorten_path (paths.h, session.h). Short paths are
 * computed once per identifier and kept in the session's string table. */
#include "paths.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "session.h"

/* Splits the absolute, normalised form of 'p' (relative to 'cwd') into
 * components: 'out' receives pointers into 'store'. */
static size_t components(const char *p, const char *cwd, pyi_buf *store,
                         const char ***out, size_t *cap) {
  pyi_buf_clear(store);
  if (p[0] != '/') {
    pyi_buf_puts(store, cwd);
    pyi_buf_putc(store, '/');
  }
  pyi_buf_puts(store, p);
  size_t n = 0;
  char *s = store->ptr;
  char *save = NULL;
  for (char *tok = strtok_r(s, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
    if (strcmp(tok, ".") == 0)
      continue;
    if (strcmp(tok, "..") == 0) {
      if (n)
        n--;
      continue;
    }
    *out = pyi_xgrow(*out, cap, n + 1, sizeof **out);
    (*out)[n++] = tok;
  }
  return n;
}

void pyi_relpath(const char *path, const char *start, const char *cwd, pyi_buf *out) {
  pyi_buf sp = PYI_BUF_INIT, ss = PYI_BUF_INIT;
  const char **pc = NULL, **sc = NULL;
  size_t pcap = 0, scap = 0;
  size_t np = components(path, cwd, &sp, &pc, &pcap);
  size_t ns = components(start, cwd, &ss, &sc, &scap);
  size_t common = 0;
  while (common < np && common < ns && strcmp(pc[common], sc[common]) == 0)
    common++;
  pyi_buf_clear(out);
  for (size_t i = common; i < ns; i++)
    pyi_buf_puts(out, out->len ? "/.." : "..");
  for (size_t i = common; i < np; i++) {
    if (out->len)
      pyi_buf_putc(out, '/');
    pyi_buf_puts(out, pc[i]);
  }
  if (!out->len)
    pyi_buf_putc(out, '.');
  pyi_buf_release(&sp);
  pyi_buf_release(&ss);
  free(pc);
  free(sc);
}

static size_t count_parts(const char *s, size_t len) {
  size_t n = 1;
  for (size_t i = 0; i < len; i++)
    n += s[i] == '/';
  return n;
}

#define NO_SHORT_PATH UINT32_MAX

const char *pyi_session_short_path(pyi_session *s, uint32_t ident) {
  pyi_session_fresh_paths(s);
  pyi_ident *id = &s->ident[ident];
  if (id->short_path == NO_SHORT_PATH)
    return NULL;
  if (id->short_path)
    return pyi_intern_str(s->strings, id->short_path, NULL);
  if (!id->file || !id->file_len) {
    id->short_path = NO_SHORT_PATH;
    return NULL;
  }
  /* file paths are text up to a NUL, as elsewhere */
  char *file = pyi_xstrndup(id->file, id->file_len);
  pyi_buf best = PYI_BUF_INIT, cand = PYI_BUF_INIT;
  pyi_buf_puts(&best, file);
  if (strchr(file, '/')) {
    if (!s->cwd) {
      char buf[PATH_MAX];
      s->cwd = pyi_xstrdup(getcwd(buf, sizeof buf) ? buf : "/");
    }
    size_t best_parts = count_parts(best.ptr, best.len);
    for (size_t i = 0; i < s->n_sys_path; i++) {
      pyi_relpath(file, s->sys_path[i], s->cwd, &cand);
      size_t parts = count_parts(cand.ptr, cand.len);
      if (parts < best_parts) {
        pyi_buf_clear(&best);
        pyi_buf_put(&best, cand.ptr, cand.len);
        best_parts = parts;
      }
    }
  }
  id->short_path = pyi_intern(s->strings, best.ptr, best.len);
  pyi_buf_release(&best);
  pyi_buf_release(&cand);
  free(file);
  return pyi_intern_str(s->strings, id->short_path, NULL);
}

const char *pyi_session_shorten_path(pyi_session *s, const char *path,
                                     size_t len) {
  if (!len)
    return "";
  /* an identifier whose file is 'path' carries the cached answer */
  pyi_buf b = PYI_BUF_INIT;
  pyi_buf_putc(&b, '\0');
  pyi_buf_put(&b, path, len);
  uint32_t id = pyi_session_ident(s, b.ptr, b.len);
  pyi_buf_release(&b);
  return pyi_session_short_path(s, id);
}

/* 'tail' at the start of s[0, len): its length matched, or 0 */
static size_t tail_at(const char *s, size_t len, const char *tail) {
  size_t i = 0;
  for (const char *t = tail; *t; t++) {
    if (i >= len)
      return 0;
    unsigned char c = (unsigned char)s[i];
    if (*t == '.') { /* one character: a UTF-8 sequence, not a newline */
      if (c == '\n')
        return 0;
      i++;
      while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80 && c >= 0xC0)
        i++;
    } else if (*t == '/' ? c == '/' || c == '\\' : c == (unsigned char)*t) {
      i++;
    } else {
      return 0;
    }
  }
  return i;
}

bool pyi_path_match_tail(const char *path, size_t len, const char *tail) {
  /* ".*" takes any run of characters without a newline */
  for (size_t i = 0; i <= len && (i == 0 || path[i - 1] != '\n'); i++)
    if (tail_at(path + i, len - i, tail))
      return true;
  return false;
}
