"""Sharpness along a run: λ_max(∇²f) at every epoch beside 2/η, the edge of stability."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..stability import sharpness
from .base import LEGEND, assemble, fixed_range, frame_epochs, rounded
from .style import ARROW, CURVE, POINT

#: The chart's height with room for controls it does not show (ui/chart.js gives it back).
SHARPNESS_HEIGHT = 410


def sharpness_figure(traj):
    """λ_max(∇²f) at each iterate and the line 2/η (per epoch, so a schedule shows): the run
    is stable where the curve stays under the line. Frames move a marker (``mark``) to the
    shown epochs, for a chart that follows the path's epoch."""
    f = traj.objective.symbol
    top = sharpness(traj)
    epochs = np.arange(traj.epoch + 1)
    rates = np.asarray(traj.lrs if traj.lrs is not None else [traj.lr], dtype=float)
    limit = 2.0 / np.concatenate([rates, rates[-1:]])[: traj.epoch + 1]
    limit = np.broadcast_to(limit, epochs.shape) if limit.size == 1 else limit
    shown = np.concatenate([top[np.isfinite(top)], limit])
    static = [
        go.Scatter(
            x=epochs, y=np.where(np.isfinite(top), top, None), mode="lines",
            name=f"sharpness λ_max(∇²{f})", line={"color": CURVE, "width": 2.5},
            hovertemplate="epoch %{x}<br>λ_max = %{y:.4g}<extra></extra>",
        ),
        go.Scatter(
            x=epochs, y=limit, mode="lines", name="2/η (stable below)",
            line={"color": ARROW, "width": 2, "dash": "dash"},
            hovertemplate="epoch %{x}<br>2/η = %{y:.4g}<extra></extra>",
        ),
    ]  # fmt: skip
    first = float(top[0]) if np.isfinite(top[0]) else None
    mark = go.Scatter(
        meta="mark", x=[0], y=[first], mode="markers", name="this epoch", cliponaxis=False,
        marker={"color": POINT, "size": 11, "line": {"color": "white", "width": 1.5}},
        hovertemplate="epoch %{x}<br>λ_max = %{y:.4g}<extra></extra>",
    )  # fmt: skip
    frame_at = frame_epochs(traj.epoch)
    frames = [
        {"mark": {"x": [int(e)], "y": [rounded(float(top[e])) if np.isfinite(top[e]) else None]}}
        for e in frame_at
    ]
    layout = {
        "xaxis": {
            "title": {"text": "epoch"},
            **fixed_range(np.array([0.0, max(traj.epoch, 1)]), False),
        },
        "yaxis": {"title": {"text": f"λ_max(∇²{f})"}, **fixed_range(shown, False)},
        "legend": LEGEND,
    }
    return assemble(static, [mark], frames, frame_at, layout, SHARPNESS_HEIGHT)
