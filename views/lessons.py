"""Lessons: a setting, a question, the student's prediction, then the run and its numbers.

Every lesson is an entry of gdviz.LESSONS (its setting is a link to one of the app's
pages, its answer computed from the run); the classic exercises live on their own page.
A teacher's link ``?lesson=<slug>&answer=hidden`` opens one lesson with its answer
shown only after a prediction.
"""

import math

import pandas as pd
import streamlit as st

import gdviz
from gdviz import LESSONS, OBJECTIVES
from gdviz.exercises import EXERCISES
from gdviz.lessons import KINDS, check, hand_search, outcome, shown_run
from ui import links, predict
from ui.charts import animated_chart
from ui.guard import guarded

PAGE = "lessons"
state = st.session_state
links.restore(PAGE)
links.hide_layout()
if state.get("lesson") not in LESSONS:
    state["lesson"] = next(iter(LESSONS))
with st.sidebar:
    st.header("Lessons")
    slug = links.control(st.selectbox, "Lesson", list(LESSONS), key="lesson",
                         format_func=lambda s: LESSONS[s].title)  # fmt: skip
    links.control(
        st.toggle, "Answer only after a prediction", key="lesson_answer_hidden",
        help="For a class: the link then opens the lesson with no “Show me” button.",
    )  # fmt: skip
    links.copy_link(PAGE)
links.publish(PAGE)

lesson = LESSONS[slug]
hidden_answer = bool(state.get("lesson_answer_hidden"))
st.title(lesson.title)
links.show_notes(PAGE)
st.markdown(lesson.about)


def _objective():
    """The lesson's function, when its setting names one."""
    return OBJECTIVES.get(lesson.query.get("fn", ""))


def _names() -> tuple[str, ...]:
    objective = _objective()
    return tuple(str(v) for v in objective.variables) if objective is not None else ("x",)


def _open_setting() -> None:
    entry = links.NAVIGATION[lesson.page]
    st.page_link(entry.script, label=f"Open this setting on the “{entry.title}” page", icon="↗️",
                 query_params=dict(lesson.query))  # fmt: skip


def _show_run() -> None:
    """The run itself, as its page draws it."""
    run = shown_run(lesson)
    if run is None:
        return
    with st.container(key="lesson_run"), guarded("the run"):
        if lesson.page == "race":
            figure = gdviz.race_figure(run)
        elif lesson.page == "fit":
            figure = gdviz.fit_figure(run)
        else:
            figure = gdviz.descent_figure(run)
        animated_chart(figure, key=f"lesson_run_{lesson.slug}")
        st.caption("Press ▶ Play to watch the run.")


def _hand_search() -> None:
    """Search by hand: probe points, see only f there, counted; then compare."""
    key = f"_hand_{lesson.slug}"
    search = state.get(key)
    if search is None:
        search = state[key] = hand_search(lesson)
    st.markdown(f"**{lesson.question}**")
    names = _names()
    with st.form(key=f"hand_form_{lesson.slug}"):
        columns = st.columns(len(names))
        point = tuple(
            column.number_input(name, value=None, format="%g", key=f"hand_{name}_{lesson.slug}")
            for column, name in zip(columns, names, strict=True)
        )
        probed = st.form_submit_button("Evaluate f here", type="primary")
    if probed:
        if any(v is None for v in point):
            st.warning("Type a point first.")
        else:
            try:
                search.probe(point)
            except ValueError as error:
                st.warning(str(error))
    if search.count:
        rows = [{**dict(zip(names, p, strict=True)), "f": value} for p, value in search.probes]
        st.dataframe(pd.DataFrame(rows), hide_index=False, height=min(38 * (len(rows) + 1), 300))
        best_point, best_value = search.best
        st.markdown(f"**{search.count}** evaluations so far; the lowest f is {best_value:.6g}.")
    left, right = st.columns(2)
    done = left.button("Compare with gradient descent", disabled=not search.count,
                       key=f"hand_done_{lesson.slug}")  # fmt: skip
    if right.button("Start again", key=f"hand_again_{lesson.slug}"):
        state.pop(key, None)
        st.rerun()
    if done:
        verdict = search.verdict()
        predict.reveal(predict.Said(search.count), verdict.right, verdict.sentence, lead=False)
        _open_setting()


def _click_to_predict() -> None:
    """A next-step question on a curve: the curve and the start, nothing of the run; a
    click on the chart puts its x into the prediction (which is still typed to commit)."""
    objective = _objective()
    if objective is None or objective.dim != 1 or predict.said(f"lesson_{lesson.slug}"):
        return
    start = float(lesson.query["x0"])
    with guarded("the curve"):
        events = animated_chart(gdviz.question_curve(objective, start),
                                key=f"lesson_curve_{lesson.slug}", clickable=True)  # fmt: skip
        st.caption("Click the chart where you think the step lands: its x goes into your "
                   "prediction below. Then commit.")  # fmt: skip
    x = (events.clicked or {}).get("x")
    if isinstance(x, int | float) and math.isfinite(x):
        state[f"predict_x_lesson_{lesson.slug}"] = float(f"{x:.3g}")


kind = KINDS[lesson.kind]
with st.container(key="lesson_question"):
    if kind.gives == "point":
        _click_to_predict()
    if kind.gives == "search":
        _hand_search()
        committed = None
    else:
        committed = predict.predict(
            f"lesson_{lesson.slug}", lesson.question, kind.gives, lesson.choices,
            names=_names(), hide_answer=hidden_answer,
        )  # fmt: skip

if committed is not None:
    with st.container(key="lesson_answer"), guarded("the answer"):
        if committed.skipped:
            result = outcome(lesson)
            predict.reveal(committed, True, result.text)
        else:
            value = committed.value
            if kind.gives == "point":
                value = tuple(value)
            try:
                verdict = check(lesson, value)
            except ValueError as error:
                st.error(f"That prediction cannot be checked: {error}")
                predict.forget(f"lesson_{lesson.slug}")
            else:
                predict.reveal(committed, verdict.right, verdict.sentence, lead=False)
        _open_setting()
    _show_run()

st.divider()
st.subheader("Every lesson")
with st.container(horizontal=True, key="lesson_gallery"):  # wraps in order on a phone
    for other, entry in LESSONS.items():
        st.button(
            entry.title, key=f"gallery_{other}", width="content",
            type="primary" if other == slug else "secondary",
            on_click=lambda s=other: state.__setitem__("lesson", s),
        )  # fmt: skip
st.markdown("**The classic exercises**, worked through on their own page:")
with st.container(horizontal=True, key="exercise_gallery"):
    for exercise, title in EXERCISES.items():
        st.page_link("views/exercises.py", label=title, icon="📝", query_params={"ex": exercise})
