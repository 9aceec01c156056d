/* pyi-diff - what got slower or faster between two sessions: both go
 * through the same processors and their call trees are compared call path
 * by call path. Parses options and calls libsession. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { OPT_NORMALIZE = OPT_TOOL_BASE, OPT_THRESHOLD, OPT_TOP, OPT_FAIL };

static void usage(void) {
  printf(
      "Usage: pyi-diff [options] BASE NEW\n\n"
      "Compares two pyinstrument sessions (.pyisession, plain or gzip; - "
      "reads\n"
      "stdin): usually two recordings of one program, before and after a "
      "change.\n"
      "Both go through the same processors as a pyi-render report; their call\n"
      "trees are lined up call path by call path and each path shows its base\n"
      "time, new time and the change, biggest changes first. Paths found on "
      "one\n"
      "side only are marked added or removed.\n\n"
      "Options:\n"
      "  -r, --renderer=FORMAT  text, markdown, json or html (default: guessed "
      "from\n"
      "                         the -o file name: .txt, .md, .json, .html; "
      "else text)\n"
      "  -o, --outfile=FILE     write to FILE instead of stdout (written under "
      "a\n"
      "                         temporary name and renamed when complete)\n"
      "      --normalize        compare each path's share of its session's "
      "total\n"
      "                         instead of seconds (for runs of different "
      "length)\n"
      "      --threshold=PCT    leave out changes smaller than PCT percent of "
      "the\n"
      "                         larger total (default 1; 0 shows every path)\n"
      "      --top=N            list N top regressions and improvements "
      "(default 10)\n"
      "      --fail-on-regression=PCT\n"
      "                         exit with status 3 when the total, or a call "
      "path\n"
      "                         that changed by at least the threshold, got "
      "slower\n"
      "                         by more than PCT percent (a new path counts "
      "as\n"
      "                         infinitely slower); the report is written "
      "first\n" CLI_HELP_P "                         (these apply: show_all, "
                           "processor_options.*, unicode,\n"
      "                         color; filter_threshold defaults to 0 "
      "here)\n" CLI_HELP_FILTERS CLI_HELP_LOOK CLI_HELP_COMMON
      "\nExit status: 0 success, 1 unreadable or invalid input or a failed "
      "write,\n"
      "2 bad command line or option, 3 a regression beyond "
      "--fail-on-regression.\n");
}

/* A number argument in [min, max] (a whole one if 'whole'); prints the
 * usage error itself. */
static bool number_arg(const char *name, const char *arg, double min,
                       double max, bool whole, double *out) {
  char *end;
  double v = strtod(arg, &end);
  if (end == arg || *end || !(v >= min && v <= max) ||
      (whole && v != floor(v))) {
    cli_usage_error("--%s wants a %s from %g to %g, not '%s'", name,
                    whole ? "whole number" : "number", min, max, arg);
    return false;
  }
  *out = v;
  return true;
}

/* One line saying which path broke the gate. */
static void regression_line(const pyi_diff_node *n, double limit) {
  const char *name =
      pyi_diff_node_parent(n) ? pyi_diff_node_name(n) : "the total";
  const char *loc = pyi_diff_node_location(n);
  double pct = pyi_diff_node_percent(n);
  fprintf(stderr, "pyi-diff: regression: %s%s%s%s ", name, *loc ? " (" : "",
          loc, *loc ? ")" : "");
  if (isnan(pct))
    fprintf(stderr, "is new (+%g), the limit is %g%%\n", pyi_diff_node_delta(n),
            limit);
  else
    fprintf(stderr, "got %.1f%% slower, more than %g%%\n", pct, limit);
}

int main(int argc, char **argv) {
  static const struct option longopts[] = {
      CLI_RENDER_LONG,
      {"normalize", no_argument, 0, OPT_NORMALIZE},
      {"threshold", required_argument, 0, OPT_THRESHOLD},
      {"top", required_argument, 0, OPT_TOP},
      {"fail-on-regression", required_argument, 0, OPT_FAIL},
      {0, 0, 0, 0}};
  struct cli_render r;
  pyi_diff_opts o = {0};
  double gate = -1, v;
  int c, rc = CLI_CONTINUE;
  cli_set_program(argv[0]);
  cli_render_init(&r);
  while ((c = getopt_long(argc, argv, CLI_RENDER_SHORT "h", longopts, NULL)) !=
         -1) {
    if (c == 't')
      return cli_usage_error(
          "pyi-diff compares aggregated call trees: --timeline does not apply");
    if (cli_render_option(&r, c, optarg, &rc))
      continue;
    switch (c) {
    case OPT_NORMALIZE:
      o.normalize = true;
      continue;
    case OPT_THRESHOLD:
      if (!number_arg("threshold", optarg, 0, 100, false, &v))
        return CLI_EXIT_USAGE;
      o.threshold = v > 0 ? v : -1; /* the library's "no threshold" */
      continue;
    case OPT_TOP:
      if (!number_arg("top", optarg, 1, 1e6, true, &v))
        return CLI_EXIT_USAGE;
      o.top = (int)v;
      continue;
    case OPT_FAIL:
      if (!number_arg("fail-on-regression", optarg, 0, 1e9, false, &gate))
        return CLI_EXIT_USAGE;
      continue;
    default:
      return cli_last_option(c, usage);
    }
  }
  if (rc != CLI_CONTINUE)
    return rc;
  if (argc - optind != 2)
    return cli_usage_error(argc - optind < 2
                               ? "two session files are needed: BASE NEW"
                               : "only two sessions can be compared");
  const char *format =
      r.renderer ? r.renderer : pyi_diff_format_guess(r.output);
  if (!format)
    format = "text";
  if (!pyi_diff_format_exists(format))
    return cli_usage_error("unknown format '%s': text, markdown, json or html",
                           format);
  if (!strcmp(argv[optind], "-") && !strcmp(argv[optind + 1], "-"))
    return cli_usage_error("stdin ('-') can be read only once");
  pyi_opts *map = cli_options_map(&r, true, strcmp(format, "text") == 0);
  if (!map)
    return CLI_EXIT_USAGE;
  o.opts = map;
  o.base_name = argv[optind];
  o.new_name = argv[optind + 1];
  pyi_error err = {0};
  if (pyi_diff_check(&o, &err)) {
    pyi_opts_free(map);
    return cli_usage_error("%s", err.msg);
  }
  pyi_session *base = pyi_session_load(argv[optind], &err), *new_ = NULL;
  pyi_diff *d = NULL;
  if (base)
    new_ = pyi_session_load(argv[optind + 1], &err);
  if (new_)
    d = pyi_diff_new(base, new_, &o, &err);
  pyi_session_free(base);
  pyi_session_free(new_);
  if (!d || pyi_diff_render_file(d, format, r.output, &err) != 0)
    rc = cli_fail(&err);
  else if (gate >= 0 && pyi_diff_gate_check(d, &err) != 0)
    rc = cli_fail(&err);
  else {
    rc = CLI_OK;
    const pyi_diff_node *bad = gate >= 0 ? pyi_diff_regression(d, gate) : NULL;
    if (bad) {
      regression_line(bad, gate);
      rc = CLI_EXIT_REGRESSION;
    }
  }
  pyi_diff_free(d);
  pyi_opts_free(map);
  return rc;
}
