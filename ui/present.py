"""Presentation mode: the app on a projector, readable from the back of a room.

Switched on by the address (``?present=1``; also true, yes or on) or by the toggle at the
top of the sidebar, which keeps the address in step so a reload (or a link sent to the
room's computer) opens in the same mode. In it the page's text and controls are larger,
captions and the advanced settings are hidden, and every chart is redrawn by
:func:`gdviz.for_projector` (larger fonts and markers, thicker lines, darker text and grid).
"""

from __future__ import annotations

import weakref

import streamlit as st

from gdviz.figures.projector import for_projector
from gdviz.links import YES

KEY = "present"  # the toggle's key and the address's parameter
ON_WORDS = frozenset(YES)  # the words a link uses for every switch

# Streamlit sizes its text and widgets in rem: a larger root font scales them all. The
# figures are scaled by for_projector; the chart element's own HTML (controls, worked
# numbers, table) follows the rem. Hidden: what a room does not need to read.
CSS = """
<style>
html { font-size: 22px; }
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
[data-testid="stCaptionContainer"], .st-key-advanced, [data-testid="stPageLink"],
[data-testid="stTooltipIcon"] { display: none !important; }
h1 { font-size: 2.2rem !important; }
.gdviz-controls { font-size: 1.2rem; gap: 0.6rem 0.9rem; }
.gdviz-play { min-width: 8rem; padding: 0.4rem 1rem; }
.gdviz-step { min-width: 3rem; padding: 0.4rem 0.7rem; }
.gdviz-epoch { height: 1.6rem; }
.gdviz-readout { font-size: 1.3rem; font-weight: 500; }
.gdviz-table table { font-size: 1.05rem; }
</style>
"""


def flag_on(value) -> bool:
    """Whether an address parameter's value switches the mode on (1, true, yes, on)."""
    return isinstance(value, str) and value.strip().lower() in ON_WORDS


def presentation_on() -> bool:
    """Whether this session is in presentation mode."""
    return bool(st.session_state.get(KEY, False))


# Figures are cached and immutable: each is projected once, for as long as it lives.
_projected: dict[int, tuple[weakref.ref, dict]] = {}


def projected(figure) -> dict:
    """:func:`gdviz.for_projector` of ``figure``, memoised per figure object."""
    entry = _projected.get(id(figure))
    if entry is not None and entry[0]() is figure:
        return entry[1]
    big = for_projector(figure)
    try:
        _projected[id(figure)] = (weakref.ref(figure), big)
        weakref.finalize(figure, _projected.pop, id(figure), None)
    except TypeError:  # a plain dict cannot be watched: not memoised
        pass
    return big


def shown(figure):
    """The figure as this session draws it: projected in presentation mode."""
    return projected(figure) if presentation_on() else figure


def _follow_toggle() -> None:
    """The toggle changed: the address says so, for a reload or a shared link."""
    if st.session_state[KEY]:
        st.query_params[KEY] = "1"
    elif KEY in st.query_params:
        del st.query_params[KEY]


def apply_presentation() -> None:
    """Called from app.py before the page runs: the mode from the address on a session's
    first run, the toggle in the sidebar, and in the mode the page's larger style."""
    state = st.session_state
    if KEY not in state:
        state[KEY] = flag_on(st.query_params.get(KEY))
    st.sidebar.toggle(
        "Presentation mode",
        key=KEY,
        on_change=_follow_toggle,
        help="For a projector: large text, thick lines, fewer controls. The address "
        "?present=1 opens the app this way.",
    )
    if state[KEY]:
        if not flag_on(st.query_params.get(KEY)):  # a new page's address starts bare
            st.query_params[KEY] = "1"
        st.html(CSS)
