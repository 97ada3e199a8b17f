"""Batched descent: many runs of one optimizer on one objective, in one vectorized pass.

Every run in a batch ends exactly as :func:`gdviz.descend` ends it alone: the same stop
epoch, status and reason, and the same final point and loss, bit for bit (the arithmetic
is the same elementwise IEEE arithmetic, only on arrays). The stopping rules are
descend's, applied per run at every step with cheap array tests over the runs still going;
the few runs a test flags are then decided exactly as descend decides them. A run that
stops leaves the arrays at once, so no further arithmetic is done on it.

Where f and ∇f are compiled (every function's, not a fit's loss) a faster loop
(:func:`_run_fast`) steps CHUNK epochs between its tests, stepping again with every test
only the runs they flag. Where f's formula shows a lower bound (:attr:`Objective.lower_bound`:
Rosenbrock's f ≥ 0) no run can fall without bound; elsewhere it also keeps each chunk's
points and reads each run's streak of falls along them (:class:`falls.ChunkFalls`).

Inside, points are coordinate-major, shape (dim, runs): each coordinate is one contiguous
row, which is what the compiled f and ∇f take.
"""

from __future__ import annotations

import math
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import NamedTuple

import numpy as np

from . import checks, optimizers
from .analysis import (
    NO_PROGRESS,
    RUNAWAY_EPOCHS,
    RUNAWAY_GROWTH,
    RUNAWAY_REACH,
    TAIL,
    bouncing_without_progress,
)
from .bounds import FLOOR
from .descent import DEFAULT_TOL, STATUSES, descend
from .falls import ChunkFalls, Falls, unbounded
from .numbers import position
from .objectives import Objective, _OnFirstCall, get_objective
from .optimizers import (
    OPTIMIZERS,
    AdagradState,
    AdamState,
    RMSpropState,
    SGDState,
    Update,
    get_optimizer,
)
from .optimizers import _lerp as _lerp_one
from .progress import Work

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
#: Epochs of each block kept: the bouncing test's tail, and the streaks at the last epoch.
HISTORY = max(64, TAIL + 1)
#: Runs stepped together where f has a lower bound (:func:`_run_fast`): more runs per numpy
#: call, fewer calls per step; it keeps one chunk of losses, and no points.
FAST_BLOCK = 65536
#: Epochs the fast loop steps between its checks.
CHUNK = 32
#: A lower bound above this (far above bounds.FLOOR, whatever the rounding) means f cannot
#: reach the floor, so no run can fall without bound.
_FLOORED = FLOOR * 1e-50
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
    progress=None,
    **hyper,
) -> BatchResult:
    """Run ``optimizer`` on ``objective`` from each of ``starts``, all at once.

    ``starts`` has shape (n, dim), or (n,) for a function of one variable. ``lr`` and
    each hyperparameter are one value for every run or an array of n values, one per run
    (a pair such as Adam's ``betas`` per run: shape (n, 2)). Run i ends exactly as
    ``descend(objective, starts[i], lr=lr[i], epochs=epochs, optimizer=optimizer,
    tol=tol, **hyper_i)`` ends. Runs step together whatever their float hyperparameters
    (momentum, betas, ...: each distinct value is checked as descend checks it, then the
    update runs on the array); only runs whose hyperparameters take other branches of the
    update (β = 0 or not, weight decay or none, a different switch) are another pass.
    ``progress``: a callable ``progress(done, left)`` told now and then how many run-steps
    are done and at most how many are left (:mod:`gdviz.progress`); an exception it raises
    stops the batch and propagates.

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

    out = _Outcome(n, objective.dim, epochs, paths, progress)
    compiled = isinstance(objective._value_and_grad, _OnFirstCall)
    for group in groups:
        members = group.members

        def alone(i, group=group):  # run i by itself: one or two, or a tail too close to call
            return descend(objective, X[:, i], lr=rates[i], epochs=epochs,
                           optimizer=optimizer, tol=tol, **group.of(i))  # fmt: skip

        if len(members) < FEW:  # descend's scalar loop is the faster way for one or two
            for i in members:
                out.begin(1)
                out.end_run(i, alone(i))
                out.step(1, epochs, 0)
            continue
        # The fast loop saves the per-step tests, and steps the runs they flag twice: where
        # f and ∇f are a sum over data (a fit's loss) the second pass costs more than that.
        # Where f's formula shows no lower bound it also keeps each chunk's points, to read
        # the streaks of falls along: in blocks of BLOCK runs, which keeps those few.
        fast = not paths and compiled
        size = FAST_BLOCK if fast and objective.lower_bound > _FLOORED else BLOCK
        for lo in range(0, len(members), size):
            runs = members[lo : lo + size]
            block = _take(runs, X, loss, G, rates)
            out.begin(len(runs))
            with np.errstate(all="ignore"):
                if fast:
                    _run_fast(objective, evaluate, group.update(runs), epochs, tol, out, runs,
                              *block, alone, plain=optimizer == "gd")  # fmt: skip
                else:
                    _run_block(objective, evaluate, group.update(runs), epochs, tol, out,
                               runs, *block, alone)  # fmt: skip
    out.step(0, 0, 0)  # all done
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


@dataclass(frozen=True)
class _Group:
    """Runs that step together: their positions, the hyperparameters they share (as descend
    takes them) and those given per run (arrays of n rows, read at ``members``)."""

    optimizer: str
    members: np.ndarray
    shared: dict
    per_run: dict

    def of(self, i: int) -> dict:
        """Run i's hyperparameters, as descend takes them."""
        return {**self.shared, **{k: _value(v[i]) for k, v in self.per_run.items()}}

    def update(self, runs: np.ndarray):
        """The optimizer's update for the runs ``runs`` (a slice of ``members``)."""
        if not self.per_run:
            return get_optimizer(self.optimizer, **self.shared)
        spec = OPTIMIZERS[self.optimizer]
        arguments = {**spec.preset, **spec.defaults, **self.shared}
        arguments.update({k: v[runs] for k, v in self.per_run.items()})
        return _PER_RUN[getattr(spec.build, "func", spec.build)](**arguments)


def _value(cells):
    """One run's hyperparameter from its row: a float, a bool or a tuple of floats."""
    if np.ndim(cells):
        return tuple(float(c) for c in cells)
    return cells.item() if isinstance(cells, np.bool_) else float(cells)


def _hyper_groups(optimizer: str, hyper: dict, n: int) -> list[_Group]:
    """The runs that step together, and their hyperparameters.

    Each distinct set of per-run values is checked by the optimizer's own checks. Where
    the update can take arrays (:data:`_PER_RUN`), runs step together unless a switch
    (a bool) or whether a number is 0 (the update's ``if momentum:``) tells them apart;
    otherwise each distinct set is a group.
    """
    spec = checks.one_of("optimizer", optimizer, OPTIMIZERS)
    defaults = spec.defaults
    columns, scalars = {}, {}
    for name, value in hyper.items():
        default = defaults.get(name)
        width = len(default) if isinstance(default, tuple) else 0
        per_run = _per_run(name, value, n, width)
        if per_run is None:
            scalars[name] = value
        else:
            columns[name] = per_run.astype(bool) if isinstance(default, bool) else per_run
    everyone = np.arange(n)
    if not columns:
        return [_Group(optimizer, everyone, dict(hyper), {})]
    names = list(columns)
    table = np.column_stack([columns[k].reshape(n, -1) for k in names])
    _, first = np.unique(table, axis=0, return_index=True)
    for i in first:  # each distinct set, checked as descend checks it
        get_optimizer(optimizer, **scalars, **{k: _value(columns[k][i]) for k in names})
    arrays = getattr(spec.build, "func", spec.build) in _PER_RUN
    floats = [k for k in names if columns[k].dtype != bool] if arrays else []
    switches = np.column_stack(
        [columns[k].reshape(n, -1) != 0 if k in floats else columns[k].reshape(n, -1)
         for k in names]
    )  # fmt: skip
    keys, which = np.unique(switches if arrays else table, axis=0, return_inverse=True)
    which = which.reshape(-1)
    groups = []
    for g in range(len(keys)):
        members = np.flatnonzero(which == g)
        one = members[0]
        shared = {**scalars, **{k: _value(columns[k][one]) for k in names if k not in floats}}
        per_run = {k: columns[k] for k in floats}
        groups.append(_Group(optimizer, members, shared, per_run))
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


# ---- updates with per-run hyperparameters -------------------------------------------------
#
# torch.optim's updates of gdviz.optimizers, operation for operation, with any float
# hyperparameter an array of one value per run (shape (k,), broadcast over the coordinate
# rows (dim, k)): the same IEEE operations per element, so each run's steps are bit for bit
# descend's. A branch on a number (``if momentum:``) is taken alike by all runs of a group
# (see _hyper_groups); torch.lerp's branch on its weight is taken per element; powers
# βᵗ are Python's, per distinct β, as descend computes them. The per-run values travel in
# the state, so they leave with their runs.


class _Carry(NamedTuple):
    h: dict  # the hyperparameters: floats, or arrays (k,) of one value per run
    state: tuple  # the optimizer's own state


def _with_columns(h: dict, init, step) -> Update:
    """An Update whose state carries ``h``: ``step(h, g, state, x, lr)``."""

    def init_(x):
        return _Carry(h, init(h, x))

    def step_(g, carry, x, lr):
        delta, state = step(carry.h, g, carry.state, x, lr)
        return delta, _Carry(carry.h, state)

    return Update(init_, step_)


def _on(value) -> bool:
    """Whether a group's hyperparameter is nonzero (all its runs agree)."""
    return bool(np.any(value))


def _lerp(start, end, weight):
    """optimizers._lerp (torch.lerp) with its branch taken per element."""
    if np.ndim(weight) == 0:
        return _lerp_one(start, end, weight)
    return np.where(weight < 0.5, start + weight * (end - start),
                    end - (end - start) * (1 - weight))  # fmt: skip


def _powers(value, t: int):
    """βᵗ per run, each as Python's float power (numpy's may round otherwise)."""
    if np.ndim(value) == 0:
        return value**t
    distinct, at = np.unique(value, return_inverse=True)
    return np.array([float(b) ** t for b in distinct])[at.reshape(-1)]


def _sgd(momentum, dampening, nesterov, weight_decay) -> Update:
    """optimizers.sgd: b ← μb + (1 − τ)g; x ← x − η b (or η(g + μb), Nesterov)."""
    decay, heavy = _on(weight_decay), _on(momentum)

    def step(h, g, state, x, lr):
        if decay:
            g = g + h["weight_decay"] * x
        b = state.b
        if heavy:
            mu = h["momentum"]
            b = np.array(g, copy=True) if b is None else mu * b + (1 - h["dampening"]) * g
            g = g + mu * b if nesterov else b
        return -lr * g, SGDState(b)

    h = {"momentum": momentum, "dampening": dampening, "weight_decay": weight_decay}
    return _with_columns(h, lambda h, x: SGDState(b=None), step)


def _adagrad(lr_decay, weight_decay, initial_accumulator_value, eps) -> Update:
    """optimizers.adagrad: G ← G + g²; x ← x − η_t g / (√G + ε)."""
    decay = _on(weight_decay)

    def init(h, x):
        return AdagradState(0, np.full_like(x, h["initial_accumulator_value"], dtype=float))

    def step(h, g, state, x, lr):
        t = state.t + 1
        if decay:
            g = g + h["weight_decay"] * x
        eta = lr / (1 + (t - 1) * h["lr_decay"])
        G = state.G + g * g
        d = np.sqrt(G) + h["eps"]
        return -eta * g / d, AdagradState(t, G)

    h = {"lr_decay": lr_decay, "weight_decay": weight_decay,
         "initial_accumulator_value": initial_accumulator_value, "eps": eps}  # fmt: skip
    return _with_columns(h, init, step)


def _rmsprop(alpha, eps, weight_decay, momentum, centered) -> Update:
    """optimizers.rmsprop: v ← αv + (1 − α)g²; x ← x − η g / (√v + ε) (or via b)."""
    decay, heavy = _on(weight_decay), _on(momentum)

    def init(h, x):
        zeros = np.zeros_like(x, dtype=float)
        return RMSpropState(zeros, zeros, zeros)

    def step(h, g, state, x, lr):
        alpha, eps = h["alpha"], h["eps"]
        if decay:
            g = g + h["weight_decay"] * x
        v = state.v * alpha + (1 - alpha) * g * g
        g_bar = state.g_bar
        if centered:
            g_bar = _lerp(g_bar, g, 1 - alpha)
            d = np.sqrt(v - g_bar * g_bar) + eps
        else:
            d = np.sqrt(v) + eps
        b = state.b
        if heavy:
            b = b * h["momentum"] + g / d
            return -lr * b, RMSpropState(v, g_bar, b)
        return -lr * g / d, RMSpropState(v, g_bar, b)

    h = {"alpha": alpha, "eps": eps, "weight_decay": weight_decay, "momentum": momentum}
    return _with_columns(h, init, step)


def _adam(betas, eps, weight_decay, amsgrad, *, decoupled) -> Update:
    """optimizers._adam: m ← lerp(m, g, 1 − β₁); v ← β₂v + (1 − β₂)g²; x ← x − η m̂/(√v̂ + ε)."""
    decay = _on(weight_decay)
    beta1, beta2 = (betas[:, 0], betas[:, 1]) if np.ndim(betas) == 2 else map(float, betas)

    def init(h, x):
        zeros = np.zeros_like(x, dtype=float)
        return AdamState(0, zeros, zeros, zeros)

    def step(h, g, state, x, lr):
        beta1, beta2, weight_decay = h["beta1"], h["beta2"], h["weight_decay"]
        t = state.t + 1
        x_decayed = x
        if decay and decoupled:
            x_decayed = x * (1 - lr * weight_decay)
        elif decay:
            g = g + weight_decay * x
        m = _lerp(state.m, g, 1 - beta1)
        v = state.v * beta2 + (1 - beta2) * g * g
        v_max = np.maximum(state.v_max, v) if amsgrad else state.v_max
        eta = lr / (1 - _powers(beta1, t))
        d = np.sqrt(v_max if amsgrad else v) / _powers(1 - _powers(beta2, t), 0.5) + h["eps"]
        return x_decayed - eta * m / d - x, AdamState(t, m, v, v_max)

    h = {"beta1": beta1, "beta2": beta2, "eps": eps, "weight_decay": weight_decay}
    return _with_columns(h, init, step)


#: The optimizers (their builders in gdviz.optimizers) that take per-run hyperparameters.
_PER_RUN = {
    optimizers.sgd: _sgd,
    optimizers.adagrad: _adagrad,
    optimizers.rmsprop: _rmsprop,
    optimizers.adam: partial(_adam, decoupled=False),
    optimizers.adamw: partial(_adam, decoupled=True),
}


# ---- the loop ------------------------------------------------------------------------------


def _evaluator(objective: Objective):
    """``evaluate(X) -> (f, ∇f, Σ g²)`` at points X (dim, m): shapes (m,), (dim, m), (m,).

    A built-in or typed function computes f and ∇f in one compiled pass; other objectives
    (the fit page's losses) take them from their own array functions. Σ g² is a test
    value only: exact decisions on ‖∇f‖ go through _norm.
    """
    parts = _parts(objective)

    def evaluate(X):
        m = X.shape[1]
        value, grad = parts(X)
        grad = [_row(g, m) for g in grad]
        squares = grad[0] * grad[0]
        for g in grad[1:]:
            squares += g * g
        return _row(value, m), np.stack(grad), squares

    return evaluate


def _parts(objective: Objective):
    """``parts(X) -> (f, [∂f/∂x₁, ...])`` at points X (dim, m), as the compiled code returns
    them (a constant may come back as one number)."""
    both = objective._value_and_grad
    if isinstance(both, _OnFirstCall):

        def parts(X):
            value, *grad = both(*X)
            return value, grad

        return parts
    runs = getattr(objective, "_runs_value_and_grad", None)  # a fit's loss: one pass
    if runs is not None:

        def parts(X):
            value, *grad = runs(*X)
            return value, grad

        return parts
    f, gradient = objective._f, objective._grad
    return lambda X: (f(*X), gradient(*X))


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
    """Per-run results, written as runs stop; and how far the batch has got, told to
    ``progress`` (a :class:`progress.Work`'s report) if given."""

    def __init__(self, n: int, dim: int, epochs: int, record: bool, progress=None):
        self.work = Work(progress, n, epochs) if progress is not None else None
        self.reason = np.full(n, -1, dtype=np.int8)
        self.stop = np.zeros(n, dtype=np.int64)
        self.final = np.empty((dim, n))
        self.final_loss = np.empty(n)
        self.paths = np.empty((n, epochs + 1, dim)) if record else None
        self.losses = np.empty((n, epochs + 1)) if record else None

    def begin(self, runs: int) -> None:
        """``runs`` runs start stepping together."""
        if self.work is not None:
            self.work.begin(runs)

    def step(self, active: int, steps: int, left: int) -> None:
        """``active`` runs each made ``steps`` steps, with at most ``left`` epochs to go."""
        if self.work is not None:
            self.work.step(active, steps, left)

    @contextmanager
    def unreported(self):
        """Steps taken within are not reported (runs stepped again from their starts)."""
        work, self.work = self.work, None
        try:
            yield
        finally:
            self.work = work

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


def _broken(objective, X, loss, G) -> tuple[np.ndarray, np.ndarray]:
    """descent.run's two tests of a new point, per column: overflow (a coordinate not
    finite, |f| = ∞, or f or ∇f with no value because a part overflowed) and, where not,
    f or ∇f undefined (NaN or not finite)."""
    over = ~np.isfinite(X).all(axis=0) | (np.abs(loss) == math.inf)
    undefined = ~over & ~(np.isfinite(loss) & np.isfinite(G).all(axis=0))
    for i in np.flatnonzero(undefined):  # few: each asked as descend asks it
        if objective.overflows_at(X[:, i]):
            over[i], undefined[i] = True, False
    return over, undefined


def _take(keep, *arrays):
    """The columns ``keep`` (booleans, or positions) of each array, row-major as the loop's
    arrays must stay: ``a[..., keep]`` returns strided rows, and f and ∇f on those took a
    third longer at every later step."""
    keep = np.asarray(keep)
    if keep.dtype == bool:
        return tuple(np.compress(keep, a, axis=-1) for a in arrays)
    return tuple(np.take(a, keep, axis=-1) for a in arrays)


def _take_state(state, keep, m: int):
    """The optimizer state of the runs ``keep``: per-run arrays have m runs on the last axis
    (in tuples, named tuples and dicts, nested)."""
    if isinstance(state, np.ndarray):
        return _take(keep, state)[0] if state.ndim and state.shape[-1] == m else state
    if isinstance(state, dict):
        return {k: _take_state(v, keep, m) for k, v in state.items()}
    if not isinstance(state, tuple) or not state:
        return state
    parts = [_take_state(p, keep, m) for p in state]
    return type(state)(*parts) if hasattr(state, "_fields") else tuple(parts)


class _LossRing:
    """The losses of a block's last ``length`` epochs (or, with ``dim``, its points: rows
    (dim, m)), copied into rows kept for the whole run (the compiled f's own arrays are
    freed at once, which keeps the next call's arrays in the processor's cache); with each
    row the ``active`` it was written under."""

    def __init__(self, length: int, m: int, dim: int | None = None):
        self.rows = np.empty((length, m) if dim is None else (length, dim, m))
        self.entries = deque(maxlen=length)  # (epoch, active), newest last

    def add(self, epoch, active, loss) -> None:
        row = self.rows[epoch % len(self.rows)][..., : len(active)]
        row[...] = loss
        self.entries.append((epoch, active))

    def losses(self, runs, first: int, last: int) -> np.ndarray:
        """The losses (or points) of the block's ``runs`` at epochs first..last, shape
        (epochs, k) (or (epochs, dim, k))."""
        newest = self.entries[-1][0]
        entries = list(self.entries)[len(self.entries) - 1 - (newest - first) :]
        size, wanted = len(self.rows), entries[: last - first + 1]
        found = {}  # epochs between two stops share one ``active``: look it up once
        for _, active in wanted:
            if id(active) not in found:
                found[id(active)] = _columns(active, runs)
        return np.stack([self.rows[e % size][..., : len(a)][..., found[id(a)]]
                         for e, a in wanted])  # fmt: skip


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
                found[id(active)] = _columns(active, runs)
        where = [found[id(active)] for _, active, _, _ in entries]
        points = np.stack([X[:, w] for (_, _, X, _), w in zip(entries, where, strict=True)])
        losses = np.stack([loss[w] for (_, _, _, loss), w in zip(entries, where, strict=True)])
        return entries[0][0], points, losses


def _columns(active: np.ndarray, runs: np.ndarray):
    """Where the block's ``runs`` (sorted, all in ``active``) sit among ``active``'s
    columns: a plain slice when they are all of them."""
    where = np.searchsorted(active, runs[:1])
    if len(runs) and active[where[0] + len(runs) - 1] == runs[-1]:  # a contiguous stretch
        return slice(int(where[0]), int(where[0]) + len(runs))
    return np.searchsorted(active, runs)


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


# the reductions of the loop, without the wrappers of .sum(), .min(), .max()
_total, _least, _most = np.add.reduce, np.minimum.reduce, np.maximum.reduce


class _Growth:
    """analysis.grows_away's numbers for each run still going, as squares: the last point's
    distance from the start (d2), the last step (step2), the farthest the path has been
    (reach2), and where its latest streak of rises began, the reach until then and the
    streak's first step (rise_reach2, rise_step2)."""

    def __init__(self, start: np.ndarray):
        k = start.shape[1]
        self.start = start
        self.d2, self.step2, self.reach2 = np.zeros(k), np.zeros(k), np.zeros(k)
        self.rise_reach2, self.rise_step2 = np.zeros(k), np.zeros(k)

    def step(self, old: np.ndarray, new: np.ndarray, begins: np.ndarray) -> None:
        """A step from ``old`` to ``new`` (dim, k); ``begins``: where it begins a streak of
        rises (descend's Streak keeps the reach before it and the step's length)."""
        self.step2 = _squares(new - old)
        if begins.any():
            self.rise_reach2 = np.where(begins, self.reach2, self.rise_reach2)
            self.rise_step2 = np.where(begins, self.step2, self.rise_step2)
        self.d2 = _squares(new - self.start)
        np.maximum(self.reach2, self.d2, out=self.reach2)

    def take(self, keep) -> None:
        (self.start, self.d2, self.step2, self.reach2, self.rise_reach2,
         self.rise_step2) = _take(keep, self.start, self.d2, self.step2, self.reach2,
                                  self.rise_reach2, self.rise_step2)  # fmt: skip

    def away(self, which: np.ndarray, lengths) -> tuple[np.ndarray, np.ndarray]:
        """grows_away for the runs ``which`` (positions; ``lengths``, their streaks'), and
        where the squares are too close to the thresholds to trust (descend decides those)."""
        verdict = np.ones(len(which), dtype=bool)
        unsure = np.zeros(len(which), dtype=bool)
        longer = np.asarray(lengths) > 1  # one step: no growth of steps to see
        everyone = np.ones(len(which), dtype=bool)
        for have, need, where in ((self.d2[which], self.rise_reach2[which], everyone),
                                  (self.step2[which], self.rise_step2[which], longer)):  # fmt: skip
            need = RUNAWAY_REACH * RUNAWAY_REACH * need
            with np.errstate(invalid="ignore"):
                close = (need > 0) & (np.abs(have - need) <= _BAND * np.maximum(have, need))
            verdict &= (have >= need) | ~where
            unsure |= close & where
        return verdict & ~unsure, unsure


def _run_block(objective, evaluate, update, epochs, tol, out, runs, X, loss, G, lr, alone,
               state=None):  # fmt: skip
    """Descend from the starts X (dim, m) of the batch's ``runs``; results go to ``out``.

    Mirrors descent.run step for step. Where f's formula shows no lower bound, each run's
    streak of falls is followed at every step (:class:`falls.Falls`), however long.
    ``alone(i)`` runs the block's run i with descend, for the rare run whose growth is too
    close to call. ``state``: the optimizer's state at the starts, if not
    ``update.init(X)`` (the runs' own part of a larger batch's).
    """
    m = X.shape[1]
    start, loss0 = X, loss
    active = np.arange(m)  # positions in the block of the runs still going
    state = update.init(X) if state is None else state
    growth = _Growth(X)
    s = _squares(G)
    history = _History(HISTORY)
    history.add(0, active, X, loss)
    # Each run's chain: its latest changes of one sign, each at least the one before in
    # size. A rise ends a chain that is exactly descend's Streak of rises (length, first,
    # last). Falls are followed by ``falls`` (they count only while the path leaves x₀).
    chain, chain_first = np.zeros(m, dtype=np.int64), np.zeros(m)
    change_before = np.zeros(m)
    record = out.paths is not None
    if record:
        out.paths[runs, 0], out.losses[runs, 0] = X.T, loss
    t_hi = tol * tol * (1 + _BAND) + _TINY
    # where f's formula shows a lower bound (a fit's loss), no run can fall without bound
    falls = Falls(X, X) if objective.lower_bound <= _FLOORED else None

    def drop(positions):
        nonlocal X, G, loss, s, change_before, lr, active, chain, chain_first, state
        keep = np.ones(len(active), bool)
        keep[positions] = False
        X, G, loss, s, change_before, lr, chain, chain_first, active = _take(
            keep, X, G, loss, s, change_before, lr, chain, chain_first, active
        )
        state = _take_state(state, keep, len(keep))
        growth.take(keep)
        if falls is not None:
            falls.keep(keep)
        return keep

    for k in range(epochs):  # X is the point at epoch k
        if tol > 0 and _least(s) <= t_hi:  # converged: ‖∇f‖ ≤ tol
            done = _within(s, G, tol, np.flatnonzero(s <= t_hi))
            if done.size:
                out.end(runs[active[done]], GRADIENT, k, X[:, done], loss[done])
                drop(done)
                if not active.size:
                    return
        stepping = len(active)
        delta, state = update.step(G, state, X, lr)
        X_new = X + delta
        loss_new, G_new, s_new = evaluate(X_new)
        if not math.isfinite(_total(loss_new) + _total(s_new) + _total(X_new, axis=None)):
            # a non-finite value somewhere (or only a sum too big): find the runs
            z = np.flatnonzero(~(np.isfinite(loss_new) & np.isfinite(s_new)
                                 & np.isfinite(X_new).all(axis=0)))  # fmt: skip
            over, undefined = _broken(objective, X_new[:, z], loss_new[z], G_new[:, z])
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
        up, down = change > 0, change < 0
        grows = (up & (change_before > 0) & (change >= change_before)) | (
            down & (change_before < 0) & (change <= change_before)
        )  # Streak.add: a change of the streak's kind, at least the last
        chain = np.where(grows, chain + 1, up | down)
        chain_first = np.where(grows, chain_first, change)
        growth.step(X, X_new, up & ~grows)
        X_old = X
        X, G, loss, s, change_before = X_new, G_new, loss_new, s_new, change
        history.add(j, active, X, loss)
        if record:
            out.paths[runs[active], j], out.losses[runs[active], j] = X.T, loss
        ended = []
        if _most(chain) >= RUNAWAY_EPOCHS:
            # Streak.shown: long, and the last change over the first ≥ RUNAWAY_GROWTH
            long = np.flatnonzero(chain >= RUNAWAY_EPOCHS)
            grown = long[change[long] / chain_first[long] >= RUNAWAY_GROWTH]
            if grown.size:
                ended.append(_shown(loss0, active, grown, chain, change, X, loss, j, out, runs,
                                    alone, growth))  # fmt: skip
        if falls is not None:
            falls.add(X, change, growth.d2)
            if _most(falls.length) >= RUNAWAY_EPOCHS:  # a streak of falls shown, f unbounded
                fell = np.flatnonzero(falls.shown())
                if fell.size:
                    fell = fell[unbounded(objective, X[:, fell], X[:, fell] - X_old[:, fell])]
                    out.end(runs[active[fell]], UNBOUNDED, j, X[:, fell], loss[fell])
                    ended.append(fell)
        if ended and sum(map(len, ended)):
            drop(np.concatenate(ended))
            if not active.size:
                return
        out.step(stepping, 1, epochs - j)

    _end_status(objective, out, runs, epochs, tol, active, X, G, loss, s, start, loss0, history,
                growth, alone, falls)  # fmt: skip


def _runaways(rising, lengths, growth, out, runs, active, alone):
    """Of the runs ``rising`` (positions: a streak of rises ``lengths`` long, a loss above
    the start's), those whose iterates grow with it (analysis.grows_away), and those too
    close to call, which descend runs alone (their ends are written to ``out``)."""
    grows, unsure = growth.away(rising, lengths)
    for i in rising[unsure]:
        out.end_run(runs[active[i]], alone(runs[active[i]]))
    return rising[grows], rising[unsure]


def _shown(loss0, active, grown, chain, change, X, loss, j, out, runs, alone,
           growth) -> np.ndarray:  # fmt: skip
    """Which of the runs ``grown`` (positions; their chains long and grown enough) stop at
    epoch j as descend stops them: a runaway rise above the start's loss with the iterates
    growing (or too close to call: run alone); their ends are written to ``out``. (A fall
    without bound is followed by falls.Falls.)"""
    rising = grown[change[grown] > 0]  # the chain is the Streak of rises itself
    rising = rising[loss[rising] > loss0[active[rising]]]
    runaway, unsure = _runaways(rising, chain[rising], growth, out, runs, active, alone)
    if runaway.size:
        out.end(runs[active[runaway]], RUNAWAY, j, X[:, runaway], loss[runaway])
    return np.concatenate([runaway, unsure])


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
                history, growth, alone, falls) -> None:  # fmt: skip
    """descent._end_status for the runs that used all their epochs (``falls``: each run's
    streak of falls, None where f is bounded below)."""
    m = len(active)
    why = np.full(m, -1, dtype=np.int8)
    run = min(RUNAWAY_EPOCHS, epochs)
    why[_within(s, G, tol, np.arange(m))] = GRADIENT
    _, points, losses = history.of(active, run + 1)
    streaks = _streaks(points, losses, start[:, active], run)
    lengths = streaks["rises"][0]
    rising = np.flatnonzero((why < 0) & (lengths >= run) & (loss > loss0[active]))
    runaway, unsure = _runaways(rising, lengths[rising], growth, out, runs, active, alone)
    why[runaway] = RUNAWAY
    why[unsure] = GRADIENT  # ended alone, written already: kept out of the tests below
    done = np.zeros(m, dtype=bool)
    done[unsure] = True
    if falls is not None:
        falling = np.flatnonzero((why < 0) & (falls.length >= run))
        heading = points[-1][:, falling] - points[-2][:, falling]
        why[falling[unbounded(objective, X[:, falling], heading)]] = UNBOUNDED
    open_ = np.flatnonzero(why < 0)
    if open_.size:
        _, tail, _ = history.of(active[open_], min(TAIL + 1, epochs + 1))
        why[open_] = np.where(_bouncing(tail), BOUNCING, EPOCHS)
    kept = ~done
    out.end(runs[active[kept]], why[kept], epochs, X[:, kept], loss[kept])


# ---- the fast loop ----------------------------------------------------------------------
#
# Where f has a lower bound no run can fall without bound, so the only tests a step needs
# are the gradient's size, a non-finite value and a runaway rise (which needs a loss above
# the start's); elsewhere the chunk's points are kept too, and each run's streak of falls
# read along them at the chunk's end (falls.ChunkFalls: step by step only where its falls
# grew), a run stopping where it shows on a fall without bound (and −∞ a loss to step
# again). The loop steps CHUNK epochs doing the arithmetic, keeping the chunk's losses and
# two numbers per run: its highest loss (NaN and ∞ stick) and its smallest |∂f/∂x₁| (a norm
# ≤ tol needs it ≤ tol; once that flagged many runs in vain, the largest |∂f/∂xᵢ| instead).
# Each run's streak of rises is known at every chunk end: none where the chunk's last
# change was no rise, else read along the chunk's losses, which also says
# whether a run whose loss went above its start's ran away. Only runs that ran away, had
# a NaN or ∞ loss, a small enough gradient, or a point or gradient no longer finite (which
# then stays so) are stepped again from the chunk's start with every test, as _run_block
# steps them.


class _Rises(NamedTuple):
    """Streaks of rises (analysis.Streak's length, first and last), one per run."""

    length: np.ndarray
    first: np.ndarray
    last: np.ndarray

    @classmethod
    def none(cls, k: int) -> _Rises:
        return cls(np.zeros(k, dtype=np.int64), np.zeros(k), np.zeros(k))

    def add(self, change: np.ndarray) -> _Rises:
        """Streak.add(change if change > 0 else None), per run."""
        up = change > 0
        grows = up & (self.length > 0) & (change >= self.last)
        length = np.where(up, np.where(grows, self.length + 1, 1), 0)
        return _Rises(length, np.where(up & ~grows, change, self.first), np.where(up, change, 0.0))

    def shown(self) -> np.ndarray:
        """Streak.shown, per run."""
        with np.errstate(all="ignore"):
            return (self.length >= RUNAWAY_EPOCHS) & (self.last / self.first >= RUNAWAY_GROWTH)

    def take(self, which) -> _Rises:
        return _Rises(*(a[which] for a in self))

    def put(self, which, other: _Rises) -> None:
        for a, b in zip(self, other, strict=True):
            a[which] = b


def _rises_along(rises: _Rises, losses: np.ndarray, start_loss: np.ndarray):
    """``rises`` fed the changes of ``losses`` (epochs, k), oldest first, and which runs ran
    away on the way (descent.run's test: a streak shown and a loss above the start's)."""
    ran_away = np.zeros(losses.shape[1], dtype=bool)
    for change, value in zip(np.diff(losses, axis=0), losses[1:], strict=True):
        rises = rises.add(change)
        ran_away |= rises.shown() & (value > start_loss)
    return rises, ran_away


class _Tail:
    """analysis.bouncing_without_progress, read step by step over a run's last TAIL steps
    (no points kept): how many steps turn back against the one before, and the summed
    step sizes of the first and last thirds, each computed as there."""

    def __init__(self, epochs: int, m: int, dim: int):
        self.steps = min(TAIL, epochs)
        self.begins = epochs - self.steps  # the epoch of the tail's first point
        self.third = self.steps // 3
        self.turns = np.zeros(m, dtype=np.int64)
        self.first, self.last = np.zeros(m), np.zeros(m)
        self.before = None  # the step before (dim, m)
        self.step = None
        self.over = False  # no run can turn back often enough any more: skip the rest

    def add(self, t: int, new: np.ndarray, old: np.ndarray) -> None:
        """Step t (0 = from the tail's first point) of every run, from ``old`` to ``new``."""
        if self.step is None or self.step.shape != new.shape:
            self.step = np.empty_like(new)
        step = np.subtract(new, old, out=self.step)
        if self.before is not None:
            dot = step[0] * self.before[0]
            for i in range(1, len(step)):
                dot += step[i] * self.before[i]
            self.turns += dot < 0
            left = self.steps - 1 - t  # pairs of steps still to come
            if left < self.steps // 2 and (self.turns.max() + left) / (self.steps - 1) < 0.5:
                self.over = True  # verdict: none bouncing
                return
        if t < self.third or t >= self.steps - self.third:
            squares = step[0] * step[0]
            for i in range(1, len(step)):
                squares += step[i] * step[i]
            total = self.first if t < self.third else self.last
            total += np.sqrt(squares)
        self.before, self.step = step, self.before  # the next step takes the other buffer

    def take(self, keep) -> None:
        self.turns, self.first, self.last = _take(keep, self.turns, self.first, self.last)
        if self.before is not None:
            (self.before,), self.step = _take(keep, self.before), None

    def verdict(self) -> tuple[np.ndarray, np.ndarray]:
        """Bouncing without progress per run, and where the sums (added in another order than
        the means there) are too close to the threshold to tell."""
        m = len(self.turns)
        if self.steps < 6 or self.over:
            return np.zeros(m, dtype=bool), np.zeros(m, dtype=bool)
        first, last = self.first / self.third, self.last / self.third
        turning = self.turns / (self.steps - 1) >= 0.5
        bouncing = turning & (first > 0) & (last >= NO_PROGRESS * first)
        close = turning & (first > 0) & (np.abs(last - NO_PROGRESS * first) <= _BAND * first)
        return bouncing, close


def _run_fast(objective, evaluate, update, epochs, tol, out, runs, X, loss, G, lr, alone,
              plain=False):  # fmt: skip
    """Descend from the starts X (dim, m) of the batch's ``runs``; every run ends as
    descent.run ends it (results go to ``out``). ``alone(i)`` runs the batch's run i with
    descend, for a tail too close to the bouncing threshold to call. ``plain``: the update
    is plain GD's, x − η g, stepped here without the update call. Where f's formula shows
    no lower bound, each run's streak of falls is read at each chunk's end along its losses
    and points (falls.ChunkFalls), and a run stops where it shows on a fall without bound."""
    parts = _parts(objective)
    m, dim = X.shape[1], X.shape[0]
    falls = ChunkFalls(X) if objective.lower_bound <= _FLOORED else None
    points = _LossRing(CHUNK + 1, m, dim) if falls is not None else None
    value, grad = parts(X[:, :1].copy())  # a constant part of f or ∇f comes back as one number
    as_rows = all(isinstance(v, np.ndarray) and v.shape == (1,) for v in (value, *grad))
    active = np.arange(m)
    loss0 = loss
    state = update.init(X)
    first = (X, G, loss, lr, state)  # the starts, to run a run again from with every test
    rate = float(lr[0]) if (lr == lr[0]).all() else lr  # one η: no array to broadcast
    rises = _Rises.none(m)  # each run's streak at the last chunk end
    history = _LossRing(CHUNK + 1, m)  # the chunk's losses, from its start
    keeping = True  # whether this chunk keeps its losses (the last one had runs to read)
    tail = _Tail(epochs, m, dim)
    later = []  # positions of runs to run again from their starts (_again)
    every = False  # whether the gradient test looks at every part of ∇f, or ∂f/∂x₁ alone
    t_hi = tol * tol * (1 + _BAND) + _TINY
    g_hi = tol * (1 + _BAND) + _TINY  # |∂f/∂x₁| ≤ ‖∇f‖, with room for rounding
    X, G = X.copy(), G.copy()  # written in place below: no new arrays each step
    spare = np.empty_like(X)
    k = 0

    while k < epochs:
        size = min(CHUNK, epochs - k)
        # the chunk's start, to step flagged runs again from (plain GD makes a new G)
        at = (X.copy(), G if plain else G.copy(), loss, state)
        n_active = len(active)
        highest = np.full(n_active, -np.inf)
        smallest = _largest_part(G, every) if tol > 0 else None
        scratch = np.empty(n_active)
        grad = list(G)
        keeping |= falls is not None  # its losses and points: every chunk's
        if keeping and (not history.entries or history.entries[-1][0] != k):
            history.add(k, active, loss)
            if points is not None:
                points.add(k, active, X)
        for i in range(size):
            j = k + i + 1
            in_tail = j > tail.begins and not tail.over
            if plain:  # x − η g, a row at a time: x + (−η g) to the bit, with no stacking
                new = spare if in_tail else X
                if new is X:  # ∂f/∂x of x·y is y itself: a row written before it is read
                    grad = [g.copy() if np.may_share_memory(g, X) else g for g in grad]
                for row, g, into in zip(X, grad, new, strict=True):
                    np.subtract(row, rate * g, out=into)
            else:
                delta, state = update.step(G, state, X, rate)
                np.add(X, delta, out=spare if in_tail else X)
            if in_tail:  # a step of the tail: its size as np.diff of the points
                tail.add(j - tail.begins - 1, spare, X)
                X, spare = spare, X
            before = loss
            value, grad = parts(X)
            if as_rows:
                loss = value
            else:
                loss = _row(value, n_active)
                grad = [_row(g, n_active) for g in grad]
            if not plain:
                np.stack(grad, out=G)
            np.maximum(highest, loss, out=highest)
            if smallest is not None and i < size - 1:  # the last is the next chunk's
                if every:
                    np.minimum(smallest, _largest_part(grad, True, scratch), out=smallest)
                else:
                    np.minimum(smallest, np.abs(grad[0], out=scratch), out=smallest)
            if keeping:
                history.add(j, active, loss)
                if points is not None:
                    points.add(j, active, X)
        if plain:
            G = np.stack(grad)
        # Stepped again with every test: a NaN or ∞ loss on the way (highest keeps it), a
        # gradient small enough to stop at, a point or gradient no longer finite.
        flagged = ~np.isfinite(highest)
        small = smallest <= g_hi if smallest is not None else np.zeros(n_active, dtype=bool)
        flagged |= small
        if not math.isfinite(_total(X, axis=None) + _total(G, axis=None)):
            flagged |= ~(np.isfinite(X).all(axis=0) & np.isfinite(G).all(axis=0))
        if falls is not None:  # f with no bound shown may reach −∞, which highest misses
            values = history.losses(active, k, k + size)
            flagged |= ~np.isfinite(values[1:]).all(axis=0)
        # Each run's streak of rises at the chunk's end: none where the last change was no
        # rise; else read along the chunk's losses from its streak at the start, as for a run
        # whose loss went above its start's (the runaway test needs that and a streak). A run
        # that runs away on the way is stepped again too, to stop at its point.
        reading = np.flatnonzero(flagged | (loss > before) | (highest > loss0))
        start_rises = rises.take(reading)
        rises = _Rises.none(n_active)
        read = reading[~flagged[reading]]
        if read.size and not keeping:  # no losses kept this chunk: stepped again instead
            flagged[read] = True
        elif read.size:
            losses = history.losses(active[read], k, k + size)
            end_rises, ran_away = _rises_along(
                start_rises.take(np.searchsorted(reading, read)), losses, loss0[read]
            )
            rises.put(read, end_rises)
            flagged[read[ran_away]] = True
        keeping = read.size > 0  # copying every loss costs about a tenth of the arithmetic
        stopped = np.zeros(n_active, dtype=bool)
        if falls is not None:  # the streaks of falls, and the runs that fell without bound
            path = points.losses(active, k, k + size)
            fell, step = falls.read(objective, values, path, flagged)
            if fell.size:
                out.end(runs[active[fell]], UNBOUNDED, k + step, path[step, :, fell].T,
                        values[step, fell])  # fmt: skip
                stopped[fell] = True
        if flagged.any():
            which = np.flatnonzero(flagged)
            followed = falls.at_start(which, at[0][:, which]) if falls is not None else None
            ended, again, end_rises = _replay(
                objective, evaluate, update, tol, out, runs, active, at, k, size, which,
                start_rises.take(np.searchsorted(reading, which)), loss0, rate, t_hi, followed,
            )  # fmt: skip
            stopped[which[ended]] = True
            rises.put(which, end_rises)
            # |∂f/∂x₁| small while ‖∇f‖ is not (the saddle's x settles, its y runs off):
            # many such runs stepped again for nothing, so test every part from now on
            if not every and dim > 1:
                idle = np.count_nonzero(small[which] & ~ended & ~again)
                every = idle > max(64, n_active // 16)
            if followed is not None:
                falls.put(which, followed)
            if again.any():  # a rise that may be a runaway: the full loop decides it
                later.append(active[which[again]])  # (all together, at the block's end)
                stopped[which[again]] = True
        k += size
        out.step(n_active, size, epochs - k)
        if stopped.any():
            keep = ~stopped
            X, G, loss, loss0, active = _take(keep, X, G, loss, loss0, active)
            spare = np.empty_like(X)
            rises = rises.take(keep)
            tail.take(keep)
            if falls is not None:
                falls.take(keep)
            state = _take_state(state, keep, len(keep))
            if not isinstance(rate, float):
                rate = rate[keep]
            if not active.size:
                break
    if active.size:  # the runs that used every epoch
        fell = None
        if falls is not None:  # descend's end test of a streak of falls, on the last step
            before = points.losses(active, epochs - 1, epochs - 1)[0]
            run = min(RUNAWAY_EPOCHS, epochs)

            def fell(positions):
                here, there = X[:, positions], before[:, positions]
                return falls.at_end(objective, positions, run, here, there)

        later.append(_end_fast(out, runs, epochs, tol, active, X, G, loss, loss0, rises, tail,
                               alone, fell))  # fmt: skip
    if later and sum(map(len, later)):  # may have run away: from their starts, every test
        _again(objective, evaluate, update, epochs, tol, out, runs, first,
               np.sort(np.concatenate(later)), alone)  # fmt: skip


def _largest_part(G, every: bool, out=None) -> np.ndarray:
    """|∂f/∂x₁| per run, or with ``every`` max |∂f/∂xᵢ| (a norm ≤ tol needs it ≤ tol)."""
    largest = np.abs(G[0], out=out)
    if every:
        for g in G[1:]:
            np.maximum(largest, np.abs(g), out=largest)
    return largest


def _again(objective, evaluate, update, epochs, tol, out, runs, first, positions, alone):
    """Run the block's runs at ``positions`` again from their starts with every test of
    descent.run (_run_block): a streak of rises is a runaway only if the iterates grow with
    it, which needs the path's reach and the streak's first step, which this loop does not
    keep. Their ends go to ``out``."""
    X, G, loss, lr, state = first
    state = _take_state(state, positions, X.shape[1])
    X, G, loss, lr = _take(positions, X, G, loss, lr)
    with out.unreported():  # these steps were counted once already
        _run_block(objective, evaluate, update, epochs, tol, out, runs[positions], X, loss, G,
                   lr, alone, state=state)  # fmt: skip


def _replay(objective, evaluate, update, tol, out, runs, active, at, epoch, size, which, rises,
            loss0, rate, t_hi, falls=None):  # fmt: skip
    """Step the runs ``which`` (positions) again from the chunk's start ``at`` at ``epoch``
    for ``size`` epochs with every test of descent.run; write the ends of those that stop.
    A run whose rises show a runaway (its loss above the start's) is left there, to be run
    again from its start with every test (:func:`_again`). Returns which of them stopped
    and which are left (booleans), and the streaks of the others at the end. ``falls``:
    their streaks of falls (falls.Falls), followed here where f shows no lower bound."""
    X, G, loss, state = at
    m = X.shape[1]
    X, G, loss = _take(which, X, G, loss)
    state = _take_state(state, which, m)
    rate = rate if isinstance(rate, float) else rate[which]
    first_loss = loss0[which]
    ids = runs[active[which]]
    s = _squares(G)
    going = np.ones(len(which), dtype=bool)
    again = np.zeros(len(which), dtype=bool)

    def end(positions, why, when, points, values):
        out.end(ids[positions], why, when, points[:, positions], values[positions])
        going[positions] = False

    for k in range(epoch, epoch + size):
        if tol > 0:
            done = _within(s, G, tol, np.flatnonzero(going & (s <= t_hi)))
            if done.size:
                end(done, GRADIENT, k, X, loss)
        delta, state = update.step(G, state, X, rate)
        X_new = X + delta
        loss_new, G_new, s_new = evaluate(X_new)
        for why, bad in zip(
            (OVERFLOW, UNDEFINED), _broken(objective, X_new, loss_new, G_new), strict=True
        ):
            bad &= going
            if bad.any():  # the run ends at its last finite point, as descend's
                end(np.flatnonzero(bad), why, k, X, loss)
        rises = rises.add(loss_new - loss)
        runaway = going & rises.shown() & (loss_new > first_loss)
        if runaway.any():
            again |= runaway
            going &= ~runaway
        if falls is not None:  # a streak of falls shown where f has no bound that way
            falls.add(X_new, loss_new - loss)
            shown = np.flatnonzero(going & falls.shown())
            if shown.size:
                here = X_new[:, shown]
                fell = shown[unbounded(objective, here, here - X[:, shown])]
                end(fell, UNBOUNDED, k + 1, X_new, loss_new)
        X, G, loss, s = X_new, G_new, loss_new, s_new
        if not going.any():
            break
    return ~going & ~again, again, rises


def _end_fast(out, runs, epochs, tol, active, X, G, loss, loss0, rises, tail, alone,
              fell=None):  # fmt: skip
    """descent._end_status for the fast loop's runs that used all their epochs (``fell``:
    which of the runs at some positions end on a fall without bound, None where none
    can). Returns the positions of the runs ending on a streak of rises above the start's
    loss, left to run again with every test (:func:`_again`)."""
    m = len(active)
    why = np.full(m, -1, dtype=np.int8)
    why[_within(_squares(G), G, tol, np.arange(m))] = GRADIENT
    above = (why < 0) & (loss > loss0)
    again = above & (rises.length >= min(RUNAWAY_EPOCHS, epochs))
    why[again] = RUNAWAY  # a placeholder: these are not written below
    if fell is not None:
        falling = np.flatnonzero(why < 0)
        why[falling[fell(falling)]] = UNBOUNDED
    bouncing, close = tail.verdict()
    open_ = why < 0
    why[open_] = np.where(bouncing[open_], BOUNCING, EPOCHS)
    ids = runs[active]
    exact = np.flatnonzero(open_ & close)
    finished = ~again
    finished[exact] = False
    out.end(ids[finished], why[finished], epochs, X[:, finished], loss[finished])
    for i in ids[exact]:  # too close to call from the sums: descend's own verdict
        out.end_run(i, alone(i))
    return active[again]
