"""What a derivative is: the slope of a secant as its second point slides in.

The secant through (x, f(x)) and (x + Δx, f(x + Δx)) has slope Δy/Δx; as Δx → 0
that slope tends to f′(x), the slope of the tangent. Its sign says which way is
downhill, which is all gradient descent uses.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

from . import checks
from .numbers import fmt
from .objectives import Objective, get_objective

DELTAS = (1.0, 0.1, 0.01, 0.001)


class SecantRow(NamedTuple):
    """One row of a secant table: Δx, f(x), f(x + Δx), the secant slope Δy/Δx, and f′(x)."""

    dx: float
    fx: float
    fx_dx: float
    slope: float
    derivative: float


class Line(NamedTuple):
    """A segment to draw, from (x0, y0) to (x1, y1), with its slope."""

    x0: float
    y0: float
    x1: float
    y1: float
    slope: float


class SecantLines(NamedTuple):
    """The secant through (x, f(x)) and (x + Δx, f(x + Δx)) and the tangent at x."""

    secant: Line
    tangent: Line
    touch: tuple[float, float]  # (x, f(x)), where both lines meet the curve
    other: tuple[float, float]  # (x + Δx, f(x + Δx)), the secant's second point


def _functions(objective_or_f, fprime) -> tuple[Callable, Callable | None, Objective | None]:
    """(f, f′ or None, the Objective or None) for an Objective, a slug or a callable."""
    if isinstance(objective_or_f, Objective | str):
        obj = get_objective(objective_or_f)
        if obj.dim != 1:
            raise ValueError(f"a secant needs a function of one variable; {obj.slug} has {obj.dim}")
        if fprime is None:

            def fprime(x):
                return float(obj.grad([x])[0])

        return (lambda x: float(obj.f([x]))), fprime, obj
    if not callable(objective_or_f):
        raise ValueError(f"expected an Objective, its slug or a function, got {objective_or_f!r}")
    return (lambda x: float(objective_or_f(x))), fprime, None


def secant_table(
    objective_or_f, x, deltas=DELTAS, *, fprime: Callable | None = None
) -> list[SecantRow]:
    """For each Δx: f(x), f(x + Δx), the secant slope Δy/Δx and the true derivative f′(x).

    Δy/Δx = (f(x + Δx) − f(x)) / Δx → f′(x) as Δx → 0. ``objective_or_f`` is a
    one-variable Objective (or its slug), whose f′ comes from its symbolic gradient,
    or a plain function of a float, with its derivative as ``fprime`` (else the
    derivative column is NaN).

    >>> [round(r.slope, 6) for r in secant_table(lambda x: x * x, 1.0, fprime=lambda x: 2 * x)]
    [3.0, 2.1, 2.01, 2.001]
    """
    f, fp, _ = _functions(objective_or_f, fprime)
    x = checks.number("x", x)
    fx = f(x)
    true = float(fp(x)) if fp is not None else math.nan
    rows = []
    for dx in deltas:
        dx = checks.number("Δx", dx)
        if dx == 0:
            raise ValueError("Δx must not be 0: a secant needs two different points")
        fx_dx = f(x + dx)
        rows.append(SecantRow(dx, fx, fx_dx, (fx_dx - fx) / dx, true))
    return rows


def secant_and_tangent(
    objective_or_f, x, dx, *, fprime: Callable | None = None, span=None
) -> SecantLines:
    """End points of the secant (through x and x + Δx) and the tangent at x, for drawing.

    Both lines run across ``span`` = (left, right), by default the objective's
    domain, or x − 1 − |Δx| to x + 1 + |Δx| for a plain function; a plot clips them.
    The tangent is y = f(x) + f′(x)(t − x); the secant y = f(x) + (Δy/Δx)(t − x).
    """
    f, fp, obj = _functions(objective_or_f, fprime)
    x, dx = checks.number("x", x), checks.number("Δx", dx)
    if dx == 0:
        raise ValueError("Δx must not be 0: a secant needs two different points")
    if fp is None:
        raise ValueError("a tangent needs the derivative: pass fprime for a plain function")
    if span is None:
        span = obj.domain[0] if obj is not None else (x - 1 - abs(dx), x + 1 + abs(dx))
    left, right = (checks.number("span", s) for s in span)
    fx, fx_dx = f(x), f(x + dx)
    slopes = ((fx_dx - fx) / dx, float(fp(x)))
    secant, tangent = (
        Line(left, fx + m * (left - x), right, fx + m * (right - x), m) for m in slopes
    )
    return SecantLines(secant, tangent, (x, fx), (x + dx, fx_dx))


def downhill_direction(slope: float) -> int:
    """Which way to move x to go downhill: −1 (left) if f′ > 0, +1 (right) if f′ < 0, else 0."""
    if not math.isfinite(slope) or slope == 0:
        return 0
    return -1 if slope > 0 else 1


def downhill_sentence(slope: float, variable: str = "x") -> str:
    """The sign of the slope, in words: which way f rises and which way is downhill.

    >>> downhill_sentence(2.0)
    'f′(x) = 2.0000 > 0: f rises to the right, so downhill is to the left (decrease x).'
    """
    v = variable
    if not math.isfinite(slope):
        return f"f′({v}) is not defined here, so the slope cannot say which way is downhill."
    if slope > 0:
        return (
            f"f′({v}) = {fmt(slope)} > 0: f rises to the right, "
            f"so downhill is to the left (decrease {v})."
        )
    if slope < 0:
        return (
            f"f′({v}) = {fmt(slope)} < 0: f falls to the right, "
            f"so downhill is to the right (increase {v})."
        )
    return (
        f"f′({v}) = 0: f is flat here, so the slope points neither way "
        "(a minimum, a maximum or a flat inflection)."
    )
