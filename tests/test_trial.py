"""Trial and error vs gradient descent: hand-counted evaluations, batches vs one at a time."""

import math

import numpy as np
import pytest

from gdviz.scaling import SCALING_DIMS, quadratic, scaling_experiment
from gdviz.trial import (
    counted_descent,
    counted_descent_objective,
    race_trial_vs_gradient,
    trial_and_error,
    trial_and_error_objective,
)


def square(x):
    return float(x @ x)


def test_first_sweeps_of_a_1d_quadratic_by_hand():
    # f = x², x0 = 0.75, δ = 0.5. Evaluation 1: f(0.75). Sweep 1: 1.25 fails (2),
    # 0.25 helps (3). Sweep 2: 0.75 fails (4), −0.25 ties and fails (5): δ → 0.25.
    # Sweep 3: 0.5 fails (6), 0 helps (7) and hits the target.
    run = trial_and_error(square, [0.75], target=0.0, tol=0.0)
    assert run.points[:, 0].tolist() == [0.75, 0.25, 0.0]
    assert run.losses.tolist() == [0.5625, 0.0625, 0.0]
    assert run.loss_evals.tolist() == [1, 3, 7]
    assert run.evals.tolist() == [1, 3, 7]  # no gradients
    assert run.deltas.tolist() == [0.5, 0.5, 0.25]
    assert (run.status, run.reason, run.total_evals, run.sweeps) == ("converged", "target", 7, 3)


def test_without_a_target_delta_shrinks_until_below_min_delta():
    # After reaching 0 at evaluation 7 with δ = 2⁻², every sweep fails twice and halves
    # δ: sweeps at δ = 2⁻², ..., 2⁻²⁶ (25 sweeps, 50 evaluations) leave δ = 2⁻²⁷ < 1e-8.
    run = trial_and_error(square, [0.75])
    assert run.points[:, 0].tolist() == [0.75, 0.25, 0.0]
    assert (run.status, run.reason) == ("converged", "delta")
    assert run.total_evals == 7 + 50
    assert run.final_delta == 2.0**-27
    assert "57 evaluations of f" in run.message


def test_budget_stops_mid_run_with_every_try_counted():
    # x0 = 0.8: 0.3 at evaluation 3, −0.2 at 5, (δ → 0.25 after 6, 7) 0.05 at 8,
    # (δ → 0.125 after 9, 10; δ → 0.0625 after 11, 12) −0.0125 at 14.
    run = trial_and_error(square, [0.8], max_evals=14)
    np.testing.assert_allclose(run.points[:, 0], [0.8, 0.3, -0.2, 0.05, -0.0125], atol=1e-15)
    assert run.loss_evals.tolist() == [1, 3, 5, 8, 14]
    assert run.deltas.tolist() == [0.5, 0.5, 0.5, 0.25, 0.0625]
    assert (run.status, run.total_evals) == ("max_evals", 14)
    short = trial_and_error(square, [0.8], max_evals=13)
    assert (short.status, short.total_evals, short.loss_evals[-1]) == ("max_evals", 13, 8)


def test_each_move_changes_one_coordinate_by_delta():
    run = trial_and_error_objective("ravine")
    steps = np.diff(run.points, axis=0)
    assert np.all(np.count_nonzero(steps, axis=1) == 1)
    np.testing.assert_allclose(np.abs(steps).sum(axis=1), run.deltas[1:])
    assert np.all(np.diff(run.losses) < 0)
    assert np.all(np.diff(run.loss_evals) >= 1)


def _separable(a):
    def f(x):
        return 0.5 * (np.square(x) @ a)

    return f


@pytest.mark.parametrize("options", [{}, {"target": 0.0}, {"max_evals": 37}, {"max_evals": 38}])
def test_batched_sweeps_replay_the_sequential_run_exactly(options):
    a, x0 = quadratic(6, seed=3)
    f = _separable(a)
    one = trial_and_error(f, x0, tol=1e-6, **options)
    batch = trial_and_error(f, x0, tol=1e-6, separable=True, **options)
    assert batch.loss_evals.tolist() == one.loss_evals.tolist()
    assert (batch.total_evals, batch.status, batch.reason) == (
        one.total_evals,
        one.status,
        one.reason,
    )
    np.testing.assert_allclose(batch.points, one.points, atol=1e-15)
    np.testing.assert_allclose(batch.losses, one.losses, rtol=1e-12, atol=1e-18)
    np.testing.assert_array_equal(batch.deltas, one.deltas)


@pytest.mark.parametrize("separable", [False, True])
def test_record_false_keeps_start_and_final_only(separable):
    a, x0 = quadratic(5, seed=1)
    full = trial_and_error(_separable(a), x0, target=0.0, separable=separable)
    brief = trial_and_error(_separable(a), x0, target=0.0, separable=separable, record=False)
    assert len(brief.points) == 2
    np.testing.assert_array_equal(brief.points[[0, -1]], full.points[[0, -1]])
    assert brief.loss_evals.tolist() == full.loss_evals[[0, -1]].tolist()
    assert brief.total_evals == full.total_evals


def test_gradient_descent_counts_one_loss_and_one_gradient_per_step():
    # f = |x|², x0 = (1, 2), lr = 0.25: x halves each step, f = 5·4⁻ᵏ; f ≤ 0.1 at k = 3.
    run = counted_descent(square, lambda x: 2 * x, [1.0, 2.0], lr=0.25, target=0.0, tol=0.1)
    assert run.losses.tolist() == [5.0, 1.25, 0.3125, 0.078125]
    assert run.loss_evals.tolist() == [1, 2, 3, 4]
    assert run.grad_evals.tolist() == [0, 1, 2, 3]
    assert run.evals.tolist() == [1, 3, 5, 7]  # a gradient costs 1
    assert run.evals_fd.tolist() == [1, 4, 7, 10]  # a gradient costs n = 2
    assert (run.status, run.reason, run.total_evals, run.total_evals_fd) == (
        "converged",
        "target",
        7,
        10,
    )
    assert "7 evaluations: 4 of f and 3 of ∇f, each ∇f counted as 1" in run.message


def test_gradient_descent_statuses():
    grad = lambda x: 2 * x  # noqa: E731
    stuck = counted_descent(square, grad, [1.0], lr=0.001, max_evals=11)
    assert (stuck.status, stuck.total_evals, len(stuck.points)) == ("max_evals", 11, 6)
    assert counted_descent(square, grad, [1.0], lr=1.5, max_evals=10**6).status == "diverged"
    flat = counted_descent(square, grad, [1.0], lr=0.5)
    assert (flat.status, flat.reason, flat.total_evals) == ("converged", "gradient", 4)


def test_gradient_descent_on_an_objective_matches_descend():
    from gdviz import descend

    run = counted_descent_objective("ravine", target=None, tol=1e-6)
    traj = descend("ravine", [-9, 2], lr=0.18, epochs=10_000, tol=1e-6)
    np.testing.assert_allclose(run.points, traj.points, rtol=1e-12)
    assert run.total_grad_evals == len(traj.points)


def test_race_shares_start_stop_and_axis():
    race = race_trial_vs_gradient("ravine")
    assert race.trial.status == race.gradient.status == "converged"
    assert race.trial.reason == race.gradient.reason == "target"
    np.testing.assert_array_equal(race.trial.points[0], race.gradient.points[0])
    curves = race.aligned(50)
    axis = curves["evals"]
    assert axis[0] == 1 and axis[-1] == max(race.trial.total_evals, race.gradient.total_evals_fd)
    for key in ("trial", "gradient", "gradient_fd"):
        assert curves[key].shape == axis.shape
        assert curves[key][0] == race.trial.losses[0]
        assert np.all(np.diff(curves[key]) <= 0)
    assert curves["gradient_fd"][-1] <= 1e-6
    assert len(race.summary()) == 3


def test_loss_after_is_the_latest_point_within_the_budget():
    run = trial_and_error(square, [0.75], target=0.0, tol=0.0)
    assert run.loss_after([1, 2, 3, 6, 7, 100]).tolist() == [0.5625, 0.5625, 0.0625, 0.0625, 0, 0]
    assert math.isnan(run.loss_after([0])[0])


@pytest.mark.parametrize(
    "kwargs",
    [{"delta": 0}, {"shrink": 1.0}, {"min_delta": -1}, {"max_evals": 0}, {"tol": -1}],
)
def test_bad_arguments_are_reported(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        trial_and_error(square, [1.0], **kwargs)


def test_bad_start_is_reported():
    with pytest.raises(ValueError, match="start"):
        trial_and_error(square, [math.nan])
    with pytest.raises(ValueError, match="2 coordinate"):
        trial_and_error_objective("bowl", [1.0])


@pytest.fixture(scope="module")
def scaling():
    return scaling_experiment()


def test_scaling_trial_grows_with_n_and_gradient_barely(scaling):
    assert scaling.dims == SCALING_DIMS
    assert set(scaling.trial_status) == set(scaling.gradient_status) == {"converged"}
    trial, grad = np.array(scaling.trial_evals), np.array(scaling.gradient_evals)
    assert np.all(np.diff(trial) > 0)
    assert trial[-1] > 500 * trial[1]  # about linear in n
    assert grad[1:].max() < 1.5 * grad[1:].min()  # n = 2 .. 1024 all within 50%
    assert np.all(trial[4:] > 5 * grad[4:])
    # With finite-difference gradients each step costs n + 1 evaluations.
    np.testing.assert_array_equal(
        scaling.gradient_evals_fd, 1 + (np.array(scaling.dims) + 1) * (grad - 1) // 2
    )


def test_scaling_reference_every_combination(scaling):
    assert scaling.combos_log2 == tuple(float(n) for n in SCALING_DIMS)
    assert scaling.combos[:3] == (2.0, 4.0, 16.0)
    assert scaling.combos[-2] == 2.0**512 and scaling.combos[-1] == math.inf
    assert len(scaling.rows()) == len(SCALING_DIMS)


def test_scaling_is_reproducible_with_a_seed(scaling):
    dims = (3, 16, 64)
    again = scaling_experiment(dims, seed=0)
    index = [SCALING_DIMS.index(n) for n in (16, 64)]
    assert again.trial_evals[1:] == tuple(scaling.trial_evals[i] for i in index)
    assert again.gradient_evals[1:] == tuple(scaling.gradient_evals[i] for i in index)
    other = scaling_experiment(dims, seed=1)
    assert other.trial_evals != again.trial_evals
