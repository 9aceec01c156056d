"""The %pyinstrument / %%pyinstrument magic for IPython and Jupyter.

Loaded by `%load_ext pyinstrument`. The cell's code is wrapped so that
sampling starts inside it: the report's root is the cell, not IPython's
machinery that runs it. The report is published once with two forms; a
notebook shows the HTML one, a terminal IPython prints the text one.
"""
import ast
import fnmatch
import html
import json
import re
import sys

from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display
from IPython.utils.process import arg_split

from pyinstrument._capture import Profiler
from pyinstrument.renderers import ConsoleRenderer, HTMLRenderer

_HTML_KEYS = ("resample_interval",)  # the page has its own view options

# the profiler of the magic that is running, reached from the cell's code
_active = None


def _cell_start():
    """Called from the first statement of the profiled cell."""
    if _active is not None and not _active.is_running:
        _active.start(caller_frame=sys._getframe(1))


def _cell_stop(value=None):
    """Called by the cell's last statement; passes its value through."""
    if _active is not None and _active.is_running:
        _active.stop()
    return value


def _call(name, args=()):
    # __import__("pyinstrument.magic").magic.NAME(...): no name enters the
    # user's namespace
    imp = ast.Call(ast.Name("__import__", ast.Load()),
                   [ast.Constant("pyinstrument.magic")], [])
    mod = ast.Attribute(imp, "magic", ast.Load())
    return ast.Call(ast.Attribute(mod, name, ast.Load()), list(args), [])


class _Wrap(ast.NodeTransformer):
    """Puts the start call before the cell's statements and the stop call
    after them. IPython runs the statements one by one and shows the value
    of the last one if it is an expression, so a closing expression stays
    last with the stop call around its value."""

    def visit_Module(self, node):
        body = [ast.Expr(_call("_cell_start"))] + node.body
        last = body[-1]
        if isinstance(last, ast.Expr) and len(body) > 1:
            last.value = _call("_cell_stop", [last.value])
        else:
            body.append(ast.Expr(_call("_cell_stop")))
        node.body = body
        return ast.fix_missing_locations(node)


def _set_option(options, spec):
    """Applies one -p KEY=VALUE as the pyinstrument command does: the value
    is JSON if it parses, else the raw string (no '=' means true); a dotted
    key edits a nested map."""
    key, eq, raw = spec.partition("=")
    if not eq:
        value = True
    else:
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
    *path, last = key.split(".")
    for part in path:
        options = options.setdefault(part, {})
    options[last] = value


def _plain(text):
    """The text report without its colour codes."""
    return re.sub("\x1b\\[[0-9;]*m", "", text)


def _unquote(word):
    """IPython's argument splitter keeps quotes: '--show "*x*"' must mean
    the glob *x*, as in a shell."""
    if len(word) >= 2 and word[0] == word[-1] and word[0] in "'\"":
        return word[1:-1]
    return word


def _line_code(line, code_tokens):
    """The code of a line magic as typed, from its first token to the end
    of the line: the argument parser splits it at spaces, which would lose
    the spacing inside its strings."""
    tokens = arg_split(line)  # as parse_argstring splits, quotes kept
    pos = 0
    for tok in tokens[:len(tokens) - len(code_tokens)]:
        pos = line.index(tok, pos) + len(tok)
    start = line.find(code_tokens[0], pos) if code_tokens else -1
    return line[start:] if start >= 0 else " ".join(code_tokens)


@magics_class
class PyinstrumentMagic(Magics):
    @magic_arguments()
    @argument("-p", "--render-option", dest="render_options", action="append",
              default=[], metavar="KEY=VALUE",
              help="a renderer option, as the pyinstrument command's -p: "
              "KEY=VALUE (VALUE parsed as JSON if it can be), a dotted KEY "
              "for nested options such as processor_options.filter_threshold")
    @argument("--show-regex", dest="show_regex", action="append", default=[],
              metavar="REGEX",
              help="always show frames whose file path matches REGEX")
    @argument("--show", dest="show", action="append", default=[],
              metavar="GLOB",
              help="always show frames whose file path matches the glob")
    @argument("--interval", type=float, default=0.001,
              help="seconds between samples (default 0.001)")
    @argument("--show-all", action="store_true",
              help="keep library and IPython frames in the report")
    @argument("--async_mode", default="disabled",
              choices=["enabled", "disabled", "strict"],
              help="how await is followed (default disabled: the cell "
              "already runs inside IPython's event loop)")
    @argument("--sampler", default="timer", choices=["timer", "hook"],
              help="timer (default): no profile hook, nearly full speed; "
              "hook: pyinstrument's profile hook, exactly as pyinstrument "
              "samples")
    @argument("--height", "-h", type=int, default=400,
              help="height in pixels of the report in a notebook")
    @argument("--timeline", action="store_true",
              help="keep calls in time order instead of merging them")
    @argument("code", nargs="*",
              help="for the line magic: the statement to profile")
    @no_var_expand  # {x} in the profiled statement is code, not a template
    @line_cell_magic
    def pyinstrument(self, line, cell=None):
        """Profiles the cell (%%pyinstrument) or the rest of the line
        (%pyinstrument) and shows the report: HTML in a notebook, text in a
        terminal."""
        global _active
        args = parse_argstring(self.pyinstrument, line)
        code = cell if cell is not None else _line_code(line, args.code)
        if not code.strip():
            print("pyinstrument: nothing to profile", file=sys.stderr)
            return
        if _active is not None:
            print("pyinstrument: the magic is already profiling",
                  file=sys.stderr)
            return

        options = {}
        for spec in args.render_options:
            _set_option(options, _unquote(spec))
        if args.show_all:
            options["show_all"] = True
        if args.timeline:
            options["timeline"] = True
        shows = [_unquote(r) for r in args.show_regex]
        shows += [fnmatch.translate(_unquote(g)) for g in args.show]
        if shows:
            po = options.setdefault("processor_options", {})
            po["show_regex"] = "|".join("(?:%s)" % s for s in shows)

        text_renderer = ConsoleRenderer(**options)
        html_renderer = HTMLRenderer(
            **{k: v for k, v in options.items() if k in _HTML_KEYS})

        profiler = Profiler(interval=args.interval, async_mode=args.async_mode,
                            sampler=args.sampler)
        wrap = _Wrap()
        _active = profiler
        self.shell.ast_transformers.append(wrap)
        try:
            result = self.shell.run_cell(code, store_history=False)
        finally:
            self.shell.ast_transformers.remove(wrap)
            _active = None
            if profiler.is_running:  # the cell raised before its end
                profiler.stop()
        if profiler.last_session is None:
            print("pyinstrument: the code did not run", file=sys.stderr)
            return

        report = profiler.output(html_renderer)
        text = profiler.output(text_renderer)
        # the page's data is compressed: the text report below it keeps the
        # frame names findable with a search of the notebook
        frame = ('<iframe srcdoc="%s" width="100%%" height="%d" '
                 'style="border: 0; resize: vertical"></iframe>'
                 '<details><summary>Text report</summary><pre>%s</pre></details>'
                 % (html.escape(report, quote=True), args.height,
                    html.escape(_plain(text))))
        display({"text/html": frame, "text/plain": text}, raw=True)
        if isinstance(result.error_in_exec, KeyboardInterrupt):
            # Ctrl-C stops this cell and the ones queued after it
            raise KeyboardInterrupt


