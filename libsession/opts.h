/* opts.h - renderer options: a cJSON object built the way pyinstrument's
 * '-p' builds its options dict, and typed readers for renderers. */
#ifndef PYI_OPTS_H
#define PYI_OPTS_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "proc.h"
#include "pyisession.h"

struct pyi_opts {
  cJSON *root; /* an object */
};

/* The value of a top-level option, or NULL. */
const cJSON *pyi_opt(const pyi_opts *o, const char *name);
/* Python truthiness of an option (false when absent). */
bool pyi_opt_bool(const pyi_opts *o, const char *name, bool dflt);
/* A string option, or NULL when absent or not a string. */
const char *pyi_opt_string(const pyi_opts *o, const char *name);
/* processor_options read into 'p'; fails when it is not an object or a
 * value has the wrong type. */
int pyi_opt_proc(const pyi_opts *o, pyi_proc_opts *p, pyi_error *err);
/* The same read from the top level of 'o' (a processor options map, as
 * pyinstrument's processors take it; other keys are ignored). */
int pyi_opt_proc_map(const pyi_opts *o, pyi_proc_opts *p, pyi_error *err);
/* Fails (PYI_EARG) naming the first option not in 'allowed'
 * (NULL-terminated), as pyinstrument's renderer constructors do. */
int pyi_opts_only(const pyi_opts *o, const char *const *allowed,
                  const char *renderer, pyi_error *err);

#endif
