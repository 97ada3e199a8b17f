"""A run as a PyTorch script: the objective printed over torch, the optimizer and
scheduler with PyTorch's own arguments, and the usual training loop."""

from __future__ import annotations

import ast
import builtins
import math
import re
from decimal import Decimal
from numbers import Integral

import numpy as np
import sympy as sp

from .descent import Trajectory
from .expressions import FUNCTIONS, function_names
from .objectives import X, Y
from .optimizers import OPTIMIZERS
from .schedules import SCHEDULES, filled_schedule

# Python's precedence levels, low to high: a + b, a * b, -a, a ** b, atoms (names, calls, p[0]).
_ADD, _MUL, _NEG, _POW, _ATOM = range(5)


def _template_precedence(template: str) -> int:
    node = ast.parse(template, mode="eval").body
    if isinstance(node, ast.BinOp):
        return _ADD if isinstance(node.op, ast.Add | ast.Sub) else _MUL
    return _ATOM


#: sympy function -> (its text over torch, u standing for the argument; its precedence),
#: from the parser's table: every function a typed expression can hold.
_FUNCTIONS = {
    sympy_function: (text, _template_precedence(text))
    for function in FUNCTIONS.values()
    for sympy_function, text in function.torch.items()
}
_RECIPROCAL = "1 / "  # sec(u) is 1 / torch.cos(u): in a product, cos(u) joins the denominator


def _decimal(r: sp.Rational) -> str | None:
    """A rational's exact decimal text (3/10 → '0.3'), or None if it never terminates."""
    q = int(r.q)
    for prime in (2, 5):
        while q % prime == 0:
            q //= prime
    if q != 1:
        return None
    text = format(Decimal(int(r.p)) / Decimal(int(r.q)), "f")
    return text if len(text.lstrip("-0.")) <= 15 else None


def _paren(printed: tuple[str, int], level: int) -> str:
    text, prec = printed
    return text if prec >= level else f"({text})"


def _torch(expr: sp.Expr, names: dict) -> tuple[str, int]:
    """``expr`` as Python text over torch (math for constant parts), with its precedence."""
    # Constant parts use math, so that no torch function ever gets a plain float.
    lib = "torch" if expr.free_symbols else "math"
    if expr.is_Symbol:
        if expr not in names:
            raise ValueError(
                f"unknown variable {expr} (expected one of {', '.join(map(str, names))})"
            )
        return names[expr], _ATOM
    if expr.is_Integer or expr.is_Float:
        text = str(int(expr)) if expr.is_Integer else repr(float(expr))
        return text, _NEG if text.startswith("-") else _ATOM
    if expr.is_Rational:
        text = _decimal(expr)
        if text is None:
            return f"{expr.p} / {expr.q}", _MUL
        return text, _NEG if text.startswith("-") else _ATOM
    if expr is sp.pi:
        return "math.pi", _ATOM
    if expr is sp.E:
        return "math.e", _ATOM
    if expr.is_Add:
        terms = expr.as_ordered_terms()
        # y - x**2 reads better than -x**2 + y: lead with the first positive term.
        lead = next((t for t in terms if not t.could_extract_minus_sign()), terms[0])
        terms = [lead, *(t for t in terms if t is not lead)]
        parts = [_paren(_torch(terms[0], names), _ADD)]
        for term in terms[1:]:
            if term.could_extract_minus_sign():
                parts.append(f"- {_paren(_torch(-term, names), _MUL)}")
            else:
                parts.append(f"+ {_paren(_torch(term, names), _MUL)}")
        return " ".join(parts), _ADD
    if expr.is_Mul:
        if expr.could_extract_minus_sign():
            text, prec = _torch(-expr, names)
            return f"-{_paren((text, prec), _MUL)}", min(prec, _NEG)
        coeff, factors = expr.as_coeff_mul()
        numerator, denominator = [], []
        if coeff != 1:
            decimal = _decimal(coeff) if coeff.is_Rational else repr(float(coeff))
            if decimal is not None:
                numerator.append(decimal)
            else:
                numerator += [str(coeff.p)] if coeff.p != 1 else []
                denominator.append((str(coeff.q), _ATOM))
        for factor in sorted(factors, key=lambda f: bool(f.free_symbols)):  # constants first
            if factor.is_Pow and factor.exp.is_Number and factor.exp < 0:
                divisor = factor.base**-factor.exp
                if (inverse := _inverse(divisor, names)) is not None:  # / sec(u) is * cos(u)
                    numerator.append(_paren(inverse, _NEG if not numerator else _POW))
                else:
                    denominator.append(_torch(divisor, names))
            elif (inverse := _inverse(factor, names)) is not None:  # * sec(u) is / cos(u)
                denominator.append(inverse)
            else:
                numerator.append(_paren(_torch(factor, names), _NEG if not numerator else _POW))
        text = " * ".join(numerator) or "1"
        if len(denominator) == 1:
            text += f" / {_paren(denominator[0], _POW)}"
        elif denominator:
            text += " / (" + " * ".join(_paren(d, _POW) for d in denominator) + ")"
        return text, _MUL
    if expr.is_Pow:
        base, exponent = expr.base, expr.exp
        if exponent == sp.S.Half:
            return f"{lib}.sqrt({_torch(base, names)[0]})", _ATOM
        if exponent.is_Number and exponent < 0:
            divisor = base**-exponent
            if (inverse := _inverse(divisor, names)) is not None:
                return inverse
            return f"1 / {_paren(_torch(divisor, names), _POW)}", _MUL
        if (inverse := _inverse(expr, names)) is not None:
            return f"1 / {_paren(inverse, _POW)}", _MUL
        return (
            f"{_paren(_torch(base, names), _ATOM)} ** {_paren(_torch(exponent, names), _ATOM)}",
            _POW,
        )
    if expr.func in _FUNCTIONS and len(expr.args) == 1:
        text, prec = _FUNCTIONS[expr.func]
        return _fill(text, expr, names, lib), prec
    raise ValueError(
        f"cannot write {expr.func.__name__} as PyTorch: expected +, *, **, numbers, pi, e "
        f"and the parser's functions ({function_names()})"
    )


def _fill(template: str, expr: sp.Expr, names: dict, lib: str) -> str:
    """A function's text (``torch.sin(u)``) around its printed argument; for a constant
    argument Python's own function (``math.sin(u)``, ``abs(u)``)."""
    if lib == "math":
        for name in re.findall(r"torch\.(\w+)", template):
            if hasattr(math, name):
                template = template.replace(f"torch.{name}", f"math.{name}")
            elif hasattr(builtins, name):
                template = template.replace(f"torch.{name}", name)
            else:
                raise ValueError(f"cannot write {expr} as Python: no {name} for a constant")
    before, after = template.split("(u)")
    return f"{before}({_torch(expr.args[0], names)[0]}){after}"


def _inverse(expr: sp.Expr, names: dict) -> tuple[str, int] | None:
    """1 / ``expr`` as text, when ``expr`` is a reciprocal (sec(u) → torch.cos(u),
    sec(u)**2 → torch.cos(u) ** 2); else None."""
    if expr.is_Pow and expr.exp.is_Integer and expr.exp > 0:
        inner = _inverse(expr.base, names)
        if inner is None:
            return None
        return f"{_paren(inner, _ATOM)} ** {expr.exp}", _POW
    text, _ = _FUNCTIONS.get(expr.func, ("", None))
    if not text.startswith(_RECIPROCAL) or len(expr.args) != 1:
        return None
    rest = text[len(_RECIPROCAL) :]
    lib = "torch" if expr.free_symbols else "math"
    return _fill(rest, expr, names, lib), _template_precedence(rest)


def torch_expression(expr: sp.Expr, variables=(X, Y)) -> str:
    """A sympy expression as Python text over torch, the i-th variable read as ``p[i]``.

    >>> torch_expression(X**2 / 10 + sp.sin(2 * X))
    '0.1 * p[0] ** 2 + torch.sin(2 * p[0])'
    """
    names = {v: f"p[{i}]" for i, v in enumerate(variables)}
    return _torch(sp.sympify(expr), names)[0]


def _literal(value) -> str:
    """A hyperparameter as Python source: True, 30, 0.9, (0.8, 0.99)."""
    if isinstance(value, bool | np.bool_):
        return repr(bool(value))
    if isinstance(value, Integral):
        return repr(int(value))
    if isinstance(value, tuple | list | np.ndarray):
        return "(" + ", ".join(_literal(v) for v in value) + ")"
    return repr(float(value))


def _same(value, default) -> bool:
    if isinstance(default, tuple | list):
        return tuple(value) == tuple(default)
    return value == default


def _call(name: str, first: str, kwargs: dict) -> str:
    return f"{name}({', '.join([first, *(f'{k}={_literal(v)}' for k, v in kwargs.items())])})"


def torch_code(traj: Trajectory, *, zero_grad: bool = True) -> str:
    """A PyTorch script that reruns ``traj``: same objective, start, optimizer and schedule.

    One epoch is one step of the usual loop (zero_grad, loss, backward, step, then the
    scheduler's step), in float64 like gdviz, for ``traj.epoch`` epochs; ``points`` collects
    the path, which matches ``traj.points`` to rounding. ``zero_grad=False`` leaves
    ``optimizer.zero_grad()`` out (see :func:`loop_code`).
    """
    return loop_code(
        traj.objective,
        traj.points[0],
        optimizer=traj.optimizer,
        lr=traj.lr,
        epochs=traj.epoch,
        hyper=traj.hyper,
        schedule=filled_schedule(traj.schedule, traj.epochs),  # None defaults: the whole run
        zero_grad=zero_grad,
    )


def loop_code(
    objective,
    start,
    *,
    optimizer: str,
    lr: float,
    epochs: int,
    hyper: dict | None = None,
    schedule=None,
    zero_grad: bool = True,
) -> str:
    """A PyTorch script running ``optimizer`` on ``objective`` from ``start`` for ``epochs``
    epochs, its hyperparameters and schedule passed as PyTorch's; see :func:`torch_code`.

    ``zero_grad=False`` writes the loop without ``optimizer.zero_grad()``, the classic slip:
    each ``backward()`` then adds its gradient to ``p.grad``, and ``step()`` reads the sum
    of every gradient so far (``gdviz.exercises.zero_grad_runs`` runs the same).
    """
    spec = OPTIMIZERS[optimizer]
    hyper = dict(hyper or {})
    expression = torch_expression(objective.expr, objective.variables)
    start = ", ".join(repr(float(v)) for v in start)
    changed = {  # in the order of PyTorch's signature; its defaults are gdviz's
        k: hyper[k] for k in spec.defaults if k in hyper and not _same(hyper[k], spec.defaults[k])
    }
    optimizer = _call(f"torch.optim.{spec.torch}", "[p]", {"lr": lr, **spec.fixed, **changed})
    title = f"# {spec.name} on {objective.name} for {epochs} epochs, as gdviz ran it"
    lines = [
        *([f"{title}."] if zero_grad else [
            f"{title}, without optimizer.zero_grad():",
            "# each backward() adds its gradient to p.grad, and step() reads the sum.",
        ]),
        *(["import math", ""] if "math." in expression else []),
        "import torch",
        "",
        "torch.set_default_dtype(torch.float64)",
        "",
        "",
        "def f(p):",
        f"    return {expression}",
        "",
        "",
        f"p = torch.tensor([{start}], requires_grad=True)",
        f"optimizer = {optimizer}",
    ]  # fmt: skip
    schedule = filled_schedule(schedule, epochs)
    if schedule is not None:
        scheduler = SCHEDULES[schedule.pop("kind")]
        defaults = scheduler.torch_defaults
        params = {
            k: int(v) if scheduler.settings[k].whole else v
            for k, v in schedule.items()
            if k not in defaults or not _same(v, defaults[k])
        }
        name = f"torch.optim.lr_scheduler.{scheduler.torch}"
        lines.append(f"scheduler = {_call(name, 'optimizer', params)}")
    lines += [
        "",
        "points = [p.tolist()]",
        f"for epoch in range({epochs}):",
        *(["    optimizer.zero_grad()"] if zero_grad else []),
        "    loss = f(p)",
        "    loss.backward()",
        "    optimizer.step()",
        *(["    scheduler.step()"] if schedule is not None else []),
        "    points.append(p.tolist())",
        "",
        "print(points[-1])",
    ]
    return "\n".join(lines) + "\n"
