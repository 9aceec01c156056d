/* cli.c - the pyinstrument command's options, read as Python's optparse
 * reads them (cli.md §1-2): options only before the first positional
 * argument, unambiguous prefixes of long options, clustered short options,
 * -m and -c swallowing the rest of the line. run.c does the work.
 */
#include "capture.h"

#include <stdarg.h>
#include <string.h>

#include "cli.h"

enum {
  O_VERSION, O_HELP, O_LOAD, O_LOAD_PREV, O_MODULE, O_PROGRAM, O_FROM_PATH,
  O_OUTFILE, O_RENDERER, O_RENDER_OPTION, O_HTML, O_TIMELINE, O_DESCRIPTION,
  O_HIDE, O_HIDE_REGEX, O_SHOW, O_SHOW_REGEX, O_SHOW_ALL, O_UNICODE,
  O_NO_UNICODE, O_COLOR, O_NO_COLOR, O_INTERVAL, O_TIMING_THREAD, O_SAMPLER,
  O_SUBPROCESSES,
  O_ALL_THREADS,
};

static const struct cli_option {
  const char *name; /* long form, NULL if none */
  char letter;      /* short form, 0 if none */
  bool value;
  int id;
  const char *metavar, *help; /* help NULL: not listed */
} options[] = {
    {"--version", 0, false, O_VERSION, NULL, "show the version and exit"},
    {"--help", 'h', false, O_HELP, NULL, "show this help and exit"},
    {"--load", 0, true, O_LOAD, "FILENAME",
     "render a saved .pyisession file instead of running a program"},
    {"--load-prev", 0, true, O_LOAD_PREV, "IDENTIFIER",
     "render a report kept from an earlier run (the identifier is printed "
     "after a text report)"},
    {NULL, 'm', true, O_MODULE, "MODULE",
     "run a library module as a script, like 'python -m MODULE'; the rest of "
     "the command line goes to the module"},
    {NULL, 'c', true, O_PROGRAM, "PROGRAM",
     "run PROGRAM as 'python -c PROGRAM' does; the rest of the command line "
     "goes to it"},
    {"--from-path", 0, false, O_FROM_PATH, NULL,
     "(POSIX) find scriptfile in $PATH instead of the working directory"},
    {"--outfile", 'o', true, O_OUTFILE, "OUTFILE",
     "write the report to OUTFILE instead of stdout"},
    {"--renderer", 'r', true, O_RENDERER, "RENDERER",
     "the report format: text, html, json, speedscope, pyisession, pstats "
     "(and this build's extras), or the import path of a renderer class "
     "(package.module.Class). Default: guessed from the -o file name, else "
     "text"},
    {"--render-option", 'p', true, O_RENDER_OPTION, "RENDER_OPTION",
     "a renderer option, NAME or NAME=VALUE (VALUE is JSON, or else a "
     "string); NAME may be a dotted path such as "
     "processor_options.filter_threshold. Repeatable"},
    {"--html", 0, false, O_HTML, NULL, NULL},
    {"--timeline", 't', false, O_TIMELINE, NULL,
     "render the samples in time order instead of aggregating repeated calls"},
    {"--target-description", 0, true, O_DESCRIPTION, "TARGET_DESCRIPTION",
     "the report's title; {args} stands for the program's arguments. "
     "Default: 'Program: {args}'"},
    {"--hide", 0, true, O_HIDE, "EXPR",
     "hide frames whose file path matches this glob pattern"},
    {"--hide-regex", 0, true, O_HIDE_REGEX, "REGEX",
     "hide frames whose file path matches this regular expression"},
    {"--show", 0, true, O_SHOW, "EXPR",
     "always show frames whose file path matches this glob pattern, e.g. "
     "'*/<library>/*'"},
    {"--show-regex", 0, true, O_SHOW_REGEX, "REGEX",
     "always show frames whose file path matches this regular expression"},
    {"--show-all", 0, false, O_SHOW_ALL, NULL,
     "show every frame, library code included"},
    {"--unicode", 0, false, O_UNICODE, NULL,
     "(text) draw the tree with box-drawing characters"},
    {"--no-unicode", 0, false, O_NO_UNICODE, NULL,
     "(text) draw the tree with ASCII characters"},
    {"--color", 0, false, O_COLOR, NULL, "(text) use ANSI colours"},
    {"--no-color", 0, false, O_NO_COLOR, NULL, "(text) no colours"},
    {"--interval", 'i', true, O_INTERVAL, "INTERVAL",
     "the minimum time between samples, in seconds. Default: 0.001"},
    {"--use-timing-thread", 0, false, O_TIMING_THREAD, NULL,
     "read the time from a helper thread instead of the clock (cheaper "
     "where reading the clock is slow)"},
    {"--sampler", 0, true, O_SAMPLER, "SAMPLER",
     "'timer' (default): no profile hook, a helper thread asks for each "
     "sample, so the program runs at nearly full speed; a C function is "
     "not named when its callable was computed by an expression (its time "
     "goes to the line that called it). 'hook': pyinstrument's profile "
     "hook, exactly as pyinstrument samples; the program runs 2-3 times "
     "slower"},
    {"--all-threads", 0, false, O_ALL_THREADS, NULL,
     "sample every thread, each under a root frame naming it (threads "
     "started and ended during the run included); by default only the "
     "main thread is sampled"},
    {"--subprocesses", 0, false, O_SUBPROCESSES, NULL,
     "also profile the program's Python child processes (multiprocessing, "
     "and subprocess running a Python) with the same options; each one "
     "appears in the report under a frame naming it"},
};
#define N_OPTIONS (sizeof options / sizeof *options)

#define USAGE "Usage: pyinstrument [options] scriptfile [arg] ..."

int cli_usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  PyObject *msg = PyUnicode_FromFormatV(fmt, ap);
  va_end(ap);
  capture_flush_std();
  if (msg)
    PySys_FormatStderr(USAGE "\n\npyinstrument: error: %U\n", msg);
  Py_XDECREF(msg);
  PyErr_Clear();
  return 2;
}

/* optparse's layout: the option column is 24 wide, text wrapped at 79. */
#define INDENT "                        "
static void print_help(void) {
  PyObject *out = PyUnicode_FromString(
      USAGE "\n"
            "       pyinstrument [options] -m module [arg] ...\n"
            "       pyinstrument [options] -c program [arg] ...\n"
            "       pyinstrument [options] --load FILENAME | --load-prev ID\n"
            "\nRuns a Python program under a statistical profiler and prints "
            "where its\ntime went.\n\nOptions:\n");
  for (size_t i = 0; out && i < N_OPTIONS; i++) {
    const struct cli_option *o = &options[i];
    if (!o->help)
      continue;
    char head[80];
    int n = 0;
    if (o->letter)
      n += snprintf(head + n, sizeof head - (size_t)n, "-%c%s%s%s", o->letter,
                    o->value ? " " : "", o->value ? o->metavar : "",
                    o->name ? ", " : "");
    if (o->name)
      n += snprintf(head + n, sizeof head - (size_t)n, "%s%s%s", o->name,
                    o->value ? "=" : "", o->value ? o->metavar : "");
    char padded[96];
    snprintf(padded, sizeof padded, "  %-22s", head);
    PyObject *line = PyUnicode_FromString(padded);
    const char *h = o->help;
    size_t col = 24;
    if (n > 21) { /* the text starts on the next line */
      PyUnicode_AppendAndDel(&line, PyUnicode_FromString("\n"));
      PyUnicode_AppendAndDel(&line, PyUnicode_FromString(INDENT));
    }
    while (line && *h) { /* word wrap */
      const char *sp = strchr(h, ' ');
      size_t w = sp ? (size_t)(sp - h) : strlen(h);
      if (col > 24 && col + 1 + w > 79) {
        PyUnicode_AppendAndDel(&line, PyUnicode_FromString("\n" INDENT));
        col = 24;
      } else if (col > 24) {
        PyUnicode_AppendAndDel(&line, PyUnicode_FromString(" "));
        col++;
      }
      PyUnicode_AppendAndDel(&line, PyUnicode_FromStringAndSize(h, (Py_ssize_t)w));
      col += w;
      h += w + (sp ? 1 : 0);
    }
    PyUnicode_AppendAndDel(&line, PyUnicode_FromString("\n"));
    PyUnicode_AppendAndDel(&out, line);
  }
  if (out) {
    PyObject *f = PySys_GetObject("stdout");
    if (f)
      capture_write(f, out);
  }
  Py_XDECREF(out);
  PyErr_Clear();
}

static const struct cli_option *find_letter(char c) {
  for (size_t i = 0; i < N_OPTIONS; i++)
    if (options[i].letter == c)
      return &options[i];
  return NULL;
}

/* Exact match or unique prefix, else a usage error (returns NULL, sets
 * *rc). */
static const struct cli_option *find_long(const char *arg, size_t len,
                                          int *rc) {
  const struct cli_option *hit = NULL;
  int n = 0;
  for (size_t i = 0; i < N_OPTIONS; i++) {
    const char *name = options[i].name;
    if (!name || strncmp(name, arg, len) != 0)
      continue;
    if (strlen(name) == len)
      return &options[i];
    hit = &options[i];
    n++;
  }
  if (n == 1)
    return hit;
  PyObject *opt = PyUnicode_FromStringAndSize(arg, (Py_ssize_t)len);
  if (n == 0) {
    *rc = cli_usage_error("no such option: %U", opt);
  } else { /* optparse lists the candidates sorted */
    PyObject *list = PyList_New(0), *sep = PyUnicode_FromString(", ");
    for (size_t i = 0; list && i < N_OPTIONS; i++)
      if (options[i].name && strncmp(options[i].name, arg, len) == 0) {
        PyObject *s = PyUnicode_FromString(options[i].name);
        if (!s || PyList_Append(list, s))
          Py_CLEAR(list);
        Py_XDECREF(s);
      }
    PyObject *joined = list && PyList_Sort(list) == 0 && sep
                           ? PyUnicode_Join(sep, list)
                           : NULL;
    *rc = cli_usage_error("ambiguous option: %U (%U?)", opt, joined);
    Py_XDECREF(list);
    Py_XDECREF(sep);
    Py_XDECREF(joined);
  }
  Py_XDECREF(opt);
  return NULL;
}

/* A list of the items of 'args' from index 'from' on (new reference). */
static PyObject *rest(PyObject *args, Py_ssize_t from) {
  return PyList_GetSlice(args, from, PyList_GET_SIZE(args));
}

/* Applies one option; 'value' is borrowed. Returns 0, or an exit status. */
static int apply(struct capture_cli *c, const struct cli_option *o,
                 const char *spelled, PyObject *value, PyObject *args,
                 Py_ssize_t *next) {
  switch (o->id) {
  case O_VERSION: {
    PyObject *v = PySys_GetObject("version_info");
    PyObject *ver = v ? PyUnicode_FromFormat(
                            "%S.%S.%S", PyTuple_GetItem(v, 0),
                            PyTuple_GetItem(v, 1), PyTuple_GetItem(v, 2))
                      : NULL;
    if (ver)
      PySys_FormatStdout("pyinstrument %s, on Python %U (pyi-tools %s)\n",
                         CAPTURE_VERSION, ver, PYI_VERSION);
    Py_XDECREF(ver);
    PyErr_Clear();
    return CLI_DONE_OK;
  }
  case O_HELP:
    print_help();
    return CLI_DONE_OK;
  case O_LOAD: c->load = value; break;
  case O_LOAD_PREV: c->load_prev = value; break;
  case O_MODULE:
  case O_PROGRAM: /* the rest of the line belongs to the module/program */
    *(o->id == O_MODULE ? &c->module : &c->program) = value;
    Py_XSETREF(c->args, rest(args, *next));
    *next = PyList_GET_SIZE(args);
    if (!c->args)
      return -1;
    break;
  case O_FROM_PATH: c->from_path = true; break;
  case O_OUTFILE: c->outfile = value; break;
  case O_RENDERER: c->renderer = value; break;
  case O_RENDER_OPTION:
    if (PyList_Append(c->render_options, value))
      return -1;
    break;
  case O_HTML: c->html = true; break;
  case O_TIMELINE: c->timeline = true; break;
  case O_DESCRIPTION: c->description = value; break;
  case O_HIDE: c->hide = value; break;
  case O_HIDE_REGEX: c->hide_regex = value; break;
  case O_SHOW: c->show = value; break;
  case O_SHOW_REGEX: c->show_regex = value; break;
  case O_SHOW_ALL: c->show_all = true; break;
  case O_UNICODE: c->unicode = 1; break;
  case O_NO_UNICODE: c->unicode = 0; break;
  case O_COLOR: c->color = 1; break;
  case O_NO_COLOR: c->color = 0; break;
  case O_INTERVAL: {
    PyObject *f = PyFloat_FromString(value);
    if (!f) {
      PyErr_Clear();
      return cli_usage_error("option %s: invalid floating-point value: %R",
                             spelled, value);
    }
    c->interval = PyFloat_AS_DOUBLE(f);
    Py_DECREF(f);
    break;
  }
  case O_TIMING_THREAD: c->timing_thread = true; break;
  case O_SUBPROCESSES: c->subprocesses = true; break;
  case O_ALL_THREADS: c->all_threads = true; break;
  case O_SAMPLER:
    if ((c->sampler = capture_parse_sampler(value)) < 0) {
      PyErr_Clear();
      return cli_usage_error("option %s: invalid choice: %R (choose from "
                             "'hook', 'timer')",
                             spelled, value);
    }
    break;
  }
  return 0;
}

/* Takes an option's value: the attached text, or the next argument. */
static PyObject *take_value(PyObject *args, Py_ssize_t *next,
                            PyObject *attached, const char *spelled,
                            int *rc) {
  if (attached)
    return attached;
  if (*next >= PyList_GET_SIZE(args)) {
    *rc = cli_usage_error("%s option requires 1 argument", spelled);
    return NULL;
  }
  return PyList_GET_ITEM(args, (*next)++);
}

int cli_parse(struct capture_cli *c, PyObject *args) {
  Py_ssize_t i = 0, n = PyList_GET_SIZE(args);
  PyObject *keep = PyList_New(0); /* values cut out of arguments */
  int rc = 0;
  c->keep = keep;
  if (!keep)
    return -1;
  while (rc == 0 && i < n) {
    PyObject *item = PyList_GET_ITEM(args, i);
    const char *a = PyUnicode_Check(item) ? PyUnicode_AsUTF8(item) : NULL;
    if (!a) { /* not text we can read as an option: a positional */
      PyErr_Clear();
      break;
    }
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (a[0] != '-' || a[1] == '\0')
      break; /* the first positional ends the options */
    i++;
    if (a[1] == '-') {
      const char *eq = strchr(a, '=');
      size_t len = eq ? (size_t)(eq - a) : strlen(a);
      const struct cli_option *o = find_long(a, len, &rc);
      if (!o)
        break;
      PyObject *attached = NULL;
      if (eq) {
        attached = PyUnicode_FromString(eq + 1);
        if (!attached || PyList_Append(keep, attached)) {
          Py_XDECREF(attached);
          return -1;
        }
        Py_DECREF(attached);
        if (!o->value) {
          rc = cli_usage_error("%s option does not take a value", o->name);
          break;
        }
      }
      PyObject *value = NULL;
      if (o->value && !(value = take_value(args, &i, attached, o->name, &rc)))
        break;
      rc = apply(c, o, o->name, value, args, &i);
      continue;
    }
    for (const char *p = a + 1; *p && rc == 0; p++) { /* -tojson.out */
      char spelled[3] = {'-', *p, 0};
      const struct cli_option *o = find_letter(*p);
      if (!o) {
        PyObject *s = PyUnicode_FromStringAndSize(spelled, 2);
        rc = cli_usage_error("no such option: %U", s);
        Py_XDECREF(s);
        break;
      }
      PyObject *attached = NULL, *value = NULL;
      if (o->value && p[1]) {
        if (!(attached = PyUnicode_FromString(p + 1)) ||
            PyList_Append(keep, attached)) {
          Py_XDECREF(attached);
          return -1;
        }
        Py_DECREF(attached);
      }
      if (o->value && !(value = take_value(args, &i, attached, spelled, &rc)))
        break;
      rc = apply(c, o, spelled, value, args, &i);
      if (o->value)
        break;
    }
  }
  if (rc)
    return rc;
  if (!c->module && !c->program) {
    Py_XSETREF(c->args, rest(args, i));
    if (!c->args)
      return -1;
  }
  return 0;
}

/* The checks of cli.md §2 once all options are read. */
int cli_check(struct capture_cli *c, Py_ssize_t nargs) {
  bool script = !c->module && !c->program && PyList_GET_SIZE(c->args) > 0;
  if (nargs == 0 ||
      (!script && !c->module && !c->program && !c->load && !c->load_prev)) {
    print_help();
    return 2;
  }
  if (!!c->load + !!c->load_prev + !!c->module + !!c->program + script > 1)
    return cli_usage_error("You can only specify one of --load, --load-prev, "
                           "-m, or script arguments");
  if (c->from_path && c->module)
    return cli_usage_error("The options -m and --from-path are mutually "
                           "exclusive.");
  if (c->hide && c->hide_regex)
    return cli_usage_error("%s", /* the format must be ASCII */
                           "You can\u2018t specify both --hide and "
                           "--hide-regex");
  if (!!c->show + !!c->show_regex + c->show_all > 1)
    return cli_usage_error("You can only specify one of --show, --show-regex "
                           "and --show-all");
  return 0;
}
