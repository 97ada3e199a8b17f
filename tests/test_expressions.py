"""The typed-function parser: what it accepts, what it refuses, and that it never runs code."""

import builtins

import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gdviz import descend
from gdviz.custom import parse_objective
from gdviz.expressions import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    ExpressionError,
    parse_expression,
)
from gdviz.objectives import OBJECTIVES, CriticalPoint, X, Y
from gdviz.pytorch import torch_expression

CANARY = {"ran": False}


def same(a, b) -> bool:
    return sp.simplify(a - b) == 0


# ---------------------------------------------------------------- accepted ----

VALID = [
    ("3", sp.Integer(3)),
    ("2.5", sp.Float(2.5)),
    (".5", sp.Float(0.5)),
    ("1e-3", sp.Float(0.001)),
    ("x", X),
    ("y", Y),
    ("pi", sp.pi),
    ("π", sp.pi),
    ("e", sp.E),
    ("x + y", X + Y),
    ("x - y - 1", X - Y - 1),
    ("2 + 3*x", 2 + 3 * X),
    ("x/2/y", X / 2 / Y),
    ("2^3^2", sp.Integer(512)),
    ("x**2", X**2),
    ("-x^2", -(X**2)),
    ("(-x)^2", X**2),
    ("2^-1", sp.Rational(1, 2)),
    ("+x", X),
    ("--x", X),
    ("2x", 2 * X),
    ("2 x", 2 * X),
    ("3(x+1)", 3 * (X + 1)),
    ("x y", X * Y),
    ("x(x+1)", X * (X + 1)),
    ("(x+1)(x-1)", (X + 1) * (X - 1)),
    ("2 sin(x)", 2 * sp.sin(X)),
    ("x^2y", X**2 * Y),
    ("1/2x", X / 2),
    ("2e", 2 * sp.E),
    ("2pi x", 2 * sp.pi * X),
    ("x−1", X - 1),
    ("2×x·y", 2 * X * Y),
    ("x÷2", X / 2),
    ("x²+y³", X**2 + Y**3),
    ("sin(x)cos(y)", sp.sin(X) * sp.cos(Y)),
    ("ln(x)", sp.log(X)),
    ("log(x)", sp.log(X)),
    ("log10(x)", sp.log(X) / sp.log(10)),
    ("arctan(x) + atan(y)", sp.atan(X) + sp.atan(Y)),
    ("arcsin(x) + acos(y)", sp.asin(X) + sp.acos(Y)),
    ("sqrt(x^2 + y^2)", sp.sqrt(X**2 + Y**2)),
    ("abs(x)", sp.Abs(X)),
    ("exp(-x^2)", sp.exp(-(X**2))),
    ("tanh(x) + sinh(y) + cosh(x)", sp.tanh(X) + sp.sinh(Y) + sp.cosh(X)),
    ("sec(x)", sp.sec(X)),
    ("sigmoid(x)", 1 / (1 + sp.exp(-X))),
    ("  x  \t+\n y ", X + Y),
    ("(1 - x)^2 + 100(y - x^2)^2", (1 - X) ** 2 + 100 * (Y - X**2) ** 2),
]


@pytest.mark.parametrize(("text", "expected"), VALID, ids=[t for t, _ in VALID])
def test_valid_inputs_parse_to_the_expected_tree(text, expected):
    assert same(parse_expression(text), expected)


def test_precedence_is_the_usual_one():
    assert parse_expression("1 + 2*3^2") == 19
    assert parse_expression("2*3^2") == 18
    assert parse_expression("(2*3)^2") == 36
    assert parse_expression("-2^2") == -4
    assert parse_expression("2^3^2") == 2**9  # right-associative
    assert parse_expression("8/4/2") == 1  # left-associative
    assert parse_expression("8-4-2") == 2


def test_integers_stay_exact():
    assert parse_expression("1/3") == sp.Rational(1, 3)
    assert parse_expression("x^(1/2)") == sp.sqrt(X)


# ---------------------------------------------------------------- refused ----

HOSTILE = {
    "x.__class__": "`.`",
    "x.__class__.__bases__": "`.`",
    "__import__('os')": "`__import__` is not allowed",
    "__builtins__": "`__builtins__` is not allowed",
    "import os": "`import` is not allowed",
    "os.system('ls')": "`os` is not allowed",
    "lambda: 1": "`lambda` is not allowed",
    "[x for x in (1,)]": "`[` is not allowed",
    "(x for x in y)": "`for` is not allowed",
    "'x'": "quotes are not allowed",
    '"x"': "quotes are not allowed",
    "x[0]": "`[` is not allowed",
    "sin(x=1)": "`=` is not allowed",
    "f'{x}'": "unknown name `f`",
    "(a:=1)": "unknown name `a`",
    "(x:=1)": "`:` is not allowed",
    "eval('1')": "`eval` is not allowed",
    "exec": "`exec` is not allowed",
    "open('/etc/passwd')": "`open` is not allowed",
    "getattr(x, 'y')": "`getattr` is not allowed",
    "x; y": "unexpected character `;` at position 2",
    "x # y": "unexpected character `#`",
    "x @ y": "unexpected character `@`",
    "9^9^9": "exponent too large",
    "x^99999999": "exponent too large",
    "x^-101": "exponent too large",
    "2^1000": "exponent too large",
    "10^20": "too large",
    "(10^10)^10": "too large",
    "1e400": "too large",
    "1e16": "too large",
    "12345678901234567890": "too large",
    "exp(1000)": "too large",
    "1/0": "division by zero",
    "x/(1-1)": "division by zero",
    "0^-1": "division by zero",
    "sqrt(-1)": "`sqrt` is undefined at -1",
    "log(0)": "`log` is undefined at 0",
    "(-8)^(1/3)": "not real",
    "0^x": "zero or negative number to a power with x or y",
    "(-2)^x": "use a positive base",
    "sin(3.5)^x": "use a positive base",
    "(" * 500 + "x" + ")" * 500: "too long",
    "(" * 50 + "x" + ")" * 50: "too deeply nested",
    "sin(" * 30 + "x" + ")" * 30: "too deeply nested",
    "x^" * 30 + "x": "too deeply nested",
    "-" * 150 + "x": "too deeply nested",
    "x" + "+x" * 150: "too long",
    "x+" * 60 + "x": "at most 100 terms",
    "х": "not a plain letter (CYRILLIC SMALL LETTER HA)",
    "x + у": "not a plain letter (CYRILLIC SMALL LETTER U)",
    "α": "not a plain letter (GREEK SMALL LETTER ALPHA)",
    "x\x00": "control character U+0000 at position 2",
    "x\u200b+1": "invisible",
    "x\u202e+1": "invisible",
    "２x": "unexpected character",
    "": "type a function",
    "   ": "type a function",
    "z": "unknown name `z`: use x and y",
    "xy": "write x y or x*y",
    "sinx": "did you mean sin(x)?",
    "sin x": "`sin` needs its argument in parentheses",
    "sin": "`sin` needs its argument in parentheses",
    "sin()": "`sin` needs one argument",
    "atan(x, y)": "`atan` takes exactly one argument",
    "x, y": "unexpected `,`",
    "(x+1": "unbalanced parenthesis at position 1",
    "x+1)": "unbalanced parenthesis at position 4",
    "(x+1))(": "unbalanced parenthesis at position 6",
    "x +": "ends too early",
    "x * * y": "unexpected `*`",
    "x 2": "missing operator between `x` and `2`",
    "2 3": "missing operator",
    "()": "unexpected `)`",
}


@pytest.mark.parametrize("text", list(HOSTILE), ids=[repr(t)[:40] for t in HOSTILE])
def test_hostile_and_broken_inputs_are_refused_with_a_clear_message(text):
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    assert HOSTILE[text] in str(info.value)


def test_position_points_at_the_offending_character():
    with pytest.raises(ExpressionError) as info:
        parse_expression("x + (y * 2")
    assert info.value.position == 4
    assert "position 5" in str(info.value)


def test_very_long_input_is_refused_before_parsing():
    with pytest.raises(ExpressionError, match=f"at most {MAX_LENGTH} characters"):
        parse_expression("x+" * 5000 + "x")


def test_nesting_up_to_the_limit_is_fine():
    depth = MAX_DEPTH - 2
    assert parse_expression("(" * depth + "x" + ")" * depth) == X


def test_non_text_is_refused():
    with pytest.raises(ExpressionError, match="expected text"):
        parse_expression(b"x")


def _foreign_import(name, globals=None, locals=None, fromlist=(), level=0):
    # sympy imports its own submodules lazily while it builds trees: that is not user code.
    return level == 0 and name.split(".")[0] not in ("sympy", "mpmath", "numpy")


def test_nothing_in_the_corpus_is_executed():
    """Spy on eval/exec/compile and on imports from outside sympy while the corpus is parsed."""
    calls = []

    def spy(name):
        original = getattr(builtins, name)

        def wrapper(*args, **kwargs):
            if name != "__import__" or _foreign_import(*args, **kwargs):
                calls.append((name, args[:1]))
            return original(*args, **kwargs)

        return original, wrapper

    # Payloads that would set the canary if anything executed them.
    payloads = [
        "__import__('tests.test_expressions').test_expressions.CANARY.update(ran=True)",
        "CANARY.update(ran=True)",
        "[CANARY.update(ran=True) for _ in (1,)]",
    ]
    names = ("__import__", "eval", "exec", "compile")
    originals = {}
    refused = []
    try:
        for name in names:
            originals[name], wrapper = spy(name)
            setattr(builtins, name, wrapper)
        for text in [*HOSTILE, *payloads]:
            try:
                parse_expression(text)
            except ExpressionError:
                refused.append(text)
    finally:
        for name, original in originals.items():
            setattr(builtins, name, original)
    assert calls == []
    assert refused == [*HOSTILE, *payloads]
    assert CANARY["ran"] is False


HEAVY_BUT_ACCEPTED = [
    "exp(exp(exp(x)))",
    "exp(exp(exp(exp(exp(x)))))",
    "(x^100)^100",
    "((x+1)^100)^100",
    "((1/3)^100)^100",
    "((0.999999)^100)^100",
    "(((999999/1000000)^100)^100)^100",
    "x^100 + y^100",
    "1/x + log(x) + sqrt(y)",
    "tan(x)^100",
]


@pytest.mark.parametrize("text", HEAVY_BUT_ACCEPTED)
def test_heavy_inputs_do_no_pathological_work(text, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("sympy was asked to rewrite the expression")

    for name in ("simplify", "expand", "factor", "nsimplify", "together", "cancel"):
        monkeypatch.setattr(sp, name, refuse)
        monkeypatch.setattr(sp.Expr, name, refuse)
    objective = parse_objective(text)
    monkeypatch.undo()
    # Every exact number stays small and f answers with a number (maybe inf or nan).
    trees = [objective.expr, *(sp.diff(objective.expr, v) for v in objective.variables)]
    for tree in trees:
        for atom in tree.atoms(sp.Rational):
            assert len(str(atom)) < 700
    points = np.linspace(-5, 5, 11)[:, None].repeat(objective.dim, axis=1)
    assert objective.f(points).shape == (11,)


# ---------------------------------------------------------------- objectives ----


def test_functions_whose_derivatives_explode_are_refused():
    nested = "sigmoid(sigmoid(sigmoid({})))"
    text = "".join(nested.format(u) for u in ("x y", "x-y", "x+y"))
    parse_expression(text)  # fine as an expression
    with pytest.raises(ExpressionError, match="too complicated"):
        parse_objective(text)


def test_too_many_functions_inside_functions_are_refused():
    with pytest.raises(ExpressionError, match="at most 6 levels"):
        parse_expression("sin(" * 7 + "x" + ")" * 7)
    with pytest.raises(ExpressionError, match="at most 6 levels"):
        parse_expression("x^y^x^y^x^y^x^y")
    assert parse_expression("sin(" * 6 + "x" + ")" * 6).has(sp.sin)
    assert parse_expression("((((((((x^2)^2)^2)^2)^2)^2)^2)^2)") == X**256  # numeric: no layer

    assert parse_objective("x^2").dim == 1
    assert parse_objective("y^2").dim == 2
    assert parse_objective("x^2 + y^2").dim == 2
    assert parse_objective("3").dim == 1


def test_objective_fields():
    objective = parse_objective("  (x - 1)^2 +   (y + 2)^2 ")
    assert objective.slug == "custom"
    assert objective.name == "Your function"
    assert objective.formula == "(x - 1)^2 + (y + 2)^2"
    assert objective.latex == sp.latex(objective.expr)
    assert objective.domain == ((-5.0, 5.0), (-5.0, 5.0))
    assert objective.start == (3.0, 3.0)
    # f = (x-1)^2 + (y+2)^2 has Hessian 2I, so lr = 0.5/2.
    assert objective.lr == pytest.approx(0.25)
    (minimum,) = objective.critical_points
    assert minimum.kind == "global minimum"
    assert minimum.point == pytest.approx((1.0, -2.0), abs=1e-9)
    assert minimum.value == pytest.approx(0.0, abs=1e-12)


def test_double_well_minimum_is_refined_to_the_true_one():
    objective = parse_objective("x^4 - 2x^2 + 0.3x", domain=[(-2, 2)])
    # the function's three stationary points, as the registry lists them (solved exactly)
    listed = {p.kind: p.point[0] for p in objective.critical_points}
    assert listed == pytest.approx(
        {p.kind: p.point[0] for p in OBJECTIVES["double_well"].critical_points}, abs=1e-12
    )
    assert objective.global_minimum.point[0] == pytest.approx(-1.03557871408885, abs=1e-9)


def test_no_global_minimum_reported_for_unbounded_functions():
    """x, −x² and x³ − 3x fall without bound: none has a global minimum, however wide the
    box. Their other stationary points are listed for what they are."""
    assert parse_objective("x").critical_points == ()
    assert parse_objective("-x^2").critical_points == (CriticalPoint((0.0,), 0.0, "local maximum"),)
    assert set(parse_objective("x^3 - 3x").critical_points) == {
        CriticalPoint((1.0,), -2.0, "local minimum"),
        CriticalPoint((-1.0,), 2.0, "local maximum"),
    }
    for box in [(-5, 5), (-1e6, 1e6), (0, 3)]:
        assert parse_objective("x^3 - 3x", domain=[box]).global_minimum is None


WIDE_BOXES = [(-5000, 5), (-1e6, 1e6), (3, 1e5), (-1000, 5), (-5, 5)]


@pytest.mark.parametrize("box", WIDE_BOXES)
@pytest.mark.parametrize("text", ["x^2 + 5", "cosh(x) + 4", "sqrt(x^2 + 1) + 4"])
def test_the_minimum_is_found_in_wide_and_lopsided_boxes(text, box):
    """The issue's case: x² + 5 in the box from −5000 to 5 lost its ★ (a grid's lowest point
    at the box's edge), and the message called the minimum local. The minimum at 0 is the
    function's, wherever the box is (even a box that does not hold it: (3, 10⁵)). cosh and
    sqrt are not polynomials: they take the numeric, multi-scale search."""
    objective = parse_objective(text, domain=[box])
    assert [p.kind for p in objective.critical_points] == ["global minimum"]
    assert objective.global_minimum.point[0] == pytest.approx(0.0, abs=1e-9)
    assert objective.global_minimum.value == pytest.approx(5.0, abs=1e-12)


@pytest.mark.parametrize("box", [(-5000, 5), (-1e6, 1e6), (3, 1e5)])
def test_a_wide_box_run_is_told_it_reached_the_global_minimum(box):
    objective = parse_objective("x^2 + 5", domain=[box])
    traj = descend(objective, objective.start, lr=objective.lr, epochs=500)
    assert traj.status == "converged" and abs(traj.final[0]) < 1e-6
    assert traj.message.endswith("That is the global minimum.")
    assert "local" not in traj.message


@pytest.mark.parametrize("box", [(-5000, 5), (-1e6, 1e6), (3, 1e5)])
@pytest.mark.parametrize(
    ("text", "minimum"),
    [("x^2 + y^2 + 5", (0.0, 0.0)), ("(x - 1)^2 + 3(y + 2)^2 + cos(x - 1)", (1.0, -2.0))],
)
def test_surface_minima_are_found_in_wide_and_lopsided_boxes(text, box, minimum):
    objective = parse_objective(text, domain=[box, box])
    (found,) = [p for p in objective.critical_points if p.kind == "global minimum"]
    assert found.point == pytest.approx(minimum, abs=1e-7)


def test_a_lower_minimum_far_away_keeps_a_near_one_local():
    """Claims are about the function: a well at x = 30, outside the box, is lower than the
    one at 0 inside it, so the one at 0 is local."""
    objective = parse_objective("x^2/(1 + x^2) - 2exp(-(x - 30)^2)", domain=[(-5, 5)])
    kinds = {round(p.point[0], 3): p.kind for p in objective.critical_points if p.is_minimum}
    assert kinds[0.0] == "local minimum" and kinds[30.0] == "global minimum"


def test_stationary_points_take_bounded_time_on_many_of_them():
    objective = parse_objective("sin(x)", domain=[(-5000, 5)])  # about 1600 of them
    assert 0 < len(objective.critical_points) <= 40
    assert all(p.value == pytest.approx(-1.0) for p in objective.minima)


def test_functions_undefined_in_parts_of_the_box_do_not_raise():
    for text in ["log(x)", "1/x", "sqrt(x) + sqrt(y)", "log(-x)", "x^(1/3)"]:
        objective = parse_objective(text)
        assert np.isfinite(objective.f(np.array(objective.start)))
        assert np.isfinite(objective.grad(np.array(objective.start))).all()


def test_abs_has_a_usable_hessian():
    objective = parse_objective("abs(x) + y^2")
    assert np.isfinite(objective.hessian(np.array([[0.5, 0.0], [0.0, 0.0]]))).all()
    assert objective.latex == sp.latex(sp.Abs(X) + Y**2)


def test_functions_compiled_through_complex_numbers_are_refused():
    # sympy rewrites this one's Hessian with cos(1j*...): refused rather than warning later.
    with pytest.raises(ExpressionError, match="cannot be evaluated reliably"):
        parse_objective("atan(cosh(sec(cosh(exp(x))^0.25)))")


def test_undefined_everywhere_is_refused():
    with pytest.raises(ExpressionError, match="undefined everywhere"):
        parse_objective("sqrt(-1 - x^2)")


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        ([(1, -1)], "low < high"),
        ([(0, np.inf)], "low < high"),
        ([(0, 1), (0, 1)], "needs 1 pair"),
        ([3], "pair"),
    ],
)
def test_bad_domains_are_refused(domain, message):
    with pytest.raises(ExpressionError, match=message):
        parse_objective("x^2", domain=domain)


def test_given_domain_is_used():
    objective = parse_objective("x^2 + y^2", domain=[(0, 2), (-1, 3)])
    assert objective.domain == ((0.0, 2.0), (-1.0, 3.0))
    lo, hi = np.array(objective.domain).T
    assert np.all((lo <= objective.start) & (objective.start <= hi))


def test_descent_runs_on_a_typed_function():
    objective = parse_objective("(x - 1)^2 + 2(y + 1)^2")
    trajectory = descend(objective, objective.start, lr=objective.lr, epochs=200)
    assert trajectory.points[-1] == pytest.approx([1.0, -1.0], abs=1e-4)


# ---------------------------------------------------------------- properties ----

_LEAVES = st.sampled_from(["x", "y", "2", "0.5", "3", "pi", "e"])
_SMOOTH = ["sin", "cos", "atan", "tanh", "sigmoid"]


def _extend(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", " "]), children).map(
            lambda t: f"({t[0]}){t[1]}({t[2]})"
        ),
        st.tuples(children, st.sampled_from(["2", "3"])).map(lambda t: f"({t[0]})^{t[1]}"),
        st.tuples(st.sampled_from(_SMOOTH), children).map(lambda t: f"{t[0]}({t[1]})"),
        children.map(lambda c: f"-({c})"),
        children.map(lambda c: f"({c})/(1 + x^2)"),
    )


EXPRESSIONS = st.recursive(_LEAVES, _extend, max_leaves=6)


@settings(deadline=None, max_examples=40)
@given(EXPRESSIONS, st.floats(-1.5, 1.5), st.floats(-1.5, 1.5))
def test_random_valid_expressions_have_gradients_matching_finite_differences(text, a, b):
    objective = parse_objective(text)
    point = np.array([a, b][: objective.dim])
    grad = objective.grad(point)
    h = 1e-6
    for i in range(objective.dim):
        step = np.zeros(objective.dim)
        step[i] = h
        numeric = (objective.f(point + step) - objective.f(point - step)) / (2 * h)
        if np.isfinite(numeric) and np.isfinite(grad[i]) and abs(grad[i]) < 1e6:
            assert grad[i] == pytest.approx(numeric, rel=1e-4, abs=1e-4)


_ANY_FUNCTION = sorted(FUNCTIONS)


def _extend_wild(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/", " "]), children).map(
            lambda t: f"({t[0]}){t[1]}({t[2]})"
        ),
        st.tuples(children, st.sampled_from(["x", "y", "3", "0.5", "-1", "x y"])).map(
            lambda t: f"({t[0]})^{t[1]}"
        ),
        st.tuples(st.sampled_from(_ANY_FUNCTION), children).map(lambda t: f"{t[0]}({t[1]})"),
    )


WILD = st.recursive(st.sampled_from(["x", "y", "2", "x y", "3.5", "pi", "0"]), _extend_wild)


@settings(deadline=None, max_examples=60)
@given(WILD)
@example("sin((x)^y)")  # a Hessian with a positive but tiny eigenvalue: singular to solve
@example("sinh(((x y)^3)*(((x)+(2))^-1))")  # f spans −1e308 … 1e308 in the box
def test_any_grammatical_input_gives_an_objective_or_an_expression_error(text):
    try:
        objective = parse_objective(text)
    except ExpressionError as error:
        assert str(error)
        return
    lo, hi = np.array(objective.domain).T
    assert np.all((lo <= objective.start) & (objective.start <= hi))
    assert 1e-4 <= objective.lr <= 1
    assert torch_expression(objective.expr, objective.variables)  # the race page prints it


@settings(deadline=None, max_examples=200)
@given(st.text())
def test_random_text_only_ever_raises_expression_error(text):
    try:
        parse_expression(text)
    except ExpressionError as error:
        assert str(error)


@settings(deadline=None, max_examples=200)
@given(st.text(alphabet="xy0123456789.e+-*/^() ,pisncoqrtbalgh", max_size=60))
def test_random_grammar_soup_only_ever_raises_expression_error(text):
    try:
        parse_expression(text)
    except ExpressionError as error:
        assert str(error)


def test_log_colours_only_where_a_valley_would_otherwise_be_flat():
    from gdviz.custom import parse_objective as parse

    assert parse("(1-x)^2 + 100(y-x^2)^2").log_colour
    assert not parse("x^2 + y^2").log_colour
    assert not parse("sin(x)*cos(y)").log_colour
    assert not parse("x^2 + 3*sin(2x)").log_colour  # 1-D curves have no colours
