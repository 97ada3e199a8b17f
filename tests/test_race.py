"""Race core: suggested rates, labels, velocities, the leaderboard, the race figure."""

import numpy as np
import pytest

import gdviz
from gdviz import OBJECTIVES, OPTIMIZERS
from gdviz.race import (
    Racer,
    board_table,
    ended,
    epochs_to_tolerance,
    leaderboard,
    nice,
    race,
    suggested_lr,
    tie_width,
    velocities,
    verdict,
)
from tests.conftest import figure_json


def test_nice_rounds_to_one_two_five():
    assert [nice(v) for v in (0.037, 0.0013, 0.15, 7.0, 1.0)] == [0.05, 0.001, 0.2, 5.0, 1.0]


def test_suggested_rates_differ_by_family_and_scale_with_the_domain():
    assert suggested_lr("rosenbrock", "gd") == OBJECTIVES["rosenbrock"].lr
    assert suggested_lr("himmelblau", "adam") == 0.1  # a tenth-unit step on a 10-wide map
    assert suggested_lr("rosenbrock", "adam") == 0.05
    with pytest.raises(ValueError, match="unknown optimizer"):
        suggested_lr("bowl", "lion")


def test_labels_name_the_settings_that_differ_from_pytorch():
    assert Racer("adam", 0.1).label == "Adam, η = 0.1"
    assert Racer("adam", 0.1, {"betas": (0.9, 0.999)}).label == "Adam, η = 0.1"
    label = Racer("sgd", 0.01, {"momentum": 0.9, "nesterov": True, "dampening": 0.0}).label
    assert label == "SGD, η = 0.01 (momentum 0.9, nesterov True)"


def test_race_runs_everyone_from_the_same_start():
    racers = [Racer(s, suggested_lr("himmelblau", s)) for s in OPTIMIZERS]
    runs = race("himmelblau", (0.0, 0.0), racers, epochs=200)
    assert [r.optimizer for r in runs] == list(OPTIMIZERS)
    assert all(np.array_equal(r.points[0], [0.0, 0.0]) for r in runs)
    with pytest.raises(ValueError, match="at least one"):
        race("bowl", (1.0, 1.0), [], epochs=10)


def test_leaderboard_ranks_by_final_loss_with_diverged_last():
    runs = race(
        "himmelblau",
        (0.0, 0.0),
        [Racer("gd", 0.01), Racer("gd", 0.5), Racer("adam", 0.1), Racer("gd", 0.001)],
        epochs=300,
    )
    board = leaderboard(runs, ["a", "b", "c", "d"])
    assert [row["rank"] for row in board] == [1, 2, 3, 4]
    assert board[-1]["optimizer"] == "b" and board[-1]["status"] == "diverged"
    finals = [row["final loss"] for row in board[:-1]]
    assert finals == sorted(finals)
    first = board[0]
    assert first["distance to nearest minimum"] < 1e-4
    assert first["epochs to tolerance"] is not None
    assert board[-2]["optimizer"] == "d" and board[-2]["epochs to tolerance"] is None
    assert board[-2]["status"] == "still descending"  # words on screen, not max_epochs
    # Adam at η = 0.1 hovers at the minimum, f going up and down near 1e-11: not descending
    assert {row["status"] for row in board} <= {"converged", "still descending", "diverged",
                                                "not converged"}  # fmt: skip


def test_velocities_are_the_momentum_buffer_and_the_first_moment():
    run = gdviz.descend("bowl", (4.0, 3.0), lr=0.05, epochs=20, optimizer="momentum", tol=0)
    v = velocities(run)
    # SGD momentum: x_{t+1} = x_t − η b_t
    np.testing.assert_allclose(run.steps, -0.05 * v, rtol=1e-12)
    adam = gdviz.descend("bowl", (4.0, 3.0), lr=0.1, epochs=5, optimizer="adam", tol=0)
    m = velocities(adam)
    np.testing.assert_allclose(m[0], 0.1 * adam.grads[0], rtol=1e-12)  # m₁ = (1 − β₁) g₀
    assert velocities(gdviz.descend("bowl", (4.0, 3.0), lr=0.1, epochs=5)) is None
    assert (
        velocities(gdviz.descend("bowl", (4.0, 3.0), lr=0.1, epochs=5, optimizer="adagrad")) is None
    )


@pytest.mark.parametrize("slug", ["himmelblau", "parabola"])
def test_race_figure_has_every_racer_in_its_legend_and_frames(slug):
    start = (0.0, 0.0) if slug == "himmelblau" else (3.0,)
    racers = [Racer(s, suggested_lr(slug, s)) for s in OPTIMIZERS]
    runs = race(slug, start, racers, epochs=150)
    labels = [r.label for r in racers]
    spec = figure_json(gdviz.race_figure(runs, labels))
    names = {t.get("name") for t in spec["data"]}
    assert set(labels) <= names
    assert 1 < len(spec["frames"]) <= 100
    moving = set(spec["frames"][0]["traces"])
    assert len(moving) == 2 * len(runs) + 3
    # the last frame puts each racer at its final point
    last = spec["frames"][-1]["data"]
    from tests.conftest import decode_plotly

    for i, run in enumerate(runs):
        xs = decode_plotly(last[2 * i]["x"])
        assert xs[-1] == pytest.approx(float(np.clip(run.points[-1, 0], -10, 10)), rel=1e-5)


def test_race_surface_has_a_path_per_racer():
    runs = race("bowl", (4.0, 3.0), [Racer("gd", 0.1), Racer("adam", 0.1)], epochs=30)
    fig = gdviz.surface_figure(runs, ["GD", "Adam"])
    assert {"GD", "Adam"} <= {t.name for t in fig.data}


# ---- ranking, banner and words (issue 11) -------------------------------------------------


def test_converged_runs_rank_by_epochs_to_tolerance_not_by_digits_below_it():
    start = OBJECTIVES["himmelblau"].start
    runs = race("himmelblau", start, [Racer("nesterov", 0.01), Racer("adagrad", 1.0)], epochs=200)
    nesterov, adagrad = runs
    # the case from the issue: both converged, Nesterov lower by digits below the tolerance
    assert nesterov.status == adagrad.status == "converged"
    assert nesterov.losses[-1] < adagrad.losses[-1] < nesterov.tol
    assert epochs_to_tolerance(adagrad, 1e-6) < epochs_to_tolerance(nesterov, 1e-6)
    board = leaderboard(runs, ["Nesterov", "AdaGrad"])
    assert [(row["rank"], row["optimizer"]) for row in board] == [(1, "AdaGrad"), (2, "Nesterov")]


def test_runs_that_did_not_converge_rank_by_loss_with_ties_at_the_tolerance():
    racers = [Racer(s, suggested_lr("parabola", s)) for s in OPTIMIZERS]
    runs = race("parabola", (3.0,), racers, epochs=200)
    board = leaderboard(runs, [r.label for r in racers])
    converged = [row for row in board if row["status"] == "converged"]
    rest = [row for row in board if row["status"] != "converged"]
    assert board[: len(converged)] == converged  # converged first
    assert [row["epochs to tolerance"] for row in converged] == sorted(
        row["epochs to tolerance"] for row in converged
    )
    # identical runs (gradient descent and plain SGD) share a rank
    by_name = {row["optimizer"].split(",")[0]: row for row in board}
    assert by_name["Gradient descent"]["rank"] == by_name["SGD"]["rank"]
    # among the rest, a loss within the tolerance of the group's best ties with it
    for a, b in zip(rest, rest[1:], strict=False):
        gap = b["final loss"] - a["final loss"]
        assert gap >= 0
        if b["rank"] == a["rank"]:
            assert gap <= 1e-6
    best = rest[0]["final loss"]
    tied = [row for row in rest if row["final loss"] - best <= 1e-6]
    assert len(tied) > 1 and {row["rank"] for row in tied} == {rest[0]["rank"]}
    beyond = [row for row in rest if row["final loss"] - best > 1e-6]
    assert all(row["rank"] > rest[0]["rank"] for row in beyond)


def test_the_tie_width_is_the_tolerance_never_below_rounding():
    assert tie_width(5.0, 1e-6) == 1e-6
    assert tie_width(5.0, 0.0) == pytest.approx(5e-12)  # tolerance off: only rounding ties
    assert tie_width(1e-3, 0.0) == pytest.approx(1e-12)


def test_the_banner_follows_the_runs():
    won = verdict(race("himmelblau", (0.0, 0.0), [Racer("gd", 0.01), Racer("adagrad", 1.0)],
                       epochs=200), ["GD", "AdaGrad"])  # fmt: skip
    assert won.kind == "success" and "First to converge: **AdaGrad**" in won.text
    slow = race("rosenbrock", (-1.5, 2.0), [Racer("gd", 0.001), Racer("adam", 0.05)], epochs=50)
    assert not any(r.status == "converged" for r in slow)
    said = verdict(slow, ["GD", "Adam"])
    assert said.kind == "warning" and "No optimizer reached the tolerance" in said.text
    lowest = min(slow, key=lambda r: r.losses[-1])
    assert f"**{['GD', 'Adam'][slow.index(lowest)]}**" in said.text
    off = race("rosenbrock", (-1.5, 2.0), [Racer("gd", 0.001)], epochs=50, tol=0)
    assert verdict(off, ["GD"]).kind == "info"
    lost = race("saddle", (1.0, 0.5), [Racer("gd", 0.05), Racer("adam", 0.05)], epochs=200)
    assert all(r.status == "diverged" for r in lost)
    assert verdict(lost, ["GD", "Adam"]).kind == "error"


def test_the_banner_says_when_a_run_that_did_not_win_ended_lower():
    racers = [Racer("adagrad", 0.5), Racer("nesterov", 0.02)]
    runs = race("double_well", OBJECTIVES["double_well"].start, racers, epochs=200)
    assert all(r.status == "converged" for r in runs)
    assert runs[1].losses[-1] < runs[0].losses[-1] - 0.1  # Nesterov found the lower well
    said = verdict(runs, ["AdaGrad", "Nesterov"])
    assert "First to converge: **AdaGrad**" in said.text
    assert "Nesterov** ended lower" in said.text


def test_how_a_run_ended_is_said_in_words():
    assert ended(gdviz.descend("parabola", 3.0, lr=0.01, epochs=5)) == "still descending"
    assert ended(gdviz.descend("parabola", 3.0, lr=0.1, epochs=300, tol=0)) == "ran all epochs"
    assert ended(gdviz.descend("parabola", 3.0, lr=0.1, epochs=300)) == "converged"
    table = board_table(leaderboard(race("saddle", (1.0, 0.5), [Racer("gd", 0.05)], epochs=50)))
    assert table[0]["distance to nearest minimum"] == "no known minimum"
    assert table[0]["epochs to tolerance"] == "not reached"


def test_no_learning_rate_is_called_lr_in_a_label():
    assert Racer("adagrad", 0.1, {"lr_decay": 0.01}).label == "AdaGrad, η = 0.1 (η decay 0.01)"


# ---- colours, legend and axes of the race figure ----------------------------------------


def _rgb(colour):
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0


def _luminance(colour):
    c = _rgb(colour)
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(c @ [0.2126, 0.7152, 0.0722])


def _contrast(a, b):
    la, lb = sorted((_luminance(a), _luminance(b)))
    return (lb + 0.05) / (la + 0.05)


def _racer_colours(spec, n):
    return [t["marker"]["color"] for t in spec["data"] if t.get("meta", "").startswith("run")][:n]


@pytest.mark.parametrize("slug, start", [("himmelblau", (0.0, 0.0)), ("parabola", (3.0,))])
def test_eight_racers_get_eight_clearly_different_colours(slug, start):
    racers = [Racer(s, suggested_lr(slug, s)) for s in OPTIMIZERS]
    assert len(racers) == 8  # every optimizer in the registry races
    spec = figure_json(gdviz.race_figure(race(slug, start, racers, epochs=20)))
    colours = _racer_colours(spec, 8)
    assert len(set(colours)) == 8
    lab = [_rgb(c) for c in colours]
    assert min(np.linalg.norm(a - b) for i, a in enumerate(lab) for b in lab[i + 1 :]) > 0.15
    if slug == "himmelblau":  # over the dark end of Viridis, where runs end, none vanishes
        assert min(_contrast(c, "#440154") for c in colours) >= 2


def test_the_race_legend_explains_every_mark_and_edge_markers_are_not_cut():
    racers = [Racer("gd", 0.01), Racer("momentum", 0.01)]
    spec = figure_json(gdviz.race_figure(race("himmelblau", (0.0, 0.0), racers, epochs=30)))
    shown = [t.get("name", "") for t in spec["data"] if t.get("showlegend") is not False]
    for words in ("current point", "step", "whole path", "minimum (★)",
                  "saddle or maximum (×)", "−∇f direction", "velocity"):  # fmt: skip
        assert any(words in name for name in shown), words
    assert "known stationary points" not in shown  # one entry for two kinds of mark
    for trace in spec["data"]:
        if trace.get("meta", "").startswith("run") or trace.get("name") in (
            "minimum (★)",
            "saddle or maximum (×)",
        ):
            assert trace.get("cliponaxis") is False


@pytest.mark.parametrize("slug, start", [("himmelblau", (0.0, 0.0)), ("saddle", (1.0, 0.5))])
def test_the_loss_panel_has_round_written_out_ticks(slug, start):
    racers = [Racer("gd", suggested_lr(slug, "gd")), Racer("adam", suggested_lr(slug, "adam"))]
    spec = figure_json(gdviz.race_figure(race(slug, start, racers, epochs=200)))
    axis = spec["layout"]["yaxis2"]
    assert axis["type"] == ("log" if slug == "himmelblau" else "linear")
    assert axis["ticktext"]
    ticks = np.array(axis["tickvals"])
    for text in axis["ticktext"]:
        assert "e" not in text and "k" not in text, text  # never 2.51e+03 or 8.23k

    def round_number(value):  # 1, 2 or 5 × 10ᵏ
        return round(abs(value) / 10.0 ** np.floor(np.log10(abs(value))), 9) in (1.0, 2.0, 5.0)

    if axis["type"] == "log":
        assert all(round_number(v) for v in ticks)
    else:  # steps of 1, 2 or 5 × 10ᵏ, at multiples of the step
        steps = np.diff(ticks)
        assert np.allclose(steps, steps[0]) and round_number(steps[0])
        assert np.allclose(ticks / steps[0], np.round(ticks / steps[0]))
