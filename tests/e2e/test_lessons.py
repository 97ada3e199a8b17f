"""A lesson worked through in a real browser: a teacher's link with the answer hidden, a
prediction committed, the verdict with the run's numbers, the run played, and the lesson's
setting opened on its own page."""

from __future__ import annotations

import pytest

import gdviz
from gdviz.exercises import EXERCISES
from gdviz.lessons import check
from tests.e2e.harness import VIEWPORT

pytestmark = pytest.mark.e2e


def test_a_lesson_from_a_teachers_link_takes_a_prediction_then_shows_the_run(
    chromium_browser, streamlit_server, ui, artifacts
):
    lesson = gdviz.LESSONS["too_big"]
    url = f"{streamlit_server}/lessons?lesson=too_big&answer=hidden"
    context = chromium_browser.new_context(viewport=VIEWPORT)  # a student: a new session
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(url, wait_until="domcontentloaded")
        page.locator(".st-key-lesson_question").wait_for(timeout=60_000)
        ui.wait_idle(page)
        question = page.locator(".st-key-lesson_question")
        assert "does gradient descent converge, bounce or diverge" in question.inner_text()
        assert not page.get_by_role("button", name="Show me without predicting").count()
        assert not page.locator(".st-key-lesson_answer").count(), "no answer before a prediction"
        page.screenshot(path=str(artifacts / "lesson-question.png"))

        question.get_by_text("bounce", exact=True).click()
        page.get_by_role("button", name="Commit my prediction").click()
        answer = page.locator(".st-key-lesson_answer")
        answer.wait_for(timeout=60_000)
        ui.wait_idle(page)
        said = answer.inner_text()
        assert check(lesson, "bounce").sentence.split(":")[0] in said  # "Not this time"
        assert "14" in said and "1.1" in said  # the epoch it diverged at, η
        # the run itself, as the descent page draws it, plays
        run_chart = ".st-key-lesson_run .gdviz-chart .js-plotly-plot"
        page.locator(run_chart).wait_for()
        assert ui.chart_state(page, run_chart)["frames"] > 14  # epochs 0 … 14, and more
        ui.click_play(page, ".st-key-lesson_run")
        page.wait_for_function(
            "(sel) => Number(document.querySelector(sel).closest('.gdviz-chart')"
            ".querySelector('.gdviz-epoch').value) > 0",
            arg=run_chart,
        )
        page.screenshot(path=str(artifacts / "lesson-answer.png"))

        page.get_by_text("Open this setting on the").click()
        page.wait_for_url("**/?*fn=parabola*")
        page.locator(".st-key-lr").wait_for(timeout=60_000)
        ui.wait_idle(page)
        page.wait_for_function(  # the widget's box can come before its label and value
            "() => document.querySelector('.st-key-lr').innerText.trim().length > 0",
            timeout=60_000,
        )
        assert "1.1" in page.locator(".st-key-lr").inner_text()
        assert "diverge" in ui.banner_text(page).lower()
        page.screenshot(path=str(artifacts / "lesson-setting.png"))

        # the gallery's classic exercises open on their page, the one named
        page.goto(f"{streamlit_server}/lessons?lesson=goldilocks", wait_until="domcontentloaded")
        page.locator(".st-key-exercise_gallery").wait_for(timeout=60_000)
        ui.wait_idle(page)
        page.locator(".st-key-exercise_gallery").get_by_text(EXERCISES["zero_grad"]).click()
        page.wait_for_url("**/exercises?*ex=zero_grad*")
        page.get_by_text("Commit my prediction").wait_for(timeout=60_000)
        assert "zero_grad()" in page.locator("[data-testid='stMain']").inner_text()
        assert not errors, errors
    finally:
        context.close()


def test_where_the_next_step_lands_is_a_click_on_the_curve(
    chromium_browser, streamlit_server, ui, artifacts
):
    lesson = gdviz.LESSONS["next_step"]
    ((lo, hi),) = gdviz.OBJECTIVES[lesson.query["fn"]].domain
    answer = gdviz.outcome(lesson).answer
    x1 = float(answer[0] if isinstance(answer, tuple | list) else answer)
    context = chromium_browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{streamlit_server}/lessons?lesson=next_step", wait_until="domcontentloaded")
        curve = ".st-key-lesson_question .gdviz-chart .js-plotly-plot"
        page.locator(curve).wait_for(timeout=60_000)
        ui.wait_idle(page)
        area = ui.plot_area(page, curve)
        at_x = area["x"] + (x1 - lo) / (hi - lo) * area["width"]
        page.locator(curve).click(position={"x": at_x, "y": area["y"] + area["height"] / 2})
        typed = ".st-key-predict_x_lesson_next_step input"
        page.wait_for_function(f"() => document.querySelector('{typed}').value !== ''")
        step = abs(x1 - float(lesson.query["x0"]))
        assert abs(float(page.locator(typed).input_value()) - x1) < 0.1 * step
        page.get_by_role("button", name="Commit my prediction").click()
        page.locator(".st-key-lesson_answer").wait_for(timeout=60_000)
        assert "Right" in page.locator(".st-key-lesson_answer").inner_text()
        page.screenshot(path=str(artifacts / "lesson-next-step.png"))
    finally:
        context.close()
