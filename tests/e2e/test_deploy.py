"""Browser tests of a deployment: the app served from a folder it never writes to, and a
few visitors at once (``bench/load.py``, small: it asserts no errors, never timings)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.e2e.harness import (
    REPO_ROOT,
    VIEWPORT,
    copy_app,
    start_streamlit,
    stop_streamlit,
    tree_state,
)
from ui import charts

pytestmark = pytest.mark.e2e

CHART = ".st-key-descent_chart .gdviz-chart"
PLOTLY_URLS_JS = """() => performance.getEntriesByType('resource')
    .map((r) => r.name).filter((name) => /app\\/static\\/plotly/.test(name))"""


def test_a_served_copy_of_the_app_draws_its_chart_and_writes_nothing(
    chromium_browser, tmp_path, artifacts
):
    app = copy_app(tmp_path / "app")
    before = tree_state(app)
    proc, base = start_streamlit(app / "app.py", app, artifacts / "streamlit-deploy.log")
    context = chromium_browser.new_context(viewport=VIEWPORT)
    context.add_init_script("performance.setResourceTimingBufferSize(5000)")
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(base, wait_until="domcontentloaded")
        page.wait_for_function(
            f"() => Number(document.querySelector('{CHART}')?.dataset.revision) >= 1",
            timeout=60_000,
        )
        page.wait_for_function(f"() => ({PLOTLY_URLS_JS})().length > 0", timeout=30_000)
        urls = page.evaluate(PLOTLY_URLS_JS)
        assert [url.rsplit("/", 1)[1] for url in urls] == [charts.BASIC_BUNDLE.name]
        assert not errors, errors
    finally:
        context.close()
        stop_streamlit(proc)
    assert tree_state(app) == before


def test_five_visitors_at_once_get_a_settled_page_without_errors(chromium_browser, tmp_path):
    del chromium_browser  # only its skip: bench/load.py launches its own
    figures = tmp_path / "load.json"
    out = subprocess.run(
        [sys.executable, "bench/load.py", "--sessions", "5", "--alone", "0", "--steps", "1",
         "--bare", "5", "--timeout", "120", "--json", str(figures)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    crowd, bare = json.loads(figures.read_text())["rows"]
    assert crowd["errors"] == 0 and bare["errors"] == 0, crowd["messages"] + bare["messages"]
    assert crowd["played"] == 5 and crowd["steps"] == 5, crowd
    assert bare["sessions"] == 5 and bare["first_p50"] > 0, bare
