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


def unit(direction) -> np.ndarray | None:
    """``direction`` scaled to length 1, or None if it has no length."""
    d = np.asarray(direction, dtype=float)
    size = float(np.linalg.norm(d))
    return d / size if np.isfinite(size) and size > 0 else None


def falls_without_bound(objective, point, direction) -> bool:
    """True if f falls without bound from ``point`` along ``direction``.

    f is evaluated at point + t·d for t from 1 to 10³⁰⁰ (times the point's size); it has
    no lower bound that way if it reaches −10²⁰⁰ or −∞ out there.

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
    values = values[~np.isnan(values)]
    return bool(values.size and values.min() <= FLOOR)


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
