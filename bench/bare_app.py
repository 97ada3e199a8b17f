"""The barest Streamlit app with a slider: the baseline for bench/settle.py."""

import streamlit as st

v = st.slider("value", 0, 100, 50, key="value")
st.write(f"value is {v}")
