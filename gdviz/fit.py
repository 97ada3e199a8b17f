"""Fitting a model to data: the loss as an objective, and descent over mini-batches.

The per-sample loss ℓ(θ; x, y), e.g. (model(x; θ) − y)², and its gradient and
Hessian in θ are derived symbolically from the data set's model and compiled
once, vectorised over samples; the loss of a batch is the mean of ℓ over it.
The full-batch loss is an :class:`~gdviz.objectives.Objective` over the
parameters, so every figure and message that works on a surface works on it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import ClassVar

import numpy as np
import sympy as sp

from . import checks
from .bounds import lower_bound
from .data import DATASETS, Dataset, X, get_dataset
from .descent import DEFAULT_TOL, Trajectory, check_run, check_start, run
from .messages import jargon_notes
from .objectives import CriticalPoint, Objective
from .optimizers import get_optimizer
from .schedules import learning_rates
from .view import nice_box

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")

#: The target symbol of a per-sample loss.
Y = sp.Symbol("y", real=True)
#: Larger grids × samples are summed in chunks of about this many elements.
CHUNK = 1 << 21
#: A mean absolute error with more samples than this keeps its sum unwritten in ``expr``.
MAX_TERMS = 200


@dataclass(frozen=True)
class Loss:
    """A per-sample loss of the residual r = prediction − y.

    The slug in capitals is its abbreviation on screen (MSE); the name, in lower case,
    its label on the fit page.
    """

    slug: str
    name: str
    of_residual: object  # sympy expression builder: r -> ℓ
    latex: str  # ℓ in terms of the residual "r"
    squared: bool = False  # a squared error: the least-squares answer is its minimum


#: Every loss, keyed by slug.
LOSSES: dict[str, Loss] = {
    loss.slug: loss
    for loss in [
        Loss("mse", "Mean squared error", lambda r: r**2, r"\left({r}\right)^2", squared=True),
        Loss("mae", "Mean absolute error", sp.Abs, r"\left|{r}\right|"),
    ]
}


def _check_loss(loss: str) -> Loss:
    return checks.one_of("loss", loss, LOSSES)


@lru_cache(maxsize=64)
def _kernels(model: sp.Expr, params: tuple[sp.Symbol, ...], loss: str):
    """Compiled per-sample [ℓ, ∂ℓ/∂θ...] and flattened ∂²ℓ/∂θ², each of (θ..., x, y)."""
    sample = LOSSES[loss].of_residual(model - Y)
    grad = [sp.diff(sample, p) for p in params]
    # |r|'' is a Dirac delta at r = 0: zero wherever the loss is differentiable.
    hess = [
        sp.diff(g, q).replace(sp.DiracDelta, lambda *_: sp.S.Zero) for g in grad for q in params
    ]
    args = (*params, X, Y)
    # lambdify only sees our own trusted trees: the data set's model and the loss.
    value_and_grad = sp.lambdify(args, [sample, *grad], modules="numpy", cse=True)
    hessian = sp.lambdify(args, hess, modules="numpy", cse=True)
    return value_and_grad, hessian


def _sample_mean(kernel, coords, x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """Mean over the samples (x, y) of each output of ``kernel`` at parameters ``coords``.

    ``coords`` are arrays of one shape S (a grid, or scalars); returns arrays of shape S.
    """
    coords = [np.asarray(c, dtype=float) for c in coords]
    shape = np.broadcast_shapes(*(c.shape for c in coords))
    coords = [c[..., None] for c in coords]  # samples along a new last axis
    step = max(1, CHUNK // max(1, int(np.prod(shape))))
    totals = None
    for lo in range(0, x.size, step):
        xs, ys = x[lo : lo + step], y[lo : lo + step]
        parts = kernel(*coords, xs, ys)
        sums = [np.broadcast_to(p, (*shape, xs.size)).sum(axis=-1) for p in parts]
        totals = sums if totals is None else [t + s for t, s in zip(totals, sums, strict=True)]
    return [t / x.size for t in totals]


#: numpy sums a row pairwise: halves (cut at a multiple of 8) down to blocks of at most this
#: many values, each summed with 8 accumulators (fewer than 8 values: one by one).
PAIRWISE_BLOCK = 128


def _runs_mean(kernel, coords, x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """:func:`_sample_mean` for many parameter vectors at once (``coords``: arrays of shape
    (m,), one value per run), each mean to the bit what _sample_mean gives its vector alone.

    The samples run down the first axis (n, m) and are added a row of m at a time, in the
    order numpy's pairwise sum adds one vector's n values (so no per-run reduction of a
    short row, which dominated the cost), in blocks of at most PAIRWISE_BLOCK samples.
    """
    coords = [np.asarray(c, dtype=float) for c in coords]
    m = np.broadcast_shapes(*(c.shape for c in coords))
    totals = None
    for lo in range(0, x.size, CHUNK):  # _sample_mean's chunks for one vector
        n = min(CHUNK, x.size - lo)
        sums = [0.0 + s for s in _pairwise(kernel, coords, m, x, y, lo, n)]  # + the identity
        totals = sums if totals is None else [t + s for t, s in zip(totals, sums, strict=True)]
    return [t / x.size for t in totals]


def _pairwise(kernel, coords, m, x, y, lo: int, n: int) -> list[np.ndarray]:
    """Σ over the samples lo … lo + n − 1 of each output of ``kernel``, per run, added as
    numpy's pairwise_sum adds a row of n values."""
    if n > PAIRWISE_BLOCK:
        half = n // 2
        half -= half % 8
        left = _pairwise(kernel, coords, m, x, y, lo, half)
        right = _pairwise(kernel, coords, m, x, y, lo + half, n - half)
        return [a + b for a, b in zip(left, right, strict=True)]
    parts = kernel(*coords, x[lo : lo + n, None], y[lo : lo + n, None])
    sums = []
    for part in parts:
        a = np.broadcast_to(np.asarray(part, dtype=float), (n, *m))
        if n < 8:
            total = 0.0 + a[0]
            for row in a[1:]:
                total += row
        else:
            r = [a[j].copy() for j in range(8)]
            for i in range(8, n - n % 8, 8):
                for j in range(8):
                    r[j] += a[i + j]
            total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            for row in a[n - n % 8 :]:
                total += row
        sums.append(total)
    return sums


def least_squares(dataset: Dataset | str) -> np.ndarray | None:
    """The exact minimiser of the MSE, by numpy lstsq; None if the model is not linear in θ.

    For y = w·x + b this solves the normal equations of the design matrix [x, 1].
    Also None when the minimiser is not unique (e.g. every x the same).
    """
    dataset = get_dataset(dataset)
    params, model = dataset.parameters, dataset.model
    if any(sp.diff(model, p, q) != 0 for p in params for q in params):
        return None
    columns = [sp.diff(model, p) for p in params] + [model.subs({p: 0 for p in params})]
    values = [
        np.broadcast_to(
            np.asarray(sp.lambdify(X, c, modules="numpy")(dataset.x), float), (dataset.n,)
        )
        for c in columns
    ]
    design, offset = np.column_stack(values[:-1]), values[-1]
    theta, _, rank, _ = np.linalg.lstsq(design, dataset.y - offset, rcond=None)
    return theta if rank == len(params) else None


def _moment(values: np.ndarray, exact: bool) -> sp.Expr:
    total = values.sum()
    return sp.Rational(int(total), values.size) if exact else sp.Float(total / values.size)


def _display_expr(dataset: Dataset, loss: str) -> sp.Expr:
    """The mean loss as an expression in θ alone: moments for a polynomial loss (MSE), the
    sum for a short other one (MAE)."""
    sample = LOSSES[loss].of_residual(dataset.model - Y)
    try:
        poly = sp.Poly(sp.expand(sample), X, Y)
    except sp.PolynomialError:
        poly = None
    if poly is not None:
        # mean of Σ c·x^i·y^j over samples = Σ c·mean(x^i·y^j): exact and short
        exact = all(
            np.all(v == np.round(v)) and np.all(abs(v) < 1e6) for v in (dataset.x, dataset.y)
        )
        return sp.Add(
            *(coeff * _moment(dataset.x**i * dataset.y**j, exact) for (i, j), coeff in poly.terms())
        )
    if dataset.n > MAX_TERMS:
        return sample  # too long to write out; the compiled functions hold the data
    terms = [
        sample.subs({X: sp.Float(a), Y: sp.Float(b)})
        for a, b in zip(dataset.x, dataset.y, strict=True)
    ]
    return sp.Add(*terms, evaluate=False) / dataset.n


@dataclass(frozen=True, eq=False, repr=False)
class LossObjective(Objective):
    """The full-batch loss of a data set as an Objective over the model's parameters.

    Its compiled functions average the per-sample loss over the data (accurate for
    any number of rows); ``expr`` writes the same function out for display.
    """

    dataset: Dataset = None
    loss: str = "mse"
    symbol: ClassVar[str] = "L"
    #: [L, ∂L/∂θ…] for many parameter vectors at once (arrays (m,)), each to the bit as
    #: ``_value_and_grad`` gives it for its vector alone: what a batch of runs steps with.
    _runs_value_and_grad: Callable = field(default=None, repr=False)

    @cached_property
    def lower_bound(self) -> float:
        """The per-sample loss's bound (r² and |r| are never negative): the mean keeps it."""
        return lower_bound(LOSSES[self.loss].of_residual(sp.Symbol("r")))

    def batch(self, params, index) -> tuple[float, np.ndarray]:
        """Mean loss and gradient over the samples ``index`` at one parameter vector."""
        value_and_grad, _ = _kernels(self.dataset.model, self.variables, self.loss)
        value, *grad = _sample_mean(
            value_and_grad, params, self.dataset.x[index], self.dataset.y[index]
        )
        return float(value), np.array(grad, dtype=float)

    def __reduce__(self):
        return (loss_objective, (self.dataset, self.loss))


def loss_objective(dataset: Dataset | str, loss: str = "mse") -> LossObjective:
    """The mean ``loss`` over ``dataset`` as an objective in the model's parameters.

    The domain is centred on the least-squares answer (for models linear in θ),
    wide enough to hold the suggested start; for MSE the answer is listed as the
    global minimum.

    >>> round(loss_objective("three_points").global_minimum.point[0], 12)
    2.0
    """
    dataset = get_dataset(dataset)
    spec = _check_loss(loss)
    params = dataset.parameters
    value_and_grad, hessian = _kernels(dataset.model, params, loss)
    x, y, dim = dataset.x, dataset.y, dataset.dim

    def f(*coords):
        return _sample_mean(value_and_grad, coords, x, y)[0]

    def grad(*coords):
        return _sample_mean(value_and_grad, coords, x, y)[1:]

    def hess(*coords):
        flat = _sample_mean(hessian, coords, x, y)
        return [flat[i * dim : (i + 1) * dim] for i in range(dim)]

    def both(*point):
        return [float(v) for v in _sample_mean(value_and_grad, point, x, y)]

    def runs(*coords):
        return _runs_mean(value_and_grad, coords, x, y)

    with np.errstate(over="ignore", invalid="ignore"):  # huge data: the fit explains it
        answer = least_squares(dataset)
        expr = _display_expr(dataset, loss)
    if answer is not None and not np.isfinite(answer).all():
        answer = None
    start = np.array(dataset.start)
    centre = start if answer is None else answer
    half = np.maximum.reduce([np.full(dim, 2.0), 1.5 * abs(start - centre), 0.5 * abs(centre)])
    # round ends (0 to 4, not 4.4e-16 to 4) put 0 and other round starts on the slider's grid
    domain = tuple(nice_box(lo, hi) for lo, hi in zip(centre - half, centre + half, strict=True))
    critical = ()
    if spec.squared and answer is not None:
        critical = (CriticalPoint(tuple(answer.tolist()), float(f(*answer)), "global minimum"),)
    model_i = sp.latex(dataset.model.subs(X, sp.Symbol("x_i")), order="grlex")  # w x_i + b
    return LossObjective(
        slug=f"{dataset.slug}_{loss}",
        name=f"{spec.name} on {dataset.name}",
        expr=expr,
        variables=params,
        domain=domain,
        start=dataset.start,
        lr=dataset.lr,
        critical_points=critical,
        formula=f"{loss.upper()} over {dataset.n} points, y = {dataset.model_text}",
        latex=rf"\frac{{1}}{{{dataset.n}}}\sum_{{i=1}}^{{{dataset.n}}}"
        + spec.latex.format(r=f"{model_i} - y_i"),
        about=f"{spec.name} of the model y = {dataset.model_text} on {dataset.name}. "
        + dataset.about,
        _f=f,
        _grad=grad,
        _hess=hess,
        _value_and_grad=both,
        _runs_value_and_grad=runs,
        dataset=dataset,
        loss=loss,
    )


def _downhill(slope: float, name: str) -> str:
    """The sign of ∂L/∂``name`` in words: which way the loss falls and so which way to move.

    >>> _downhill(-3.0, "w")
    '∂L/∂w = −3 < 0: L falls as w grows, so increase w.'
    """
    d = f"∂L/∂{name}"
    if not math.isfinite(slope):
        return f"{d} is not defined here, so it cannot say which way is downhill."
    if slope > 0:
        return f"{d} = {_number(slope)} > 0: L rises as {name} grows, so decrease {name}."
    if slope < 0:
        return f"{d} = {_number(slope)} < 0: L falls as {name} grows, so increase {name}."
    return f"{d} = 0: L is flat in {name} here, so changing {name} alone does not lower it."


def _number(value: float) -> str:
    """A parameter or data value as a person writes it, with a true minus sign: 6
    significant digits, or a power of ten when tiny or huge (1.5 × 10⁻⁷, 2 × 10³⁰⁰).

    >>> [_number(v) for v in (0.0, -2.0, 9.333333333, -1.5e-7, 2e300, float("inf"))]
    ['0', '−2', '9.33333', '−1.5 × 10⁻⁷', '2 × 10³⁰⁰', '∞']
    """
    if math.isnan(value):
        return "undefined"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if value == 0 or 1e-4 <= abs(value) < 1e5:
        return f"{value:.6g}".replace("-", "−")
    mantissa, exponent = f"{value:.3g}".split("e")
    power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
    return (power if mantissa in ("1", "-1") else f"{mantissa} × {power}").replace("-", "−")


def _short(value: float) -> str:
    """A prediction or target to 4 significant digits: 1.028, 2 × 10³⁰⁰."""
    return _number(float(f"{value:.4g}")) if math.isfinite(value) else _number(value)


def _at(data: Dataset, point) -> str:
    """``w = 1`` or ``w = −2, b = −2``."""
    return ", ".join(f"{n} = {_number(v)}" for n, v in zip(data.params, point, strict=True))


def tidy_start(start, domain) -> tuple[float, ...]:
    """``start`` without floating-point dust: a value within 1e-9 of its box's width of 0
    is 0, the rest keep 10 significant digits (a slider's 0.30000000000000004 is 0.3).

    >>> tidy_start([4.440892098500626e-16, -0.0], [(0.0, 4.0), (-1.0, 3.0)])
    (0.0, 0.0)
    """
    tidy = []
    for value, (lo, hi) in zip(np.atleast_1d(start), domain, strict=True):
        value = float(value)
        if abs(value) <= 1e-9 * (hi - lo):
            value = 0.0
        tidy.append(float(f"{value:.10g}") + 0.0)  # + 0.0 turns −0.0 into 0.0
    return tuple(tidy)


#: The largest float, as a sentence says it.
_LARGEST = _number(float(np.finfo(float).max))


def _check_computable(objective: LossObjective, x: np.ndarray) -> None:
    """Raise a ValueError that says why, in the page's words, when the loss or its gradient
    overflows at the start (data near 1e300: the squares pass the largest float).

    The message continues "Cannot fit: ", so it starts in lower case.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        loss, grad = objective.value_and_grad(x)
    if np.isfinite(loss) and np.isfinite(grad).all():
        return
    data = objective.dataset
    names = ", ".join(data.params)
    what = f"loss L({names})" if not np.isfinite(loss) else "gradient ∇L"
    columns = [(n, float(np.abs(v).max())) for n, v in (("x", data.x), ("y", data.y))]
    big = [(n, 10.0 ** math.floor(math.log10(top))) for n, top in columns if top >= 10]
    hint = " and ".join(f"{n} by {_number(scale)}" for n, scale in big)
    raise ValueError(
        f"the {what} overflows at the start {_at(data, x)}. The data's values reach "
        f"{_number(max(top for _, top in columns))}, and computing the {what.split()[0]} "
        f"from them goes past the largest number a computer holds (about {_LARGEST}). "
        + (f"Rescale the columns (for example divide {hint}) so their values are nearer 1."
           if hint else "Start nearer the data's best fit.")
    )  # fmt: skip


def at_start(objective: LossObjective, start, shown: int = 6) -> str:
    """What the model predicts at ``start`` (the first ``shown`` points) and which way the
    derivative says each parameter should move, in the course's words.

    >>> at_start(loss_objective("three_points"), [1.0]).split(". ")[0]
    'At the start (w = 1) the model predicts (1, 2, 3) for y = (2, 4, 6)'
    """
    data, start = objective.dataset, np.asarray(start, dtype=float)
    more = " …" if data.n > shown else ""
    with np.errstate(over="ignore", invalid="ignore"):  # a far start on huge data: ∞
        predicted = ", ".join(_short(p) for p in data.predict(start)[:shown]) + more
    targets = ", ".join(_short(v) for v in data.y[:shown]) + more
    at = _at(data, start)
    words = " ".join(
        _downhill(float(g), name)
        for g, name in zip(objective.grad(start), data.params, strict=True)
    )
    return f"At the start ({at}) the model predicts ({predicted}) for y = ({targets}). {words}"


def fit_notes(traj) -> list[str]:
    """Short explanations of the jargon a fit's message uses (the tolerance, the stable
    limit), one per term it mentions; none when it mentions neither.

    >>> fit_notes(fit("three_points", [1.0], lr=0.1, epochs=2))[0].split(", the size")[0]
    'The tolerance: the fit counts as converged once ‖∇L‖'
    """
    return jargon_notes(traj, "the fit", _number)


@lru_cache(maxsize=32)
def _registered_objective(slug: str, loss: str) -> LossObjective:
    return loss_objective(slug, loss)


@dataclass(frozen=True, eq=False, repr=False)
class FitTrajectory(Trajectory):
    """A :class:`~gdviz.descent.Trajectory` of a fit, with every mini-batch iterate.

    ``points`` holds the parameters at the end of each epoch (one pass over the
    data), ``iterations`` after every update, so ``iterations[::per_epoch]`` equals
    ``points``. ``orders[k]`` is the order samples were visited in epoch k + 1
    (None for full batch). Losses and gradients are the full-batch ones.
    """

    dataset: Dataset = None
    loss: str = "mse"
    batch_size: int | None = None
    seed: int = 0
    iterations: np.ndarray = None
    iterations_per_epoch: int = 1
    orders: np.ndarray | None = None


def _check_batch_size(batch_size, n: int) -> int | None:
    if batch_size is None:
        return None
    return checks.whole("batch_size", batch_size, low=1, high=n, top=f"the {n} samples")


def fit(
    dataset: Dataset | str,
    start,
    *,
    lr: float,
    epochs: int,
    optimizer: str = "gd",
    batch_size: int | None = None,
    seed: int = 0,
    loss: str = "mse",
    tol: float = DEFAULT_TOL,
    schedule=None,
    **hyper,
) -> FitTrajectory:
    """Fit the data set's model by descending its ``loss`` from ``start`` for ``epochs`` epochs.

    Each epoch is one pass over the data: shuffled (``numpy.random.default_rng(seed)``)
    and cut into mini-batches of ``batch_size`` (the last may be smaller), one update
    θ ← θ − lr·∇ℓ_batch(θ) per batch (for plain GD). ``batch_size=None`` (or the
    number of samples) is full-batch descent, the same run as ``descend`` on
    :func:`loss_objective`. Statuses are judged, as in ``descend``, by the full-batch
    loss and gradient at the end of each epoch.

    >>> fit("three_points", [1.0], lr=0.1, epochs=200).final.round(6).tolist()
    [2.0]
    """
    dataset = get_dataset(dataset)
    _check_loss(loss)
    if DATASETS.get(dataset.slug) is dataset:  # compile a registered one once
        objective = _registered_objective(dataset.slug, loss)
    else:
        objective = loss_objective(dataset, loss)
    x = check_start(objective, start)
    _check_computable(objective, x)
    lr, epochs, tol = check_run(lr, epochs, tol)
    n = dataset.n
    batch_size = _check_batch_size(batch_size, n)
    update = get_optimizer(optimizer, **hyper)
    rates = learning_rates(schedule, lr, epochs)

    full = batch_size is None or batch_size == n
    per_epoch = 1 if full else -(-n // batch_size)
    iterates, orders, advance = [x], [], None
    if not full:
        rng = np.random.default_rng(seed)

        def advance(theta, grad, state, rate):
            order = rng.permutation(n)
            orders.append(order)
            for lo in range(0, n, batch_size):
                _, g = objective.batch(theta, order[lo : lo + batch_size])
                delta, state = update.step(g, state, theta, rate)
                theta = theta + delta
                iterates.append(theta)
                if not np.isfinite(theta).all():
                    break  # the loop reports the overflow; this epoch is not recorded
            return theta, state

    traj = run(objective, x, update, rates, optimizer=optimizer, lr=lr, epochs=epochs, tol=tol,
               hyper=hyper, schedule=schedule, advance=advance)  # fmt: skip
    done = traj.epoch
    iterations = traj.points if full else np.array(iterates[: done * per_epoch + 1])
    return FitTrajectory(
        **{name: getattr(traj, name) for name in Trajectory.__dataclass_fields__},
        dataset=dataset,
        loss=loss,
        batch_size=batch_size,
        seed=seed,
        iterations=iterations,
        iterations_per_epoch=per_epoch,
        orders=None if full else np.array(orders[:done], dtype=int).reshape(done, n),
    )
