"""Exports in a real browser: the HTML file plays with every network request blocked, and
the app's PNG and GIF buttons hand over pictures that look like its chart.

Screenshots and the downloaded pictures go to tests/artifacts/ (export-*.png) to be looked at.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

import gdviz
from gdviz.figures.style import PATH, POINT
from tests.e2e.test_browser import poll

pytestmark = pytest.mark.e2e

GRAPH = ".js-plotly-plot"
STATE_JS = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  if (!gd || !gd._fullLayout || !gd._transitionData) return null;
  const point = gd.data.findIndex((t) => t.meta === 'point');
  return {
    frames: gd._transitionData._frames.length,
    active: gd._fullLayout.sliders?.[0]?.active ?? null,
    x: point >= 0 ? gd.data[point].x[0] : null,
    y: point >= 0 ? gd.data[point].y[0] : null,
  };
}"""


def count_like(image: Image.Image, hex_colour: str, tolerance: int = 12) -> int:
    rgb = np.asarray(image.convert("RGB"), dtype=int)
    target = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(rgb - target).max(axis=-1) <= tolerance).sum())


def test_exported_html_plays_offline_with_every_request_blocked(
    chromium_browser, tmp_path, artifacts
):
    from ui.charts import plotly_bundle

    traj = gdviz.descend("himmelblau", (0.0, 0.0), lr=0.01, epochs=100)
    _, read = plotly_bundle()
    html = gdviz.standalone_html(gdviz.descent_figure(traj), title="Himmelblau, η = 0.01",
                                 plotly_js=read())  # fmt: skip
    path = tmp_path / "descent.html"
    path.write_text(html, encoding="utf-8")

    context = chromium_browser.new_context(viewport={"width": 900, "height": 900}, offline=True)
    asked: list[str] = []

    def block(route):
        if route.request.url == path.as_uri():
            route.continue_()
        else:  # anything else the page asks for: refused, and noted
            asked.append(route.request.url)
            route.abort()

    context.route("**/*", block)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(path.as_uri())
        page.wait_for_function(f"() => ({STATE_JS})()?.frames > 1", timeout=30_000)
        before = page.evaluate(STATE_JS)
        assert before["frames"] == traj.epoch + 1 and before["active"] == 0, before
        assert (before["x"], before["y"]) == (0.0, 0.0)  # the start
        page.screenshot(path=str(artifacts / "export-html-before.png"))

        page.locator("g.updatemenu-button", has_text="Play").click()
        after = poll(
            lambda: (s := page.evaluate(STATE_JS))["active"] > 0 and s["x"] != 0.0 and s,
            timeout=30,
        )
        assert after, f"Play did not advance the animation: {page.evaluate(STATE_JS)}"
        assert 0 < after["active"] <= after["frames"] - 1
        # it keeps playing to the end of the run: the point reaches the minimum (3, 2)
        end = poll(lambda: (s := page.evaluate(STATE_JS))["active"] == s["frames"] - 1 and s,
                   timeout=30)  # fmt: skip
        assert end and abs(end["x"] - 3.0) < 0.01 and abs(end["y"] - 2.0) < 0.01, end
        page.screenshot(path=str(artifacts / "export-html-after.png"))
        assert asked == [], asked  # nothing fetched: no CDN, no font, no image
        assert errors == [], errors
    finally:
        context.close()


def download(page, key: str) -> bytes:
    """Press the download button ``key`` and return the file the browser receives."""
    with page.expect_download(timeout=60_000) as info:
        page.locator(f".st-key-{key} button").first.click()
    with open(info.value.path(), "rb") as file:
        return file.read()


def test_the_apps_png_and_gif_look_like_its_chart(app_page, artifacts):
    page = app_page
    chart = page.locator(".st-key-descent_chart")
    chart.screenshot(path=str(artifacts / "export-app-chart.png"))
    shown = Image.open(artifacts / "export-app-chart.png")

    png = Image.open(io.BytesIO(download(page, "export_png")))
    png.save(artifacts / "export-app-download.png")
    assert png.format == "PNG" and png.width >= 1000

    gif = Image.open(io.BytesIO(download(page, "export_gif")))
    assert gif.format == "GIF" and gif.n_frames > 1
    gif.seek(0)
    first = gif.convert("RGB")
    first.save(artifacts / "export-gif-first-frame.png")
    gif.seek(gif.n_frames - 1)
    assert np.asarray(gif.convert("RGB")).tolist() != np.asarray(first).tolist()

    # the app's colours in both: its orange path and red point, on white
    for image in (shown, png, first):
        assert count_like(image, PATH) > 30
        assert count_like(image, POINT) > 30
    assert page.gdviz_errors == [], page.gdviz_errors
