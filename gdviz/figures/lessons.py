"""Figures of the learning pages: paths compared on one map, loss against evaluations,
the scaling experiment, a secant against a tangent, and a learning-rate schedule."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from ..trial import tolerance_text
from ..view import view_around
from .backdrops import MAIN_DOMAIN, curve_backdrop, field_backdrop, map_aspect
from .base import (
    CONTOUR_HEIGHT,
    CURVE_HEIGHT,
    LEGEND,
    MAX_DECADE,
    MAX_FRAMES,
    assemble,
    frame_epochs,
    static_figure,
    typed,
    typed_values,
)
from .style import ARROW, DARK_LEGEND, LOSS, PALETTE, POINT, TANGENT

SMALL_MARGIN = {"l": 60, "r": 20, "t": 40, "b": 50}


def _paths_parts(objective, paths, *, colourbar: bool = False):
    """The backdrop, axes and view of a map (or curve) holding every recorded path, and
    each path in plotting coordinates."""
    paths = [(label, np.asarray(points, dtype=float)) for label, points in paths]
    view = view_around(objective, [points for _, points in paths])
    if objective.dim == 2:
        backdrop, axes = field_backdrop(objective, MAIN_DOMAIN, colourbar=colourbar, view=view)
    else:
        values = np.concatenate([objective.f(points) for _, points in paths])
        backdrop, axes, _ = curve_backdrop(objective, MAIN_DOMAIN, view, view.to_view(values))
    drawn = []
    for label, points in paths:
        if objective.dim == 1:
            points = np.column_stack([points[:, 0], objective.f(points)])
        drawn.append((label, view.to_view(points)))
    axes["xaxis"]["domain"] = [0.0, 1.0]
    return backdrop, axes, view, drawn


def _path_trace(i: int, label: str, points, **extra) -> go.Scatter:
    colour = PALETTE[i % len(PALETTE)]
    return go.Scatter(
        x=typed_values(points[:, 0]), y=typed_values(points[:, 1]),
        mode="lines+markers", name=f"{label} ({len(points) - 1} moves)",
        line={"color": colour, "width": 2.5}, marker={"size": 4, "color": colour}, **extra,
    )  # fmt: skip


def paths_figure(objective, paths):
    """Several recorded paths on one contour map (or curve): ``paths`` = [(label, points)]."""
    backdrop, axes, _, drawn = _paths_parts(objective, paths)
    traces = [*backdrop, *(_path_trace(i, label, p) for i, (label, p) in enumerate(drawn))]
    layout = {
        **axes,
        "height": CONTOUR_HEIGHT - 80,
        "margin": SMALL_MARGIN,
        "legend": LEGEND | DARK_LEGEND,
    }
    return static_figure(traces, layout)


def paths_animation(objective, paths, *, max_frames: int = MAX_FRAMES):
    """:func:`paths_figure`, played move by move: frame k shows each path's first k moves
    (a path with fewer has stopped). Moving traces: ``path0``, ``path1``, ..."""
    backdrop, axes, view, drawn = _paths_parts(objective, paths)
    longest = max(len(points) for _, points in drawn) - 1
    moves = frame_epochs(max(longest, 0), max_frames)
    frame_data = [
        {
            f"path{i}": {
                "x": typed(points[: min(int(k), len(points) - 1) + 1, 0]),
                "y": typed(points[: min(int(k), len(points) - 1) + 1, 1]),
            }
            for i, (_, points) in enumerate(drawn)
        }
        for k in moves
    ]
    moving = [
        _path_trace(i, label, points, meta=f"path{i}") for i, (label, points) in enumerate(drawn)
    ]
    layout = {**axes, "legend": LEGEND | (DARK_LEGEND if objective.dim == 2 else {})}
    if objective.dim == 2:
        box = view.to_view(np.array(view.box, dtype=float))
        layout["meta"] = {"aspect": map_aspect(box)}
    height = CONTOUR_HEIGHT if objective.dim == 2 else CURVE_HEIGHT
    return assemble(backdrop, moving, frame_data, moves, layout, height, prefix="Move ")


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def decade_label(k: int) -> str:
    """10ᵏ as a tick reads: 0.001, 0.01, 0.1, 1, 10, 100, 1000, then 10⁴, 10⁵, …

    >>> [decade_label(k) for k in (-4, -1, 0, 3, 4)]
    ['10⁻⁴', '0.1', '1', '1000', '10⁴']
    """
    if -3 <= k <= 3:
        return f"{10.0**k:.{max(0, -k)}f}"
    return "10" + str(k).translate(_SUPERSCRIPT)


def decade_ticks(lo: float, hi: float) -> dict:
    """A log axis from ``lo`` to ``hi`` (data values, > 0) ticked at every power of ten,
    or every other one when there are many, labelled as :func:`decade_label` writes."""
    # 10³⁰⁸ is the last power of ten a float holds
    first, last = math.floor(math.log10(lo)), min(math.ceil(math.log10(hi)), MAX_DECADE)
    every = max(1, math.ceil((last - first + 1) / 8))
    powers = range(first, last + 1, every)
    return {
        "type": "log",
        "tickmode": "array",
        "tickvals": [10.0**k for k in powers],
        "ticktext": [decade_label(k) for k in powers],
    }


def evaluations_figure(curves: dict, labels: dict, symbol: str = "f"):
    """Loss against the number of evaluations spent (log axis): ``curves["evals"]`` is
    the axis, every other key a curve named by ``labels``.

    The loss axis is linear, so it reads any function, negative values included.
    """
    axis = np.asarray(curves["evals"], dtype=float)
    traces = []
    for i, (key, label) in enumerate(labels.items()):
        values = np.asarray(curves[key], dtype=float)
        traces.append(
            go.Scatter(
                x=axis, y=values, mode="lines", name=label, line_shape="hv",
                line={"color": PALETTE[i % len(PALETTE)], "width": 2.5},
                hovertemplate="%{x:,} evaluations<br>" + symbol + " = %{y:.4g}<extra>"
                + label + "</extra>",
            )
        )  # fmt: skip
    layout = {
        "height": 360,
        "margin": {**SMALL_MARGIN, "t": 30},
        "xaxis": {"title": {"text": "evaluations spent (log axis)"},
                  **decade_ticks(max(1.0, axis.min()), max(10.0, axis.max()))},
        "yaxis": {"title": {"text": symbol}},
        "legend": LEGEND,
    }  # fmt: skip
    return static_figure(traces, layout)


def scaling_figure(scaling):
    """Evaluations to reach the tolerance against the number of parameters n, log-log,
    with the 2ⁿ count of trying every combination of ± moves as a reference."""
    n = np.asarray(scaling.dims, dtype=float)
    combos = np.asarray(scaling.combos, dtype=float)
    shown = np.isfinite(combos) & (combos < 1e300)
    series = [
        ("trial and error (evaluations of f)", scaling.trial_evals, "solid"),
        ("gradient descent, each ∇f counted as 1 (backpropagation)", scaling.gradient_evals,
         "solid"),
        ("gradient descent, each ∇f counted as n (finite differences)",
         scaling.gradient_evals_fd, "dash"),
    ]  # fmt: skip
    traces = [
        go.Scatter(
            x=n, y=np.asarray(values, dtype=float), mode="lines+markers", name=name,
            line={"color": PALETTE[i], "width": 2.5, "dash": dash},
            hovertemplate="n = %{x}<br>%{y:,} evaluations<extra></extra>",
        )
        for i, (name, values, dash) in enumerate(series)
    ]  # fmt: skip
    traces.append(
        go.Scatter(
            x=n[shown], y=combos[shown], mode="lines", name="2ⁿ: every ± combination, one step",
            line={"color": "#888", "width": 2, "dash": "dot"}, hoverinfo="skip",
        )
    )  # fmt: skip
    top = max(max(scaling.trial_evals), max(scaling.gradient_evals_fd), 10)
    # The 2ⁿ line leaves the chart upwards: the axis is sized by the measured runs.
    y_ticks = decade_ticks(1.0, 10 ** math.ceil(math.log10(top) + 0.5))
    y_range = [0.0, math.log10(y_ticks["tickvals"][-1])]
    tol = tolerance_text(scaling.tol)
    layout = {
        "height": 420,
        "margin": {**SMALL_MARGIN, "t": 30},
        "xaxis": {"title": {"text": "parameters n (log axis)"}, "type": "log",
                  "tickmode": "array", "tickvals": list(scaling.dims),
                  "ticktext": [str(d) for d in scaling.dims]},
        "yaxis": {"title": {"text": f"evaluations to reach f ≤ {tol} (log axis)"},
                  **y_ticks, "range": y_range},
        "legend": LEGEND,
    }  # fmt: skip
    return static_figure(traces, layout)


def derivative_figure(objective, x: float, dx: float):
    """A 1-D curve with the secant through x and x + Δx and the tangent at x."""
    from ..derivative import secant_and_tangent

    view = view_around(objective, [[x, x + dx]])
    (x_lo, x_hi) = view.box[0]
    lines = secant_and_tangent(objective, x, dx, span=(x_lo, x_hi))
    ends = [lines.touch[1], lines.other[1]]
    backdrop, axes, _ = curve_backdrop(objective, MAIN_DOMAIN, view, ends)
    traces = [*backdrop]
    for line, name, colour, dash in (
        (lines.secant, f"secant: slope Δy/Δx = {lines.secant.slope:.4g}", ARROW, "solid"),
        (lines.tangent, f"tangent: slope f′(x) = {lines.tangent.slope:.4g}", TANGENT, "dash"),
    ):
        traces.append(
            go.Scatter(
                x=[line.x0, line.x1], y=[line.y0, line.y1], mode="lines", name=name,
                line={"color": colour, "width": 2.5, "dash": dash}, hoverinfo="skip",
            )
        )  # fmt: skip
    (x0, y0), (x1, y1) = lines.touch, lines.other
    traces.append(
        go.Scatter(
            x=[x0, x1], y=[y0, y1], mode="markers+text", name="(x, f(x)) and (x+Δx, f(x+Δx))",
            text=["x", "x + Δx"], textposition="top left",
            marker={"size": 12, "color": [POINT, ARROW], "line": {"color": "white", "width": 2}},
        )
    )  # fmt: skip
    axes["xaxis"]["domain"] = [0.0, 1.0]
    layout = {**axes, "height": 440, "margin": SMALL_MARGIN, "legend": LEGEND}
    return static_figure(traces, layout)


#: The Δx of :func:`derivative_animation`: the page's choices, largest first.
DX_STEPS = (2.0, 1.0, 0.5, 0.1, 0.01, 0.001)


def derivative_animation(objective, x: float, dxs=DX_STEPS):
    """The secant through x and x + Δx turning into the tangent as Δx shrinks: one frame
    per Δx, on one view that holds every secant. Moving traces: ``secant``, ``other``
    (the point x + Δx) and ``note`` (Δx and the slope, in words)."""
    from ..derivative import secant_and_tangent

    dxs = [float(d) for d in dxs]
    view = view_around(objective, [[x, x + d] for d in dxs])
    lines = [secant_and_tangent(objective, x, d, span=view.box[0]) for d in dxs]
    ends = [v for line in lines for v in (line.touch[1], line.other[1])]
    backdrop, axes, (y_lo, y_hi) = curve_backdrop(objective, MAIN_DOMAIN, view, ends)
    axes["xaxis"]["domain"] = [0.0, 1.0]
    (x_lo, x_hi), tangent, touch = view.box[0], lines[0].tangent, lines[0].touch
    static = [
        *backdrop,
        go.Scatter(
            x=[tangent.x0, tangent.x1], y=[tangent.y0, tangent.y1], mode="lines",
            name=f"tangent: slope f′(x) = {tangent.slope:.4g}",
            line={"color": TANGENT, "width": 2.5, "dash": "dash"}, hoverinfo="skip",
        ),
        go.Scatter(
            x=[touch[0]], y=[touch[1]], mode="markers+text", name="(x, f(x))", text=["x"],
            textposition="top left",
            marker={"size": 12, "color": POINT, "line": {"color": "white", "width": 2}},
        ),
    ]  # fmt: skip
    frame_data = [
        {
            "secant": {
                "x": [line.secant.x0, line.secant.x1],
                "y": [line.secant.y0, line.secant.y1],
            },
            "other": {"x": [line.other[0]], "y": [line.other[1]]},
            "note": {
                "text": [
                    f"Δx = {d:g}: secant slope Δy/Δx = {line.secant.slope:.6g}, "
                    f"f′(x) = {line.tangent.slope:.6g}"
                ]
            },
        }  # fmt: skip
        for d, line in zip(dxs, lines, strict=True)
    ]
    first = frame_data[0]
    moving = [
        go.Scatter(
            meta="secant", **first["secant"], mode="lines", name="secant: slope Δy/Δx",
            line={"color": ARROW, "width": 2.5}, hoverinfo="skip",
        ),
        go.Scatter(
            meta="other", **first["other"], mode="markers+text", name="(x + Δx, f(x + Δx))",
            text=["x + Δx"], textposition="top left",
            marker={"size": 12, "color": ARROW, "line": {"color": "white", "width": 2}},
        ),
        go.Scatter(
            meta="note", x=[x_lo + 0.02 * (x_hi - x_lo)], y=[y_hi], **first["note"],
            mode="text", textposition="bottom right", showlegend=False, hoverinfo="skip",
            textfont={"size": 14},
        ),
    ]  # fmt: skip
    layout = {**axes, "legend": LEGEND}
    return assemble(static, moving, frame_data, range(len(dxs)), layout, CURVE_HEIGHT,
                    labels=[f"{d:g}" for d in dxs], prefix="Δx = ", duration=1000)  # fmt: skip


def schedule_figure(rates):
    """The learning rate per epoch, small: what a schedule does before it is used."""
    rates = np.asarray(rates, dtype=float)
    data = [
        go.Scatter(
            x=np.arange(len(rates)), y=rates, mode="lines", line={"color": LOSS, "width": 2},
            hovertemplate="epoch %{x}<br>η = %{y:.4g}<extra></extra>", showlegend=False,
        )
    ]  # fmt: skip
    layout = {
        "height": 170,
        "margin": {"l": 50, "r": 10, "t": 10, "b": 35},
        "xaxis": {"title": {"text": "epoch"}},
        "yaxis": {"title": {"text": "η"}, "rangemode": "tozero"},
    }
    return static_figure(data, layout)


def question_curve(objective, start: float):
    """A curve and the start on it, nothing of the run: the question of where the first
    step lands, answered by a click on the chart. f over the objective's box."""
    ((lo, hi),) = objective.domain
    x = np.linspace(lo, hi, 241)
    f = np.asarray(objective.f(x[:, None]), dtype=float)
    s = objective.symbol
    traces = [
        go.Scatter(x=typed(x), y=typed(f), mode="lines", name=f"{s}(x) = {objective.formula}",
                   line={"color": LOSS, "width": 3}, hovertemplate="x = %{x:.4g}<extra></extra>"),
        go.Scatter(x=[start], y=[float(objective.f([start]))], mode="markers+text",
                   name="the start x₀", text=["x₀"], textposition="top center",
                   marker={"color": POINT, "size": 14, "line": {"color": "white", "width": 2}},
                   hoverinfo="skip"),
    ]  # fmt: skip
    layout = {
        "height": 320,
        "margin": SMALL_MARGIN,
        "xaxis": {"title": {"text": "x"}, "range": [lo, hi]},
        "yaxis": {"title": {"text": f"{s}(x)"}},
        "legend": LEGEND,
        "hovermode": "x",
    }
    return static_figure(traces, layout)
