/* jsonscan.h - a pull scanner for JSON read in chunks: the session reader
 * walks the top-level object and streams frame_records through it without
 * ever holding the whole document. It decodes strings to WTF-8 (UTF-8 that
 * also carries lone surrogates, which Python writes for undecodable file
 * names), keeps NULs, and accepts Python's NaN/Infinity/-Infinity. */
#ifndef PYI_JSONSCAN_H
#define PYI_JSONSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "pyisession.h"
#include "session.h"

/* Longest single string accepted (a frame name, a path). */
#define PYI_MAX_STRING (64u << 20)

typedef struct pyi_scan {
  /* returns bytes read (0 at the end) or -1 with 'err' filled */
  long (*refill)(void *ctx, char *dst, size_t cap, pyi_error *err);
  void *ctx;
  char *buf;
  size_t pos, end, cap;
  uint64_t consumed; /* bytes before buf[0], for positions in messages */
  bool eof;
  const char *name;
  pyi_error *err;
  long long where_index; /* >= 0: messages say WHERE[index] */
} pyi_scan;

void pyi_scan_init(pyi_scan *sc, const char *name, pyi_error *err);
void pyi_scan_release(pyi_scan *sc);
/* Next non-space byte without consuming it; -1 at the end, -2 on error. */
int pyi_scan_peek(pyi_scan *sc);
/* Consumes 'c' (after spaces) or fails with "expected 'c'". */
int pyi_scan_expect(pyi_scan *sc, char c, const char *where);
/* Reads a string into 'out' (cleared first). */
int pyi_scan_string(pyi_scan *sc, pyi_buf *out, const char *where);
/* Reads a string, returning a pointer to its raw (still escaped) bytes
 * when they are in the buffer, for hashing before decoding. Valid until the
 * next scanner call. */
int pyi_scan_raw_string(pyi_scan *sc, const char **raw, size_t *len,
                        const char *where);
/* Decodes escaped string contents (as returned by pyi_scan_raw_string). */
int pyi_scan_decode(pyi_scan *sc, const char *raw, size_t len, pyi_buf *out,
                    const char *where);
int pyi_scan_number(pyi_scan *sc, pyi_num *out, const char *where);
/* Reads null/true/false: returns 0 for null, 1 false, 2 true; -1 error. */
int pyi_scan_literal(pyi_scan *sc, const char *where);
/* Skips one value of any type (iteratively; nesting is limited). */
int pyi_scan_skip(pyi_scan *sc, const char *where);
/* Fails with "FILE: WHERE: MESSAGE (at byte N)". */
int pyi_scan_fail(pyi_scan *sc, int code, const char *where, const char *msg);
/* Byte offset of the scanner in the input. */
uint64_t pyi_scan_offset(const pyi_scan *sc);

#endif
