"""A fit, animated by epoch: the data and the model's line, the loss landscape with the
path, and the loss and gradient size per epoch, together."""

from __future__ import annotations

import math
import re

import numpy as np
import plotly.graph_objects as go

from ..view import view_of
from .backdrops import MAIN_DOMAIN, curve_backdrop, field_backdrop
from .base import (
    CURVE_HEIGHT,
    LEGEND,
    MARGIN,
    MAX_DECADE,
    MAX_FRAMES,
    assemble,
    frame_epochs,
    norm,
    rounded,
    spans_decades,
    trail_epochs,
)
from .base import typed as typed_array
from .style import DATA, LINE, LOSS, PATH, POINT, RESIDUAL, TANGENT

FIT_DATA_DOMAIN = [0.0, 0.36]
FIT_LANDSCAPE_DOMAIN = [0.44, 0.72]
FIT_SIDE_DOMAIN = [0.78, 1.0]
#: Room on the right for the last epoch's marker and the slider's last label.
FIT_MARGIN = {**MARGIN, "r": 64}  # the loss and gradient panels' ticks and titles
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def tick_label(value: float) -> str:
    """A tick as a person writes it: 0.001, 2500, or 10⁻⁶ and 2 × 10⁸ when long.

    >>> [tick_label(v) for v in (0.001, 2500.0, 1e-6, 2e8, 0.30000000000000004)]
    ['0.001', '2500', '10⁻⁶', '2 × 10⁸', '0.3']
    """
    if value == 0:
        return "0"
    if 1e-4 <= abs(value) < 1e5:
        return np.format_float_positional(float(f"{value:.6g}"), trim="-").replace("-", "−")
    mantissa, exponent = f"{value:.3g}".split("e")
    power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
    return power if mantissa in ("1", "-1") else f"{mantissa} × {power}".replace("-", "−")


def round_ticks(values, log: bool) -> dict:
    """Explicit ticks at round values for an axis over ``values``: on a log axis 1, 2, 5
    per decade (over at most three decades) or every decade or few; on a linear axis
    steps of 1, 2 or 5 × 10ᵏ. Labels never read "2.51e+03" or "8.23k"."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values) & ((values > 0) if log else True)]
    if not values.size:
        return {"type": "log" if log else "linear"}
    lo, hi = float(values.min()), float(values.max())
    if log:
        # 10³⁰⁸ is the last power of ten a float holds
        first, last = math.floor(math.log10(lo)), min(math.ceil(math.log10(hi)), MAX_DECADE)
        if last - first <= 3:
            ticks = [m * 10.0**k for k in range(first, last + 1) for m in (1, 2, 5)]
        else:
            every = max(1, math.ceil((last - first) / 6))
            ticks = [10.0**k for k in range(first, last + 1, every)]
        ticks = [float(f"{t:.6g}") for t in ticks if lo / 1.01 <= t <= hi * 1.01]
        ticks = [t for t in ticks if math.isfinite(t)]
    else:
        raw = (hi / 5 - lo / 5) or abs(hi) / 5 or 0.2  # in parts: the span may pass the floats
        power = 10.0 ** math.floor(math.log10(raw))
        step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
        ticks = [
            float(f"{k * step:.10g}") + 0.0
            for k in range(math.floor(lo / step), math.ceil(hi / step) + 1)
        ]
        ticks = [t for t in ticks if math.isfinite(t)]
    return {
        "type": "log" if log else "linear",
        "tickmode": "array",
        "tickvals": ticks,
        "ticktext": [tick_label(t) for t in ticks],
    }


def _panel(traj):
    """Static traces, axes and a per-frame marker function for the side panel.

    The panel shows the loss L (top) and ‖∇L‖ (bottom) per epoch, log-scaled where the
    values span decades, with round ticks and a marker that follows the animation
    (names ``loss_mark``, ``grad_mark``).
    """
    k = np.arange(traj.epoch + 1)
    L = traj.objective.symbol
    rows = []  # (values, axis number, y domain, title, colour, hover, scale, name)
    sizes = norm(traj.grads)  # without overflow in the squares: inf only past the floats
    for values, n, domain, title, colour, hover, name in (
        (traj.losses, 2, [0.56, 1.0], f"loss {L}", LOSS, f"{L} = %{{y:.6g}}", "loss_mark"),
        (sizes, 3, [0.0, 0.44], f"‖∇{L}‖", TANGENT, f"‖∇{L}‖ = %{{y:.4g}}", "grad_mark"),
    ):
        values = np.where(np.isfinite(values), values, np.nan)  # a gap, never garbage
        # log when nothing is negative and the values span decades; an exact 0 leaves a gap
        log = bool(np.all(~(values < 0)) and spans_decades(values))
        values = np.where(values > 0, values, np.nan) if log else values
        rows.append((values, n, domain, title, colour, hover, round_ticks(values, log), name))

    static, moving, axes = [], [], {}
    marker = {"size": 9, "color": POINT, "line": {"color": "white", "width": 1}}
    for values, n, domain, title, colour, hover, scale, name in rows:
        on_axes = {"xaxis": f"x{n}", "yaxis": f"y{n}"}
        static.append(
            go.Scatter(
                x=k,
                y=values,
                mode="lines",
                name=title,
                line={"color": colour, "width": 2},
                hovertemplate=f"epoch %{{x}}<br>{hover}<extra></extra>",
                **on_axes,
            )
        )
        moving.append(
            go.Scatter(
                meta=name,
                x=[0],
                y=[rounded(values[0])],
                mode="markers",
                showlegend=False,
                marker=marker,
                hoverinfo="skip",
                cliponaxis=False,  # the first and last epoch sit on the panel's edges
                **on_axes,
            )
        )
        axes[f"xaxis{n}"] = {
            "domain": FIT_SIDE_DOMAIN, "anchor": f"y{n}", "range": [0, max(traj.epoch, 1)],
        }  # fmt: skip
        # ticks and title on the right, in the margin: on a phone the gap to the landscape
        # is narrower than a tick label
        axes[f"yaxis{n}"] = {"domain": domain, "anchor": f"x{n}", "side": "right",
                             "title": {"text": title}, **scale}  # fmt: skip
    axes["xaxis2"] |= {"showticklabels": False, "matches": "x3"}
    axes["xaxis3"]["title"] = {"text": "epoch"}

    def markers(e: int) -> dict:
        return {row[7]: {"x": [int(e)], "y": [rounded(row[0][e])]} for row in rows}

    return static, axes, moving, markers


def _loss_name(objective) -> str:
    """``L(w)`` or ``L(w, b)``."""
    return f"{objective.symbol}({', '.join(map(str, objective.variables))})"


def _in_loss_words(trace, objective) -> None:
    """Name a shared backdrop's curve and hovers in the fit page's words: L(w) and w
    where a function page says f(x) and x."""
    first = str(objective.variables[0])
    swaps = [
        (r"f\(x\) = .*", f"{_loss_name(objective)} = {objective.formula}"),
        (r"\bx = ", f"{first} = "),
        (r"\bf = ", f"{objective.symbol} = "),
    ]
    for field in ("name", "hovertemplate", "text"):
        value = trace[field]
        if value is None:
            continue
        texts = [value] if isinstance(value, str) else list(value)
        for pattern, new in swaps:
            texts = [re.sub(pattern, new, t) for t in texts]
        trace[field] = texts[0] if isinstance(value, str) else texts


def _landscape(traj, epochs):
    """The loss over the parameters (a curve for w, a map for (w, b)) with the path,
    on axes x4/y4: static traces, axes, moving traces (names ``landscape_trail``,
    ``landscape_point``) and a per-frame function."""
    obj = traj.objective
    view = view_of(traj, zoom=False)
    if obj.dim == 1:
        path = view.to_view(np.column_stack([traj.points[:, 0], traj.losses]))
        backdrop, axes, _ = curve_backdrop(obj, MAIN_DOMAIN, view, path[:, 1])
    else:
        backdrop, axes = field_backdrop(obj, MAIN_DOMAIN, colourbar=False, view=view)
        path = view.to_view(traj.points)
        axes["images"] = [{**image, "xref": "x4", "yref": "y4"} for image in axes["images"]]
        axes["yaxis"]["scaleanchor"] = "x4"
    for trace in backdrop:
        trace.update(xaxis="x4", yaxis="y4", showlegend=False)
        _in_loss_words(trace, obj)
    layout = {
        "xaxis4": {**axes["xaxis"], "domain": FIT_LANDSCAPE_DOMAIN, "anchor": "y4",
                   "title": {"text": str(obj.variables[0])}},
        "yaxis4": {**axes["yaxis"], "anchor": "x4",
                   "title": {"text": _loss_name(obj) if obj.dim == 1 else str(obj.variables[1])}},
    }  # fmt: skip
    if "images" in axes:
        layout["images"] = axes["images"]

    def markers(e) -> dict:
        shown = trail_epochs(epochs[epochs <= e])
        return {
            "landscape_trail": {"x": typed_array(path[shown, 0]), "y": typed_array(path[shown, 1])},
            "landscape_point": {"x": [rounded(path[e, 0])], "y": [rounded(path[e, 1])]},
        }

    first = markers(epochs[0])
    moving = [
        go.Scatter(
            meta="landscape_trail", x=path[:1, 0], y=path[:1, 1], xaxis="x4", yaxis="y4",
            mode="lines+markers", showlegend=False, line={"color": PATH, "width": 2},
            marker={"size": 4, "color": PATH}, hoverinfo="skip",
        ),
        go.Scatter(
            meta="landscape_point", **first["landscape_point"], xaxis="x4", yaxis="y4",
            mode="markers", name="parameters now", cliponaxis=False,
            marker={"size": 12, "color": POINT, "line": {"color": "white", "width": 2}},
            hovertemplate="loss landscape<extra></extra>",
        ),
    ]  # fmt: skip
    return backdrop, layout, moving, markers


def out_of_view(line_y, y_range) -> list[str]:
    """Texts for the bottom and top edge of the data panel: which way the model's line
    left the view and where it is, or two empty texts while some of it is in view.

    >>> out_of_view([48.0, 160.0], [0.0, 6.5])
    ['', '↑ the model line is above this view<br>(y from 48 to 160)']
    """
    lo, hi = float(np.min(line_y)), float(np.max(line_y))
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return ["", "the model line is out of this view (its values overflow)"]
    if lo <= y_range[1] and hi >= y_range[0]:
        return ["", ""]
    where = f"<br>(y from {tick_label(float(f'{lo:.3g}'))} to {tick_label(float(f'{hi:.3g}'))})"
    if lo > y_range[1]:
        return ["", f"↑ the model line is above this view{where}"]
    return [f"↓ the model line is below this view{where}", ""]


def fit_figure(traj, *, max_frames: int = MAX_FRAMES):
    """A fit, animated by epoch: the data, the model's current line and its residuals,
    beside the loss and gradient size per epoch.

    Static traces: the data, loss, ‖∇f‖; moving (in frames, by name): ``line``,
    ``residuals``, the landscape's trail and point, the loss and ‖∇f‖ markers.
    """
    data = traj.dataset
    x_lo, x_hi = float(data.x.min()), float(data.x.max())
    pad = 0.08 * (x_hi - x_lo)
    line_x = np.linspace(x_lo - pad, x_hi + pad, 2)

    # Fixed axes that hold the data and the lines the fit draws (not a runaway's).
    y_lo, y_hi = float(data.y.min()), float(data.y.max())
    reach = 3 * (y_hi - y_lo or 1.0)
    with np.errstate(all="ignore"):
        lines = np.array([data.predict(p, line_x) for p in traj.points])
    lines = lines[np.isfinite(lines).all(axis=1)]
    if lines.size:
        y_lo = max(min(y_lo, float(lines.min())), y_lo - reach)
        y_hi = min(max(y_hi, float(lines.max())), y_hi + reach)
    y_pad = 0.08 * (y_hi - y_lo or 1.0)
    y_range = [y_lo - y_pad, y_hi + y_pad]

    epochs = frame_epochs(traj.epoch, max_frames)
    panel_static, panel_axes, panel_moving, panel_markers = _panel(traj)
    land_static, land_axes, land_moving, land_markers = _landscape(traj, epochs)
    names = ", ".join(f"{p} = %{{customdata[{i}]:.4f}}" for i, p in enumerate(data.params))
    note_x = [rounded((x_lo + x_hi) / 2)] * 2
    frame_data = []
    for e in epochs:
        params = traj.points[e]
        with np.errstate(all="ignore"):
            line_y = data.predict(params, line_x)
            fitted = np.clip(line_y, y_range[0] - 1e6, y_range[1] + 1e6)
            guess = data.predict(params)
        res_x = np.column_stack([data.x, data.x, np.full(data.n, np.nan)]).ravel()
        res_y = np.column_stack([data.y, guess, np.full(data.n, np.nan)]).ravel()
        frame_data.append(
            {
                "line": {
                    "x": [rounded(v) for v in line_x],
                    "y": [rounded(v) for v in fitted],
                    "customdata": [[rounded(p) for p in params]] * 2,
                },
                "residuals": {"x": typed_array(res_x), "y": typed_array(np.clip(res_y, -1e9, 1e9))},
                "line_note": {"x": note_x, "y": y_range, "text": out_of_view(line_y, y_range)},
                **land_markers(e),
                **panel_markers(e),
            }
        )
    first = frame_data[0]
    static = [
        go.Scatter(
            x=data.x, y=data.y, mode="markers", name="data",
            marker={"size": 9, "color": DATA, "line": {"color": "white", "width": 1}},
            hovertemplate="x = %{x:.4g}<br>y = %{y:.4g}<extra>data</extra>", cliponaxis=False,
        ),
        *land_static,
        *panel_static,
    ]  # fmt: skip
    moving = [
        go.Scatter(
            meta="line_note", **first["line_note"], mode="text", showlegend=False,
            textposition=["top center", "bottom center"], textfont={"color": LINE, "size": 13},
            cliponaxis=False, hoverinfo="skip",
        ),
        go.Scatter(
            meta="line", **first["line"], mode="lines", name=f"model y = {data.model_text}",
            line={"color": LINE, "width": 3}, hovertemplate=f"{names}<extra>model</extra>",
        ),
        go.Scatter(
            meta="residuals", **first["residuals"], mode="lines", name="residuals",
            line={"color": RESIDUAL, "width": 2, "dash": "dot"}, hoverinfo="skip",
        ),
        *land_moving,
        *panel_moving,
    ]  # fmt: skip
    layout = {
        "xaxis": {
            "domain": FIT_DATA_DOMAIN, "title": {"text": "x"},
            "range": [x_lo - 2 * pad, x_hi + 2 * pad], "autorange": False,
            **round_ticks([x_lo - 2 * pad, x_hi + 2 * pad], log=False),
        },
        "yaxis": {"title": {"text": "y"}, "range": y_range, "autorange": False,
                  **round_ticks(y_range, log=False)},
        "legend": LEGEND,
        **land_axes,
        **panel_axes,
    }  # fmt: skip
    layout["margin"] = FIT_MARGIN
    return assemble(static, moving, frame_data, epochs, layout, CURVE_HEIGHT)
