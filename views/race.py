"""Optimizers racing from the same start, as PyTorch runs them, explained step by step."""

from functools import partial

import streamlit as st

from gdviz import OPTIMIZERS, SCHEDULES, race_columns, view_of
from gdviz.analysis import DESCENDING_EPOCHS
from gdviz.numbers import position
from gdviz.race import RANKING_RULE
from ui import controls, links, race_controls
from ui.charts import ChartEvents, animated_chart, apply_clicked_start, click_to_start, plotly_chart
from ui.compute import (
    race_chart,
    race_keeps_moments,
    race_readout,
    race_snippet,
    race_steps,
    race_surface,
    race_table,
    race_verdict,
    run_race,
    schedule_chart,
)
from ui.exports import export_row
from ui.guard import guarded
from ui.keys import keys_help

P = "race_"  # every widget key on this page starts with it
DEFAULT_RACERS = ["gd", "momentum", "adam"]

CLICKED = "_race_clicked_start"

# ---- sidebar ---------------------------------------------------------------------------
state = st.session_state
links.restore("race")  # a shared link's settings, on this session's first run of the page
links.hide_layout()
# A click on the chart, waiting for this full run to set the start before it is drawn.
apply_clicked_start(CLICKED, P)
with st.sidebar:
    st.header("Race settings")
    objective = controls.function_controls(P, on_new_objective=race_controls.reset_lrs)
if objective is None:
    st.title("Optimizer race")
    links.show_notes("race")
    links.publish("race")
    controls.explain_invalid_function(P)  # where the chart would be; stops the page
with st.sidebar:
    settings = controls.run_controls(objective, P, default_epochs=200)
    noise, noise_seed = controls.noise_controls(P)
with controls.advanced_box():
    st.markdown("**Learning-rate schedule**")
    schedule = race_controls.schedule_controls(P, settings.epochs)
    with guarded("the schedule's learning rates"):
        try:
            rates_chart = schedule_chart(tuple(schedule.items()), settings.epochs)
        except ValueError as error:
            st.error(str(error))
            st.stop()
        plotly_chart(rates_chart, key=P + "schedule_chart", theme=None, width="stretch")
    if schedule["kind"] != "constant":  # the essay is about a changing η only
        st.caption(
            f"{SCHEDULES[schedule['kind']].about} Shown for η = 1; each optimizer's η is scaled "
            "the same way, once per epoch, as `scheduler.step()` does. PyTorch's momentum "
            "(b ← μb + g, x ← x − η b) and the classic Sutskever form (v ← μv − η g, x ← x + v) "
            "agree while η is constant and differ once it changes: PyTorch applies the new η "
            "to the whole buffer at once."
        )
    else:
        st.caption(SCHEDULES["constant"].about)

# ---- racers ------------------------------------------------------------------------------
st.title("Optimizer race")
links.show_notes("race")
st.markdown(
    f"**{objective.name}**: every optimizer starts at the same point, "
    f"{position(objective, settings.start)}, with its own learning rate and PyTorch's "
    "hyperparameters."
)
if state.get(P + "optimizers") is None:
    state[P + "optimizers"] = DEFAULT_RACERS
picked = links.control(
    st.multiselect,
    "Optimizers",
    list(OPTIMIZERS),
    key=P + "optimizers",
    format_func=lambda s: OPTIMIZERS[s].name,
)
racers, problems = race_controls.racer_controls(P, picked, objective) if picked else ([], [])
links.publish("race")
with st.sidebar:
    links.copy_link("race")
if not picked:
    st.info("Pick at least one optimizer to start the race.")
    st.stop()

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
    tuple(schedule.items()) if schedule["kind"] != "constant" else (),
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
with st.container(key="race_banner"), guarded("the race's result"):
    said = race_verdict(labels, *key)  # success only when a racer converged
    getattr(st, said.kind)(view_of(runs, zoom=False).told(said.text))
fixed_start = links.locked_any(P + "x0", P + "y0")  # a teacher's link holds the start
chart = {"key": P + "figure", "readout": race_readout(labels, *key),
         "clickable": not fixed_start, "report_epoch": True}  # fmt: skip


def chart_caption() -> None:
    """What the animated chart shows and how to drive it (not under the 3-D view)."""
    arrows = "White" if objective.dim == 2 else "Grey"
    moments = " Dotted arrows show the velocity or first moment of the methods that keep one."
    st.caption(
        f"Press ▶ Play; ◀ ▶ step one epoch"
        f"{'' if fixed_start else '; click the chart to start there'}. {keys_help(lr=False)} "
        "Each colour is one optimizer: its trail, its current point (the large dot) "
        f"and the step it actually took (solid arrow). {arrows} arrows point along "
        f"−∇{objective.symbol}, downhill."
        + (moments if race_keeps_moments(*key) else "")
        + (
            " The loss panel's axis is logarithmic (each labelled tick 10× the one below), so "
            "losses that span decades all stay readable."
            if _log_loss_axis()
            else ""
        )
    )


def _log_loss_axis() -> bool:
    layout = race_chart(labels, *key).layout
    return any(getattr(layout[k], "type", None) == "log" for k in layout if k.startswith("yaxis"))


events = ChartEvents()
with st.container(key="race_chart"), guarded("the race chart"):
    if objective.dim == 1:
        events = animated_chart(race_chart(labels, *key), **chart)
        chart_caption()
    else:
        map_tab, surface_tab = st.tabs(["Contour map", "3-D surface"], key=P + "view",
                                       on_change="rerun")  # fmt: skip
        with map_tab, guarded("the contour map"):
            events = animated_chart(race_chart(labels, *key), **chart)
            chart_caption()
        if surface_tab.open:
            with surface_tab, guarded("the 3-D surface"):
                plotly_chart(race_surface(labels, *key), key=P + "surface", theme=None,
                             width="stretch")  # fmt: skip
                st.caption("Drag to turn the surface. The height is the value of "
                           f"{objective.symbol}; each path lies on it.")  # fmt: skip
export_row(partial(race_chart, labels, *key), partial(race_columns, runs, labels),
           f"race-{objective.slug}", P,
           title=f"{objective.name}: optimizer race", key=(labels, *key))  # fmt: skip
if events.clicked:
    click_to_start(objective, view_of(runs, zoom=False), events.clicked, CLICKED)

st.subheader("Leaderboard")
st.caption(RANKING_RULE.format(symbol=objective.symbol))
tolerance_words = (
    f"the tolerance: ‖∇{objective.symbol}‖ ≤ {settings.tol:g}, the stopping rule set in the sidebar"
    if settings.tol > 0
    else "the tolerance, which is off (0), so no run stops early"
)
with guarded("the leaderboard"):
    st.dataframe(
        race_table(labels, *key),
        key=P + "leaderboard",
        hide_index=True,
        column_config={
            "rank": st.column_config.NumberColumn(
                help="Tied runs share a rank. " + RANKING_RULE.format(symbol=objective.symbol)
            ),
            "final loss": st.column_config.NumberColumn(
                f"final {objective.symbol}", format="%.6g",
                help=f"{objective.symbol} at the run's last epoch.",
            ),
            "distance to nearest minimum": st.column_config.TextColumn(
                help="How far the last point is from the closest known minimum (★)."
            ),
            "epochs to tolerance": st.column_config.TextColumn(
                help=f"The first epoch at which the run reached {tolerance_words}; "
                "'not reached' if it never did."
            ),
            "status": st.column_config.TextColumn(
                help="converged: reached the tolerance. still descending: used every epoch, "
                f"its last step still lowered {objective.symbol} and {objective.symbol} is lower "
                f"than {DESCENDING_EPOCHS} epochs before. not converged: used every epoch "
                f"without reaching the tolerance, and {objective.symbol} no longer coming down. "
                "bouncing: jumping "
                "back and forth without getting closer. "
                "ran all epochs: stopping was off. diverged: ran away or overflowed."
            ),
        },
    )  # fmt: skip

st.subheader("Explained, step by step")
# The browser keeps the label it was last sent; when the racers' labels change (a new
# function resets every η), setting the index again sends the current label with it.
slugs = [run.optimizer for run in runs]
shown = state.get(P + "explain")
if shown not in slugs or state.get(P + "explain_labels") != labels:
    state[P + "explain"] = shown if shown in slugs else slugs[0]
state[P + "explain_labels"] = labels
chosen = links.control(
    st.selectbox,
    "Optimizer",
    slugs,
    key=P + "explain",
    format_func=lambda s: labels[slugs.index(s)],
)
explained = slugs.index(chosen)
run = runs[explained]
st.latex(OPTIMIZERS[run.optimizer].rule)  # the rule in symbols; below, one epoch in numbers
if run.epoch == 0:
    st.info("This run stopped at the start: there is no step to explain.")
else:
    # One epoch control: the chart's. Its epoch comes back when the animation stops.
    epoch = min(max(events.epoch or 0, 0), run.epoch - 1)
    st.markdown(
        f"**Epoch {epoch} → {epoch + 1}**"
        + (
            f" (this run stopped at epoch {run.epoch})"
            if events.epoch and events.epoch > epoch
            else ""
        )
    )
    st.caption("The chart's epoch: pause the animation, or step it with ◀ ▶, to explain "
               "another step.")  # fmt: skip
    with guarded("the step-by-step explanation"):
        for line, sentence in race_steps(explained, epoch, *key):
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
    with guarded("the PyTorch snippet"):
        st.code(race_snippet(explained, *key), language="python")
links.publish("race")  # again: the explained optimizer is chosen below the first
