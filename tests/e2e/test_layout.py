"""Every page fits a phone's, a laptop's and a desktop's width: the chart fills its column
and stays inside it, and nothing scrolls sideways. Screenshots go to tests/artifacts/
(layout-<page>-<width>.png) to be looked at."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

WIDTHS = (390, 1024, 1440, 1920)
PAGES = {"descent": "", "race": "race", "fit": "fit", "landscape": "landscape"}
CHARTS = '.gdviz-chart .js-plotly-plot, [data-testid="stPlotlyChart"]'
# the chart's own HTML parts: controls, the line of numbers, a table
PARTS = ".gdviz-controls:not([hidden]), .gdviz-readout:not([hidden]), .gdviz-table:not([hidden])"


@pytest.mark.parametrize("width", WIDTHS)
def test_the_descent_race_fit_and_landscape_pages_fit_the_width(
    width, chromium_browser, streamlit_server, artifacts, ui
):
    context = chromium_browser.new_context(viewport={"width": width, "height": 1400})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        for name, path in PAGES.items():
            page.goto(f"{streamlit_server}/{path}")
            page.wait_for_selector(".gdviz-chart[data-revision]", timeout=60_000)
            ui.wait_idle(page)
            page.screenshot(path=str(artifacts / f"layout-{name}-{width}.png"))
            sizes = page.evaluate(
                """([charts, parts]) => {
                    const main = document.querySelector('[data-testid="stMainBlockContainer"]');
                    const outer = main.getBoundingClientRect();
                    const style = getComputedStyle(main);
                    const column = { left: outer.left + parseFloat(style.paddingLeft),
                                     right: outer.right - parseFloat(style.paddingRight) };
                    column.width = column.right - column.left;
                    const boxes = [...main.querySelectorAll(charts + ", " + parts)].map((el) => {
                        const r = el.getBoundingClientRect();
                        return { left: r.left, right: r.right, width: r.width };
                    });
                    const root = document.documentElement;
                    return { boxes, scroll: root.scrollWidth, client: root.clientWidth,
                             column };
                }""",
                [CHARTS, PARTS],
            )
            assert sizes["scroll"] <= sizes["client"], (name, width, sizes)
            assert sizes["boxes"], (name, width)
            column = sizes["column"]
            main = sizes["boxes"][0]
            # the first chart is the page's canvas: inside the column and filling most of it
            for box in sizes["boxes"]:
                assert box["left"] >= column["left"] - 1 and box["right"] <= column["right"] + 1
            assert main["width"] >= 0.9 * column["width"], (name, width, sizes)
        assert errors == []
    finally:
        context.close()
