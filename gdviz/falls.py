"""Runs falling without bound, many at once: descend's streak of falls and its probe of f.

descend stops a run as "unbounded" once its loss has fallen faster and faster for a while
along a path that keeps leaving its start (:class:`analysis.Streak` of falls, shown) and f
has no lower bound that way (:func:`bounds.falls_without_bound`). A batch decides the same
for every run with array arithmetic and the same verdicts: :func:`unbounded` probes f for
many runs at once (the same probe points, and the same confirmation in extended
precision), and :class:`Falls` follows each run's streak of falls step by step.
"""

from __future__ import annotations

import numpy as np

from .analysis import RUNAWAY_EPOCHS, RUNAWAY_GROWTH
from .bounds import CHECKS, FLOOR, REACH, _confirmed, falls_without_bound

#: Relative width of the band in which an array test (which may round differently from
#: descend's dot products) is not trusted and the run is decided as descend decides it.
BAND = 1e-9
#: Runs probed together: probes × runs × dim values in one evaluation of f.
PROBED = 1024


def norms(H: np.ndarray) -> np.ndarray:
    """‖h‖ of each column of H (dim, k) as descend's np.linalg.norm computes it: numpy's
    dot of the vector with itself, then the square root (a stack of vector-vector products
    is a dot per column)."""
    rows = np.ascontiguousarray(H.T)
    return np.sqrt(np.matmul(rows[:, None, :], rows[:, :, None])[:, 0, 0])


def unbounded(objective, X: np.ndarray, heading: np.ndarray) -> np.ndarray:
    """:func:`bounds.falls_without_bound` for each column of X (dim, k) along the same
    column of ``heading``: the same probes, and the first CHECKS probes at or below the
    floor confirmed in extended precision as there, all runs at once."""
    k = X.shape[1]
    verdict = np.zeros(k, dtype=bool)
    size = norms(heading)
    moving = np.flatnonzero(np.isfinite(size) & (size > 0))
    for lo in range(0, len(moving), PROBED):
        cols = moving[lo : lo + PROBED]
        d = heading[:, cols] / size[cols]  # bounds.unit
        p = X[:, cols]
        scale = np.maximum(1.0, np.max(np.abs(p), axis=0))
        with np.errstate(all="ignore"):
            reach = REACH[:, None] * scale  # (probes, runs)
            probes = np.empty((len(p), *reach.shape))
            for row, unit, into in zip(p, d, probes, strict=True):  # p + (REACH·scale)·d
                np.add(np.multiply(reach, unit, out=into), row, out=into)
            values = _row_values(objective._f(*probes), reach.shape)
        low = values <= FLOOR
        some = np.flatnonzero(low.any(axis=0))  # runs with a probe at or below the floor
        if not some.size:
            continue
        first = _first(low[:, some], CHECKS)  # the probes falls_without_bound checks
        confirmed = _confirm(objective, probes, values, first, some, len(cols))
        if confirmed is None:  # f cannot be checked on arrays here: run by run, as there
            confirmed = np.zeros(len(cols), dtype=bool)
            for i in some:
                c = cols[i]
                confirmed[i] = falls_without_bound(objective, X[:, c].copy(), heading[:, c].copy())
        verdict[cols] = confirmed
    return verdict


def _confirm(objective, probes, values, first, some, k: int) -> np.ndarray | None:
    """For each of k runs (columns of ``values``), whether one of its ``first`` probes (those
    falls_without_bound checks: its first CHECKS at or below the floor; a column for each
    of the runs ``some``) is confirmed as bounds._confirmed confirms it, or cannot be
    checked (which falls_without_bound takes as confirmed). None where f will not take
    extended-precision arrays."""
    at, run = np.nonzero(first)
    run = some[run]
    confirmed = np.zeros(k, dtype=bool)
    if np.finfo(np.longdouble).eps >= np.finfo(float).eps:
        confirmed[run] = True  # no second opinion: the floor stands
        return confirmed
    points = probes[:, at, run]  # (dim, c)
    narrow = values[at, run]
    with np.errstate(all="ignore"):
        try:
            wide = objective._f(*points.astype(np.longdouble))  # the raw compiled f
        except (TypeError, ValueError, AttributeError):
            return None
        wide = np.broadcast_to(np.asarray(wide), narrow.shape)
        if wide.dtype != np.longdouble:
            return None  # f computed in double: decided one by one, as there
        gap, allowed = np.abs(wide - narrow), 1e-6 * np.abs(wide)
        ok = (narrow <= FLOOR) & (gap <= allowed)
        infinite = np.isinf(wide) | np.isinf(narrow)
        ok = np.where(infinite, (wide == narrow) & (wide == -np.inf), ok)
        ok &= ~np.isnan(wide)
        # where the gap is within a hair of the 6 digits, bounds._confirmed's own verdict
        close = np.flatnonzero(~infinite & (np.abs(gap - allowed) <= BAND * allowed))
    for j in close:
        ok[j] = bool(_confirmed(objective, points[:, j].copy()))
    np.logical_or.at(confirmed, run, ok)
    return confirmed


class Falls:
    """descend's Streak of falls for each of m runs: consecutive falls of the loss, each at
    least the one before, while the path leaves its start (‖x − x₀‖ grows).

    Fed one epoch at a time (:meth:`add`) with the runs' new points and loss changes. The
    distances are summed in the batch's order; where two are within a hair of each other
    the run's own norms decide, as descend computes them.
    """

    def __init__(self, start: np.ndarray, point: np.ndarray, streak=None):
        m = start.shape[1]
        self.start = start  # (dim, m) each run's x₀
        self.length = np.zeros(m, dtype=np.int64)
        self.first, self.last = np.zeros(m), np.zeros(m)
        if streak is not None:  # the streaks so far: (length, first, last)
            self.length, self.first, self.last = (np.array(a) for a in streak)
        self.point = point  # the last point fed (dim, m)
        self.distance = _squares(point - start)

    def leaving(self, point: np.ndarray, distance: np.ndarray | None = None) -> np.ndarray:
        """‖point − x₀‖ > ‖last point − x₀‖ per run, as descend's norms say it; keeps
        ``point`` as the last one. ``distance``: Σ (point − x₀)² per run if already summed
        (in the order of every call's)."""
        if distance is None:
            distance = _squares(point - self.start)
        result = distance > self.distance
        with np.errstate(invalid="ignore"):
            close = np.flatnonzero(
                np.abs(distance - self.distance) <= BAND * np.maximum(distance, self.distance)
            )
        if close.size:  # too close to trust the sums: descend's own norms
            start = self.start[:, close]
            result[close] = norms(point[:, close] - start) > norms(self.point[:, close] - start)
        self.point, self.distance = point, distance
        return result

    def add(self, point: np.ndarray, change: np.ndarray, distance=None) -> None:
        """Streak.add(−change if change < 0 and the path left its start, else None), for
        the new ``point`` (``distance``: as for :meth:`leaving`)."""
        counted = (change < 0) & self.leaving(point, distance)
        size = -change
        grows = counted & (self.length > 0) & (size >= self.last)
        self.length = np.where(counted, np.where(grows, self.length + 1, 1), 0)
        self.first = np.where(counted & ~grows, size, self.first)
        self.last = np.where(counted, size, 0.0)

    def shown(self) -> np.ndarray:
        """Streak.shown per run: long enough, and the last fall RUNAWAY_GROWTH × the first."""
        with np.errstate(all="ignore"):
            return (self.length >= RUNAWAY_EPOCHS) & (self.last / self.first >= RUNAWAY_GROWTH)

    def keep(self, keep) -> None:
        """Only the runs ``keep`` (booleans) from now on."""
        for name in ("start", "point"):
            setattr(self, name, np.compress(keep, getattr(self, name), axis=-1))
        for name in ("length", "first", "last", "distance"):
            setattr(self, name, getattr(self, name)[keep])


def _first(low: np.ndarray, n: int) -> np.ndarray:
    """The first n True of each column of ``low`` (probes, runs), in probe order (a row at a
    time: numpy's cumulative sum down the columns is several times slower)."""
    first = np.empty_like(low)
    count = np.zeros(low.shape[1], dtype=np.int16)
    for row, into in zip(low, first, strict=True):
        count += row
        np.logical_and(row, count <= n, out=into)
    return first


def _row_values(values, shape) -> np.ndarray:
    """f's values as Objective.f returns them: floats, a constant spread over the shape."""
    return np.broadcast_to(np.asarray(values, dtype=float), shape)


def _squares(D: np.ndarray) -> np.ndarray:
    """Σ d² over the coordinates (rows) of D, in their order."""
    total = D[0] * D[0]
    for row in D[1:]:
        total += row * row
    return total


class ChunkFalls:
    """Each run's streak of falls at the chunk ends of the batch's fast loop, where f's
    formula shows no lower bound (so a run may stop on a fall without bound).

    The loop keeps each chunk's losses and points; at its end :meth:`read` reads the
    streaks along them from the streaks at the chunk's start. Only runs whose falls grew
    somewhere in the chunk (a fall at least the one before) are read step by step, and
    stopped where a streak shows on a fall without bound; for every other run the streak
    is at most its last fall, if the path left its start then. Runs stepped again with
    every test (batch._replay) follow theirs there, from :meth:`at_start`.
    """

    def __init__(self, start: np.ndarray):
        m = start.shape[1]
        self.start = start  # (dim, m) each run's x₀
        self.length = np.zeros(m, dtype=np.int64)
        self.first, self.last = np.zeros(m), np.zeros(m)
        self.change = np.zeros(m)  # each run's last change of the loss, before the chunk

    def at_start(self, which, point) -> Falls:
        """The streaks of the runs ``which`` (positions) at the chunk's start, ``point``
        (dim, k) theirs, to follow step by step."""
        streak = (self.length[which], self.first[which], self.last[which])
        return Falls(self.start[:, which], point, streak)

    def put(self, which, falls: Falls) -> None:
        """The streaks of the runs ``which`` at the chunk's end, followed in ``falls``."""
        self.length[which], self.first[which], self.last[which] = (falls.length, falls.first,
                                                                   falls.last)  # fmt: skip

    def read(self, objective, losses, points, skip) -> tuple[np.ndarray, np.ndarray]:
        """The chunk's ``losses`` (epochs + 1, m) and ``points`` (epochs + 1, dim, m) of
        every run, from its start: each run's streak at its end, except the runs ``skip``
        (stepped again with every test, which follow their own), and the runs that stop
        on a fall without bound in the chunk: (their positions, the step of the chunk each
        stops at, 1 for its first).

        A streak grows only by a link: a fall at least the one before (and the path
        leaving). Where a run has no RUNAWAY_EPOCHS − 1 links in a row in the chunk, its
        streak cannot show there, and its streak at the end starts at its last run of
        links (read from there) or is its last fall alone; only the others are read along
        the whole chunk from the streak at its start."""
        change = np.diff(losses, axis=0)
        earlier = np.concatenate([self.change[None], change[:-1]])
        self.change = change[-1].copy()
        links = (change < 0) & (earlier < 0) & (change <= earlier)
        size = len(change)
        trailing = np.zeros(links.shape[1], dtype=np.int64)  # links in a row, at the end
        longest = np.zeros_like(trailing)  # and the most anywhere
        leading = np.zeros_like(trailing)  # and from the chunk's start (on its streak)
        open_ = np.ones(links.shape[1], dtype=bool)
        for row in links:
            trailing = (trailing + 1) * row
            np.maximum(longest, trailing, out=longest)
            open_ &= row
            leading += open_
        full = (longest >= RUNAWAY_EPOCHS - 1) | (trailing == size)
        full |= (leading > 0) & (self.length + leading >= RUNAWAY_EPOCHS)
        full &= ~skip
        # the streak at the end from its last run of links: fed from none a little before
        # (a run of links begins where the loss's own falls stop growing: a streak too)
        tail = np.flatnonzero(~full & ~skip & (trailing > 0))
        if tail.size:
            back = int(trailing[tail].max()) + 1  # changes to feed
            falls = Falls(self.start[:, tail], points[-1 - back][:, tail])
            for t in range(size - back, size):
                falls.add(points[t + 1][:, tail], change[t, tail])
            self.put(tail, falls)
        # no link at the end: a streak of one at most, as it ends
        simple = np.flatnonzero(~full & ~skip & (trailing == 0))
        fall = simple[change[-1, simple] < 0]
        left = Falls(self.start[:, fall], points[-2][:, fall]).leaving(points[-1][:, fall])
        self.length[simple], self.last[simple] = 0, 0.0
        counted = fall[left]
        self.length[counted] = 1
        self.first[counted] = self.last[counted] = -change[-1, counted]
        # the rest, step by step from the chunk's start
        full = np.flatnonzero(full)
        if not full.size:
            return full, full
        falls = self.at_start(full, points[0][:, full])
        going = np.ones(len(full), dtype=bool)
        step = np.zeros(len(full), dtype=np.int64)
        for t in range(1, len(points)):
            falls.add(points[t][:, full], change[t - 1, full])
            shown = np.flatnonzero(going & falls.shown())
            if shown.size:
                here, before = points[t][:, full[shown]], points[t - 1][:, full[shown]]
                fell = shown[unbounded(objective, here, here - before)]
                going[fell], step[fell] = False, t
        self.put(full, falls)
        return full[~going], step[~going]

    def at_end(self, objective, positions, run: int, X, X_before) -> np.ndarray:
        """descent._end_status's test of a fall without bound for the runs ``positions``
        that used every epoch (``run``: the streak it needs; X and X_before, their last two
        points (dim, k)): which of them diverged on it."""
        long = self.length[positions] >= run
        verdict = np.zeros(len(positions), dtype=bool)
        if long.any():
            here = X[:, long]
            verdict[long] = unbounded(objective, here, here - X_before[:, long])
        return verdict

    def take(self, keep) -> None:
        """Only the runs ``keep`` (booleans) from now on."""
        self.start = np.compress(keep, self.start, axis=-1)
        for name in ("length", "first", "last", "change"):
            setattr(self, name, getattr(self, name)[keep])
