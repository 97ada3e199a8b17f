"""Objectives: functions to descend on, each written once as an expression.

The built-in ones are data (``objectives.toml``), parsed by gdviz's own parser. Gradient
and Hessian are derived symbolically and compiled to numpy, so no derivative is written
by hand; each function is compiled on its first use, once. Every compiled function takes
an array whose last axis holds the coordinates, shape ``(..., dim)``, and returns
``(...)``, ``(..., dim)`` or ``(..., dim, dim)``.
"""

from __future__ import annotations

import threading
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import ClassVar

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import precedence

from . import checks
from .bounds import lower_bound
from .expressions import parse_expression
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


class _SameBitsPrinter(NumPyPrinter):
    """Powers that give the same bits at one point (numpy scalars, descend) and on arrays
    (a batch, a grid): numpy's scalar ``**`` and its array power round differently in
    about 1 case in 1000. Whole powers up to 8 become products (1/x, 1/(x*x), ...), square
    roots stay ``sqrt``, the rest ``numpy.power``, which is one ufunc for both."""

    def __init__(self, settings=None):
        super().__init__(settings)
        self._bases = 0  # names given to the bases of powers, in this compilation

    def _print_Pow(self, expr, rational=False):
        n = expr.exp
        if n.is_Integer and 1 <= abs(n) <= 8:
            base = self._print(expr.base)
            if expr.base.is_Symbol or abs(n) == 1:
                factors = [base if expr.base.is_Symbol else f"({base})"] * abs(int(n))
            else:  # the base computed once, named where it is first used: the same bits
                name = f"_p{self._bases}"
                self._bases += 1
                factors = [f"({name} := ({base}))"] + [name] * (abs(int(n)) - 1)
            product = "*".join(factors)
            return f"({product})" if n > 0 else f"(1/({product}))"
        if n in (sp.S.Half, -sp.S.Half):
            return super()._print_Pow(expr, rational=rational)  # sqrt, 1/sqrt: exact
        power = self._module_format("numpy.power")
        return f"{power}({self._print(expr.base)}, {self._print(n)})"

    def _print_Add(self, expr, order=None):
        # StrPrinter's, each term printed once (a power's name is given where printed), and
        # "-a + b" written "b - a": one array operation fewer (no negation) for the same
        # bits, since IEEE a + (-b) is a - b and a sum of two terms commutes. Only the first
        # two terms swap: moving any other would change how the sum rounds.
        prec = precedence(expr)
        pieces = []
        for term in self._as_ordered_terms(expr, order=order):
            text = self._print(term)
            sign = "-" if text.startswith("-") and not term.is_Add else "+"
            text = text[1:] if sign == "-" else text
            pieces.append([sign, f"({text})" if precedence(term) < prec or term.is_Add else text])
        if len(pieces) > 1 and pieces[0][0] == "-" and pieces[1][0] == "+":
            pieces[:2] = pieces[1::-1]
        head = "" if pieces[0][0] == "+" else "-"
        return head + " ".join([pieces[0][1]] + [f"{sign} {text}" for sign, text in pieces[1:]])


#: The settings lambdify gives its own printer (names unqualified: modules=np).
_PRINTER_SETTINGS = {
    "fully_qualified_modules": False,
    "inline": True,
    "allow_unknown_functions": True,
}


def _compile(variables, expr) -> Callable:
    # lambdify only ever sees trusted sympy trees (built here or by our own parser);
    # cse shares subexpressions between f and its derivatives. The numpy module itself,
    # not "numpy": the string makes sympy run `from numpy import *` once (0.1 s, it loads
    # numpy.f2py and numpy.testing) and copy that namespace on every call. A printer per
    # compilation: sessions compile in threads, and printers keep state.
    printer = _SameBitsPrinter(dict(_PRINTER_SETTINGS))
    return sp.lambdify(variables, expr, modules=np, cse=True, printer=printer)


def _gradient(expr, variables) -> list:
    return [sp.diff(expr, v) for v in variables]


def _hessian(expr, variables) -> list[list]:
    return [[sp.diff(g, v) for v in variables] for g in _gradient(expr, variables)]


#: What each compiled function of an objective returns, from its expression.
_PARTS = {
    "f": lambda expr, variables: expr,
    "grad": _gradient,
    "hess": _hessian,
    "value_and_grad": lambda expr, variables: [expr, *_gradient(expr, variables)],
}


class _OnFirstCall:
    """One part of an expression (``_PARTS``), compiled by lambdify on its first call.

    Compiling every built-in objective up front took about a second of ``import gdviz``;
    a page uses one or two. Streamlit runs sessions in threads: the lock makes a second
    caller wait for the first one's compilation rather than compile again.
    """

    __slots__ = ("_expr", "_variables", "_part", "_function", "_lock")

    def __init__(self, expr, variables, part: str):
        self._expr, self._variables, self._part = expr, variables, part
        self._function = None
        self._lock = threading.Lock()

    @property
    def compiled(self) -> bool:
        return self._function is not None

    def __call__(self, *coords):
        function = self._function
        if function is None:
            with self._lock:
                if self._function is None:
                    target = _PARTS[self._part](self._expr, self._variables)
                    self._function = _compile(self._variables, target)
                function = self._function
        return function(*coords)

    def __repr__(self) -> str:
        state = "compiled" if self.compiled else "compiled on first call"
        return f"<{self._part} of {self._expr}, {state}>"


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
    #: The function's letter in every label and message: f on function pages, L for losses.
    symbol: ClassVar[str] = "f"
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
        """An Objective of ``expr``; f, ∇f, ∇²f are derived and compiled on first use.

        Copies made with ``dataclasses.replace`` share the compiled functions.
        """
        if variables is None:
            variables = tuple(v for v in (X, Y) if v in expr.free_symbols) or (X,)
        variables = tuple(variables)
        domain = tuple((float(lo), float(hi)) for lo, hi in domain)
        if len(domain) != len(variables) or len(start) != len(variables):
            raise ValueError(f"{slug}: domain and start need {len(variables)} coordinates")
        compiled = {f"_{part}": _OnFirstCall(expr, variables, part) for part in _PARTS}
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
            **compiled,
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

    @cached_property
    def lower_bound(self) -> float:
        """A value f never goes below, read off its formula (−∞ where the form shows none):
        a function with one cannot fall without bound, so the batch skips that test."""
        return lower_bound(self.expr)

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

    def overflows_at(self, point) -> bool:
        """Whether f or ∇f at ``point`` overflows on the way: a value that is ∞, or none at
        all only because a part was (x⁴ − 2x² at x = 10⁸⁰ is ∞ − ∞), not because the
        point is outside where f is defined (log x at x < 0)."""
        coords = np.asarray(point, dtype=float)  # numpy scalars: overflow is flagged
        with np.errstate(all="ignore", over="raise"):
            try:
                self._value_and_grad(*coords)
            except (FloatingPointError, OverflowError):
                return True
            except (ArithmeticError, ValueError, TypeError):
                return False
        return False

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


# ---- the registry: gdviz/objectives.toml ---------------------------------------------------

DATA = Path(__file__).with_name("objectives.toml")
_REQUIRED = {"name", "f", "formula", "domain", "start", "lr", "critical_points", "about"}
_OPTIONAL = {"latex", "log_colour"}


def _critical_point(entry: dict) -> CriticalPoint:
    if entry["kind"] not in POINT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(POINT_KINDS)}, got {entry['kind']!r}")
    return CriticalPoint(tuple(float(v) for v in entry["at"]), float(entry["f"]), entry["kind"])


def _from_data(slug: str, entry: dict) -> Objective:
    """An objective from its table in the data file (parsed by gdviz's own parser)."""
    missing, unknown = _REQUIRED - entry.keys(), entry.keys() - _REQUIRED - _OPTIONAL
    if missing or unknown:
        raise ValueError(
            f"{DATA.name} [{slug}]: missing keys {sorted(missing)}, unknown keys {sorted(unknown)}"
        )
    return Objective.from_expr(
        slug,
        entry["name"],
        parse_expression(entry["f"]),
        domain=entry["domain"],
        start=entry["start"],
        lr=entry["lr"],
        critical_points=[_critical_point(p) for p in entry["critical_points"]],
        formula=entry["formula"],
        latex=entry.get("latex"),
        about=entry["about"],
        log_colour=entry.get("log_colour", False),
    )


def _load(path: Path) -> dict[str, Objective]:
    """Every objective in a data file like ``objectives.toml``, keyed by slug, in its order."""
    with open(path, "rb") as file:
        return {slug: _from_data(slug, entry) for slug, entry in tomllib.load(file).items()}


#: Every built-in objective, keyed by slug. Menus, tests and docs read from here.
OBJECTIVES: dict[str, Objective] = _load(DATA)

#: The objective a new page opens with.
DEFAULT_OBJECTIVE = "parabola"


def get_objective(objective: Objective | str) -> Objective:
    """Return ``objective`` itself, or the registered objective with that slug."""
    if isinstance(objective, Objective):
        return objective
    return checks.one_of("objective", objective, OBJECTIVES)
