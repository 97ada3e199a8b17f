"""What is a derivative? The secant's slope approaching the tangent's."""

from functools import partial

import pandas as pd
import streamlit as st

from gdviz import OBJECTIVES
from ui import controls, links
from ui.charts import plotly_chart
from ui.compute import slope_animation, slope_chart, slope_table, slope_words
from ui.exports import export_row
from ui.guard import guarded

P = "slope_"
CURVES = [s for s, o in OBJECTIVES.items() if o.dim == 1]


def _suggested(objective) -> float:
    lo, hi = objective.domain[0]
    return 1.0 if lo <= 1.0 <= hi else objective.start[0]


def _on_curve() -> None:
    """A new curve keeps x where it is if x is inside its box, else moves it to the edge."""
    objective = OBJECTIVES[st.session_state[P + "objective"]]
    controls.keep_start(P + "x", objective.domain[0], _suggested(objective))


links.restore("slope")  # a shared link's settings, on this session's first run of the page
links.hide_layout()
if st.session_state.get(P + "objective") not in CURVES:
    st.session_state[P + "objective"] = CURVES[0]
with st.sidebar:
    st.header("Settings")
    slug = links.control(
        st.selectbox,
        "Curve f(x)",
        CURVES,
        key=P + "objective",
        on_change=_on_curve,
        format_func=lambda s: f"{OBJECTIVES[s].name}: {OBJECTIVES[s].formula}",
    )
    objective = OBJECTIVES[slug]
    x = controls.start_input("x", P + "x", objective.domain[0], _suggested(objective),
                             help="The point x where the slope is measured.")  # fmt: skip
    dx = links.control(
        st.select_slider, "Δx", options=(2.0, 1.0, 0.5, 0.1, 0.01, 0.001), value=1.0, key=P + "dx",
        format_func=lambda v: f"{v:g}",
        help="The secant's second point is x + Δx. Shrink Δx and the secant turns into the "
        "tangent.",
    )  # fmt: skip

with st.sidebar:
    links.copy_link("slope")
links.publish("slope")
st.title("What is a derivative?")
links.show_notes("slope")
st.markdown(
    "The slope of the **secant** through (x, f(x)) and (x + Δx, f(x + Δx)) is Δy/Δx, where "
    "Δy = f(x + Δx) − f(x). Shrink Δx and it approaches the slope of the **tangent**: the "
    "derivative f′(x)."
)
st.latex(f"f(x) = {objective.latex}")
try:
    rows = slope_table(slug, x)
except ValueError as error:
    st.error(f"Cannot draw this: {error}")
    st.stop()
with st.container(key="slope_chart"), guarded("the secant and the tangent"):
    plotly_chart(slope_chart(slug, x, dx), key=P + "figure", theme=None, width="stretch")
with st.container(key="slope_banner"):
    st.info(slope_words(slug, x, dx))
COLUMNS = {"dx": "Δx", "fx": "f(x)", "fx_dx": "f(x + Δx)", "slope": "slope Δy/Δx",
           "derivative": "f′(x)"}  # fmt: skip
table = pd.DataFrame(rows).rename(columns=COLUMNS)
st.dataframe(
    table,
    key=P + "table",
    hide_index=True,
    # Plain numbers with six significant digits, not pandas' fixed decimals.
    column_config={name: st.column_config.NumberColumn(format="%.6g") for name in COLUMNS.values()},
)
st.caption(
    "The sign of the slope tells which way is downhill: gradient descent steps the other way."
)
export_row(partial(slope_chart, slug, x, dx), table, f"derivative-{slug}-x{x:g}", P,
           title=f"{objective.name}: the secant and the tangent at x = {x:g}",
           key=(slug, x, dx), animation=partial(slope_animation, slug, x))  # fmt: skip
