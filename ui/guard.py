"""One part of a page failing must not take the rest down.

A page is a column of independent parts (the chart, the leaderboard, the step-by-step
explanation, the PyTorch snippet, each tab). ``with guarded("the leaderboard"):`` runs
one; if it raises, the error is logged with its traceback and the part shows a short
message where it would have been, and the page carries on with the next part.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

log = logging.getLogger("gdviz")


@contextmanager
def guarded(part: str) -> Iterator[None]:
    """Draw ``part`` (named as the user sees it: "the PyTorch snippet"); on an error, say
    so in its place instead.

    Streamlit's own control flow (``st.stop``, ``st.rerun``) is not an ``Exception`` and
    passes through.
    """
    try:
        yield
    except Exception:
        log.exception("gdviz: could not draw %s", part)
        st.error(
            f"Could not show {part}: something went wrong in gdviz (the error is logged). "
            "The rest of the page still works; another setting may show it again."
        )
