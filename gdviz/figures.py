"""Figures: pure functions from a Trajectory to a Plotly figure.

Animated figures draw the static parts (curve or field, minima, the whole path
faintly) once and put only the moving traces in frames. Frames are built as
plain dicts and kept that way by :class:`LightFigure`, because validating
~200 frames through graph_objects costs ~0.4 s per build here.
"""

from __future__ import annotations

import base64
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from .analysis import fmt
from .descent import Trajectory
from .field import COLORSCALE, sample_field

#: Most frames an animation carries: the slider draws a step per frame, ~0.5 ms each.
MAX_FRAMES = 100
#: Most points a frame's trail carries (older ones thinned; the faint whole path stays).
TRAIL_POINTS = 40
TEMPLATE = "plotly_white"

PATH = "#ff6b35"  # orange: the path, readable on Viridis and on white
POINT = "#e63946"  # red: the current point
ARROW = "#d62728"
TANGENT = "#2a9d8f"
CURVE = "#1d3557"
LOSS = "#457b9d"
MINIMUM = "#ffd166"


class LightFigure(go.Figure):
    """A ``go.Figure`` whose frames and template stay plain, JSON-ready dicts.

    ``to_dict()`` (what Streamlit and ``to_json`` call) adds them as they are;
    reading ``.frames`` validates them once, for inspection and tests.
    """

    def __init__(self, data=None, layout=None, frames=(), plain_layout=None):
        self._plain_frames = list(frames)
        self._plain_layout = dict(plain_layout or {})
        self._checked_frames = None
        layout = dict(layout or {})
        if "template" in self._plain_layout:
            layout["template"] = {}  # a placeholder, so plotly skips applying its default
        super().__init__(data=data, layout=layout)

    @property
    def frames(self):
        if self._checked_frames is None:
            self._checked_frames = go.Figure(frames=self._plain_frames).frames
        return self._checked_frames

    def to_dict(self):
        """The figure as a dict; the plain parts are shared, not copied: treat as read-only."""
        out = super().to_dict()
        out["layout"].update(self._plain_layout)
        if self._plain_frames:
            out["frames"] = list(self._plain_frames)
        return out

    def to_plotly_json(self):
        return self.to_dict()

    def __reduce__(self):
        plain = super().to_dict()
        return (
            LightFigure,
            (plain["data"], plain["layout"], self._plain_frames, self._plain_layout),
        )


# The trace types gdviz draws: a template's defaults for the other ~40 are dead weight that
# plotly.js still merges on every redraw (~10 ms each time here).
TRACE_TYPES = ("scatter", "scatter3d", "surface")


@lru_cache(maxsize=4)
def _template(name: str) -> dict:
    template = pio.templates[name].to_plotly_json()
    data = template.get("data", {})
    return {**template, "data": {t: data[t] for t in TRACE_TYPES if t in data}}


def _round(value: float) -> float:
    """Six significant digits: plenty for a screen, a third of the JSON."""
    return float(f"{value:.6g}")


def trail_epochs(shown: np.ndarray, limit: int = TRAIL_POINTS) -> np.ndarray:
    """The frame epochs a trail passes through: all of them, or the recent half of
    ``limit`` exactly plus the older ones thinned, so frames stay small."""
    if len(shown) <= limit:
        return shown
    recent = limit // 2
    older = shown[:-recent]
    keep = older[np.round(np.linspace(0, len(older) - 1, limit - recent)).astype(int)]
    return np.concatenate([keep, shown[-recent:]])


def _typed(values, dtype="f4") -> dict:
    """A numeric array in plotly.js's compact typed-array form."""
    array = np.ascontiguousarray(values, dtype=np.dtype(dtype).newbyteorder("<"))
    return {"dtype": dtype, "bdata": base64.b64encode(array.tobytes()).decode("ascii")}


def _plain_template() -> dict:
    """The template, added to the layout unvalidated (validating it costs ~25 ms)."""
    return {"template": _template(TEMPLATE)}


def frame_epochs(epoch: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """Epochs shown as frames: all of 0..epoch, or ``max_frames`` evenly spread, ends kept."""
    if epoch + 1 <= max_frames:
        return np.arange(epoch + 1)
    return np.unique(np.round(np.linspace(0, epoch, max_frames)).astype(int))


def frame_duration(n_frames: int) -> int:
    """Milliseconds per frame at 1× speed: a whole run plays in about 6 seconds."""
    return int(np.clip(6000 / max(n_frames, 1), 30, 500))


SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)
CURVE_HEIGHT, CONTOUR_HEIGHT = 520, 620
MARGIN = {"l": 60, "r": 20, "t": 40, "b": 120}


def _below(height: int, pixels: int = 66) -> float:
    """Paper y that sits ``pixels`` under the plot area: clear of the x-axis title."""
    return -pixels / (height - MARGIN["t"] - MARGIN["b"])


def animation_controls(epochs, duration: int, below: float = -0.08) -> dict:
    """Play/Pause buttons, a speed menu and an epoch slider, as layout entries.

    ``below`` is the controls' height in paper units (negative: under the x axis).
    """

    def play(ms):
        return [
            None,
            {
                "frame": {"duration": ms, "redraw": False},
                "fromcurrent": True,
                "transition": {"duration": 0},
                "mode": "immediate",
            },
        ]

    pause = [[None], {"frame": {"duration": 0, "redraw": False}, "mode": "immediate"}]
    buttons = {
        "type": "buttons",
        "direction": "left",
        "showactive": False,
        "x": 0.0,
        "y": below,
        "xanchor": "left",
        "yanchor": "top",
        "pad": {"t": 0, "r": 6},
        "buttons": [
            {"label": "▶ Play", "method": "animate", "args": play(duration)},
            {"label": "❚❚ Pause", "method": "animate", "args": pause},
        ],
    }
    speeds = {
        "type": "dropdown",
        "direction": "up",
        "showactive": True,
        "active": SPEEDS.index(1.0),
        "x": 0.2,
        "y": below,
        "xanchor": "left",
        "yanchor": "top",
        "buttons": [
            {"label": f"speed {s:g}×", "method": "animate", "args": play(int(duration / s))}
            for s in SPEEDS
        ],
    }
    slider = {
        "active": 0,
        "x": 0.38,
        "len": 0.62,
        "y": below + 0.03,
        "yanchor": "top",
        "pad": {"t": 0, "b": 0},
        "currentvalue": {"prefix": "Epoch ", "font": {"size": 13}},
        "transition": {"duration": 0},
        "steps": [
            {
                "label": str(e),
                "method": "animate",
                "args": [
                    [str(e)],
                    {"frame": {"duration": 0, "redraw": False}, "mode": "immediate"},
                ],
            }
            for e in epochs
        ],
    }
    return {"updatemenus": [buttons, speeds], "sliders": [slider]}


def _clamp(values, lo, hi):
    if isinstance(values, float):  # per frame: plain floats, ~10x faster than np.clip
        return min(max(values, lo), hi) if values == values else values
    return np.clip(values, lo, hi)


def _box(objective):
    return np.array(objective.domain)


# ---- the side panel: loss and gradient size per epoch ------------------------------

MAIN_DOMAIN = [0.0, 0.6]
SIDE_DOMAIN = [0.72, 1.0]
SIDE_DOMAIN_2D = [0.8, 1.0]  # room for the colour bar in between


def _panel(traj: Trajectory, side=SIDE_DOMAIN):
    """Static traces, axes and a per-frame marker function for the side panel.

    The panel shows loss (top) and ‖∇f‖ (bottom) per epoch, log-scaled where the
    values span decades, with a marker that follows the animation.
    """
    k = np.arange(traj.epoch + 1)
    rows = []  # (values, x axis, y axis, y domain, title, colour, hover)
    for values, n, domain, title, colour, hover in (
        (traj.losses, 2, [0.56, 1.0], "loss f", LOSS, "f = %{y:.6g}"),
        (traj.grad_norms, 3, [0.0, 0.44], "‖∇f‖", TANGENT, "‖∇f‖ = %{y:.4g}"),
    ):
        positive = values[values > 0]
        # log when nothing is negative and the values span decades; an exact 0 leaves a gap
        log = bool(np.all(values >= 0) and positive.size and positive.max() / positive.min() > 100)
        values = np.where(values > 0, values, np.nan) if log else values
        rows.append((values, n, domain, title, colour, hover, _axis_scale(positive, log)))

    static, moving, axes = [], [], {}
    marker = {"size": 9, "color": POINT, "line": {"color": "white", "width": 1}}
    for values, n, domain, title, colour, hover, scale in rows:
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
                x=[0],
                y=[_round(values[0])],
                mode="markers",
                showlegend=False,
                marker=marker,
                hoverinfo="skip",
                **on_axes,
            )
        )
        axes[f"xaxis{n}"] = {"domain": side, "anchor": f"y{n}", "range": [0, max(traj.epoch, 1)]}
        axes[f"yaxis{n}"] = {"domain": domain, "anchor": f"x{n}", "title": {"text": title}, **scale}
    axes["xaxis2"] |= {"showticklabels": False, "matches": "x3"}
    axes["xaxis3"]["title"] = {"text": "epoch"}

    def markers(e: int) -> list[dict]:
        return [{"x": [int(e)], "y": [_round(row[0][e])]} for row in rows]

    return static, axes, moving, markers


def _assemble(static, moving, frame_data, epochs, layout, height) -> LightFigure:
    """Static traces first, moving ones after; frames name their epoch and touch only
    the moving traces."""
    first_moving = len(static)
    indices = list(range(first_moving, first_moving + len(moving)))
    frames = [
        {"name": str(int(e)), "traces": indices, "data": data}
        for e, data in zip(epochs, frame_data, strict=True)
    ]
    layout = {"height": height, "margin": MARGIN, **layout}
    # The controls stay plain too: validating a slider step per frame took ~25 ms a figure.
    controls = animation_controls(
        [int(e) for e in epochs], frame_duration(len(epochs)), _below(height)
    )
    return LightFigure(static + moving, layout, frames, _plain_template() | controls)


# ---- 1-D ---------------------------------------------------------------------------


def _curve_range(objective, xs, ys):
    finite = ys[np.isfinite(ys)]
    lo, hi = float(finite.min()), float(finite.max())
    pad = 0.08 * (hi - lo or 1.0)
    return lo - pad, hi + pad


def _curve_backdrop(obj, domain=MAIN_DOMAIN):
    """The curve and its known points, the fixed axes, and the y range: drawn once."""
    (x_lo, x_hi) = obj.domain[0]
    xs = np.linspace(x_lo, x_hi, 400)
    ys = obj.f(xs[:, None])
    y_lo, y_hi = _curve_range(obj, xs, ys)
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


def curve_figure(traj: Trajectory, *, max_frames: int = MAX_FRAMES) -> LightFigure:
    """A 1-D run: the curve, the point, its trail, the tangent and the step −lr·f′(x).

    Static traces: curve, known points, whole path (faint); moving (in frames, in this
    order): trail, tangent, step arrow, current point. Loss and ‖∇f‖ per epoch are
    :func:`loss_figure`: a side panel here would make every learning-rate change
    redraw two more subplots (~30 ms in the browser, see bench/settle.py).
    """
    obj = traj.objective
    if obj.dim != 1:
        raise ValueError(f"curve_figure needs a 1-D run, {obj.slug} is {obj.dim}-D")
    backdrop, axes, (y_lo, y_hi) = _curve_backdrop(obj, domain=[0.0, 1.0])
    (x_lo, x_hi) = obj.domain[0]
    span = x_hi - x_lo
    px, py, slopes = traj.points[:, 0], traj.losses, traj.grads[:, 0]
    # Far-off points are drawn at (or just past) the edge: fixed axes show the escape.
    draw_x = _clamp(px, x_lo - span, x_hi + span)
    draw_y = _clamp(py, y_lo - (y_hi - y_lo), y_hi + (y_hi - y_lo))
    epochs = frame_epochs(traj.epoch, max_frames)
    static = [
        *backdrop,
        go.Scatter(
            x=draw_x.astype(np.float32),
            y=draw_y.astype(np.float32),
            mode="lines",
            name="whole path",
            showlegend=False,
            line={"color": PATH, "width": 1, "dash": "dot"},
            opacity=0.35,
            hoverinfo="skip",
        ),
    ]
    frame_data = []
    for e in epochs:
        shown = trail_epochs(epochs[epochs <= e])
        x, f, g = float(px[e]), float(py[e]), float(slopes[e])
        cx, cy = float(_clamp(x, x_lo, x_hi)), float(_clamp(f, y_lo, y_hi))
        off = cx != x or cy != f
        half = 0.12 * span
        step = -traj.lr * g
        frame_data.append(
            [
                {"x": _typed(draw_x[shown]), "y": _typed(draw_y[shown])},
                {
                    "x": [_round(x - half), _round(x + half)],
                    "y": [_round(f - g * half), _round(f + g * half)],
                },
                {
                    "x": [_round(cx), _round(_clamp(x + step, x_lo - span, x_hi + span))],
                    "y": [_round(cy), _round(cy)],
                },
                {
                    "x": [_round(cx)],
                    "y": [_round(cy)],
                    "text": [f"epoch {int(e)}" + (" (off the chart)" if off else "")],
                    "customdata": [[_round(x), _round(f), _round(g), _round(step)]],
                    "marker": {"symbol": "x" if off else "circle"},
                },
            ]
        )
    first = frame_data[0]
    moving = [
        go.Scatter(
            x=draw_x[:1],
            y=draw_y[:1],
            mode="lines+markers",
            name="path so far",
            line={"color": PATH, "width": 2},
            marker={"size": 6, "color": PATH},
            hovertemplate="x = %{x:.4f}<br>f = %{y:.4f}<extra>path</extra>",
        ),
        go.Scatter(
            x=first[1]["x"],
            y=first[1]["y"],
            mode="lines",
            name="tangent (slope f′(x))",
            line={"color": TANGENT, "width": 2, "dash": "dash"},
            hoverinfo="skip",
        ),
        go.Scatter(
            x=first[2]["x"],
            y=first[2]["y"],
            mode="lines+markers",
            name="step −lr·f′(x)",
            line={"color": ARROW, "width": 3},
            marker={"symbol": "arrow", "angleref": "previous", "size": [0, 14], "color": ARROW},
            hoverinfo="skip",
        ),
        go.Scatter(
            x=first[3]["x"],
            y=first[3]["y"],
            mode="markers+text",
            name="current point",
            text=first[3]["text"],
            textposition="top center",
            customdata=first[3]["customdata"],
            marker={"size": 14, "color": POINT, "line": {"color": "white", "width": 2}},
            hovertemplate="x = %{customdata[0]:.6g}<br>f(x) = %{customdata[1]:.6g}"
            "<br>f′(x) = %{customdata[2]:.6g}"
            "<br>step −lr·f′(x) = %{customdata[3]:.6g}<extra></extra>",
        ),
    ]
    layout = {**axes, "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0}}
    return _assemble(static, moving, frame_data, epochs, layout, CURVE_HEIGHT)


# ---- 2-D ---------------------------------------------------------------------------


def _colourbar_trace(field, map_end: float) -> go.Scatter:
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


def _arrow_2d(point, grad, lr, span):
    """Tail and head of the −∇f arrow: the real step −lr·∇f, kept visible on screen."""
    step = -lr * grad
    size = float(np.linalg.norm(step))
    if not np.isfinite(size) or size == 0:
        return [point[0], point[0]], [point[1], point[1]]
    length = np.clip(size, 0.04 * span, 0.25 * span)
    head = point + step / size * length
    return [float(point[0]), float(head[0])], [float(point[1]), float(head[1])]


def _field_backdrop(obj, domain=MAIN_DOMAIN):
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
        _colourbar_trace(field, domain[1]),
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


def contour_figure(traj: Trajectory, *, max_frames: int = MAX_FRAMES) -> LightFigure:
    """A 2-D run over its field: raster colours, iso-lines, minima, path, point, −∇f arrow.

    Static traces: iso-lines, colour bar, known points, whole path (faint); moving (in
    frames, in this order): trail, arrow, current point. The figure is as wide as the
    equal-aspect map and its colour bar. Loss and ‖∇f‖ per epoch are :func:`loss_figure`.
    """
    obj = traj.objective
    if obj.dim != 2:
        raise ValueError(f"contour_figure needs a 2-D run, {obj.slug} is {obj.dim}-D")
    box = _box(obj)
    spans = box[:, 1] - box[:, 0]
    span = float(spans.max())
    draw = np.clip(traj.points, box[:, 0] - spans, box[:, 1] + spans)
    epochs = frame_epochs(traj.epoch, max_frames)
    width, map_domain = _map_width(obj)
    backdrop, axes = _field_backdrop(obj, map_domain)
    static = [
        *backdrop,
        go.Scatter(
            x=draw[:, 0].astype(np.float32),
            y=draw[:, 1].astype(np.float32),
            mode="lines",
            name="whole path",
            showlegend=False,
            line={"color": "white", "width": 1, "dash": "dot"},
            opacity=0.6,
            hoverinfo="skip",
        ),
    ]
    frame_data = []
    for e in epochs:
        shown = trail_epochs(epochs[epochs <= e])
        p = traj.points[e]
        c = np.clip(p, box[:, 0], box[:, 1])
        off = bool(np.any(c != p))
        ax, ay = _arrow_2d(c, traj.grads[e], traj.lr, span)
        frame_data.append(
            [
                {"x": _typed(draw[shown, 0]), "y": _typed(draw[shown, 1])},
                {"x": [_round(v) for v in ax], "y": [_round(v) for v in ay]},
                {
                    "x": [_round(c[0])],
                    "y": [_round(c[1])],
                    "text": [f"epoch {int(e)}" + (" (off the chart)" if off else "")],
                    "customdata": [[_round(v) for v in (*p, traj.losses[e], *traj.grads[e])]],
                    "marker": {"symbol": "x" if off else "circle"},
                },
            ]
        )
    first = frame_data[0]
    moving = [
        go.Scatter(
            x=draw[:1, 0],
            y=draw[:1, 1],
            mode="lines+markers",
            name="path so far",
            line={"color": PATH, "width": 2.5},
            marker={"size": 5, "color": PATH},
            hovertemplate="(%{x:.4f}, %{y:.4f})<extra>path</extra>",
        ),
        go.Scatter(
            x=first[1]["x"],
            y=first[1]["y"],
            mode="lines+markers",
            name="−∇f direction (step)",
            line={"color": "white", "width": 3},
            marker={"symbol": "arrow", "angleref": "previous", "size": [0, 15], "color": "white"},
            hoverinfo="skip",
        ),
        go.Scatter(
            x=first[2]["x"],
            y=first[2]["y"],
            mode="markers+text",
            name="current point",
            text=first[2]["text"],
            textposition="top right",
            textfont={"color": "white"},
            customdata=first[2]["customdata"],
            marker={"size": 14, "color": POINT, "line": {"color": "white", "width": 2}},
            hovertemplate="(x, y) = (%{customdata[0]:.6g}, %{customdata[1]:.6g})"
            "<br>f = %{customdata[2]:.6g}<br>∇f = (%{customdata[3]:.4g}, %{customdata[4]:.4g})"
            "<extra></extra>",
        ),
    ]
    layout = {
        **axes,
        "width": width,
        "legend": {
            "orientation": "h",
            "y": 1.02,
            "yanchor": "bottom",
            "x": 0,
            "bgcolor": "#3b3f5c",  # the white arrow and path need a dark key
            "font": {"color": "white"},
        },
    }
    return _assemble(static, moving, frame_data, epochs, layout, CONTOUR_HEIGHT)


COLOURBAR_ROOM = 110  # pixels right of the map: the colour bar, its ticks and title


def _map_width(obj) -> tuple[int, list[float]]:
    """Figure width and x domain that fit an equal-aspect map of ``obj``'s domain and
    its colour bar, for a map as tall as the contour figure's plot area."""
    (x_lo, x_hi), (y_lo, y_hi) = obj.domain
    plot_height = CONTOUR_HEIGHT - MARGIN["t"] - MARGIN["b"]
    map_width = plot_height * float(np.clip((x_hi - x_lo) / (y_hi - y_lo), 0.6, 2.0))
    width = int(round(MARGIN["l"] + map_width + COLOURBAR_ROOM + MARGIN["r"]))
    return width, [0.0, map_width / (width - MARGIN["l"] - MARGIN["r"])]


def descent_figure(traj: Trajectory, *, max_frames: int = MAX_FRAMES) -> LightFigure:
    """The animated figure that suits the run: a curve for 1-D, a contour map for 2-D."""
    builder = curve_figure if traj.objective.dim == 1 else contour_figure
    return builder(traj, max_frames=max_frames)


def surface_figure(traj, labels=None, *, size: int = 70) -> LightFigure:
    """A 3-D view of a 2-D run (or of several: pass a list) with the paths lying on it."""
    from .race import PALETTE

    runs = [traj] if isinstance(traj, Trajectory) else list(traj)
    obj = runs[0].objective
    if obj.dim != 2:
        raise ValueError(f"surface_figure needs a 2-D run, {obj.slug} is {obj.dim}-D")
    field = sample_field(obj)
    step = max(1, len(field.xs) // size)
    xs, ys = field.xs[::step], field.ys[::step]
    height = field.shade(field.values[::step, ::step])
    box = _box(obj)
    lo, hi = field.shade_range
    lo = min(lo, float(field.shade(field.floor)))  # the grid may miss the exact minimum
    z_title = "log₁₀(f − f_min + δ)" if field.log else "f(x, y)"
    marks = obj.minima
    data = [
        go.Surface(
            x=xs,
            y=ys,
            z=height,
            colorscale=COLORSCALE,
            opacity=0.9,
            showscale=False,
            name="f",
            hovertemplate="x = %{x:.3f}<br>y = %{y:.3f}<extra></extra>",
            contours={"z": {"show": True, "usecolormap": True, "project": {"z": True}, "width": 1}},
        ),
        go.Scatter3d(
            x=[p.point[0] for p in marks],
            y=[p.point[1] for p in marks],
            z=np.clip(field.shade([p.value for p in marks]), lo, hi) if marks else [],
            mode="markers",
            name="minima",
            marker={"size": 5, "color": MINIMUM, "symbol": "diamond", "line": {"color": "#222"}},
        ),
    ]
    single = len(runs) == 1
    for i, run in enumerate(runs):
        colour = PATH if single else PALETTE[i % len(PALETTE)]
        name = "path" if single else (labels[i] if labels else run.optimizer)
        inside = np.all((run.points >= box[:, 0]) & (run.points <= box[:, 1]), axis=1)
        path = run.points[inside]
        path_z = np.clip(field.shade(run.losses[inside]), lo, hi)
        data += [
            go.Scatter3d(
                x=path[:, 0], y=path[:, 1], z=path_z, mode="lines+markers", name=name,
                legendgroup=name, line={"color": colour, "width": 6},
                marker={"size": 2.5, "color": colour},
            ),
            go.Scatter3d(
                x=path[-1:, 0], y=path[-1:, 1], z=path_z[-1:], mode="markers",
                name="last point", legendgroup=name, showlegend=single,
                marker={"size": 6, "color": POINT if single else colour},
            ),
        ]  # fmt: skip
    layout = {
        "height": 600,
        "margin": {"l": 0, "r": 0, "t": 30, "b": 0},
        "scene": {
            "xaxis": {"title": {"text": "x"}, "range": list(obj.domain[0])},
            "yaxis": {"title": {"text": "y"}, "range": list(obj.domain[1])},
            "zaxis": {"title": {"text": z_title}},
            "camera": {"eye": {"x": 1.5, "y": -1.5, "z": 1.0}},
        },
        "legend": {"orientation": "h", "y": 1.0, "x": 0},
    }
    return LightFigure(data, layout, (), _plain_template())


def schedule_figure(rates) -> LightFigure:
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
    return LightFigure(data, layout, (), _plain_template())


def _axis_scale(values, log: bool) -> dict:
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


def loss_figure(traj: Trajectory, *, mark_epoch: int | None = None) -> LightFigure:
    """Loss and gradient norm per epoch; log axes where the values span decades."""
    epochs = np.arange(traj.epoch + 1)
    losses = traj.losses
    norms = traj.grad_norms
    log_loss = bool(np.all(losses > 0) and losses.max() / losses.min() > 100)
    positive = norms[norms > 0]
    log_grad = bool(positive.size and positive.max() / positive.min() > 100)
    data = [
        go.Scatter(
            x=epochs,
            y=losses,
            mode="lines",
            name="loss f",
            line={"color": CURVE, "width": 2.5},
            hovertemplate="epoch %{x}<br>f = %{y:.6g}<extra></extra>",
        ),
        go.Scatter(
            x=epochs,
            y=np.where(norms > 0, norms, np.nan) if log_grad else norms,
            mode="lines",
            name="gradient size ‖∇f‖",
            yaxis="y2",
            line={"color": TANGENT, "width": 1.5, "dash": "dot"},
            hovertemplate="epoch %{x}<br>‖∇f‖ = %{y:.4g}<extra></extra>",
        ),
    ]
    shapes = []
    if mark_epoch is not None:
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": mark_epoch,
                "x1": mark_epoch,
                "y0": 0,
                "y1": 1,
                "line": {"color": POINT, "width": 1.5, "dash": "dash"},
            }
        )
    layout = {
        "height": 340,
        "margin": {"l": 60, "r": 60, "t": 30, "b": 50},
        "xaxis": {"title": {"text": "epoch"}},
        "yaxis": {"title": {"text": "loss f"}, **_axis_scale(losses, log_loss)},
        "yaxis2": {
            "title": {"text": "‖∇f‖"},
            "overlaying": "y",
            "side": "right",
            "showgrid": False,
            **_axis_scale(positive, log_grad),
        },
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        "shapes": shapes,
    }
    return LightFigure(data, layout, (), _plain_template())


# ---- races --------------------------------------------------------------------------

RACE_TRAIL = 24
#: Races animate fewer frames: every frame carries every racer.
RACE_FRAMES = 60


def _unit_arrow(tail, vector, length):
    """Tail and head of an arrow along ``vector`` with a fixed on-screen length."""
    size = float(np.linalg.norm(vector))
    if not np.isfinite(size) or size == 0:
        return None
    return tail, tail + vector / size * length


def _segments(arrows) -> dict:
    """Arrows as one NaN-separated polyline; heads get arrow markers, tails none."""
    xs, ys, sizes = [], [], []
    for arrow in arrows:
        if arrow is None:
            continue
        (x0, y0), (x1, y1) = arrow
        xs += [_round(x0), _round(x1), None]
        ys += [_round(y0), _round(y1), None]
        sizes += [0, 12, 0]
    return {"x": xs, "y": ys, "marker": {"size": sizes}}


def race_figure(trajectories, labels=None, *, max_frames: int = RACE_FRAMES) -> LightFigure:
    """Several runs on one objective, animated together, one colour per run.

    Each run shows its trail and current point and the step it actually took; shared
    traces show every run's −∇f direction (white) and, where the method has one, its
    velocity or first moment (dotted). Beside it, every run's loss per epoch.
    """
    from .race import PALETTE, velocities

    runs = list(trajectories)
    if not runs:
        raise ValueError("race_figure needs at least one trajectory")
    obj = runs[0].objective
    labels = list(labels) if labels else [r.optimizer for r in runs]
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(runs))]
    epochs = frame_epochs(max(r.epoch for r in runs), max_frames)
    if obj.dim == 1:
        backdrop, axes, (y_lo, y_hi) = _curve_backdrop(obj)
        lo, hi = np.array([obj.domain[0][0], y_lo]), np.array([obj.domain[0][1], y_hi])
        height = CURVE_HEIGHT
        side = SIDE_DOMAIN
    else:
        backdrop, axes = _field_backdrop(obj)
        lo, hi = np.array(obj.domain)[:, 0], np.array(obj.domain)[:, 1]
        height = CONTOUR_HEIGHT
        side = SIDE_DOMAIN_2D
    spans = hi - lo
    x_span = float(spans[0]) if obj.dim == 1 else float(spans.max())

    def screen(run):
        """Plot coordinates of every iterate: (x, f) on a curve, (x, y) on a map."""
        raw = np.column_stack([run.points[:, 0], run.losses]) if obj.dim == 1 else run.points
        return np.clip(raw, lo - spans, hi + spans)

    def along(vector):
        """A vector in parameter space as a plot direction (horizontal on a curve)."""
        return np.array([vector[0], 0.0]) if obj.dim == 1 else np.asarray(vector, dtype=float)

    drawn = [screen(r) for r in runs]
    moments = [velocities(r) for r in runs]
    positive = all(np.all(r.losses > 0) for r in runs)
    all_losses = np.concatenate([r.losses for r in runs])
    log_loss = bool(positive and all_losses.max() / all_losses.min() > 100)

    static = [*backdrop]
    for path, colour in zip(drawn, colours, strict=True):
        static.append(
            go.Scatter(
                x=path[:, 0].astype(np.float32),
                y=path[:, 1].astype(np.float32),
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
                hovertemplate=f"{label}<br>epoch %{{x}}<br>f = %{{y:.6g}}<extra></extra>",
            )
        )

    offset = 0.03 * (hi[1] - lo[1]) if obj.dim == 1 else 0.0
    frame_data = []
    for e in epochs:
        data, grad_arrows, moment_arrows, marks_x, marks_y = [], [], [], [], []
        for run, path, moment in zip(runs, drawn, moments, strict=True):
            k = min(int(e), run.epoch)
            seen = np.unique(np.minimum(epochs[epochs <= e], k))
            trail = trail_epochs(seen, RACE_TRAIL)
            sizes = [4] * (len(trail) - 1) + [12]
            data.append(
                {
                    "x": _typed(path[trail, 0]), "y": _typed(path[trail, 1]),
                    "marker": {"size": sizes},
                }
            )  # fmt: skip
            tail = path[k]
            step = None
            if k < run.epoch:
                step_vec = along(run.points[k + 1] - run.points[k])
                size = np.clip(np.linalg.norm(step_vec), 0.03 * x_span, 0.2 * x_span)
                step = _unit_arrow(tail, step_vec, size)
            data.append(_segments([step]))
            grad_arrows.append(_unit_arrow(tail + [0, offset], -along(run.grads[k]), 0.08 * x_span))
            if moment is not None and 0 < k <= len(moment):
                moment_arrows.append(
                    _unit_arrow(tail - [0, offset], -along(moment[k - 1]), 0.12 * x_span)
                )
            marks_x.append(k)
            marks_y.append(_round(run.losses[k]))
        data.append(_segments(grad_arrows))
        data.append(_segments(moment_arrows))
        data.append({"x": marks_x, "y": marks_y})
        frame_data.append(data)

    first = frame_data[0]
    moving = []
    for i, (colour, label) in enumerate(zip(colours, labels, strict=True)):
        moving += [
            go.Scatter(
                # on a curve the trail is dots: chords between them would cut across f
                x=drawn[i][:1, 0], y=drawn[i][:1, 1], name=label,
                mode="markers" if obj.dim == 1 else "lines+markers",
                legendgroup=label, line={"color": colour, "width": 2.5},
                marker={"size": first[2 * i]["marker"]["size"], "color": colour,
                        "line": {"color": "white", "width": 1}},
                hovertemplate=f"{label}<br>(%{{x:.4f}}, %{{y:.4f}})<extra></extra>",
            ),
            go.Scatter(
                x=first[2 * i + 1]["x"], y=first[2 * i + 1]["y"], mode="lines+markers",
                legendgroup=label, showlegend=False, line={"color": colour, "width": 3},
                marker={"symbol": "arrow", "angleref": "previous", "color": colour,
                        "size": first[2 * i + 1]["marker"]["size"]},
                hoverinfo="skip",
            ),
        ]  # fmt: skip
    n = len(runs)
    arrow_colour = "white" if obj.dim == 2 else "#7a7a7a"
    moving += [
        go.Scatter(
            x=first[2 * n]["x"], y=first[2 * n]["y"], mode="lines+markers",
            name="−∇f direction", line={"color": arrow_colour, "width": 1.5},
            marker={"symbol": "arrow", "angleref": "previous", "color": arrow_colour,
                    "size": first[2 * n]["marker"]["size"]},
            hoverinfo="skip",
        ),
        go.Scatter(
            x=first[2 * n + 1]["x"], y=first[2 * n + 1]["y"], mode="lines+markers",
            name="velocity / first moment", line={"color": "#222", "width": 1.5, "dash": "dot"},
            marker={"symbol": "arrow", "angleref": "previous", "color": "#222",
                    "size": first[2 * n + 1]["marker"]["size"]},
            hoverinfo="skip",
        ),
        go.Scatter(
            x=first[2 * n + 2]["x"], y=first[2 * n + 2]["y"], xaxis="x2", yaxis="y2",
            mode="markers", showlegend=False, hoverinfo="skip",
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
        "yaxis2": {"anchor": "x2", "title": {"text": "loss f"}, **_axis_scale(finite, log_loss)},
        "legend": {
            "orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0,
            "bgcolor": "#3b3f5c" if obj.dim == 2 else None,
            "font": {"color": "white" if obj.dim == 2 else None},
        },
    }  # fmt: skip
    return _assemble(static, moving, frame_data, epochs, layout, height)


# ---- fitting a model to data ------------------------------------------------------------

DATA = "#1d3557"
LINE = "#e63946"
RESIDUAL = "rgba(230, 57, 70, 0.45)"


FIT_DATA_DOMAIN = [0.0, 0.36]
FIT_LANDSCAPE_DOMAIN = [0.44, 0.72]
FIT_SIDE_DOMAIN = [0.8, 1.0]


def _landscape(traj, epochs):
    """The loss over the parameters (a curve for w, a map for (w, b)) with the path,
    on axes x4/y4: static traces, axes, moving traces and a per-frame function."""
    obj = traj.objective
    if obj.dim == 1:
        backdrop, axes, (y_lo, y_hi) = _curve_backdrop(obj)
        raw = np.column_stack([traj.points[:, 0], traj.losses])
        lo = np.array([obj.domain[0][0], y_lo])
        hi = np.array([obj.domain[0][1], y_hi])
    else:
        backdrop, axes = _field_backdrop(obj)
        backdrop = [t for t in backdrop if not t.marker.showscale]  # no colour bar here
        raw = traj.points
        lo, hi = np.array(obj.domain).T
        image = axes.pop("images")[0]
        axes["images"] = [{**image, "xref": "x4", "yref": "y4"}]
        axes["yaxis"]["scaleanchor"] = "x4"
    path = np.clip(raw, lo - (hi - lo), hi + (hi - lo))
    for trace in backdrop:
        trace.update(xaxis="x4", yaxis="y4", showlegend=False)
    layout = {
        "xaxis4": {**axes["xaxis"], "domain": FIT_LANDSCAPE_DOMAIN, "anchor": "y4",
                   "title": {"text": str(obj.variables[0])}},
        "yaxis4": {**axes["yaxis"], "anchor": "x4",
                   "title": {"text": "loss" if obj.dim == 1 else str(obj.variables[1])}},
    }  # fmt: skip
    if "images" in axes:
        layout["images"] = axes["images"]

    def markers(e):
        shown = trail_epochs(epochs[epochs <= e])
        return [
            {"x": _typed(path[shown, 0]), "y": _typed(path[shown, 1])},
            {"x": [_round(path[e, 0])], "y": [_round(path[e, 1])]},
        ]

    first = markers(epochs[0])
    moving = [
        go.Scatter(
            x=path[:1, 0], y=path[:1, 1], xaxis="x4", yaxis="y4", mode="lines+markers",
            showlegend=False, line={"color": PATH, "width": 2}, marker={"size": 4, "color": PATH},
            hoverinfo="skip",
        ),
        go.Scatter(
            x=first[1]["x"], y=first[1]["y"], xaxis="x4", yaxis="y4", mode="markers",
            name="parameters now", marker={"size": 12, "color": POINT,
                                           "line": {"color": "white", "width": 2}},
            hovertemplate="loss landscape<extra></extra>",
        ),
    ]  # fmt: skip
    return backdrop, layout, moving, markers


def fit_figure(traj, *, max_frames: int = MAX_FRAMES) -> LightFigure:
    """A fit, animated by epoch: the data, the model's current line and its residuals,
    beside the loss and gradient size per epoch.

    Static traces: the data, loss, ‖∇f‖; moving (in frames, in this order): fitted
    line, residuals, loss marker, ‖∇f‖ marker.
    """
    import sympy as sp

    from .objectives import X

    data = traj.dataset
    model = sp.lambdify((*data.parameters, X), data.model, modules="numpy")
    x_lo, x_hi = float(data.x.min()), float(data.x.max())
    pad = 0.08 * (x_hi - x_lo)
    line_x = np.linspace(x_lo - pad, x_hi + pad, 2)

    def predict(params, x):
        return np.broadcast_to(np.asarray(model(*params, x), dtype=float), np.shape(x))

    # Fixed axes that hold the data and the lines the fit draws (not a runaway's).
    y_lo, y_hi = float(data.y.min()), float(data.y.max())
    reach = 3 * (y_hi - y_lo or 1.0)
    with np.errstate(all="ignore"):
        lines = np.array([predict(p, line_x) for p in traj.points])
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
    frame_data = []
    for e in epochs:
        params = traj.points[e]
        fitted = np.clip(predict(params, line_x), y_range[0] - 1e6, y_range[1] + 1e6)
        guess = predict(params, data.x)
        res_x = np.column_stack([data.x, data.x, np.full(data.n, np.nan)]).ravel()
        res_y = np.column_stack([data.y, guess, np.full(data.n, np.nan)]).ravel()
        frame_data.append(
            [
                {
                    "x": [_round(v) for v in line_x],
                    "y": [_round(v) for v in fitted],
                    "customdata": [[_round(p) for p in params]] * 2,
                },
                {"x": _typed(res_x), "y": _typed(np.clip(res_y, -1e9, 1e9))},
                *land_markers(e),
                *panel_markers(e),
            ]
        )
    first = frame_data[0]
    static = [
        go.Scatter(
            x=data.x, y=data.y, mode="markers", name="data",
            marker={"size": 9, "color": DATA, "line": {"color": "white", "width": 1}},
            hovertemplate="x = %{x:.4g}<br>y = %{y:.4g}<extra>data</extra>",
        ),
        *land_static,
        *panel_static,
    ]  # fmt: skip
    moving = [
        go.Scatter(
            x=first[0]["x"], y=first[0]["y"], mode="lines", name=f"model y = {data.model}",
            line={"color": LINE, "width": 3}, customdata=first[0]["customdata"],
            hovertemplate=f"{names}<extra>model</extra>",
        ),
        go.Scatter(
            x=first[1]["x"], y=first[1]["y"], mode="lines", name="residuals",
            line={"color": RESIDUAL, "width": 2, "dash": "dot"}, hoverinfo="skip",
        ),
        *land_moving,
        *panel_moving,
    ]  # fmt: skip
    layout = {
        "xaxis": {
            "domain": FIT_DATA_DOMAIN, "title": {"text": "x"},
            "range": [x_lo - 2 * pad, x_hi + 2 * pad], "autorange": False,
        },
        "yaxis": {"title": {"text": "y"}, "range": y_range, "autorange": False},
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        **land_axes,
        **panel_axes,
    }  # fmt: skip
    for name in ("xaxis2", "xaxis3"):
        layout[name]["domain"] = FIT_SIDE_DOMAIN
    return _assemble(static, moving, frame_data, epochs, layout, CURVE_HEIGHT)


# ---- why gradients, and what a derivative is --------------------------------------------


def paths_figure(objective, paths) -> LightFigure:
    """Several recorded paths on one contour map (or curve): ``paths`` = [(label, points)]."""
    from .race import PALETTE

    if objective.dim == 2:
        backdrop, axes = _field_backdrop(objective)
        backdrop = [t for t in backdrop if not t.marker.showscale]  # room for two paths
        lo, hi = np.array(objective.domain).T
    else:
        backdrop, axes, (y_lo, y_hi) = _curve_backdrop(objective)
        lo, hi = np.array([objective.domain[0][0], y_lo]), np.array([objective.domain[0][1], y_hi])
    traces = [*backdrop]
    for i, (label, points) in enumerate(paths):
        points = np.asarray(points, dtype=float)
        if objective.dim == 1:
            points = np.column_stack([points[:, 0], objective.f(points)])
        points = np.clip(points, lo - (hi - lo), hi + (hi - lo))
        colour = PALETTE[i % len(PALETTE)]
        traces.append(
            go.Scatter(
                x=points[:, 0].astype(np.float32), y=points[:, 1].astype(np.float32),
                mode="lines+markers", name=f"{label} ({len(points) - 1} moves)",
                line={"color": colour, "width": 2.5}, marker={"size": 4, "color": colour},
            )
        )  # fmt: skip
    axes["xaxis"]["domain"] = [0.0, 1.0]
    layout = {
        **axes,
        "height": CONTOUR_HEIGHT - 80,
        "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0,
                   "bgcolor": "#3b3f5c", "font": {"color": "white"}},
    }  # fmt: skip
    return LightFigure(traces, layout, (), _plain_template())


def evaluations_figure(curves: dict, labels: dict) -> LightFigure:
    """Loss against the number of evaluations spent, log-log: ``curves["evals"]`` is the
    axis, every other key a curve named by ``labels``."""
    from .race import PALETTE

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
        "margin": {"l": 60, "r": 20, "t": 30, "b": 50},
        "xaxis": {"title": {"text": "evaluations spent"}, "type": "log", "exponentformat": "power"},
        "yaxis": {"title": {"text": "loss f"}, "type": "log", "exponentformat": "power"},
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    }
    return LightFigure(traces, layout, (), _plain_template())


def scaling_figure(scaling) -> LightFigure:
    """Evaluations to reach the tolerance against the number of parameters n, log-log,
    with the 2ⁿ count of trying every combination of ± moves as a reference."""
    from .race import PALETTE

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
        "margin": {"l": 60, "r": 20, "t": 30, "b": 50},
        "xaxis": {"title": {"text": "parameters n"}, "type": "log", "dtick": np.log10(2) * 2},
        "yaxis": {
            "title": {"text": "evaluations to reach the tolerance"}, "type": "log",
            "exponentformat": "power", "range": [0, 12],
        },
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    }  # fmt: skip
    return LightFigure(traces, layout, (), _plain_template())


def derivative_figure(objective, x: float, dx: float) -> LightFigure:
    """A 1-D curve with the secant through x and x + Δx and the tangent at x."""
    from .derivative import secant_and_tangent

    backdrop, axes, _ = _curve_backdrop(objective)
    lines = secant_and_tangent(objective, x, dx)
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
    layout = {
        **axes,
        "height": 440,
        "margin": {"l": 60, "r": 20, "t": 40, "b": 50},
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    }
    return LightFigure(traces, layout, (), _plain_template())
