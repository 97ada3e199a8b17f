"""One row of downloads under a page's main chart: the run as CSV, the figure as an HTML
page that plays offline, a PNG of its last frame and a GIF of its animation.

Each file is made only when its button is pressed (``st.download_button`` runs a callable
then, on its own thread), so a page run pays for none of them; a PNG or GIF is kept for a
few presses of the same settings. The bytes come from :mod:`gdviz.export`; pictures are
drawn by gdviz's own renderer (Pillow), so no browser is needed on the server.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping

import streamlit as st

from gdviz import export
from gdviz.render import can_render
from ui.charts import figure_json, plotly_bundle

HELP = {
    "csv": "Every epoch of the run, one row each from the start (epoch 0), numbers in full.",
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
    return export.png_bytes(_text(_figure), title=title)


@st.cache_data(max_entries=4, show_spinner=False)
def _gif(name: str, key: Hashable, title: str, _figure) -> bytes:
    return export.gif_bytes(_text(_figure), title=title)


def _text(figure):
    """A figure's JSON text (memoised by the chart element), or the figure as it is."""
    return figure if isinstance(figure, dict) else figure_json(figure)


def _columns(rows) -> Mapping:
    """Rows as columns: a mapping of name to values, or a DataFrame."""
    return rows.to_dict("list") if hasattr(rows, "to_dict") else rows


def export_row(
    figure,
    rows,
    name: str,
    key_prefix: str,
    *,
    title: str = "",
    key: Hashable = None,
    animation=None,
    label: str = "Export:",
) -> None:
    """Four download buttons in a row: CSV, HTML, PNG and GIF.

    ``figure`` is the chart as shown (its last frame becomes the PNG); ``animation``, if
    given, the figure to play in the HTML and the GIF instead (a static chart's animated
    version). ``rows`` are the run's columns (a mapping or a DataFrame). ``name`` names the
    files (``gdviz-<name>.csv``), ``title`` is written above the pictures and the page,
    ``key`` (plain values: the page's settings) keys the cached pictures; ``label`` starts
    the row. Widget keys:
    ``<key_prefix>export_csv``, ``_html``, ``_png``, ``_gif``.
    """
    moving = animation if animation is not None else figure
    drawable = can_render(_figure_dict(figure)) and can_render(_figure_dict(moving))
    drawable_html = not export.needs_full_bundle(_figure_dict(moving))
    files = f"gdviz-{name}"
    buttons: list[tuple[str, str, Callable[[], bytes | str], str, bool]] = [
        ("csv", "⬇ CSV", lambda: export.csv_text(_columns(rows)), "text/csv", False),
        (
            "html",
            "⬇ HTML (plays offline)",
            lambda: export.standalone_html(
                _text(moving), title=title, plotly_js=_plotly_js(not drawable_html)
            ),
            "text/html",
            False,
        ),
        ("png", "⬇ PNG", lambda: _png(name, key, title, figure), "image/png", not drawable),
        ("gif", "⬇ GIF", lambda: _gif(name, key, title, moving), "image/gif", not drawable),
    ]
    row = st.container(horizontal=True, key=key_prefix + "export", vertical_alignment="center")
    with row:
        st.caption(label, width="content")
        for kind, label, make, mime, disabled in buttons:
            st.download_button(
                label,
                make,
                file_name=f"{files}.{kind}",
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
