"""A part of the race or fit page that fails says so in its place; the rest still renders.

Each test makes one core function raise (as a bug would) and opens the page through
AppTest: no traceback, one message naming the broken part, every other part drawn.
"""

import pytest
import streamlit as st

import gdviz
import gdviz.explain
import ui.compute
from tests.conftest import animated_charts, chart_figures, chart_payload, open_page


def boom(*args, **kwargs):
    raise RuntimeError("a bug")


@pytest.fixture(autouse=True)
def fresh_caches():
    """Cached results from other tests would hide the broken function."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def race_parts(at) -> dict:
    return {
        "the race chart": any(f.get("frames") for f in chart_figures(at)),
        "the leaderboard": len(at.dataframe) == 1,
        "the step-by-step explanation": len(at.latex) > 1,
        "the PyTorch snippet": sum(c.language == "python" for c in at.code) == 1,
    }


def fit_parts(at) -> dict:
    return {
        "the fitted line": any(f.get("frames") for f in chart_figures(at)),
        "what the derivative says at the start": any("predicts" in m.value for m in at.markdown),
        "the table of epochs": any(
            "table" in chart_payload(n) for n in animated_charts(at)
        ),  # the table that follows the chart's epoch
    }


def errors(at) -> list[str]:
    return [e.value for e in at.error]


@pytest.mark.parametrize(
    ("page", "target", "name", "broken"),
    [
        ("race", gdviz, "race_figure", "the race chart"),
        ("race", gdviz.explain, "step_latex", "the step-by-step explanation"),
        ("race", gdviz.explain, "torch_code", "the PyTorch snippet"),
        ("fit", gdviz, "fit_figure", "the fitted line"),
        ("fit", ui.compute, "at_start", "what the derivative says at the start"),
        ("fit", gdviz.explain, "table", "the table of epochs"),
    ],
)
def test_one_broken_part_leaves_the_others(monkeypatch, page, target, name, broken):
    monkeypatch.setattr(target, name, boom)
    at = open_page(f"views/{page}.py")
    if page == "fit":
        at.session_state["fit_details"] = "Every epoch"  # the table's tab
        at.run()
    parts = race_parts(at) if page == "race" else fit_parts(at)
    assert not at.exception, at.exception
    said = errors(at)
    assert len(said) == 1 and said[0].startswith(f"Could not show {broken}:"), said
    assert "still works" in said[0]
    assert parts == {part: part != broken for part in parts}, parts


def test_a_broken_leaderboard_says_so_in_the_banner_and_the_table_alone(monkeypatch):
    monkeypatch.setattr(ui.compute, "leaderboard", boom)
    at = open_page("views/race.py")
    assert not at.exception
    said = errors(at)
    assert [e.split(":")[0] for e in said] == [
        "Could not show the race's result",
        "Could not show the leaderboard",
    ]
    assert race_parts(at) == {
        "the race chart": True,
        "the leaderboard": False,
        "the step-by-step explanation": True,
        "the PyTorch snippet": True,
    }


@pytest.mark.parametrize(
    ("page", "target", "name", "broken", "still"),
    [
        (None, gdviz, "descent_figure", "the chart",
         lambda at: any(f["data"][0]["name"] == "loss f" for f in chart_figures(at))),
        (None, gdviz, "loss_figure", "loss and gradient size",
         lambda at: any(f.get("frames") and len(f["data"]) > 4 for f in chart_figures(at))),
        ("views/why.py", gdviz, "paths_figure", "the paths",
         lambda at: len(chart_figures(at)) == 2 and len(at.metric) == 3),
        ("views/derivative.py", gdviz, "derivative_figure", "the secant and the tangent",
         lambda at: len(at.dataframe) == 1),
    ],
)  # fmt: skip
def test_the_other_pages_say_which_part_failed_too(monkeypatch, page, target, name, broken, still):
    monkeypatch.setattr(target, name, boom)
    at = open_page(page)
    assert not at.exception, at.exception
    said = errors(at)
    assert len(said) == 1 and said[0].startswith(f"Could not show {broken}:"), said
    assert still(at)
