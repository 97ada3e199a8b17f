"""Messages: what a run did, in one or two plain sentences with its numbers.

Every claim is computed from the run or the function (its Hessian, its listed points),
never from the plotting box: see :mod:`gdviz.analysis` for the numbers quoted.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .analysis import (
    DESCENDING_EPOCHS,
    RUNAWAY_EPOCHS,
    STEADY,
    TAIL,
    nearest,
    rising_streak,
    shrink_rate,
    stable_lr_limit,
    steady_factor,
    still_falling,
)
from .bounds import direction_words, falls_without_bound
from .numbers import count, fmt, position, short, telling_apart
from .objectives import CriticalPoint, Objective
from .optimizers import OPTIMIZERS

if TYPE_CHECKING:
    from .descent import Trajectory


def _shape_word(objective: Objective) -> str:
    return "curve" if objective.dim == 1 else "surface"


def _is_flat(objective: Objective, point: CriticalPoint) -> bool:
    """Whether a listed minimum has no curvature in some direction (x⁴ at 0): its Hessian's
    smallest eigenvalue is 0 to rounding."""
    hessian = objective.hessian(np.asarray(point.point, dtype=float))
    if not (point.is_minimum and np.all(np.isfinite(hessian))):
        return False
    eig = np.linalg.eigvalsh(hessian)
    return bool(eig.min() <= 1e-9 * max(1.0, float(np.abs(eig).max())))


def _slides_to(objective: Objective, x, point: CriticalPoint) -> bool:
    """Whether f falls all the way along the straight line from ``x`` to ``point`` (65
    samples, rounding allowed): no bump, so no other minimum, lies between."""
    p, x = np.asarray(point.point, dtype=float), np.asarray(x, dtype=float)
    line = x + np.linspace(0.0, 1.0, 65)[:, None] * (p - x)
    with np.errstate(all="ignore"):
        values = objective.f(line)
    if not np.all(np.isfinite(values)):
        return False
    return bool(np.all(np.diff(values) <= 1e-12 * (1.0 + np.abs(values).max())))


def _is_at(objective: Objective, x, point: CriticalPoint) -> bool:
    """Whether ``x`` has landed on the listed ``point``: within the distance its gradient
    implies near a minimum (‖∇f‖/λ_min, with room to spare), on the slope of a flat minimum
    (no curvature there, so the gradient fades far from it: f falls all the way to it), or
    a hair's breadth of any other point. Decided by the function, never by the size of the
    plotting box."""
    p = np.asarray(point.point, dtype=float)
    distance = float(np.linalg.norm(p - x))
    reach = 1e-6 * (1 + float(np.linalg.norm(p)))
    hessian = objective.hessian(p)
    if np.all(np.isfinite(hessian)):
        lowest = float(np.linalg.eigvalsh(hessian).min())
        if lowest > 0:
            reach += 2 * float(np.linalg.norm(objective.grad(np.asarray(x, dtype=float)))) / lowest
    if distance <= reach:
        return True
    return _is_flat(objective, point) and _slides_to(objective, x, point)


def landing_kind(objective: Objective, x) -> str | None:
    """What kind of stationary point ``x`` is: a listed one it has landed on, else by its
    Hessian."""
    point = nearest(objective.critical_points, x)
    if point is not None and _is_at(objective, x, point):
        return point.kind
    x = np.asarray(x, dtype=float)
    hessian, grad = objective.hessian(x), objective.grad(x)
    if not (np.all(np.isfinite(hessian)) and np.all(np.isfinite(grad))):
        return None
    eig = np.linalg.eigvalsh(hessian)
    # only where a Newton step would barely move: a flat stretch (e^(e^(eˣ)) far left) has
    # a tiny gradient and a positive curvature, and no minimum anywhere near
    try:
        newton = float(np.linalg.norm(np.linalg.solve(hessian, grad)))
    except np.linalg.LinAlgError:
        return None
    if not newton <= 1e-2 * (1 + float(np.linalg.norm(x))):
        return None
    if eig.min() > 0:
        return "local minimum"
    return "saddle" if eig.max() > 0 else None


def _no_lower_bound(objective: Objective, x) -> str | None:
    """Which way f falls without bound from ``x`` ("x → −∞"), checked on the function in
    both axis directions (and the diagonals on a surface); None if in none of them."""
    ways = np.eye(objective.dim)
    if objective.dim == 2:
        ways = np.vstack([ways, [[1.0, 1.0], [1.0, -1.0]]])
    for way in (*ways, *-ways):
        if falls_without_bound(objective, x, way):
            return direction_words(objective, way)
    return None


def _flat_words(objective: Objective, x) -> str:
    """Where ``x`` stopped short of a flat minimum it landed on: why, and how far."""
    point = nearest(objective.critical_points, x)
    distance = float(np.linalg.norm(np.subtract(point.point, x)))
    if not (_is_flat(objective, point) and distance > 1e-6 * (1 + np.linalg.norm(point.point))):
        return ""
    where = "there" if objective.dim == 1 else "along some direction there"
    return (
        f" It is a flat one (no curvature {where}), so the gradient fades to the tolerance "
        f"while the path is still {short(distance)} from it, at "
        f"{position(objective, point.point)}."
    )


def _where_landed(objective: Objective, x) -> str:
    kind = landing_kind(objective, x)
    best, s = objective.global_minimum, objective.symbol
    if kind == "global minimum":
        return " That is the global minimum." + _flat_words(objective, x)
    here = float(objective.f(np.asarray(x, dtype=float)))
    if kind == "local minimum" and best is not None and best.value < here:
        low, mine = fmt(best.value), ""
        if low == fmt(here):  # both 0.0000: as many digits as tell them apart
            low, high = telling_apart(best.value, here)
            mine = f" ({s} = {high} here)"
        return (
            f" That is a local minimum{mine}: the global minimum is lower, {s} = {low} at "
            f"{position(objective, best.point)}."
        )
    if kind == "local minimum" and best is not None:  # as low as the listed one, to rounding
        return " That is a minimum as low as the global one."
    if kind == "local minimum":
        way = _no_lower_bound(objective, x)
        if way is None:  # none found is not the same as none: claim only what is checked
            return " That is a local minimum."
        return (
            f" That is a local minimum; this {_shape_word(objective)} has no global minimum "
            f"({s} → −∞ as {way})."
        )
    if kind in ("saddle", "local maximum"):
        return f" That is a {kind}, not a minimum: the gradient vanishes there too."
    return ""


def _limit_clause(traj: Trajectory, reference: CriticalPoint | None) -> str:
    """How η compares with plain GD's stable limit 2/λ_max at the minimum ``reference``
    (the one the sentence names), with enough digits to tell the two apart."""
    if traj.optimizer != "gd" or reference is None:
        return ""
    limit = stable_lr_limit(traj.objective, reference.point)
    if limit is None:
        return ""
    obj = traj.objective
    if len(obj.minima) > 1:  # each minimum has its own: say whose
        whose = f" of the minimum at {position(obj, reference.point)}"
        word = "the stable limit"
    else:
        whose, word = "", f"this {_shape_word(obj)}'s stable limit"
    if math.isclose(traj.lr, limit, rel_tol=1e-9):
        return f"the learning rate η = {short(traj.lr)} is exactly {word} {short(limit)}{whose}"
    eta, bound = telling_apart(traj.lr, limit)
    side = "above" if traj.lr > limit else "below"
    if math.isclose(traj.lr, limit, rel_tol=1e-3):
        side = f"just {side}"
    return f"the learning rate η = {eta} is {side} {word} {bound}{whose}"


#: f unchanged, to the last bit, over this many epochs: the run has stopped changing it.
FROZEN = 10


def _frozen_epochs(losses) -> int:
    """How many of the last epochs left f exactly as it was (0 if the last one changed it)."""
    losses = np.asarray(losses, dtype=float)
    same = 0
    while same + 1 < len(losses) and losses[-2 - same] == losses[-1]:
        same += 1
    return same


def _tolerance_words(tol: float) -> str:
    return "tolerance 0, which never stops a run early" if tol == 0 else f"tolerance {tol:g}"


def _is_kink(objective: Objective, point, heading) -> bool:
    """Whether the slope next to ``point`` stays steep however close one gets (|x| at 0):
    the gradient 10⁻⁷ away is still a good part of the gradient 10⁻² away."""
    d = np.asarray(heading, dtype=float)
    size = float(np.linalg.norm(d))
    if not size > 0:
        return False
    d, p = d / size, np.asarray(point, dtype=float)
    near = np.linalg.norm(objective.grad(p + 1e-7 * (1 + np.abs(p).max()) * d))
    far = np.linalg.norm(objective.grad(p + 1e-2 * (1 + np.abs(p).max()) * d))
    return bool(np.isfinite(near) and np.isfinite(far) and far > 0 and near > 0.1 * far)


def describe(traj: Trajectory) -> str:
    """One or two plain sentences on how ``traj`` ended, with its numbers."""
    obj, k, x, f = traj.objective, traj.epoch, traj.points[-1], float(traj.losses[-1])
    s = obj.symbol

    if traj.status == "converged":
        if k == 0:
            return (
                f"Converged at the start: the gradient at {position(obj, x)} is already "
                f"below the {_tolerance_words(traj.tol)}, {s} = {fmt(f)}." + _where_landed(obj, x)
            )
        landed = _where_landed(obj, x)
        return f"Converged in {count(k, 'epoch')} to {position(obj, x)}, {s} = {fmt(f)}.{landed}"

    if traj.status == "diverged":
        return _diverged(traj)

    if traj.noise > 0:
        return _noisy(traj)

    if traj.status == "oscillating":
        return _oscillating(traj)

    gnorm = float(np.linalg.norm(traj.grads[-1]))
    if f > traj.losses[0]:
        return (
            f"Not settled after {count(k, 'epoch')}: {s} went from "
            f"{fmt(float(traj.losses[0]))} to {fmt(f)}, now at {position(obj, x)}, "
            f"gradient size {gnorm:.3g}."
        )
    frozen = _frozen_epochs(traj.losses)
    if k >= 2 and frozen >= min(FROZEN, k):
        return _frozen(traj, frozen, gnorm)
    if not still_falling(traj.losses):
        back = min(DESCENDING_EPOCHS, k)
        recent = traj.losses[-1 - back :]
        low, high = telling_apart(float(recent.min()), float(recent.max()))
        return (
            f"Not settled after {count(k, 'epoch')}: {s} is no longer coming down (over the "
            f"last {count(back, 'epoch')} it went up and down between {low} and {high}), now "
            f"at {position(obj, x)}, gradient size {gnorm:.3g} ({_tolerance_words(traj.tol)})."
        )
    text = (
        f"Still descending after {count(k, 'epoch')}: now at {position(obj, x)}, {s} = {fmt(f)}, "
        f"gradient size {gnorm:.3g} ({_tolerance_words(traj.tol)})."
    )
    return text + _pace(traj, gnorm)


def _pace(traj: Trajectory, gnorm: float) -> str:
    """How fast a still-descending run closes in, only as far as the run itself shows it: a
    factor per epoch where the gradient has shrunk by a steady one (with the epochs left to
    the tolerance where η is constant and the optimizer's step follows the gradient), or that
    it shrinks ever more slowly; nothing where it does neither."""
    if not (traj.tol > 0 and gnorm > traj.tol):
        return ""
    rate = shrink_rate(traj.grad_norms)
    if rate is None:
        return ""
    obj, n = traj.objective, rate.epochs
    if rate.kind == "slowing":
        return (
            f" The gradient shrinks ever more slowly (by a factor {short(rate.earlier)} per "
            f"epoch over the middle third of the run, {short(rate.factor)} over the last "
            f"{count(n, 'epoch')}): slower than linear convergence, so no count of the epochs "
            "left is given."
        )
    what = f"the gradient's size by a factor {short(rate.factor)}"
    target = nearest(obj.minima, traj.points[-1])
    if target is not None:  # the minimum it closes in on, where its distance agrees
        d = steady_factor(traj.points, target.point, n)
        if d is not None and abs(math.log(d) - math.log(rate.factor)) <= STEADY * abs(
            math.log(rate.factor)
        ):
            what = (
                f"the distance to the minimum at {position(obj, target.point)} by a factor "
                f"{short(d)}"
            )
    text = f" Each epoch shrinks {what}, steadily over the last {count(n, 'epoch')}"
    lrs = np.asarray(traj.lrs if traj.lrs is not None else [traj.lr])
    if OPTIMIZERS[traj.optimizer].adaptive:
        return text + (
            ": an adaptive optimizer's step keeps changing with its running averages, so no "
            "count of the epochs left is given."
        )
    if lrs.size and np.any(lrs != lrs[-1]):
        return text + ": η changes with its schedule, so no count of the epochs left is given."
    more = rate.epochs_to(gnorm, traj.tol)
    if more is None:
        return text + "."
    return text + f": at that rate about {more} more epochs would reach the tolerance."


def _frozen(traj: Trajectory, frozen: int, gnorm: float) -> str:
    """A run that used every epoch although its last steps no longer changed f at all."""
    obj, k, x, f = traj.objective, traj.epoch, traj.points[-1], traj.losses[-1]
    s = obj.symbol
    kind = landing_kind(obj, x)
    text = (
        f"Still at {position(obj, x)} after {count(k, 'epoch')}, {s} = {fmt(float(f))}: "
        f"the last {count(frozen, 'epoch')} did not change {s} in any digit the computer "
        f"keeps (gradient size {gnorm:.3g})"
    )
    if kind is not None and kind.endswith("minimum"):
        text += ", so the path is at the minimum as closely as floating point can tell."
        text += _where_landed(obj, x)
    else:
        text += f": each step is now too small to change {s}."
    if traj.tol == 0:
        text += f" The {_tolerance_words(0.0)}: this one used all {count(k, 'epoch')}."
    elif gnorm > traj.tol:
        text += (
            f" The gradient is above the tolerance {traj.tol:g}, but more epochs change nothing."
        )
    return text


def _oscillating(traj: Trajectory) -> str:
    """A run that bounces without shrinking its steps: around a minimum, or on its way."""
    obj, k, x, f = traj.objective, traj.epoch, traj.points[-1], float(traj.losses[-1])
    s = obj.symbol
    tail = traj.points[-TAIL - 1 :]
    reference = nearest(obj.minima, tail.mean(axis=0))
    head = f"Oscillating: after {count(k, 'epoch')} the path still bounces back and forth"
    now = f"(now at {position(obj, x)}, {s} = {fmt(f)})"
    if reference is None:
        return f"{head} {now} without its steps getting any smaller."
    target = np.asarray(reference.point, dtype=float)
    d = np.linalg.norm(tail - target, axis=-1)
    steps = np.linalg.norm(np.diff(tail, axis=0), axis=-1)
    where = f"the minimum at {position(obj, reference.point)}"
    factor = steady_factor(traj.points, target)  # only a factor that held
    if d.max() <= steps.max():  # it straddles the minimum, within one step of it
        text = f"{head} across {where}, staying within {short(float(d.max()))} of it {now}"
        if _is_kink(obj, target, tail[-1] - target if d[-1] > 0 else tail[-2] - target):
            slope = float(np.mean(np.linalg.norm(traj.grads[-TAIL - 1 :], axis=-1)))
            text += (
                f": {s} has a kink there, so its slope stays about {short(slope)} however "
                f"close the path gets, and the steps stay about {short(float(steps.mean()))} "
                "long instead of shrinking"
            )
            if traj.optimizer == "gd":
                text += "; a smaller η brings it closer"
            return text + "."
    else:
        third = max(1, len(d) // 3)
        closer = d[-third:].mean() < 0.99 * d[:third].mean()
        text = (
            f"{head} {now}, getting closer to {where} only slowly"
            if closer
            else f"{head} {now} without getting closer to {where}"
        )
    if factor is not None:
        text += f"; each step multiplies the distance to the minimum by {short(factor)}"
    limit = _limit_clause(traj, reference)  # of the minimum named, not the start's
    if limit:
        text += f"; {limit}"
    return text + "."


def _noisy(traj: Trajectory) -> str:
    """A run with gradient noise that did not converge: what the noise does to it.

    The noise-free rate and stability limit are not what such a run does: near a minimum
    the noise keeps kicking the path, so it jitters at a distance set by η and σ."""
    obj, k, x, f = traj.objective, traj.epoch, traj.points[-1], float(traj.losses[-1])
    s, sigma = obj.symbol, f"gradient noise (σ = {traj.noise:g})"
    now = f"now at {position(obj, x)}, {s} = {fmt(f)}"
    tail = traj.points[-TAIL - 1 :]
    reference = nearest(obj.minima, tail.mean(axis=0))
    if f > traj.losses[0]:
        return (
            f"Not settled after {count(k, 'epoch')} with {sigma}: {s} went from "
            f"{fmt(float(traj.losses[0]))} to {fmt(f)}, {now}."
        )
    if reference is None or len(tail) < 10:
        return f"Still descending after {count(k, 'epoch')} with {sigma}: {now}."
    d = np.linalg.norm(tail - np.asarray(reference.point, dtype=float), axis=-1)
    third = len(d) // 3
    where = f"the {reference.kind} at {position(obj, reference.point)}"
    # still closing in: the distance fell from the middle third to the last by more than
    # it jitters within the last (the first third may hold the approach of a settled run)
    drift = d[third : 2 * third].mean() - d[-third:].mean()
    if drift > d[-third:].std():
        start = float(np.linalg.norm(traj.points[0] - np.asarray(reference.point)))
        return (
            f"Still descending after {count(k, 'epoch')} with {sigma}: {now}, "
            f"{short(float(d[-1]))} from {where} (it started {short(start)} away)."
        )
    late = d[len(d) // 2 :]  # the settled half: the first may still hold the approach
    rms = float(np.sqrt(np.mean(late**2)))
    first = "Oscillating:" if traj.status == "oscillating" else "Still moving:"
    return (
        f"{first} with {sigma} the path does not come to rest; over its last "
        f"{count(len(late), 'epoch')} it jitters around {where}, a typical distance "
        f"{short(rms)} from it ({now}). The noise in every step keeps it from settling "
        "closer; a smaller η or less noise brings it closer."
    )


def _growth_words(traj: Trajectory, reference: CriticalPoint | None) -> str | None:
    """How the distance to ``reference`` grew at the end of a diverging run: by a steady
    factor per step where it held over the last RUNAWAY_EPOCHS steps, else from what to what
    (an overflow's last steps grow faster than any one factor); None if it did not grow."""
    if reference is None or traj.epoch == 0:
        return None
    target = np.asarray(reference.point, dtype=float)
    factor = steady_factor(traj.points, target, RUNAWAY_EPOCHS)
    if factor is not None:
        return f"each step multiplied the distance to the minimum by {short(factor)}" if (
            factor > 1
        ) else None  # fmt: skip
    back = min(RUNAWAY_EPOCHS, traj.epoch)
    then, now = np.linalg.norm(traj.points[[-back - 1, -1]] - target, axis=-1)
    if not (np.isfinite(now) and now > then):
        return None
    return (
        f"the distance to the minimum grew from {fmt(float(then))} to {fmt(float(now))} in "
        f"the last {count(back, 'step')}"
    )


def _fall_words(losses, s: str) -> str:
    """How f fell over the last steps of a run falling without bound: faster and faster
    only where the falls grew; by the same amount where they did not."""
    falls = -np.diff(np.asarray(losses, dtype=float)[-RUNAWAY_EPOCHS - 1 :])
    if falls.size and np.all(falls > 0):
        growth = falls[-1] / falls[0]
        if growth >= 1.01:
            return f"{s} falls faster and faster"
        if growth > 0.99:
            return f"{s} keeps falling by the same {short(float(falls.mean()))} every step"
    return f"{s} keeps falling"


def _diverged(traj: Trajectory) -> str:
    """Why a run diverged, from its own numbers; "no lower bound" only where f has none."""
    obj, k, x, f = traj.objective, traj.epoch, traj.points[-1], float(traj.losses[-1])
    s = obj.symbol
    reference = nearest(obj.minima, traj.points[0])  # the one it leaves
    heading = traj.points[-1] - traj.points[-2] if k else None
    falling = k > 0 and f < traj.losses[-2]
    unbounded = traj.reason == "unbounded" or (falling and falls_without_bound(obj, x, heading))
    where = position(obj, x)
    growth = None if unbounded else _growth_words(traj, reference)
    if traj.reason == "overflow":
        cause = (
            f"the next step overflowed, past the largest float (about 1.8 × 10³⁰⁸), from "
            f"{where}, {s} = {fmt(f)}"
        )
        if growth:
            cause += f"; {growth}"
    elif traj.reason == "undefined":
        cause = f"the next step left the region where {s} is defined (last point {where})"
    elif traj.reason == "unbounded":
        cause = (
            f"the path keeps running away ({direction_words(obj, heading)}) while "
            f"{_fall_words(traj.losses, s)}, now {s} = {fmt(f)} at {where}"
        )
    elif growth:
        cause = growth
    else:
        streak = rising_streak(traj.losses)
        cause = (
            f"the loss rose in each of the last {count(streak, 'epoch')}, each rise at least "
            f"the one before, to {s} = {fmt(f)}"
        )
    text = f"Diverged at epoch {k}: {cause}"
    if unbounded:
        text += (
            f": this {_shape_word(obj)} has no lower bound that way "
            f"({s} → −∞ as {direction_words(obj, heading)})"
            if obj.dim == 1 or "∞" in direction_words(obj, heading)
            else f": this {_shape_word(obj)} has no lower bound along that direction"
        )
    limit = _limit_clause(traj, reference)
    if limit and "above" in limit:
        return f"{text}; {limit}. Try η below that."
    return text + "."


def jargon_notes(traj, run: str = "the run", number=None) -> list[str]:
    """Short explanations of the jargon ``traj.message`` uses (the tolerance, the stable
    limit), one per term it mentions, in the objective's letter; none when it uses neither.
    ``number`` writes the tolerance (default: 1e−06 as Python's ``g`` with a true minus).

    >>> from gdviz.descent import descend
    >>> jargon_notes(descend("parabola", 3.0, lr=1.5, epochs=20))[0][:41]
    'The stable limit is 2/λ_max, where λ_max '
    """
    f, message, notes = traj.objective.symbol, traj.message, []
    if "tolerance" in message:
        tol = number(traj.tol) if number else f"{traj.tol:g}".replace("-", "−")
        notes.append(
            f"The tolerance: {run} counts as converged once ‖∇{f}‖, the size of the gradient, "
            f"is {tol} or less."
        )
    if "stable limit" in message:
        notes.append(
            f"The stable limit is 2/λ_max, where λ_max is the steepest curvature of {f} at the "
            "minimum (the largest eigenvalue of its Hessian there): near the minimum, plain "
            "gradient descent with η above it overshoots by more on every step."
        )
    return notes
