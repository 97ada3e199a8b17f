"""Keyboard control of a page: the chart element (ui/chart.js) plays, pauses and steps the
animation itself, page-wide, and reports "+" and "−" back here, where they move the page's
learning rate one step along the log grid of its slider."""

from __future__ import annotations

import bisect

import streamlit as st

from ui.controls import LR_GRID, is_number

#: What the keys do, said under the charts that follow them (when no field has the focus).
PLAY_KEYS = "Space plays and pauses, ← → step one epoch"
LR_KEYS = "+ and − move η one step"


def keys_help(lr: bool = True) -> str:
    """A sentence naming the keys a chart answers to."""
    return f"Keys: {PLAY_KEYS}{', ' + LR_KEYS if lr else ''}."


def step_lr(value, steps: int, grid=LR_GRID) -> float:
    """The learning rate ``steps`` places along ``grid`` from ``value`` (up if positive),
    kept within the grid; a value between two grid points (typed exactly) first goes to
    the next one in that direction.

    >>> step_lr(0.1, 1), step_lr(0.1, -1), step_lr(0.11, -1), step_lr(10.0, 1)
    (0.12, 0.09, 0.1, 10.0)
    """
    if not is_number(value) or not steps:
        return float(value) if is_number(value) else float(grid[0])
    if steps > 0:
        at = bisect.bisect_right(grid, value) - 1  # the grid point at or below
        return float(grid[min(max(at + steps, 0), len(grid) - 1)])
    at = bisect.bisect_left(grid, value)  # the grid point at or above
    return float(grid[min(max(at + steps, 0), len(grid) - 1)])


def on_lr_key(chart_key: str, lr_key: str) -> None:
    """The chart's callback for a "+" or "−": before the page runs again, the η under
    ``lr_key`` moves one grid step (so its slider, drawn later, shows it)."""
    event = (st.session_state.get(chart_key) or {}).get("lr")
    step = event.get("step") if isinstance(event, dict) else None
    if step in (1, -1):
        st.session_state[lr_key] = step_lr(st.session_state.get(lr_key), step)
