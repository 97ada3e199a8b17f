"""What a figure draws once and never moves: a curve or a colour field, the known points,
and the fixed axes around them."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..field import COLORSCALE, RASTER_SIZE, colours_for, sample_field, sample_values
from ..numbers import fmt
from ..view import View, log_ticks, slog, unslog, zoom_levels
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


def curve_samples(obj, view: View) -> tuple[np.ndarray, np.ndarray]:
    """x and f(x) across the view, in the view's coordinates: even in signed log units on a
    log view, else even across the view and denser over the plotting box."""
    (lo, hi), (d_lo, d_hi) = view.box[0], view.domain[0]
    if view.log:
        xs = unslog(np.linspace(*slog([lo, hi]), 801))
    elif view.widened:
        xs = np.union1d(np.linspace(lo, hi, 601), np.linspace(d_lo, d_hi, 201))
    else:
        xs = np.linspace(lo, hi, 400)
    with np.errstate(all="ignore"):
        ys = obj.f(xs[:, None])
    ys = np.where(np.abs(ys) < 1e300, ys, np.nan)
    return view.to_view(xs), view.to_view(ys)


def _axis(title: str, lo: float, hi: float, log: bool) -> dict:
    axis = {"title": {"text": title}, "range": [lo, hi], "autorange": False}
    if log:
        axis["title"]["text"] += " (signed log scale)"
        axis |= log_ticks(lo, hi)
    return axis


def curve_backdrop(obj, domain=MAIN_DOMAIN, view: View | None = None, path_y=()):
    """The curve and its known points, the axes, and the y range: drawn once.

    Everything is in the view's coordinates; the y range holds the curve over the view
    and ``path_y`` (the path's f values, view coordinates)."""
    view = view or View(obj.domain, obj.domain)
    xs, ys = curve_samples(obj, view)
    y_lo, y_hi = curve_range(ys)
    path_y = np.asarray(path_y, dtype=float)
    path_y = path_y[np.isfinite(path_y)]
    if path_y.size and (path_y.min() < y_lo or path_y.max() > y_hi):
        # only where the path goes past the curve's own range: a run's last digits never
        # move the axis (that would relayout it on every learning-rate change)
        y_lo, y_hi = curve_range(np.concatenate([ys, path_y]))
    marks = obj.critical_points
    real = np.column_stack([unslog(xs), unslog(ys)]) if view.log else np.column_stack([xs, ys])
    traces = [
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            name=f"f(x) = {obj.formula}",
            line={"color": CURVE, "width": 2.5},
            customdata=real.astype(np.float32),
            hovertemplate="x = %{customdata[0]:.4g}<br>f = %{customdata[1]:.4g}<extra></extra>",
        ),
        go.Scatter(
            x=view.to_view([p.point[0] for p in marks]).tolist(),
            y=view.to_view([p.value for p in marks]).tolist(),
            mode="markers",
            name="known stationary points",
            text=[f"{p.kind}<br>x = {p.point[0]:.4f}<br>f = {p.value:.4f}" for p in marks],
            marker={
                "symbol": ["star" if p.is_minimum else "diamond" for p in marks],
                "size": 13,
                "color": MINIMUM,
                "line": {"color": "#333", "width": 1},
            },
            hovertemplate="%{text}<extra></extra>",
        ),
    ]
    x_lo, x_hi = view.to_view(np.array(view.box[0]))
    axes = {
        "xaxis": {"domain": list(domain), **_axis("x", float(x_lo), float(x_hi), view.log)},
        "yaxis": _axis("f(x)", y_lo, y_hi, view.log),
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


def field_backdrop(obj, domain=MAIN_DOMAIN, *, colourbar: bool = True, view: View | None = None):
    """Iso-lines, colour bar and known points as traces, the raster field and fixed
    equal-aspect axes as layout: everything of a contour map that does not move.

    On a widened view the field covers the whole view; on a zooming one it is drawn at
    nested zoom levels (outermost first, one colour scale) so it stays sharp at every
    frame, with the level sets of the plotting box."""
    view = view or View(obj.domain, obj.domain)
    fields = _fields(obj, view)
    marks = obj.critical_points
    traces = [
        go.Scatter(
            x=np.concatenate([f.iso_x for f in fields]),
            y=np.concatenate([f.iso_y for f in fields]),
            mode="lines",
            name="level sets",
            showlegend=False,
            line={"color": "rgba(255,255,255,0.35)", "width": 1},
            hoverinfo="skip",
        ),
        *([colourbar_trace(fields[0], domain[1])] if colourbar else []),
        go.Scatter(
            x=view.to_view([p.point[0] for p in marks]).tolist(),
            y=view.to_view([p.point[1] for p in marks]).tolist(),
            mode="markers",
            name="known stationary points",
            text=[
                f"{p.kind}, f = {fmt(p.value)}<br>({p.point[0]:.4f}, {p.point[1]:.4f})"
                for p in marks
            ],
            marker={
                "symbol": ["star" if p.is_minimum else "x-thin-open" for p in marks],
                "size": [15 if p.is_minimum else 10 for p in marks],
                "color": [MINIMUM if p.is_minimum else "white" for p in marks],
                "line": {"color": "#222", "width": 1},
            },
            hovertemplate="%{text}<extra></extra>",
        ),
    ]
    (x_lo, x_hi), (y_lo, y_hi) = (view.to_view(np.array(b)).tolist() for b in view.box)
    flat = {"showgrid": False, "zeroline": False, "constrain": "domain"}
    axes = {
        "xaxis": {"domain": list(domain), **_axis("x", x_lo, x_hi, view.log), **flat},
        "yaxis": {**_axis("y", y_lo, y_hi, view.log), **flat, "scaleanchor": "x", "scaleratio": 1},
        "images": [_image(field) for field in fields],
    }
    return traces, axes


def _fields(obj, view: View) -> list:
    """The field of a view: one over the plotting box or the widened view; over a zooming
    view one per zoom level (outermost first), on one log colour scale whose fine end is
    set by the plotting box, each with level sets outside the next level in."""
    if not view.widened:
        return [sample_field(obj)]
    boxes = zoom_levels(view)
    if len(boxes) == 1:
        return [sample_field(obj, RASTER_SIZE, boxes[0], view.log)]
    values = [sample_values(obj, RASTER_SIZE, box, view.log)[2] for box in boxes]
    colours = colours_for(obj, np.concatenate([v.ravel() for v in values]), log=True,
                          inner=values[-1])  # fmt: skip
    holes = [tuple(map(tuple, view.to_view(np.array(b)))) for b in boxes[1:]] + [None]
    return [
        sample_field(obj, RASTER_SIZE, box, view.log, colours, hole)
        for box, hole in zip(boxes, holes, strict=True)
    ]


def _image(field) -> dict:
    """A field's raster as a layout image under the plot, placed in view coordinates."""
    x_lo, x_hi, y_lo, y_hi = field.xs[0], field.xs[-1], field.ys[0], field.ys[-1]
    return {
        "source": field.png,
        "xref": "x",
        "yref": "y",
        "x": float(x_lo),
        "y": float(y_hi),
        "sizex": float(x_hi - x_lo),
        "sizey": float(y_hi - y_lo),
        "sizing": "stretch",
        "layer": "below",
    }


def map_width(box) -> tuple[int, list[float]]:
    """Figure width and x domain that fit an equal-aspect map of ``box`` (view
    coordinates) and its colour bar, for a map as tall as the contour figure's plot area."""
    (x_lo, x_hi), (y_lo, y_hi) = box
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
