"""An autouse fixture that profiles every test and writes its HTML report
to .profiles/TEST_NAME.html under the directory pytest runs from."""
from pathlib import Path

import pytest

from pyinstrument import Profiler

REPORTS = Path.cwd() / ".profiles"


@pytest.fixture(autouse=True)
def profile_each_test(request):
    profiler = Profiler()
    profiler.start()
    yield
    profiler.stop()
    REPORTS.mkdir(exist_ok=True)
    profiler.write_html(REPORTS / f"{request.node.name}.html")
