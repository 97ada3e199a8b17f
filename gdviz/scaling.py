"""How the cost of trial and error and of gradient descent grows with the number of
parameters n, measured live on an n-parameter quadratic.

Two measurements, both counted by running the code, never written in:

* :func:`step_costs`: what **one step** costs in evaluations of f, per method, for a
  few n (trying ±δ on every parameter, trying every ± combination, one gradient by
  backpropagation or by finite differences);
* :func:`scaling_experiment`: what **whole runs** cost to reach f ≤ tol.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

import numpy as np

from . import checks
from .descent import DEFAULT_TOL
from .trial import counted_descent, trial_and_error

#: Dimensions the scaling experiment runs by default: 1, 2, 4, ..., 1024.
SCALING_DIMS = tuple(2**k for k in range(11))
#: The cheap part of it (n ≤ 256, a few hundredths of a second): what a page shows at once.
QUICK_DIMS = SCALING_DIMS[:9]
#: Dimensions whose single step is counted by :func:`step_costs`.
STEP_DIMS = (1, 2, 3, 10, 100, 1000)
#: Up to this n, every ± combination is actually tried (and counted); beyond, 2ⁿ is computed.
ENUMERATE_UP_TO = 12


@dataclass(frozen=True)
class Scaling:
    """Evaluations to reach f ≤ tol on ½ Σ aᵢxᵢ², per number of parameters n.

    ``combos_log2[k]`` is log₂ of 2ⁿ, the tries needed to test every ± combination
    of one step (exactly n); ``combos`` is 2ⁿ as a float, inf from n = 1024 on.
    ``trial_seconds`` and ``gradient_seconds`` are the measured wall times.
    """

    dims: tuple[int, ...]
    trial_evals: tuple[int, ...]
    gradient_evals: tuple[int, ...]
    gradient_evals_fd: tuple[int, ...]
    trial_status: tuple[str, ...]
    gradient_status: tuple[str, ...]
    combos_log2: tuple[float, ...]
    combos: tuple[float, ...]
    trial_seconds: tuple[float, ...]
    gradient_seconds: tuple[float, ...]
    tol: float
    seed: int
    trial_sweeps: tuple[int, ...] = ()

    def tries_per_parameter(self, k: int) -> float:
        """Trial and error's evaluations of f per parameter per sweep, on average, for
        ``dims[k]``: between 1 (+δ always helped) and 2 (+δ and −δ both tried)."""
        return (self.trial_evals[k] - 1) / (self.trial_sweeps[k] * self.dims[k])

    @property
    def seconds(self) -> float:
        """Total measured wall time of every run."""
        return sum(self.trial_seconds) + sum(self.gradient_seconds)

    def rows(self) -> list[dict]:
        """One row per n, for a table; each column names what it counts and how."""
        columns = zip(
            self.dims,
            self.trial_evals,
            self.gradient_evals,
            self.gradient_evals_fd,
            strict=True,
        )
        return [
            {
                "n": n,
                "trial and error: evaluations of f": t,
                "gradient descent, ∇f counted as 1": g,
                "gradient descent, ∇f counted as n": gfd,
                "every ± combination, one step: 2ⁿ": count_text(2**n),
            }
            for n, t, g, gfd in columns
        ]


def count_text(k: int) -> str:
    """A whole count as read on screen: 1,024 in full up to ten million, else ≈ m × 10ᵉ
    (computed from the digits, so 2¹⁰²⁴ needs no float).

    >>> count_text(1024), count_text(2**100)
    ('1,024', '≈ 1.27 × 10³⁰')
    """
    if k < 10**7:
        return f"{k:,}"
    exponent = len(str(k)) - 1
    leading = (k * 1000 // 10**exponent + 5) // 10  # three significant digits, rounded
    if leading == 1000:  # 9.995… rounds up to the next power
        leading, exponent = 100, exponent + 1
    mantissa = f"{leading // 100}.{leading % 100:02d}"
    return f"≈ {mantissa} × 10" + str(exponent).translate(_SUPERSCRIPT)


_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def quadratic(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The scaling experiment's problem: curvatures a (evenly spread over [1, 10]) and start.

    f(x) = ½ Σ aᵢxᵢ², minimum f = 0 at x = 0 (n = 1 has a = [1]). The start is
    uniform in [−1, 1]ⁿ from a generator seeded by (seed, n), so each n keeps its
    start whichever other dimensions are run.
    """
    a = np.linspace(1.0, 10.0, n)
    x0 = np.random.default_rng([seed, n]).uniform(-1.0, 1.0, n)
    return a, x0


def scaling_experiment(
    dims=SCALING_DIMS,
    tol: float = DEFAULT_TOL,
    seed: int = 0,
    *,
    delta: float = 0.5,
    max_evals: int = 10**8,
) -> Scaling:
    """Run, live, trial and error and gradient descent on ½ Σ aᵢxᵢ² for each n in ``dims``.

    Each run stops once f ≤ ``tol`` and reports its evaluations (:func:`quadratic`
    gives the problem). Gradient descent uses lr = 1/max aᵢ: below the stable limit
    2/max aᵢ, and the largest rate that never overshoots along any axis (each xᵢ
    shrinks by 1 − aᵢ/max a per step). Trial and error sweeps in batches (exact
    here, f being separable), so n = 1024 takes a fraction of a second.

    >>> result = scaling_experiment(dims=(1, 8))
    >>> result.trial_evals[1] > result.trial_evals[0]
    True
    """
    tol = checks.number("tol", tol, low=0.0)
    dims = tuple(int(n) for n in dims)
    if not dims or any(n < 1 for n in dims):
        raise ValueError(f"dims must be whole numbers >= 1, got {dims!r}")
    out = {k: [] for k in ("t", "g", "gfd", "ts", "gs", "tsec", "gsec", "sweeps")}
    for n in dims:
        a, x0 = quadratic(n, seed)

        def f(x, a=a):
            return 0.5 * (np.square(x) @ a)  # vectorised: one matrix product per batch

        clock = time.perf_counter()
        trial = trial_and_error(
            f, x0, delta=delta, min_delta=1e-300, max_evals=max_evals, tol=tol, target=0.0,
            separable=True, record=False,
        )  # fmt: skip
        out["tsec"].append(time.perf_counter() - clock)
        clock = time.perf_counter()
        gradient = counted_descent(
            f, lambda x, a=a: a * x, x0, lr=1.0 / a.max(), max_evals=max_evals, tol=tol,
            target=0.0, record=False,
        )  # fmt: skip
        out["gsec"].append(time.perf_counter() - clock)
        out["t"].append(trial.total_evals)
        out["g"].append(gradient.total_evals)
        out["gfd"].append(gradient.total_evals_fd)
        out["sweeps"].append(trial.sweeps)
        out["ts"].append(trial.status)
        out["gs"].append(gradient.status)
    return Scaling(
        dims=dims,
        trial_evals=tuple(out["t"]),
        gradient_evals=tuple(out["g"]),
        gradient_evals_fd=tuple(out["gfd"]),
        trial_status=tuple(out["ts"]),
        gradient_status=tuple(out["gs"]),
        combos_log2=tuple(float(n) for n in dims),
        combos=tuple(math.ldexp(1.0, n) if n < 1024 else math.inf for n in dims),
        trial_seconds=tuple(out["tsec"]),
        gradient_seconds=tuple(out["gsec"]),
        tol=tol,
        seed=seed,
        trial_sweeps=tuple(out["sweeps"]),
    )


# ---------------------------------------------------------------- one step, counted


class _Counted:
    """A function that counts the points it is evaluated at (a batch of k points counts k)."""

    def __init__(self, f):
        self.f, self.calls = f, 0

    def __call__(self, x):
        x = np.asarray(x, dtype=float)
        self.calls += 1 if x.ndim == 1 else x.shape[0]
        return self.f(x)


def probe_step(f, x, delta: float) -> tuple[np.ndarray, int]:
    """Try x + δeᵢ and x − δeᵢ for every parameter i; return the best point found (x
    itself if nothing helps) and how many evaluations of f that took, f(x) not included.

    >>> probe_step(lambda x: float(x @ x), np.array([1.0, -1.0]), 0.5)[1]
    4
    """
    f = _Counted(f)
    x = np.asarray(x, dtype=float)
    best, best_f = x, math.inf
    for i in range(x.size):
        for step in (delta, -delta):
            y = x.copy()
            y[i] += step
            fy = float(f(y))
            if fy < best_f:
                best, best_f = y, fy
    return best, f.calls


def every_combination(f, x, delta: float) -> tuple[np.ndarray, int]:
    """Try every point x + (±δ, ±δ, …, ±δ), as one batch; return the best and the count."""
    f = _Counted(f)
    x = np.asarray(x, dtype=float)
    signs = np.array(list(itertools.product((1.0, -1.0), repeat=x.size)))
    tries = x + delta * signs
    values = np.asarray(f(tries), dtype=float).reshape(-1)
    return tries[int(np.argmin(values))], f.calls


def finite_difference_gradient(f, x, h: float = 1e-6) -> tuple[np.ndarray, int]:
    """∇f(x) by forward differences, (f(x + heᵢ) − f(x))/h; return it and the evaluations
    of f it took beyond f(x), which a descent step knows already (one per parameter)."""
    f = _Counted(f)
    x = np.asarray(x, dtype=float)
    fx = float(f.f(x))  # the step already paid for f(x): not counted here
    grad = np.empty(x.size)
    for i in range(x.size):
        y = x.copy()
        y[i] += h
        grad[i] = (float(f(y)) - fx) / h
    return grad, f.calls


def central_difference_gradient(f, x, h: float = 1e-6) -> tuple[np.ndarray, int]:
    """∇f(x) by central differences, (f(x + heᵢ) − f(x − heᵢ))/2h; return it and the
    evaluations of f it took: two per parameter.

    >>> central_difference_gradient(lambda x: float(x @ x), np.array([1.0, -2.0]))[1]
    4
    """
    f = _Counted(f)
    x = np.asarray(x, dtype=float)
    grad = np.empty(x.size)
    for i in range(x.size):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (float(f(up)) - float(f(down))) / (2 * h)
    return grad, f.calls


@dataclass(frozen=True)
class StepCost:
    """What one step costs on the n-parameter quadratic, in evaluations of f, counted.

    ``probe``: trying +δ and −δ on every parameter. ``combinations``: trying every
    ± combination, 2ⁿ (an exact integer; ``enumerated`` says whether every one was
    actually tried and counted, which only small n allow). ``backprop``: gradients
    asked for in one gradient step (each counted as 1 evaluation, the convention for
    backpropagation, whose cost is a small constant number of evaluations whatever n).
    ``finite_differences``: evaluations of f that one forward-difference gradient took.
    """

    n: int
    probe: int
    combinations: int
    enumerated: bool
    backprop: int
    finite_differences: int


def step_costs(dims=STEP_DIMS, seed: int = 0, delta: float = 0.5) -> tuple[StepCost, ...]:
    """Count, by running them, what one step of each method costs for each n in ``dims``,
    on :func:`quadratic` from its start.

    >>> [(c.n, c.probe, c.combinations, c.backprop, c.finite_differences)
    ...  for c in step_costs((1, 10))]
    [(1, 2, 2, 1, 1), (10, 20, 1024, 1, 10)]
    """
    costs = []
    for n in (int(n) for n in dims):
        if n < 1:
            raise ValueError(f"dims must be whole numbers >= 1, got {n}")
        a, x0 = quadratic(n, seed)

        def f(x, a=a):
            return 0.5 * (np.square(x) @ a)

        _, probe = probe_step(f, x0, delta)
        if n <= ENUMERATE_UP_TO:
            _, combinations = every_combination(f, x0, delta)
        else:
            combinations = 2**n  # too many to try: an exact integer, never a float's inf
        # One step of gradient descent as the runs take it (f at the start, ∇f, f after).
        step = counted_descent(f, lambda x, a=a: a * x, x0, lr=1.0 / a.max(), max_evals=3)
        _, fd = finite_difference_gradient(f, x0)
        costs.append(
            StepCost(n, probe, combinations, n <= ENUMERATE_UP_TO, step.total_grad_evals, fd)
        )
    return tuple(costs)
