"""Sidebar controls shared by the pages: widgets in, plain values out.

Every widget has a stable key: ``prefix + name``, so two pages can hold their own
settings side by side (the descent page uses no prefix: its keys are contracts).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import streamlit as st

import gdviz
from gdviz import OBJECTIVES, Objective

DIMENSIONS = {"1-D": 1, "2-D": 2}
DEFAULT_BY_DIM = {1: "parabola", 2: "himmelblau"}
# Learning rates on a log grid, 13 per decade over 1e-4 … 10 (exact values go in beside it).
MANTISSAS = (1, 1.2, 1.5, 1.8, 2, 2.5, 3, 4, 5, 6, 7, 8, 9)
LR_GRID = tuple(float(f"{m}e{p}") for p in range(-4, 1) for m in MANTISSAS) + (10.0,)
LR_MIN, LR_MAX = LR_GRID[0], LR_GRID[-1]
TOLERANCES = (0.0, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2)

Hook = Callable[[str, Objective], None]
CUSTOM = "custom"  # the "your own function" choice of the function picker
DEFAULT_EXPRESSION = "x^2/10 + sin(2x)"


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


#: Starts can be typed anywhere in ±START_LIMIT; the slider covers the plotting box.
START_LIMIT = 1e6


def _copy(source: str, target: str) -> None:
    st.session_state[target] = st.session_state[source]


def start_input(label: str, key: str, box: tuple[float, float], suggested: float) -> float:
    """A start slider over the plotting box and, beside it, a number input that takes any
    value in ±START_LIMIT (the slider's range then widens to hold it).

    The value lives under ``key`` (the slider's key); the number input is ``key + "_exact"``.
    Both are written before they are drawn, so they always show the value the page uses.
    """
    state = st.session_state
    lo, hi = box
    value = state.get(key)
    if not is_number(value) or not -START_LIMIT <= value <= START_LIMIT:
        value = snap(suggested, lo, hi)
    state[key] = state[key + "_exact"] = float(value)
    low, high = min(lo, value), max(hi, value)
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    left.slider(label, min_value=low, max_value=high, step=slider_step(low, high), key=key)
    right.number_input(
        f"{label}, typed", min_value=-START_LIMIT, max_value=START_LIMIT, key=key + "_exact",
        step=slider_step(lo, hi), format="%g", on_change=_copy, args=(key + "_exact", key),
        label_visibility="collapsed", help="Any start from −10⁶ to 10⁶",
    )  # fmt: skip
    return float(state[key])


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
    objective = _current(prefix)
    if objective is None:
        return
    _reset_start(prefix, objective)
    if hook:
        hook(prefix, objective)


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
    st.radio(
        "Dimension",
        list(DIMENSIONS),
        key=prefix + "dimension",
        horizontal=True,
        on_change=_on_dimension,
        args=(prefix, on_new_objective),
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
    )
    if state[prefix + "objective"] != CUSTOM:
        return objective
    st.text_input(
        "f =",
        key=prefix + "expression",
        on_change=_on_objective,
        args=(prefix, on_new_objective),
        help="Use x (and y), numbers, + − * / ^, parentheses, pi, e and "
        f"{gdviz.expressions.function_names()} — for example (1-x)^2 + 100(y-x^2)^2.",
    )
    with st.expander("Plotting box"):
        left, right = st.columns(2)
        for column, name, default in (
            (left, "xmin", -5.0),
            (right, "xmax", 5.0),
            (left, "ymin", -5.0),
            (right, "ymax", 5.0),
        ):
            column.number_input(name.replace("min", " from").replace("max", " to"),
                                value=default, step=0.5, key=prefix + name)  # fmt: skip
    try:
        objective = _resolve_custom(prefix)
    except ValueError as error:
        st.error(str(error))
        state[prefix + "_redraw_run_controls"] = True  # the page stops: they are not drawn
        return None
    if state.pop(prefix + "_redraw_run_controls", False):
        _keep(prefix, RUN_KEYS)  # drawn again: show the kept values, not the minimum
    field = gdviz.sample_field(objective) if objective.dim == 2 else None
    values = (
        field.values
        if field is not None
        else objective.f(np.linspace(*objective.domain[0], 401)[:, None])
    )
    if not np.all(np.isfinite(values)):
        st.caption("f is not defined everywhere in this box (like log of a negative number): "
                   "those parts are left blank, and a path that steps there stops.")  # fmt: skip
    return objective


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
    start = tuple(
        start_input(f"Start {var}₀", prefix + name, box, suggested)
        for name, var, box, suggested in zip(
            ("x0", "y0"), objective.variables, objective.domain, objective.start, strict=False
        )
    )
    if stopping:
        st.slider("Epochs", min_value=1, max_value=1000, key=prefix + "epochs")
        st.select_slider(
            "Stop when ‖∇f‖ ≤",
            options=TOLERANCES,
            key=prefix + "tol",
            format_func=lambda t: "never (run all epochs)" if t == 0 else f"{t:g}",
        )
    return RunSettings(start, int(state[prefix + "epochs"]), float(state[prefix + "tol"]))


NOISE_LEVELS = (0.0, 0.01, 0.05, 0.1, 0.5, 1.0, 2.0, 5.0)


def noise_controls(prefix: str = "") -> tuple[float, int]:
    """Optional Gaussian noise on every step's gradient, seeded: (σ, seed)."""
    with st.expander("Gradient noise (stochastic gradients)"):
        sigma = st.select_slider(
            "σ of the noise added to each gradient",
            options=NOISE_LEVELS,
            value=0.0,
            key=prefix + "noise",
            format_func=lambda v: "none" if v == 0 else f"{v:g}",
        )
        seed = st.number_input("Noise seed", 0, 10_000, 0, key=prefix + "noise_seed")
    return float(sigma), int(seed)


def lr_options(current: float) -> list[float]:
    """The log grid, plus the current value if it was typed exactly."""
    return sorted(set(LR_GRID) | {float(current)})


def valid_lr(value) -> bool:
    return is_number(value) and LR_MIN <= value <= LR_MAX
