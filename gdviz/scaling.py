"""How the cost of trial and error and of gradient descent grows with the number of
parameters n, measured live on an n-parameter quadratic."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from . import checks
from .descent import DEFAULT_TOL
from .trial import counted_descent, trial_and_error

#: Dimensions the scaling experiment runs by default: 1, 2, 4, ..., 1024.
SCALING_DIMS = tuple(2**k for k in range(11))


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

    @property
    def seconds(self) -> float:
        """Total measured wall time of every run."""
        return sum(self.trial_seconds) + sum(self.gradient_seconds)

    def rows(self) -> list[dict]:
        """One row per n, for a table."""
        columns = zip(
            self.dims,
            self.trial_evals,
            self.gradient_evals,
            self.gradient_evals_fd,
            self.combos,
            self.combos_log2,
            strict=True,
        )
        return [
            {
                "n": n,
                "trial and error": t,
                "gradient (backprop)": g,
                "gradient (finite differences)": gfd,
                "every ± combination": c,
                "log2 of every ± combination": c2,
            }
            for n, t, g, gfd, c, c2 in columns
        ]


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
    out = {k: [] for k in ("t", "g", "gfd", "ts", "gs", "tsec", "gsec")}
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
    )
