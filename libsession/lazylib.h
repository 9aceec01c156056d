/* lazylib.h - libcmark and PCRE2, opened when first needed.
 *
 * Most programs that use libsession never render Markdown nor match a
 * --hide/--show expression; above all the pyinstrument command, whose
 * every start paid 0.7 ms to load and relocate the two libraries. So
 * libsession does not link them: pyi_cmark_open and pyi_pcre2_open
 * dlopen them by their sonames (found by configure) the first time a
 * renderer or a regular expression needs them, and the macros below let
 * that code call their functions by their own names.
 *
 * The function tables are the library's one exception to "no mutable
 * globals": they are process-wide like the libraries themselves, filled
 * once (pthread_once) and read-only after. */
#ifndef PYI_LAZYLIB_H
#define PYI_LAZYLIB_H

#include <cmark.h>
#include <stddef.h>
#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#include "pyisession.h"

/* Opens libcmark / PCRE2 unless open already. 0, or -1 with 'err' naming
 * the library and what failed; later calls fail the same way. */
int pyi_cmark_open(pyi_error *err);
int pyi_pcre2_open(pyi_error *err);

/* One function a lazy library must provide: its name, and where its
 * address goes. */
struct pyi_lazy_sym {
  const char *name;
  void *slot; /* a function pointer's address */
};
/* Opens 'soname' and resolves every symbol of 'syms' into its slot: 0, or
 * -1 with a one-line error in 'err' (the library, what it is needed for,
 * and dlerror's reason). The library stays open. */
int pyi_lazy_open(const char *soname, const char *purpose,
                  const struct pyi_lazy_sym *syms, size_t n, pyi_error *err);

struct pyi_cmark_fns {
  cmark_node *(*node_new)(cmark_node_type);
  void (*node_free)(cmark_node *);
  int (*node_append_child)(cmark_node *, cmark_node *);
  cmark_node *(*node_first_child)(cmark_node *);
  int (*node_set_literal)(cmark_node *, const char *);
  int (*node_set_heading_level)(cmark_node *, int);
  int (*node_set_list_type)(cmark_node *, cmark_list_type);
  int (*node_set_list_delim)(cmark_node *, cmark_delim_type);
  int (*node_set_list_start)(cmark_node *, int);
  int (*node_set_list_tight)(cmark_node *, int);
  int (*node_set_fence_info)(cmark_node *, const char *);
  char *(*render_html)(cmark_node *, int);
  char *(*render_commonmark)(cmark_node *, int, int);
};

struct pyi_pcre2_fns {
  pcre2_code *(*compile)(PCRE2_SPTR, PCRE2_SIZE, uint32_t, int *,
                         PCRE2_SIZE *, pcre2_compile_context *);
  void (*code_free)(pcre2_code *);
  int (*get_error_message)(int, PCRE2_UCHAR *, PCRE2_SIZE);
  pcre2_match_data *(*match_data_create_from_pattern)(const pcre2_code *,
                                                      pcre2_general_context *);
  void (*match_data_free)(pcre2_match_data *);
  int (*match)(const pcre2_code *, PCRE2_SPTR, PCRE2_SIZE, PCRE2_SIZE,
               uint32_t, pcre2_match_data *, pcre2_match_context *);
};

/* Filled by the open functions; valid once one returned 0. */
extern struct pyi_cmark_fns pyi_cmark_fns;
extern struct pyi_pcre2_fns pyi_pcre2_fns;

#ifndef PYI_LAZYLIB_DEFINE /* lazylib.c itself means the real names */
#define cmark_node_new pyi_cmark_fns.node_new
#define cmark_node_free pyi_cmark_fns.node_free
#define cmark_node_append_child pyi_cmark_fns.node_append_child
#define cmark_node_first_child pyi_cmark_fns.node_first_child
#define cmark_node_set_literal pyi_cmark_fns.node_set_literal
#define cmark_node_set_heading_level pyi_cmark_fns.node_set_heading_level
#define cmark_node_set_list_type pyi_cmark_fns.node_set_list_type
#define cmark_node_set_list_delim pyi_cmark_fns.node_set_list_delim
#define cmark_node_set_list_start pyi_cmark_fns.node_set_list_start
#define cmark_node_set_list_tight pyi_cmark_fns.node_set_list_tight
#define cmark_node_set_fence_info pyi_cmark_fns.node_set_fence_info
#define cmark_render_html pyi_cmark_fns.render_html
#define cmark_render_commonmark pyi_cmark_fns.render_commonmark
#undef pcre2_compile
#undef pcre2_code_free
#undef pcre2_get_error_message
#undef pcre2_match_data_create_from_pattern
#undef pcre2_match_data_free
#undef pcre2_match
#define pcre2_compile pyi_pcre2_fns.compile
#define pcre2_code_free pyi_pcre2_fns.code_free
#define pcre2_get_error_message pyi_pcre2_fns.get_error_message
#define pcre2_match_data_create_from_pattern \
  pyi_pcre2_fns.match_data_create_from_pattern
#define pcre2_match_data_free pyi_pcre2_fns.match_data_free
#define pcre2_match pyi_pcre2_fns.match
#endif

#endif
