"""Descent: run an optimizer on an objective and say how the run ended."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from . import checks
from .analysis import RUNAWAY_EPOCHS, Streak, grows_away, is_bouncing_without_progress
from .bounds import falls_without_bound
from .messages import describe
from .numbers import position
from .objectives import Objective, get_objective
from .optimizers import get_optimizer
from .schedules import learning_rates

#: How a run can end.
STATUSES = ("converged", "diverged", "oscillating", "max_epochs")

DEFAULT_TOL = 1e-6


@dataclass(frozen=True, eq=False)
class Trajectory:
    """A finished run: every iterate, its loss and gradient, and how it ended.

    ``points[0]`` is the start and ``points[k]`` the iterate after epoch k;
    ``epoch`` is the last epoch run. ``status`` is one of :data:`STATUSES`;
    ``reason`` says which test decided it and ``message`` says it in words.
    """

    objective: Objective
    optimizer: str
    lr: float
    epochs: int
    tol: float
    points: np.ndarray
    losses: np.ndarray
    grads: np.ndarray
    status: str
    reason: str
    hyper: dict = field(default_factory=dict)
    lrs: np.ndarray = None  # the learning rate used at each epoch run
    schedule: object = None
    noise: float = 0.0  # σ of the Gaussian noise added to each step's gradient
    noise_seed: int = 0
    noisy_grads: np.ndarray | None = None  # the gradients the steps used, when noisy

    @cached_property
    def message(self) -> str:
        """How the run ended, in words and numbers (see :mod:`gdviz.messages`)."""
        with np.errstate(all="ignore"):  # norms of huge last finite points may overflow
            return describe(self)

    @property
    def epoch(self) -> int:
        """The epoch the run stopped at (0 if the start was already stationary)."""
        return len(self.points) - 1

    stopped_at = epoch

    @property
    def step_grads(self) -> np.ndarray:
        """The gradient each epoch's step used, shape (epoch, dim): ∇f, plus noise if any."""
        if self.noisy_grads is not None:
            return self.noisy_grads
        return self.grads[: self.epoch]

    @property
    def steps(self) -> np.ndarray:
        """The update taken at each epoch, shape (epoch, dim)."""
        return np.diff(self.points, axis=0)

    @property
    def grad_norms(self) -> np.ndarray:
        """‖∇f‖ at each epoch (inf where a diverged run's gradient is too big to square)."""
        with np.errstate(over="ignore"):
            return np.linalg.norm(self.grads, axis=-1)

    @property
    def final(self) -> np.ndarray:
        return self.points[-1]

    def __repr__(self) -> str:
        return (
            f"Trajectory({self.objective.slug!r}, {self.optimizer}, lr={self.lr:g}, "
            f"status={self.status!r}, epoch={self.epoch}, final={self.final.tolist()})"
        )


def _norm(v: np.ndarray) -> float:
    """‖v‖ as np.linalg.norm computes it (the root of v·v), without its overhead."""
    return math.sqrt(v @ v)


def check_start(objective: Objective, start) -> np.ndarray:
    """``start`` as a point of ``objective``'s dimension, finite."""
    names = ", ".join(map(str, objective.variables))
    return checks.point("start", start, objective.dim, f"{objective.slug} ({names})")


def check_run(lr, epochs, tol) -> tuple[float, int, float]:
    """The learning rate, epochs and tolerance every run takes, checked."""
    lr = checks.number("lr", lr, low=0.0, low_open=True)
    epochs = checks.whole("epochs", epochs, low=1)
    tol = checks.number("tol", tol, low=0.0)
    return lr, epochs, tol


def _end_status(objective, points, losses, grads, tol, rises, falls) -> tuple[str, str]:
    """How a run that used all its epochs ended."""
    run = min(RUNAWAY_EPOCHS, len(points) - 1)  # a run too short to stop on its streak
    if np.linalg.norm(grads[-1]) <= tol:
        return "converged", "gradient"
    if run and rises.length >= run and losses[-1] > losses[0]:
        distance = _norm(points[-1] - points[0])
        if grows_away(rises, distance, _norm(points[-1] - points[-2])):
            return "diverged", "runaway"
    heading = points[-1] - points[-2] if run else None
    if run and falls.length >= run and falls_without_bound(objective, points[-1], heading):
        return "diverged", "unbounded"
    if is_bouncing_without_progress(points):
        return "oscillating", "bouncing"
    return "max_epochs", "epochs"


def descend(
    objective: Objective | str,
    start,
    *,
    lr: float,
    epochs: int,
    optimizer: str = "gd",
    tol: float = DEFAULT_TOL,
    schedule=None,
    noise: float = 0.0,
    seed: int = 0,
    **hyper,
) -> Trajectory:
    """Run ``optimizer`` on ``objective`` from ``start`` for up to ``epochs`` epochs.

    Plain GD is x ← x − lr·∇f(x). The run stops early when the gradient norm
    falls to ``tol`` or below ("converged"; ``tol=0`` disables the stop), or when the
    run itself shows it is diverging: the iterate or loss overflows, f is undefined at
    the next point, the loss keeps rising faster and faster above its start's while the
    iterates grow with it (a stable run's swings, however they grow for a while, stay below
    it; an adaptive optimizer's loss spike stays within the region the path has crossed:
    see :func:`gdviz.analysis.grows_away`), or f keeps falling faster
    along a path that keeps leaving, where f has no lower bound. Where the path is
    relative to the objective's plotting box never matters. A run that uses all its
    epochs is "oscillating" if it bounces without getting anywhere, else "max_epochs"
    (or "diverged" if it ends on such a streak, too short to stop on). Where f or ∇f has no
    value at the next point only because a part of it overflowed (x⁴ − 2x² far out is
    ∞ − ∞), the reason is "overflow", not "undefined".

    >>> descend("parabola", 3.0, lr=0.5, epochs=10).status
    'converged'
    """
    objective = get_objective(objective)
    x = check_start(objective, start)
    lr, epochs, tol = check_run(lr, epochs, tol)
    update = get_optimizer(optimizer, **hyper)
    rates = learning_rates(schedule, lr, epochs)
    noise = checks.number("noise", noise, low=0.0)
    seed = checks.whole("seed", seed)
    return run(
        objective,
        x,
        update,
        rates,
        optimizer=optimizer,
        lr=lr,
        epochs=epochs,
        tol=tol,
        hyper=hyper,
        schedule=schedule,
        noise=noise,
        seed=seed,
    )


def run(
    objective: Objective,
    x: np.ndarray,
    update,
    rates,
    *,
    optimizer: str,
    lr: float,
    epochs: int,
    tol: float,
    hyper: dict,
    schedule=None,
    advance=None,
    noise: float = 0.0,
    seed: int = 0,
) -> Trajectory:
    """The descent loop behind :func:`descend`, on checked arguments.

    ``advance(x, grad, state, rate) -> (x, state)`` moves the iterate through one
    epoch; by default it is one optimizer step along the full gradient ``grad``.
    A caller that walks through the data in mini-batches passes its own, and the
    loop still judges each epoch's end by the objective's full loss and gradient.
    """
    used = []  # the gradients the default steps used (with noise, if any)
    if advance is None:
        rng = np.random.default_rng(seed)

        def advance(x, grad, state, rate):
            if noise:
                grad = grad + rng.normal(0.0, noise, size=grad.shape)
            used.append(grad)
            delta, state = update.step(grad, state, x, rate)
            return x + delta, state

    loss, grad = objective.value_and_grad(x)
    # in the user's words: the function's letter and the start as the page shows it
    s, where = objective.symbol, position(objective, x)
    if math.isnan(loss):
        raise ValueError(f"{s} is not defined at the start {where}: start where it has a value")
    if not math.isfinite(loss):
        raise ValueError(
            f"{s} is too large to compute at the start {where} (it overflows): "
            "start where its values are smaller"
        )
    if not np.all(np.isfinite(grad)):
        raise ValueError(
            f"the gradient of {s} is not defined at the start {where} "
            "(a kink, like |x| at 0): start somewhere else"
        )
    points, losses, grads = [x], [loss], [grad]
    state = update.init(x)
    status = reason = None
    rises, falls = Streak(), Streak()  # the loss rising faster; falling faster, moving away
    away = reach = 0.0  # the last point's distance from the start; the farthest so far
    with np.errstate(all="ignore"):
        for rate in rates:
            if tol > 0 and math.sqrt(grad @ grad) <= tol:
                status, reason = "converged", "gradient"
                break
            previous = x
            x, state = advance(x, grad, state, rate)
            loss, grad = objective.value_and_grad(x)
            if not np.isfinite(x).all() or abs(loss) == math.inf:
                status, reason = "diverged", "overflow"
                break
            if not (math.isfinite(loss) and np.isfinite(grad).all()):
                why = "overflow" if objective.overflows_at(x) else "undefined"
                status, reason = "diverged", why
                break
            change = loss - losses[-1]
            distance, step = _norm(x - points[0]), _norm(x - previous)
            rises.add(change if change > 0 else None, reach, step)
            falls.add(-change if change < 0 and distance > away else None)
            away, reach = distance, max(reach, distance)
            points.append(x)
            losses.append(loss)
            grads.append(grad)
            # a stable run's swings stay below the start's loss; a spike stays near the path
            if rises.shown() and loss > losses[0] and grows_away(rises, distance, step):
                status, reason = "diverged", "runaway"
                break
            if falls.shown() and falls_without_bound(objective, x, x - previous):
                status, reason = "diverged", "unbounded"
                break

    points, losses, grads = np.array(points), np.array(losses), np.array(grads)
    if status is None:
        with np.errstate(all="ignore"):
            status, reason = _end_status(objective, points, losses, grads, tol, rises, falls)
    return Trajectory(
        objective=objective,
        optimizer=optimizer,
        lr=lr,
        epochs=epochs,
        tol=tol,
        points=points,
        losses=losses,
        grads=grads,
        status=status,
        reason=reason,
        hyper=dict(hyper),
        lrs=rates[: len(points) - 1],
        schedule=schedule,
        noise=noise,
        noise_seed=seed,
        noisy_grads=np.array(used[: len(points) - 1]) if noise and used else None,
    )
