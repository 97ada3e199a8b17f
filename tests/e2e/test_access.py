"""Access in a real browser: every page on a phone (390 × 844) without sideways scrolling,
presentation mode on a 1920 × 1080 projector, keyboard control of the animation and of η,
and the dark theme. Screenshots go to tests/artifacts/ (access-*.png) to be looked at."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e

PAGES = {
    "descent": "",
    "race": "race",
    "landscape": "landscape",
    "fit": "fit",
    "why": "why",
    "slope": "slope",
    "exercises": "exercises?ex=matrix_loss",
}
#: Pages whose chart shows only after a prediction: the button that shows it without one.
REVEAL = {"exercises": "Show me without predicting"}
MAIN = '[data-testid="stMain"]'
CHART = f'{MAIN} .gdviz-chart .js-plotly-plot, {MAIN} [data-testid="stPlotlyChart"] .js-plotly-plot'
DESCENT = ".st-key-descent_figure .gdviz-chart"


def open_at(browser, base: str, path: str = "", reveal: str | None = None, **context):
    """A new page (a new session) at ``path``, its first chart drawn and the app idle
    (after a click on the button ``reveal`` where the chart waits for one)."""
    ctx = browser.new_context(**context)
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.gdviz_errors = errors
    page.goto(f"{base}/{path}")
    if reveal:
        page.get_by_role("button", name=reveal).click(timeout=90_000)
    page.wait_for_selector(CHART, timeout=90_000)
    return ctx, page


def settle(page, ui) -> None:
    ui.wait_idle(page, timeout=90_000)
    page.wait_for_timeout(300)  # the charts' own resize after the last layout change


def widths(page) -> dict:
    """What could scroll sideways, and where the first chart and its Play button are."""
    return page.evaluate(
        """(sel) => {
            const main = document.querySelector('[data-testid="stMain"]');
            const chart = document.querySelector(sel).getBoundingClientRect();
            const play = document.querySelector('.gdviz-play:not([hidden])');
            const p = play && play.offsetParent ? play.getBoundingClientRect() : null;
            return {
                inner: window.innerWidth,
                document: document.scrollingElement.scrollWidth,
                main: main ? main.scrollWidth : 0,
                mainClient: main ? main.clientWidth : 0,
                chart: { left: chart.left, right: chart.right, width: chart.width },
                play: p && { left: p.left, right: p.right },
            };
        }""",
        CHART,
    )


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_fits_a_phone_without_sideways_scrolling(
    name, chromium_browser, streamlit_server, artifacts, ui
):
    ctx, page = open_at(
        chromium_browser, streamlit_server, PAGES[name], REVEAL.get(name),
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
        has_touch=True,
    )  # fmt: skip
    try:
        settle(page, ui)
        page.screenshot(path=str(artifacts / f"access-phone-{name}.png"))
        first = page.locator(CHART).first.locator(
            "xpath=ancestor::*[contains(@class, 'gdviz-chart') or @data-testid='stPlotlyChart'][1]"
        )
        first.scroll_into_view_if_needed()
        first.screenshot(path=str(artifacts / f"access-phone-{name}-chart.png"))
        size = widths(page)
        assert size["document"] <= size["inner"], size
        assert size["main"] <= size["mainClient"], size  # Streamlit scrolls this element
        chart = size["chart"]
        assert chart["left"] >= 0 and chart["right"] <= size["inner"], size
        assert chart["width"] >= 0.8 * size["inner"], size  # the chart uses the width
        if size["play"]:
            assert size["play"]["left"] >= 0 and size["play"]["right"] <= size["inner"], size
        # the settings are reachable: the sidebar (closed on a phone) opens from its button
        opener = page.locator('[data-testid="stExpandSidebarButton"]')
        opener.click()
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("Presentation mode").wait_for()
        page.wait_for_function(  # slid in
            """() => document.querySelector('[data-testid="stSidebar"]')
                         .getBoundingClientRect().left >= -1"""
        )
        page.wait_for_timeout(300)
        box = sidebar.bounding_box()
        assert box["x"] >= -1 and box["x"] + box["width"] <= size["inner"] + 1, box
        page.screenshot(path=str(artifacts / f"access-phone-{name}-settings.png"))
        assert page.gdviz_errors == []
    finally:
        ctx.close()


def _sizes(page) -> dict:
    return page.evaluate(
        """(sel) => {
            const text = document.querySelector('[data-testid="stMarkdownContainer"] p');
            const gd = document.querySelector(sel);
            const tick = gd.querySelector('.xtick text');
            const trace = gd.querySelector('.scatterlayer .js-line');
            return {
                text: parseFloat(getComputedStyle(text).fontSize),
                tick: parseFloat(getComputedStyle(tick).fontSize),
                layout: gd._fullLayout.font.size,
                line: trace ? parseFloat(getComputedStyle(trace).strokeWidth) : null,
                captions: [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
                    .filter((el) => el.offsetParent !== null).length,
                advanced: Boolean(document.querySelector('.st-key-advanced')?.offsetParent),
                scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth,
            };
        }""",
        f"{DESCENT} .js-plotly-plot",
    )


def test_presentation_mode_on_a_projector_has_larger_text_and_charts(
    chromium_browser, streamlit_server, artifacts, ui
):
    measured = {}
    for mode, path in (("normal", ""), ("present", "?present=1")):
        ctx, page = open_at(
            chromium_browser, streamlit_server, path, viewport={"width": 1920, "height": 1080}
        )
        try:
            page.wait_for_selector(f"{DESCENT}[data-revision]")
            settle(page, ui)
            page.screenshot(path=str(artifacts / f"access-projector-{mode}.png"))
            measured[mode] = _sizes(page)
            assert page.gdviz_errors == []
            if mode == "present":
                toggle = page.get_by_role("switch", name="Presentation mode")
                assert toggle.is_checked()
                assert "present=1" in page.url
        finally:
            ctx.close()
    normal, present = measured["normal"], measured["present"]
    print(measured)  # the numbers for the report (pytest -s)
    assert present["text"] >= 1.3 * normal["text"], measured
    assert present["tick"] >= 1.5 * normal["tick"] and present["layout"] > normal["layout"]
    assert present["line"] > normal["line"], measured
    assert normal["captions"] > 0 and present["captions"] == 0  # fewer words on the wall
    assert normal["advanced"] and not present["advanced"]  # and fewer controls
    assert present["scroll"] <= present["inner"]


def _descent(page) -> dict:
    return page.evaluate(
        """(sel) => {
            const root = document.querySelector(sel);
            return { frame: Number(root.dataset.frame), playing: root.dataset.playing === 'true',
                     readout: root.querySelector('.gdviz-readout').textContent };
        }""",
        DESCENT,
    )


def test_space_arrows_and_plus_minus_work_from_anywhere_on_the_page(app_page, ui):
    page = app_page
    page.locator("h1").first.click()  # the focus on the page, in no field or control
    assert _descent(page)["frame"] == 0
    page.keyboard.press("Space")
    page.wait_for_function(
        "(sel) => Number(document.querySelector(sel).dataset.frame) >= 3", arg=DESCENT
    )
    assert _descent(page)["playing"]
    page.keyboard.press("Space")
    paused = _descent(page)
    assert not paused["playing"]
    page.keyboard.press("ArrowRight")
    assert _descent(page)["frame"] == paused["frame"] + 1
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert _descent(page)["frame"] == paused["frame"] - 1
    assert " 0.1 · " in _descent(page)["readout"]  # η = 0.1 in the worked numbers

    slider = page.get_by_role("slider", name=re.compile("Learning rate η"))
    runs = ui.run_count(page)
    page.keyboard.press("+")  # one step up the grid: 0.1 → 0.12
    ui.wait_idle(page, runs_before=runs)
    page.wait_for_function(
        "(sel) => document.querySelector(sel).querySelector('.gdviz-readout')"
        ".textContent.includes(' 0.12 · ')",
        arg=DESCENT,
    )
    assert "0.12" in (slider.get_attribute("aria-valuetext") or slider.input_value())
    runs = ui.run_count(page)
    page.keyboard.press("-")
    ui.wait_idle(page, runs_before=runs)
    page.wait_for_function(
        "(sel) => document.querySelector(sel).querySelector('.gdviz-readout')"
        ".textContent.includes(' 0.1 · ')",
        arg=DESCENT,
    )

    # in a control the keys are the control's: the epochs slider moves, the chart does not
    before = _descent(page)["frame"]
    runs = ui.run_count(page)
    page.get_by_role("slider", name="Epochs").focus()
    page.keyboard.press("ArrowRight")
    ui.wait_idle(page, runs_before=runs)
    assert _descent(page)["frame"] == before and not _descent(page)["playing"]
    assert page.gdviz_errors == []


def test_the_dark_theme_keeps_charts_legible_as_white_cards(
    chromium_browser, streamlit_server, artifacts, ui
):
    ctx, page = open_at(
        chromium_browser, streamlit_server, "", viewport={"width": 1400, "height": 1000},
        color_scheme="dark",
    )  # fmt: skip
    try:
        page.wait_for_selector(f"{DESCENT}[data-revision]")
        settle(page, ui)
        page.screenshot(path=str(artifacts / "access-dark.png"))
        colours = page.evaluate(
            """(sel) => {
                const css = (el, prop) => getComputedStyle(el)[prop];
                const root = document.querySelector(sel);
                return {
                    app: css(document.querySelector('[data-testid="stApp"]'), 'backgroundColor'),
                    text: css(document.querySelector('h1'), 'color'),
                    card: css(root, 'backgroundColor'),
                    readout: css(root.querySelector('.gdviz-readout'), 'color'),
                    paper: root.querySelector('.js-plotly-plot')._fullLayout.paper_bgcolor,
                };
            }""",
            DESCENT,
        )
        luminance = lambda rgb: sum(map(int, re.findall(r"\d+", rgb)[:3])) / 3  # noqa: E731
        assert luminance(colours["app"]) < 60 and luminance(colours["text"]) > 200, colours
        assert colours["card"] == "rgb(255, 255, 255)", colours  # the chart: a white card
        assert luminance(colours["readout"]) < 100, colours  # with its own dark text
        assert colours["paper"].lower() in ("white", "#fff", "#ffffff", "rgb(255, 255, 255)")
        assert page.gdviz_errors == []
    finally:
        ctx.close()
