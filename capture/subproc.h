/* subproc.h - what subproc.c (the environment, the children's side) and
 * subproc_collect.c (the children's sessions, after the program) share. */
#ifndef CAPTURE_SUBPROC_H
#define CAPTURE_SUBPROC_H

#include "cli.h"

#define LABEL_MAX 160 /* bytes of a process's name, "..." included */

/* "pyinstrument: MESSAGE" (printf-style) on stderr, after flushing what
 * the program wrote; any pending exception is kept. */
void capture_subproc_note(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* The root frame of a process, "LABEL\0<process>\0PID", in 'out'; returns
 * its length (0 when it does not fit). */
size_t capture_process_frame(char *out, size_t cap, const char *label,
                             long pid);

/* The program that the command ran: its session's frames are nested under
 * "LABEL\0<process>\0TOP_PID". */
typedef struct capture_collect {
  const char *dir; /* the shared directory */
  long top_pid;
  const char *label;
  bool program_mode; /* -c PROGRAM: "<string>" is the program itself */
} capture_collect;

/* Waits briefly for the children still writing, names on stderr those
 * that left no session, and returns the program's session 'top' combined
 * with the children's (a new session), or NULL when there were none or
 * combining failed (then after a note). Removes the directory. */
pyi_session *capture_subproc_collect(const capture_collect *c,
                                     pyi_session *top);

#endif
