"""Explain: one step of a run with its numbers plugged in, and the run as a table."""

from __future__ import annotations

import numpy as np

from .analysis import fmt
from .descent import Trajectory


def _column(values) -> str:
    return r"\begin{pmatrix}" + r" \\ ".join(fmt(float(v)) for v in values) + r"\end{pmatrix}"


def _value(values) -> str:
    return fmt(float(values[0])) if len(values) == 1 else _column(values)


def update_latex(traj: Trajectory, epoch: int) -> str:
    """The update from ``epoch`` to ``epoch + 1`` as LaTeX, with that epoch's numbers.

    1-D: x_{k+1} = x_k − η f′(x_k) = 3.0000 − 0.1 · 6.0000 = 2.4000.
    """
    if not 0 <= epoch < traj.epoch:
        raise ValueError(f"epoch must be in 0..{traj.epoch - 1} for this run, got {epoch}")
    x, g, new = traj.points[epoch], traj.grads[epoch], traj.points[epoch + 1]
    k, k1 = epoch, epoch + 1
    if traj.objective.dim == 1:
        rule = rf"x_{{{k1}}} = x_{{{k}}} - \eta\, f'(x_{{{k}}})"
    else:
        rule = (
            rf"\mathbf{{x}}_{{{k1}}} = \mathbf{{x}}_{{{k}}} - \eta\, \nabla f(\mathbf{{x}}_{{{k}}})"
        )
    numbers = rf"{_value(x)} - {traj.lr:g} \cdot {_value(g)}"
    return rf"{rule} = {numbers} = {_value(new)}"


def gradient_name(traj: Trajectory) -> list[str]:
    """Column names of the gradient's components: f′(x), or ∂f/∂x and ∂f/∂y."""
    names = [str(v) for v in traj.objective.variables]
    if len(names) == 1:
        return [f"f′({names[0]})"]
    return [f"∂f/∂{n}" for n in names]


def table(traj: Trajectory) -> dict[str, np.ndarray]:
    """The classic printout, a column per quantity: epoch, position, gradient, loss, step."""
    names = [str(v) for v in traj.objective.variables]
    steps = np.vstack([traj.steps, np.full((1, traj.objective.dim), np.nan)])
    columns: dict[str, np.ndarray] = {"epoch": np.arange(traj.epoch + 1)}
    for i, name in enumerate(names):
        columns[name] = traj.points[:, i]
    for i, name in enumerate(gradient_name(traj)):
        columns[name] = traj.grads[:, i]
    columns["loss f"] = traj.losses
    columns["step size"] = np.linalg.norm(steps, axis=-1)
    return columns
