"""The views that show every learning rate (or every start) at once: the learning-rate
sweep with the run it picks, the range test, the basin map and the parameter maps.

Shared by the "Every learning rate" page (a function f) and the fit page (its loss L): each
view takes a *target* (see ``ui.compute.target_objective``), the run's settings as plain
values, and the session-state key of the learning rate it sets.
"""

from __future__ import annotations

import math

import streamlit as st

from gdviz import OPTIMIZERS, SWEEP_RATES
from gdviz.maps import BASIN_RESOLUTION
from gdviz.progress import TooSlow
from ui import budget, controls, links
from ui.charts import animated_chart, plotly_chart
from ui.compute import (
    basin_chart,
    basin_of,
    landscape_run,
    landscape_run_chart,
    lr_start_map_of,
    lr_sweep_of,
    momentum_map_of,
    param_map_chart,
    range_chart,
    range_words,
    sweep_chart,
    sweep_marks,
    sweep_words,
)
from ui.guard import guarded

#: Optimizers whose momentum β the η × momentum map varies (PyTorch's SGD family).
MOMENTUM_FAMILY = ("sgd", "momentum", "nesterov")


def momentum_of(optimizer: str, hyper=()) -> float | None:
    """β of an optimizer of the SGD family (PyTorch's default, the registry's preset, then
    ``hyper``: 0 for plain GD, 0.9 for "momentum" and "nesterov"); None for adaptive ones."""
    spec = OPTIMIZERS[optimizer]
    if spec.adaptive:
        return None
    return float({**spec.defaults, **spec.preset, **dict(hyper)}.get("momentum", 0.0))


MARKS = {
    "fastest": "Fastest to converge",
    "largest": "Largest that converges",
    "divergent": "Smallest that diverges",
}


#: Session state: the settings of a view the user asked to compute after a refusal.
ANYWAY = "_compute_anyway"


def _computed(what: str, compute, key, *, runs: int, epochs: int, method: str, label: str,
              default: bool, container: str, smaller: str | None = None):  # fmt: skip
    """The view's result, computed within its budget (ui.budget): FIRST_VIEW seconds at its
    default resolution, LONGER for one the user asked for (a larger resolution, or "compute
    it anyway"); None where it was refused, with a message (in a container keyed
    ``container``) saying why and what to change: fewer epochs, ``smaller`` (a resolution
    that costs less), or the button that computes it anyway."""
    asked = not default or st.session_state.get(ANYWAY) == key
    seconds = budget.LONGER if asked else budget.FIRST_VIEW
    result = budget.within(compute, key, seconds, label)
    if not isinstance(result, TooSlow):
        return result
    changes = [f"fewer epochs (about {budget.nice_epochs(epochs, seconds, result):,} would fit)"]
    if smaller:
        changes.append(smaller)
    with st.container(key=container):
        budget.refuse(budget.refusal(what, runs, epochs, method, seconds, result), changes,
                      anyway_key=None if asked else ANYWAY, anyway=key,
                      estimate=result.estimate)  # fmt: skip
    return None


def _set_lr(lr_key: str, value: float) -> None:
    """η from a view, kept within the learning-rate control's range."""
    st.session_state[lr_key] = float(min(max(value, controls.LR_MIN), controls.LR_MAX))


def _picked_rate(chart_key: str) -> float | None:
    """The learning rate of the sweep point just clicked (its x, or its customdata)."""
    event = st.session_state.get(chart_key)
    points = (event or {}).get("selection", {}).get("points", [])
    for point in points:
        for value in (point.get("customdata"), point.get("x")):
            if isinstance(value, list | tuple) and value:
                value = value[0]
            if isinstance(value, int | float) and math.isfinite(value) and value > 0:
                return float(value)
    return None


def _on_sweep_select(chart_key: str, lr_key: str) -> None:
    rate = _picked_rate(chart_key)
    if rate is not None:
        _set_lr(lr_key, rate)


def sweep_view(
    target, start, optimizer, epochs, tol, hyper, lr, *, lr_key, prefix="", show_run=True
) -> None:
    """The sweep (final loss and epochs against η, coloured by status, limits drawn), its
    sentences, buttons for its notable rates, and (``show_run``) the run at the current η."""
    args = (target, start, optimizer, epochs, tol, hyper)
    fixed = links.locked(lr_key)  # the teacher's link holds η: the sweep only shows
    sweep = _computed(
        "learning-rate sweep", lambda progress: lr_sweep_of(*args, _progress=progress),
        ("sweep", *args), runs=SWEEP_RATES, epochs=epochs, method=OPTIMIZERS[optimizer].name,
        default=True, container=prefix + "sweep_refused",
        label=f"Running {SWEEP_RATES} descents, one per learning rate…",
    )  # fmt: skip
    if sweep is not None:
        _sweep_panel(args, lr, lr_key, prefix, fixed, show_run)
    if show_run:  # (drawn whether or not the sweep could be)
        run_at(target, start, optimizer, lr, epochs, tol, hyper, key=prefix + "sweep_run",
               lr_key=None if fixed else lr_key)  # fmt: skip


def _sweep_panel(args, lr, lr_key, prefix, fixed, show_run) -> None:
    """The sweep's chart, its sentences and its buttons."""
    chart_key = prefix + "sweep_chart"
    with st.container(key=prefix + "sweep"), guarded("the learning-rate sweep"):
        choosing = {} if fixed else {
            "on_select": lambda: _on_sweep_select(chart_key, lr_key),
            "selection_mode": "points",
        }  # fmt: skip
        plotly_chart(sweep_chart(*args, lr), key=chart_key, theme=None, width="stretch",
                     **choosing)  # fmt: skip
        shown = ": the run below shows it." if show_run else "."
        take = " This link holds η fixed." if fixed else f" Click a point to take its η{shown}"
        st.caption(
            f"{SWEEP_RATES} runs from the same start, one per η on a log scale (each as long "
            f"as the run's epochs).{take}"
        )
        for sentence in sweep_words(*args):
            st.markdown(sentence)
        marks = sweep_marks(*args)
        # a row that wraps: each label whole, however narrow the column
        with st.container(horizontal=True, key=prefix + "sweep_marks"):
            for name, label in MARKS.items():
                rate = marks.get(name)
                st.button(
                    f"{label}: η = {rate:.3g}" if rate is not None else f"{label}: none here",
                    key=f"{prefix}sweep_{name}",
                    disabled=rate is None or fixed,
                    on_click=_set_lr,
                    args=(lr_key, rate if rate is not None else lr),
                    width="content",
                )


def run_at(target, start, optimizer, lr, epochs, tol, hyper, *, key, lr_key=None) -> None:
    """The run the views point at: its status in words and its path, animated ("+" and "−"
    move the η under ``lr_key``)."""
    args = (target, start, optimizer, lr, epochs, tol, hyper)
    with guarded("the run at this η"):
        traj = landscape_run(*args)
        st.subheader(f"The run at η = {lr:g}")
        st.caption(traj.message)
        animated_chart(landscape_run_chart(*args), key=key, lr_key=lr_key)


def range_view(target, start, optimizer, hyper, *, prefix="") -> None:
    """The learning-rate range test (Smith 2017) and why its suggestions land where they do."""
    with st.container(key=prefix + "range_test"), guarded("the range test"):
        plotly_chart(
            range_chart(target, start, optimizer, hyper), key=prefix + "range_chart", theme=None,
            width="stretch",
        )  # fmt: skip
        st.caption(
            "One run whose η grows by the same factor every step, from 10⁻⁷ up, with the loss "
            "recorded before each step: the learning-rate finder of fast.ai and PyTorch "
            "Lightning. It stops once the loss passes 4× its best."
        )
        for sentence in range_words(target, start, optimizer, hyper):
            st.markdown(sentence)


BASIN_RESOLUTIONS = {"256 × 256": 256, "512 × 512": 512}
BASIN_REPLAY = "_basin_replay"  # the start of the run replayed on the basin map


def basin_view(target, objective, optimizer, lr, epochs, tol, hyper) -> None:
    """Which minimum each start ends in, for these settings; a click replays that run."""
    state = st.session_state
    left, right = st.columns([1, 2])
    label = links.control(
        left.segmented_control, "Resolution", list(BASIN_RESOLUTIONS), key="basin_resolution",
        default=next(iter(BASIN_RESOLUTIONS)), required=True,
    )  # fmt: skip
    resolution = BASIN_RESOLUTIONS[label]
    box = _zoom_box(right, objective)
    settings = (target, optimizer, lr, epochs, tol, hyper, resolution, box)
    runs = resolution * resolution
    default = resolution == BASIN_RESOLUTION
    bmap = _computed(
        "basin map", lambda progress: basin_of(*settings, _progress=progress),
        ("basin", *settings), runs=runs, epochs=epochs, method=OPTIMIZERS[optimizer].name,
        default=default, container="basin_refused",
        label=f"Running {runs:,} descents, one from every pixel…",
        smaller=None if default else "the 256 × 256 resolution",
    )  # fmt: skip
    if bmap is None:
        return
    replay = state.get(BASIN_REPLAY)
    if replay is not None and not _inside(replay, bmap.box):
        replay = None
    with st.container(key="basin_map"), guarded("the basin map"):
        events = animated_chart(
            basin_chart(*settings, tuple(replay) if replay else None),
            key="basin_figure", clickable=True,
        )  # fmt: skip
        st.caption(
            "Each pixel is a start, coloured by where descent from it ends with these "
            "settings. Click a pixel to replay its run on the map (▶ Play)."
        )
        if replay is not None:
            traj = landscape_run(target, tuple(replay), optimizer, lr, epochs, tol, hyper)
            where = ", ".join(f"{v:g}" for v in replay)
            with st.container(key="basin_replay"):
                st.markdown(f"**The run from ({where}), replayed on the map:** {traj.message}")
        for sentence in bmap.summary():
            st.markdown(sentence)
    if events.clicked:
        x, y = events.clicked.get("x"), events.clicked.get("y")
        if all(isinstance(v, int | float) and math.isfinite(v) for v in (x, y)):
            start = bmap.start_at(float(x), float(y))
            if start != (tuple(replay) if replay else None):
                state[BASIN_REPLAY] = start
                st.rerun()


def _inside(point, box) -> bool:
    return all(lo <= v <= hi for v, (lo, hi) in zip(point, box, strict=True))


#: The zoom box's inputs: widget key, label and which edge of the plotting box it starts at.
ZOOM = (("basin_xmin", "x from", 0, 0), ("basin_xmax", "x to", 0, 1),
        ("basin_ymin", "y from", 1, 0), ("basin_ymax", "y to", 1, 1))  # fmt: skip
#: Session state: whether the basin map shows a zoomed box (then the link carries it).
ZOOMED = "basin_zoomed"


def _zoom_box(column, objective):
    """The box the map covers: the plotting box, or a zoomed one typed in (None = default)."""
    state = st.session_state
    domain = tuple(tuple(float(v) for v in edge) for edge in objective.domain)
    if links.hidden("box"):  # the teacher's box (or the plotting box), with no inputs
        values = tuple(float(state.setdefault(key, domain[i][j])) for key, _, i, j in ZOOM)
    else:
        typed = tuple(state.get(key, domain[i][j]) for key, _, i, j in ZOOM)
        zoomed = typed != tuple(domain[i][j] for _, _, i, j in ZOOM)
        with column.expander("Zoom into a box", expanded=zoomed):
            fixed = links.locked("basin_xmin")
            a, b = st.columns(2)
            values = tuple(
                (a if j == 0 else b).number_input(
                    label, value=domain[i][j], key=key, format="%g", disabled=fixed
                )
                for key, label, i, j in ZOOM
            )
    box = ((values[0], values[1]), (values[2], values[3]))
    state[ZOOMED] = box != domain
    if box == domain:
        return None
    if not (values[0] < values[1] and values[2] < values[3]):
        column.error("The zoom box is empty: make each “from” smaller than its “to”.")
        return None
    return box


MAP_RESOLUTIONS = {"100 × 100": 100, "200 × 200": 200, "400 × 400": 400}
MAP_DEFAULT = "200 × 200"


def _smaller(resolution: int) -> str | None:
    """The next smaller resolution of a parameter map, in words."""
    smaller = [label for label, size in MAP_RESOLUTIONS.items() if size < resolution]
    return f"the {smaller[-1]} resolution" if smaller else None


def _map_resolution(key: str) -> int:
    label = links.control(
        st.segmented_control, "Resolution", list(MAP_RESOLUTIONS), key=key,
        default=MAP_DEFAULT, required=True,
    )  # fmt: skip
    return MAP_RESOLUTIONS[label]


def momentum_map_view(target, start, optimizer, epochs, tol, lr, momentum) -> None:
    """Final loss or speed over η × β for an optimizer of the SGD family, with its
    theoretical stability boundary."""
    family = optimizer if optimizer in MOMENTUM_FAMILY else "momentum"
    if family != optimizer:
        st.caption("This map varies heavy-ball momentum (the optimizer “momentum”).")
    resolution = _map_resolution("momentum_map_resolution")
    args = (target, start, family, epochs, tol, resolution)
    runs = resolution * resolution
    pmap = _computed(
        "η × momentum map", lambda progress: momentum_map_of(*args, _progress=progress),
        ("momentum", *args), runs=runs, epochs=epochs,
        method="Nesterov momentum" if family == "nesterov" else "heavy-ball momentum",
        default=resolution == MAP_RESOLUTIONS[MAP_DEFAULT], container="momentum_refused",
        label=f"Running {runs:,} descents, one per (η, β)…", smaller=_smaller(resolution),
    )  # fmt: skip
    if pmap is None:
        return
    # (plain GD is β = 0; the adaptive optimizers, momentum None, have no place on this map)
    current = (lr, momentum) if momentum is not None else None
    with st.container(key="momentum_map"), guarded("the η × momentum map"):
        plotly_chart(
            param_map_chart("momentum", args, current), key="momentum_map_chart", theme=None,
            width="stretch",
        )  # fmt: skip
        for sentence in pmap.summary():
            st.markdown(sentence)


def lr_start_map_view(target, optimizer, epochs, tol, hyper, lr, start) -> None:
    """Final loss or speed over η × start for a 1-D function."""
    resolution = _map_resolution("start_map_resolution")
    args = (target, optimizer, epochs, tol, hyper, resolution)
    runs = resolution * resolution
    pmap = _computed(
        "η × start map", lambda progress: lr_start_map_of(*args, _progress=progress),
        ("start", *args), runs=runs, epochs=epochs, method=OPTIMIZERS[optimizer].name,
        default=resolution == MAP_RESOLUTIONS[MAP_DEFAULT], container="start_refused",
        label=f"Running {runs:,} descents, one per (start, η)…", smaller=_smaller(resolution),
    )  # fmt: skip
    if pmap is None:
        return
    with st.container(key="start_map"), guarded("the η × start map"):
        plotly_chart(
            param_map_chart("start", args, (lr, start[0])), key="start_map_chart", theme=None,
            width="stretch",
        )  # fmt: skip
        for sentence in pmap.summary():
            st.markdown(sentence)
