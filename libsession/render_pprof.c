/* render_pprof.c - the profile.proto format of pprof (go tool pprof,
 * Grafana Pyroscope, Parca), gzip-compressed as those tools expect. Built
 * from the records (stacks.h): one Sample per distinct stack with its wall
 * time in nanoseconds and its number of samples; a Function per
 * (function, class), a Location per (function, executing line).
 *
 * The protobuf encoding is written by hand: varints and length-delimited
 * fields, top-level fields in field-number order, streamed through zlib. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "alloc.h"
#include "error.h"
#include "escape.h"
#include "frameinfo.h"
#include "render.h"
#include "stacks.h"

/* profile.proto field numbers */
enum {
  PROFILE_SAMPLE_TYPE = 1, PROFILE_SAMPLE = 2, PROFILE_MAPPING = 3,
  PROFILE_LOCATION = 4,
  PROFILE_FUNCTION = 5, PROFILE_STRING_TABLE = 6, PROFILE_TIME_NANOS = 9,
  PROFILE_DURATION_NANOS = 10, PROFILE_PERIOD_TYPE = 11, PROFILE_PERIOD = 12,
  PROFILE_COMMENT = 13, PROFILE_DEFAULT_SAMPLE_TYPE = 14,
  VALUE_TYPE_TYPE = 1, VALUE_TYPE_UNIT = 2,
  SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE = 2,
  MAPPING_ID = 1, MAPPING_FILENAME = 5, MAPPING_HAS_FUNCTIONS = 7,
  MAPPING_HAS_FILENAMES = 8, MAPPING_HAS_LINE_NUMBERS = 9,
  LOCATION_ID = 1, LOCATION_MAPPING_ID = 2, LOCATION_LINE = 4,
  LINE_FUNCTION_ID = 1, LINE_LINE = 2,
  FUNCTION_ID = 1, FUNCTION_NAME = 2, FUNCTION_FILENAME = 4,
  FUNCTION_START_LINE = 5,
};
enum { WIRE_VARINT = 0, WIRE_LEN = 2 };

/* ---- protobuf encoding --------------------------------------------------- */

static void varint(pyi_buf *b, uint64_t v) {
  unsigned char tmp[10];
  size_t n = 0;
  while (v >= 0x80) {
    tmp[n++] = (unsigned char)(v | 0x80);
    v >>= 7;
  }
  tmp[n++] = (unsigned char)v;
  pyi_buf_put(b, tmp, n);
}

static void tag(pyi_buf *b, unsigned field, unsigned wire) {
  varint(b, (uint64_t)field << 3 | wire);
}

/* int64/uint64 fields; zero is the default and is left out */
static void field_int(pyi_buf *b, unsigned field, int64_t v) {
  if (!v)
    return;
  tag(b, field, WIRE_VARINT);
  varint(b, (uint64_t)v); /* negative: ten bytes, two's complement */
}

static void field_bytes(pyi_buf *b, unsigned field, const void *p, size_t n) {
  tag(b, field, WIRE_LEN);
  varint(b, n);
  pyi_buf_put(b, p, n);
}

/* ---- gzip stream to the sink --------------------------------------------- */

struct gz {
  z_stream z;
  pyi_out *out;
  pyi_buf msg;  /* top-level fields not yet compressed */
  pyi_buf part; /* the embedded message being built */
  int zrc;
};

static void gz_feed(struct gz *g, int flush) {
  unsigned char chunk[16384];
  g->z.next_in = (unsigned char *)g->msg.ptr;
  g->z.avail_in = (uInt)g->msg.len;
  do {
    g->z.next_out = chunk;
    g->z.avail_out = sizeof chunk;
    g->zrc = deflate(&g->z, flush);
    pyi_out_write(g->out, chunk, sizeof chunk - g->z.avail_out);
  } while (g->z.avail_out == 0 || (flush == Z_FINISH && g->zrc == Z_OK));
  pyi_buf_clear(&g->msg);
}

/* Appends the embedded message in 'part' as top-level field 'field'. */
static void gz_part(struct gz *g, unsigned field) {
  field_bytes(&g->msg, field, g->part.ptr, g->part.len);
  pyi_buf_clear(&g->part);
  if (g->msg.len >= (1u << 16))
    gz_feed(g, Z_NO_FLUSH);
}

/* ---- the profile ----------------------------------------------------------- */

struct pprof {
  const pyi_session *s;
  pyi_intern_table *strings; /* id = index in string_table (0 is "") */
  pyi_intern_table *funcs;   /* (identifier, class string) -> function id */
  pyi_intern_table *locs;    /* (function id, line) -> location id */
  uint32_t *loc_of;          /* frame info -> location id, 0 = not yet */
  int64_t *loc_line;         /* by location id */
  uint32_t *loc_func;
  size_t cap_loc_line, cap_loc_func;
  pyi_buf tmp;
};

static uint32_t str_id(struct pprof *P, const char *s, size_t n) {
  return n ? pyi_intern(P->strings, s, n) : 0;
}

/* Strings as valid UTF-8: protobuf readers may refuse anything else. */
static uint32_t clean_id(struct pprof *P, const char *s, size_t n) {
  pyi_buf_clear(&P->tmp);
  pyi_utf8_clean_buf(&P->tmp, s, n, false);
  return str_id(P, P->tmp.ptr, P->tmp.len);
}

static uint32_t location(struct pprof *P, uint32_t finfo) {
  if (P->loc_of[finfo])
    return P->loc_of[finfo];
  const pyi_session *s = P->s;
  const pyi_ident *id = &s->ident[s->finfo[finfo].ident];
  size_t cn = 0;
  const char *cls = pyi_finfo_class(s, finfo, &cn);
  uint32_t key[2] = {s->finfo[finfo].ident, cls ? clean_id(P, cls, cn) : 0};
  int64_t start = 0;
  if (id->line_text && !pyi_parse_line(id->line_text, id->line_len, &start))
    start = 0;
  struct {
    uint32_t func, pad;
    int64_t line;
  } lk = {pyi_intern(P->funcs, (const char *)key, sizeof key), 0,
          pyi_finfo_line(s, finfo, start)};
  uint32_t loc = pyi_intern(P->locs, (const char *)&lk, sizeof lk);
  P->loc_line = pyi_xgrow(P->loc_line, &P->cap_loc_line, (size_t)loc + 1,
                          sizeof *P->loc_line);
  P->loc_func = pyi_xgrow(P->loc_func, &P->cap_loc_func, (size_t)loc + 1,
                          sizeof *P->loc_func);
  P->loc_line[loc] = lk.line;
  P->loc_func[loc] = lk.func;
  P->loc_of[finfo] = loc;
  return loc;
}

static void function(struct pprof *P, pyi_buf *b, uint32_t fid) {
  const pyi_session *s = P->s;
  uint32_t key[2];
  memcpy(key, pyi_intern_str(P->funcs, fid, NULL), sizeof key); /* unaligned */
  const pyi_ident *id = &s->ident[key[0]];
  pyi_buf name = PYI_BUF_INIT;
  if (key[1]) {
    size_t n;
    const char *cls = pyi_intern_str(P->strings, key[1], &n);
    pyi_buf_put(&name, cls, n);
    pyi_buf_putc(&name, '.');
  }
  pyi_utf8_clean_buf(&name, id->function, id->function_len, false);
  int64_t start = 0;
  if (id->line_text && !pyi_parse_line(id->line_text, id->line_len, &start))
    start = 0;
  field_int(b, FUNCTION_ID, fid);
  /* no system_name: pprof "demangles" a name equal to it, and a name
   * that looks like C++ (<module>, <genexpr>) loses its <...> part */
  field_int(b, FUNCTION_NAME, str_id(P, name.ptr, name.len));
  if (id->file && !pyi_ident_synthetic(id))
    field_int(b, FUNCTION_FILENAME, clean_id(P, id->file, id->file_len));
  field_int(b, FUNCTION_START_LINE, start);
  pyi_buf_release(&name);
}

/* Seconds to integer nanoseconds, saturating (int64 holds ~292 years).
 * Whole seconds and the fraction are converted apart: a Unix time times
 * 1e9 in one double would be off by up to a hundred nanoseconds. */
static int64_t nanos(double t) {
  if (!(t == t))
    return 0;
  if (t >= 9.2e9)
    return INT64_C(9200000000000000000);
  if (t <= -9.2e9)
    return -INT64_C(9200000000000000000);
  double whole = floor(t);
  return (int64_t)whole * 1000000000 + (int64_t)round((t - whole) * 1e9);
}

static void value_type(struct gz *g, unsigned field, uint32_t type, uint32_t unit) {
  field_int(&g->part, VALUE_TYPE_TYPE, type);
  field_int(&g->part, VALUE_TYPE_UNIT, unit);
  gz_part(g, field);
}

static int write_profile(struct pprof *P, struct gz *g, pyi_stacks *st) {
  const pyi_session *s = P->s;
  uint32_t wall = str_id(P, "wall", 4), ns = str_id(P, "nanoseconds", 11);
  uint32_t samples = str_id(P, "samples", 7), count = str_id(P, "count", 5);
  uint32_t desc = clean_id(P, s->target_description, s->target_description_len);
  uint32_t python = str_id(P, "python", 6);
  value_type(g, PROFILE_SAMPLE_TYPE, wall, ns);
  value_type(g, PROFILE_SAMPLE_TYPE, samples, count);
  pyi_buf ids = PYI_BUF_INIT;
  for (size_t i = 0; i < st->n; i++) {
    const uint32_t *fr;
    size_t d = pyi_stacks_frames(st, i, &fr);
    if (!d)
      continue; /* as in folded: nothing to attribute the time to */
    pyi_buf_clear(&ids);
    for (size_t k = d; k-- > 0;) /* leaf first */
      varint(&ids, location(P, fr[k]));
    field_bytes(&g->part, SAMPLE_LOCATION_ID, ids.ptr, ids.len);
    pyi_buf_clear(&ids);
    varint(&ids, (uint64_t)nanos(st->time[i]));
    varint(&ids, st->count[i]);
    field_bytes(&g->part, SAMPLE_VALUE, ids.ptr, ids.len);
    gz_part(g, PROFILE_SAMPLE);
  }
  pyi_buf_release(&ids);
  /* one mapping that says it is symbolized already, or pprof goes looking
   * for a binary to symbolize against */
  field_int(&g->part, MAPPING_ID, 1);
  field_int(&g->part, MAPPING_FILENAME, python);
  field_int(&g->part, MAPPING_HAS_FUNCTIONS, 1);
  field_int(&g->part, MAPPING_HAS_FILENAMES, 1);
  field_int(&g->part, MAPPING_HAS_LINE_NUMBERS, 1);
  gz_part(g, PROFILE_MAPPING);
  pyi_buf line = PYI_BUF_INIT;
  for (uint32_t loc = 1; loc <= pyi_intern_count(P->locs); loc++) {
    field_int(&g->part, LOCATION_ID, loc);
    field_int(&g->part, LOCATION_MAPPING_ID, 1);
    pyi_buf_clear(&line);
    field_int(&line, LINE_FUNCTION_ID, P->loc_func[loc]);
    field_int(&line, LINE_LINE, P->loc_line[loc]);
    field_bytes(&g->part, LOCATION_LINE, line.ptr, line.len);
    gz_part(g, PROFILE_LOCATION);
  }
  pyi_buf_release(&line);
  for (uint32_t f = 1; f <= pyi_intern_count(P->funcs); f++) {
    function(P, &g->part, f);
    gz_part(g, PROFILE_FUNCTION);
  }
  /* every string is interned by now: the table can be written */
  field_bytes(&g->msg, PROFILE_STRING_TABLE, "", 0);
  for (uint32_t i = 1; i <= pyi_intern_count(P->strings); i++) {
    size_t n;
    const char *str = pyi_intern_str(P->strings, i, &n);
    field_bytes(&g->msg, PROFILE_STRING_TABLE, str, n);
    if (g->msg.len >= (1u << 16))
      gz_feed(g, Z_NO_FLUSH);
  }
  field_int(&g->msg, PROFILE_TIME_NANOS, nanos(s->start_time.v));
  field_int(&g->msg, PROFILE_DURATION_NANOS, nanos(s->duration.v));
  value_type(g, PROFILE_PERIOD_TYPE, wall, ns);
  field_int(&g->msg, PROFILE_PERIOD, nanos(s->min_interval.v));
  field_int(&g->msg, PROFILE_COMMENT, desc);
  field_int(&g->msg, PROFILE_DEFAULT_SAMPLE_TYPE, wall);
  gz_feed(g, Z_FINISH);
  return g->zrc == Z_STREAM_END ? 0 : -1;
}

static int render_pprof(pyi_render_ctx *c) {
  pyi_stacks st;
  if (pyi_stacks_init(&st, c->s, pyi_opt_bool(c->opts, "show_all", false), c->err))
    return -1;
  struct pprof P = {.s = c->s};
  P.strings = pyi_intern_new();
  P.funcs = pyi_intern_new();
  P.locs = pyi_intern_new();
  P.loc_of = pyi_xcalloc((size_t)pyi_intern_count(c->s->finfos) + 1, sizeof *P.loc_of);
  struct gz g = {.out = c->out};
  int rc;
  /* windowBits 15 + 16: a gzip wrapper (mtime 0, so the output is stable) */
  if (deflateInit2(&g.z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK)
    rc = pyi_fail(c->err, PYI_EIO, "pprof: zlib could not start compressing");
  else {
    rc = write_profile(&P, &g, &st);
    if (rc)
      pyi_fail(c->err, PYI_EIO, "pprof: zlib failed (%d)", g.zrc);
    deflateEnd(&g.z);
  }
  pyi_buf_release(&g.msg);
  pyi_buf_release(&g.part);
  pyi_buf_release(&P.tmp);
  free(P.loc_of);
  free(P.loc_line);
  free(P.loc_func);
  pyi_intern_free(P.strings);
  pyi_intern_free(P.funcs);
  pyi_intern_free(P.locs);
  pyi_stacks_release(&st);
  return rc;
}

const pyi_renderer pyi_renderer_pprof = {
    .name = "pprof",
    .ext = "pb.gz",
    .class_name = "PprofRenderer",
    .binary = true,
    .frame = true,
    .gzips_itself = true,
    .render = render_pprof,
};
