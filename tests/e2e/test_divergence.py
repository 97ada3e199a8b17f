"""A diverging run in a real browser: the audit's link /?fn=double_well&lr=0.25 draws the
run up to its last finite point (on signed log axes that zoom out as it plays), with its
Play button, under a banner that says what happened."""

from __future__ import annotations

import math

import pytest

from tests.e2e.test_browser import poll
from tests.e2e.test_links import open_fresh

pytestmark = pytest.mark.e2e

WHOLE_PATH = """(sel) => {
    const gd = document.querySelector(sel);
    const t = gd._fullData.find((d) => d.name === 'whole path (faint)');  // decoded arrays
    return {x: Array.from(t.x), y: Array.from(t.y), axis: gd._fullLayout.xaxis.range,
            title: gd._fullLayout.xaxis.title.text};
}"""


def test_a_diverging_double_well_is_drawn_and_plays(chromium_browser, streamlit_server, ui,
                                                   artifacts):  # fmt: skip
    url = f"{streamlit_server}/?fn=double_well&lr=0.25"
    context, page, errors = open_fresh(chromium_browser, url, ui)
    try:
        text = page.locator(ui.APP_SEL).inner_text()
        assert page.locator('[data-testid="stException"]').count() == 0
        assert "Could not show" not in text and "Traceback" not in text
        banner = ui.banner_text(page)
        assert banner.startswith("Diverged") and "last finite point" in banner, banner

        state = ui.chart_state(page)
        assert state is not None and state["frames"] == 7, state  # epochs 0..6
        play = page.locator(".st-key-descent_chart .gdviz-chart .gdviz-play").first
        assert play.is_visible() and "Play" in play.inner_text()

        path = page.evaluate(WHOLE_PATH, ui.CHART_SEL)
        assert len(path["x"]) == 7 and "signed log" in path["title"]
        assert all(math.isfinite(v) for v in path["x"] + path["y"])
        assert path["x"][-1] > 70  # 7.7 × 10⁷⁰, the last finite point, in signed log units

        ui.click_play(page)
        done = poll(lambda: (s := ui.chart_state(page))["active"] == 6 and not s["playing"], 30)
        assert done, ui.chart_state(page)
        last = page.evaluate(WHOLE_PATH, ui.CHART_SEL)["axis"]
        assert last[0] <= min(path["x"]) and last[1] >= path["x"][-1]  # zoomed out to it
        page.locator(".st-key-descent_chart").screenshot(
            path=str(artifacts / "divergence_double_well.png")
        )
        assert not errors, errors
    finally:
        context.close()
