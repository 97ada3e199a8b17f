"""What every figure shares: a figure whose heavy parts stay plain dicts, the trimmed
template, compact numbers, which epochs become frames, and the assembly of an animation.

Frames are built as plain dicts and kept that way by :class:`LightFigure`, because
validating ~200 frames through graph_objects costs ~0.4 s per build here. A moving trace
carries its name in ``meta`` (plotly keeps it, unlike ``uid``): frames are built by that
name, never by position.
"""

from __future__ import annotations

import base64
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from ..view import WIDEST
from .controls import animation_controls, controls_below, frame_duration
from .style import TEMPLATE

#: Most frames an animation carries: the slider draws a step per frame, ~0.5 ms each.
MAX_FRAMES = 100
#: Most points a frame's trail carries (older ones thinned; the faint whole path stays).
TRAIL_POINTS = 40
CURVE_HEIGHT, CONTOUR_HEIGHT = 520, 620
MARGIN = {"l": 60, "r": 20, "t": 40, "b": 120}
#: The last power of ten a float holds (10³⁰⁹ overflows): log-axis ticks stop there.
MAX_DECADE = 308
#: A horizontal legend above the plot.
LEGEND = {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0}


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
    layout = dict(template.get("layout", {}))
    # Ticks written as numbers a student reads: 10⁴ rather than "10k"; plain digits where
    # an axis sets "none" (see ``plain_ticks``).
    for axis in ("xaxis", "yaxis"):
        layout[axis] = {**layout.get(axis, {}), "exponentformat": "power"}
    return {**template, "layout": layout, "data": {t: data[t] for t in TRACE_TYPES if t in data}}


def plain_ticks(lo: float, hi: float) -> dict:
    """Axis settings that write ticks in plain digits (20000, not "20k" or 2×10⁴) while
    they fit, below 10⁶."""
    return {"exponentformat": "none"} if max(abs(lo), abs(hi)) < 1e6 else {}


def plain_template() -> dict:
    """The template, added to the layout unvalidated (validating it costs ~25 ms)."""
    return {"template": _template(TEMPLATE)}


def static_figure(traces, layout) -> LightFigure:
    """A figure without frames, in gdviz's template."""
    return LightFigure(traces, layout, (), plain_template())


def rounded(value: float) -> float:
    """Six significant digits: plenty for a screen, a third of the JSON."""
    return float(f"{value:.6g}")


def array_dtype(values) -> str:
    """float32 where it holds the values (half the bytes), else float64."""
    values = np.asarray(values, dtype=float)
    finite = np.abs(values[np.isfinite(values)])
    return "f4" if not finite.size or finite.max() < 1e30 else "f8"


def typed(values, dtype=None) -> dict:
    """A numeric array in plotly.js's compact typed-array form (float32 when it fits)."""
    dtype = dtype or array_dtype(values)
    array = np.ascontiguousarray(values, dtype=np.dtype(dtype).newbyteorder("<"))
    return {"dtype": dtype, "bdata": base64.b64encode(array.tobytes()).decode("ascii")}


def typed_values(values) -> np.ndarray:
    """An array for a trace, float32 when that holds the values (plotly encodes it)."""
    return np.asarray(values, dtype=array_dtype(values))


def norm(vectors):
    """Euclidean lengths along the last axis, without overflow in the squares: inf only
    where the length itself is past the floats (a gradient of 10²⁰⁰ has length ~10²⁰⁰)."""
    with np.errstate(over="ignore"):
        return np.hypot.reduce(np.abs(np.asarray(vectors, dtype=float)), axis=-1)


def nice_ticks(lo: float, hi: float, *, log: bool = False, most: int = 7) -> list[float]:
    """Round tick values in [lo, hi]: multiples of 1, 2 or 5 × 10ᵏ, or on a log scale
    (``lo`` > 0) 1, 2, 5 × 10ᵏ, then every decade, then every few decades.

    >>> nice_ticks(0, 2600), nice_ticks(0.02, 300, log=True)
    ([0.0, 500.0, 1000.0, 1500.0, 2000.0, 2500.0], [0.1, 1.0, 10.0, 100.0])
    """
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
        return []
    if log:
        first, last = int(np.floor(np.log10(lo))), min(int(np.ceil(np.log10(hi))), MAX_DECADE)
        for mantissas, every in (((1, 2, 5), 1), ((1,), 1), ((1,), 2), ((1,), 3), ((1,), 5)):
            ticks = [
                float(f"{m}e{k}")
                for k in range(first, last + 1)
                if k % every == 0
                for m in mantissas
                if lo <= m * 10.0**k <= hi
            ]
            if len(ticks) <= most:
                return ticks
        every = int(np.ceil((last - first) / most))
        return [10.0**k for k in range(first, last + 1) if k % every == 0 and lo <= 10.0**k <= hi]
    # the span's decades (from its half's where the span is past the floats)
    span = float(hi) - float(lo)
    decades = np.log10(span) if np.isfinite(span) else np.log10(hi / 2 - lo / 2) + np.log10(2.0)
    top = int(np.floor(decades))
    steps = (m * 10.0**k for k in range(top - 2, min(top + 2, MAX_DECADE + 1)) for m in (1, 2, 5))
    # The finest round step that gives at most ``most`` ticks.
    step = next(d for d in steps if np.isfinite(d) and np.floor(hi / d) - np.ceil(lo / d) < most)
    first = np.ceil(lo / step)
    # every multiple of the step in [lo, hi], counted in steps (the span may pass the floats)
    count = int(np.ceil((hi + step * 1e-9) / step - first))
    return [float(f"{(first + i) * step:.12g}") + 0.0 for i in range(count)]


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def tick_label(value: float) -> str:
    """A tick's number as a person writes it: 2500, 0.05, 5.01, or 10⁻⁶ and 2 × 10⁶ when
    plain digits would not fit.

    >>> [tick_label(v) for v in (2500.0, 0.05, 5.01, 1e-6, 2e6, -0.0)]
    ['2500', '0.05', '5.01', '10⁻⁶', '2 × 10⁶', '0']
    """
    if value == 0 or not np.isfinite(value):
        return "0" if value == 0 else str(value)
    if 1e-3 <= abs(value) < 1e5:
        return f"{value:.6g}".replace("-", "−")
    mantissa, exponent = f"{value:.2e}".split("e")
    power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
    mantissa = f"{float(mantissa):g}"
    if mantissa in ("1", "-1"):
        return power if mantissa == "1" else "−" + power
    return f"{mantissa} × {power}".replace("-", "−")


def fixed_range(values, log: bool) -> dict:
    """A fixed axis range holding the finite values (in log10 units on a log axis), with a
    little room on both sides; none (autorange) when there is nothing finite to hold. Its
    span stays a float: values past ±``WIDEST`` (8 × 10³⁰⁷) lie beyond it."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values) & ((values > 0) if log else True)]
    if not values.size:
        return {}
    lo, hi = float(values.min()), float(values.max())
    if log:
        lo, hi = np.log10(lo), np.log10(hi)
    pad = 0.04 * hi - 0.04 * lo or 0.05 * max(abs(hi), 1.0)  # a span past the floats is not
    lo, hi = max(lo - pad, -WIDEST), min(hi + pad, WIDEST)  # nor is the range's
    return {"range": [rounded(lo), rounded(hi)], "autorange": False}


def spans_decades(values, decades: float = 2.0) -> bool:
    """Whether the finite positive ``values`` span more than ``decades`` decades (their
    largest over their smallest is above 100 by default), without overflow in the ratio."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    return bool(values.size and np.log10(values.max()) - np.log10(values.min()) > decades)


def frame_epochs(epoch: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """Epochs shown as frames: all of 0..epoch, or ``max_frames`` evenly spread, ends kept."""
    if epoch + 1 <= max_frames:
        return np.arange(epoch + 1)
    return np.unique(np.round(np.linspace(0, epoch, max_frames)).astype(int))


def trail_epochs(shown: np.ndarray, limit: int = TRAIL_POINTS) -> np.ndarray:
    """The frame epochs a trail passes through: all of them, or the recent half of
    ``limit`` exactly plus the older ones thinned, so frames stay small."""
    if len(shown) <= limit:
        return shown
    recent = limit // 2
    older = shown[:-recent]
    keep = older[np.round(np.linspace(0, len(older) - 1, limit - recent)).astype(int)]
    return np.concatenate([keep, shown[-recent:]])


def trace_index(traces, name: str) -> int:
    """Position of the moving trace called ``name`` (its ``meta``); traces may be objects
    or dicts."""
    for i, trace in enumerate(traces):
        if (trace.get("meta") if isinstance(trace, dict) else trace.meta) == name:
            return i
    raise KeyError(f"no trace named {name!r}")


def assemble(static, moving, frame_data, epochs, layout, height, frame_layouts=None, *,
             labels=None, prefix: str = "Epoch ", duration: int | None = None):  # fmt: skip
    """An animation: static traces first, then the moving ones (each named in ``meta``).

    ``frame_data[i]`` maps a moving trace's name to its data at ``epochs[i]``; each frame
    names its epoch and touches only the traces it moves, found by name. ``frame_layouts``
    (optional) gives each frame's layout changes, such as axis ranges that follow the run.
    Frames that are not epochs (a shrinking Δx) are named by ``labels``, shown after
    ``prefix``; ``duration`` (ms per frame) replaces the one that plays a run in ~6 s.
    """
    traces = [*static, *moving]
    index = {name: trace_index(traces, name) for name in frame_data[0]}  # once, not per frame
    names = [str(v) for v in labels] if labels is not None else [str(int(e)) for e in epochs]
    frames = []
    for i, (_, data) in enumerate(zip(epochs, frame_data, strict=True)):
        frame = {
            "name": names[i],
            "traces": [index[name] for name in data],
            "data": list(data.values()),
        }
        if frame_layouts is not None:
            frame["layout"] = frame_layouts[i]
        frames.append(frame)
    below = controls_below(height, MARGIN)
    layout = {"height": height, "margin": MARGIN, **layout}
    # The controls stay plain too: validating a slider step per frame took ~25 ms a figure.
    steps = names if labels is not None else [int(e) for e in epochs]
    ms = duration if duration is not None else frame_duration(len(epochs))
    controls = animation_controls(steps, ms, below, prefix)
    if "meta" in layout:  # the figure's own notes beside the controls' room
        controls["meta"] = layout.pop("meta") | controls["meta"]
    return LightFigure(traces, layout, frames, plain_template() | controls)
