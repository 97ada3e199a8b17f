"""Browser test of the first visit: plotly.js starts loading before the first chart arrives
(ui.charts.preload_plotly), once, from an element that takes no room.

How long the first chart takes is measured by ``bench/startup.py``, not asserted here.
"""

from __future__ import annotations

import pytest

from tests.e2e.harness import VIEWPORT

pytestmark = pytest.mark.e2e

CHART = ".st-key-descent_chart .gdviz-chart"
PRELOAD = ".st-key-gdviz_plotly_preload"

# Stamps when the descent chart's element first appears in the page.
_PROBE_JS = """
(() => {
  window.__chartSeen = null;
  new MutationObserver(() => {
    if (window.__chartSeen === null && document.querySelector('__CHART__'))
      window.__chartSeen = performance.now();
  }).observe(document, {subtree: true, childList: true});
})();
""".replace("__CHART__", CHART)


def test_plotly_js_is_requested_before_the_first_chart_arrives(chromium_browser, streamlit_server):
    context = chromium_browser.new_context(viewport=VIEWPORT)  # an empty browser cache
    context.add_init_script(_PROBE_JS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(streamlit_server, wait_until="domcontentloaded")
        page.wait_for_function(
            f"() => Number(document.querySelector('{CHART}')?.dataset.revision) >= 1",
            timeout=60_000,
        )
        requests, chart_seen = page.evaluate(
            """() => [
                performance.getEntriesByType('resource')
                    .filter((r) => /static\\/plotly[^/]*\\.js/.test(r.name))
                    .map((r) => r.startTime),
                window.__chartSeen,
            ]"""
        )
        assert len(requests) == 1, requests  # the preload and the chart share one load
        assert requests[0] < chart_seen
        preload = page.locator(PRELOAD)
        assert preload.count() == 1
        assert preload.bounding_box() is None  # display: none, so no room and no gap
        assert preload.locator(".gdviz-chart").count() == 0  # it draws nothing
        assert not errors, errors
    finally:
        context.close()
