"""Fit a model to data by gradient descent: batch, mini-batch and SGD."""

from functools import partial

import streamlit as st
from sympy import latex

from gdviz import DEFAULT_TOL, LOSSES, OPTIMIZERS, view_of
from gdviz.fit import fit_notes, tidy_start
from ui import controls, fit_controls, links
from ui.charts import animated_chart, follow_chart, follow_table
from ui.compute import (
    fit_chart,
    fit_comparison,
    fit_landscape,
    fit_objective,
    fit_readout,
    fit_rows,
    fit_stability,
    fit_start,
    fit_table,
    load_dataset,
    run_fit,
)
from ui.exports import export_row
from ui.guard import guarded
from ui.keys import keys_help
from ui.landscape import (
    basin_view,
    momentum_map_view,
    momentum_of,
    range_view,
    sweep_view,
)
from ui.strip import stability_strip

P = "fit_"
GROUP = "fit"  # the fit chart's epoch, which the landscape and the table follow
BATCHES = ("full batch", "mini-batch", "1 (SGD)")


def _reset(prefix: str = P, *_):
    """New data (a data set chosen or a file uploaded): its own η and start."""
    for name in ("lr", "w0", "b0", "w0_exact", "b0_exact"):
        st.session_state.pop(P + name, None)


state = st.session_state
links.restore("fit")  # a shared link's settings, on this session's first run of the page
links.hide_layout()
# ---- sidebar ---------------------------------------------------------------------------
with st.sidebar:
    st.header("Data and model")
    source = fit_controls.data_source(P, on_change=_reset)
    data = None
    if source is not None:
        try:
            data = load_dataset(source)
        except ValueError as error:
            st.error(f"That file cannot be used: {error}")
    loss = links.control(st.radio, "Loss", list(LOSSES), key=P + "loss", horizontal=True,
                         format_func=lambda s: LOSSES[s].name.lower())  # fmt: skip

if data is None:
    st.title("Fit a model")
    links.show_notes("fit")
    links.publish("fit")
    st.info("Upload a CSV file with two numeric columns (x, y) in the sidebar, or pick a data set.")
    st.stop()

objective = fit_objective(source, loss)
with st.sidebar:
    st.header("Descent")
    optimizer = links.control(st.selectbox, "Optimizer", list(OPTIMIZERS), key=P + "optimizer",
                              format_func=lambda s: OPTIMIZERS[s].name)  # fmt: skip
    if not controls.valid_lr(state.get(P + "lr")):
        state[P + "lr"] = min(max(data.lr, controls.LR_MIN), controls.LR_MAX)
    lr = links.control(st.select_slider, "Learning rate η",
                       options=controls.lr_options(state[P + "lr"]), key=P + "lr",
                       format_func=lambda v: f"{v:g}")  # fmt: skip
    reference = fit_stability(source, loss, tuple(data.start))
    if reference is not None and reference.gd_limit is not None:
        # L's curvature, constant for a mean squared error: the bands hold everywhere.
        stability_strip(reference, float(lr), objective.symbol)
    for name, suggested, box in zip(("w0", "b0"), data.start, objective.domain, strict=False):
        if not controls.is_number(state.get(P + name)):  # new data: its start, without dust
            state[P + name] = tidy_start([controls.snap(suggested, *box)], [box])[0]
    start = tuple(
        controls.start_input(f"Start {name[0]}₀", P + name, box, suggested)
        for name, suggested, box in zip(("w0", "b0"), data.start, objective.domain, strict=False)
    )
    start = tidy_start(start, objective.domain)  # a slider's 0.30000000000000004 is 0.3
    epochs = links.control(st.slider, "Epochs (passes over the data)", 1, 500, 100,
                           key=P + "epochs",
                           help="An epoch is one pass over every data point.")  # fmt: skip
    batch = links.control(
        st.radio,
        "Gradient from", BATCHES, key=P + "batch",
        help="A batch is the group of points one step's gradient is averaged over: all of "
        "them (full batch), a few (mini-batch) or one at a time (SGD).",
    )  # fmt: skip
    size = None
    size_key = P + "batch_size"
    if controls.is_number(state.get(size_key)) and not 1 <= state[size_key] <= data.n:
        links.note("fit", f"Ignored a batch size of {state[size_key]:g}: this data set has "
                          f"{data.n} points, so a batch holds 1 to {data.n}.")  # fmt: skip
        state[size_key] = min(4, data.n)
    if batch == "mini-batch":
        size = links.control(
            st.number_input,
            "Batch size", 1, data.n, min(4, data.n), key=P + "batch_size",
            help="Points per step; an epoch takes ⌈points / size⌉ steps.",
        )  # fmt: skip
    elif batch == "1 (SGD)":
        size = 1
    seed = links.control(
        st.number_input,
        "Shuffle seed", 0, 10_000, 0, key=P + "seed", disabled=size is None,
        help="Mini-batches and SGD visit the points in a shuffled order each epoch; "
        "the same seed gives the same order.",
    )  # fmt: skip

try:
    args = (source, start, float(lr), int(epochs), optimizer, size, int(seed), loss)
    traj = run_fit(*args)
except ValueError as error:
    st.error(f"Cannot fit: {error}")
    st.stop()
links.publish("fit")
with st.sidebar:
    links.copy_link("fit")

# ---- page ------------------------------------------------------------------------------
st.title("Fit a model")
links.show_notes("fit")
st.markdown(f"**{data.name}**: {data.about}" if data.about else f"**{data.name}**")
st.latex(rf"\hat y = {latex(data.model, order='grlex')},\qquad "
         rf"L({', '.join(data.params)}) = {objective.latex}")  # fmt: skip
per_epoch = traj.iterations_per_epoch
st.caption(
    f"{data.n} points. One epoch is one pass over them: {per_epoch} update"
    f"{'s' if per_epoch != 1 else ''} per epoch with this batch size."
)
with st.container(key="fit_banner"), guarded("the fit's result"):
    {"converged": st.success, "diverged": st.error, "oscillating": st.warning}.get(
        traj.status, st.info
    )(view_of(traj, zoom=False).told(traj.message))
    for note in fit_notes(traj):  # the jargon the banner used, explained
        st.caption(note)

with guarded("what the derivative says at the start"):
    st.markdown(fit_start(source, loss, start))  # what the derivative says, in the course's words

with st.container(key="fit_chart"), guarded("the fitted line"):
    # The page's one epoch control: the landscape and the table below follow it.
    animated_chart(fit_chart(*args), key=P + "figure", group=GROUP, lr_key=P + "lr",
                   readout=fit_readout(*args) if size is None else None)  # fmt: skip
if traj.epoch:  # a run that stopped at its start has nothing to play
    st.caption("Press ▶ Play: the line moves epoch by epoch; dotted lines are the residuals "
               "(prediction − y). ◀ ▶ step one epoch; the loss landscape and the table "
               f"below follow. {keys_help(lr=not links.locked(P + 'lr'))}")  # fmt: skip
export_row(partial(fit_chart, *args), partial(fit_table, *args), f"fit-{data.slug}", P,
           title=f"{data.name}: fitting y = {data.model_text}, η = {lr:g}", key=args)  # fmt: skip

landscape, compare, rates_tab, epochs_tab = st.tabs(
    links.FIT_DETAILS,
    key=P + "details",
    on_change="rerun",
)
if landscape.open:
    with landscape, guarded("the loss landscape"):
        follow_chart(fit_landscape(*args), key=P + "landscape", group=GROUP)
if compare.open:
    with compare, guarded("the batch comparison"):
        st.caption(
            "Same start, same η, same number of epochs, so every run computes the "
            "same number of per-sample gradients; smaller batches take more, noisier steps."
        )
        comparison = fit_comparison(source, start, float(lr), int(epochs), optimizer, int(seed),
                                    loss)  # fmt: skip
        animated_chart(comparison, key=P + "compare")
if rates_tab.open:
    with rates_tab, guarded("every learning rate"):
        views = list(links.FIT_RATES.values())[: 3 if objective.dim == 2 else 2]
        if state.get(P + "rates_view") not in views:  # (a link's basin map on a 1-D model)
            state[P + "rates_view"] = views[0]
        view = links.control(st.segmented_control, "Show", views, key=P + "rates_view",
                             required=True, label_visibility="collapsed")  # fmt: skip
        target = ("fit", source, loss)
        if view == views[0]:
            st.caption(
                "Full-batch descent on L from this start, once for each of 501 learning "
                "rates: where it converges, how fast, and where it diverges. Click a point to "
                "fit with its η (the chart above shows that fit)."
            )
            sweep_view(target, start, optimizer, int(epochs), DEFAULT_TOL, (), float(lr),
                       lr_key=P + "lr", prefix=P, show_run=False)  # fmt: skip
            range_view(target, start, optimizer, (), prefix=P)
        elif view == views[1]:
            momentum_map_view(target, start, optimizer, int(epochs), DEFAULT_TOL, float(lr),
                              momentum_of(optimizer))  # fmt: skip
        else:
            basin_view(target, objective, optimizer, float(lr), int(epochs), DEFAULT_TOL, ())
if epochs_tab.open:
    with epochs_tab, guarded("the table of epochs"):
        follow_table(fit_rows(*args), key=P + "table", group=GROUP)
        frame = fit_table(*args)
        st.download_button(
            "Download CSV",
            frame.to_csv(index=False).encode(),
            file_name=f"gdviz-fit-{data.slug}.csv",
            key=P + "download",
        )
links.publish("fit")  # again: the views below the first set their own settings
