"""Explain: replayed optimizer state, one step's equations with numbers, the run as PyTorch."""

import ast
import math
import re
import types

import numpy as np
import pytest
import sympy as sp

from gdviz import OBJECTIVES, OPTIMIZERS, descend, parse_objective
from gdviz.explain import (
    replay_state,
    step_latex,
    table,
    torch_code,
    torch_expression,
    update_latex,
    update_text,
)
from gdviz.objectives import X, Y

ALL = sorted(OPTIMIZERS)

#: Hyperparameters other than PyTorch's defaults, reaching every branch of each optimizer.
OTHER_HYPER = {
    "gd": {},
    "sgd": {"momentum": 0.8, "dampening": 0.1, "weight_decay": 0.01},
    "momentum": {"dampening": 0.2, "weight_decay": 0.01},
    "nesterov": {"weight_decay": 0.05},
    "adagrad": {
        "lr_decay": 0.01,
        "weight_decay": 0.001,
        "initial_accumulator_value": 0.1,
        "eps": 1e-8,
    },
    "rmsprop": {"alpha": 0.9, "weight_decay": 0.01, "momentum": 0.9, "centered": True},
    "adam": {"betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.01, "amsgrad": True},
    "adamw": {"weight_decay": 0.1, "amsgrad": True},
}
LR = {"adagrad": 0.5, "rmsprop": 0.01, "adam": 0.05, "adamw": 0.05}


def run(slug, objective="himmelblau", epochs=30, other=False, schedule=None, **kwargs):
    hyper = OTHER_HYPER[slug] if other else {}
    lr = kwargs.pop("lr", LR.get(slug, OBJECTIVES[objective].lr))
    start = OBJECTIVES[objective].start
    return descend(
        objective, start, lr=lr, epochs=epochs, optimizer=slug, schedule=schedule, **hyper
    )


# ---- reading numbers back out of the LaTeX -------------------------------------------------


def number(text: str) -> float:
    """'1.2346', '\\left(-0.5\\right)', '2.5 \\times 10^{-5}' or '10^{-8}' as a float."""
    text = text.replace(r"\left(", "").replace(r"\right)", "").strip()
    power = re.fullmatch(r"(?:(-?[\d.]+) \\times )?10\^\{(-?\d+)\}", text)
    if power:
        return float(power.group(1) or 1) * 10.0 ** int(power.group(2))
    return float(text)


def columns(latex: str) -> list[np.ndarray]:
    """Every column vector in a line, left to right."""
    found = re.findall(r"\\begin\{pmatrix\}(.*?)\\end\{pmatrix\}", latex)
    return [np.array([number(v) for v in col.split(r" \\ ")]) for col in found]


def result(latex: str) -> np.ndarray:
    """The value after the last '=' of a line (a column or a plain number)."""
    tail = latex.rsplit(" = ", 1)[1]
    return columns(tail)[0] if "pmatrix" in tail else np.array([number(tail)])


def line(lines, start: str) -> str:
    matches = [latex for latex, _ in lines if latex.startswith(start)]
    assert len(matches) == 1, (start, [latex for latex, _ in lines])
    return matches[0]


def close(got, want):
    """Agreement to what the LaTeX shows: 4 decimals, or 4 significant digits."""
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=6e-5)


# ---- replay_state ----------------------------------------------------------------------------


@pytest.mark.parametrize("other", [False, True], ids=["defaults", "other-hyper"])
@pytest.mark.parametrize("slug", ALL)
def test_replay_reproduces_every_step(slug, other):
    for objective, schedule in [("himmelblau", None), ("wavy", {"kind": "cosine"})]:
        traj = run(slug, objective, epochs=25, other=other, schedule=schedule)
        assert traj.epoch > 5
        previous = None
        for epoch in range(traj.epoch):
            replay = replay_state(traj, epoch)
            np.testing.assert_allclose(
                replay.delta, traj.points[epoch + 1] - traj.points[epoch], rtol=0, atol=1e-12
            )
            if previous is not None:  # one step's state out is the next one's state in
                assert repr(previous.after) == repr(replay.before)
            previous = replay


def test_replay_is_pure_and_starts_from_init():
    traj = run("adam", other=True)
    points, grads = traj.points.copy(), traj.grads.copy()
    first, again = replay_state(traj, 7), replay_state(traj, 7)
    assert repr(first) == repr(again)
    np.testing.assert_array_equal(traj.points, points)
    np.testing.assert_array_equal(traj.grads, grads)
    start = replay_state(traj, 0).before
    assert start.t == 0 and not start.m.any() and not start.v.any()
    assert replay_state(run("momentum"), 0).before.b is None


@pytest.mark.parametrize("epoch", [-1, 30, 1.0, True, "3", None])
def test_epoch_out_of_range_is_a_clear_error(epoch):
    traj = run("adam", epochs=30)
    assert traj.epoch == 30
    with pytest.raises(ValueError, match=r"epoch must be a whole number in 0\.\.29"):
        replay_state(traj, epoch)
    with pytest.raises(ValueError, match=r"0\.\.29"):
        step_latex(traj, epoch)


def test_a_run_without_steps_has_no_epoch_to_explain():
    traj = descend("parabola", 0.0, lr=0.1, epochs=5)
    assert traj.epoch == 0
    with pytest.raises(ValueError, match="took no steps"):
        step_latex(traj, 0)


# ---- step_latex ------------------------------------------------------------------------------


@pytest.mark.parametrize("other", [False, True], ids=["defaults", "other-hyper"])
@pytest.mark.parametrize("slug", ALL)
def test_every_optimizer_explains_every_term(slug, other):
    for objective in ("himmelblau", "wavy"):
        traj = run(slug, objective, epochs=12, other=other)
        for epoch in (0, 5):
            lines = step_latex(traj, epoch)
            t = epoch + 1
            assert lines and all(isinstance(x, tuple) and len(x) == 2 for x in lines)
            for latex, about in lines:
                assert latex.count("{") == latex.count("}"), latex
                assert about[0].isupper() and about.endswith(".") and "\n" not in about
            assert lines[0][0].startswith(f"g_{{{t}}} = ")
            final = line(lines, f"x_{{{t}}} = ")
            assert lines[-1][0] == final
            close(result(final), traj.points[epoch + 1])
            close(result(lines[0][0]), traj.grads[epoch] + _decay(slug, other) * traj.points[epoch])


def _decay(slug, other):
    """λ when weight decay enters the gradient (AdamW's does not)."""
    if slug == "adamw":
        return 0.0
    return OTHER_HYPER[slug].get("weight_decay", 0.0) if other else 0.0


@pytest.mark.parametrize(
    "slug, other, terms",
    [
        ("gd", False, [r"\eta\, g_"]),
        ("sgd", True, [r"\lambda x_", r"(1-\tau)", r"\mu b_"]),
        ("nesterov", False, [r"\leftarrow g_", r"+ \mu b_"]),
        ("adagrad", True, [r"\tilde\eta_", "G_", r"\sqrt{G_"]),
        ("rmsprop", True, [r"\bar g_", r"\tilde v_", r"\mu b_", r"\alpha v_"]),
        ("adam", True, [r"\lambda x_", r"v^{\max}_", r"\hat m_", r"\hat v_", r"1-\beta_1^{"]),
        ("adamw", False, [r"(1 - \eta\lambda)", r"\tilde x_", r"\hat m_", r"\beta_2 v_"]),
    ],
)
def test_each_optimizer_shows_its_own_terms(slug, other, terms):
    text = " ".join(latex for latex, _ in step_latex(run(slug, other=other), 4))
    for term in terms:
        assert term in text, term
    if slug == "adam":  # Adam's decay is in the gradient: no decoupled shrink
        assert r"\tilde x" not in text


def test_adam_numbers_match_a_hand_computation_from_the_gradients():
    traj = run("adam")
    epoch, t, (b1, b2), lr, eps = 6, 7, (0.9, 0.999), 0.05, 1e-8
    m = v = np.zeros(2)
    for g in traj.grads[: epoch + 1]:
        m_prev, v_prev = m, v
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
    m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
    g = traj.grads[epoch]
    lines = step_latex(traj, epoch)

    for got, want in zip(columns(line(lines, f"m_{{{t}}} =")), [m_prev, g, m], strict=True):
        close(got, want)
    for got, want in zip(columns(line(lines, f"v_{{{t}}} =")), [v_prev, g * g, v], strict=True):
        close(got, want)
    close(result(line(lines, rf"\hat m_{{{t}}}")), m_hat)
    close(result(line(lines, rf"\hat v_{{{t}}}")), v_hat)
    step_line = line(lines, rf"\Delta_{{{t}}}")
    close(result(step_line), lr * m_hat / (np.sqrt(v_hat) + eps))
    close(columns(step_line)[1], np.sqrt(v_hat))
    assert f"/ {1 - b1**t:.4f}" in line(lines, rf"\hat m_{{{t}}}")  # 1 − β₁ᵗ = 0.5217


def test_momentum_numbers_match_a_hand_computation_from_the_gradients():
    traj = run("momentum", "rosenbrock")
    epoch, t = 9, 10
    b = traj.grads[0]  # the buffer starts as the first gradient
    for g in traj.grads[1 : epoch + 1]:
        b_prev, b = b, 0.9 * b + g
    lines = step_latex(traj, epoch)
    buffer_line = line(lines, f"b_{{{t}}} =")
    assert buffer_line.startswith(rf"b_{{{t}}} = \mu b_{{{t - 1}}} + g_{{{t}}} = 0.9 \cdot")
    for got, want in zip(columns(buffer_line), [b_prev, traj.grads[epoch], b], strict=True):
        close(got, want)
    close(result(line(lines, f"x_{{{t}}} =")), traj.points[epoch] - 0.001 * b)
    first = step_latex(traj, 0)
    close(result(line(first, "b_{1} = g_{1}")), traj.grads[0])


def test_one_dimension_shows_plain_numbers():
    traj = run("rmsprop", "wavy", other=True)
    lines = step_latex(traj, 3)
    assert not any("pmatrix" in latex for latex, _ in lines)
    assert lines[0][0].startswith("g_{4} = f'(x_{3}) + \\lambda x_{3} = ")
    close(result(lines[-1][0]), traj.points[4])


def test_a_schedule_shows_that_epochs_rate():
    traj = run("sgd", "bowl", epochs=20, schedule={"kind": "step", "step_size": 5, "gamma": 0.5})
    latex, about = step_latex(traj, 12)[0]
    assert latex == r"\eta = 0.025" and "step decay" in about
    assert r"0.025 \cdot" in step_latex(traj, 12)[-1][0]
    assert not step_latex(run("sgd", "bowl"), 3)[0][0].startswith(r"\eta")


def test_tiny_numbers_keep_their_digits():
    traj = descend("bowl", (1e-3, 2e-3), lr=0.01, epochs=5, optimizer="adam", tol=0)
    v_line = line(step_latex(traj, 0), "v_{1} =")
    assert r"\times 10^{-" in v_line  # v = 0.001·g² ≈ 4e-9, not 0.0000
    close(result(v_line), 0.001 * traj.grads[0] ** 2)


def test_update_latex_and_table_still_work():
    traj = descend("parabola", 3.0, lr=0.1, epochs=5)
    assert update_latex(traj, 0) == (
        r"x_{1} = x_{0} - \eta\, f'(x_{0}) = 3.0000 - 0.1 \cdot 6.0000 = 2.4000"
    )
    assert list(table(traj)) == ["epoch", "x", "f′(x)", "loss f", "step size"]


# ---- the sympy → torch printer ---------------------------------------------------------------

# numpy standing in for torch, so that the printed text can be evaluated without torch: the
# functions real torch has under these names (it has no sec, csc or cot), written out here
# rather than read from gdviz.
NUMPY_TORCH = types.SimpleNamespace(
    sin=np.sin,
    cos=np.cos,
    tan=np.tan,
    asin=np.arcsin,
    acos=np.arccos,
    atan=np.arctan,
    sinh=np.sinh,
    cosh=np.cosh,
    tanh=np.tanh,
    exp=np.exp,
    log=np.log,
    sqrt=np.sqrt,
    abs=np.abs,
    sign=np.sign,
)


def evaluate(text, point):
    return eval(text, {"torch": NUMPY_TORCH, "math": math, "p": np.asarray(point, dtype=float)})


@pytest.mark.parametrize("slug", sorted(OBJECTIVES))
def test_printed_objective_computes_the_same_function(slug):
    objective = OBJECTIVES[slug]
    text = torch_expression(objective.expr, objective.variables)
    points = np.random.default_rng(0).uniform(-2, 2, size=(6, objective.dim))
    got = [evaluate(text, point) for point in points]
    np.testing.assert_allclose(got, objective.f(points), rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize(
    "expr, text",
    [
        (X**2 / 10 + sp.sin(2 * X), "0.1 * p[0] ** 2 + torch.sin(2 * p[0])"),
        (X**6 / 6, "p[0] ** 6 / 6"),  # 1/6 has no exact decimal
        (2 * X / 3, "2 * p[0] / 3"),
        ((1 - X) ** 2 + 100 * (Y - X**2) ** 2, "(1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2"),
        (sp.sqrt(X**2 + Y**2), "torch.sqrt(p[0] ** 2 + p[1] ** 2)"),
        (1 / X, "1 / p[0]"),
        (X / sp.sqrt(Y), "p[0] / torch.sqrt(p[1])"),
        (X ** sp.Rational(1, 3), "p[0] ** (1 / 3)"),
        (sp.sqrt(2) * X, "math.sqrt(2) * p[0]"),
        (sp.Abs(X) + sp.atan(Y), "torch.abs(p[0]) + torch.atan(p[1])"),
        (-sp.exp(-X), "-torch.exp(-p[0])"),
        (sp.pi * X + sp.E, "math.pi * p[0] + math.e"),
        (sp.Float(0.25) * X, "0.25 * p[0]"),
        (sp.Rational(-3, 10) * X, "-0.3 * p[0]"),
        ((-2) ** X, "(-2) ** p[0]"),
        (
            sp.log(X) - sp.tanh(Y) * sp.cosh(X),
            "torch.log(p[0]) - torch.cosh(p[0]) * torch.tanh(p[1])",
        ),
        (sp.asin(X / 6) + sp.acos(Y / 6), "torch.acos(p[1] / 6) + torch.asin(p[0] / 6)"),
        (sp.sec(X / 4), "1 / torch.cos(0.25 * p[0])"),  # torch has no sec, csc or cot
        (2 * sp.csc(X) * Y, "2 * p[1] / torch.sin(p[0])"),  # a reciprocal joins the denominator
        (sp.cot(X) ** 2, "1 / torch.tan(p[0]) ** 2"),
        (-sp.sec(X), "-1 / torch.cos(p[0])"),
        (X / sp.sec(Y), "p[0] * torch.cos(p[1])"),
        (sp.sec(2) * X, "p[0] / math.cos(2)"),
        (sp.log(X**2 + 1, 10), "torch.log(p[0] ** 2 + 1) / math.log(10)"),  # log10
        (1 / (1 + sp.exp(-X)), "1 / (1 + torch.exp(-p[0]))"),  # sigmoid
        (sp.Abs(X - 1), "torch.abs(p[0] - 1)"),
    ],
)
def test_printer_writes_readable_exact_python(expr, text):
    assert torch_expression(expr) == text
    point = (2.0, 1.3)  # x whole, so that (-2) ** x is real
    want = float(sp.lambdify((X, Y), expr, "math")(*point))
    assert evaluate(text, point) == pytest.approx(want, rel=1e-15)


def test_printer_writes_gdviz_own_abs_and_its_derivative():
    # a typed abs(u) is compiled as _Abs(u), whose derivative is _Sign(u)
    objective = parse_objective("abs(x - 1) * y")
    assert torch_expression(objective.expr, objective.variables) == "p[1] * torch.abs(p[0] - 1)"
    slope = sp.diff(objective.expr, X)
    assert torch_expression(slope, objective.variables) == "p[1] * torch.sign(p[0] - 1)"
    for point in [(3.0, 2.0), (-1.5, 0.5)]:
        assert evaluate(torch_expression(slope, objective.variables), point) == pytest.approx(
            objective.grad(np.array(point))[0], rel=1e-15
        )


def test_printer_refuses_what_it_cannot_write():
    with pytest.raises(ValueError, match="cannot write sign as PyTorch"):
        torch_expression(sp.sign(X))
    with pytest.raises(ValueError, match="unknown variable z"):
        torch_expression(sp.Symbol("z") + X, (X,))


# ---- torch_code ------------------------------------------------------------------------------


def calls(code: str) -> list[str]:
    return [
        ast.unparse(node.func) for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Call)
    ]


@pytest.mark.parametrize("schedule", [None, "step", "exponential", "cosine", "linear"])
@pytest.mark.parametrize("slug", ALL)
def test_snippet_is_python_with_the_training_loop(slug, schedule):
    traj = run(slug, other=True, epochs=40, schedule=schedule)
    code = torch_code(traj)
    made = calls(code)
    for call in ("optimizer.zero_grad", "loss.backward", "optimizer.step", "f", "torch.tensor"):
        assert call in made, call
    assert "torch.set_default_dtype" in made and "torch.float64" in code
    assert f"for epoch in range({traj.epoch}):" in code
    assert ("scheduler.step" in made) == (schedule is not None)
    assert "import math" not in code  # Himmelblau needs no constants
    assert "import torch" in code and "gdviz" not in code.split("\n", 1)[1]  # past the title


def test_snippet_arguments_are_pytorchs():
    code = torch_code(run("adam", other=True))
    assert (
        "torch.optim.Adam([p], lr=0.05, betas=(0.8, 0.99), eps=1e-06, weight_decay=0.01, " in code
    )
    assert "amsgrad=True)" in code
    assert "optimizer = torch.optim.SGD([p], lr=0.01)\n" in torch_code(run("gd"))
    assert "torch.optim.SGD([p], lr=0.01, momentum=0.9, nesterov=True)" in torch_code(
        run("nesterov")
    )
    assert "torch.optim.AdamW([p], lr=0.05)\n" in torch_code(run("adamw"))  # λ = 0.01: torch's too
    rmsprop = torch_code(run("rmsprop", other=True))
    assert (
        "RMSprop([p], lr=0.01, alpha=0.9, weight_decay=0.01, momentum=0.9, centered=True)"
        in rmsprop
    )
    assert "p = torch.tensor([-1.5, 2.0], requires_grad=True)" in torch_code(
        run("gd", "rosenbrock")
    )
    assert "p = torch.tensor([4.5], requires_grad=True)" in torch_code(run("gd", "wavy"))


@pytest.mark.parametrize(
    "schedule, text",
    [
        (
            {"kind": "step", "step_size": 10, "gamma": 0.5},
            "StepLR(optimizer, step_size=10, gamma=0.5)",
        ),
        ("step", "StepLR(optimizer, step_size=30)"),
        ({"kind": "exponential"}, "ExponentialLR(optimizer, gamma=0.99)"),
        ("cosine", "CosineAnnealingLR(optimizer, T_max=60)"),  # None: the epochs asked for
        (
            {"kind": "cosine", "T_max": 20, "eta_min": 1e-4},
            "CosineAnnealingLR(optimizer, T_max=20, eta_min=0.0001)",
        ),
        ({"kind": "linear", "start_factor": 0.25}, "LinearLR(optimizer, start_factor=0.25)"),
        ({"kind": "constant"}, None),
    ],
)
def test_snippet_scheduler_has_torchs_arguments(schedule, text):
    traj = descend("parabola", 3.0, lr=0.4, epochs=60, schedule=schedule, tol=1e-3)
    assert traj.epoch < 60  # cosine's T_max is the epochs asked for, not the epochs run
    code = torch_code(traj)
    if text is None:
        assert "scheduler" not in code
    else:
        assert f"scheduler = torch.optim.lr_scheduler.{text}\n" in code


def test_snippet_imports_math_only_for_constants():
    code = torch_code(descend("rastrigin", (3.2, 2.1), lr=0.002, epochs=5))
    assert code.count("import math") == 1 and "torch.cos(2 * math.pi * p[0])" in code
    ast.parse(code)


# ---- one step, with the numbers: update_latex and update_text --------------------------------


def text_numbers(text: str) -> list[float]:
    """Every number of a Unicode equation, left to right (− as minus, 10⁻⁵ powers read)."""
    sup = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
    text = re.sub(r"([\d.]+) × 10([⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)", lambda m: f"{m[1]}e{m[2].translate(sup)}", text)
    text = re.sub(r"(?<![\d.])10([⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)", lambda m: f"1e{m[1].translate(sup)}", text)
    text = text.replace("−", "-")
    return [float(n) for n in re.findall(r"(?<![\w₀-₉])-?\d+(?:\.\d+)?(?:e-?\d+)?", text)]


def latex_numbers(latex: str) -> list[float]:
    """Every number of a LaTeX equation after its rule, left to right."""
    latex = latex.replace(r"\left(", "").replace(r"\right)", "")
    latex = re.sub(r"(-?[\d.]+) \\times 10\^\{(-?\d+)\}", r"\1e\2", latex)
    latex = re.sub(r"(?<![\d.])10\^\{(-?\d+)\}", r"1e\1", latex)
    latex = re.sub(r"_\{\d+\}", "", latex)  # subscripts are epochs, not numbers
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", latex)]


def test_one_step_under_noise_shows_the_gradient_the_step_used():
    """The issue's case: σ = 5, x₀ = −5, η = 0.1, epoch 4. The step used −7.3714, not the
    noise-free −4.6931, and a negative operand is written in parentheses."""
    traj = descend("parabola", -5.0, lr=0.1, epochs=50, noise=5.0)
    used, exact = traj.step_grads[4, 0], traj.grads[4, 0]
    assert traj.points[5, 0] == pytest.approx(traj.points[4, 0] - 0.1 * used, abs=1e-12)
    assert abs(used - exact) > 1  # the noise matters at this epoch: a test that can fail
    latex = update_latex(traj, 4)
    assert rf"0.1 \cdot \left({used:.4f}\right) = {traj.points[5, 0]:.4f}" in latex
    assert f"{exact:.4f}" in latex.split(r"\\")[0]  # the exact gradient, named as such
    assert r"\tilde g_{4} = f'(x_{4}) + \text{noise}" in latex
    text = update_text(traj, 4)
    assert (
        f"x₅ = x₄ − η·g̃₄ = {traj.points[4, 0]:.4f} − 0.1 · ({used:.4f}) = ".replace("-", "−")
        in text
    )
    assert "g̃₄ = f′(x₄) + noise" in text
    # without noise the same page names f′ itself
    quiet = descend("parabola", -5.0, lr=0.1, epochs=50)
    assert "noise" not in update_latex(quiet, 4) and "noise" not in update_text(quiet, 4)
    assert r"\left(" in update_latex(quiet, 4) and "· (−" in update_text(quiet, 4)


@pytest.mark.parametrize(
    ("slug", "start", "kwargs"),
    [
        ("parabola", (-5.0,), {"noise": 5.0}),
        ("parabola", (3.0,), {}),
        ("bowl", (4.0, -3.0), {"noise": 2.0, "seed": 4}),
        ("rosenbrock", (-1.5, 2.0), {"schedule": {"kind": "cosine"}}),
        ("wavy", (4.5,), {"schedule": {"kind": "step", "step_size": 3, "gamma": 0.5}}),
        ("himmelblau", (0.0, 0.0), {}),
    ],
)
def test_update_text_and_latex_show_the_same_numbers_and_they_add_up(slug, start, kwargs):
    obj = OBJECTIVES[slug]
    traj = descend(obj, start, lr=obj.lr, epochs=12, tol=0, **kwargs)
    dim = obj.dim
    for epoch in range(traj.epoch):
        text, latex = update_text(traj, epoch), update_latex(traj, epoch)
        step_text = text.split("; ")[-1]
        step_line = re.split(r" \\\\ (?=x_|\\mathbf)", latex)[-1].replace(r"\end{gathered}", "")
        shown = text_numbers(" = ".join(step_text.split(" = ")[2:]))
        assert shown == latex_numbers(" = ".join(step_line.split(" = ")[2:]))
        assert len(shown) == 3 * dim + 1
        x, lr, g, new = (
            np.array(shown[:dim]),
            shown[dim],
            np.array(shown[dim + 1 : 2 * dim + 1]),
            np.array(shown[-dim:]),
        )
        assert lr == pytest.approx(traj.lrs[epoch], rel=1e-5)  # this epoch's own η
        # x_{k+1} = x_k − η_k·g_k to the shown precision (4 decimals, or 4 digits)
        np.testing.assert_allclose(new, x - lr * g, rtol=2e-3, atol=2e-4)
        np.testing.assert_allclose(new, traj.points[epoch + 1], rtol=1e-3, atol=6e-5)
        np.testing.assert_allclose(g, traj.step_grads[epoch], rtol=1e-3, atol=6e-5)


def test_update_text_reads_as_a_vector_equation_in_2d():
    traj = descend("bowl", (4.0, -3.0), lr=0.1, epochs=5)
    assert update_text(traj, 0) == (
        "(x₁, y₁) = (x₀, y₀) − η·∇f(x₀, y₀) = (4.0000, −3.0000) − 0.1 · (8.0000, −6.0000)"
        " = (3.2000, −2.4000)"
    )


def test_other_optimizers_show_their_whole_step_not_eta_times_the_gradient():
    traj = run("momentum", "wavy", epochs=10)
    for epoch in (1, 5):
        latex = update_latex(traj, epoch)
        assert r"\eta\, f'" not in latex and r"\Delta_" in latex
        close(result(latex), traj.points[epoch + 1])
        assert "Δ" in update_text(traj, epoch)


@pytest.mark.parametrize("slug", ALL)
def test_negative_operands_are_in_parentheses_in_every_step(slug):
    """'0.1 · −4.69' reads as a typo: every negative operand after an operator is bracketed."""
    for objective, noise in [("wavy", 0.0), ("double_well", 3.0), ("himmelblau", 3.0)]:
        obj = OBJECTIVES[objective]
        traj = descend(obj, obj.start, lr=LR.get(slug, obj.lr), epochs=8, optimizer=slug,
                       tol=0, noise=noise, **OTHER_HYPER[slug])  # fmt: skip
        for epoch in range(traj.epoch):
            for latex, _ in step_latex(traj, epoch) + [(update_latex(traj, epoch), "")]:
                assert not re.search(r"(\\cdot|[-+/]) -\d", latex), latex
                if noise:
                    assert "noise" in latex or not re.match(r"g_\{\d+\} = ", latex)


def test_step_latex_under_noise_labels_the_noisy_gradient():
    traj = descend("parabola", -5.0, lr=0.1, epochs=50, noise=5.0)
    first = step_latex(traj, 4)[0]
    assert first[0].startswith(r"g_{5} = f'(x_{4}) + \text{noise} = ")
    assert "noise" in first[1]
    close(result(first[0]), traj.step_grads[4])
