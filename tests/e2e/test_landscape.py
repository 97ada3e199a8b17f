"""Browser tests of the "Every learning rate" page: reached from the descent page's η
control, its sweep appears and a click on a point takes that η; the basin map appears and
a click on a pixel replays that start's run on it."""

from __future__ import annotations

import math

import pytest

pytestmark = pytest.mark.e2e

SWEEP_GRAPH = ".st-key-sweep [data-testid='stPlotlyChart'] .js-plotly-plot"
BASIN_ROOT = ".st-key-basin_figure .gdviz-chart"


def _open_from_descent_page(page, ui):
    runs = ui.run_count(page)
    page.get_by_role("link", name="Every η at once").first.click()
    page.wait_for_selector(SWEEP_GRAPH, timeout=60_000)
    ui.wait_idle(page, runs_before=runs, timeout=60_000)


def _point_position(page, rate: float) -> dict:
    """Where the sweep's point nearest ``rate`` is drawn on the top panel, in page pixels,
    and that point's own rate (from its customdata)."""
    return page.evaluate(
        """([sel, rate]) => {
            const gd = document.querySelector(sel);
            const box = gd.getBoundingClientRect();
            let best = null;
            gd._fullData.forEach((trace) => {
                if (!trace.customdata || trace.yaxis !== 'y' || trace.visible === false) return;
                trace.x.forEach((x, i) => {
                    const d = Math.abs(Math.log10(x) - Math.log10(rate));
                    if (best === null || d < best.d) best = {d, trace, i};
                });
            });
            const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
            const x = best.trace.x[best.i], y = best.trace.y[best.i];
            const yv = ya.type === 'log' ? Math.log10(y) : y;
            return {
                x: box.left + xa._offset + xa.l2p(Math.log10(x)),
                y: box.top + ya._offset + ya.l2p(yv),
                rate: Number(best.trace.customdata[best.i]),
            };
        }""",
        [SWEEP_GRAPH, rate],
    )


def _slider_rate(page) -> float:
    text = page.locator(".st-key-lr [data-testid='stSliderThumbValue']").first.inner_text()
    return float(text)


def test_the_sweep_appears_and_a_click_on_a_point_takes_its_rate(app_page, ui):
    page = app_page
    _open_from_descent_page(page, ui)
    assert "landscape" in page.url
    target = _point_position(page, 0.3)
    assert math.isfinite(target["x"]) and math.isfinite(target["y"]), target
    rates = page.evaluate(
        """(sel) => document.querySelector(sel)._fullData
            .filter((t) => t.customdata && t.mode && t.mode.includes('markers'))
            .flatMap((t) => Array.from(t.customdata, Number))""",
        SWEEP_GRAPH,
    )
    runs = ui.run_count(page)
    page.mouse.click(target["x"], target["y"])
    ui.wait_idle(page, runs_before=runs, timeout=60_000)
    chosen = _slider_rate(page)
    # the point under the mouse (Plotly picks the nearest, maybe a neighbour) is a rate
    # of the sweep, near the one aimed at, and the page now runs it
    assert any(chosen == pytest.approx(r, rel=1e-4) for r in rates), chosen
    assert chosen == pytest.approx(target["rate"], rel=0.1)
    assert chosen != pytest.approx(0.1)  # (the parabola's own η, before the click)
    page.get_by_text(f"The run at η = {chosen:g}").wait_for(timeout=30_000)
    assert page.gdviz_errors == []


def test_the_basin_map_appears_and_a_click_replays_a_run(app_page, ui):
    page = app_page
    _open_from_descent_page(page, ui)
    runs = ui.run_count(page)
    page.locator(".st-key-dimension").get_by_text("2-D", exact=True).click()
    ui.wait_idle(page, runs_before=runs, timeout=60_000)
    runs = ui.run_count(page)
    page.locator(".st-key-landscape_view button", has_text="Basin map").click()
    page.wait_for_selector(f"{BASIN_ROOT}[data-revision]", timeout=60_000)
    ui.wait_idle(page, runs_before=runs, timeout=60_000)
    graph = page.locator(f"{BASIN_ROOT} .js-plotly-plot")
    assert (
        page.evaluate(
            "(sel) => (document.querySelector(sel).layout.images || []).length",
            f"{BASIN_ROOT} .js-plotly-plot",
        )
        >= 1
    )
    box = graph.bounding_box()
    area = ui.plot_area(page, f"{BASIN_ROOT} .js-plotly-plot")
    runs = ui.run_count(page)
    # a tenth of the way in from the top-left corner of Himmelblau's box
    page.mouse.click(
        box["x"] + area["x"] + 0.1 * area["width"], box["y"] + area["y"] + 0.1 * area["height"]
    )
    page.wait_for_selector(".st-key-basin_replay", timeout=60_000)
    ui.wait_idle(page, runs_before=runs, timeout=60_000)
    frames = page.evaluate(
        "(sel) => Number(document.querySelector(sel).dataset.frames || 0)", BASIN_ROOT
    )
    assert frames > 1  # the map now plays the replayed run
    page.screenshot(path="tests/artifacts/landscape-basin.png")
    assert page.gdviz_errors == []
