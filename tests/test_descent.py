"""Descent: the textbook cases, every status, and clear errors for bad arguments."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gdviz
from gdviz import OBJECTIVES, descend


@pytest.mark.parametrize("lr", [0.01, 0.1, 0.25, 0.4, 0.7, 0.9])
@pytest.mark.parametrize("x0", [3.0, -2.5, 0.75])
def test_parabola_iterates_follow_the_closed_form(lr, x0):
    traj = descend("parabola", x0, lr=lr, epochs=60, tol=0)
    k = np.arange(61)
    np.testing.assert_allclose(traj.points[:, 0], x0 * (1 - 2 * lr) ** k, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(traj.losses, traj.points[:, 0] ** 2 + 5, rtol=1e-14)
    np.testing.assert_allclose(traj.grads[:, 0], 2 * traj.points[:, 0], rtol=1e-14)


def test_lr_half_lands_on_the_minimum_in_one_step():
    traj = descend("parabola", 3.0, lr=0.5, epochs=100)
    assert traj.status == "converged"
    assert traj.epoch == 1
    assert traj.points[1, 0] == 0.0 and traj.losses[1] == 5.0
    assert traj.message.startswith("Converged in 1 epoch to x = 0.0000, f = 5.0000")


def test_lr_one_oscillates_between_plus_and_minus_x0():
    traj = descend("parabola", 3.0, lr=1.0, epochs=200)
    assert traj.status == "oscillating"
    assert traj.epoch == 200
    np.testing.assert_array_equal(traj.points[:, 0], 3.0 * (-1.0) ** np.arange(201))
    assert "stable limit 1.0" in traj.message


@settings(max_examples=40, deadline=None)
@given(lr=st.floats(min_value=1.001, max_value=10.0), x0=st.floats(0.1, 5.0))
def test_any_lr_above_one_diverges(lr, x0):
    traj = descend("parabola", x0, lr=lr, epochs=1000)
    assert traj.status == "diverged"
    assert np.all(np.isfinite(traj.points)) and np.all(np.isfinite(traj.losses))
    assert "above this curve's stable limit 1.0" in traj.message


@pytest.mark.parametrize("epochs", [1, 2, 5])
def test_short_diverging_runs_are_diverged_too(epochs):
    assert descend("parabola", 3.0, lr=1.5, epochs=epochs).status == "diverged"


def test_diverged_message_quotes_the_measured_factor_and_the_limit():
    traj = descend("parabola", 3.0, lr=1.01, epochs=100)
    assert traj.status == "diverged"
    assert traj.message.startswith(f"Diverged at epoch {traj.epoch}: ")
    assert "multiplied the distance to the minimum by 1.02" in traj.message
    assert "learning rate 1.01 is above this curve's stable limit 1.0" in traj.message


def test_small_lr_is_still_travelling_after_100_epochs_and_converges_later():
    short = descend("parabola", 3.0, lr=0.01, epochs=100)
    assert short.status == "max_epochs"
    assert short.epoch == 100
    assert 0.3 < short.points[-1, 0] < 0.5  # 3·0.98¹⁰⁰ ≈ 0.398
    assert short.message.startswith("Still descending after 100 epochs")
    long = descend("parabola", 3.0, lr=0.01, epochs=1000)
    assert long.status == "converged"
    assert abs(long.grads[-1, 0]) <= gdviz.DEFAULT_TOL
    # the message's estimate of the remaining epochs matches the real count
    estimate = int(short.message.split("about ")[1].split(" more")[0])
    assert abs((100 + estimate) - long.epoch) <= 2


def test_tol_zero_runs_every_epoch():
    traj = descend("parabola", 3.0, lr=0.1, epochs=500, tol=0)
    assert traj.epoch == 500
    assert descend("parabola", 3.0, lr=0.1, epochs=500).epoch < 100


def test_start_at_the_minimum_converges_at_epoch_zero():
    traj = descend("bowl", (0.0, 0.0), lr=0.1, epochs=10)
    assert traj.status == "converged" and traj.epoch == 0
    assert traj.points.shape == (1, 2)


@pytest.mark.parametrize(
    ("slug", "start", "lr"),
    [
        ("rosenbrock", (-1.5, 2.0), 10.0),
        ("goldstein_price", (-1.0, 1.0), 10.0),
        ("beale", (4.0, 4.0), 10.0),
        ("cubic", (-1.5,), 0.01),
        ("parabola", (3.0,), 10.0),
        ("ackley", (3.0, 3.0), 10.0),
        ("saddle", (1.0, 0.1), 0.1),
    ],
)
def test_divergence_stops_with_finite_values_and_no_warnings(slug, start, lr):
    traj = descend(slug, start, lr=lr, epochs=1000)
    assert traj.status == "diverged"
    assert traj.epoch < 1000
    for values in (traj.points, traj.losses, traj.grads):
        assert np.all(np.isfinite(values))
    assert traj.message.startswith(f"Diverged at epoch {traj.epoch}")


def test_unbounded_below_is_called_out():
    for slug, start in [("saddle", (1.0, 0.1)), ("cubic", (-1.5,))]:
        traj = descend(slug, start, lr=0.05, epochs=1000)
        assert traj.status == "diverged"
        assert "no lower bound" in traj.message
        assert traj.losses[-1] < traj.losses[0]


def test_ravine_at_its_y_limit_zigzags_forever():
    limit = gdviz.stable_lr_limit(OBJECTIVES["ravine"], (0.0, 0.0))
    assert limit == pytest.approx(0.2)
    traj = descend("ravine", (-9.0, 2.0), lr=limit, epochs=300)
    assert traj.status == "oscillating"
    assert abs(traj.points[-1, 0]) < 1e-6  # x converged ...
    assert abs(traj.points[-1, 1]) == pytest.approx(2.0, rel=1e-6)  # ... y still bounces


def test_double_well_from_the_right_stops_in_the_local_minimum():
    traj = descend("double_well", 1.8, lr=0.02, epochs=1000)
    assert traj.status == "converged"
    assert traj.points[-1, 0] == pytest.approx(0.960149555519106, abs=1e-5)
    assert "local minimum" in traj.message and "global minimum is lower" in traj.message


def test_every_objective_at_its_suggestion_ends_sensibly():
    for slug, obj in OBJECTIVES.items():
        traj = descend(slug, obj.start, lr=obj.lr, epochs=1000)
        assert traj.status in gdviz.STATUSES
        assert traj.points.shape == (traj.epoch + 1, obj.dim)
        assert traj.losses.shape == (traj.epoch + 1,)
        assert traj.grads.shape == (traj.epoch + 1, obj.dim)
        assert traj.message
        if slug != "saddle":
            assert traj.status != "diverged", (slug, traj.message)


def test_accepts_an_objective_or_its_slug_and_is_pure():
    a = descend("bowl", (4.0, 3.0), lr=0.1, epochs=50)
    b = descend(OBJECTIVES["bowl"], [4.0, 3.0], lr=0.1, epochs=50)
    np.testing.assert_array_equal(a.points, b.points)
    assert a.status == b.status and a.message == b.message


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"objective": "nope"}, "unknown objective 'nope'"),
        ({"start": (1.0, 2.0)}, "start must have 1 coordinate"),
        ({"objective": "bowl", "start": 1.0}, "start must have 2 coordinate"),
        ({"start": float("nan")}, "start must be finite"),
        ({"start": "abc"}, "start must be"),
        ({"lr": 0.0}, "lr must be > 0"),
        ({"lr": -0.1}, "lr must be > 0"),
        ({"lr": math.inf}, "lr must be a finite number"),
        ({"lr": "big"}, "lr must be a finite number"),
        ({"epochs": 0}, "epochs must be a whole number >= 1"),
        ({"epochs": 2.5}, "epochs must be a whole number"),
        ({"tol": -1.0}, "tol must be >= 0"),
        ({"optimizer": "sgdx"}, "unknown optimizer 'sgdx'"),
        ({"momentum": 0.9}, "has no hyperparameter momentum"),
    ],
)
def test_bad_arguments_raise_value_error_naming_what_was_expected(kwargs, match):
    args = {"objective": "parabola", "start": 3.0, "lr": 0.1, "epochs": 10} | kwargs
    with pytest.raises(ValueError, match=match):
        descend(args.pop("objective"), args.pop("start"), **args)


def test_statuses_are_the_documented_four():
    assert gdviz.STATUSES == ("converged", "diverged", "oscillating", "max_epochs")


@settings(max_examples=150, deadline=None)
@given(
    slug=st.sampled_from(sorted(OBJECTIVES)),
    log_lr=st.floats(-4, 1),
    where=st.lists(st.floats(0, 1), min_size=2, max_size=2),
    epochs=st.integers(1, 300),
    tol=st.sampled_from([0.0, 1e-8, 1e-6, 1e-2]),
)
def test_any_setting_the_app_allows_ends_with_a_status_and_finite_numbers(
    slug, log_lr, where, epochs, tol
):
    obj = OBJECTIVES[slug]
    start = [lo + w * (hi - lo) for w, (lo, hi) in zip(where, obj.domain, strict=False)]
    traj = descend(slug, start, lr=10**log_lr, epochs=epochs, tol=tol)
    assert traj.status in gdviz.STATUSES
    assert 0 <= traj.epoch <= epochs
    assert np.all(np.isfinite(traj.points)) and np.all(np.isfinite(traj.losses))
    assert traj.message and "nan" not in traj.message.lower()


def test_a_start_on_a_kink_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="gradient of ackley is not defined at the start"):
        descend("ackley", (0.0, 0.0), lr=0.01, epochs=10)


def test_gradient_noise_is_seeded_and_the_steps_use_it():
    quiet = descend("bowl", (4.0, 3.0), lr=0.1, epochs=50, tol=0)
    assert descend("bowl", (4.0, 3.0), lr=0.1, epochs=50, tol=0, noise=0.0).points.tolist() == (
        quiet.points.tolist()
    )
    a = descend("bowl", (4.0, 3.0), lr=0.1, epochs=50, tol=0, noise=0.5, seed=1)
    b = descend("bowl", (4.0, 3.0), lr=0.1, epochs=50, tol=0, noise=0.5, seed=1)
    c = descend("bowl", (4.0, 3.0), lr=0.1, epochs=50, tol=0, noise=0.5, seed=2)
    np.testing.assert_array_equal(a.points, b.points)
    assert not np.array_equal(a.points, c.points)
    # each step is −η times the noisy gradient, and the noise has about the asked σ
    np.testing.assert_allclose(a.steps, -0.1 * a.step_grads, rtol=1e-12)
    noise = a.step_grads - a.grads[:-1]
    assert 0.3 < noise.std() < 0.7
    with pytest.raises(ValueError, match="noise must be >= 0"):
        descend("bowl", (4.0, 3.0), lr=0.1, epochs=5, noise=-1.0)


def test_explanations_replay_the_noisy_gradients():
    from gdviz.explain import replay_state
    from gdviz.race import velocities

    traj = descend("himmelblau", (0.0, 0.0), lr=0.01, epochs=40, optimizer="momentum",
                   tol=0, noise=2.0, seed=3)  # fmt: skip
    for epoch in (0, 17, 39):
        np.testing.assert_allclose(replay_state(traj, epoch).delta, traj.steps[epoch], rtol=1e-12)
    np.testing.assert_allclose(traj.steps, -0.01 * velocities(traj), rtol=1e-12)
