"""The classic exercises, taught right: each one's numbers computed, and its slip named.

Four exercises most courses on gradient descent set, as pure computations that a page can
animate and sentences it can show, every number computed from a run:

* the classic loop on f(x) = x² + 5 from a random whole x₀ in 0 … 10000, whose printout
  labels the gradient "x" (:func:`classic_loop`, :func:`classic_printout`);
* "minimize the loss below 1.30" with a 4×4 weight matrix, whose update adds one averaged
  number to every weight and whose second cell predicts with W @ a instead of a @ W
  (:func:`matrix_right_update`, :func:`matrix_flawed_update`, :func:`matrix_flawed_prediction`);
* PyTorch's loop, ``zero_grad()`` … ``step()``, line by line, and what leaving out
  ``zero_grad()`` does: gradients pile up in p.grad (:func:`zero_grad_runs`);
* small facts: the sign of dL/dw, a secant's slope, what finding a gradient by trying costs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np
import sympy as sp

from . import checks
from .derivative import downhill_direction, secant_table
from .fit import loss_objective
from .numbers import plain, short
from .objectives import Objective, get_objective
from .optimizers import get_optimizer
from .pytorch import loop_code
from .scaling import central_difference_gradient, every_combination
from .stability import Curvature


def _say(value: float) -> str:
    """A number in a sentence: 6 significant digits (a power of ten when huge), true minus."""
    return plain(float(value)).replace("-", "−")


# ---- 1. the classic loop: f(x) = x² + 5 ---------------------------------------------------

CLASSIC_LR = 0.01
CLASSIC_EPOCHS = 100
#: The classic start is a whole number drawn from 0 … CLASSIC_HIGH, both ends included.
CLASSIC_HIGH = 10_000
#: Both printouts use the classic program's own format, ``{:.3f}``: with x up to 10⁴ the
#: cost reaches 10⁸, where 6 significant digits would hide its + 5.
PRINT_FORMAT = ".3f"


def classic_start(seed: int = 0) -> int:
    """The classic start x₀: a whole number drawn uniformly from 0 … 10000 by numpy's
    Generator seeded with ``seed``, so one seed replays it and another re-rolls it.

    >>> classic_start(0) == classic_start(0)
    True
    """
    seed = checks.whole("seed", seed)
    return int(np.random.default_rng(seed).integers(0, CLASSIC_HIGH, endpoint=True))


class ClassicRow(NamedTuple):
    """Epoch k of the classic loop: x_k (the point after k updates), f′(x_k) and f(x_k)."""

    epoch: int
    x: float
    gradient: float  # f′(x_k) = 2·x_k
    cost: float  # f(x_k) = x_k² + 5


@dataclass(frozen=True)
class ClassicRun:
    """The classic loop's rows for epochs 0 … ``epochs``; ``sign`` −1 descends, +1 climbs."""

    lr: float
    sign: int
    rows: tuple[ClassicRow, ...]

    @property
    def epochs(self) -> int:
        return len(self.rows) - 1

    @property
    def start(self) -> float:
        return self.rows[0].x

    @property
    def final(self) -> ClassicRow:
        return self.rows[-1]

    @property
    def xs(self) -> np.ndarray:
        return np.array([row.x for row in self.rows])

    @property
    def costs(self) -> np.ndarray:
        return np.array([row.cost for row in self.rows])

    @property
    def factor(self) -> float:
        """What one step multiplies x by, measured from the first step (NaN from x₀ = 0)."""
        if self.epochs == 0 or self.start == 0:
            return math.nan
        return self.rows[1].x / self.rows[0].x


def classic_loop(start, lr: float = CLASSIC_LR, epochs: int = CLASSIC_EPOCHS, sign: int = -1):
    """The classic loop on f(x) = x² + 5: x ← x + sign·η·f′(x), with f′(x) = 2x.

    ``sign`` −1 is gradient descent; +1 is the exercise's suggested experiment, "replace
    the subtraction with an addition", which climbs (PyTorch's ``SGD(maximize=True)``).
    Returns a :class:`ClassicRun` whose row k holds x_k, f′(x_k) and f(x_k), for
    k = 0 … ``epochs``, as the classic program's ``for i in range(epochs + 1)`` visits them.

    >>> [row.x for row in classic_loop(100, epochs=2).rows]
    [100.0, 98.0, 96.04]
    """
    x = checks.number("start", start)
    lr = checks.number("lr", lr, low=0.0, low_open=True)
    epochs = checks.whole("epochs", epochs)
    if sign not in (-1, 1) or isinstance(sign, bool):
        raise ValueError(f"sign must be -1 (descend) or +1 (climb), got {sign!r}")
    rows = []
    for k in range(epochs + 1):
        gradient = 2 * x  # f′(x)
        rows.append(ClassicRow(k, x, gradient, x * x + 5))
        x = x + sign * lr * gradient
    return ClassicRun(lr, sign, tuple(rows))


def classic_printout(run: ClassicRun) -> list[str]:
    """The classic program's printout, slip included: one line per epoch,
    ``EPOCH k: Cost = f(x_k), x = f′(x_k)``.

    The program computes the cost and the gradient at x_k, prints, then updates x (printing
    after the update would show the same numbers: both were stored before it). Its slip is
    the label: the number after ``x =`` is the gradient 2·x_k, not x_k.

    >>> classic_printout(classic_loop(100, epochs=1))
    ['EPOCH 0: Cost = 10005.000, x = 200.000', 'EPOCH 1: Cost = 9609.000, x = 196.000']
    """
    f = PRINT_FORMAT
    return [f"EPOCH {r.epoch}: Cost = {r.cost:{f}}, x = {r.gradient:{f}}" for r in run.rows]


def corrected_printout(run: ClassicRun) -> list[str]:
    """The printout with x and the gradient in their own columns, all at one point:
    ``EPOCH k: Cost = f(x_k), x = x_k, gradient = f′(x_k)``.

    Line k holds the classic line k's cost, the real x_k, and under ``gradient`` the number
    the classic line k printed as ``x``.

    >>> corrected_printout(classic_loop(100, epochs=1))[1]
    'EPOCH 1: Cost = 9609.000, x = 98.000, gradient = 196.000'
    """
    f = PRINT_FORMAT
    return [
        f"EPOCH {r.epoch}: Cost = {r.cost:{f}}, x = {r.x:{f}}, gradient = {r.gradient:{f}}"
        for r in run.rows
    ]


def classic_slip(run: ClassicRun | None = None) -> str:
    """The classic printout's slip in a sentence or two, with the run's own numbers
    (by default the classic loop from ``classic_start(0)``)."""
    if run is None:
        run = classic_loop(classic_start(0))
    first = run.rows[0]
    if first.x == 0:
        return (
            "The classic program prints the gradient f′(x) = 2x under the label “x”; "
            "from x₀ = 0 it cannot show, since x and 2x are both 0 at every epoch."
        )
    printed = float(classic_printout(run)[0].rsplit("x = ", 1)[1])
    return (
        f"The classic program prints the gradient f′(x) = 2x under the label “x”: its first "
        f"line says x = {_say(printed)}, but x₀ = {_say(first.x)}. "
        f"Every line's “x” is {_say(printed / first.x)} times the real x."
    )


def classic_sign_flip(start=None, lr: float = CLASSIC_LR, epochs: int = CLASSIC_EPOCHS) -> str:
    """What "replace the subtraction with an addition" does, in two sentences of numbers:
    each step multiplies x by 1 + 2η instead of 1 − 2η, so x and the cost climb."""
    if start is None:
        start = classic_start(0)
    down = classic_loop(start, lr, epochs, sign=-1)
    up = classic_loop(start, lr, epochs, sign=+1)
    if up.start == 0:
        return "From x₀ = 0 an addition changes nothing: f′(0) = 0, so x stays at the minimum."
    return (
        f"With an addition each step multiplies x by {_say(up.factor)} instead of "
        f"{_say(down.factor)}: after {up.epochs} epochs from x₀ = {_say(up.start)}, "
        f"x is {_say(up.final.x)} instead of {_say(down.final.x)}. "
        f"The cost climbs from {_say(up.costs[0])} to {_say(up.final.cost)}, "
        f"{short(up.final.cost / up.costs[0])} times its start, instead of falling to "
        f"{_say(down.final.cost)}."
    )


# ---- 2. "minimize the loss below 1.30": a 4×4 weight matrix ----------------------------------

#: The loss the exercise asks to get below.
MATRIX_TARGET = 1.30
#: The exercise's step size in its flawed update W + 0.0001·G.
MATRIX_FLAWED_STEP = 1e-4
#: η for the right update: below 1/λ_max = 1/15 (λ_max of the loss's Hessian, computed by
#: :func:`matrix_curvature`), so every error shrinks by 1 − η·λ_max = 0.85 each step without
#: overshooting, well inside the stable limit 2/λ_max; slow enough to watch (about 15 epochs).
MATRIX_LR = 0.01
MATRIX_EPOCHS = 100


class MatrixExercise(NamedTuple):
    """The exercise's data: one input a, its target t, and the starting weights W."""

    a: np.ndarray  # input, shape (4,)
    t: np.ndarray  # target, shape (4,)
    W: np.ndarray  # weights, shape (4, 4): every row (1.5, 1.3, 1.8, 1.1)


def matrix_exercise_start() -> MatrixExercise:
    """a = (1, 2, 3, 4), t = (2, 3, 4, 5), W with every row (1.5, 1.3, 1.8, 1.1); fresh
    arrays each call."""
    a = np.array([1.0, 2.0, 3.0, 4.0])
    t = np.array([2.0, 3.0, 4.0, 5.0])
    W = np.tile([1.5, 1.3, 1.8, 1.1], (4, 1))
    return MatrixExercise(a, t, W)


#: The prediction as the exercise asks it (the row vector a times W), and as its second
#: cell writes it: (a @ W)_j = Σᵢ aᵢ Wᵢⱼ, but (W @ a)ᵢ = Σⱼ Wᵢⱼ aⱼ.
PREDICTIONS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "a @ W": lambda W, a: a @ W,
    "W @ a": lambda W, a: W @ a,
}


def _data(a, t) -> tuple[np.ndarray, np.ndarray]:
    start = matrix_exercise_start()
    a = start.a if a is None else checks.point("a", a)
    t = start.t if t is None else checks.point("t", t, a.size)
    return a, t


def _weights(W, n: int) -> np.ndarray:
    W = np.asarray(W, dtype=float)
    if W.shape != (n, n) or not np.all(np.isfinite(W)):
        raise ValueError(f"W must be a finite {n}×{n} matrix, got shape {W.shape}")
    return W


def matrix_loss(W, a=None, t=None, *, prediction: str = "a @ W") -> float:
    """L(W) = mean over the outputs of (prediction − t)²; a and t default to the exercise's.

    >>> matrix_loss(matrix_exercise_start().W)
    125.25
    """
    a, t = _data(a, t)
    predict = checks.one_of("prediction", prediction, PREDICTIONS)
    error = predict(_weights(W, a.size), a) - t
    return float(np.mean(error * error))


def matrix_gradient(W, a=None, t=None, *, prediction: str = "a @ W") -> np.ndarray:
    """∇L(W): every weight's own partial derivative, shape (4, 4).

    For a @ W, ∂L/∂Wᵢⱼ = (2/n)·aᵢ·eⱼ; for W @ a, ∂L/∂Wᵢⱼ = (2/n)·eᵢ·aⱼ, with e the
    prediction's error and n the number of outputs.
    """
    a, t = _data(a, t)
    predict = checks.one_of("prediction", prediction, PREDICTIONS)
    error = predict(_weights(W, a.size), a) - t
    scale = 2.0 / error.size  # the mean's 1/n, times the square's 2
    if prediction == "a @ W":
        return scale * np.outer(a, error)
    return scale * np.outer(error, a)


def matrix_hessian(a=None, *, prediction: str = "a @ W") -> np.ndarray:
    """∇²L over the 16 weights in row-major order (W.ravel()): the same for every W, the
    loss being quadratic. For a @ W it is (2/n)·(a aᵀ ⊗ I); for W @ a, (2/n)·(I ⊗ a aᵀ)."""
    a, _ = _data(a, None)
    checks.one_of("prediction", prediction, PREDICTIONS)
    outer, identity = np.outer(a, a), np.eye(a.size)
    pair = (outer, identity) if prediction == "a @ W" else (identity, outer)
    return 2.0 / a.size * np.kron(*pair)


def matrix_curvature(a=None, *, prediction: str = "a @ W") -> Curvature:
    """The Hessian's eigenvalues (:class:`~gdviz.stability.Curvature`): λ_max, the stable
    limit 2/λ_max and the band η falls in.

    >>> c = matrix_curvature()
    >>> round(c.lam_max, 12), c.band(MATRIX_LR)
    (15.0, 'monotone')
    """
    hessian = matrix_hessian(a, prediction=prediction)
    values = np.linalg.eigvalsh(hessian)
    return Curvature("every W", tuple(matrix_exercise_start().W.ravel()), tuple(map(float, values)))


@dataclass(frozen=True, eq=False)
class MatrixRun:
    """A run of the matrix exercise: W and the loss at every epoch, with how it updated.

    ``losses[k]`` is the loss of ``weights[k]`` under the run's own ``prediction``;
    :meth:`losses_under` scores its weights under the other one.
    """

    label: str  # "flawed update", "flawed prediction" or "right update"
    rule: str  # the update, as code
    prediction: str  # a key of PREDICTIONS
    lr: float  # η, or the flawed update's step size
    weights: np.ndarray  # (epochs + 1, 4, 4)
    losses: np.ndarray  # (epochs + 1,)

    @property
    def epochs(self) -> int:
        return len(self.losses) - 1

    def losses_under(self, prediction: str) -> np.ndarray:
        """The loss of each epoch's W, predicting with ``prediction``."""
        return np.array([matrix_loss(W, prediction=prediction) for W in self.weights])


def _matrix_run(label, rule, prediction, lr, epochs, step) -> MatrixRun:
    epochs = checks.whole("epochs", epochs)
    W = matrix_exercise_start().W
    weights, losses = [W], [matrix_loss(W, prediction=prediction)]
    for _ in range(epochs):
        W = step(W)
        weights.append(W)
        losses.append(matrix_loss(W, prediction=prediction))
    return MatrixRun(label, rule, prediction, lr, np.array(weights), np.array(losses))


def matrix_right_update(lr: float = MATRIX_LR, epochs: int = MATRIX_EPOCHS) -> MatrixRun:
    """Gradient descent as it should be: W ← W − η∇L, every weight along its own partial
    derivative, predicting with a @ W."""
    lr = checks.number("lr", lr, low=0.0, low_open=True)
    return _matrix_run(
        "right update", "W = W - lr * W.grad", "a @ W", lr, epochs,
        lambda W: W - lr * matrix_gradient(W),
    )  # fmt: skip


def matrix_flawed_update(
    step: float = MATRIX_FLAWED_STEP, epochs: int = MATRIX_EPOCHS
) -> MatrixRun:
    """The exercise's update, W ← W + 0.0001·G, with G "a single averaged number": the
    gradient ∇L averaged over its 16 entries (``W.grad.mean()``), added to every weight.

    Two slips in one line: the sign climbs instead of descending (a step changes L by
    16·step·G² plus a curvature term, both ≥ 0, so L never falls), and one number for all
    weights moves them all alike, whatever each one's own partial derivative says.
    """
    step = checks.number("step", step, low=0.0, low_open=True)
    return _matrix_run(
        "flawed update", f"W = W + {step:g} * W.grad.mean()", "a @ W", step, epochs,
        lambda W: W + step * float(np.mean(matrix_gradient(W))),
    )  # fmt: skip


def matrix_flawed_prediction(lr: float = MATRIX_LR, epochs: int = MATRIX_EPOCHS) -> MatrixRun:
    """The exercise's second cell: the right update, but predicting with W @ a, so it
    minimizes the wrong loss (compare ``run.losses_under("a @ W")``)."""
    lr = checks.number("lr", lr, low=0.0, low_open=True)
    return _matrix_run(
        "flawed prediction", "W = W - lr * W.grad", "W @ a", lr, epochs,
        lambda W: W - lr * matrix_gradient(W, prediction="W @ a"),
    )  # fmt: skip


def first_epoch_below(run, level: float = MATRIX_TARGET) -> int | None:
    """The first epoch whose loss is below ``level`` (``run.losses`` or a sequence of
    losses); None if none is.

    >>> first_epoch_below([3.0, 2.0, 1.0], 1.5)
    2
    """
    losses = np.asarray(getattr(run, "losses", run), dtype=float)
    below = np.flatnonzero(losses < checks.number("level", level))
    return int(below[0]) if below.size else None


class MatrixComparison(NamedTuple):
    """The three runs side by side, the curvature behind η, and what they show in words."""

    flawed_update: MatrixRun
    flawed_prediction: MatrixRun
    right_update: MatrixRun
    curvature: Curvature
    sentences: tuple[str, ...]


def _below(run: MatrixRun, level: float) -> str:
    shown = f"{level:.2f}" if round(level, 2) == level else _say(level)  # 1.30, as set
    epoch = first_epoch_below(run, level)
    if epoch is None:
        return f"stays above {shown} for all {run.epochs} epochs"
    return f"falls below {shown} at epoch {epoch}"


def matrix_comparison(
    lr: float = MATRIX_LR, epochs: int = MATRIX_EPOCHS, level: float = MATRIX_TARGET
) -> MatrixComparison:
    """The flawed update, the flawed prediction and the right update, run for ``epochs``,
    compared in three sentences with their computed numbers."""
    update = matrix_flawed_update(epochs=epochs)
    prediction = matrix_flawed_prediction(lr, epochs)
    right = matrix_right_update(lr, epochs)
    curvature = matrix_curvature()
    start, asked = right.losses[0], prediction.losses_under("a @ W")[-1]
    G = float(np.mean(matrix_gradient(update.weights[0])))
    factor = math.sqrt(right.losses[1] / right.losses[0])  # each error's factor per step
    sentences = (
        f"The exercise's update adds {_say(update.lr)} × G to every weight, with G = "
        f"{_say(G)} the gradient averaged to one number: it moves uphill, and the loss goes "
        f"from {_say(start)} to {_say(update.losses[-1])} in {update.epochs} epochs.",
        f"Predicting with W @ a instead of a @ W starts at loss {_say(prediction.losses[0])}, "
        f"not {_say(start)}; the right update on that loss {_below(prediction, level)}, but its "
        f"weights give loss {_say(asked)} for the prediction a @ W that was asked for.",
        f"Stepping every weight against its own partial derivative, W ← W − η∇L with "
        f"η = {_say(right.lr)} (below 1/λ_max = {_say(curvature.one_step)}, where λ_max = "
        f"{_say(curvature.lam_max)} is the Hessian's largest eigenvalue; stable up to 2/λ_max"
        f" = {_say(curvature.gd_limit)}), multiplies the errors by {_say(factor)} each step: "
        f"the loss {_below(right, level)}.",
    )
    return MatrixComparison(update, prediction, right, curvature, sentences)


# ---- 3. step() and zero_grad(): PyTorch's loop, line by line ---------------------------------

#: The body of PyTorch's training loop, as the snippets gdviz shows write it.
LOOP_CODE = ("optimizer.zero_grad()", "loss = f(p)", "loss.backward()", "optimizer.step()")
#: The same body with zero_grad() left out: kept as a comment so that both runs have four
#: lines and animate in step, line for line.
FORGOTTEN_LOOP_CODE = ("# optimizer.zero_grad()  ← forgotten", *LOOP_CODE[1:])


class LoopStep(NamedTuple):
    """The state just after one line of the loop ran: which epoch, which line (an index into
    the run's ``code``), p, p.grad (None when cleared, or before the first backward) and the
    variable ``loss`` (None before the first forward pass)."""

    epoch: int
    line: int
    p: np.ndarray
    grad: np.ndarray | None
    loss: float | None


@dataclass(frozen=True, eq=False)
class ZeroGradRun:
    """PyTorch's loop run with or without ``optimizer.zero_grad()``.

    ``points[k]`` is p after k steps and ``losses[k]`` f there; ``grads[k]`` is ∇f(p_k), what
    backward() computes, and ``p_grads[k]`` what p.grad holds when step() reads it: ∇f(p_k),
    or with zero_grad() forgotten ∇f(p_0) + … + ∇f(p_k). A run stops early only where p or
    f(p) stops being finite.
    """

    objective: Objective
    optimizer: str
    lr: float
    hyper: dict
    forgot: bool
    epochs: int  # as asked; ``epoch`` is how many ran
    points: np.ndarray  # (epoch + 1, dim)
    losses: np.ndarray  # (epoch + 1,)
    grads: np.ndarray  # (epoch, dim)
    p_grads: np.ndarray  # (epoch, dim)

    @property
    def epoch(self) -> int:
        return len(self.points) - 1

    @property
    def code(self) -> tuple[str, ...]:
        return FORGOTTEN_LOOP_CODE if self.forgot else LOOP_CODE

    @cached_property
    def substeps(self) -> tuple[LoopStep, ...]:
        """Every line of every epoch, in order, with the state after it: four per epoch, so
        a page can highlight the line that runs as the animation plays."""
        steps, loss, grad = [], None, None
        for k in range(self.epoch):
            p = self.points[k]
            if not self.forgot:
                grad = None  # zero_grad() sets p.grad to None (PyTorch ≥ 2.0)
            steps.append(LoopStep(k, 0, p, grad, loss))
            loss = float(self.losses[k])
            steps.append(LoopStep(k, 1, p, grad, loss))
            grad = self.p_grads[k]
            steps.append(LoopStep(k, 2, p, grad, loss))
            steps.append(LoopStep(k, 3, self.points[k + 1], grad, loss))
        return tuple(steps)


class ZeroGradRuns(NamedTuple):
    """The same loop twice, side by side: with zero_grad() and with it forgotten."""

    normal: ZeroGradRun
    forgotten: ZeroGradRun


def _zero_grad_run(objective, x, lr, epochs, optimizer, hyper, forgot) -> ZeroGradRun:
    update = get_optimizer(optimizer, **hyper)
    state = update.init(x)
    points, losses, grads, p_grads = [x], [], [], []
    p_grad = np.zeros_like(x)
    with np.errstate(all="ignore"):
        for _ in range(epochs):
            loss, grad = objective.value_and_grad(x)
            p_grad = p_grad + grad if forgot else grad  # backward() adds to p.grad
            delta, state = update.step(p_grad, state, x, lr)
            new = x + delta
            if not np.all(np.isfinite(new)) or not np.isfinite(objective.f(new)):
                break
            x = new
            points.append(x)
            losses.append(loss)
            grads.append(grad)
            p_grads.append(p_grad)
        losses.append(float(objective.f(x)))
    dim = objective.dim
    return ZeroGradRun(
        objective, optimizer, lr, dict(hyper), forgot, epochs, np.array(points),
        np.array(losses), np.array(grads).reshape(-1, dim), np.array(p_grads).reshape(-1, dim),
    )  # fmt: skip


def zero_grad_runs(
    objective, start, lr: float, epochs: int, optimizer: str = "sgd", **hyper
) -> ZeroGradRuns:
    """PyTorch's loop on ``objective`` from ``start``, with and without zero_grad().

    Without it, each ``loss.backward()`` adds ∇f(p) to p.grad, never reset, and
    ``optimizer.step()`` reads that sum as its gradient: p.grad_k = ∇f(p_0) + … + ∇f(p_k).
    Any optimizer of :data:`~gdviz.optimizers.OPTIMIZERS` reads it as PyTorch's does
    (none of them writes back to p.grad), so both runs match ``torch.optim`` to rounding.

    >>> runs = zero_grad_runs("parabola", 3.0, lr=0.1, epochs=2)
    >>> runs.normal.p_grads[:, 0].tolist(), runs.forgotten.p_grads[:, 0].tolist()
    ([6.0, 4.8], [6.0, 10.8])
    """
    objective = get_objective(objective)
    x = checks.point("start", start, objective.dim, objective.slug)
    lr = checks.number("lr", lr, low=0.0, low_open=True)
    epochs = checks.whole("epochs", epochs, low=1)
    get_optimizer(optimizer, **hyper)  # a caller's mistake fails here, by name
    normal, forgotten = (
        _zero_grad_run(objective, x, lr, epochs, optimizer, hyper, forgot)
        for forgot in (False, True)
    )
    return ZeroGradRuns(normal, forgotten)


def zero_grad_code(run: ZeroGradRun) -> str:
    """The PyTorch script of ``run``: gdviz's usual snippet, and for a forgotten run the
    same loop without ``optimizer.zero_grad()``; its ``points`` match ``run.points``."""
    return loop_code(
        run.objective, run.points[0], optimizer=run.optimizer, lr=run.lr, epochs=run.epoch,
        hyper=run.hyper, zero_grad=not run.forgot,
    )  # fmt: skip


# ---- 4. small facts, computed ------------------------------------------------------------------


class SlopeFact(NamedTuple):
    """dL/dw at one w for y = w·x on (1, 2), (2, 4), (3, 6), and what its sign says."""

    w: float
    slope: float  # dL/dw
    direction: int  # +1: increase w; −1: decrease w; 0: stay
    sentence: str


def derivative_sign_facts(ws=(1.0, 3.0)) -> tuple[SlopeFact, ...]:
    """dL/dw for y = w·x on (1, 2), (2, 4), (3, 6) with the mean squared error, at each w:
    its sign says which way to move w (against it).

    >>> [round(f.slope, 4) for f in derivative_sign_facts()]
    [-9.3333, 9.3333]
    """
    loss = loss_objective("three_points", "mse")
    facts = []
    for w in ws:
        w = checks.number("w", w)
        slope = float(loss.grad([w])[0])
        direction = downhill_direction(slope)
        advice = {
            1: f"= {_say(slope)} < 0: L falls as w grows, so increase w",
            -1: f"= {_say(slope)} > 0: L rises as w grows, so decrease w",
            0: "= 0: L is flat here, so leave w where it is",
        }[direction]
        sentence = f"At w = {_say(w)}, dL/dw {advice}."
        facts.append(SlopeFact(w, slope, direction, sentence))
    return tuple(facts)


class SecantFacts(NamedTuple):
    """The slope of x² between x and x + Δx, and its limit as Δx → 0."""

    x: float
    dx: float
    slope: float  # ((x + Δx)² − x²) / Δx
    limit: float  # the derivative 2x, from sympy's limit
    sentence: str


def secant_facts(x: float = 1.0, dx: float = 0.1) -> SecantFacts:
    """The secant slope of x² between ``x`` and ``x + dx`` (2.1 between 1 and 1.1) and the
    limit of that slope as Δx → 0 (2 at x = 1), computed by sympy.

    >>> f = secant_facts()
    >>> round(f.slope, 12), f.limit
    (2.1, 2.0)
    """
    x, dx = checks.number("x", x), checks.number("dx", dx)
    (row,) = secant_table(lambda v: v * v, x, (dx,))
    at, h = sp.Symbol("x"), sp.Symbol("h")
    limit = float(sp.limit(((at + h) ** 2 - at**2) / h, h, 0).subs(at, sp.nsimplify(x)))
    sentence = (
        f"Between x = {_say(x)} and {_say(x + dx)} the slope of x² is "
        f"{_say(row.slope)}; as the second point slides in, it tends to {_say(limit)}, "
        f"the derivative 2x at x = {_say(x)}."
    )
    return SecantFacts(x, dx, row.slope, limit, sentence)


class CountingFacts(NamedTuple):
    """What one step costs without a gradient formula, counted for n parameters."""

    n: int
    finite_difference_evals: int  # 2n: f(w + heᵢ) and f(w − heᵢ) for every i
    combinations: int  # 2ⁿ: every parameter on or off
    sentences: tuple[str, str]


def counting_facts(n: int = 10) -> CountingFacts:
    """Count, by running them, the evaluations of f that central differences take for one
    gradient of n parameters (2n), and the on/off combinations of n parameters (2ⁿ).

    >>> counting_facts(10)[1:3]
    (20, 1024)
    """
    n = checks.whole("n", n, low=1, high=16)  # 2ⁿ points are really tried

    def f(w):
        return np.sum(np.square(w), axis=-1)

    _, evals = central_difference_gradient(f, np.ones(n))
    _, combinations = every_combination(f, np.zeros(n), 1.0)
    sentences = (
        f"Finite differences try every parameter twice, once a little up and once a little "
        f"down: for n = {n} parameters that is {evals} evaluations of f for a single step.",
        f"Switching each of n = {n} parameters on or off gives {combinations:,} "
        f"combinations to try, 2 multiplied by itself {n} times.",
    )
    return CountingFacts(n, evals, combinations, sentences)


# ---- 5. the questions a page asks, answered from the runs ---------------------------------

#: The exercises, by slug (a link names one as ``/exercises?ex=<slug>``), with their titles.
EXERCISES = {
    "classic_loop": "The classic loop: x² + 5",
    "matrix_loss": "Loss below 1.30: a 4×4 matrix",
    "zero_grad": "zero_grad(): PyTorch's loop",
    "small_facts": "Small facts: slopes and counts",
}

#: What the classic printout's "x" could be at epoch 0: x₀ itself, the gradient 2·x₀, f(x₀).
PRINTED_CHOICES = ("x", "gradient", "cost")


def printed_as_x(run: ClassicRun) -> tuple[str, ...]:
    """Which of :data:`PRINTED_CHOICES` the printout's first line shows after ``x =``, read
    from the printout itself (from x₀ = 0 both x₀ and 2·x₀ are 0, so both match).

    >>> printed_as_x(classic_loop(100, epochs=1))
    ('gradient',)
    """
    printed = float(classic_printout(run)[0].rsplit("x = ", 1)[1])
    first = run.rows[0]
    values = {"x": first.x, "gradient": first.gradient, "cost": first.cost}
    return tuple(name for name in PRINTED_CHOICES if f"{values[name]:{PRINT_FORMAT}}" == (
        f"{printed:{PRINT_FORMAT}}"))  # fmt: skip


#: What "replace the subtraction with an addition" could do to x.
SIGN_FLIP_CHOICES = ("faster", "climbs", "stays")


def sign_flip_outcome(start, lr: float = CLASSIC_LR, epochs: int = CLASSIC_EPOCHS) -> str:
    """What the addition does to x, one of :data:`SIGN_FLIP_CHOICES`: "climbs" when |x| ends
    above its start, "faster" when it ends nearer 0 than the subtraction's, else "stays".

    >>> sign_flip_outcome(100), sign_flip_outcome(0)
    ('climbs', 'stays')
    """
    up = classic_loop(start, lr, epochs, sign=+1)
    down = classic_loop(start, lr, epochs, sign=-1)
    if abs(up.final.x) > abs(up.start):
        return "climbs"
    if abs(up.final.x) < abs(down.final.x):
        return "faster"
    return "stays"


#: What the exercise's flawed update could do to the loss.
MATRIX_CHOICES = ("below", "rises", "stays")


def matrix_outcome(run: MatrixRun, level: float = MATRIX_TARGET) -> str:
    """What ``run`` does to the loss, one of :data:`MATRIX_CHOICES`: "below" if it gets
    below ``level``, else "rises" if it ends above its start, else "stays".

    >>> matrix_outcome(matrix_flawed_update()), matrix_outcome(matrix_right_update())
    ('rises', 'below')
    """
    if first_epoch_below(run, level) is not None:
        return "below"
    if run.losses[-1] > run.losses[0]:
        return "rises"
    return "stays"


#: What leaving out zero_grad() could do to the run.
ZERO_GRAD_CHOICES = ("same", "overshoots", "stops")


class ZeroGradFacts(NamedTuple):
    """What forgetting zero_grad() did, compared with the normal run, in numbers and words."""

    outcome: str  # one of ZERO_GRAD_CHOICES
    rises: int  # steps of the forgotten run that raised f (the normal run's: ``normal_rises``)
    normal_rises: int
    sentence: str


def _rises(run: ZeroGradRun) -> int:
    return int(np.count_nonzero(np.diff(run.losses) > 0))


def zero_grad_facts(runs: ZeroGradRuns) -> ZeroGradFacts:
    """Compare the run without zero_grad() with the normal one: "same" when its points are
    the normal run's, "overshoots" when some step raises f (it went past the minimum, pushed
    by the old gradients still in p.grad), else "stops" (it only falls, differently).

    >>> zero_grad_facts(zero_grad_runs("parabola", 3.0, lr=0.1, epochs=30)).outcome
    'overshoots'
    """
    normal, forgotten = runs
    rises, normal_rises = _rises(forgotten), _rises(normal)
    same = normal.points.shape == forgotten.points.shape and np.allclose(
        normal.points, forgotten.points, rtol=1e-12, atol=0.0
    )
    outcome = "same" if same else "overshoots" if rises > normal_rises else "stops"
    f = normal.objective.symbol
    end = (
        f"after {forgotten.epoch} epochs p = {_vector(forgotten.points[-1])} ({f} = "
        f"{_say(forgotten.losses[-1])})"
    )
    if same:
        sentence = f"Both runs are the same here: {end} either way."
    else:
        end += f" instead of {_vector(normal.points[-1])} ({f} = {_say(normal.losses[-1])})"
        parts = []
        if forgotten.epoch >= 2:
            held = forgotten.p_grads[1]
            added = " + ".join(_vector(g) for g in forgotten.grads[:2])
            parts.append(
                f"Without zero_grad(), backward() adds each new gradient to p.grad: at epoch 1 "
                f"step() reads {_vector(held)} = {added} instead of {_vector(normal.p_grads[1])}."
            )
        parts.append(
            f"{f} rose in {rises} of its {forgotten.epoch} steps (with zero_grad(): "
            f"{normal_rises}), and {end}."
        )
        sentence = " ".join(parts)
    return ZeroGradFacts(outcome, rises, normal_rises, sentence)


def _vector(values) -> str:
    values = np.atleast_1d(values)
    if values.size == 1:
        return _say(values[0])
    return "(" + ", ".join(_say(v) for v in values) + ")"
