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

/* Entries every tool has, for its own getopt_long table. */
#define CLI_OUTFILE_LONG {"outfile", required_argument, 0, 'o'}
#define CLI_COMMON_LONG                                                       \
  {"version", no_argument, 0, OPT_VERSION}, {"help", no_argument, 0, 'h'}

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
      {"no-color", no_argument, 0, OPT_NO_COLOR}, CLI_COMMON_LONG

void cli_render_init(struct cli_render *r);
/* Handles one getopt result if it is a render option; returns true if it
 * was one. Sets '*rc' to CLI_EXIT_USAGE on misuse (message printed). */
bool cli_render_option(struct cli_render *r, int c, const char *arg, int *rc);
/* Checks exclusions, picks the renderer, builds the options map pyinstrument
 * would build. Returns NULL after printing a usage error. */
pyi_opts *cli_render_opts(struct cli_render *r);
/* The options map alone: processor options when 'frame', unicode and
 * colour (defaults: what the output supports) when 'text', then -p.
 * Returns NULL after printing a usage error. */
pyi_opts *cli_options_map(struct cli_render *r, bool frame, bool text);
/* The help text of the render options, and pieces of it for other tools. */
extern const char cli_render_help[];
#define CLI_HELP_P                                                                 \
  "  -p, --render-option=NAME[=VALUE]\n"                                           \
  "                         renderer option; VALUE is JSON or else a string, NAME\n" \
  "                         may be a dotted path (processor_options.filter_threshold)\n"
#define CLI_HELP_FILTERS                                                            \
  "      --hide=GLOB        hide frames whose file path matches GLOB\n"             \
  "      --hide-regex=RE    hide frames whose file path matches RE (Python syntax)\n" \
  "      --show=GLOB        always show frames whose file path matches GLOB\n"      \
  "      --show-regex=RE    always show frames whose file path matches RE\n"        \
  "      --show-all         show everything, library code included\n"
#define CLI_HELP_LOOK                                                               \
  "      --unicode, --no-unicode\n"                                                 \
  "                         box-drawing characters or ASCII (default: as the\n"     \
  "                         output supports)\n"                                     \
  "      --color, --no-color\n"                                                     \
  "                         ANSI colours (default: on for a terminal)\n"
#define CLI_HELP_COMMON                                                             \
  "      --version          print the version and exit\n"                           \
  "  -h, --help             print this help and exit\n"

void cli_set_program(const char *name);
/* "PROG: MESSAGE" on stderr, then a hint to --help; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "PROG: err->msg" on stderr; returns the exit code for the error. */
int cli_fail(const pyi_error *err);
void cli_version(void);
/* Tells where the page is and opens it with $BROWSER or xdg-open. */
void cli_open_in_browser(const char *path);
/* An option no other case took: -h prints 'usage' and --version the
 * version (both stop with CLI_OK); anything else is getopt's error, already
 * printed (CLI_EXIT_USAGE). Returns the exit code. */
int cli_last_option(int c, void (*usage)(void));

/* A progress line on stderr for long work: drawn only when stderr is a
 * terminal, once the work has taken more than a second, at most a few
 * times a second; cli_progress_end erases it. */
struct cli_progress {
  bool tty, shown;
  double start, last;
};
void cli_progress_init(struct cli_progress *p);
void cli_progress_line(struct cli_progress *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cli_progress_end(struct cli_progress *p);

#endif
