"""Browser tests of the first visit: every page starts loading plotly.js at once
(ui.charts.preload_plotly), from an element that takes no room, and loads it only once.

How long the first chart takes is measured by ``bench/startup.py``, not asserted here.
"""

from __future__ import annotations

import pytest

from tests.e2e.harness import VIEWPORT

pytestmark = pytest.mark.e2e

CHART = ".st-key-descent_chart .gdviz-chart"
PRELOAD = ".st-key-gdviz_plotly_preload"

PLOTLY_REQUESTS_JS = """() => performance.getEntriesByType('resource')
    .filter((r) => /static\\/plotly[^/]*\\.js/.test(r.name)).length"""


def open_fresh(browser, url: str):
    """A page in a new browser context (an empty cache), and the errors it throws."""
    context = browser.new_context(viewport=VIEWPORT)
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
        assert page.evaluate(PLOTLY_REQUESTS_JS) == 1
        preload = page.locator(PRELOAD)
        assert preload.count() == 1
        assert preload.bounding_box() is None  # display: none, so no room and no gap
        assert preload.locator(".gdviz-chart").count() == 0  # it draws nothing
        assert not errors, errors
    finally:
        context.close()


def test_a_page_without_a_gdviz_chart_still_loads_plotly_js(chromium_browser, streamlit_server):
    # The derivative page draws with st.plotly_chart only: what loads plotly.js here is
    # the preload that every page starts with (so on the descent page it starts first).
    context, page, errors = open_fresh(chromium_browser, f"{streamlit_server}/slope")
    try:
        page.wait_for_function("() => window.__gdvizPlotly !== undefined", timeout=60_000)
        assert page.evaluate("async () => typeof (await window.__gdvizPlotly).react") == "function"
        assert page.evaluate(PLOTLY_REQUESTS_JS) == 1
        assert page.locator(".gdviz-chart").count() == 0
        assert not errors, errors
    finally:
        context.close()
