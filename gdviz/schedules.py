"""Learning-rate schedules with the semantics of ``torch.optim.lr_scheduler``.

Stepped once per epoch, after the optimizer step. Each follows PyTorch's own
recursive ("chainable") update, operation for operation, so the rates agree with
PyTorch's to the last bit rather than only with the closed forms.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np


def _constant(lr, epochs):
    return [lr] * epochs


def _step(lr, epochs, step_size=30, gamma=0.1):
    """StepLR: multiply by γ every ``step_size`` epochs."""
    rates = [lr]
    for k in range(1, epochs):
        rates.append(rates[-1] * gamma if k % step_size == 0 else rates[-1])
    return rates


def _exponential(lr, epochs, gamma=0.99):
    """ExponentialLR: multiply by γ every epoch."""
    rates = [lr]
    for _ in range(1, epochs):
        rates.append(rates[-1] * gamma)
    return rates


def _cosine(lr, epochs, T_max=None, eta_min=0.0):  # noqa: N803 - PyTorch's name
    """CosineAnnealingLR: half a cosine from lr down to η_min over T_max epochs, and back."""
    T = T_max or epochs
    rates = [lr]
    for k in range(1, epochs):
        prev = rates[-1]
        if (k - 1 - T) % (2 * T) == 0:
            rates.append(prev + (lr - eta_min) * (1 - math.cos(math.pi / T)) / 2)
        else:
            rates.append(
                (1 + math.cos(math.pi * k / T))
                / (1 + math.cos(math.pi * (k - 1) / T))
                * (prev - eta_min)
                + eta_min
            )
    return rates


def _linear(lr, epochs, start_factor=1.0 / 3, end_factor=1.0, total_iters=5):
    """LinearLR: scale lr by a factor going linearly from start to end over total_iters."""
    rates = [lr * start_factor]
    for k in range(1, epochs):
        prev = rates[-1]
        if k > total_iters:
            rates.append(prev)
        else:
            rates.append(
                prev
                * (
                    1.0
                    + (end_factor - start_factor)
                    / (total_iters * start_factor + (k - 1) * (end_factor - start_factor))
                )
            )
    return rates


@dataclass(frozen=True)
class ScheduleSpec:
    slug: str
    name: str
    rates: Callable[..., list[float]]
    defaults: dict
    torch: str
    about: str


#: Every schedule, keyed by slug (the ``kind`` of a schedule dict).
SCHEDULES: dict[str, ScheduleSpec] = {
    s.slug: s
    for s in [
        ScheduleSpec(
            "constant", "Constant", _constant, {}, "(no scheduler)", "The same η every epoch.",
        ),
        ScheduleSpec(
            "step", "Step decay", _step, {"step_size": 30, "gamma": 0.1}, "StepLR",
            "Multiply η by γ every step_size epochs.",
        ),
        ScheduleSpec(
            "exponential", "Exponential decay", _exponential, {"gamma": 0.99}, "ExponentialLR",
            "Multiply η by γ every epoch.",
        ),
        ScheduleSpec(
            "cosine", "Cosine annealing", _cosine, {"T_max": None, "eta_min": 0.0},
            "CosineAnnealingLR",
            "Glide from η down to η_min along half a cosine over T_max epochs (then back up).",
        ),
        ScheduleSpec(
            "linear", "Linear warm-up", _linear,
            {"start_factor": 1.0 / 3, "end_factor": 1.0, "total_iters": 5}, "LinearLR",
            "Scale η from start_factor up to end_factor over total_iters epochs.",
        ),
    ]
}  # fmt: skip


def learning_rates(schedule, lr: float, epochs: int) -> np.ndarray:
    """The learning rate used at each of ``epochs`` epochs.

    ``schedule`` is None (constant), a slug, or a mapping ``{"kind": slug, **params}``
    with PyTorch's parameter names.

    >>> learning_rates({"kind": "step", "step_size": 2, "gamma": 0.5}, 1.0, 5).tolist()
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """
    if schedule is None:
        schedule = {"kind": "constant"}
    elif isinstance(schedule, str):
        schedule = {"kind": schedule}
    if not isinstance(schedule, Mapping) or schedule.get("kind") not in SCHEDULES:
        raise ValueError(
            f"unknown schedule {schedule!r}: expected None, one of {', '.join(SCHEDULES)}, "
            "or a dict with 'kind' set to one of them"
        )
    spec = SCHEDULES[schedule["kind"]]
    params = {k: v for k, v in schedule.items() if k != "kind"}
    unknown = set(params) - set(spec.defaults)
    if unknown:
        raise ValueError(
            f"schedule {spec.slug!r} has no parameter {', '.join(sorted(unknown))}: "
            f"expected {', '.join(spec.defaults) or 'none'}"
        )
    params = {**spec.defaults, **params}
    for name, value in params.items():
        if value is not None and not (isinstance(value, int | float) and math.isfinite(value)):
            raise ValueError(f"schedule parameter {name} must be a finite number, got {value!r}")
    for name in ("step_size", "T_max", "total_iters"):
        if params.get(name) is not None and params[name] < 1:
            raise ValueError(f"schedule parameter {name} must be >= 1, got {params[name]!r}")
    if spec.slug == "linear" and not (
        0 < params["start_factor"] <= 1 and 0 <= params["end_factor"] <= 1
    ):
        raise ValueError("linear schedule factors must lie in (0, 1] and [0, 1]")
    return np.array(spec.rates(float(lr), int(epochs), **params), dtype=float)


def filled_schedule(schedule) -> dict | None:
    """A run's schedule as ``{"kind": ..., **params}`` with the defaults filled in;
    None for a constant rate."""
    if isinstance(schedule, str):
        schedule = {"kind": schedule}
    if not schedule or schedule["kind"] == "constant":
        return None
    spec = SCHEDULES[schedule["kind"]]
    return {"kind": spec.slug, **spec.defaults, **schedule}
