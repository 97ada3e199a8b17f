"""Data sets to learn from: points (x, y) and a model y ≈ model(x; parameters).

A model is a sympy expression in the input symbol ``x`` and its parameter
symbols (``w*x``, ``w*x + b``); losses and their gradients are derived from it
in :mod:`gdviz.fit`. CSV uploads are parsed with the csv module and ``float()``,
never evaluated.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import sympy as sp

from . import checks
from .settings import Setting, keyword_defaults

#: The input symbol every model is written in.
X = sp.Symbol("x", real=True)
W, B = sp.symbols("w b", real=True)

#: Uploads longer than this many data rows are refused.
MAX_ROWS = 10_000
_DELIMITERS = ",;\t"


@dataclass(frozen=True, eq=False)
class Dataset:
    """Points (x, y) and the model fitted to them, with a suggested start and lr.

    A data set drawn from parameters (the noisy line) keeps the function that draws it
    (``make``) and how a page asks for each of its arguments (``settings``); their
    defaults are the function's own.
    """

    slug: str
    name: str
    x: np.ndarray
    y: np.ndarray
    model: sp.Expr
    params: tuple[str, ...]
    start: tuple[float, ...]
    lr: float
    about: str = ""
    make: Callable[..., Dataset] | None = None
    settings: dict[str, Setting] = field(default_factory=dict)

    def __post_init__(self):
        x = np.asarray(self.x, dtype=float).reshape(-1)
        y = np.asarray(self.y, dtype=float).reshape(-1)
        if x.shape != y.shape or x.size < 2:
            raise ValueError(f"{self.slug}: x and y need the same length >= 2")
        if len(self.start) != len(self.params):
            raise ValueError(f"{self.slug}: start needs {len(self.params)} value(s)")
        x.flags.writeable = y.flags.writeable = False  # shared by cached objectives
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "params", tuple(self.params))
        object.__setattr__(self, "start", tuple(float(s) for s in self.start))

    @property
    def n(self) -> int:
        return self.x.size

    @property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """The parameter symbols, in the order of ``params``."""
        return tuple(sp.Symbol(p, real=True) for p in self.params)

    @property
    def dim(self) -> int:
        return len(self.params)

    @property
    def defaults(self) -> dict:
        """The arguments ``make`` draws this data set with by default (empty if fixed)."""
        return keyword_defaults(self.make) if self.make else {}

    @property
    def model_text(self) -> str:
        """The model as written on screen, the linear term first: ``w·x + b``."""
        return _PRINTER.doprint(self.model).replace("*", "·")

    def predict(self, params, x=None) -> np.ndarray:
        """The model's predictions at ``x`` (default: the data's x) for ``params``."""
        f = _compiled_model(self.model, self.params)
        x = self.x if x is None else np.asarray(x, dtype=float)
        values = np.asarray(params, dtype=float).reshape(-1)
        return np.broadcast_to(np.asarray(f(*values, x), dtype=float), x.shape).copy()

    def __repr__(self) -> str:
        return f"Dataset({self.slug!r}, y = {self.model}, n={self.n})"


_PRINTER = sp.StrPrinter({"order": "grlex"})  # w*x + b, not sympy's default b + w*x


@lru_cache(maxsize=16)
def _compiled_model(model: sp.Expr, params: tuple[str, ...]):
    """The model as a numpy function of (parameters..., x); compiled once per model."""
    symbols = tuple(sp.Symbol(p, real=True) for p in params)
    return sp.lambdify((*symbols, X), model, modules="numpy")


def _line_lr(x: np.ndarray) -> float:
    """Half of plain GD's stable limit for the MSE of y = w·x + b: 1 / λ_max(∇²MSE).

    Data whose squares overflow (|x| near 1e300) have no usable rate: the smallest
    positive float stands in, and the fit explains why the loss cannot be computed.
    """
    x = np.asarray(x, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        hessian = 2 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
    if not np.isfinite(hessian).all():
        return float(np.finfo(float).tiny)
    return max(float(f"{1.0 / np.linalg.eigvalsh(hessian).max():.2g}"), np.finfo(float).tiny)


def make_noisy_line(
    slope: float = 2.0,
    intercept: float = 1.0,
    noise: float = 0.5,
    size: int = 30,
    seed: int = 0,
) -> Dataset:
    """``size`` points y = slope·x + intercept + N(0, noise²), x uniform in [0, 4]."""
    size = checks.whole("size", size, low=2)
    noise = checks.number("noise", noise, low=0.0)
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0.0, 4.0, size))
    y = slope * x + intercept + noise * rng.standard_normal(size)
    about = (
        f"{size} points scattered around y = {slope:g}x + {intercept:g} (noise {noise:g}): "
        "no line passes through all of them, so the best fit still has some error left."
    )
    return _line_dataset("noisy_line", "Noisy line", x, y, about, make_noisy_line, _NOISY)


_NOISY = {
    "slope": Setting("slope", step=0.1),
    "intercept": Setting("intercept", step=0.1),
    "noise": Setting("noise", 0.0, step=0.1),
    "size": Setting("size", 2, 1000, step=1, whole=True),
    "seed": Setting("seed", 0, step=1, whole=True),
}


def _line_dataset(slug: str, name: str, x, y, about: str, *made) -> Dataset:
    """Points to fit with y = w·x + b, from (0, 0) at a learning rate the data allows."""
    return Dataset(slug, name, x, y, W * X + B, ("w", "b"), (0.0, 0.0), _line_lr(x), about, *made)


#: Every built-in data set, keyed by slug.
DATASETS: dict[str, Dataset] = {
    d.slug: d
    for d in [
        Dataset("three_points", "Three points", [1.0, 2.0, 3.0], [2.0, 4.0, 6.0], W * X, ("w",),
                (1.0,), 0.1, "y is exactly twice x: the model y = w·x fits perfectly at w = 2."),
        Dataset("four_points", "Four points", [1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 4.0, 5.0],
                W * X + B, ("w", "b"), (0.0, 0.0), 0.1,
                "The points lie on y = x + 1: the line y = w·x + b fits at w = 1, b = 1."),
        make_noisy_line(),
    ]
}  # fmt: skip


def get_dataset(dataset: Dataset | str) -> Dataset:
    """Return ``dataset`` itself, or the registered data set with that slug."""
    if isinstance(dataset, Dataset):
        return dataset
    return checks.one_of("dataset", dataset, DATASETS)


# ---- CSV uploads -------------------------------------------------------------------------


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in _DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def dataset_from_csv(data: bytes | str, *, max_rows: int = MAX_ROWS) -> Dataset:
    """A Dataset (model y = w·x + b) from two numeric columns x, y; a header row is optional.

    Raises ValueError with a message for the user if the text is not two columns of
    finite numbers with 2 to ``max_rows`` rows.

    >>> dataset_from_csv("x,y\\n1,2\\n2,3\\n").n
    2
    """
    if isinstance(data, bytes | bytearray):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValueError("the file is not UTF-8 text: expected a CSV file") from None
    if not isinstance(data, str):
        raise ValueError(f"expected CSV text or bytes, got {type(data).__name__}")
    data = data.lstrip("\ufeff")
    lines = data.splitlines()
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise ValueError("the file is empty: expected two columns of numbers, x and y")
    reader = csv.reader(lines, delimiter=_delimiter(first))
    header, xs, ys = None, [], []
    for row_number, row in enumerate(reader, start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue  # blank line
        if len(cells) != 2:
            raise ValueError(
                f"row {row_number} has {len(cells)} column{'s' if len(cells) != 1 else ''}: "
                "expected two columns, x and y"
            )
        values = [_number(c) for c in cells]
        if header is None and not xs and all(v is None for v in values):
            header = cells
            continue
        for column, (cell, value) in enumerate(zip(cells, values, strict=True), start=1):
            if value is None:
                shown = cell if len(cell) <= 20 else cell[:20] + "…"
                raise ValueError(f"row {row_number}, column {column}: {shown!r} is not a number")
            if not math.isfinite(value):
                raise ValueError(
                    f"row {row_number}, column {column}: {cell!r} is not a finite number"
                )
        if len(xs) >= max_rows:
            raise ValueError(f"too many rows: at most {max_rows:,} data rows are allowed")
        xs.append(values[0])
        ys.append(values[1])
    if len(xs) < 2:
        got = "no data rows" if not xs else "only 1 data row"
        raise ValueError(f"{got}: expected at least 2 rows of x, y to fit a line")
    if min(xs) == max(xs):
        raise ValueError(f"every x is {xs[0]:g}: expected at least two different x values")
    names = header or ["x", "y"]
    about = f"{len(xs)} rows uploaded: x = {names[0]}, y = {names[1]}."
    return _line_dataset("csv", "Your data", xs, ys, about)
