"""What the fit page shows: starts without floating-point dust, a clear sentence for data
too large to square, the loss named L, round ticks, and a model line that never leaves
the data panel unannounced (issue 11)."""

import math
import re
import warnings

import numpy as np
import pytest

import gdviz
from gdviz.data import DATASETS, dataset_from_csv
from gdviz.figures.fit import out_of_view, round_ticks, tick_label
from gdviz.fit import at_start, fit, fit_notes, loss_objective, tidy_start
from tests.conftest import figure_json, moving
from ui.controls import snap

HUGE_CSV = "x,y\n1e300,2e300\n-1e300,3e299\n5e299,1\n"
SMALL_CSV = "x,y\n1,3.1\n2,4.9\n3,7.2\n4,8.8\n"


def every_dataset():
    return [*DATASETS.values(), dataset_from_csv(SMALL_CSV)]


# ---- starts without dust ----------------------------------------------------------------


@pytest.mark.parametrize("data", every_dataset(), ids=lambda d: d.slug)
def test_the_suggested_start_lands_exactly_on_the_slider(data):
    """A start of 0 is shown as 0 (not −0.00 or −0.0093): the box has round ends, so the
    slider's grid passes through the suggested start."""
    objective = loss_objective(data)
    for value, (lo, hi) in zip(data.start, objective.domain, strict=True):
        assert lo == float(f"{lo:.4g}") and hi == float(f"{hi:.4g}"), (lo, hi)
        shown = snap(value, lo, hi)
        assert shown == value and math.copysign(1.0, shown) == math.copysign(1.0, value)


def test_three_points_box_starts_at_zero_not_dust():
    assert loss_objective("three_points").domain == ((0.0, 4.0),)  # w* = 2, half-width 2


def test_tidy_start_removes_dust_and_negative_zero():
    box = [(0.0, 4.0), (-1.0, 3.0)]
    start = tidy_start([4.440892098500626e-16, -0.0], box)
    assert start == (0.0, 0.0) and all(math.copysign(1, v) == 1 for v in start)
    assert tidy_start([0.30000000000000004, -1.25], box) == (0.3, -1.25)
    assert tidy_start([1e-7], [(0.0, 4.0)]) == (1e-7,)  # small but meant: kept


# ---- data too large ---------------------------------------------------------------------


def test_data_near_1e300_gets_a_sentence_in_the_pages_words_and_no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy RuntimeWarning fails the test
        data = dataset_from_csv(HUGE_CSV)
        assert math.isfinite(data.lr) and data.lr > 0
        objective = loss_objective(data)
        with pytest.raises(ValueError) as error:
            fit(data, (-2.0, -2.0), lr=1e-4, epochs=10)
    text = str(error.value)
    assert text.startswith("the loss L(w, b) overflows at the start w = −2, b = −2.")
    assert "2 × 10³⁰⁰" in text  # the largest value in the data (y = 2e300)
    assert "divide x by 10³⁰⁰ and y by 10³⁰⁰" in text
    assert "csv" not in text and "[" not in text and "mse" not in text
    assert objective.symbol == "L"


def test_a_gradient_that_overflows_is_named_too():
    # r² = 1e300 is finite but the gradient 2·r·x = 2e310 is not
    data = dataset_from_csv("x,y\n1e160,1e150\n1e159,-1e150\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"^the gradient ∇L overflows at the start w = 0"):
            fit(data, (0.0, 0.0), lr=1e-4, epochs=10)


def test_a_diverging_fit_and_its_figure_warn_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        traj = fit("four_points", (0.0, 0.0), lr=0.5, epochs=300)
        gdviz.fit_figure(traj)
    assert traj.status == "diverged"


# ---- the loss is L -------------------------------------------------------------------------


def test_loss_objectives_read_in_L_notation():
    three, four = loss_objective("three_points"), loss_objective("four_points")
    assert three.symbol == four.symbol == "L"
    assert [str(v) for v in four.variables] == ["w", "b"]
    assert three.formula == "MSE over 3 points, y = w·x"
    assert four.formula == "MSE over 4 points, y = w·x + b"
    assert "w x_{i} + b" in four.latex  # the order the model is written in


def test_what_the_derivative_says_at_the_start_speaks_of_L():
    text = at_start(loss_objective("three_points"), [1.0])
    # MSE(w) = 14/3·(w − 2)², so ∂L/∂w at w = 1 is −28/3
    assert "∂L/∂w = −9.33333 < 0" in text and "increase w" in text
    assert "f′" not in text and "f " not in text


# ---- the figure ------------------------------------------------------------------------------


def test_ticks_are_round_and_plain():
    log = round_ticks([3e-7, 0.04, 2.51e3], log=True)
    for value in log["tickvals"]:
        assert f"{value:e}".split("e")[0].rstrip("0").rstrip(".") in {"1", "2", "5"}, value
    linear = round_ticks([120.0, 2510.0, 8230.0], log=False)
    assert linear["tickvals"][:3] == [0.0, 2000.0, 4000.0]
    labels = log["ticktext"] + linear["ticktext"]
    assert not [t for t in labels if re.search(r"e[+-]|\d[kM]$", t)], labels
    assert round_ticks([1.0, 250.0], log=True)["ticktext"] == ["1", "2", "5", "10", "20", "50",
                                                              "100", "200"]  # fmt: skip
    assert [tick_label(v) for v in (8230.0, 0.25, 1e-9, -3e7)] == ["8230", "0.25", "10⁻⁹",
                                                                  "−3 × 10⁷"]  # fmt: skip


def test_the_loss_panels_name_L_and_tick_at_round_values():
    spec = figure_json(gdviz.fit_figure(fit("three_points", (50.0,), lr=0.01, epochs=100)))
    layout = spec["layout"]
    assert layout["yaxis2"]["title"]["text"] == "loss L"
    assert layout["yaxis3"]["title"]["text"] == "‖∇L‖"
    assert layout["yaxis4"]["title"]["text"] == "L(w)"
    for axis in ("yaxis2", "yaxis3"):
        assert layout[axis]["ticktext"] and all("e" not in t for t in layout[axis]["ticktext"])
    names = [t.get("name") or "" for t in spec["data"]]
    assert "model y = w·x" in names
    assert not [n for n in names if "f" in n.split()], names


def test_markers_at_the_edges_are_not_clipped():
    spec = figure_json(gdviz.fit_figure(fit("four_points", (0.0, 0.0), lr=0.05, epochs=40)))
    by_meta = {t.get("meta") or t.get("name"): t for t in spec["data"]}
    for name in ("data", "loss_mark", "grad_mark", "landscape_point", "line_note"):
        assert by_meta[name]["cliponaxis"] is False, name
    assert spec["layout"]["margin"]["r"] >= 40  # the last epoch label has room


def test_a_far_start_keeps_the_model_line_in_view_or_says_where_it_is():
    traj = fit("three_points", (50.0,), lr=0.01, epochs=100)
    spec = figure_json(gdviz.fit_figure(traj))
    low, high = spec["layout"]["yaxis"]["range"]
    seen_note = False
    for frame in spec["frames"]:
        line = moving(spec, frame, "line")
        note = moving(spec, frame, "line_note")["text"]
        w = traj.points[int(frame["name"])][0]
        ys = [w * x for x in line["x"]]  # the true line, not the clipped one drawn
        in_view = max(ys) >= low and min(ys) <= high
        assert in_view == (note == ["", ""]), (frame["name"], ys, note)
        seen_note |= not in_view
    assert seen_note  # w = 50 draws y = 50x, far above data that reach y = 6
    first = moving(spec, spec["frames"][0], "line_note")["text"][1]
    assert first.startswith("↑ the model line is above this view<br>(y from ")


def test_out_of_view_below_and_in_view():
    assert out_of_view([-10.0, -3.0], [0.0, 6.0])[0].startswith("↓ the model line is below")
    assert out_of_view([-10.0, 30.0], [0.0, 6.0]) == ["", ""]  # it crosses the view
    assert "overflow" in out_of_view([np.inf, np.inf], [0.0, 6.0])[1]


# ---- jargon, explained where it appears ------------------------------------------------------


def test_the_notes_explain_the_words_the_banner_uses_and_only_those():
    converged = fit("three_points", [1.0], lr=0.1, epochs=200)
    assert converged.status == "converged" and fit_notes(converged) == []
    running = fit("four_points", [0.0, 0.0], lr=0.05, epochs=20)
    assert "tolerance" in running.message
    (note,) = fit_notes(running)
    assert note.startswith("The tolerance:") and "10⁻⁶" in note  # gdviz.DEFAULT_TOL
    # MSE(w) = 14/3·(w − 2)² has curvature 28/3: the stable limit is 2/(28/3) = 3/14
    bouncing = fit("three_points", [1.0], lr=0.25, epochs=100)
    notes = fit_notes(bouncing)
    assert "stable limit" in bouncing.message and "0.214" in bouncing.message
    assert any(n.startswith("The stable limit is 2/λ_max") for n in notes)


def test_the_data_panel_ticks_read_plainly_for_data_in_thousands():
    data = dataset_from_csv("x,y\n1000,3100\n2000,4900\n3000,7200\n4000,8800\n")
    spec = figure_json(gdviz.fit_figure(fit(data, (0.0, 0.0), lr=1e-7, epochs=20)))
    for axis in ("xaxis", "yaxis", "yaxis2", "yaxis3"):
        labels = spec["layout"][axis]["ticktext"]
        assert labels and not [t for t in labels if re.search(r"e[+-]|\dk$", t)], labels
    assert "1000" in spec["layout"]["xaxis"]["ticktext"]
