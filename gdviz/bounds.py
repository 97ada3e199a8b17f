"""Whether f has a lower bound along a direction: evidence from the function itself.

A run that keeps sliding one way while f keeps falling is only *diverging* if f really
has no lower bound that way. That is checked here far beyond any plotting box, out to
coordinates of about 10³⁰⁰, where a bounded function has long levelled off.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

#: Distances probed along the direction, beyond the point (in units of max(1, |point|)).
REACH = np.geomspace(1.0, 1e300, 151)
#: f at or below this far out counts as having no lower bound (-inf included).
FLOOR = -1e200
#: At most this many probes past the floor are double-checked in extended precision.
CHECKS = 4


def unit(direction) -> np.ndarray | None:
    """``direction`` scaled to length 1, or None if it has no length."""
    d = np.asarray(direction, dtype=float)
    size = float(np.linalg.norm(d))
    return d / size if np.isfinite(size) and size > 0 else None


def _confirmed(objective, point) -> bool | None:
    """Whether f really is at or below FLOOR at ``point``: the same value, to 6 digits, in
    double and in extended precision (numpy's longdouble: 3 more digits and exponents to
    10⁴⁹³²). Overflow and rounding (∞ − ∞, or a huge x⁴ minus an equally huge
    x²·√(x⁴ + 1)) come out differently in the two; a true value does not. None where
    extended precision is plain double (some platforms) or f cannot take it."""
    if np.finfo(np.longdouble).eps >= np.finfo(float).eps:
        return None
    coords = np.asarray(point, dtype=np.longdouble)
    with np.errstate(all="ignore"):
        try:
            wide = np.longdouble(objective._f(*coords))  # the raw compiled f, not cast to float
        except (TypeError, ValueError, AttributeError):
            return None
        narrow = float(objective.f(np.asarray(point, dtype=float)))
        if np.isnan(wide):
            return False
        if np.isinf(wide) or np.isinf(narrow):
            return bool(wide == narrow == -np.inf)
        return bool(narrow <= FLOOR and abs(wide - narrow) <= 1e-6 * abs(wide))


def falls_without_bound(objective, point, direction) -> bool:
    """True if f falls without bound from ``point`` along ``direction``.

    f is evaluated at point + t·d for t from 1 to 10³⁰⁰ (times the point's size); it has
    no lower bound that way if it reaches −10²⁰⁰ or −∞ out there, confirmed in extended
    precision where it can be (so a function that levels off, like x − √(x² + 1) → 0 or
    x⁴ − x²√(x⁴ + 1) → −½, is not taken for unbounded through overflow or cancellation).

    >>> from gdviz import OBJECTIVES
    >>> falls_without_bound(OBJECTIVES["cubic"], [-3.0], [-1.0])
    True
    >>> falls_without_bound(OBJECTIVES["parabola"], [9999.0], [-1.0])
    False
    """
    d = unit(direction)
    if d is None:
        return False
    p = np.asarray(point, dtype=float)
    scale = max(1.0, float(np.max(np.abs(p))))
    with np.errstate(all="ignore"):
        probes = p + (REACH * scale)[:, None] * d
        values = objective.f(probes)
    low = np.flatnonzero(values <= FLOOR)
    for i in low[:CHECKS]:  # the first few points past the floor, each double-checked
        verdict = _confirmed(objective, probes[i])
        if verdict is None:
            return True  # no second opinion: the floating-point evidence stands
        if verdict:
            return True
    return False


def direction_words(objective, direction) -> str:
    """Where a direction points, in words: "x → −∞", or "(0.01, 1.00)" on a surface
    (or "y → +∞" when it runs along an axis)."""
    d = unit(direction)
    names = [str(v) for v in objective.variables]
    if d is None:
        return "nowhere"
    axis = int(np.argmax(np.abs(d)))
    if abs(d[axis]) > 0.999:
        return f"{names[axis]} → {'+' if d[axis] > 0 else '−'}∞"
    return "(" + ", ".join(f"{v:.2f}" for v in d) + ")"


# ---- a lower bound read off the formula ----------------------------------------------------
#
# Interval arithmetic over the expression tree, with every variable anywhere on the real
# line. Only forms whose floating-point values keep the bound are bounded: squares and
# other even powers (compiled as products x*x*...), |u|, √u, exp, cos, sin, tanh, atan,
# sums, and products with a constant, so f as compiled is at least the bound (or NaN,
# which no test reads as low). Anything else is unbounded as far as this can tell.

_UNKNOWN = (-np.inf, np.inf)
_RANGES = {sp.cos: (-1.0, 1.0), sp.sin: (-1.0, 1.0), sp.tanh: (-1.0, 1.0),
           sp.atan: (-np.pi / 2, np.pi / 2)}  # fmt: skip
_RISING = {sp.exp: np.exp, sp.log: np.log, sp.sinh: np.sinh, sp.atan: np.arctan}


def lower_bound(expr) -> float:
    """A number f never goes below, wherever its variables are, read off the formula
    (−∞ where its form does not show one: x² − 2x has a bound this cannot see).

    >>> lower_bound(sp.sympify("(1 - x)**2 + 100*(y - x**2)**2"))
    0.0
    >>> lower_bound(sp.sympify("x**2 - 10*cos(2*pi*x) + 10"))
    0.0
    >>> lower_bound(sp.sympify("x**3 - 3*x"))
    -inf
    """
    with np.errstate(all="ignore"):
        low = float(_interval(sp.sympify(expr))[0])
    return low if not np.isnan(low) else -np.inf


def _interval(e) -> tuple[float, float]:
    """(low, high) for e; an end that comes out NaN (log of a negative end) is unknown."""
    low, high = _ends(e)
    return (-np.inf if np.isnan(low) else low), (np.inf if np.isnan(high) else high)


def _ends(e) -> tuple[float, float]:
    if e.is_Number or e.is_NumberSymbol:
        try:
            value = float(e)
        except (TypeError, ValueError):  # zoo, nan
            return _UNKNOWN
        return (value, value) if np.isfinite(value) else _UNKNOWN
    if e.is_Add:
        parts = [_interval(a) for a in e.args]
        return sum(p[0] for p in parts), sum(p[1] for p in parts)
    if e.is_Mul:
        low, high = 1.0, 1.0
        for a in e.args:
            low, high = _product((low, high), _interval(a))
        return low, high
    if e.is_Pow:
        return _power(e.base, e.exp)
    if isinstance(e, sp.Abs):
        low, high = _interval(e.args[0])
        return (0.0 if low <= 0 <= high else min(abs(low), abs(high))), max(abs(low), abs(high))
    if e.func in _RANGES:
        return _RANGES[e.func]
    if e.func in _RISING and len(e.args) == 1:  # increasing: the ends map to the ends
        low, high = _interval(e.args[0])
        grow = _RISING[e.func]
        return float(grow(low)), float(grow(high))
    if e.func is sp.cosh:
        return 1.0, np.inf
    return _UNKNOWN


def _product(a, b) -> tuple[float, float]:
    """Interval product, 0·∞ read as 0 (in floating point it is NaN, never low)."""
    ends = [0.0 if (x == 0 or y == 0) else x * y for x in a for y in b]
    return min(ends), max(ends)


def _power(base, exponent) -> tuple[float, float]:
    low, high = _interval(base)
    if exponent.is_Integer:
        n = int(exponent)
        if n > 0 and n % 2 == 0:  # an even power: compiled as x*x*..., never negative
            near = 0.0 if low <= 0 <= high else min(abs(low), abs(high))
            return float(np.power(near, n)), float(np.power(max(abs(low), abs(high)), n))
        if n > 0:  # odd: increasing
            return float(np.power(low, n)), float(np.power(high, n))
        if n < 0 and n % 2 == 0:  # 1/(x*x...): positive (or ∞, or NaN at 0/0)
            return 0.0, np.inf
        if low > 0:
            return float(np.power(high, n)), float(np.power(low, n))
        return _UNKNOWN
    if exponent.is_Number and exponent > 0:  # √u and other positive powers: ≥ 0 or NaN
        return 0.0, (np.inf if high == np.inf else float(np.power(max(high, 0.0), float(exponent))))
    if exponent.is_Number:  # 1/√u ...: > 0 or NaN
        return 0.0, np.inf
    if base.is_Number and base > 0:  # 2**x: like exp
        return 0.0, np.inf
    return _UNKNOWN
