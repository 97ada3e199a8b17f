"""The classic exercises' figures: titled axes, no NaN, the right traces, and the matrix
animation drawing its curves epoch by epoch until the last frame holds them whole."""

import json

import numpy as np
import plotly.io as pio
import pytest

import gdviz
from gdviz.exercises import MATRIX_TARGET, first_epoch_below
from tests.conftest import decode_plotly, moving
from tests.test_access import untitled_axes


def _spec(figure) -> dict:
    return json.loads(pio.to_json(figure, validate=False))


def _numbers(value) -> list[np.ndarray]:
    """Every numeric array in a trace's or frame's data (typed arrays decoded)."""
    if isinstance(value, dict) and "bdata" in value:
        return [decode_plotly(value).astype(float)]
    if isinstance(value, dict):
        return [a for v in value.values() for a in _numbers(v)]
    if (
        isinstance(value, list)
        and value
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        return [np.asarray(value, dtype=float)]
    if isinstance(value, list):
        return [a for v in value for a in _numbers(v)]
    return []


def _figures() -> dict:
    start = gdviz.classic_start(0)
    runs = gdviz.zero_grad_runs("parabola", 3.0, 0.1, 30)
    return {
        "classic": gdviz.classic_figure(gdviz.classic_loop(start),
                                        gdviz.classic_loop(start, sign=+1)),
        "classic from 0": gdviz.classic_figure(gdviz.classic_loop(0),
                                               gdviz.classic_loop(0, sign=+1)),
        "matrix": gdviz.matrix_animation(gdviz.matrix_comparison()),
        "zero_grad": gdviz.zero_grad_figure(runs),
        "zero_grad marked": gdviz.zero_grad_figure(runs, 7),
        "zero_grad 2-D": gdviz.zero_grad_figure(
            gdviz.zero_grad_runs("himmelblau", (0.0, 0.0), 0.01, 20), 4
        ),
    }  # fmt: skip


FIGURES = _figures()


@pytest.mark.parametrize("name", list(FIGURES))
def test_every_axis_is_titled_and_no_number_is_nan(name):
    spec = _spec(FIGURES[name])
    assert untitled_axes(spec) == [], name
    arrays = _numbers(spec["data"]) + _numbers([f["data"] for f in spec.get("frames", [])])
    assert arrays
    for array in arrays:
        assert np.all(np.isfinite(array)), name


def test_the_classic_figure_is_log_while_x_is_positive_and_both_runs_are_drawn():
    start = gdviz.classic_start(0)
    down, up = gdviz.classic_loop(start), gdviz.classic_loop(start, sign=+1)
    spec = _spec(gdviz.classic_figure(down, up))
    assert spec["layout"]["yaxis"]["type"] == "log"
    first, second = spec["data"]
    np.testing.assert_allclose(decode_plotly(first["y"]), down.xs)
    np.testing.assert_allclose(decode_plotly(second["y"]), up.xs)
    assert "−" in first["name"] and "+" in second["name"] and "η" in first["name"]
    flat = _spec(FIGURES["classic from 0"])  # x stays 0: no log axis
    assert flat["layout"]["yaxis"].get("type") != "log"


def test_the_matrix_animation_draws_the_curves_epoch_by_epoch_and_ends_whole():
    comparison = gdviz.matrix_comparison()
    spec = _spec(gdviz.matrix_animation(comparison))
    frames = spec["frames"]
    assert len(frames) > 50 and frames[0]["name"] == "0"
    assert frames[-1]["name"] == str(comparison.right_update.epochs)
    whole = {
        "update": comparison.flawed_update.losses,
        "prediction": comparison.flawed_prediction.losses_under("a @ W"),
        "prediction_own": comparison.flawed_prediction.losses,
        "right": comparison.right_update.losses,
    }
    for name, losses in whole.items():
        assert len(decode_plotly(moving(spec, frames[0], name)["y"])) == 1
        sizes = [len(decode_plotly(moving(spec, f, name)["x"])) for f in frames]
        assert sizes == sorted(sizes)  # growing epoch by epoch
        last = moving(spec, frames[-1], name)
        np.testing.assert_allclose(decode_plotly(last["y"]), losses, rtol=1e-6)
        np.testing.assert_allclose(decode_plotly(last["x"]), np.arange(len(losses)))
    below = first_epoch_below(comparison.right_update, MATRIX_TARGET)
    marks = [moving(spec, f, "below")["x"] for f in frames]
    assert marks[0] == [] and marks[-1] == [below]
    for mark, frame in zip(marks, frames, strict=True):
        assert (mark == [below]) == (int(frame["name"]) >= below), frame["name"]
    # it opens on the last frame, the whole picture, with the target line drawn
    assert spec["layout"]["sliders"][0]["active"] == len(frames) - 1
    assert any(t.get("name") == f"target: L = {MATRIX_TARGET:.2f}" for t in spec["data"])
    assert spec["layout"]["yaxis"]["type"] == "log"


def test_the_zero_grad_figure_draws_both_runs_and_marks_the_epoch():
    runs = gdviz.zero_grad_runs("parabola", 3.0, 0.1, 30)
    spec = _spec(gdviz.zero_grad_figure(runs, 7))
    by_name = {t.get("name"): t for t in spec["data"]}
    np.testing.assert_allclose(decode_plotly(by_name["with zero_grad()"]["y"]),
                               runs.normal.points[:, 0])  # fmt: skip
    np.testing.assert_allclose(decode_plotly(by_name["zero_grad() forgotten"]["y"]),
                               runs.forgotten.points[:, 0])  # fmt: skip
    marks = [t for t in spec["data"] if t.get("showlegend") is False]
    assert [m["x"] for m in marks] == [[7], [7]]
    assert [m["y"][0] for m in marks] == pytest.approx(
        [runs.normal.points[7, 0], runs.forgotten.points[7, 0]]
    )


def test_the_loop_plays_line_by_line_with_the_running_line_marked():
    runs = gdviz.zero_grad_runs("parabola", 3.0, 0.1, 30)
    figure = gdviz.zero_grad_animation(runs).to_plotly_json()
    lines = gdviz.zero_grad_readout(runs)
    assert len(figure["frames"]) == len(lines) == len(runs.normal.substeps) == 4 * 30
    text = lines[7]  # epoch 1, optimizer.step(): the forgotten p.grad holds 6 + 4.8
    normal, forgotten = runs.normal.substeps[7], runs.forgotten.substeps[7]
    assert "▶ optimizer.step()" in text and text.count("▶") == 1
    assert f"p.grad = {float(forgotten.grad[0]):.6g}" in text
    assert f"p = {float(normal.p[0]):.6g}" in text
    # each run's point moves when its step() runs: at line 4 of epoch 1 it is at epoch 2
    moved = {d["x"][0] for d in figure["frames"][7]["data"]}
    assert moved == {2}
    still = {d["x"][0] for d in figure["frames"][6]["data"]}
    assert still == {1}
