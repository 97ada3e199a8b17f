"""Starts anywhere, on every page: a number input beside each start slider (AppTest)."""

import math

import pytest

from tests.conftest import chart_figures, open_page

PAGES = [  # (page, the start's key, the axis of the start's coordinate)
    (None, "x0", "xaxis"),
    ("views/race.py", "race_x0", "xaxis"),
    ("views/why.py", "why_x0", "xaxis"),
    ("views/derivative.py", "slope_x", "xaxis"),
    ("views/fit.py", "fit_w0", "xaxis4"),  # the loss landscape beside the data
]


def alerts(at) -> list[str]:
    return [e.value for kind in ("success", "error", "warning", "info") for e in getattr(at, kind)]


@pytest.mark.parametrize(("page", "key", "axis"), PAGES)
def test_a_start_typed_far_outside_the_box_is_used_and_shown(page, key, axis):
    at = open_page(page)
    at.number_input(key=key + "_exact").set_value(9999.0).run()
    assert not at.exception, at.exception
    slider = at.slider(key=key)
    assert slider.value == 9999.0 and slider.max == 9999.0  # the slider widens to hold it
    assert not any(text.startswith("Cannot") for text in alerts(at))
    figure = chart_figures(at)[0]
    lo, hi = figure["layout"][axis]["range"]
    assert lo < 0 < 9999.0 <= hi  # the view follows the start ...
    widened = [text for text in alerts(at) if "view is widened" in text]  # the banner says so,
    assert widened and f"({key.split('_')[-1][0]} from " in widened[0]  # naming the variable


def test_the_descent_banner_says_the_view_was_widened_and_is_true():
    at = open_page()
    at.number_input(key="x0_exact").set_value(9999.0)
    at.number_input(key="lr_exact").set_value(0.01).run()
    (banner,) = [text for text in alerts(at) if text.startswith("Still descending")]
    assert "by a factor 0.98" in banner and "Diverged" not in banner
    assert "the view is widened to show all of it (x from -1000 to 11000)" in banner
    at.number_input(key="x0_exact").set_value(3.0).run()
    assert not any("widened" in text for text in alerts(at))


def test_moving_the_slider_updates_the_typed_start():
    at = open_page()
    at.slider(key="x0").set_value(-2.0).run()
    assert at.number_input(key="x0_exact").value == -2.0
    assert chart_figures(at)[0]["frames"][0]["data"][-1]["x"] == [-2.0]


@pytest.mark.parametrize("garbage", ["abc", math.nan, math.inf, 1e300, None])
def test_garbage_starts_in_session_state_fall_back_to_the_suggestion(garbage):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.session_state["x0"] = garbage
    at.run()
    assert not at.exception, at.exception
    assert at.slider(key="x0").value == 3.0 and at.number_input(key="x0_exact").value == 3.0
