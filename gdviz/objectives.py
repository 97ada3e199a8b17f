"""Objectives: functions to descend on, each written once as a sympy expression.

Gradient and Hessian are derived symbolically and compiled to numpy, so no
derivative is written by hand. Every compiled function takes an array whose
last axis holds the coordinates, shape ``(..., dim)``, and returns ``(...)``,
``(..., dim)`` or ``(..., dim, dim)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from . import checks
from .symbols import X, Y

#: Kinds of notable points an objective may list.
POINT_KINDS = ("global minimum", "local minimum", "saddle", "local maximum")


@dataclass(frozen=True)
class CriticalPoint:
    """A known stationary point: where it is, what kind, and f there."""

    point: tuple[float, ...]
    value: float
    kind: str = "global minimum"

    @property
    def is_minimum(self) -> bool:
        return self.kind.endswith("minimum")


def _stack(parts, shape):
    """Stack compiled components, broadcasting constants to the batch shape."""
    return np.stack([np.broadcast_to(np.asarray(p, dtype=float), shape) for p in parts], axis=-1)


def _compile(variables, expr) -> Callable:
    # lambdify only ever sees trusted sympy trees (built here or by our own parser);
    # cse shares subexpressions between f and its derivatives.
    return sp.lambdify(variables, expr, modules="numpy", cse=True)


@dataclass(frozen=True, eq=False)
class Objective:
    """A function to minimise, with everything a page needs to draw and explain it.

    Build one with :meth:`Objective.from_expr`; the registry and user-typed
    functions use the same constructor.
    """

    slug: str
    name: str
    expr: sp.Expr
    variables: tuple[sp.Symbol, ...]
    domain: tuple[tuple[float, float], ...]
    start: tuple[float, ...]
    lr: float
    critical_points: tuple[CriticalPoint, ...] = ()
    formula: str = ""
    latex: str = ""
    about: str = ""
    log_colour: bool = False
    _f: Callable = field(default=None, repr=False)
    _grad: Callable = field(default=None, repr=False)
    _hess: Callable = field(default=None, repr=False)
    _value_and_grad: Callable = field(default=None, repr=False)

    @classmethod
    def from_expr(
        cls,
        slug: str,
        name: str,
        expr: sp.Expr,
        *,
        domain,
        start,
        lr: float = 0.1,
        critical_points=(),
        formula: str = "",
        latex: str | None = None,
        about: str = "",
        log_colour: bool = False,
        variables=None,
    ) -> Objective:
        """Compile ``expr`` and its symbolic gradient and Hessian into an Objective."""
        if variables is None:
            variables = tuple(v for v in (X, Y) if v in expr.free_symbols) or (X,)
        variables = tuple(variables)
        gradient = [sp.diff(expr, v) for v in variables]
        hessian = [[sp.diff(g, v) for v in variables] for g in gradient]
        domain = tuple((float(lo), float(hi)) for lo, hi in domain)
        if len(domain) != len(variables) or len(start) != len(variables):
            raise ValueError(f"{slug}: domain and start need {len(variables)} coordinates")
        return cls(
            slug=slug,
            name=name,
            expr=expr,
            variables=variables,
            domain=domain,
            start=tuple(float(s) for s in start),
            lr=float(lr),
            critical_points=tuple(critical_points),
            formula=formula or str(expr),
            latex=latex if latex is not None else sp.latex(expr),
            about=about,
            log_colour=log_colour,
            _f=_compile(variables, expr),
            _grad=_compile(variables, gradient),
            _hess=_compile(variables, hessian),
            _value_and_grad=_compile(variables, [expr, *gradient]),
        )

    @property
    def dim(self) -> int:
        return len(self.variables)

    @property
    def minima(self) -> tuple[CriticalPoint, ...]:
        return tuple(p for p in self.critical_points if p.is_minimum)

    @property
    def global_minimum(self) -> CriticalPoint | None:
        return next((p for p in self.critical_points if p.kind == "global minimum"), None)

    def _coords(self, points):
        points = np.asarray(points, dtype=float)
        if points.shape[-1:] != (self.dim,):
            raise ValueError(
                f"{self.slug} takes points whose last axis has {self.dim} coordinates, "
                f"got shape {points.shape}"
            )
        return points.shape[:-1], [points[..., i] for i in range(self.dim)]

    def f(self, points) -> np.ndarray:
        """f at ``points`` of shape (..., dim); returns shape (...)."""
        shape, coords = self._coords(points)
        with np.errstate(all="ignore"):
            return np.broadcast_to(np.asarray(self._f(*coords), dtype=float), shape).copy()

    def grad(self, points) -> np.ndarray:
        """∇f at ``points`` of shape (..., dim); returns shape (..., dim)."""
        shape, coords = self._coords(points)
        with np.errstate(all="ignore"):
            return _stack(self._grad(*coords), shape)

    def hessian(self, points) -> np.ndarray:
        """∇²f at ``points`` of shape (..., dim); returns shape (..., dim, dim)."""
        shape, coords = self._coords(points)
        with np.errstate(all="ignore"):
            rows = [_stack(row, shape) for row in self._hess(*coords)]
        return np.stack(rows, axis=-2)

    def value_and_grad(self, point) -> tuple[float, np.ndarray]:
        """f and ∇f at one point of shape (dim,), in one pass (the descent loop's hot path)."""
        with np.errstate(all="ignore"):
            value, *grad = self._value_and_grad(*point)
        return float(value), np.array(grad, dtype=float)

    def __repr__(self) -> str:
        return f"Objective({self.slug!r}, {self.formula!r}, dim={self.dim})"

    def __reduce__(self):
        # Compiled functions do not pickle: a registered objective travels as its slug,
        # any other as the arguments that rebuild it.
        if OBJECTIVES.get(self.slug) is self:
            return (get_objective, (self.slug,))
        return (_rebuild, (self.slug, self.name, self.expr, self._rebuild_kwargs()))

    def _rebuild_kwargs(self) -> dict:
        names = ("domain", "start", "lr", "critical_points", "formula", "latex", "about")
        return {n: getattr(self, n) for n in names} | {
            "log_colour": self.log_colour,
            "variables": self.variables,
        }


def _rebuild(slug, name, expr, kwargs) -> Objective:
    return Objective.from_expr(slug, name, expr, **kwargs)


def _pt(kind, value, *point):
    return CriticalPoint(tuple(float(p) for p in point), float(value), kind)


def _minimum(value, *point):
    return _pt("global minimum", value, *point)


def _local(value, *point):
    return _pt("local minimum", value, *point)


def _saddle(value, *point):
    return _pt("saddle", value, *point)


def _maximum(value, *point):
    return _pt("local maximum", value, *point)


R = sp.Rational
_TAU = 2 * sp.pi

_ENTRIES = [
    # ---- 1-D curves ----
    Objective.from_expr(
        "parabola",
        "Parabola",
        X**2 + 5,
        domain=[(-5, 5)],
        start=[3],
        lr=0.1,
        critical_points=[_minimum(5, 0)],
        formula="x² + 5",
        about="The textbook example: one minimum, f = 5 at x = 0. "
        "Plain GD multiplies x by (1 − 2·lr) each step, so lr above 1 diverges.",
    ),
    Objective.from_expr(
        "double_well",
        "Double well",
        X**4 - 2 * X**2 + R(3, 10) * X,
        domain=[(-2, 2)],
        start=[1.8],
        lr=0.02,
        critical_points=[
            _minimum(-1.30542848374392, -1.03557871408885),
            _local(-0.705853518971737, 0.960149555519106),
            _maximum(0.0112820027156531, 0.0754291585697482),
        ],
        formula="x⁴ − 2x² + 0.3x",
        about="Two valleys: starting on the right, GD settles in the shallower local "
        "minimum; the global one lies over the next hill.",
    ),
    Objective.from_expr(
        "wavy",
        "Wavy curve",
        X**2 / 10 + sp.sin(2 * X),
        domain=[(-6, 6)],
        start=[4.5],
        lr=0.05,
        critical_points=[
            _minimum(-0.941253661174663, -0.747964956635879),
            _local(0.467841455129198, -3.73557045686661),
            _local(-0.471378389001368, 2.24307814360538),
            _local(1.87522594042009, 5.22301343183631),
            _maximum(1.06493355863781, 0.826784638061113),
            _maximum(1.58454531009594, -2.48158384440897),
            _maximum(2.62457869544095, 4.14043679006833),
            _maximum(4.18691765045351, -5.80761930724512),
        ],
        formula="x²/10 + sin 2x",
        about="Several local minima: where you start decides where you end.",
    ),
    Objective.from_expr(
        "cubic",
        "Cubic",
        X**3 - 3 * X,
        domain=[(-2.5, 2.5)],
        start=[0.5],
        lr=0.05,
        critical_points=[_local(-2, 1), _maximum(2, -1)],
        formula="x³ − 3x",
        about="A local minimum at x = 1, but no lower bound: start left of x = −1 "
        "and descent runs off to −∞.",
    ),
    # ---- 2-D surfaces ----
    Objective.from_expr(
        "bowl",
        "Bowl",
        X**2 + Y**2,
        domain=[(-5, 5), (-5, 5)],
        start=[4, 3],
        lr=0.1,
        critical_points=[_minimum(0, 0, 0)],
        formula="x² + y²",
        about="Perfectly round: the gradient points straight at the minimum.",
    ),
    Objective.from_expr(
        "ravine",
        "Ravine",
        R(1, 2) * (X**2 + 10 * Y**2),
        domain=[(-10, 10), (-4, 4)],
        start=[-9, 2],
        lr=0.18,
        critical_points=[_minimum(0, 0, 0)],
        formula="½(x² + 10y²)",
        about="Ten times steeper across than along: a learning rate that suits y is "
        "tiny for x, so GD zig-zags down the valley.",
    ),
    Objective.from_expr(
        "rosenbrock",
        "Rosenbrock",
        (1 - X) ** 2 + 100 * (Y - X**2) ** 2,
        domain=[(-2, 2), (-1, 3)],
        start=[-1.5, 2],
        lr=0.001,
        critical_points=[_minimum(0, 1, 1)],
        formula="(1 − x)² + 100(y − x²)²",
        about="A curved banana valley: easy to reach, slow to follow to (1, 1).",
        log_colour=True,
    ),
    Objective.from_expr(
        "himmelblau",
        "Himmelblau",
        (X**2 + Y - 11) ** 2 + (X + Y**2 - 7) ** 2,
        domain=[(-5, 5), (-5, 5)],
        start=[0, 0],
        lr=0.01,
        critical_points=[
            _minimum(0, 3, 2),
            _minimum(0, -2.80511808695274, 3.13131251825057),
            _minimum(0, -3.77931025337775, -3.28318599128617),
            _minimum(0, 3.58442834033049, -1.8481265269644),
            _maximum(181.616521522583, -0.270844590667348, -0.923038556479981),
            _saddle(67.7191500875261, 0.0866775045553964, 2.88425470117478),
            _saddle(104.015162917558, -3.07302575076439, -0.0813530442879675),
            _saddle(13.3119262704056, 3.38515418360702, 0.0738518798377493),
            _saddle(178.337239201927, -0.12796134673068, -1.95371498024458),
        ],
        formula="(x² + y − 11)² + (x + y² − 7)²",
        about="Four equally deep minima: the start decides which one you find.",
        log_colour=True,
    ),
    Objective.from_expr(
        "beale",
        "Beale",
        (R(3, 2) - X + X * Y) ** 2 + (R(9, 4) - X + X * Y**2) ** 2 + (R(21, 8) - X + X * Y**3) ** 2,
        domain=[(-4.5, 4.5), (-4.5, 4.5)],
        start=[1, 1.5],
        lr=0.001,
        critical_points=[_minimum(0, 3, 0.5)],
        formula="(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
        about="Flat in the middle, steep at the corners: values span five orders of magnitude.",
        log_colour=True,
    ),
    Objective.from_expr(
        "booth",
        "Booth",
        (X + 2 * Y - 7) ** 2 + (2 * X + Y - 5) ** 2,
        domain=[(-10, 10), (-10, 10)],
        start=[-8, -8],
        lr=0.02,
        critical_points=[_minimum(0, 1, 3)],
        formula="(x + 2y − 7)² + (2x + y − 5)²",
        about="A tilted elliptic bowl: the valley is not aligned with the axes.",
    ),
    Objective.from_expr(
        "matyas",
        "Matyas",
        R(26, 100) * (X**2 + Y**2) - R(48, 100) * X * Y,
        domain=[(-10, 10), (-10, 10)],
        start=[8, -6],
        lr=0.5,
        critical_points=[_minimum(0, 0, 0)],
        formula="0.26(x² + y²) − 0.48xy",
        about="A long flat diagonal valley: the gradient nearly vanishes along it.",
    ),
    Objective.from_expr(
        "saddle",
        "Saddle",
        X**2 - Y**2,
        domain=[(-2, 2), (-2, 2)],
        start=[1.8, 0.05],
        lr=0.05,
        critical_points=[_saddle(0, 0, 0)],
        formula="x² − y²",
        about="No minimum: GD slows near the saddle at the origin, then slides off "
        "along y, where the function has no lower bound.",
    ),
    Objective.from_expr(
        "rastrigin",
        "Rastrigin",
        20 + X**2 - 10 * sp.cos(_TAU * X) + Y**2 - 10 * sp.cos(_TAU * Y),
        domain=[(-5.12, 5.12), (-5.12, 5.12)],
        start=[3.2, 2.1],
        lr=0.002,
        critical_points=[_minimum(0, 0, 0)],
        formula="20 + x² − 10cos 2πx + y² − 10cos 2πy",
        about="An egg-crate of about a hundred local minima around one global minimum.",
    ),
    Objective.from_expr(
        "ackley",
        "Ackley",
        -20 * sp.exp(-R(1, 5) * sp.sqrt(R(1, 2) * (X**2 + Y**2)))
        - sp.exp(R(1, 2) * (sp.cos(_TAU * X) + sp.cos(_TAU * Y)))
        + sp.E
        + 20,
        domain=[(-5, 5), (-5, 5)],
        start=[3.3, -2.6],
        lr=0.01,
        critical_points=[_minimum(0, 0, 0)],
        formula="−20e^(−0.2√(½(x²+y²))) − e^(½(cos 2πx + cos 2πy)) + e + 20",
        about="A nearly flat, bumpy plain with a sharp funnel at the origin; "
        "f is not differentiable at the minimum itself.",
    ),
    Objective.from_expr(
        "styblinski_tang",
        "Styblinski–Tang",
        R(1, 2) * (X**4 - 16 * X**2 + 5 * X + Y**4 - 16 * Y**2 + 5 * Y),
        domain=[(-5, 5), (-5, 5)],
        start=[0.5, 0.5],
        lr=0.01,
        critical_points=[
            _minimum(-78.3323314075428, -2.90353402777118, -2.90353402777118),
            _local(-64.1956123590554, -2.90353402777118, 2.74680277099084),
            _local(-64.1956123590554, 2.74680277099084, -2.90353402777118),
            _local(-50.0588933105679, 2.74680277099084, 2.74680277099084),
            _maximum(0.391224718110716, 0.15673125678034, 0.15673125678034),
        ],
        formula="½Σ(xᵢ⁴ − 16xᵢ² + 5xᵢ)",
        about="Four valleys of different depths; only one is the global minimum.",
    ),
    Objective.from_expr(
        "three_hump_camel",
        "Three-hump camel",
        2 * X**2 - R(105, 100) * X**4 + X**6 / 6 + X * Y + Y**2,
        domain=[(-2.5, 2.5), (-2.5, 2.5)],
        start=[2.2, -1.5],
        lr=0.01,
        critical_points=[
            _minimum(0, 0, 0),
            _local(0.29863844223686, 1.74755234583029, -0.873776172915144),
            _local(0.29863844223686, -1.74755234583029, 0.873776172915144),
            _saddle(0.87736155776314, 1.07054229182366, -0.53527114591183),
            _saddle(0.87736155776314, -1.07054229182366, 0.53527114591183),
        ],
        formula="2x² − 1.05x⁴ + x⁶/6 + xy + y²",
        about="Three valleys: a global minimum at the origin and two local ones.",
        log_colour=True,
    ),
    Objective.from_expr(
        "goldstein_price",
        "Goldstein–Price",
        (1 + (X + Y + 1) ** 2 * (19 - 14 * X + 3 * X**2 - 14 * Y + 6 * X * Y + 3 * Y**2))
        * (30 + (2 * X - 3 * Y) ** 2 * (18 - 32 * X + 12 * X**2 + 48 * Y - 36 * X * Y + 27 * Y**2)),
        domain=[(-2, 2), (-2, 2)],
        start=[-0.5, 1.0],
        lr=1e-5,
        critical_points=[
            _minimum(3, 0, -1),
            _local(30, -0.6, -0.4),
            _local(84, 1.8, 0.2),
            _local(840, 1.2, 0.8),
        ],
        formula="[1 + (x+y+1)²(19 − 14x + 3x² − 14y + 6xy + 3y²)]"
        "·[30 + (2x−3y)²(18 − 32x + 12x² + 48y − 36xy + 27y²)]",
        latex=r"\left[1+(x+y+1)^2(19-14x+3x^2-14y+6xy+3y^2)\right]"
        r"\left[30+(2x-3y)^2(18-32x+12x^2+48y-36xy+27y^2)\right]",
        about="Values from 3 to about a million: only a log colour scale shows its shape.",
        log_colour=True,
    ),
    Objective.from_expr(
        "mccormick",
        "McCormick",
        sp.sin(X + Y) + (X - Y) ** 2 - R(3, 2) * X + R(5, 2) * Y + 1,
        domain=[(-1.5, 4), (-3, 4)],
        start=[3.5, 3.5],
        lr=0.05,
        critical_points=[
            _minimum(-1.91322295498104, -0.547197551196598, -1.5471975511966),
            _local(1.22836969860876, 2.5943951023932, 1.5943951023932),
        ],
        formula="sin(x + y) + (x − y)² − 1.5x + 2.5y + 1",
        about="A tilted valley with a sine ripple: a shallow local minimum sits upstream.",
    ),
    Objective.from_expr(
        "two_wells",
        "Two wells",
        X**2
        + Y**2
        - 2 * sp.exp(-((X - 1) ** 2 + Y**2) / R(1, 5))
        - 3 * sp.exp(-((X + 1) ** 2 + Y**2) / R(1, 5)),
        domain=[(-2, 2), (-2, 2)],
        start=[1.5, 1.2],
        lr=0.02,
        critical_points=[
            _minimum(-2.06309025176819, -0.936300634010919, 0),
            _local(-1.09273199920174, 0.905317899160115, 0),
            _saddle(-0.0313742732700457, 0.0686024367080966, 0),
        ],
        formula="x² + y² − 2e^(−((x−1)²+y²)/0.2) − 3e^(−((x+1)²+y²)/0.2)",
        about="A bowl with two dents: the nearer, shallower well captures a start on the right.",
    ),
]

#: Every built-in objective, keyed by slug. Menus, tests and docs read from here.
OBJECTIVES: dict[str, Objective] = {o.slug: o for o in _ENTRIES}

#: The objective a new page opens with.
DEFAULT_OBJECTIVE = "parabola"


def get_objective(objective: Objective | str) -> Objective:
    """Return ``objective`` itself, or the registered objective with that slug."""
    if isinstance(objective, Objective):
        return objective
    return checks.one_of("objective", objective, OBJECTIVES)
