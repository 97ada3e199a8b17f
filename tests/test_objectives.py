"""Objectives: registry contents, minima, derivatives against finite differences, the data
file, and compilation on first use."""

import dataclasses
import json
import pickle
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import sympy as sp

import gdviz
from gdviz import OBJECTIVES, Objective, objectives
from gdviz.symbols import X, Y
from tests.conftest import ROOT

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
    obj = OBJECTIVES["rosenbrock"]
    assert pickle.loads(pickle.dumps(obj)) is obj


def test_readme_lists_every_objective():
    readme = (ROOT / "README.md").read_text()
    missing = [slug for slug in OBJECTIVES if f"`{slug}`" not in readme]
    assert not missing, f"README does not list {missing}"


# ---- the data file ---------------------------------------------------------------------------


GP_A = 19 - 14 * X + 3 * X**2 - 14 * Y + 6 * X * Y + 3 * Y**2
GP_B = 18 - 32 * X + 12 * X**2 + 48 * Y - 36 * X * Y + 27 * Y**2


def test_registry_expressions_are_exact():
    # Fractions in the data file (3/10) stay rational: no float crept into any formula.
    floats = {slug: o.expr.atoms(sp.Float) for slug, o in OBJECTIVES.items()}
    assert not any(floats.values()), floats


@pytest.mark.parametrize(
    "slug, expected",
    [
        ("double_well", X**4 - 2 * X**2 + sp.Rational(3, 10) * X),
        (
            "ackley",
            -20 * sp.exp(-sp.Rational(1, 5) * sp.sqrt((X**2 + Y**2) / 2))
            - sp.exp((sp.cos(2 * sp.pi * X) + sp.cos(2 * sp.pi * Y)) / 2)
            + sp.E
            + 20,
        ),
        ("goldstein_price", (1 + (X + Y + 1) ** 2 * GP_A) * (30 + (2 * X - 3 * Y) ** 2 * GP_B)),
        (
            "two_wells",
            X**2
            + Y**2
            - 2 * sp.exp(-5 * ((X - 1) ** 2 + Y**2))
            - 3 * sp.exp(-5 * ((X + 1) ** 2 + Y**2)),
        ),
    ],
)
def test_data_file_text_parses_to_the_textbook_formula(slug, expected):
    assert sp.simplify(OBJECTIVES[slug].expr - expected) == 0


def write_data(tmp_path, extra: str):
    entry = """
[bump]
name = "Bump"
f = "x^2"
formula = "x²"
domain = [[-1, 1]]
start = [0.5]
lr = 0.1
about = "A test."
"""
    path = tmp_path / "objectives.toml"
    path.write_text(entry + extra)
    return path


def test_data_file_entries_become_objectives(tmp_path):
    path = write_data(tmp_path, 'critical_points = [{ kind = "global minimum", at = [0], f = 0 }]')
    (bump,) = objectives._load(path).values()
    assert bump.slug == "bump" and bump.dim == 1 and bump.latex == "x^{2}"
    assert bump.critical_points == (gdviz.CriticalPoint((0.0,), 0.0, "global minimum"),)
    assert bump.f(np.array([0.5])) == 0.25


@pytest.mark.parametrize(
    "extra, message",
    [
        ("critical_points = []\nlog_color = true", "unknown keys \\['log_color'\\]"),
        ("", "missing keys \\['critical_points'\\]"),
        ('critical_points = [{ kind = "minimum", at = [0], f = 0 }]', "kind must be one of"),
    ],
)
def test_data_file_mistakes_are_refused_by_name(tmp_path, extra, message):
    with pytest.raises(ValueError, match=message):
        objectives._load(write_data(tmp_path, extra))


# ---- compiled on first use -------------------------------------------------------------------

# Counts sympy.lambdify calls in a fresh interpreter: none at import, one per function used.
_FRESH_IMPORT = """
import json, sympy
calls = []
lambdify = sympy.lambdify
sympy.lambdify = lambda args, expr, **kw: calls.append(str(expr)) or lambdify(args, expr, **kw)
import gdviz
counts = {"import": len(calls)}
bowl = gdviz.OBJECTIVES["bowl"]
bowl.f([1.0, 2.0]); bowl.f([[1.0, 2.0], [3.0, 4.0]])
counts["f"] = len(calls)
bowl.grad([1.0, 2.0]); bowl.value_and_grad([1.0, 2.0]); bowl.hessian([1.0, 2.0]); bowl.f([0, 0])
counts["all four"] = len(calls)
gdviz.descend("bowl", (4.0, 3.0), lr=0.1, epochs=10)
counts["descend"] = len(calls)
print(json.dumps({"counts": counts, "compiled": calls}))
"""


def test_import_compiles_nothing_and_a_use_compiles_only_what_it_needs():
    out = subprocess.run(
        [sys.executable, "-c", _FRESH_IMPORT], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.splitlines()[-1])
    assert result["counts"] == {"import": 0, "f": 1, "all four": 4, "descend": 4}
    bowl = OBJECTIVES["bowl"]
    parts = ("f", "grad", "value_and_grad", "hess")  # in the order they were first used
    expected = [str(objectives._PARTS[p](bowl.expr, bowl.variables)) for p in parts]
    assert result["compiled"] == expected


@pytest.fixture
def compiles(monkeypatch):
    """The expressions compiled from now on, each after a pause (so threads overlap)."""
    calls = []
    real = objectives._compile

    def slow(variables, expr):
        calls.append(expr)
        time.sleep(0.05)
        return real(variables, expr)

    monkeypatch.setattr(objectives, "_compile", slow)
    return calls


def fresh_objective() -> Objective:
    return Objective.from_expr("t", "T", X**2 + 3 * Y, domain=[(-1, 1), (-1, 1)], start=[0, 0])


def test_threads_asking_at_once_compile_a_function_once(compiles):
    obj = fresh_objective()
    assert compiles == []  # building an objective compiles nothing
    barrier = threading.Barrier(8)

    def use(_):
        barrier.wait()
        return float(obj.f([1.0, 2.0]))

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(use, range(8))) == [7.0] * 8
    assert compiles == [obj.expr]


def test_copies_share_their_compiled_functions(compiles):
    obj = fresh_objective()
    copy = dataclasses.replace(obj, lr=0.5, start=(0.5, 0.5))
    np.testing.assert_array_equal(copy.grad([1.0, 2.0]), [2.0, 3.0])
    np.testing.assert_array_equal(obj.grad([1.0, 2.0]), [2.0, 3.0])
    assert len(compiles) == 1


def test_an_unregistered_objective_pickles_and_compiles_again():
    obj = fresh_objective()
    copy = pickle.loads(pickle.dumps(obj))
    assert copy is not obj and copy.expr == obj.expr and copy.domain == obj.domain
    assert copy.value_and_grad([1.0, 2.0]) == (7.0, pytest.approx([2.0, 3.0]))


# ---- the formula shown is the function descended: same terms, same order -------------------

_SUPERSCRIPTS = str.maketrans({"²": "^2", "³": "^3", "⁴": "^4", "⁶": "^6"})


def _typed_from_formula(text: str) -> str:
    """A Unicode formula (x² + 5, ½(…), √(…), [ ]·[ ]) in the syntax users type."""
    text = text.translate(_SUPERSCRIPTS).replace("½", "(1/2)").replace("√", "sqrt")
    return text.replace("[", "(").replace("]", ")").replace("·", "*").replace("−", "-")


def _braced(text: str, i: int) -> tuple[str, int]:
    """The {…} group starting at text[i], and the index after it."""
    assert text[i] == "{", text[i:]
    depth = 0
    for j in range(i, len(text)):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        if depth == 0:
            return text[i + 1 : j], j + 1
    raise AssertionError(f"unbalanced braces in {text!r}")


def _typed_from_latex(text: str) -> str:
    """The LaTeX the registry lists, in the syntax users type (its own small subset)."""
    out, i = [], 0
    while i < len(text):
        if text.startswith(r"\frac", i):
            top, i = _braced(text, i + 5)
            bottom, i = _braced(text, i)
            out.append(f"(({_typed_from_latex(top)})/({_typed_from_latex(bottom)}))")
        elif text.startswith(r"\sqrt", i):
            inside, i = _braced(text, i + 5)
            out.append(f"sqrt({_typed_from_latex(inside)})")
        elif text[i] in "^" and text[i + 1] == "{":
            inside, i = _braced(text, i + 1)
            out.append(f"^({_typed_from_latex(inside)})")
        else:
            for latex, typed in [(r"\left", ""), (r"\right", ""), (r"\pi", " pi "),
                                 (r"\sin", "sin"), (r"\cos", "cos"), (r"\cdot", "*")]:  # fmt: skip
                if text.startswith(latex, i):
                    out.append(typed)
                    i += len(latex)
                    break
            else:
                out.append(text[i])
                i += 1
    return "".join(out).replace("[", "(").replace("]", ")")


def _terms(typed: str) -> list[str]:
    """The top-level terms of a sum, each with its sign."""
    terms, depth, current = [], 0, ""
    for i, c in enumerate(typed):
        depth += {"(": 1, ")": -1}.get(c, 0)
        if c in "+-" and depth == 0 and current.strip() and typed[i - 1] not in "^*/(":
            terms.append(current)
            current = ""
        current += c
    return [*terms, current]


@pytest.mark.parametrize("slug", ALL)
def test_formula_and_latex_are_the_function_term_by_term(slug):
    """The menu's formula and its LaTeX show the function the page descends, with the same
    terms in the same order (sympy's own LaTeX sorts terms: x² + y² − 10cos 2πx … + 20)."""
    from gdviz.expressions import parse_expression

    obj = OBJECTIVES[slug]
    shown = [_terms(_typed_from_formula(obj.formula)), _terms(_typed_from_latex(obj.latex))]
    assert len(shown[0]) == len(shown[1]), shown
    rng = np.random.default_rng(0)
    points = rng.uniform(-2, 2, size=(20, obj.dim))
    coords = {"x": points[:, 0], "y": points[:, 1] if obj.dim == 2 else 0.0}

    def values(term: str) -> np.ndarray:
        expr = parse_expression(term.replace("xy", "x y"))  # math's xy is the parser's x y
        function = sp.lambdify([X, Y], expr, modules=np)
        return np.broadcast_to(function(coords["x"], coords["y"]), (len(points),))

    for from_formula, from_latex in zip(*shown, strict=True):
        np.testing.assert_allclose(values(from_formula), values(from_latex), rtol=1e-12,
                                   err_msg=f"{from_formula!r} ≠ {from_latex!r}")  # fmt: skip
    total = sum(values(term) for term in shown[0])
    np.testing.assert_allclose(total, obj.f(points), rtol=1e-12)


@pytest.mark.parametrize("slug", ALL)
def test_about_texts_call_the_learning_rate_eta(slug):
    import re

    assert not re.search(r"\blr\b", OBJECTIVES[slug].about), OBJECTIVES[slug].about


def test_compiled_code_skips_negations_and_repeated_bases_for_the_same_bits():
    """ "-a + b" is compiled as "b - a" and a power's base is computed once: two array
    operations fewer in Rosenbrock's f, and bit for bit what the plain spelling gives
    (signed zeros included; only a NaN's sign may differ)."""
    import inspect

    rosenbrock = gdviz.parse_objective("100*(y - x**2)**2 + (1 - x)**2")
    rosenbrock._f(1.0, 1.0)
    source = inspect.getsource(rosenbrock._f._function)
    assert ":=" in source and "-(x*x) + y" not in source and "y - (x*x)" in source

    def plain(x, y):  # the spelling the printer gave before
        return ((1 - x) * (1 - x)) + 100 * ((-(x * x) + y) * (-(x * x) + y))

    rng = np.random.default_rng(7)
    x = np.concatenate([rng.normal(0, 2, 5000), [0.0, -0.0, 1.0, 1.0, 1e155, -1e155]])
    y = np.concatenate([rng.normal(0, 2, 5000), [0.0, -0.0, 1.0, -0.0, 1e310, 3.0]])
    with np.errstate(all="ignore"):
        got, want = rosenbrock._f(x, y), plain(x, y)
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan)
    assert np.array_equal(got[~nan].view(np.int64), want[~nan].view(np.int64))
