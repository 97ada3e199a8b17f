"""Browser tests: gdviz's page as a person sees it, in headless Chromium.

Run: ``python -m pytest tests/e2e -q`` (skips without /usr/bin/chromium unless CI is set).
"""

from __future__ import annotations

import re
import time

import pytest
from PIL import Image

pytestmark = pytest.mark.e2e

BANNER_STATUSES = ("Converged", "Diverged", "Oscillating", "Still descending")
# A pixel of the contour field: strongly coloured (HSV saturation and value, 0-255 scale).
# Viridis runs from saturated purple through teal and green to yellow; the page, the axes,
# the grid and white or grey traces are all close to unsaturated.
FIELD_MIN_SATURATION = 90
FIELD_MIN_VALUE = 40
FIELD_MIN_FRACTION = 0.30


def poll(fn, timeout: float = 20.0, interval: float = 0.05):
    """Call ``fn`` until it returns something truthy; return that, or the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def field_fraction(image: Image.Image) -> float:
    """Fraction of the pixels of ``image`` that look like the contour field."""
    hsv = image.convert("RGB").convert("HSV")
    _, s, v = hsv.split()
    s_data, v_data = s.tobytes(), v.tobytes()
    strong = sum(
        1
        for sat, val in zip(s_data, v_data, strict=True)
        if sat >= FIELD_MIN_SATURATION and val >= FIELD_MIN_VALUE
    )
    return strong / (hsv.width * hsv.height)


def choose_option(page, key: str, pattern: re.Pattern) -> bool:
    """Pick the first option of selectbox ``key`` whose label matches.

    Returns False, and triggers no rerun, when the selection already matches or no option does.
    """
    # Streamlit 1.67's selectbox is a react-aria ComboBox: an input plus an "Open" button.
    if pattern.search(page.locator(f'.st-key-{key} input[role="combobox"]').input_value()):
        return False
    page.locator(f'.st-key-{key} button[aria-haspopup="listbox"]').first.click()
    options = page.get_by_role("option")
    options.first.wait_for()
    match = options.filter(has_text=pattern)
    if match.count() == 0:
        page.keyboard.press("Escape")
        return False
    match.first.click()
    return True


def test_home_page_loads(app_page, ui, artifacts):
    page = app_page
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Traceback" not in page.locator(ui.APP_SEL).inner_text()

    banner = ui.banner_text(page)
    assert banner.startswith(BANNER_STATUSES), banner

    state = ui.chart_state(page)
    assert state is not None, "no Plotly graph div in the descent_chart container"
    assert state["frames"] > 1, state
    assert state["active"] == 0, state

    page.screenshot(path=str(artifacts / "home.png"))
    assert page.gdviz_errors == [], page.gdviz_errors


def test_play_advances_the_frame_slider(app_page, ui):
    page = app_page
    before = ui.chart_state(page)
    assert before["frames"] > 1 and before["active"] == 0, before

    ui.click_play(page)
    after = poll(lambda: (s := ui.chart_state(page))["active"] > 0 and s, timeout=30)
    assert after, f"slider still at step 0 after Play: {ui.chart_state(page)}"
    assert 0 < after["active"] <= after["frames"] - 1, after


def test_contour_field_stays_visible_while_animating(app_page, ui, artifacts):
    page = app_page
    runs, text = ui.run_count(page), ui.banner_text(page)
    page.locator(".st-key-dimension").get_by_text("2-D", exact=True).click()
    ui.wait_idle(page, runs_before=runs, text_before=text)

    runs, text = ui.run_count(page), ui.banner_text(page)
    if choose_option(page, "objective", re.compile("himmelblau", re.IGNORECASE)):
        ui.wait_idle(page, runs_before=runs, text_before=text)

    state = ui.chart_state(page)
    assert state["layoutImages"] >= 1, f"2-D chart has no raster field in layout.images: {state}"
    assert state["images"] >= 1, f"no <image> element in the chart's SVG: {state}"
    last = state["frames"] - 1
    assert last >= 5, f"too few frames to catch the animation in the middle: {state}"

    box = ui.plot_area(page)
    graph = ui.chart(page)
    ui.click_play(page)
    shots: list[tuple[int, float]] = []
    deadline = time.monotonic() + 60
    while len(shots) < 3 and time.monotonic() < deadline:
        before = ui.chart_state(page)
        if before["active"] is None or not 0 < before["active"] < last:
            if before["active"] == last:
                break
            time.sleep(0.02)
            continue
        path = artifacts / f"contour_mid_{len(shots) + 1}.png"
        graph.screenshot(path=str(path))
        after = ui.chart_state(page)
        if not 0 < after["active"] < last:
            continue  # the animation ended while the picture was taken: it is not mid-way
        assert after["images"] >= 1, f"the field's <image> left the DOM mid-animation: {after}"
        plot = Image.open(path).crop(
            (box["x"], box["y"], box["x"] + box["width"], box["y"] + box["height"])
        )
        fraction = field_fraction(plot)
        shots.append((after["active"], fraction))
        assert fraction > FIELD_MIN_FRACTION, (
            f"only {fraction:.0%} of the plot area has the field's colours at frame "
            f"{after['active']}/{last} (see {path})"
        )
    assert len(shots) == 3, f"caught the animation mid-way only {len(shots)} times: {shots}"


def test_large_learning_rate_diverges(app_page, ui, artifacts):
    page = app_page
    banner = ui.banner_text(page)
    assert not banner.startswith("Diverged"), banner

    runs = ui.run_count(page)
    page.locator('.st-key-lr input[type="range"]').focus()
    page.keyboard.press("End")
    ui.wait_idle(page, runs_before=runs, text_before=banner)

    new_banner = ui.banner_text(page)
    assert new_banner != banner
    assert new_banner.startswith("Diverged"), new_banner
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(artifacts / "diverged.png"))


CURRENT_POINT = """(sel) => {
    const gd = document.querySelector(sel);
    const t = gd.data.find((d) => d.name.startsWith('current point'));
    return [Array.from(t.x), Array.from(t.y)];
}"""


def test_a_learning_rate_change_redraws_the_same_graph_in_place(app_page, ui):
    page = app_page
    before = ui.chart_state(page)
    page.evaluate("(sel) => { document.querySelector(sel).__gdvizMark = 1; }", ui.CHART_SEL)
    whole_path = """(sel) => Array.from(
        document.querySelector(sel)._fullData.find((t) => t.name === 'whole path (faint)').x)"""
    path_before = page.evaluate(whole_path, ui.CHART_SEL)

    runs, banner = ui.run_count(page), ui.banner_text(page)
    page.locator('.st-key-lr input[type="range"]').focus()
    page.keyboard.press("ArrowRight")
    ui.wait_idle(page, runs_before=runs, text_before=banner)

    after = ui.chart_state(page)
    assert after["revision"] == before["revision"] + 1, (before, after)
    # the same plotly.js graph, updated: Streamlit's chart would have been replaced
    assert page.evaluate("(sel) => document.querySelector(sel).__gdvizMark", ui.CHART_SEL) == 1
    assert page.evaluate(whole_path, ui.CHART_SEL) != path_before
    assert after["active"] == 0 and after["label"] == "Epoch 0", after


# Draw the figure the chart last received into a fresh, same-sized graph off to the side
# (as a first draw does), then compare what both show: every trace's data, every axis
# range, and the SVG the traces and axes were drawn as.
SAME_AS_A_FRESH_DRAW = """async (sel) => {
    const gd = document.querySelector(sel);
    const root = gd.closest('.gdviz-chart');
    const payload = JSON.parse(root.__gdviz.text);
    const fig = payload.figure ?? payload;
    const layout = {...fig.layout, ...gd.layout && {height: gd.layout.height,
                    margin: gd.layout.margin}};
    delete layout.sliders; delete layout.updatemenus;
    const fresh = document.createElement('div');
    fresh.style.cssText = `position: absolute; left: -5000px; width: ${gd.clientWidth}px`;
    document.body.appendChild(fresh);
    await Plotly.newPlot(fresh, fig.data, layout, {displaylogo: false});
    const summary = (g) => ({
        data: g._fullData.map((t) => [t.name, Array.from(t.x || []), Array.from(t.y || [])]),
        ranges: Object.keys(g._fullLayout).filter((k) => /^[xy]axis\\d*$/.test(k))
            .map((k) => [k, g._fullLayout[k].range]),
        paths: Array.from(g.querySelectorAll('.scatterlayer path.js-line, .scatterlayer '
            + 'path.point')).map((p) => p.getAttribute('d')),
        ticks: Array.from(g.querySelectorAll('.xtick text, .ytick text')).map((t) => t.textContent),
    });
    const result = [summary(gd), summary(fresh)];
    Plotly.purge(fresh); fresh.remove();
    return result;
}"""


def test_a_learning_rate_change_moves_the_data_like_a_fresh_draw(app_page, ui):
    """The fast path (only data moved, axes fixed) must leave the graph exactly as a full
    draw of the new figure would: same data, same axes, same drawn paths."""
    page = app_page
    slider = page.locator('.st-key-lr input[type="range"]')
    for key in ("ArrowRight", "ArrowRight", "ArrowLeft", "End"):  # End: a diverging run
        runs, banner = ui.run_count(page), ui.banner_text(page)
        slider.focus()
        page.keyboard.press(key)
        ui.wait_idle(page, runs_before=runs, text_before=banner)
        update = page.evaluate("(sel) => document.querySelector(sel).closest('.gdviz-chart')"
                               ".dataset.update", ui.CHART_SEL)  # fmt: skip
        assert update == "moved", f"{key}: the chart was redrawn, not moved ({update})"
        shown, fresh = page.evaluate(SAME_AS_A_FRESH_DRAW, ui.CHART_SEL)
        assert shown["data"] == fresh["data"], key
        assert shown["ranges"] == fresh["ranges"], key
        assert shown["ticks"] == fresh["ticks"], key
        assert len(shown["paths"]) == len(fresh["paths"]) > 0, key
        assert shown["paths"] == fresh["paths"], key
    assert ui.banner_text(page).startswith("Diverged")


def test_the_epoch_slider_steps_through_the_run_by_keyboard(app_page, ui):
    page = app_page
    state = ui.chart_state(page)
    start = page.evaluate(CURRENT_POINT, ui.CHART_SEL)
    page.locator(".st-key-descent_chart .gdviz-epoch").focus()
    page.keyboard.press("End")
    last = state["frames"] - 1
    moved = poll(lambda: (s := ui.chart_state(page))["active"] == last and s, timeout=10)
    assert moved, ui.chart_state(page)
    assert moved["label"].startswith("Epoch ") and moved["label"] != "Epoch 0", moved
    assert page.evaluate(CURRENT_POINT, ui.CHART_SEL) != start
    assert not moved["playing"]


def open_view(page, title: str, chart_selector: str) -> None:
    """Follow the navigation link ``title`` and wait for the view's chart, app idle."""
    page.get_by_role("link", name=re.compile(title)).first.click()
    page.wait_for_function(
        """(sel) => {
            const a = document.querySelector('[data-testid="stApp"]');
            return a && a.getAttribute('data-test-script-state') === 'notRunning'
                && document.querySelector(sel);
        }""",
        arg=chart_selector,
        timeout=60_000,
    )


RACE_CHART = ".st-key-race_chart .gdviz-chart .js-plotly-plot"


def test_race_plays_with_every_selected_optimizer_in_the_legend(app_page, ui, artifacts):
    page = app_page
    open_view(page, "Optimizer race", RACE_CHART)
    assert page.locator('[data-testid="stException"]').count() == 0
    legend = page.locator(f"{RACE_CHART} g.legend").first.text_content()
    for name in ("Gradient descent", "Momentum", "Adam"):
        assert name in legend, legend
    graph = page.locator(RACE_CHART).first
    ui.click_play(page, ".st-key-race_chart")
    active = poll(lambda: ui.chart_state(page, RACE_CHART)["active"] > 0, timeout=30)
    assert active, "the race's frame slider did not advance after Play"
    graph.screenshot(path=str(artifacts / "race.png"))
    assert not page.gdviz_errors


FIT_CHART = ".st-key-fit_chart .gdviz-chart .js-plotly-plot"
LINE_Y = """(sel) => {
    const gd = document.querySelector(sel);
    const line = gd.data.find((t) => (t.name || '').startsWith('model'));
    return Array.from(line.y);
}"""


def test_fit_page_plays_and_the_fitted_line_moves(app_page, ui, artifacts):
    page = app_page
    open_view(page, "Fit a model", FIT_CHART)
    assert page.locator('[data-testid="stException"]').count() == 0
    before = page.evaluate(LINE_Y, FIT_CHART)
    graph = page.locator(FIT_CHART).first
    ui.click_play(page, ".st-key-fit_chart")
    moved = poll(lambda: page.evaluate(LINE_Y, FIT_CHART) != before, timeout=30)
    assert moved, "the fitted line did not move after Play"
    graph.screenshot(path=str(artifacts / "fit.png"))
    assert not page.gdviz_errors


SLIDER_VALUES = """() => Object.fromEntries(['x0', 'epochs', 'tol'].map((k) => [k,
    document.querySelector(`.st-key-${k} input[type=range]`)?.getAttribute('aria-valuetext')]))"""


def test_a_typo_in_your_function_keeps_the_run_settings(app_page, ui):
    """While a typed function does not parse, the start, epoch and tolerance sliders are
    not drawn; once it parses again they come back showing the values the run uses."""
    page = app_page
    runs, text = ui.run_count(page), ui.banner_text(page)
    assert choose_option(page, "objective", re.compile("Type your own"))
    ui.wait_idle(page, runs_before=runs, text_before=text)
    before = page.evaluate(SLIDER_VALUES)
    assert before["epochs"] == "100", before

    box = page.locator(".st-key-expression input")
    box.fill("x^2 +")
    box.press("Enter")
    page.locator('[data-testid="stSidebar"] [data-testid="stAlert"]').wait_for()
    ui.wait_idle(page)
    assert page.evaluate(SLIDER_VALUES)["epochs"] is None  # not drawn meanwhile

    runs = ui.run_count(page)
    box.fill("x^2/10 + sin(2x)")
    box.press("Enter")
    ui.wait_idle(page, runs_before=runs)
    page.locator(".st-key-epochs input[type=range]").wait_for()
    assert page.evaluate(SLIDER_VALUES) == before
    assert page.locator('[data-testid="stException"]').count() == 0


VIEW = """(sel) => {
    const gd = document.querySelector(sel);
    const point = gd._fullData.find((t) => t.name.startsWith('current point'));
    return {x: gd._fullLayout.xaxis.range.slice(), y: gd._fullLayout.yaxis.range.slice(),
            point: [point.x[0], point.y[0]], title: gd._fullLayout.xaxis.title.text};
}"""


def test_a_diverging_run_zooms_out_as_it_plays_and_the_next_run_starts_in_its_own_view(
    app_page, ui, artifacts
):
    """η = 10 on x² + 5: every frame's axes hold the point, and they only grow. After a
    zoomed-out frame, a new learning rate shows its own view again (fast path)."""
    page = app_page
    runs, banner = ui.run_count(page), ui.banner_text(page)
    page.locator('.st-key-lr input[type="range"]').focus()
    page.keyboard.press("End")
    ui.wait_idle(page, runs_before=runs, text_before=banner)
    assert "zooms out as it plays" in ui.banner_text(page)
    frames = ui.chart_state(page)["frames"]
    assert frames >= 8
    page.locator(".st-key-descent_chart .gdviz-epoch").focus()
    views = [page.evaluate(VIEW, ui.CHART_SEL)]
    for _ in range(frames - 1):
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(60)
        views.append(page.evaluate(VIEW, ui.CHART_SEL))
    assert "signed log" in views[0]["title"]
    for before, now in zip(views, views[1:], strict=False):
        assert now["x"][0] <= before["x"][0] and now["x"][1] >= before["x"][1]
    for view in views:
        assert view["x"][0] <= view["point"][0] <= view["x"][1]
        assert view["y"][0] <= view["point"][1] <= view["y"][1]
    assert views[-1]["x"][1] - views[-1]["x"][0] > 5 * (views[0]["x"][1] - views[0]["x"][0])
    page.locator(".st-key-descent_chart").screenshot(path=str(artifacts / "zoomed_out.png"))

    # η = 1.01 diverges slowly, to its last epoch: zoom to its last frame, then take one
    # epoch fewer, a new figure whose first view is the old one's. The chart keeps the
    # epoch on screen (clamped to the new last one) with that frame's view; back at epoch 0
    # the graph must show the first view exactly as a fresh draw does.
    page.get_by_text("Advanced settings", exact=True).click()
    lr_box = page.locator(".st-key-lr_exact input")
    runs, banner = ui.run_count(page), ui.banner_text(page)
    lr_box.fill("1.01")
    lr_box.press("Enter")
    ui.wait_idle(page, runs_before=runs, text_before=banner)
    assert ui.banner_text(page).startswith("Diverged at epoch 100")
    first = page.evaluate(VIEW, ui.CHART_SEL)
    page.locator(".st-key-descent_chart .gdviz-epoch").focus()
    page.keyboard.press("End")
    page.wait_for_timeout(300)
    assert page.evaluate(VIEW, ui.CHART_SEL)["x"] != first["x"]
    runs, epochs = ui.run_count(page), page.locator(".st-key-epochs").inner_text()
    page.locator('.st-key-epochs input[type="range"]').focus()
    page.keyboard.press("ArrowLeft")
    ui.wait_idle(page, runs_before=runs, text_before=epochs, text_selector=".st-key-epochs")
    assert ui.banner_text(page).startswith("Diverged at epoch 99")
    root = "(sel) => document.querySelector(sel).closest('.gdviz-chart').dataset.update"
    assert page.evaluate(root, ui.CHART_SEL) == "moved"
    state = ui.chart_state(page)
    assert state["label"] == "Epoch 99" and state["active"] == state["frames"] - 1, state
    assert page.evaluate(VIEW, ui.CHART_SEL)["x"] != first["x"]  # the last frame's view
    page.locator(".st-key-descent_chart .gdviz-epoch").focus()
    page.keyboard.press("Home")
    page.wait_for_timeout(300)
    assert page.evaluate(VIEW, ui.CHART_SEL)["x"] == first["x"]
    shown, fresh = page.evaluate(SAME_AS_A_FRESH_DRAW, ui.CHART_SEL)
    # the same ticks (plotly.js may keep reused tick elements in another DOM order)
    assert shown["ranges"] == fresh["ranges"] and sorted(shown["ticks"]) == sorted(fresh["ticks"])

    runs, banner = ui.run_count(page), ui.banner_text(page)
    lr_box.fill("0.1")
    lr_box.press("Enter")
    ui.wait_idle(page, runs_before=runs, text_before=banner)
    assert ui.banner_text(page).startswith("Converged")
    assert page.evaluate(root, ui.CHART_SEL) == "moved"
    view = page.evaluate(VIEW, ui.CHART_SEL)
    assert view["x"] == [-5, 5] and "log" not in view["title"]


def test_a_start_typed_beside_the_slider_goes_anywhere_and_the_view_follows(app_page, ui):
    page = app_page
    banner = ui.banner_text(page)
    # The exact start is under the sidebar's advanced box, shut by default.
    page.get_by_text("Advanced settings", exact=True).click()
    box = page.locator(".st-key-x0_exact input")
    box.fill("10000000")  # beyond ±10⁶: the input refuses it and the run keeps its start
    box.press("Enter")
    page.wait_for_timeout(800)
    ui.wait_idle(page)
    assert ui.banner_text(page) == banner
    assert "3" in page.locator(".st-key-x0").inner_text()
    runs = ui.run_count(page)
    box.fill("9999")
    box.press("Enter")
    ui.wait_idle(page, runs_before=runs, text_before=banner)
    text = ui.banner_text(page)
    assert text.startswith("Converged") or text.startswith("Still descending"), text
    assert "the view is widened" in text
    view = page.evaluate(VIEW, ui.CHART_SEL)
    assert view["x"][0] <= -5 and view["x"][1] >= 9999 and view["point"][0] == 9999
    assert (
        page.locator('.st-key-x0 input[type="range"]').get_attribute("aria-valuenow")
        in (
            "9999",
            "9999.0",
        )
        or page.locator(".st-key-x0").inner_text().count("9999") >= 1
    )
