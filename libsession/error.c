/* error.c - pyi_fail: the library's single way to report a failure. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

static int fail(pyi_error *err, int code, int errnum, const char *fmt,
                va_list ap) {
  if (!err)
    return -1;
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  for (char *p = err->msg; *p; p++)
    if ((unsigned char)*p < 0x20)
      *p = '?';
  err->code = code;
  err->errnum = errnum;
  return -1;
}

int pyi_fail(pyi_error *err, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fail(err, code, 0, fmt, ap);
  va_end(ap);
  return -1;
}

int pyi_fail_errno(pyi_error *err, int errnum, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fail(err, PYI_EIO, errnum, fmt, ap);
  va_end(ap);
  return -1;
}
