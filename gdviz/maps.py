"""Maps: one run per pixel, drawn as a picture of where and how runs end.

A basin map runs the optimizer from every pixel centre of a box of starts and labels each
pixel by the minimum its run ends in (or: elsewhere, not converged, diverged). A parameter
map runs one start (or one row of starts) over a grid of settings, η × β or η × x₀, and keeps
each run's final loss, stop epoch and status, beside the stability boundary theory gives.

Every run is :func:`gdviz.descend_batch`'s, so a pixel ends exactly as ``descend`` from its
start ends. Only small arrays are kept (int8 labels, one float per setting), never paths.

How a run is classified (the same rule for every map):

* **diverged**: descend's status is "diverged".
* **in minimum m**: it ended finite with status "converged" or "max_epochs" within the
  radius r of m, m being the nearest minimum to its end. r = min(2 % of the box's diagonal,
  ⅓ of the smallest distance between two listed minima): small enough that no run is
  counted in the wrong minimum, large enough that a slow run already in the minimum's bowl
  after its epochs (Rosenbrock's valley) counts.
* The minima are the objective's own, then those the runs **found**: converged ends farther
  than r from every listed minimum, grouped within r of each other, whose Hessian there is
  positive definite (Rastrigin lists only its global minimum; its lattice of local minima is
  found this way). At most :data:`MAX_MINIMA` minima in all (the largest groups kept).
* **elsewhere**: converged (‖∇f‖ ≤ tol) but near no minimum: a saddle or maximum, or a
  minimum past the cap.
* **not converged**: "oscillating" (bouncing without progress), or "max_epochs" far from
  every minimum (still going).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import checks
from .batch import descend_batch, usable_starts
from .descent import DEFAULT_TOL
from .objectives import CriticalPoint, Objective, get_objective
from .optimizers import OPTIMIZERS
from .progress import in_turn
from .stability import reference_curvature

BASIN_RESOLUTION = 256
FINE_RESOLUTION = 512
#: Optimizers with a momentum coefficient β (PyTorch's ``momentum``) a map can vary.
MOMENTUM_OPTIMIZERS = ("sgd", "momentum", "nesterov")
#: A run ends "in" a minimum within this share of the box's diagonal of it (see module doc).
NEAR_SHARE = 0.02
#: Most minima a basin map labels: with the categories after them, labels fit in int8.
MAX_MINIMA = 123
ELSEWHERE, NOT_CONVERGED, DIVERGED = "elsewhere", "not converged", "diverged"
#: A start where f or ∇f has no value: no run (only listed when a map has one).
UNDEFINED = "no run (f undefined at the start)"
#: The words of the statuses a map reports, from descend's.
STATUS_WORDS = {
    "converged": "converged",
    "diverged": "diverged",
    "oscillating": "bouncing",
    "max_epochs": "not converged",  # a map keeps no path: whether f still fell is unknown
    "undefined": "no run",
}


# ---- classification ------------------------------------------------------------------------


def near_radius(objective: Objective, box) -> float:
    """r = min(2 % of the box's diagonal, ⅓ of the smallest distance between two minima).

    >>> from gdviz import OBJECTIVES
    >>> round(near_radius(OBJECTIVES["bowl"], ((-5, 5), (-5, 5))), 4)
    0.2828
    """
    diagonal = math.hypot(*(hi - lo for lo, hi in box))
    radius = NEAR_SHARE * diagonal
    points = np.array([m.point for m in objective.minima], dtype=float)
    if len(points) > 1:
        gaps = np.linalg.norm(points[:, None] - points[None], axis=-1)
        radius = min(radius, float(gaps[np.triu_indices(len(points), 1)].min()) / 3)
    return radius


def _nearest_within(ends: np.ndarray, points: np.ndarray, radius: float) -> np.ndarray:
    """Index of the nearest of ``points`` (m, dim) closer than ``radius`` to each end (n, dim),
    −1 where none is. Only the ends in a strip of x within r of a point are measured."""
    which = np.full(len(ends), -1, dtype=np.int64)
    best = np.full(len(ends), radius)
    order = np.argsort(ends[:, 0], kind="stable")
    xs = ends[order, 0]
    for i, p in enumerate(points):
        lo, hi = np.searchsorted(xs, [p[0] - radius, p[0] + radius])
        near = order[lo:hi]
        d = np.sqrt(((ends[near] - p) ** 2).sum(axis=1))
        closer = d < best[near]
        best[near[closer]], which[near[closer]] = d[closer], i
    return which


def _found_minima(objective: Objective, ends: np.ndarray, radius: float, room: int) -> list:
    """Minima the converged ``ends`` (k, dim) gather at that the objective does not list:
    groups within ``radius`` whose Hessian at their mean is positive definite; the
    ``room`` largest, as CriticalPoints ("local minimum")."""
    # Ends of one minimum lie far closer than r (‖∇f‖ ≤ tol): cells of side r gather them,
    # then cells whose centres lie within r merge (a minimum may straddle a cell's edge).
    cells, which = np.unique(np.floor(ends / radius), axis=0, return_inverse=True)
    which = which.reshape(-1)
    sizes = np.bincount(which, minlength=len(cells))
    centres = np.stack([np.bincount(which, ends[:, i], len(cells)) for i in range(ends.shape[1])],
                       axis=1) / sizes[:, None]  # fmt: skip
    counts, means = [], np.empty((0, ends.shape[1]))
    for c in np.argsort(-sizes, kind="stable")[: 20 * MAX_MINIMA]:  # a ring has many cells
        d = np.sqrt(((means - centres[c]) ** 2).sum(axis=1))
        if d.size and d.min() < radius:
            g = int(np.argmin(d))
            means[g] = (counts[g] * means[g] + sizes[c] * centres[c]) / (counts[g] + sizes[c])
            counts[g] += int(sizes[c])
        else:
            counts.append(int(sizes[c]))
            means = np.vstack([means, centres[c]])
    groups = list(zip(counts, means, strict=True))
    found = []
    for _, centre in sorted(groups, key=lambda g: -g[0]):
        if len(found) == room:
            break
        with np.errstate(all="ignore"):
            hessian = objective.hessian(centre)
            value = float(objective.f(centre))
        if np.all(np.isfinite(hessian)) and np.linalg.eigvalsh(hessian)[0] > 0:
            found.append(CriticalPoint(tuple(float(v) for v in centre), value, "local minimum"))
    return sorted(found, key=lambda p: p.point)


def _classify(objective, statuses, ends, radius, discover: bool):
    """(label per run, minima): label i < len(minima) means "in minimum i", then the
    indices of elsewhere, not converged, diverged, undefined (see the module doc)."""
    known = list(objective.minima)
    finite = np.isfinite(ends).all(axis=1) & (statuses != "diverged") & (statuses != "undefined")
    converged = finite & (statuses == "converged")
    found = []
    if discover:
        far = converged.copy()
        if known:
            points = np.array([m.point for m in known])
            far[np.flatnonzero(far)] = _nearest_within(ends[far], points, radius) < 0
        if far.any():
            found = _found_minima(objective, ends[far], radius, MAX_MINIMA - len(known))
    minima = known + found
    m = len(minima)
    labels = np.full(len(statuses), m + 1, dtype=np.int8)  # not converged unless shown else
    labels[converged] = m  # elsewhere, unless near a minimum below
    settled = finite & ((statuses == "converged") | (statuses == "max_epochs"))
    if m and settled.any():
        at = np.flatnonzero(settled)
        which = _nearest_within(ends[at], np.array([p.point for p in minima]), radius)
        near = which >= 0
        labels[at[near]] = which[near]
    labels[statuses == "diverged"] = m + 2
    labels[statuses == "undefined"] = m + 3
    return labels, tuple(minima), len(known)


def _run(objective, starts, *, lr, epochs, optimizer, tol, progress=None, **hyper):
    """descend_batch from every usable start: (final points, final losses, statuses, stop
    epochs), with status "undefined" (and zeros) where no run can start. ``progress`` is
    descend_batch's (see :mod:`gdviz.progress`)."""
    ok = usable_starts(objective, starts)
    n, dim = len(starts), objective.dim
    ends = np.zeros((n, dim))
    losses = np.zeros(n)
    statuses = np.full(n, "undefined", dtype="<U11")
    stops = np.zeros(n, dtype=np.int32)
    if ok.any():
        rates = lr[ok] if np.ndim(lr) else lr
        per_run = {k: (v[ok] if isinstance(v, np.ndarray) else v) for k, v in hyper.items()}
        result = descend_batch(objective, starts[ok], lr=rates, epochs=epochs,
                               optimizer=optimizer, tol=tol, progress=progress,
                               **per_run)  # fmt: skip
        ends[ok], losses[ok] = result.final_points, result.final_losses
        statuses[ok], stops[ok] = result.statuses, result.stop_epochs
        del result  # only these arrays are kept
    return ends, losses, statuses, stops


def percent_text(count: int, total: int) -> str:
    """A share in whole percent, "<1 %" for a few, so no category reads as 0 % that has runs.

    >>> percent_text(1, 400), percent_text(108, 400), percent_text(0, 400)
    ('<1 %', '27 %', '0 %')
    """
    share = 100 * count / total if total else 0.0
    if 0 < share < 0.5:
        return "<1 %"
    if 99.5 <= share < 100:
        return ">99 %"
    return f"{share:.0f} %"


def _num(value: float) -> str:
    """3 significant digits with a true minus sign: −2.81, 0.01, 1e-05 → 1e−05."""
    return f"{value:.3g}".replace("-", "−")


def point_text(point) -> str:
    """A point as people write it, 3 significant digits: (3, 2), (−2.81, 3.13)."""
    return "(" + ", ".join(_num(v) for v in point) + ")"


# ---- basin maps ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class BasinMap:
    """Which minimum the run from each pixel's centre ends in, over a box of starts.

    ``labels[i, j]`` is the start (xs[j], ys[i]): an index into ``names``; the first
    ``len(minima)`` names are the minima (the objective's ``known`` ones, then those the
    runs found), then "elsewhere", "not converged", "diverged" (and, only where some start
    has no value of f, :data:`UNDEFINED`). ``radius`` is r of the classification (module doc).
    """

    objective: Objective
    optimizer: str
    lr: float
    epochs: int
    tol: float
    hyper: dict
    box: tuple[tuple[float, float], tuple[float, float]]
    xs: np.ndarray
    ys: np.ndarray
    labels: np.ndarray
    names: tuple[str, ...]
    minima: tuple
    radius: float = 0.0
    known: int = 0  # how many of ``minima`` the objective lists (the rest were found)

    def counts(self) -> dict[str, int]:
        """How many pixels carry each name, in the order of ``names``."""
        tally = np.bincount(self.labels.ravel().astype(np.int64), minlength=len(self.names))
        return {name: int(c) for name, c in zip(self.names, tally, strict=True)}

    def start_at(self, x: float, y: float) -> tuple[float, float]:
        """The centre of the pixel under (x, y); a point outside the box gives the nearest
        edge pixel's centre."""
        (x0, x1), (y0, y1) = self.box
        i = int(np.clip(np.floor((x - x0) / (x1 - x0) * len(self.xs)), 0, len(self.xs) - 1))
        j = int(np.clip(np.floor((y - y0) / (y1 - y0) * len(self.ys)), 0, len(self.ys) - 1))
        return float(self.xs[i]), float(self.ys[j])

    def label_at(self, x: float, y: float) -> str:
        """The name of the pixel under (x, y)."""
        i = int(np.searchsorted(self.xs, self.start_at(x, y)[0]))
        j = int(np.searchsorted(self.ys, self.start_at(x, y)[1]))
        return self.names[self.labels[j, i]]

    @property
    def found(self) -> tuple:
        """The minima the runs found that the objective does not list."""
        return self.minima[self.known :]

    def summary(self) -> list[str]:
        """Sentences on the map: the share of starts in each basin, and the rest."""
        counts = self.counts()
        total = self.labels.size
        name = OPTIMIZERS[self.optimizer].name
        ny, nx = self.labels.shape
        (x0, x1), (y0, y1) = self.box
        u, v = (str(s) for s in self.objective.variables)
        lines = [
            f"{name}, η = {self.lr:g}, {self.epochs} epochs, from {nx} × {ny} = {total:,} "
            f"starts over {u} ∈ [{_num(x0)}, {_num(x1)}], {v} ∈ [{_num(y0)}, {_num(y1)}]."
        ]
        mine = [(counts[n], n) for n in self.names[: self.known]]
        if mine:
            parts = [f"{percent_text(c, total)} in the {n}" for c, n in mine]
            lines.append("Of the starts, " + ", ".join(parts) + ".")
            top_count, top = max(mine)
            if top_count:
                lines.append(f"The largest basin is the {top}'s: {percent_text(top_count, total)}.")
        if self.found:
            f_total = sum(counts[n] for n in self.names[self.known : len(self.minima)])
            lines.append(
                f"{percent_text(f_total, total)} end in {len(self.found)} other local "
                f"minim{'um' if len(self.found) == 1 else 'a'} the runs found "
                f"({self.objective.symbol} does not list them)."
            )
        rest = {
            ELSEWHERE: "converge where ∇{s} vanishes away from every minimum (a saddle or a "
            "maximum)",
            NOT_CONVERGED: f"have not settled after {self.epochs} epochs (not converged, or "
            "bouncing)",
            DIVERGED: "diverge",
            UNDEFINED: "start where {s} has no value: no run",
        }
        for key, words in rest.items():
            if counts.get(key):
                words = words.format(s=self.objective.symbol)
                lines.append(f"{percent_text(counts[key], total)} of the starts {words}.")
        return lines

    def refine(self, resolution: int = FINE_RESOLUTION, box=None) -> BasinMap:
        """The same map at another resolution, or over a zoomed ``box``."""
        return basin_map(self.objective, lr=self.lr, epochs=self.epochs,
                         optimizer=self.optimizer, tol=self.tol, resolution=resolution,
                         box=box, **self.hyper)  # fmt: skip

    def __repr__(self) -> str:
        ny, nx = self.labels.shape
        return f"BasinMap({self.objective.slug!r}, {self.optimizer}, η={self.lr:g}, {nx}×{ny})"


def pixel_centres(lo: float, hi: float, n: int) -> np.ndarray:
    """Centres of n equal pixels tiling [lo, hi].

    >>> pixel_centres(0.0, 1.0, 4).tolist()
    [0.125, 0.375, 0.625, 0.875]
    """
    return lo + (np.arange(n) + 0.5) * ((hi - lo) / n)


def _check_box(objective: Objective, box):
    if box is None:
        return tuple(tuple(b) for b in objective.domain)
    try:
        box = tuple((float(lo), float(hi)) for lo, hi in box)
    except (TypeError, ValueError):
        raise ValueError(f"box must be ((x_lo, x_hi), (y_lo, y_hi)), got {box!r}") from None
    if len(box) != objective.dim or not all(
        math.isfinite(lo) and math.isfinite(hi) and lo < hi for lo, hi in box
    ):
        raise ValueError(
            f"box must be {objective.dim} finite ranges (low, high) with low < high, got {box!r}"
        )
    return box


def basin_map(
    objective,
    *,
    lr: float,
    epochs: int,
    optimizer: str = "gd",
    tol: float = DEFAULT_TOL,
    resolution: int = BASIN_RESOLUTION,
    box=None,
    progress=None,
    **hyper,
) -> BasinMap:
    """Run ``optimizer`` from the centre of every pixel of a ``resolution`` × ``resolution``
    grid over ``box`` (default: the objective's plotting box) and label each pixel by where
    its run ends (module doc). 2-D objectives only. ``progress``: descend_batch's, told
    how far the runs have got (:mod:`gdviz.progress`).

    >>> bmap = basin_map("himmelblau", lr=0.01, epochs=500, resolution=32)
    >>> sorted(bmap.counts().items(), key=lambda kv: -kv[1])[0][1] > 200
    True
    """
    objective = get_objective(objective)
    if objective.dim != 2:
        raise ValueError(
            f"a basin map needs a function of 2 variables, {objective.slug} has {objective.dim}"
        )
    checks.one_of("optimizer", optimizer, OPTIMIZERS)
    resolution = checks.whole("resolution", resolution, low=2, high=2048)
    box = _check_box(objective, box)
    xs, ys = (pixel_centres(lo, hi, resolution) for lo, hi in box)
    grid_x, grid_y = np.meshgrid(xs, ys)
    starts = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    del grid_x, grid_y
    ends, _, statuses, _ = _run(objective, starts, lr=lr, epochs=epochs, optimizer=optimizer,
                                tol=tol, progress=progress, **hyper)  # fmt: skip
    radius = near_radius(objective, box)
    labels, minima, known = _classify(objective, statuses, ends, radius, discover=True)
    names = [f"minimum {point_text(p.point)}" for p in minima[:known]]
    names += [f"found minimum {point_text(p.point)}" for p in minima[known:]]
    names += [ELSEWHERE, NOT_CONVERGED, DIVERGED]
    if (labels == len(minima) + 3).any():
        names.append(UNDEFINED)
    return BasinMap(
        objective=objective, optimizer=optimizer, lr=float(lr), epochs=int(epochs),
        tol=float(tol), hyper=dict(hyper), box=box, xs=xs, ys=ys,
        labels=labels.reshape(resolution, resolution), names=tuple(names), minima=minima,
        radius=radius, known=known,
    )  # fmt: skip


# ---- parameter maps ------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ParamMap:
    """A grid of settings, one run each: ``final_losses[i, j]`` (and ``stop_epochs``,
    ``statuses``) is the run with x setting ``xs[j]`` and y setting ``ys[i]``.

    ``boundary`` is the theoretical stability boundary as curves [(xs, ys), ...] in axis
    units, named in ``boundary_names`` (None where theory gives none).
    """

    objective: Objective
    optimizer: str
    kind: str  # "lr_momentum" or "lr_start"
    xs: np.ndarray
    ys: np.ndarray
    x_name: str
    y_name: str
    final_losses: np.ndarray
    stop_epochs: np.ndarray
    statuses: np.ndarray
    boundary: list | None
    boundary_names: tuple[str, ...] = ()
    epochs: int = 0
    tol: float = DEFAULT_TOL
    start: tuple | None = None  # the one start of an η × β map
    hyper: dict = field(default_factory=dict)
    #: The minimum each run converged in (index into ``objective.minima``), −1 for none.
    ends_in: np.ndarray | None = None
    #: For an η × x₀ map: the minimum (index into ``objective.minima``) of each line.
    boundary_minima: tuple[int, ...] = ()

    def counts(self) -> dict[str, int]:
        """How many runs ended with each status (words of :data:`STATUS_WORDS`)."""
        return {
            word: int(np.count_nonzero(self.statuses == s))
            for s, word in STATUS_WORDS.items()
            if np.any(self.statuses == s)
        }

    def divergence_onsets(self) -> np.ndarray:
        """Per y row, the index of the smallest x from which every run diverges; len(xs)
        where the row's last run does not diverge."""
        diverged = self.statuses == "diverged"
        # the first index of the trailing all-diverged run of each row
        tail = np.cumprod(diverged[:, ::-1], axis=1).sum(axis=1)
        return len(self.xs) - tail

    def summary(self) -> list[str]:
        """Sentences on the map: how the runs ended, the fastest setting, and how the
        divergent region lines up with the boundary."""
        total = self.statuses.size
        lines = []
        counts = self.counts()
        parts = [f"{percent_text(c, total)} {w}" for w, c in counts.items()]
        lines.append(
            f"{total:,} runs ({len(self.xs)} × {len(self.ys)} settings, {self.epochs} epochs): "
            + ", ".join(parts) + "."
        )  # fmt: skip
        converged = self.statuses == "converged"
        if converged.any():
            stops = np.where(converged, self.stop_epochs, np.iinfo(np.int32).max)
            i, j = np.unravel_index(int(np.argmin(stops)), stops.shape)
            lines.append(
                f"Fastest: {self.x_name} = {_num(self.xs[j])}, {self.y_name} = {_num(self.ys[i])} "
                f"converges in {int(self.stop_epochs[i, j])} epochs."
            )
        if self.boundary and self.kind == "lr_momentum":
            lines.append(self._momentum_match())
        if self.boundary and self.kind == "lr_start":
            lines += self._start_lines()
        return lines

    def _momentum_match(self) -> str:
        """How many β rows start diverging within one grid cell of the theory line."""
        onsets = self.divergence_onsets()
        curve_x, curve_y = self.boundary[0]
        theory = np.interp(self.ys, curve_y, curve_x)
        expected = np.searchsorted(self.xs, theory)  # first column past the line
        inside = expected < len(self.xs)
        match = inside & (np.abs(onsets - expected) <= 1)
        rows = int(inside.sum())
        if not rows:
            return f"The boundary {self.boundary_names[0]} lies past the largest η shown."
        return (
            f"On {int(match.sum())} of {rows} rows of β the runs diverge from within one "
            f"grid cell of {self.boundary_names[0]}."
        )

    def _start_lines(self) -> list[str]:
        lines = []
        x = str(self.objective.variables[0])
        minima = self.objective.minima
        for k, (curve_x, _) in zip(self.boundary_minima, self.boundary, strict=True):
            limit = float(curve_x[0])
            ended = self.ends_in == k
            above = ended & (self.xs[None, :] > limit)
            where = f"{x} = {_num(minima[k].point[0])}"
            if not ended.any():
                lines.append(f"No run converges in the minimum at {where}.")
            elif not above.any():
                lines.append(
                    f"Every run that converges in the minimum at {where} has η < 2/{self._f2()} = "
                    f"{limit:.3g}, its line."
                )
            else:
                lines.append(
                    f"{int(above.sum())} of {int(ended.sum())} runs that converge in the minimum "
                    f"at {where} have η above its line 2/{self._f2()} = {limit:.3g}."
                )
        return lines

    def _f2(self) -> str:
        return f"{self.objective.symbol}″({self.objective.variables[0]}*)"

    def __repr__(self) -> str:
        return (
            f"ParamMap({self.objective.slug!r}, {self.optimizer}, {self.kind}, "
            f"{len(self.xs)}×{len(self.ys)})"
        )


def _check_range(name: str, value, low: float, high: float, high_open=False) -> tuple:
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be two numbers (low, high), got {value!r}") from None
    ok = math.isfinite(lo) and math.isfinite(hi) and low <= lo < hi and (
        hi < high if high_open else hi <= high
    )  # fmt: skip
    if not ok:
        top = f"< {high:g}" if high_open else f"≤ {high:g}"
        raise ValueError(f"{name} must have {low:g} ≤ low < high {top}, got {value!r}")
    return lo, hi


def lr_momentum_map(
    objective,
    start,
    *,
    optimizer: str = "momentum",
    epochs: int,
    tol: float = DEFAULT_TOL,
    lr_range=(1e-4, 10.0),
    momentum_range=(0.0, 0.99),
    resolution: int = 200,
    progress=None,
) -> ParamMap:
    """Final loss, stop epoch and status of one start over a grid of η (log-spaced) × β.

    The boundary is where the iteration on the quadratic model at the nearest minimum
    (curvature λ_max, from :func:`gdviz.stability.reference_curvature`) stops being stable:
    heavy ball (sgd, momentum), x_{k+1} = (1 + β − ηλ)x_k − βx_{k−1}, is stable iff
    0 < ηλ < 2 + 2β; Nesterov (PyTorch's form) has the matrix [[1 − ηλ(1 + β), −ηβ²], [λ, β]]
    with trace T = 1 + β − ηλ(1 + β), determinant D = β(1 − ηλ), and Jury's 1 + T + D > 0
    gives ηλ < (2 + 2β)/(1 + 2β). ``progress``: as for :func:`basin_map`.

    >>> pmap = lr_momentum_map("parabola", (3.0,), epochs=200, resolution=8)
    >>> pmap.statuses.shape, pmap.boundary_names[0]
    ((8, 8), 'η = (2 + 2β)/λ_max')
    """
    objective = get_objective(objective)
    if optimizer not in MOMENTUM_OPTIMIZERS:
        raise ValueError(
            f"optimizer must be one of {', '.join(MOMENTUM_OPTIMIZERS)} (those with a "
            f"momentum β), got {optimizer!r}"
        )
    start = checks.point("start", start, objective.dim)
    lo, hi = _check_range("lr_range", lr_range, 0.0, math.inf)
    if lo <= 0:
        raise ValueError(f"lr_range must be > 0 (η is log-spaced), got {lr_range!r}")
    b_lo, b_hi = _check_range("momentum_range", momentum_range, 0.0, 1.0, high_open=True)
    resolution = checks.whole("resolution", resolution, low=2, high=1024)
    xs = np.geomspace(lo, hi, resolution)
    ys = np.linspace(b_lo, b_hi, resolution)
    rates = np.tile(xs, resolution)
    betas = np.repeat(ys, resolution)
    starts = np.broadcast_to(start, (rates.size, objective.dim))
    nesterov = optimizer == "nesterov"
    ends = np.zeros((rates.size, objective.dim))
    losses = np.zeros(rates.size)
    statuses = np.full(rates.size, "undefined", dtype="<U11")
    stops = np.zeros(rates.size, dtype=np.int32)
    # Nesterov needs β > 0; at β = 0 it is plain SGD, run as such.
    parts = ((betas > 0, {"nesterov": nesterov}), (betas == 0, {}))
    tells = in_turn(progress, [np.count_nonzero(rows) * epochs for rows, _ in parts])
    for (rows, extra), tell in zip(parts, tells, strict=True):
        if rows.any():
            e, f_, s, k = _run(objective, np.ascontiguousarray(starts[rows]), lr=rates[rows],
                               epochs=epochs, optimizer="sgd", tol=tol, progress=tell,
                               momentum=betas[rows], **extra)  # fmt: skip
            ends[rows], losses[rows], statuses[rows], stops[rows] = e, f_, s, k
    boundary, names = None, ()
    c = reference_curvature(objective, start)
    if c is not None and c.gd_limit is not None:
        beta = np.linspace(b_lo, b_hi, 400)
        if nesterov:
            boundary = [((2 + 2 * beta) / ((1 + 2 * beta) * c.lam_max), beta)]
            names = ("η = (2 + 2β)/((1 + 2β)·λ_max)",)
        else:
            boundary = [((2 + 2 * beta) / c.lam_max, beta)]
            names = ("η = (2 + 2β)/λ_max",)
    shape = (resolution, resolution)
    return ParamMap(
        objective=objective, optimizer=optimizer, kind="lr_momentum", xs=xs, ys=ys,
        x_name="η", y_name="β", final_losses=losses.reshape(shape),
        stop_epochs=stops.reshape(shape), statuses=statuses.reshape(shape),
        boundary=boundary, boundary_names=names, epochs=int(epochs), tol=float(tol),
        start=tuple(float(v) for v in start),
    )  # fmt: skip


def lr_start_map(
    objective,
    *,
    optimizer: str = "gd",
    epochs: int,
    tol: float = DEFAULT_TOL,
    lr_range=(1e-4, 10.0),
    start_range=None,
    resolution: int = 200,
    progress=None,
    **hyper,
) -> ParamMap:
    """Final loss, stop epoch and status over a grid of η (log-spaced) × start x₀, for a
    function of one variable.

    The boundary: for each known minimum x* with f″(x*) > 0, the line η = 2/f″(x*), past
    which plain GD cannot settle there (each step multiplies the distance by 1 − η·f″).
    ``progress``: as for :func:`basin_map`.

    >>> pmap = lr_start_map("double_well", epochs=200, resolution=8)
    >>> [f"{line[0][0]:.4f}" for line in pmap.boundary]
    ['0.2255', '0.2832']
    """
    objective = get_objective(objective)
    if objective.dim != 1:
        raise ValueError(
            f"an η × start map needs a function of 1 variable, {objective.slug} has {objective.dim}"
        )
    checks.one_of("optimizer", optimizer, OPTIMIZERS)
    lo, hi = _check_range("lr_range", lr_range, 0.0, math.inf)
    if lo <= 0:
        raise ValueError(f"lr_range must be > 0 (η is log-spaced), got {lr_range!r}")
    s_lo, s_hi = _check_range("start_range", start_range or objective.domain[0], -math.inf,
                              math.inf)  # fmt: skip
    resolution = checks.whole("resolution", resolution, low=2, high=1024)
    xs = np.geomspace(lo, hi, resolution)
    ys = np.linspace(s_lo, s_hi, resolution)
    rates = np.tile(xs, resolution)
    starts = np.repeat(ys, resolution)[:, None]
    ends, losses, statuses, stops = _run(objective, starts, lr=rates, epochs=epochs,
                                         optimizer=optimizer, tol=tol, progress=progress,
                                         **hyper)  # fmt: skip
    radius = near_radius(objective, ((s_lo, s_hi),))
    labels, _, _ = _classify(objective, statuses, ends, radius, discover=False)
    known = len(objective.minima)
    # only runs that converged there: one passing by at its last epoch says nothing of η
    ends_in = np.where((labels < known) & (statuses == "converged"), labels, -1).astype(np.int8)
    boundary, names, which = [], [], []
    f2, x = f"{objective.symbol}″", str(objective.variables[0])
    for k, m in enumerate(objective.minima):
        bend = float(objective.hessian(np.array(m.point))[0, 0])
        if math.isfinite(bend) and bend > 0:
            boundary.append((np.array([2 / bend, 2 / bend]), np.array([s_lo, s_hi])))
            names.append(
                f"η = 2/{f2}({x}*) = {_num(2 / bend)} for the minimum at {x}* = {_num(m.point[0])}"
            )
            which.append(k)
    shape = (resolution, resolution)
    return ParamMap(
        objective=objective, optimizer=optimizer, kind="lr_start", xs=xs, ys=ys,
        x_name="η", y_name=f"start {x}₀", final_losses=losses.reshape(shape),
        stop_epochs=stops.reshape(shape), statuses=statuses.reshape(shape),
        boundary=boundary or None, boundary_names=tuple(names), epochs=int(epochs),
        tol=float(tol), hyper=dict(hyper), ends_in=ends_in.reshape(shape),
        boundary_minima=tuple(which),
    )  # fmt: skip
