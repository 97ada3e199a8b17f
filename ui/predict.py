"""Predict, then see: a question, the student's committed prediction, then the answer.

:func:`predict` draws the question and keeps the prediction once committed (per
``key``, in session state); until then the page shows nothing of the answer. A teacher's
link may hide the answer until a prediction is made (``hide_answer``); otherwise "Show me"
reveals it without one. :func:`reveal` says whether the prediction was right.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import streamlit as st

_SAID = "_predict_said_"  # + key: the committed Said


class Said(NamedTuple):
    """A committed prediction (``value``), or none (``skipped``: "Show me")."""

    value: object
    skipped: bool = False


def said(key: str) -> Said | None:
    """What the student committed for ``key`` (None: nothing yet)."""
    return st.session_state.get(_SAID + key)


def forget(key: str) -> None:
    """Ask the question again."""
    st.session_state.pop(_SAID + key, None)


def predict(
    key: str,
    question: str,
    gives: str,
    choices: Sequence = (),
    *,
    format_func: Callable = str,
    names: Sequence[str] = ("x",),
    hide_answer: bool = False,
) -> Said | None:
    """Ask ``question``; return the committed prediction, or None while there is none.

    ``gives`` is what the student answers with: ``"choice"`` (one of ``choices``),
    ``"number"``, or ``"point"`` (one number per name in ``names``).
    """
    committed = said(key)
    if committed is not None:
        told = "You chose to see it without predicting." if committed.skipped else (
            f"Your prediction: **{_shown(committed.value, gives, format_func, names)}**"
        )  # fmt: skip
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.markdown(f"**{question}** {told}")
        right.button("Predict again", key=f"predict_again_{key}", on_click=forget, args=(key,),
                     width="stretch")  # fmt: skip
        return committed
    with st.form(key=f"predict_{key}", border=True):
        st.markdown(f"**{question}**")
        if gives == "choice":
            value = st.radio("Your prediction", list(choices), index=None,
                             format_func=format_func, key=f"predict_choice_{key}")  # fmt: skip
        elif gives == "number":
            value = st.number_input("Your prediction", value=None, min_value=0.0, step=1.0,
                                    format="%g", key=f"predict_number_{key}")  # fmt: skip
        elif gives == "point":
            columns = st.columns(len(names))
            value = tuple(
                column.number_input(name, value=None, format="%g", key=f"predict_{name}_{key}")
                for column, name in zip(columns, names, strict=True)
            )
        else:
            raise ValueError(f"a prediction is a choice, a number or a point, not {gives!r}")
        committed_now = st.form_submit_button("Commit my prediction", type="primary")
    if committed_now:
        if _missing(value):
            st.warning("Make a prediction first: the answer shows once you commit to one.")
        else:
            st.session_state[_SAID + key] = Said(value)
            st.rerun()
    if hide_answer:
        st.caption("The answer shows once you commit to a prediction.")
    elif st.button("Show me without predicting", key=f"predict_skip_{key}"):
        st.session_state[_SAID + key] = Said(None, skipped=True)
        st.rerun()
    return None


def reveal(committed: Said, right: bool, sentence: str, *, lead: bool = True) -> None:
    """Say whether the prediction was right, with the numbers (``sentence``); ``lead``
    puts "Right." or "Not this time." first (off where the sentence says it already)."""
    if committed.skipped:
        st.info(sentence, icon="💡")
    elif right:
        st.success(f"**Right.** {sentence}" if lead else sentence, icon="✅")
    else:
        st.error(f"**Not this time.** {sentence}" if lead else sentence, icon="❌")


def _missing(value) -> bool:
    if isinstance(value, tuple):
        return any(_missing(v) for v in value)
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def _shown(value, gives: str, format_func: Callable, names: Sequence[str]) -> str:
    if gives == "choice":
        return str(format_func(value))
    if gives == "point":
        return ", ".join(f"{name} = {v:g}" for name, v in zip(names, value, strict=False))
    return f"{value:g}"
