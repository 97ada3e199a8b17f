"""Trial and error versus the gradient: what knowing the slope saves, counted in evaluations.

Trial and error (coordinate search) nudges one parameter at a time by ±δ and keeps
whatever lowers the loss; gradient descent asks for the slope and moves every
parameter at once. Both runs here count every function evaluation, so a page can
plot loss against evaluations (and :mod:`gdviz.scaling` can show, live, how the cost
of each grows with the number of parameters).

Counting conventions, used throughout:

* one evaluation of f costs **1**;
* one gradient of n parameters costs **1** (as backpropagation does, at a small
  constant factor of one evaluation): ``SearchRun.evals``;
* the alternative, **n** (forward finite differences: n more evaluations of f beside
  the f(x) already known): ``SearchRun.evals_fd``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import checks
from .descent import DEFAULT_TOL
from .numbers import fmt
from .objectives import Objective, get_objective

#: How a counted run can end.
SEARCH_STATUSES = ("converged", "max_evals", "diverged")


@dataclass(frozen=True, eq=False)
class SearchRun:
    """A counted run: the recorded points, their losses and what it cost to reach each.

    ``points[0]`` is the start. For trial and error each later point is the one
    reached by an accepted move (one coordinate changed by ±δ); for gradient
    descent, the iterate after each step. ``loss_evals[k]`` and ``grad_evals[k]``
    count the evaluations of f and of ∇f spent up to and including finding
    ``losses[k]``; ``total_loss_evals`` and ``total_grad_evals`` include the
    evaluations after the last recorded point (trial and error's failed tries).
    ``deltas[k]`` is the step δ in force when point k was reached (trial and error
    only). ``status`` is one of :data:`SEARCH_STATUSES`, ``reason`` which test
    decided it ("target", "delta", "gradient", "max_evals", "overflow").
    """

    method: str
    dim: int
    points: np.ndarray
    losses: np.ndarray
    loss_evals: np.ndarray
    grad_evals: np.ndarray
    total_loss_evals: int
    total_grad_evals: int
    status: str
    reason: str
    deltas: np.ndarray | None = None
    lr: float | None = None
    sweeps: int = 0
    final_delta: float | None = None
    target: float | None = None
    tol: float = DEFAULT_TOL

    @property
    def evals(self) -> np.ndarray:
        """Cumulative evaluations per recorded point, a gradient costing 1 (backpropagation)."""
        return self.loss_evals + self.grad_evals

    @property
    def evals_fd(self) -> np.ndarray:
        """Cumulative evaluations per recorded point, a gradient costing n (finite differences)."""
        return self.loss_evals + self.dim * self.grad_evals

    @property
    def total_evals(self) -> int:
        """Every evaluation the run made, a gradient costing 1."""
        return self.total_loss_evals + self.total_grad_evals

    @property
    def total_evals_fd(self) -> int:
        """Every evaluation the run made, a gradient costing n."""
        return self.total_loss_evals + self.dim * self.total_grad_evals

    @property
    def final(self) -> np.ndarray:
        return self.points[-1]

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    @property
    def message(self) -> str:
        """How the run ended, in words, each count with the convention it was counted by."""
        name = "Trial and error" if self.method == "trial" else "Gradient descent"
        if self.method == "trial":
            cost = f"{self.total_evals:,} evaluations of f"
        else:
            cost = (
                f"{self.total_evals:,} evaluations: {self.total_loss_evals:,} of f and "
                f"{self.total_grad_evals:,} of ∇f, each ∇f counted as 1 (backpropagation)"
            )
        if self.reason == "delta":
            ending = f"stopped: no ±δ move helps and δ has shrunk to {_small(self.final_delta)}"
        else:
            ending = {
                "target": f"reached f within {tolerance_text(self.tol)} of its minimum",
                "gradient": f"stopped: the gradient is within {tolerance_text(self.tol)} of zero",
                "max_evals": "ran out of evaluations",
                "overflow": "diverged: the loss overflowed",
            }[self.reason]
        return f"{name} {ending} after {cost}; final f = {fmt(self.final_loss)}."

    def loss_after(self, evals, *, finite_differences: bool = False) -> np.ndarray:
        """The loss of the latest point found within each budget in ``evals`` (NaN before).

        Aligns runs on one axis of evaluations: the step curve a loss-vs-evaluations
        plot draws. ``finite_differences`` counts each gradient as n evaluations.
        """
        spent = self.evals_fd if finite_differences else self.evals
        index = np.searchsorted(spent, np.asarray(evals, dtype=float), side="right") - 1
        out = self.losses[np.clip(index, 0, None)].astype(float)
        out[index < 0] = np.nan
        return out

    def __repr__(self) -> str:
        return (
            f"SearchRun({self.method!r}, dim={self.dim}, status={self.status!r}, "
            f"evals={self.total_evals}, final_loss={self.final_loss:.3g})"
        )


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def tolerance_text(tol: float) -> str:
    """A tolerance as read on screen: 10⁻⁶ for a power of ten, else 3 digits.

    >>> tolerance_text(1e-6), tolerance_text(0.0), tolerance_text(2.5e-3)
    ('10⁻⁶', '0', '0.0025')
    """
    if tol > 0 and math.isclose(exponent := round(math.log10(tol)), math.log10(tol)):
        return "10" + str(exponent).translate(_SUPERSCRIPT) if exponent else "1"
    return f"{tol:.3g}"


def _small(value: float) -> str:
    """2 significant digits, as 7.5 × 10⁻⁹ rather than 7.5e-09 when very small."""
    mantissa, exponent = f"{value:.1e}".split("e")
    if -4 <= int(exponent) < 5:
        return f"{value:.2g}"
    return f"{mantissa} × 10" + str(int(exponent)).translate(_SUPERSCRIPT)


# ---------------------------------------------------------------- arguments


def _positive(name: str, value, *, below_one: bool = False) -> float:
    return checks.number(name, value, low=0.0, low_open=True, high=1.0 if below_one else math.inf,
                         high_open=below_one)  # fmt: skip


def _budget(max_evals) -> int:
    return checks.whole("max_evals", max_evals, low=1)


def _tol(tol) -> float:
    return checks.number("tol", tol, low=0.0)


def _known_minimum(objective: Objective) -> float | None:
    best = objective.global_minimum
    return None if best is None else best.value


def _objective_start(objective: Objective, start) -> np.ndarray:
    start = objective.start if start is None else start
    return checks.point("start", start, objective.dim, objective.slug)


def _counted(method, points, losses, evals, totals, status, reason, **extra) -> SearchRun:
    """A SearchRun from its recorded rows: ``evals`` = (loss counts, gradient counts) per
    point, ``totals`` = every evaluation of f and of ∇f the run made."""
    loss_evals, grad_evals = (np.array(counts, dtype=np.int64) for counts in evals)
    return SearchRun(method, len(points[0]), np.array(points), np.array(losses), loss_evals,
                     grad_evals, *totals, status, reason, **extra)  # fmt: skip


# ---------------------------------------------------------------- trial and error


class _Recorder:
    """Collects points, losses, δ and evaluation counts as a run goes."""

    def __init__(self, x, fx, delta, record: bool):
        self.record = record
        self.rows = [(x.copy(), fx, delta, 1)]

    def add(self, x, fx, delta, evals):
        row = (x.copy(), fx, delta, evals)
        if self.record or len(self.rows) == 1:
            self.rows.append(row)
        else:
            self.rows[-1] = row  # keep only the start and the latest point


def trial_and_error(
    f: Callable[[np.ndarray], float],
    start,
    *,
    delta: float = 0.5,
    shrink: float = 0.5,
    min_delta: float = 1e-8,
    max_evals: int = 100_000,
    tol: float = DEFAULT_TOL,
    target: float | None = None,
    separable: bool = False,
    record: bool = True,
) -> SearchRun:
    """Minimise ``f`` by trial and error: nudge one parameter at a time, keep what helps.

    For each parameter i in turn, try x + δeᵢ, then (if that did not help) x − δeᵢ, and
    keep the first that lowers f strictly. When a whole sweep over the parameters
    changes nothing, δ ← shrink·δ. Every evaluation of f counts, the start's included.

    Stops "converged" when f ≤ target + tol (``target``, if given, is the known
    minimum) or when δ < ``min_delta``; "max_evals" when the next try would exceed
    ``max_evals``. The path records the start and the point after every accepted
    move (``record=False`` keeps only the start and the final point, for big runs).

    ``separable=True`` evaluates each sweep's tries as one batch, ``f`` then taking
    an array of points of shape (k, dim). It gives exactly the sequential run's moves
    and counts, but only for f that is a sum of one-coordinate terms (f = Σ gᵢ(xᵢ)),
    where a move's effect on f does not depend on the other coordinates.

    >>> run = trial_and_error(lambda x: float(x @ x), [0.75], target=0.0)
    >>> run.points[:, 0].tolist(), run.loss_evals.tolist()
    ([0.75, 0.25, 0.0], [1, 3, 7])
    """
    x = checks.point("start", start)
    delta = _positive("delta", delta)
    shrink = _positive("shrink", shrink, below_one=True)
    min_delta = _positive("min_delta", min_delta)
    max_evals = _budget(max_evals)
    tol = _tol(tol)
    fx = float(np.asarray(f(x[None, :] if separable else x)).reshape(-1)[0])
    if not math.isfinite(fx):
        raise ValueError(f"f is not defined at the start {x.tolist()} (f = {fx})")
    evals, sweeps = 1, 0
    rec = _Recorder(x, fx, delta, record)
    sweep = _batch_sweep if separable else _sequential_sweep
    status = reason = None
    while status is None:
        if target is not None and fx <= target + tol:
            status, reason = "converged", "target"
            break
        x, fx, evals, moved, out = sweep(f, x, fx, delta, evals, max_evals, target, tol, rec)
        sweeps += 1
        if out:
            status, reason = ("max_evals", "max_evals") if out == "budget" else ("converged", out)
        elif not moved:
            delta *= shrink
            if delta < min_delta:
                status, reason = "converged", "delta"
    points, losses, deltas, counts = zip(*rec.rows, strict=True)
    return _counted("trial", points, losses, (counts, [0] * len(counts)), (evals, 0),
                    status, reason, deltas=np.array(deltas), sweeps=sweeps,
                    final_delta=delta, target=target, tol=tol)  # fmt: skip


def _sequential_sweep(f, x, fx, delta, evals, max_evals, target, tol, rec):
    """One sweep, one try at a time. Returns (x, fx, evals, moved, stop reason or None)."""
    moved = False
    for i in range(x.size):
        for step in (delta, -delta):
            if evals >= max_evals:
                return x, fx, evals, moved, "budget"
            y = x.copy()
            y[i] += step
            fy = float(f(y))
            evals += 1
            if fy < fx:
                x, fx, moved = y, fy, True
                rec.add(x, fx, delta, evals)
                if target is not None and fx <= target + tol:
                    return x, fx, evals, moved, "target"
                break
    return x, fx, evals, moved, None


def _batch_sweep(f, x, fx, delta, evals, max_evals, target, tol, rec):
    """One sweep as two batches (all +δ tries, then −δ where +δ failed); separable f only.

    For f = Σ gᵢ(xᵢ) the change a move makes, f(x ± δeᵢ) − f(x), is the same whether
    or not earlier coordinates moved this sweep, so judging every try against the
    sweep's starting point gives the sequential decisions; counts and stops are
    then replayed in sequential order.
    """
    n = x.size
    eye = np.eye(n) * delta
    gain_plus = np.asarray(f(x + eye), dtype=float) - fx  # f change of each +δ try
    plus_ok = gain_plus < 0
    minus = np.flatnonzero(~plus_ok)
    gain_minus = np.zeros(n)
    if minus.size:
        gain_minus[minus] = np.asarray(f(x[None, :] - eye[minus]), dtype=float) - fx
    minus_ok = ~plus_ok & (gain_minus < 0)
    # Evaluations used once coordinate i is done, in sequential order: a move on i is
    # accepted at done[i] (the +δ try, or the −δ try after a failed +δ).
    done = evals + np.cumsum(1 + ~plus_ok)
    step = np.where(plus_ok, delta, np.where(minus_ok, -delta, 0.0))
    moves = np.flatnonzero((step != 0) & (done <= max_evals))
    reason, new_evals = None, int(done[-1])
    if done[-1] > max_evals:
        reason, new_evals = "budget", max_evals
    # The point after each accepted move, and f there: the value the sequential run
    # got from the try that made the move (judging by differences from the sweep's
    # start would let rounding drift build up from sweep to sweep).
    path = np.zeros((moves.size, n))
    path[np.arange(moves.size), moves] = step[moves]
    path = x + np.cumsum(path, axis=0)
    loss = np.asarray(f(path), dtype=float).reshape(-1) if moves.size else np.zeros(0)
    if target is not None and moves.size:
        hit = np.flatnonzero(loss <= target + tol)
        if hit.size:
            moves, path, loss = moves[: hit[0] + 1], path[: hit[0] + 1], loss[: hit[0] + 1]
            reason, new_evals = "target", int(done[moves[-1]])
    if not moves.size:
        return x, fx, new_evals, False, reason
    if rec.record:
        for i, y, fy in zip(moves, path, loss, strict=True):
            rec.add(y, float(fy), delta, int(done[i]))
    else:
        rec.add(path[-1], float(loss[-1]), delta, int(done[moves[-1]]))
    return path[-1].copy(), float(loss[-1]), new_evals, True, reason


def trial_and_error_objective(objective: Objective | str, start=None, **options) -> SearchRun:
    """:func:`trial_and_error` on a gdviz Objective (or its slug), from its suggested start.

    The target defaults to the objective's known global minimum, so the run stops
    "converged" once f is within ``tol`` of it.

    >>> trial_and_error_objective("bowl").status
    'converged'
    """
    obj = get_objective(objective)
    options.setdefault("target", _known_minimum(obj))
    return trial_and_error(obj.f, _objective_start(obj, start), **options)


# ---------------------------------------------------------------- gradient descent, counted


def counted_descent(
    f: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], np.ndarray],
    start,
    *,
    lr: float,
    max_evals: int = 100_000,
    tol: float = DEFAULT_TOL,
    target: float | None = None,
    record: bool = True,
) -> SearchRun:
    """Plain gradient descent, x ← x − lr·∇f(x), counting evaluations as trial and error does.

    Each step costs one loss evaluation and one gradient evaluation: f(x) at every
    iterate (the start's included) and ∇f(x) at every iterate the run steps from.
    ``SearchRun.evals`` counts a gradient as **1** evaluation, as backpropagation
    computes all n partial derivatives at a small constant factor of one f;
    ``SearchRun.evals_fd`` counts it as **n**, the price of forward finite
    differences, for the honest worst case. So k steps cost 1 + 2k, or 1 + (n + 1)k.

    Stops "converged" when f ≤ target + tol (if ``target`` is given) or when
    ‖∇f‖ ≤ tol (a stationary point, perhaps not the target); "diverged" when f or x
    stops being finite; "max_evals" when the next step would take the count (a
    gradient costing 1) past ``max_evals``.

    >>> run = counted_descent(lambda x: x @ x, lambda x: 2 * x, [1.0, 2.0], lr=0.5, target=0.0)
    >>> run.losses.tolist(), run.evals.tolist(), run.evals_fd.tolist()
    ([5.0, 0.0], [1, 3], [1, 4])
    """
    x = checks.point("start", start)
    lr = _positive("lr", lr)
    max_evals = _budget(max_evals)
    tol = _tol(tol)
    with np.errstate(all="ignore"):
        fx = float(f(x))
    if not math.isfinite(fx):
        raise ValueError(f"f is not defined at the start {x.tolist()} (f = {fx})")
    n_f, n_g = 1, 0
    rows = [(x, fx, n_f, n_g)]
    status = reason = None
    with np.errstate(all="ignore"):
        while status is None:
            if target is not None and fx <= target + tol:
                status, reason = "converged", "target"
            elif n_f + n_g + 2 > max_evals:
                status, reason = "max_evals", "max_evals"
            else:
                g = np.asarray(grad(x), dtype=float)
                n_g += 1
                if math.sqrt(g @ g) <= tol:
                    status, reason = "converged", "gradient"
                    break
                x = x - lr * g
                fx = float(f(x))
                n_f += 1
                row = (x, fx, n_f, n_g)
                if record or len(rows) == 1:
                    rows.append(row)
                else:
                    rows[-1] = row
                if not (math.isfinite(fx) and np.isfinite(x).all()):
                    status, reason = "diverged", "overflow"
    points, losses, loss_evals, grad_evals = zip(*rows, strict=True)
    return _counted("gradient", points, losses, (loss_evals, grad_evals), (n_f, n_g),
                    status, reason, lr=lr, target=target, tol=tol)  # fmt: skip


def counted_descent_objective(
    objective: Objective | str, start=None, *, lr: float | None = None, **options
) -> SearchRun:
    """:func:`counted_descent` on a gdviz Objective, with its suggested start and lr.

    The target defaults to the objective's known global minimum.
    """
    obj = get_objective(objective)
    options.setdefault("target", _known_minimum(obj))
    return counted_descent(
        obj.f, obj.grad, _objective_start(obj, start), lr=obj.lr if lr is None else lr, **options
    )


# ---------------------------------------------------------------- the race


@dataclass(frozen=True, eq=False)
class TrialRace:
    """Trial and error and gradient descent from one start, on one evaluation budget."""

    objective: Objective
    trial: SearchRun
    gradient: SearchRun

    def aligned(self, num: int = 200) -> dict[str, np.ndarray]:
        """Losses of both runs on one shared axis of evaluation counts, for a loss plot.

        Keys: "evals" (the axis, 1 .. the longest run's total, log-spaced),
        "trial", "gradient" (a gradient costing 1) and "gradient_fd" (costing n);
        each loss is that of the latest point found within that many evaluations.
        """
        last = max(self.trial.total_evals, self.gradient.total_evals_fd, 1)
        axis = np.unique(np.round(np.geomspace(1, last, num)).astype(np.int64))
        return {
            "evals": axis,
            "trial": self.trial.loss_after(axis),
            "gradient": self.gradient.loss_after(axis),
            "gradient_fd": self.gradient.loss_after(axis, finite_differences=True),
        }

    def summary(self) -> list[str]:
        """One sentence per run, then who needed fewer evaluations if both reached the
        minimum (or which one did, if only one did)."""
        t, g = self.trial, self.gradient
        lines = [t.message, g.message]
        reached = [r.reason == "target" for r in (t, g)]
        within = f"within {tolerance_text(t.tol)} of the minimum"
        if all(reached):
            params = "1 parameter" if t.dim == 1 else f"{t.dim} parameters"
            if t.total_evals < g.total_evals:
                verdict = (
                    f"With {params}, trial and error needed fewer evaluations here: "
                    f"{t.total_evals:,} evaluations of f against gradient descent's "
                    f"{g.total_evals:,} (each ∇f counted as 1)."
                )
            elif t.total_evals > g.total_evals:
                verdict = (
                    f"With {params}, gradient descent needed fewer evaluations here: "
                    f"{g.total_evals:,} (each ∇f counted as 1) against trial and error's "
                    f"{t.total_evals:,} evaluations of f."
                )
            else:
                verdict = f"With {params}, both needed {t.total_evals:,} evaluations."
            lines.append(verdict)
        elif any(reached):
            name = "trial and error" if reached[0] else "gradient descent"
            lines.append(f"Only {name} got {within}.")
        return lines


def race_trial_vs_gradient(
    objective: Objective | str,
    start=None,
    *,
    lr: float | None = None,
    delta: float = 0.5,
    tol: float = DEFAULT_TOL,
    max_evals: int = 100_000,
    **trial_options,
) -> TrialRace:
    """Run trial and error and gradient descent on ``objective`` from the same start.

    Both stop at the same test (f within ``tol`` of the known minimum, if the
    objective lists one) and on the same budget of ``max_evals`` evaluations.
    ``lr`` defaults to the objective's suggestion, ``delta`` is trial and error's
    first step; other options go to :func:`trial_and_error`.
    """
    obj = get_objective(objective)
    x0 = _objective_start(obj, start)
    trial = trial_and_error_objective(
        obj, x0, delta=delta, tol=tol, max_evals=max_evals, **trial_options
    )
    gradient = counted_descent_objective(obj, x0, lr=lr, tol=tol, max_evals=max_evals)
    return TrialRace(obj, trial, gradient)
