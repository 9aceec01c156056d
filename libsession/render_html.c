/* render_html.c - the HTML report: the app of html-template/ (compiled in as
 * html_template.inc) around the session data, pyinstrument's data object
 * (render_session.c) deflated with zlib and base64-encoded (out.c), which
 * the page inflates with DecompressionStream. Base64 also means no name
 * from the session can close the script element it sits in. Sessions over
 * 100,000 samples are resampled first, as pyinstrument does. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "escape.h"
#include "render.h"

#include "html_template.inc"

#define HTML_MAX_RECORDS 100000

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
  pyi_session *r = pyi_session_resample(s, interval);
  while (r->n_records > HTML_MAX_RECORDS) {
    pyi_session_free(r);
    interval *= 2;
    r = pyi_session_resample(s, interval);
  }
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
    rc = pyi_out_deflated_base64(c->out, data.ptr, data.len, c->err);
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
