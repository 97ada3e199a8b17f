"""Widgets for the numbers registry entries describe (:class:`gdviz.settings.Setting`)."""

from __future__ import annotations

import streamlit as st

from gdviz.settings import Setting
from ui import links


def setting_input(setting: Setting, value, key: str):
    """A number input for ``setting``, starting at ``value``: whole numbers as int."""
    return links.control(
        st.number_input,
        setting.label,
        min_value=setting.cast(setting.low),
        max_value=setting.cast(setting.high),
        value=setting.cast(value),
        step=setting.cast(setting.step),
        key=key,
        format="%d" if setting.whole else "%g",
    )
