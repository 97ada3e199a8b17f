"""The bare one-slider app plus a 2-point Plotly chart that follows the slider.

A yardstick for bench/settle.py: what Streamlit alone charges for remounting a chart.
"""

import plotly.graph_objects as go
import streamlit as st

v = st.slider("value", 0, 100, 50, key="value")
st.write(f"value is {v}")
st.plotly_chart(go.Figure(go.Scatter(x=[0, 1], y=[0, v])), key="chart", width="stretch")
