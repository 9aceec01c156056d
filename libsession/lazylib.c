/* lazylib.c - opening libcmark and PCRE2 at their first use (lazylib.h). */
#define PYI_LAZYLIB_DEFINE
#include "config.h"

#include "lazylib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#include "error.h"

struct pyi_cmark_fns pyi_cmark_fns;
struct pyi_pcre2_fns pyi_pcre2_fns;

/* Each library's functions: the table's field, the library's name. */
#define CMARK_FUNCS(X)                                                        \
  X(node_new, cmark_node_new)                                                 \
  X(node_free, cmark_node_free)                                               \
  X(node_append_child, cmark_node_append_child)                               \
  X(node_first_child, cmark_node_first_child)                                 \
  X(node_set_literal, cmark_node_set_literal)                                 \
  X(node_set_heading_level, cmark_node_set_heading_level)                     \
  X(node_set_list_type, cmark_node_set_list_type)                             \
  X(node_set_list_delim, cmark_node_set_list_delim)                           \
  X(node_set_list_start, cmark_node_set_list_start)                           \
  X(node_set_list_tight, cmark_node_set_list_tight)                           \
  X(node_set_fence_info, cmark_node_set_fence_info)                           \
  X(render_html, cmark_render_html)                                           \
  X(render_commonmark, cmark_render_commonmark)
#define PCRE2_FUNCS(X)                                                        \
  X(compile, pcre2_compile)                                                   \
  X(code_free, pcre2_code_free)                                               \
  X(get_error_message, pcre2_get_error_message)                               \
  X(match_data_create_from_pattern, pcre2_match_data_create_from_pattern)     \
  X(match_data_free, pcre2_match_data_free)                                   \
  X(match, pcre2_match)

/* every field has its function's own type (a wrong prototype in
 * lazylib.h would otherwise be called through unnoticed) */
#define CHECK(fns, field, f)                                                  \
  _Static_assert(__builtin_types_compatible_p(__typeof__(&(f)),               \
                                              __typeof__((fns).field)),       \
                 #f " differs from its header's prototype");
#define CHECK_CMARK(field, f) CHECK(pyi_cmark_fns, field, f)
#define CHECK_PCRE2(field, f) CHECK(pyi_pcre2_fns, field, f)
CMARK_FUNCS(CHECK_CMARK)
PCRE2_FUNCS(CHECK_PCRE2)

/* the symbol a name stands for (pcre2_compile is pcre2_compile_8) */
#define NAME_OF(f) NAME_OF_(f)
#define NAME_OF_(f) #f
#define CMARK_SYM(field, f) {NAME_OF(f), &pyi_cmark_fns.field},
#define PCRE2_SYM(field, f) {NAME_OF(f), &pyi_pcre2_fns.field},

int pyi_lazy_open(const char *soname, const char *purpose,
                  const struct pyi_lazy_sym *syms, size_t n, pyi_error *err) {
  dlerror();
  void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!h)
    return pyi_fail(err, PYI_EIO, "cannot open %s, which %s needs: %s",
                    soname, purpose, dlerror());
  for (size_t i = 0; i < n; i++) {
    void *f = dlsym(h, syms[i].name);
    if (!f)
      return pyi_fail(err, PYI_EIO, "%s, which %s needs, has no %s", soname,
                      purpose, syms[i].name);
    memcpy(syms[i].slot, &f, sizeof f); /* POSIX: a function's address */
  }
  return 0;
}

/* Each library is opened once per process; its outcome is kept for the
 * callers that come after. */
struct once {
  pthread_once_t once;
  pyi_error err;
  int rc;
};

static struct once cmark_once = {PTHREAD_ONCE_INIT, {0}, 0};
static struct once pcre2_once = {PTHREAD_ONCE_INIT, {0}, 0};

static void open_cmark(void) {
  static const struct pyi_lazy_sym syms[] = {CMARK_FUNCS(CMARK_SYM)};
  cmark_once.rc = pyi_lazy_open(PYI_CMARK_SONAME, "the Markdown output", syms,
                                sizeof syms / sizeof *syms, &cmark_once.err);
}

static void open_pcre2(void) {
  static const struct pyi_lazy_sym syms[] = {PCRE2_FUNCS(PCRE2_SYM)};
  pcre2_once.rc = pyi_lazy_open(PYI_PCRE2_SONAME, "a regular expression",
                                syms, sizeof syms / sizeof *syms,
                                &pcre2_once.err);
}

static int outcome(struct once *o, void (*open)(void), pyi_error *err) {
  pthread_once(&o->once, open);
  if (o->rc && err)
    *err = o->err;
  return o->rc;
}

int pyi_cmark_open(pyi_error *err) {
  return outcome(&cmark_once, open_cmark, err);
}

int pyi_pcre2_open(pyi_error *err) {
  return outcome(&pcre2_once, open_pcre2, err);
}
