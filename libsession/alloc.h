/* alloc.h - allocation that never returns NULL: on failure the process
 * prints one line and exits, so call sites need no checks. Sizes that come
 * from input are checked against limits before they get here. */
#ifndef PYI_ALLOC_H
#define PYI_ALLOC_H

#include <stddef.h>

void *pyi_xmalloc(size_t n);
void *pyi_xcalloc(size_t count, size_t size);
void *pyi_xrealloc(void *p, size_t n);
/* Grows an array of 'size'-byte items so it holds at least 'need'. */
void *pyi_xgrow(void *p, size_t *cap, size_t need, size_t size);
char *pyi_xstrndup(const char *s, size_t n);
char *pyi_xstrdup(const char *s);

#endif
