/* cli.c - the pieces of option handling the tools share (cli.h). */
#include "cli.h"

#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *program = "pyi";

void cli_set_program(const char *name) {
  const char *slash = strrchr(name, '/');
  program = slash ? slash + 1 : name;
}

const char cli_render_help[] =
    "  -r, --renderer=NAME    output format: text, json, pyisession, speedscope,\n"
    "                         pstats, html, markdown, folded, pprof (default: guessed\n"
    "                         from the -o file name, else text)\n"
    "  -o, --outfile=FILE     write to FILE instead of stdout (written under a\n"
    "                         temporary name and renamed when complete)\n"
    "  -p, --render-option=NAME[=VALUE]\n"
    "                         renderer option; VALUE is JSON or else a string, NAME\n"
    "                         may be a dotted path (processor_options.filter_threshold)\n"
    "  -t, --timeline         render samples in time order (no aggregation)\n"
    "      --hide=GLOB        hide frames whose file path matches GLOB\n"
    "      --hide-regex=RE    hide frames whose file path matches RE (Python syntax)\n"
    "      --show=GLOB        always show frames whose file path matches GLOB\n"
    "      --show-regex=RE    always show frames whose file path matches RE\n"
    "      --show-all         show everything, library code included\n"
    "      --unicode, --no-unicode\n"
    "                         box-drawing characters or ASCII (default: as the\n"
    "                         output supports)\n"
    "      --color, --no-color\n"
    "                         ANSI colours (default: on for a terminal)\n"
    "      --version          print the version and exit\n"
    "  -h, --help             print this help and exit\n";

void cli_render_init(struct cli_render *r) {
  memset(r, 0, sizeof *r);
  r->unicode = r->color = -1;
}

bool cli_render_option(struct cli_render *r, int c, const char *arg, int *rc) {
  switch (c) {
  case 'r': r->renderer = arg; return true;
  case 'o': r->output = arg; return true;
  case 'p':
    if (r->n_p == CLI_MAX_P)
      *rc = cli_usage_error("too many -p options");
    else
      r->p[r->n_p++] = arg;
    return true;
  case 't': r->timeline = true; return true;
  case OPT_HIDE: r->hide = arg; return true;
  case OPT_HIDE_REGEX: r->hide_regex = arg; return true;
  case OPT_SHOW: r->show = arg; return true;
  case OPT_SHOW_REGEX: r->show_regex = arg; return true;
  case OPT_SHOW_ALL: r->show_all = true; return true;
  case OPT_UNICODE: r->unicode = 1; return true;
  case OPT_NO_UNICODE: r->unicode = 0; return true;
  case OPT_COLOR: r->color = 1; return true;
  case OPT_NO_COLOR: r->color = 0; return true;
  default: return false;
  }
}

/* What pyinstrument's stdout would support: UTF-8 unless the locale names
 * another character set. */
static bool stdout_unicode(void) {
  setlocale(LC_CTYPE, "");
  const char *cs = nl_langinfo(CODESET);
  bool utf = !cs || strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0 ||
             strcmp(cs, "ANSI_X3.4-1968") == 0; /* the C locale: Python uses UTF-8 */
  setlocale(LC_CTYPE, "C");
  return utf;
}

pyi_opts *cli_render_opts(struct cli_render *r) {
  if (r->hide && r->hide_regex) {
    cli_usage_error("you can't specify both --hide and --hide-regex");
    return NULL;
  }
  if (!!r->show + !!r->show_regex + r->show_all > 1) {
    cli_usage_error("you can only specify one of --show, --show-regex and --show-all");
    return NULL;
  }
  if (!r->renderer)
    r->renderer = pyi_renderer_guess(r->output);
  if (!r->renderer)
    r->renderer = "text";
  if (!pyi_renderer_exists(r->renderer)) {
    cli_usage_error("unknown renderer '%s' (try --help)", r->renderer);
    return NULL;
  }
  pyi_opts *o = pyi_opts_new();
  pyi_error err = {0};
  bool frame = strcmp(r->renderer, "html") && strcmp(r->renderer, "pyisession") &&
               strcmp(r->renderer, "session");
  int rc = 0;
  if (frame) {
    char *hide = r->hide ? pyi_glob_to_regex(r->hide) : NULL;
    char *show = r->show ? pyi_glob_to_regex(r->show) : NULL;
    const char *h = hide ? hide : r->hide_regex;
    const char *s = show ? show : r->show_regex ? r->show_regex : r->show_all ? ".*" : NULL;
    rc |= pyi_opts_set_json(o, "processor_options", "{}", &err);
    rc |= pyi_opts_set_string(o, "processor_options.hide_regex", h, &err);
    rc |= pyi_opts_set_string(o, "processor_options.show_regex", s, &err);
    free(hide);
    free(show);
  }
  if (strcmp(r->renderer, "text") == 0) {
    bool to_file = r->output && strcmp(r->output, "-") != 0;
    int uni = r->unicode >= 0 ? r->unicode : to_file ? 1 : stdout_unicode();
    int col = r->color >= 0 ? r->color : !to_file && isatty(1) && !getenv("NO_COLOR");
    rc |= pyi_opts_set_bool(o, "unicode", uni, &err);
    rc |= pyi_opts_set_bool(o, "color", col, &err);
  }
  if (r->timeline)
    rc |= pyi_opts_set_bool(o, "timeline", true, &err);
  if (r->show_all)
    rc |= pyi_opts_set_bool(o, "show_all", true, &err);
  for (int i = 0; i < r->n_p && !rc; i++) {
    const char *eq = strchr(r->p[i], '=');
    if (!eq) {
      rc = pyi_opts_set_bool(o, r->p[i], true, &err);
      continue;
    }
    char key[256];
    snprintf(key, sizeof key, "%.*s", (int)(eq - r->p[i]), r->p[i]);
    rc = pyi_opts_set(o, key, eq + 1, &err);
  }
  if (!rc)
    rc = pyi_render_check(r->renderer, o, &err);
  if (rc) {
    cli_usage_error("%s", err.msg);
    pyi_opts_free(o);
    return NULL;
  }
  return o;
}

int cli_usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", program);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, " (see %s --help)\n", program);
  va_end(ap);
  return CLI_EXIT_USAGE;
}

int cli_fail(const pyi_error *err) {
  fprintf(stderr, "%s: %s\n", program, err->msg[0] ? err->msg : "failed");
  return err->code == PYI_EARG ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
}

void cli_version(void) {
  printf("%s %s (pyi-tools; pyinstrument %s formats)\n", program, PYI_VERSION,
         PYI_COMPAT_VERSION);
}

void cli_open_in_browser(const char *path) {
  printf("stdout is a terminal, so saved profile output to %s\n", path);
  fflush(stdout);
  const char *browser = getenv("BROWSER");
  pid_t pid = fork();
  if (pid == 0) {
    setsid(); /* outlive the terminal this tool was started from */
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
      dup2(null, 1);
      dup2(null, 2);
    }
    char url[4200];
    snprintf(url, sizeof url, "file://%s", path);
    if (browser && *browser)
      execlp(browser, browser, url, (char *)NULL);
    execlp("xdg-open", "xdg-open", url, (char *)NULL);
    _exit(127);
  }
}
