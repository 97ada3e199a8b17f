"""Basin maps and maps of settings: labels against descend, boundaries against theory."""

import json
import math
import warnings

import numpy as np
import pytest
import sympy as sp

from gdviz import OBJECTIVES, CriticalPoint, Objective, descend
from gdviz.figures.maps import basin_colours, basin_figure, param_map_figure
from gdviz.maps import (
    DIVERGED,
    ELSEWHERE,
    NOT_CONVERGED,
    basin_map,
    lr_momentum_map,
    lr_start_map,
    pixel_centres,
)
from gdviz.symbols import X, Y


@pytest.fixture(scope="module")
def himmelblau():
    return basin_map("himmelblau", lr=0.01, epochs=500, resolution=64)


def _label_of(bmap, traj) -> str:
    """Where descend's run ends, by the rule the module states, computed here again."""
    if traj.status == "diverged":
        return DIVERGED
    end = traj.points[-1]
    if traj.status in ("converged", "max_epochs"):
        d = [math.dist(end, m.point) for m in bmap.minima]
        k = int(np.argmin(d))
        if d[k] < bmap.radius:
            return bmap.names[k]
    return ELSEWHERE if traj.status == "converged" else NOT_CONVERGED


def test_himmelblau_finds_all_four_minima(himmelblau):
    counts = himmelblau.counts()
    assert himmelblau.known == 4 and not himmelblau.found
    for m in OBJECTIVES["himmelblau"].minima:
        name = next(
            n
            for n in himmelblau.names
            if n.startswith("minimum")
            and math.dist(m.point, himmelblau.minima[himmelblau.names.index(n)].point) < 1e-9
        )
        assert counts[name] > 0.15 * himmelblau.labels.size  # four basins of about a quarter


def test_each_pixel_ends_where_descend_from_its_start_ends(himmelblau):
    rng = np.random.default_rng(7)
    ny, nx = himmelblau.labels.shape
    for i, j in zip(rng.integers(0, ny, 50), rng.integers(0, nx, 50), strict=True):
        start = (himmelblau.xs[j], himmelblau.ys[i])
        traj = descend("himmelblau", start, lr=0.01, epochs=500)
        assert himmelblau.names[himmelblau.labels[i, j]] == _label_of(himmelblau, traj)


def test_labels_against_descend_where_runs_diverge_and_bounce():
    bmap = basin_map("himmelblau", lr=0.03, epochs=300, resolution=24)
    counts = bmap.counts()
    assert counts[DIVERGED] and counts[NOT_CONVERGED]  # the case is not trivial
    for i in range(0, 24, 3):
        for j in range(0, 24, 3):
            traj = descend("himmelblau", (bmap.xs[j], bmap.ys[i]), lr=0.03, epochs=300)
            assert bmap.names[bmap.labels[i, j]] == _label_of(bmap, traj)


def test_rastrigin_lattice_is_found_and_neighbours_differ_in_colour():
    bmap = basin_map("rastrigin", lr=0.002, epochs=300, resolution=96)
    # local minima near every integer point of the box: 11 × 11 in [−5.12, 5.12]²
    points = np.array([m.point for m in bmap.minima])
    assert len(bmap.minima) == 121
    assert np.abs(points - np.round(points)).max() < 0.05
    colours = basin_colours(bmap)
    labels = bmap.labels
    m = len(bmap.minima)
    for a, b in ((labels[:, :-1], labels[:, 1:]), (labels[:-1], labels[1:])):
        touch = (a != b) & (a < m) & (b < m)
        pairs = set(zip(a[touch].tolist(), b[touch].tolist(), strict=True))
        assert all(colours[p] != colours[q] for p, q in pairs)


def test_two_wells_basins_split_the_box():
    bmap = basin_map("two_wells", lr=0.05, epochs=300, resolution=32)
    counts = bmap.counts()
    left, right = bmap.names[0], bmap.names[1]
    assert counts[left] > 0 and counts[right] > 0
    # a start on the left well's side of the saddle ends in it
    assert bmap.label_at(-1.2, 0.1) == left and bmap.label_at(1.2, 0.1) == right


def test_box_gives_pixels_inside_it_and_start_at_the_pixel_centre():
    box = ((2.5, 3.5), (1.5, 2.5))
    bmap = basin_map("himmelblau", lr=0.01, epochs=200, resolution=16, box=box)
    assert bmap.xs.min() > 2.5 and bmap.xs.max() < 3.5
    assert bmap.ys.min() > 1.5 and bmap.ys.max() < 2.5
    width = 1.0 / 16
    assert bmap.start_at(2.5 + 0.2 * width, 1.5 + 3.7 * width) == pytest.approx(
        (2.5 + 0.5 * width, 1.5 + 3.5 * width)
    )
    assert pixel_centres(2.5, 3.5, 16)[0] == pytest.approx(2.5 + width / 2)
    assert bmap.refine(24).labels.shape == (24, 24)


def test_basin_map_refuses_one_variable_and_bad_boxes():
    with pytest.raises(ValueError, match="2 variables"):
        basin_map("parabola", lr=0.1, epochs=10)
    with pytest.raises(ValueError, match="low < high"):
        basin_map("bowl", lr=0.1, epochs=10, box=((1, 0), (0, 1)))


def _rows_match(pmap, limit):
    """Per β row: the first η of the trailing divergent run vs the first grid η past the
    theoretical limit, in grid cells."""
    expected = np.searchsorted(pmap.xs, limit(pmap.ys))
    return np.abs(pmap.divergence_onsets() - expected)


@pytest.mark.parametrize("optimizer", ["momentum", "sgd", "nesterov"])
def test_momentum_divergence_matches_theory_on_a_parabola(optimizer):
    lam = 2.0  # f = x² + 5
    pmap = lr_momentum_map("parabola", (3.0,), optimizer=optimizer, epochs=400,
                           lr_range=(0.05, 20.0), resolution=60)  # fmt: skip
    if optimizer == "nesterov":  # Jury's condition on [[1 − a(1+β), −ηβ²], [λ, β]]
        limit = lambda b: (2 + 2 * b) / ((1 + 2 * b) * lam)  # noqa: E731
    else:
        limit = lambda b: (2 + 2 * b) / lam  # noqa: E731
    assert _rows_match(pmap, limit).max() <= 1
    curve_x, curve_y = pmap.boundary[0]
    assert np.allclose(curve_x, limit(curve_y))
    # below the line nothing diverges (β ≤ 0.9: descend's runaway test calls some slow, wide
    # swings at higher β diverged)
    rows = pmap.ys <= 0.9
    below = pmap.xs[None, :] < limit(pmap.ys)[:, None] / 1.15
    assert not np.any((pmap.statuses == "diverged") & below & rows[:, None])


def test_momentum_divergence_matches_theory_on_a_steep_bowl():
    obj = Objective.from_expr("steep_bowl", "steep bowl", X**2 + 10 * Y**2,
                              domain=[(-2, 2), (-2, 2)], start=(1.0, 1.0),
                              critical_points=[CriticalPoint((0.0, 0.0), 0.0)])  # fmt: skip
    pmap = lr_momentum_map(obj, (1.0, 1.0), epochs=400, lr_range=(0.01, 2.0), resolution=50)
    lam_max = 20.0  # ∇²f = diag(2, 20)
    assert _rows_match(pmap, lambda b: (2 + 2 * b) / lam_max).max() <= 1


def test_lr_start_boundary_at_two_over_curvature_of_each_minimum():
    pmap = lr_start_map("double_well", epochs=300, resolution=60, lr_range=(0.01, 2.0))
    x = sp.Symbol("x")
    bend = sp.diff(x**4 - 2 * x**2 + sp.Rational(3, 10) * x, x, 2)
    expected = sorted(2 / float(bend.subs(x, m.point[0])) for m in OBJECTIVES["double_well"].minima)
    got = sorted(float(curve_x[0]) for curve_x, _ in pmap.boundary)
    assert got == pytest.approx(expected, rel=1e-9)
    # no run converges in a minimum with η a grid cell past its line
    step = pmap.xs[1] / pmap.xs[0]
    for k, (curve_x, _) in zip(pmap.boundary_minima, pmap.boundary, strict=True):
        beyond = pmap.xs[None, :] > curve_x[0] * step
        assert not np.any((pmap.ends_in == k) & beyond)
        assert np.any(pmap.ends_in == k)
    assert any("converges in the minimum" in s for s in pmap.summary())


def _arrays(value):
    """Every number in a figure's JSON (typed arrays decoded), to look for NaN and inf."""
    import base64

    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            return list(np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]))
        return [n for v in value.values() for n in _arrays(v)]
    if isinstance(value, list):
        return [n for v in value for n in _arrays(v)]
    return [value] if isinstance(value, float) else []


def test_fully_divergent_maps_warn_nothing_and_draw_no_nan():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bmap = basin_map("himmelblau", lr=5.0, epochs=100, resolution=16)
        pmap = lr_momentum_map("parabola", (3.0,), epochs=100, lr_range=(5.0, 50.0), resolution=8)
        smap = lr_start_map("double_well", epochs=100, lr_range=(5.0, 50.0), resolution=8)
        figures = [basin_figure(bmap), param_map_figure(pmap, (10.0, 0.5)),
                   param_map_figure(smap, (10.0, 0.0))]  # fmt: skip
        texts = [f.to_json() for f in figures]
    assert bmap.counts()[DIVERGED] == bmap.labels.size
    assert np.all(pmap.statuses == "diverged") and np.all(smap.statuses == "diverged")
    for text in texts:
        assert "NaN" not in text and "Infinity" not in text
        numbers = np.array(_arrays(json.loads(text)), dtype=float)
        assert np.all(np.isfinite(numbers))
    assert any("diverge" in s for s in bmap.summary())


def test_basin_figure_legend_shares_and_replay():
    bmap = basin_map("himmelblau", lr=0.01, epochs=300, resolution=32)
    fig = basin_figure(bmap)
    counts = bmap.counts()
    legend = [t.name for t in fig.data if t.showlegend is not False and t.name]
    for name in bmap.names[:4]:
        share = f"{100 * counts[name] / bmap.labels.size:.0f} %"
        assert f"{name}: {share}" in legend
    assert fig.layout.images[0].source.startswith("data:image/png")
    assert fig.to_dict()["layout"]["meta"]["aspect"] == 1.0
    start = bmap.start_at(0.5, 0.5)
    traj = descend("himmelblau", start, lr=0.01, epochs=300)
    replay = basin_figure(bmap, traj)
    plain = replay.to_dict()
    assert plain["frames"] and plain["layout"]["images"][0]["source"] == fig.layout.images[0].source
    moving = {t.get("meta") for t in plain["data"]}
    assert {"trail", "arrow", "point"} <= moving
    # frames still name the moving traces by position
    for frame in plain["frames"][:3]:
        assert {plain["data"][i].get("meta") for i in frame["traces"]} == {
            "trail",
            "arrow",
            "point",
        }


def test_param_map_figure_marks_boundary_and_current():
    pmap = lr_momentum_map("parabola", (3.0,), epochs=200, resolution=20)
    fig = param_map_figure(pmap, current=(0.5, 0.3))
    names = [t.name for t in fig.data]
    assert pmap.boundary_names[0] in names
    marker = next(t for t in fig.data if t.name and t.name.startswith("current"))
    assert marker.x[0] == pytest.approx(math.log10(0.5))
    line = next(t for t in fig.data if t.name == pmap.boundary_names[0])
    assert 10 ** line.x[0] == pytest.approx(2 / 2.0, rel=1e-4)  # β = 0: η = 2/λ
