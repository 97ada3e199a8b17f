"""Optimizers as small pure state updates, written like their equations.

Each optimizer is a factory that closes over its hyperparameters and returns an
``Update``: ``init(params) -> state`` and ``step(grad, state, params, lr) ->
(delta, state)``; applying it is ``params + delta``. The learning rate is passed
per step so that schedules can change it. Everything works on arrays with any
leading batch axes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np


class Update(NamedTuple):
    init: Callable[[np.ndarray], Any]
    step: Callable[[np.ndarray, Any, np.ndarray, float], tuple[np.ndarray, Any]]


@dataclass(frozen=True)
class OptimizerSpec:
    """A registry entry: how to build the optimizer and how to explain it."""

    slug: str
    name: str
    build: Callable[..., Update]
    defaults: dict
    rule: str  # the update rule in LaTeX
    about: str = ""


def gd() -> Update:
    """Plain gradient descent: x ← x − η ∇f(x)."""

    def init(params):
        return ()

    def step(g, state, params, lr):
        return -lr * g, state

    return Update(init, step)


#: Every optimizer, keyed by slug.
OPTIMIZERS: dict[str, OptimizerSpec] = {
    "gd": OptimizerSpec(
        slug="gd",
        name="Gradient descent",
        build=gd,
        defaults={},
        rule=r"x_{k+1} = x_k - \eta\,\nabla f(x_k)",
        about="Step downhill, against the gradient, by the learning rate times its size.",
    ),
}


def get_optimizer(slug: str, **hyper) -> Update:
    """Build the optimizer ``slug`` with ``hyper`` over its defaults."""
    if slug not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {slug!r}: expected one of {', '.join(OPTIMIZERS)}")
    spec = OPTIMIZERS[slug]
    unknown = set(hyper) - set(spec.defaults)
    if unknown:
        allowed = ", ".join(spec.defaults) or "none"
        raise ValueError(
            f"optimizer {slug!r} has no hyperparameter {', '.join(sorted(unknown))}: "
            f"expected {allowed}"
        )
    return spec.build(**{**spec.defaults, **hyper})
