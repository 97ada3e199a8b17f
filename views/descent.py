"""Gradient descent on a 1-D curve or a 2-D surface, animated and explained.

Everything that depends on the learning rate (its widgets in the sidebar, the banner,
the chart and the details) is one fragment: a learning-rate change reruns only that
part, so the browser redraws a few elements instead of the whole page (bench/settle.py).
"""

from functools import partial

import pandas as pd
import streamlit as st

import gdviz
from gdviz.explain import table
from gdviz.figures.base import tick_label
from gdviz.messages import jargon_notes
from ui import controls, links
from ui.charts import (
    animated_chart,
    apply_clicked_start,
    click_to_start,
    follow_chart,
    follow_table,
    plotly_chart,
)
from ui.compute import (
    descent_chart,
    descent_readout,
    descent_surface,
    descent_table,
    loss_chart,
    run_descent,
    sharpness_chart,
    stability_at,
)
from ui.exports import export_row
from ui.guard import guarded
from ui.keys import keys_help
from ui.strip import stability_strip

BANNER = {"converged": st.success, "diverged": st.error, "oscillating": st.warning}
VIEWS = links.DESCENT_VIEWS  # the link's view=contour|3d
DETAILS = links.DESCENT_DETAILS  # the link's details=loss|sharpness|table
PAGE = "descent"
#: The chart's epoch group: the loss chart and the table follow it.
GROUP = "descent"
CLICKED = "_descent_clicked_start"


def _on_lr_exact_change():
    st.session_state.lr = st.session_state.lr_exact


def _switch(label: str, options, key: str) -> str:
    """A row of buttons choosing what to show: only the chosen part runs and is drawn.

    (``st.tabs`` with ``on_change="rerun"`` draws lazily too, but costs ~15 ms of browser
    time per rerun against ~2 ms for a segmented control: the details use this; the
    contour / 3-D choice stays a pair of tabs.)
    """
    if st.session_state.get(key) not in options:  # (a link's value is checked already)
        st.session_state[key] = options[0]
    return st.segmented_control(
        label, options, key=key, required=True,
        label_visibility="collapsed", width="stretch",
    )  # fmt: skip


def _lr_widgets(objective, exact_box) -> None:
    state = st.session_state
    fixed = links.locked("lr")
    st.select_slider(
        "Learning rate η (log scale)",
        options=controls.lr_options(state.lr),
        key="lr",
        format_func=lambda v: f"{v:g}",
        help="How far each step moves against the gradient: x ← x − η ∇f(x).",
        disabled=fixed,
    )
    with exact_box:
        st.number_input(
            "η exactly",
            min_value=controls.LR_MIN,
            max_value=controls.LR_MAX,
            key="lr_exact",
            format="%g",
            step=0.01,
            on_change=_on_lr_exact_change,
            help=f"Any learning rate from {tick_label(controls.LR_MIN)} to "
            f"{tick_label(controls.LR_MAX)}, typed.",
            disabled=fixed,
        )


def _lr_controls(objective, exact_box, start) -> float:
    state = st.session_state
    if not controls.valid_lr(state.get("lr")):
        state.lr = objective.lr
    state.lr_exact = float(state.lr)
    if links.visible("lr"):
        _lr_widgets(objective, exact_box)
    reference, start_curvature = stability_at(controls.source_of(objective), start)
    if reference is not None and reference.gd_limit is not None:
        stability_strip(reference, float(state.lr), objective.symbol, start_curvature)
    st.page_link(
        "views/landscape.py", label="Every η at once: sweep, range test, maps", icon="🗺️",
        help="Run this function from this start with 501 learning rates at once, and map "
        "which start ends where.",
    )  # fmt: skip
    return float(state.lr)


@st.fragment
def descent_view(objective, settings, noise, noise_seed, lr_box, exact_box) -> None:
    """The learning rate's widgets (into ``lr_box`` in the sidebar) and all they drive."""
    with lr_box:
        lr = _lr_controls(objective, exact_box, settings.start)
    try:
        _descent_parts(objective, settings, noise, noise_seed, lr)
    finally:  # the link follows every change, whichever part of the page made it
        links.publish(PAGE)
        with lr_box:
            links.copy_link(PAGE)


def _descent_parts(objective, settings, noise, noise_seed, lr) -> None:
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
        for note in jargon_notes(traj):  # the jargon the banner used, explained
            st.caption(note)

    click = None  # stays None if the chart could not be drawn
    with st.container(key="descent_chart"), guarded("the chart"):
        chart = {"key": "descent_figure", "readout": descent_readout(*args), "group": GROUP,
                 "clickable": not links.locked_any("x0", "y0"), "lr_key": "lr"}  # fmt: skip
        if objective.dim == 1:
            click = animated_chart(descent_chart(*args), **chart).clicked
            st.caption(_caption(objective, view))
        else:
            # Only the open tab runs: the 3-D surface is built when someone looks at it.
            contour_tab, surface_tab = st.tabs(VIEWS, key="view", on_change="rerun")
            with contour_tab:
                click = animated_chart(descent_chart(*args), **chart).clicked
                st.caption(_caption(objective, view))
            if surface_tab.open:
                with surface_tab, guarded("the 3-D surface"):
                    plotly_chart(
                        descent_surface(*args), key="surface_figure", theme=None, width="stretch"
                    )
                    st.caption(
                        "Drag to turn the surface. The height is the value of f; the path "
                        "is the whole run, each point at its own height."
                    )
    export_row(partial(descent_chart, *args), partial(table, traj), f"{objective.slug}-eta{lr:g}",
               "", title=f"{objective.name}: gradient descent, η = {lr:g}", key=args)  # fmt: skip
    if click:
        click_to_start(objective, view, click, CLICKED)
    if traj.epoch == 0:
        st.info("The run stopped at the start: there is nothing to step through.")
        return

    details = _switch("Details", DETAILS, "details")
    with guarded(details.lower()):
        _details(details, args, objective, lr)


def _caption(objective, view) -> str:
    """What to do with the chart and what its parts are, for this view."""
    click = "" if links.locked_any("x0", "y0") else " Click the chart to start there."
    keys = f"◀ ▶ step one epoch.{click} {keys_help(lr=not links.locked('lr'))}"
    if objective.dim == 1:
        parts = (
            "Both axes are on a signed log scale, so every bounce, further out and higher "
            "up each time, stays in view. The red arrow is the step −η·f′(x)."
            if view.log
            else "The dashed line is the tangent: its slope is f′(x). The red arrow is the "
            "step −η·f′(x): downhill, against the slope."
        )
    else:
        parts = (
            "Both axes are on a signed log scale, so the path stays in view as it grows; "
            "the white arrow is each step, to the next point."
            if view.log
            else "The white arrow points along −∇f, the steepest way down; it crosses the "
            "level sets at right angles."
        )
    return f"Press ▶ Play. {parts} {keys}"


def _details(details, args, objective, lr) -> None:
    """The chosen details view of the run; it follows the chart's epoch as it plays."""
    if details == DETAILS[0]:
        follow_chart(loss_chart(*args), key="loss_figure", group=GROUP)
        st.caption(
            "The loss f and the gradient size ‖∇f‖ at every epoch; the marker follows the "
            "chart. A log axis (1, 10, 100 …) is used when the values span decades."
        )
    elif details == DETAILS[1]:
        follow_chart(sharpness_chart(*args), key="sharpness_figure", group=GROUP)
        f = objective.symbol
        st.caption(
            f"The sharpness λ_max(∇²{f}), the largest curvature at each iterate, against 2/η: "
            "where the curve stays under the line, a step of this η is stable there; above "
            "it, each step overshoots further along the steepest direction (the picture of "
            "Cohen et al.'s edge of stability). The marker follows the chart."
        )
    else:
        follow_table(descent_table(*args), key="epoch_table", group=GROUP)
        frame = pd.DataFrame(table(run_descent(*args)))
        st.download_button(
            "Download CSV",
            frame.to_csv(index=False).encode(),
            key="download_csv",
            file_name=f"gdviz-{objective.slug}-eta{lr:g}.csv",
            mime="text/csv",
        )


links.restore(PAGE)  # a shared link's settings, on this session's first run of the page
links.hide_layout()
controls.carry_over()  # the function, start, epochs and η of the "Every learning rate" page
# A click on the chart, waiting for the full run that sets the start sliders.
apply_clicked_start(CLICKED)

# ---- sidebar: the function and the run; the learning rate's place is kept for the fragment
with st.sidebar:
    st.header("Settings")
    objective = controls.function_controls(on_new_objective=controls.reset_lr)
    lr_box = st.container()
    if objective is not None:
        settings = controls.run_controls(objective)
        exact_box = controls.advanced_box()
        noise, noise_seed = controls.noise_controls()

st.title("See gradient descent")
links.show_notes(PAGE)
if objective is None:
    links.publish(PAGE)
    controls.explain_invalid_function()  # where the chart would be; stops the page
st.markdown(
    f"**{objective.name}**: {objective.about}" if objective.about else f"**{objective.name}**"
)
variables = ", ".join(str(v) for v in objective.variables)
st.latex(f"f({variables}) = {objective.latex}")
descent_view(objective, settings, noise, noise_seed, lr_box, exact_box)
