"""Descent: the textbook cases, every status, and clear errors for bad arguments."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gdviz
from gdviz import OBJECTIVES, descend
from gdviz.bounds import falls_without_bound


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
    assert "η = 1.01 is above this curve's stable limit 1.0" in traj.message


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


@pytest.mark.parametrize(
    ("slug", "start", "way", "bounded_way"),
    [("saddle", (1.0, 0.1), "y → +∞", (1.0, 0.0)), ("cubic", (-1.5,), "x → −∞", (1.0,))],
)
def test_unbounded_below_is_called_out_with_the_way_it_runs(slug, start, way, bounded_way):
    traj = descend(slug, start, lr=0.05, epochs=1000)
    assert traj.status == "diverged" and traj.reason == "unbounded"
    assert f"no lower bound that way (f → −∞ as {way})" in traj.message
    assert traj.losses[-1] < traj.losses[0]
    # and it is true of the function: f falls without bound that way, not every way
    heading = traj.points[-1] - traj.points[-2]
    assert falls_without_bound(traj.objective, traj.points[-1], heading)
    assert not falls_without_bound(traj.objective, traj.points[-1], bounded_way)


def test_a_bounded_function_never_diverges_however_far_the_path_wanders():
    # η = 10 kicks the point out onto Ackley's plain (f < 22.7 everywhere), far outside
    # the plotting box, where it wanders: not settled, but nothing ran away.
    traj = descend("ackley", (3.0, 3.0), lr=10.0, epochs=1000)
    assert np.abs(traj.points).max() > 100
    assert traj.status == "max_epochs"
    assert traj.message.startswith("Not settled after 1000 epochs: f went from 9.0238 to ")
    assert "no lower bound" not in traj.message and "Still descending" not in traj.message


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


@settings(max_examples=150, deadline=None)
@given(
    slug=st.sampled_from(sorted(OBJECTIVES)),
    log_lr=st.floats(-4, 1),
    start=st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=2),
    epochs=st.integers(1, 300),
)
def test_any_typed_start_ends_with_a_status_and_true_words(slug, log_lr, start, epochs):
    """Starts anywhere a user can type (±10⁶): finite numbers, a status, and never a claim
    of "no lower bound" on a function that has one."""
    obj = OBJECTIVES[slug]
    try:
        traj = descend(slug, start[: obj.dim], lr=10**log_lr, epochs=epochs)
    except ValueError as error:  # f or ∇f undefined right at the start (Ackley's kink)
        assert "at the start" in str(error)
        return
    assert traj.status in gdviz.STATUSES
    assert np.all(np.isfinite(traj.points)) and np.all(np.isfinite(traj.losses))
    assert traj.message and "nan" not in traj.message.lower()
    if slug not in ("cubic", "saddle"):  # the only registered functions unbounded below
        assert "no lower bound" not in traj.message


def test_a_start_on_a_kink_is_refused_with_a_reason():
    with pytest.raises(
        ValueError, match=r"gradient of f is not defined at the start \(x, y\) = \(0.0000, 0.0000\)"
    ):
        descend("ackley", (0.0, 0.0), lr=0.01, epochs=10)


@pytest.mark.parametrize(
    ("text", "start", "words"),
    [
        ("log(x)", -1.0, "f is not defined at the start x = -1.0000: start where it has a value"),
        ("exp(x^2)", 30.0, "f is too large to compute at the start x = 30.0000 (it overflows)"),
    ],
)
def test_a_start_where_f_has_no_value_is_refused_in_the_pages_words(text, start, words):
    """Not "custom is not defined at the start [-1.0] (f = nan)": no internal name, no
    Python list, and what to do."""
    from gdviz.custom import parse_objective

    with pytest.raises(ValueError) as caught:
        descend(parse_objective(text), start, lr=0.1, epochs=10)
    assert str(caught.value).startswith(words)
    assert "[" not in str(caught.value) and "custom" not in str(caught.value)


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


# ---- starts anywhere: the seed program's own case ------------------------------------------


@pytest.mark.parametrize("x0", [1.0, 500.0, 9999.0, 10_000.0])
def test_the_seed_programs_far_starts_descend_by_0_98_per_epoch(x0):
    """f(x) = x² + 5, η = 0.01, 100 epochs from a start up to 10,000: every step multiplies
    x by 1 − 2η = 0.98, so the run is still descending, never diverged."""
    traj = descend("parabola", x0, lr=0.01, epochs=100)
    assert traj.status == "max_epochs" and traj.epoch == 100
    np.testing.assert_allclose(traj.points[:, 0], x0 * 0.98 ** np.arange(101), rtol=1e-12)
    assert traj.message.startswith("Still descending after 100 epochs")
    assert "by a factor 0.98" in traj.message
    for false in ("Diverged", "lower bound", "domain", "outside"):
        assert false not in traj.message
    long = descend("parabola", x0, lr=0.01, epochs=2000)
    assert long.status == "converged"
    # ‖f′‖ = 2|x0|·0.98^k ≤ 1e-6 first at this k:
    assert long.epoch == math.ceil(math.log(1e-6 / (2 * x0)) / math.log(0.98))


def test_a_far_start_in_2d_converges_from_a_million_away():
    traj = descend("bowl", (1e6, -1e6), lr=0.1, epochs=200)
    assert traj.status == "converged", traj.message
    np.testing.assert_allclose(traj.points[5], np.array([1e6, -1e6]) * 0.8**5, rtol=1e-12)
    assert "global minimum" in traj.message
    booth = descend("booth", (-5000.0, 8000.0), lr=0.02, epochs=1000)
    assert booth.status == "converged" and booth.final == pytest.approx([1.0, 3.0], abs=1e-5)


@pytest.mark.parametrize(
    ("slug", "start", "lr", "epochs"),
    [
        ("parabola", (9999.0,), 0.01, 100),
        ("parabola", (3.0,), 1.01, 100),
        ("parabola", (3.0,), 10.0, 100),
        ("bowl", (400.0, -300.0), 0.1, 50),
        ("himmelblau", (0.0, 0.0), 0.01, 200),
        ("double_well", (1.8,), 0.02, 500),
        ("cubic", (-1.5,), 0.05, 300),
        ("saddle", (1.8, 0.05), 0.05, 300),
        ("ackley", (3.0, 3.0), 10.0, 300),
        ("matyas", (8.0, -6.0), 0.5, 300),
    ],
)
def test_status_and_message_never_depend_on_the_plotting_box(slug, start, lr, epochs):
    """The same run on the same function with a tiny or a huge plotting box: same status,
    same stop, same words."""
    import dataclasses

    obj = OBJECTIVES[slug]
    base = descend(obj, start, lr=lr, epochs=epochs)
    for scale in (0.01, 1000.0):
        box = tuple((lo * scale, hi * scale) for lo, hi in obj.domain)
        other = descend(dataclasses.replace(obj, domain=box), start, lr=lr, epochs=epochs)
        assert (other.status, other.epoch, other.message) == (base.status, base.epoch, base.message)


@pytest.mark.parametrize("lr", [1.2, 2.0, 10.0])
def test_diverged_messages_quote_the_factor_the_run_measured(lr):
    traj = descend("parabola", 3.0, lr=lr, epochs=100)
    quoted = float(traj.message.split("distance to the minimum by ")[1].split(";")[0])
    d = np.abs(traj.points[-11:, 0])
    assert quoted == pytest.approx(np.exp(np.mean(np.diff(np.log(d)))), rel=5e-3)
    assert quoted == pytest.approx(abs(1 - 2 * lr), rel=5e-3)


@pytest.mark.parametrize(
    ("slug", "start", "way", "unbounded"),
    [
        ("cubic", (-3.0,), (-1.0,), True),
        ("cubic", (3.0,), (1.0,), False),
        ("parabola", (9999.0,), (-1.0,), False),
        ("parabola", (-9999.0,), (-1.0,), False),
        ("saddle", (0.0, 5.0), (0.0, 1.0), True),
        ("saddle", (5.0, 0.0), (1.0, 0.0), False),
        ("three_hump_camel", (3.0, 0.0), (1.0, 0.0), False),
        ("ackley", (40.0, 40.0), (1.0, 1.0), False),
    ],
)
def test_no_lower_bound_is_a_claim_about_the_function(slug, start, way, unbounded):
    assert falls_without_bound(OBJECTIVES[slug], start, way) is unbounded


def test_no_lower_bound_is_checked_on_typed_functions_too():
    from gdviz.custom import parse_objective

    bounded_by_e = parse_objective("exp(exp(exp(x)))")  # > e everywhere
    assert not falls_without_bound(bounded_by_e, (-3.0,), (-1.0,))
    assert falls_without_bound(parse_objective("-x"), (3.0,), (1.0,))
    assert falls_without_bound(parse_objective("x - sqrt(x^2 + 1) - x^2"), (3.0,), (1.0,))
    traj = descend(parse_objective("-x"), 0.0, lr=0.1, epochs=100)
    assert traj.status == "diverged" and "no lower bound that way (f → −∞ as x → +∞)" in (
        traj.message
    )


def test_gradient_sizes_of_a_run_that_blew_up_are_infinite_not_a_warning():
    from gdviz.custom import parse_objective

    objective = parse_objective("(x^2 + y^2)/10 + sinh(x/3) + sinh(y/3)")
    traj = descend(objective, objective.start, lr=1.0, epochs=300, optimizer="momentum")
    assert traj.status == "diverged" and np.abs(traj.grads).max() > 1e154
    assert np.isinf(traj.grad_norms).any() and not np.isnan(traj.grad_norms).any()
