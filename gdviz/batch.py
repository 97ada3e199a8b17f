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
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from . import checks
from .analysis import (
    NO_PROGRESS,
    RUNAWAY_EPOCHS,
    RUNAWAY_GROWTH,
    TAIL,
    bouncing_without_progress,
)
from .bounds import FLOOR, REACH, falls_without_bound
from .descent import DEFAULT_TOL, STATUSES, descend
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
#: Fewer runs than this (with the same hyperparameters) are run by descend itself: its
#: loop over numpy scalars beats array calls on one or two runs (12 µs a step, not 30).
FEW = 3
#: Runs stepped together: a block's arrays stay in the processor's cache between steps.
BLOCK = 8192
#: Epochs of each block kept to read streaks back from (and the bouncing test's tail).
HISTORY = max(64, TAIL + 1)
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
    distinct set of per-run hyperparameters is one more pass. (The fit page's losses sum
    their samples in chunks of ``fit.CHUNK`` values: with more than CHUNK / 8192 samples a
    batch sums them in other chunks than a single run, and may differ in the last bits.)

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
        loss, G, _ = evaluate(X)
    _check_defined(objective, X, loss, G)

    out = _Outcome(n, objective.dim, epochs, paths)
    for members, group_hyper in groups:
        update = get_optimizer(optimizer, **group_hyper)

        def alone(i, group_hyper=group_hyper):  # run i by itself, for the rare long streak
            return descend(objective, X[:, i], lr=rates[i], epochs=epochs,
                           optimizer=optimizer, tol=tol, **group_hyper)  # fmt: skip

        if len(members) < FEW:  # descend's scalar loop is the faster way for one or two
            for i in members:
                out.end_run(i, alone(i))
            continue
        for lo in range(0, len(members), BLOCK):
            runs = members[lo : lo + BLOCK]
            with np.errstate(all="ignore"):
                _run_block(
                    objective, evaluate, update, epochs, tol, out, runs,
                    X[:, runs], loss[runs], G[:, runs], rates[runs], alone,
                )  # fmt: skip
    return out.result(objective, optimizer, rates, epochs, tol, hyper)


def usable_starts(objective: Objective | str, starts) -> np.ndarray:
    """Which of ``starts`` a run can begin from: finite, f defined and finite, ∇f finite
    there (descend and descend_batch refuse the others). Shape (n,), booleans."""
    objective = get_objective(objective)
    X = _as_coordinates(objective, starts)
    with np.errstate(all="ignore"):
        ok = np.isfinite(X).all(axis=0)
        loss, G, _ = _evaluator(objective)(np.where(ok, X, 0.0))
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
    """``evaluate(X) -> (f, ∇f, Σ g²)`` at points X (dim, m): shapes (m,), (dim, m), (m,).

    A built-in or typed function computes f and ∇f in one compiled pass; other objectives
    (the fit page's losses) take them from their own array functions. Σ g² is a test
    value only: exact decisions on ‖∇f‖ go through _norm.
    """
    both = objective._value_and_grad
    if isinstance(both, _OnFirstCall):

        def parts(X):
            value, *grad = both(*X)
            return value, grad

    else:
        f, gradient = objective._f, objective._grad

        def parts(X):
            return f(*X), gradient(*X)

    def evaluate(X):
        m = X.shape[1]
        value, grad = parts(X)
        grad = [_row(g, m) for g in grad]
        squares = grad[0] * grad[0]
        for g in grad[1:]:
            squares += g * g
        return _row(value, m), np.stack(grad), squares

    return evaluate


def _row(value, m: int) -> np.ndarray:
    value = np.asarray(value, dtype=float)
    return value if value.shape == (m,) else np.broadcast_to(value, (m,))


def _squares(G: np.ndarray) -> np.ndarray:
    """Σ g² per column: a test value; exact decisions go through _norm."""
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

    def end_run(self, run: int, trajectory) -> None:
        """Run ``run`` as descend ran it alone."""
        self.end(run, REASONS.index(trajectory.reason), trajectory.epoch, trajectory.final,
                 trajectory.losses[-1])  # fmt: skip
        if self.paths is not None:
            self.paths[run, : trajectory.epoch + 1] = trajectory.points
            self.losses[run, : trajectory.epoch + 1] = trajectory.losses

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


class _History:
    """The last HISTORY epochs of a block, newest last: each (epoch, active, X, loss). The
    arrays are the loop's own (kept, not copied); ``active`` maps their columns to runs."""

    def __init__(self, length: int):
        self.entries = deque(maxlen=length)

    def add(self, epoch, active, X, loss) -> None:
        self.entries.append((epoch, active, X, loss))

    def of(self, runs, count: int) -> tuple[int, np.ndarray, np.ndarray]:
        """The last ``count`` points (count, dim, k) and losses (count, k) of the block's
        ``runs`` (k of them), and the epoch of the oldest."""
        entries = list(self.entries)[-count:]
        found = {}  # epochs between two stops share one ``active``: look it up once
        for _, active, _, _ in entries:
            if id(active) not in found:
                found[id(active)] = np.searchsorted(active, runs)
        where = [found[id(active)] for _, active, _, _ in entries]
        points = np.stack([X[:, w] for (_, _, X, _), w in zip(entries, where, strict=True)])
        losses = np.stack([loss[w] for (_, _, _, loss), w in zip(entries, where, strict=True)])
        return entries[0][0], points, losses


def _streaks(points, losses, start, need: int):
    """analysis.Streak of rises and of falls (while leaving ``start``) ending at the last of
    ``points`` (count, dim, k) and ``losses`` (count, k), for k runs, read backwards.

    Returns for each kind (length, first, last) and whether the window held its whole
    streak (False where every change in the window belongs to it: it may go back further).
    Exact where a streak is ``need`` long or longer; shorter falls are bounded from above
    by their losses alone (the distances are computed only where that bound reaches need).
    """
    change = np.diff(losses, axis=0)  # descend's loss - losses[-1], oldest first
    count, n = change.shape
    out = {}
    for kind, sizes, counted in (("rises", change, change > 0), ("falls", -change, change < 0)):
        if kind == "falls":
            long = np.flatnonzero(_lengths(sizes, counted) >= need)
            if long.size:
                P = points[:, :, long]
                a = np.broadcast_to(start[:, long], P.shape[1:])
                leaving = [_norms_exceed(P[i + 1], P[i], a) for i in range(count)]
                counted = counted.copy()
                counted[:, long] &= np.array(leaving).reshape(count, len(long))
        length = _lengths(sizes, counted)
        first = sizes[np.clip(count - length, 0, count - 1), np.arange(n)]
        out[kind] = (length, first, sizes[-1], length < count)
    return out


def _lengths(sizes, counted) -> np.ndarray:
    """Streak lengths at the last row: counted changes, each at least the one before."""
    grows = counted[1:] & counted[:-1] & (sizes[1:] >= sizes[:-1])
    run_back = np.cumprod(grows[::-1], axis=0).sum(axis=0)  # extensions, newest back
    return np.where(counted[-1], 1 + run_back, 0)


def _unbounded(objective, X, heading) -> np.ndarray:
    """bounds.falls_without_bound for each column of X (dim, k) along ``heading``: the probes
    are computed exactly as there, and only runs with a probe at or below the floor go
    through it one by one (the rest cannot be unbounded)."""
    k = X.shape[1]
    verdict = np.zeros(k, dtype=bool)
    size = np.array([_norm(heading[:, i]) for i in range(k)])
    moving = np.flatnonzero(np.isfinite(size) & (size > 0))
    for lo in range(0, len(moving), 1024):
        cols = moving[lo : lo + 1024]
        d = heading[:, cols] / size[cols]  # bounds.unit
        p = X[:, cols]
        scale = np.maximum(1.0, np.max(np.abs(p), axis=0))
        probes = p[:, None, :] + (REACH[:, None] * scale[None, :])[None] * d[:, None, :]
        values = objective.f(np.moveaxis(probes, 0, -1))  # (probes, runs)
        for i in cols[np.any(values <= FLOOR, axis=0)]:
            verdict[i] = falls_without_bound(objective, X[:, i].copy(), heading[:, i].copy())
    return verdict


# the reductions of the loop, without the wrappers of .sum(), .min(), .max()
_total, _least, _most = np.add.reduce, np.minimum.reduce, np.maximum.reduce


def _run_block(objective, evaluate, update, epochs, tol, out, runs, X, loss, G, lr, alone):
    """Descend from the starts X (dim, m) of the batch's ``runs``; results go to ``out``.

    Mirrors descent.run step for step. ``alone(i)`` runs the block's run i with descend,
    for the rare run whose streak reaches further back than the history kept.
    """
    m = X.shape[1]
    start, loss0 = X, loss
    active = np.arange(m)  # positions in the block of the runs still going
    state = update.init(X)
    s = _squares(G)
    history = _History(HISTORY)
    history.add(0, active, X, loss)
    # Each run's chain of changes each at least the one before in size and sign: every
    # streak of rises, or of falls, lies within it, so only runs whose chain is long and
    # grown enough can be running away; those are then read exactly from the history.
    chain, chain_first = np.zeros(m, dtype=np.int32), np.zeros(m)
    change_before = np.full(m, np.nan)
    record = out.paths is not None
    if record:
        out.paths[runs, 0], out.losses[runs, 0] = X.T, loss
    t_hi = tol * tol * (1 + _BAND) + _TINY

    def drop(positions):
        nonlocal X, G, loss, s, change_before, lr, active, chain, chain_first, state
        keep = np.ones(len(active), bool)
        keep[positions] = False
        X, G, loss, s, change_before, lr, chain, chain_first, active = _take(
            keep, X, G, loss, s, change_before, lr, chain, chain_first, active
        )
        state = _take_state(state, keep, len(keep))
        return keep

    for k in range(epochs):  # X is the point at epoch k
        if tol > 0 and _least(s) <= t_hi:  # converged: ‖∇f‖ ≤ tol
            done = _within(s, G, tol, np.flatnonzero(s <= t_hi))
            if done.size:
                out.end(runs[active[done]], GRADIENT, k, X[:, done], loss[done])
                drop(done)
                if not active.size:
                    return
        delta, state = update.step(G, state, X, lr)
        X_new = X + delta
        loss_new, G_new, s_new = evaluate(X_new)
        if not math.isfinite(_total(loss_new) + _total(s_new) + _total(X_new, axis=None)):
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
                keep = drop(bad)
                X_new, G_new, loss_new, s_new = _take(keep, X_new, G_new, loss_new, s_new)
                if not active.size:
                    return
        j = k + 1
        change = loss_new - loss
        if j == 1:
            chain, chain_first = np.ones(len(active), dtype=np.int32), change
        else:  # (NaN where both are 0 or both infinite: kept in the chain, to be safe)
            breaks = change / change_before < 1.0
            chain *= ~breaks
            chain += 1
            chain_first = np.where(breaks, change, chain_first)
        X, G, loss, s, change_before = X_new, G_new, loss_new, s_new, change
        history.add(j, active, X, loss)
        if record:
            out.paths[runs[active], j], out.losses[runs[active], j] = X.T, loss
        if _most(chain) >= RUNAWAY_EPOCHS:
            long = np.flatnonzero(chain >= RUNAWAY_EPOCHS)
            # (a chain that began on a zero change has first 0: growth inf or NaN, checked)
            growth = np.abs(change[long] / chain_first[long])
            grown = long[~(growth < RUNAWAY_GROWTH * (1 - _BAND))]
            if grown.size:
                ended = _shown(objective, history, start, active, grown, chain, j, out, runs,
                               alone)  # fmt: skip
                if ended.size:
                    drop(ended)
                    if not active.size:
                        return

    _end_status(objective, out, runs, epochs, tol, active, X, G, loss, s, start, loss0, history)


def _shown(objective, history, start, active, grown, chain, j, out, runs, alone) -> np.ndarray:
    """Which of the runs ``grown`` (positions) stop at epoch j on a streak (Streak.shown):
    a runaway rise, or a fall without bound; their ends are written to ``out``."""
    width = min(len(history.entries), int(chain[grown].max()) + 1)
    oldest, points, losses = history.of(active[grown], width)
    streaks = _streaks(points, losses, start[:, active[grown]], RUNAWAY_EPOCHS)
    stops = []
    for kind, why in (("rises", RUNAWAY), ("falls", UNBOUNDED)):
        length, first, last, whole = streaks[kind]
        shown = (length >= RUNAWAY_EPOCHS) & (last / first >= RUNAWAY_GROWTH)
        far = ~whole & (oldest > 0) & (length >= RUNAWAY_EPOCHS)  # may start before: alone
        for i in np.flatnonzero(far):
            run_index = runs[active[grown[i]]]
            out.end_run(run_index, alone(run_index))
            stops.append(grown[i : i + 1])
        shown &= ~far
        if kind == "falls" and shown.any():
            at = np.flatnonzero(shown)
            shown[at] = _unbounded(
                objective, points[-1][:, at], points[-1][:, at] - points[-2][:, at]
            )
        which = grown[shown]
        if which.size:
            out.end(runs[active[which]], why, j, points[-1][:, shown], losses[-1][shown])
            stops.append(which)
    return np.concatenate(stops) if stops else np.array([], dtype=int)


def _bouncing(tail) -> np.ndarray:
    """analysis.bouncing_without_progress of the paths ``tail`` (epochs, dim, k), computed
    in this layout, the step sizes only where most steps turn back. The mean sizes sum in
    another order here, so runs within a hair of the threshold are decided by the
    function itself."""
    steps = np.diff(tail[-TAIL - 1 :], axis=0)
    k = tail.shape[2]
    if len(steps) < 6:
        return np.zeros(k, dtype=bool)
    dots = steps[:-1, 0] * steps[1:, 0]  # Σ over coordinates, in their order, as np.sum
    for i in range(1, steps.shape[1]):
        dots += steps[:-1, i] * steps[1:, i]
    turning = np.flatnonzero(np.count_nonzero(dots < 0, axis=0) / (len(steps) - 1) >= 0.5)
    verdict = np.zeros(k, dtype=bool)
    if not turning.size:
        return verdict
    steps = steps[:, :, turning]
    squares = steps[:, 0] * steps[:, 0]
    for i in range(1, steps.shape[1]):
        squares += steps[:, i] * steps[:, i]
    sizes = np.sqrt(squares)
    third = len(sizes) // 3
    first, last = sizes[:third].mean(axis=0), sizes[-third:].mean(axis=0)
    verdict[turning] = (first > 0) & (last >= NO_PROGRESS * first)
    close = np.flatnonzero(np.abs(last - NO_PROGRESS * first) <= _BAND * first)
    if close.size:
        exact = np.ascontiguousarray(tail[:, :, turning[close]].transpose(2, 0, 1))
        verdict[turning[close]] = bouncing_without_progress(exact)
    return verdict


def _end_status(objective, out, runs, epochs, tol, active, X, G, loss, s, start, loss0,
                history) -> None:  # fmt: skip
    """descent._end_status for the runs that used all their epochs."""
    m = len(active)
    why = np.full(m, -1, dtype=np.int8)
    run = min(RUNAWAY_EPOCHS, epochs)
    why[_within(s, G, tol, np.arange(m))] = GRADIENT
    _, points, losses = history.of(active, run + 1)
    streaks = _streaks(points, losses, start[:, active], run)
    rising = streaks["rises"][0] >= run
    why[(why < 0) & rising & (loss > loss0[active])] = RUNAWAY
    falling = np.flatnonzero((why < 0) & (streaks["falls"][0] >= run))
    if falling.size:
        heading = points[-1][:, falling] - points[-2][:, falling]
        why[falling[_unbounded(objective, X[:, falling], heading)]] = UNBOUNDED
    open_ = np.flatnonzero(why < 0)
    if open_.size:
        _, tail, _ = history.of(active[open_], min(TAIL + 1, epochs + 1))
        why[open_] = np.where(_bouncing(tail), BOUNCING, EPOCHS)
    out.end(runs[active], why, epochs, X, loss)
