"""Sidebar controls shared by the pages: widgets in, plain values out.

Every widget has a stable key: ``prefix + name``, so two pages can hold their own
settings side by side (the descent page uses no prefix: its keys are contracts).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple, NoReturn

import numpy as np
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

import gdviz
from gdviz import OBJECTIVES, Objective

DIMENSIONS = {"1-D": 1, "2-D": 2}
DEFAULT_BY_DIM = {1: "parabola", 2: "himmelblau"}
# Learning rates on a log grid, 13 per decade over 1e-5 … 10 (exact values go in beside it):
# the learning-rate sweep's whole range, so any η it picks can be set.
MANTISSAS = (1, 1.2, 1.5, 1.8, 2, 2.5, 3, 4, 5, 6, 7, 8, 9)
LR_GRID = tuple(float(f"{m}e{p}") for p in range(-5, 1) for m in MANTISSAS) + (10.0,)
LR_MIN, LR_MAX = LR_GRID[0], LR_GRID[-1]
TOLERANCES = (0.0, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2)

Hook = Callable[[str, Objective], None]
CUSTOM = "custom"  # the "your own function" choice of the function picker
DEFAULT_EXPRESSION = "x^2/10 + sin(2x)"
ADVANCED = "Advanced settings"  # tolerance, noise, exact values (and a schedule on the race page)

_BOX_KEY = "_advanced_box"  # session state: (the run's cursors, its advanced box)


def advanced_box():
    """The page's one expander for what a first-time user can leave alone (the stopping
    tolerance, gradient noise, exact values), shut by default.

    The first call in a page run draws it where that call is (in the sidebar); later calls
    in the same run return the same expander, so each control lands in it with
    ``with advanced_box(): ...``. A fragment's rerun gets the box of the last full run.
    """
    ctx = get_script_run_ctx()
    if ctx is None:  # bare mode: no run to share a box with
        return st.expander(ADVANCED, key="advanced")
    # Streamlit gives every run a new ``cursors`` dict: same dict, same run.
    cursors, box = st.session_state.get(_BOX_KEY, (None, None))
    if box is not None and (cursors is ctx.cursors or ctx.fragment_ids_this_run):
        return box
    box = st.expander(ADVANCED, key="advanced")
    st.session_state[_BOX_KEY] = (ctx.cursors, box)
    return box


def _shown(key: str) -> bool:
    """Whether a teacher's link leaves the widget ``key`` on the page (ui.links)."""
    from ui import links

    return links.visible(key)


def _locked(key: str) -> bool:
    """Whether a teacher's link shows the widget ``key`` without letting it change."""
    from ui import links

    return links.locked(key)


def _control(widget, label: str, *args, key: str, **kwargs):
    """The widget as a teacher's link wants it (ui.links.control)."""
    from ui import links

    return links.control(widget, label, *args, key=key, **kwargs)


def lr_help(objective: Objective | None = None) -> str:
    """Help text for an η control: what the learning rate does, in the page's notation."""
    f = objective.symbol if objective is not None else "f"
    v = objective.variables[0] if objective is not None else "x"
    return (
        f"η, the learning rate: how far each step moves against the gradient, "
        f"{v} ← {v} − η ∇{f}({v}). Too small crawls; too large overshoots, bounces or diverges."
    )


@st.cache_resource(max_entries=32, show_spinner=False)
def resolve(source) -> Objective:
    """The objective behind a plain cache key: a registry slug or ("expr", text, domain)."""
    if isinstance(source, str):
        return OBJECTIVES[source]
    _, text, domain = source
    return gdviz.parse_objective(text, domain=domain)


def _box(prefix: str):
    """The plotting box typed for a custom function, or None for the default."""
    state = st.session_state
    values = [state.get(prefix + k) for k in ("xmin", "xmax", "ymin", "ymax")]
    if not all(is_number(v) for v in values[:2]):
        return None
    box = ((float(values[0]), float(values[1])),)
    if all(is_number(v) for v in values[2:]):
        box += ((float(values[2]), float(values[3])),)
    return box


def _custom_source(prefix: str, dim: int | None = None):
    box = _box(prefix)
    if box is not None and dim is not None:
        box = box[:dim] if len(box) >= dim else None
    return ("expr", st.session_state.get(prefix + "expression", ""), box)


def source_of(objective: Objective, prefix: str = ""):
    """The plain, hashable key that :func:`resolve` turns back into ``objective``."""
    if OBJECTIVES.get(objective.slug) is objective:
        return objective.slug
    return _custom_source(prefix, objective.dim)


class RunSettings(NamedTuple):
    start: tuple[float, ...]
    epochs: int
    tol: float


def slider_step(lo: float, hi: float) -> float:
    """A round step (1, 2 or 5 × 10ᵏ, at least 0.001) giving about 200 positions."""
    raw = max((hi - lo) / 200, 0.001)
    power = 10.0 ** math.floor(math.log10(raw))
    return next(float(f"{m * power:.12g}") for m in (1, 2, 5, 10) if m * power >= raw)


def snap(value: float, lo: float, hi: float) -> float:
    """``value`` clamped to [lo, hi] and rounded to the start sliders' step."""
    step = slider_step(lo, hi)
    value = min(max(value, lo), hi)
    return round(lo + round((value - lo) / step) * step, 10)


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _reset_start(prefix: str, objective: Objective) -> None:
    for name, value, (lo, hi) in zip(("x0", "y0"), objective.start, objective.domain, strict=False):
        st.session_state[prefix + name] = snap(value, lo, hi)


def keep_start(key: str, box: tuple[float, float], suggested: float) -> float:
    """For a start whose range changes to ``box``: keep its value when it is inside,
    clamp it to the nearest end when it is outside (the suggestion if there is none).

    Call it from the callback that changes the range, before the slider is drawn.
    """
    lo, hi = box
    value = st.session_state.get(key)
    if not is_number(value) or not math.isfinite(value):
        value = snap(suggested, lo, hi)
    elif not lo <= value <= hi:
        value = snap(value, lo, hi)
    st.session_state[key] = float(value)
    return float(value)


def _keep_starts(prefix: str, objective: Objective) -> None:
    for name, box, suggested in zip(("x0", "y0"), objective.domain, objective.start, strict=False):
        keep_start(prefix + name, box, suggested)


#: Starts can be typed anywhere in ±START_LIMIT; the slider covers the plotting box.
START_LIMIT = 1e6


def _copy(source: str, target: str) -> None:
    st.session_state[target] = st.session_state[source]


def start_input(
    label: str, key: str, box: tuple[float, float], suggested: float, *, help: str | None = None
) -> float:
    """A start slider over the plotting box and, in :func:`advanced_box`, a number input
    that takes any value in ±START_LIMIT (the slider's range then widens to hold it).

    The value lives under ``key`` (the slider's key); the number input is ``key + "_exact"``.
    Both are written before they are drawn (and never given a default), so they always
    show the value the page uses. ``help`` says what the value is (else: a start).
    """
    value = _start_slider(label, key, box, suggested, help)
    with advanced_box():
        _exact_start(label, key, box)
    return value


def start_inputs(starts) -> tuple[float, ...]:
    """Several starts, as :func:`start_input` draws one: all the sliders, then all the exact
    inputs together in :func:`advanced_box` (so the box does not split the sliders).

    ``starts`` holds (label, key, box, suggested) tuples.
    """
    starts = list(starts)
    values = tuple(_start_slider(*start) for start in starts)
    with advanced_box():
        for label, key, box, _ in starts:
            _exact_start(label, key, box)
    return values


def _start_slider(
    label: str, key: str, box: tuple[float, float], suggested: float, help: str | None = None
) -> float:
    state = st.session_state
    lo, hi = box
    value = state.get(key)
    if not is_number(value) or not -START_LIMIT <= value <= START_LIMIT:
        value = snap(suggested, lo, hi)
    state[key] = state[key + "_exact"] = float(value)
    low, high = min(lo, value), max(hi, value)
    what = help or "Where the descent starts."
    if _shown(key):
        st.slider(
            label, min_value=low, max_value=high, step=slider_step(low, high), key=key,
            help=f"{what} Drag it, or type any value under “{ADVANCED}”.",
            disabled=_locked(key),
        )  # fmt: skip
    return float(value)


def _exact_start(label: str, key: str, box: tuple[float, float]) -> None:
    if not _shown(key):
        return
    name = label.removeprefix("Start ")
    st.number_input(
        f"{name} exactly", min_value=-START_LIMIT, max_value=START_LIMIT, key=key + "_exact",
        step=slider_step(*box), format="%g", on_change=_copy, args=(key + "_exact", key),
        help=f"Any {name} from −10⁶ to 10⁶; outside the plotting box the slider widens.",
        disabled=_locked(key),
    )  # fmt: skip


def _current(prefix: str) -> Objective | None:
    """The chosen objective, or None when the typed function does not parse."""
    slug = st.session_state[prefix + "objective"]
    if slug != CUSTOM:
        return OBJECTIVES[slug]
    try:
        return _resolve_custom(prefix)
    except ValueError:
        return None


def _resolve_custom(prefix: str) -> Objective:
    """Parse the typed function in its box (the box's y range only if it uses y)."""
    text = st.session_state.get(prefix + "expression", "")
    dim = 2 if gdviz.parse_expression(text).has(gdviz.objectives.Y) else 1
    return resolve(_custom_source(prefix, dim))


def _on_objective(prefix: str, hook: Hook | None) -> None:
    """A new objective starts from its suggested start (and whatever the page resets)."""
    if st.session_state[prefix + "objective"] == CUSTOM:
        st.session_state.setdefault(prefix + "expression", DEFAULT_EXPRESSION)
    _on_function(prefix, hook, _reset_start)


def _on_expression(prefix: str, hook: Hook | None) -> None:
    """An edited function keeps the start where it is when the start is still in its box
    (a typed function's suggested start says nothing about it)."""
    _on_function(prefix, hook, _keep_starts)


def _on_function(prefix: str, hook: Hook | None, place_start) -> None:
    """A changed function (when it parses): its start placed, then the page's own reset."""
    objective = _current(prefix)
    if objective is None:
        return
    place_start(prefix, objective)
    if hook:
        hook(prefix, objective)


def _on_box(prefix: str) -> None:
    """A new plotting box keeps the start where it is if inside, else moves it to the edge."""
    objective = _current(prefix)
    if objective is not None:
        _keep_starts(prefix, objective)


def _on_dimension(prefix: str, hook: Hook | None) -> None:
    dim = DIMENSIONS[st.session_state[prefix + "dimension"]]
    st.session_state[prefix + "objective"] = DEFAULT_BY_DIM[dim]
    _on_objective(prefix, hook)


# The run controls a page draws after the function picker (plus the learning rate).
RUN_KEYS = ("x0", "y0", "epochs", "tol", "noise", "noise_seed", "lr")


def _keep(prefix: str, names) -> None:
    """Show kept values on widgets drawn again after a run that left them out.

    When such a widget comes back, the browser shows its minimum while the page computes
    with the value still in session state; writing the value back in the run that draws
    it sends that value to the browser.
    """
    state = st.session_state
    for key in (prefix + name for name in names):
        if key in state:
            state[key] = state[key]


def reset_lr(prefix: str, objective: Objective) -> None:
    """A new function: the page's η (``prefix + "lr"``) starts at the function's own."""
    st.session_state[prefix + "lr"] = objective.lr


#: The settings the descent page and the "Every learning rate" page share (same keys).
SHARED_KEYS = ("dimension", "objective", "expression", "xmin", "xmax", "ymin", "ymax", *RUN_KEYS)


def carry_over() -> None:
    """Called at the top of a page that shares :data:`SHARED_KEYS`: the values set on the
    other page become this page's widgets' values (Streamlit ties a widget's state to the
    page that drew it, and would otherwise start them afresh)."""
    _keep("", SHARED_KEYS)


def function_controls(prefix: str = "", on_new_objective: Hook | None = None) -> Objective | None:
    """Dimension and function pickers, or a typed function; returns the chosen objective
    (None when the typed function does not parse: the message is already shown).

    Session state is repaired first: an unknown objective falls back to the default,
    and the objective decides the dimension.
    """
    state = st.session_state
    if state.get(prefix + "objective") not in (*OBJECTIVES, CUSTOM):
        state[prefix + "objective"] = gdviz.DEFAULT_OBJECTIVE
        _on_objective(prefix, on_new_objective)
    if state[prefix + "objective"] == CUSTOM:
        state.setdefault(prefix + "expression", DEFAULT_EXPRESSION)
    objective = _current(prefix)
    if objective is not None:
        state[prefix + "dimension"] = f"{objective.dim}-D"
    dim = DIMENSIONS.get(state.get(prefix + "dimension"), 1)
    key = prefix + "objective"
    if not _shown(key):  # the teacher's link fixes the function: nothing to draw
        return objective if objective is not None else _hidden_problem(prefix)
    fixed = _locked(key)
    st.radio(
        "Dimension",
        list(DIMENSIONS),
        key=prefix + "dimension",
        horizontal=True,
        on_change=_on_dimension,
        args=(prefix, on_new_objective),
        disabled=fixed,
    )
    st.selectbox(
        "Function",
        [*(s for s, o in OBJECTIVES.items() if o.dim == dim), CUSTOM],
        key=prefix + "objective",
        on_change=_on_objective,
        args=(prefix, on_new_objective),
        format_func=lambda s: (
            "✏️ Type your own f(x) or f(x, y)"
            if s == CUSTOM
            else f"{OBJECTIVES[s].name}: {OBJECTIVES[s].formula}"
        ),
        disabled=fixed,
    )
    if state[prefix + "objective"] != CUSTOM:
        return objective
    st.text_input(
        "f =",
        key=prefix + "expression",
        on_change=_on_expression,
        args=(prefix, on_new_objective),
        help=SYNTAX,
        disabled=fixed,
    )
    with st.expander("Plotting box"):
        st.caption(
            "The range of x (and y) that the chart draws and the start sliders cover. "
            "f is not cut off there: a path may leave the box, and the view follows it."
        )
        left, right = st.columns(2)
        for column, name, default in (
            (left, "xmin", -5.0),
            (right, "xmax", 5.0),
            (left, "ymin", -5.0),
            (right, "ymax", 5.0),
        ):
            # the default goes into session state, not the widget: pages that share these
            # keys write them back (carry_over), and a widget given both makes Streamlit warn
            state.setdefault(prefix + name, default)
            column.number_input(name.replace("min", " from").replace("max", " to"),
                                step=0.5, key=prefix + name, disabled=fixed,
                                on_change=_on_box, args=(prefix,))  # fmt: skip
    problem = _problem(prefix)
    if problem is not None:
        st.error(problem[0])
        state[prefix + "_redraw_run_controls"] = True  # the page stops: they are not drawn
        return None
    objective = _resolve_custom(prefix)
    if state.pop(prefix + "_redraw_run_controls", False):
        _keep(prefix, RUN_KEYS)  # drawn again: show the kept values, not the minimum
    field = gdviz.sample_field(objective) if objective.dim == 2 else None
    values = (
        field.values
        if field is not None
        else objective.f(np.linspace(*objective.domain[0], 401)[:, None])
    )
    if not np.all(np.isfinite(values)):
        st.caption(f"{objective.symbol} is not defined everywhere in this box (like log of a "
                   "negative number): those parts are left blank, and a path that steps there "
                   "stops.")  # fmt: skip
    return objective


def _hidden_problem(prefix: str) -> None:
    """A hidden function picker whose typed function does not parse: say so here."""
    problem = _problem(prefix)
    if problem is not None:
        st.error(problem[0])
    return None


SYNTAX = (
    "Use x (and y), numbers, + − * / ^, parentheses, pi, e and "
    f"{gdviz.expressions.function_names()} — for example (1-x)^2 + 100(y-x^2)^2."
)


def _problem(prefix: str) -> tuple[str, int | None, str] | None:
    """What is wrong with the typed function and its box: (message, 0-based position in
    the text or None, hint), or None when it can be used."""
    try:
        _resolve_custom(prefix)
        return None
    except ValueError as error:
        problem = (str(error), getattr(error, "position", None), SYNTAX)
    try:
        gdviz.parse_expression(st.session_state.get(prefix + "expression", ""))
    except ValueError:
        return problem  # the text itself
    state = st.session_state  # the text parses: the box is wrong
    for var in "xy":
        lo, hi = (state.get(f"{prefix}{var}{end}") for end in ("min", "max"))
        if is_number(lo) and is_number(hi) and not lo < hi:
            return (
                f"the plotting box is empty: {var} from {lo:g} to {hi:g}",
                None,
                f"Open “Plotting box” in the sidebar and make “{var} from” smaller than "
                f"“{var} to”.",
            )
    return problem


def explain_invalid_function(prefix: str = "") -> NoReturn:
    """In the main area, where the chart would be: what is wrong with the typed function,
    where in the text, and a hint; then stop the page.

    Call it when :func:`function_controls` returned None (its sidebar message may be
    hidden in a collapsed sidebar).
    """
    text = st.session_state.get(prefix + "expression", "")
    problem = _problem(prefix)
    if problem is not None:
        message, position, hint = problem
        st.error(f"Your function cannot be used yet: {message}.")
        if position is not None and 0 <= position <= len(text):
            # A caret under the offending character (st.code keeps the columns aligned).
            st.code(f"f = {text}\n    {' ' * position}^ here", language=None)
        else:
            st.code(f"f = {text}", language=None)
        st.info(f"Hint: {hint}")
    st.stop()


def run_controls(
    objective: Objective, prefix: str = "", default_epochs: int = 100, *, stopping: bool = True
) -> RunSettings:
    """Start point (a slider over the plotting box and a number input for any start), and
    unless ``stopping`` is False, epochs and the stopping tolerance."""
    state = st.session_state
    if not is_number(state.get(prefix + "epochs")) or not 1 <= state[prefix + "epochs"] <= 1000:
        state[prefix + "epochs"] = default_epochs
    if state.get(prefix + "tol") not in TOLERANCES:
        state[prefix + "tol"] = gdviz.DEFAULT_TOL
    starts = [
        (f"Start {var}₀", prefix + name, box, suggested)
        for name, var, box, suggested in zip(
            ("x0", "y0"), objective.variables, objective.domain, objective.start, strict=False
        )
    ]
    # In view: the start sliders and the epochs; the exact starts and the tolerance are
    # under the advanced box.
    start = tuple(_start_slider(*args) for args in starts)
    if stopping and _shown(prefix + "epochs"):
        st.slider(
            "Epochs", min_value=1, max_value=1000, key=prefix + "epochs",
            help="The most steps the run takes. Epoch k is the point after k steps; "
            "epoch 0 is the start.", disabled=_locked(prefix + "epochs"),
        )  # fmt: skip
    with advanced_box():
        for label, key, box, _ in starts:
            _exact_start(label, key, box)
        if stopping and _shown(prefix + "tol"):
            f = objective.symbol
            st.select_slider(
                f"Stop when ‖∇{f}‖ ≤",
                options=TOLERANCES,
                key=prefix + "tol",
                format_func=lambda t: "never (run all epochs)" if t == 0 else f"{t:g}",
                help=f"‖∇{f}‖ is the size of the gradient (the steepness of {f} where the "
                "run is); it shrinks to 0 at a minimum. The run stops at the first epoch "
                "where it is this small and counts as converged; “never” runs every epoch.",
                disabled=_locked(prefix + "tol"),
            )
    return RunSettings(start, int(state[prefix + "epochs"]), float(state[prefix + "tol"]))


NOISE_LEVELS = (0.0, 0.01, 0.05, 0.1, 0.5, 1.0, 2.0, 5.0)


def noise_controls(prefix: str = "") -> tuple[float, int]:
    """Optional Gaussian noise on every step's gradient, seeded: (σ, seed), under the
    advanced box."""
    state = st.session_state
    # Defaults go into session state, never as widget defaults as well: a widget given
    # both makes Streamlit warn (and _keep writes these back after a typo).
    sigma = state.get(prefix + "noise")
    if not is_number(sigma) or sigma not in NOISE_LEVELS:  # (True == 1.0 is in it)
        state[prefix + "noise"] = 0.0
    seed = state.get(prefix + "noise_seed")
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= 10_000:
        state[prefix + "noise_seed"] = 0
    with advanced_box():
        sigma = _control(
            st.select_slider,
            "Gradient noise σ",
            options=NOISE_LEVELS,
            key=prefix + "noise",
            format_func=lambda v: "none" if v == 0 else f"{v:g}",
            help="Random noise added to the gradient at every step, standing in for the "
            "noise of a mini-batch (stochastic) gradient: Gaussian, mean 0, standard "
            "deviation σ in each coordinate. “none” uses the exact gradient.",
        )
        seed = _control(
            st.number_input, "Noise seed", min_value=0, max_value=10_000, step=1,
            key=prefix + "noise_seed",
            help="Which random numbers the noise uses: the same seed repeats the same run.",
        )  # fmt: skip
    return float(sigma), int(seed)


def lr_options(current: float) -> list[float]:
    """The log grid, plus the current value if it was typed exactly."""
    return sorted(set(LR_GRID) | {float(current)})


def valid_lr(value) -> bool:
    return is_number(value) and LR_MIN <= value <= LR_MAX
