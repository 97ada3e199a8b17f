"""What a figure draws once and never moves: a curve or a colour field, the known points,
and the fixed axes around them."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..field import COLORSCALE, sample_field
from ..numbers import fmt
from .base import CONTOUR_HEIGHT, MARGIN
from .style import CURVE, MINIMUM

MAIN_DOMAIN = [0.0, 0.6]
COLOURBAR_ROOM = 110  # pixels right of a map: the colour bar, its ticks and title


def curve_range(ys) -> tuple[float, float]:
    """A padded y range around the finite values of a sampled curve."""
    finite = ys[np.isfinite(ys)]
    lo, hi = float(finite.min()), float(finite.max())
    pad = 0.08 * (hi - lo or 1.0)
    return lo - pad, hi + pad


def curve_backdrop(obj, domain=MAIN_DOMAIN):
    """The curve and its known points, the fixed axes, and the y range: drawn once."""
    (x_lo, x_hi) = obj.domain[0]
    xs = np.linspace(x_lo, x_hi, 400)
    ys = obj.f(xs[:, None])
    y_lo, y_hi = curve_range(ys)
    marks = obj.critical_points
    traces = [
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            name=f"f(x) = {obj.formula}",
            line={"color": CURVE, "width": 2.5},
            hovertemplate="x = %{x:.4f}<br>f = %{y:.4f}<extra></extra>",
        ),
        go.Scatter(
            x=[p.point[0] for p in marks],
            y=[p.value for p in marks],
            mode="markers",
            name="known stationary points",
            text=[p.kind for p in marks],
            marker={
                "symbol": ["star" if p.is_minimum else "diamond" for p in marks],
                "size": 13,
                "color": MINIMUM,
                "line": {"color": "#333", "width": 1},
            },
            hovertemplate="%{text}<br>x = %{x:.4f}<br>f = %{y:.4f}<extra></extra>",
        ),
    ]
    axes = {
        "xaxis": {
            "domain": list(domain),
            "title": {"text": "x"},
            "range": [x_lo, x_hi],
            "autorange": False,
        },
        "yaxis": {"title": {"text": "f(x)"}, "range": [y_lo, y_hi], "autorange": False},
    }
    return traces, axes, (y_lo, y_hi)


def colourbar_trace(field, map_end: float) -> go.Scatter:
    """An invisible trace that carries the colour bar of the raster field."""
    lo, hi = field.shade_range
    ticks = np.linspace(lo, hi, 6)
    return go.Scatter(
        x=[None],
        y=[None],
        mode="markers",
        showlegend=False,
        hoverinfo="skip",
        marker={
            "colorscale": COLORSCALE,
            "cmin": lo,
            "cmax": hi,
            "color": [lo],
            "showscale": True,
            "colorbar": {
                "title": {"text": "f (log scale)" if field.log else "f"},
                "tickvals": ticks,
                "ticktext": [f"{v:.3g}" for v in field.unshade(ticks)],
                "thickness": 14,
                "x": map_end + 0.005,
                "xanchor": "left",
            },
        },
    )


def field_backdrop(obj, domain=MAIN_DOMAIN, *, colourbar: bool = True):
    """Iso-lines, colour bar and known points as traces, the raster field and fixed
    equal-aspect axes as layout: everything of a contour map that does not move."""
    field = sample_field(obj)
    marks = obj.critical_points
    traces = [
        go.Scatter(
            x=field.iso_x,
            y=field.iso_y,
            mode="lines",
            name="level sets",
            showlegend=False,
            line={"color": "rgba(255,255,255,0.35)", "width": 1},
            hoverinfo="skip",
        ),
        *([colourbar_trace(field, domain[1])] if colourbar else []),
        go.Scatter(
            x=[p.point[0] for p in marks],
            y=[p.point[1] for p in marks],
            mode="markers",
            name="known stationary points",
            text=[f"{p.kind}, f = {fmt(p.value)}" for p in marks],
            marker={
                "symbol": ["star" if p.is_minimum else "x-thin-open" for p in marks],
                "size": [15 if p.is_minimum else 10 for p in marks],
                "color": [MINIMUM if p.is_minimum else "white" for p in marks],
                "line": {"color": "#222", "width": 1},
            },
            hovertemplate="%{text}<br>(%{x:.4f}, %{y:.4f})<extra></extra>",
        ),
    ]
    (x_lo, x_hi), (y_lo, y_hi) = obj.domain
    axes = {
        "xaxis": {
            "domain": list(domain),
            "title": {"text": "x"},
            "range": [x_lo, x_hi],
            "autorange": False,
            "showgrid": False,
            "zeroline": False,
            "constrain": "domain",
        },
        "yaxis": {
            "title": {"text": "y"},
            "range": [y_lo, y_hi],
            "autorange": False,
            "showgrid": False,
            "zeroline": False,
            "scaleanchor": "x",
            "scaleratio": 1,
            "constrain": "domain",
        },
        "images": [
            {
                "source": field.png,
                "xref": "x",
                "yref": "y",
                "x": x_lo,
                "y": y_hi,
                "sizex": x_hi - x_lo,
                "sizey": y_hi - y_lo,
                "sizing": "stretch",
                "layer": "below",
            }
        ],
    }
    return traces, axes


def map_width(obj) -> tuple[int, list[float]]:
    """Figure width and x domain that fit an equal-aspect map of ``obj``'s domain and
    its colour bar, for a map as tall as the contour figure's plot area."""
    (x_lo, x_hi), (y_lo, y_hi) = obj.domain
    plot_height = CONTOUR_HEIGHT - MARGIN["t"] - MARGIN["b"]
    width_px = plot_height * float(np.clip((x_hi - x_lo) / (y_hi - y_lo), 0.6, 2.0))
    width = int(round(MARGIN["l"] + width_px + COLOURBAR_ROOM + MARGIN["r"]))
    return width, [0.0, width_px / (width - MARGIN["l"] - MARGIN["r"])]


def axis_scale(values, log: bool) -> dict:
    """Linear, or log with a tick every decade or few: 1e-6, 1e-4 … not 0.1864928."""
    if not log:
        return {"type": "linear"}
    decades = np.log10(values.max()) - np.log10(values.min())
    return {
        "type": "log",
        "tickmode": "linear",
        "tick0": 0,
        "dtick": max(1, int(np.ceil(decades / 6))),
        "exponentformat": "power",
    }
