"""The app runs from a folder it may not write to (a deployment's checkout, a read-only
mount): nothing is written into the app's folder at run time, and where plotly.js would
have to be written, the page falls back to ``st.plotly_chart``.

Tests run as root here, where file permissions do not stop a write, so a read-only folder
is checked two ways: the app runs on a copy whose files are compared before and after
(names, sizes, mtimes; ``__pycache__`` aside, which Python skips where it cannot write),
and a write that fails is simulated where ``ui.charts`` makes it.
"""

from __future__ import annotations

import errno
import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT, animated_charts, open_page
from tests.e2e.harness import copy_app, tree_state
from ui import charts

PAGES = [None, "views/race.py", "views/landscape.py", "views/fit.py", "views/why.py"]
PAGES += ["views/derivative.py", "views/exercises.py"]

# Run in a fresh interpreter in the copy: every page once through AppTest, as a visitor
# opening each would. Prints what a test needs to know that the real chart was used.
_EVERY_PAGE = """
import json, sys
import streamlit as st
from streamlit.testing.v1 import AppTest

at = AppTest.from_file("app.py", default_timeout=180)
at.run()
pages = {}
for path in [None] + sys.argv[1:]:
    if path:
        at.switch_page(path).run()
    assert not at.exception, (path, at.exception)
    pages[path or "default"] = sorted(
        {n.proto.component_name for n in at.get("bidi_component")}
        | ({"plotly_chart"} if at.get("plotly_chart") else set())
    )
import ui.charts
print(json.dumps({"pages": pages, "static_serving": st.get_option("server.enableStaticServing"),
                  "charts_module": ui.charts.__file__}))
"""


def test_the_basic_bundle_is_committed_in_static_as_the_vendored_bytes():
    """A fresh clone serves plotly.js as it is: static/ holds the basic bundle, the same
    bytes as ui/vendor/'s (so git stores them as one blob)."""
    served = charts.STATIC / charts.BASIC_BUNDLE.name
    assert served.read_bytes() == charts.BASIC_BUNDLE.read_bytes()
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", f"static/{served.name}"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert tracked.returncode == 0, tracked.stderr


def test_with_the_installed_plotly_nothing_is_written(monkeypatch):
    def no_write(*args, **kwargs):
        raise AssertionError("ui.charts tried to write into the app's folder")

    assert charts.BASIC_BUNDLE.name == charts.PLOTLY_FILE  # the installed plotly's bundle
    monkeypatch.setattr(charts.tempfile, "NamedTemporaryFile", no_write)
    monkeypatch.setattr(charts.os, "replace", no_write)
    assert charts._provide_plotly_js()


def test_the_app_writes_nothing_into_its_folder(tmp_path):
    """Every page, run in a copy of the app in its own interpreter: the copy's files are
    the same afterwards, and the pages used gdviz's chart (served from static/)."""
    app = copy_app(tmp_path / "app")
    before = tree_state(app)
    assert f"static/{charts.BASIC_BUNDLE.name}" in before
    out = subprocess.run(
        [sys.executable, "-c", _EVERY_PAGE, *[p for p in PAGES if p]],
        cwd=app, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["charts_module"].startswith(str(app))  # the copy's code ran, not ROOT's
    assert report["static_serving"] is True
    assert "gdviz.chart" in report["pages"]["default"], report
    assert tree_state(app) == before


class ReadOnly:
    """What ``tempfile`` does on a read-only file system: refuse to create the file."""

    @staticmethod
    def NamedTemporaryFile(*args, **kwargs):  # noqa: N802 - tempfile's name
        raise OSError(errno.EROFS, "Read-only file system")


@pytest.fixture
def unwritable_static(tmp_path, monkeypatch):
    """The installed plotly wants a plotly.js that static/ does not have, and static/
    cannot be written: the copy on demand fails."""
    static = tmp_path / "static"
    static.mkdir()
    monkeypatch.setattr(charts, "STATIC", static)
    monkeypatch.setattr(charts, "PLOTLY_FILE", "plotly-0.0.0.min.js")
    monkeypatch.setattr(charts, "tempfile", ReadOnly)
    return static


def test_an_unwritable_static_folder_falls_back_without_raising(unwritable_static):
    assert charts._provide_plotly_js() is False
    assert list(unwritable_static.iterdir()) == []


@pytest.mark.parametrize("path", PAGES)
def test_where_plotly_js_cannot_be_written_every_page_draws_its_charts(unwritable_static, path):
    at = open_page(path)
    assert not at.exception, at.exception
    assert not animated_charts(at)  # no gdviz chart: it could not load plotly.js ...
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    if path in (None, "views/race.py", "views/fit.py"):  # ... the animations play as figures
        assert any(len(f.get("frames", [])) > 1 for f in figures), path
    # The landscape's view is chosen first, the exercises' charts follow a prediction
    # (tests/test_exercises_app.py); the others draw at once.
    if path not in ("views/landscape.py", "views/exercises.py"):
        assert figures, path
    assert list(unwritable_static.iterdir()) == []
