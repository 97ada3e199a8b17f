"""The "Every learning rate" page and the fit page's sweep, through AppTest: every view
renders for a 1-D function, a 2-D one, typed ones and the fit page's loss; the sweep's
buttons (the widget equivalent of clicking a point) set η; a replayed start shows its run."""

import math

import numpy as np
import pytest

import gdviz
from gdviz.maps import basin_map
from gdviz.stability import reference_curvature
from gdviz.sweep import lr_sweep
from tests.conftest import chart_figures, decode_plotly, open_page, page_text
from ui.controls import LR_MAX, LR_MIN

PAGE = "views/landscape.py"


@pytest.fixture
def app():
    """A fresh session on this page (a widget's options change with the function)."""
    return open_page(PAGE, timeout=120)


def _choose(at, **state):
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def _numbers_in(figure) -> list:
    """Every number a figure's traces draw (x, y, z), decoded; a None in a list is a
    deliberate gap between line pieces, not a number."""
    values = []
    for trace in figure["data"]:
        for axis in ("x", "y", "z"):
            value = trace.get(axis)
            if value is None:
                continue
            if isinstance(value, list):
                flat = np.asarray(value, dtype=object).ravel()
                numbers = [v for v in flat if isinstance(v, int | float)]
                values.append(np.asarray(numbers, dtype=float))
            else:
                array = decode_plotly(value)
                if array.dtype.kind in "fi":
                    values.append(array.astype(float).ravel())
    return values


VIEW_CHARTS = ("sweep_chart", "range_chart", "momentum_map_chart", "start_map_chart")


def _view_figures(at) -> list[dict]:
    """The figures of these views (drawn with st.plotly_chart under their keys)."""
    import json

    return [
        json.loads(n.proto.spec)
        for n in at._tree
        if n.type == "plotly_chart" and n.proto.id and any(k in n.proto.id for k in VIEW_CHARTS)
    ]


def _assert_clean(at):
    text = page_text(at)
    assert "nan" not in text.lower().split(), text
    assert "Traceback" not in text
    figures = _view_figures(at)
    for figure in figures:  # (other charts use NaN on purpose, as line breaks)
        for values in _numbers_in(figure):
            assert np.all(np.isfinite(values)), figure["layout"].get("title")
    return figures


TARGETS = {
    "1-D": {"dimension": "1-D", "objective": "parabola"},
    "2-D": {"dimension": "2-D", "objective": "himmelblau"},
    "typed 1-D": {"objective": "custom", "expression": "x^2 + 5"},
    "typed 2-D": {"objective": "custom", "expression": "x^2 + 3y^2"},
}
VIEWS_BY_DIM = {
    1: ("sweep", "range", "momentum", "start"),
    2: ("sweep", "range", "basin", "momentum"),
}
# The element each view draws, by its container key.
VIEW_KEYS = {
    "sweep": "sweep",
    "range": "range_test",
    "basin": "basin_map",
    "momentum": "momentum_map",
    "start": "start_map",
}


def _keys(at) -> set[str]:
    """Every element key on the page (containers carry theirs as st-key-<key> classes)."""
    found = set()
    for node in at._tree:
        proto = getattr(node, "proto", None)
        key = getattr(node, "key", None)
        if key:
            found.add(key)
        css = getattr(proto, "css_class", None) if proto is not None else None
        if css:
            found.update(c.removeprefix("st-key-") for c in css.split() if c.startswith("st-key-"))
    return found


@pytest.mark.parametrize("name", list(TARGETS))
def test_every_view_renders_for_each_kind_of_function(name):
    settings = TARGETS[name]
    at = open_page(PAGE, timeout=120)
    if settings.get("dimension") == "2-D":
        at.radio(key="dimension").set_value("2-D").run()
    at = _choose(at, **settings, landscape_optimizer="gd", epochs=100)
    dim = 1 if "1-D" in name else 2
    for view in VIEWS_BY_DIM[dim]:
        at = _choose(at, landscape_view=view)
        text = page_text(at)
        assert VIEW_KEYS[view] in _keys(at), (name, view)
        assert chart_figures(at), (name, view)
        _assert_clean(at)
        if view == "sweep":
            assert "The run at η" in text


def test_a_view_the_new_dimension_does_not_offer_falls_back_to_the_sweep(app):
    at = _choose(app, dimension="1-D", objective="parabola", landscape_view="start")
    assert "start_map" in _keys(at)
    at.radio(key="dimension").set_value("2-D").run()  # Himmelblau: no η × start map in 2-D
    assert not at.exception
    assert at.session_state["landscape_view"] == "sweep"
    assert "sweep" in _keys(at) and "start_map" not in _keys(at)


def test_sweep_buttons_set_the_learning_rate_to_the_sweeps_own_rates(app):
    at = _choose(app, dimension="1-D", objective="parabola", landscape_view="sweep",
                 landscape_optimizer="gd", epochs=100, x0=3.0)  # fmt: skip
    start = tuple(float(at.session_state[k]) for k in ("x0",))
    sweep = lr_sweep(gdviz.OBJECTIVES["parabola"], start, epochs=100, tol=gdviz.DEFAULT_TOL)
    limit = reference_curvature(gdviz.OBJECTIVES["parabola"], start).gd_limit
    at.button(key="sweep_largest").click().run()
    assert not at.exception
    largest = at.session_state["lr"]
    assert largest == pytest.approx(sweep.converging()[1])
    assert largest < limit  # the largest converging rate is under 2/λ_max = 1
    at.button(key="sweep_divergent").click().run()
    divergent = at.session_state["lr"]
    assert divergent == pytest.approx(sweep.first_divergent())
    assert divergent > limit
    # The run below the sweep is the one at the chosen η.
    assert f"The run at η = {divergent:g}" in page_text(at)
    assert "Diverged" in page_text(at)
    assert LR_MIN <= divergent <= LR_MAX


def test_the_chosen_rate_is_the_descent_pages_rate():
    at = open_page(PAGE, timeout=120)
    at = _choose(at, dimension="1-D", objective="parabola", landscape_view="sweep", x0=3.0)
    at.button(key="sweep_fastest").click().run()
    chosen = at.session_state["lr"]
    at.switch_page("views/descent.py").run()
    assert not at.exception
    assert at.select_slider(key="lr").value == chosen


def test_the_descent_page_links_here_from_its_learning_rate():
    at = open_page()
    links = [n for n in at._tree if n.type == "page_link"]
    assert any("landscape" in n.proto.page for n in links), [n.proto.page for n in links]


def test_a_replayed_start_shows_its_run_on_the_basin_map(app):
    app.radio(key="dimension").set_value("2-D").run()  # Himmelblau
    at = _choose(app, landscape_view="basin", landscape_optimizer="gd", epochs=200, lr=0.01)
    bmap = basin_map(
        gdviz.OBJECTIVES["himmelblau"], lr=0.01, epochs=200, tol=at.session_state["tol"]
    )
    start = bmap.start_at(-4.0, 4.0)
    at = _choose(at, _basin_replay=start)
    traj = gdviz.descend(gdviz.OBJECTIVES["himmelblau"], start, lr=0.01, epochs=200,
                         tol=at.session_state["tol"])  # fmt: skip
    text = page_text(at)
    assert traj.message in text
    # The basin map now plays that run: its path is the run's points.
    figure = chart_figures(at)[0]
    names = " ".join(str(t.get("name")) for t in figure["data"])
    assert "path" in names
    assert bmap.counts() and sum(bmap.counts().values()) == 256 * 256
    assert all(math.isfinite(v) for v in start)


@pytest.mark.parametrize("dataset", ["three_points", "four_points"])
def test_the_fit_page_sweeps_its_loss_and_a_button_sets_its_rate(dataset):
    at = open_page("views/fit.py")
    at = _choose(at, fit_dataset=dataset, fit_epochs=500, fit_details="Every learning rate")
    assert "fit_sweep" in _keys(at) and "fit_range_test" in _keys(at)
    assert len(_assert_clean(at)) == 2  # the sweep and the range test
    data = gdviz.DATASETS[dataset]
    objective = gdviz.loss_objective(data.make() if data.make else data, "mse")
    start = tuple(float(at.session_state[k]) for k in ("fit_w0", "fit_b0") if k in at.session_state)
    sweep = lr_sweep(objective, start, optimizer="gd", epochs=int(at.session_state["fit_epochs"]))
    at.button(key="fit_sweep_largest").click().run()
    assert not at.exception
    assert at.session_state["fit_lr"] == pytest.approx(sweep.converging()[1])
    assert at.session_state["fit_lr"] < reference_curvature(objective, start).gd_limit
    at.button(key="fit_sweep_divergent").click().run()
    assert at.session_state["fit_lr"] == pytest.approx(sweep.first_divergent())
    # the fit chart above now runs at that rate, which diverges: the banner says so
    assert "Diverged" in page_text(at)


def test_an_invalid_typed_function_is_explained_where_the_views_would_be(app):
    at = _choose(app, objective="custom", expression="x^^2")
    assert at.error and "cannot be used" in at.error[0].value
    assert not at.exception


def test_the_strip_shows_heavy_ball_momentums_own_limit(app):
    """On x² + 5 (λ_max = 2) plain GD diverges above η = 1, heavy-ball momentum β = 0.9 only
    above (2 + 2β)/2 = 1.9: at η = 1.5 the strip must say the latter settles."""
    at = _choose(app, dimension="1-D", objective="parabola", landscape_optimizer="momentum")
    at = _choose(at, lr=1.5)
    words = " ".join(c.value for c in at.caption)
    assert "(2 + 2β)/λ_max = 3.8" not in words  # λ_max = 2, so the limit is 1.9
    assert "(2 + 2β)/λ_max = 1.9" in words and "settles there" in words, words
    # and the momentum run at η = 1.5 indeed settles, while plain GD's would diverge
    objective = gdviz.OBJECTIVES["parabola"]
    start = (float(at.session_state["x0"]),)
    assert gdviz.descend(objective, start, lr=1.5, epochs=500, optimizer="momentum").status == (
        "converged"
    )
    assert gdviz.descend(objective, start, lr=1.5, epochs=500).status == "diverged"
    at = _choose(at, lr=2.5)
    words = " ".join(c.value for c in at.caption)
    assert "cannot settle" in words


def test_sgds_momentum_slider_moves_the_strips_limit(app):
    at = _choose(app, dimension="1-D", objective="parabola", landscape_optimizer="sgd", lr=1.5)
    words = " ".join(c.value for c in at.caption)
    assert "2/λ_max = 1" in words and "cannot settle" in words  # β = 0: plain GD's limit
    at = _choose(at, landscape_sgd_momentum=0.5)
    words = " ".join(c.value for c in at.caption)
    assert "(2 + 2β)/λ_max = 1.5" in words, words  # (2 + 1)/2
    assert "exactly at the limit" in words  # η = 1.5 is that limit


def test_the_fit_pages_maps_render_for_its_loss():
    """L(w, b) of the noisy line: its η × momentum map (boundary (2 + 2β)/λ_max of L's own
    curvature) and its basin map (one minimum: every converging start ends there)."""
    at = open_page("views/fit.py")
    at = _choose(at, fit_dataset="noisy_line", fit_details="Every learning rate",
                 fit_rates_view="η × momentum map")  # fmt: skip
    assert "momentum_map" in _keys(at)
    assert len(_assert_clean(at)) == 1
    at = _choose(at, fit_rates_view="Basin map")
    assert "basin_map" in _keys(at)
    text = page_text(at)
    data = gdviz.DATASETS["noisy_line"]
    w, b = gdviz.least_squares(data.make() if data.make else data)  # the exact minimum
    assert f"minimum ({w:.3g}, {b:.3g})" in text, text
