"""Batched descent: many runs of one optimizer on one objective, in one vectorized pass.

Every run in a batch ends exactly as :func:`gdviz.descend` ends it alone: the same stop
epoch, status and reason, and the same final point and loss, bit for bit (the arithmetic
is the same elementwise IEEE arithmetic, only on arrays). The stopping rules are
descend's, applied per run at every step with cheap array tests over the runs still going;
the few runs a test flags are then decided exactly as descend decides them. A run that
stops leaves the arrays at once, so no further arithmetic is done on it.

Inside, points are coordinate-major, shape (dim, runs): each coordinate is one contiguous
row, which is what the compiled f and ∇f take.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import checks
from .analysis import RUNAWAY_EPOCHS, RUNAWAY_GROWTH, TAIL, bouncing_without_progress
from .bounds import falls_without_bound
from .descent import DEFAULT_TOL, STATUSES
from .numbers import position
from .objectives import Objective, _OnFirstCall, get_objective
from .optimizers import OPTIMIZERS, get_optimizer

#: How descend says which test ended a run, for each status (see descent.run).
REASONS = ("gradient", "overflow", "undefined", "runaway", "unbounded", "bouncing", "epochs")
_STATUS_OF = {
    "gradient": "converged",
    "overflow": "diverged",
    "undefined": "diverged",
    "runaway": "diverged",
    "unbounded": "diverged",
    "bouncing": "oscillating",
    "epochs": "max_epochs",
}
GRADIENT, OVERFLOW, UNDEFINED, RUNAWAY, UNBOUNDED, BOUNCING, EPOCHS = range(len(REASONS))
#: Runs stepped together: a block's arrays stay in the processor's cache between steps.
BLOCK = 8192
#: Relative width of the band in which an array test (which may round differently from
#: descend's dot products) is not trusted and the run is decided as descend decides it.
_BAND = 1e-9
#: Squares this small may have underflowed differently: decided exactly too.
_TINY = 1e-300


@dataclass(frozen=True, eq=False)
class BatchResult:
    """How every run of a batch ended: run i is ``descend`` from ``starts[i]``.

    ``paths[i, k]`` is run i's point at epoch k and ``losses[i, k]`` its loss (only when
    asked for with ``paths=True``). Past a run's stop epoch its rows repeat its last point
    and loss, so nothing in them is NaN; :meth:`path` gives a run's path up to its stop.
    """

    objective: Objective
    optimizer: str
    lr: np.ndarray  # (n,)
    epochs: int
    tol: float
    final_points: np.ndarray  # (n, dim)
    final_losses: np.ndarray  # (n,)
    statuses: np.ndarray  # (n,) words from STATUSES
    reasons: np.ndarray  # (n,) words from REASONS, as Trajectory.reason
    stop_epochs: np.ndarray  # (n,) the epoch each run stopped at (Trajectory.epoch)
    paths: np.ndarray | None = None  # (n, epochs + 1, dim)
    losses: np.ndarray | None = None  # (n, epochs + 1)
    hyper: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.final_losses)

    def path(self, i: int) -> np.ndarray:
        """Run i's points from its start to its stop epoch, shape (stop + 1, dim)."""
        return self._recorded("paths")[i, : self.stop_epochs[i] + 1]

    def path_losses(self, i: int) -> np.ndarray:
        """Run i's loss at each epoch to its stop, shape (stop + 1,)."""
        return self._recorded("losses")[i, : self.stop_epochs[i] + 1]

    def counts(self) -> dict[str, int]:
        """How many runs ended with each status."""
        return {s: int(np.count_nonzero(self.statuses == s)) for s in STATUSES}

    def _recorded(self, name):
        value = getattr(self, name)
        if value is None:
            raise ValueError(f"no {name} recorded: run descend_batch with paths=True")
        return value

    def __repr__(self) -> str:
        counts = ", ".join(f"{s}={c}" for s, c in self.counts().items() if c)
        return (
            f"BatchResult({self.objective.slug!r}, {self.optimizer}, runs={len(self)}, "
            f"epochs={self.epochs}, {counts})"
        )


def descend_batch(
    objective: Objective | str,
    starts,
    *,
    lr,
    epochs: int,
    optimizer: str = "gd",
    tol: float = DEFAULT_TOL,
    paths: bool = False,
    **hyper,
) -> BatchResult:
    """Run ``optimizer`` on ``objective`` from each of ``starts``, all at once.

    ``starts`` has shape (n, dim), or (n,) for a function of one variable. ``lr`` and
    each hyperparameter are one value for every run or an array of n values, one per run
    (a pair such as Adam's ``betas`` per run: shape (n, 2)). Run i ends exactly as
    ``descend(objective, starts[i], lr=lr[i], epochs=epochs, optimizer=optimizer,
    tol=tol, **hyper_i)`` ends. Runs with the same hyperparameters step together; each
    distinct set of per-run hyperparameters is one more pass.

    >>> result = descend_batch("parabola", [3.0, -1.0], lr=[0.5, 1.5], epochs=50)
    >>> result.statuses.tolist()
    ['converged', 'diverged']
    """
    objective = get_objective(objective)
    X = _check_starts(objective, starts)
    n = X.shape[1]
    rates = _check_rates(lr, n)
    epochs = checks.whole("epochs", epochs, low=1)
    tol = checks.number("tol", tol, low=0.0)
    groups = _hyper_groups(optimizer, hyper, n)
    evaluate = _evaluator(objective)
    with np.errstate(all="ignore"):
        loss, G = evaluate(X)
    _check_defined(objective, X, loss, G)

    out = _Outcome(n, objective.dim, epochs, paths)
    for members, group_hyper in groups:
        update = get_optimizer(optimizer, **group_hyper)
        for lo in range(0, len(members), BLOCK):
            runs = members[lo : lo + BLOCK]
            with np.errstate(all="ignore"):
                _run_block(
                    objective, evaluate, update, epochs, tol, out, runs,
                    X[:, runs], loss[runs], G[:, runs], rates[runs],
                )  # fmt: skip
    return out.result(objective, optimizer, rates, epochs, tol, hyper)


def usable_starts(objective: Objective | str, starts) -> np.ndarray:
    """Which of ``starts`` a run can begin from: finite, f defined and finite, ∇f finite
    there (descend and descend_batch refuse the others). Shape (n,), booleans."""
    objective = get_objective(objective)
    X = _as_coordinates(objective, starts)
    with np.errstate(all="ignore"):
        ok = np.isfinite(X).all(axis=0)
        loss, G = _evaluator(objective)(np.where(ok, X, 0.0))
        return ok & np.isfinite(loss) & np.isfinite(G).all(axis=0)


# ---- checking the arguments ----------------------------------------------------------------


def _as_coordinates(objective: Objective, starts) -> np.ndarray:
    """``starts`` as an array (dim, n) of floats, or a message saying the shape expected."""
    dim = objective.dim
    names = ", ".join(map(str, objective.variables))
    expected = f"(n, {dim})" + (" or (n,)" if dim == 1 else "")
    try:
        array = np.array(starts, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"starts must be numbers in an array of shape {expected} for "
            f"{objective.slug} ({names}), got {starts!r}"
        ) from None
    if dim == 1 and array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[1] != dim or array.shape[0] == 0:
        raise ValueError(
            f"starts must have shape {expected} for {objective.slug} ({names}), "
            f"got shape {array.shape}"
        )
    return np.ascontiguousarray(array.T)


def _check_starts(objective: Objective, starts) -> np.ndarray:
    X = _as_coordinates(objective, starts)
    bad = np.flatnonzero(~np.isfinite(X).all(axis=0))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"starts must be finite numbers, got {X[:, i].tolist()} at start {i}"
            + (f" (and {bad.size - 1} more)" if bad.size > 1 else "")
        )
    return X


def _check_rates(lr, n: int) -> np.ndarray:
    """``lr`` as n learning rates, each finite and > 0."""
    try:
        rates = np.array(lr, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"lr must be a number or {n} numbers, got {lr!r}") from None
    if rates.ndim == 0:
        checks.number("lr", lr if not isinstance(lr, np.ndarray) else rates.item(), low=0.0,
                      low_open=True)  # fmt: skip
        return np.full(n, float(rates))
    if rates.shape != (n,):
        raise ValueError(
            f"lr must be a number or an array of shape ({n},), one per start, "
            f"got shape {rates.shape}"
        )
    bad = np.flatnonzero(~(np.isfinite(rates) & (rates > 0)))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"lr must be > 0 and finite for every run, got {rates[i]!r} at run {i}")
    return rates


def _check_defined(objective: Objective, X, loss, G) -> None:
    """descend's refusals of a start, for the first start that has one."""
    s = objective.symbol
    nan, huge = np.isnan(loss), ~np.isnan(loss) & ~np.isfinite(loss)
    kink = np.isfinite(loss) & ~np.isfinite(G).all(axis=0)
    for bad, why in (
        (nan, f"{s} is not defined at the start {{where}}{{more}}: start where it has a value"),
        (huge, f"{s} is too large to compute at the start {{where}}{{more}} (it overflows): "
               "start where its values are smaller"),
        (kink, f"the gradient of {s} is not defined at the start {{where}}{{more}} "
               "(a kink, like |x| at 0): start somewhere else"),
    ):  # fmt: skip
        where = np.flatnonzero(bad)
        if where.size:
            i = int(where[0])
            more = f" (start {i}" + (f", and {where.size - 1} more)" if where.size > 1 else ")")
            raise ValueError(why.format(where=position(objective, X[:, i]), more=more))


def _hyper_groups(optimizer: str, hyper: dict, n: int) -> list[tuple[np.ndarray, dict]]:
    """The runs that share hyperparameters, and those hyperparameters as descend takes them."""
    spec = checks.one_of("optimizer", optimizer, OPTIMIZERS)
    defaults = spec.defaults
    columns, scalars = {}, {}
    for name, value in hyper.items():
        default = defaults.get(name)
        width = len(default) if isinstance(default, tuple) else 0
        per_run = _per_run(name, value, n, width)
        (columns if per_run is not None else scalars)[name] = per_run if per_run is not None \
            else value  # fmt: skip
    everyone = np.arange(n)
    if not columns:
        return [(everyone, dict(hyper))]
    names = list(columns)
    table = np.column_stack([columns[k].reshape(n, -1) for k in names])
    rows, which = np.unique(table, axis=0, return_inverse=True)
    which = which.reshape(-1)
    groups = []
    for g, row in enumerate(rows):
        values, at = {}, 0
        for name in names:
            width = columns[name].reshape(n, -1).shape[1]
            cells = row[at : at + width]
            at += width
            default = defaults.get(name)
            if isinstance(default, tuple):
                values[name] = tuple(float(c) for c in cells)
            elif isinstance(default, bool):
                values[name] = bool(cells[0])
            else:
                values[name] = float(cells[0])
        groups.append((np.flatnonzero(which == g), {**scalars, **values}))
    return groups


def _per_run(name: str, value, n: int, width: int) -> np.ndarray | None:
    """A hyperparameter given per run, as an array of n rows; None if it is one value."""
    if isinstance(value, str):
        return None
    try:
        array = np.array(value, dtype=float)
    except (TypeError, ValueError):
        return None  # not numbers: get_optimizer says what it expected
    if array.ndim == (1 if width else 0):
        return None
    if width and array.shape == (width, n) and not (width == n and isinstance(value, np.ndarray)):
        array = array.T  # a pair of per-run arrays, (β₁ values, β₂ values)
    shape = (n, width) if width else (n,)
    if array.shape != shape:
        one = f"{width} numbers" if width else "one value"
        raise ValueError(
            f"{name} must be {one} for every run or an array of shape {shape}, one per "
            f"start, got shape {array.shape}"
        )
    return array


# ---- the loop ------------------------------------------------------------------------------


def _evaluator(objective: Objective):
    """``evaluate(X) -> (f, ∇f)`` at points X (dim, m): shapes (m,) and (dim, m).

    A built-in or typed function computes both in one compiled pass; other objectives
    (the fit page's losses) take their f and ∇f from their own array functions.
    """
    both = objective._value_and_grad
    if isinstance(both, _OnFirstCall):

        def evaluate(X):
            value, *grad = both(*X)
            return _row(value, X.shape[1]), _rows(grad, X.shape[1])

    else:
        f, gradient = objective._f, objective._grad

        def evaluate(X):
            return _row(f(*X), X.shape[1]), _rows(gradient(*X), X.shape[1])

    return evaluate


def _row(value, m: int) -> np.ndarray:
    value = np.asarray(value, dtype=float)
    return value if value.shape == (m,) else np.broadcast_to(value, (m,))


def _rows(parts, m: int) -> np.ndarray:
    return np.stack([_row(p, m) for p in parts])


def _squares(G: np.ndarray) -> np.ndarray:
    """Σ g² per run: a test value; exact decisions go through _norm."""
    return np.einsum("ij,ij->j", G, G)


def _norm(v: np.ndarray) -> float:
    """‖v‖ of one run's vector exactly as descend computes it (numpy's dot, then sqrt)."""
    v = np.ascontiguousarray(v)
    return math.sqrt(v @ v)


def _norms_exceed(A: np.ndarray, B: np.ndarray, C: np.ndarray) -> np.ndarray:
    """‖A − C‖ > ‖B − C‖ per column, as descend's np.linalg.norm would say it."""
    a, b = _squares(A - C), _squares(B - C)
    result = a > b
    close = np.flatnonzero(np.abs(a - b) <= _BAND * np.maximum(a, b))
    for j in close:  # too close to trust the array arithmetic: descend's own norms
        result[j] = np.linalg.norm(A[:, j] - C[:, j]) > np.linalg.norm(B[:, j] - C[:, j])
    return result


def _within(s: np.ndarray, G: np.ndarray, tol: float, positions: np.ndarray) -> np.ndarray:
    """Those of ``positions`` where ‖∇f‖ ≤ tol, decided as descend decides it."""
    t2 = tol * tol
    sure = s[positions] < t2 * (1 - _BAND)
    unsure = positions[~sure & (s[positions] <= t2 * (1 + _BAND) + _TINY)]
    exact = [j for j in unsure if _norm(G[:, j]) <= tol]
    return np.sort(np.concatenate([positions[sure], np.array(exact, dtype=int)]))


class _Outcome:
    """Per-run results, written as runs stop."""

    def __init__(self, n: int, dim: int, epochs: int, record: bool):
        self.reason = np.full(n, -1, dtype=np.int8)
        self.stop = np.zeros(n, dtype=np.int64)
        self.final = np.empty((dim, n))
        self.final_loss = np.empty(n)
        self.paths = np.empty((n, epochs + 1, dim)) if record else None
        self.losses = np.empty((n, epochs + 1)) if record else None

    def end(self, runs, why: int, epoch: int, points, values) -> None:
        self.reason[runs] = why
        self.stop[runs] = epoch
        self.final[:, runs] = points
        self.final_loss[runs] = values

    def result(self, objective, optimizer, rates, epochs, tol, hyper) -> BatchResult:
        reasons = np.asarray(REASONS)[self.reason]
        statuses = np.asarray([_STATUS_OF[r] for r in REASONS])[self.reason]
        final = np.ascontiguousarray(self.final.T)
        paths, losses = self.paths, self.losses
        if paths is not None:  # past its stop, a run's rows hold its last point and loss
            after = np.arange(epochs + 1)[None, :] > self.stop[:, None]
            paths[after] = np.broadcast_to(final[:, None, :], paths.shape)[after]
            losses[after] = np.broadcast_to(self.final_loss[:, None], losses.shape)[after]
        return BatchResult(
            objective=objective,
            optimizer=optimizer,
            lr=rates,
            epochs=epochs,
            tol=tol,
            final_points=final,
            final_losses=self.final_loss,
            statuses=statuses,
            reasons=reasons,
            stop_epochs=self.stop,
            paths=paths,
            losses=losses,
            hyper=dict(hyper),
        )


class _Streaks:
    """analysis.Streak for every run of a block, kept only where it matters.

    A streak can reach RUNAWAY_EPOCHS only by growing one epoch at a time, and it grows at
    epoch j only if the change at j is at least the change at j − 1 in the same direction.
    Only those runs are updated (``extend``); any other run's streak at j − 1 is 0 or 1
    long and follows from the change at j − 1 alone, so it is never stored.
    """

    def __init__(self, m: int):
        self.length = np.zeros(m, dtype=np.int64)
        self.first = np.zeros(m)
        self.epoch = np.full(m, -1, dtype=np.int64)  # the epoch the stored streak is for

    def extend(self, runs, size, before, j: int) -> np.ndarray:
        """Grow the streaks of ``runs`` by changes of ``size`` at epoch j (``before``: the
        change at j − 1, which started the streak unless it was stored); True where the
        streak now shows a runaway (Streak.shown)."""
        stored = self.epoch[runs] == j - 1
        length = np.where(stored, self.length[runs], 1) + 1
        first = np.where(stored, self.first[runs], before)
        self.length[runs], self.first[runs], self.epoch[runs] = length, first, j
        return (length >= RUNAWAY_EPOCHS) & (size / first >= RUNAWAY_GROWTH)

    def lengths(self, runs, j: int, qualifies) -> np.ndarray:
        """The streak lengths of ``runs`` after epoch j; ``qualifies``: the change at j
        counted for this streak."""
        return np.where(self.epoch[runs] == j, self.length[runs], qualifies.astype(np.int64))


def _take(keep, *arrays):
    return tuple(a[..., keep] for a in arrays)


def _take_state(state, keep, m: int):
    """The optimizer state of the runs ``keep``: per-run arrays have m runs on the last axis."""
    if not isinstance(state, tuple) or not state:
        return state
    parts = [
        p[..., keep] if isinstance(p, np.ndarray) and p.ndim and p.shape[-1] == m else p
        for p in state
    ]
    return type(state)(*parts) if hasattr(state, "_fields") else tuple(parts)


def _run_block(objective, evaluate, update, epochs, tol, out, runs, X, loss, G, lr) -> None:
    """Descend from the starts X (dim, m) of the batch's ``runs``; results go to ``out``.

    Mirrors descent.run step for step; the comments name the test there.
    """
    m = X.shape[1]
    start, loss0 = X, loss
    rises, falls = _Streaks(m), _Streaks(m)
    active = np.arange(m)  # positions in the block of the runs still going
    state = update.init(X)
    s = _squares(G)
    X_before = X  # the point before X (read only once a change before exists)
    change_before = np.full(m, np.nan)
    tail_from = max(0, epochs - TAIL)  # the bouncing test reads the last TAIL + 1 points
    tail = [(active, X)] if tail_from == 0 else []
    record = out.paths is not None
    if record:
        out.paths[runs, 0], out.losses[runs, 0] = X.T, loss
    t_hi = tol * tol * (1 + _BAND) + _TINY

    for k in range(epochs):  # X is the point at epoch k
        stopped = []
        if tol > 0 and s.min() <= t_hi:  # converged: ‖∇f‖ ≤ tol
            done = _within(s, G, tol, np.flatnonzero(s <= t_hi))
            if done.size:
                out.end(runs[active[done]], GRADIENT, k, X[:, done], loss[done])
                keep = np.ones(len(active), bool)
                keep[done] = False
                X, X_before, G, loss, s, change_before, lr, active = _take(
                    keep, X, X_before, G, loss, s, change_before, lr, active
                )
                state = _take_state(state, keep, len(keep))
                if not active.size:
                    return
        delta, state = update.step(G, state, X, lr)
        X_new = X + delta
        loss_new, G_new = evaluate(X_new)
        s_new = _squares(G_new)
        if not math.isfinite(loss_new.sum() + s_new.sum() + X_new.sum()):
            # a non-finite value somewhere (or only a sum too big): find the runs
            z = np.flatnonzero(~(np.isfinite(loss_new) & np.isfinite(s_new)
                                 & np.isfinite(X_new).all(axis=0)))  # fmt: skip
            over = ~np.isfinite(X_new[:, z]).all(axis=0) | (np.abs(loss_new[z]) == math.inf)
            undefined = ~over & ~(np.isfinite(loss_new[z]) & np.isfinite(G_new[:, z]).all(axis=0))
            for why, which in ((OVERFLOW, z[over]), (UNDEFINED, z[undefined])):
                if which.size:  # the run ends at its last finite point, as descend's
                    out.end(runs[active[which]], why, k, X[:, which], loss[which])
            bad = z[over | undefined]
            if bad.size:
                keep = np.ones(len(active), bool)
                keep[bad] = False
                X, X_before, G, loss, s, change_before, lr, active = _take(
                    keep, X, X_before, G, loss, s, change_before, lr, active
                )
                X_new, G_new, loss_new, s_new = _take(keep, X_new, G_new, loss_new, s_new)
                state = _take_state(state, keep, len(keep))
                if not active.size:
                    return
        j = k + 1
        change = loss_new - loss
        # a streak can only grow where this change is at least the last, the same way
        # (NaN where both are 0 or both infinite: let the exact tests below decide those)
        grow = np.flatnonzero(~(change / change_before < 1.0))
        if grow.size:
            now, before = change[grow], change_before[grow]
            up = grow[(before > 0) & (now >= before)]
            if up.size:  # rises.shown(): the loss keeps rising faster
                shown = rises.extend(active[up], change[up], change_before[up], j)
                stopped.append((RUNAWAY, up[shown]))
            down = grow[(before < 0) & (now <= before)]
            if down.size:  # falling faster, and moving away from the start both times
                a = start[:, active[down]]
                leaving = _norms_exceed(X_new[:, down], X[:, down], a)
                leaving &= _norms_exceed(X[:, down], X_before[:, down], a)
                down = down[leaving]
                shown = falls.extend(active[down], -change[down], -change_before[down], j)
                unbounded = [
                    i for i in down[shown]
                    if falls_without_bound(objective, X_new[:, i].copy(), X_new[:, i] - X[:, i])
                ]  # fmt: skip
                stopped.append((UNBOUNDED, np.array(unbounded, dtype=int)))
        if record:
            out.paths[runs[active], j], out.losses[runs[active], j] = X_new.T, loss_new
        if j >= tail_from:
            tail.append((active, X_new))
        X_before, X, G, loss, s, change_before = X, X_new, G_new, loss_new, s_new, change
        ended = [which for _, which in stopped if which.size]
        if ended:
            for why, which in stopped:
                if which.size:
                    out.end(runs[active[which]], why, j, X[:, which], loss[which])
            keep = np.ones(len(active), bool)
            keep[np.concatenate(ended)] = False
            X, X_before, G, loss, s, change_before, lr, active = _take(
                keep, X, X_before, G, loss, s, change_before, lr, active
            )
            state = _take_state(state, keep, len(keep))
            if not active.size:
                return

    _end_status(objective, out, runs, epochs, tol, active, X, X_before, G, loss, s,
                change_before, start, loss0, rises, falls, tail)  # fmt: skip


def _end_status(objective, out, runs, epochs, tol, active, X, X_before, G, loss, s, change,
                start, loss0, rises, falls, tail) -> None:  # fmt: skip
    """descent._end_status for the runs that used all their epochs."""
    m = len(active)
    why = np.full(m, -1, dtype=np.int8)
    run = min(RUNAWAY_EPOCHS, epochs)
    why[_within(s, G, tol, np.arange(m))] = GRADIENT
    open_ = why < 0
    rising = rises.lengths(active, epochs, change > 0) >= run
    why[open_ & rising & (loss > loss0[active])] = RUNAWAY
    open_ = why < 0
    candidates = np.flatnonzero(open_ & (change < 0))
    if candidates.size:
        a = start[:, active[candidates]]
        leaving = _norms_exceed(X[:, candidates], X_before[:, candidates], a)
        length = falls.lengths(active[candidates], epochs, leaving)
        for i in candidates[length >= run]:
            if falls_without_bound(objective, X[:, i].copy(), X[:, i] - X_before[:, i]):
                why[i] = UNBOUNDED
    open_ = np.flatnonzero(why < 0)
    if open_.size:
        final = active[open_]
        points = np.stack(
            [Xt[:, np.searchsorted(at, final)].T for at, Xt in tail], axis=1
        )  # (runs, epochs in the tail, dim)
        bouncing = bouncing_without_progress(points)
        why[open_] = np.where(bouncing, BOUNCING, EPOCHS)
    out.end(runs[active], why, epochs, X, loss)
