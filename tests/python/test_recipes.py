"""The usage recipes of pyinstrument's guide run unchanged: profiling a
Flask request, and an autouse pytest fixture writing HTML per test."""
import os
import subprocess
import sys
import time
import unittest

from frameworks import need
from helpers import PYTHON, TempDirTest, pythonpath

from pyinstrument import Profiler


def busy(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


class FlaskRecipe(unittest.TestCase):
    def setUp(self):
        need("flask", "python3-flask")
        from flask import Flask, g, make_response, request

        app = Flask(__name__)

        @app.before_request
        def before_request():
            if "profile" in request.args:
                g.profiler = Profiler()
                g.profiler.start()

        @app.after_request
        def after_request(response):
            if not hasattr(g, "profiler"):
                return response
            g.profiler.stop()
            output_html = g.profiler.output_html()
            return make_response(output_html)

        @app.route("/")
        def index():
            busy(0.02)
            return "hello"

        self.client = app.test_client()

    def test_plain_request(self):
        r = self.client.get("/")
        self.assertEqual(r.data, b"hello")

    def test_profiled_request_returns_the_html_report(self):
        r = self.client.get("/?profile")
        self.assertEqual(r.status_code, 200)
        page = r.data.decode()
        self.assertIn("<html", page.lower())
        self.assertGreater(len(page), 1000)
        self.assertNotIn("hello", page)


CONFTEST = '''
from pathlib import Path
import pytest
from pyinstrument import Profiler

TESTS_ROOT = Path.cwd()

@pytest.fixture(autouse=True)
def auto_profile(request):
    PROFILE_ROOT = (TESTS_ROOT / ".profiles")
    # Turn profiling on
    profiler = Profiler()
    profiler.start()

    yield  # Run test

    profiler.stop()
    PROFILE_ROOT.mkdir(exist_ok=True)
    results_file = PROFILE_ROOT / f"{request.node.name}.html"
    profiler.write_html(results_file)
'''

# pytest is not installed here: a stand-in with what the fixture uses,
# and a runner that drives an autouse generator fixture around each test
PYTEST_STUB = '''
def fixture(autouse=False):
    def mark(func):
        func.autouse = autouse
        return func
    return mark
'''

RUNNER = '''
import time, types
import conftest

def test_sleeps():
    time.sleep(0.02)

def test_spins():
    end = time.perf_counter() + 0.02
    while time.perf_counter() < end:
        pass

for test in (test_sleeps, test_spins):
    request = types.SimpleNamespace(node=types.SimpleNamespace(name=test.__name__))
    fixture = conftest.auto_profile(request)
    next(fixture)
    test()
    for _ in fixture:
        pass
'''


class PytestFixtureRecipe(TempDirTest):
    def test_fixture_writes_one_html_report_per_test(self):
        self.write("conftest.py", CONFTEST)
        self.write("pytest.py", PYTEST_STUB)
        self.write("runner.py", RUNNER)
        env = dict(os.environ)
        env["PYTHONPATH"] = pythonpath(self.dir)
        r = subprocess.run([PYTHON, "runner.py"], cwd=self.dir, env=env,
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        profiles = os.path.join(self.dir, ".profiles")
        self.assertEqual(sorted(os.listdir(profiles)),
                         ["test_sleeps.html", "test_spins.html"])
        for name in os.listdir(profiles):
            with open(os.path.join(profiles, name), encoding="utf-8") as f:
                self.assertIn("<html", f.read().lower())
