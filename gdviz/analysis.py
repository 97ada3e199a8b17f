"""Analysis: stability limits and measured rates, from a run's numbers or the Hessian.

What the banner says about a run is in :mod:`gdviz.messages`; every number it quotes
is computed here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import numpy as np

from .objectives import CriticalPoint, Objective

#: A loss that rose (or fell) this many epochs in a row, each change at least the one
#: before, is running away ...
RUNAWAY_EPOCHS = 8
#: ... and once the last change is this many times the streak's first, the run has shown
#: it (two decades of growth): it stops there (a rising loss only once above its start's).
RUNAWAY_GROWTH = 100.0
#: A rising loss is a runaway only while the iterates grow with it: the last step at least
#: this many times the streak's first, and the point this many times farther from the start
#: than the path had been before the streak (a loss spike of an adaptive optimizer, its
#: step catching up with a steep wall inside the region it has crossed, is not).
RUNAWAY_REACH = 2.0
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


#: Rates over two stretches of a run agree ("steady") within this share of the later one.
STEADY = 0.1
#: A rate that has fallen to this share of an earlier one or less is "slowing".
SLOWING = 0.75
#: Fewest epochs a rate is read over (a third of the run at least this long).
RATE_EPOCHS = 10
#: A count of epochs left is given only while the run's wobble around its steady trend
#: shifts the crossing by at most this share of the count.
COUNT_SPREAD = 0.2


@dataclass(frozen=True)
class Rate:
    """How a positive sequence (‖∇f‖ or a distance, one value per epoch) shrinks, read off
    the run: ``kind`` "linear" (the same factor per epoch over the middle third of the run,
    the last third and the two halves of its last TAIL epochs) or "slowing" (the factor over
    the last third nearer 1 than over the middle third by a clear margin). ``factor`` is
    per epoch over the last ``epochs`` epochs (``earlier``: over the middle third); ``wobble``
    the largest distance of log(value) from its fitted line there."""

    kind: str
    factor: float
    earlier: float
    epochs: int
    wobble: float

    def epochs_to(self, value: float, target: float) -> int | None:
        """Epochs until ``value`` shrinks to ``target`` at this factor, or None where the
        rate is not linear, or the wobble makes the count uncertain by more than
        COUNT_SPREAD of it."""
        if self.kind != "linear" or not 0 < target < value:
            return None
        slope = math.log(self.factor)
        more = math.ceil(math.log(target / value) / slope)
        return more if self.wobble / -slope <= COUNT_SPREAD * more else None


def _slope(y: np.ndarray) -> float:
    """Least-squares slope of ``y`` against 0, 1, 2, ..."""
    x = np.arange(len(y), dtype=float)
    x -= x.mean()
    return float(np.dot(x, y - y.mean()) / np.dot(x, x))


def shrink_rate(values) -> Rate | None:
    """How ``values`` (one per epoch, from epoch 0) shrink at the end of the run, or None
    where they do not shrink steadily or slow down clearly (too short, rising, irregular,
    not all finite and positive).

    >>> shrink_rate(3.0 * 0.9 ** np.arange(60)).kind
    'linear'
    >>> shrink_rate(1.0 / (1.0 + np.arange(300.0))).kind  # 1/k: slower than linear
    'slowing'
    """
    values = np.asarray(values, dtype=float)
    k = len(values) - 1
    third = k // 3
    if third < RATE_EPOCHS or not (np.all(np.isfinite(values)) and np.all(values > 0)):
        return None
    y = np.log(values)
    middle, late = _slope(y[k - 2 * third : k - third + 1]), _slope(y[k - third :])
    window = min(TAIL, third)
    tail = y[-window - 1 :]
    half = window // 2
    first, last = _slope(tail[: half + 1]), _slope(tail[half:])
    if not (late < 0 and last < 0 and middle < 0):
        return None
    x = np.arange(len(tail), dtype=float)
    wobble = float(np.max(np.abs(tail - tail.mean() - last * (x - x.mean()))))
    rate = partial(Rate, factor=math.exp(last), earlier=math.exp(middle), epochs=window,
                   wobble=wobble)  # fmt: skip
    if all(abs(v - last) <= STEADY * abs(last) for v in (middle, late, first)):
        return rate("linear")
    if late >= SLOWING * middle and last >= SLOWING * middle and first < 0:
        return rate("slowing")
    return None


def steady_factor(path: np.ndarray, target, last: int = TAIL) -> float | None:
    """The factor by which each step multiplied the distance to ``target``, where that factor
    held steady over the last ``last`` steps (the two halves' geometric means agree within
    STEADY of its logarithm, or both within 10⁻⁴ of 1); None where it wandered, as in a
    chaotic bounce, or the path touches the target."""
    d = np.linalg.norm(np.asarray(path)[-last - 1 :] - np.asarray(target, dtype=float), axis=-1)
    if len(d) < 5 or not np.all(np.isfinite(d) & (d > 0)):
        return None
    steps = np.diff(np.log(d))
    half = len(steps) // 2
    a, b, whole = steps[:half].mean(), steps[half:].mean(), steps.mean()
    if abs(a - b) <= max(STEADY * abs(whole), 1e-4):
        return float(math.exp(whole))
    return None


#: Epochs over which a run must have lowered f to be called still descending.
DESCENDING_EPOCHS = 10


def still_falling(losses) -> bool:
    """Whether f is still coming down at the end of a run: its last step lowered it, and it
    is lower than DESCENDING_EPOCHS epochs before (a bounce that lowers f now and then
    while climbing is not descending).

    >>> still_falling([5.0, 4.0, 3.0]), still_falling([1.0, 0.1, 2.0, 1.9])
    (True, False)
    """
    losses = np.asarray(losses, dtype=float)
    k = len(losses) - 1
    if k == 0:
        return False
    back = losses[-1 - min(DESCENDING_EPOCHS, k)]
    return bool(losses[-1] < losses[-2] and losses[-1] < back)


def is_bouncing_without_progress(points: np.ndarray) -> bool:
    """True if the tail of a path flips direction step after step without shrinking.

    Bouncing: most consecutive steps point against each other. No progress: the
    mean step size in the last third of the tail is at least ``NO_PROGRESS`` times
    that in the first third.
    """
    return bool(bouncing_without_progress(np.asarray(points)[None])[0])


def bouncing_without_progress(paths: np.ndarray) -> np.ndarray:
    """:func:`is_bouncing_without_progress` for each of a batch of paths (runs, epochs, dim),
    with the same arithmetic per path."""
    steps = np.diff(paths[:, -TAIL - 1 :], axis=1)
    if steps.shape[1] < 6:
        return np.zeros(len(paths), dtype=bool)
    turns = np.sum(steps[:, :-1] * steps[:, 1:], axis=-1) < 0
    sizes = np.linalg.norm(steps, axis=-1)
    third = sizes.shape[1] // 3
    first, last = sizes[:, :third].mean(axis=-1), sizes[:, -third:].mean(axis=-1)
    return (turns.mean(axis=-1) >= 0.5) & (first > 0) & (last >= NO_PROGRESS * first)


class Streak:
    """Consecutive loss changes of one kind (rises, or falls), each at least the one
    before: the signature of geometric growth. Fed one epoch at a time.

    Where the streak began it keeps ``reach``, the farthest the path had been from its
    start until then, and ``step``, the length of the streak's first step (what
    :func:`grows_away` compares the latest point and step with)."""

    def __init__(self):
        self.length, self.first, self.last = 0, 0.0, 0.0
        self.reach, self.step = 0.0, 0.0

    def add(self, size: float | None, reach: float = 0.0, step: float = 0.0) -> None:
        """Extend by a change of ``size`` > 0, or break the streak with None. ``reach`` and
        ``step``: the path's farthest distance from its start before this change, and the
        length of the step that made it (kept when it begins a streak)."""
        if size is None or not size > 0:
            self.length = 0
        elif self.length and size >= self.last:
            self.length += 1
        else:
            self.length, self.first = 1, size
            self.reach, self.step = reach, step
        self.last = size or 0.0

    @property
    def growth(self) -> float:
        """The last change over the first of the streak."""
        return self.last / self.first if self.length else 0.0

    def shown(self) -> bool:
        """Long enough and grown enough to call the run a runaway mid-run."""
        return self.length >= RUNAWAY_EPOCHS and self.growth >= RUNAWAY_GROWTH


def grows_away(streak: Streak, distance: float, step: float) -> bool:
    """Whether the iterates grow with a streak of rises: the point, ``distance`` from the
    start, is at least RUNAWAY_REACH times as far out as the path had been before the streak
    began, and (once the streak has more than one step) the latest ``step`` is at least
    RUNAWAY_REACH times the streak's first.

    >>> s = Streak(); s.add(1.0, reach=3.0, step=0.5); s.add(2.0)
    >>> grows_away(s, 6.0, 1.0), grows_away(s, 5.9, 1.0), grows_away(s, 6.0, 0.9)
    (True, False, False)
    """
    longer = streak.length > 1
    return distance >= RUNAWAY_REACH * streak.reach and (
        not longer or step >= RUNAWAY_REACH * streak.step
    )


def rising_streak(losses) -> int:
    """How many of the last epochs the loss rose in, each rise at least the one before."""
    streak = Streak()
    for change in np.diff(np.asarray(losses, dtype=float)):
        streak.add(change if change > 0 else None)
    return streak.length
