"""What is a derivative? The secant's slope approaching the tangent's."""

import pandas as pd
import streamlit as st

from gdviz import OBJECTIVES
from ui import controls
from ui.compute import slope_chart, slope_table, slope_words
from ui.guard import guarded

P = "slope_"
CURVES = [s for s, o in OBJECTIVES.items() if o.dim == 1]

with st.sidebar:
    st.header("Settings")
    slug = st.selectbox(
        "Curve",
        CURVES,
        key=P + "objective",
        format_func=lambda s: f"{OBJECTIVES[s].name}: {OBJECTIVES[s].formula}",
    )
    objective = OBJECTIVES[slug]
    lo, hi = objective.domain[0]
    x = controls.start_input("x", P + "x", (lo, hi), 1.0 if lo <= 1.0 <= hi else objective.start[0])
    dx = st.select_slider("Δx", options=(2.0, 1.0, 0.5, 0.1, 0.01, 0.001), value=1.0,
                          key=P + "dx")  # fmt: skip

st.title("What is a derivative?")
st.markdown(
    "The slope of the **secant** through (x, f(x)) and (x + Δx, f(x + Δx)) is Δy/Δx. Shrink "
    "Δx and it approaches the slope of the **tangent**: the derivative f′(x)."
)
st.latex(f"f(x) = {objective.latex}")
try:
    rows = slope_table(slug, x)
except ValueError as error:
    st.error(f"Cannot draw this: {error}")
    st.stop()
with st.container(key="slope_chart"), guarded("the secant and the tangent"):
    st.plotly_chart(slope_chart(slug, x, dx), key=P + "figure", theme=None, width="stretch")
with st.container(key="slope_banner"):
    st.info(slope_words(slug, x, dx))
COLUMNS = {"dx": "Δx", "fx": "f(x)", "fx_dx": "f(x + Δx)", "slope": "slope Δy/Δx",
           "derivative": "f′(x)"}  # fmt: skip
table = pd.DataFrame(rows).rename(columns=COLUMNS)
st.dataframe(
    table,
    key=P + "table",
    hide_index=True,
    column_config={"slope Δy/Δx": st.column_config.NumberColumn(format="%.6g")},
)
st.caption(
    "The sign of the slope tells which way is downhill: gradient descent steps the other way."
)
