"""Learning-rate schedules with the semantics of ``torch.optim.lr_scheduler``.

Stepped once per epoch, after the optimizer step. Each follows PyTorch's own
recursive ("chainable") update, operation for operation, so the rates agree with
PyTorch's to the last bit rather than only with the closed forms.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from .settings import Setting, keyword_defaults


@dataclass(frozen=True)
class ScheduleSpec:
    """A registry entry: everything the race page, the explanations and the snippet read.

    The parameters and their defaults are those of ``rates`` after (lr, epochs), named as
    PyTorch names them; a None default means "the run's number of epochs". ``settings``
    says how a page asks for each; ``required`` are the arguments the torch scheduler has
    no default for (the snippet always passes them; the others equal PyTorch's defaults).
    """

    slug: str
    name: str
    rates: Callable[..., list[float]]
    torch: str  # the torch.optim.lr_scheduler class ("" for a constant rate: no scheduler)
    about: str
    settings: dict[str, Setting] = field(default_factory=dict)
    required: tuple[str, ...] = ()

    @property
    def defaults(self) -> dict:
        return keyword_defaults(self.rates, skip=2)

    @property
    def torch_defaults(self) -> dict:
        """The arguments PyTorch defaults, with its (and gdviz's) defaults."""
        return {k: v for k, v in self.defaults.items() if k not in self.required}


#: Every schedule, keyed by slug (the ``kind`` of a schedule dict).
SCHEDULES: dict[str, ScheduleSpec] = {}


def schedule(slug: str, name: str, torch: str, about: str, **entry) -> Callable:
    """Register the decorated rates function as ``SCHEDULES[slug]``; see ScheduleSpec."""

    def register(rates):
        SCHEDULES[slug] = ScheduleSpec(slug, name, rates, torch, about, **entry)
        return rates

    return register


_GAMMA = Setting("γ (factor)", 0.0, step=0.01)


def _epochs(label: str) -> Setting:
    return Setting(label, 1, step=1, whole=True)


@schedule("constant", "Constant", "", "The same η every epoch.")
def _constant(lr, epochs):
    return [lr] * epochs


@schedule(
    "step", "Step decay", "StepLR", "Multiply η by γ every step_size epochs.",
    settings={"step_size": _epochs("step size (epochs)"), "gamma": _GAMMA},
    required=("step_size",),
)  # fmt: skip
def _step(lr, epochs, step_size=30, gamma=0.1):
    """StepLR: multiply by γ every ``step_size`` epochs."""
    rates = [lr]
    for k in range(1, epochs):
        rates.append(rates[-1] * gamma if k % step_size == 0 else rates[-1])
    return rates


@schedule(
    "exponential", "Exponential decay", "ExponentialLR", "Multiply η by γ every epoch.",
    settings={"gamma": _GAMMA}, required=("gamma",),
)  # fmt: skip
def _exponential(lr, epochs, gamma=0.99):
    """ExponentialLR: multiply by γ every epoch."""
    rates = [lr]
    for _ in range(1, epochs):
        rates.append(rates[-1] * gamma)
    return rates


@schedule(
    "cosine", "Cosine annealing", "CosineAnnealingLR",
    "Glide from η down to η_min along half a cosine over T_max epochs (then back up).",
    settings={"T_max": _epochs("T_max (epochs)"), "eta_min": Setting("η_min", 0.0, step=0.0001)},
    required=("T_max",),
)  # fmt: skip
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


@schedule(
    "linear", "Linear warm-up", "LinearLR",
    "Scale η from start_factor up to end_factor over total_iters epochs.",
    settings={"start_factor": Setting("start factor", 0.01, 1.0),
              "end_factor": Setting("end factor", 0.0, 1.0),
              "total_iters": _epochs("warm-up epochs")},
)  # fmt: skip
def _linear(lr, epochs, start_factor=1.0 / 3, end_factor=1.0, total_iters=5):
    """LinearLR: scale lr by a factor going linearly from start to end over total_iters."""
    if not (0 < start_factor <= 1 and 0 <= end_factor <= 1):
        raise ValueError("linear schedule factors must lie in (0, 1] and [0, 1]")
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
    for name, setting in spec.settings.items():  # whole numbers here count epochs
        if setting.whole and params[name] is not None and params[name] < 1:
            raise ValueError(f"schedule parameter {name} must be >= 1, got {params[name]!r}")
    return np.array(spec.rates(float(lr), int(epochs), **params), dtype=float)


def filled_schedule(schedule, epochs: int | None = None) -> dict | None:
    """A run's schedule as ``{"kind": ..., **params}`` with the defaults filled in (a None
    default by ``epochs``, when given); None for a constant rate."""
    if isinstance(schedule, str):
        schedule = {"kind": schedule}
    if not schedule or schedule["kind"] == "constant":
        return None
    spec = SCHEDULES[schedule["kind"]]
    filled = {"kind": spec.slug, **spec.defaults, **schedule}
    return {k: epochs if v is None and epochs is not None else v for k, v in filled.items()}
