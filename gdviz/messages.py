"""Messages: what a run did, in one or two plain sentences with its numbers.

Every claim is computed from the run or the function (its Hessian, its listed points),
never from the plotting box: see :mod:`gdviz.analysis` for the numbers quoted.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .analysis import distance_factor, nearest, stable_lr_limit
from .numbers import count, fmt, position, short
from .objectives import CriticalPoint, Objective

if TYPE_CHECKING:
    from .descent import Trajectory


def _shape_word(objective: Objective) -> str:
    return "curve" if objective.dim == 1 else "surface"


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
        return f"Converged in {count(k, 'epoch')} to {position(obj, x)}, f = {fmt(f)}.{landed}"

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
            f"Oscillating: after {count(k, 'epoch')} the path still bounces back and forth "
            f"(now at {position(obj, x)}, f = {fmt(f)}) without getting closer to a minimum"
        )
        if factor is not None:
            text += f"; each step multiplies the distance to the minimum by {short(factor)}"
        if limit:
            text += f"; {limit}"
        return text + "."

    gnorm = float(np.linalg.norm(traj.grads[-1]))
    text = (
        f"Still descending after {count(k, 'epoch')}: now at {position(obj, x)}, f = {fmt(f)}, "
        f"gradient size {gnorm:.3g} (tolerance {traj.tol:g})."
    )
    if factor is not None and 0 < factor < 1 and traj.tol > 0 and gnorm > traj.tol:
        more = math.ceil(math.log(traj.tol / gnorm) / math.log(factor))
        text += (
            f" Each epoch shrinks the distance to the minimum by a factor {short(factor)}: "
            f"about {more} more epochs would reach the tolerance."
        )
    return text
