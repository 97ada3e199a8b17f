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
ISO_LEVELS = 14


@dataclass(frozen=True, eq=False)
class Field:
    """``values[i, j]`` = f(xs[j], ys[i]); ``shade`` is what the colours map (maybe log)."""

    xs: np.ndarray
    ys: np.ndarray
    values: np.ndarray
    log: bool
    floor: float  # f_lo in the log transform
    offset: float  # δ in the log transform
    shade_range: tuple[float, float]
    png: str  # data URI
    iso_x: np.ndarray  # iso-lines, NaN-separated
    iso_y: np.ndarray

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


def colour_rgb(t: np.ndarray) -> np.ndarray:
    """Map t in [0, 1] to Viridis RGB (uint8), shape (..., 3)."""
    grid = np.linspace(0.0, 1.0, len(_STOPS))
    t = np.clip(t, 0.0, 1.0)
    channels = [np.interp(t, grid, _STOPS[:, c]) for c in range(3)]
    return np.stack(channels, axis=-1).round().astype(np.uint8)


def _png_data_uri(shade: np.ndarray, lo: float, hi: float) -> str:
    t = (shade - lo) / (hi - lo) if hi > lo else np.zeros_like(shade)
    rgb = colour_rgb(np.nan_to_num(t))
    alpha = np.where(np.isfinite(shade), 255, 0).astype(np.uint8)[..., None]
    rgba = np.concatenate([rgb, alpha], axis=-1)[::-1]  # image rows run top-down
    buffer = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _iso_lines(xs, ys, shade, lo, hi) -> tuple[np.ndarray, np.ndarray]:
    finite = np.isfinite(shade)
    if not finite.any() or hi <= lo:
        return np.array([]), np.array([])
    z = np.ma.masked_invalid(shade)
    generator = contourpy.contour_generator(xs, ys, z, line_type="Separate")
    pieces = []
    for level in np.linspace(lo, hi, ISO_LEVELS + 2)[1:-1]:
        for line in generator.lines(level):
            pieces.append(line)
            pieces.append(np.full((1, 2), np.nan))
    if not pieces:
        return np.array([]), np.array([])
    lines = np.concatenate(pieces).astype(np.float32)
    return lines[:, 0], lines[:, 1]


@lru_cache(maxsize=32)
def sample_field(objective: Objective, size: int = RASTER_SIZE) -> Field:
    """Sample a 2-D objective on a ``size`` × ``size`` grid over its domain (cached)."""
    if objective.dim != 2:
        raise ValueError(f"a field needs a 2-D objective, {objective.slug} is {objective.dim}-D")
    (x0, x1), (y0, y1) = objective.domain
    xs, ys = np.linspace(x0, x1, size), np.linspace(y0, y1, size)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1)
    values = objective.f(grid)
    finite = values[np.isfinite(values)]
    f_lo = float(finite.min()) if finite.size else 0.0
    f_hi = float(finite.max()) if finite.size else 1.0
    if objective.global_minimum is not None:
        f_lo = min(f_lo, objective.global_minimum.value)
    offset = max((f_hi - f_lo) * 1e-6, 1e-12)
    field = Field(xs, ys, values, objective.log_colour, f_lo, offset, (0.0, 0.0), "", None, None)
    shade = field.shade(values)
    shade = np.where(np.isfinite(values), shade, np.nan)
    lo, hi = float(np.nanmin(shade)), float(np.nanmax(shade))
    # Iso-lines from every other grid point: smooth enough, half the payload.
    iso_x, iso_y = _iso_lines(xs[::2], ys[::2], shade[::2, ::2], lo, hi)
    return Field(
        xs=xs,
        ys=ys,
        values=values,
        log=objective.log_colour,
        floor=f_lo,
        offset=offset,
        shade_range=(lo, hi),
        png=_png_data_uri(shade, lo, hi),
        iso_x=iso_x,
        iso_y=iso_y,
    )
