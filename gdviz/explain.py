"""Explain: one step of a run with its numbers plugged in, and the run as a table.

The same run as a PyTorch script is :mod:`gdviz.pytorch`.
"""

from __future__ import annotations

from numbers import Integral
from typing import NamedTuple

import numpy as np

from .descent import Trajectory
from .equations import Lines, Replay, Step
from .equations import sgd as sgd_lines
from .numbers import latex_constant as _const
from .numbers import (
    latex_operand,
    latex_vector,
    subscript,
    text_constant,
    text_operand,
    text_vector,
)
from .optimizers import OPTIMIZERS, get_optimizer
from .schedules import SCHEDULES, filled_schedule

_value, _operand = latex_vector, latex_operand


class _Update(NamedTuple):
    """One update of a run, as both :func:`update_latex` and :func:`update_text` show it."""

    k: int  # the epoch the step starts from: x_k → x_{k+1}
    x: np.ndarray  # x_k
    new: np.ndarray  # x_{k+1}
    lr: float  # this epoch's η (a schedule changes it)
    grad: np.ndarray  # ∇f(x_k), without noise
    used: np.ndarray  # what the step was taken along: ∇f, ∇f + noise, or the optimizer's Δ
    noisy: bool  # the step used ∇f plus gradient noise
    plain: bool  # the step is x_k − η·g (plain gradient descent), else x_k − Δ


def _is_plain(traj: Trajectory) -> bool:
    """Whether each step is exactly −η·g: SGD's rule without momentum or weight decay."""
    hyper = _hyper(traj)
    return (
        OPTIMIZERS[traj.optimizer].lines is sgd_lines
        and not hyper.get("momentum", 0.0)
        and not hyper.get("weight_decay", 0.0)
    )


def _update(traj: Trajectory, epoch) -> _Update:
    if isinstance(epoch, bool) or not isinstance(epoch, Integral) or not 0 <= epoch < traj.epoch:
        raise ValueError(f"epoch must be in 0..{traj.epoch - 1} for this run, got {epoch!r}")
    k = int(epoch)
    x, new = traj.points[k], traj.points[k + 1]
    plain = _is_plain(traj)
    used = traj.step_grads[k] if plain else x - new
    noisy = plain and traj.noisy_grads is not None
    return _Update(k, x, new, float(traj.lrs[k]), traj.grads[k], used, noisy, plain)


def update_latex(traj: Trajectory, epoch: int) -> str:
    r"""The update from ``epoch`` to ``epoch + 1`` as LaTeX, with that epoch's numbers.

    Plain GD: x_{k+1} = x_k − η f′(x_k), with the gradient the step really used (under
    gradient noise that is g̃ = f′ + noise, shown first) and the epoch's own η. Negative
    operands go in parentheses. Other optimizers: x_{k+1} = x_k − Δ, their whole step
    (:func:`step_latex` writes out its terms).

    >>> from gdviz import descend
    >>> print(update_latex(descend("parabola", -3.0, lr=0.1, epochs=5), 0))
    x_{1} = x_{0} - \eta\, f'(x_{0}) = -3.0000 - 0.1 \cdot \left(-6.0000\right) = -2.4000
    """
    u, obj = _update(traj, epoch), traj.objective
    k, k1, sym = u.k, u.k + 1, obj.symbol
    if obj.dim == 1:
        v = str(obj.variables[0])
        at, grad = f"{v}_{{{k}}}", f"{sym}'"
        lhs, base = f"{v}_{{{k1}}}", f"{v}_{{{k}}}"
    else:
        bold = r"\mathbf{x}" if _names(obj) == ["x", "y"] else r"\boldsymbol{\theta}"
        at, grad = f"{bold}_{{{k}}}", rf"\nabla {sym}"
        lhs, base = f"{bold}_{{{k1}}}", at
    result = _value(u.new)
    if not u.plain:
        delta = rf"\Delta_{{{k1}}}"
        return rf"{lhs} = {base} - {delta} = {_value(u.x)} - {_operand(u.used)} = {result}"
    numbers = rf"{_value(u.x)} - {_const(u.lr)} \cdot {_operand(u.used)}"
    if not u.noisy:
        return rf"{lhs} = {base} - \eta\, {grad}({at}) = {numbers} = {result}"
    g = rf"\tilde g_{{{k}}}"
    noisy = (
        rf"{g} = {grad}({at}) + \text{{noise}} = {_value(u.grad)} + {_operand(u.used - u.grad)}"
        rf" = {_value(u.used)}"
    )
    step = rf"{lhs} = {base} - \eta\, {g} = {numbers} = {result}"
    return rf"\begin{{gathered}}{noisy} \\ {step}\end{{gathered}}"


def update_text(traj: Trajectory, epoch: int) -> str:
    """:func:`update_latex` in plain Unicode, for HTML: the same rule and the same numbers.

    >>> from gdviz import descend
    >>> update_text(descend("parabola", -3.0, lr=0.1, epochs=5), 0)
    'x₁ = x₀ − η·f′(x₀) = −3.0000 − 0.1 · (−6.0000) = −2.4000'
    """
    u, obj = _update(traj, epoch), traj.objective
    k, k1, sym = subscript(u.k), subscript(u.k + 1), obj.symbol
    names = _names(obj)
    if obj.dim == 1:
        at, grad = f"{names[0]}{k}", f"{sym}′"
        lhs, base = f"{names[0]}{k1}", at
    else:
        at, grad = ", ".join(n + k for n in names), f"∇{sym}"
        lhs, base = "(" + ", ".join(n + k1 for n in names) + ")", f"({at})"
    result = text_vector(u.new)
    if not u.plain:
        step = f"Δ{k1}"
        return f"{lhs} = {base} − {step} = {text_vector(u.x)} − {text_operand(u.used)} = {result}"
    numbers = f"{text_vector(u.x)} − {text_constant(u.lr)} · {text_operand(u.used)}"
    if not u.noisy:
        return f"{lhs} = {base} − η·{grad}({at}) = {numbers} = {result}"
    g = f"g\u0303{k}"
    noisy = (
        f"{g} = {grad}({at}) + noise = {text_vector(u.grad)} + {text_operand(u.used - u.grad)}"
        f" = {text_vector(u.used)}"
    )
    return f"{noisy}; {lhs} = {base} − η·{g} = {numbers} = {result}"


def _names(objective) -> list[str]:
    return [str(v) for v in objective.variables]


def gradient_name(traj: Trajectory) -> list[str]:
    """Column names of the gradient's components: f′(x), or ∂f/∂x and ∂f/∂y."""
    names, sym = _names(traj.objective), traj.objective.symbol
    if len(names) == 1:
        return [f"{sym}′({names[0]})"]
    return [f"∂{sym}/∂{n}" for n in names]


def table(traj: Trajectory) -> dict[str, np.ndarray]:
    """The classic printout, a column per quantity: epoch, position, gradient, loss, step."""
    names = [str(v) for v in traj.objective.variables]
    with np.errstate(over="ignore"):  # a step past the floats is inf; none squares a coordinate
        steps = np.vstack([np.diff(traj.points, axis=0), np.full((1, traj.objective.dim), np.nan)])
        sizes = np.hypot.reduce(np.abs(steps), axis=-1)
    columns: dict[str, np.ndarray] = {"epoch": np.arange(traj.epoch + 1)}
    for i, name in enumerate(names):
        columns[name] = traj.points[:, i]
    for i, name in enumerate(gradient_name(traj)):
        columns[name] = traj.grads[:, i]
    columns[f"loss {traj.objective.symbol}"] = traj.losses
    columns["step size"] = sizes
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
    exact = traj.grads[epoch] if traj.noisy_grads is not None else None
    step = Step(
        epoch + 1,
        traj.points[epoch],
        traj.step_grads[epoch],
        lr,
        _hyper(traj),
        replay,
        exact=exact,
        symbol=traj.objective.symbol,
    )
    lines = Lines()
    schedule = filled_schedule(traj.schedule)
    if schedule is not None:
        name = SCHEDULES[schedule["kind"]].name.lower()
        lines.say(rf"\eta = {_const(lr)}", f"This epoch's rate from the {name} schedule.")
    return lines + OPTIMIZERS[traj.optimizer].lines(step)


# The PyTorch printer lived here once: its names stay importable from this module.
from .pytorch import torch_code, torch_expression  # noqa: E402, F401
