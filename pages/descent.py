"""Gradient descent on a 1-D curve or a 2-D surface, animated and explained."""

import pandas as pd
import streamlit as st

import gdviz
from gdviz import OBJECTIVES
from gdviz.explain import table, update_latex

DIMENSIONS = {"1-D": 1, "2-D": 2}
DEFAULT_BY_DIM = {1: "parabola", 2: "himmelblau"}
# Learning rates on a log grid, 13 per decade over 1e-4 … 10 (exact values: lr_exact).
MANTISSAS = (1, 1.2, 1.5, 1.8, 2, 2.5, 3, 4, 5, 6, 7, 8, 9)
LR_GRID = tuple(float(f"{m}e{p}") for p in range(-4, 1) for m in MANTISSAS) + (10.0,)
LR_MIN, LR_MAX = LR_GRID[0], LR_GRID[-1]
TOLERANCES = (0.0, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2)
BANNER = {"converged": st.success, "diverged": st.error, "oscillating": st.warning}


def _slider_step(lo: float, hi: float) -> float:
    """A round step giving about 200 positions across [lo, hi]."""
    raw = (hi - lo) / 200
    for step in (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0):
        if step >= raw:
            return step
    return 1.0


def _snap(value: float, lo: float, hi: float, step: float) -> float:
    value = min(max(value, lo), hi)
    return round(lo + round((value - lo) / step) * step, 10)


def _apply_objective_defaults():
    """A new objective starts from its suggested start point and learning rate."""
    objective = OBJECTIVES[st.session_state.objective]
    names = ("x0", "y0")[: objective.dim]
    for name, value, (lo, hi) in zip(names, objective.start, objective.domain, strict=True):
        st.session_state[name] = _snap(value, lo, hi, _slider_step(lo, hi))
    st.session_state.lr = objective.lr


def _on_dimension_change():
    st.session_state.objective = DEFAULT_BY_DIM[DIMENSIONS[st.session_state.dimension]]
    _apply_objective_defaults()


def _on_lr_exact_change():
    st.session_state.lr = st.session_state.lr_exact


@st.cache_data(max_entries=256, show_spinner=False)
def run_descent(slug: str, start: tuple, lr: float, epochs: int, tol: float):
    return gdviz.descend(slug, start, lr=lr, epochs=epochs, tol=tol)


# Figures are immutable once built: keep the objects, skip pickling them.
@st.cache_resource(max_entries=64, show_spinner=False)
def descent_chart(slug: str, start: tuple, lr: float, epochs: int, tol: float):
    return gdviz.descent_figure(run_descent(slug, start, lr, epochs, tol))


@st.cache_resource(max_entries=32, show_spinner=False)
def surface_chart(slug: str, start: tuple, lr: float, epochs: int, tol: float):
    return gdviz.surface_figure(run_descent(slug, start, lr, epochs, tol))


@st.cache_resource(max_entries=64, show_spinner=False)
def loss_chart(slug: str, start: tuple, lr: float, epochs: int, tol: float, mark: int):
    return gdviz.loss_figure(run_descent(slug, start, lr, epochs, tol), mark_epoch=mark)


# ---- state: set before the widgets that read it ---------------------------------------
state = st.session_state
if state.get("objective") not in OBJECTIVES:
    state.objective = gdviz.DEFAULT_OBJECTIVE
    _apply_objective_defaults()
objective = OBJECTIVES[state.objective]
state.dimension = f"{objective.dim}-D"  # the objective decides the dimension
for name, suggested, (lo, hi) in zip(("x0", "y0"), objective.start, objective.domain, strict=False):
    if not isinstance(state.get(name), int | float) or not lo <= state[name] <= hi:
        state[name] = _snap(suggested, lo, hi, _slider_step(lo, hi))
lr_value = state.get("lr")
if not isinstance(lr_value, int | float) or not LR_MIN <= lr_value <= LR_MAX:
    state.lr = objective.lr
state.lr_exact = float(state.lr)
state.setdefault("epochs", 100)
state.setdefault("tol", gdviz.DEFAULT_TOL)

# ---- sidebar ---------------------------------------------------------------------------
with st.sidebar:
    st.header("Settings")
    st.radio(
        "Dimension",
        list(DIMENSIONS),
        key="dimension",
        horizontal=True,
        on_change=_on_dimension_change,
    )
    options = [s for s, o in OBJECTIVES.items() if o.dim == objective.dim]
    st.selectbox(
        "Function",
        options,
        key="objective",
        on_change=_apply_objective_defaults,
        format_func=lambda s: f"{OBJECTIVES[s].name}: {OBJECTIVES[s].formula}",
    )
    st.select_slider(
        "Learning rate η (log scale)",
        options=sorted(set(LR_GRID) | {float(state.lr)}),
        key="lr",
        format_func=lambda v: f"{v:g}",
        help="How far each step moves against the gradient: x ← x − η ∇f(x).",
    )
    st.number_input(
        "Exact learning rate",
        min_value=LR_MIN,
        max_value=LR_MAX,
        key="lr_exact",
        format="%g",
        step=0.01,
        on_change=_on_lr_exact_change,
    )
    limit = gdviz.objective_lr_limit(objective)
    if limit is not None:
        st.caption(f"Stable limit near the {limit[0]}: η < {limit[1]:.4g} (2 / λ_max of ∇²f).")
    for name, var, (lo, hi) in zip(
        ("x0", "y0"), objective.variables, objective.domain, strict=False
    ):
        st.slider(f"Start {var}₀", min_value=lo, max_value=hi, step=_slider_step(lo, hi), key=name)
    st.slider("Epochs", min_value=1, max_value=1000, key="epochs")
    st.select_slider(
        "Stop when ‖∇f‖ ≤",
        options=TOLERANCES,
        key="tol",
        format_func=lambda t: "never (run all epochs)" if t == 0 else f"{t:g}",
    )

# ---- compute ---------------------------------------------------------------------------
start = (state.x0,) if objective.dim == 1 else (state.x0, state.y0)
args = (
    objective.slug,
    tuple(float(s) for s in start),
    float(state.lr),
    int(state.epochs),
    float(state.tol),
)
try:
    traj = run_descent(*args)
except ValueError as error:  # widgets keep inputs valid; this is the last guard
    st.error(f"Cannot run: {error}")
    st.stop()

# ---- page ------------------------------------------------------------------------------
st.title("See gradient descent")
st.markdown(f"**{objective.name}**: {objective.about}")
variables = ", ".join(str(v) for v in objective.variables)
st.latex(f"f({variables}) = {objective.latex}")
with st.container(key="status_banner"):
    BANNER.get(traj.status, st.info)(traj.message)

with st.container(key="descent_chart"):
    if objective.dim == 1:
        st.plotly_chart(descent_chart(*args), key="descent_figure", theme=None, width="stretch")
        st.caption(
            "Press ▶ Play. The dashed line is the tangent: its slope is f′(x). "
            "The red arrow is the step −η·f′(x): downhill, against the slope."
        )
    else:
        # Only the open tab runs: the 3-D surface is built when someone looks at it.
        contour_tab, surface_tab = st.tabs(
            ["Contour map", "3-D surface"], key="view", on_change="rerun"
        )
        with contour_tab:
            st.plotly_chart(descent_chart(*args), key="descent_figure", theme=None, width="stretch")
            st.caption(
                "Press ▶ Play. The white arrow points along −∇f, the steepest way "
                "down; it crosses the level sets at right angles."
            )
        if surface_tab.open:
            surface_tab.plotly_chart(
                surface_chart(*args), key="surface_figure", theme=None, width="stretch"
            )

if traj.epoch == 0:
    st.info("The run stopped at the start: there is nothing to inspect yet.")
    st.stop()
if traj.epoch > 1:
    state.inspect_epoch = min(max(int(state.get("inspect_epoch", 0)), 0), traj.epoch - 1)
    inspect = st.slider("Inspect epoch", 0, traj.epoch - 1, key="inspect_epoch")
else:
    inspect = 0

# Only the open tab runs, so a rerun draws one chart, not three.
step_tab, loss_tab, table_tab = st.tabs(
    ["One step, with the numbers", "Loss and gradient size", "Every epoch"],
    key="details",
    on_change="rerun",
)
if step_tab.open:
    step_tab.latex(update_latex(traj, inspect))
    step_tab.caption(
        "The gradient points uphill, so we subtract it: a positive slope moves x left, "
        "a negative slope moves it right, and η sets how far."
    )
if loss_tab.open:
    loss_tab.plotly_chart(
        loss_chart(*args, inspect), key="loss_figure", theme=None, width="stretch"
    )
if table_tab.open:
    frame = pd.DataFrame(table(traj))
    table_tab.dataframe(frame, key="epoch_table", hide_index=True, height=300)
    table_tab.download_button(
        "Download CSV",
        frame.to_csv(index=False).encode(),
        key="download_csv",
        file_name=f"gdviz-{objective.slug}-lr{state.lr:g}.csv",
        mime="text/csv",
    )
