"""Why gradients? Trial and error against gradient descent, counted evaluation by evaluation."""

import pandas as pd
import streamlit as st

import gdviz
from ui import controls
from ui.compute import scaling, trial_vs_gradient, why_banner, why_evaluations, why_paths
from ui.guard import guarded

P = "why_"


def _reset_lr(prefix: str, objective) -> None:
    st.session_state[P + "lr"] = objective.lr


state = st.session_state
with st.sidebar:
    st.header("Settings")
    objective = controls.function_controls(P, on_new_objective=_reset_lr)
    if objective is None:
        st.stop()  # the sidebar shows what is wrong with the typed function
    settings = controls.run_controls(objective, P, stopping=False)  # both run to f ≤ 1e-6
    if not controls.valid_lr(state.get(P + "lr")):
        state[P + "lr"] = objective.lr
    lr = st.select_slider("Gradient descent: learning rate η",
                          options=controls.lr_options(state[P + "lr"]), key=P + "lr",
                          format_func=lambda v: f"{v:g}")  # fmt: skip
    # δ = 0.7 by default: steps of 0.5 from a round start land on round minima by luck.
    delta = st.select_slider("Trial and error: first step δ", options=(0.1, 0.3, 0.7, 1.0, 2.0),
                             value=0.7, key=P + "delta")  # fmt: skip

st.title("Why gradients?")
st.markdown(
    "**Trial and error**: for each parameter try +δ, then −δ, keep any change that lowers the "
    "loss, and halve δ when a whole sweep helps nothing. **Gradient descent**: one gradient "
    "tells every parameter which way is downhill at once. Both start at the same point; "
    "every evaluation is counted."
)
run = (controls.source_of(objective, P), settings.start, float(lr), delta)
try:
    trial, gradient, _, _ = trial_vs_gradient(*run)
except ValueError as error:
    st.error(f"Cannot run: {error}")
    st.stop()

left, middle, right = st.columns(3)
left.metric("Trial and error: evaluations of f", f"{trial.total_evals:,}")
middle.metric("Gradient descent: f and ∇f evaluations", f"{gradient.total_evals:,}")
right.metric("… if each ∇f costs n evaluations", f"{gradient.total_evals_fd:,}")
with st.container(key="why_banner"):
    st.info(why_banner(*run))
st.caption(
    "How the counting works: one evaluation of f costs 1. A gradient costs 1 when it comes "
    "from backpropagation (a small constant factor, as in PyTorch), or n when it is "
    "estimated by finite differences, one extra f per parameter: both are shown."
)
paths, losses = st.columns(2)
with paths, guarded("the paths"):
    st.plotly_chart(why_paths(*run), key=P + "paths", theme=None, width="stretch")
with losses, guarded("the loss against evaluations"):
    st.plotly_chart(why_evaluations(*run), key=P + "evaluations", theme=None, width="stretch")

st.subheader("As the number of parameters grows")
st.markdown(
    "On f(x) = ½ Σ aᵢxᵢ² with n parameters (aᵢ from 1 to 10, a seeded random start), both "
    "methods run live until f ≤ 10⁻⁶. Trying every combination of ± moves would take 2ⁿ "
    "evaluations for a single step."
)
if st.toggle("Run the scaling experiment (n = 1 … 1024)", key=P + "scaling"):
    result = scaling(0)
    st.plotly_chart(gdviz.scaling_figure(result), key=P + "scaling_chart", theme=None,
                    width="stretch")  # fmt: skip
    st.dataframe(pd.DataFrame(result.rows()), key=P + "scaling_table", hide_index=True)
    st.caption(f"Measured just now: {result.seconds:.2f} s for every run.")
