"""gdviz: see gradient descent. Entry point: page config, navigation, plotly.js starting
to load while the first page computes, and presentation mode (``?present=1``)."""

import streamlit as st

from ui import links
from ui.charts import preload_plotly
from ui.present import apply_presentation

st.set_page_config(
    page_title="gdviz: see gradient descent",
    page_icon="📉",
    layout="wide",
    initial_sidebar_state="auto",  # open on a desktop, closed on a phone
)
preload_plotly()

page = st.navigation(
    position="hidden" if links.nav_hidden() else "sidebar",
    pages=[
        st.Page(
            entry.script,
            title=entry.title,
            icon=entry.icon,
            default=name == "descent",
            url_path=None if name == "descent" else name,
        )  # fmt: skip
        for name, entry in links.NAVIGATION.items()
    ],
)
apply_presentation()  # the toggle at the top of every page's sidebar
page.run()
