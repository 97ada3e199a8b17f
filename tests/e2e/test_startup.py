"""Browser tests of the first visit: every page starts loading plotly.js at once
(ui.charts.preload_plotly), from an element that takes no room, and loads it only once;
a returning visitor takes it from the browser's cache.

How long the first chart takes is measured by ``bench/startup.py``, not asserted here.
"""

from __future__ import annotations

import shutil

import pytest

from tests.e2e.harness import REPO_ROOT, VIEWPORT, start_streamlit, stop_streamlit

pytestmark = pytest.mark.e2e

CHART = ".st-key-descent_chart .gdviz-chart"
PRELOAD = ".st-key-gdviz_plotly_preload"

PLOTLY_REQUESTS_JS = """() => performance.getEntriesByType('resource')
    .filter((r) => /static\\/plotly[^/]*\\.js/.test(r.name)).length"""
TRANSFER_SIZES_JS = """() => performance.getEntriesByType('resource')
    .filter((r) => /static\\/plotly[^/]*\\.js/.test(r.name)).map((r) => r.transferSize)"""


def wait_for_plotly_entry(page) -> None:
    # A resource's timing entry can be recorded a little after its script has run.
    page.wait_for_function(f"() => ({PLOTLY_REQUESTS_JS})() > 0", timeout=60_000)


def open_fresh(browser, url: str):
    """A page in a new browser context (an empty cache), and the errors it throws."""
    context = browser.new_context(viewport=VIEWPORT)
    # The browser keeps 250 resource timing entries by default; a Streamlit page loads about
    # that many files, so plotly.js's entry could be dropped and never counted.
    context.add_init_script("performance.setResourceTimingBufferSize(5000)")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url, wait_until="domcontentloaded")
    return context, page, errors


def test_the_chart_and_the_preload_share_one_load_of_plotly_js(chromium_browser, streamlit_server):
    context, page, errors = open_fresh(chromium_browser, streamlit_server)
    try:
        page.wait_for_function(
            f"() => Number(document.querySelector('{CHART}')?.dataset.revision) >= 1",
            timeout=60_000,
        )
        wait_for_plotly_entry(page)
        assert page.evaluate(PLOTLY_REQUESTS_JS) == 1
        preload = page.locator(PRELOAD)
        assert preload.count() == 1
        assert preload.bounding_box() is None  # display: none, so no room and no gap
        assert preload.locator(".gdviz-chart").count() == 0  # it draws nothing
        assert not errors, errors
    finally:
        context.close()


PAGE_STATE_JS = """() => ({
    url: location.href,
    script: document.querySelector('[data-testid="stApp"]')?.dataset.testScriptState,
    preload: document.querySelectorAll('.st-key-gdviz_plotly_preload').length,
    text: document.body.innerText.slice(0, 400),
})"""


def test_a_page_without_a_gdviz_chart_still_loads_plotly_js(
    chromium_browser, streamlit_server, artifacts
):
    # The derivative page draws with st.plotly_chart only: what loads plotly.js here is
    # the preload that every page starts with (so on the descent page it starts first).
    context, page, errors = open_fresh(chromium_browser, f"{streamlit_server}/slope")
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text[:300]))
    try:
        try:
            page.wait_for_function("() => window.__gdvizPlotly !== undefined", timeout=60_000)
        except Exception:  # seen twice on a loaded machine: keep what the page looked like
            page.screenshot(path=str(artifacts / "preload_missing.png"))
            found = page.evaluate(PAGE_STATE_JS)
            (artifacts / "preload_missing.txt").write_text(f"{found}\n{console}\n{errors}\n")
            raise
        assert page.evaluate("async () => typeof (await window.__gdvizPlotly).react") == "function"
        wait_for_plotly_entry(page)
        assert page.evaluate(PLOTLY_REQUESTS_JS) == 1
        assert page.locator(".gdviz-chart").count() == 0
        assert not errors, errors
    finally:
        context.close()


def test_a_returning_visitor_gets_plotly_js_from_the_browser_cache(
    chromium_browser, tmp_path, artifacts
):
    # A copy of the app without static/, so plotly.js is copied afresh: a file dated now
    # would be fetched again on the second visit (Streamlit sends no Cache-Control).
    app = tmp_path / "app"
    for part in ("gdviz", "ui", "views", ".streamlit"):
        shutil.copytree(REPO_ROOT / part, app / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(REPO_ROOT / "app.py", app / "app.py")
    proc, base = start_streamlit(app / "app.py", app, artifacts / "streamlit-startup.log")
    context = chromium_browser.new_context(viewport=VIEWPORT)
    try:
        sizes = []
        for _ in range(2):
            page = context.new_page()
            page.goto(base, wait_until="domcontentloaded")
            wait_for_plotly_entry(page)
            sizes.append(page.evaluate(TRANSFER_SIZES_JS))
            page.close()
        assert sizes[0][0] > 300_000  # downloaded once (basic bundle, compressed: ~0.4 MB) ...
        assert sizes[1] == [0]  # ... and taken from the cache the second time
    finally:
        context.close()
        stop_streamlit(proc)
