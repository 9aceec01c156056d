/* cli.h - what the command-line tools share: exit codes, the render
 * options they all take (pyinstrument's names), and error printing. */
#ifndef PYI_CLI_H
#define PYI_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "pyisession.h"

enum cli_exit {
  CLI_OK = 0,
  CLI_EXIT_FAIL = 1,  /* bad input data, I/O failure */
  CLI_EXIT_USAGE = 2, /* bad command line or option */
  CLI_EXIT_REGRESSION = 3, /* pyi-diff --fail-on-regression */
  CLI_CONTINUE = -1,  /* parsing went fine, go on */
};

#define CLI_MAX_P 256

/* Options that shape a rendering (pyi-render, pyi-diff). */
struct cli_render {
  const char *renderer; /* -r, NULL: guess from -o, else text */
  const char *output;   /* -o, NULL: stdout */
  const char *p[CLI_MAX_P];
  int n_p;
  bool timeline, show_all;
  const char *hide, *hide_regex, *show, *show_regex;
  int unicode, color; /* -1 auto, 0 off, 1 on */
};

/* getopt_long codes for long-only options */
enum {
  OPT_HIDE = 1000, OPT_HIDE_REGEX, OPT_SHOW, OPT_SHOW_REGEX, OPT_SHOW_ALL,
  OPT_UNICODE, OPT_NO_UNICODE, OPT_COLOR, OPT_NO_COLOR, OPT_VERSION,
  OPT_TOOL_BASE = 1100, /* tools number their own options from here */
};

/* The render options as getopt_long entries, and their short letters. */
#define CLI_RENDER_SHORT "r:o:p:t"
#define CLI_RENDER_LONG                                                       \
  {"renderer", required_argument, 0, 'r'},                                    \
      {"outfile", required_argument, 0, 'o'},                                 \
      {"render-option", required_argument, 0, 'p'},                           \
      {"timeline", no_argument, 0, 't'},                                      \
      {"hide", required_argument, 0, OPT_HIDE},                               \
      {"hide-regex", required_argument, 0, OPT_HIDE_REGEX},                   \
      {"show", required_argument, 0, OPT_SHOW},                               \
      {"show-regex", required_argument, 0, OPT_SHOW_REGEX},                   \
      {"show-all", no_argument, 0, OPT_SHOW_ALL},                             \
      {"unicode", no_argument, 0, OPT_UNICODE},                               \
      {"no-unicode", no_argument, 0, OPT_NO_UNICODE},                         \
      {"color", no_argument, 0, OPT_COLOR},                                   \
      {"no-color", no_argument, 0, OPT_NO_COLOR},                             \
      {"version", no_argument, 0, OPT_VERSION},                               \
      {"help", no_argument, 0, 'h'}

void cli_render_init(struct cli_render *r);
/* Handles one getopt result if it is a render option; returns true if it
 * was one. Sets '*rc' to CLI_EXIT_USAGE on misuse (message printed). */
bool cli_render_option(struct cli_render *r, int c, const char *arg, int *rc);
/* Checks exclusions, picks the renderer, builds the options map pyinstrument
 * would build. Returns NULL after printing a usage error. */
pyi_opts *cli_render_opts(struct cli_render *r);
/* The help text of the render options. */
extern const char cli_render_help[];

void cli_set_program(const char *name);
/* "PROG: MESSAGE" on stderr, then a hint to --help; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "PROG: err->msg" on stderr; returns the exit code for the error. */
int cli_fail(const pyi_error *err);
void cli_version(void);
/* Tells where the page is and opens it with $BROWSER or xdg-open. */
void cli_open_in_browser(const char *path);

#endif
