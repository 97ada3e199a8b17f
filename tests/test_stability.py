"""Stability from the Hessian: the bands of η a quadratic's curvature predicts are what
the runs do; heavy-ball momentum's limit 2 + 2β; the fit page's loss (2·mean(x²) for
y = w·x); sharpness along a run; the strip's words on the descent page."""

from __future__ import annotations

import numpy as np
import pytest

import gdviz
from gdviz import OBJECTIVES, descend
from gdviz.figures.stability import sharpness_figure
from gdviz.stability import curvature, reference_curvature, sharpness
from tests.conftest import animated_charts, chart_payload, decode_plotly, open_page


def parabola_minimum():
    return curvature(OBJECTIVES["parabola"], (0.0,), "the global minimum")


@pytest.mark.parametrize(
    ("lr", "band"),
    [(0.1, "monotone"), (0.45, "monotone"), (0.5, "one step"), (0.7, "oscillating"),
     (0.95, "oscillating"), (1.05, "divergent"), (3.0, "divergent")],
)  # fmt: skip
def test_the_bands_on_a_quadratic_are_what_the_runs_do(lr, band):
    """f(x) = x² + 5, λ = 2: monotone below 1/λ = 0.5, one step at 0.5, oscillating up to
    2/λ = 1, divergent above; each checked on the run itself."""
    c = parabola_minimum()
    assert (c.one_step, c.gd_limit) == (0.5, 1.0)
    assert c.band(lr) == band
    traj = descend("parabola", 3.0, lr=lr, epochs=60, tol=0)
    x = traj.points[:, 0]
    if band == "monotone":
        assert np.all(np.diff(np.abs(x)) < 0) and np.all(x > 0)  # never crosses the minimum
    elif band == "one step":
        assert x[1] == 0.0
    elif band == "oscillating":
        assert np.all(np.sign(x[:20]) == np.sign(3.0) * (-1.0) ** np.arange(20))
        assert abs(x[-1]) < 1e-2
    else:
        assert traj.status == "diverged"


@pytest.mark.parametrize(("factor", "converges"), [(0.95, True), (1.05, False)])
def test_heavy_ball_momentum_is_stable_up_to_2_plus_2_beta(factor, converges):
    """PyTorch's momentum (b ← βb + g, x ← x − ηb) is the heavy ball: on x² + 5 with β = 0.9
    it converges for η·λ < 3.8 and runs away above."""
    c = parabola_minimum()
    limit = c.momentum_limit(0.9)
    assert limit == pytest.approx(3.8 / 2)
    assert gdviz.OPTIMIZERS["momentum"].preset["momentum"] == 0.9
    traj = descend("parabola", 3.0, lr=factor * limit, epochs=600, optimizer="momentum", tol=1e-8)
    assert (traj.status == "converged") is converges, traj.message


def test_the_fit_pages_limit_is_two_over_twice_the_mean_square():
    """L(w) = mean((w·x − y)²) has L″ = 2·mean(x²): for x = 1, 2, 3 that is 28/3."""
    objective = gdviz.loss_objective("three_points")
    c = reference_curvature(objective, (1.0,))
    assert c.lam_max == pytest.approx(2 * np.mean(np.array([1.0, 2.0, 3.0]) ** 2))
    assert c.gd_limit == pytest.approx(3 / 14)
    below = gdviz.fit("three_points", (1.0,), lr=0.95 * c.gd_limit, epochs=400)
    above = gdviz.fit("three_points", (1.0,), lr=1.05 * c.gd_limit, epochs=400)
    assert below.status == "converged" and above.status == "diverged"


def test_condition_number_and_eigenvalues_at_a_ravine():
    c = reference_curvature(OBJECTIVES["himmelblau"], (0.0, 0.0))
    hessian = OBJECTIVES["himmelblau"].hessian(np.array(c.point))
    assert np.allclose(c.eigenvalues, np.linalg.eigvalsh(hessian))
    assert c.condition == pytest.approx(c.lam_max / c.lam_min) and c.condition > 1


def test_sharpness_follows_the_hessian_along_the_path_and_never_shows_nan():
    traj = descend("himmelblau", (0.0, 0.0), lr=0.01, epochs=50)
    top = sharpness(traj)
    for k in (0, 10, traj.epoch):
        assert top[k] == pytest.approx(
            np.linalg.eigvalsh(traj.objective.hessian(traj.points[k]))[-1]
        )
    assert sharpness(descend("parabola", 3.0, lr=0.1, epochs=20)) == pytest.approx(2.0)
    diverged = descend("parabola", 3.0, lr=10.0, epochs=100)
    spec = sharpness_figure(diverged).to_plotly_json()
    ys = [v for t in spec["data"] for v in np.atleast_1d(decode_plotly(t["y"])) if v is not None]
    assert np.all(np.isfinite(np.asarray(ys, dtype=float)))


def test_the_strip_beside_eta_says_where_eta_is_against_the_limit():
    at = open_page()
    at.select_slider(key="lr").set_value(1.5).run()  # 1.5× the parabola's limit 1
    words = [c.value for c in at.sidebar.caption if "stable limit" in c.value]
    assert words and words[0].startswith("η = 1.5× the stable limit 2/λ_max = 1 at the global")
    assert "cannot settle" in words[0]
    assert at.get("html")  # the coloured bands
    at.session_state["details"] = "Sharpness vs 2/η"
    at.run()
    assert not at.exception
    chart = next(
        chart_payload(n) for n in animated_charts(at) if n.proto.id.endswith("sharpness_figure")
    )
    assert chart["follow"] == "descent"
    names = [t.get("name") for t in chart["figure"]["data"]]
    assert "2/η (stable below)" in names and any("λ_max" in (n or "") for n in names)


def test_the_fit_page_shows_the_losss_bands_beside_its_eta():
    at = open_page("views/fit.py")
    assert not at.exception
    words = [c.value for c in at.sidebar.caption if "stable limit" in c.value]
    assert words and "2/λ_max = 0.2143" in words[0], words  # 2/(2·mean(x²)) = 3/14
