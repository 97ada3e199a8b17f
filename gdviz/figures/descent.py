"""One run, animated: a curve with its tangent and step (1-D) or a colour field with the
−∇f arrow (2-D); its 3-D surface; its loss and gradient size per epoch."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from ..descent import Trajectory
from ..field import COLORSCALE, sample_field
from ..view import frame_boxes, log_ticks, slog, view_of
from .backdrops import (
    COLOURBAR_ROOM,
    axis_scale,
    colourbar_ticks,
    curve_backdrop,
    curve_range,
    curve_samples,
    field_backdrop,
    map_aspect,
)
from .base import (
    CONTOUR_HEIGHT,
    CURVE_HEIGHT,
    LEGEND,
    MARGIN,
    MAX_FRAMES,
    array_dtype,
    assemble,
    fixed_range,
    frame_epochs,
    norm,
    rounded,
    spans_decades,
    static_figure,
    trail_epochs,
    typed,
    typed_values,
)
from .style import ARROW, CURVE, DARK_LEGEND, MINIMUM, PALETTE, PATH, POINT, TANGENT

#: The loss chart's height with room for controls it does not show (ui/chart.js gives it back).
LOSS_HEIGHT = 410


def _zoom_layouts(view, boxes, y_ranges=None) -> list[dict]:
    """Each frame's axis ranges (and, on signed log axes, its ticks) as frame layouts."""
    layouts = []
    for i, box in enumerate(boxes):
        ranges = list(box) if y_ranges is None else [box[0], y_ranges[i]]
        frame = {}
        for name, (lo, hi) in zip(("xaxis", "yaxis"), ranges, strict=True):
            frame[name] = {"range": [rounded(lo), rounded(hi)]}
            if view.log:
                frame[name] |= log_ticks(lo, hi)
        layouts.append(frame)
    return layouts


def _curve_zoom(traj, view, vy, epochs):
    """Per-frame x ranges (holding the path up to the next point) and y ranges (the curve
    over that x range and the path's f values so far), in view coordinates."""
    obj = traj.objective
    boxes = frame_boxes(view, traj.points, epochs)
    cx, cy = curve_samples(obj, view)
    y_ranges = []
    for e, ((lo, hi),) in zip(epochs, boxes, strict=True):
        inside = cy[(cx >= lo) & (cx <= hi)]
        y_ranges.append(curve_range(np.concatenate([inside, vy[: int(e) + 2]]), view.log))
    return boxes, y_ranges


def _trail(x, y, *, width: float, size: int) -> go.Scatter:
    """The path so far, which frames move (by its name, ``trail``)."""
    return go.Scatter(
        meta="trail", x=x, y=y, mode="lines+markers", name="path so far",
        line={"color": PATH, "width": width}, marker={"size": size, "color": PATH},
        hoverinfo="skip",
    )  # fmt: skip


def _arrow(name: str, data: dict, label: str, colour: str, head: int) -> go.Scatter:
    """An arrow (a line with an arrowhead at its end) that frames move, by ``name``."""
    return go.Scatter(
        meta=name, **data, mode="lines+markers", name=label, line={"color": colour, "width": 3},
        marker={"symbol": "arrow", "angleref": "previous", "size": [0, head], "color": colour},
        hoverinfo="skip",
    )  # fmt: skip


def _point(data: dict, hover: str, **text) -> go.Scatter:
    """The current point, labelled with its epoch; frames move it (``point``). Drawn
    past the axes' edge rather than cut there (so is its label)."""
    return go.Scatter(
        meta="point", **data, mode="markers+text", name="current point (epoch k)",
        hovertemplate=hover, cliponaxis=False,
        marker={"size": 14, "color": POINT, "line": {"color": "white", "width": 2}}, **text,
    )  # fmt: skip


def _whole_path(x, y, colour: str, opacity: float) -> go.Scatter:
    """The whole run, faint, for orientation while the path so far grows."""
    return go.Scatter(
        x=typed_values(x), y=typed_values(y), mode="lines", name="whole path (faint)",
        line={"color": colour, "width": 1, "dash": "dot"}, opacity=opacity, hoverinfo="skip",
    )  # fmt: skip


def _tangent(view, x: float, f: float, g: float, span: float) -> dict:
    """The tangent at (x, f) with slope g: a segment ``0.24·span`` wide on linear axes; on
    signed log axes the same line, as it looks there (a curve touching the graph), across
    x ± 60% (less where the line would cross zero)."""
    if not view.log:
        half = 0.12 * span
        return {
            "x": [rounded(x - half), rounded(x + half)],
            "y": [rounded(f - g * half), rounded(f + g * half)],
        }
    reach = 0.6 * max(abs(x), 1.0)
    if f and g:  # keep the line on f's side of zero, where signed log stays smooth
        reach = min(reach, 0.9 * abs(f / g))
    t = x + np.linspace(-1.0, 1.0, 25) * reach
    with np.errstate(all="ignore"):
        line = view.to_view(f + g * (t - x))
    keep = np.isfinite(line)
    return {"x": typed(view.to_view(t)[keep]), "y": typed(line[keep])}


def curve_figure(traj: Trajectory, *, max_frames: int = MAX_FRAMES):
    """A 1-D run: the curve, the point, its trail, the tangent and the step −η·f′(x).

    Static traces: curve, known points, whole path (faint); moving (in frames, by name):
    ``trail``, ``tangent``, ``step``, ``point``. The view follows the run (see
    :mod:`gdviz.view`): widened to the whole path when it leaves the plotting box, zooming
    out frame by frame when it diverges, on signed log axes (where the tangent line shows
    as a curve) when its growth spans decades. Loss and ‖∇f‖ per epoch are
    :func:`loss_figure`: a side panel here would make every learning-rate change redraw
    two more subplots (~30 ms in the browser, see bench/settle.py).
    """
    obj = traj.objective
    if obj.dim != 1:
        raise ValueError(f"curve_figure needs a 1-D run, {obj.slug} is {obj.dim}-D")
    sym, x_name = obj.symbol, str(obj.variables[0])
    d = f"{sym}′({x_name})"  # the derivative, as labels name it: f′(x), L′(w)
    view = view_of(traj)
    px, py, slopes = traj.points[:, 0], traj.losses, traj.grads[:, 0]
    vx, vy = view.to_view(px), view.to_view(py)
    epochs = frame_epochs(traj.epoch, max_frames)
    backdrop, axes, y_range = curve_backdrop(obj, [0.0, 1.0], view, vy)
    x_range = [float(v) for v in view.to_view(np.array(view.box[0]))]
    layouts = None
    if view.zoom:
        boxes, y_ranges = _curve_zoom(traj, view, vy, epochs)
        layouts = _zoom_layouts(view, boxes, y_ranges)
        axes["xaxis"] |= layouts[0]["xaxis"]
        axes["yaxis"] |= layouts[0]["yaxis"]
        spans = [hi - lo for ((lo, hi),) in boxes]
    else:
        spans = [x_range[1] - x_range[0]] * len(epochs)
    static = [
        *backdrop,
        _whole_path(vx, vy, PATH, 0.45),
    ]
    dtype = array_dtype(np.concatenate([vx, vy]))  # decided once for every frame's trail
    frame_data = []
    values = zip(px.tolist(), py.tolist(), slopes.tolist(), vx.tolist(), vy.tolist(), strict=True)
    values = list(values)  # plain floats: ~10x faster per frame than numpy scalars
    for e, span in zip(epochs.tolist(), spans, strict=True):
        shown = trail_epochs(epochs[epochs <= e])
        x, f, g, x_now, f_now = values[e]
        step = -traj.lr * g
        # A diverged run stopped here: the step it would take next is not drawn; nor is
        # one that would leave the floats.
        stopped = (e == traj.epoch and traj.status == "diverged") or not math.isfinite(x + step)
        head = x_now if stopped else x + step if not view.log else float(slog(x + step))
        at_x, at_f = rounded(x_now), rounded(f_now)
        frame_data.append(
            {
                "trail": {"x": typed(vx[shown], dtype), "y": typed(vy[shown], dtype)},
                "tangent": _tangent(view, x, f, g, span),
                "step": {"x": [at_x, rounded(head)], "y": [at_f, at_f]},
                "point": {
                    "x": [at_x],
                    "y": [at_f],
                    "text": [f"epoch {e}"],
                    "customdata": [[rounded(x), rounded(f), rounded(g), rounded(step)]],
                },
            }
        )
    first = frame_data[0]
    moving = [
        _trail(vx[:1], vy[:1], width=2, size=6),
        go.Scatter(
            meta="tangent",
            **first["tangent"],
            mode="lines",
            name=f"tangent (slope {d})",
            line={"color": TANGENT, "width": 2, "dash": "dash"},
            hoverinfo="skip",
        ),
        _arrow("step", first["step"], f"step −η·{d}", ARROW, 14),
        _point(
            first["point"],
            f"{x_name} = %{{customdata[0]:.6g}}<br>{sym}({x_name}) = %{{customdata[1]:.6g}}<br>"
            f"{d} = %{{customdata[2]:.6g}}<br>step −η·{d} = %{{customdata[3]:.6g}}<extra></extra>",
            textposition="top center",
        ),
    ]
    layout = {**axes, "legend": LEGEND}
    return assemble(static, moving, frame_data, epochs, layout, CURVE_HEIGHT, layouts)


def _arrow_2d(point, grad, lr, span):
    """Tail and head of the −∇f arrow: the real step −η·∇f, kept visible on screen."""
    step = -lr * grad
    size = float(norm(step))
    if not np.isfinite(size) or size == 0:
        return [point[0], point[0]], [point[1], point[1]]
    length = np.clip(size, 0.04 * span, 0.25 * span)
    head = point + step / size * length
    return [float(point[0]), float(head[0])], [float(point[1]), float(head[1])]


def contour_figure(traj: Trajectory, *, max_frames: int = MAX_FRAMES):
    """A 2-D run over its field: raster colours, iso-lines, minima, path, point, −∇f arrow.

    Static traces: iso-lines, colour bar, known points, whole path (faint); moving (in
    frames, by name): ``trail``, ``arrow``, ``point``. The view follows the run as in
    :func:`curve_figure` (on signed log axes the arrow is the step itself, to the next
    point). The figure is as wide as the equal-aspect map and its colour bar. Loss and
    ‖∇f‖ per epoch are :func:`loss_figure`.
    """
    obj = traj.objective
    if obj.dim != 2:
        raise ValueError(f"contour_figure needs a 2-D run, {obj.slug} is {obj.dim}-D")
    f, names = obj.symbol, ", ".join(str(v) for v in obj.variables)
    view = view_of(traj)
    draw = view.to_view(traj.points)
    epochs = frame_epochs(traj.epoch, max_frames)
    final = view.to_view(np.array(view.box, dtype=float))
    layouts = None
    if view.zoom:
        boxes = frame_boxes(view, traj.points, epochs, like=final)
        layouts = _zoom_layouts(view, boxes)
        spans = [max(hi - lo for lo, hi in box) for box in boxes]
        view = view.holding(boxes[-1])  # the field must cover the last (widest) frame too
    else:
        spans = [float((final[:, 1] - final[:, 0]).max())] * len(epochs)
    backdrop, axes = field_backdrop(obj, [0.0, 1.0], view=view)
    if layouts:
        axes["xaxis"] |= layouts[0]["xaxis"]
        axes["yaxis"] |= layouts[0]["yaxis"]
    static = [
        *backdrop,
        _whole_path(draw[:, 0], draw[:, 1], "white", 0.6),
    ]
    dtype = array_dtype(draw)  # decided once for every frame's trail
    frame_data = []
    for e, span in zip(epochs, spans, strict=True):
        shown = trail_epochs(epochs[epochs <= e])
        p, c = traj.points[e], draw[e]
        if view.log:
            head = draw[min(int(e) + 1, traj.epoch)]
            ax, ay = [float(c[0]), float(head[0])], [float(c[1]), float(head[1])]
        else:
            ax, ay = _arrow_2d(c, traj.grads[e], traj.lr, span)
        frame_data.append(
            {
                "trail": {"x": typed(draw[shown, 0], dtype), "y": typed(draw[shown, 1], dtype)},
                "arrow": {"x": [rounded(v) for v in ax], "y": [rounded(v) for v in ay]},
                "point": {
                    "x": [rounded(c[0])],
                    "y": [rounded(c[1])],
                    "text": [f"epoch {int(e)}"],
                    "customdata": [[rounded(v) for v in (*p, traj.losses[e], *traj.grads[e])]],
                },
            }
        )
    first = frame_data[0]
    moving = [
        _trail(draw[:1, 0], draw[:1, 1], width=2.5, size=5),
        _arrow("arrow", first["arrow"], f"step, along −∇{f}", "white", 15),
        _point(
            first["point"],
            f"({names}) = (%{{customdata[0]:.6g}}, %{{customdata[1]:.6g}})<br>{f} = "
            f"%{{customdata[2]:.6g}}<br>∇{f} = (%{{customdata[3]:.4g}}, %{{customdata[4]:.4g}})"
            "<extra></extra>",
            textposition="top right",
            textfont={"color": "white"},
        ),
    ]
    # No fixed width: the map fills its column, its height following the width at the
    # map's aspect (``meta.aspect``, applied by ui/chart.js); the colour bar sits in the
    # right margin.
    layout = {
        **axes,
        "legend": LEGEND | DARK_LEGEND,
        "margin": MARGIN | {"r": MARGIN["r"] + COLOURBAR_ROOM},
        "meta": {"aspect": map_aspect(final)},
    }
    return assemble(static, moving, frame_data, epochs, layout, CONTOUR_HEIGHT, layouts)


def descent_figure(traj: Trajectory, *, max_frames: int = MAX_FRAMES):
    """The animated figure that suits the run: a curve for 1-D, a contour map for 2-D."""
    builder = curve_figure if traj.objective.dim == 1 else contour_figure
    return builder(traj, max_frames=max_frames)


def surface_figure(traj, labels=None, *, size: int = 70):
    """A 3-D view of a 2-D run (or of several: pass a list) with the paths lying on it."""
    runs = [traj] if isinstance(traj, Trajectory) else list(traj)
    obj = runs[0].objective
    if obj.dim != 2:
        raise ValueError(f"surface_figure needs a 2-D run, {obj.slug} is {obj.dim}-D")
    view = view_of(runs, zoom=False)  # linear axes: a surface shows f itself
    field = sample_field(obj, box=view.box) if view.widened else sample_field(obj)
    step = max(1, len(field.xs) // size)
    xs, ys = field.xs[::step], field.ys[::step]
    height = field.shade(field.values[::step, ::step])
    # Heights as drawn: the grid's lowest point is the floor of every well, so minima and
    # paths sit in their wells, not under the surface (the exact minimum lies between
    # grid points, and on a log scale far below them).
    finite = height[np.isfinite(height)]
    # where f overflows over the whole box, the surface is blank and the colour scale's
    # range holds the paths
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else field.shade_range
    if not field.log:  # on linear heights the true minimum is as good as on the grid
        lo = min(lo, float(field.shade(field.floor)))
    f, (x_name, y_name) = obj.symbol, (str(v) for v in obj.variables)
    ticks, tick_text = colourbar_ticks(field)
    z_axis = {
        "title": {"text": f"height: {f}, on a log scale" if field.log else f"height: {f}"},
        "tickmode": "array",
        "tickvals": ticks,
        "ticktext": tick_text,
    }
    marks = obj.minima
    data = [
        go.Surface(
            x=xs,
            y=ys,
            z=height,
            colorscale=COLORSCALE,
            opacity=0.9,
            showscale=False,
            name=f,
            hovertemplate=f"{x_name} = %{{x:.3f}}<br>{y_name} = %{{y:.3f}}<extra></extra>",
            contours={"z": {"show": True, "usecolormap": True, "project": {"z": True}, "width": 1}},
        ),
        go.Scatter3d(
            x=[p.point[0] for p in marks],
            y=[p.point[1] for p in marks],
            z=np.clip(field.shade([p.value for p in marks]), lo, hi) if marks else [],
            mode="markers",
            name="minimum",
            text=[f"{p.kind}, {f} = {p.value:.4g}" for p in marks],
            hovertemplate="%{text}<extra></extra>",
            marker={"size": 6, "color": MINIMUM, "symbol": "diamond", "line": {"color": "#222"}},
        ),
    ]
    single = len(runs) == 1
    for i, run in enumerate(runs):
        colour = PATH if single else PALETTE[i % len(PALETTE)]
        name = "path" if single else (labels[i] if labels else run.optimizer)
        path = run.points
        path_z = np.clip(field.shade(run.losses), lo, hi)
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
            "xaxis": {"title": {"text": x_name}, "range": list(view.box[0])},
            "yaxis": {"title": {"text": y_name}, "range": list(view.box[1])},
            "zaxis": z_axis,
            "camera": {"eye": {"x": 1.5, "y": -1.5, "z": 1.0}},
        },
        "legend": {"orientation": "h", "y": 1.0, "x": 0},
    }
    return static_figure(data, layout)


def loss_figure(traj: Trajectory, *, mark_epoch: int | None = None, animated: bool = False):
    """Loss and gradient norm per epoch; log axes where the values span decades.

    ``animated``: frames move a marker (trace ``mark``) to each shown epoch, for a chart
    that follows the path's epoch (its own controls are not shown)."""
    f = traj.objective.symbol
    epochs = np.arange(traj.epoch + 1)
    losses = traj.losses
    norms = norm(traj.grads)  # without overflow in the squares: inf only past the floats
    norms = np.where(np.isfinite(norms), norms, np.nan)  # a gap, never garbage
    log_loss = bool(np.all(losses > 0) and spans_decades(losses))
    positive = norms[norms > 0]
    log_grad = spans_decades(positive)
    data = [
        go.Scatter(
            x=epochs,
            y=losses,
            mode="lines",
            name=f"loss {f}",
            line={"color": CURVE, "width": 2.5},
            hovertemplate=f"epoch %{{x}}<br>{f} = %{{y:.6g}}<extra></extra>",
        ),
        go.Scatter(
            x=epochs,
            y=np.where(norms > 0, norms, np.nan) if log_grad else norms,
            mode="lines",
            name=f"gradient size ‖∇{f}‖",
            yaxis="y2",
            line={"color": TANGENT, "width": 1.5, "dash": "dot"},
            hovertemplate=f"epoch %{{x}}<br>‖∇{f}‖ = %{{y:.4g}}<extra></extra>",
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
    last = max(traj.epoch, 1)
    layout = {
        "height": 340,
        "margin": {"l": 60, "r": 60, "t": 30, "b": 50},
        # Fixed ranges: a new run moves the data instead of redrawing the chart (ui/chart.js)
        "xaxis": {"title": {"text": "epoch"}, **fixed_range(np.array([0.0, last]), False)},
        "yaxis": {
            "title": {"text": f"loss {f}"},
            **axis_scale(losses, log_loss),
            **fixed_range(losses, log_loss),
        },
        "yaxis2": {
            "title": {"text": f"‖∇{f}‖"},
            "overlaying": "y",
            "side": "right",
            "showgrid": False,
            **axis_scale(positive, log_grad),
            **fixed_range(positive if log_grad else norms, log_grad),
        },
        "legend": LEGEND,
        "shapes": shapes,
    }
    if not animated:
        return static_figure(data, layout)
    shown = frame_epochs(traj.epoch)
    mark = go.Scatter(
        meta="mark", x=[0], y=[float(losses[0])], mode="markers", name="this epoch",
        marker={"color": POINT, "size": 11, "line": {"color": "white", "width": 1.5}},
        cliponaxis=False, hovertemplate=f"epoch %{{x}}<br>{f} = %{{y:.6g}}<extra></extra>",
    )  # fmt: skip
    frames = [{"mark": {"x": [int(e)], "y": [rounded(float(losses[e]))]}} for e in shown]
    del layout["height"], layout["margin"]
    return assemble(data, [mark], frames, shown, layout, LOSS_HEIGHT)
