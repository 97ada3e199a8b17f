"""Your own function: a typed expression made into an Objective with a plotting box, a
start, a learning rate, its stationary points (wherever they are) and a colour scale."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import sympy as sp

from . import bounds
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


# ---- the function's stationary points, found wherever the box is ---------------------------

#: The search reaches this many times the box's largest coordinate, both ways from 0: a
#: message's claim ("the global minimum", "a local minimum") is about the function.
REACH = 10.0
#: At most this many stationary points are listed (a sine over a wide box has thousands).
MAX_POINTS = 40
#: Polynomials up to this degree are solved exactly (sympy's real roots of f′).
MAX_EXACT_DEGREE = 20


def _seeds(lo: float, hi: float, n: int, m: int) -> np.ndarray:
    """Sample points on one axis at every scale: uniform over the box, and log-spaced both
    ways from 0 and from the box's centre, down to 10⁻⁶ and out to REACH times the box.

    A uniform grid alone misses a minimum between its last two points (x² + 5 in the box
    from −5000 to 5); the log-spaced ones always bracket 0 and the centre closely."""
    size = max(1.0, abs(lo), abs(hi))
    far = np.geomspace(1e-6 * size, REACH * size, m)
    centre = (lo + hi) / 2
    parts = [np.linspace(lo, hi, n), far, -far, centre + far, centre - far, [0.0, centre]]
    return np.unique(np.concatenate(parts))


def _degree(expr: sp.Expr) -> int | None:
    """An upper bound on the degree of ``expr`` as a polynomial in x, read off its tree
    without expanding it ((x + 1)^100)^100 would take seconds); None if it is not one."""
    if expr == X:
        return 1
    if not expr.has(X):
        return 0 if expr.is_number else None
    if isinstance(expr, sp.Add):
        parts = [_degree(a) for a in expr.args]
        return None if None in parts else max(parts)
    if isinstance(expr, sp.Mul):
        parts = [_degree(a) for a in expr.args]
        return None if None in parts else sum(parts)
    if isinstance(expr, sp.Pow) and expr.exp.is_Integer and expr.exp >= 0:
        base = _degree(expr.base)
        return None if base is None else base * int(expr.exp)
    return None


def _exact_1d(expr: sp.Expr) -> list[tuple[float, str]] | None:
    """(x, kind) of every stationary point of a polynomial in x, solved exactly; None if
    ``expr`` is not a polynomial sympy solves quickly (or is constant)."""
    if not 1 <= (_degree(expr) or 0) <= MAX_EXACT_DEGREE:  # before sympy expands anything
        return None
    exact = expr.xreplace({v: sp.Rational(str(v)) for v in expr.atoms(sp.Float)})  # 0.3 → 3/10
    try:
        poly = sp.Poly(exact, X)
    except sp.PolynomialError:
        return None
    if poly.degree() < 1 or poly.domain not in (sp.ZZ, sp.QQ):
        return None
    slope = poly.diff(X)
    roots = slope.real_roots() if slope.degree() > 0 else []  # each as often as it repeats
    points = []
    for root in sorted(set(roots), key=lambda r: float(sp.N(r, 30))):
        times = roots.count(root)
        if times % 2 == 0:  # f′ keeps its sign: a flat inflection (x³ at 0), no extremum
            continue
        # f′ changes sign as its first derivative that is not 0 there: f^(times+1)(root)
        curvature = sp.N(slope.diff((X, times)).as_expr().subs(X, root), 30)
        points.append(
            (float(sp.N(root, 30)), "local minimum" if curvature > 0 else "local maximum")
        )
    return points


def _numeric_1d(objective: Objective) -> list[tuple[float, str]]:
    """(x, kind) where f′ changes sign on multi-scale samples, bisected to machine precision;
    kinks count (|x| at 0), poles do not (f must be finite and continuous there)."""
    ((lo, hi),) = objective.domain
    xs = _seeds(lo, hi, 4001, 600)
    f, g = objective.f(xs[:, None]), objective.grad(xs[:, None])[:, 0]
    ok = np.isfinite(f) & np.isfinite(g)
    xs, g = xs[ok], g[ok]
    zero = g == 0
    flips = np.flatnonzero(np.sign(g[:-1]) * np.sign(g[1:]) < 0)
    a, b, ga = xs[flips], xs[flips + 1], g[flips]
    for _ in range(200):  # bisection: halve every bracket at once until they stop shrinking
        mid = (a + b) / 2
        if not np.any((mid > a) & (mid < b)):
            break
        gm = objective.grad(mid[:, None])[:, 0]
        left = np.sign(gm) == np.sign(ga)
        a, b = np.where(left, mid, a), np.where(left, b, mid)
        ga = np.where(left, gm, ga)
    points = []
    for x_a, x_b, slope in zip(a, b, ga, strict=True):
        x = (x_a + x_b) / 2
        fa, fx, fb = (float(v) for v in objective.f(np.array([[x_a], [x], [x_b]])))
        if not all(map(math.isfinite, (fa, fx, fb))):
            continue
        if abs(fa - fb) > 1e-6 * (1 + abs(fx)):  # a jump or a pole, not a stationary point
            continue
        points.append((x, "local minimum" if slope < 0 else "local maximum"))
    # exact zeros of f′ on a sample, where it does change sign across them
    for i in np.flatnonzero(zero[1:-1]) + 1:
        if g[i - 1] < 0 < g[i + 1] or g[i - 1] > 0 > g[i + 1]:
            points.append((float(xs[i]), "local minimum" if g[i - 1] < 0 else "local maximum"))
    return points


def _newton(objective: Objective, points: np.ndarray) -> np.ndarray:
    """Newton steps from each of ``points`` (N, 2), with halving when f would rise."""
    for _ in range(60):
        grad, hess = objective.grad(points), objective.hessian(points)
        ok = np.isfinite(grad).all(-1) & np.isfinite(hess).all((-2, -1))
        step = np.zeros_like(points)
        eig = np.full(points.shape, np.nan)
        eig[ok] = np.linalg.eigvalsh(hess[ok])
        # well-conditioned bowls only: a Hessian with a tiny positive eigenvalue (1e-320)
        # is singular to solve
        convex = ok & (eig.min(axis=-1) > 1e-12 * np.abs(eig).max(axis=-1))
        step[convex] = np.linalg.solve(hess[convex], grad[convex][..., None])[..., 0]
        # not convex here: a gradient step of a size the curvature allows
        other = ok & ~convex
        top = np.maximum(np.abs(eig[other]).max(axis=-1, initial=0.0), 1e-12)
        step[other] = grad[other] / top[:, None]
        f0 = objective.f(points)
        for _ in range(30):
            trial = points - step
            worse = ~(objective.f(trial) <= f0 + 1e-12 * (1 + np.abs(f0)))
            if not worse.any():
                break
            step[worse] /= 2
        points = points - step
        if np.all(np.abs(step) <= 1e-15 * (1 + np.abs(points))):
            break
    return points


def _numeric_2d(objective: Objective) -> list[tuple[tuple[float, float], str]]:
    """Minima of a surface: the local minima of f on a multi-scale grid, polished by Newton
    until the gradient vanishes (only points where it does are kept)."""
    axes = [_seeds(lo, hi, 121, 40) for lo, hi in objective.domain]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)
    values = objective.f(grid)
    values = np.where(np.isfinite(values), values, np.inf)
    inner = values[1:-1, 1:-1]
    lowest = np.ones(inner.shape, dtype=bool)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                lowest &= inner <= values[1 + di : values.shape[0] - 1 + di,
                                          1 + dj : values.shape[1] - 1 + dj]  # fmt: skip
    lowest &= np.isfinite(inner)
    index = np.argwhere(lowest) + 1
    if len(index) > 4 * MAX_POINTS:  # the lowest candidates are the ones that matter
        order = np.argsort(values[index[:, 0], index[:, 1]])
        index = index[order[: 4 * MAX_POINTS]]
    if not len(index):
        return []
    found = _newton(objective, grid[index[:, 0], index[:, 1]])
    points = []
    for p in found:
        value, grad = float(objective.f(p)), objective.grad(p)
        hess = objective.hessian(p)
        if not (math.isfinite(value) and np.isfinite(grad).all() and np.isfinite(hess).all()):
            continue
        if np.linalg.norm(grad) > 1e-7 * (1 + abs(value)) * max(1.0, float(np.abs(p).max())):
            continue
        if np.linalg.eigvalsh(hess).min() >= 0:
            points.append(((float(p[0]), float(p[1])), "local minimum"))
    return points


def _far_values(objective: Objective) -> np.ndarray:
    """f far out in every direction (out to coordinates of 10³⁰⁰), where it may go lower
    than anywhere near: then the lowest minimum found is not the global one."""
    if objective.dim == 1:
        ways = np.array([[1.0], [-1.0]])
    else:
        angles = np.linspace(0, 2 * np.pi, 32, endpoint=False)
        ways = np.column_stack([np.cos(angles), np.sin(angles)])
    size = max(1.0, float(np.abs(np.array(objective.domain)).max()))
    probes = (bounds.REACH * size)[:, None, None] * ways[None]
    values = objective.f(probes)
    return values[~np.isnan(values)]


def _dedupe(points, scale: float) -> list:
    """One of each run of points closer than 10⁻⁷ × the box's size (sorted, so neighbours)."""
    kept = []
    for point, kind in sorted(points):
        p = np.atleast_1d(point)
        if not (kept and np.linalg.norm(p - np.atleast_1d(kept[-1][0])) <= 1e-7 * scale):
            kept.append((point, kind))
    return kept


def stationary_points(objective: Objective, expr: sp.Expr | None = None) -> tuple:
    """The function's stationary points, wherever they are: exactly for a polynomial in x,
    else by a multi-scale search (see :func:`_seeds`), as :class:`CriticalPoint` s.

    The lowest minimum is the global minimum when nothing sampled, near or far (out to
    10³⁰⁰), is lower; else every minimum is a local one. Curves list minima and maxima,
    surfaces their minima; at most :data:`MAX_POINTS`, global minima first, then the
    nearest to the box.

    >>> [p.kind for p in stationary_points(parse_objective("x^2 + 5", domain=[(-5000, 5)]))]
    ['global minimum']
    """
    found = None
    if objective.dim == 1 and expr is not None:
        found = _exact_1d(expr)
    if found is None:
        found = _numeric_1d(objective) if objective.dim == 1 else _numeric_2d(objective)
    size = max(1.0, float(np.abs(np.array(objective.domain)).max()))
    found = _dedupe(found, size)
    points = []
    for point, kind in found:
        p = np.atleast_1d(np.asarray(point, dtype=float))
        value = float(objective.f(p))
        if math.isfinite(value):
            points.append(CriticalPoint(tuple(float(v) + 0.0 for v in p), value + 0.0, kind))
    minima = [p for p in points if p.is_minimum]
    if minima:
        low = min(p.value for p in minima)
        tol = 1e-9 * (1 + abs(low))
        far = _far_values(objective)
        axes = [_seeds(lo, hi, 401, 100) for lo, hi in objective.domain]
        near = objective.f(np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1))
        near = near[~np.isnan(near)]
        lower = (far.size and far.min() < low - tol) or (near.size and near.min() < low - tol)
        if not lower:
            points = [
                dataclasses.replace(p, kind="global minimum")
                if p.is_minimum and p.value <= low + tol
                else p
                for p in points
            ]
    centre = np.array([(lo + hi) / 2 for lo, hi in objective.domain])
    points.sort(
        key=lambda p: (
            p.kind != "global minimum",
            float(np.linalg.norm(np.subtract(p.point, centre))),
        )
    )
    return tuple(points[:MAX_POINTS])


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
    [-5, 5] per axis. ``critical_points`` are the function's stationary points (see
    :func:`stationary_points`): found the same whatever the box, inside it or not.

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
            points = stationary_points(objective, expr)
        except np.exceptions.ComplexWarning:
            raise ExpressionError(
                "this function cannot be evaluated reliably: try writing it more simply"
            ) from None
    return dataclasses.replace(
        objective,
        critical_points=points,
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
        spread = values - values.min()  # (from −1e308 to 1e308: inf, which is log colours)
        low = float(np.percentile(spread, 10))
    return bool(spread.max() > 100 * low) if low > 0 else bool(spread.max() > 0)
