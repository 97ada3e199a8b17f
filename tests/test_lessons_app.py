"""The lessons page through AppTest: every lesson opens from its link and reaches its
reveal; a right and a wrong prediction each get their verdict; a teacher's link hides the
answer until a prediction; searching by hand counts and compares."""

import math

import pytest

import gdviz
from gdviz.lessons import KINDS, check, outcome
from tests.test_links_app import notes, open_link


def _open(slug: str, **more):
    at = open_link("lessons", {"lesson": slug, **more})
    assert notes(at) == ""
    return at


def _commit(at, slug: str):
    button = next(b for b in at.button if b.label == "Commit my prediction")
    button.click().run()
    assert not at.exception, at.exception
    return at


def _predictions(lesson):
    """A right and a wrong prediction, as the page's widgets take them."""
    gives = KINDS[lesson.kind].gives
    if gives == "choice":
        right = next(c for c in lesson.choices if check(lesson, c).right)
        wrong = next(c for c in lesson.choices if not check(lesson, c).right)
        return right, wrong
    answer = outcome(lesson).answer
    if gives == "number":
        return float(answer), float(answer) * 10 + 10
    point = tuple(float(v) for v in (answer if isinstance(answer, tuple | list) else [answer]))
    return point, tuple(v + 10 * max(1.0, abs(v)) for v in point)


def _predict(at, lesson, value):
    key = f"lesson_{lesson.slug}"
    gives = KINDS[lesson.kind].gives
    if gives == "choice":
        at.radio(key=f"predict_choice_{key}").set_value(value)
    elif gives == "number":
        at.number_input(key=f"predict_number_{key}").set_value(value)
    else:
        names = [str(v) for v in gdviz.OBJECTIVES[lesson.query["fn"]].variables]
        for name, v in zip(names, value, strict=True):
            at.number_input(key=f"predict_{name}_{key}").set_value(v)
    return _commit(at, lesson.slug)


ASKED = [s for s, lesson in gdviz.LESSONS.items() if KINDS[lesson.kind].gives != "search"]


@pytest.mark.parametrize("slug", ASKED)
def test_every_lesson_opens_from_its_link_and_judges_a_right_and_a_wrong_prediction(slug):
    lesson = gdviz.LESSONS[slug]
    right, wrong = _predictions(lesson)
    at = _predict(_open(slug), lesson, right)
    assert [s.value for s in at.success], "a right prediction is said to be right"
    assert check(lesson, right).sentence in at.success[0].value
    assert not at.error
    at = _predict(_open(slug), lesson, wrong)
    assert [e.value for e in at.error], "a wrong prediction is said to be wrong"
    assert check(lesson, wrong).sentence in at.error[0].value
    links = [e for e in at._tree if type(e).__name__ == "PageLink"]
    assert links, "the reveal opens the setting on its page"


def test_show_me_reveals_the_computed_answer_and_a_teachers_link_removes_it():
    at = _open("too_big")
    show = next(b for b in at.button if b.label == "Show me without predicting")
    show.click().run()
    assert outcome("too_big").text in at.info[0].value
    hidden = _open("too_big", answer="hidden")
    assert not [b for b in hidden.button if b.label == "Show me without predicting"]
    assert any("once you commit" in c.value for c in hidden.caption)
    assert hidden.query_params["answer"] == "hidden"


def test_committing_nothing_asks_for_a_prediction_and_reveals_nothing():
    at = _commit(_open("too_big"), "too_big")
    assert any("Make a prediction first" in w.value for w in at.warning)
    assert not at.success and not at.error


def test_searching_by_hand_counts_every_probe_and_compares_with_gradient_descent():
    at = _open("by_hand")
    for x in (0.0, 1.0, 1.0):
        at.number_input(key="hand_x_by_hand").set_value(x)
        next(b for b in at.button if b.label == "Evaluate f here").click().run()
    # the start's evaluation counts too, as it does in gradient descent's count
    assert "**4** evaluations" in " ".join(m.value for m in at.markdown)
    objective = gdviz.OBJECTIVES["wavy"]
    table = at.dataframe[0].value
    assert list(table["x"]) == [-2.0, 0.0, 1.0, 1.0]
    assert math.isclose(float(table["f"].iloc[1]), float(objective.f([0.0])))
    next(b for b in at.button if b.label == "Compare with gradient descent").click().run()
    said = (at.success or at.error)[0].value
    assert "4" in said and str(outcome("by_hand").answer) in said


def test_a_lessons_setting_opens_on_its_page_as_the_link_says():
    lesson = gdviz.LESSONS["too_big"]
    at = open_link("descent", dict(lesson.query))
    assert notes(at) == ""
    assert at.session_state["lr"] == float(lesson.query["lr"])
    banner = " ".join(e.value for e in at.error).lower()
    assert "diverge" in banner, "the descent page shows the run the lesson describes"


def test_a_next_step_question_shows_the_curve_and_the_start_and_nothing_of_the_run():
    lesson = gdviz.LESSONS["next_step"]
    objective = gdviz.OBJECTIVES[lesson.query["fn"]]
    figure = gdviz.question_curve(objective, float(lesson.query["x0"])).to_plotly_json()
    assert [t["name"] for t in figure["data"]][1] == "the start x₀"
    assert figure["data"][1]["x"] == [float(lesson.query["x0"])]
    assert figure["layout"]["xaxis"]["title"]["text"] and figure["layout"]["yaxis"]["title"]
    assert not figure.get("frames")
    at = _open("next_step")
    assert any("Click the chart where you think the step lands" in c.value for c in at.caption)
    at = _predict(at, lesson, _predictions(lesson)[0])
    assert at.success and not any("Click the chart" in c.value for c in at.caption)
