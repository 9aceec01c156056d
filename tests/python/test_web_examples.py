"""The recipes in examples/ run against the real frameworks: each makes a
real request (or pytest run) and the report it returns or writes names the
view (or test) function. Litestar is not packaged for Debian: its example
is only compiled."""
import asyncio
import json
import os
import py_compile
import shutil
import subprocess
import sys
import textwrap
import warnings

from frameworks import (CHILD_IMPORT, DEBIAN_PYTHON, EXAMPLES, example,
                        html_functions, import_error, need, not_importable)
from helpers import PYTHON, SAMPLED_SLEEP, TempDirTest


class FlaskExample(TempDirTest):
    def setUp(self):
        super().setUp()
        need("flask", "python3-flask")
        self.client = example("flask_app").app.test_client()

    def test_plain_request(self):
        self.assertEqual(self.client.get("/").data, b"finished")

    def test_profile_returns_the_html_report_of_the_view(self):
        r = self.client.get("/?profile")
        self.assertEqual(r.status_code, 200)
        self.assertIn("slow_flask_view", html_functions(r.get_data(as_text=True)))


class FalconExample(TempDirTest):
    def setUp(self):
        super().setUp()
        testing = need("falcon.testing", "python3-falcon")
        self.client = testing.TestClient(example("falcon_app").app)

    def test_plain_request(self):
        self.assertEqual(self.client.simulate_get("/").json, {"finished": True})

    def test_profile_returns_the_html_report_of_the_view(self):
        r = self.client.simulate_get("/", query_string="profile")
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r.headers["content-type"].startswith("text/html"))
        self.assertIn("slow_falcon_view", html_functions(r.text))


class AiohttpExample(TempDirTest):
    """A real HTTP request to aiohttp's test server on the loopback."""

    def setUp(self):
        super().setUp()
        need("aiohttp", "python3-aiohttp")
        self.utils = need("aiohttp.test_utils", "python3-aiohttp")
        self.app = example("aiohttp_app").make_app()

    def get(self, url):
        async def request():
            server = self.utils.TestServer(self.app, host="127.0.0.1")
            async with self.utils.TestClient(server) as client:
                r = await client.get(url)
                return r.status, await r.text()

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return asyncio.run(request())

    def test_plain_request(self):
        self.assertEqual(self.get("/"), (200, "finished"))

    def test_profile_returns_the_html_report_of_the_view(self):
        status, page = self.get("/?profile")
        self.assertEqual(status, 200)
        self.assertIn("slow_aiohttp_view", html_functions(page))


# Debian's FastAPI 0.92 needs pydantic 1, which pip's pydantic 2 would
# shadow: the requests run in a child whose path puts Debian's first.
FASTAPI_CLIENT = """\
import json, sys
import pyinstrument  # ours, from PYTHONPATH, before Debian's goes first
sys.path[0:0] = [{debian!r}, {examples!r}]
{imports}import fastapi_app
{sampled_sleep}
fastapi_app.time.sleep = sampled_sleep  # the view sleeps until sampled
client = TestClient(fastapi_app.app)
for url, name in [("/", "plain"), ("/?profile", "html"),
                  ("/?profile=speedscope", "speedscope")]:
    r = client.get(url)
    with open(name, "w", encoding="utf-8") as f:
        json.dump({{"status": r.status_code, "type": r.headers["content-type"],
                   "body": r.text}}, f)
"""


class FastAPIExample(TempDirTest):
    def test_requests(self):
        imports = CHILD_IMPORT.format(imports="from fastapi.testclient "
                                      "import TestClient")
        self.write("client.py", FASTAPI_CLIENT.format(
            debian=DEBIAN_PYTHON, examples=EXAMPLES, imports=imports,
            sampled_sleep=SAMPLED_SLEEP))
        r = subprocess.run([PYTHON, "-W", "ignore", "client.py"], cwd=self.dir,
                           capture_output=True, text=True, timeout=300)
        error = import_error(os.path.join(self.dir, "import-error"))
        if r.returncode == 3 and error:
            raise not_importable("python3-fastapi", error)
        self.assertEqual(r.returncode, 0,
                         "FastAPI's TestClient failed (is python3-fastapi "
                         "installed, as tests/packages.txt says?)\n" + r.stderr)
        plain = self.load_json(os.path.join(self.dir, "plain"))
        self.assertEqual(json.loads(plain["body"]), {"finished": True})

        page = self.load_json(os.path.join(self.dir, "html"))
        self.assertEqual(page["status"], 200)
        self.assertTrue(page["type"].startswith("text/html"))
        self.assertIn("slow_fastapi_view", html_functions(page["body"]))

        speedscope = self.load_json(os.path.join(self.dir, "speedscope"))
        frames = json.loads(speedscope["body"])["shared"]["frames"]
        self.assertIn("slow_fastapi_view", [f["name"] for f in frames])


class LitestarExample(TempDirTest):
    def test_compiles(self):
        # Litestar is in neither Debian nor this interpreter's packages:
        # the example is checked to be valid Python, not run
        py_compile.compile(os.path.join(EXAMPLES, "litestar_app.py"),
                           cfile=os.path.join(self.dir, "litestar_app.pyc"),
                           doraise=True)


# pytest from this interpreter's packages or else Debian's python3-pytest;
# the tests' sleeps last until sampled
PYTEST = textwrap.dedent("""\
    import sys, time
    sys.path.append({debian!r})
    """) + CHILD_IMPORT.format(imports="import pytest") + textwrap.dedent("""\
    {sampled_sleep}
    time.sleep = sampled_sleep
    sys.exit(pytest.main(["-p", "no:cacheprovider", "-q"]))
    """)


class PytestFixtureExample(TempDirTest):
    def test_every_test_gets_a_report_naming_it(self):
        project = os.path.join(self.dir, "project")
        shutil.copytree(os.path.join(EXAMPLES, "pytest_fixture"), project,
                        ignore=shutil.ignore_patterns("__pycache__"))
        r = subprocess.run(
            [PYTHON, "-c", PYTEST.format(debian=DEBIAN_PYTHON,
                                         sampled_sleep=SAMPLED_SLEEP)],
            cwd=project,
            capture_output=True, text=True, timeout=300)
        error = import_error(os.path.join(project, "import-error"))
        if r.returncode == 3 and error:
            raise not_importable("python3-pytest", error)
        self.assertEqual(r.returncode, 0,
                         "pytest failed (is python3-pytest installed?)\n"
                         + r.stdout + r.stderr)
        self.assertIn("2 passed", r.stdout)
        reports = os.path.join(project, ".profiles")
        self.assertEqual(sorted(os.listdir(reports)),
                         ["test_slow_sleeper.html", "test_slow_spinner.html"])
        for test in "test_slow_sleeper", "test_slow_spinner":
            with open(os.path.join(reports, test + ".html"),
                      encoding="utf-8") as f:
                self.assertIn(test, html_functions(f.read()))


if __name__ == "__main__":
    import unittest

    unittest.main()
