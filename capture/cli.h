/* cli.h - the parsed command line of `pyinstrument`, shared by cli.c
 * (parsing, checks, help) and run.c (running and reporting). */
#ifndef CAPTURE_CLI_H
#define CAPTURE_CLI_H

#include "capture.h"

/* cli_parse's "stop now, exit status 0" (after --help or --version). */
#define CLI_DONE_OK 1000

struct capture_cli {
  /* option values: borrowed from the argument list or from 'keep' */
  PyObject *load, *load_prev, *module, *program, *outfile, *renderer,
      *description, *hide, *hide_regex, *show, *show_regex;
  PyObject *render_options; /* list of str, in command-line order */
  PyObject *args;           /* the target's arguments (script first) */
  PyObject *keep;           /* values cut out of "--opt=value" and "-ovalue" */
  PyObject *out; /* sys.stdout as the command found it (the report goes
                    there, whatever the program rebinds), or NULL */
  double interval;
  int sampler;        /* CAPTURE_SAMPLER_* */
  int unicode, color; /* -1: not given */
  bool from_path, html, timeline, show_all, timing_thread, subprocesses,
      all_threads;
  bool exiting; /* the process ends with the command (its launchers) */
  bool direct;  /* the report went straight to descriptor 1 */
};

/* How the profiled program ended, when it raised. */
struct capture_outcome {
  PyObject *type, *value, *tb;
  bool program_mode; /* -c: the "<string>" frame is the program's own */
};

/* "pyinstrument: MESSAGE" on stderr (run.c); returns 1. */
int cli_fail(const char *fmt, ...);
/* The pending exception as "pyinstrument: WHAT: EXCEPTION"; returns 1. */
int cli_fail_exception(const char *what);

/* The report cache's folder (new reference). */
PyObject *capture_reports_dir(void);
/* Keeps a text report's session in the report cache of --load-prev, and
 * prints how to see it again; failing here only warns (cache.c). When
 * 'exiting' (the process ends with the command, and stdout is descriptor
 * 1), a session no one else holds is kept while Python finalizes. */
void capture_remember(PyObject *session, bool exiting);

/* Reads the options. Returns 0 to go on, -1 with an exception set, or an
 * exit status (CLI_DONE_OK for 0) after printing help or an error. */
int cli_parse(struct capture_cli *c, PyObject *args);
/* The exclusions of cli.md §2; prints help when there is nothing to do.
 * 'nargs' is the length of the whole argument list. 0 or an exit status. */
int cli_check(struct capture_cli *c, Py_ssize_t nargs);
/* Prints the usage line and "pyinstrument: error: MESSAGE" (formatted as
 * PyUnicode_FromFormat does) to stderr; returns 2. */
int cli_usage_error(const char *fmt, ...);
/* Runs what the options ask for; returns the exit status as an int object,
 * or NULL with the exception to propagate (SystemExit, KeyboardInterrupt
 * of the profiled program, re-raised after its report). */
PyObject *cli_run(struct capture_cli *c);
/* Runs the target under a Profiler (target.c). Returns the session (new
 * reference); sets *rc to an exit status when it could not run the program
 * (then NULL), and fills 'end' when the program raised. */
PyObject *capture_run_target(struct capture_cli *c,
                             struct capture_outcome *end, int *rc);
/* After the report: re-raises SystemExit and KeyboardInterrupt (returns
 * NULL), prints any other exception as Python would and returns 1. */
PyObject *capture_finish_outcome(struct capture_outcome *end);

/* --subprocesses (subproc.c). Before the program starts: makes the
 * children's directory and environment, and watches forks ('profiler' is
 * the command's, stopped in a forked child). 0, or an exit status after a
 * message. */
int capture_subproc_begin(struct capture_cli *c, PyObject *profiler);
/* After the program: waits for its children's sessions and returns the
 * program's 'session' combined with them (steals 'session'; returns a new
 * reference, 'session' itself when there is nothing to add). Notes on
 * stderr name the children left out. */
PyObject *capture_subproc_end(PyObject *session);
/* Whether this process is a fork of the command that came back to it
 * after the program; it then ends as a child: capture_subproc_finish
 * saves its session. */
bool capture_subproc_forked(void);
void capture_subproc_finish(void);

#endif
