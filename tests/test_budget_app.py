"""A view that would take longer than the page allows is refused, with why and what to
change, and a button to compute it anyway; a longer one the user asked for shows progress.

The budgets are set here (no test depends on this machine's speed): 0 s refuses any view
that computes for longer than one progress report; a minute lets every view finish.
"""

import pytest
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

import ui.budget
import ui.compute
from tests.conftest import chart_figures, page_text

LANDSCAPE = "views/landscape.py"


@pytest.fixture(autouse=True)
def fresh():
    """No map or refusal from another test: each test computes its own."""
    st.cache_resource.clear()
    ui.budget._refused.clear()
    yield
    st.cache_resource.clear()
    ui.budget._refused.clear()


@pytest.fixture
def calls(monkeypatch):
    """Each computation of a map or sweep: (its name, the progress callback it was given)."""
    seen = []
    for name in ("basin_map", "lr_momentum_map", "lr_start_map", "lr_sweep"):
        inner = getattr(ui.compute, name)

        def spy(*args, _inner=inner, _name=name, **kwargs):
            seen.append((_name, kwargs.get("progress")))
            return _inner(*args, **kwargs)

        monkeypatch.setattr(ui.compute, name, spy)
    return seen


def open_link(page: str, params: dict):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(__import__("tests.conftest").conftest.ROOT / "app.py"),
                           default_timeout=180)  # fmt: skip
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def warnings_of(at) -> list[str]:
    return [w.value for w in at.warning]


def test_a_basin_map_past_its_budget_is_refused_with_why_and_what_to_change(monkeypatch, calls):
    monkeypatch.setattr(ui.budget, "FIRST_VIEW", 0.0)
    at = open_link(LANDSCAPE, {"fn": "himmelblau", "show": "basin", "epochs": "400"})
    [warning] = warnings_of(at)
    assert "This basin map would take too long to draw here." in warning
    assert "65,536 runs of 400 epochs (Gradient descent) did not finish in 0 s" in warning
    assert "To draw it, use fewer epochs (about " in warning
    assert "Traceback" not in page_text(at) and "Could not show" not in page_text(at)
    assert not chart_figures(at)  # no map: the message stands in its place
    # the controls stay: the resolution, the zoom box, the epochs and the optimizer
    assert at.segmented_control(key="basin_resolution").value == "256 × 256"
    assert at.number_input(key="basin_xmin") is not None
    assert at.slider(key="epochs").value == 400
    assert [name for name, _ in calls] == ["basin_map"]
    # the next run of the page shows the refusal at once: nothing is computed again
    at.run()
    assert len(calls) == 1 and "would take too long" in warnings_of(at)[0]
    # fewer epochs, as it says, and the map is drawn (within a budget it fits)
    monkeypatch.setattr(ui.budget, "FIRST_VIEW", 60.0)
    at.slider(key="epochs").set_value(20).run()
    assert not warnings_of(at) and chart_figures(at)


def test_compute_it_anyway_draws_the_refused_map_with_its_progress(monkeypatch, calls):
    monkeypatch.setattr(ui.budget, "FIRST_VIEW", 0.0)
    monkeypatch.setattr(ui.budget, "SHOW_AFTER", 0.0)
    drawn = []
    inner = DeltaGenerator.progress

    def progress(self, value, text=None):
        drawn.append(value)
        return inner(self, value, text)

    monkeypatch.setattr(DeltaGenerator, "progress", progress)
    at = open_link(LANDSCAPE, {"fn": "saddle", "show": "basin", "epochs": "300", "opt": "adam"})
    assert "would take too long" in warnings_of(at)[0]
    [button] = [b for b in at.button if b.key == "_compute_anyway_button"]
    assert button.label.startswith("Compute it anyway (about ")
    drawn.clear()
    button.click().run()
    assert not at.exception
    assert not warnings_of(at) and chart_figures(at)
    assert "100 % of the starts diverge." in page_text(at)
    assert drawn and all(0 <= v <= 1 for v in drawn) and drawn == sorted(drawn)  # the bar
    assert calls[-1][1] is not None  # the map was given the callback that draws it


def test_a_larger_resolution_shows_progress_and_past_its_budget_says_to_go_back(monkeypatch,
                                                                              calls):  # fmt: skip
    monkeypatch.setattr(ui.budget, "FIRST_VIEW", 0.0)  # the default resolution's: not used
    at = open_link(LANDSCAPE, {"fn": "bowl", "show": "momentum", "mres": "400", "epochs": "60"})
    assert not warnings_of(at) and chart_figures(at)  # asked for: up to LONGER, with the bar
    assert calls[-1][0] == "lr_momentum_map" and calls[-1][1] is not None
    monkeypatch.setattr(ui.budget, "LONGER", 0.0)
    at.slider(key="epochs").set_value(300).run()
    [warning] = warnings_of(at)
    assert "This η × momentum map would take too long" in warning
    assert "160,000 runs of 300 epochs (heavy-ball momentum)" in warning
    assert "or the 200 × 200 resolution." in warning
    assert not [b for b in at.button if b.key == "_compute_anyway_button"]  # no more time


@pytest.mark.parametrize(
    ("page", "params", "what"),
    [
        (LANDSCAPE, {"fn": "cubic", "show": "start", "epochs": "1000"}, "η × start map"),
        (LANDSCAPE, {"fn": "saddle", "show": "sweep", "epochs": "1000", "opt": "nesterov"},
         "learning-rate sweep"),
        ("views/fit.py", {"data": "noisy_line", "details": "rates", "rates": "basin",
                          "epochs": "500"}, "basin map"),
        ("views/fit.py", {"data": "noisy_line", "details": "rates", "rates": "momentum",
                          "epochs": "500"}, "η × momentum map"),
    ],
)  # fmt: skip
def test_every_view_can_be_refused_without_a_traceback(monkeypatch, page, params, what):
    monkeypatch.setattr(ui.budget, "FIRST_VIEW", 0.0)
    at = open_link(page, params)
    text = page_text(at)
    assert f"This {what} would take too long to draw here." in text
    assert "Traceback" not in text and "Could not show" not in text
    if what == "learning-rate sweep":  # the run at the page's η is still drawn below
        assert "The run at η = 0.05" in text and chart_figures(at)
