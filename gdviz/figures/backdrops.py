"""What a figure draws once and never moves: a curve or a colour field, the known points,
and the fixed axes around them."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..field import COLORSCALE, RASTER_SIZE, colours_for, sample_field, sample_values
from ..numbers import fmt
from ..view import View, log_ticks, slog, within_floats, zoom_levels
from .base import array_dtype, nice_ticks, plain_ticks, tick_label
from .style import CURVE, MINIMUM

MAIN_DOMAIN = [0.0, 0.6]
COLOURBAR_ROOM = 110  # pixels right of a map: the colour bar, its ticks and title


def curve_range(ys, log: bool = False) -> tuple[float, float]:
    """A padded y range around the finite values of a sampled curve (-1 to 1 if none is),
    within the floats (``log``: on signed log axes)."""
    finite = ys[np.isfinite(ys)]
    if not finite.size:
        return -1.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    pad = 0.08 * (hi - lo or 1.0)
    lo, hi = within_floats(lo - pad, hi + pad, log)
    return float(lo), float(hi)


def curve_samples(obj, view: View) -> tuple[np.ndarray, np.ndarray]:
    """x and f(x) across the view, in the view's coordinates: even in signed log units on a
    log view, else even across the view and denser over the plotting box."""
    (lo, hi), (d_lo, d_hi) = view.box[0], view.domain[0]
    if view.log:
        shown = np.linspace(*slog([lo, hi]), 801)
        xs = view.from_view(shown)  # its ends may round past the largest float
    elif view.widened:
        xs = np.union1d(np.linspace(lo, hi, 601), np.linspace(d_lo, d_hi, 201))
    else:
        xs = np.linspace(lo, hi, 400)
    with np.errstate(all="ignore"):
        ys = obj.f(xs[:, None])
    ys = np.where(np.abs(ys) < 1e300, ys, np.nan)
    return (shown if view.log else xs), view.to_view(ys)


def _axis(title: str, lo: float, hi: float, log: bool) -> dict:
    axis = {"title": {"text": title}, "range": [lo, hi], "autorange": False}
    if log:
        axis["title"]["text"] += " (signed log scale)"
        axis |= log_ticks(lo, hi)
    else:
        axis |= plain_ticks(lo, hi)
    return axis


def curve_backdrop(obj, domain=MAIN_DOMAIN, view: View | None = None, path_y=()):
    """The curve and its known points, the axes, and the y range: drawn once.

    Everything is in the view's coordinates; the y range holds the curve over the view
    and ``path_y`` (the path's f values, view coordinates)."""
    view = view or View(obj.domain, obj.domain)
    xs, ys = curve_samples(obj, view)
    y_lo, y_hi = curve_range(ys, view.log)
    path_y = np.asarray(path_y, dtype=float)
    path_y = path_y[np.isfinite(path_y)]
    if path_y.size and (path_y.min() < y_lo or path_y.max() > y_hi):
        # only where the path goes past the curve's own range: a run's last digits never
        # move the axis (that would relayout it on every learning-rate change)
        y_lo, y_hi = curve_range(np.concatenate([ys, path_y]), view.log)
    real = view.from_view(np.column_stack([xs, ys]))
    f, (x,) = obj.symbol, (str(v) for v in obj.variables)
    traces = [
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            name=f"{f}({x}) = {obj.formula}",
            line={"color": CURVE, "width": 2.5},
            customdata=real.astype(array_dtype(real)),  # float64 past float32's range
            hovertemplate=f"{x} = %{{customdata[0]:.4g}}<br>{f} = %{{customdata[1]:.4g}}"
            "<extra></extra>",
        ),
        *_marks(obj, view, lambda p: (p.point[0], p.value), "#333"),
    ]
    x_lo, x_hi = view.to_view(np.array(view.box[0]))
    axes = {
        "xaxis": {"domain": list(domain), **_axis(x, float(x_lo), float(x_hi), view.log)},
        "yaxis": _axis(f"{f}({x})", y_lo, y_hi, view.log),
    }
    return traces, axes, (y_lo, y_hi)


def _marks(obj, view: View, where, edge: str) -> list[go.Scatter]:
    """The known stationary points as two legend entries: minima (★) and saddles or
    maxima (×); only those the function has. ``where(p)`` gives a point's plotted
    coordinates (x and f(x) on a curve, x and y on a map)."""
    f = obj.symbol
    names = ", ".join(str(v) for v in obj.variables)
    traces = []
    for minima, name, symbol, size, colour in (
        (True, "minimum (★)", "star", 15, MINIMUM),
        (False, "saddle or maximum (×)", "x-thin-open", 12, edge),
    ):
        marks = [p for p in obj.critical_points if p.is_minimum == minima]
        if not marks:
            continue
        x, y = (view.to_view([where(p)[i] for p in marks]).tolist() for i in (0, 1))
        text = [
            f"{p.kind}, {f} = {fmt(p.value)}<br>({names}) = "
            f"({', '.join(f'{v:.4f}' for v in p.point)})"
            for p in marks
        ]
        line = {"color": edge, "width": 1 if minima else 2}
        marker = {"symbol": symbol, "size": size, "color": colour, "line": line}
        traces.append(
            go.Scatter(
                x=x,
                y=y,
                mode="markers",
                name=name,
                text=text,
                marker=marker,
                cliponaxis=False,
                hovertemplate="%{text}<extra></extra>",
            )  # fmt: skip
        )
    return traces


def colourbar_ticks(field) -> tuple[list[float], list[str]]:
    """Round values of f for the colour bar (1, 2, 5 × 10ᵏ steps; on a log colour scale
    round distances above the lowest f), at their colour coordinates, labelled plainly."""
    lo, hi = field.shade_range
    f_lo, f_hi = (float(v) for v in field.unshade([lo, hi]))
    if field.log and f_lo > 0:
        values = nice_ticks(f_lo, f_hi, log=True)
    elif field.log:
        floor = field.colours.floor
        above = nice_ticks(max(f_lo - floor, field.colours.offset * 10), f_hi - floor, log=True)
        values = [floor, *(floor + d for d in above)]
    else:
        values = nice_ticks(f_lo, f_hi, most=8)
    shades = field.shade(values)
    keep = [i for i, c in enumerate(shades) if np.isfinite(c) and lo - 1e-9 <= c <= hi + 1e-9]
    return [float(shades[i]) for i in keep], [tick_label(values[i]) for i in keep]


def colourbar_trace(field, map_end: float, symbol: str = "f") -> go.Scatter:
    """An invisible trace that carries the colour bar of the raster field."""
    lo, hi = field.shade_range
    values, labels = colourbar_ticks(field)
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
                "title": {"text": f"{symbol} (log scale)" if field.log else symbol},
                "tickvals": values,
                "ticktext": labels,
                "thickness": 14,
                "x": map_end + 0.01,
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
        *([colourbar_trace(fields[0], domain[1], obj.symbol)] if colourbar else []),
        *_marks(obj, view, lambda p: p.point, "white"),
    ]
    (x_lo, x_hi), (y_lo, y_hi) = (view.to_view(np.array(b)).tolist() for b in view.box)
    names = [str(v) for v in obj.variables]
    flat = {"showgrid": False, "zeroline": False, "constrain": "domain"}
    axes = {
        "xaxis": {"domain": list(domain), **_axis(names[0], x_lo, x_hi, view.log), **flat},
        "yaxis": {
            **_axis(names[1], y_lo, y_hi, view.log),
            **flat,
            "scaleanchor": "x",
            "scaleratio": 1,
        },  # fmt: skip
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


def map_aspect(box) -> float:
    """Width over height of an equal-aspect map of ``box`` (view coordinates), kept
    between 0.6 and 2 so a long, thin box still gives a readable map."""
    (x_lo, x_hi), (y_lo, y_hi) = box
    return float(np.clip((x_hi - x_lo) / (y_hi - y_lo), 0.6, 2.0))


def axis_scale(values, log: bool) -> dict:
    """Linear, or log with a tick every decade or few: 1e-6, 1e-4 … not 0.1864928 (over
    the finite positive ``values``)."""
    if not log:
        return {"type": "linear"}
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    decades = np.log10(values.max()) - np.log10(values.min()) if values.size else 0.0
    return {
        "type": "log",
        "tickmode": "linear",
        "tick0": 0,
        "dtick": max(1, int(np.ceil(decades / 6))),
        "exponentformat": "power",
    }
