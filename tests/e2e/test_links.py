"""Shared links in a real browser: a link opened in a fresh browser shows the same state and
chart; the address follows the settings; a teacher's link hides the sidebar; nonsense in
a link is a note on a working page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.harness import VIEWPORT, start_streamlit, stop_streamlit

pytestmark = pytest.mark.e2e

CONTRACT = "fn=rosenbrock&lr=0.0015&x0=-1.2&y0=1&epochs=300"
FIRST_POINT = """(sel) => {
    const gd = document.querySelector(sel);
    const t = gd.data.find((d) => (d.name || '').startsWith('current point'));
    return [Array.from(t.x), Array.from(t.y)];
}"""


def open_fresh(browser, url: str, ui):
    """A new browser context (a new visitor: no cookies, a new session) at ``url``."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url, wait_until="domcontentloaded")
    ui.wait_loaded(page)
    return context, page, errors


def seen(page, ui) -> dict:
    """What a visitor sees: the banner, the η on the slider, the chart's frames and point."""
    return {
        "banner": ui.banner_text(page),
        "lr": page.locator(".st-key-lr").inner_text(),
        "frames": ui.chart_state(page)["frames"],
        "point": page.evaluate(FIRST_POINT, ui.CHART_SEL),
    }


def query(page) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def test_a_shared_link_opens_the_same_state_and_chart_in_a_fresh_browser(
    chromium_browser, streamlit_server, ui, artifacts
):
    teacher, page, errors = open_fresh(chromium_browser, f"{streamlit_server}/?{CONTRACT}", ui)
    try:
        assert query(page) == dict(kv.split("=") for kv in CONTRACT.split("&"))
        assert "0.0015" in page.locator(".st-key-lr").inner_text()
        assert page.evaluate(FIRST_POINT, ui.CHART_SEL) == [[-1.2], [1]]
        # the teacher moves η: the address follows, and that is the link to share
        runs, banner = ui.run_count(page), ui.banner_text(page)
        page.locator('.st-key-lr input[type="range"]').focus()
        page.keyboard.press("ArrowRight")
        ui.wait_idle(page, runs_before=runs, text_before=banner)
        page.wait_for_function("() => location.search.includes('lr=0.0018')")  # the next η
        shared, before = page.url, seen(page, ui)
        page.screenshot(path=str(artifacts / "link_teacher.png"))
    finally:
        teacher.close()

    student, page, student_errors = open_fresh(chromium_browser, shared, ui)
    try:
        assert seen(page, ui) == before
        assert query(page)["lr"] == "0.0018"
        assert page.locator(".st-key-link_notes").count() == 0
        page.screenshot(path=str(artifacts / "link_student.png"))
    finally:
        student.close()
    assert errors == [] and student_errors == []


def test_a_teachers_link_hides_the_sidebar_and_a_bad_value_is_a_note(
    chromium_browser, streamlit_server, ui, artifacts
):
    url = f"{streamlit_server}/?fn=bowl&lr=nan&zz=%3Cscript%3E&hide=sidebar,nav"
    context, page, errors = open_fresh(chromium_browser, url, ui)
    try:
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
        note = page.locator(".st-key-link_notes").inner_text()
        assert "lr=nan" in note and "<script>" in note  # shown as text, never run
        assert page.locator('[data-testid="stException"]').count() == 0
        assert ui.chart_state(page)["frames"] > 1
        assert query(page) == {"fn": "bowl", "lr": query(page)["lr"], "x0": query(page)["x0"],
                               "y0": query(page)["y0"], "epochs": "100",
                               "hide": "sidebar,nav"}  # fmt: skip
        page.screenshot(path=str(artifacts / "link_hidden_sidebar.png"))
    finally:
        context.close()
    assert errors == []


def test_the_setting_survives_a_reload_and_a_server_restart(chromium_browser, ui, artifacts):
    """Everything is in the link: a reload is a new session, a restarted server too."""
    app = ui.APP
    proc, base = start_streamlit(app, app.parent, artifacts / "streamlit-restart.log")
    port = int(base.rsplit(":", 1)[1])
    context, page, errors = open_fresh(chromium_browser, f"{base}/?{CONTRACT}&tol=0", ui)
    try:
        runs, banner = ui.run_count(page), ui.banner_text(page)
        page.locator('.st-key-lr input[type="range"]').focus()
        page.keyboard.press("ArrowLeft")
        ui.wait_idle(page, runs_before=runs, text_before=banner)
        page.wait_for_function("() => location.search.includes('lr=0.0012')")
        before = seen(page, ui)

        page.reload(wait_until="domcontentloaded")
        ui.wait_loaded(page)
        assert seen(page, ui) == before

        stop_streamlit(proc)
        proc, _ = start_streamlit(app, app.parent, artifacts / "streamlit-restart-2.log", port)
        page.reload(wait_until="domcontentloaded")  # (the page also reconnects by itself)
        ui.wait_loaded(page)
        assert seen(page, ui) == before
        assert query(page)["tol"] == "0"
    finally:
        context.close()
        stop_streamlit(proc)
    assert errors == []
