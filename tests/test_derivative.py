"""Derivative: secant slopes tend to the symbolic f′, lines touch the curve, signs read right."""

import math

import numpy as np
import pytest

from gdviz import OBJECTIVES
from gdviz.derivative import (
    downhill_direction,
    downhill_sentence,
    secant_and_tangent,
    secant_table,
)

ONE_D = [slug for slug, obj in OBJECTIVES.items() if obj.dim == 1]


def test_secant_slopes_of_x_squared_at_one():
    # (1 + Δx)² − 1 = 2Δx + Δx², so the secant slope is 2 + Δx.
    rows = secant_table(lambda x: x * x, 1.0, fprime=lambda x: 2 * x)
    assert [r.dx for r in rows] == [1.0, 0.1, 0.01, 0.001]
    np.testing.assert_allclose([r.slope for r in rows], [3, 2.1, 2.01, 2.001], rtol=1e-11)
    np.testing.assert_allclose([r.fx_dx for r in rows], [4, 1.21, 1.0201, 1.002001], rtol=1e-14)
    assert all(r.fx == 1.0 and r.derivative == 2.0 for r in rows)


def test_objective_derivative_comes_from_its_symbolic_gradient():
    rows = secant_table("parabola", 1.0)  # x² + 5: same slopes, f shifted by 5
    np.testing.assert_allclose([r.slope for r in rows], [3, 2.1, 2.01, 2.001], rtol=1e-11)
    assert rows[0].fx == 6.0 and rows[0].derivative == 2.0


@pytest.mark.parametrize("slug", ONE_D)
def test_secant_error_shrinks_like_dx(slug):
    obj = OBJECTIVES[slug]
    x = obj.start[0]
    rows = secant_table(obj, x, deltas=(1e-2, 1e-3, 1e-4))
    errors = [abs(r.slope - r.derivative) for r in rows]
    assert errors[2] < errors[1] < errors[0]
    assert errors[2] < 1e-3 * max(1.0, abs(rows[0].derivative))
    # The second derivative fixes the first-order error: slope − f′ ≈ ½ f″ Δx.
    half_f2 = 0.5 * obj.hessian([x])[0, 0]
    np.testing.assert_allclose(errors[1], abs(half_f2) * 1e-3, rtol=0.05)


def test_plain_function_without_derivative_has_nan_column():
    rows = secant_table(math.sin, 0.0, deltas=(0.5, -0.5))
    assert all(math.isnan(r.derivative) for r in rows)
    assert rows[0].slope == pytest.approx(math.sin(0.5) / 0.5)
    assert rows[1].slope == pytest.approx(rows[0].slope)  # sin is odd


@pytest.mark.parametrize("slug", ONE_D)
@pytest.mark.parametrize("dx", [1.0, -0.3, 0.01])
def test_lines_pass_through_the_curve(slug, dx):
    obj = OBJECTIVES[slug]
    x = obj.start[0]
    lines = secant_and_tangent(obj, x, dx)
    fx, fx_dx = float(obj.f([x])), float(obj.f([x + dx]))
    assert lines.touch == (x, fx) and lines.other == (x + dx, fx_dx)
    assert (lines.secant.x0, lines.secant.x1) == obj.domain[0]

    def at(line, t):
        return line.y0 + (line.y1 - line.y0) * (t - line.x0) / (line.x1 - line.x0)

    for line in lines[:2]:
        assert at(line, x) == pytest.approx(fx, abs=1e-9)
    assert at(lines.secant, x + dx) == pytest.approx(fx_dx, abs=1e-9)
    assert lines.tangent.slope == pytest.approx(float(obj.grad([x])[0]), rel=1e-12)
    assert lines.secant.slope == pytest.approx((fx_dx - fx) / dx, rel=1e-12)


def test_span_defaults_for_a_plain_function():
    lines = secant_and_tangent(lambda x: x * x, 1.0, 0.5, fprime=lambda x: 2 * x)
    assert (lines.tangent.x0, lines.tangent.x1) == (-0.5, 2.5)
    assert (lines.tangent.y0, lines.tangent.y1) == (-2.0, 4.0)  # y = 1 + 2(t − 1)
    assert (lines.secant.y0, lines.secant.y1) == (-2.75, 4.75)  # y = 1 + 2.5(t − 1)


def test_sentences_name_the_downhill_side():
    assert downhill_sentence(2.0) == (
        "f′(x) = 2.0000 > 0: f rises to the right, so downhill is to the left (decrease x)."
    )
    assert downhill_sentence(-0.5, "w").startswith("f′(w) = -0.5000 < 0: f falls to the right")
    assert "increase w" in downhill_sentence(-0.5, "w")
    assert "neither way" in downhill_sentence(0.0)
    assert "not defined" in downhill_sentence(math.nan)


@pytest.mark.parametrize("slug", ONE_D)
def test_downhill_direction_lowers_f(slug):
    obj = OBJECTIVES[slug]
    for x in np.linspace(*obj.domain[0], 9):
        slope = float(obj.grad([x])[0])
        step = downhill_direction(slope)
        assert step == -np.sign(slope)
        if step:
            assert obj.f([x + step * 1e-4]) < obj.f([x])


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("bowl", 1.0), "one variable"),
        (("parabola", 1.0, (0.0,)), "must not be 0"),
        (("parabola", math.inf), "finite"),
        ((42, 1.0), "expected an Objective"),
    ],
)
def test_bad_arguments_are_reported(args, match):
    with pytest.raises(ValueError, match=match):
        secant_table(*args)


def test_tangent_needs_a_derivative():
    with pytest.raises(ValueError, match="fprime"):
        secant_and_tangent(math.sin, 0.0, 0.1)
