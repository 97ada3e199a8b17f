"""Optimizers racing from the same start, as PyTorch runs them, explained step by step."""

import pandas as pd
import streamlit as st

import gdviz
from gdviz import OPTIMIZERS, SCHEDULES, explain
from gdviz.numbers import fmt, position
from gdviz.race import Racer, leaderboard, suggested_lr
from ui import controls
from ui.charts import animated_chart
from ui.compute import race_chart, race_surface, run_race

P = "race_"  # every widget key on this page starts with it
DEFAULT_RACERS = ["gd", "momentum", "adam"]
SCHEDULE_PARAMS = {  # widget for each schedule parameter: (label, min, step, is_int)
    "step_size": ("step size (epochs)", 1, 1, True),
    "gamma": ("γ (factor)", 0.0, 0.01, False),
    "T_max": ("T_max (epochs)", 1, 1, True),
    "eta_min": ("η_min", 0.0, 0.0001, False),
    "start_factor": ("start factor", 0.01, 0.01, False),
    "end_factor": ("end factor", 0.0, 0.01, False),
    "total_iters": ("warm-up epochs", 1, 1, True),
}


def _reset_lrs(prefix: str, objective) -> None:
    for slug in OPTIMIZERS:
        st.session_state[f"{P}lr_{slug}"] = suggested_lr(objective, slug)


def hyper_widgets(slug: str) -> dict:
    """One widget per hyperparameter, starting at PyTorch's default."""
    hyper = {}
    for name, default in OPTIMIZERS[slug].defaults.items():
        key = f"{P}{slug}_{name}"
        if isinstance(default, bool):
            hyper[name] = st.checkbox(name, value=default, key=key)
        elif isinstance(default, tuple):
            b1 = st.number_input("β₁", 0.0, 0.9999, default[0], 0.01, key=key + "_1", format="%g")
            b2 = st.number_input("β₂", 0.0, 0.9999, default[1], 0.001, key=key + "_2", format="%g")
            hyper[name] = (b1, b2)
        else:
            step = 1e-9 if name == "eps" else 0.01
            hyper[name] = st.number_input(
                name, min_value=0.0, value=float(default), step=step, key=key, format="%g"
            )
    return hyper


# ---- sidebar ---------------------------------------------------------------------------
state = st.session_state
with st.sidebar:
    st.header("Race settings")
    objective = controls.function_controls(P, on_new_objective=_reset_lrs)
    if objective is None:
        st.stop()  # the sidebar shows what is wrong with the typed function
    settings = controls.run_controls(objective, P, default_epochs=200)
    noise, noise_seed = controls.noise_controls(P)
    st.subheader("Learning-rate schedule")
    kind = st.selectbox(
        "Schedule",
        list(SCHEDULES),
        key=P + "schedule",
        format_func=lambda s: (
            SCHEDULES[s].name + ("" if s == "constant" else f" ({SCHEDULES[s].torch})")
        ),
    )
    schedule = {"kind": kind}
    for name, default in SCHEDULES[kind].defaults.items():
        label, low, step, whole = SCHEDULE_PARAMS[name]
        value = settings.epochs if default is None else default
        schedule[name] = st.number_input(
            label,
            min_value=int(low) if whole else float(low),
            value=int(value) if whole else float(value),
            step=step,
            key=f"{P}sched_{name}",
            format="%d" if whole else "%g",
        )
    try:
        rates = gdviz.learning_rates(schedule, 1.0, settings.epochs)
    except ValueError as error:
        st.error(str(error))
        st.stop()
    st.plotly_chart(
        gdviz.schedule_figure(rates), key=P + "schedule_chart", theme=None, width="stretch"
    )
    st.caption(
        f"{SCHEDULES[kind].about} Shown for η = 1; each optimizer's η is scaled the same way, "
        "once per epoch, as `scheduler.step()` does. PyTorch's momentum (b ← μb + g, "
        "x ← x − η b) and the classic Sutskever form (v ← μv − η g, x ← x + v) agree while η "
        "is constant and differ once it changes: PyTorch applies the new η to the whole "
        "buffer at once."
    )

# ---- racers ------------------------------------------------------------------------------
st.title("Optimizer race")
st.markdown(
    f"**{objective.name}**: every optimizer starts at the same point, "
    f"{position(objective, settings.start)}, with its own learning rate and PyTorch's "
    "hyperparameters."
)
if state.get(P + "optimizers") is None:
    state[P + "optimizers"] = DEFAULT_RACERS
picked = st.multiselect(
    "Optimizers",
    list(OPTIMIZERS),
    key=P + "optimizers",
    format_func=lambda s: OPTIMIZERS[s].name,
)
if not picked:
    st.info("Pick at least one optimizer to start the race.")
    st.stop()

racers, problems = [], []
columns = st.columns(min(len(picked), 4))
for i, slug in enumerate(picked):
    lr_key = f"{P}lr_{slug}"
    if not controls.valid_lr(state.get(lr_key)):
        state[lr_key] = suggested_lr(objective, slug)
    with columns[i % len(columns)].expander(OPTIMIZERS[slug].name, expanded=False):
        st.select_slider(
            "learning rate η",
            options=controls.lr_options(state[lr_key]),
            key=lr_key,
            format_func=lambda v: f"{v:g}",
        )
        hyper = hyper_widgets(slug)
        st.caption(OPTIMIZERS[slug].about)
    try:
        gdviz.get_optimizer(slug, **hyper)
    except ValueError as error:
        problems.append(f"{OPTIMIZERS[slug].name}: {error}")
        continue
    racers.append(Racer(slug, float(state[lr_key]), hyper))
for problem in problems:
    st.warning(f"Left out of the race: {problem}")
if not racers:
    st.stop()

key = (
    controls.source_of(objective, P),
    settings.start,
    tuple((r.optimizer, r.lr, tuple(r.hyper.items())) for r in racers),
    settings.epochs,
    settings.tol,
    tuple(schedule.items()) if kind != "constant" else (),
    noise,
    noise_seed,
)
labels = tuple(r.label for r in racers)
try:
    runs = run_race(*key)
except ValueError as error:
    st.error(f"Cannot run the race: {error}")
    st.stop()

# ---- results -----------------------------------------------------------------------------
board = leaderboard(runs, labels)
best = board[0]
with st.container(key="race_banner"):
    if best["status"] == "diverged":
        st.error("Every optimizer diverged: lower the learning rates (open each optimizer above).")
    else:
        st.success(
            f"Lowest loss: {best['optimizer']}, f = {fmt(best['final loss'])} "
            f"({best['status'].replace('_', ' ')})."
        )
with st.container(key="race_chart"):
    if objective.dim == 1:
        animated_chart(race_chart(labels, *key), key=P + "figure")
    else:
        map_tab, surface_tab = st.tabs(["Contour map", "3-D surface"], key=P + "view",
                                       on_change="rerun")  # fmt: skip
        with map_tab:
            animated_chart(race_chart(labels, *key), key=P + "figure")
        if surface_tab.open:
            surface_tab.plotly_chart(
                race_surface(labels, *key), key=P + "surface", theme=None, width="stretch"
            )
st.caption(
    "Press ▶ Play. Each colour is one optimizer: its trail, its current point and the step it "
    "actually took (solid arrow). White arrows point along −∇f; dotted arrows show the "
    "velocity or first moment, for the methods that keep one."
)

st.subheader("Leaderboard")
st.caption("Ranked by final loss (diverged runs last), so several equally good minima are fair.")
st.dataframe(
    pd.DataFrame(board),
    key=P + "leaderboard",
    hide_index=True,
    column_config={
        "final loss": st.column_config.NumberColumn(format="%.6g"),
        "distance to nearest minimum": st.column_config.NumberColumn(format="%.3e"),
    },
)

st.subheader("Explained, step by step")
chosen = st.selectbox(
    "Optimizer",
    range(len(runs)),
    key=P + "explain",
    format_func=lambda i: labels[i],
)
run = runs[chosen]
if run.epoch == 0:
    st.info("This run stopped at the start: there is no step to explain.")
else:
    state[P + "explain_epoch"] = min(max(int(state.get(P + "explain_epoch", 0)), 0), run.epoch - 1)
    epoch = st.slider("Epoch", 0, run.epoch - 1, key=P + "explain_epoch") if run.epoch > 1 else 0
    for line, sentence in explain.step_latex(run, epoch):
        st.latex(line)
        st.caption(sentence)
    if noise:
        st.markdown(
            "**As PyTorch code**: the same loop without the gradient noise; adding "
            f"`p.grad += {noise:g} * torch.randn_like(p)` before `step()` makes it noisy "
            "(with other random draws than gdviz's)."
        )
    else:
        st.markdown("**As PyTorch code**: this reproduces the path above.")
    st.code(explain.torch_code(run), language="python")
