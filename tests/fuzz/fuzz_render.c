/* fuzz_render.c - libFuzzer target for the renderers.
 *
 * Byte 0 picks the renderer (low nibble) and its tree options (high
 * nibble); byte 1 the text renderer's options; the rest is a session. A
 * session that loads must render with any valid option set, and a failure
 * must come with a one-line message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyisession.h"

static void broken(const char *what, const char *detail) {
  fprintf(stderr, "fuzz_render: %s: %s\n", what, detail);
  abort();
}

static void set(pyi_opts *o, const char *key, const char *json) {
  pyi_error err = {0};
  if (pyi_opts_set_json(o, key, json, &err) != 0)
    broken("cannot set an option", err.msg);
}

/* Options from the two header bytes; only those 'name' accepts. */
static pyi_opts *make_opts(const char *name, uint8_t tree, uint8_t text) {
  bool is_text = strcmp(name, "text") == 0;
  pyi_opts *o = pyi_opts_new();
  bool timeline = tree & 0x10, flat = is_text && (text & 0x01) && !timeline;
  if (timeline)
    set(o, "timeline", "true");
  if (tree & 0x20)
    set(o, "show_all", "true");
  if (tree & 0x40)
    set(o, "processor_options",
        "{\"filter_threshold\": 0, \"hide_regex\": \".*/json/.*\", "
        "\"show_regex\": null}");
  else if (tree & 0x80)
    set(o, "processor_options",
        "{\"hide_regex\": null, \"show_regex\": \".*\"}");
  if (is_text) {
    if (flat)
      set(o, "flat", "true");
    set(o, "unicode", text & 0x02 ? "true" : "false");
    set(o, "color", text & 0x04 ? "true" : "false");
    if (text & 0x08)
      set(o, "time", "\"percent_of_total\"");
    if (text & 0x10)
      set(o, "flat_time", "\"total\"");
    if (text & 0x20)
      set(o, "short_mode", "true");
  }
  pyi_error err = {0};
  if (pyi_render_check(name, o, &err) != 0) {
    /* this renderer takes fewer options: render with its defaults */
    pyi_opts_free(o);
    o = pyi_opts_new();
  }
  return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *const *names = pyi_renderer_names();
  size_t n = 0;
  while (names[n])
    n++;
  if (size < 2 || n == 0)
    return 0;
  const char *name = names[(data[0] & 0x0f) % n];
  pyi_error err = {0};
  pyi_session *s = pyi_session_load_mem(data + 2, size - 2, "fuzz", &err);
  if (!s)
    return 0; /* the loader has its own target */
  pyi_opts *o = make_opts(name, data[0], data[1]);
  size_t len = 0;
  char *out = pyi_render_string(s, name, o, &len, NULL, &err);
  if (out) {
    /* folded stacks of an empty profile are an empty file */
    if (len == 0 && strcmp(name, "pstats") != 0 && strcmp(name, "folded") != 0)
      broken("empty output", name);
  } else if (err.code == PYI_OK || !err.msg[0] || strchr(err.msg, '\n')) {
    broken("failure without a one-line message", err.msg);
  }
  free(out);
  pyi_opts_free(o);
  pyi_session_free(s);
  return 0;
}
