"""Django middleware: add "pyinstrument.middleware.ProfilerMiddleware" to
MIDDLEWARE. Settings (all optional):

  PYINSTRUMENT_URL_ARGUMENT    query argument that asks for the HTML report
                               instead of the response (default "profile")
  PYINSTRUMENT_SHOW_CALLBACK   dotted path to, or a callable f(request)
                               deciding whether that argument is obeyed
  PYINSTRUMENT_PROFILE_DIR     save every request's report in this folder
  PYINSTRUMENT_PROFILE_DIR_RENDERER
                               dotted path of the renderer class for saved
                               reports (default HTMLRenderer)
  PYINSTRUMENT_FILENAME        str.format template of saved file names with
                               total_time, path, timestamp and ext
  PYINSTRUMENT_FILENAME_CALLBACK
                               dotted path to, or a callable
                               f(request, session, renderer) giving the name
  PYINSTRUMENT_INTERVAL        seconds between samples (default 0.001)
  PYINSTRUMENT_SAMPLER         "timer" (default: no profile hook, for
                               requests served in the main thread; in
                               others the hook) or "hook" (pyinstrument's)
"""
import os
import time

from django.conf import settings
from django.http import HttpResponse
from django.utils.module_loading import import_string

from pyinstrument._capture import Profiler
from pyinstrument.renderers import HTMLRenderer

DEFAULT_FILENAME = "{total_time:.3f}s {path} {timestamp:.0f}.{ext}"


def _setting(name, default=None):
    return getattr(settings, name, default)


def _function(value):
    """A setting naming a function: a dotted path or the function itself."""
    return import_string(value) if isinstance(value, str) else value


class ProfilerMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        argument = _setting("PYINSTRUMENT_URL_ARGUMENT", "profile")
        show = _function(_setting("PYINSTRUMENT_SHOW_CALLBACK"))
        wants_report = argument in request.GET and (show is None or show(request))
        profile_dir = _setting("PYINSTRUMENT_PROFILE_DIR")
        if not wants_report and not profile_dir:
            return self.get_response(request)

        profiler = Profiler(interval=_setting("PYINSTRUMENT_INTERVAL", 0.001),
                            sampler=_setting("PYINSTRUMENT_SAMPLER", "timer"))
        profiler.start()
        try:
            response = self.get_response(request)
        finally:
            session = profiler.stop()

        if profile_dir:
            self._save(request, session, profile_dir)
        if wants_report:
            return HttpResponse(HTMLRenderer().render(session))
        return response

    def _save(self, request, session, profile_dir):
        name = _setting("PYINSTRUMENT_PROFILE_DIR_RENDERER")
        renderer = import_string(name)() if name else HTMLRenderer()
        callback = _function(_setting("PYINSTRUMENT_FILENAME_CALLBACK"))
        if callback is not None:
            filename = callback(request, session, renderer)
        else:
            # slashes would make folders; a long query would pass the
            # file-name limit
            path = request.get_full_path().replace("/", "_")[:100]
            if os.name == "nt":
                path = path.replace("?", "_qs_")
            filename = _setting("PYINSTRUMENT_FILENAME", DEFAULT_FILENAME).format(
                total_time=session.duration,
                path=path,
                timestamp=time.time(),
                ext=renderer.output_file_extension,
            )
        output = renderer.render(session)
        os.makedirs(profile_dir, exist_ok=True)
        if renderer.output_is_binary and isinstance(output, str):
            # binary data in a str, as pyinstrument's renderers return it
            output = output.encode("utf-8", "surrogateescape")
        mode, kwargs = ("wb", {}) if renderer.output_is_binary else (
            "w", {"encoding": "utf-8"})
        with open(os.path.join(profile_dir, filename), mode, **kwargs) as f:
            f.write(output)
