"""One row of downloads under a page's main chart: the run as CSV, the figure as an HTML
page that plays offline, a PNG of its last frame and a GIF of its animation.

Each file is made only when its button is pressed (``st.download_button`` runs a callable
then, on its own thread), so a page run pays for none of them; a PNG or GIF is kept for a
few presses of the same settings. The bytes come from :mod:`gdviz.export`; pictures are
drawn by gdviz's own renderer (Pillow), so no browser is needed on the server.
"""

from __future__ import annotations

from collections.abc import Hashable

import streamlit as st

from gdviz import export
from gdviz.render import can_render
from ui.charts import figure_json, plotly_bundle

HELP = {
    "csv": "The chart's numbers as a table, in full: for a run, every epoch from the start "
    "(epoch 0).",
    "html": "The chart as one web page with plotly.js inside it: opens without a network, "
    "with its own ▶ Play and epoch slider.",
    "png": "The chart at its last frame, drawn by gdviz (no browser needed), at twice the "
    "screen's resolution.",
    "gif": "The animation, frame by frame, as a looping GIF for slides (drawn by gdviz, no "
    "browser needed; it rests on the last frame).",
}
NO_PICTURE = "Pictures are drawn for the 2-D charts only: save this 3-D view as HTML."


def _plotly_js(full: bool) -> str:
    """The plotly.js a page needs: the app's basic bundle for scatter figures, else the
    full one (3-D surfaces)."""
    name, read = plotly_bundle()
    if full and "basic" in name:
        import plotly.offline

        return plotly.offline.get_plotlyjs()
    return read()


# Plain arguments key the caches (a page's own settings); the figure itself (``_figure``)
# is not hashed. A few entries each: a GIF is a few hundred kilobytes.
@st.cache_data(max_entries=4, show_spinner=False)
def _png(name: str, key: Hashable, title: str, _figure) -> bytes:
    return export.png_bytes(_text(_built(_figure)), title=title)


@st.cache_data(max_entries=4, show_spinner=False)
def _gif(name: str, key: Hashable, title: str, _figure) -> bytes:
    return export.gif_bytes(_text(_built(_figure)), title=title)


def _html(figure, title: str) -> str:
    text = _text(_built(figure))
    return export.standalone_html(
        text, title=title, plotly_js=_plotly_js(export.needs_full_bundle(text))
    )


def _csv(rows) -> str:
    rows = _built(rows)  # columns: a mapping of name to values, or a DataFrame
    return export.csv_text(rows.to_dict("list") if hasattr(rows, "to_dict") else rows)


def _built(thing):
    """A figure or rows, or what a function that makes them returns."""
    return thing() if callable(thing) else thing


def _text(figure):
    """A figure's JSON text (memoised by the chart element), or the figure as it is."""
    return figure if isinstance(figure, dict | str) else figure_json(figure)


def export_row(
    figure,
    rows,
    name: str,
    key_prefix: str,
    *,
    key: Hashable,
    title: str = "",
    animation=None,
    label: str = "Export:",
) -> None:
    """Four download buttons in a row: CSV, HTML, PNG and GIF.

    ``figure`` is the chart as shown (its last frame becomes the PNG); ``animation``, if
    given, the figure to play in the HTML and the GIF instead (a static chart's animated
    version); ``rows`` are the chart's numbers (a mapping of columns, or a DataFrame). Each
    may be given as a function that makes it: it runs when a button is pressed, so a page
    run builds nothing, and a part of the page that fails fails in its own place.
    ``name`` names the files (``gdviz-<name>.csv``); ``key`` (plain values: every setting
    the figure depends on) keys the cached pictures; ``title`` is written above the
    pictures and the page; ``label`` starts the row. Widget keys:
    ``<key_prefix>export_csv``, ``_html``, ``_png``, ``_gif``.
    """
    moving = animation if animation is not None else figure
    # A figure at hand can be checked now; one made on request is a page's 2-D chart.
    drawable = all(callable(f) or can_render(_figure_dict(f)) for f in (figure, moving))
    buttons = [
        ("csv", "⬇ CSV", lambda: _csv(rows), "text/csv", False),
        ("html", "⬇ HTML (plays offline)", lambda: _html(moving, title), "text/html", False),
        ("png", "⬇ PNG", lambda: _png(name, key, title, figure), "image/png", not drawable),
        ("gif", "⬇ GIF", lambda: _gif(name, key, title, moving), "image/gif", not drawable),
    ]
    with st.container(horizontal=True, key=key_prefix + "export", vertical_alignment="center"):
        st.caption(label, width="content")
        for kind, text, make, mime, disabled in buttons:
            st.download_button(
                text,
                make,
                file_name=f"gdviz-{name}.{kind}",
                mime=mime,
                key=f"{key_prefix}export_{kind}",
                help=NO_PICTURE if disabled else HELP[kind],
                on_click="ignore",
                disabled=disabled,
            )


def _figure_dict(figure) -> dict:
    """Just enough of a figure to tell its trace types, without serialising it."""
    if isinstance(figure, dict):
        return figure
    return {"data": [{"type": trace.type} for trace in figure.data]}
