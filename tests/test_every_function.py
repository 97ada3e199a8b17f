"""Every function the parser accepts works everywhere: in the table, in the core (gradient,
Hessian, PyTorch text) and on every page that takes a typed function (descent, race, why).

Each case types, for every accepted name (aliases included), a 1-D and a 2-D function
built on the table's own argument for it (asin(x/6), sec(x/4), log(x^2 + 1), …), which
keeps the function defined on the default box [-5, 5]².
"""

import ast
import math
import re

import numpy as np
import pytest
import sympy as sp

from gdviz import descend, parse_expression, parse_objective, surface_figure
from gdviz.custom import _compilable
from gdviz.expressions import FUNCTIONS, function_names
from gdviz.pytorch import torch_expression
from gdviz.symbols import X
from tests.conftest import (
    ROOT,
    animated_charts,
    chart_figures,
    chart_payload,
    decode_plotly,
    open_page,
)
from tests.test_explain import NUMPY_TORCH

NAMES = list(FUNCTIONS)
ENTRIES = list({f.name: f for f in FUNCTIONS.values()}.values())  # one per entry


def examples(name: str) -> tuple[str, str]:
    """A 1-D and a 2-D function using ``name``, defined on the whole box [-5, 5]² (see
    ``test_the_argument_keeps_the_function_defined_on_the_box``), in a bowl steep enough
    that the race's default optimizers stay near it."""
    u = FUNCTIONS[name].argument
    v = u.replace("x", "y")
    return f"x^2/5 + {name}({u})", f"(x^2 + y^2)/5 + {name}({u}) + {name}({v})"


def points(objective, count=7, seed=0) -> np.ndarray:
    lo, hi = np.array(objective.domain).T
    return np.random.default_rng(seed).uniform(lo, hi, size=(count, objective.dim))


def evaluate(text: str, point) -> float:
    """Printed torch text evaluated over numpy, without torch."""
    return eval(text, {"torch": NUMPY_TORCH, "math": math, "p": np.asarray(point, dtype=float)})


# ---- the table ---------------------------------------------------------------------------


def test_every_name_is_listed_in_the_readme():
    listed = function_names()
    assert set(re.split(r", |/", listed)) == set(FUNCTIONS)
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert listed in readme


@pytest.mark.parametrize("name", NAMES)
def test_a_name_parses_to_its_entry_tree(name):
    entry = FUNCTIONS[name]
    assert name in entry.names
    assert parse_expression(f"{name}(x)") == entry.build(X)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_an_entry_folds_constants_as_sympy_computes_them(entry):
    # the float function folds constant arguments: it must be the same function
    for v in (-0.7, 0.3, 0.9, 2.5):
        try:
            want = float(entry.build(sp.Float(v)).evalf(30))
        except TypeError:  # not real there (asin(2.5), log(-0.7))
            with pytest.raises(ValueError):
                entry.value(v)
            continue
        assert entry.value(v) == pytest.approx(want, rel=1e-13)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_an_entry_says_how_torch_writes_every_function_it_leaves(entry):
    tree = _compilable(entry.build(X))
    printable = {f for e in ENTRIES for f in e.torch}
    left = {type(node) for node in sp.preorder_traversal(tree) if isinstance(node, sp.Function)}
    assert left <= printable, left - printable
    for text in entry.torch.values():
        assert text.count("(u)") == 1, text
        ast.parse(text, mode="eval")
    for replacement in entry.compiled.values():  # and the derivatives of what it compiles to
        derivative = replacement(X).diff(X)
        assert replacement in entry.torch
        assert {
            type(n) for n in sp.preorder_traversal(derivative) if isinstance(n, sp.Function)
        } <= printable


@pytest.mark.parametrize("name", NAMES)
def test_the_argument_keeps_the_function_defined_on_the_box(name):
    for text in examples(name):
        objective = parse_objective(text)
        assert objective.domain == ((-5.0, 5.0),) * objective.dim
        grid = np.stack(np.meshgrid(*[np.linspace(-5, 5, 101)] * objective.dim), axis=-1)
        assert np.isfinite(objective.f(grid)).all(), text


# ---- the core ----------------------------------------------------------------------------


@pytest.mark.parametrize("dim", [1, 2])
@pytest.mark.parametrize("name", NAMES)
def test_gradient_and_hessian_match_finite_differences(name, dim):
    objective = parse_objective(examples(name)[dim - 1])
    assert objective.dim == dim
    h = 1e-5
    for point in points(objective):
        grad, hess = objective.grad(point), objective.hessian(point)
        assert np.isfinite(grad).all() and np.isfinite(hess).all()
        for i in range(dim):
            step = np.zeros(dim)
            step[i] = h
            slope = (objective.f(point + step) - objective.f(point - step)) / (2 * h)
            assert grad[i] == pytest.approx(slope, rel=1e-6, abs=1e-7)
            column = (objective.grad(point + step) - objective.grad(point - step)) / (2 * h)
            np.testing.assert_allclose(hess[:, i], column, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dim", [1, 2])
@pytest.mark.parametrize("name", NAMES)
def test_torch_text_computes_the_function_and_its_gradient(name, dim):
    objective = parse_objective(examples(name)[dim - 1])
    variables = objective.variables
    text = torch_expression(objective.expr, variables)
    assert name not in ("sec", "csc", "cot") or f"torch.{name}" not in text  # torch has none
    gradient = [torch_expression(sp.diff(objective.expr, v), variables) for v in variables]
    for point in points(objective):
        assert evaluate(text, point) == pytest.approx(float(objective.f(point)), rel=1e-13)
        got = [evaluate(g, point) for g in gradient]
        np.testing.assert_allclose(got, objective.grad(point), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("outer", ENTRIES, ids=lambda e: e.name)
def test_every_function_of_every_function_prints_as_torch(outer):
    # sympy rewrites some compositions (sin(acos(u)) is sqrt(1 - u^2), sqrt(u^2) is |u|):
    # whatever it makes of them, the printer writes it, and it computes the same
    xs = np.linspace(-4.9, 4.9, 8)  # not 0: sympy writes csc(u) as 1/cos(u - π/2) for numpy
    for inner in ENTRIES:
        expr = _compilable(parse_expression(f"{outer.name}({inner.name}({inner.argument}) / 4)"))
        text = torch_expression(expr, (X,))
        reference = sp.lambdify([X], expr, "numpy")
        with np.errstate(all="ignore"):
            want = np.array([complex(reference(x)) for x in xs])  # cosh(u) may be cos(1j u)
            got = np.array([evaluate(text, [x]) for x in xs])
        want = np.where(want.imag == 0, want.real, np.nan)
        ok = np.isfinite(want)
        assert ok.any(), expr
        np.testing.assert_allclose(got[ok], want[ok], rtol=1e-12, err_msg=f"{expr} as {text}")


@pytest.mark.parametrize("name", NAMES)
def test_the_3d_surface_draws(name):
    objective = parse_objective(examples(name)[1])
    traj = descend(objective, objective.start, lr=objective.lr, epochs=20)
    figure = surface_figure(traj)
    surface = next(t for t in figure.data if t.type == "surface")
    assert np.isfinite(np.asarray(surface.z, dtype=float)).any()


# ---- the pages ---------------------------------------------------------------------------
# One AppTest per page, the function typed again for each name, as a user would: measured
# here 18-24 s for the 69 page tests against 24-38 s with a new AppTest per test.

BANNER_WORDS = ("Converged", "Diverged", "Oscillating:", "Still")


@pytest.fixture(scope="module")
def descent_page():
    at = open_page()
    at.selectbox(key="objective").set_value("custom").run()
    return at


@pytest.fixture(scope="module")
def race_page():
    at = open_page("views/race.py")
    at.selectbox(key="race_objective").set_value("custom").run()
    return at


@pytest.fixture(scope="module")
def why_page():
    at = open_page("views/why.py")
    at.selectbox(key="why_objective").set_value("custom").run()
    return at


def type_in(at, prefix: str, text: str):
    at.text_input(key=prefix + "expression").input(text).run()
    assert not at.exception, [e.message for e in at.exception]
    return parse_objective(text)


def alerts(at) -> list[str]:
    return [e.value for kind in ("success", "error", "warning", "info") for e in getattr(at, kind)]


def has_trace(spec, kind) -> bool:
    return any(t.get("type") == kind for t in spec["data"])


def surface_shown(at, tabs_key: str) -> bool:
    """Whether the 3-D tab draws a surface; the page is left on its contour map."""
    at.session_state[tabs_key] = "3-D surface"
    try:
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        return any(has_trace(spec, "surface") for spec in chart_figures(at))
    finally:
        at.session_state[tabs_key] = "Contour map"


def test_the_help_lists_every_name(descent_page):
    assert function_names() in descent_page.text_input(key="expression").help


@pytest.mark.parametrize("name", NAMES)
def test_descent_page_shows_every_part(descent_page, name):
    at = descent_page
    for text in examples(name):
        objective = type_in(at, "", text)
        variables = ", ".join(str(v) for v in objective.variables)
        assert f"f({variables}) = {objective.latex}" in at.latex[0].value
        assert any(a.split()[0] in BANNER_WORDS for a in alerts(at)), alerts(at)
        spec = chart_figures(at)[0]
        assert len(spec["frames"]) > 1
        if objective.dim == 1:
            curve = next(t for t in spec["data"] if t.get("name", "").startswith("f(x) ="))
            assert np.isfinite(decode_plotly(curve["y"])).all()  # defined on the whole box
        else:
            assert spec["layout"]["images"]  # the map
            assert surface_shown(at, "view")
        # One step, with the numbers: a line per frame under the chart
        readout = chart_payload(animated_charts(at)[0])["readout"]
        assert len(readout) == len(spec["frames"])
        assert "η" in readout[0] and readout[0].count("=") >= 2, readout[0]


@pytest.mark.parametrize("name", NAMES)
def test_race_page_shows_every_part(race_page, name):
    at = race_page
    for text in examples(name):
        objective = type_in(at, "race_", text)
        spec = next(s for s in chart_figures(at) if s.get("frames"))
        assert len(spec["frames"]) > 1
        if objective.dim == 2:
            assert surface_shown(at, "race_view")
        board = at.dataframe[0].value
        assert len(board) == len(at.multiselect(key="race_optimizers").value)
        steps = [e.value for e in at.latex]  # the step explained, line by line
        assert any(r"\eta" in s and r"\cdot" in s for s in steps), steps
        code = at.code[0].value
        assert "loss.backward()" in code and "optimizer.step()" in code
        body = re.search(r"def f\(p\):\n    return (.*)\n", code).group(1)
        point = objective.start
        assert evaluate(body, point) == pytest.approx(float(objective.f(np.array(point))))


@pytest.mark.parametrize("name", NAMES)
def test_why_page_shows_every_part(why_page, name):
    at = why_page
    for text in examples(name):
        type_in(at, "why_", text)
        trial, gradient, gradient_fd = (int(m.value.replace(",", "")) for m in at.metric)
        assert trial > 0 and gradient > 0 and gradient_fd >= gradient
        assert "evaluations" in at.info[0].value
        assert len(at.get("plotly_chart")) == 3  # paths, loss against evaluations, scaling
