"""The fit page's data controls, built from the registry: a data set, the arguments of
one drawn from parameters (the noisy line), or an uploaded CSV.

Keys: ``<prefix>dataset``, ``<prefix>csv``, and for a generated data set
``<prefix><first word of its slug>_<argument>`` (the noisy line's: ``fit_noisy_size``).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from gdviz import DATASETS
from ui import links
from ui.settings import setting_input

UPLOAD = "upload"


def _key(prefix: str, slug: str, name: str) -> str:
    return f"{prefix}{slug.partition('_')[0]}_{name}"


def data_source(prefix: str, on_change: Callable) -> tuple | None:
    """Pick the data; returns a plain key for ``ui.compute.load_dataset``:
    ("registry", slug), ("made", slug, ((argument, value), ...)) or ("csv", bytes), or
    None while no file is uploaded. ``on_change`` runs when the data set or the file
    changes."""
    choice = links.control(
        st.selectbox,
        "Data",
        [*DATASETS, UPLOAD],
        key=prefix + "dataset",
        on_change=on_change,
        format_func=lambda s: "Upload a CSV (x, y)" if s == UPLOAD else DATASETS[s].name,
    )
    if choice == UPLOAD:
        # a new file is new data: it resets η and the start as choosing a data set does
        upload = st.file_uploader("CSV with two numeric columns, x and y", type=["csv", "txt"],
                                  key=prefix + "csv", on_change=on_change)  # fmt: skip
        return None if upload is None else ("csv", upload.getvalue())
    data = DATASETS[choice]
    if not data.make:
        return ("registry", choice)
    arguments = tuple(
        (name, setting_input(data.settings[name], default, _key(prefix, choice, name)))
        for name, default in data.defaults.items()
    )
    return ("made", choice, arguments)
