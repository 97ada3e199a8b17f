"""Browser tests of the one canvas: the chart's epoch is the page's epoch (step buttons,
arrow keys, the worked numbers, the loss chart and the table follow it), a new run keeps
playing from the same epoch, a click starts the run there, and every page fits its
column at a phone's, a laptop's and a desktop's width."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e

ROOT_SEL = ".st-key-descent_figure .gdviz-chart"


def root_data(page, selector: str = ROOT_SEL) -> dict:
    return page.evaluate(
        """(sel) => {
            const root = document.querySelector(sel);
            return root ? { frame: Number(root.dataset.frame), frames: Number(root.dataset.frames),
                playing: root.dataset.playing === 'true', update: root.dataset.update,
                revision: Number(root.dataset.revision),
                readout: root.querySelector('.gdviz-readout').textContent } : null;
        }""",
        selector,
    )


def test_step_buttons_and_arrow_keys_move_one_epoch_and_the_numbers_follow(app_page, ui):
    page = app_page
    start = root_data(page)
    assert start["frame"] == 0 and start["readout"].startswith("Epoch 0 → 1"), start
    page.locator(f"{ROOT_SEL} .gdviz-forward").click()
    page.locator(f"{ROOT_SEL} .gdviz-forward").click()
    two = root_data(page)
    assert two["frame"] == 2 and two["readout"].startswith("Epoch 2 → 3"), two
    page.locator(ROOT_SEL).focus()
    page.keyboard.press("ArrowLeft")
    assert root_data(page)["frame"] == 1
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    data = root_data(page)
    assert data["frame"] == 3 and "η" in data["readout"], data
    # the loss chart (a follower) shows the same epoch
    loss = page.locator(".st-key-loss_figure .gdviz-chart")
    assert loss.get_attribute("data-frame") == "3"
    assert page.gdviz_errors == []


def test_the_table_of_every_epoch_marks_the_charts_epoch(app_page, ui):
    page = app_page
    runs = ui.run_count(page)
    page.get_by_role("radio", name="Every epoch").click()
    ui.wait_idle(page, runs_before=runs)
    table = page.locator(".st-key-epoch_table .gdviz-table")
    table.locator("tr.gdviz-current").wait_for()
    assert table.locator("tr.gdviz-current td").first.inner_text() == "0"
    for _ in range(4):
        page.locator(f"{ROOT_SEL} .gdviz-forward").click()
    assert table.locator("tr.gdviz-current td").first.inner_text() == "4"


def test_dragging_eta_while_playing_keeps_playing_from_the_same_epoch(app_page, ui):
    """A teacher drags η during Play: the path changes, the animation goes on."""
    page = app_page
    runs = ui.run_count(page)
    page.get_by_role("slider", name="Epochs").focus()
    page.keyboard.press("End")  # 1000 epochs: long enough to play through the change
    ui.wait_idle(page, runs_before=runs)
    page.locator(f"{ROOT_SEL} .gdviz-speed").select_option(index=0)  # the slowest speed
    ui.click_play(page, ".st-key-descent_chart")
    assert root_data(page)["playing"]
    page.wait_for_function(
        "(sel) => Number(document.querySelector(sel).dataset.frame) >= 5", arg=ROOT_SEL
    )
    before = root_data(page)
    lr = page.get_by_role("slider", name=re.compile("Learning rate η"))
    for _ in range(2):
        runs = ui.run_count(page)
        lr.focus()
        page.keyboard.press("ArrowLeft")
        ui.wait_idle(page, runs_before=runs)
    after = root_data(page)
    assert after["revision"] > before["revision"], (before, after)  # a new run is shown
    assert after["playing"], after
    assert after["frame"] >= before["frame"], (before, after)  # not back to epoch 0
    page.wait_for_function(
        "([sel, f]) => Number(document.querySelector(sel).dataset.frame) > f",
        arg=[ROOT_SEL, after["frame"]],
    )
    assert page.gdviz_errors == []


def test_a_click_on_the_curve_starts_the_run_there(app_page, ui):
    page = app_page
    area = ui.plot_area(page)
    graph = page.locator(ui.CHART_SEL).first.bounding_box()
    runs, text = ui.run_count(page), ui.banner_text(page)
    # a quarter of the way across the x axis, which runs from -5 to 5 on the parabola
    page.mouse.click(
        graph["x"] + area["x"] + 0.25 * area["width"], graph["y"] + area["y"] + 0.5 * area["height"]
    )
    ui.wait_idle(page, runs_before=runs, text_before=text)
    start = float(page.locator(".st-key-x0_exact input").input_value())
    assert start == pytest.approx(-2.5, abs=0.1), start
    assert ui.chart_state(page)["frames"] > 1


RACE_ROOT = ".st-key-race_figure .gdviz-chart"


def test_race_a_click_starts_there_and_the_explanation_follows_the_charts_epoch(app_page, ui):
    page = app_page
    runs = ui.run_count(page)
    page.get_by_role("link", name="Optimizer race").click()
    page.wait_for_selector(f"{RACE_ROOT}[data-revision]")
    ui.wait_idle(page, runs_before=runs)
    assert page.get_by_text("Epoch 0 → 1", exact=True).count() == 1
    # step the chart three epochs: when it stops, the explanation below takes its epoch
    runs = ui.run_count(page)
    for _ in range(3):
        page.locator(f"{RACE_ROOT} .gdviz-forward").click()
    ui.wait_idle(page, runs_before=runs)
    epoch = int(page.locator(f"{RACE_ROOT} .gdviz-label").inner_text().split()[-1])
    assert epoch > 0  # (a long race shows every few epochs as a frame)
    page.get_by_text(f"Epoch {epoch} → {epoch + 1}", exact=True).wait_for()
    # a click on the curve, a quarter of the way across x from -5 to 5, starts the race there
    graph = page.locator(f"{RACE_ROOT} .js-plotly-plot")
    box = graph.bounding_box()
    area = ui.plot_area(page, f"{RACE_ROOT} .js-plotly-plot")
    runs = ui.run_count(page)
    page.mouse.click(
        box["x"] + area["x"] + 0.25 * area["width"], box["y"] + area["y"] + 0.5 * area["height"]
    )
    ui.wait_idle(page, runs_before=runs)
    page.get_by_text("every optimizer starts at the same point, x = −2.5000").or_(
        page.get_by_text("every optimizer starts at the same point, x = -2.5000")
    ).first.wait_for()
    assert page.gdviz_errors == []
