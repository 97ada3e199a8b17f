"""A fit's loss for many runs at once: each run's L and ∇L to the bit as for its parameters
alone, and a batch of runs on the fit's loss ends each run as descend does."""

import importlib

import numpy as np
import pytest

from gdviz import DATASETS, OPTIMIZERS, descend_batch, loss_objective
from gdviz.fit import LOSSES, _kernels, _runs_mean, _sample_mean
from tests.test_batch import assert_same_as_alone


def kernel():
    objective = loss_objective("noisy_line")
    return _kernels(DATASETS["noisy_line"].model, objective.variables, "mse")[0]


@pytest.mark.parametrize("n", [1, 2, 7, 8, 9, 16, 17, 30, 127, 128, 129, 200, 256, 300, 1029])
def test_the_sums_over_samples_are_numpys_pairwise_sums(n):
    """Sample counts around the 8 accumulators and the blocks of 128 of numpy's pairwise
    sum, with values of every size: each run's mean is its own vector's, bit for bit."""
    rng = np.random.default_rng(n)
    x = rng.normal(size=n) * 10.0 ** rng.uniform(-3, 3, size=n)
    y = rng.normal(size=n) * 10.0 ** rng.uniform(-3, 6, size=n)
    coords = rng.normal(size=(2, 300)) * 10.0 ** rng.uniform(-4, 4, size=(1, 300))
    coords[:, :3] = [[0.0, -0.0, 1e200], [-0.0, -0.0, -1e200]]  # signed zeros, overflow
    with np.errstate(all="ignore"):
        runs = _runs_mean(kernel(), coords, x, y)
        for i in range(coords.shape[1]):
            alone = _sample_mean(kernel(), coords[:, i], x, y)
            for a, b in zip(alone, runs, strict=True):
                assert a == b[i] or (np.isnan(a) and np.isnan(b[i])), (n, i)
                assert np.signbit(a) == np.signbit(b[i]), (n, i)


def test_more_samples_than_a_chunk_are_summed_chunk_by_chunk_as_alone(monkeypatch):
    module = importlib.import_module("gdviz.fit")  # (gdviz.fit is the function fit)
    monkeypatch.setattr(module, "CHUNK", 50)
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=173), rng.normal(size=173) * 30
    coords = rng.normal(size=(2, 40))
    runs = _runs_mean(kernel(), coords, x, y)
    for i in range(coords.shape[1]):
        alone = _sample_mean(kernel(), coords[:, i], x, y)
        assert [a == b[i] for a, b in zip(alone, runs, strict=True)] == [True] * 3


@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("data", list(DATASETS))
def test_every_fit_loss_gives_each_run_its_own_value_and_gradient(data, loss):
    objective = loss_objective(data, loss)
    rng = np.random.default_rng(2)
    points = np.array(objective.start) + rng.normal(size=(500, objective.dim)) * 3
    runs = objective._runs_value_and_grad(*points.T)
    for i, point in enumerate(points):
        assert objective._value_and_grad(*point) == [float(v[i]) for v in runs]


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("data", ["four_points", "noisy_line"])
def test_a_batch_on_a_fit_loss_ends_each_run_as_alone(data, optimizer):
    objective = loss_objective(data, "mse" if optimizer != "adagrad" else "mae")
    rng = np.random.default_rng(5)
    starts = np.array(objective.start) + rng.normal(size=(30, objective.dim)) * 2
    adaptive = OPTIMIZERS[optimizer].adaptive
    lo, hi = (1e-3, 1.0) if adaptive else (objective.lr / 3, objective.lr * 4)
    rates = np.exp(rng.uniform(np.log(lo), np.log(hi), size=30))
    result = descend_batch(objective, starts, lr=rates, epochs=300, optimizer=optimizer,
                           tol=1e-4)  # fmt: skip
    assert_same_as_alone(result, objective, starts, rates, optimizer, {}, tol=1e-4)
    if not adaptive:  # (adaptive steps neither settle nor blow up here)
        assert {"converged", "diverged"} <= set(result.statuses)
