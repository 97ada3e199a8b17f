"""Gradient descent on a 1-D curve or a 2-D surface, animated and explained.

Everything that depends on the learning rate (its widgets in the sidebar, the banner,
the chart and the details) is one fragment: a learning-rate change reruns only that
part, so the browser redraws a few elements instead of the whole page (bench/settle.py).
"""

import pandas as pd
import streamlit as st

import gdviz
from gdviz.explain import table, update_latex
from ui import controls
from ui.charts import animated_chart
from ui.compute import descent_chart, descent_surface, loss_chart, run_descent
from ui.guard import guarded

BANNER = {"converged": st.success, "diverged": st.error, "oscillating": st.warning}
VIEWS = ("Contour map", "3-D surface")
DETAILS = ("One step, with the numbers", "Loss and gradient size", "Every epoch")


def _reset_lr(prefix: str, objective) -> None:
    st.session_state.lr = objective.lr


def _on_lr_exact_change():
    st.session_state.lr = st.session_state.lr_exact


def _switch(label: str, options, key: str) -> str:
    """A row of buttons choosing what to show: only the chosen part runs and is drawn.

    (``st.tabs`` with ``on_change="rerun"`` draws lazily too, but costs ~15 ms of browser
    time per rerun against ~2 ms for a segmented control: the details use this; the
    contour / 3-D choice stays a pair of tabs.)
    """
    return st.segmented_control(
        label, options, key=key, default=options[0], required=True,
        label_visibility="collapsed", width="stretch",
    )  # fmt: skip


def _lr_controls(objective) -> float:
    state = st.session_state
    if not controls.valid_lr(state.get("lr")):
        state.lr = objective.lr
    state.lr_exact = float(state.lr)
    st.select_slider(
        "Learning rate η (log scale)",
        options=controls.lr_options(state.lr),
        key="lr",
        format_func=lambda v: f"{v:g}",
        help="How far each step moves against the gradient: x ← x − η ∇f(x).",
    )
    st.number_input(
        "Exact learning rate",
        min_value=controls.LR_MIN,
        max_value=controls.LR_MAX,
        key="lr_exact",
        format="%g",
        step=0.01,
        on_change=_on_lr_exact_change,
    )
    limit = gdviz.objective_lr_limit(objective)
    if limit is not None:
        st.caption(f"Stable limit near the {limit[0]}: η < {limit[1]:.4g} (2 / λ_max of ∇²f).")
    return float(state.lr)


@st.fragment
def descent_view(objective, settings, noise, noise_seed, lr_box) -> None:
    """The learning rate's widgets (into ``lr_box`` in the sidebar) and all they drive."""
    with lr_box:
        lr = _lr_controls(objective)
    source = controls.source_of(objective)
    args = (source, settings.start, lr, settings.epochs, settings.tol, noise, noise_seed)
    try:
        traj = run_descent(*args)
    except ValueError as error:  # widgets keep inputs valid; this is the last guard
        st.error(f"Cannot run: {error}")
        return

    view = gdviz.view_of(traj)
    with st.container(key="status_banner"), guarded("the run's result"):
        BANNER.get(traj.status, st.info)(view.told(traj.message))

    with st.container(key="descent_chart"), guarded("the chart"):
        if objective.dim == 1:
            animated_chart(descent_chart(*args), key="descent_figure")
            st.caption(
                "Press ▶ Play. Both axes are on a signed log scale, so every bounce, further "
                "out and higher up each time, stays in view. The red arrow is the step −η·f′(x)."
                if view.log
                else "Press ▶ Play. The dashed line is the tangent: its slope is f′(x). "
                "The red arrow is the step −η·f′(x): downhill, against the slope."
            )
        else:
            # Only the open tab runs: the 3-D surface is built when someone looks at it.
            contour_tab, surface_tab = st.tabs(VIEWS, key="view", on_change="rerun")
            with contour_tab:
                animated_chart(descent_chart(*args), key="descent_figure")
                st.caption(
                    "Press ▶ Play. Both axes are on a signed log scale, so the path stays in "
                    "view as it grows; the white arrow is each step, to the next point."
                    if view.log
                    else "Press ▶ Play. The white arrow points along −∇f, the steepest way "
                    "down; it crosses the level sets at right angles."
                )
            if surface_tab.open:
                with surface_tab, guarded("the 3-D surface"):
                    st.plotly_chart(
                        descent_surface(*args), key="surface_figure", theme=None, width="stretch"
                    )

    if traj.epoch == 0:
        st.info("The run stopped at the start: there is nothing to inspect yet.")
        return
    if traj.epoch > 1:
        state = st.session_state
        state.inspect_epoch = min(max(int(state.get("inspect_epoch", 0)), 0), traj.epoch - 1)
        # A select_slider keeps its identity when the run's length changes (a slider with a
        # new max_value is remounted, ~40 ms in the browser).
        inspect = st.select_slider("Inspect epoch", options=range(traj.epoch), key="inspect_epoch")
    else:
        inspect = 0

    details = _switch("Details", DETAILS, "details")
    with guarded(details.lower()):
        _details(details, traj, inspect, args, objective, lr)


def _details(details, traj, inspect, args, objective, lr) -> None:
    """The chosen details view of the run at the inspected epoch."""
    if details == DETAILS[0]:
        st.latex(update_latex(traj, inspect))
        st.caption(
            "The gradient points uphill, so we subtract it: a positive slope moves x left, "
            "a negative slope moves it right, and η sets how far."
        )
    elif details == DETAILS[1]:
        st.plotly_chart(loss_chart(inspect, *args), key="loss_figure", theme=None, width="stretch")
    else:
        frame = pd.DataFrame(table(traj))
        st.dataframe(frame, key="epoch_table", hide_index=True, height=300)
        st.download_button(
            "Download CSV",
            frame.to_csv(index=False).encode(),
            key="download_csv",
            file_name=f"gdviz-{objective.slug}-lr{lr:g}.csv",
            mime="text/csv",
        )


# ---- sidebar: the function and the run; the learning rate's place is kept for the fragment
with st.sidebar:
    st.header("Settings")
    objective = controls.function_controls(on_new_objective=_reset_lr)
    if objective is None:
        st.stop()  # the sidebar shows what is wrong with the typed function
    lr_box = st.container()
    settings = controls.run_controls(objective)
    noise, noise_seed = controls.noise_controls()

st.title("See gradient descent")
st.markdown(f"**{objective.name}**: {objective.about}")
variables = ", ".join(str(v) for v in objective.variables)
st.latex(f"f({variables}) = {objective.latex}")
descent_view(objective, settings, noise, noise_seed, lr_box)
