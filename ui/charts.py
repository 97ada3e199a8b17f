"""Animated Plotly figures that update in place: gdviz's own chart element.

``st.plotly_chart`` remounts a chart whenever its figure changes: a learning-rate change
redrew the whole graph and Plotly's SVG slider, 3-6x the time a bare Streamlit app takes
to settle. ``animated_chart`` mounts one plotly.js graph (a ``st.components.v2``
component, in the page's DOM) and hands it each new figure; the browser applies it with
``Plotly.react`` and plays the frames with HTML controls (Play/Pause, speed, epoch slider).

The chart loads plotly.js's official "basic" bundle (``ui/vendor/``, MIT licence): the same
plotly.js as the installed ``plotly`` package, with the scatter trace and every layout
component (all this element draws; 3-D charts use ``st.plotly_chart``), at a quarter of the
full bundle's size (1.2 MB against 4.8 MB: a second less to download and compile on a first
visit). The bundle is committed in ``static/`` (the same bytes as ``ui/vendor/``'s, so git
stores it once), which Streamlit's static file serving (``.streamlit/config.toml``) sends
at ``app/static/``: nothing is written at run time, and the app runs from a read-only
folder. If the installed plotly expects another plotly.js version, its own full bundle is
copied into ``static/`` on first use instead; where that folder cannot be written the
chart falls back to ``st.plotly_chart``, which looks and plays the same.
``preload_plotly`` (app.py) has the browser fetch and compile it while the first page runs.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import plotly.io as pio
import plotly.offline
import streamlit as st

from gdviz.figures.projector import for_projector
from gdviz.view import unslog
from ui import links
from ui.controls import START_LIMIT, slider_step
from ui.keys import on_lr_key
from ui.present import presentation_on, shown

HERE = Path(__file__).resolve().parent
STATIC = HERE.parent / "static"  # next to app.py: Streamlit serves it at app/static/
PLOTLY_VERSION = plotly.offline.get_plotlyjs_version()
#: plotly.js's "basic" bundle of the version the installed plotly writes figures for.
BASIC_BUNDLE = HERE / "vendor" / f"plotly-basic-{PLOTLY_VERSION}.min.js"


def plotly_bundle() -> tuple[str, Callable[[], str]]:
    """(file name, its text) of the plotly.js the chart loads: the basic bundle of the
    installed plotly's plotly.js version when gdviz ships it, else the full one."""
    if BASIC_BUNDLE.is_file():
        return BASIC_BUNDLE.name, BASIC_BUNDLE.read_text
    return f"plotly-{PLOTLY_VERSION}.min.js", plotly.offline.get_plotlyjs


PLOTLY_FILE, _plotly_text = plotly_bundle()
# Streamlit sends app/static/ files with Last-Modified (the file's mtime) but no
# Cache-Control and never a 304, so a browser keeps one for a tenth of its age. The name
# holds plotly.js's version, so the content never changes: a copy made at run time is dated
# 2020 and stays in a returning visitor's cache for months instead of being downloaded
# again (1.5 MB). (The committed bundle is dated by its checkout: never touched here.)
SERVED_MTIME = 1577836800  # 2020-01-01 00:00 UTC


def _provide_plotly_js() -> bool:
    """True if static/ has the plotly.js the chart loads: the committed basic bundle (read
    only), else a copy made now, once; False if that copy cannot be written."""
    target = STATIC / PLOTLY_FILE
    if target.is_file():
        return True
    try:
        STATIC.mkdir(exist_ok=True)
        # Write then rename: a second server process never serves half a file.
        with tempfile.NamedTemporaryFile("w", dir=STATIC, suffix=".part", delete=False) as out:
            out.write(_plotly_text())
        os.utime(out.name, (SERVED_MTIME, SERVED_MTIME))
        os.replace(out.name, target)
    except OSError:
        return False
    return True


def _served() -> bool:
    return bool(st.get_option("server.enableStaticServing")) and _provide_plotly_js()


_CHART_JS = (HERE / "chart.js").read_text().replace("__PLOTLY_SRC__", f"app/static/{PLOTLY_FILE}")
_chart = st.components.v2.component(
    "gdviz.chart",
    js=_CHART_JS,
    css=(HERE / "chart.css").read_text(),
    isolate_styles=False,  # plotly.js styles its graphs from the document's <head>
)
# The same script mounted without a figure only loads plotly.js (see preload_plotly). It is
# on every page, so it also carries the page's rules for st.plotly_chart's charts: on a
# phone their tool bar would sit over the legend (a touch screen has no hover to hide it).
_preload = st.components.v2.component(
    "gdviz.plotly_preload",
    js=_CHART_JS,
    css=".st-key-gdviz_plotly_preload { display: none; }\n"  # no room, no gap
    # (several lines: Streamlit takes a one-line string with "[" for a file's name)
    '@media (max-width: 640px) {\n [data-testid="stPlotlyChart"] .modebar-container'
    " { display: none; }\n}\n"
    # a worked step (x₁ = x₀ − η g₁ = … = 2.4) is wider than a phone at KaTeX's display size
    "@media (max-width: 480px) {\n .katex-display > .katex { font-size: 0.98em; }\n}\n",
    isolate_styles=False,
)

# Figures are cached and immutable: serialise each one once (and once more projected, in
# presentation mode), for as long as it lives.
# (Keyed by id: figures define __eq__ and so are unhashable.)
_json: dict[int, tuple[weakref.ref, str]] = {}
_json_projected: dict[int, tuple[weakref.ref, str]] = {}


def figure_json(figure, projector: bool = False) -> str:
    """The figure as the JSON plotly.js receives, or with ``projector`` as
    :func:`gdviz.for_projector` draws it (memoised per figure object)."""
    memo = _json_projected if projector else _json
    entry = memo.get(id(figure))
    if entry is not None and entry[0]() is figure:
        return entry[1]
    shown_figure = for_projector(figure) if projector else figure  # its text is kept, not it
    text = pio.to_json(shown_figure, validate=False, engine="orjson")
    memo[id(figure)] = (weakref.ref(figure), text)
    weakref.finalize(figure, memo.pop, id(figure), None)
    return text


def plotly_chart(figure, *, key: str, **kwargs):
    """``st.plotly_chart`` of ``figure`` as this session draws it (projected in
    presentation mode), with gdviz's own template (``theme=None``) across the column."""
    kwargs = {"theme": None, "width": "stretch", **kwargs}
    return st.plotly_chart(shown(figure), key=key, **kwargs)


def preload_plotly() -> None:
    """Have the browser start loading plotly.js now, before any chart is computed.

    On a first visit plotly.js (4.8 MB) takes about a second to download and compile:
    called at the top of the page, that overlaps the script's first run. The element
    draws nothing and takes no room; the browser loads the file once per page.
    """
    if _served():
        _preload(key="gdviz_plotly_preload", width="content", height="content")


def _payload(figure, extras: dict) -> str:
    """The component's data: the figure's memoised JSON inside a small wrapper."""
    head = json.dumps({k: v for k, v in extras.items() if v is not None})
    if figure is None:
        return head
    text = figure_json(figure, projector=presentation_on())
    return head[:-1] + ("," if len(head) > 2 else "") + '"figure":' + text + "}"


class ChartEvents(NamedTuple):
    """What a person did on the chart since the last run: a click on the plot area
    ({"x", "y"} in the axes' units, on the run right after it) and the epoch shown when
    the animation last stopped (None until reported)."""

    clicked: dict | None = None
    epoch: int | None = None


def animated_chart(
    figure,
    *,
    key: str,
    readout: list[str] | None = None,
    table: dict | None = None,
    group: str | None = None,
    clickable: bool = False,
    report_epoch: bool = False,
    lr_key: str | None = None,
) -> ChartEvents:
    """Show ``figure`` (frames and Plotly animation controls included) under ``key``.

    Reruns with a new figure update the same graph in the browser instead of replacing it,
    keeping the epoch on screen (and playing on, if it was). ``readout`` is one line of
    plain text per frame, shown under the controls; ``table`` ({columns, rows} of strings,
    one row per frame) is drawn with the current row marked; ``group`` names the epoch for
    followers (``follow_chart``, ``follow_table``). With ``clickable`` a click on the plot
    area comes back as ``ChartEvents.clicked``; with ``report_epoch`` the epoch where the
    animation stops (after Play, a step or the slider; never while playing) comes back as
    ``ChartEvents.epoch``, and each report reruns the page.

    Space, ← and → play and step the animation wherever the focus is (outside fields and
    controls). With ``lr_key`` (the session-state key of the page's η), "+" and "−" move
    that η one step along the slider's log grid (``ui.keys``) before the page reruns.
    """
    if not _served():
        plotly_chart(figure, key=key)
        if readout:
            st.caption(readout[0])
        return ChartEvents()
    if lr_key and links.locked(lr_key):  # the teacher's link holds η: no keys move it
        lr_key = None
    extras = {
        "readout": readout,
        "table": table,
        "group": group,
        "clickable": clickable or None,
        "report": report_epoch or None,
        "lr": bool(lr_key) or None,
    }
    callbacks = {"on_clicked_change": lambda: None}
    if report_epoch:
        callbacks["on_epoch_change"] = lambda: None
    if lr_key:
        callbacks["on_lr_change"] = lambda: on_lr_key(key, lr_key)
    result = _chart(data=_payload(figure, extras), key=key, height="content", **callbacks)
    epoch = result.get("epoch") if report_epoch else None
    return ChartEvents(
        result.clicked if clickable else None,
        int(epoch) if isinstance(epoch, int | float) else None,
    )


def follow_chart(figure, *, key: str, group: str) -> None:
    """An animated figure that shows the epoch of ``group``'s chart instead of its own
    controls (e.g. the loss beside the path)."""
    if not _served():
        plotly_chart(figure, key=key)
        return
    _chart(data=_payload(figure, {"follow": group}), key=key, height="content")


def follow_table(table: dict, *, key: str, group: str) -> None:
    """A table of every epoch ({columns, rows} of strings) whose row for the epoch of
    ``group``'s chart is marked and kept in view as the chart plays."""
    if not _served():
        st.dataframe(
            dict(zip(table["columns"], zip(*table["rows"], strict=True), strict=True)),
            key=key,
            hide_index=True,
        )
        return
    _chart(data=_payload(None, {"table": table, "follow": group}), key=key, height="content")


def click_to_start(objective, view, click: dict, pending: str) -> None:
    """Start the page's run where the chart was clicked: the point (in the objective's
    own coordinates, rounded to the start sliders' step for the box shown) waits under
    ``pending`` for a full run, which sets the start widgets before they are drawn (a
    drawn widget's value cannot be set)."""
    coords = [click.get("x"), click.get("y")][: objective.dim]
    if not all(isinstance(c, int | float) and math.isfinite(c) for c in coords):
        return
    values = [float(unslog(c)) if view.log else float(c) for c in coords]
    st.session_state[pending] = [
        _tidy(v, lo, hi) for v, (lo, hi) in zip(values, view.box, strict=False)
    ]
    st.rerun()


def apply_clicked_start(pending: str, prefix: str = "") -> None:
    """Called at the top of a page, before its start widgets are drawn: a start waiting
    under ``pending`` (see :func:`click_to_start`) becomes their value."""
    clicked = st.session_state.pop(pending, None)
    for name, value in zip(("x0", "y0"), clicked or (), strict=False):
        st.session_state[prefix + name] = value


def _tidy(value: float, lo: float, hi: float) -> float:
    """A clicked coordinate rounded to the start slider's step for the box shown (a click
    is no more precise than that), within the start inputs' limits (so is the box whose
    step it takes: a view out to 10³⁰⁰ would round every start to 0)."""
    step = slider_step(max(lo, -START_LIMIT), min(hi, START_LIMIT))
    value = min(max(value, -START_LIMIT), START_LIMIT)
    return float(f"{round(value / step) * step:.10g}")
