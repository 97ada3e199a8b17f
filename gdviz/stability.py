"""Stability from the Hessian: curvature at a point, the learning rates at which plain
gradient descent (and heavy-ball momentum) stay stable there, and the sharpness of a run.

Near a minimum, plain GD multiplies the distance along each eigen-direction of ∇²f by
(1 − η·λ): it shrinks monotonically while η < 1/λ, reaches the minimum in one step at
η = 1/λ, overshoots and oscillates inward for 1/λ < η < 2/λ, and grows for η > 2/λ. The
largest λ decides: the stable limit is 2/λ_max. Heavy-ball momentum with coefficient β is
stable for 0 < η·λ < 2 + 2β (Polyak; Goh, "Why Momentum Really Works").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .analysis import nearest
from .objectives import Objective

#: The bands of η for plain GD at one curvature, in order along the η axis.
BANDS = ("monotone", "oscillating", "divergent")


@dataclass(frozen=True)
class Curvature:
    """The Hessian's eigenvalues at one point, and what they mean for η.

    >>> from gdviz import OBJECTIVES
    >>> c = curvature(OBJECTIVES["parabola"], (0.0,), "the global minimum")
    >>> c.eigenvalues, c.gd_limit, c.one_step
    ((2.0,), 1.0, 0.5)
    """

    where: str
    point: tuple[float, ...]
    eigenvalues: tuple[float, ...]  # ascending

    @property
    def lam_max(self) -> float:
        return self.eigenvalues[-1]

    @property
    def lam_min(self) -> float:
        return self.eigenvalues[0]

    @property
    def condition(self) -> float | None:
        """κ = λ_max / λ_min where both are positive (a minimum's bowl), else None."""
        if self.lam_min > 0:
            return self.lam_max / self.lam_min
        return None

    @property
    def gd_limit(self) -> float | None:
        """Plain GD is stable here for η < 2 / λ_max; None without positive curvature."""
        return 2.0 / self.lam_max if self.lam_max > 0 else None

    @property
    def one_step(self) -> float | None:
        """η = 1 / λ_max: the steepest direction is crossed in exactly one step."""
        return 1.0 / self.lam_max if self.lam_max > 0 else None

    def momentum_limit(self, beta: float) -> float | None:
        """Heavy-ball momentum β is stable for 0 < η·λ_max < 2 + 2β."""
        return (2.0 + 2.0 * beta) / self.lam_max if self.lam_max > 0 else None

    def band(self, lr: float) -> str | None:
        """Which of :data:`BANDS` η falls in along the steepest direction here ("one step"
        exactly at 1/λ_max); None without positive curvature."""
        if self.one_step is None:
            return None
        if math.isclose(lr, self.one_step, rel_tol=1e-9):
            return "one step"
        if lr < self.one_step:
            return "monotone"
        return "oscillating" if lr < self.gd_limit else "divergent"

    def ratio(self, lr: float) -> float | None:
        """η as a multiple of the stable limit 2 / λ_max."""
        return lr / self.gd_limit if self.gd_limit else None


def curvature(objective: Objective, point, where: str) -> Curvature | None:
    """The Hessian's eigenvalues at ``point`` (None where ∇²f is not finite there)."""
    hessian = objective.hessian(np.asarray(point, dtype=float))
    if not np.all(np.isfinite(hessian)):
        return None
    values = np.linalg.eigvalsh(hessian)
    return Curvature(where, tuple(float(v) for v in point), tuple(float(v) for v in values))


def reference_curvature(objective: Objective, point) -> Curvature | None:
    """The curvature that decides stability near ``point``: at the known minimum nearest
    to it, else at the point itself."""
    minimum = nearest(objective.minima, point)
    if minimum is not None:
        found = curvature(objective, minimum.point, f"the {minimum.kind}")
        if found is not None and found.gd_limit is not None:
            return found
    return curvature(objective, point, "the start")


def sharpness(traj) -> np.ndarray:
    """λ_max(∇²f) at every iterate of a run, shape (epoch + 1,): the curve Cohen et al.
    compare with 2/η (the run is stable while it stays under). NaN where ∇²f is not
    finite (a diverged run's last points)."""
    with np.errstate(all="ignore"):
        hessians = traj.objective.hessian(traj.points)
        finite = np.all(np.isfinite(hessians), axis=(-2, -1))
        safe = np.where(finite[:, None, None], hessians, 0.0)
        top = np.linalg.eigvalsh(safe)[:, -1]
    return np.where(finite, top, np.nan)


def describe_curvature(c: Curvature, symbol: str = "f") -> str:
    """One sentence: the eigenvalues, κ and the limits at ``c``'s point."""
    values = ", ".join(f"{v:.4g}" for v in c.eigenvalues)
    name = "λ" if len(c.eigenvalues) == 1 else "eigenvalues of ∇²" + symbol
    parts = [f"At {c.where}: {name} = {values}"]
    if c.condition is not None and len(c.eigenvalues) > 1:
        parts.append(f"κ = {c.condition:.3g}")
    if c.gd_limit is not None:
        parts.append(
            f"plain GD is monotone for η < {c.one_step:.4g}, oscillates inward up to "
            f"η < {c.gd_limit:.4g} (= 2/λ_max) and diverges above; heavy-ball momentum "
            f"β = 0.9 stays stable up to η < {c.momentum_limit(0.9):.4g} (= 3.8/λ_max)"
        )
    else:
        parts.append("no positive curvature here, so no stable limit")
    return "; ".join(parts) + "."
