"""gdviz.falls: descend's test of a fall without bound, for many runs at once, with the same
verdicts as descend's one run at a time; and the batch on functions with no lower bound."""

import dataclasses
import warnings

import numpy as np
import pytest

import gdviz.batch
from gdviz import OBJECTIVES, OPTIMIZERS, descend, descend_batch, parse_objective
from gdviz.analysis import Streak
from gdviz.bounds import falls_without_bound
from gdviz.falls import Falls, norms, unbounded
from tests.test_batch import assert_same_as_alone

#: Functions with no lower bound their form shows (and some with one it does not show):
#: built in and typed. The last ones level off far out (x − √(x² + 1) → 0, x⁴ − x²√(x⁴ + 1)
#: → −½), which only the extended-precision check tells from a fall without bound.
UNBOUNDED = ["saddle", "cubic", "double_well", "matyas", "styblinski_tang", "mccormick"]
TYPED = ["x^3 - 3*x", "x^2 - y^2", "-x^2", "x*y", "x - sqrt(x^2 + 1)",
         "x^4 - x^2*sqrt(x^4 + 1) + y^2", "exp(x) - x^5", "-log(x^2 + 1) - y^3"]  # fmt: skip


def objectives():
    return [OBJECTIVES[s] for s in UNBOUNDED] + [parse_objective(t) for t in TYPED]


@pytest.mark.parametrize("objective", objectives(), ids=lambda o: o.slug)
def test_unbounded_gives_falls_without_bounds_verdict_for_every_run(objective):
    rng = np.random.default_rng(4)
    k = 300
    scale = 10.0 ** rng.uniform(-3, 6, size=(1, k))
    X = rng.normal(size=(objective.dim, k)) * scale
    heading = rng.normal(size=(objective.dim, k)) * 10.0 ** rng.uniform(-8, 2, size=(1, k))
    heading[:, :10] = 0.0  # no direction: never unbounded
    heading[:, 10:40] = np.sign(heading[:, 10:40])  # along the axes and diagonals
    verdicts = unbounded(objective, X, heading)
    alone = [falls_without_bound(objective, X[:, i], heading[:, i]) for i in range(k)]
    assert verdicts.tolist() == alone
    assert not verdicts[:10].any()


def test_the_verdicts_cover_both_answers_and_the_extended_precision_check():
    rng = np.random.default_rng(5)
    saddle = OBJECTIVES["saddle"]
    X, heading = rng.uniform(-2, 2, (2, 400)), rng.normal(size=(2, 400))
    verdicts = unbounded(saddle, X, heading)
    assert 0 < verdicts.sum() < 400  # along y it falls without bound, along x it does not
    levelling = parse_objective("x - sqrt(x^2 + 1)")  # → 0 as x → +∞, yet rounds to −∞ ...
    X = np.array([[3.0, -3.0, 100.0]])
    assert unbounded(levelling, X, np.ones((1, 3))).tolist() == [False] * 3
    assert unbounded(parse_objective("-x"), X, np.ones((1, 3))).tolist() == [True] * 3


def test_a_function_that_will_not_take_extended_precision_is_checked_one_run_at_a_time(
    monkeypatch,
):
    """Where f's compiled code refuses long doubles, each run is probed by
    falls_without_bound itself (which takes that as no second opinion)."""
    objective = parse_objective("-x^3 + x")
    calls = []
    monkeypatch.setattr(
        gdviz.falls,
        "falls_without_bound",
        lambda *a: calls.append(a) or falls_without_bound(*a),
    )
    compiled = objective._f

    def doubles_only(*coords):
        if any(np.asarray(c).dtype == np.longdouble for c in coords):
            raise TypeError("no long doubles here")
        return compiled(*coords)

    objective = dataclasses.replace(objective, _f=doubles_only)
    X = np.array([[-3.0, 3.0, 1e3]])
    verdicts = unbounded(objective, X, np.ones((1, 3)))
    assert verdicts.tolist() == [True, True, True] and len(calls) == 3


def test_norms_are_descends_norms_bit_for_bit():
    rng = np.random.default_rng(6)
    for dim in (1, 2, 3):
        H = rng.normal(size=(dim, 5000)) * 10.0 ** rng.uniform(-150, 150, size=(dim, 5000))
        expected = [np.linalg.norm(H[:, i]) for i in range(H.shape[1])]
        assert np.array_equal(norms(H), expected)


def test_falls_follow_each_runs_streak_as_descend_does():
    """Paths that fall faster and faster while leaving, turn back, stall at the same
    distance (a tie the sums may round either way) and fall again: the streak per run,
    epoch by epoch, is a Streak fed as descend feeds it."""
    rng = np.random.default_rng(8)
    k, epochs = 64, 120
    start = rng.normal(size=(2, k))
    steps = rng.normal(size=(epochs, 2, k)) * np.geomspace(1e-3, 10, epochs)[:, None, None]
    steps[:, :, ::2] = rng.normal(size=(1, 2, k // 2)) * 1.1 ** np.arange(epochs)[:, None, None]
    steps[30:40, :, ::4] *= -1  # some turn back for a while
    points = start + np.cumsum(steps, axis=0)
    points[50, :, 1::4] = points[49, :, 1::4][::-1]  # the same distance, mirrored
    falling = np.abs(rng.normal(size=(epochs, k))) * np.geomspace(1, 1e4, epochs)[:, None]
    falling[:, ::2] = 1.2 ** np.arange(epochs)[:, None]  # faster and faster
    losses = -np.cumsum(falling, axis=0)
    losses[60:70, ::3] += np.arange(10)[:, None] * 1e12  # and rise for a while
    falls = Falls(start, start)
    streaks = [Streak() for _ in range(k)]
    previous, loss_before = start, np.zeros(k)
    longest, shown = 0, 0
    for t in range(epochs):
        falls.add(points[t], losses[t] - loss_before)
        for i, streak in enumerate(streaks):
            x, x0 = points[t, :, i], start[:, i]
            leaving = np.linalg.norm(x - x0) > np.linalg.norm(previous[:, i] - x0)
            change = losses[t, i] - loss_before[i]
            streak.add(-change if change < 0 and leaving else None)
        assert falls.length.tolist() == [s.length for s in streaks]
        assert falls.last.tolist() == [s.last for s in streaks]
        assert falls.shown().tolist() == [s.shown() for s in streaks]
        firsts = [s.first for s in streaks]
        assert np.array_equal(falls.first[falls.length > 0],
                              np.array(firsts)[falls.length > 0])  # fmt: skip
        previous, loss_before = points[t], losses[t]
        longest, shown = max(longest, falls.length.max()), shown + falls.shown().sum()
    assert longest >= 30 and shown > 100  # the streaks were long, and shown


# ---- the batch on functions with no lower bound -------------------------------------------


def starts_and_rates(objective, runs, seed):
    rng = np.random.default_rng(seed)
    (lo, hi), *_ = objective.domain
    starts = rng.uniform(lo, hi, size=(runs, objective.dim))
    rates = np.exp(rng.uniform(np.log(1e-3), np.log(0.6), size=runs))
    return starts, rates


@pytest.mark.parametrize("paths", [False, True])
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize(
    "objective",
    [OBJECTIVES["saddle"], OBJECTIVES["cubic"], parse_objective("x^3 - 3*x"),
     parse_objective("x^2 - y^2"), parse_objective("x*y")],
    ids=lambda o: o.slug,
)  # fmt: skip
def test_unbounded_functions_end_each_run_exactly_as_alone(objective, optimizer, paths):
    starts, rates = starts_and_rates(objective, 40, seed=11)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = descend_batch(objective, starts, lr=rates, epochs=200, optimizer=optimizer,
                               paths=paths)  # fmt: skip
    assert_same_as_alone(result, objective, starts, rates, optimizer, {})


@pytest.mark.parametrize("epochs", [8, 9, 40, 150])
def test_a_streak_of_falls_at_the_last_epoch_says_unbounded_as_descend_does(epochs):
    """Runs that end their epochs on a streak of falls too short to stop on: diverged
    ("unbounded") only where f has no bound that way."""
    objective = parse_objective("-x^2 + y^2")
    starts = np.array([[1.0, 0.5], [-2.0, 0.0], [0.5, 1.0], [3.0, -2.0], [1e-3, 1.0]])
    rates = np.array([0.01, 0.012, 0.02, 0.009, 0.015])
    result = descend_batch(objective, starts, lr=rates, epochs=epochs)
    assert_same_as_alone(result, objective, starts, rates, "gd", {})
    if epochs >= 40:
        assert "unbounded" in set(result.reasons)


def test_slow_falls_on_the_cubic_are_decided_in_the_batch(monkeypatch):
    """Runs sliding down x³ − 3x with a small η fall faster only slowly: their streaks of
    falls run for hundreds of epochs before they show, and none is handed to descend."""
    handed = []
    monkeypatch.setattr(
        gdviz.batch, "descend", lambda *a, **k: handed.append(a) or descend(*a, **k)
    )
    starts = np.linspace(-2.5, -1.05, 12)[:, None]
    rates = np.full(12, 5e-4)
    result = descend_batch("cubic", starts, lr=rates, epochs=1000)
    assert not handed and set(result.reasons) == {"unbounded"}
    assert result.stop_epochs.max() > 200
    assert_same_as_alone(result, OBJECTIVES["cubic"], starts, rates, "gd", {})
