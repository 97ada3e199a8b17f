"""The race page's controls, built from the registries: each optimizer's learning rate and
hyperparameters, and the learning-rate schedule with its parameters.

Keys: ``<prefix>lr_<optimizer>``, ``<prefix><optimizer>_<hyperparameter>`` (a pair such
as Adam's betas adds ``_1`` and ``_2``), ``<prefix>schedule``, ``<prefix>sched_<parameter>``.
"""

from __future__ import annotations

import streamlit as st

from gdviz import OPTIMIZERS, SCHEDULES, Objective, get_optimizer
from gdviz.race import Racer, hyper_name, suggested_lr
from ui import controls, links
from ui.settings import setting_input

_PAIR = (("β₁", 0.01), ("β₂", 0.001))  # labels and steps of a pair of moments' decay rates


def reset_lrs(prefix: str, objective: Objective) -> None:
    """A new objective: every optimizer starts from its suggested learning rate."""
    for slug in OPTIMIZERS:
        st.session_state[f"{prefix}lr_{slug}"] = suggested_lr(objective, slug)


def hyper_widgets(prefix: str, slug: str) -> dict:
    """One widget per hyperparameter of ``slug``, starting at PyTorch's default."""
    hyper = {}
    for name, default in OPTIMIZERS[slug].defaults.items():
        key = f"{prefix}{slug}_{name}"
        if isinstance(default, bool):
            hyper[name] = links.control(st.checkbox, hyper_name(name), value=default, key=key)
        elif isinstance(default, tuple):
            hyper[name] = tuple(
                links.control(
                    st.number_input, label, 0.0, 0.9999, value, step, key=f"{key}_{i}", format="%g"
                )  # fmt: skip
                for i, ((label, step), value) in enumerate(zip(_PAIR, default, strict=True), 1)
            )
        else:
            step = 1e-9 if name == "eps" else 0.01
            hyper[name] = links.control(
                st.number_input,
                hyper_name(name),
                min_value=0.0,
                value=float(default),
                step=step,
                key=key,
                format="%g",
            )
    return hyper


def racer_controls(prefix: str, picked, objective: Objective) -> tuple[list[Racer], list[str]]:
    """A column per picked optimizer: its η, its hyperparameters and what it does.

    Returns the racers, and a sentence for each optimizer left out (hyperparameters that
    PyTorch would refuse, such as Nesterov without momentum).
    """
    state = st.session_state
    racers, problems = [], []
    columns = st.columns(min(len(picked), 4))
    for i, slug in enumerate(picked):
        spec, lr_key = OPTIMIZERS[slug], f"{prefix}lr_{slug}"
        if not controls.valid_lr(state.get(lr_key)):
            state[lr_key] = suggested_lr(objective, slug)
        with columns[i % len(columns)].expander(spec.name, expanded=False):
            links.control(
                st.select_slider,
                "learning rate η",
                options=controls.lr_options(state[lr_key]),
                key=lr_key,
                format_func=lambda v: f"{v:g}",
            )
            hyper = hyper_widgets(prefix, slug)
            st.caption(spec.about)
        try:
            get_optimizer(slug, **hyper)
        except ValueError as error:
            problems.append(f"{spec.name}: {error}")
            continue
        racers.append(Racer(slug, float(state[lr_key]), hyper))
    return racers, problems


def _schedule_name(slug: str) -> str:
    spec = SCHEDULES[slug]
    return f"{spec.name} ({spec.torch})" if spec.torch else spec.name


def schedule_controls(prefix: str, epochs: int) -> dict:
    """The schedule and a widget per parameter, as ``{"kind": slug, **parameters}``; a
    parameter that defaults to the run's length starts at ``epochs``."""
    kind = links.control(st.selectbox, "Schedule", list(SCHEDULES), key=prefix + "schedule",
                         format_func=_schedule_name)  # fmt: skip
    spec = SCHEDULES[kind]
    schedule = {"kind": kind}
    for name, default in spec.defaults.items():
        value = epochs if default is None else default
        schedule[name] = setting_input(spec.settings[name], value, f"{prefix}sched_{name}")
    return schedule
