"""Your own function: a typed expression made into an Objective with a plotting box, a
start, a learning rate, its global minimum (when it has one there) and a colour scale."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import sympy as sp

from .expressions import (
    FUNCTIONS,
    MAX_GRADIENT_SIZE,
    ExpressionError,
    clean_text,
    parse_expression,
)
from .objectives import CriticalPoint, Objective
from .symbols import X, Y

DEFAULT_DOMAIN = (-5.0, 5.0)


def _compilable(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every function swapped for one numpy can differentiate (Abs → _Abs)."""
    for function in FUNCTIONS.values():  # an alias repeats its entry: replacing twice is a no-op
        for sympy_function, replacement in function.compiled.items():
            expr = expr.replace(sympy_function, replacement)
    return expr


def _check_gradient_size(expr: sp.Expr, variables) -> None:
    """Refuse functions whose derivatives would take seconds to compile (cheap: one diff)."""
    size = 0
    for v in variables:
        derivative = sp.diff(expr, v)
        if derivative.has(sp.I, sp.zoo, sp.oo, -sp.oo, sp.nan):
            raise ExpressionError("the derivative is not a real number everywhere")
        for _ in sp.preorder_traversal(derivative):
            size += 1
            if size > MAX_GRADIENT_SIZE:
                raise ExpressionError(
                    "the function is too complicated to differentiate quickly: "
                    "try fewer products of nested functions"
                )


def _validate_domain(domain, dim: int) -> tuple[tuple[float, float], ...]:
    if domain is None:
        return (DEFAULT_DOMAIN,) * dim
    try:
        pairs = tuple((float(lo), float(hi)) for lo, hi in domain)
    except (TypeError, ValueError):
        raise ExpressionError(f"the domain must be {dim} pair(s) (low, high)") from None
    if len(pairs) != dim:
        raise ExpressionError(f"the domain needs {dim} pair(s) (low, high), got {len(pairs)}")
    for lo, hi in pairs:
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ExpressionError(f"each domain range needs finite low < high, got ({lo}, {hi})")
    return pairs


def _grid(domain, n: int) -> np.ndarray:
    axes = [np.linspace(lo, hi, n) for lo, hi in domain]
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)


def _suggest_lr(objective: Objective) -> float:
    """0.5/λ, λ the largest Hessian eigenvalue on a coarse grid, clipped to [1e-4, 1]."""
    points = _grid(objective.domain, 41 if objective.dim == 1 else 21)
    hessians = objective.hessian(points).reshape(-1, objective.dim, objective.dim)
    hessians = hessians[np.isfinite(hessians).all(axis=(1, 2))]
    if len(hessians) == 0:
        return 0.1
    try:
        lam = float(np.linalg.eigvalsh(hessians).max())
    except np.linalg.LinAlgError:
        return 0.1
    if not lam > 0:
        return 0.1
    return float(f"{min(max(0.5 / lam, 1e-4), 1.0):.2g}")


def _refine(objective: Objective, point: np.ndarray, lr: float) -> np.ndarray:
    """A few Newton steps (gradient steps where the Hessian is not positive definite)."""
    lo, hi = np.array(objective.domain).T
    for _ in range(30):
        grad = objective.grad(point)
        hess = objective.hessian(point)
        if not (np.isfinite(grad).all() and np.isfinite(hess).all()):
            break
        try:
            step = np.linalg.solve(hess, grad) if np.linalg.eigvalsh(hess).min() > 0 else None
        except np.linalg.LinAlgError:
            step = None
        if step is None or not np.isfinite(step).all():
            step = lr * grad
        point = np.clip(point - step, lo, hi)
    return point


def _global_minimum(objective: Objective) -> CriticalPoint | None:
    n = 201 if objective.dim == 1 else 101
    points = _grid(objective.domain, n)
    values = objective.f(points)
    values = np.where(np.isfinite(values), values, np.inf)
    index = np.unravel_index(np.argmin(values), values.shape)
    if not np.isfinite(values[index]) or any(k in (0, n - 1) for k in index):
        return None
    point = _refine(objective, points[index], objective.lr)
    value = float(objective.f(point))
    grad = objective.grad(point)
    lo, hi = np.array(objective.domain).T
    inside = bool(np.all((point > lo) & (point < hi)))
    small = np.isfinite(grad).all() and float(np.linalg.norm(grad)) < 1e-6 * (1 + abs(value))
    if not (inside and small and np.isfinite(value) and value <= values[index] + 1e-9):
        return None
    return CriticalPoint(tuple(float(p) for p in point), value, "global minimum")


def _start(objective: Objective) -> tuple[float, ...]:
    """60% of the way from the centre to the upper corner, or the nearest point nearby
    where f and its gradient are finite."""
    lo, hi = np.array(objective.domain).T
    wanted = (lo + hi) / 2 + 0.6 * (hi - lo) / 2
    points = _grid(objective.domain, 41 if objective.dim == 1 else 21)
    points = np.concatenate([wanted[None], points.reshape(-1, objective.dim)])
    finite = np.isfinite(objective.f(points)) & np.isfinite(objective.grad(points)).all(axis=-1)
    if not finite.any():
        raise ExpressionError("the function is undefined everywhere on the domain")
    candidates = points[finite]
    best = candidates[np.argmin(np.linalg.norm(candidates - wanted, axis=-1))]
    return tuple(float(v) for v in best)


def parse_objective(text: str, domain=None) -> Objective:
    """Parse typed text into an Objective with a start, a learning rate and its minimum.

    Uses x only -> 1-D, any y -> 2-D (a constant is 1-D in x). The domain defaults to
    [-5, 5] per axis. ``critical_points`` holds the grid's global minimum on the domain
    when it lies inside and refines to a point of small gradient, else nothing.

    Example:
        >>> parse_objective("x^2 + y^2").dim
        2
    """
    expr = parse_expression(text)
    variables = (X, Y) if Y in expr.free_symbols else (X,)
    box = _validate_domain(domain, len(variables))
    compiled = _compilable(expr)
    _check_gradient_size(compiled, variables)
    formula = clean_text(text)
    objective = Objective.from_expr(
        "custom",
        "Your function",
        compiled,
        domain=box,
        start=[(lo + hi) / 2 for lo, hi in box],
        formula=formula,
        latex=sp.latex(expr),
        variables=variables,
    )
    # sympy's code generation occasionally rewrites real functions through 1j
    # (cosh(u) as cos(1j*u)); such a function would hand complex numbers to numpy.
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error", np.exceptions.ComplexWarning)
        try:
            objective = dataclasses.replace(objective, lr=_suggest_lr(objective))
            objective = dataclasses.replace(objective, start=_start(objective))
            minimum = _global_minimum(objective)
        except np.exceptions.ComplexWarning:
            raise ExpressionError(
                "this function cannot be evaluated reliably: try writing it more simply"
            ) from None
    return dataclasses.replace(
        objective,
        critical_points=(minimum,) if minimum else (),
        log_colour=_needs_log_colour(objective),
    )


def _needs_log_colour(objective: Objective) -> bool:
    """Log colours when the top of f in the box is over 100× the rise of its lowest
    tenth: otherwise a valley like Rosenbrock's is one flat colour."""
    if objective.dim != 2:
        return False
    with np.errstate(all="ignore"):
        values = objective.f(_grid(objective.domain, 41))
    values = values[np.isfinite(values)]
    if values.size < 2:
        return False
    spread = values - values.min()
    low = float(np.percentile(spread, 10))
    return bool(spread.max() > 100 * low) if low > 0 else bool(spread.max() > 0)
