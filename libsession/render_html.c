/* render_html.c - the HTML report: the app of html-template/ (compiled in as
 * html_template.inc) around the session data, pyinstrument's data object
 * (render_session.c) deflated with zlib and base64-encoded, which the page
 * inflates with DecompressionStream. Base64 also means no name from the
 * session can close the script element it sits in. Sessions over 100,000
 * samples are resampled first, as pyinstrument does. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "alloc.h"
#include "error.h"
#include "escape.h"
#include "render.h"

#include "html_template.inc"

#define HTML_MAX_RECORDS 100000

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Writes 'n' bytes as base64 through a small block so the sink gets large
 * writes; only the last call of a stream may have n % 3 != 0. */
static void put_base64(pyi_out *o, const unsigned char *p, size_t n) {
  char block[4096];
  size_t k = 0;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)p[i] << 16;
    if (i + 1 < n)
      v |= (unsigned)p[i + 1] << 8;
    if (i + 2 < n)
      v |= p[i + 2];
    block[k++] = b64_alphabet[v >> 18 & 63];
    block[k++] = b64_alphabet[v >> 12 & 63];
    block[k++] = i + 1 < n ? b64_alphabet[v >> 6 & 63] : '=';
    block[k++] = i + 2 < n ? b64_alphabet[v & 63] : '=';
    if (k == sizeof block) {
      pyi_out_write(o, block, k);
      k = 0;
    }
  }
  pyi_out_write(o, block, k);
}

/* Deflates 'data' (zlib format, what DecompressionStream("deflate") reads)
 * and writes it as base64, a chunk at a time. */
static int put_deflated(pyi_out *o, const pyi_buf *data, pyi_error *err) {
  unsigned char chunk[3 * 16384]; /* a multiple of 3: no padding mid-stream */
  z_stream z = {0};
  if (deflateInit(&z, Z_DEFAULT_COMPRESSION) != Z_OK)
    return pyi_fail(err, PYI_EIO, "html: cannot start zlib compression");
  const unsigned char *in = (const unsigned char *)data->ptr;
  size_t left = data->len;
  int rc;
  z.next_out = chunk;
  z.avail_out = sizeof chunk;
  do {
    if (z.avail_in == 0 && left) {
      uInt step = left > (1u << 30) ? (1u << 30) : (uInt)left;
      z.next_in = (unsigned char *)in;
      z.avail_in = step;
      in += step;
      left -= step;
    }
    rc = deflate(&z, left || z.avail_in ? Z_NO_FLUSH : Z_FINISH);
    if (rc == Z_STREAM_ERROR) {
      deflateEnd(&z);
      return pyi_fail(err, PYI_EIO, "html: zlib compression failed");
    }
    /* only full chunks (a multiple of 3) go out before the end */
    if (z.avail_out == 0 || rc == Z_STREAM_END) {
      put_base64(o, chunk, sizeof chunk - z.avail_out);
      z.next_out = chunk;
      z.avail_out = sizeof chunk;
    }
  } while (rc != Z_STREAM_END);
  deflateEnd(&z);
  return 0;
}

/* pyinstrument's rule: interval = resample_interval or duration / 10000,
 * doubled until the resampled session fits; 0 or less keeps every sample. */
static pyi_session *resample(pyi_render_ctx *c) {
  const pyi_session *s = c->s;
  if (s->n_records <= HTML_MAX_RECORDS)
    return NULL;
  const cJSON *opt = pyi_opt(c->opts, "resample_interval");
  double interval =
      opt && cJSON_IsNumber(opt) ? opt->valuedouble : s->duration.v / 10000;
  if (!(interval > 0) || !isfinite(interval))
    return NULL;
  interval = pyi_session_fit_interval(s, interval, HTML_MAX_RECORDS, NULL);
  pyi_session *r = pyi_session_resample(s, interval);
  if (c->notices)
    fprintf(c->notices,
            "html: the session has %zu samples, too many for one page; "
            "resampled to %zu samples with interval %f seconds (set -p "
            "resample_interval=SECONDS to choose, 0 to keep every sample)\n",
            s->n_records, r->n_records, interval);
  return r;
}

static int render_html(pyi_render_ctx *c) {
  static const char *const ignored[] = {"show_all", "timeline"};
  for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++)
    if (c->notices && pyi_opt(c->opts, ignored[i]))
      fprintf(c->notices,
              "html: the %s option has no effect on this renderer; the page "
              "has its own view options\n",
              ignored[i]);
  pyi_session *small = resample(c);
  pyi_buf data = PYI_BUF_INIT;
  int rc = pyi_write_html_data(small ? small : c->s, &data, c->err);
  pyi_session_free(small);
  /* Short paths resolve relative sys_path entries (often "") against the
   * working directory, as the text report does; the page is told it. */
  char cwd[PATH_MAX];
  if (rc == 0 && data.len && getcwd(cwd, sizeof cwd)) {
    data.len--; /* reopen the object */
    pyi_buf_puts(&data, ", \"cwd\": ");
    pyi_json_utf8_buf(&data, cwd, strlen(cwd));
    pyi_buf_putc(&data, '}');
  }
  if (rc == 0) {
    pyi_out_write(c->out, html_head, sizeof html_head - 1);
    rc = put_deflated(c->out, &data, c->err);
    pyi_out_write(c->out, html_tail, sizeof html_tail - 1);
  }
  pyi_buf_release(&data);
  return rc;
}

static int check_html(const pyi_opts *o, pyi_error *err) {
  const cJSON *v = pyi_opt(o, "resample_interval");
  if (v && !cJSON_IsNull(v) && !cJSON_IsNumber(v))
    return pyi_fail(err, PYI_EARG,
                    "the html renderer's resample_interval must be a number "
                    "of seconds or null");
  return 0;
}

static const char *const html_opts[] = {"resample_interval", "show_all",
                                        "timeline", NULL};

const pyi_renderer pyi_renderer_html = {
    .name = "html",
    .ext = "html",
    .class_name = "HTMLRenderer",
    .options = html_opts,
    .check = check_html,
    .render = render_html,
};
