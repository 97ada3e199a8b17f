"""Messages: what a run did, in one or two plain sentences with its numbers.

Every claim is computed from the run or the function (its Hessian, its listed points),
never from the plotting box: see :mod:`gdviz.analysis` for the numbers quoted.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .analysis import distance_factor, nearest, rising_streak, stable_lr_limit
from .bounds import direction_words, falls_without_bound
from .numbers import count, fmt, position, short
from .objectives import CriticalPoint, Objective

if TYPE_CHECKING:
    from .descent import Trajectory


def _shape_word(objective: Objective) -> str:
    return "curve" if objective.dim == 1 else "surface"


def _is_at(objective: Objective, x, point: CriticalPoint) -> bool:
    """Whether ``x`` has landed on the listed ``point``: within the distance its gradient
    implies near a minimum (‖∇f‖/λ_min, with room to spare), or a hair's breadth of any
    other point. Decided by the function, never by the size of the plotting box."""
    p = np.asarray(point.point, dtype=float)
    distance = float(np.linalg.norm(p - x))
    reach = 1e-6 * (1 + float(np.linalg.norm(p)))
    hessian = objective.hessian(p)
    if np.all(np.isfinite(hessian)):
        lowest = float(np.linalg.eigvalsh(hessian).min())
        if lowest > 0:
            reach += 2 * float(np.linalg.norm(objective.grad(np.asarray(x, dtype=float)))) / lowest
    return distance <= reach


def landing_kind(objective: Objective, x) -> str | None:
    """What kind of stationary point ``x`` is: a listed one it has landed on, else by its
    Hessian."""
    point = nearest(objective.critical_points, x)
    if point is not None and _is_at(objective, x, point):
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
        return _diverged(traj, factor, limit)

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
    if f > traj.losses[0]:
        return (
            f"Not settled after {count(k, 'epoch')}: f went from {fmt(float(traj.losses[0]))} "
            f"to {fmt(f)}, now at {position(obj, x)}, gradient size {gnorm:.3g}."
        )
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


def _diverged(traj: Trajectory, factor: float | None, limit: str) -> str:
    """Why a run diverged, from its own numbers; "no lower bound" only where f has none."""
    obj, k, x, f = traj.objective, traj.epoch, traj.points[-1], float(traj.losses[-1])
    heading = traj.points[-1] - traj.points[-2] if k else None
    falling = k > 0 and f < traj.losses[-2]
    unbounded = traj.reason == "unbounded" or (falling and falls_without_bound(obj, x, heading))
    where = position(obj, x)
    if traj.reason == "overflow":
        cause = f"the next step overflowed to infinity (last finite point {where}, f = {fmt(f)})"
        if factor is not None and factor > 1 and not unbounded:
            cause += f"; each step multiplied the distance to the minimum by {short(factor)}"
    elif traj.reason == "undefined":
        cause = f"the next step left the region where f is defined (last point {where})"
    elif traj.reason == "unbounded":
        cause = (
            f"the path keeps running away ({direction_words(obj, heading)}) while f falls "
            f"faster and faster, now f = {fmt(f)} at {where}"
        )
    elif factor is not None and factor > 1:
        cause = f"each step multiplied the distance to the minimum by {short(factor)}"
    else:
        streak = rising_streak(traj.losses)
        cause = (
            f"the loss rose in each of the last {count(streak, 'epoch')}, each rise at least "
            f"the one before, to f = {fmt(f)}"
        )
    text = f"Diverged at epoch {k}: {cause}"
    if unbounded:
        text += (
            f": this {_shape_word(obj)} has no lower bound that way "
            f"(f → −∞ as {direction_words(obj, heading)})"
            if obj.dim == 1 or "∞" in direction_words(obj, heading)
            else f": this {_shape_word(obj)} has no lower bound along that direction"
        )
    if limit and "above" in limit:
        return f"{text}; {limit}. Try a learning rate below that."
    return text + "."
