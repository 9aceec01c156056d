/* pyi-render - renders a .pyisession file, as `pyinstrument --load` does.
 * Parses options and calls libsession; nothing else. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void usage(void) {
  printf("Usage: pyi-render [options] FILE|-\n\n"
         "Renders a pyinstrument session (.pyisession, plain or gzip; - reads\n"
         "stdin) as a report.\n\nOptions:\n%s\n"
         "Exit status: 0 success, 1 unreadable or invalid input or a failed write,\n"
         "2 bad command line or renderer option.\n",
         cli_render_help);
}

int main(int argc, char **argv) {
  static const struct option longopts[] = {CLI_RENDER_LONG, {0, 0, 0, 0}};
  struct cli_render r;
  int c, rc = CLI_CONTINUE;
  cli_set_program(argv[0]);
  cli_render_init(&r);
  while ((c = getopt_long(argc, argv, "+" CLI_RENDER_SHORT "h", longopts, NULL)) != -1) {
    if (cli_render_option(&r, c, optarg, &rc))
      continue;
    return cli_last_option(c, usage);
  }
  if (rc != CLI_CONTINUE)
    return rc;
  if (optind != argc - 1)
    return cli_usage_error(optind == argc ? "no session file given"
                                          : "only one session file can be rendered");
  pyi_opts *o = cli_render_opts(&r);
  if (!o)
    return CLI_EXIT_USAGE;
  if (pyi_renderer_is_binary(r.renderer) && !r.output && isatty(1)) {
    pyi_opts_free(o);
    return cli_usage_error("can't write binary output to a terminal; use -o FILE");
  }
  /* an HTML page for a terminal goes to a new file that a browser opens,
   * as pyinstrument does */
  char page[] = "/tmp/pyi-report-XXXXXX.html";
  bool open_page = strcmp(r.renderer, "html") == 0 && !r.output && isatty(1);
  if (open_page) {
    int fd = mkstemps(page, 5);
    if (fd < 0) {
      pyi_opts_free(o);
      perror("pyi-render: cannot create a temporary file");
      return CLI_EXIT_FAIL;
    }
    close(fd);
    r.output = page;
  }
  pyi_error err = {0};
  if (pyi_render_path(argv[optind], r.renderer, o, r.output, stderr, &err)) {
    rc = cli_fail(&err);
    if (open_page)
      unlink(page);
  } else
    rc = CLI_OK;
  if (rc == CLI_OK && open_page)
    cli_open_in_browser(page);
  pyi_opts_free(o);
  return rc;
}
