/* check_suites.h - the unit-test suites the runner collects, and helpers. */
#ifndef CHECK_SUITES_H
#define CHECK_SUITES_H

#include <check.h>
#include <stddef.h>

#include "pyisession.h"

Suite *intern_suite(void);
Suite *load_suite(void);
Suite *tree_suite(void);
Suite *proc_suite(void);
Suite *text_suite(void);
Suite *misc_suite(void);
Suite *formats_suite(void);
Suite *formats2_suite(void);
Suite *combine_suite(void);
Suite *diff_suite(void);
Suite *tree_api_suite(void);

/* A session from JSON text (NULs written as \u0000 escapes). */
pyi_session *session_from_json(const char *json);
/* Path of a file under tests/data. */
const char *data_path(const char *rel);
/* Path of a conformance case's session (../shared beside the checkout). */
const char *corpus_path(const char *name);
/* Renders to a string with options given as "name=value" pairs (NULL-ended). */
char *render_with(const pyi_session *s, const char *renderer, ...);

#endif
