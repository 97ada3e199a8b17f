"""Race: several optimizers from the same start, compared fairly."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import checks
from .analysis import nearest
from .descent import DEFAULT_TOL, Trajectory, descend
from .figures.style import PALETTE  # noqa: F401  (one colour per racer; kept importable here)
from .objectives import Objective, get_objective
from .optimizers import OPTIMIZERS, get_optimizer

_NICE = (1.0, 2.0, 5.0)


def nice(value: float) -> float:
    """The nearest of 1, 2, 5 × 10ᵏ (in log terms): 0.037 → 0.05, 0.0013 → 0.001."""
    exponent = math.floor(math.log10(value))
    candidates = [m * 10.0**e for e in (exponent - 1, exponent, exponent + 1) for m in _NICE]
    best = min(candidates, key=lambda c: abs(math.log(c / value)))
    return float(f"{best:.12g}")


def suggested_lr(objective: Objective | str, optimizer: str) -> float:
    """A learning rate that makes the first view of a race interesting.

    Gradient methods step by η·g, so they take the objective's own suggestion.
    Adaptive methods step by about η per coordinate whatever the slope, so η is the
    optimizer's ``lr_share`` of the domain's width, rounded to 1, 2 or 5 × 10ᵏ
    (Adam ~1/100, AdaGrad ~1/10, RMSprop, whose first step is ~10η, ~1/1000).

    >>> suggested_lr("himmelblau", "adam")  # a tenth-unit step on a 10-wide map
    0.1
    """
    obj = get_objective(objective)
    spec = checks.one_of("optimizer", optimizer, OPTIMIZERS)
    if not spec.adaptive:
        return obj.lr
    return nice(spec.lr_share * max(hi - lo for lo, hi in obj.domain))


@dataclass(frozen=True)
class Racer:
    """One entry of a race: an optimizer, its learning rate and hyperparameters."""

    optimizer: str
    lr: float
    hyper: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        """Legend text: name, η and every hyperparameter that differs from PyTorch's default.

        >>> Racer("sgd", 0.01, {"momentum": 0.9}).label
        'SGD, η = 0.01 (momentum 0.9)'
        """
        spec = OPTIMIZERS[self.optimizer]
        changed = [
            f"{k} {_show(v)}" for k, v in self.hyper.items() if _differs(v, spec.defaults.get(k))
        ]
        return f"{spec.name}, η = {self.lr:g}" + (f" ({', '.join(changed)})" if changed else "")


def _differs(value, default) -> bool:
    if isinstance(value, list | tuple) and isinstance(default, list | tuple):
        return tuple(value) != tuple(default)
    return value != default


def _show(value) -> str:
    if isinstance(value, list | tuple):
        return "/".join(f"{v:g}" for v in value)
    return str(value) if isinstance(value, bool) else f"{value:g}"


def race(
    objective: Objective | str,
    start,
    racers,
    *,
    epochs: int,
    tol: float = DEFAULT_TOL,
    schedule=None,
    noise: float = 0.0,
    seed: int = 0,
) -> list[Trajectory]:
    """Run every racer from the same ``start`` with the same epochs, tolerance, schedule
    and gradient noise (the same noise draws for everyone)."""
    obj = get_objective(objective)
    racers = [r if isinstance(r, Racer) else Racer(**r) for r in racers]
    if not racers:
        raise ValueError("a race needs at least one optimizer")
    return [
        descend(
            obj, start, lr=r.lr, epochs=epochs, optimizer=r.optimizer, tol=tol, schedule=schedule,
            noise=noise, seed=seed, **r.hyper,
        )
        for r in racers
    ]  # fmt: skip


def velocities(traj: Trajectory) -> np.ndarray | None:
    """The optimizer's running direction after each epoch's update, shape (epoch, dim).

    The momentum buffer b (SGD or RMSprop with momentum), the first moment m
    (Adam, AdamW); None for methods without one. Replays the optimizer over the
    recorded gradients, so it is exactly the state the run had.
    """
    update = get_optimizer(traj.optimizer, **traj.hyper)
    state = update.init(traj.points[0])
    if not hasattr(state, "velocity"):
        return None
    out = np.zeros((traj.epoch, traj.objective.dim))
    for t in range(traj.epoch):
        _, state = update.step(traj.step_grads[t], state, traj.points[t], traj.lrs[t])
        if state.velocity is not None:
            out[t] = state.velocity
    return out if np.any(out) else None


def epochs_to_tolerance(traj: Trajectory, tol: float) -> int | None:
    """First epoch whose gradient norm is at most ``tol`` (None if never)."""
    if tol <= 0:
        return None
    hits = np.flatnonzero(traj.grad_norms <= tol)
    return int(hits[0]) if hits.size else None


#: How a run ended, in the words the page uses where the status's own name is not one.
_IN_WORDS = {"max_epochs": "still descending", "oscillating": "bouncing"}


def leaderboard(trajectories, labels=None) -> list[dict]:
    """One row per racer, ranked by final loss (lowest first); diverged runs rank last.

    Ranking by loss, not by distance to one minimum, keeps a race fair on a surface
    with several equally good minima. Columns: rank, optimizer, final loss,
    distance to the nearest known minimum, epochs to reach the tolerance, status (in words:
    converged, still descending, bouncing, diverged).
    """
    ranked = []
    for i, traj in enumerate(trajectories):
        closest = nearest(traj.objective.minima, traj.final)
        distance = float(np.linalg.norm(traj.final - closest.point)) if closest else None
        row = {
            "optimizer": labels[i] if labels else traj.optimizer,
            "final loss": float(traj.losses[-1]),
            "distance to nearest minimum": distance,
            "epochs to tolerance": epochs_to_tolerance(traj, traj.tol),
            "status": _IN_WORDS.get(traj.status, traj.status),
        }
        ranked.append(((traj.status == "diverged", row["final loss"], i), row))
    ranked.sort(key=lambda pair: pair[0])
    return [{"rank": k + 1, **row} for k, (_, row) in enumerate(ranked)]
