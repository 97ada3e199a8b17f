"""Figures of the classic exercises: the classic loop's x with either sign, the matrix
exercise's three runs drawn epoch by epoch, and PyTorch's loop with and without
zero_grad()."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..exercises import MATRIX_TARGET, first_epoch_below
from .base import LEGEND, assemble, frame_epochs, nice_ticks, static_figure, tick_label, typed
from .lessons import SMALL_MARGIN, decade_ticks
from .style import MINIMUM, PALETTE

#: The matrix animation's height: its legend of five entries needs room above the plot.
MATRIX_HEIGHT = 520
_GREY = "#555555"


def _log_ticks(values) -> dict:
    """A log axis ticked at round values (1, 2, 5 × 10ᵏ) written as a person writes them."""
    values = np.asarray(values, dtype=float)
    ticks = nice_ticks(float(values.min()), float(values.max()), log=True)
    if len(ticks) < 2:  # a narrow range: let plotly tick it
        return {"type": "log"}
    return {"type": "log", "tickmode": "array", "tickvals": ticks,
            "ticktext": [tick_label(v) for v in ticks]}  # fmt: skip


def classic_figure(down, up):
    """x per epoch of the classic loop with a subtraction (``down``, gradient descent) and
    with an addition (``up``), both :class:`~gdviz.exercises.ClassicRun` from one start.
    The x axis is logarithmic while every x is positive (x is multiplied by a constant each
    step, so both runs are straight lines there)."""
    runs = ((down, "x ← x − η·f′(x): gradient descent"),
            (up, "x ← x + η·f′(x): the addition"))  # fmt: skip
    xs = np.concatenate([run.xs for run, _ in runs])
    log = bool(np.all(xs > 0))
    traces = [
        go.Scatter(
            x=np.arange(run.epochs + 1), y=run.xs, mode="lines", name=name,
            line={"color": PALETTE[i], "width": 2.5},
            hovertemplate="epoch %{x}<br>x = %{y:.6g}<extra></extra>",
        )
        for i, (run, name) in enumerate(runs)
    ]  # fmt: skip
    yaxis = {"title": {"text": "x (log axis)" if log else "x"}}
    if log:
        yaxis |= _log_ticks(xs)
    layout = {
        "height": 380,
        "margin": SMALL_MARGIN,
        "xaxis": {"title": {"text": "epoch"}, "rangemode": "tozero"},
        "yaxis": yaxis,
        "legend": LEGEND,
    }
    return static_figure(traces, layout)


def _matrix_curves(comparison) -> list[tuple[str, str, np.ndarray, str]]:
    """(trace name, label, loss per epoch, dash) for each curve the matrix chart draws."""
    update, prediction, right = comparison[:3]
    return [
        ("update", f"flawed update (W + {update.lr:g}·G)", update.losses, "solid"),
        ("prediction", "flawed prediction W @ a, scored on a @ W",
         prediction.losses_under("a @ W"), "solid"),
        ("right", "right update (W − η∇L)", right.losses, "solid"),
        # Drawn over the right update's line, which it follows closely (the same curvature).
        ("prediction_own", "flawed prediction, its own loss", prediction.losses, "dot"),
    ]  # fmt: skip


def matrix_animation(comparison, level: float = MATRIX_TARGET, max_frames: int = 100):
    """The matrix exercise's runs (:func:`~gdviz.exercises.matrix_comparison`): the loss per
    epoch on a log axis, drawn epoch by epoch, with the target ``level`` and the epoch where
    the right update first gets below it. Moving traces: ``update``, ``prediction``,
    ``right``, ``prediction_own`` and ``below`` (the mark, once the right update is there).
    The chart opens on the last frame, every curve whole; Play draws them from epoch 0."""
    curves = _matrix_curves(comparison)
    right = comparison.right_update
    epochs = right.epochs
    shown = frame_epochs(epochs, max_frames)
    below = first_epoch_below(right, level)
    every = np.concatenate([values for _, _, values, _ in curves] + [[level]])
    every = every[np.isfinite(every) & (every > 0)]
    y_ticks = decade_ticks(float(every.min()), float(every.max()))
    lo, hi = np.log10(every.min()), np.log10(every.max())
    pad = 0.04 * (hi - lo)
    static = [
        go.Scatter(
            x=[0, epochs], y=[level, level], mode="lines", name=f"target: L = {level:.2f}",
            line={"color": _GREY, "width": 1.5, "dash": "dash"}, hoverinfo="skip",
        )
    ]  # fmt: skip
    colours = {"update": PALETTE[0], "prediction": PALETTE[3], "prediction_own": PALETTE[3],
               "right": PALETTE[2]}  # fmt: skip
    moving = [
        go.Scatter(
            meta=name, x=np.arange(len(values)), y=values, mode="lines", name=label,
            line={"color": colours[name], "width": 2.5, "dash": dash},
            hovertemplate="epoch %{x}<br>L = %{y:.6g}<extra>" + label + "</extra>",
        )
        for name, label, values, dash in curves
    ]  # fmt: skip
    below_name = f"right update below {level:.2f}" if below is not None else "never below"
    mark = ([below], [float(right.losses[below])], [f"epoch {below}"]) if below is not None else (
        [], [], [])  # fmt: skip
    moving.append(
        go.Scatter(
            meta="below", x=mark[0], y=mark[1], text=mark[2], mode="markers+text",
            name=below_name,
            textposition="top right", textfont={"size": 13, "color": PALETTE[2]},
            marker={"size": 13, "color": MINIMUM, "symbol": "star",
                    "line": {"color": "#333", "width": 1}},
            hovertemplate="epoch %{x}<br>L = %{y:.6g}<extra></extra>",
        )
    )  # fmt: skip
    frame_data = []
    for k in shown:
        k = int(k)
        data = {
            name: {"x": typed(np.arange(k + 1)), "y": typed(values[: k + 1])}
            for name, _, values, _ in curves
        }
        reached = below is not None and k >= below
        data["below"] = {
            "x": [below] if reached else [],
            "y": [float(right.losses[below])] if reached else [],
            "text": [f"epoch {below}"] if reached else [],
        }
        frame_data.append(data)
    layout = {
        "xaxis": {"title": {"text": "epoch"}, "range": [-1, epochs + 1], "autorange": False},
        "yaxis": {"title": {"text": "loss L(W) (log axis)"}, **y_ticks,
                  "range": [lo - pad, hi + pad], "autorange": False},
        "legend": LEGEND,
        "margin": {"l": 60, "r": 20, "t": 130, "b": 120},
    }  # fmt: skip
    figure = assemble(static, moving, frame_data, shown, layout, MATRIX_HEIGHT)
    figure._plain_layout["sliders"][0]["active"] = len(shown) - 1  # open on the whole run
    return figure


def _zero_grad_parts(runs, epoch: int | None = None):
    """zero_grad_figure's traces and layout."""
    normal, forgotten = runs
    objective = normal.objective
    one = objective.dim == 1
    symbol = objective.symbol

    def values(run):
        return run.points[:, 0] if one else run.losses

    traces = []
    minimum = objective.global_minimum
    if minimum is not None:
        level = float(minimum.point[0]) if one else float(minimum.value)
        last = max(normal.epoch, forgotten.epoch)
        traces.append(
            go.Scatter(
                x=[0, last], y=[level, level], mode="lines", hoverinfo="skip",
                name=f"the minimum, p = {level:g}" if one else f"the minimum, {symbol} = {level:g}",
                line={"color": _GREY, "width": 1.5, "dash": "dash"},
            )
        )  # fmt: skip
    what = "p" if one else f"{symbol}(p)"
    for i, (run, name) in enumerate(((normal, "with zero_grad()"),
                                     (forgotten, "zero_grad() forgotten"))):  # fmt: skip
        y = values(run)
        traces.append(
            go.Scatter(
                x=np.arange(len(y)), y=y, mode="lines+markers", name=name,
                line={"color": PALETTE[i], "width": 2.5}, marker={"size": 5},
                hovertemplate="epoch %{x}<br>" + what + " = %{y:.6g}<extra>" + name
                + "</extra>",
            )
        )  # fmt: skip
        if epoch is not None:
            k = min(max(int(epoch), 0), len(y) - 1)
            traces.append(
                go.Scatter(
                    x=[k], y=[y[k]], mode="markers", showlegend=False, hoverinfo="skip",
                    marker={"size": 14, "color": PALETTE[i], "line": {"color": "white",
                                                                     "width": 2}},
                )
            )  # fmt: skip
    layout = {
        "height": 380,
        "margin": SMALL_MARGIN,
        "xaxis": {"title": {"text": "epoch"}},
        "yaxis": {"title": {"text": "p, the parameter" if one else f"{symbol}(p)"}},
        "legend": LEGEND,
    }
    return traces, layout


def zero_grad_figure(runs, epoch: int | None = None):
    """PyTorch's loop with zero_grad() and with it forgotten
    (:func:`~gdviz.exercises.zero_grad_runs`): p per epoch for a 1-D objective (f(p) in
    2-D), the minimum as a dashed line, and both runs' point at ``epoch`` marked."""
    return static_figure(*_zero_grad_parts(runs, epoch))


def _said(value) -> str:
    return "None" if value is None else f"{float(np.ravel(value)[0]):.6g}"


def zero_grad_readout(runs) -> list[str]:
    """One text per sub-step of :func:`zero_grad_animation`: the loop's four lines with
    the one that just ran marked ▶, then p, p.grad and loss in both runs."""
    normal, forgotten = runs
    texts = []
    for now, other in zip(normal.substeps, forgotten.substeps, strict=False):
        marks = ["▶ " if i == now.line else "\u2003 " for i in range(len(normal.code))]
        lines = [mark + text for mark, text in zip(marks, normal.code, strict=True)]
        if now.line == 0:
            lines[0] += "      (forgotten: skipped, p.grad kept)"
        texts.append(
            f"Epoch {now.epoch}, line {now.line + 1} of 4\n" + "\n".join(lines) + "\n"
            f"with zero_grad():  p = {_said(now.p)},  p.grad = {_said(now.grad)},  "
            f"loss = {_said(now.loss)}\n"
            f"forgotten:  p = {_said(other.p)},  p.grad = {_said(other.grad)},  "
            f"loss = {_said(other.loss)}"
        )
    return texts


def zero_grad_animation(runs):
    """:func:`zero_grad_figure` played line by line: one frame per line of the loop run
    (four an epoch), each run's point moving when its ``optimizer.step()`` runs; with
    :func:`zero_grad_readout` beside it, the line that runs is marked as it plays."""
    normal, forgotten = runs
    static, layout = _zero_grad_parts(runs)
    for trace in static[-2:]:  # the whole paths, faint: the moving points walk along them
        trace.opacity = 0.35
    pairs = list(zip(normal.substeps, forgotten.substeps, strict=False))
    one = normal.objective.dim == 1

    def at(step, run):
        epoch = step.epoch + 1 if step.line == len(run.code) - 1 else step.epoch
        epoch = min(epoch, len(run.points) - 1)
        y = run.points[epoch, 0] if one else run.losses[epoch]
        return {"x": [int(epoch)], "y": [float(y)]}

    moving = [
        go.Scatter(
            meta=f"now_{i}", **at(pairs[0][i], run), mode="markers", showlegend=False,
            hoverinfo="skip", marker={"size": 14, "color": PALETTE[i],
                                      "line": {"color": "white", "width": 2}},
        )
        for i, run in enumerate((normal, forgotten))
    ]  # fmt: skip
    frame_data = [
        {f"now_{i}": at(step, run) for i, (step, run) in enumerate(zip(pair, runs, strict=True))}
        for pair in pairs
    ]
    labels = [f"{a.epoch}, line {a.line + 1}" for a, _ in pairs]
    layout = {k: v for k, v in layout.items() if k not in ("height", "margin")}
    return assemble(static, moving, frame_data, range(len(pairs)), layout, 380, labels=labels,
                    prefix="Epoch ", duration=350)  # fmt: skip
