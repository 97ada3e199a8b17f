"""What a figure shows of a run: the plotting box, or more when the path leaves it.

Statuses and messages never look at the plotting box; figures do. A path that stays in
the objective's box is drawn there. One that leaves it widens the view to the whole path
(the function is drawn there too). A diverging one that leaves it zooms out as it plays,
frame by frame, and where its growth spans decades it is drawn on signed log axes, so the
point bouncing from wall to wall, further up each time, stays visible at every scale.

Signed log coordinates: u = sign(v)·log₁₀(1 + |v|), linear near 0 and logarithmic far
out, defined for negative values too; tick labels show the real values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .numbers import plain

PAD = 0.08  #: room around the path, as a share of the view's span
#: A diverging path that reaches this many times farther than it started (from the box's
#: centre, in units of the box) is drawn on signed log axes.
LOG_GROWTH = 100.0
#: Widest and tallest a map may be, as an aspect ratio (the map stays readable).
MAX_ASPECT = 2.0
#: The largest float: no view reaches past it, so every box, span and tick stays finite.
LARGEST = float(np.finfo(float).max)
#: The farthest a linear axis reaches either way (a round number under half the largest
#: float): its span, and its ends rounded for the page, stay floats.
WIDEST = 8e307
#: The largest value a linear view holds: past it a view's span would leave the floats,
#: so a path that far out is drawn on signed log axes.
LINEAR_LIMIT = 1e300


def slog(values):
    """Signed log coordinates: sign(v)·log₁₀(1 + |v|).

    >>> slog(np.array([-99.0, 0.0, 9.0])).tolist()
    [-2.0, 0.0, 1.0]
    """
    values = np.asarray(values, dtype=float)
    with np.errstate(all="ignore"):
        return np.sign(values) * np.log10(1.0 + np.abs(values))


def unslog(values):
    """The inverse of :func:`slog`."""
    values = np.asarray(values, dtype=float)
    with np.errstate(all="ignore"):
        return np.sign(values) * (10.0 ** np.abs(values) - 1.0)


#: The signed log coordinate of the largest float: the far end of every log view.
SLOG_LIMIT = float(slog(LARGEST))


def within_floats(lo, hi, log: bool):
    """A range in view coordinates (signed log ones if ``log``) cut to the floats, so that
    its real ends (:func:`unslog`) are finite, and on linear axes its span too."""
    limit = SLOG_LIMIT if log else WIDEST
    return np.clip(lo, -limit, limit), np.clip(hi, -limit, limit)


def _real(values, log: bool) -> np.ndarray:
    """View coordinates back to real values, the largest float where rounding overflows."""
    real = unslog(values) if log else np.asarray(values, dtype=float)
    return np.clip(real, -LARGEST, LARGEST)


def nice_box(lo: float, hi: float) -> tuple[float, float]:
    """``[lo, hi]`` rounded outward to two significant digits of its span, so nearby runs
    share one view (and its cached field)."""
    span = hi - lo
    if not (math.isfinite(span) and span > 0):
        return lo, hi
    step = 10.0 ** (math.floor(math.log10(span)) - 1)
    out = (
        float(f"{math.floor(lo / step) * step:.12g}"),
        float(f"{math.ceil(hi / step) * step:.12g}"),
    )
    # rounded outward past the largest float: that end stays as it was
    return out[0] if math.isfinite(out[0]) else lo, out[1] if math.isfinite(out[1]) else hi


def padded(lo, hi, pad: float = PAD):
    """A range grown by ``pad`` of its span on each side (by 1 if it is a single value)."""
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    span = np.where(hi > lo, hi - lo, np.maximum(np.abs(lo), 1.0))
    return lo - pad * span, hi + pad * span


def square(lo, hi, max_aspect: float = MAX_ASPECT):
    """Widen the narrower side of a 2-D box around its centre until its aspect ratio is
    at most ``max_aspect``, so a map of a long thin path stays readable."""
    lo, hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
    span = hi - lo
    need = span.max() / max_aspect
    grow = np.maximum(need - span, 0.0) / 2
    return lo - grow, hi + grow


def _finite(points) -> np.ndarray:
    points = np.asarray(points, dtype=float)
    return points[np.isfinite(points).all(axis=-1)]


@dataclass(frozen=True)
class View:
    """How a figure frames one or more runs of one objective.

    ``box`` is the widest extent shown, as ((lo, hi) per coordinate), in the objective's
    own coordinates. ``widened``: some path leaves the objective's plotting box.
    ``zoom``: the frames zoom out with a diverging run. ``log``: signed log axes.
    ``overflowed``, ``undefined``: how many of its ``paths`` runs stopped because the next
    step overflowed, or because f has no value there; each is drawn up to its last finite
    point (the note says so).
    """

    domain: tuple[tuple[float, float], ...]
    box: tuple[tuple[float, float], ...]
    widened: bool = False
    zoom: bool = False
    log: bool = False
    names: tuple[str, ...] = ("x", "y")  # the function's variables, as the note names them
    overflowed: int = 0  # runs whose next step overflowed (drawn to their last point)
    undefined: int = 0  # runs where f has no value at the next point (the same)
    paths: int = 1  # how many runs the view shows

    def to_view(self, values):
        """Coordinates as the axes show them (signed log on a log view)."""
        return slog(values) if self.log else np.asarray(values, dtype=float)

    def from_view(self, values) -> np.ndarray:
        """Coordinates on the axes back to real values (within the floats)."""
        return _real(values, self.log)

    def direction(self, point, vector) -> np.ndarray:
        """Where ``vector`` at ``point`` points on the axes: itself, or on signed log axes
        its image under the local scaling d(slog v)/dv = 1 / ((1 + |v|)·ln 10)."""
        vector = np.asarray(vector, dtype=float)
        if not self.log:
            return vector
        return vector / (1.0 + np.abs(np.asarray(point, dtype=float)))

    def holding(self, box) -> View:
        """This view, its box grown to hold ``box`` (given in the axes' coordinates)."""
        inner = _real(np.array(box, dtype=float), self.log)
        grown = np.column_stack(
            [np.minimum(np.array(self.box)[:, 0], inner[:, 0]),
             np.maximum(np.array(self.box)[:, 1], inner[:, 1])]
        )  # fmt: skip
        return replace(self, box=tuple((float(a), float(b)) for a, b in grown))

    def told(self, *sentences: str) -> str:
        """``sentences``, then :meth:`note` when there is one: the text of a banner."""
        return " ".join(filter(None, (*sentences, self.note())))

    def ranges(self) -> str:
        """What the view spans, in words: "x from -1000 to 11000"."""
        return ", ".join(
            f"{name} from {plain(lo)} to {plain(hi)}"
            for name, (lo, hi) in zip(self.names, self.box, strict=False)
        )

    def note(self) -> str | None:
        """A sentence for the banner when the view is not the plotting box, and one when a
        run overflowed (it is drawn up to its last finite point)."""
        return " ".join(filter(None, (self._widened_note(), self._overflow_note()))) or None

    def _widened_note(self) -> str | None:
        if not self.widened:
            return None
        ranges = self.ranges()
        if self.log:
            return (
                "The path leaves the plotting box and its growth spans decades: the view "
                f"zooms out as it plays, on signed log axes ({ranges} at the end)."
            )
        if self.zoom:
            return f"The path leaves the plotting box: the view zooms out as it plays ({ranges})."
        return (
            "The path leaves the plotting box, so the view is widened to show all of it "
            f"({ranges})."
        )

    def _overflow_note(self) -> str | None:
        cut = self.overflowed + self.undefined
        if not cut:
            return None
        if self.paths == 1:  # the run's own message says why it stopped
            return "The path is drawn up to its last finite point."
        why = "the next step overflowed or had no value"
        if cut == 1:
            return f"The path that stopped because {why} is drawn up to its last finite point."
        return f"The paths that stopped because {why} are drawn up to their last finite points."


def _reach(points, domain) -> np.ndarray:
    """How far each point is from the box's centre, in half-widths of the box."""
    box = np.array(domain, dtype=float)
    centre, half = box.mean(axis=1), np.maximum((box[:, 1] - box[:, 0]) / 2, 1e-300)
    with np.errstate(all="ignore"):
        return np.max(np.abs(np.asarray(points, dtype=float) - centre) / half, axis=-1)


def view_of(runs, *, zoom: bool = True) -> View:
    """The view that shows every iterate of ``runs`` (one Trajectory or several of one
    objective): the plotting box if they stay in it, else widened (on signed log axes
    where a diverging run's growth spans decades; zooming out frame by frame for a single
    diverging run, unless ``zoom`` is False)."""
    runs = [runs] if hasattr(runs, "points") else list(runs)
    diverging = [r.points for r in runs if r.status == "diverged"]
    view = view_around(
        runs[0].objective,
        [r.points for r in runs],
        diverging=diverging,
        zoom=zoom and len(runs) == 1 and bool(diverging),
    )
    reasons = [getattr(r, "reason", None) for r in runs]
    return replace(view, overflowed=reasons.count("overflow"),
                   undefined=reasons.count("undefined"), paths=len(runs))  # fmt: skip


def view_around(objective, paths, *, diverging=(), zoom: bool = False) -> View:
    """The view that shows every point of ``paths`` (arrays of points of ``objective``),
    widened beyond its plotting box if needed; on signed log axes if one of the
    ``diverging`` paths grows more than ``LOG_GROWTH``-fold, or a point lies past
    ``LINEAR_LIMIT`` (a linear view that wide would have a span past the floats). Its box
    never reaches past the largest float."""
    domain = tuple(tuple(map(float, pair)) for pair in objective.domain)
    names = tuple(str(v) for v in objective.variables)
    points = _finite(np.concatenate([np.reshape(p, (-1, objective.dim)) for p in paths]))
    box = np.array(domain)
    if not np.any((points < box[:, 0]) | (points > box[:, 1])):
        return View(domain, domain, names=names)
    reach = [_reach(_finite(p), domain) for p in diverging]
    log = any(r.max() >= LOG_GROWTH * max(1.0, r[0]) for r in reach if r.size)
    log = log or bool(np.abs(points).max() > LINEAR_LIMIT)
    lo = np.minimum(box[:, 0], points.min(axis=0))
    hi = np.maximum(box[:, 1], points.max(axis=0))
    there = slog if log else np.asarray
    lo, hi = padded(there(lo), there(hi))  # padded, and squared, as the axes show them
    if objective.dim == 2:
        lo, hi = square(lo, hi)
    lo, hi = within_floats(lo, hi, log)
    lo, hi = _real(lo, log), _real(hi, log)
    widened = tuple(nice_box(float(a), float(b)) for a, b in zip(lo, hi, strict=True))
    return View(domain, widened, widened=True, zoom=zoom, log=log, names=names)


def same_aspect(box, like) -> tuple[tuple[float, float], ...]:
    """``box`` widened around its centre to the aspect ratio of ``like`` (2-D boxes), so
    every frame of a zooming map keeps the figure's shape."""
    lo, hi = np.array(box, dtype=float).T
    target = np.array(like, dtype=float)
    aspect = (target[0, 1] - target[0, 0]) / (target[1, 1] - target[1, 0])
    span = hi - lo
    want = np.array([max(span[0], span[1] * aspect), max(span[1], span[0] / aspect)])
    grow = (want - span) / 2
    return tuple((float(a), float(b)) for a, b in zip(lo - grow, hi + grow, strict=True))


def frame_boxes(view: View, points, epochs, like=None) -> list[tuple[tuple[float, float], ...]]:
    """For a zooming view: each frame's box in view coordinates, holding the plotting box
    and the path up to the next point (the step about to be taken), padded. Boxes only
    grow, so the view zooms out as the run plays; ``like`` (a 2-D box) gives every frame
    its aspect ratio."""
    box = np.array(view.domain, dtype=float)
    shown = view.to_view(_finite(points))
    lo, hi = view.to_view(box[:, 0]), view.to_view(box[:, 1])
    reach_lo = np.minimum.accumulate(np.minimum(shown, lo), axis=0)
    reach_hi = np.maximum.accumulate(np.maximum(shown, hi), axis=0)
    boxes, before = [], None
    for e in epochs:
        k = min(int(e) + 1, len(shown) - 1)
        a, b = padded(reach_lo[k], reach_hi[k])
        if before is not None:
            a, b = np.minimum(a, before[:, 0]), np.maximum(b, before[:, 1])
        if like is not None:
            a, b = np.array(same_aspect(np.column_stack([a, b]), like)).T
        a, b = within_floats(a, b, view.log)
        before = np.column_stack([a, b])
        boxes.append(tuple((float(x), float(y)) for x, y in before))
    return boxes


def _slog_power(k: int) -> float:
    """slog(10ᵏ), also for k past the largest float (where it is k to double precision)."""
    return float(k) if k > 15 else float(slog(10.0**k))


def log_ticks(lo: float, hi: float, most: int = 7) -> dict:
    """Tick values and labels for a signed log axis from ``lo`` to ``hi`` (view units):
    0 and ±10ᵏ from ±1 up, every decade or every few, labelled with the real values."""
    top = max(abs(lo), abs(hi))
    if not math.isfinite(top):
        raise ValueError(f"log_ticks needs a finite range, got {lo!r} to {hi!r}")
    # the decades of 10ᵗᵒᵖ − 1; far out, those of 10ᵗᵒᵖ (which may not be a float)
    near = 10.0 ** min(top, 15.0) - 1.0
    decades = math.floor(top) if top > 15 else math.floor(math.log10(near)) if near > 0 else 0
    decades = max(0, decades)
    every = max(1, math.ceil(2 * (decades + 1) / most))
    values, labels = [0.0], ["0"]
    for k in range(0 if decades < 3 else every, decades + 1, every):  # ±1 only when close
        for sign in (1, -1):
            at = sign * _slog_power(k)
            if lo <= at <= hi:
                values.append(at)
                labels.append(("−" if sign < 0 else "") + _power(k))
    order = np.argsort(values)
    return {
        "tickmode": "array",
        "tickvals": [values[i] for i in order],
        "ticktext": [labels[i] for i in order],
    }


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _power(k: int) -> str:
    return {0: "1", 1: "10", 2: "100", 3: "1000"}.get(k, "10" + str(k).translate(_SUPERSCRIPT))


#: Each zoom level's box is about this many times the next one in (view coordinates).
ZOOM_STEP = 4.0
MAX_LEVELS = 6


def zoom_levels(view: View) -> list[tuple[tuple[float, float], ...]]:
    """Boxes (the objective's coordinates) to draw a 2-D field in, outermost first: the
    whole view, then nested boxes about 4× apart down to the plotting box, so that the
    field stays sharp at every zoom of the animation. One box if the view does not zoom."""
    if not view.zoom:
        return [view.box]
    inner = view.to_view(np.array(view.domain, dtype=float))
    outer = view.to_view(np.array(view.box, dtype=float))
    centre, half = inner.mean(axis=1), (inner[:, 1] - inner[:, 0]) / 2
    levels, scale = [], ZOOM_STEP
    while len(levels) < MAX_LEVELS - 2:
        lo = np.maximum(outer[:, 0], centre - half * scale)
        hi = np.minimum(outer[:, 1], centre + half * scale)
        if np.all(lo <= outer[:, 0]) and np.all(hi >= outer[:, 1]):
            break
        levels.append(np.column_stack([lo, hi]))
        scale *= ZOOM_STEP
    boxes = [_real(b, view.log) for b in (outer, *reversed(levels), inner)]
    boxes[-1] = np.array(view.domain, dtype=float)  # exactly the plotting box
    return [tuple((float(a), float(b)) for a, b in box) for box in boxes]
