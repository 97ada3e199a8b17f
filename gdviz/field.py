"""Field: an objective sampled on a grid, colour-mapped to a raster, with iso-lines.

A 2-D field is drawn as a PNG in ``layout.images`` rather than a Contour or
Heatmap trace: plotly.js hides those during ``redraw: False`` animation and
flickers them with ``redraw: True``, while an image stays put. Iso-lines are
ordinary scatter lines computed with contourpy.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from functools import lru_cache

import contourpy
import numpy as np
from PIL import Image
from plotly.colors import sequential

from .objectives import Objective

#: The colour scale of every field (perceptually uniform, colour-blind safe).
COLORSCALE = "Viridis"
_STOPS = np.array([[int(h[i : i + 2], 16) for i in (1, 3, 5)] for h in sequential.Viridis])
RASTER_SIZE = 240
#: Level counts to try, most first, until the lines fit in ISO_POINTS vertices.
ISO_LEVELS = (14, 10, 7, 5, 3)
ISO_POINTS = 6000


@dataclass(frozen=True)
class Colours:
    """How f values map to colours: f itself, or log10(f − floor + δ), over [lo, hi]."""

    log: bool
    floor: float  # f_lo in the log transform
    offset: float  # δ in the log transform
    lo: float
    hi: float

    def shade(self, f) -> np.ndarray:
        """The colour coordinate of f values: f itself, or log10(f − f_lo + δ)."""
        f = np.asarray(f, dtype=float)
        if not self.log:
            return f
        with np.errstate(all="ignore"):
            return np.log10(np.maximum(f - self.floor, 0.0) + self.offset)

    def unshade(self, c) -> np.ndarray:
        """Inverse of :meth:`shade`, for colour-bar labels."""
        c = np.asarray(c, dtype=float)
        return self.floor + 10.0**c - self.offset if self.log else c


@dataclass(frozen=True, eq=False)
class Field:
    """``values[i, j]`` = f(xs[j], ys[i]), coloured by ``colours`` into ``png``."""

    xs: np.ndarray
    ys: np.ndarray
    values: np.ndarray
    colours: Colours
    png: str  # data URI
    iso_x: np.ndarray  # iso-lines, NaN-separated
    iso_y: np.ndarray

    @property
    def log(self) -> bool:
        return self.colours.log

    @property
    def floor(self) -> float:
        return self.colours.floor

    @property
    def shade_range(self) -> tuple[float, float]:
        return self.colours.lo, self.colours.hi

    def shade(self, f) -> np.ndarray:
        return self.colours.shade(f)

    def unshade(self, c) -> np.ndarray:
        return self.colours.unshade(c)


def colour_rgb(t: np.ndarray) -> np.ndarray:
    """Map t in [0, 1] to Viridis RGB (uint8), shape (..., 3)."""
    grid = np.linspace(0.0, 1.0, len(_STOPS))
    t = np.clip(t, 0.0, 1.0)
    channels = [np.interp(t, grid, _STOPS[:, c]) for c in range(3)]
    return np.stack(channels, axis=-1).round().astype(np.uint8)


def _png_data_uri(shade: np.ndarray, lo: float, hi: float) -> str:
    """A palette PNG: 255 Viridis shades plus one transparent index for undefined values.

    A palette image is a third of the size of an RGB one, at no visible cost.
    """
    with np.errstate(invalid="ignore"):
        t = (shade - lo) / (hi - lo) if hi > lo else np.zeros_like(shade)
    t = np.clip(t, 0.0, 1.0)  # a field coloured on another's scale may reach past it
    index = np.where(np.isfinite(t), np.round(np.nan_to_num(t) * 254), 255).astype(np.uint8)
    palette = np.vstack([colour_rgb(np.linspace(0, 1, 255)), [[0, 0, 0]]]).astype(np.uint8)
    image = Image.fromarray(index[::-1], mode="P")  # image rows run top-down
    image.putpalette(palette.ravel().tolist())
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True, transparency=255)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _iso_lines(xs, ys, shade, lo, hi) -> tuple[np.ndarray, np.ndarray]:
    """Iso-lines as one NaN-separated polyline; busy fields get fewer levels."""
    finite = np.isfinite(shade)
    if not finite.any() or hi <= lo:
        return np.array([]), np.array([])
    generator = contourpy.contour_generator(
        xs, ys, np.ma.masked_invalid(shade), line_type="Separate"
    )
    min_gap = 0.004 * max(xs[-1] / 2 - xs[0] / 2, ys[-1] / 2 - ys[0] / 2) * 2  # halves: no overflow
    for count in ISO_LEVELS:
        pieces = []
        for level in np.linspace(lo, hi, count + 2)[1:-1]:
            for line in generator.lines(level):
                pieces += [_thin(line, min_gap), np.full((1, 2), np.nan)]
        if sum(len(p) for p in pieces) <= ISO_POINTS:
            break
    if not pieces:
        return np.array([]), np.array([])
    lines = np.concatenate(pieces)
    if np.nanmax(np.abs(lines)) < 1e30:  # float32 halves the payload where it holds them
        lines = lines.astype(np.float32)
    return lines[:, 0], lines[:, 1]


def _thin(line: np.ndarray, min_gap: float) -> np.ndarray:
    """Drop polyline vertices closer than ``min_gap`` to the last kept one (ends kept)."""
    if len(line) <= 2:
        return line
    keep = [0]
    for i in range(1, len(line) - 1):
        if np.abs(line[i] - line[keep[-1]]).max() >= min_gap:
            keep.append(i)
    keep.append(len(line) - 1)
    return line[keep]


def colours_for(objective: Objective, values, *, log: bool | None = None, inner=None) -> Colours:
    """A colour scale for these f values.

    Log-scaled for objectives that ask for it, when ``log`` says so, or (``log`` None) on a
    box whose values span more than three decades above the lowest. δ is a millionth of
    the spread, of ``inner`` values if given (the plotting box's, for nested zoom levels,
    so every level of a zoom keeps its shades).
    """
    finite = values[np.isfinite(values)]
    f_lo = float(finite.min()) if finite.size else 0.0
    f_hi = float(finite.max()) if finite.size else 1.0
    if objective.global_minimum is not None:
        f_lo = min(f_lo, objective.global_minimum.value)
    if log is None:
        log = finite.size > 1 and (f_hi - f_lo) > 1e3 * (np.median(finite) - f_lo)
    log = bool(objective.log_colour or log)
    spread = f_hi - f_lo
    if inner is not None:
        inside = inner[np.isfinite(inner)]
        spread = float(inside.max() - f_lo) if inside.size else spread
    offset = max(spread * 1e-6, 1e-12)
    scale = Colours(log, f_lo, offset, 0.0, 1.0)
    shade = scale.shade(finite)
    shade = shade[np.isfinite(shade)]
    lo, hi = (float(shade.min()), float(shade.max())) if shade.size else (0.0, 1.0)
    return Colours(log, f_lo, offset, lo, hi)


def _even(lo: float, hi: float, size: int) -> np.ndarray:
    """``size`` values evenly from ``lo`` to ``hi``, also where hi − lo is past the floats."""
    if np.isfinite(float(hi) - float(lo)):
        return np.linspace(lo, hi, size)
    t = np.linspace(0.0, 1.0, size)
    return lo * (1.0 - t) + hi * t


@lru_cache(maxsize=32)
def sample_values(
    objective: Objective, size: int = RASTER_SIZE, box=None, log_axes: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """f on a ``size`` × ``size`` grid over ``box`` (default: the plotting box), even in
    signed log coordinates with ``log_axes``: (xs, ys, values), xs and ys in the axes'
    coordinates; overflowing values are NaN (left blank)."""
    if objective.dim != 2:
        raise ValueError(f"a field needs a 2-D objective, {objective.slug} is {objective.dim}-D")
    from .view import slog, unslog

    (x0, x1), (y0, y1) = box or objective.domain
    if log_axes:
        (x0, x1), (y0, y1) = (tuple(slog([a, b]).tolist()) for a, b in ((x0, x1), (y0, y1)))
    xs, ys = _even(x0, x1, size), _even(y0, y1, size)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1)
    with np.errstate(all="ignore"):
        values = objective.f(unslog(grid) if log_axes else grid)
    values = np.where(np.abs(values) < 1e300, values, np.nan)
    for array in (xs, ys, values):
        array.flags.writeable = False  # shared through the cache
    return xs, ys, values


@lru_cache(maxsize=32)
def sample_field(
    objective: Objective,
    size: int = RASTER_SIZE,
    box: tuple[tuple[float, float], ...] | None = None,
    log_axes: bool = False,
    colours: Colours | None = None,
    hole: tuple[tuple[float, float], ...] | None = None,
) -> Field:
    """Sample a 2-D objective on a ``size`` × ``size`` grid (cached) and colour it.

    The grid covers ``box`` (default: the objective's plotting box). With ``log_axes`` it
    is even in signed log coordinates (see :mod:`gdviz.view`), and ``xs``/``ys`` are given
    in those coordinates, as the axes show them. ``colours`` shares one colour scale
    between fields drawn together (default: this field's own, see :func:`colours_for`);
    ``hole`` (axes' coordinates) is a box another field covers: no level sets there.
    """
    xs, ys, values = sample_values(objective, size, box, log_axes)
    if colours is None:
        colours = colours_for(objective, values, log=None if box is not None else False)
    shade = np.where(np.isfinite(values), colours.shade(values), np.nan)
    lined = shade
    if hole is not None:
        (a, b), (c, d) = hole
        inside = (xs[None, :] > a) & (xs[None, :] < b) & (ys[:, None] > c) & (ys[:, None] < d)
        lined = np.where(inside, np.nan, shade)
    # Iso-lines from every other grid point: smooth enough, half the payload.
    iso_x, iso_y = _iso_lines(xs[::2], ys[::2], lined[::2, ::2], colours.lo, colours.hi)
    return Field(
        xs=xs,
        ys=ys,
        values=values,
        colours=colours,
        png=_png_data_uri(shade, colours.lo, colours.hi),
        iso_x=iso_x,
        iso_y=iso_y,
    )
