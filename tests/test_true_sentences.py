"""Sentences that were false on runs nobody tried (issue 23's audit, and their kin): each
case is one where the old rule said something untrue, checked against what the run, or a
longer run, actually does.
"""

import re

import numpy as np
import pytest

from gdviz import OBJECTIVES, descend, parse_objective
from gdviz.analysis import nearest, shrink_rate, stable_lr_limit
from gdviz.links import Number, read
from gdviz.numbers import telling_apart
from gdviz.schedules import SCHEDULES, learning_rates

# ---- "About N more epochs would reach the tolerance" --------------------------------------

MORE = r"about (\d+) more epochs would reach the tolerance"


def claimed_more(message: str) -> int | None:
    found = re.search(MORE, message)
    return int(found.group(1)) if found else None


def epochs_to_converge(objective, start, cap=60_000, **run) -> int | None:
    """The epoch a run converges at, found by running it longer (None: not by ``cap``)."""
    long = descend(objective, start, epochs=cap, **run)
    return long.epoch if long.status == "converged" else None


#: Runs whose convergence is linear and steady: a count is claimed and must come true.
LINEAR = [
    ("bowl", None, dict(lr=0.03, epochs=100)),
    ("booth", None, dict(lr=0.006, epochs=300)),
    ("matyas", None, dict(lr=0.15, epochs=300)),
    ("himmelblau", None, dict(lr=0.003, epochs=100)),
    ("three_hump_camel", None, dict(lr=0.003, epochs=300)),
    ("goldstein_price", None, dict(lr=1e-5, epochs=1000)),
    ("mccormick", None, dict(lr=0.015, epochs=300)),
]


@pytest.mark.parametrize("case", LINEAR, ids=lambda c: f"{c[0]}-{c[2]['lr']:g}")
def test_a_count_of_epochs_left_is_claimed_only_where_it_comes_true(case):
    slug, start, run = case
    start = OBJECTIVES[slug].start if start is None else start
    traj = descend(slug, start, **run)
    assert traj.status == "max_epochs"
    more = claimed_more(traj.message)
    assert more is not None, traj.message
    truth = epochs_to_converge(slug, start, lr=run["lr"]) - traj.epoch
    assert 0.8 <= more / truth <= 1.25, (more, truth)


#: The audit's false counts and their kin: slower than linear, at a stable limit, chaotic,
#: adaptive, a curved valley still being walked.
NO_COUNT = [
    (parse_objective("x^4"), 3.0, dict(lr=0.01, epochs=1000), "slower than linear"),
    (parse_objective("x^4 + y^2"), (2.0, 1.0), dict(lr=0.01, epochs=1000), "slower than linear"),
    (parse_objective("sqrt(x^2+1)"), 3.0, dict(lr=2.0, epochs=1000), "slower than linear"),
    ("goldstein_price", None, dict(lr=1e-5, epochs=100), None),
    ("beale", None, dict(lr=0.001, epochs=1000), "slower than linear"),
    ("wavy", None, dict(lr=1.0, epochs=100), None),
    ("booth", None, dict(lr=0.01, epochs=100, optimizer="adam"), "adaptive optimizer"),
]


@pytest.mark.parametrize("case", NO_COUNT, ids=lambda c: f"{c[0]}-{c[2]['lr']:g}"[:30])
def test_no_count_where_the_run_does_not_support_one(case):
    objective, start, run, words = case
    objective = OBJECTIVES[objective] if isinstance(objective, str) else objective
    start = objective.start if start is None else start
    traj = descend(objective, start, **run)
    assert traj.status in ("max_epochs", "oscillating")
    assert claimed_more(traj.message) is None, traj.message
    if words:
        assert words in traj.message, traj.message


def test_slower_than_linear_is_said_only_where_the_rate_slows():
    """x⁴: x_{k+1} = x_k − 4ηx_k³ shrinks like 1/√k, its gradient like k^(−3/2): the factor
    per epoch creeps towards 1. x² shrinks by exactly 1 − 2η every epoch: linear."""
    quartic = descend(parse_objective("x^4"), 3.0, lr=0.01, epochs=1000)
    rate = shrink_rate(quartic.grad_norms)
    assert rate.kind == "slowing" and rate.earlier < rate.factor < 1
    square = descend(parse_objective("x^2"), 3.0, lr=0.001, epochs=1000)
    rate = shrink_rate(square.grad_norms)
    assert rate.kind == "linear" and rate.factor == pytest.approx(1 - 2 * 0.001, rel=1e-9)
    assert "slower" not in square.message


def test_the_factor_is_measured_on_the_minimum_the_path_approaches():
    """Wavy from x₀ = 3.8: its nearest minimum is 5.22, but f′(3.8) > 0 sends it down to
    2.24. The sentence measures and names the minimum the path closes in on."""
    wavy = OBJECTIVES["wavy"]
    traj = descend(wavy, 3.8, lr=0.01, epochs=300)
    start_side = nearest(wavy.minima, traj.points[0])
    target = nearest(wavy.minima, traj.points[-1])
    assert start_side is not target and traj.status == "max_epochs"
    assert f"the distance to the minimum at x = {target.point[0]:.4f}" in traj.message
    assert claimed_more(traj.message) is not None


# ---- a flat minimum -----------------------------------------------------------------------


def test_a_flat_minimum_is_the_minimum_not_a_local_one_beside_it():
    """x⁴ has one minimum, with no curvature: its gradient 4x³ reaches 10⁻⁴ at x = 0.029."""
    traj = descend(parse_objective("x^4"), 0.5, lr=0.5, epochs=1000, tol=1e-4)
    assert traj.status == "converged"
    assert "local minimum" not in traj.message and "global minimum is lower" not in traj.message
    assert "That is the global minimum. It is a flat one" in traj.message
    assert f"still {abs(traj.final[0]):.3g} from it" in traj.message


def test_a_minimum_beside_a_flat_one_is_still_a_local_minimum():
    """x⁴ − x² + x/4 ... a bump between the path and the listed point: not 'at' it."""
    objective = parse_objective("x^4 - x^2")
    traj = descend(objective, 0.3, lr=0.05, epochs=2000)
    assert traj.status == "converged" and abs(abs(traj.final[0]) - 2**-0.5) < 1e-3
    assert "flat" not in traj.message


# ---- overflow is not "undefined" ----------------------------------------------------------


OVERFLOWING = [
    ("double_well", 1.8, 0.25),
    (parse_objective("x^4 - 2*x^2 + y^2"), (3.0, 1.0), 0.3),
    (parse_objective("x^4 - 2*x^2"), 3.0, 0.3),
]


@pytest.mark.parametrize(
    ("objective", "start", "lr"), OVERFLOWING, ids=["double_well", "2-D", "1-D"]
)
def test_a_polynomial_that_overflows_is_said_to_overflow(objective, start, lr):
    """x⁴ − 2x² far out is ∞ − ∞: no value, because its parts overflowed, not because the
    point is outside where f is defined."""
    traj = descend(objective, start, lr=lr, epochs=100)
    assert traj.status == "diverged" and traj.reason == "overflow", traj.reason
    assert "overflowed" in traj.message and "is defined" not in traj.message


def test_a_point_outside_the_domain_is_still_undefined():
    traj = descend(parse_objective("log(x)"), 1.0, lr=2.0, epochs=10)
    assert traj.reason == "undefined" and "where f is defined" in traj.message


# ---- η against the stable limit -----------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "lr"), [("parabola", 0.9999999), ("ravine", 0.1999999), ("parabola", 1.0000001)]
)
def test_eta_and_the_limit_are_told_apart(slug, lr):
    objective = OBJECTIVES[slug]
    traj = descend(slug, objective.start, lr=lr, epochs=100)
    limit = stable_lr_limit(objective, objective.global_minimum.point)
    eta, bound = telling_apart(lr, limit)
    assert eta != bound and float(eta) == pytest.approx(lr, rel=1e-12)
    side = "just below" if lr < limit else "just above"
    assert f"η = {eta} is {side}" in traj.message, traj.message


def test_the_limit_quoted_is_the_named_minimums():
    """Wavy at η = 2 bounces around 2.24 (limit 0.488), not 5.22 (the start's, 0.554)."""
    wavy = OBJECTIVES["wavy"]
    traj = descend(wavy, wavy.start, lr=2.0, epochs=100)
    named = [m for m in wavy.minima if f"x = {m.point[0]:.4f}" in traj.message]
    assert len(named) == 1
    limit = stable_lr_limit(wavy, named[0].point)
    assert f"stable limit {limit:.3g}" in traj.message, traj.message


# ---- falls -------------------------------------------------------------------------------


def test_equal_falls_are_not_faster_and_faster():
    """f = x falls by exactly η·1 each step."""
    traj = descend(parse_objective("x"), 3.0, lr=0.1, epochs=100)
    assert traj.status == "diverged"
    assert "faster and faster" not in traj.message
    assert "by the same 0.1 every step" in traj.message


def test_growing_falls_are_faster_and_faster():
    traj = descend("cubic", -2.0, lr=0.05, epochs=200)
    assert traj.status == "diverged"
    assert "faster and faster" in traj.message or "overflowed" in traj.message


# ---- factors claimed only where they held -------------------------------------------------


def test_a_chaotic_bounce_claims_no_factor():
    """Wavy at η = 1 bounces chaotically: the distance to the minimum does not shrink or grow
    by any one factor."""
    traj = descend("wavy", 4.5, lr=1.0, epochs=1000)
    assert traj.status == "oscillating"
    assert "multiplies the distance" not in traj.message


def test_an_overflow_names_how_far_it_went_not_a_mean_factor():
    traj = descend("rosenbrock", (-1.5, 2.0), lr=0.1, epochs=100)
    assert traj.reason == "overflow"
    assert "multiplied the distance" not in traj.message  # 2.7 to 4e51 in 4 super-steps
    assert "the distance to the minimum grew from 2.6926 to 4.263e+51" in traj.message


# ---- link values the page's code refuses --------------------------------------------------


@pytest.mark.parametrize("slug", [s for s in SCHEDULES if SCHEDULES[s].settings])
def test_every_value_a_schedule_setting_offers_runs(slug):
    """A setting's range is what the widget and the link offer: the schedule must take it."""
    spec = SCHEDULES[slug]
    for name, setting in spec.settings.items():
        low = setting.low if setting.low is not None else -1e3
        high = setting.high if setting.high is not None else 1e3
        for value in (low, high, (low + high) / 2):
            rates = learning_rates({"kind": slug, name: setting.cast(value)}, 0.1, 50)
            # (LinearLR's chained factors end at -1.5e-18, not 0, as PyTorch's do)
            assert np.all(np.isfinite(rates)) and np.all(rates >= -1e-15), (name, value)


def test_a_schedule_value_outside_its_range_is_a_note_not_an_error():
    field = Number("sched_start_factor", "race_sched_start_factor", "start_factor", low=0.01,
                   high=SCHEDULES["linear"].settings["start_factor"].high)  # fmt: skip
    reading = read({"sched_start_factor": "5"}, [field])
    assert reading.values == {} and "must be from 0.01 to 1" in reading.notes[0]


def test_a_notes_field_names_are_never_cut():
    name = "adagrad_initial_accumulator_value"
    reading = read({name: "x"}, [Number(name, name, name)])
    assert f"`{name}=x`" in reading.notes[0]


def test_the_strip_tells_eta_from_its_limit():
    """The strip beside η said "η = 1× the stable limit" both just below and just above it."""
    from gdviz.stability import reference_curvature
    from ui.strip import strip_words

    curvature = reference_curvature(OBJECTIVES["parabola"], (3.0,))
    below, above = strip_words(curvature, 0.9999999), strip_words(curvature, 1.0000001)
    assert below.startswith("η = 0.9999999× ") and "oscillates inward" in below
    assert above.startswith("η = 1.0000001× ") and "cannot settle" in above
    assert strip_words(curvature, 0.5).startswith("η = 0.5× ")


def test_a_local_minimum_is_said_to_be_higher_in_digits_that_show_it():
    """(x² − 1)² + 10⁻⁵x: the minimum near x = 1 is 2·10⁻⁵ above the one near −1, so both
    read 0.0000 to 4 decimals, which would not show that the global one is lower."""
    objective = parse_objective("(x^2 - 1)^2 + 0.00001*x")
    traj = descend(objective, 0.9, lr=0.01, epochs=3000)
    assert traj.status == "converged" and traj.final[0] > 0
    text = traj.message
    assert "That is a local minimum" in text
    shown = re.findall(r"f = (-?[\d.e+-]+)", text.split("That is")[1])
    assert len(shown) == 2 and float(shown[1]) < float(shown[0]), text
