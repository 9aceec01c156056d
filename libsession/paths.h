/* paths.h - POSIX path helpers matching Python's os.path: normpath of an
 * absolute path, relpath, and pyinstrument's shorten_path. */
#ifndef PYI_PATHS_H
#define PYI_PATHS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* os.path.relpath(path, start) with both made absolute against 'cwd'. */
void pyi_relpath(const char *path, const char *start, const char *cwd, pyi_buf *out);

/* Whether Python's re.match(".*" + PATTERN, path) matches for a pattern
 * of the kind pyinstrument uses to find its command-line frames, given
 * here as 'tail' where '.' is any character but a newline and '/' is
 * either slash: "pyinstrument/__main__.py" is .*pyinstrument[/\\]__main__.py
 * and "runpy.py" is .*runpy.py. (No regular-expression engine, so that
 * the common reports never need to load one.) */
bool pyi_path_match_tail(const char *path, size_t len, const char *tail);
#define PYI_MAIN_TAIL "pyinstrument/__main__.py"
#define PYI_RUNPY_TAIL "runpy.py"

#endif
