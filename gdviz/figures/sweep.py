"""The learning-rate sweep (final loss and epochs against η) and the range test's curve.

Every point carries its η in ``customdata``: the page sets the learning rate from a chosen
point. Nothing drawn is NaN or infinite: diverged runs sit on their own row, labelled.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from ..numbers import text_constant
from ..sweep import RangeTest, Sweep, optimizer_limit
from .base import LEGEND, fixed_range, nice_ticks, static_figure, tick_label
from .style import CURVE, LOSS, POINT

SWEEP_HEIGHT, RANGE_HEIGHT = 520, 460
MARGIN = {"l": 70, "r": 20, "t": 30, "b": 55}
TOP, BOTTOM = [0.55, 1.0], [0.0, 0.43]  # the panels' heights on the paper
#: How each ending is drawn, in the legend's order: Okabe–Ito colours and a shape each, so
#: that no ending is told from another by colour alone.
KINDS = {
    "converged": ("#009E73", "circle"),
    "still descending": ("#0072B2", "triangle-down"),
    "not converged": ("#999999", "square"),
    "oscillating": ("#E69F00", "diamond"),
    "diverged": ("#D55E00", "x"),
}
#: Diverged runs' row sits this many decades above the highest finite value.
ROW_GAP = 0.6
#: Gaps below this share of max(1, |f*|) are rounding: drawn at this floor.
ROUNDING = 1e-15


def _eta(value: float) -> str:
    return text_constant(float(f"{value:.3g}"))


def _kinds(sweep: Sweep) -> np.ndarray:
    """Each run's ending as the legend says it."""
    kinds = sweep.statuses.astype(object).copy()
    stalled = sweep.statuses == "max_epochs"
    kinds[stalled] = "not converged"
    kinds[sweep.still_descending()] = "still descending"
    return kinds


def _label(kind: str, epochs: int) -> str:
    if kind in ("still descending", "not converged"):
        return f"{kind} after {epochs} epochs"
    return kind


def _log_axis(values, row: float | None, title: str, cap: float | None = None) -> dict:
    """A log axis over ``values`` with round ticks, the ``cap`` (epochs) as a tick and the
    diverged ``row`` labelled "diverged"; ticks too close to those two are left out."""
    values = np.asarray(values, dtype=float)
    marks = [(v, label) for v, label in ((cap, None), (row, "diverged")) if v]
    axis = {"type": "log", "title": {"text": title},
            **fixed_range(np.concatenate([values, [v for v, _ in marks]]), True)}  # fmt: skip
    lo, hi = float(values.min()), float(values.max())
    ticks = nice_ticks(lo, hi, log=True, most=4) if hi > lo else [lo]
    a, b = axis["range"]
    for value, _ in marks:  # a label's height is about a tenth of a panel
        ticks = [t for t in ticks if abs(math.log10(t / value)) > 0.1 * (b - a)]
    text = [tick_label(t) for t in ticks]
    for value, label in marks:
        ticks.append(value)
        text.append(label or tick_label(value))
    return axis | {"tickmode": "array", "tickvals": ticks, "ticktext": text}


def _extent(axis: dict) -> tuple[float, float]:
    """An axis's fixed range in data units (a log axis keeps it in decades)."""
    a, b = axis["range"]
    return (10.0**a, 10.0**b) if axis.get("type") == "log" else (a, b)


def _vertical(x: float, axis: dict, name: str, **options) -> go.Scatter:
    """A vertical line at η = x across a panel (``axis`` is its y axis)."""
    return go.Scatter(
        x=[x, x], y=list(_extent(axis)), mode="lines", customdata=[x, x], name=name,
        hovertemplate=f"{name}<extra></extra>", **options,
    )  # fmt: skip


def _limit_lines(curvature, optimizer: str, hyper: dict) -> list[tuple[float, str, dict]]:
    """(η, legend text, line style) of 1/λ_max, 2/λ_max and the optimizer's own limit."""
    if curvature is None or curvature.gd_limit is None:
        return []
    lines = [
        (curvature.one_step, f"1/λ_max = {_eta(curvature.one_step)} (one step)",
         {"color": "#777777", "dash": "dot"}),
        (curvature.gd_limit, f"2/λ_max = {_eta(curvature.gd_limit)} (GD's limit)",
         {"color": CURVE, "dash": "dash"}),
    ]  # fmt: skip
    own = optimizer_limit(curvature, optimizer, hyper)
    if own is not None and not math.isclose(own.value, curvature.gd_limit):
        lines.append((own.value, f"{own.formula} = {_eta(own.value)} (β = {own.beta:g})",
                      {"color": "#CC79A7", "dash": "dashdot"}))  # fmt: skip
    return lines


def sweep_figure(sweep: Sweep, lr: float | None = None, curvature=None) -> go.Figure:
    """Final loss (top) and epochs to converge (bottom) against η, coloured by how each run
    ended, with 1/λ_max, 2/λ_max, the optimizer's own limit and the current η (``lr``).

    The top panel draws final f − f*, f* the known minimum's value (or the lowest final
    value), floored at rounding (10⁻¹⁵·max(1, |f*|)); diverged runs sit on a row of their own.

    >>> from gdviz.sweep import lr_sweep
    >>> fig = sweep_figure(lr_sweep("parabola", (3.0,), epochs=50), lr=0.1)
    >>> fig.layout.xaxis.type, fig.layout.yaxis.ticktext[-1]
    ('log', 'diverged')
    """
    f, n_epochs = sweep.objective.symbol, sweep.epochs
    rates, kinds = sweep.rates, _kinds(sweep)
    diverged = kinds == "diverged"
    # top: the gap to the lowest value, so the last digits of a converged run show
    known = sweep.objective.global_minimum
    finite = sweep.final_losses[~diverged & np.isfinite(sweep.final_losses)]
    lows = [v for v in (known.value if known else None, finite.min() if finite.size else None)
            if v is not None]  # fmt: skip
    f_low = float(min(lows)) if lows else 0.0
    floor = ROUNDING * max(1.0, abs(f_low))
    with np.errstate(all="ignore"):
        gap = np.maximum(np.nan_to_num(sweep.final_losses - f_low, posinf=0.0), floor)
    shown = gap[~diverged] if (~diverged).any() else np.array([floor, 1.0])
    top_row = float(10.0 ** (math.log10(shown.max()) + ROW_GAP)) if diverged.any() else None
    top_y = np.where(diverged, top_row or 0.0, gap)
    # bottom: epochs to converge; runs that used every epoch at the cap; diverged on a row
    converged = kinds == "converged"
    epochs = np.where(converged, sweep.stop_epochs, n_epochs).astype(float)
    log_epochs = not np.any(epochs[~diverged] < 1)
    bottom_row = n_epochs * 10.0**ROW_GAP if diverged.any() else None
    bottom_y = np.where(diverged, bottom_row or 0.0, epochs)

    title = f"final {f}" if f_low == 0 else f"final {f} − {f}*<br>({f}* = {_eta(f_low)})"
    top_axis = _log_axis(top_y[~diverged] if (~diverged).any() else shown, top_row, title)
    if log_epochs:
        drawn = bottom_y[~diverged] if (~diverged).any() else np.array([1.0, n_epochs])
        bottom_axis = _log_axis(drawn, bottom_row, "epochs to converge", cap=n_epochs)
    else:
        bottom_axis = {"title": {"text": "epochs to converge"},
                       **fixed_range(np.append(bottom_y, 0.0), False)}  # fmt: skip

    traces = []
    hover_top = {
        "diverged": "η = %{x:.4g}<br>diverged at epoch %{text}<extra></extra>",
    }
    for kind, (colour, symbol) in KINDS.items():
        at = np.flatnonzero(kinds == kind)
        if not at.size:
            continue
        name = _label(kind, n_epochs)
        marker = {"color": colour, "symbol": symbol, "size": 6 if kind != "diverged" else 5}
        common = {"mode": "markers", "marker": marker, "legendgroup": kind,
                  "customdata": rates[at], "text": sweep.stop_epochs[at]}  # fmt: skip
        top_hover = hover_top.get(
            kind, f"η = %{{x:.4g}}<br>{name}<br>final {f} − {f}* = %{{y:.3g}}<extra></extra>"
        )
        traces.append(go.Scatter(x=rates[at], y=top_y[at], name=name, xaxis="x", yaxis="y",
                                 hovertemplate=top_hover, **common))  # fmt: skip
        bottom_hover = (
            "η = %{x:.4g}<br>converged in %{y} epochs<extra></extra>" if kind == "converged"
            else f"η = %{{x:.4g}}<br>{name}<extra></extra>" if kind != "diverged"
            else "η = %{x:.4g}<br>diverged at epoch %{text}<extra></extra>"
        )  # fmt: skip
        traces.append(go.Scatter(x=rates[at], y=bottom_y[at], name=name, xaxis="x2",
                                 yaxis="y2", showlegend=False, hovertemplate=bottom_hover,
                                 **common))  # fmt: skip

    x_axis = fixed_range(rates, True)
    lo, hi = (10.0**v for v in x_axis["range"])
    panels = (("x", "y", top_axis), ("x2", "y2", bottom_axis))
    marks = list(_limit_lines(curvature, sweep.optimizer, sweep.hyper))
    if lr is not None and lo <= lr <= hi:
        now = f"η = {_eta(lr)} (now)"
        marks.append((float(lr), now, {"color": POINT, "width": 2.5}))
    for value, name, style in marks:
        if not lo <= value <= hi:
            continue  # off the chart: the summary says where it is
        for k, (xaxis, yaxis, axis) in enumerate(panels):
            traces.append(_vertical(value, axis, name, xaxis=xaxis, yaxis=yaxis,
                                    legendgroup=name, showlegend=k == 0,
                                    line={"width": 1.5, **style}))  # fmt: skip
    if lr is not None and lo <= lr <= hi:
        i = sweep.index(lr)
        for xaxis, yaxis, ys in (("x", "y", top_y), ("x2", "y2", bottom_y)):
            traces.append(go.Scatter(
                x=[rates[i]], y=[ys[i]], mode="markers", xaxis=xaxis, yaxis=yaxis,
                customdata=[rates[i]], name=now, legendgroup=now,
                showlegend=False, hoverinfo="skip",
                marker={"size": 14, "color": "rgba(0,0,0,0)",
                        "line": {"color": POINT, "width": 2.5}},
            ))  # fmt: skip

    ticks = nice_ticks(lo, hi, log=True, most=7)
    x_common = {"type": "log", **x_axis, "tickmode": "array", "tickvals": ticks,
                "ticktext": [tick_label(t) for t in ticks]}  # fmt: skip
    layout = {
        "height": SWEEP_HEIGHT,
        "margin": MARGIN,
        "legend": LEGEND,
        "hovermode": "closest",
        "xaxis": {**x_common, "anchor": "y", "showticklabels": False},
        "xaxis2": {**x_common, "anchor": "y2", "matches": "x",
                   "title": {"text": "learning rate η"}},
        "yaxis": {**top_axis, "domain": TOP, "anchor": "x"},
        "yaxis2": {**bottom_axis, "domain": BOTTOM, "anchor": "x2"},
    }  # fmt: skip
    return static_figure(traces, layout)


def range_test_figure(test: RangeTest, curvature=None) -> go.Figure:
    """The range test's loss against η (log η), raw and smoothed, with the two tools'
    suggestions marked and the stable limits drawn.

    >>> from gdviz.sweep import range_test
    >>> fig = range_test_figure(range_test("parabola", (3.0,)))
    >>> [t.name for t in fig.data][:2]
    ['f at each step', 'f smoothed (as the tools do)']
    """
    f = test.objective.symbol
    rates, raw, smooth = test.rates, test.losses, test.smoothed
    log_y = bool(np.all(raw > 0) and np.all(smooth > 0))
    traces = [
        go.Scatter(
            x=rates, y=raw, mode="lines", name=f"{f} at each step", customdata=rates,
            line={"color": LOSS, "width": 1.5}, opacity=0.6,
            hovertemplate=f"η = %{{x:.4g}}<br>{f} = %{{y:.4g}}<extra></extra>",
        ),
        go.Scatter(
            x=rates, y=smooth, mode="lines", name=f"{f} smoothed (as the tools do)",
            customdata=rates, line={"color": CURVE, "width": 2.5},
            hovertemplate=f"η = %{{x:.4g}}<br>smoothed {f} = %{{y:.4g}}<extra></extra>",
        ),
    ]  # fmt: skip
    for value, name, symbol, colour in (
        (test.steepest, "steepest drop (Lightning)", "triangle-down", "#D55E00"),
        (test.valley, "valley (fast.ai)", "diamond", "#009E73"),
    ):
        if value is None:
            continue
        i = int(np.flatnonzero(rates == value)[0])
        traces.append(go.Scatter(
            x=[value], y=[smooth[i]], mode="markers", name=f"{name}: η = {_eta(value)}",
            customdata=[value], cliponaxis=False,
            marker={"size": 13, "symbol": symbol, "color": colour,
                    "line": {"color": "white", "width": 1.5}},
            hovertemplate=f"{name}<br>η = %{{x:.4g}}<extra></extra>",
        ))  # fmt: skip
    shown = np.concatenate([raw, smooth])
    y_axis = {"title": {"text": f"{f} during the test"}, "type": "log" if log_y else "linear",
              **fixed_range(shown, log_y)}  # fmt: skip
    x_axis = fixed_range(rates, True)
    lo, hi = (10.0**v for v in x_axis["range"])
    for value, name, style in _limit_lines(curvature, test.optimizer, test.hyper):
        if lo <= value <= hi:
            traces.append(_vertical(value, y_axis, name, line={"width": 1.5, **style}))
    ticks = nice_ticks(lo, hi, log=True, most=7)
    layout = {
        "height": RANGE_HEIGHT,
        "margin": MARGIN,
        "legend": LEGEND,
        "hovermode": "closest",
        "xaxis": {"type": "log", **x_axis, "tickmode": "array", "tickvals": ticks,
                  "ticktext": [tick_label(t) for t in ticks],
                  "title": {"text": "learning rate η (grows every step)"}},
        "yaxis": y_axis,
    }  # fmt: skip
    if log_y:
        lo_y, hi_y = float(shown.min()), float(shown.max())
        y_ticks = nice_ticks(lo_y, hi_y, log=True, most=5)
        layout["yaxis"] |= {"tickmode": "array", "tickvals": y_ticks,
                            "ticktext": [tick_label(t) for t in y_ticks]}  # fmt: skip
    return static_figure(traces, layout)
