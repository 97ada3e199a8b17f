"""Maps drawn: a basin map (where each start's run ends) under the level sets, and a map of
settings (η × β, η × x₀) coloured by epochs to converge, with the stability boundary.

Both rasters are palette PNGs in ``layout.images``, as :mod:`gdviz.figures.backdrops` draws
fields: an image stays put during animation (heatmap traces flicker) and needs no trace
type beyond scatter. Nothing drawn is NaN or infinite: gaps in lines are ``None``.
"""

from __future__ import annotations

import base64
import io
import math

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from ..field import RASTER_SIZE, colour_rgb, sample_field
from ..maps import (
    DIVERGED,
    ELSEWHERE,
    NOT_CONVERGED,
    STATUS_WORDS,
    UNDEFINED,
    BasinMap,
    ParamMap,
    percent_text,
    point_text,
)
from ..view import view_of
from .backdrops import COLOURBAR_ROOM, map_aspect
from .base import CONTOUR_HEIGHT, LEGEND, nice_ticks, plain_ticks, static_figure, tick_label
from .descent import descent_figure
from .style import PALETTE

#: Basin colours (Okabe–Ito without black, which marks divergence).
BASIN_COLOURS = tuple(c for c in PALETTE if c != "#000000")
#: The categories that are not a minimum, each in its own grey.
CATEGORY_COLOURS = {
    ELSEWHERE: "#DDDDDD",
    NOT_CONVERGED: "#5A5A5A",  # darker than the basins' colours, to colour-blind eyes too
    DIVERGED: "#1A1A1A",
    UNDEFINED: "#FFFFFF",
}
LEVEL_LINES = {"color": "rgba(0, 0, 0, 0.35)", "width": 1}
EDGE = "#111111"
MAP_MARGIN = {"l": 60, "r": 20, "t": 40, "b": 60}
PARAM_HEIGHT = 520
#: A settings map: the run's status colours beside Viridis for the epochs to converge (a
#: dark grey: a mid grey reads as Viridis's teal to red-green colour-blind eyes).
NOT_SETTLED, DIVERGED_SETTING, NO_RUN = "#5A5A5A", "#D55E00", "#FFFFFF"
#: Share of the colour axis for epochs to converge; the categories take the rest.
EPOCH_SHARE = 0.8
#: Most hover points on a settings map per side (the raster has no hover of its own).
HOVER_SIDE = 50


def _png(index: np.ndarray, palette) -> str:
    """A palette PNG of ``index`` (rows bottom-up, as the map's y runs) as a data URI."""
    image = Image.fromarray(np.ascontiguousarray(index[::-1]).astype(np.uint8), mode="P")
    rgb = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in palette], dtype=np.uint8)
    image.putpalette(rgb.ravel().tolist())
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _image(source: str, x0: float, x1: float, y0: float, y1: float) -> dict:
    return {
        "source": source, "xref": "x", "yref": "y", "x": x0, "y": y1, "sizex": x1 - x0,
        "sizey": y1 - y0, "sizing": "stretch", "layer": "below",
    }  # fmt: skip


def _gaps(values) -> list:
    """Floats with None for each non-finite value (a line's gaps, never NaN in the JSON)."""
    return [round(float(v), 5) if math.isfinite(v) else None for v in np.asarray(values)]


# ---- basin maps ----------------------------------------------------------------------------


def _neighbours(labels: np.ndarray, m: int) -> set[tuple[int, int]]:
    """Pairs of minima whose basins touch (side by side or one above the other)."""
    pairs = set()
    for a, b in ((labels[:, :-1], labels[:, 1:]), (labels[:-1], labels[1:])):
        a, b = a.astype(np.int64), b.astype(np.int64)
        touch = (a != b) & (a < m) & (b < m)
        for code in np.unique(a[touch] * m + b[touch]):
            i, j = divmod(int(code), m)
            pairs |= {(i, j), (j, i)}
    return pairs


def basin_colours(bmap: BasinMap) -> list[str]:
    """A colour per name of the map: the objective's minima each its own (while there are
    colours), found minima coloured so touching basins differ (from the colours the listed
    minima left, where they suffice), the other categories in greys."""
    m, known = len(bmap.minima), bmap.known
    counts = np.bincount(bmap.labels.ravel().astype(np.int64), minlength=len(bmap.names))
    touching = _neighbours(bmap.labels, m)
    chosen: dict[int, int] = {i: i for i in range(min(known, len(BASIN_COLOURS)))}
    spare = [c for c in range(len(BASIN_COLOURS)) if c not in chosen.values()]
    for i in sorted(set(range(m)) - set(chosen), key=lambda i: -counts[i]):
        taken = {chosen[j] for j in range(m) if (i, j) in touching and j in chosen}
        free = [c for c in spare if c not in taken] or [
            c for c in range(len(BASIN_COLOURS)) if c not in taken
        ]
        if free:
            chosen[i] = free[0] if len(free) == 1 else min(free, key=list(chosen.values()).count)
        else:  # every colour touches: the least used among the neighbours
            chosen[i] = min(taken, key=list(chosen.values()).count)
    return [BASIN_COLOURS[chosen[i]] for i in range(m)] + [
        CATEGORY_COLOURS[n] for n in bmap.names[m:]
    ]


def _basin_image(bmap: BasinMap, colours) -> dict:
    (x0, x1), (y0, y1) = bmap.box
    return _image(_png(bmap.labels, colours), x0, x1, y0, y1)


def _legend(name: str, colour: str, symbol: str = "square") -> go.Scatter:
    return go.Scatter(
        x=[None], y=[None], mode="markers", name=name, hoverinfo="skip",
        marker={"symbol": symbol, "size": 13, "color": colour, "line": {"color": EDGE, "width": 1}},
    )  # fmt: skip


def _basin_legend(bmap: BasinMap, colours) -> list[go.Scatter]:
    """One entry per listed minimum and per category present, with its share of starts;
    the found minima as one entry (their colours repeat)."""
    counts, total = bmap.counts(), bmap.labels.size
    m = len(bmap.minima)
    entries = [
        _legend(f"{name}: {percent_text(counts[name], total)}", colours[i])
        for i, name in enumerate(bmap.names[: bmap.known])
    ]
    if bmap.found:
        share = sum(counts[n] for n in bmap.names[bmap.known : m])
        many = len(bmap.found)
        entries.append(
            _legend(
                f"{many} minim{'um' if many == 1 else 'a'} the runs found (colours repeat): "
                f"{percent_text(share, total)}",
                EDGE,
                "square-open",
            )
        )
    entries += [
        _legend(f"{name}: {percent_text(counts[name], total)}", colours[m + k])
        for k, name in enumerate(bmap.names[m:])
        if counts[name]
    ]
    return entries


def _stars(bmap: BasinMap, colours) -> list[go.Scatter]:
    """The minima inside the box: listed ones as ★, found ones as dots, in their basin's
    colour; hover says where, f there and the basin's share."""
    counts, total = bmap.counts(), bmap.labels.size
    (x0, x1), (y0, y1) = bmap.box
    f = bmap.objective.symbol
    traces = []
    for lo, hi, name, symbol, size in (
        (0, bmap.known, "minimum (★)", "star", 18),
        (bmap.known, len(bmap.minima), "found minimum (•)", "circle", 7),
    ):
        inside = [
            i for i in range(lo, hi)
            if x0 <= bmap.minima[i].point[0] <= x1 and y0 <= bmap.minima[i].point[1] <= y1
        ]  # fmt: skip
        if not inside:
            continue
        text = [
            f"{bmap.minima[i].kind} {point_text(bmap.minima[i].point)}, {f} = "
            f"{bmap.minima[i].value:.4g}<br>basin: {percent_text(counts[bmap.names[i]], total)} "
            "of the starts"
            for i in inside
        ]
        traces.append(
            go.Scatter(
                x=[bmap.minima[i].point[0] for i in inside],
                y=[bmap.minima[i].point[1] for i in inside],
                mode="markers",
                name=name,
                text=text,
                showlegend=False,
                cliponaxis=False,
                hovertemplate="%{text}<extra></extra>",
                marker={
                    "symbol": symbol,
                    "size": size,
                    "color": [colours[i] for i in inside],
                    "line": {"color": EDGE, "width": 1.5},
                },
            )  # fmt: skip
        )
    return traces


def _level_sets(bmap: BasinMap) -> go.Scatter:
    obj = bmap.objective
    same = tuple(map(tuple, obj.domain)) == tuple(map(tuple, bmap.box))
    field = sample_field(obj) if same else sample_field(obj, RASTER_SIZE, bmap.box)
    return go.Scatter(
        x=_gaps(field.iso_x), y=_gaps(field.iso_y), mode="lines", name="level sets",
        showlegend=False, line=LEVEL_LINES, hoverinfo="skip",
    )  # fmt: skip


def basin_figure(bmap: BasinMap, traj=None):
    """The basin map under the level sets of f: each pixel in the colour of where the run
    from its centre ends, the minima ★ in their basin's colour, a legend in words with each
    category's share of the starts; equal aspect (``meta.aspect``).

    With ``traj`` (a run of ``bmap.objective``, e.g. from a clicked pixel) the figure is
    that run animated (:func:`gdviz.descent_figure`) with the basin map as its background.
    A run that leaves the map for signed log axes (it diverges by decades) keeps its own
    field: the basin map has no place on those axes.
    """
    colours = basin_colours(bmap)
    if traj is not None:
        return _replay(bmap, traj, colours)
    obj = bmap.objective
    (x0, x1), (y0, y1) = bmap.box
    names = [str(v) for v in obj.variables]
    flat = {"showgrid": False, "zeroline": False, "constrain": "domain", "autorange": False}
    layout = {
        "height": CONTOUR_HEIGHT,
        "margin": MAP_MARGIN,
        "legend": LEGEND,
        "xaxis": {"title": {"text": names[0]}, "range": [x0, x1], **plain_ticks(x0, x1), **flat},
        "yaxis": {
            "title": {"text": names[1]},
            "range": [y0, y1],
            **plain_ticks(y0, y1),
            **flat,
            "scaleanchor": "x",
            "scaleratio": 1,
        },  # fmt: skip
        "images": [_basin_image(bmap, colours)],
        "meta": {"aspect": map_aspect(bmap.box)},
    }
    traces = [_level_sets(bmap), *_stars(bmap, colours), *_basin_legend(bmap, colours)]
    return static_figure(traces, layout)


def _replay(bmap: BasinMap, traj, colours):
    """descent_figure(traj) with the basin raster for background: traces restyled in place
    (frames find moving traces by position), the legend entries appended after them."""
    if traj.objective is not bmap.objective and traj.objective.slug != bmap.objective.slug:
        raise ValueError(
            f"the run is on {traj.objective.slug}, the basin map on {bmap.objective.slug}"
        )
    fig = descent_figure(traj)
    if view_of(traj).log:
        return fig
    fig.layout.images = [_basin_image(bmap, colours)]
    fig.layout.legend = LEGEND
    fig.layout.margin.r = fig.layout.margin.r - COLOURBAR_ROOM
    dark = {"trail": EDGE, "arrow": EDGE}
    for trace in fig.data:
        if trace.name == "level sets":
            trace.update(x=_gaps(trace.x), y=_gaps(trace.y), line=LEVEL_LINES)
        elif trace.marker.showscale:  # the colour bar of f: the raster is no longer f
            trace.marker.showscale = False
        elif trace.name == "minimum (★)":
            at = {tuple(np.round(p.point, 6)): i for i, p in enumerate(bmap.minima)}
            trace.marker.color = [
                colours[at.get(tuple(np.round((x, y), 6)), len(bmap.minima))]
                for x, y in zip(trace.x, trace.y, strict=True)
            ]
            trace.marker.line.color = EDGE
        elif trace.name == "saddle or maximum (×)":
            trace.marker.line.color = EDGE
        elif trace.name == "whole path (faint)":
            trace.line.color = EDGE
        elif trace.meta in dark:
            trace.line.color = dark[trace.meta]
            trace.marker.color = dark[trace.meta]
        elif trace.meta == "point":
            trace.textfont.color = EDGE
    fig.add_traces(_basin_legend(bmap, colours))
    return fig


# ---- maps of settings ----------------------------------------------------------------------


def _status_codes(pmap: ParamMap) -> tuple[np.ndarray, list[str], list[tuple[str, str]]]:
    """Palette index per cell (0..239: epochs to converge on a log scale; then one index
    per other status present), the palette, and those statuses' (word, colour)."""
    shades = 240
    epochs = max(pmap.epochs, 1)
    t = np.log1p(pmap.stop_epochs.astype(np.float64)) / math.log1p(epochs)
    index = np.round(np.clip(t, 0, 1) * (shades - 1)).astype(np.uint8)
    palette = _viridis(shades)
    others = []
    for status, colour in (
        ("max_epochs", NOT_SETTLED), ("oscillating", NOT_SETTLED),
        ("diverged", DIVERGED_SETTING), ("undefined", NO_RUN),
    ):  # fmt: skip
        where = pmap.statuses == status
        if not where.any():
            continue
        word = "not settled" if colour == NOT_SETTLED else STATUS_WORDS[status]
        if (word, colour) not in others:
            others.append((word, colour))
            palette.append(colour)
        index[where] = shades + others.index((word, colour))
    return index, palette, others


def _colour_bar(pmap: ParamMap, others) -> go.Scatter:
    """An invisible trace carrying the colour bar: epochs to converge (log scale) on the
    lower part, then a band per other status."""
    band = (1 - EPOCH_SHARE) / max(len(others), 1)
    scale = [[EPOCH_SHARE * s, c] for s, c in zip(np.linspace(0, 1, 11), _viridis(11), strict=True)]
    tickvals, ticktext = [], []
    epochs = max(pmap.epochs, 1)
    for e in [0, *nice_ticks(1, epochs, log=True, most=5)]:
        tickvals.append(EPOCH_SHARE * math.log1p(e) / math.log1p(epochs))
        ticktext.append(str(int(e)))
    for k, (word, colour) in enumerate(others):
        lo, hi = EPOCH_SHARE + k * band, EPOCH_SHARE + (k + 1) * band
        scale += [[lo, colour], [hi, colour]]
        tickvals.append((lo + hi) / 2)
        ticktext.append(word)
    if not others:
        scale[-1][0] = 1.0
    return go.Scatter(
        x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
        marker={
            "colorscale": scale, "cmin": 0.0, "cmax": 1.0 if others else EPOCH_SHARE,
            "color": [0.0], "showscale": True,
            "colorbar": {"title": {"text": "epochs to converge"}, "tickvals": tickvals,
                         "ticktext": ticktext, "thickness": 14, "x": 1.01, "xanchor": "left"},
        },
    )  # fmt: skip


def _viridis(n: int) -> list[str]:
    return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in colour_rgb(np.linspace(0, 1, n))]


def _hover(pmap: ParamMap, lx: np.ndarray) -> go.Scatter:
    """Invisible points on a coarse grid of the cells, each saying how its run ended."""
    f = pmap.objective.symbol
    rows = np.unique(np.linspace(0, len(pmap.ys) - 1, HOVER_SIDE).round().astype(int))
    cols = np.unique(np.linspace(0, len(pmap.xs) - 1, HOVER_SIDE).round().astype(int))
    x, y, text = [], [], []
    for i in rows:
        for j in cols:
            status, stop = pmap.statuses[i, j], int(pmap.stop_epochs[i, j])
            loss = float(pmap.final_losses[i, j])
            how = {
                "converged": f"converged in {stop} epochs, {f} = {loss:.4g}",
                "diverged": f"diverged at epoch {stop}",
                "oscillating": f"bouncing at epoch {stop}, {f} = {loss:.4g}",
                "max_epochs": f"not converged after {stop} epochs, {f} = {loss:.4g}",
                "undefined": f"no run: {f} has no value at the start",
            }[status]
            x.append(round(float(lx[j]), 5))
            y.append(round(float(pmap.ys[i]), 5))
            text.append(f"η = {pmap.xs[j]:.3g}<br>{pmap.y_name} = {pmap.ys[i]:.3g}<br>{how}")
    return go.Scatter(
        x=x, y=y, text=text, mode="markers", showlegend=False, name="runs",
        marker={"size": 8, "opacity": 0, "color": EDGE}, hovertemplate="%{text}<extra></extra>",
    )  # fmt: skip


def param_map_figure(pmap: ParamMap, current=None):
    """A map of settings: each cell coloured by its run's epochs to converge (Viridis, log
    scale), runs that did not settle in grey, diverged ones in vermillion (their own
    colours, never NaN); the theoretical boundary as lines over it; ``current`` (η, y)
    marked. The η axis is logarithmic (drawn in log10 η with η's values as ticks, so the
    raster and the lines share it); zoom to see the boundary's fine structure.
    """
    index, palette, others = _status_codes(pmap)
    lx = np.log10(pmap.xs)
    hx = (lx[-1] - lx[0]) / (len(lx) - 1) / 2
    hy = (pmap.ys[-1] - pmap.ys[0]) / (len(pmap.ys) - 1) / 2
    x0, x1 = float(lx[0] - hx), float(lx[-1] + hx)
    y0, y1 = float(pmap.ys[0] - hy), float(pmap.ys[-1] + hy)
    ticks = [t for t in nice_ticks(10**x0, 10**x1, log=True) if x0 <= math.log10(t) <= x1]
    traces = [_colour_bar(pmap, others), _hover(pmap, lx)]
    dashes = ("dash", "dot", "dashdot", "longdash")
    for k, ((bx, by), name) in enumerate(zip(pmap.boundary or [], pmap.boundary_names,
                                             strict=True)):  # fmt: skip
        with np.errstate(all="ignore"):
            line_x = np.log10(np.asarray(bx, dtype=float))
        traces.append(
            go.Scatter(
                x=_gaps(line_x),
                y=_gaps(by),
                mode="lines",
                name=name,
                hoverinfo="skip",
                line={"color": EDGE, "width": 2.5, "dash": dashes[k % len(dashes)]},
            )  # fmt: skip
        )
    if current is not None:
        lr, value = (float(v) for v in current)
        traces.append(
            go.Scatter(
                x=[round(math.log10(lr), 6)],
                y=[value],
                mode="markers",
                cliponaxis=False,
                name=f"current setting: η = {lr:.3g}, {pmap.y_name} = {value:.3g}",
                marker={"size": 13, "color": "white", "line": {"color": EDGE, "width": 2.5}},
                hoverinfo="skip",
            )  # fmt: skip
        )
    layout = {
        "height": PARAM_HEIGHT,
        "margin": MAP_MARGIN | {"r": MAP_MARGIN["r"] + COLOURBAR_ROOM},
        "legend": LEGEND,
        "hovermode": "closest",
        "xaxis": {
            "title": {"text": "learning rate η (log scale)"}, "range": [x0, x1],
            "autorange": False, "showgrid": False, "zeroline": False, "tickmode": "array",
            "tickvals": [math.log10(t) for t in ticks], "ticktext": [tick_label(t) for t in ticks],
        },
        "yaxis": {
            "title": {"text": pmap.y_name}, "range": [y0, y1], "autorange": False,
            "showgrid": False, "zeroline": False, **plain_ticks(y0, y1),
        },
        "images": [_image(_png(index, palette), x0, x1, y0, y1)],
    }  # fmt: skip
    return static_figure(traces, layout)
