"""Learning-rate sweep and range test: how a run ends as a function of η.

A **sweep** runs the same optimizer from the same start once per learning rate on a log
grid (one :func:`gdviz.descend_batch` call) and records how each run ended: too small
crawls, just right converges fast, too big diverges. Near a minimum plain GD multiplies
the distance along each eigen-direction of ∇²f by (1 − η·λ), so the runs diverge once η
passes 2/λ_max; heavy-ball momentum β moves that edge to (2 + 2β)/λ_max.

A **range test** (Smith 2017, "Cyclical learning rates"; the learning-rate finder of
fast.ai and PyTorch Lightning) is one run whose η grows by a constant factor each step,
recording the loss before each step; the tools then suggest an η from the curve of loss
against η. :func:`range_sentences` says how those suggestions compare with the limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .batch import descend_batch
from .descent import DEFAULT_TOL, check_start
from .numbers import count, text_constant
from .objectives import Objective, get_objective
from .optimizers import OPTIMIZERS, get_optimizer

#: The rates a sweep tries by default: SWEEP_RATES of them, log-spaced, ends included.
SWEEP_RANGE = (1e-5, 10.0)
SWEEP_RATES = 501
#: The range test's smoothing of the loss, an exponential moving average with bias
#: correction (fast.ai's AvgSmoothLoss and Lightning's _LRCallback both use β = 0.98).
SMOOTHING = 0.98
#: The range test stops once the smoothed loss exceeds this many times its best (both tools).
BLOW_UP = 4.0
#: Steps the suggestions leave out at the end: Lightning's skip_end = 1, fast.ai's 5. Both
#: leave out the first tenth at the start (fast.ai num_it // 10; Lightning 10 of its 100).
STEEPEST_SKIP_END, VALLEY_SKIP_END = 1, 5
#: A suggestion "agrees" with the stable limit when it lies in [NEAR · limit, limit].
NEAR = 0.5
#: A range test whose smoothed loss moves less than this share of its size never moved.
ROUNDING = 1e-12


def _eta(value: float) -> str:
    """A rate to 3 significant digits, as people write it: 0.0552, 10⁻⁵, 2.5 × 10⁻⁵."""
    return text_constant(float(f"{value:.3g}"))


def _ratio(value: float) -> str:
    return text_constant(float(f"{value:.2g}" if value < 10 else f"{value:.3g}"))


# ---- the limits ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Limit:
    """An optimizer's stable limit at one curvature: η < ``value`` (``formula`` in words)."""

    value: float
    formula: str  # "2/λ_max", "(2 + 2β)/λ_max", ...
    who: str  # "plain GD", "heavy-ball momentum", "Nesterov momentum"
    beta: float = 0.0

    @property
    def name(self) -> str:
        """Whose limit it is, in words: "heavy-ball momentum's limit, β = 0.9"."""
        return f"{self.who}'s limit" + (f", β = {self.beta:g}" if self.beta else "")


def optimizer_limit(curvature, optimizer: str = "gd", hyper: dict | None = None) -> Limit | None:
    """The largest stable η of ``optimizer`` on the quadratic with ``curvature``'s λ_max.

    Plain GD: ηλ < 2. Heavy ball (PyTorch's buffer b ← βb + g, x ← x − ηb): ηλ < 2 + 2β
    (Polyak). Nesterov (PyTorch's x ← x − η(g + βb)): the iteration matrix on one eigen-
    direction has characteristic polynomial z² − (1 + β)(1 − h)z + β(1 − h), h = ηλ, whose
    roots stay inside the unit circle (Jury) exactly for 0 < h < (2 + 2β)/(1 + 2β).
    Weight decay adds to λ; dampening τ scales the heavy ball's steps by (1 − τ). None
    for the adaptive methods (their steps are not η·g) and without positive curvature.

    >>> from gdviz.stability import Curvature
    >>> c = Curvature("here", (0.0,), (2.0,))
    >>> [round(optimizer_limit(c, o).value, 4) for o in ("gd", "momentum", "nesterov")]
    [1.0, 1.9, 0.6786]
    """
    if curvature is None or curvature.lam_max <= 0:
        return None
    spec = OPTIMIZERS[optimizer]
    if spec.adaptive:
        return None
    settings = {**spec.defaults, **spec.preset, **(hyper or {})}
    beta = float(settings.get("momentum", 0.0))
    lam = curvature.lam_max + float(settings.get("weight_decay", 0.0))
    if beta <= 0:
        return Limit(2.0 / lam, "2/λ_max", "plain GD")
    if settings.get("nesterov"):
        return Limit((2 + 2 * beta) / ((1 + 2 * beta) * lam), "(2 + 2β)/((1 + 2β)λ_max)",
                     "Nesterov momentum", beta)  # fmt: skip
    damp = float(settings.get("dampening", 0.0))
    if damp >= 1:
        return None  # the buffer only decays: no limit
    return Limit((2 + 2 * beta) / ((1 - damp) * lam),
                 "(2 + 2β)/λ_max" if not damp else "(2 + 2β)/((1 − τ)λ_max)",
                 "heavy-ball momentum", beta)  # fmt: skip


# ---- the sweep ----------------------------------------------------------------------------


def sweep_rates(lo: float = SWEEP_RANGE[0], hi: float = SWEEP_RANGE[1], n: int = SWEEP_RATES):
    """``n`` rates log-spaced from ``lo`` to ``hi``, both included."""
    return np.logspace(math.log10(lo), math.log10(hi), n)


@dataclass(frozen=True, eq=False)
class Sweep:
    """How a run from ``start`` ended at each of ``rates`` (ascending, log-spaced).

    ``final_losses``, ``stop_epochs`` and ``statuses`` are descend_batch's, run i with
    η = ``rates[i]``: a diverged run's final loss is at its last finite point.
    """

    objective: Objective
    start: tuple[float, ...]
    optimizer: str
    epochs: int
    tol: float
    hyper: dict
    rates: np.ndarray
    final_losses: np.ndarray
    stop_epochs: np.ndarray
    statuses: np.ndarray
    start_loss: float = field(default=math.nan)

    def __len__(self) -> int:
        return len(self.rates)

    def __repr__(self) -> str:
        counts = ", ".join(
            f"{s}={int(np.sum(self.statuses == s))}" for s in dict.fromkeys(self.statuses)
        )
        return (
            f"Sweep({self.objective.slug!r}, {self.optimizer}, η {_eta(self.rates[0])}…"
            f"{_eta(self.rates[-1])} × {len(self)}, epochs={self.epochs}, {counts})"
        )

    def index(self, lr: float) -> int:
        """The position of the rate nearest ``lr`` on the log axis."""
        return int(np.argmin(np.abs(np.log(self.rates) - math.log(lr))))

    def fastest(self) -> float | None:
        """The rate converging in the fewest epochs; None if none converges.

        Ties go to the middle one of the tied rates (by position): on a quadratic the
        tied rates straddle 1/λ_max, where GD crosses the bowl in one step.
        """
        converged = np.flatnonzero(self.statuses == "converged")
        if not converged.size:
            return None
        least = self.stop_epochs[converged].min()
        tied = converged[self.stop_epochs[converged] == least]
        return float(self.rates[tied[len(tied) // 2]])

    def converging(self) -> tuple[float, float] | None:
        """The smallest and the largest rate that converged (None if none did)."""
        converged = self.rates[self.statuses == "converged"]
        return (float(converged[0]), float(converged[-1])) if converged.size else None

    def first_divergent(self) -> float | None:
        """The smallest rate whose run diverged (None if none did)."""
        diverged = self.rates[self.statuses == "diverged"]
        return float(diverged[0]) if diverged.size else None

    def still_descending(self) -> np.ndarray:
        """Which runs used all their epochs without converging and ended below the start's
        loss (status max_epochs): too small an η, still on the way down."""
        return (self.statuses == "max_epochs") & (self.final_losses < self.start_loss)

    def summary(self, curvature=None) -> list[str]:
        """Sentences: where the runs converge, the fastest, where they diverge and, given a
        :class:`~gdviz.stability.Curvature`, how that edge compares with the stable limit.

        >>> s = lr_sweep("parabola", (3.0,), epochs=200, rates=[0.01, 0.5, 1.5])
        >>> s.summary()[0]
        'Converges within 200 epochs only at η = 0.5 (1 of 3 rates).'
        """
        n = len(self)
        out = []
        span = self.converging()
        if span is None:
            out.append(f"No η converges within {count(self.epochs, 'epoch')}.")
        else:
            k = int(np.count_nonzero(self.statuses == "converged"))
            where = (
                f"only at η = {_eta(span[0])}" if k == 1
                else f"for η from {_eta(span[0])} to {_eta(span[1])}"
            )  # fmt: skip
            out.append(
                f"Converges within {count(self.epochs, 'epoch')} {where} ({k} of {n} rates)."
            )
            slow = self.still_descending() & (self.rates < span[0])
            if slow.any():
                out.append(
                    f"Below η = {_eta(span[0])} it crawls: {int(slow.sum())} smaller rates are "
                    f"still descending after {count(self.epochs, 'epoch')}."
                )
            best = self.fastest()
            epochs = int(self.stop_epochs[self.index(best)])
            out.append(f"Fastest: η = {_eta(best)}, converged in {count(epochs, 'epoch')}.")
        first = self.first_divergent()
        if first is None:
            out.append(f"No η up to {_eta(self.rates[-1])} diverges.")
        else:
            above = self.statuses[self.rates >= first]
            if np.all(above == "diverged"):
                out.append(f"Every η from {_eta(first)} up diverges.")
            else:
                out.append(
                    f"Runs diverge from η = {_eta(first)} ({int(np.sum(above == 'diverged'))} "
                    f"of the {len(above)} rates from there up)."
                )
        limit = optimizer_limit(curvature, self.optimizer, self.hyper)
        if limit is not None:
            out.append(self._limit_sentence(limit, curvature.where, first))
        return out

    def _limit_sentence(self, limit: Limit, where: str, first: float | None) -> str:
        head = f"{limit.formula} = {_eta(limit.value)} at {where} ({limit.name})"
        above = np.flatnonzero(self.rates > limit.value)
        if not above.size:
            return f"{head} lies beyond the largest η tried."
        next_rate = float(self.rates[above[0]])
        if first is None:
            return f"{head}: yet no η tried diverges, not even {_eta(self.rates[-1])}."
        if first == next_rate:
            return (
                f"{head}: the first divergent η, {_eta(first)}, is the first rate tried "
                "above it, as the theory predicts."
            )
        between = self.statuses[(self.rates > limit.value) & (self.rates < first)]
        if first > limit.value:
            return (
                f"{head}: the first divergent η, {_eta(first)}, is "
                f"{_ratio(first / limit.value)} × the limit; the {len(between)} rates between "
                f"did not diverge from this start ({_tally(between)})."
            )
        return (
            f"{head}: runs already diverge from η = {_eta(first)}, "
            f"{_ratio(first / limit.value)} × the limit (far from the minimum the curvature "
            "is larger)."
        )


def _tally(statuses) -> str:
    words = {"converged": "converged", "oscillating": "oscillating",
             "max_epochs": "not converged", "diverged": "diverged"}  # fmt: skip
    parts = [f"{int(np.sum(statuses == s))} {w}" for s, w in words.items() if np.any(statuses == s)]
    return ", ".join(parts)


def lr_sweep(objective, start, *, optimizer="gd", epochs=100, tol=DEFAULT_TOL, rates=None,
             progress=None, **hyper) -> Sweep:  # fmt: skip
    """Run ``optimizer`` from ``start`` once per learning rate, all in one batch.

    ``rates=None`` tries :data:`SWEEP_RATES` rates log-spaced over :data:`SWEEP_RANGE`;
    given rates are sorted ascending. Run i is ``descend(objective, start,
    lr=rates[i], epochs=epochs, optimizer=optimizer, tol=tol, **hyper)``. ``progress``:
    descend_batch's (:mod:`gdviz.progress`).

    >>> s = lr_sweep("parabola", (3.0,), epochs=500)  # f = x² + 5: λ = 2, 2/λ = 1
    >>> len(s), s.first_divergent() == float(s.rates[s.rates > 1.0][0])
    (501, True)
    """
    objective = get_objective(objective)
    x = check_start(objective, start)
    rates = sweep_rates() if rates is None else np.sort(np.asarray(rates, dtype=float))
    result = descend_batch(objective, np.tile(x, (len(rates), 1)), lr=rates, epochs=epochs,
                           optimizer=optimizer, tol=tol, progress=progress, **hyper)  # fmt: skip
    return Sweep(
        objective=objective,
        start=tuple(float(v) for v in x),
        optimizer=optimizer,
        epochs=result.epochs,
        tol=result.tol,
        hyper=dict(hyper),
        rates=result.lr,
        final_losses=result.final_losses,
        stop_epochs=result.stop_epochs,
        statuses=result.statuses,
        start_loss=float(objective.value_and_grad(x)[0]),
    )


# ---- the range test ----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RangeTest:
    """One run with η growing geometrically: η and the loss at each recorded step.

    ``losses[k]`` is the loss at the point the step with η = ``rates[k]`` starts from (as
    the tools record it); ``smoothed`` is their moving average. ``steepest`` and
    ``valley`` are the two tools' suggestions (None when too few steps were recorded).
    """

    objective: Objective
    start: tuple[float, ...]
    optimizer: str
    hyper: dict
    rates: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    steepest: float | None
    valley: float | None
    factor: float = 1.0  # η's growth per step
    stopped: str = "end"  # "end", "blew up" (smoothed > 4 × best) or "not finite"
    skip: int = 0  # steps the suggestions leave out at the start
    valley_span: tuple[float, float] | None = None  # the longest valley's first and last η

    def __len__(self) -> int:
        return len(self.rates)


def range_test(objective, start, *, optimizer="gd", lo=1e-7, hi=10.0, steps=100,
               **hyper) -> RangeTest:  # fmt: skip
    """The learning-rate range test: ``steps`` steps with η_k = lo·q^k, q = (hi/lo)^(1/(steps−1)).

    At each step the loss L_k at the current point is recorded with η_k, then the
    optimizer steps with η_k. The smoothed loss is s_k = a_k / (1 − 0.98^(k+1)) with
    a_k = 0.98·a_(k−1) + 0.02·L_k (fast.ai, Lightning). The test stops after recording a
    smoothed loss above 4 × the best so far (for a negative best: a rise of more than 3 ×
    its size), or before recording a loss or gradient that is not finite.

    >>> t = range_test("parabola", (3.0,))
    >>> len(t) <= 100, float(t.rates[0]), round(float(t.rates[1] / t.rates[0]), 4)
    (True, 1e-07, 1.2045)
    """
    objective = get_objective(objective)
    x = check_start(objective, start)
    update = get_optimizer(optimizer, **hyper)
    if not (0 < lo < hi and math.isfinite(hi)):
        raise ValueError(f"the range test needs 0 < lo < hi, got lo={lo!r}, hi={hi!r}")
    if int(steps) != steps or steps < 2:
        raise ValueError(f"steps must be a whole number ≥ 2, got {steps!r}")
    steps = int(steps)
    factor = (hi / lo) ** (1.0 / (steps - 1))
    rates = lo * factor ** np.arange(steps)
    rates[-1] = hi
    state = update.init(x)
    losses, smoothed = [], []
    average, best, stopped = 0.0, math.inf, "end"
    with np.errstate(all="ignore"):
        for k, rate in enumerate(rates):
            loss, grad = objective.value_and_grad(x)
            if not (math.isfinite(loss) and np.isfinite(grad).all()):
                stopped = "not finite"
                break
            average = SMOOTHING * average + (1 - SMOOTHING) * loss
            smooth = average / (1 - SMOOTHING ** (k + 1))
            losses.append(loss)
            smoothed.append(smooth)
            best = min(best, smooth)
            if smooth - best > (BLOW_UP - 1) * abs(best):
                stopped = "blew up"
                break
            delta, state = update.step(grad, state, x, rate)
            x = x + delta
    if not losses:
        raise ValueError(
            f"{objective.symbol} or its gradient is not defined at the start: "
            "start where both have a value"
        )
    n = len(losses)
    smoothed = np.array(smoothed)
    skip = steps // 10
    valley = _valley(smoothed, skip, VALLEY_SKIP_END)
    return RangeTest(
        objective=objective,
        start=tuple(float(v) for v in check_start(objective, start)),
        optimizer=optimizer,
        hyper=dict(hyper),
        rates=rates[:n],
        losses=np.array(losses),
        smoothed=smoothed,
        steepest=_pick(rates, _steepest(smoothed, skip, STEEPEST_SKIP_END)),
        valley=None if valley is None else float(rates[valley[0]]),
        factor=factor,
        stopped=stopped,
        skip=skip,
        valley_span=None if valley is None else (float(rates[valley[1]]), float(rates[valley[2]])),
    )


def _pick(rates, index):
    return None if index is None else float(rates[index])


def _steepest(smoothed: np.ndarray, skip: int, skip_end: int) -> int | None:
    """Lightning's suggestion: where the smoothed loss falls fastest per step.

    On the test's geometric grid a step is a constant step in log η, so this is the
    steepest descent against log η (fast.ai's ``steep`` too; recent Lightning sources pass
    ``spacing=lrs``, a slope against η itself). Central differences inside, one-sided at the
    ends (torch.gradient, np.gradient). Index into the whole test; None with < 2 points.
    """
    window = smoothed[skip : len(smoothed) - skip_end]
    if len(window) < 2:
        return None
    return skip + int(np.argmin(np.gradient(window)))


def _valley(smoothed: np.ndarray, skip: int, skip_end: int) -> tuple[int, int, int] | None:
    """fast.ai's ``valley``: the middle of the longest valley of the smoothed loss.

    ``length[i]`` is the length of the longest strictly falling sequence of losses (not
    necessarily consecutive) ending at i. The valley ends at the first i with the longest
    one, and starts where fast.ai puts it: i minus that length at the moment i first became
    the longest (its bookkeeping, kept as it is); the suggestion is at start + ⌊len/3⌋ +
    ⌊len/6⌋. fast.ai can land one before the window on a two-point valley: clamped here.
    Indices into the whole test: (suggestion, valley's first, valley's last); None with < 2.
    """
    window = smoothed[skip : len(smoothed) - skip_end]
    n = len(window)
    if n < 2:
        return None
    length = [1] * n
    end = begin = 0
    for i in range(1, n):
        for j in range(i):
            if window[i] < window[j] and length[i] < length[j] + 1:
                length[i] = length[j] + 1
            if length[end] < length[i]:
                end, begin = i, i - length[i]
    third = (end - begin) / 3
    return skip + max(0, begin + int(third) + int(third / 2)), skip + max(0, begin), skip + end


def range_sentences(test: RangeTest, curvature=None) -> list[str]:
    """One sentence per suggestion: its η, its ratio to the optimizer's stable limit (see
    :func:`optimizer_limit`) and why they agree or disagree here, from the test's numbers.

    A suggestion agrees when it lies between half the limit and the limit (1/λ_max to
    2/λ_max for plain GD: fast and still stable). The reasons are the tools' own mechanics:
    the loss at each step carries every step before it, so the steepest drop comes where
    the steps taken so far, Σ η_j·λ_max, bring the run near the minimum, wherever that is
    against the limit; the valley is the middle of the longest falling stretch, which
    without noise starts at the first step the tool counts. Above the limit the run had
    spent only a few steps there, too few for the growth by |1 − ηλ_max| a step to show.
    """
    limit = optimizer_limit(curvature, test.optimizer, test.hyper)
    still = np.ptp(test.smoothed) <= ROUNDING * max(1.0, float(np.max(np.abs(test.losses))))
    out = []
    for name, tool, value in (
        ("Steepest drop", "PyTorch Lightning's suggestion", test.steepest),
        ("Valley", "fast.ai's suggestion", test.valley),
    ):
        head = f"{name} ({tool})"
        if value is None:
            out.append(f"{head}: none, the test stopped after only {count(len(test), 'step')}.")
            continue
        if still:
            out.append(
                f"{head}: η = {_eta(value)}, which marks nothing: "
                f"{test.objective.symbol} does not change during the test."
            )
            continue
        i = int(np.flatnonzero(test.rates == value)[0])
        text = f"{head}: η = {_eta(value)}"
        if limit is not None:
            ratio = value / limit.value
            verdict = (
                "disagrees: above the limit" if ratio > 1
                else "agrees: between half the limit and the limit" if ratio >= NEAR
                else "disagrees: well under the limit"
            )  # fmt: skip
            text += f", {_ratio(ratio)}× the limit {limit.formula} = {_eta(limit.value)}, {verdict}"
        elif curvature is not None and curvature.lam_max > 0:
            text += f" ({OPTIMIZERS[test.optimizer].name} scales its steps, no η·λ limit applies)"
        if limit is not None and value > limit.value:
            why = _above(test, i, limit, curvature)
        elif name == "Valley":
            why = _valley_why(test, limit)
        else:
            why = _steepest_why(test, i, curvature, limit)
        out.append(f"{text}; {why}.")
    return out


def _share(test: RangeTest, i: int) -> str:
    if test.losses[0] > 0 and test.losses[i] >= 0:
        share = test.losses[i] / test.losses[0]
        return f"{test.objective.symbol} is {share:.0%} of its start there"
    return f"{test.objective.symbol} = {test.losses[i]:.4g} there"


def _steepest_why(test: RangeTest, i: int, curvature, limit: Limit | None) -> str:
    carries = "the loss at each step carries every step before it"
    if limit is None:  # no λ to count the steps in
        return f"{carries}, so this is where they start to tell ({_share(test, i)})"
    crossed = float(np.sum(test.rates[:i])) * curvature.lam_max
    steps = f"the steps so far add up to Σ η·λ_max = {crossed:.2g} ({_share(test, i)})"
    if test.rates[i] >= NEAR * limit.value:
        return (
            f"{carries}, and only by here {steps}: from this start the run needs that much "
            "before its loss drops, which the test reaches near the limit, so they agree "
            "by how far the run had to come, not because η is near its largest stable value"
        )
    return (
        f"{carries}, and by here {steps}: the drop marks how far the steps taken so far have "
        "come, long before η itself nears the largest stable value"
    )


def _valley_why(test: RangeTest, limit: Limit | None) -> str:
    first, last = test.valley_span
    text = (
        f"it is the middle, in log η, of the longest stretch over which the smoothed loss "
        f"falls, η = {_eta(first)} to {_eta(last)}"
    )
    if first == test.rates[test.skip]:
        text += (
            ", which begins at the first step fast.ai counts (without noise the loss falls "
            "from the start), so the test's first η, not the limit, pulls it down"
        )
    elif limit is not None:
        text += f", which ends at {_ratio(last / limit.value)} × the limit"
    return text


def _above(test: RangeTest, i: int, limit: Limit, curvature) -> str:
    above = int(np.sum(test.rates[: i + 1] > limit.value))
    grow = abs(1 - test.rates[i] * curvature.lam_max)
    lowest = int(np.argmin(test.losses))
    turn = (
        f"the raw loss is lowest only at η = {_eta(test.rates[lowest])}"
        if lowest < len(test) - 1
        else "the raw loss was still falling when the test ended"
    )
    return (
        f"near the minimum {limit.who} grows the distance by |1 − η·λ_max| = {grow:.3g} a "
        f"step here, but the test had spent only {count(above, 'step')} above the limit, "
        f"too few to show it from a small distance ({turn})"
    )
