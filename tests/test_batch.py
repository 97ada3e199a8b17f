"""descend_batch: every run ends exactly as descend ends it alone."""

import warnings

import numpy as np
import pytest

import gdviz
from gdviz import OBJECTIVES, OPTIMIZERS, descend, descend_batch, parse_objective
from gdviz.analysis import bouncing_without_progress, is_bouncing_without_progress
from gdviz.batch import HISTORY, _bouncing, usable_starts

EPOCHS = 150
RUNS = 24

#: objective: (box the starts are drawn from, range of learning rates). The rates reach
#: past each function's stable limit, so some runs diverge (overflow or runaway), and the
#: cubic has no lower bound, so some runs fall without bound.
CASES = {
    "parabola": ((-5, 5), (0.01, 1.3)),
    "himmelblau": ((-5, 5), (1e-3, 0.06)),
    "rosenbrock": ((-2, 2), (1e-4, 4e-3)),
    "bowl": ((-4, 4), (0.05, 1.5)),  # diverges with a large rate
    "cubic": ((-3, 3), (0.01, 0.5)),
    "two_wells": ((-2, 2), (0.01, 0.5)),
}

#: One hyperparameter per optimizer given per run (a few values, so a few groups).
PER_RUN = {
    "gd": {},
    "sgd": {"momentum": [0.0, 0.5, 0.9]},
    "momentum": {"weight_decay": [0.0, 0.01]},
    "nesterov": {"weight_decay": [0.0, 0.01]},
    "adagrad": {"lr_decay": [0.0, 0.1]},
    "rmsprop": {"alpha": [0.9, 0.99], "centered": [False, True]},
    "adam": {"betas": [(0.9, 0.999), (0.5, 0.9)]},
    "adamw": {"weight_decay": [0.0, 0.1]},
}


def inputs(slug, runs=RUNS, seed=0):
    objective = OBJECTIVES[slug]
    (lo, hi), (lr_lo, lr_hi) = CASES[slug]
    rng = np.random.default_rng(seed)
    starts = rng.uniform(lo, hi, size=(runs, objective.dim))
    rates = np.exp(rng.uniform(np.log(lr_lo), np.log(lr_hi), size=runs))
    return objective, starts, rates, rng


def per_run_hyper(optimizer, rng, runs):
    hyper = {}
    for name, values in PER_RUN[optimizer].items():
        picks = rng.integers(len(values), size=runs)
        hyper[name] = np.array([values[i] for i in picks])
    return hyper


def assert_same_as_alone(result, objective, starts, rates, optimizer, hyper, **kwargs):
    for i in range(len(starts)):
        one = {k: (tuple(v[i]) if v.ndim == 2 else v[i].item()) for k, v in hyper.items()}
        alone = descend(
            objective, starts[i], lr=rates[i], epochs=result.epochs, optimizer=optimizer,
            **one, **kwargs,
        )  # fmt: skip
        where = f"run {i} of {objective.slug} with {optimizer} {one}"
        assert result.statuses[i] == alone.status, where
        assert result.reasons[i] == alone.reason, where
        assert result.stop_epochs[i] == alone.epoch, where
        assert np.array_equal(result.final_points[i], alone.final), where  # bit for bit
        assert result.final_losses[i] == alone.losses[-1], where
        if result.paths is not None:
            assert np.array_equal(result.path(i), alone.points), where
            assert np.array_equal(result.path_losses(i), alone.losses), where


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("slug", list(CASES))
def test_each_run_ends_exactly_as_it_does_alone(slug, optimizer):
    objective, starts, rates, rng = inputs(slug)
    hyper = per_run_hyper(optimizer, rng, len(starts))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy warnings, divergent runs included
        result = descend_batch(
            objective, starts, lr=rates, epochs=EPOCHS, optimizer=optimizer, paths=True, **hyper
        )
    assert_same_as_alone(result, objective, starts, rates, optimizer, hyper)
    assert np.isfinite(result.final_points).all() and np.isfinite(result.final_losses).all()
    assert np.isfinite(result.paths).all() and np.isfinite(result.losses).all()


#: Float hyperparameters drawn per run, each run its own value (a quarter of them 0, so
#: the update's branches on them differ between runs), and switches per run.
DRAWN = {
    "sgd": {"momentum": (0.0, 0.99), "dampening": (0.0, 0.6), "weight_decay": (0.0, 0.05)},
    "momentum": {"dampening": (0.0, 0.9), "weight_decay": (0.0, 0.05)},
    "nesterov": {"weight_decay": (0.0, 0.05)},
    "adagrad": {"lr_decay": (0.0, 0.2), "eps": (1e-10, 1e-3),
                "initial_accumulator_value": (0.0, 1.0), "weight_decay": (0.0, 0.05)},
    "rmsprop": {"alpha": (0.3, 0.999), "eps": (1e-8, 1e-3), "momentum": (0.0, 0.9),
                "weight_decay": (0.0, 0.05), "centered": (False, True)},
    "adam": {"betas": ((0.2, 0.99), (0.3, 0.9999)), "eps": (1e-8, 1e-3),
             "weight_decay": (0.0, 0.05), "amsgrad": (False, True)},
    "adamw": {"betas": ((0.2, 0.99), (0.3, 0.9999)), "weight_decay": (0.0, 0.1)},
}  # fmt: skip


def drawn_hyper(optimizer, rng, runs):
    hyper = {}
    for name, (lo, hi) in DRAWN[optimizer].items():
        if isinstance(lo, bool):
            hyper[name] = rng.integers(2, size=runs).astype(bool)
        elif isinstance(lo, tuple):  # betas: (β₁, β₂) per run; 1 − β₁ on both sides of ½
            hyper[name] = np.column_stack([rng.uniform(*lo, runs), rng.uniform(*hi, runs)])
        else:
            values = rng.uniform(lo, hi, runs)
            hyper[name] = np.where(rng.uniform(size=runs) < 0.25, lo, values)
    return hyper


@pytest.mark.parametrize("optimizer", list(DRAWN))
@pytest.mark.parametrize("slug", list(CASES))
def test_every_run_its_own_hyperparameters_ends_exactly_as_alone(slug, optimizer):
    """Each run's β, ε, weight decay ... is its own: the update runs on arrays of them,
    and every run still ends bit for bit as descend ends it with its values."""
    objective, starts, rates, rng = inputs(slug, seed=5)
    hyper = drawn_hyper(optimizer, rng, len(starts))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = descend_batch(
            objective, starts, lr=rates, epochs=EPOCHS, optimizer=optimizer, paths=True, **hyper
        )
    assert_same_as_alone(result, objective, starts, rates, optimizer, hyper)


def test_runs_with_distinct_momenta_step_in_one_pass(monkeypatch):
    """197 values of β > 0 are one pass (not 197); β = 0 (no buffer at all) is a second."""
    passes = []
    inner = gdviz.batch._run_block
    monkeypatch.setattr(gdviz.batch, "_run_block", lambda *a: passes.append(a) or inner(*a))
    betas = np.concatenate([np.zeros(3), np.linspace(0.01, 0.99, 197)])
    starts = np.full(200, 3.0)
    result = descend_batch("parabola", starts, lr=0.05, epochs=300, optimizer="sgd",
                           momentum=betas, paths=True)  # fmt: skip
    assert len(passes) == 2
    hyper = {"momentum": betas}
    assert_same_as_alone(result, OBJECTIVES["parabola"], starts[:, None], np.full(200, 0.05),
                         "sgd", hyper)  # fmt: skip


@pytest.mark.parametrize(
    ("optimizer", "hyper", "message"),
    [
        ("sgd", {"momentum": [0.5, -0.2, 0.1]}, "momentum must be >= 0, got -0.2"),
        ("sgd", {"momentum": [0.5, 0.0, 0.1], "nesterov": True}, "nesterov needs momentum > 0"),
        ("adam", {"betas": [(0.9, 0.999), (1.0, 0.9), (0.5, 0.5)]}, r"betas\[0\] must be in"),
        ("rmsprop", {"eps": [1e-8, np.inf, 1e-8]}, "eps must be a finite number"),
    ],
)
def test_each_value_of_a_per_run_hyperparameter_is_checked(optimizer, hyper, message):
    with pytest.raises(ValueError, match=message):
        descend_batch("parabola", [1.0, 2.0, 3.0], lr=0.1, epochs=5, optimizer=optimizer,
                      **hyper)  # fmt: skip


def test_the_cases_reach_every_way_a_run_can_end():
    """The runs above are not all alike: every status and reason occurs among them."""
    reasons = set()
    for slug in CASES:
        objective, starts, rates, _ = inputs(slug)
        reasons |= set(descend_batch(objective, starts, lr=rates, epochs=EPOCHS).reasons)
    assert {"gradient", "overflow", "runaway", "unbounded", "bouncing", "epochs"} <= reasons


def test_f_undefined_at_the_next_point_and_tolerance_zero():
    objective = parse_objective("log(x)")  # a big step lands where log is undefined
    starts, rates = np.array([1.0, 2.0, 3.0, 0.5]), np.array([5.0, 0.1, 0.5, 0.01])
    for tol in (1e-6, 0.0):
        result = descend_batch(objective, starts, lr=rates, epochs=40, tol=tol, paths=True)
        assert "undefined" in set(result.reasons)
        assert_same_as_alone(result, objective, starts[:, None], rates, "gd", {}, tol=tol)


def test_a_1d_batch_takes_a_flat_array_and_scalars():
    result = descend_batch("parabola", [3.0, -1.0, 0.5], lr=0.5, epochs=50)
    assert result.final_points.shape == (3, 1)
    assert result.final_losses.shape == result.statuses.shape == result.stop_epochs.shape == (3,)
    assert result.paths is None
    assert list(result.statuses) == ["converged"] * 3  # lr = 1/a: one step to the minimum
    assert list(result.stop_epochs) == [1, 1, 1]


def test_paths_hold_the_last_point_after_a_run_stops():
    objective, starts, rates, _ = inputs("bowl", runs=12)
    result = descend_batch(objective, starts, lr=rates, epochs=60, paths=True)
    assert result.paths.shape == (12, 61, 2) and result.losses.shape == (12, 61)
    stopped = np.flatnonzero(result.stop_epochs < 60)
    assert stopped.size
    for i in stopped:
        after = result.paths[i, result.stop_epochs[i] :]
        assert (after == result.final_points[i]).all()
        assert (result.losses[i, result.stop_epochs[i] :] == result.final_losses[i]).all()
        assert len(result.path(i)) == result.stop_epochs[i] + 1


def test_fit_page_losses_run_as_alone():
    objective = gdviz.loss_objective("three_points")
    rng = np.random.default_rng(3)
    starts = np.array(objective.start) + rng.normal(size=(12, objective.dim))
    rates = objective.lr * np.exp(rng.uniform(-2, 3, size=12))
    result = descend_batch(objective, starts, lr=rates, epochs=100, paths=True)
    assert_same_as_alone(result, objective, starts, rates, "gd", {})


#: Typed functions with the powers sympy writes for roots, quotients and general powers.
TYPED = ["sqrt(x^2 + y^2 + 1)", "1/(x^2 + 1) + y/x", "(x^2 + 1)^0.75 + y^2", "x^y + y^2",
         "log(x) + y^12", "exp(x) - x^5"]  # fmt: skip


def test_one_point_and_an_array_of_points_give_the_same_bits():
    """descend evaluates f at one point (numpy scalars), a batch on arrays: numpy's scalar
    ** and array power differ in the last bit about once in a thousand, which a chaotic
    run amplifies into a different ending. Every objective must agree bit for bit."""
    rng = np.random.default_rng(7)
    typed = [parse_objective(t) for t in TYPED]
    for objective in [*OBJECTIVES.values(), *typed]:
        (lo, hi), *_ = objective.domain
        points = rng.uniform(lo, hi, size=(400, objective.dim))
        with np.errstate(all="ignore"):  # x^y is undefined for some x < 0
            value, *grad = objective._value_and_grad(*points.T)
        grad = np.stack([np.broadcast_to(g, value.shape) for g in grad], axis=-1)
        for p, v, g in zip(points, value, grad, strict=True):
            one, one_grad = objective.value_and_grad(p)
            assert one == v or (np.isnan(one) and np.isnan(v)), objective.slug
            assert np.array_equal(one_grad, g, equal_nan=True), objective.slug


def test_bouncing_test_batched_equals_one_path_at_a_time():
    rng = np.random.default_rng(1)
    paths = np.cumsum(rng.normal(size=(200, 70, 2)), axis=1)
    flips = np.cumsum((-1.0) ** np.arange(70)[None, :, None] * rng.uniform(1, 2, (200, 70, 2)), 1)
    for batch in (paths, flips, flips[:, :5], flips[:, :1, :1]):
        one_by_one = [is_bouncing_without_progress(p) for p in batch]
        assert list(bouncing_without_progress(batch)) == one_by_one
        assert list(_bouncing(batch.transpose(1, 2, 0))) == one_by_one  # the batch's layout
    assert bouncing_without_progress(flips).any()  # the flipping paths do bounce


def test_usable_starts():
    ok = usable_starts(parse_objective("log(x)"), [1.0, -1.0, 0.0, np.nan])
    assert ok.tolist() == [True, False, False, False]


@pytest.mark.parametrize(
    ("starts", "kwargs", "message"),
    [
        ([[1.0, 2.0, 3.0]], {}, r"starts must have shape \(n, 2\) for himmelblau \(x, y\), got"),
        ([1.0, 2.0], {}, r"starts must have shape \(n, 2\)"),
        (np.zeros((0, 2)), {}, r"starts must have shape \(n, 2\)"),
        ([[1.0, np.nan]], {}, r"starts must be finite numbers, got \[1.0, nan\] at start 0"),
        ([["a", "b"]], {}, "starts must be numbers"),
        ([[1.0, 2.0]], {"lr": 0.0}, "lr must be > 0"),
        ([[1.0, 2.0], [0.0, 0.0]], {"lr": [0.1, -1.0]}, "lr must be > 0 and finite for every"),
        ([[1.0, 2.0], [0.0, 0.0]], {"lr": [0.1, 0.1, 0.1]}, r"lr must be a number or an arr"),
        ([[1.0, 2.0]], {"lr": np.nan}, "lr must be a finite number"),
        ([[1.0, 2.0]], {"epochs": 0}, "epochs must be a whole number"),
        ([[1.0, 2.0]], {"optimizer": "sgd", "momentum": [0.1, 0.2]}, r"momentum must be one"),
        ([[1.0, 2.0]], {"optimizer": "sgd", "momentum": -1.0}, "momentum must be >= 0"),
        ([[1.0, 2.0]], {"optimizer": "sgd", "beta": 0.1}, "has no hyperparameter beta"),
        ([[1.0, 2.0]], {"optimizer": "nope"}, "unknown optimizer 'nope'"),
    ],
)
def test_bad_arguments_say_what_was_expected(starts, kwargs, message):
    kwargs = {"lr": 0.01, "epochs": 10, **kwargs}
    with pytest.raises(ValueError, match=message):
        descend_batch("himmelblau", starts, **kwargs)


def test_a_start_where_f_is_undefined_is_refused_as_descend_refuses_it():
    with pytest.raises(ValueError, match=r"f is not defined at the start x = -1\S* \(start 1\)"):
        descend_batch(parse_objective("log(x)"), [1.0, -1.0], lr=0.1, epochs=5)


def test_result_reads_well():
    result = descend_batch("parabola", [3.0, 1e3], lr=[0.5, 1.5], epochs=30)
    assert result.counts()["converged"] + result.counts()["diverged"] == 2
    assert "BatchResult('parabola', gd, runs=2" in repr(result)
    with pytest.raises(ValueError, match="paths=True"):
        result.path(0)


def test_a_runaway_longer_than_the_history_is_decided_in_the_batch(monkeypatch):
    """A slow runaway (each rise ~4% bigger) needs ~100 epochs of streak to show: more than
    the batch keeps of its history. The batch follows each run's streak of rises itself, so
    no run is handed to descend, and each still ends exactly as alone."""
    handed = []
    monkeypatch.setattr(
        gdviz.batch, "descend", lambda *a, **k: handed.append(a) or descend(*a, **k)
    )
    starts, rates = np.array([1.0, 2.0, -3.0, 0.5]), np.array([1.01, 1.02, 1.005, 0.4])
    result = descend_batch("parabola", starts, lr=rates, epochs=300, paths=True)
    assert not handed and list(result.reasons) == ["runaway", "runaway", "runaway", "gradient"]
    assert (result.stop_epochs[[0, 2]] > HISTORY).all()  # streaks from epoch 1
    assert_same_as_alone(result, OBJECTIVES["parabola"], starts[:, None], rates, "gd", {})


def test_a_fall_longer_than_the_history_is_decided_in_the_batch(monkeypatch):
    """On f = −x² GD multiplies x by 1 + 2η: with η = 0.01 each fall is ~4% bigger than the
    last, and the streak of falls shows (×100) only after ~117 epochs, more than the history
    kept. The batch follows each run's streak of falls itself, so no run is handed to
    descend, and each still ends exactly as alone."""
    handed = []
    monkeypatch.setattr(
        gdviz.batch, "descend", lambda *a, **k: handed.append(a) or descend(*a, **k)
    )
    objective = parse_objective("-x^2")
    starts, rates = np.array([1.0, -2.0, 0.5, 3.0]), np.array([0.01, 0.011, 0.3, 0.012])
    result = descend_batch(objective, starts, lr=rates, epochs=300, paths=True)
    assert not handed and set(result.reasons) == {"unbounded"}
    assert result.stop_epochs[2] < HISTORY < result.stop_epochs[[0, 1, 3]].min()
    assert_same_as_alone(result, objective, starts[:, None], rates, "gd", {})
