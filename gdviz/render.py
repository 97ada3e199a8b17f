"""Render: gdviz's figures drawn with Pillow, frame by frame, without a browser.

Plotly's own image export (kaleido) needs Chrome or Chromium on the server, takes 3-4 s an
image and fails where there is none. gdviz's figures use few of Plotly's parts: scatter
traces (lines, markers, text), raster fields in ``layout.images``, a colour bar, linear and
log axes, a horizontal legend, animation frames. :func:`render` draws exactly those from
the figure's own JSON (its template's colours, its axes, ranges and ticks, each frame's
data and layout), so a picture for a slide looks like the chart in the app.

Not drawn: 3-D scenes (:func:`can_render` says so), shapes, annotations, hover labels and
the animation controls (the frame's label goes in the title instead).

>>> from gdviz import descend, descent_figure
>>> image = render(descent_figure(descend("parabola", 3.0, lr=0.1, epochs=20)), frame=-1)
>>> image.mode, image.width > 500
('RGB', True)
"""

from __future__ import annotations

import base64
import io
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import plotly.io as pio
from PIL import Image, ImageColor, ImageDraw, ImageFont

from .field import colour_rgb
from .figures.base import tick_label
from .view import WIDEST

#: Width of a figure that does not set its own (about the app's chart column).
DEFAULT_WIDTH = 1000
#: Fonts looked for, in order (Plotly's own is Open Sans; these cover η, ∇, ₀, ², ★).
FONT_FILES = (
    "DejaVuSans.ttf",
    "NotoSans-Regular.ttf",
    "LiberationSans-Regular.ttf",
    "Arial.ttf",
    "arial.ttf",
)
FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/truetype/noto",
    "/usr/share/fonts/truetype/liberation",
    "/usr/share/fonts/TTF",
    "/usr/share/fonts/dejavu",
    "/Library/Fonts",
    "/System/Library/Fonts/Supplemental",
    "C:/Windows/Fonts",
)
TITLE_SIZE = 17
#: Trace types :func:`render` draws; a figure with others (surfaces, 3-D lines) cannot be.
DRAWN_TYPES = frozenset({"scatter"})


# ---- the figure as plain JSON ---------------------------------------------------------


def figure_json(figure) -> dict:
    """A figure (``go.Figure``, gdviz's ``LightFigure`` or a dict) as plain JSON data:
    numbers and lists, numpy arrays in Plotly's typed form ``{"dtype", "bdata"}``."""
    if isinstance(figure, str):
        return json.loads(figure)
    return json.loads(pio.to_json(figure, validate=False))


def array(values) -> np.ndarray:
    """Numbers of a trace attribute (a list, with None for gaps, or Plotly's typed array)
    as a float array, NaN for the gaps."""
    if isinstance(values, dict) and "bdata" in values:
        flat = np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
        shape = values.get("shape")
        if isinstance(shape, str):
            shape = tuple(int(s) for s in shape.split(","))
        return flat.reshape(shape).astype(float) if shape else flat.astype(float)
    if values is None:
        return np.array([], dtype=float)
    if np.isscalar(values):
        values = [values]
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def merged(base: dict, patch: dict) -> dict:
    """``base`` with ``patch`` laid over it, nested dicts merged (as Plotly applies a frame)."""
    out = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and "bdata" not in value:
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


def frame_state(fig: dict, frame: int | None) -> tuple[list[dict], dict]:
    """The traces and layout shown at frame ``frame`` (None: the figure as drawn first)."""
    data, layout = list(fig.get("data", [])), dict(fig.get("layout", {}))
    frames = fig.get("frames") or []
    if frame is None or not frames:
        return data, layout
    entry = frames[frame]
    for index, patch in zip(entry.get("traces", range(len(data))), entry.get("data", []),
                            strict=False):  # fmt: skip
        data[index] = merged(data[index], patch)
    if entry.get("layout"):
        layout = merged(layout, entry["layout"])
    return data, layout


def frame_labels(fig: dict) -> list[str]:
    """What each frame is called on screen: the epoch slider's prefix and step label
    ("Epoch 12"), else the frame's name."""
    frames = fig.get("frames") or []
    sliders = fig.get("layout", {}).get("sliders") or []
    if sliders and len(sliders[0].get("steps", [])) == len(frames):
        prefix = sliders[0].get("currentvalue", {}).get("prefix", "")
        return [f"{prefix}{step.get('label', '')}".strip() for step in sliders[0]["steps"]]
    return [str(f.get("name", i)) for i, f in enumerate(frames)]


def can_render(figure) -> bool:
    """Whether :func:`render` draws this figure: scatter traces only (no 3-D scene)."""
    fig = figure if isinstance(figure, dict) else figure_json(figure)
    return all(t.get("type", "scatter") in DRAWN_TYPES for t in fig.get("data", []))


# ---- colours and fonts --------------------------------------------------------------------

_RGBA = re.compile(r"rgba?\(([^)]*)\)")


@lru_cache(maxsize=512)
def colour(value, opacity: float = 1.0) -> tuple[int, int, int, int]:
    """A Plotly colour ("#ff6b35", "rgba(255,255,255,0.35)", "white") as RGBA bytes,
    its alpha times ``opacity``."""
    text = str(value).strip()
    match = _RGBA.fullmatch(text.replace(" ", ""))
    if match:
        parts = [float(p) for p in match.group(1).split(",")]
        r, g, b = (int(round(p)) for p in parts[:3])
        alpha = parts[3] if len(parts) > 3 else 1.0
    else:
        try:
            r, g, b = ImageColor.getrgb(text)[:3]
        except ValueError:
            r, g, b = 68, 68, 68
        alpha = 1.0
    return r, g, b, int(round(255 * max(0.0, min(1.0, alpha * opacity))))


@lru_cache(maxsize=1)
def font_path() -> str | None:
    """A TrueType font with the symbols gdviz writes (DejaVu Sans where installed)."""
    for folder in FONT_DIRS:
        for name in FONT_FILES:
            path = Path(folder) / name
            if path.is_file():
                return str(path)
    return None


@lru_cache(maxsize=64)
def font(size: float, bold: bool = False) -> ImageFont.ImageFont:
    """The font at ``size`` pixels: a system TrueType font, else Pillow's own."""
    path = font_path()
    if path is not None:
        if bold:
            bold_path = path.replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
            if Path(bold_path).is_file():
                path = bold_path
        return ImageFont.truetype(path, max(1, int(round(size))))
    return ImageFont.load_default(max(1, int(round(size))))


def text_size(text: str, face) -> tuple[float, float]:
    left, top, right, bottom = face.getbbox(text or " ")
    return right - left, face.size if hasattr(face, "size") else bottom - top


def plain(text) -> str:
    """Plotly's text without its little HTML (``<br>``, ``<b>``)."""
    text = "" if text is None else str(text)
    text = re.sub(r"<br\s*/?>", " ", text)
    return re.sub(r"<[^>]+>", "", text)


# ---- axes -------------------------------------------------------------------------------


@dataclass
class Axis:
    """One axis: its range in axis units (log₁₀ on a log axis) and its pixel span."""

    name: str  # "x", "x2", "y", ...
    spec: dict
    lo: float = 0.0
    hi: float = 1.0
    start: float = 0.0  # pixel of ``lo``
    end: float = 1.0  # pixel of ``hi``

    @property
    def letter(self) -> str:
        return self.name[0]

    @property
    def log(self) -> bool:
        return self.spec.get("type") == "log"

    def units(self, values) -> np.ndarray:
        values = np.asarray(values, dtype=float)
        if not self.log:
            return values
        with np.errstate(all="ignore"):
            return np.where(values > 0, np.log10(values), np.nan)

    def pixels(self, values) -> np.ndarray:
        """Pixels of data values."""
        return self.at(self.units(values))

    def at(self, units):
        """Pixels of values in axis units (log₁₀ on a log axis, as ticks are placed)."""
        span = (self.hi - self.lo) or 1.0
        share = np.asarray(units, dtype=float) / span - self.lo / span  # in parts: no overflow
        return self.start + share * (self.end - self.start)


def _axis_key(ref: str) -> str:
    """ "x2" → "xaxis2", "y" → "yaxis"."""
    return f"{ref[0]}axis{ref[1:]}"


def _ref(key: str) -> str:
    """ "xaxis2" → "x2"."""
    return key[0] + key[5:]


def _data_range(values: list[np.ndarray], log: bool) -> tuple[float, float] | None:
    finite = [v[np.isfinite(v) & ((v > 0) if log else True)] for v in values]
    finite = [v for v in finite if v.size]
    if not finite:
        return None
    joined = np.concatenate(finite)
    lo, hi = float(joined.min()), float(joined.max())
    if log:
        lo, hi = math.log10(lo), math.log10(hi)
    pad = 0.05 * hi - 0.05 * lo if hi > lo else max(abs(hi) * 0.1, 1.0)
    # within ±WIDEST (under half the largest float), so that the span is a float too
    return max(lo - pad, -WIDEST), min(hi + pad, WIDEST)


def _axes(data: list[dict], layout: dict) -> dict[str, Axis]:
    """Every axis the traces use or the layout names, with its range."""
    names = {_ref(k) for k in layout if re.fullmatch(r"[xy]axis\d*", k)}
    for trace in data:
        names |= {trace.get("xaxis", "x"), trace.get("yaxis", "y")}
    axes = {n: Axis(n, layout.get(_axis_key(n), {})) for n in sorted(names)}
    for axis in axes.values():
        given = axis.spec.get("range")
        if given and axis.spec.get("autorange") is not True and None not in given:
            axis.lo, axis.hi = float(given[0]), float(given[1])
            continue
        values = [
            array(t.get(axis.letter))
            for t in data
            if t.get(f"{axis.letter}axis", axis.letter) == axis.name and _visible(t)
        ]
        found = _data_range(values, axis.log)
        axis.lo, axis.hi = found if found else (0.0, 1.0)
    for axis in axes.values():  # axes that overlay or match another share its range
        other = axis.spec.get("matches")
        if other in axes and not axis.spec.get("range"):
            axis.lo, axis.hi = axes[other].lo, axes[other].hi
    return axes


@lru_cache(maxsize=16)
def _decoded(source: str) -> Image.Image:
    """A layout image's data URI as an RGBA picture (decoded once for every frame)."""
    return Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))).convert("RGBA")


def _visible(trace: dict) -> bool:
    return trace.get("visible", True) is True


# ---- ticks --------------------------------------------------------------------------------

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _decade(k: int) -> str:
    if -3 <= k <= 4:
        return f"{10.0**k:.{max(0, -k)}f}"
    return "10" + str(k).translate(_SUPERSCRIPT)


def ticks(axis: Axis, pixels: float) -> list[tuple[float, str]]:
    """(value in axis units, label) of the axis's ticks, as Plotly would place them:
    the figure's own tick values where it gives them, else round values."""
    spec = axis.spec
    lo, hi = sorted((axis.lo, axis.hi))
    if spec.get("showticklabels") is False and spec.get("showgrid") is False:
        return []
    values = spec.get("tickvals")
    if values is not None and spec.get("tickmode", "array") == "array":
        values = array(values)
        texts = spec.get("ticktext")
        labels = (
            [plain(t) for t in texts] if texts is not None else [_label(v, spec) for v in values]
        )
        units = axis.units(values)
        return [
            (float(u), label)
            for u, label in zip(units, labels, strict=False)
            if np.isfinite(u) and lo - 1e-9 * (hi - lo) <= u <= hi + 1e-9 * (hi - lo)
        ]
    if axis.log:
        dtick = spec.get("dtick")
        every = int(dtick) if isinstance(dtick, int | float) and dtick >= 1 else 0
        first, last = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
        if not every:
            every = max(1, math.ceil((last - first + 1) / max(2, pixels / 60)))
        return [(float(k), _decade(k)) for k in range(first, last + 1) if k % every == 0]
    if not math.isfinite(hi - lo):  # a range past the floats has no round steps
        return []
    step = auto_dtick(hi - lo, pixels, axis.letter)
    first = math.ceil(lo / step - 1e-9)
    count = int(math.floor(hi / step + 1e-9)) - first + 1
    values = [float(f"{(first + i) * step:.12g}") + 0.0 for i in range(max(count, 0))]
    return [(v, _label(v, spec)) for v in values]


def auto_dtick(span: float, pixels: float, letter: str = "x") -> float:
    """The tick spacing Plotly picks for a linear axis: about one tick per 80 pixels across
    (40 up), rounded up to 2, 5 or 10 × 10ᵏ (plotly.js autoTicks and roundDTick).

    >>> auto_dtick(29.0, 250, "y"), auto_dtick(10.0, 700, "x")
    (5.0, 2.0)
    """
    if not (math.isfinite(span) and span > 0):
        return 1.0
    ticks = max(3.0, min(10.0, pixels / (40 if letter == "y" else 80)))
    rough = span / ticks
    base = 10.0 ** math.floor(math.log10(rough))
    return base * next(m for m in (1, 2, 5, 10) if m * base >= rough * (1 - 1e-12))


def _label(value: float, spec: dict) -> str:
    if spec.get("exponentformat") == "none" and abs(value) < 1e6:
        return f"{value:.6g}".replace("-", "−")
    return tick_label(float(value))


# ---- the picture --------------------------------------------------------------------------


@dataclass
class Canvas:
    """The image being drawn, its scale (pixels per CSS pixel) and the figure's defaults."""

    image: Image.Image
    scale: float
    font_colour: str

    @property
    def draw(self) -> ImageDraw.ImageDraw:
        return ImageDraw.Draw(self.image, "RGBA")

    def face(self, size: float = 12, bold: bool = False):
        return font(size * self.scale, bold)

    def text(self, xy, text, *, size=12, fill=None, anchor="la"):
        ImageDraw.Draw(self.image, "RGBA").text(
            xy, text, font=self.face(size), fill=colour(fill or self.font_colour),
            anchor=anchor,
        )  # fmt: skip


def _dash(width: float, dash: str | None) -> list[float] | None:
    """Plotly's dash patterns (plotly.js drawing.dashStyle), in pixels."""
    if not dash or dash == "solid":
        return None
    d = max(width, 3.0)
    return {
        "dot": [d, d],
        "dash": [3 * d, 3 * d],
        "longdash": [5 * d, 5 * d],
        "dashdot": [3 * d, d, d, d],
        "longdashdot": [5 * d, 2 * d, d, 2 * d],
    }.get(dash, [3 * d, 3 * d])


def _runs(xs: np.ndarray, ys: np.ndarray) -> list[np.ndarray]:
    """The unbroken pieces of a polyline (NaN separates them) as (n, 2) arrays."""
    finite = np.isfinite(xs) & np.isfinite(ys)
    pieces, start = [], None
    for i, ok in enumerate(np.append(finite, False)):
        if ok and start is None:
            start = i
        elif not ok and start is not None:
            pieces.append(np.column_stack([xs[start:i], ys[start:i]]))
            start = None
    return pieces


def _clipped(points: np.ndarray, box) -> list[np.ndarray]:
    """The parts of a polyline's segments inside ``box`` (x0, y0, x1, y1), each as a
    2-point array (Liang-Barsky, for every segment at once)."""
    a, b = points[:-1], points[1:]
    d = b - a
    t0, t1 = np.zeros(len(a)), np.ones(len(a))
    keep = np.ones(len(a), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in ((-d[:, 0], a[:, 0] - box[0]), (d[:, 0], box[2] - a[:, 0]),
                     (-d[:, 1], a[:, 1] - box[1]), (d[:, 1], box[3] - a[:, 1])):  # fmt: skip
            t = q / p
            keep &= ~((p == 0) & (q < 0))
            t0 = np.where(p < 0, np.maximum(t0, t), t0)
            t1 = np.where(p > 0, np.minimum(t1, t), t1)
    keep &= t0 <= t1
    starts, ends = a + t0[:, None] * d, a + t1[:, None] * d
    return [np.array([p, q]) for p, q in zip(starts[keep], ends[keep], strict=True)]


def _polyline(draw, points: np.ndarray, fill, width: float, pattern, box=None) -> None:
    """A polyline, solid or dashed (``pattern``: on, off, ... lengths in pixels). Points far
    outside ``box`` (a diverging run's) are clipped first, so nothing is drawn off screen."""
    if len(points) < 2:
        return
    w = max(1, round(width))
    if box is not None and np.abs(points).max() > 4 * max(box[2], box[3], 1):
        for piece in _clipped(points, box):
            _polyline(draw, piece, fill, width, pattern)
        return
    if pattern is None:
        draw.line([tuple(p) for p in points], fill=fill, width=w, joint="curve")
        return
    on, index, left = True, 0, pattern[0]
    for a, b in zip(points[:-1], points[1:], strict=True):
        seg = b - a
        length = float(np.hypot(*seg))
        done = 0.0
        while done < length:
            piece = min(left, length - done)
            if on:
                p = a + seg * (done / length)
                q = a + seg * ((done + piece) / length)
                draw.line([tuple(p), tuple(q)], fill=fill, width=w)
            done += piece
            left -= piece
            if left <= 1e-9:
                index = (index + 1) % len(pattern)
                left = pattern[index]
                on = not on


def _star(cx, cy, r) -> list[tuple[float, float]]:
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.4
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def _marker(draw, x, y, size, fill, edge, edge_width, symbol, angle=None, scale=1.0) -> None:
    """One marker of Plotly's size (its diameter, in pixels) centred at (x, y)."""
    if size <= 0:
        return
    r = size * scale / 2
    width = max(0, round(edge_width * scale))
    symbol = str(symbol or "circle")
    if symbol == "arrow":
        if angle is None:
            return
        ux, uy = math.cos(angle), math.sin(angle)
        tip = (x + ux * r * 1.1, y + uy * r * 1.1)
        back = (x - ux * r * 0.9, y - uy * r * 0.9)
        px, py = -uy * r * 0.75, ux * r * 0.75
        draw.polygon([tip, (back[0] + px, back[1] + py), (back[0] - px, back[1] - py)], fill=fill)
    elif symbol.startswith("x"):
        w = max(1, round((edge_width or 1) * scale))
        line = edge if edge is not None else fill
        draw.line([(x - r, y - r), (x + r, y + r)], fill=line, width=w)
        draw.line([(x - r, y + r), (x + r, y - r)], fill=line, width=w)
    elif symbol == "star":
        draw.polygon(_star(x, y, r * 1.15), fill=fill, outline=edge if width else None,
                     width=width)  # fmt: skip
    elif symbol == "diamond":
        pts = [(x, y - r), (x + r, y), (x, y + r), (x - r, y)]
        draw.polygon(pts, fill=fill, outline=edge if width else None, width=width)
    elif symbol == "square":
        draw.rectangle([x - r, y - r, x + r, y + r], fill=fill,
                       outline=edge if width else None, width=width)  # fmt: skip
    else:
        draw.ellipse([x - r, y - r, x + r, y + r], fill=fill,
                     outline=edge if width else None, width=width)  # fmt: skip


def _per_point(value, n: int, default):
    """A marker attribute given once or per point, as a list of ``n``."""
    if value is None:
        return [default] * n
    if isinstance(value, dict) and "bdata" in value:
        value = array(value).tolist()
    if isinstance(value, list | tuple):
        items = list(value)
        return [items[i] if i < len(items) and items[i] is not None else default for i in range(n)]
    return [value] * n


_TEXT_ANCHOR = {"top": "b", "middle": "m", "bottom": "t"}
_TEXT_SIDE = {"left": "r", "center": "m", "right": "l"}


def _draw_trace(canvas: Canvas, layer: Image.Image, offset, trace, xa: Axis, ya: Axis, colour_of):
    """One scatter trace onto ``layer`` (whose (0, 0) is ``offset`` on the canvas)."""
    s = canvas.scale
    xs = xa.pixels(array(trace.get("x"))) - offset[0]
    ys = ya.pixels(array(trace.get("y"))) - offset[1]
    n = min(len(xs), len(ys))
    xs, ys = xs[:n], ys[:n]
    if not n:
        return
    mode = trace.get("mode") or ("lines+markers" if n < 20 else "lines")
    opacity = float(trace.get("opacity", 1.0))
    draw = ImageDraw.Draw(layer, "RGBA")  # blends translucent colours onto what is there
    line = trace.get("line") or {}
    base_colour = line.get("color") or (trace.get("marker") or {}).get("color")
    if not isinstance(base_colour, str):
        base_colour = colour_of
    if "lines" in mode:
        width = float(line.get("width", 2)) * s
        fill = colour(line.get("color") or base_colour, opacity)
        pattern = _dash(width, line.get("dash"))
        bounds = (-8.0 * s, -8.0 * s, layer.width + 8.0 * s, layer.height + 8.0 * s)
        for piece in _runs(xs, ys):
            _polyline(draw, piece, fill, width, pattern, bounds)
    if "markers" in mode:
        marker = trace.get("marker") or {}
        sizes = _per_point(marker.get("size"), n, 6)
        fills = _per_point(marker.get("color"), n, base_colour)
        edge = marker.get("line") or {}
        edges = _per_point(edge.get("color"), n, None)
        edge_width = float(edge.get("width", 0) or 0)
        symbol = marker.get("symbol", "circle")
        m_opacity = float(marker.get("opacity", 1.0)) * opacity
        previous = None
        far = 4 * max(layer.width, layer.height)
        for i in range(n):
            x, y = xs[i], ys[i]
            if not (np.isfinite(x) and np.isfinite(y)) or max(abs(x), abs(y)) > far:
                previous = None
                continue
            angle = None
            if previous is not None and (x, y) != previous:
                angle = math.atan2(y - previous[1], x - previous[0])
            fill = fills[i] if isinstance(fills[i], str) else base_colour
            _marker(
                draw, x, y, float(sizes[i] or 0), colour(fill, m_opacity),
                colour(edges[i], m_opacity) if edges[i] else None, edge_width, symbol, angle, s,
            )  # fmt: skip
            previous = (x, y)
    if "text" in mode:
        texts = _per_point(trace.get("text"), n, "")
        vertical, side = (str(trace.get("textposition", "")).split() + ["middle", "center"])[:2]
        textfont = trace.get("textfont") or {}
        size = float(textfont.get("size", 12))
        fill = textfont.get("color") or canvas.font_colour
        sizes = _per_point((trace.get("marker") or {}).get("size"), n, 6)
        face = canvas.face(size)
        far = 4 * max(layer.width, layer.height)
        for i in range(n):
            if not texts[i] or not (np.isfinite(xs[i]) and np.isfinite(ys[i])):
                continue
            if max(abs(xs[i]), abs(ys[i])) > far:
                continue
            gap = (float(sizes[i] or 0) / 2 + 2) * s if "markers" in mode else 0
            dx = {"left": -gap, "right": gap}.get(side, 0)
            dy = {"top": -gap, "bottom": gap}.get(vertical, 0)
            anchor = _TEXT_SIDE.get(side, "m") + _TEXT_ANCHOR.get(vertical, "m")
            for j, part in enumerate(str(texts[i]).split("<br>")):
                draw.text(
                    (xs[i] + dx, ys[i] + dy + j * size * 1.2 * s), plain(part), font=face,
                    fill=colour(fill, opacity), anchor=anchor,
                )  # fmt: skip


@dataclass
class Subplot:
    """A pair of axes and the pixel box they span."""

    x: Axis
    y: Axis

    @property
    def box(self) -> tuple[int, int, int, int]:
        left, right = sorted((self.x.start, self.x.end))
        top, bottom = sorted((self.y.start, self.y.end))
        return (
            int(math.floor(left)),
            int(math.floor(top)),
            int(math.ceil(right)),
            int(math.ceil(bottom)),
        )


class Renderer:
    """Draws one figure (its JSON) at any frame; the parts no frame moves are drawn once.

    ``width`` and ``height`` are the figure's size in CSS pixels (Plotly's units), ``scale``
    the output pixels per CSS pixel; ``title`` goes above the plot with the frame's label.
    """

    def __init__(self, fig: dict, *, width=None, height=None, scale=1.0, title=""):
        self.fig = fig
        self.scale = float(scale)
        self.title = plain(title)
        layout = fig.get("layout", {})
        template = (layout.get("template") or {}).get("layout", {})
        self.template = template
        self.font_colour = (layout.get("font") or template.get("font") or {}).get(
            "color", "#2a3f5f"
        )
        self.colorway = template.get("colorway") or ["#636efa", "#EF553B", "#00cc96"]
        self.labels = frame_labels(fig)
        frames = fig.get("frames") or []
        moving = {i for f in frames for i in f.get("traces", [])}
        self.moving = moving
        self.zooms = any(f.get("layout") for f in frames)
        margin = {"l": 80, "r": 80, "t": 100, "b": 80, **(layout.get("margin") or {})}
        # No animation controls in a picture: the room the figure keeps for them goes.
        meta = layout.get("meta") if isinstance(layout.get("meta"), dict) else {}
        controls = bool(layout.get("sliders") or layout.get("updatemenus"))
        room = meta.get("controls", {}).get("room", 0) if controls else 0
        margin["b"] = max(40, margin["b"] - room) if room else margin["b"]
        self.margin = margin
        self.height = float(height or layout.get("height") or 450) - room
        aspect = map_aspect(layout)
        if width is None and layout.get("width"):
            width = layout["width"]
        if width is None and aspect:
            plot = self.height - margin["t"] - margin["b"]
            width = plot * aspect + margin["l"] + margin["r"]
        self.width = float(width or DEFAULT_WIDTH)
        self.title_room = (TITLE_SIZE + 16) if self.title or self.labels else 0
        self._base: Image.Image | None = None
        self._geometry = None

    # -- sizes in output pixels
    def px(self, value: float) -> float:
        return value * self.scale

    @property
    def size(self) -> tuple[int, int]:
        return (
            int(round(self.px(self.width))),
            int(round(self.px(self.height + self.title_room))),
        )

    def frame_count(self) -> int:
        return len(self.fig.get("frames") or [])

    def _resolve(self, frame):
        if frame is None:
            return None
        n = self.frame_count()
        return None if not n else frame % n

    # -- geometry
    def _layout_axes(self, data, layout):
        axes = _axes(data, layout)
        m = self.margin
        top = self.title_room + m["t"] + self._legend_push(data, layout)
        left, right = m["l"], self.width - m["r"]
        bottom = self.title_room + self.height - m["b"]
        for axis in axes.values():
            domain = axis.spec.get("domain", [0.0, 1.0])
            overlay = axis.spec.get("overlaying")
            if overlay and _axis_key(overlay) in layout:
                domain = axes[overlay].spec.get("domain", [0.0, 1.0]) if overlay in axes else domain
            if axis.letter == "x":
                axis.start = self.px(left + domain[0] * (right - left))
                axis.end = self.px(left + domain[1] * (right - left))
            else:
                axis.start = self.px(bottom - domain[0] * (bottom - top))
                axis.end = self.px(bottom - domain[1] * (bottom - top))
        for axis in axes.values():  # equal scales: the axis with room to spare shrinks
            anchor = axis.spec.get("scaleanchor")
            if anchor not in axes:
                continue
            other = axes[anchor]
            ratio = float(axis.spec.get("scaleratio", 1.0))
            mine = abs(axis.end - axis.start) / ((axis.hi - axis.lo) or 1.0)
            theirs = abs(other.end - other.start) / ((other.hi - other.lo) or 1.0)
            wanted_mine = theirs * ratio
            if mine > wanted_mine:
                _shrink(axis, wanted_mine)
            else:
                _shrink(other, mine / ratio)
        return axes

    def _legend_push(self, data, layout) -> float:
        """How far the legend pushes the plot down when it needs more than the top margin."""
        entries = self._legend_entries(data, layout)
        if not entries:
            return 0.0
        height = self._legend_rows(entries) * 20 + 6
        room = self.margin["t"] - 4
        return max(0.0, height - room)

    def _legend_entries(self, data, layout) -> list[dict]:
        if layout.get("showlegend") is False:
            return []
        shown = [
            t
            for t in data
            if _visible(t)
            and t.get("showlegend", True)
            and t.get("name")
            and t.get("type", "scatter") == "scatter"
        ]
        explicit = any(t.get("showlegend") is True for t in data)
        if len(shown) < 2 and not explicit:
            return []
        seen, entries = set(), []
        for trace in shown:
            group = trace.get("legendgroup")
            if group and group in seen:
                continue
            seen.add(group)
            entries.append(trace)
        return entries

    def _legend_rows(self, entries) -> int:
        widths = [self._entry_width(t) for t in entries]
        available = self.width - self.margin["l"] - 10
        rows, used = 1, 0.0
        for w in widths:
            if used and used + w > available:
                rows, used = rows + 1, 0.0
            used += w
        return rows

    def _entry_width(self, trace) -> float:
        face = font(12)
        return 40 + face.getlength(plain(trace.get("name"))) + 12

    # -- drawing
    def _subplots(self, data, axes) -> list[Subplot]:
        pairs = []
        for trace in data:
            pair = (trace.get("xaxis", "x"), trace.get("yaxis", "y"))
            if pair not in pairs and pair[0] in axes and pair[1] in axes:
                pairs.append(pair)
        for name, axis in axes.items():  # axes without traces still draw their ticks
            anchor = axis.spec.get("anchor")
            if anchor in axes:
                pair = (name, anchor) if axis.letter == "x" else (anchor, name)
                if pair not in pairs:
                    pairs.append(pair)
        return [Subplot(axes[a], axes[b]) for a, b in pairs]

    def _draw_static(self, data, layout, skip=frozenset()) -> tuple[Image.Image, dict, list]:
        template = self.template
        paper = layout.get("paper_bgcolor") or template.get("paper_bgcolor", "white")
        plot_bg = layout.get("plot_bgcolor") or template.get("plot_bgcolor", "white")
        image = Image.new("RGB", self.size, colour(paper)[:3])
        canvas = Canvas(image, self.scale, self.font_colour)
        axes = self._layout_axes(data, layout)
        subplots = self._subplots(data, axes)
        draw = ImageDraw.Draw(image, "RGBA")
        for sub in subplots:
            draw.rectangle(sub.box, fill=colour(plot_bg))
        for picture in layout.get("images") or []:
            self._image(image, picture, axes)
        for axis in axes.values():
            self._grid(canvas, axis, axes)
        for index, trace in enumerate(data):
            if index in skip:
                continue
            self._trace(canvas, trace, axes, index)
        for axis in axes.values():
            self._ticks(canvas, axis, axes)
        for trace in data:
            self._colourbar(canvas, trace, axes)
        self._legend(canvas, data, layout, axes)
        return image, axes, subplots

    def _image(self, image: Image.Image, picture: dict, axes) -> None:
        source = picture.get("source", "")
        if not isinstance(source, str) or not source.startswith("data:image"):
            return
        xa, ya = axes.get(picture.get("xref", "x")), axes.get(picture.get("yref", "y"))
        if xa is None or ya is None:
            return
        raw = _decoded(source)
        x0, y0 = float(picture["x"]), float(picture["y"])
        x1, y1 = x0 + float(picture["sizex"]), y0 - float(picture["sizey"])
        (px0, px1), (py0, py1) = xa.pixels([x0, x1]), ya.pixels([y0, y1])
        box = Subplot(xa, ya).box
        w, h = px1 - px0, py1 - py0
        if w <= 0 or h <= 0:
            return
        # Only the part inside the plot: zoom levels far larger than the view stay cheap.
        cl, ct = max(px0, box[0]), max(py0, box[1])
        cr, cb = min(px1, box[2]), min(py1, box[3])
        if cr <= cl or cb <= ct:
            return
        sx, sy = raw.width / w, raw.height / h
        crop = (
            (cl - px0) * sx, (ct - py0) * sy, (cr - px0) * sx, (cb - py0) * sy,
        )  # fmt: skip
        size = (max(1, int(round(cr - cl))), max(1, int(round(cb - ct))))
        part = raw.resize(size, Image.Resampling.BILINEAR, box=crop)
        image.paste(part, (int(round(cl)), int(round(ct))), part)

    def _grid(self, canvas: Canvas, axis: Axis, axes) -> None:
        spec = axis.spec
        base = self.template.get(f"{axis.letter}axis", {})
        partner = axes.get(spec.get("anchor")) or next(
            (a for a in axes.values() if a.letter != axis.letter), None
        )
        if partner is None or spec.get("overlaying"):
            return
        draw = canvas.draw
        lo, hi = sorted((partner.start, partner.end))
        if spec.get("showgrid", True):
            grid = colour(spec.get("gridcolor") or base.get("gridcolor", "#EBF0F8"))
            for value, _ in ticks(axis, abs(axis.end - axis.start) / self.scale):
                p = float(axis.at(value))
                if axis.letter == "x":
                    draw.line([(p, lo), (p, hi)], fill=grid, width=max(1, round(self.scale)))
                else:
                    draw.line([(lo, p), (hi, p)], fill=grid, width=max(1, round(self.scale)))
        if spec.get("zeroline", True) and not axis.log and axis.lo < 0 < axis.hi:
            zero = colour(spec.get("zerolinecolor") or base.get("zerolinecolor", "#EBF0F8"))
            width = max(1, round(float(base.get("zerolinewidth", 2)) * self.scale))
            p = float(axis.pixels([0.0])[0])
            if axis.letter == "x":
                draw.line([(p, lo), (p, hi)], fill=zero, width=width)
            else:
                draw.line([(lo, p), (hi, p)], fill=zero, width=width)

    def _trace(self, canvas: Canvas, trace, axes, index) -> None:
        if not _visible(trace) or trace.get("type", "scatter") != "scatter":
            return
        xa, ya = axes.get(trace.get("xaxis", "x")), axes.get(trace.get("yaxis", "y"))
        if xa is None or ya is None:
            return
        colour_of = self.colorway[index % len(self.colorway)]
        box = Subplot(xa, ya).box
        # Lines are clipped to the plot; markers and text too unless cliponaxis is off.
        clip = trace.get("cliponaxis", True) is not False
        mode = trace.get("mode") or "lines"
        if clip or "lines" in mode:
            part = trace if clip else {**trace, "mode": "lines"}
            region = canvas.image.crop(box)  # drawn there, then put back: clipped
            _draw_trace(canvas, region, box[:2], part, xa, ya, colour_of)
            canvas.image.paste(region, box[:2])
        if not clip and ("markers" in mode or "text" in mode):
            rest = {**trace, "mode": mode.replace("lines", "").strip("+") or "markers"}
            _draw_trace(canvas, canvas.image, (0, 0), rest, xa, ya, colour_of)

    def _ticks(self, canvas: Canvas, axis: Axis, axes) -> None:
        spec = axis.spec
        s = self.scale
        partner = axes.get(spec.get("anchor")) or next(
            (a for a in axes.values() if a.letter != axis.letter), None
        )
        if partner is None:
            return
        face_size = float((spec.get("tickfont") or {}).get("size", 12))
        labels = ticks(axis, abs(axis.end - axis.start) / s)
        title = spec.get("title")
        title = plain(title.get("text") if isinstance(title, dict) else title)
        side = spec.get("side")
        if axis.letter == "x":
            edges = sorted((partner.start, partner.end))
            at = edges[0] if side == "top" else edges[1]
            widest = 0.0
            if spec.get("showticklabels", True):
                for value, label in labels:
                    p = float(axis.at(value))
                    canvas.text((p, at + 5 * s), label, size=face_size, anchor="mt")
                widest = face_size * 1.3
            if title:
                middle = (axis.start + axis.end) / 2
                canvas.text((middle, at + (10 + widest + 4) * s), title, size=14, anchor="mt")
        else:
            right = side == "right"
            at = max(partner.start, partner.end) if right else min(partner.start, partner.end)
            if spec.get("overlaying"):
                over = axes.get(spec["overlaying"])
                if over is not None:
                    at = max(partner.start, partner.end) if right else at
            widest = 0.0
            face = canvas.face(face_size)
            if spec.get("showticklabels", True):
                for value, label in labels:
                    p = float(axis.at(value))
                    if right:
                        canvas.text((at + 5 * s, p), label, size=face_size, anchor="lm")
                    else:
                        canvas.text((at - 5 * s, p), label, size=face_size, anchor="rm")
                    widest = max(widest, face.getlength(label))
            if title:
                face14 = canvas.face(14)
                w = int(face14.getlength(title)) + 4
                h = int(14 * s * 1.4)
                strip = Image.new("RGBA", (w, h))
                ImageDraw.Draw(strip).text((w / 2, h / 2), title, font=face14,
                                           fill=colour(self.font_colour), anchor="mm")  # fmt: skip
                strip = strip.rotate(90, expand=True)  # read upwards on either side, as plotly.js
                middle = (axis.start + axis.end) / 2
                gap = widest + 8 * s
                x = at - gap - strip.width if not right else at + gap
                canvas.image.paste(strip, (int(max(0, x)), int(middle - strip.height / 2)), strip)

    def _colourbar(self, canvas: Canvas, trace, axes) -> None:
        marker = trace.get("marker") or {}
        if not marker.get("showscale"):
            return
        bar = marker.get("colorbar") or {}
        s = self.scale
        cmin, cmax = float(marker.get("cmin", 0.0)), float(marker.get("cmax", 1.0))
        m = self.margin
        top = self.px(self.title_room + m["t"])
        bottom = self.px(self.title_room + self.height - m["b"])
        ya = axes.get(trace.get("yaxis", "y"))
        if ya is not None:  # the bar spans the plot it belongs to (an equal-aspect map shrinks)
            top, bottom = sorted((ya.start, ya.end))
        xa = axes.get(trace.get("xaxis", "x"))
        paper_x = float(bar.get("x", 1.02))
        x = self.px(m["l"] + paper_x * (self.width - m["l"] - m["r"]))
        if xa is not None and paper_x <= 1.0:  # next to the map's own right edge
            x = max(xa.start, xa.end) + self.px(8)
        thickness = float(bar.get("thickness", 30)) * s
        title = bar.get("title")
        title = plain(title.get("text") if isinstance(title, dict) else title)
        if title:  # above the bar, within the plot's height (the bar is shorter for it)
            canvas.text((x, top), title, size=12, anchor="lt")
            top += 24 * s
        height = int(bottom - top)
        if height <= 2:
            return
        t = np.linspace(1.0, 0.0, height)
        strip = colour_rgb(t)[:, None, :].repeat(max(1, int(thickness)), axis=1)
        canvas.image.paste(Image.fromarray(strip, "RGB"), (int(x), int(top)))
        values = array(bar.get("tickvals")) if bar.get("tickvals") is not None else np.array([])
        labels = bar.get("ticktext") or [tick_label(v) for v in values]
        for value, label in zip(values, labels, strict=False):
            if not cmin <= value <= cmax:
                continue
            y = bottom - (value - cmin) / ((cmax - cmin) or 1) * (bottom - top)
            canvas.text((x + thickness + 4 * s, y), plain(label), size=12, anchor="lm")

    def _legend(self, canvas: Canvas, data, layout, axes) -> None:
        entries = self._legend_entries(data, layout)
        if not entries:
            return
        s = self.scale
        legend = layout.get("legend") or {}
        bg = legend.get("bgcolor")
        text_colour = (legend.get("font") or {}).get("color") or self.font_colour
        rows = self._legend_rows(entries)
        height = rows * 20 + 6
        plot_top = min(min(a.start, a.end) for a in axes.values() if a.letter == "y") / s
        bottom = plot_top - 2
        top = bottom - height
        left = self.margin["l"]
        available = self.width - left - 10
        widths = [self._entry_width(t) for t in entries]
        placed, row, used = [], 0, 0.0
        for trace, w in zip(entries, widths, strict=True):
            if used and used + w > available:
                row, used = row + 1, 0.0
            placed.append((trace, left + used, top + 3 + row * 20, w))
            used += w
        right = max(x + w for _, x, _, w in placed)
        draw = canvas.draw
        if bg:
            draw.rectangle([self.px(left), self.px(top), self.px(right), self.px(bottom)],
                           fill=colour(bg))  # fmt: skip
        face = canvas.face(12)
        for trace, x, y, _ in placed:
            middle = y + 10
            mode = trace.get("mode") or "lines"
            line = trace.get("line") or {}
            marker = trace.get("marker") or {}
            opacity = float(trace.get("opacity", 1.0))
            main = line.get("color") if "lines" in mode else marker.get("color")
            if not isinstance(main, str):
                main = line.get("color") or "#444"
            if "lines" in mode:
                width = min(float(line.get("width", 2)), 5) * s
                _polyline(draw, np.array([[self.px(x + 5), self.px(middle)],
                                          [self.px(x + 35), self.px(middle)]]),
                          colour(line.get("color") or main, opacity), width,
                          _dash(width, line.get("dash")))  # fmt: skip
            if "markers" in mode or "text" in mode and "lines" not in mode:
                size = marker.get("size", 6)
                size = min(float(size if not isinstance(size, list) else max(size or [6])), 16)
                symbol = marker.get("symbol", "circle")
                edge = marker.get("line") or {}
                fill = marker.get("color")
                fill = fill if isinstance(fill, str) else main
                angle = 0.0 if symbol == "arrow" else None
                _marker(draw, self.px(x + 20), self.px(middle), size, colour(fill, opacity),
                        colour(edge["color"]) if edge.get("color") else None,
                        float(edge.get("width", 0) or 0), symbol, angle, s)  # fmt: skip
            draw.text((self.px(x + 40), self.px(middle)), plain(trace.get("name")), font=face,
                      fill=colour(text_colour), anchor="lm")  # fmt: skip

    def _title(self, image: Image.Image, frame) -> None:
        if not self.title_room:
            return
        label = self.labels[frame] if frame is not None and frame < len(self.labels) else ""
        text = " · ".join(t for t in (self.title, label) if t)
        draw = ImageDraw.Draw(image)
        face = font(self.px(TITLE_SIZE), True)
        where = (self.px(self.margin["l"]), self.px(10))
        draw.text(where, text, font=face, fill=colour(self.font_colour), anchor="la")

    def render(self, frame: int | None = -1) -> Image.Image:
        """The figure at ``frame`` (negative counts from the end; None: as first drawn)."""
        index = self._resolve(frame)
        data, layout = frame_state(self.fig, index)
        moving_last = all(
            i > j for i in self.moving for j in range(len(data)) if j not in self.moving
        )
        if self.zooms or not self.moving or not moving_last:
            image, _, _ = self._draw_static(data, layout)
        else:
            if self._base is None:
                base_data, base_layout = frame_state(self.fig, None)
                self._base, axes, _ = self._draw_static(base_data, base_layout, skip=self.moving)
                self._geometry = axes
            image = self._base.copy()
            canvas = Canvas(image, self.scale, self.font_colour)
            for i in sorted(self.moving):
                self._trace(canvas, data[i], self._geometry, i)
        self._title(image, index)
        return image


def map_aspect(layout: dict) -> float | None:
    """Width over height of a map's plot that keeps equal scales: the figure's own
    ``meta.aspect``, else its ranges where one axis is anchored to the other across the
    whole width (so a page or a picture can size the figure to the map, as the app does)."""
    meta = layout.get("meta")
    if isinstance(meta, dict) and meta.get("aspect"):
        return float(meta["aspect"])
    x, y = layout.get("xaxis") or {}, layout.get("yaxis") or {}
    if y.get("scaleanchor") != "x" or list(x.get("domain", [0, 1])) != [0, 1]:
        return None
    try:
        (x0, x1), (y0, y1) = x["range"], y["range"]
        ratio = abs(x1 - x0) / abs(y1 - y0) / float(y.get("scaleratio", 1.0))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    return float(min(max(ratio, 0.5), 2.0)) if math.isfinite(ratio) else None


def _shrink(axis: Axis, pixels_per_unit: float) -> None:
    """Shrink an axis's pixel span about its middle to ``pixels_per_unit``."""
    middle = (axis.start + axis.end) / 2
    half = (axis.hi - axis.lo) * pixels_per_unit / 2
    direction = 1 if axis.end >= axis.start else -1
    axis.start, axis.end = middle - direction * half, middle + direction * half


def render(figure, frame: int | None = -1, *, title: str = "", scale: float = 1.0, width=None,
           height=None) -> Image.Image:  # fmt: skip
    """One frame of a figure as an RGB image (``frame=-1``: the last, the whole run)."""
    fig = figure if isinstance(figure, dict) else figure_json(figure)
    if not can_render(fig):
        raise ValueError("render draws 2-D scatter figures; this one has a 3-D or other trace")
    return Renderer(fig, width=width, height=height, scale=scale, title=title).render(frame)
