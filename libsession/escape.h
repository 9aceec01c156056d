/* escape.h - JSON string escaping, table-driven, in the two dialects that
 * pyinstrument's writers use. Input is the library's WTF-8 text. */
#ifndef PYI_ESCAPE_H
#define PYI_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "out.h"

/* json.dumps (ensure_ascii): every non-ASCII character as \uXXXX
 * (lowercase hex, surrogate pairs), for pyisession and speedscope. */
void pyi_json_ascii(pyi_out *o, const char *s, size_t len);
/* json.encoder.encode_basestring: control characters escaped, non-ASCII
 * written as UTF-8, for the JSON renderer and the HTML data. */
void pyi_json_utf8(pyi_out *o, const char *s, size_t len);
/* The same two, into a buffer. */
void pyi_json_ascii_buf(pyi_buf *b, const char *s, size_t len);
void pyi_json_utf8_buf(pyi_buf *b, const char *s, size_t len);
/* HTML text escaping (& < > " '). */
void pyi_html_escape_buf(pyi_buf *b, const char *s, size_t len);

/* Appends the text as valid UTF-8, for formats that require it (pprof
 * strings, Markdown): bytes that are not UTF-8 and lone surrogates become
 * U+FFFD; with 'controls', so do control characters (a newline would end
 * a Markdown paragraph). */
void pyi_utf8_clean_buf(pyi_buf *b, const char *s, size_t len, bool controls);

/* Decodes one WTF-8 sequence at 's' (len bytes available); returns its
 * length and stores the code point; an invalid byte decodes as one byte
 * with code point 0xDC00 + byte (Python's surrogateescape). */
size_t pyi_utf8_next(const char *s, size_t len, unsigned *cp);

#endif
