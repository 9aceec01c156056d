/* error.c - pyi_fail: the library's single way to report a failure. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

int pyi_fail(pyi_error *err, int code, const char *fmt, ...) {
  if (!err)
    return -1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  for (char *p = err->msg; *p; p++)
    if ((unsigned char)*p < 0x20)
      *p = '?';
  err->code = code;
  return -1;
}
