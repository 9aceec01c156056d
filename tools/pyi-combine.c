/* pyi-combine - combines session files into one, as pyinstrument's
 * Session.combine does for two. Parses options and calls libsession. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

enum { OPT_SKIP_BAD = OPT_TOOL_BASE };

static void usage(void) {
  printf(
      "Usage: pyi-combine [options] FILE...\n\n"
      "Combines pyinstrument sessions (.pyisession, plain or gzip; - reads\n"
      "stdin) into one, as pyinstrument's Session.combine does for two: the\n"
      "inputs are taken in order of start time, their samples follow one\n"
      "another, durations, sample counts and CPU times add up and sys_path\n"
      "entries are merged. The inputs are read twice and never held in memory\n"
      "(stdin and pipes excepted), so any number of them can be combined.\n\n"
      "Options:\n"
      "  -o, --outfile=FILE     write to FILE instead of stdout, "
      "gzip-compressed\n"
      "                         when FILE ends in .gz (written under a "
      "temporary\n"
      "                         name and renamed when complete)\n"
      "      --skip-bad         report an input that cannot be read and go on\n"
      "                         without it (default: stop, writing nothing)\n"
      "      --version          print the version and exit\n"
      "  -h, --help             print this help and exit\n\n"
      "Progress is shown on stderr when it is a terminal and the work is "
      "long.\n\n"
      "Exit status: 0 success, 1 an unreadable or invalid input (nothing is\n"
      "written), a failed write, or no input left after --skip-bad, 2 bad\n"
      "command line.\n");
}

static void on_skipped(void *ctx, const pyi_error *e) {
  cli_progress_end(ctx);
  fprintf(stderr, "pyi-combine: %s (skipped)\n", e->msg);
}

static void on_progress(void *ctx, const pyi_combine_progress *p) {
  if (p->pass == 1)
    cli_progress_line(ctx, "reading %zu/%zu, %llu samples", p->input + 1,
                      p->inputs, (unsigned long long)p->records);
  else
    cli_progress_line(ctx, "writing %zu/%zu, %llu/%llu samples", p->input + 1,
                      p->inputs, (unsigned long long)p->records,
                      (unsigned long long)p->total_records);
}

int main(int argc, char **argv) {
  static const struct option longopts[] = {
      CLI_OUTFILE_LONG,
      {"skip-bad", no_argument, 0, OPT_SKIP_BAD},
      CLI_COMMON_LONG,
      {0, 0, 0, 0}};
  const char *output = NULL;
  struct cli_progress progress;
  pyi_combine_opts o = {
      .skipped = on_skipped, .progress = on_progress, .ctx = &progress};
  int c;
  cli_set_program(argv[0]);
  while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
    switch (c) {
    case 'o':
      output = optarg;
      break;
    case OPT_SKIP_BAD:
      o.skip_bad = true;
      break;
    default:
      return cli_last_option(c, usage);
    }
  }
  if (optind == argc)
    return cli_usage_error("no session files given");
  pyi_error err = {0};
  cli_progress_init(&progress);
  int rc = pyi_combine_files((const char *const *)argv + optind,
                             (size_t)(argc - optind), output, &o, &err);
  cli_progress_end(&progress);
  return rc ? cli_fail(&err) : CLI_OK;
}
