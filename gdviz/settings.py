"""Settings: how a page asks for one number of a registry entry.

A schedule's parameters and a generated data set's parameters are numbers a user
types; each registry entry describes its own with a :class:`Setting`, so a page
builds the widget from the entry (label, range, step, whole number or not) and the
default comes from the entry's function signature.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import NamedTuple


class Setting(NamedTuple):
    """One number a user sets: the label on screen, its range and the widget's step.

    >>> Setting("step size (epochs)", 1, step=1, whole=True).cast(30.0)
    30
    """

    label: str
    low: float | None = None  # lowest value the widget offers (None: unbounded)
    high: float | None = None  # highest value the widget offers (None: unbounded)
    step: float = 0.01
    whole: bool = False  # a whole number (shown and passed on as int)

    def cast(self, value):
        """``value`` as the widget holds it: int for whole numbers, else float."""
        return None if value is None else int(value) if self.whole else float(value)


def keyword_defaults(function: Callable, skip: int = 0) -> dict:
    """The defaults of ``function``'s parameters that can be passed by name, in order,
    after the first ``skip`` ones. Keyword-only parameters (a builder's own switches) and
    the arguments a ``functools.partial`` fixes are left out.

    >>> keyword_defaults(lambda lr, epochs, gamma=0.1: None, skip=2)
    {'gamma': 0.1}
    """
    base = getattr(function, "func", function)  # a partial's function
    fixed = getattr(function, "keywords", {})
    skip += len(getattr(function, "args", ()))
    parameters = list(inspect.signature(base).parameters.values())[skip:]
    return {
        p.name: p.default
        for p in parameters
        if p.kind is p.POSITIONAL_OR_KEYWORD and p.name not in fixed
    }
