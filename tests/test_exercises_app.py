"""The classic exercises page through AppTest: each exercise from its link, a wrong and a
right prediction with their verdicts and computed numbers, the teacher's hidden answers,
a new start, bad links, and the link to the descent page."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

import numpy as np
import pytest

import gdviz
from gdviz.exercises import EXERCISES, classic_loop, classic_start
from gdviz.links import read
from gdviz.numbers import plain
from tests.conftest import chart_figures, decode_plotly, page_text
from tests.test_links_app import notes, open_link
from ui import links
from ui.exercises import descent_link, descent_query, excerpt, marked_code, new_seed


def said(value) -> str:
    """A number as the page's sentences write it."""
    return plain(float(value)).replace("-", "−")


def submit(at, key: str) -> None:
    """Commit the prediction of the form ``key`` (a form's submit button has its own key)."""
    at.button(key=f"FormSubmitter:predict_{key}-Commit my prediction").click().run()
    assert not at.exception, at.exception


def answer(at, key: str, gives: str, value) -> None:
    if gives == "choice":
        at.radio(key=f"predict_choice_{key}").set_value(value)
    elif gives == "number":
        at.number_input(key=f"predict_number_{key}").set_value(value)
    else:  # two numbers, in the order of the form's inputs
        inputs = [w for w in at.number_input if w.key.startswith("predict_") and
                  w.key.endswith(f"_{key}")]  # fmt: skip
        for widget, number in zip(inputs, value, strict=True):
            widget.set_value(number)
    submit(at, key)


def _start() -> int:
    return classic_start(0)


def _classic_numbers() -> list[str]:
    run = classic_loop(_start())
    return [said(run.start), said(run.rows[0].gradient)]


def _flip_numbers() -> list[str]:
    up, down = classic_loop(_start(), sign=+1), classic_loop(_start())
    return [said(up.final.x), said(down.final.x), said(up.factor), said(down.factor)]


def _matrix_numbers() -> list[str]:
    update = gdviz.matrix_flawed_update()
    return [said(update.losses[0]), said(update.losses[-1])]


def _zero_grad_numbers() -> list[str]:
    runs = gdviz.zero_grad_runs("parabola", 3.0, 0.1, 30)
    return [said(runs.forgotten.p_grads[1, 0]), said(runs.normal.p_grads[1, 0]),
            said(runs.forgotten.points[-1, 0])]  # fmt: skip


def _sign_numbers() -> list[str]:
    return [said(f.slope) for f in gdviz.derivative_sign_facts()]


def _secant_numbers() -> list[str]:
    return [said(gdviz.secant_facts().slope)]


def _count_numbers() -> list[str]:
    facts = gdviz.counting_facts()
    return [str(facts.finite_difference_evals), f"{facts.combinations:,}"]


#: Every question: (exercise, form key, what it takes, a right answer, a wrong one, the
#: numbers its sentence must quote, forms to answer first).
QUESTIONS = [
    ("classic_loop", "classic_print", "choice", "gradient", "x", _classic_numbers, []),
    ("classic_loop", "classic_sign", "choice", "climbs", "faster", _flip_numbers,
     [("classic_print", "choice", "cost")]),
    ("matrix_loss", "matrix", "choice", "rises", "below", _matrix_numbers, []),
    ("zero_grad", "zero_grad", "choice", "overshoots", "same", _zero_grad_numbers, []),
    ("small_facts", "facts_sign", "choice", (1, -1), (-1, 1), _sign_numbers, []),
    ("small_facts", "facts_secant", "number", 2.1, 2.0, _secant_numbers, []),
    ("small_facts", "facts_count", "point", (20, 1024), (20, 100), _count_numbers, []),
]  # fmt: skip


@pytest.mark.parametrize("slug", list(EXERCISES))
def test_every_exercise_opens_from_its_link_with_its_question(slug):
    at = open_link("exercises", {"ex": slug})
    assert notes(at) == ""
    assert at.session_state["exercise"] == slug
    assert at.title[0].value == "Classic exercises"
    assert not at.error and not at.success  # nothing answered yet
    assert any(b.key.startswith("FormSubmitter:predict_") for b in at.button)
    # the link keeps naming the exercise (the default, classic_loop, goes without saying)
    assert dict(at.query_params).get("ex") == (None if slug == "classic_loop" else slug)


@pytest.mark.parametrize(
    ("slug", "key", "gives", "right", "wrong", "numbers", "first"), QUESTIONS,
    ids=[q[1] for q in QUESTIONS],
)  # fmt: skip
def test_a_right_and_a_wrong_prediction_get_their_verdicts_with_the_computed_numbers(
    slug, key, gives, right, wrong, numbers, first
):
    at = open_link("exercises", {"ex": slug})
    for other, other_gives, value in first:
        answer(at, other, other_gives, value)
    before = len(at.error)  # the questions answered first (wrongly) have their own
    answer(at, key, gives, right)
    assert len(at.error) == before and at.success
    verdict = at.success[-1].value  # this question's reveal comes after theirs
    assert verdict.startswith("**Right.**"), verdict
    for number in numbers():
        assert number in verdict, (number, verdict)
    at.button(key=f"predict_again_{key}").click().run()
    assert not any(b.key == f"predict_again_{key}" for b in at.button)  # asked again
    answer(at, key, gives, wrong)
    assert len(at.error) == before + 1 and not at.success
    verdict = at.error[-1].value
    assert verdict.startswith("**Not this time.**"), verdict
    for number in numbers():
        assert number in verdict, (number, verdict)


def test_a_prediction_left_empty_is_not_committed():
    at = open_link("exercises", {"ex": "matrix_loss"})
    submit(at, "matrix")
    assert any("Make a prediction first" in w.value for w in at.warning)
    assert not at.success and not at.error


@pytest.mark.parametrize("slug", list(EXERCISES))
def test_a_teachers_link_hides_the_show_me_button(slug):
    shown = open_link("exercises", {"ex": slug})
    assert any(b.key.startswith("predict_skip_") for b in shown.button)
    hidden = open_link("exercises", {"ex": slug, "answer": "hidden"})
    assert notes(hidden) == ""
    assert not any(b.key.startswith("predict_skip_") for b in hidden.button)
    assert any("once you commit to a prediction" in c.value for c in hidden.caption)
    assert hidden.query_params["answer"] == "hidden"


def test_show_me_reveals_the_answer_without_a_verdict():
    at = open_link("exercises", {"ex": "zero_grad"})
    at.button(key="predict_skip_zero_grad").click().run()
    assert not at.success and not at.error
    assert any(_zero_grad_numbers()[0] in i.value for i in at.info)
    assert chart_figures(at), "the material follows"


def test_the_classic_loop_shows_both_printouts_the_chart_and_the_descent_link():
    at = open_link("exercises", {"ex": "classic_loop"})
    assert not chart_figures(at)  # nothing of the answer before a prediction
    answer(at, "classic_print", "choice", "gradient")
    run = classic_loop(_start())
    codes = [c.value for c in at.code]
    printout, corrected = gdviz.classic_printout(run), gdviz.corrected_printout(run)
    assert excerpt(printout) in codes and excerpt(corrected) in codes
    assert excerpt(printout).splitlines()[6] == "…" and len(excerpt(printout).splitlines()) == 10
    assert "\n".join(printout) in codes and "\n".join(corrected) in codes  # all 101 lines
    assert any(descent_link(run.start) in m.value for m in at.markdown)
    answer(at, "classic_sign", "choice", "climbs")
    (figure,) = chart_figures(at)
    np.testing.assert_allclose(decode_plotly(figure["data"][1]["y"]), classic_loop(
        run.start, sign=+1).xs)  # fmt: skip


def test_a_new_start_changes_the_start_and_the_link():
    at = open_link("exercises", {"ex": "classic_loop"})
    before = at.session_state["exercise_seed"]
    at.button(key="exercise_reroll").click().run()
    seed = at.session_state["exercise_seed"]
    assert seed != before and classic_start(seed) != classic_start(before)
    assert at.query_params["seed"] == str(seed)
    assert at.number_input(key="exercise_seed").value == seed
    start = classic_start(seed)
    assert any(f"x₀ = {start}**" in m.value for m in at.markdown)
    assert any(f"{2 * start}: 2·x₀" in o for o in at.radio(key="predict_choice_classic_print")
               .options)  # fmt: skip
    again = open_link("exercises", dict(at.query_params))  # the link replays that start
    assert again.session_state["exercise_seed"] == seed and notes(again) == ""


def test_a_locked_or_hidden_seed_keeps_the_start():
    locked = open_link("exercises", {"seed": "7", "lock": "seed"})
    assert locked.button(key="exercise_reroll").disabled
    assert locked.number_input(key="exercise_seed").disabled
    hidden = open_link("exercises", {"seed": "7", "hide": "seed"})
    assert not any(b.key == "exercise_reroll" for b in hidden.button)
    assert any(f"x₀ = {classic_start(7)}**" in m.value for m in hidden.markdown)


def test_the_seed_survives_a_visit_to_another_exercise():
    at = open_link("exercises", {"seed": "7"})
    at.selectbox(key="exercise").set_value("small_facts").run()
    at.selectbox(key="exercise").set_value("classic_loop").run()
    assert at.session_state["exercise_seed"] == 7 and at.query_params["seed"] == "7"


def test_a_bad_link_gives_notes_and_a_working_page():
    at = open_link("exercises", {"ex": "zzz", "seed": "-5", "answer": "maybe"})
    said_ = notes(at)
    assert "the exercise must be one of" in said_
    assert "the start's seed must be from 0 to 10000" in said_
    assert "the answer must be one of" in said_
    assert at.session_state["exercise"] == "classic_loop"
    assert at.session_state["exercise_seed"] == 0
    assert any(b.key == "predict_skip_classic_print" for b in at.button)
    answer(at, "classic_print", "choice", "gradient")
    assert at.success


def test_zero_grad_steps_through_the_loop_line_by_line():
    at = open_link("exercises", {"ex": "zero_grad"})
    answer(at, "zero_grad", "choice", "overshoots")
    runs = gdviz.zero_grad_runs("parabola", 3.0, 0.1, 30)
    index = 6  # epoch 1, loss.backward(): the forgotten run's p.grad holds two gradients
    at.select_slider(key="exercise_substep").set_value(index).run()
    normal, forgotten = runs.normal.substeps[index], runs.forgotten.substeps[index]
    assert (normal.epoch, normal.line) == (1, 2)
    codes = [c.value for c in at.code]
    assert marked_code(gdviz.exercises.LOOP_CODE, 2) in codes
    assert marked_code(gdviz.exercises.FORGOTTEN_LOOP_CODE, 2) in codes
    text = " ".join(m.value for m in at.markdown)
    assert f"p.grad = {said(normal.grad[0])}" in text
    assert f"p.grad = {said(forgotten.grad[0])}" in text
    assert gdviz.zero_grad_code(runs.forgotten).rstrip("\n") in codes
    played, figure = chart_figures(at)  # the loop played, then the one stepped by hand
    marks = [t for t in figure["data"] if t.get("showlegend") is False]
    assert [m["x"] for m in marks] == [[1], [1]]


def test_the_matrix_exercise_animates_the_three_runs_and_states_eta_and_lambda_max():
    at = open_link("exercises", {"ex": "matrix_loss"})
    answer(at, "matrix", "choice", "rises")
    (figure,) = chart_figures(at)
    assert len(figure["frames"]) > 50
    curvature = gdviz.matrix_curvature()
    values = {m.label: m.value for m in at.metric}
    assert values["λ_max of the loss's Hessian ∇²L"] == said(curvature.lam_max)
    assert values["Stable limit 2/λ_max"] == said(curvature.gd_limit)
    text = " ".join(m.value for m in at.markdown)
    for sentence in gdviz.matrix_comparison().sentences[1:]:
        assert sentence in text


@pytest.mark.parametrize("seed", [0, 1, 2, 99, 10_000])
def test_the_descent_pages_link_opens_without_notes(seed):
    start = classic_start(seed)
    query = descent_query(start)
    reading = read({k: [v] for k, v in query.items()}, links.fields("descent"))
    assert reading.notes == ()
    assert reading.values["x0"] == start and reading.values["lr"] == 0.01
    assert reading.values["xmin"] < start < reading.values["xmax"]
    assert dict(parse_qsl(descent_link(start).removeprefix("./?"))) == query


def test_the_descent_page_opens_the_classic_loop_from_that_link():
    start = _start()
    at = open_link("descent", descent_query(start))
    assert notes(at) == ""
    state = at.session_state
    assert state["objective"] == "custom" and state["expression"] == "x^2+5"
    assert state["x0"] == start and state["lr"] == 0.01 and state["epochs"] == 100
    assert not at.error
    text = " ".join(str(getattr(e, "value", "")) for e in at._tree)
    assert re.search(r"Still descending after 100 epochs", text), text[:2000]


def show_everything(at) -> None:
    """Press every "Show me without predicting" until every answer is on the page."""
    for _ in range(10):
        skips = [b for b in at.button if b.key.startswith("predict_skip_")]
        if not skips:
            return
        skips[0].click().run()
        assert not at.exception, at.exception
    raise AssertionError("questions kept coming")


@pytest.mark.parametrize("slug", list(EXERCISES))
def test_every_answer_says_eta_never_lr(slug):
    at = open_link("exercises", {"ex": slug})
    show_everything(at)
    # Code blocks aside (`lr` is Python's name there), and a link's address (the descent
    # page's link names η lr, as every link does): not read as text.
    text = re.sub(r"\]\([^)]*\)", "]", page_text(at))
    assert not re.search(r"\blr\b", text, re.IGNORECASE), re.findall(r".{30}\blr\b.{30}", text)
    if slug in ("classic_loop", "matrix_loss", "zero_grad"):
        assert "η" in text


def test_presentation_mode_projects_the_exercises_charts():
    at = open_link("exercises", {"ex": "matrix_loss", "present": "1"})
    show_everything(at)
    (figure,) = chart_figures(at)
    assert figure["layout"]["font"]["size"] == pytest.approx(19.2)


def test_without_gdvizs_chart_the_matrix_animation_plays_in_plotly_chart(monkeypatch):
    import ui.charts

    monkeypatch.setattr(ui.charts, "_served", lambda: False)  # plotly.js cannot be served
    at = open_link("exercises", {"ex": "matrix_loss"})
    show_everything(at)
    (chart,) = at.get("plotly_chart")
    assert len(json.loads(chart.proto.spec)["frames"]) > 50


def test_helpers():
    assert excerpt([str(i) for i in range(5)]) == "0\n1\n2\n3\n4"
    assert marked_code(("a", "b"), 1) == "  a\n▶ b"
    assert new_seed(0) != 0 and classic_start(new_seed(0)) != classic_start(0)
