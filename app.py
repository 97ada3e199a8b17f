"""gdviz: see gradient descent. Entry point: page config and navigation only."""

import streamlit as st

st.set_page_config(
    page_title="gdviz: see gradient descent",
    page_icon="📉",
    layout="wide",
    initial_sidebar_state="expanded",
)

page = st.navigation(
    [
        st.Page("views/descent.py", title="Gradient descent", icon="📉", default=True),
        st.Page("views/race.py", title="Optimizer race", icon="🏁", url_path="race"),
        st.Page("views/fit.py", title="Fit a model", icon="📈", url_path="fit"),
    ]
)
page.run()
