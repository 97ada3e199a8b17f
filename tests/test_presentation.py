"""Presentation mode and keyboard control: figures redrawn for a projector (gdviz.figures
.projector), the mode switched by the address or the sidebar toggle (ui/present.py), and
"+" / "−" moving η along its slider's grid (ui/keys.py)."""

from __future__ import annotations

import copy
import json

import plotly.graph_objects as go
import plotly.io as pio
import pytest

import gdviz
from gdviz.figures.projector import PROJECTOR, for_projector
from tests.conftest import animated_charts, chart_figures, chart_payload, open_page
from tests.every_figure import every_figure
from ui import present
from ui.controls import LR_GRID
from ui.keys import keys_help, step_lr


def plain(figure) -> dict:
    return json.loads(pio.to_json(figure, validate=False))


@pytest.fixture(scope="module")
def run():
    return gdviz.descend("himmelblau", (0.0, 0.0), lr=0.01, epochs=40)


def test_fonts_lines_and_markers_grow_in_traces_layout_and_every_frame(run):
    figure = gdviz.descent_figure(run)
    before, big = plain(figure), plain(for_projector(figure))
    assert big["layout"]["font"]["size"] == pytest.approx(12 * PROJECTOR.font, abs=0.05)
    for old, new in zip(before["data"], big["data"], strict=True):
        if "width" in old.get("line", {}):
            assert new["line"]["width"] == pytest.approx(old["line"]["width"] * PROJECTOR.line)
        size = old.get("marker", {}).get("size")
        if isinstance(size, int | float):
            assert new["marker"]["size"] == pytest.approx(size * PROJECTOR.marker, abs=0.05)
        assert new.get("x") == old.get("x") and new.get("y") == old.get("y")  # same data
    assert len(big["frames"]) == len(before["frames"]) > 1
    for old, new in zip(before["frames"], big["frames"], strict=True):
        assert new["traces"] == old["traces"] and new["name"] == old["name"]
        for a, b in zip(old["data"], new["data"], strict=True):
            if isinstance(a.get("marker", {}).get("size"), int | float):
                assert b["marker"]["size"] > a["marker"]["size"]
            if "width" in a.get("line", {}):
                assert b["line"]["width"] > a["line"]["width"]
            assert b.get("x") == a.get("x")


def test_explicit_font_sizes_grow_and_defaults_are_set():
    spec = {
        "data": [{"type": "scatter", "mode": "lines+markers+text", "x": [0, 1], "y": [1, 0]}],
        "layout": {"annotations": [{"text": "a", "font": {"size": 10}, "arrowwidth": 2}],
                   "sliders": [{"currentvalue": {"font": {"size": 13}}}],
                   "xaxis": {"title": {"text": "x", "font": {"size": 14}}}},
    }  # fmt: skip
    original = copy.deepcopy(spec)
    big = for_projector(spec)
    assert spec == original  # the input is not changed
    trace = big["data"][0]
    assert trace["line"]["width"] == 4.0 and trace["marker"]["size"] == 9.6
    assert trace["textfont"]["size"] == 19.2
    layout = big["layout"]
    assert layout["annotations"][0]["font"]["size"] == 16.0
    assert layout["annotations"][0]["arrowwidth"] == 4.0
    assert layout["sliders"][0]["currentvalue"]["font"]["size"] == 20.8
    assert layout["xaxis"]["title"]["font"]["size"] == 22.4
    assert layout["xaxis"]["gridcolor"] != "#EBF0F8"  # darker than the template's grid


def test_margins_grow_with_the_text_and_the_plot_keeps_its_height(run):
    spec = plain(gdviz.descent_figure(run))
    big = for_projector(spec)
    old, new = spec["layout"], big["layout"]
    room = old["meta"]["controls"]["room"]  # the chart element's own controls: not text
    assert new["margin"]["l"] > old["margin"]["l"] and new["margin"]["t"] > old["margin"]["t"]
    assert new["margin"]["b"] - room == round((old["margin"]["b"] - room) * PROJECTOR.font)
    plot = lambda lay: lay["height"] - lay["margin"]["t"] - lay["margin"]["b"]  # noqa: E731
    assert plot(new) == plot(old)
    assert new["meta"] == old["meta"]


@pytest.mark.parametrize("name", list(every_figure()))
def test_every_figure_projects_to_a_valid_figure(name):
    figure = every_figure()[name]
    big = for_projector(figure)
    go.Figure(big)  # plotly's own validation: every property it set exists
    assert big["layout"]["font"]["size"] > 12


def test_the_address_flag_words():
    for word in ("1", "true", "TRUE", "yes", "on", " On "):
        assert present.flag_on(word), word
    for word in ("0", "false", "no", "off", "", "2", "presentation", None, ["1"]):
        assert not present.flag_on(word), word


def _fonts(at) -> list:
    return [f["layout"].get("font", {}).get("size") for f in chart_figures(at)]


@pytest.mark.parametrize("flag", ["1", "yes"])
def test_present_in_the_address_switches_the_mode_on_and_the_charts_grow(flag):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params["present"] = flag
    at.run()
    assert not at.exception
    assert at.toggle(key="present").value is True
    assert _fonts(at) and all(size == pytest.approx(19.2) for size in _fonts(at))
    styles = [n for n in at.get("html") if "font-size: 22px" in n.proto.body]
    assert styles, "the page's own larger style"
    at.toggle(key="present").set_value(False).run()
    assert "present" not in at.query_params  # the address follows the toggle
    assert all(size is None for size in _fonts(at))
    assert not [n for n in at.get("html") if "font-size: 22px" in n.proto.body]


@pytest.mark.parametrize("flag", [None, "0", "off", "maybe"])
def test_anything_else_in_the_address_leaves_the_mode_off(flag):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    if flag is not None:
        at.query_params["present"] = flag
    at.run()
    assert at.toggle(key="present").value is False
    assert all(size is None for size in _fonts(at))


@pytest.mark.parametrize(
    "path", [None, "views/race.py", "views/fit.py", "views/landscape.py", "views/why.py",
             "views/derivative.py"],
)  # fmt: skip
def test_every_page_draws_its_charts_projected_when_the_toggle_is_on(path):
    at = open_page(path)
    at.toggle(key="present").set_value(True).run()
    assert not at.exception
    assert at.query_params["present"] == ["1"] or at.query_params["present"] == "1"
    sizes = _fonts(at)
    assert sizes and all(size == pytest.approx(19.2) for size in sizes), sizes


def test_plus_and_minus_step_eta_along_the_sliders_grid():
    assert step_lr(0.1, 1) == 0.12 and step_lr(0.12, -1) == 0.1
    assert step_lr(0.11, 1) == 0.12 and step_lr(0.11, -1) == 0.1  # a typed η: next grid point
    assert step_lr(LR_GRID[-1], 1) == LR_GRID[-1] and step_lr(LR_GRID[0], -1) == LR_GRID[0]
    value = LR_GRID[0]
    for _ in range(len(LR_GRID) - 1):
        value = step_lr(value, 1)
    assert value == LR_GRID[-1]  # every grid point, one press each


def test_the_descent_and_fit_charts_take_eta_keys_and_say_so():
    at = open_page()
    chart = next(n for n in animated_charts(at) if n.proto.id.endswith("descent_figure"))
    assert chart_payload(chart)["lr"] is True
    loss = next(n for n in animated_charts(at) if n.proto.id.endswith("loss_figure"))
    assert "lr" not in chart_payload(loss)  # a follower: the keys go to the page's chart
    assert any(keys_help() in c.value for c in at.caption)
    fit = open_page("views/fit.py")
    chart = next(n for n in animated_charts(fit) if n.proto.id.endswith("fit_figure"))
    assert chart_payload(chart)["lr"] is True


def test_an_eta_key_moves_the_pages_eta_before_the_slider_is_drawn(monkeypatch):
    """The chart's callback for "+" and "−" (ui.keys.on_lr_key), which Streamlit runs before
    the page, with the chart's event in session state."""
    import ui.keys

    session = {"chart": {"lr": {"step": 1, "press": 1}}, "lr": 0.1}
    monkeypatch.setattr(ui.keys.st, "session_state", session)
    ui.keys.on_lr_key("chart", "lr")
    assert session["lr"] == 0.12
    session["chart"] = {"lr": {"step": -1, "press": 2}}
    ui.keys.on_lr_key("chart", "lr")
    ui.keys.on_lr_key("chart", "lr")
    assert session["lr"] == 0.09
    session["chart"] = {"lr": None}  # another event of the chart (a click)
    ui.keys.on_lr_key("chart", "lr")
    assert session["lr"] == 0.09
