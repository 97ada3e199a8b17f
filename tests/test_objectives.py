"""Objectives: registry contents, minima, and derivatives against finite differences."""

import numpy as np
import pytest

import gdviz
from gdviz import OBJECTIVES

REQUIRED_1D = {"parabola", "double_well", "wavy", "cubic"}
REQUIRED_2D = {
    "bowl", "ravine", "rosenbrock", "himmelblau", "beale", "booth", "matyas", "saddle",
    "rastrigin", "ackley", "styblinski_tang", "three_hump_camel", "goldstein_price",
    "mccormick", "two_wells",
}  # fmt: skip
ALL = sorted(OBJECTIVES)


def test_registry_has_every_required_slug_with_the_right_dimension():
    assert set(OBJECTIVES) >= REQUIRED_1D | REQUIRED_2D
    assert all(OBJECTIVES[s].dim == 1 for s in REQUIRED_1D)
    assert all(OBJECTIVES[s].dim == 2 for s in REQUIRED_2D)
    assert gdviz.DEFAULT_OBJECTIVE == "parabola"


@pytest.mark.parametrize("slug", ALL)
def test_objective_is_complete_data(slug):
    obj = OBJECTIVES[slug]
    assert obj.slug == slug and obj.name and obj.latex and obj.formula and obj.about
    assert len(obj.domain) == obj.dim and all(lo < hi for lo, hi in obj.domain)
    assert len(obj.start) == obj.dim
    assert all(lo <= s <= hi for s, (lo, hi) in zip(obj.start, obj.domain, strict=True))
    assert obj.lr > 0
    for point in obj.critical_points:
        assert point.kind in gdviz.objectives.POINT_KINDS
        assert len(point.point) == obj.dim


@pytest.mark.parametrize("slug", ALL)
def test_listed_critical_points_are_stationary_with_stated_value(slug):
    obj = OBJECTIVES[slug]
    for point in obj.critical_points:
        x = np.array(point.point)
        assert obj.f(x) == pytest.approx(point.value, rel=1e-9, abs=1e-9), point
        if slug == "ackley":  # a cone tip: not differentiable at its minimum
            continue
        assert np.linalg.norm(obj.grad(x)) < 1e-7, point


@pytest.mark.parametrize("slug", ALL)
def test_listed_points_have_the_kind_their_hessian_says(slug):
    obj = OBJECTIVES[slug]
    for point in obj.critical_points:
        if slug == "ackley":
            continue
        eig = np.linalg.eigvalsh(obj.hessian(np.array(point.point)))
        if point.is_minimum:
            assert eig.min() > 0, point
        elif point.kind == "local maximum":
            assert eig.max() < 0, point
        else:
            assert eig.min() < 0 < eig.max(), point


@pytest.mark.parametrize("slug", ALL)
def test_global_minimum_is_lowest_on_a_dense_grid(slug):
    obj = OBJECTIVES[slug]
    best = obj.global_minimum
    if best is None:
        return
    axes = [np.linspace(lo, hi, 301) for lo, hi in obj.domain]
    grid = np.stack(np.meshgrid(*axes), axis=-1)
    assert obj.f(grid).min() >= best.value - 1e-9


def assert_close(exact, numeric, tol):
    """Agreement within ``tol`` relative to the size of the value (or 1)."""
    error = np.abs(exact - numeric) / (1.0 + np.abs(numeric))
    assert np.all(error < tol), f"worst relative error {error.max():.2e}"


@pytest.mark.parametrize("slug", ALL)
def test_gradient_and_hessian_match_central_differences(slug):
    obj = OBJECTIVES[slug]
    rng = np.random.default_rng(sum(map(ord, slug)))
    lo, hi = np.array(obj.domain).T
    points = rng.uniform(lo, hi, size=(25, obj.dim))
    h = 1e-6 * np.maximum(1.0, np.abs(points))
    grad, hess = obj.grad(points), obj.hessian(points)
    for i in range(obj.dim):
        e = np.zeros(obj.dim)
        e[i] = 1.0
        step = h[:, i : i + 1] * e
        numeric = (obj.f(points + step) - obj.f(points - step)) / (2 * h[:, i])
        assert_close(grad[:, i], numeric, 1e-5)
        numeric_h = (obj.grad(points + step) - obj.grad(points - step)) / (2 * h[:, i : i + 1])
        assert_close(hess[:, :, i], numeric_h, 1e-4)


@pytest.mark.parametrize("slug", ALL)
def test_functions_are_vectorized_over_leading_axes(slug):
    obj = OBJECTIVES[slug]
    lo, hi = np.array(obj.domain).T
    points = np.random.default_rng(0).uniform(lo, hi, size=(3, 4, obj.dim))
    assert obj.f(points).shape == (3, 4)
    assert obj.grad(points).shape == (3, 4, obj.dim)
    assert obj.hessian(points).shape == (3, 4, obj.dim, obj.dim)
    for idx in [(0, 0), (2, 3)]:
        value, grad = obj.value_and_grad(points[idx])
        assert value == pytest.approx(obj.f(points[idx]))
        np.testing.assert_allclose(grad, obj.grad(points)[idx])
    hess = obj.hessian(points)
    np.testing.assert_allclose(hess, np.swapaxes(hess, -1, -2), rtol=1e-9, atol=1e-9)


def test_textbook_parabola():
    obj = OBJECTIVES["parabola"]
    assert obj.f(np.array([0.0])) == 5.0
    assert obj.f(np.array([3.0])) == 14.0
    assert obj.grad(np.array([3.0]))[0] == 6.0
    assert gdviz.stable_lr_limit(obj, [0.0]) == pytest.approx(1.0)


def test_shape_mismatch_and_unknown_slug_are_clear_errors():
    with pytest.raises(ValueError, match="2 coordinates"):
        OBJECTIVES["bowl"].f(np.zeros(3))
    with pytest.raises(ValueError, match="unknown objective 'nope'"):
        gdviz.get_objective("nope")


def test_goldstein_price_needs_its_log_colour_scale():
    obj = OBJECTIVES["goldstein_price"]
    assert obj.log_colour
    field = gdviz.sample_field(obj)
    assert field.values.max() / field.values.min() > 1e4


def test_objectives_pickle_as_their_slug():
    import pickle

    obj = OBJECTIVES["rosenbrock"]
    assert pickle.loads(pickle.dumps(obj)) is obj


def test_readme_lists_every_objective():
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    missing = [slug for slug in OBJECTIVES if f"`{slug}`" not in readme]
    assert not missing, f"README does not list {missing}"
