"""Explain: one step of a run with its numbers plugged in, and the run as a table.

The same run as a PyTorch script is :mod:`gdviz.pytorch`.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

from .descent import Trajectory
from .equations import Lines, Replay, Step
from .numbers import fmt, latex_vector
from .numbers import latex_constant as _const
from .optimizers import OPTIMIZERS, get_optimizer
from .schedules import SCHEDULES, filled_schedule


def _value(values) -> str:
    return latex_vector(values, fmt)


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


# ---- one step in full: replay the optimizer, then plug its numbers into its equations ----


def _check_epoch(traj: Trajectory, epoch) -> int:
    if traj.epoch == 0:
        raise ValueError(f"this run took no steps (it stopped at its start), got epoch {epoch!r}")
    if isinstance(epoch, bool) or not isinstance(epoch, Integral) or not 0 <= epoch < traj.epoch:
        raise ValueError(f"epoch must be a whole number in 0..{traj.epoch - 1}, got {epoch!r}")
    return int(epoch)


def replay_state(traj: Trajectory, epoch: int) -> Replay:
    """The optimizer's state around the update at ``epoch`` (0 ≤ epoch < traj.epoch).

    Re-runs ``get_optimizer(traj.optimizer, **traj.hyper)`` over the recorded gradients,
    points and learning rates, so ``delta`` is exactly the step the run took.

    >>> from gdviz import descend
    >>> traj = descend("parabola", 3.0, lr=0.1, epochs=5, optimizer="momentum")
    >>> replay_state(traj, 1).after.b  # b₂ = 0.9·b₁ + g₂ = 0.9·6 + 4.8
    array([10.2])
    """
    epoch = _check_epoch(traj, epoch)
    update = get_optimizer(traj.optimizer, **traj.hyper)
    state = update.init(traj.points[0])
    for t in range(epoch + 1):
        before = state
        delta, state = update.step(traj.step_grads[t], state, traj.points[t], traj.lrs[t])
    return Replay(before, delta, state)


def _hyper(traj: Trajectory) -> dict:
    """Every hyperparameter of the run: defaults, preset ones (μ = 0.9), then the run's own."""
    spec = OPTIMIZERS[traj.optimizer]
    return {**spec.defaults, **spec.preset, **traj.hyper}


def step_latex(traj: Trajectory, epoch: int) -> list[tuple[str, str]]:
    r"""The optimizer's update at ``epoch`` as (LaTeX line, what the term does) pairs.

    Each line is the rule in PyTorch's symbols, then that epoch's numbers, then the result,
    all taken from :func:`replay_state`. With t = epoch + 1 (PyTorch's step count) the step
    goes from x_{t−1} = ``traj.points[epoch]`` to x_t. 2-D values are column vectors and
    every operation on them is per coordinate.

    >>> from gdviz import descend
    >>> traj = descend("parabola", 3.0, lr=0.1, epochs=5)
    >>> latex, about = step_latex(traj, 0)[-1]
    >>> print(latex)
    x_{1} = x_{0} - \eta\, g_{1} = 3.0000 - 0.1 \cdot 6.0000 = 2.4000
    """
    epoch = _check_epoch(traj, epoch)
    lr = float(traj.lrs[epoch])
    replay = replay_state(traj, epoch)
    step = Step(epoch + 1, traj.points[epoch], traj.step_grads[epoch], lr, _hyper(traj), replay)
    lines = Lines()
    schedule = filled_schedule(traj.schedule)
    if schedule is not None:
        name = SCHEDULES[schedule["kind"]].name.lower()
        lines.say(rf"\eta = {_const(lr)}", f"This epoch's rate from the {name} schedule.")
    return lines + OPTIMIZERS[traj.optimizer].lines(step)


# The PyTorch printer lived here once: its names stay importable from this module.
from .pytorch import torch_code, torch_expression  # noqa: E402, F401
