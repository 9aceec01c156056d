/* fuzz_load.c - libFuzzer target for the session loader.
 *
 * Any input either fails with a one-line message or loads; a loaded session
 * saves as pyisession, that text loads again, and saving it again gives
 * the same bytes (what we write we can read, and writing is stable). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyisession.h"

/* A broken property is a bug: say which and stop where the fuzzer sees it. */
static void broken(const char *what, const char *detail) {
  fprintf(stderr, "fuzz_load: %s: %s\n", what, detail);
  abort();
}

static void check_error(const pyi_error *err) {
  if (err->code == PYI_OK || err->msg[0] == '\0')
    broken("failure without a message", err->msg);
  if (strchr(err->msg, '\n'))
    broken("message of more than one line", err->msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pyi_error err = {0};
  pyi_session *s = pyi_session_load_mem(data, size, "fuzz.pyisession", &err);
  if (!s) {
    check_error(&err);
    return 0;
  }
  size_t len1 = 0, len2 = 0;
  char *text1 = pyi_render_string(s, "pyisession", NULL, &len1, NULL, &err);
  if (!text1)
    broken("a loaded session does not save", err.msg);
  pyi_session *again = pyi_session_load_mem(text1, len1, "saved", &err);
  if (!again)
    broken("our own output does not load", err.msg);
  if (pyi_session_record_count(again) != pyi_session_record_count(s))
    broken("records lost in a round trip", "");
  char *text2 = pyi_render_string(again, "pyisession", NULL, &len2, NULL, &err);
  if (!text2)
    broken("a reloaded session does not save", err.msg);
  if (len1 != len2 || memcmp(text1, text2, len1) != 0)
    broken("saving is not stable", "load(save(x)) saves differently");
  free(text1);
  free(text2);
  pyi_session_free(again);
  pyi_session_free(s);
  return 0;
}
