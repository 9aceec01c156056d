/* load.c - reading a .pyisession file into a session. The top-level object
 * is walked with the pull scanner; frame_records are streamed one record at
 * a time straight into the stack trie, and each distinct frame-info string
 * is decoded once: later occurrences are recognised by their raw bytes.
 * In streaming mode (load.h) records go to a callback instead of the
 * session, so a file of any length is read in bounded memory. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "alloc.h"
#include "error.h"
#include "jsonscan.h"
#include "load.h"
#include "session.h"

/* ---- input: a file, stdin or a memory block; gzip is recognised by its
 * first two bytes and inflated here (not with gzread, which would quietly
 * ignore trailing garbage). Concatenated gzip members are read in turn. */

#define RAW_CHUNK (1u << 18)

struct src {
  int fd; /* -1 for memory */
  const unsigned char *mem;
  size_t mem_len, mem_pos;
  unsigned char *raw; /* file input buffer */
  bool gzip, sniffed, done, raw_eof;
  z_stream zs;
  const char *name;
};

/* Raw input into zs.next_in/avail_in; 0 at the end, -1 on error. */
static long raw_more(struct src *in, pyi_error *err) {
  if (in->fd < 0) {
    size_t n = in->mem_len - in->mem_pos;
    if (n > (1u << 30))
      n = 1u << 30;
    in->zs.next_in = (unsigned char *)in->mem + in->mem_pos;
    in->zs.avail_in = (unsigned)n;
    in->mem_pos += n;
    return (long)n;
  }
  if (in->raw_eof)
    return 0;
  ssize_t n;
  do
    n = read(in->fd, in->raw, RAW_CHUNK);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return pyi_fail_errno(err, errno, "%s: read error: %s", in->name, strerror(errno));
  if (n == 0)
    in->raw_eof = true;
  in->zs.next_in = in->raw;
  in->zs.avail_in = (unsigned)n;
  return n;
}

static long src_refill(void *ctx, char *dst, size_t cap, pyi_error *err) {
  struct src *in = ctx;
  if (cap > (1u << 30))
    cap = 1u << 30;
  if (in->done)
    return 0;
  if (!in->sniffed) {
    /* need two bytes to decide */
    while (in->zs.avail_in < 2) {
      unsigned char keep = in->zs.avail_in ? in->zs.next_in[0] : 0;
      unsigned had = in->zs.avail_in;
      long n = raw_more(in, err);
      if (n < 0)
        return -1;
      if (n == 0)
        break;
      if (had) { /* a one-byte first read: join it with the next block */
        memmove(in->raw + 1, in->raw, (size_t)n);
        in->raw[0] = keep;
        in->zs.next_in = in->raw;
        in->zs.avail_in = (unsigned)n + 1;
      }
    }
    in->sniffed = true;
    in->gzip = in->zs.avail_in >= 2 && in->zs.next_in[0] == 0x1f && in->zs.next_in[1] == 0x8b;
    if (in->gzip && inflateInit2(&in->zs, 16 + MAX_WBITS) != Z_OK)
      return pyi_fail(err, PYI_EIO, "%s: cannot start zlib", in->name);
  }
  if (!in->gzip) {
    if (!in->zs.avail_in) {
      long n = raw_more(in, err);
      if (n <= 0) {
        in->done = n == 0;
        return n;
      }
    }
    size_t n = in->zs.avail_in < cap ? in->zs.avail_in : cap;
    memcpy(dst, in->zs.next_in, n);
    in->zs.next_in += n;
    in->zs.avail_in -= (unsigned)n;
    return (long)n;
  }
  in->zs.next_out = (unsigned char *)dst;
  in->zs.avail_out = (unsigned)cap;
  while (in->zs.avail_out == (unsigned)cap) {
    if (!in->zs.avail_in) {
      long n = raw_more(in, err);
      if (n < 0)
        return -1;
      if (n == 0)
        return pyi_fail(err, PYI_EFORMAT, "%s: gzip data is truncated", in->name);
    }
    int rc = inflate(&in->zs, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
      if (!in->zs.avail_in && raw_more(in, err) < 0)
        return -1;
      if (!in->zs.avail_in) {
        in->done = true;
        break;
      }
      if (in->zs.next_in[0] != 0x1f)
        return pyi_fail(err, PYI_EFORMAT, "%s: trailing garbage after the gzip data", in->name);
      inflateReset(&in->zs); /* another member follows */
      continue;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      return pyi_fail(err, PYI_EFORMAT, "%s: gzip data is corrupt (%s)", in->name,
                      in->zs.msg ? in->zs.msg : "inflate failed");
  }
  return (long)(cap - in->zs.avail_out);
}

static void src_release(struct src *in) {
  if (in->gzip)
    inflateEnd(&in->zs);
  free(in->raw);
  if (in->fd >= 0)
    close(in->fd);
}

/* ---- the document -------------------------------------------------------- */

enum key_bit {
  K_START_TIME = 1 << 0,
  K_DURATION = 1 << 1,
  K_MIN_INTERVAL = 1 << 2,
  K_MAX_INTERVAL = 1 << 3,
  K_SAMPLE_COUNT = 1 << 4,
  K_START_STACK = 1 << 5,
  K_DESCRIPTION = 1 << 6,
  K_CPU_TIME = 1 << 7,
  K_SYS_PATH = 1 << 8,
  K_SYS_PREFIXES = 1 << 9,
  K_RECORDS = 1 << 10,
  K_PROGRAM = 1 << 11, /* pyinstrument 4.x's name for the description */
};

struct loader {
  pyi_scan sc;
  pyi_session *s;
  pyi_buf str;
  pyi_intern_table *raw; /* raw escaped frame-info bytes -> raw id */
  uint32_t *raw_finfo;   /* raw id -> frame info id */
  size_t raw_cap;
  /* the previous record, per depth: consecutive samples share most of
   * their stack, and a byte comparison with the string at the same depth
   * is cheaper than hashing (prev_node[0] is the empty stack) */
  uint32_t *prev_raw, *prev_node;
  size_t prev_len; /* entries of prev_raw that are valid */
  unsigned seen;
  pyi_load_stream *stream; /* records go to a callback (load.h), or NULL */
};

static int read_num(struct loader *L, pyi_num *out, const char *key) {
  return pyi_scan_number(&L->sc, out, key);
}

/* A frame-info string, through the raw-bytes cache; '*rid_out' gets its
 * raw id. 'same' is the raw id the string probably has (0: no guess). */
static int read_finfo_raw(struct loader *L, uint32_t *out, uint32_t same,
                          uint32_t *rid_out, const char *where) {
  const char *raw;
  size_t len;
  if (pyi_scan_raw_string(&L->sc, &raw, &len, where))
    return -1;
  if (same) {
    size_t slen;
    const char *s = pyi_intern_str(L->raw, same, &slen);
    if (slen == len && memcmp(s, raw, len) == 0) {
      *rid_out = same;
      *out = L->raw_finfo[same];
      return 0;
    }
  }
  uint32_t n = pyi_intern_count(L->raw);
  uint32_t rid = pyi_intern(L->raw, raw, len);
  *rid_out = rid;
  if (rid <= n) {
    *out = L->raw_finfo[rid];
    return 0;
  }
  if (pyi_scan_decode(&L->sc, raw, len, &L->str, where))
    return -1;
  L->raw_finfo = pyi_xgrow(L->raw_finfo, &L->raw_cap, (size_t)rid + 1,
                           sizeof *L->raw_finfo);
  *out = L->raw_finfo[rid] = pyi_session_finfo(L->s, L->str.ptr, L->str.len);
  return 0;
}

static int read_finfo(struct loader *L, uint32_t *out, const char *where) {
  uint32_t rid;
  return read_finfo_raw(L, out, 0, &rid, where);
}

static int read_str_array(struct loader *L, const char *key,
                          void (*add)(pyi_session *, const char *)) {
  if (pyi_scan_expect(&L->sc, '[', key))
    return -1;
  if (pyi_scan_peek(&L->sc) == ']') {
    L->sc.pos++;
    return 0;
  }
  for (;;) {
    if (pyi_scan_string(&L->sc, &L->str, key))
      return -1;
    add(L->s, pyi_buf_cstr(&L->str)); /* paths: text up to a NUL */
    int c = pyi_scan_peek(&L->sc);
    L->sc.pos++;
    if (c == ']')
      return 0;
    if (c != ',') {
      L->sc.pos--;
      return pyi_scan_expect(&L->sc, ']', key);
    }
  }
}

static int read_start_stack(struct loader *L) {
  const char *key = "start_call_stack";
  uint32_t *ids = NULL;
  size_t n = 0, cap = 0;
  int rc = -1;
  if (pyi_scan_expect(&L->sc, '[', key))
    goto out;
  if (pyi_scan_peek(&L->sc) != ']') {
    for (;;) {
      uint32_t id;
      if (read_finfo(L, &id, key))
        goto out;
      if (n == PYI_MAX_DEPTH) {
        pyi_scan_fail(&L->sc, PYI_ELIMIT, key, "stack deeper than the limit");
        goto out;
      }
      ids = pyi_xgrow(ids, &cap, n + 1, sizeof *ids);
      ids[n++] = id;
      if (pyi_scan_peek(&L->sc) != ',')
        break;
      L->sc.pos++;
    }
  }
  if (pyi_scan_expect(&L->sc, ']', key))
    goto out;
  rc = pyi_session_set_start_call_stack(L->s, ids, n, NULL);
out:
  free(ids);
  return rc;
}

static int read_records(struct loader *L) {
  pyi_scan *sc = &L->sc;
  const char *key = "frame_records";
  pyi_session *s = L->s;
  s->n_records = 0; /* a repeated key replaces the earlier value */
  pyi_load_stream *ls = L->stream;
  bool emit = true;
  if (ls) {
    ls->arrays++;
    emit = !ls->only_array || ls->only_array == ls->arrays;
  }
  if (pyi_scan_expect(sc, '[', key))
    return -1;
  if (pyi_scan_peek(sc) == ']') {
    sc->pos++;
    return 0;
  }
  for (long long i = 0;; i++) {
    sc->where_index = i;
    if (pyi_scan_expect(sc, '[', key) || pyi_scan_expect(sc, '[', key))
      return -1;
    uint32_t node = 0;
    bool same = true; /* the stack so far equals the previous record's */
    int c = pyi_scan_peek(sc);
    if (c != ']') {
      for (size_t d = 0;; d++) {
        uint32_t fi, rid;
        if (d == PYI_MAX_DEPTH)
          return pyi_scan_fail(sc, PYI_ELIMIT, key,
                               "stack deeper than the limit of 8192 frames");
        uint32_t guess = d < L->prev_len ? L->prev_raw[d] : 0;
        if (read_finfo_raw(L, &fi, guess, &rid, key))
          return -1;
        same = same && rid == guess;
        node = same ? L->prev_node[d + 1] : pyi_session_push(s, node, fi);
        L->prev_raw[d] = rid;
        L->prev_node[d + 1] = node;
        c = pyi_scan_peek(sc);
        if (c != ',')
          break;
        sc->pos++;
      }
    }
    L->prev_len = s->nodes[node].depth;
    pyi_num t;
    if (pyi_scan_expect(sc, ']', key) || pyi_scan_expect(sc, ',', key) ||
        pyi_scan_number(sc, &t, key) || pyi_scan_expect(sc, ']', key))
      return -1;
    if (!ls)
      pyi_session_append(s, node, t.v, t.is_int);
    else if (emit && ls->record(ls->ctx, s, node, t.v, t.is_int, sc->err))
      return -1;
    c = pyi_scan_peek(sc);
    if (c == ',') {
      sc->pos++;
      continue;
    }
    sc->where_index = -1;
    return pyi_scan_expect(sc, ']', key);
  }
}

static void add_path(pyi_session *s, const char *p) { pyi_session_add_sys_path(s, p); }
static void add_prefix(pyi_session *s, const char *p) { pyi_session_add_sys_prefix(s, p); }

static void clear_strv(char **v, size_t *n) {
  for (size_t i = 0; i < *n; i++)
    free(v[i]);
  *n = 0;
}

static int read_value(struct loader *L, const char *key) {
  pyi_session *s = L->s;
  pyi_scan *sc = &L->sc;
  static const struct {
    const char *name;
    unsigned bit;
  } keys[] = {{"start_time", K_START_TIME},     {"duration", K_DURATION},
              {"min_interval", K_MIN_INTERVAL}, {"max_interval", K_MAX_INTERVAL},
              {"sample_count", K_SAMPLE_COUNT}, {"start_call_stack", K_START_STACK},
              {"target_description", K_DESCRIPTION}, {"cpu_time", K_CPU_TIME},
              {"sys_path", K_SYS_PATH},         {"sys_prefixes", K_SYS_PREFIXES},
              {"frame_records", K_RECORDS},     {"program", K_PROGRAM}};
  unsigned bit = 0;
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
    if (strcmp(keys[i].name, key) == 0)
      bit = keys[i].bit;
  L->seen |= bit;
  switch (bit) {
  case K_START_TIME: return read_num(L, &s->start_time, key);
  case K_DURATION: return read_num(L, &s->duration, key);
  case K_MIN_INTERVAL: return read_num(L, &s->min_interval, key);
  case K_MAX_INTERVAL: return read_num(L, &s->max_interval, key);
  case K_SAMPLE_COUNT: return read_num(L, &s->sample_count, key);
  case K_CPU_TIME: {
    /* a falsy value (null, false, 0) becomes the integer 0 */
    int c = pyi_scan_peek(sc);
    if (c == 'n' || c == 't' || c == 'f') {
      int lit = pyi_scan_literal(sc, key);
      if (lit < 0)
        return -1;
      s->cpu_time = (pyi_num){lit == 2 ? 1 : 0, true};
      return 0;
    }
    if (read_num(L, &s->cpu_time, key))
      return -1;
    if (s->cpu_time.v == 0)
      s->cpu_time = (pyi_num){0, true};
    return 0;
  }
  case K_DESCRIPTION:
  case K_PROGRAM: {
    if (pyi_scan_string(sc, &L->str, key))
      return -1;
    if (bit == K_PROGRAM && !(L->seen & K_DESCRIPTION)) {
      /* pyinstrument 4.x stored the command line; 5.x shows this text */
      pyi_buf t = PYI_BUF_INIT;
      pyi_buf_puts(&t, "Program: ");
      pyi_buf_put(&t, L->str.ptr, L->str.len);
      pyi_session_set_target_description(s, t.ptr, t.len);
      pyi_buf_release(&t);
    } else if (bit == K_DESCRIPTION)
      pyi_session_set_target_description(s, pyi_buf_cstr(&L->str), L->str.len);
    return 0;
  }
  case K_START_STACK: return read_start_stack(L);
  case K_SYS_PATH:
    clear_strv(s->sys_path, &s->n_sys_path);
    return read_str_array(L, key, add_path);
  case K_SYS_PREFIXES:
    clear_strv(s->sys_prefixes, &s->n_sys_prefixes);
    return read_str_array(L, key, add_prefix);
  case K_RECORDS: return read_records(L);
  default: return pyi_scan_skip(sc, key); /* unknown keys are ignored */
  }
}

static int read_document(struct loader *L) {
  pyi_scan *sc = &L->sc;
  int c = pyi_scan_peek(sc);
  if (c == -1)
    return pyi_fail(sc->err, PYI_EFORMAT, "%s: empty file, not a session", sc->name);
  if (c != '{')
    return pyi_scan_fail(sc, PYI_EFORMAT, NULL,
                         c == -2 ? "read error" : "not a JSON object: this is not a .pyisession file");
  sc->pos++;
  if (pyi_scan_peek(sc) == '}')
    sc->pos++;
  else
    for (;;) {
      if (pyi_scan_string(sc, &L->str, "object key"))
        return -1;
      char key[64];
      snprintf(key, sizeof key, "%s", pyi_buf_cstr(&L->str));
      if (pyi_scan_expect(sc, ':', key) || read_value(L, key))
        return -1;
      c = pyi_scan_peek(sc);
      if (c == ',') {
        sc->pos++;
        continue;
      }
      if (pyi_scan_expect(sc, '}', NULL))
        return -1;
      break;
    }
  c = pyi_scan_peek(sc);
  if (c == -2)
    return -1;
  if (c != -1)
    return pyi_scan_fail(sc, PYI_EFORMAT, NULL, "extra data after the session object");
  static const struct {
    unsigned bit;
    const char *name;
  } required[] = {{K_RECORDS, "frame_records"},   {K_START_TIME, "start_time"},
                  {K_DURATION, "duration"},        {K_SAMPLE_COUNT, "sample_count"},
                  {K_START_STACK, "start_call_stack"}, {K_DESCRIPTION, "target_description"},
                  {K_CPU_TIME, "cpu_time"}};
  for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
    unsigned bit = required[i].bit;
    if (L->seen & bit)
      continue;
    /* 4.x files: "program" instead of the description, maybe no cpu_time */
    if ((bit == K_DESCRIPTION || bit == K_CPU_TIME) && (L->seen & K_PROGRAM))
      continue;
    return pyi_fail(sc->err, PYI_EFORMAT, "%s: missing key '%s': not a complete session",
                    sc->name, required[i].name);
  }
  return 0;
}

static pyi_session *load(struct src *in, const char *name,
                         pyi_load_stream *stream, pyi_error *err) {
  if (err)
    memset(err, 0, sizeof *err);
  pyi_scan sc;
  pyi_scan_init(&sc, name, err);
  sc.refill = src_refill;
  sc.ctx = in;
  struct loader L = {.s = pyi_session_new(), .raw = pyi_intern_new(), .stream = stream};
  L.prev_raw = pyi_xmalloc(PYI_MAX_DEPTH * sizeof *L.prev_raw);
  L.prev_node = pyi_xcalloc(PYI_MAX_DEPTH + 1, sizeof *L.prev_node);
  L.sc = sc;
  int rc = read_document(&L);
  pyi_scan_release(&L.sc);
  pyi_buf_release(&L.str);
  pyi_intern_free(L.raw);
  free(L.raw_finfo);
  free(L.prev_raw);
  free(L.prev_node);
  src_release(in);
  if (rc) {
    pyi_session_free(L.s);
    return NULL;
  }
  L.s->name = pyi_xstrdup(name);
  return L.s;
}

static pyi_session *load_path(const char *path, pyi_load_stream *stream,
                              pyi_error *err) {
  bool is_stdin = strcmp(path, "-") == 0;
  const char *name = is_stdin ? "<stdin>" : path;
  int fd = is_stdin ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    pyi_fail_errno(err, errno, "%s: %s", name, strerror(errno));
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) != 0)
    memset(&st, 0, sizeof st);
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    pyi_fail_errno(err, EISDIR, "%s: is a directory, not a session file", name);
    return NULL;
  }
  if (stream)
    stream->st = st;
  struct src in = {.fd = fd, .name = name};
  in.raw = pyi_xmalloc(RAW_CHUNK + 1);
  return load(&in, name, stream, err);
}

pyi_session *pyi_session_load(const char *path, pyi_error *err) {
  return load_path(path, NULL, err);
}

pyi_session *pyi_session_load_stream(const char *path, pyi_load_stream *stream,
                                     pyi_error *err) {
  stream->arrays = 0;
  return load_path(path, stream, err);
}

pyi_session *pyi_session_load_mem(const void *data, size_t len, const char *name,
                                  pyi_error *err) {
  struct src in = {.fd = -1, .mem = data, .mem_len = len, .name = name};
  return load(&in, name, NULL, err);
}
