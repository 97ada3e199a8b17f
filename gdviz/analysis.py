"""Analysis: stability limits, measured rates, and what a run did, in words.

Every claim a message makes is computed here from the run's numbers or the
objective's Hessian, never guessed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .objectives import CriticalPoint, Objective

if TYPE_CHECKING:
    from .descent import Trajectory

#: Window (epochs) over which the tail of a run is judged.
TAIL = 60
#: A bouncing run whose step sizes shrink by less than this over the tail is stuck.
NO_PROGRESS = 0.99


def stable_lr_limit(objective: Objective, point) -> float | None:
    """Largest learning rate for which plain GD is stable near ``point``: 2 / λ_max(∇²f).

    Near a minimum GD multiplies each eigen-direction's distance by (1 − lr·λ);
    the path shrinks only while |1 − lr·λ| < 1 for every λ. None where the
    Hessian has no positive curvature.
    """
    hessian = objective.hessian(np.asarray(point, dtype=float))
    if not np.all(np.isfinite(hessian)):
        return None
    top = float(np.linalg.eigvalsh(hessian).max())
    return 2.0 / top if top > 0 else None


def objective_lr_limit(objective: Objective) -> tuple[str, float] | None:
    """(kind, limit): plain GD's stable limit at the global (else the first) minimum."""
    reference = objective.global_minimum or next(iter(objective.minima), None)
    if reference is None:
        return None
    limit = stable_lr_limit(objective, reference.point)
    return None if limit is None else (reference.kind, limit)


def nearest(points: tuple[CriticalPoint, ...], x) -> CriticalPoint | None:
    """The critical point among ``points`` closest to ``x``."""
    x = np.asarray(x, dtype=float)
    return min(points, key=lambda p: float(np.linalg.norm(np.subtract(p.point, x))), default=None)


def distance_factor(path: np.ndarray, target, last: int = 10) -> float | None:
    """Measured factor by which each step multiplied the distance to ``target``.

    Geometric mean of d_k / d_(k−1) over the last ``last`` steps; None if the
    path touches the target (the factor is then undefined).
    """
    d = np.linalg.norm(path[-last - 1 :] - np.asarray(target, dtype=float), axis=-1)
    if len(d) < 2 or np.any(d == 0):
        return None
    with np.errstate(all="ignore"):
        factor = float(np.exp(np.mean(np.diff(np.log(d)))))
    return factor if math.isfinite(factor) else None


def is_bouncing_without_progress(points: np.ndarray) -> bool:
    """True if the tail of a path flips direction step after step without shrinking.

    Bouncing: most consecutive steps point against each other. No progress: the
    mean step size in the last third of the tail is at least ``NO_PROGRESS`` times
    that in the first third.
    """
    steps = np.diff(points[-TAIL - 1 :], axis=0)
    if len(steps) < 6:
        return False
    turns = np.sum(steps[:-1] * steps[1:], axis=-1) < 0
    if turns.mean() < 0.5:
        return False
    sizes = np.linalg.norm(steps, axis=-1)
    third = len(sizes) // 3
    first, last = sizes[:third].mean(), sizes[-third:].mean()
    return bool(first > 0 and last >= NO_PROGRESS * first)


# ---- words -------------------------------------------------------------------------


def fmt(value: float) -> str:
    """A number for a message: 4 decimals up to 1e5 (so 3e-9 reads 0.0000), else scientific."""
    if not math.isfinite(value):
        return str(value)
    if abs(value) < 1e5:
        text = f"{value:.4f}"
        return "0.0000" if text == "-0.0000" else text
    return f"{value:.3e}"


def short(value: float) -> str:
    """A rate or factor to 3 significant digits, keeping a decimal point (1.0, 1.02).

    Factors within 1% of 1 get the digits that show how far from 1 they are.
    """
    text = f"{value:.5g}" if 0 < abs(value - 1) < 0.01 else f"{value:.3g}"
    return text if any(c in text for c in ".en") else text + ".0"


def position(objective: Objective, x) -> str:
    """``x = 1.0000`` or ``(x, y) = (1.0000, 2.0000)``."""
    names = [str(v) for v in objective.variables]
    values = [fmt(float(v)) for v in np.atleast_1d(x)]
    if len(names) == 1:
        return f"{names[0]} = {values[0]}"
    return f"({', '.join(names)}) = ({', '.join(values)})"


def _shape_word(objective: Objective) -> str:
    return "curve" if objective.dim == 1 else "surface"


def _epochs(k: int) -> str:
    return f"{k} epoch" if k == 1 else f"{k} epochs"


def landing_kind(objective: Objective, x) -> str | None:
    """What kind of stationary point ``x`` is: a listed one nearby, else by its Hessian."""
    point = nearest(objective.critical_points, x)
    span = max(hi - lo for lo, hi in objective.domain)
    if point is not None and np.linalg.norm(np.subtract(point.point, x)) <= 1e-3 * span:
        return point.kind
    hessian = objective.hessian(np.asarray(x, dtype=float))
    if not np.all(np.isfinite(hessian)):
        return None
    eig = np.linalg.eigvalsh(hessian)
    if eig.min() > 0:
        return "local minimum"
    return "saddle" if eig.max() > 0 else None


def _where_landed(objective: Objective, x) -> str:
    kind = landing_kind(objective, x)
    best = objective.global_minimum
    if kind == "global minimum":
        return " That is the global minimum."
    if kind == "local minimum" and best is not None:
        return (
            f" That is a local minimum: the global minimum is lower, f = {fmt(best.value)} "
            f"at {position(objective, best.point)}."
        )
    if kind == "local minimum":
        return f" That is a local minimum; this {_shape_word(objective)} has no global minimum."
    if kind in ("saddle", "local maximum"):
        return f" That is a {kind}, not a minimum: the gradient vanishes there too."
    return ""


def _limit_clause(traj: Trajectory, reference: CriticalPoint | None) -> str:
    if traj.optimizer != "gd" or reference is None:
        return ""
    limit = stable_lr_limit(traj.objective, reference.point)
    if limit is None:
        return ""
    word = _shape_word(traj.objective)
    if math.isclose(traj.lr, limit, rel_tol=1e-9):
        return (
            f"learning rate {short(traj.lr)} is exactly this {word}'s stable limit {short(limit)}"
        )
    if traj.lr > limit:
        return f"learning rate {short(traj.lr)} is above this {word}'s stable limit {short(limit)}"
    return f"learning rate {short(traj.lr)} is below this {word}'s stable limit {short(limit)}"


def describe(traj: Trajectory) -> str:
    """One or two plain sentences on how ``traj`` ended, with its numbers."""
    obj, k, x, f = traj.objective, traj.epoch, traj.points[-1], float(traj.losses[-1])
    reference = nearest(obj.minima, traj.points[0])
    factor = distance_factor(traj.points, reference.point) if reference else None
    limit = _limit_clause(traj, reference)

    if traj.status == "converged":
        if k == 0:
            return (
                f"Converged at the start: the gradient at {position(obj, x)} is already "
                f"below the tolerance {traj.tol:g}, f = {fmt(f)}." + _where_landed(obj, x)
            )
        landed = _where_landed(obj, x)
        return f"Converged in {_epochs(k)} to {position(obj, x)}, f = {fmt(f)}.{landed}"

    if traj.status == "diverged":
        if traj.reason == "overflow":
            cause = f"the next step overflowed to infinity (last finite point {position(obj, x)})"
        elif traj.reason == "undefined":
            cause = (
                f"the next step left the region where f is defined (last point {position(obj, x)})"
            )
        elif traj.reason == "escaped" and f < float(traj.losses[0]):
            cause = (
                f"the path slid far outside the domain to {position(obj, x)} while f kept "
                f"falling to {fmt(f)}: this {_shape_word(obj)} has no lower bound that way"
            )
        elif factor is not None and factor > 1:
            cause = f"each step multiplied the distance to the minimum by {short(factor)}"
        elif traj.reason == "escaped":
            cause = f"the path ran far outside the domain, to {position(obj, x)}"
        else:
            cause = f"the loss rose for {k} epochs, each rise bigger than the last"
        text = f"Diverged at epoch {k}: {cause}"
        if limit and traj.lr > 0 and "above" in limit:
            return f"{text}; {limit}. Try a learning rate below that."
        return text + "."

    if traj.status == "oscillating":
        text = (
            f"Oscillating: after {_epochs(k)} the path still bounces back and forth "
            f"(now at {position(obj, x)}, f = {fmt(f)}) without getting closer to a minimum"
        )
        if factor is not None:
            text += f"; each step multiplies the distance to the minimum by {short(factor)}"
        if limit:
            text += f"; {limit}"
        return text + "."

    gnorm = float(np.linalg.norm(traj.grads[-1]))
    text = (
        f"Still descending after {_epochs(k)}: now at {position(obj, x)}, f = {fmt(f)}, "
        f"gradient size {gnorm:.3g} (tolerance {traj.tol:g})."
    )
    if factor is not None and 0 < factor < 1 and traj.tol > 0 and gnorm > traj.tol:
        more = math.ceil(math.log(traj.tol / gnorm) / math.log(factor))
        text += (
            f" Each epoch shrinks the distance to the minimum by a factor {short(factor)}: "
            f"about {more} more epochs would reach the tolerance."
        )
    return text
