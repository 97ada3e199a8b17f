"""The "Why gradients?" page: its counts (unit) and its argument, in order (AppTest)."""

import math
import re

import numpy as np
import pytest

from gdviz import OBJECTIVES
from gdviz.figures.lessons import decade_ticks, evaluations_figure
from gdviz.scaling import (
    count_text,
    every_combination,
    finite_difference_gradient,
    probe_step,
    quadratic,
    scaling_experiment,
    step_costs,
)
from gdviz.trial import race_trial_vs_gradient, tolerance_text
from tests.conftest import decode_plotly, figure_json, open_page


def square(x):
    return np.square(x).sum(axis=-1)


# ---- the counts ----------------------------------------------------------------------------


def test_probe_tries_both_signs_of_every_parameter_even_when_plus_helps():
    # From (−1, −1, −1) +δ helps on every parameter: a search that stopped at the first
    # success would spend 3; knowing both directions of each costs 2 per parameter.
    best, evals = probe_step(square, np.array([-1.0, -1.0, -1.0]), 0.5)
    assert evals == 6
    assert square(best) == pytest.approx(2.25)  # one parameter moved to −0.5
    _, at_minimum = probe_step(square, np.zeros(5), 0.5)
    assert at_minimum == 10


def test_every_combination_is_two_to_the_n_not_two_n():
    best, evals = every_combination(square, np.ones(3), 0.5)
    assert evals == 8  # 2n would be 6
    np.testing.assert_allclose(best, [0.5, 0.5, 0.5])
    assert every_combination(square, np.ones(10), 0.5)[1] == 1024


def test_step_costs_counted_for_each_n():
    costs = step_costs((1, 2, 10, 100, 1024))
    assert [c.probe for c in costs] == [2, 4, 20, 200, 2048]
    assert [c.combinations for c in costs[:3]] == [2, 4, 1024]
    assert [c.enumerated for c in costs] == [True, True, True, False, False]
    # An exact integer: a float 2.0**1024 overflows, and "inf" is no count.
    assert costs[-1].combinations == 2**1024 and isinstance(costs[-1].combinations, int)
    # One gradient step asks for one gradient whatever n; finite differences pay n.
    assert [c.backprop for c in costs] == [1] * 5
    assert [c.finite_differences for c in costs] == [1, 2, 10, 100, 1024]


def test_finite_differences_estimate_the_gradient_with_one_f_per_parameter():
    a, x0 = quadratic(7)
    grad, evals = finite_difference_gradient(lambda x: 0.5 * (np.square(x) @ a), x0)
    assert evals == 7
    np.testing.assert_allclose(grad, a * x0, atol=1e-4)


def test_count_text_rounds_big_counts_from_their_digits():
    # 2¹⁰⁰ = 1267650600228229401496703205376: 1.2676… rounds to 1.27, not 1.26.
    assert count_text(2**100) == "≈ 1.27 × 10³⁰"
    # log10(2¹⁰²⁴) = 308.254…, and 10^0.254 = 1.797…
    assert count_text(2**1024) == "≈ 1.80 × 10³⁰⁸"
    assert count_text(999_999_999_999) == "≈ 1.00 × 10¹²"
    assert count_text(1024) == "1,024"


def test_tries_per_parameter_lie_between_one_and_two():
    result = scaling_experiment((1, 4, 64))
    for k in range(3):
        assert 1.0 <= result.tries_per_parameter(k) <= 2.0
    assert result.trial_sweeps[2] > 0


def test_tolerances_read_as_powers_of_ten():
    assert tolerance_text(1e-6) == "10⁻⁶"
    assert tolerance_text(1.0) == "1"
    assert tolerance_text(3e-4) == "0.0003"


# ---- what the runs say ---------------------------------------------------------------------


def test_summary_says_honestly_who_needed_fewer_evaluations():
    race = race_trial_vs_gradient("parabola", [3.0], lr=0.1, delta=0.7)
    t, g = race.trial.total_evals, race.gradient.total_evals
    assert t < g  # one parameter: trial and error wins here
    verdict = race.summary()[-1]
    assert verdict.startswith("With 1 parameter, trial and error needed fewer")
    assert f"{t:,} evaluations of f" in verdict and f"{g:,}" in verdict


def test_no_claim_of_reaching_a_minimum_that_is_not_known():
    race = race_trial_vs_gradient("cubic")  # no global minimum: nothing to reach
    text = " ".join(race.summary())
    assert "reached" not in text
    assert "δ has shrunk to" in text and "e-0" not in text  # 7.5 × 10⁻⁹, not 7.5e-09


def test_loss_against_evaluations_keeps_negative_values():
    # The wavy curve's minimum is −0.94: a log loss axis used to drop every f ≤ 0.
    race = race_trial_vs_gradient("wavy", [-1.5])
    spec = figure_json(evaluations_figure(race.aligned(), {"trial": "t", "gradient": "g"}))
    y = np.concatenate([decode_plotly(trace["y"]) for trace in spec["data"]]).astype(float)
    assert np.nanmin(y) < 0
    assert spec["layout"]["yaxis"].get("type") != "log"


def test_log_ticks_are_round_powers_of_ten():
    ticks = decade_ticks(1, 53_487)
    assert ticks["tickvals"] == [1, 10, 100, 1000, 10_000, 100_000]
    assert ticks["ticktext"] == ["1", "10", "100", "1000", "10⁴", "10⁵"]


# ---- the page ------------------------------------------------------------------------------


def _texts(at) -> list[str]:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [i.value for i in at.info] + [m.label for m in at.metric]
    parts += [s.value for s in at.subheader]
    return parts


def _column(table, start: str):
    return table[next(c for c in table.columns if c.startswith(start))]


def test_default_view_makes_the_argument_in_order_with_counted_numbers():
    at = open_page("views/why.py")
    heads = [s.value for s in at.subheader]
    assert [h.split(".")[0] for h in heads] == ["1", "2", "3", "4", "5"]
    assert "one parameter" in heads[0] and "two evaluations per parameter" in heads[1]
    assert "2ⁿ" in heads[2] and "gradient" in heads[3]

    # Step 1: the parabola, where trial and error wins, said with the metrics' counts.
    trial, gradient, fd = (int(m.value.replace(",", "")) for m in at.metric)
    assert trial < gradient == fd  # n = 1: a finite-difference gradient costs 1 too
    banner = at.info[0].value
    assert f"trial and error needed fewer evaluations here: {trial:,} evaluations of f" in banner
    assert f"against gradient descent's {gradient:,}" in banner
    assert all("evaluations of f" in m.label or "counted as" in m.label for m in at.metric)
    assert all(m.help for m in at.metric)  # what the convention means, where it appears

    probe, combos, grads, runs = (d.value for d in at.dataframe)
    n = list(probe["parameters n"])
    assert n == sorted(n) and n[-1] >= 1000
    assert list(_column(probe, "try ±δ")) == [2 * k for k in n]
    ten = list(combos["parameters n"]).index(10)
    assert _column(combos, "every ± combination")[ten] == "1,024"
    assert list(_column(grads, "one ∇f by backpropagation")) == [1] * len(n)
    assert list(_column(grads, "one ∇f by finite differences")) == n

    # Step 5 at once, without the toggle: n up to 256, and the lead sentence quotes it.
    assert list(runs["n"]) == [2**k for k in range(9)]
    t256, g256 = (
        _column(runs, "trial and error").iloc[-1],
        _column(runs, "gradient descent, ∇f counted as 1").iloc[-1],
    )
    assert t256 > 50 * g256
    assert f"**{t256:,}** evaluations of f" in at.markdown[1].value
    assert f"**{g256:,}** evaluations, ∇f counted as 1" in at.markdown[1].value
    for table in (probe, combos, grads, runs):
        for column in table.columns[1:]:
            assert re.search(r"evaluations of f|counted|how|2ⁿ", column), column
    assert not any(re.search(r"\blr\b", text) for text in _texts(at))
    assert len(at.get("plotly_chart")) == 3


def test_the_toggle_adds_the_largest_runs():
    at = open_page("views/why.py")
    at.toggle(key="why_scaling").set_value(True).run()
    assert not at.exception
    table = at.dataframe[3].value
    assert list(table["n"]) == [2**k for k in range(11)]
    assert _column(table, "trial and error").is_monotonic_increasing
    assert _column(table, "every ± combination").iloc[-1] == count_text(2**1024)


def test_a_new_function_brings_its_own_learning_rate():
    at = open_page("views/why.py")
    at.radio(key="why_dimension").set_value("2-D").run()
    assert at.select_slider(key="why_lr").value == pytest.approx(0.01)  # himmelblau's
    assert "diverged" not in at.info[0].value
    assert "two parameters" in at.subheader[0].value
    assert "counted as n = 2" in at.metric[2].label


def test_a_function_without_a_known_minimum_is_not_said_to_reach_one():
    at = open_page("views/why.py")
    at.selectbox(key="why_objective").set_value("cubic").run()
    assert OBJECTIVES["cubic"].global_minimum is None
    assert "no known minimum" in at.markdown[2].value
    assert "reached" not in at.info[0].value


def test_an_invalid_typed_function_is_said_in_the_main_area_and_the_rest_stays():
    at = open_page("views/why.py")
    at.selectbox(key="why_objective").set_value("custom").run()
    at.text_input(key="why_expression").set_value("x^2 +").run()
    assert not at.exception
    assert any("Cannot run step 1" in e.value for e in at.main.error)
    assert [s.value.split(".")[0] for s in at.subheader] == ["1", "2", "3", "4", "5"]
    at.text_input(key="why_expression").set_value("x^2/10 + sin(2x)").run()
    assert not at.exception and not at.main.error
    assert math.isfinite(int(at.metric[0].value.replace(",", "")))
