"""Race core: suggested rates, labels, velocities, the leaderboard, the race figure."""

import numpy as np
import pytest

import gdviz
from gdviz import OBJECTIVES, OPTIMIZERS
from gdviz.race import Racer, leaderboard, nice, race, suggested_lr, velocities
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
    assert {row["status"] for row in board} <= {"converged", "still descending", "diverged"}


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
