"""Divergence is drawn in the app: the audit's links open pages whose charts show the run
(the zooming signed-log view up to its last finite point) under a banner that says what
happened, with no "Could not show …" in the chart's place."""

from __future__ import annotations

import pytest

from tests.conftest import chart_figures, page_text
from tests.test_divergence_drawn import checked
from tests.test_links_app import open_link

LINKS = {
    "double_well at η = 0.25": ("descent", {"fn": "double_well", "lr": "0.25"}),
    "cubic at η = 10": ("descent", {"fn": "cubic", "lr": "10"}),
    "Rosenbrock at η = 0.1, its 3-D surface and sharpness": (
        "descent",
        {
            "fn": "rosenbrock",
            "lr": "0.1",
            "x0": "-1.5",
            "y0": "2",
            "view": "3d",
            "details": "sharpness",
        },
    ),  # fmt: skip
    "Himmelblau from (10⁶, 10⁶) at η = 0.1, every epoch": (
        "descent",
        {"fn": "himmelblau", "lr": "0.1", "x0": "1000000", "y0": "1000000", "details": "table"},
    ),  # fmt: skip
    "Himmelblau from (−10⁶, 10⁶) at η = 0.1, its 3-D surface": (
        "descent",
        {"fn": "himmelblau", "lr": "0.1", "x0": "-1000000", "y0": "1000000", "view": "3d"},
    ),  # fmt: skip
    "a race of GD on the cubic at η = 10": ("race", {"fn": "cubic", "opt": "gd", "lr_gd": "10"}),
    "the landscape's run at η = 10": ("landscape", {"fn": "double_well", "lr": "10"}),
    "a fit at η = 10 from (w₀, b₀) = (10⁶, −10⁶)": (
        "fit",
        {"data": "noisy_line", "lr": "10", "w0": "1000000", "b0": "-1000000"},
    ),  # fmt: skip
    "a fit of one weight at η = 10 from w₀ = 10⁶": (
        "fit",
        {"data": "three_points", "lr": "10", "w0": "1000000"},
    ),  # fmt: skip
}


def failures(at) -> list[str]:
    return [e.value for e in at.error if "Could not show" in e.value or "Cannot run" in e.value]


@pytest.mark.parametrize("case", list(LINKS))
def test_the_audits_links_draw_the_diverging_run(case):
    page, query = LINKS[case]
    at = open_link(page, query)
    assert not at.exception and not failures(at), failures(at)
    figures = chart_figures(at)
    assert figures  # the chart is there ...
    for spec in figures:
        checked(spec)  # ... with finite axes, and no inf drawn
    text = page_text(at) + " ".join(w.value for w in (*at.error, *at.warning, *at.info))
    assert "iverge" in text  # the banner says what happened


@pytest.mark.parametrize("case", ["cubic at η = 10", "double_well at η = 0.25"])
def test_the_banner_says_the_path_is_drawn_up_to_its_last_finite_point(case):
    page, query = LINKS[case]
    at = open_link(page, query)
    banners = [e.value for e in at.error] + [w.value for w in at.warning]
    banner = next(b for b in banners if b.startswith("Diverged"))
    assert "drawn up to its last finite point" in banner and "signed log axes" in banner
    assert "inf" not in banner.replace("infinity", "")
