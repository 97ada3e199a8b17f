"""Figures for a projector: the same figure, readable from the back of a room.

:func:`for_projector` scales every font, line and marker of a figure (its traces, its
layout and every animation frame), darkens the text and the grid, and makes room for the
larger labels. It works on the figure's JSON (a ``go.Figure`` or the plain dict gdviz's
figures are built from) and never changes the data, so a projected figure animates,
hovers and reports clicks exactly as the original does.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np

#: plotly.js's defaults, for what a figure leaves unset.
DEFAULT_FONT, DEFAULT_LINE, DEFAULT_MARKER = 12, 2, 6
#: Text on a projector: near black, for the most contrast on the figure's white paper.
INK = "#111111"
GRID, AXIS_LINE, ZERO_LINE = "#c3ccd6", "#4a4a4a", "#8995a3"
#: Where a map's legend goes: left of the map (clear of the y axis's labels), top-aligned.
MAP_LEGEND = {"orientation": "v", "x": -0.2, "xanchor": "right", "y": 1.0, "yanchor": "top"}
_AXIS = re.compile(r"^(x|y)axis\d*$")
# Parts of a figure the scaling never looks into: the template's defaults (the layout's own
# font is set instead) and gdviz's notes. Data arrays are never copied (see ``_walk``).
_SKIP = {"template", "meta"}


class Scale(NamedTuple):
    """How much larger a projected figure draws text, lines and markers."""

    font: float = 1.6
    line: float = 2.0
    marker: float = 1.6


PROJECTOR = Scale()


def for_projector(figure, scale: Scale = PROJECTOR) -> dict:
    """``figure`` as a plain dict with larger fonts, thicker lines and larger markers.

    Every ``font.size`` (tick labels, titles, legends, annotations, colour bars, hover
    labels) is multiplied by ``scale.font``, every line width (traces, shapes, marker
    outlines, arrows) by ``scale.line`` and every marker size by ``scale.marker``, in the
    traces, the layout and each animation frame; sizes a figure leaves to plotly.js's
    defaults (12 px text, 2 px lines, 6 px markers) are set, scaled. Axes get darker
    gridlines and lines, the text near-black ink, and the margins grow with the text (the
    plot area keeps its size: the height grows by what the margins add); a map that keeps
    its aspect (``layout.meta.aspect``) has its legend beside it instead of above. The
    input is not changed; data arrays are shared with it.

    >>> fig = {"data": [{"type": "scatter", "mode": "lines", "line": {"width": 2}}],
    ...        "layout": {"font": {"size": 10}}}
    >>> big = for_projector(fig)
    >>> big["data"][0]["line"]["width"], big["layout"]["font"]["size"]
    (4.0, 16.0)
    """
    spec = figure if isinstance(figure, dict) else figure.to_dict()
    out = dict(spec)
    out["data"] = [_trace(t, scale) for t in spec.get("data", ())]
    out["layout"] = _layout(dict(spec.get("layout") or {}), scale)
    if spec.get("frames"):
        out["frames"] = [_frame(f, scale) for f in spec["frames"]]
    return out


def _frame(frame: dict, scale: Scale) -> dict:
    out = dict(frame)
    if "data" in frame:
        out["data"] = [_walk(t, "", scale) for t in frame["data"]]
    if "layout" in frame:
        out["layout"] = _walk(frame["layout"], "layout", scale)
    return out


def _trace(trace: dict, scale: Scale) -> dict:
    """A trace, scaled; lines and markers left at plotly.js's default size get one."""
    out = _walk(trace, "", scale)
    kind = out.get("type", "scatter")
    if kind in ("scatter", "scattergl", "scatter3d"):
        mode = out.get("mode", "lines+markers")
        if "lines" in mode and "width" not in out.get("line", {}):
            out["line"] = {**out.get("line", {}), "width": _times(DEFAULT_LINE, scale.line)}
        if "markers" in mode and "size" not in out.get("marker", {}):
            out["marker"] = {**out.get("marker", {}), "size": _times(DEFAULT_MARKER, scale.marker)}
        if "text" in mode and "size" not in out.get("textfont", {}):
            out["textfont"] = {**out.get("textfont", {}), "size": _times(DEFAULT_FONT, scale.font)}
    return out


def _layout(layout: dict, scale: Scale) -> dict:
    out = _walk(layout, "layout", scale)
    font = dict(layout.get("font") or {})
    out["font"] = {**font, "size": _times(font.get("size", DEFAULT_FONT), scale.font), "color": INK}
    for key, axis in out.items():
        if _AXIS.match(key) and isinstance(axis, dict):
            out[key] = {
                "gridcolor": GRID, "gridwidth": 1.5, "linecolor": AXIS_LINE, "linewidth": 1.5,
                "zerolinecolor": ZERO_LINE, "ticks": "outside", "tickcolor": AXIS_LINE,
                "ticklen": 6, "tickwidth": 1.5, **axis,
            }  # fmt: skip
    meta = layout.get("meta") or {}
    if meta.get("aspect") and isinstance(out.get("legend"), dict):
        # A map keeps its aspect, so its height is what the legend's rows above it take
        # away: beside it, one entry a row, the legend costs the map nothing.
        out["legend"] = {**out["legend"], **MAP_LEGEND}
    margin = layout.get("margin")
    if isinstance(margin, dict):
        # The room gdviz's chart element takes back for its own controls (see
        # figures.controls) is not text: only the rest of the bottom margin grows.
        room = ((layout.get("meta") or {}).get("controls") or {}).get("room", 0)
        grown = {
            k: round(v + (v - (room if k == "b" else 0)) * (scale.font - 1))
            for k, v in margin.items()
            if k in ("l", "r", "t", "b") and isinstance(v, int | float)
        }
        out["margin"] = {**margin, **grown}
        if isinstance(layout.get("height"), int | float):
            added = sum(grown.get(k, 0) - margin.get(k, 0) for k in ("t", "b"))
            out["height"] = round(layout["height"] + added)
    return out


def _walk(node, key: str, scale: Scale):
    """``node`` (found under ``key``) with its sizes scaled; dicts and lists of dicts are
    copied, everything else (data arrays, lists of numbers or strings) is shared."""
    if isinstance(node, list):
        if node and isinstance(node[0], dict | list):
            return [_walk(item, key, scale) for item in node]
        return node
    if not isinstance(node, dict):
        return node
    out = {k: v if k in _SKIP else _walk(v, k, scale) for k, v in node.items()}
    if key.endswith("font") and _is_number(out.get("size")):
        out["size"] = _times(out["size"], scale.font)
    if key == "marker" and "size" in out:
        out["size"] = _times(out["size"], scale.marker)
    if key == "line" and "width" in out:  # trace lines, marker outlines, shapes
        out["width"] = _times(out["width"], scale.line)
    if "arrowwidth" in out:  # an annotation's arrow
        out["arrowwidth"] = _times(out["arrowwidth"], scale.line)
    if key == "contours":  # a surface's contour lines, per axis
        for axis in ("x", "y", "z"):
            if isinstance(out.get(axis), dict) and "width" in out[axis]:
                out[axis] = {**out[axis], "width": _times(out[axis]["width"], scale.line)}
    return out


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _times(value, factor: float):
    """A size (a number, a list of numbers or an array) times ``factor``, to a tenth of a
    pixel; anything else (a typed array in plotly's JSON form, None) unchanged."""
    if _is_number(value):
        return round(value * factor, 1)
    if isinstance(value, list | tuple) and all(_is_number(v) for v in value):
        return [round(v * factor, 1) for v in value]
    if isinstance(value, np.ndarray) and value.dtype.kind in "iuf":
        return np.round(value * factor, 1)
    return value
