/* frameinfo.h - parsing frame-info strings
 * ("function\0file\0line\x01cClass\x01l12\x01h1") into identifier parts and
 * attributes, as pyinstrument's frame_info.py splits them. */
#ifndef PYI_FRAMEINFO_H
#define PYI_FRAMEINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length of the identifier: everything before the first \x01. */
size_t pyi_finfo_ident_len(const char *s, size_t len);

/* Parses the integer text of a line part as Python's int() would (spaces
 * around, sign, underscores between digits). Returns false if it is not an
 * integer or does not fit in 64 bits. */
bool pyi_parse_line(const char *s, size_t len, int64_t *out);

#endif
