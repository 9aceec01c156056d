/* floatfmt.h - Python's float repr (shortest round-tripping digits, laid out
 * as Python does) for the writers that must match json.dumps byte for
 * byte: pyisession, speedscope, the HTML data. */
#ifndef PYI_FLOATFMT_H
#define PYI_FLOATFMT_H

#include <stdbool.h>
#include <stddef.h>

/* Writes repr(v) into 'out' (at least 32 bytes); returns its length.
 * NaN and infinities are written as json.dumps does: NaN, Infinity. */
size_t pyi_float_repr(double v, char *out);
/* Room for any pyi_num_repr: an integer-valued double is written with all
 * its digits, up to 309 of them for DBL_MAX. */
#define PYI_NUM_MAX 320
/* A JSON number as Python would write it: repr for floats, plain decimal
 * digits for integers; 'out' holds at least PYI_NUM_MAX bytes. */
size_t pyi_num_repr(double v, bool is_int, char *out);

#endif
