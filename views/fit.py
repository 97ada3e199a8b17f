"""Fit a model to data by gradient descent: batch, mini-batch and SGD."""

import pandas as pd
import streamlit as st
from sympy import latex

import gdviz
from gdviz import DATASETS, LOSSES, OPTIMIZERS
from gdviz.derivative import downhill_sentence
from gdviz.explain import table
from ui import controls
from ui.charts import animated_chart
from ui.compute import fit_chart, load_dataset, run_fit

P = "fit_"
UPLOAD = "upload"
BATCHES = ("full batch", "mini-batch", "1 (SGD)")
NOISY = {"slope": 2.0, "intercept": 1.0, "noise": 0.5, "size": 30, "seed": 0}


def _reset(prefix: str = P, *_):
    for name in ("lr", "w0", "b0"):
        st.session_state.pop(P + name, None)


state = st.session_state
# ---- sidebar ---------------------------------------------------------------------------
with st.sidebar:
    st.header("Data and model")
    choice = st.selectbox(
        "Data",
        [*DATASETS, UPLOAD],
        key=P + "dataset",
        on_change=_reset,
        format_func=lambda s: "Upload a CSV (x, y)" if s == UPLOAD else DATASETS[s].name,
    )
    if choice == "noisy_line":
        params = {
            name: st.number_input(
                name, value=default, key=f"{P}noisy_{name}",
                min_value={"size": 2, "seed": 0, "noise": 0.0}.get(name),
                max_value=1000 if name == "size" else None,
                step=1 if isinstance(default, int) else 0.1,
            )
            for name, default in NOISY.items()
        }  # fmt: skip
        source = ("noisy", *params.values())
    elif choice == UPLOAD:
        upload = st.file_uploader("CSV with two numeric columns, x and y", type=["csv", "txt"],
                                  key=P + "csv")  # fmt: skip
        source = None if upload is None else ("csv", upload.getvalue())
    else:
        source = ("registry", choice)
    data = None
    if source is not None:
        try:
            data = load_dataset(source)
        except ValueError as error:
            st.error(f"That file cannot be used: {error}")
    loss_names = {"mse": "mean squared error", "mae": "mean absolute error"}
    loss = st.radio("Loss", list(LOSSES), key=P + "loss", horizontal=True,
                    format_func=lambda s: loss_names.get(s, s))  # fmt: skip

if data is None:
    st.title("Fit a model")
    st.info("Upload a CSV file with two numeric columns (x, y) in the sidebar, or pick a data set.")
    st.stop()

objective = gdviz.loss_objective(data, loss)
with st.sidebar:
    st.header("Descent")
    optimizer = st.selectbox("Optimizer", list(OPTIMIZERS), key=P + "optimizer",
                             format_func=lambda s: OPTIMIZERS[s].name)  # fmt: skip
    if not controls.valid_lr(state.get(P + "lr")):
        state[P + "lr"] = min(max(data.lr, controls.LR_MIN), controls.LR_MAX)
    lr = st.select_slider("Learning rate η", options=controls.lr_options(state[P + "lr"]),
                          key=P + "lr", format_func=lambda v: f"{v:g}")  # fmt: skip
    for name, start, (lo, hi) in zip(("w0", "b0"), data.start, objective.domain, strict=False):
        if not controls.is_number(state.get(P + name)) or not lo <= state[P + name] <= hi:
            state[P + name] = controls.snap(start, lo, hi)
        st.slider(f"Start {name[0]}₀", lo, hi, step=controls.slider_step(lo, hi), key=P + name)
    epochs = st.slider("Epochs (passes over the data)", 1, 500, 100, key=P + "epochs")
    batch = st.radio("Gradient from", BATCHES, key=P + "batch")
    size = None
    if batch == "mini-batch":
        size = st.number_input("Batch size", 1, data.n, min(4, data.n), key=P + "batch_size")
    elif batch == "1 (SGD)":
        size = 1
    seed = st.number_input("Shuffle seed", 0, 10_000, 0, key=P + "seed")

start = tuple(float(state[P + n]) for n in ("w0", "b0")[: data.dim])
try:
    args = (source, start, float(lr), int(epochs), optimizer, size, int(seed), loss)
    traj = run_fit(*args)
except ValueError as error:
    st.error(f"Cannot fit: {error}")
    st.stop()

# ---- page ------------------------------------------------------------------------------
st.title("Fit a model")
st.markdown(f"**{data.name}**: {data.about}" if data.about else f"**{data.name}**")
st.latex(rf"\hat y = {latex(data.model)},\qquad L = {objective.latex}")
per_epoch = traj.iterations_per_epoch
st.caption(
    f"{data.n} points. One epoch is one pass over them: {per_epoch} update"
    f"{'s' if per_epoch != 1 else ''} per epoch with this batch size."
)
with st.container(key="fit_banner"):
    {"converged": st.success, "diverged": st.error, "oscillating": st.warning}.get(
        traj.status, st.info
    )(traj.message)

# What the derivative says at the start, in the course's words.
preds = data.predict(start)
slope = objective.grad(start)
words = " ".join(
    downhill_sentence(float(g), name) for g, name in zip(slope, data.params, strict=True)
)
shown = ", ".join(f"{p:.4g}" for p in preds[:6]) + (" …" if data.n > 6 else "")
st.markdown(
    f"At the start ({', '.join(f'{n} = {v:g}' for n, v in zip(data.params, start, strict=True))})"
    f" the model predicts ({shown}) for y = ({', '.join(f'{v:.4g}' for v in data.y[:6])}"
    f"{' …' if data.n > 6 else ''}). {words}"
)

with st.container(key="fit_chart"):
    animated_chart(fit_chart(*args), key=P + "figure")
st.caption("Press ▶ Play: the line moves epoch by epoch; dotted lines are the residuals.")

landscape, compare, epochs_tab = st.tabs(
    ["Loss landscape", "Full batch vs mini-batch vs SGD", "Every epoch"],
    key=P + "details",
    on_change="rerun",
)
if landscape.open:
    with landscape:
        animated_chart(gdviz.descent_figure(traj), key=P + "landscape")
if compare.open:
    sizes = [(None, "full batch"), (min(4, data.n), f"mini-batch of {min(4, data.n)}"),
             (1, "SGD (batch 1)")]  # fmt: skip
    runs = [run_fit(source, start, float(lr), int(epochs), optimizer, b, int(seed), loss)
            for b, _ in sizes]  # fmt: skip
    compare.caption(
        "Same start, same learning rate, same number of epochs, so every run computes the "
        "same number of per-sample gradients; smaller batches take more, noisier steps."
    )
    with compare:
        animated_chart(gdviz.race_figure(runs, [label for _, label in sizes]), key=P + "compare")
if epochs_tab.open:
    frame = pd.DataFrame(table(traj))
    epochs_tab.dataframe(frame, key=P + "table", hide_index=True, height=300)
    epochs_tab.download_button(
        "Download CSV",
        frame.to_csv(index=False).encode(),
        file_name=f"gdviz-fit-{data.slug}.csv",
        key=P + "download",
    )
