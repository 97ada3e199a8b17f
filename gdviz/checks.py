"""Checks of what public functions are given: one place, one wording.

A caller's mistake raises ``ValueError`` naming the argument, what was expected and what
was given. How a run ends is never an exception: that is the run's ``status``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np


def _interval(low, high, low_open, high_open) -> str:
    if high == math.inf:
        return f"> {low:g}" if low_open else f">= {low:g}"
    if low == -math.inf:
        return f"< {high:g}" if high_open else f"<= {high:g}"
    return f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


def number(
    name: str,
    value,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``value`` as a float, if it is a finite real number within the bounds.

    >>> number("lr", 0.1, low=0, low_open=True)
    0.1
    >>> number("lr", 0, low=0, low_open=True)
    Traceback (most recent call last):
    ...
    ValueError: lr must be > 0, got 0
    """
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    below = value < low or (low_open and value == low)
    above = value > high or (high_open and value == high)
    if below or above:
        raise ValueError(
            f"{name} must be {_interval(low, high, low_open, high_open)}, got {value!r}"
        )
    return float(value)


def whole(name: str, value, *, low: int = 0, high: int | None = None, top: str = "") -> int:
    """``value`` as an int, if it is a whole number from ``low`` (to ``high``, which
    ``top`` may describe in words)."""
    ok = not isinstance(value, bool) and isinstance(value, Integral) and value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        bound = f"between {low} and {top or high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be a whole number {bound}, got {value!r}")
    return int(value)


def point(name: str, value, dim: int | None = None, owner: str = "") -> np.ndarray:
    """``value`` as a flat float array of finite coordinates (``dim`` of them, if given).

    ``owner`` names what the point belongs to, for the message ("for bowl (x, y)").
    """
    try:
        x = np.array(value, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        expected = f"{dim} number(s)" if dim else "a number or a list of numbers"
        raise ValueError(
            f"{name} must be {expected}{owner and ' for ' + owner}, got {value!r}"
        ) from None
    if dim is not None and x.shape != (dim,):
        raise ValueError(
            f"{name} must have {dim} coordinate(s){owner and ' for ' + owner}, got {x.size}"
        )
    if x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite numbers, got {x.tolist()}")
    return x


def one_of(kind: str, value, options: Mapping):
    """The registry entry ``options[value]``, or a message listing what there is."""
    if isinstance(value, str) and value in options:
        return options[value]
    raise ValueError(f"unknown {kind} {value!r}: expected one of {', '.join(options)}")
