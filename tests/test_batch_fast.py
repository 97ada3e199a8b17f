"""descend_batch's fast loop (f with a lower bound, no paths asked for): every run still
ends exactly as descend ends it alone, and the lower bound it relies on is sound."""

import warnings

import numpy as np
import pytest
import sympy as sp

import gdviz.batch
from gdviz import OBJECTIVES, OPTIMIZERS, descend, descend_batch, parse_objective
from gdviz.bounds import FLOOR, falls_without_bound, lower_bound
from gdviz.fit import loss_objective
from tests.test_batch import (
    CASES,
    assert_same_as_alone,
    drawn_hyper,
    inputs,
    per_run_hyper,
)

FLOORED = [slug for slug in CASES if OBJECTIVES[slug].lower_bound > -np.inf]


@pytest.fixture
def fast_calls(monkeypatch):
    """The blocks that went through the fast loop."""
    calls = []
    inner = gdviz.batch._run_fast
    monkeypatch.setattr(gdviz.batch, "_run_fast", lambda *a, **k: calls.append(a) or inner(*a, **k))
    return calls


def run_quietly(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy warnings, divergent runs included
        return descend_batch(*args, **kwargs)


def test_the_cases_cover_floored_and_unbounded_functions():
    assert set(FLOORED) == {"parabola", "himmelblau", "rosenbrock", "bowl", "two_wells"}
    assert OBJECTIVES["cubic"].lower_bound == -np.inf


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("slug", FLOORED)
def test_fast_loop_runs_end_exactly_as_alone(slug, optimizer, fast_calls):
    objective, starts, rates, rng = inputs(slug, runs=40)
    hyper = per_run_hyper(optimizer, rng, len(starts))
    result = run_quietly(objective, starts, lr=rates, epochs=150, optimizer=optimizer, **hyper)
    assert fast_calls, "the fast loop was not taken"
    assert_same_as_alone(result, objective, starts, rates, optimizer, hyper)
    assert np.isfinite(result.final_points).all() and np.isfinite(result.final_losses).all()


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop"])
@pytest.mark.parametrize("slug", ["himmelblau", "two_wells"])
def test_fast_loop_with_every_run_its_own_hyperparameters(slug, optimizer, fast_calls):
    objective, starts, rates, rng = inputs(slug, runs=40, seed=5)
    hyper = drawn_hyper(optimizer, rng, len(starts))
    result = run_quietly(objective, starts, lr=rates, epochs=120, optimizer=optimizer, **hyper)
    assert fast_calls
    assert_same_as_alone(result, objective, starts, rates, optimizer, hyper)


def test_every_ending_and_every_epoch_count_around_chunks_and_tail(fast_calls):
    """On the parabola f = x² + 5 (λ = 2): η = 1 flips x to −x forever (bouncing), η just
    under 1 bounces while shrinking, η just over 1 runs away slowly (a streak of rises
    over many chunks), η = 40 runs away, or from 1e150 overflows at once, small η converge
    at different epochs (tol)."""
    rates = np.array([1e-3, 0.05, 0.3, 0.5, 0.9, 0.999, 1.0, 1.0005, 1.01, 1.05, 1.5, 3.0, 40.0])
    starts = np.tile([[3.0], [-1.5], [1e150]], (len(rates), 1))
    rates = np.repeat(rates, 3)
    reasons = set()
    for epochs in (1, 5, 7, 15, 16, 17, 33, 59, 60, 61, 62, 150, 400):
        result = run_quietly("parabola", starts, lr=rates, epochs=epochs, tol=1e-6)
        assert_same_as_alone(result, OBJECTIVES["parabola"], starts, rates, "gd", {})
        reasons |= set(result.reasons)
    assert reasons == {"gradient", "overflow", "runaway", "bouncing", "epochs"}
    assert len(fast_calls) == 13


def test_heavy_ball_swings_above_the_start_are_not_runaways(monkeypatch, fast_calls):
    """Momentum runs whose loss swings above the start's for a while but are stable; and
    others past 2 + 2β that run away. The swings are read from each chunk's losses: a run
    is stepped again only in the chunk where it stops (it ran away, or its gradient is
    small enough to stop at), not in every chunk its loss spends above the start's."""
    beta = np.repeat([0.9, 0.95, 0.99], 8)
    rates = np.tile(np.geomspace(0.01, 4.5, 8), 3)  # η·λ up to 9 > 2 + 2β
    starts = np.tile([2.0], (len(rates), 1))
    again = []
    inner = gdviz.batch._replay
    monkeypatch.setattr(
        gdviz.batch, "_replay", lambda *a: again.extend(a[5][a[6][a[10]]]) or inner(*a)
    )  # the batch's runs: runs[active[which]]
    result = run_quietly("parabola", starts, lr=rates, epochs=300, optimizer="sgd", momentum=beta)
    hyper = {"momentum": beta}
    assert_same_as_alone(result, OBJECTIVES["parabola"], starts, rates, "sgd", hyper)
    assert {"converged", "diverged"} <= set(result.statuses)
    stopped = result.reasons != "epochs"
    assert np.array_equal(np.bincount(again, minlength=len(rates)), stopped.astype(int))
    swung = [
        i
        for i in np.flatnonzero(result.statuses != "diverged")
        if (result_alone := descend("parabola", starts[i], lr=rates[i], epochs=300,
                                    optimizer="sgd", momentum=beta[i])).losses.max()
        > result_alone.losses[0]
    ]  # fmt: skip
    assert len(swung) >= 5  # stable runs that swung above the start's loss


def test_a_tail_too_close_to_call_is_decided_by_descend(monkeypatch, fast_calls):
    """Every turning tail counted as too close to the threshold: those runs go to descend
    one by one, and the batch still ends each as descend does."""
    monkeypatch.setattr(gdviz.batch, "_BAND", 10.0)
    rates = np.array([0.9, 0.99, 1.0, 0.2])
    starts = np.array([[3.0], [1.0], [2.0], [1.0]])
    handed = []
    monkeypatch.setattr(
        gdviz.batch, "descend", lambda *a, **k: handed.append(a) or descend(*a, **k)
    )
    result = run_quietly("parabola", starts, lr=rates, epochs=80, tol=0.0)
    assert handed  # the close ones went to descend
    assert_same_as_alone(result, OBJECTIVES["parabola"], starts, rates, "gd", {}, tol=0.0)


@pytest.mark.parametrize("loss", ["mse", "mae"])
def test_a_fit_loss_is_bounded_and_takes_the_full_loop(loss, fast_calls):
    """A fit's loss is never negative, but f and ∇f are sums over its data: stepping the
    flagged runs twice would cost more than the tests saved, so it keeps the full loop."""
    objective = loss_objective("noisy_line", loss)
    assert objective.lower_bound == 0.0
    rng = np.random.default_rng(3)
    starts = rng.uniform(-3, 3, size=(12, objective.dim))
    rates = np.geomspace(1e-3, 2.0, 12)
    result = run_quietly(objective, starts, lr=rates, epochs=60)
    assert not fast_calls
    assert_same_as_alone(result, objective, starts, rates, "gd", {})


def test_an_unbounded_function_takes_the_fast_loop_and_its_falls_are_read(fast_calls):
    """The cubic falls without bound: the fast loop reads each run's streak of falls at its
    chunk ends, and its runs still say so, each at its own epoch."""
    objective, starts, rates, _ = inputs("cubic", runs=30)
    result = run_quietly(objective, starts, lr=rates, epochs=150)
    assert fast_calls
    assert "unbounded" in set(result.reasons)
    assert len(set(result.stop_epochs[result.reasons == "unbounded"])) >= 2
    assert_same_as_alone(result, objective, starts, rates, "gd", {})


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_falls_without_bound_at_every_epoch_count_around_chunks(optimizer, fast_calls):
    """On x³ − 3x runs from either side of the minimum at x = 1, with rates from tiny to
    large: they converge, crawl, bounce, overflow or fall without bound, their streaks of
    falls starting and showing in one chunk or across several, or ending the epochs on a
    streak too short to stop on; each as alone, whatever the epochs."""
    objective = parse_objective("x^3 - 3*x")
    rates = np.geomspace(2e-4, 0.8, 14)
    starts = np.repeat([[-2.0], [-0.5], [0.9], [2.5]], len(rates), axis=0)
    rates = np.tile(rates, 4)
    reasons = set()
    for epochs in (1, 7, 8, 9, 31, 32, 33, 40, 64, 65, 150, 400):
        result = run_quietly(objective, starts, lr=rates, epochs=epochs, optimizer=optimizer)
        assert_same_as_alone(result, objective, starts, rates, optimizer, {})
        reasons |= set(result.reasons)
    assert fast_calls
    assert {"gradient", "unbounded", "epochs"} <= reasons


def test_paths_take_the_full_loop(fast_calls):
    run_quietly("bowl", np.ones((5, 2)), lr=0.1, epochs=20, paths=True)
    assert not fast_calls


# ---- the lower bound ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, bound",
    [
        ("x**2 + 5", 5.0),
        ("(1 - x)**2 + 100*(y - x**2)**2", 0.0),
        ("x**2 + y**2 - 10*cos(2*pi*x) - 10*cos(2*pi*y) + 20", 0.0),
        ("x**2/10 + sin(2*x)", -1.0),
        ("sqrt(x**2 + 1) - 3", -3.0),
        ("exp(x) - 2", -2.0),
        ("Abs(x) + Abs(y) - 1", -1.0),
        ("1/(x**2 + 1)", 0.0),
        ("log(x**2 + 1)", 0.0),
        ("x**4 - 2*x**2", -np.inf),  # bounded (−1), but not by its form
        ("x**3 - 3*x", -np.inf),
        ("x*y", -np.inf),
        ("log(x)", -np.inf),
        ("-x**2", -np.inf),
        ("x**2*y", -np.inf),
        ("Max(x, 0)", -np.inf),
        ("exp(x)*cos(y)", -np.inf),
    ],
)
def test_lower_bound_from_the_formula(text, bound):
    assert lower_bound(sp.sympify(text)) == bound


def test_registered_bounds_hold_in_floating_point():
    """Wherever f is evaluated (up to 1e300, both signs), f as compiled is at least its
    bound or NaN: so a probe can never reach the floor of falls_without_bound."""
    rng = np.random.default_rng(0)
    magnitudes = 10.0 ** rng.uniform(-3, 300, size=(4000, 2))
    points = magnitudes * rng.choice([-1.0, 1.0], size=magnitudes.shape)
    floored = [o for o in OBJECTIVES.values() if o.lower_bound > -np.inf]
    assert len(floored) >= 10
    for objective in floored:
        values = objective.f(points[:, : objective.dim])
        bound = objective.lower_bound
        ok = np.isnan(values) | (values >= bound - 1e-9 * abs(bound))
        assert ok.all(), objective.slug
        for direction in rng.normal(size=(20, objective.dim)):
            assert not falls_without_bound(objective, points[0, : objective.dim], direction)
    assert min(o.lower_bound for o in floored) > FLOOR


def test_typed_functions_get_a_bound_only_from_their_form():
    assert parse_objective("x**2 + y**2 + 3").lower_bound == 3.0
    assert parse_objective("x**3").lower_bound == -np.inf
    assert parse_objective("x**2 - 2*x").lower_bound == -np.inf  # bounded, not by form


def test_f_and_grad_always_get_row_major_points(monkeypatch):
    """After runs stop and leave the arrays, the rest stay one contiguous row per coordinate
    (strided rows made every later f and ∇f a third slower)."""
    seen = []
    inner = gdviz.batch._parts

    def parts(objective):
        compute = inner(objective)
        return lambda X: seen.append(X.flags.c_contiguous and X[0].flags.c_contiguous) or compute(X)

    monkeypatch.setattr(gdviz.batch, "_parts", parts)
    rates = np.geomspace(0.01, 1.2, 40)  # the largest run away: the arrays shrink
    result = run_quietly("bowl", np.tile([2.0, -1.5], (40, 1)), lr=rates, epochs=120)
    assert "diverged" in set(result.statuses) and len(seen) > 120
    assert all(seen)


def test_a_rise_after_a_quiet_chunk_is_stepped_again(monkeypatch, fast_calls):
    """A chunk after one with nothing to read keeps no losses: a slow heavy-ball swing
    (β = 0.99, ηλ = 0.001: the loss falls for 55 epochs, then rises for 45) that begins to
    rise in such a chunk is stepped again with every test, and still ends as alone."""
    again = []
    inner = gdviz.batch._replay

    def replay(*args):
        ended, left, rises = inner(*args)
        again.append((args[8], len(args[10]), int(ended.sum())))  # epoch, runs, stopped
        return ended, left, rises

    monkeypatch.setattr(gdviz.batch, "_replay", replay)
    starts = np.array([[2.0], [-1.5], [3.0], [0.5]])
    rates = np.full(len(starts), 0.0005)
    result = run_quietly("parabola", starts, lr=rates, epochs=400, optimizer="sgd", momentum=0.99)
    hyper = {"momentum": np.full(len(starts), 0.99)}
    assert fast_calls
    assert_same_as_alone(result, OBJECTIVES["parabola"], starts, rates, "sgd", hyper)
    assert set(result.statuses) == {"max_epochs"}
    assert (32, len(starts), 0) in again  # every run rose in the second chunk: none stopped


def test_a_constant_part_of_the_gradient_is_broadcast(fast_calls):
    """∂f/∂y of cos²y + sin²y + x² is 0, which the compiled code returns as one number:
    the fast loop spreads it over the runs and still ends each run as alone."""
    objective = parse_objective("cos(y)**2 + sin(y)**2 + x**2")
    starts = np.random.default_rng(2).uniform(-2, 2, (12, 2))
    rates = np.geomspace(0.05, 1.5, 12)
    result = run_quietly(objective, starts, lr=rates, epochs=90)
    assert fast_calls
    assert_same_as_alone(result, objective, starts, rates, "gd", {})
    assert {"converged", "diverged"} <= set(result.statuses)
