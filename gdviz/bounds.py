"""Whether f has a lower bound along a direction: evidence from the function itself.

A run that keeps sliding one way while f keeps falling is only *diverging* if f really
has no lower bound that way. That is checked here far beyond any plotting box, out to
coordinates of about 10³⁰⁰, where a bounded function has long levelled off.
"""

from __future__ import annotations

import numpy as np

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
