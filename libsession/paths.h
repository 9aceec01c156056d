/* paths.h - POSIX path helpers matching Python's os.path: normpath of an
 * absolute path, relpath, and pyinstrument's shorten_path. */
#ifndef PYI_PATHS_H
#define PYI_PATHS_H

#include "buf.h"

/* os.path.relpath(path, start) with both made absolute against 'cwd'. */
void pyi_relpath(const char *path, const char *start, const char *cwd, pyi_buf *out);

#endif
