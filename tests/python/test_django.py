"""pyinstrument.middleware.ProfilerMiddleware in a real Django (the one-file
project examples/django_app.py), driven by Django's test client: ?profile,
the show callback, and every setting of the saved reports."""
import json
import marshal
import os
import re
import shutil
import tempfile
import unittest
import warnings

from frameworks import example, html_functions, need, tree_functions
from helpers import TIMER_NAMES_C

VIEW = "slow_django_view"
calls = []


def refuse(request):
    calls.append(request.path)
    return False


def allow(request):
    calls.append(request.path)
    return True


def name_by_callback(request, session, renderer):
    calls.append((request.path, session.duration, renderer.output_file_extension))
    return "by-callback.%s" % renderer.output_file_extension


class DjangoMiddleware(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        django = need("django", "python3-django")
        # what the example and the client import, which a Python newer than
        # Debian's may refuse (3.13 has no cgi module for django.http)
        need("django.http", "python3-django")
        need("django.test", "python3-django")
        # Debian's Django 3.2 imports modules this Python deprecates
        warnings.filterwarnings("ignore", category=DeprecationWarning,
                                module="django")
        example("django_app")  # configures the settings
        django.setup()

    def setUp(self):
        from django.test import Client

        self.client = Client()
        self.dir = tempfile.mkdtemp()
        self.reports = os.path.join(self.dir, "reports")
        del calls[:]

    def tearDown(self):
        shutil.rmtree(self.dir)

    def settings(self, **kw):
        from django.test import override_settings

        return override_settings(**kw)

    def saved(self):
        return sorted(os.listdir(self.reports)) if os.path.isdir(self.reports) else []

    def read(self, name, mode="r"):
        with open(os.path.join(self.reports, name), mode) as f:
            return f.read()

    def test_without_the_argument_the_response_is_the_view_s(self):
        r = self.client.get("/slow")
        self.assertEqual(r.content, b"finished")
        self.assertEqual(self.saved(), [])

    def test_profile_argument_returns_the_html_report_of_the_view(self):
        r = self.client.get("/slow?profile")
        self.assertEqual(r.status_code, 200)
        page = r.content.decode()
        self.assertNotEqual(page, "finished")
        self.assertIn(VIEW, html_functions(page))

    def test_sampler_setting(self):
        # the test client runs the view in this (main) thread; the timer
        # sampler is the default, the setting asks for pyinstrument's hook
        for sampler in ("hook", "timer"):
            with self.settings(PYINSTRUMENT_SAMPLER=sampler):
                page = self.client.get("/slow?profile").content.decode()
            self.assertIn(VIEW, html_functions(page))
            if sampler == "hook" or TIMER_NAMES_C:
                self.assertIn("sleep", html_functions(page))

    def test_url_argument_setting_renames_the_argument(self):
        with self.settings(PYINSTRUMENT_URL_ARGUMENT="pyi"):
            self.assertEqual(self.client.get("/slow?profile").content, b"finished")
            page = self.client.get("/slow?pyi").content.decode()
        self.assertIn(VIEW, html_functions(page))

    def test_show_callback_can_refuse_the_report(self):
        with self.settings(PYINSTRUMENT_SHOW_CALLBACK=__name__ + ".refuse"):
            r = self.client.get("/slow?profile")
        self.assertEqual(r.content, b"finished")
        self.assertEqual(calls, ["/slow"])

    def test_show_callback_can_allow_the_report(self):
        with self.settings(PYINSTRUMENT_SHOW_CALLBACK=__name__ + ".allow"):
            r = self.client.get("/slow?profile")
        self.assertIn(VIEW, html_functions(r.content.decode()))
        self.assertEqual(calls, ["/slow"])

    def test_profile_dir_saves_every_request_under_the_default_name(self):
        with self.settings(PYINSTRUMENT_PROFILE_DIR=self.reports):
            r1 = self.client.get("/slow")
            r2 = self.client.get("/slow?page=2")
        # saving does not change the responses
        self.assertEqual((r1.content, r2.content), (b"finished", b"finished"))
        names = self.saved()
        self.assertEqual(len(names), 2, names)
        # "{total_time:.3f}s {path} {timestamp:.0f}.{ext}"
        pattern = r"(\d+\.\d{3})s (\S+) (\d+)\.html"
        paths = sorted(re.fullmatch(pattern, n).group(2) for n in names)
        self.assertEqual(paths, ["_slow", "_slow?page=2"])
        for n in names:
            seconds = float(re.fullmatch(pattern, n).group(1))
            self.assertGreater(seconds, 0)
            self.assertIn(VIEW, html_functions(self.read(n)))

    def test_profile_dir_and_profile_argument_together(self):
        with self.settings(PYINSTRUMENT_PROFILE_DIR=self.reports):
            r = self.client.get("/slow?profile")
        self.assertIn(VIEW, html_functions(r.content.decode()))
        self.assertEqual(len(self.saved()), 1)

    def test_filename_template(self):
        with self.settings(PYINSTRUMENT_PROFILE_DIR=self.reports,
                           PYINSTRUMENT_FILENAME="view{path}.{ext}"):
            self.client.get("/slow")
        self.assertEqual(self.saved(), ["view_slow.html"])

    def test_filename_callback_names_the_file(self):
        for callback in (__name__ + ".name_by_callback", name_by_callback):
            del calls[:]
            shutil.rmtree(self.reports, ignore_errors=True)
            with self.settings(PYINSTRUMENT_PROFILE_DIR=self.reports,
                               PYINSTRUMENT_FILENAME_CALLBACK=callback):
                self.client.get("/slow")
            self.assertEqual(self.saved(), ["by-callback.html"])
            [(path, duration, ext)] = calls
            self.assertEqual((path, ext), ("/slow", "html"))
            self.assertGreater(duration, 0)

    def save_with(self, renderer):
        with self.settings(PYINSTRUMENT_PROFILE_DIR=self.reports,
                           PYINSTRUMENT_FILENAME="r.{ext}",
                           PYINSTRUMENT_PROFILE_DIR_RENDERER=
                           "pyinstrument.renderers." + renderer):
            r = self.client.get("/slow")
        self.assertEqual(r.content, b"finished")
        [name] = self.saved()
        return name

    def test_profile_dir_renderer_speedscope(self):
        name = self.save_with("SpeedscopeRenderer")
        self.assertEqual(name, "r.speedscope.json")
        frames = json.loads(self.read(name))["shared"]["frames"]
        self.assertIn(VIEW, [f["name"] for f in frames])

    def test_profile_dir_renderer_json(self):
        name = self.save_with("JSONRenderer")
        self.assertEqual(name, "r.json")
        self.assertIn(VIEW, tree_functions(json.loads(self.read(name))["root_frame"]))

    def test_profile_dir_renderer_session(self):
        from pyinstrument import Session

        name = self.save_with("SessionRenderer")
        self.assertEqual(name, "r.pyisession")
        session = Session.load(os.path.join(self.reports, name))
        names = [f.split("\x00")[0] for stack, _ in session.frame_records
                 for f in stack]
        self.assertIn(VIEW, names)

    def test_profile_dir_renderer_pstats_is_written_as_bytes(self):
        name = self.save_with("PstatsRenderer")
        self.assertEqual(name, "r.pstats")
        stats = marshal.loads(self.read(name, "rb"))
        self.assertIn(VIEW, [func for (_, _, func) in stats])

    def test_profile_dir_renderer_text(self):
        name = self.save_with("ConsoleRenderer")
        self.assertEqual(name, "r.txt")
        self.assertIn(VIEW, self.read(name))


if __name__ == "__main__":
    unittest.main()
