"""Figures of the learning pages: paths compared on one map, loss against evaluations,
the scaling experiment, a secant against a tangent, and a learning-rate schedule."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..view import view_around
from .backdrops import MAIN_DOMAIN, curve_backdrop, field_backdrop
from .base import CONTOUR_HEIGHT, LEGEND, static_figure, typed_values
from .style import ARROW, DARK_LEGEND, LOSS, PALETTE, POINT, TANGENT

SMALL_MARGIN = {"l": 60, "r": 20, "t": 40, "b": 50}


def paths_figure(objective, paths):
    """Several recorded paths on one contour map (or curve): ``paths`` = [(label, points)]."""
    paths = [(label, np.asarray(points, dtype=float)) for label, points in paths]
    view = view_around(objective, [points for _, points in paths])
    if objective.dim == 2:
        backdrop, axes = field_backdrop(objective, MAIN_DOMAIN, colourbar=False, view=view)
    else:
        values = np.concatenate([objective.f(points) for _, points in paths])
        backdrop, axes, _ = curve_backdrop(objective, MAIN_DOMAIN, view, view.to_view(values))
    traces = [*backdrop]
    for i, (label, points) in enumerate(paths):
        if objective.dim == 1:
            points = np.column_stack([points[:, 0], objective.f(points)])
        points = view.to_view(points)
        colour = PALETTE[i % len(PALETTE)]
        traces.append(
            go.Scatter(
                x=typed_values(points[:, 0]), y=typed_values(points[:, 1]),
                mode="lines+markers", name=f"{label} ({len(points) - 1} moves)",
                line={"color": colour, "width": 2.5}, marker={"size": 4, "color": colour},
            )
        )  # fmt: skip
    axes["xaxis"]["domain"] = [0.0, 1.0]
    layout = {
        **axes,
        "height": CONTOUR_HEIGHT - 80,
        "margin": SMALL_MARGIN,
        "legend": LEGEND | DARK_LEGEND,
    }
    return static_figure(traces, layout)


def evaluations_figure(curves: dict, labels: dict):
    """Loss against the number of evaluations spent, log-log: ``curves["evals"]`` is the
    axis, every other key a curve named by ``labels``."""
    axis = curves["evals"]
    traces = []
    for i, (key, label) in enumerate(labels.items()):
        values = np.asarray(curves[key], dtype=float)
        traces.append(
            go.Scatter(
                x=axis, y=np.where(values > 0, values, np.nan), mode="lines", name=label,
                line={"color": PALETTE[i % len(PALETTE)], "width": 2.5},
                hovertemplate="%{x} evaluations<br>f = %{y:.4g}<extra>" + label + "</extra>",
            )
        )  # fmt: skip
    layout = {
        "height": 360,
        "margin": {**SMALL_MARGIN, "t": 30},
        "xaxis": {"title": {"text": "evaluations spent"}, "type": "log", "exponentformat": "power"},
        "yaxis": {"title": {"text": "loss f"}, "type": "log", "exponentformat": "power"},
        "legend": LEGEND,
    }
    return static_figure(traces, layout)


def scaling_figure(scaling):
    """Evaluations to reach the tolerance against the number of parameters n, log-log,
    with the 2ⁿ count of trying every combination of ± moves as a reference."""
    n = np.asarray(scaling.dims, dtype=float)
    combos = np.asarray(scaling.combos, dtype=float)
    shown = np.isfinite(combos) & (combos < 1e300)
    series = [
        ("trial and error", scaling.trial_evals, "solid"),
        ("gradient descent (gradient = 1 evaluation)", scaling.gradient_evals, "solid"),
        ("gradient descent (gradient = n evaluations)", scaling.gradient_evals_fd, "dash"),
    ]
    traces = [
        go.Scatter(
            x=n, y=np.asarray(values, dtype=float), mode="lines+markers", name=name,
            line={"color": PALETTE[i], "width": 2.5, "dash": dash},
        )
        for i, (name, values, dash) in enumerate(series)
    ]  # fmt: skip
    traces.append(
        go.Scatter(
            x=n[shown], y=combos[shown], mode="lines", name="2ⁿ: every ± combination",
            line={"color": "#888", "width": 2, "dash": "dot"},
        )
    )  # fmt: skip
    layout = {
        "height": 420,
        "margin": {**SMALL_MARGIN, "t": 30},
        "xaxis": {"title": {"text": "parameters n"}, "type": "log", "dtick": np.log10(2) * 2},
        "yaxis": {
            "title": {"text": "evaluations to reach the tolerance"}, "type": "log",
            "exponentformat": "power", "range": [0, 12],
        },
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
