"""The sidebar's layout and words: one advanced box per page, help where jargon appears,
a typed function's mistake shown where the chart would be, and η never called "lr"."""

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import open_page
from ui.controls import ADVANCED

PAGES = [None, "views/race.py", "views/why.py", "views/derivative.py", "views/fit.py"]


def advanced(at):
    """The page's advanced box (exactly one)."""
    boxes = [e for e in at.sidebar.expander if e.label == ADVANCED]
    assert len(boxes) == 1, [e.label for e in at.sidebar.expander]
    return boxes[0]


def keys(block, kind: str) -> set[str]:
    return {w.key for w in getattr(block, kind)}


@pytest.mark.parametrize("page", PAGES)
def test_every_page_has_one_advanced_box_with_the_exact_starts(page):
    at = open_page(page)
    box = advanced(at)
    exact = keys(box, "number_input")
    # the starts' sliders, and η's (its exact value sits in the box too)
    starts = (keys(at.sidebar, "slider") | keys(at.sidebar, "select_slider")) - keys(box, "slider")
    assert exact and all(k.endswith("_exact") for k in exact - {"noise_seed", "race_noise_seed"})
    assert {k.removesuffix("_exact") for k in exact if k.endswith("_exact")} <= starts
    at.run()  # a rerun draws the same single box
    advanced(at)


@pytest.mark.parametrize(("page", "prefix"), [(None, ""), ("views/race.py", "race_")])
def test_tolerance_and_noise_are_advanced_the_rest_stays_in_view(page, prefix):
    at = open_page(page)
    box = advanced(at)
    assert {prefix + "tol", prefix + "noise"} <= keys(box, "select_slider")
    assert {prefix + "x0_exact", prefix + "noise_seed"} <= keys(box, "number_input")
    assert not keys(box, "slider")  # start and epochs are in view
    assert {prefix + "x0", prefix + "epochs"} <= keys(at.sidebar, "slider")
    assert prefix + "objective" in keys(at.sidebar, "selectbox")


def test_exact_starts_name_their_variable():
    at = open_page()
    assert at.number_input(key="x0_exact").label == "x₀ exactly"
    at.radio(key="dimension").set_value("2-D").run()
    assert at.number_input(key="y0_exact").label == "y₀ exactly"
    assert open_page("views/fit.py").number_input(key="fit_w0_exact").label == "w₀ exactly"


def test_jargon_is_explained_where_it_appears():
    at = open_page()
    tol = at.select_slider(key="tol")
    assert tol.label == "Stop when ‖∇f‖ ≤"
    assert "‖∇f‖ is the size of the gradient" in tol.help and "“never”" in tol.help
    assert "never" in tol.format_func(0.0)
    noise = at.select_slider(key="noise")
    assert "σ" in noise.label and "standard deviation σ" in noise.help
    assert at.number_input(key="noise_seed").help
    assert "Epoch k is the point after k steps" in at.slider(key="epochs").help
    at.selectbox(key="objective").set_value("custom").run()
    box = next(e for e in at.sidebar.expander if e.label == "Plotting box")
    assert any("range of x (and y)" in c.value for c in box.caption)


def test_lr_help_uses_eta_and_the_page_symbol():
    from gdviz import OBJECTIVES
    from ui.controls import lr_help

    text = lr_help(OBJECTIVES["parabola"])
    assert text.startswith("η, the learning rate") and "x ← x − η ∇f(x)" in text
    assert not re.search(r"\blr\b", text)


def _explain_script():
    import streamlit as st

    from ui import controls

    with st.sidebar:
        objective = controls.function_controls()
    if objective is None:
        controls.explain_invalid_function()
    st.write("the chart")


def explained(text: str, **state):
    at = AppTest.from_function(_explain_script, default_timeout=60)
    at.session_state["objective"] = "custom"
    at.session_state["expression"] = text
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def test_an_invalid_function_is_explained_in_the_main_area_and_the_page_stops():
    at = explained("x^2 + (3")
    (error,) = at.main.error
    assert error.value.startswith("Your function cannot be used yet: unbalanced parenthesis")
    (code,) = at.main.code
    text, caret = code.value.splitlines()
    assert text == "f = x^2 + (3" and caret.index("^") == text.index("(")
    assert at.main.info[0].value.startswith("Hint: Use x (and y)")
    assert not any("the chart" in m.value for m in at.main.markdown)
    assert at.sidebar.error  # the sidebar still says it too
    valid = explained("x^2 + 3")
    assert not valid.main.error and any("the chart" in m.value for m in valid.main.markdown)


def test_an_empty_plotting_box_is_explained_with_a_hint_about_the_box():
    at = explained("x^2", xmin=3.0, xmax=2.0)
    (error,) = at.main.error
    assert "the plotting box is empty: x from 3 to 2" in error.value
    assert "“x from” smaller than “x to”" in at.main.info[0].value


@pytest.mark.parametrize("page, prefix", [(None, ""), ("views/race.py", "race_")])
def test_the_descent_and_race_pages_explain_an_invalid_function_in_their_main_area(page, prefix):
    at = open_page(page)
    at.selectbox(key=prefix + "objective").set_value("custom").run()
    at.text_input(key=prefix + "expression").input("x^2 +").run()
    assert not at.exception
    assert any("ends too early" in e.value for e in at.main.error)


def visible_text(at) -> str:
    """Every text a user can read on the page: labels, help, options, bodies, table headers
    and the chart's names, titles and annotations."""
    parts = []
    for node in at._tree:
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        for field, value in proto.ListFields():
            if field.name in ("label", "help", "body", "placeholder", "options", "value"):
                parts.append(str(value) if not isinstance(value, str) else value)
        if node.type == "plotly_chart":
            spec = json.loads(proto.spec)
            for trace in spec.get("data", []):
                parts += [str(trace.get(k, "")) for k in ("name", "hovertemplate", "text")]
            parts.append(json.dumps(spec.get("layout", {}).get("annotations", [])))
            parts.append(json.dumps(spec.get("layout", {}).get("title", "")))
    parts += [str(c) for table in at.dataframe for c in table.value.columns]
    return "\n".join(parts)


def test_the_derivative_page_says_eta_never_lr_and_uses_f_prime():
    at = open_page("views/derivative.py")
    text = visible_text(at)
    assert "Curve f(x)" in text and "f′(x)" in text and "Δy = f(x + Δx) − f(x)" in text
    assert not re.search(r"\blr\b", text, re.IGNORECASE), re.findall(r".{20}\blr\b.{20}", text)


def _two_starts_script():
    import streamlit as st

    from ui import controls

    with st.sidebar:
        starts = controls.start_inputs(
            [("Start w₀", "w0", (-1.0, 1.0), 0.5), ("Start b₀", "b0", (-2.0, 2.0), -1.0)]
        )
        with controls.advanced_box():  # a later call adds to the same box
            st.checkbox("extra", key="extra")
    st.write(f"starts {starts}")


def test_start_inputs_draws_the_sliders_then_one_box_of_exact_values():
    at = AppTest.from_function(_two_starts_script, default_timeout=60).run()
    assert not at.exception, at.exception
    order = [(node.type, getattr(node, "key", None)) for node in at.sidebar][1:]  # [0]: the sidebar
    assert order[:3] == [("slider", "w0"), ("slider", "b0"), ("expander", "advanced")], order
    box = advanced(at)
    assert [w.label for w in box.number_input] == ["w₀ exactly", "b₀ exactly"]
    assert keys(box, "checkbox") == {"extra"}
    at.number_input(key="b0_exact").set_value(7.0).run()
    assert at.slider(key="b0").value == 7.0 and "starts (0.5, 7.0)" in at.markdown[0].value
    advanced(at)  # still one box after a rerun
