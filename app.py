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
        st.Page("views/descent.py", title="Gradient descent", icon="📉", default=True),
        st.Page("views/lessons.py", title="Lessons", icon="🎓", url_path="lessons"),
        st.Page("views/race.py", title="Optimizer race", icon="🏁", url_path="race"),
        st.Page("views/landscape.py", title="Every learning rate", icon="🗺️", url_path="landscape"),
        st.Page("views/fit.py", title="Fit a model", icon="📈", url_path="fit"),
        st.Page("views/why.py", title="Why gradients?", icon="🎲", url_path="why"),
        st.Page("views/derivative.py", title="What is a derivative?", icon="📐", url_path="slope"),
        st.Page("views/exercises.py", title="Classic exercises", icon="📝", url_path="exercises"),
    ],
)
apply_presentation()  # the toggle at the top of every page's sidebar
page.run()
