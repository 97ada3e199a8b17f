"""Several runs on one objective, animated together, one colour per run."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from ..numbers import plain
from ..view import view_of
from .backdrops import MAIN_DOMAIN, curve_backdrop, field_backdrop
from .base import (
    CONTOUR_HEIGHT,
    CURVE_HEIGHT,
    LEGEND,
    MAX_DECADE,
    array_dtype,
    assemble,
    frame_epochs,
    norm,
    rounded,
    spans_decades,
    trail_epochs,
    typed,
    typed_values,
)
from .style import DARK_LEGEND, run_colours

RACE_TRAIL = 24
#: Races animate fewer frames: every frame carries every racer.
RACE_FRAMES = 60
SIDE_DOMAIN = [0.72, 1.0]
SIDE_DOMAIN_2D = [0.8, 1.0]  # room for the colour bar in between


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _tick_text(value: float) -> str:
    """A tick label as a person writes it: 0.001, 250, 10⁶, 2 × 10⁻⁵ (never 1e+03, 8.23k)."""
    if value == 0 or 1e-3 <= abs(value) < 1e5:
        return plain(float(f"{value:.6g}"))
    mantissa, exponent = f"{value:.2e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
    return power if mantissa == "1" else f"{mantissa} × {power}"


def loss_axis(losses, log: bool, most: int = 7) -> dict:
    """Round ticks for the loss panel: on a log axis 1, 10, 100 … (every few decades when
    they are many) or 1, 2, 5, 10 … when they are few; on a linear one steps of 1, 2 or
    5 × 10ᵏ. Labels written out (0.01, 100, 10⁶), never "2.51e+03" or "8.23k"."""
    values = np.asarray(losses, dtype=float)
    values = values[np.isfinite(values) & (values > 0 if log else True)]
    if not values.size:
        return {"type": "log" if log else "linear"}
    lo, hi = float(values.min()), float(values.max())
    if log:
        # 10³⁰⁸ is the last power of ten a float holds
        first, last = math.floor(math.log10(lo)), min(math.ceil(math.log10(hi)), MAX_DECADE)
        decades = last - first
        if math.log10(hi) - math.log10(lo) <= 3:  # few decades: 1, 2, 5 within each
            ticks = [m * 10.0**k for k in range(first, last + 1) for m in (1, 2, 5)]
        else:
            every = max(1, math.ceil(decades / most))
            first = every * math.floor(first / every)  # so that 1 is a tick when in range
            ticks = [10.0**k for k in range(first, last + 1, every)]
        ticks = [t for t in ticks if lo / 1.5 <= t <= hi * 1.5 and math.isfinite(t)]
        ticks = ticks or [10.0 ** min(first, MAX_DECADE)]
    else:
        # spans and counts in parts, so that none leaves the floats on the widest axis
        raw = (hi / (most - 1) - lo / (most - 1)) or max(abs(hi), 1.0) / (most - 1)
        k = math.floor(math.log10(raw))
        # the smallest round step at least as big as the raw one
        step = min(m * 10.0**e for e in (k, k + 1) for m in (1, 2, 5) if m * 10.0**e >= raw)
        start = math.floor(lo / step) * step
        ticks = [start + j * step for j in range(int(hi / step - start / step) + 2)]
        ticks = [float(f"{t:.12g}") for t in ticks if math.isfinite(t)]
    return {
        "type": "log" if log else "linear",
        "tickmode": "array",
        "tickvals": ticks,
        "ticktext": [_tick_text(t) for t in ticks],
    }


def _legend_key(name: str, **style) -> go.Scatter:
    """A legend entry that draws nothing: it explains a mark drawn by other traces."""
    return go.Scatter(x=[None], y=[None], name=name, hoverinfo="skip", **style)


_PLURAL = {"saddle": "saddles", "local maximum": "maxima", "global maximum": "maxima"}


def _legend_keys(obj, backdrop) -> list[go.Scatter]:
    """Legend entries for what every racer draws in its own colour (current point, trail,
    step, faint whole path); the backdrop's own entries name the known points (★ minima,
    × saddles or maxima)."""
    grey, dark = "#8a8a8a", obj.dim == 2
    keys = [
        _legend_key("current point (large dot) and recent trail",
                    mode="lines+markers" if dark else "markers",
                    marker={"size": 10, "color": grey}, line={"color": grey, "width": 2}),
        _legend_key("step just taken (solid arrow)", mode="lines+markers",
                    marker={"symbol": "arrow", "angleref": "previous", "size": 10, "color": grey},
                    line={"color": grey, "width": 3}),
        _legend_key("whole path (faint dotted)", mode="lines",
                    line={"color": grey, "width": 1, "dash": "dot"}, opacity=0.7),
    ]  # fmt: skip
    return keys


def _unit_arrow(tail, vector, length):
    """Tail and head of an arrow along ``vector`` with a fixed on-screen length (its
    direction found without squaring it: a gradient of 10²⁰⁰ still points somewhere)."""
    vector = np.asarray(vector, dtype=float)
    top = float(np.abs(vector).max())
    if not np.isfinite(top) or top == 0:
        return None
    unit = vector / top
    return tail, tail + unit / float(norm(unit)) * length


def _segments(arrows) -> dict:
    """Arrows as one NaN-separated polyline; heads get arrow markers, tails none."""
    xs, ys, sizes = [], [], []
    for arrow in arrows:
        if arrow is None:
            continue
        (x0, y0), (x1, y1) = arrow
        xs += [rounded(x0), rounded(x1), None]
        ys += [rounded(y0), rounded(y1), None]
        sizes += [0, 12, 0]
    return {"x": xs, "y": ys, "marker": {"size": sizes}}


def _arrow_trace(key, data, colour, **options) -> go.Scatter:
    """A polyline of arrows (heads marked) that frames move."""
    return go.Scatter(
        meta=key, x=data["x"], y=data["y"], mode="lines+markers",
        marker={"symbol": "arrow", "angleref": "previous", "color": colour,
                "size": data["marker"]["size"]},
        hoverinfo="skip", **options,
    )  # fmt: skip


def race_figure(trajectories, labels=None, *, max_frames: int = RACE_FRAMES):
    """Several runs on one objective, animated together, one colour per run.

    Each run shows its trail and current point and the step it actually took; shared
    traces show every run's −∇f direction (white) and, where the method has one, its
    velocity or first moment (dotted). Beside it, every run's loss per epoch. Moving
    traces (by name): ``run0``, ``step0``, ``run1``, … then ``gradients``, ``moments``,
    ``loss_marks``.
    """
    from ..race import velocities

    runs = list(trajectories)
    if not runs:
        raise ValueError("race_figure needs at least one trajectory")
    obj = runs[0].objective
    symbol = obj.symbol  # f on function pages, L on the fit page
    labels = list(labels) if labels else [r.optimizer for r in runs]
    colours = run_colours(len(runs), dark=obj.dim == 2)
    epochs = frame_epochs(max(r.epoch for r in runs), max_frames)
    view = view_of(runs, zoom=False)
    if obj.dim == 1:
        path_y = view.to_view(np.concatenate([r.losses for r in runs]))
        backdrop, axes, (y_lo, y_hi) = curve_backdrop(obj, MAIN_DOMAIN, view, path_y)
        height = CURVE_HEIGHT
        side = SIDE_DOMAIN
    else:
        backdrop, axes = field_backdrop(obj, MAIN_DOMAIN, view=view)
        y_lo, y_hi = axes["yaxis"]["range"]
        height = CONTOUR_HEIGHT
        side = SIDE_DOMAIN_2D
    x_span = float(np.subtract(*axes["xaxis"]["range"][::-1]))

    def screen(run):
        """Plot coordinates of every iterate: (x, f) on a curve, (x, y) on a map."""
        raw = np.column_stack([run.points[:, 0], run.losses]) if obj.dim == 1 else run.points
        return view.to_view(raw)

    def along(point, vector):
        """A vector at ``point`` as a plot direction (horizontal on a curve)."""
        vector = view.direction(point, vector)
        return np.array([vector[0], 0.0]) if obj.dim == 1 else vector

    drawn = [screen(r) for r in runs]
    dtypes = [array_dtype(path) for path in drawn]  # decided once for every frame
    moments = [velocities(r) for r in runs]
    positive = all(np.all(r.losses > 0) for r in runs)
    all_losses = np.concatenate([r.losses for r in runs])
    log_loss = bool(positive and spans_decades(all_losses))

    static = [*backdrop, *_legend_keys(obj, backdrop)]
    for path, colour in zip(drawn, colours, strict=True):
        static.append(
            go.Scatter(
                x=typed_values(path[:, 0]),
                y=typed_values(path[:, 1]),
                mode="lines",
                showlegend=False,
                hoverinfo="skip",
                opacity=0.45,
                line={"color": colour, "width": 1, "dash": "dot"},
            )
        )
    for run, colour, label in zip(runs, colours, labels, strict=True):
        static.append(
            go.Scatter(
                x=np.arange(run.epoch + 1),
                y=run.losses,
                xaxis="x2",
                yaxis="y2",
                mode="lines",
                showlegend=False,
                line={"color": colour, "width": 2},
                hovertemplate=f"{label}<br>epoch %{{x}}<br>{symbol} = %{{y:.6g}}<extra></extra>",
            )
        )

    offset = 0.03 * y_hi - 0.03 * y_lo if obj.dim == 1 else 0.0  # a span may pass the floats
    frame_data = []
    for e in epochs:
        data, grad_arrows, moment_arrows, marks_x, marks_y = {}, [], [], [], []
        for i, (run, path, moment) in enumerate(zip(runs, drawn, moments, strict=True)):
            k = min(int(e), run.epoch)
            seen = np.unique(np.minimum(epochs[epochs <= e], k))
            trail = trail_epochs(seen, RACE_TRAIL)
            sizes = [4] * (len(trail) - 1) + [12]
            data[f"run{i}"] = {
                "x": typed(path[trail, 0], dtypes[i]), "y": typed(path[trail, 1], dtypes[i]),
                "marker": {"size": sizes},
            }  # fmt: skip
            tail, here = path[k], run.points[k]
            step = None
            if k < run.epoch:
                step_vec = (path[k + 1] - tail) * ([1.0, 1.0] if obj.dim == 2 else [1.0, 0.0])
                size = np.clip(norm(step_vec), 0.03 * x_span, 0.2 * x_span)
                step = _unit_arrow(tail, step_vec, size)
            data[f"step{i}"] = _segments([step])
            grad_arrows.append(
                _unit_arrow(tail + [0, offset], -along(here, run.grads[k]), 0.08 * x_span)
            )
            if moment is not None and 0 < k <= len(moment):
                moment_arrows.append(
                    _unit_arrow(tail - [0, offset], -along(here, moment[k - 1]), 0.12 * x_span)
                )
            marks_x.append(k)
            marks_y.append(rounded(run.losses[k]))
        data["gradients"] = _segments(grad_arrows)
        data["moments"] = _segments(moment_arrows)
        data["loss_marks"] = {"x": marks_x, "y": marks_y}
        frame_data.append(data)

    first = frame_data[0]
    moving = []
    for i, (colour, label) in enumerate(zip(colours, labels, strict=True)):
        trail = first[f"run{i}"]
        moving += [
            go.Scatter(
                # on a curve the trail is dots: chords between them would cut across f
                meta=f"run{i}", x=drawn[i][:1, 0], y=drawn[i][:1, 1], name=label,
                mode="markers" if obj.dim == 1 else "lines+markers",
                legendgroup=label, line={"color": colour, "width": 2.5}, cliponaxis=False,
                marker={"size": trail["marker"]["size"], "color": colour,
                        "line": {"color": "white", "width": 1}},
                hovertemplate=f"{label}<br>(%{{x:.4f}}, %{{y:.4f}})<extra></extra>",
            ),
            _arrow_trace(f"step{i}", first[f"step{i}"], colour, legendgroup=label,
                         showlegend=False, line={"color": colour, "width": 3}),
        ]  # fmt: skip
    arrow_colour = "white" if obj.dim == 2 else "#7a7a7a"
    moving += [
        _arrow_trace("gradients", first["gradients"], arrow_colour, name="−∇f direction",
                     line={"color": arrow_colour, "width": 1.5}),
        _arrow_trace("moments", first["moments"], "#222", name="velocity / first moment",
                     showlegend=any(m is not None for m in moments),
                     line={"color": "#222", "width": 1.5, "dash": "dot"}),
        go.Scatter(
            meta="loss_marks", **first["loss_marks"], xaxis="x2", yaxis="y2",
            mode="markers", showlegend=False, hoverinfo="skip", cliponaxis=False,
            marker={"size": 9, "color": colours, "line": {"color": "white", "width": 1}},
        ),
    ]  # fmt: skip
    finite = all_losses[all_losses > 0] if log_loss else all_losses
    layout = {
        **axes,
        "xaxis2": {
            "domain": side, "anchor": "y2", "title": {"text": "epoch"},
            "range": [0, max(int(epochs[-1]), 1)],
        },
        "yaxis2": {"anchor": "x2", **loss_axis(finite, log_loss),
                   "title": {"text": f"{symbol}" + (" (log scale)" if log_loss else "")}},
        "legend": LEGEND | (DARK_LEGEND if obj.dim == 2 else {}),
    }  # fmt: skip
    return assemble(static, moving, frame_data, epochs, layout, height)
