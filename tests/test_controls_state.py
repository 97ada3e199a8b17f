"""Sidebar controls keep their values honestly: no widget gets a value both as a default and
through session state (Streamlit logs a warning for that), and a slider whose range changes
keeps a value that is still inside it (AppTest)."""

import logging

import pytest
import streamlit.elements.lib.policies as policies

from tests.conftest import open_page

DUPLICATE = "created with a default value but also had its value set via the Session State API"


@pytest.fixture
def duplicate_warnings(monkeypatch, caplog):
    """The warnings Streamlit logs for a widget given a default and a session-state value.

    Streamlit checks only under a running server and warns once per process, so the test
    pretends to be under a server and resets the once-flag.
    """
    monkeypatch.setattr(policies.runtime, "exists", lambda: True)
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    caplog.set_level(logging.WARNING, logger="streamlit")
    return lambda: [r.getMessage() for r in caplog.records if DUPLICATE in r.getMessage()]


@pytest.mark.parametrize(("page", "prefix"), [(None, ""), ("views/race.py", "race_")])
def test_valid_invalid_valid_typed_function_logs_no_duplicate_value_warning(
    duplicate_warnings, page, prefix
):
    at = open_page(page)
    at.selectbox(key=prefix + "objective").set_value("custom").run()
    at.text_input(key=prefix + "expression").input("x^2 - x").run()
    at.text_input(key=prefix + "expression").input("x^2 +").run()
    assert at.error  # the typo is reported ...
    at.text_input(key=prefix + "expression").input("x^2 - 2x").run()
    assert not at.exception, at.exception
    assert at.slider(key=prefix + "epochs")  # ... and the run controls are back
    assert duplicate_warnings() == []


def test_switching_curves_keeps_x_when_it_is_inside_the_new_range():
    at = open_page("views/derivative.py")
    at.slider(key="slope_x").set_value(1.5).run()
    at.selectbox(key="slope_objective").set_value("double_well").run()  # box −2 … 2
    slider = at.slider(key="slope_x")
    assert (slider.value, slider.min, slider.max) == (1.5, -2.0, 2.0)
    assert at.number_input(key="slope_x_exact").value == 1.5
    assert "f′(x) = " in at.info[0].value  # the page computed at 1.5, not the minimum:
    assert at.dataframe[0].value.iloc[0]["f(x)"] == 1.5**4 - 2 * 1.5**2 + 0.3 * 1.5


def test_switching_curves_clamps_x_when_it_is_outside_the_new_range():
    at = open_page("views/derivative.py")
    at.selectbox(key="slope_objective").set_value("wavy").run()  # box −6 … 6
    at.slider(key="slope_x").set_value(-5.0).run()
    at.selectbox(key="slope_objective").set_value("cubic").run()  # box −2.5 … 2.5
    slider = at.slider(key="slope_x")
    assert (slider.value, slider.min, slider.max) == (-2.5, -2.5, 2.5)
    assert at.number_input(key="slope_x_exact").value == -2.5


def typed(text: str):
    at = open_page()
    at.selectbox(key="objective").set_value("custom").run()
    at.text_input(key="expression").input(text).run()
    return at


def test_editing_the_typed_function_keeps_the_start_inside_the_box():
    at = typed("x^2 - x")
    at.slider(key="x0").set_value(2.0).run()
    at.text_input(key="expression").input("x^2 - 2x").run()
    assert not at.exception, at.exception
    assert at.slider(key="x0").value == 2.0 and at.number_input(key="x0_exact").value == 2.0


def test_editing_the_box_keeps_a_start_inside_and_clamps_one_outside():
    at = typed("x^2 - x")
    at.slider(key="x0").set_value(2.0).run()
    at.number_input(key="xmin").set_value(-4.0).run()
    slider = at.slider(key="x0")
    assert (slider.value, slider.min, slider.max) == (2.0, -4.0, 5.0)
    at.number_input(key="xmax").set_value(1.0).run()
    slider = at.slider(key="x0")
    assert (slider.value, slider.min, slider.max) == (1.0, -4.0, 1.0)
    assert at.number_input(key="x0_exact").value == 1.0


@pytest.mark.parametrize("garbage", [float("nan"), 2.5, "seven", -1, True, None])
def test_garbage_noise_settings_in_session_state_fall_back_to_none(garbage):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.session_state["noise"] = garbage
    at.session_state["noise_seed"] = garbage
    at.run()
    assert not at.exception, at.exception
    assert at.select_slider(key="noise").value == 0.0
    assert at.number_input(key="noise_seed").value == 0
