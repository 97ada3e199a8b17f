"""Messages: every sentence a banner shows is true of the run and the function.

Each case is one where a careless rule would say something false: a tiny gradient that is
still moving f, noise that makes the noise-free rate meaningless, a kink that keeps the
steps from shrinking, a function that levels off far away, a loss named L, not f.
"""

import re

import numpy as np
import pytest

from gdviz import OBJECTIVES, descend
from gdviz.analysis import TAIL
from gdviz.bounds import falls_without_bound
from gdviz.custom import parse_objective
from gdviz.objectives import Objective

# ---- tolerance "never" (0) and a gradient of 1e-96 -----------------------------------------


def test_a_run_at_the_minimum_to_machine_precision_is_not_still_descending():
    """The issue's case: tolerance 0, gradient ~1e-96. f = x² + 5 stopped changing in every
    digit hundreds of epochs ago: the run is at the minimum, not descending."""
    traj = descend("parabola", 3.0, lr=0.1, epochs=990, tol=0)
    assert traj.status == "max_epochs" and 0 < np.linalg.norm(traj.grads[-1]) < 1e-90
    unchanged = int(np.sum(traj.losses == traj.losses[-1])) - 1  # epochs that left f as it was
    assert unchanged > 100
    text = traj.message
    assert not text.startswith("Still descending")
    assert f"the last {unchanged} epochs did not change f" in text
    assert "That is the global minimum." in text
    assert "tolerance 0, which never stops a run early" in text


def test_a_tiny_gradient_that_still_changes_f_is_still_descending():
    """f = x² has no offset: at x ~ 1e-97 it is ~1e-194 and still falls every epoch. A rule
    on the gradient's size alone would call this run finished."""
    objective = parse_objective("x^2")
    traj = descend(objective, 3.0, lr=0.1, epochs=1000, tol=0)
    assert np.linalg.norm(traj.grads[-1]) < 1e-90 and traj.losses[-1] < traj.losses[-2]
    assert traj.message.startswith("Still descending after 1000 epochs")


def test_a_flat_stretch_where_steps_no_longer_change_f_says_so_and_no_minimum():
    """e^(e^(eˣ)) far left is e to every digit: the steps are too small to change f, and
    there is no minimum there to claim."""
    objective = parse_objective("exp(exp(exp(x)))", domain=[(-60, 1)])
    traj = descend(objective, -40.0, lr=0.1, epochs=50, tol=0)
    assert np.all(traj.losses == traj.losses[0])
    assert traj.message.startswith("Still at x = -40.0000 after 50 epochs")
    assert "too small to change f" in traj.message and "minimum" not in traj.message


# ---- gradient noise ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lr", "epochs", "sigma", "status"),
    [(0.1, 300, 5.0, "max_epochs"), (0.9, 300, 1.0, "oscillating")],
)
def test_noisy_runs_describe_the_jitter_not_the_noise_free_rate(lr, epochs, sigma, status):
    """Under noise the path jitters around the minimum: "each step multiplies the distance
    by 0.8" and "below the stable limit" describe the noise-free run, not this one."""
    traj = descend("parabola", -5.0, lr=lr, epochs=epochs, noise=sigma, seed=0)
    assert traj.status == status
    text = traj.message
    for noise_free in ("multipl", "stable limit", "factor", "Still descending"):
        assert noise_free not in text, text
    assert f"gradient noise (σ = {sigma:g})" in text
    assert "jitters around the global minimum at x = 0.0000" in text
    # the typical distance quoted is the root-mean-square distance of the run's settled half
    tail = np.abs(traj.points[-TAIL - 1 :, 0])
    late = tail[len(tail) // 2 :]
    quoted = float(re.search(r"a typical distance ([\d.]+)", text)[1])
    assert quoted == pytest.approx(np.sqrt(np.mean(late**2)), rel=6e-3)


def test_a_noisy_run_still_closing_in_is_still_descending():
    traj = descend("parabola", 3000.0, lr=0.001, epochs=200, noise=1.0)
    assert traj.message.startswith("Still descending after 200 epochs with gradient noise")
    assert "multipl" not in traj.message


# ---- a kink: |x| at its minimum ----------------------------------------------------------


@pytest.mark.parametrize(("text", "dim"), [("abs(x)", 1), ("abs(x) + abs(y)", 2)])
def test_a_kink_bounces_across_its_minimum_within_a_step(text, dim):
    """|x| at 0: the steps stay η long however close the path gets. It is not "without
    getting closer to a minimum": it stays within one step of it."""
    objective = parse_objective(text)
    traj = descend(objective, objective.start, lr=0.1, epochs=200)
    assert traj.status == "oscillating"
    message = traj.message
    assert "without getting closer" not in message
    assert "multiplies the distance" not in message  # a factor ~1.0 says nothing here
    assert "across the minimum at" in message and "kink" in message
    within = float(re.search(r"staying within ([\d.]+) of it", message)[1])
    reach = np.linalg.norm(traj.points[-TAIL - 1 :], axis=-1).max()
    assert within == pytest.approx(reach, rel=5e-3)
    assert within <= 0.1 * np.sqrt(dim) + 1e-9  # one step of η·|∇f|


def test_a_smooth_minimum_at_the_stable_limit_is_no_kink():
    traj = descend("parabola", 3.0, lr=1.0, epochs=100)
    assert traj.status == "oscillating"
    assert "kink" not in traj.message
    assert "each step multiplies the distance to the minimum by 1.0" in traj.message
    assert "η = 1.0 is exactly this curve's stable limit 1.0" in traj.message


# ---- lower bounds: functions that level off -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "way"),
    [
        ("exp(exp(exp(x)))", (-3.0,), (-1.0,)),  # → e
        ("x - sqrt(x^2 + 1)", (3.0,), (1.0,)),  # → 0; float: x² overflows, x − ∞ = −∞
        ("x^4 - x^2 sqrt(x^4 + 1)", (3.0,), (1.0,)),  # → −½; float: cancellation of 1e300s
        ("-x/sqrt(x^2 + 1)", (3.0,), (1.0,)),  # → −1
        ("exp(exp(exp(x))) + y^2", (-3.0, 0.0), (-1.0, 0.0)),
    ],
)
def test_a_function_that_levels_off_has_a_lower_bound(text, start, way):
    assert not falls_without_bound(parse_objective(text), start, way)


@pytest.mark.parametrize(
    ("text", "start", "way"),
    [
        ("-exp(exp(x))", (3.0,), (1.0,)),  # −∞ in floating point, and truly
        ("x - sqrt(x^2 + 1) - x^2", (3.0,), (1.0,)),
        ("exp(x) - exp(2x)", (3.0,), (1.0,)),
        ("-abs(x)", (3.0,), (1.0,)),
        ("x^2 - y^2", (0.0, 5.0), (0.0, 1.0)),
    ],
)
def test_a_function_that_falls_forever_has_none(text, start, way):
    assert falls_without_bound(parse_objective(text), start, way)


def test_no_global_minimum_is_claimed_only_where_checked():
    """A local minimum with no global one listed: the cubic has none (it falls to −∞ on the
    left, which the message names); the same curve as x² + 5 with nothing listed has one,
    and the message must not say otherwise."""
    cubic = descend("cubic", 0.5, lr=0.05, epochs=300)
    assert cubic.message.endswith(
        "That is a local minimum; this curve has no global minimum (f → −∞ as x → −∞)."
    )
    parabola = OBJECTIVES["parabola"]
    unlisted = Objective.from_expr("unlisted", "x² + 5", parabola.expr, domain=[(-5, 5)],
                                   start=[3.0])  # fmt: skip
    traj = descend(unlisted, 3.0, lr=0.1, epochs=200)
    assert traj.status == "converged"
    assert traj.message.endswith("That is a local minimum.")


# ---- notation: η, and the function's own letter --------------------------------------------

RUNS = [
    ("parabola", (3.0,), 1.01, {}),
    ("parabola", (3.0,), 1.0, {}),
    ("parabola", (3.0,), 0.01, {}),
    ("parabola", (3.0,), 0.1, {"tol": 0}),
    ("cubic", (-1.5,), 0.05, {}),
    ("saddle", (1.8, 0.05), 0.05, {}),
    ("ravine", (-9.0, 2.0), 0.2, {}),
    ("ackley", (3.0, 3.0), 10.0, {}),
    ("bowl", (4.0, 3.0), 0.1, {"noise": 2.0}),
]


@pytest.mark.parametrize(("slug", "start", "lr", "kwargs"), RUNS)
def test_messages_call_the_learning_rate_eta(slug, start, lr, kwargs):
    message = descend(slug, start, lr=lr, epochs=300, **kwargs).message
    assert not re.search(r"\blr\b", message), message
    assert "learning rate 1" not in message  # a rate is η = 1.01, not "learning rate 1.01"


@pytest.mark.parametrize(("lr", "status"), [(0.1, "converged"), (3.0, "diverged")])
def test_fit_messages_name_the_loss_l(lr, status):
    from gdviz.fit import fit

    traj = fit("three_points", [1.0], lr=lr, epochs=300)
    assert traj.status == status and traj.objective.symbol == "L"
    if status == "converged":
        assert "L = " in traj.message
    else:
        assert "η = 3.0 is above" in traj.message
    assert not re.search(r"\bf = |\bf →|\bf falls", traj.message), traj.message
