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

struct pyi_buf;

/* Reads a line part as Python's int() does (white space around, a sign,
 * digits with single underscores between them, any Unicode decimal
 * digits, at most 4300 of them) and appends the number as str() of it
 * prints it ("-12", "0") to 'out'. Returns false (out unchanged) when
 * int() would fail. */
bool pyi_line_decimal(const char *s, size_t len, struct pyi_buf *out);
/* The same number as an int64; false also when it does not fit. */
bool pyi_parse_line(const char *s, size_t len, int64_t *out);

#endif
