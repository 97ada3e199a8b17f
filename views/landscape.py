"""Every learning rate at once: the sweep, the range test, stability, and maps of where
descent goes from every start.

The function, the start, the epochs and η are the descent page's own settings (the same
keys), so arriving from its learning-rate control keeps them, and an η chosen here is the
one that page shows.
"""

from functools import partial

import streamlit as st

from gdviz import OPTIMIZERS
from ui import controls, links
from ui.compute import landscape_rows, landscape_run_chart, stability_at
from ui.exports import export_row
from ui.guard import guarded
from ui.landscape import (
    MOMENTUM_FAMILY,
    basin_view,
    lr_start_map_view,
    momentum_map_view,
    momentum_of,
    range_view,
    sweep_view,
)
from ui.strip import stability_strip

VIEWS = {
    "sweep": "Learning-rate sweep",
    "range": "Range test",
    "basin": "Basin map",
    "momentum": "η × momentum map",
    "start": "η × start map",
}
ABOUT = {
    "sweep": "Too small crawls, just right converges fast, too big diverges: the final loss "
    "and the epochs to converge for every η from 10⁻⁵ to 10, from this start.",
    "range": "What a learning-rate finder would suggest here, and how that compares with the "
    "stable limit the curvature sets.",
    "basin": "From which starts does descent end in which minimum? Every pixel is one run.",
    "momentum": "Where momentum helps and where it diverges: one run per (η, β), with the "
    "theoretical boundary drawn over the grid.",
    "start": "How the start and η together decide the outcome: one run per (start, η).",
}


def _views(dim: int) -> list[str]:
    return [k for k in VIEWS if not (k == "basin" and dim != 2) and not (k == "start" and dim != 1)]


state = st.session_state
links.restore("landscape")  # a shared link's settings, on this session's first run of the page
links.hide_layout()
controls.carry_over()  # the descent page's function, start, epochs and η
with st.sidebar:
    st.header("Settings")
    objective = controls.function_controls(on_new_objective=controls.reset_lr)
    if objective is not None:
        if state.get("landscape_optimizer") not in OPTIMIZERS:
            state.landscape_optimizer = "gd"
        optimizer = links.control(
            st.selectbox, "Optimizer", list(OPTIMIZERS), key="landscape_optimizer",
            format_func=lambda s: OPTIMIZERS[s].name,
            help="The optimizer every run of these views uses, with PyTorch's defaults.",
        )  # fmt: skip
        momentum, hyper = None, ()
        if optimizer == "sgd":  # PyTorch's SGD: momentum β is its hyperparameter
            state.setdefault("landscape_sgd_momentum", 0.0)
            momentum = links.control(
                st.slider, "Momentum β", 0.0, 0.99, step=0.01, key="landscape_sgd_momentum",
                help="How much of the last step each step keeps: v ← β·v + ∇f, x ← x − η·v "
                "(β = 0 is plain gradient descent).",
            )  # fmt: skip
            hyper = (("momentum", float(momentum)),)
        elif optimizer in MOMENTUM_FAMILY:  # the registry's momentum and Nesterov: β fixed
            momentum = momentum_of(optimizer)
            st.caption(f"β = {momentum:g} for this optimizer; choose SGD to vary it.")
        if not controls.valid_lr(state.get("lr")):
            state.lr = objective.lr
        lr = links.control(
            st.select_slider, "Learning rate η (log scale)",
            options=controls.lr_options(state.lr), key="lr", format_func=lambda v: f"{v:g}",
            help=controls.lr_help(objective),
        )  # fmt: skip
        settings = controls.run_controls(objective)
        start = settings.start
        reference, at_start = stability_at(controls.source_of(objective), start)
        if reference is not None and reference.gd_limit is not None:
            stability_strip(reference, float(lr), objective.symbol, at_start, momentum=momentum,
                            optimizer=optimizer)  # fmt: skip

st.title("Every learning rate at once")
links.show_notes("landscape")
if objective is None:
    links.publish("landscape")
    controls.explain_invalid_function()  # where the views would be; stops the page
variables = ", ".join(str(v) for v in objective.variables)
st.markdown(f"**{objective.name}**: " + rf"${objective.symbol}({variables}) = {objective.latex}$")

names = _views(objective.dim)
if state.get("landscape_view") not in names:
    state.landscape_view = names[0]
view = links.control(
    st.segmented_control, "View", names, key="landscape_view", format_func=VIEWS.get, required=True,
    label_visibility="collapsed", width="stretch",
)  # fmt: skip
st.caption(ABOUT[view])
links.publish("landscape")
with st.sidebar:
    links.copy_link("landscape")

target = controls.source_of(objective)
lr, epochs, tol = float(lr), settings.epochs, settings.tol
with guarded(VIEWS[view].lower()):
    if view == "sweep":
        sweep_view(target, start, optimizer, epochs, tol, hyper, lr, lr_key="lr")
    elif view == "range":
        range_view(target, start, optimizer, hyper)
    elif view == "basin":
        basin_view(target, objective, optimizer, lr, epochs, tol, hyper)
    elif view == "momentum":
        momentum_map_view(target, start, optimizer, epochs, tol, lr, momentum_of(optimizer, hyper))
    else:
        lr_start_map_view(target, optimizer, epochs, tol, hyper, lr, start)

# The page's run (its function, start, optimizer and η), whichever view is shown.
run = (target, start, optimizer, lr, epochs, tol, hyper)
export_row(partial(landscape_run_chart, *run), partial(landscape_rows, *run),
           f"{objective.slug}-{optimizer}-eta{lr:g}", "landscape_",
           title=f"{objective.name}: {OPTIMIZERS[optimizer].name}, η = {lr:g}", key=run,
           label=f"Export this run (η = {lr:g}):")  # fmt: skip
links.publish("landscape")  # again: the views below the first set their own settings
