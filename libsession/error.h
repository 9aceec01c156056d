/* error.h - filling a pyi_error: one line, file, place, problem. */
#ifndef PYI_ERROR_H
#define PYI_ERROR_H

#include "pyisession.h"

/* Formats the message into 'err' (if not NULL) and returns -1. Control
 * characters in the message are replaced so it stays one line. */
int pyi_fail(pyi_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* pyi_fail for a system call that failed with 'errnum' (PYI_EIO); the
 * caller's message should end with strerror(errnum). */
int pyi_fail_errno(pyi_error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
