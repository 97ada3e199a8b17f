"""Why gradients? The argument in four counted steps, then whole runs as n grows."""

from functools import partial

import pandas as pd
import streamlit as st

import gdviz
from gdviz.numbers import plain
from gdviz.scaling import SCALING_DIMS, count_text
from gdviz.trial import tolerance_text
from ui import controls, links
from ui.charts import plotly_chart
from ui.compute import (
    scaling,
    trial_vs_gradient,
    why_animation,
    why_banner,
    why_evaluations,
    why_paths,
    why_rows,
    why_steps,
)
from ui.exports import export_row
from ui.guard import guarded

P = "why_"
SEED = 0
# What every count on this page means, said next to each count.
PER_F = "evaluations of f"
BACKPROP = "∇f counted as 1 (backpropagation)"


def _typed_error() -> str:
    """The typed function's parse error, for the main area (the sidebar shows it too)."""
    try:
        controls._resolve_custom(P)
    except ValueError as error:
        return str(error)
    return "the typed function cannot be used"


state = st.session_state
links.restore("why")  # a shared link's settings, on this session's first run of the page
links.hide_layout()
with st.sidebar:
    st.header("Step 1: the function")
    objective = controls.function_controls(P, on_new_objective=controls.reset_lr)
    if objective is not None:
        settings = controls.run_controls(objective, P, stopping=False)  # both run to f ≤ 1e-6
        if not controls.valid_lr(state.get(P + "lr")):
            state[P + "lr"] = objective.lr
        lr = links.control(
            st.select_slider, "Gradient descent: learning rate η",
            options=controls.lr_options(state[P + "lr"]), key=P + "lr",
            format_func=lambda v: f"{v:g}",
            help="Each step moves every parameter by −η times its entry of the gradient ∇f.",
        )  # fmt: skip
        # δ = 0.7 by default: steps of 0.5 from a round start land on round minima by luck.
        delta = links.control(
            st.select_slider, "Trial and error: first step δ",
            options=(0.1, 0.3, 0.7, 1.0, 2.0), value=0.7,
            key=P + "delta",
            help="How far each try moves one parameter; halved whenever a whole sweep over "
            "the parameters finds nothing better.",
        )  # fmt: skip
    links.copy_link("why")

quick = scaling(SEED)
steps = why_steps(SEED)
big = len(quick.dims) - 1  # the largest n measured by default

st.title("Why gradients?")
links.show_notes("why")
st.markdown(
    "Two ways to walk downhill, both counted in **evaluations of f** (how many times the "
    "function is computed). **Trial and error**: for each parameter try +δ, then −δ, keep "
    "any change that lowers f, and halve δ when a whole sweep helps nothing. **Gradient "
    "descent**: compute the gradient ∇f and move every parameter at once by −η∇f."
)
st.markdown(
    f"In short, measured live below with n = {quick.dims[big]:,} parameters: trial and error "
    f"needed **{quick.trial_evals[big]:,}** {PER_F} to reach f ≤ {tolerance_text(quick.tol)}, "
    f"gradient descent **{quick.gradient_evals[big]:,}** evaluations, {BACKPROP}. "
    "The argument, step by step:"
)

# ---- 1. the page's function -------------------------------------------------------------
if objective is None or objective.dim == 1:
    st.subheader("1. With one parameter, trial and error can work")
else:
    st.subheader("1. With two parameters, trial and error can still work")
run = None
if objective is None:
    st.error(f"Cannot run step 1: {_typed_error()}. Fix the function in the sidebar.")
else:
    run = (controls.source_of(objective, P), settings.start, float(lr), delta)
    names = ", ".join(str(v) for v in objective.variables)
    start_text = ", ".join(
        f"{v}₀ = {plain(x)}" for v, x in zip(objective.variables, settings.start, strict=True)
    )
    tol = tolerance_text(gdviz.DEFAULT_TOL)
    goal = (
        f"both run until {objective.symbol} is within {tol} of its minimum"
        if objective.global_minimum is not None
        else f"with no known minimum to aim at, trial and error runs until δ is below 10⁻⁸ "
        f"and gradient descent until ‖∇{objective.symbol}‖ ≤ {tol}"
    )
    st.markdown(
        f"On ${objective.symbol}({names}) = {objective.latex}$ from "
        f"{start_text}, {goal} (change the function, the start, η "
        "and δ in the sidebar)."
    )
    try:
        trial, gradient, _, _ = trial_vs_gradient(*run)
    except ValueError as error:
        st.error(f"Cannot run step 1: {error}")
        run = None
if run is not None:
    left, middle, right = st.columns(3)
    left.metric(f"Trial and error: {PER_F}", f"{trial.total_evals:,}",
                help="Every try counts, the start's evaluation included.")  # fmt: skip
    middle.metric(
        "Gradient descent: f and ∇f, each ∇f counted as 1", f"{gradient.total_evals:,}",
        help="Backpropagation computes all of ∇f at a small constant multiple of the cost "
        "of one f, however many parameters there are: counted as 1 evaluation.",
    )  # fmt: skip
    right.metric(
        f"Gradient descent: each ∇f counted as n = {objective.dim}",
        f"{gradient.total_evals_fd:,}",
        help="Finite differences estimate each entry of ∇f from one more evaluation of f: "
        "n evaluations per gradient.",
    )  # fmt: skip
    with st.container(key="why_banner"):
        st.info(why_banner(*run))
    paths, losses = st.columns(2)
    with paths, guarded("the paths"):
        plotly_chart(why_paths(*run), key=P + "paths", theme=None, width="stretch")
    with losses, guarded("the loss against evaluations"):
        plotly_chart(why_evaluations(*run), key=P + "evaluations", theme=None,
                     width="stretch")  # fmt: skip
    st.caption(
        "Right: the value of f reached after each number of evaluations. Its horizontal axis "
        "is logarithmic (each tick is ten times the one before), so early and late tries "
        "both show."
    )
    export_row(partial(why_paths, *run), partial(why_rows, *run), f"why-{objective.slug}", P,
               title=f"{objective.name}: trial and error against gradient descent", key=run,
               animation=partial(why_animation, *run))  # fmt: skip

# ---- 2. per parameter ---------------------------------------------------------------------
st.subheader("2. Trial and error pays at least two evaluations per parameter per step")
by_n = {cost.n: cost for cost in steps}
st.markdown(
    "To learn which way one parameter should move, trial and error has to try it: f at +δ "
    "and f at −δ. Each parameter needs its own tries, so a step over n parameters costs 2n "
    f"{PER_F}. Counted by running one such step on ½ Σ aᵢxᵢ² (the quadratic of step 5): "
    f"n = {steps[0].n} takes {steps[0].probe:,}, n = {steps[-1].n:,} takes "
    f"{steps[-1].probe:,}."
)
st.dataframe(
    pd.DataFrame({"parameters n": [c.n for c in steps],
                  f"try ±δ on every parameter ({PER_F})": [c.probe for c in steps]}),
    key=P + "probe_table", hide_index=True, width="content",
)  # fmt: skip
st.caption(
    f"The trial and error of steps 1 and 5 skips −δ when +δ already helps: at n = "
    f"{quick.dims[big]:,} it averaged {quick.tries_per_parameter(big):.2f} {PER_F} per "
    "parameter per sweep, still a cost that grows with every parameter added."
)

# ---- 3. every combination -----------------------------------------------------------------
st.subheader("3. Trying every combination of moves: 2ⁿ")
ten = by_n.get(10)
st.markdown(
    "Moving all parameters together by trial means choosing +δ or −δ for each: with n "
    "parameters there are 2ⁿ sign combinations to try for one step."
    + (
        f" For n = 10 that is **{count_text(ten.combinations)}** {PER_F}"
        + (" (each one tried here and counted)." if ten.enumerated else ".")
        if ten
        else ""
    )
)
st.dataframe(
    pd.DataFrame({
        "parameters n": [c.n for c in steps],
        f"every ± combination, one step ({PER_F})": [count_text(c.combinations) for c in steps],
        "how": ["tried and counted" if c.enumerated else "computed as 2ⁿ" for c in steps],
    }),
    key=P + "combinations_table", hide_index=True, width="content",
)  # fmt: skip

# ---- 4. the gradient ----------------------------------------------------------------------
st.subheader("4. The gradient: every parameter's direction and size from one pass")
st.markdown(
    "∇f lists, for every parameter, which way f goes down and how steeply. "
    "**Backpropagation** (what `loss.backward()` does in PyTorch) computes all n entries in "
    "one backward pass, at a small constant multiple of the cost of one f whatever n is: "
    "counted as 1 evaluation. Without it, **finite differences** estimate each entry from "
    "one more f: n evaluations."
)
st.dataframe(
    pd.DataFrame({
        "parameters n": [c.n for c in steps],
        "one ∇f by backpropagation (counted as)": [c.backprop for c in steps],
        f"one ∇f by finite differences ({PER_F})": [c.finite_differences for c in steps],
    }),
    key=P + "gradient_table", hide_index=True, width="content",
)  # fmt: skip
fd_total, trial_total = quick.gradient_evals_fd[big], quick.trial_evals[big]
st.markdown(
    f"So backpropagation is what makes the gradient cheap: at n = {quick.dims[big]:,}, "
    f"gradient descent needed {quick.gradient_evals[big]:,} evaluations, {BACKPROP}, but "
    f"{fd_total:,} {PER_F} with finite differences, "
    + (
        f"more than trial and error's {trial_total:,}."
        if fd_total > trial_total
        else f"against trial and error's {trial_total:,}."
    )
)

# ---- 5. whole runs -----------------------------------------------------------------------
st.subheader(f"5. Whole runs to f ≤ {tolerance_text(quick.tol)} as n grows")
st.markdown(
    "On f(x) = ½ Σ aᵢxᵢ² with n parameters (aᵢ spread evenly from 1 to 10, a seeded random "
    "start in [−1, 1]ⁿ), both methods run live until f ≤ "
    f"{tolerance_text(quick.tol)}. Gradient descent uses η = 1/max aᵢ, the largest rate "
    "that never overshoots along any parameter."
)
full = links.control(
    st.toggle,
    f"Add n = {', '.join(str(n) for n in SCALING_DIMS[len(quick.dims) :])} (about a second)",
    key=P + "scaling",
)
result = scaling(SEED, SCALING_DIMS) if full else quick
with guarded("the scaling chart"):
    plotly_chart(gdviz.scaling_figure(result), key=P + "scaling_chart", theme=None,
                 width="stretch")  # fmt: skip
st.caption(
    "Both axes are logarithmic: n doubles from point to point, and each tick of the "
    "vertical axis is ten times the one below. The dotted 2ⁿ line leaves the chart at the top."
)
st.dataframe(pd.DataFrame(result.rows()), key=P + "scaling_table", hide_index=True)
st.caption(
    f"Counts are evaluations of f; a gradient counts as 1 (backpropagation) or as n "
    f"(finite differences). Every run of this table together took {result.seconds:.2f} s, "
    "measured live."
)
links.publish("why")
