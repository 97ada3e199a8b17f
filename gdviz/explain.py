"""Explain: one step of a run with its numbers plugged in, and the run as a table.

The same run as a PyTorch script is :mod:`gdviz.pytorch`.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Integral
from typing import Any, NamedTuple

import numpy as np

from . import optimizers
from .descent import Trajectory
from .numbers import fmt, latex_vector
from .numbers import latex_constant as _const
from .numbers import latex_number as _num
from .numbers import latex_operand as _arg
from .numbers import latex_vector as _vec
from .optimizers import OPTIMIZERS, OptimizerSpec, get_optimizer
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


class Replay(NamedTuple):
    """One epoch's update as the optimizer ran it: its state before and after, and the step."""

    before: Any  # state entering the update (the optimizer's NamedTuple, () for plain GD)
    delta: np.ndarray  # the update, x_{t} − x_{t−1}
    after: Any  # state leaving the update


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
    >>> replay_state(traj, 1).after.buf  # b₂ = 0.9·b₁ + g₂ = 0.9·6 + 4.8
    array([10.2])
    """
    epoch = _check_epoch(traj, epoch)
    update = get_optimizer(traj.optimizer, **traj.hyper)
    state = update.init(traj.points[0])
    for t in range(epoch + 1):
        before = state
        delta, state = update.step(traj.step_grads[t], state, traj.points[t], traj.lrs[t])
    return Replay(before, delta, state)


class _Step(NamedTuple):
    t: int  # PyTorch's step count, epoch + 1: the step goes from x_{t−1} to x_t
    x: np.ndarray  # x_{t−1}
    grad: np.ndarray  # ∇f(x_{t−1}), before weight decay
    lr: float  # this epoch's η
    hyper: dict  # every hyperparameter, defaults and preset ones included
    replay: Replay


class _Lines(list):
    """(LaTeX, sentence) pairs, one per term of the update."""

    def say(self, latex: str, about: str) -> None:
        self.append((latex, about))


def _gradient(s: _Step, lines: _Lines, weight_decay: float) -> np.ndarray:
    """Say g_t (with weight decay's λx added when λ > 0) and return it."""
    t, k = s.t, s.t - 1
    if len(s.x) == 1:
        nabla, about = f"f'(x_{{{k}}})", "The slope at the current point: which way f rises."
    else:
        nabla, about = rf"\nabla f(x_{{{k}}})", "The gradient: the direction f rises fastest in."
    if not weight_decay:
        lines.say(rf"g_{{{t}}} = {nabla} = {_vec(s.grad)}", about)
        return s.grad
    g = s.grad + weight_decay * s.x
    lines.say(
        rf"g_{{{t}}} = {nabla} + \lambda x_{{{k}}} = {_arg(s.grad)} + {_const(weight_decay)}"
        rf" \cdot {_arg(s.x)} = {_vec(g)}",
        "Weight decay adds λx to the gradient, an L2 penalty pulling x toward 0.",
    )
    return g


def _final(s: _Step, lines: _Lines, rule: str, numbers: str, about: str, base=None, name=None):
    """Say x_t = x_{t−1} − (step), landing where the replayed update landed."""
    base = s.x if base is None else base
    name = name or f"x_{{{s.t - 1}}}"
    new = s.x + s.replay.delta
    lines.say(rf"x_{{{s.t}}} = {name} - {rule} = {_vec(base)} - {numbers} = {_vec(new)}", about)


def _sgd_lines(s: _Step) -> _Lines:
    """torch.optim.SGD (and plain GD): weight decay, momentum buffer with dampening, Nesterov."""
    h, t, lines = s.hyper, s.t, _Lines()
    mu, tau = h.get("momentum", 0.0), h.get("dampening", 0.0)
    g = _gradient(s, lines, h.get("weight_decay", 0.0))
    if not mu:
        numbers = rf"{_const(s.lr)} \cdot {_arg(g)}"
        about = "Step against the gradient, scaled by the learning rate."
        _final(s, lines, rf"\eta\, g_{{{t}}}", numbers, about)
        return lines
    before, buf = s.replay.before.buf, s.replay.after.buf
    if before is None:
        lines.say(
            rf"b_{{{t}}} = g_{{{t}}} = {_vec(buf)}",
            "On the first step the momentum buffer starts as the gradient itself.",
        )
    elif tau:
        lines.say(
            rf"b_{{{t}}} = \mu b_{{{t - 1}}} + (1-\tau)\, g_{{{t}}} = {_const(mu)} \cdot"
            rf" {_arg(before)} + {_const(1 - tau)} \cdot {_arg(g)} = {_vec(buf)}",
            "The momentum buffer: the last one decayed by μ, plus the gradient damped by τ.",
        )
    else:
        lines.say(
            rf"b_{{{t}}} = \mu b_{{{t - 1}}} + g_{{{t}}} = {_const(mu)} \cdot {_arg(before)}"
            rf" + {_arg(g)} = {_vec(buf)}",
            "The momentum buffer (velocity): the last one decayed by μ, plus the new gradient.",
        )
    if h.get("nesterov", False):
        ahead = g + mu * buf
        lines.say(
            rf"g_{{{t}}} \leftarrow g_{{{t}}} + \mu b_{{{t}}} = {_arg(g)} + {_const(mu)} \cdot"
            rf" {_arg(buf)} = {_vec(ahead)}",
            "Nesterov looks ahead: it adds the buffer it is about to follow to the gradient.",
        )
        numbers = rf"{_const(s.lr)} \cdot {_arg(ahead)}"
        _final(s, lines, rf"\eta\, g_{{{t}}}", numbers, "Step against the look-ahead gradient.")
        return lines
    numbers = rf"{_const(s.lr)} \cdot {_arg(buf)}"
    about = "Step along the buffer, not the raw gradient: past gradients keep pushing."
    _final(s, lines, rf"\eta\, b_{{{t}}}", numbers, about)
    return lines


def _adagrad_lines(s: _Step) -> _Lines:
    """torch.optim.Adagrad: lr decay, weight decay, accumulated squared gradients."""
    h, t, lines = s.hyper, s.t, _Lines()
    before, after = s.replay.before, s.replay.after
    g = _gradient(s, lines, h["weight_decay"])
    lr, eta = s.lr / (1 + (t - 1) * h["lr_decay"]), r"\eta"
    if h["lr_decay"]:
        eta = rf"\tilde\eta_{{{t}}}"
        lines.say(
            rf"{eta} = \eta / (1 + (t-1)\,\eta_{{\text{{decay}}}}) = {_const(s.lr)}"
            rf" / (1 + {t - 1} \cdot {_const(h['lr_decay'])}) = {_num(lr)}",
            "AdaGrad's lr decay: the learning rate shrinks a little with every step.",
        )
    lines.say(
        rf"G_{{{t}}} = G_{{{t - 1}}} + g_{{{t}}}^2 = {_arg(before.sum)} + {_arg(g * g)}"
        rf" = {_vec(after.sum)}",
        "The sum of every squared gradient so far, per coordinate: it only grows.",
    )
    root = np.sqrt(after.sum)
    step = lr * g / (root + h["eps"])
    lines.say(
        rf"\Delta_{{{t}}} = {eta}\, g_{{{t}}} / (\sqrt{{G_{{{t}}}}} + \epsilon) = {_num(lr)}"
        rf" \cdot {_arg(g)} / \left({_vec(root)} + {_const(h['eps'])}\right) = {_vec(step)}",
        "Each coordinate's step: its gradient over the root of its history, "
        "so coordinates that were steep slow down for good.",
    )
    about = "Step by Δ: steep and shallow coordinates move at comparable speeds."
    _final(s, lines, rf"\Delta_{{{t}}}", _arg(step), about)
    return lines


def _rmsprop_lines(s: _Step) -> _Lines:
    """torch.optim.RMSprop: moving average of g², optional centring and momentum."""
    h, t, lines = s.hyper, s.t, _Lines()
    before, after = s.replay.before, s.replay.after
    alpha, eps, mu = h["alpha"], h["eps"], h["momentum"]
    g = _gradient(s, lines, h["weight_decay"])
    lines.say(
        rf"v_{{{t}}} = \alpha v_{{{t - 1}}} + (1-\alpha)\, g_{{{t}}}^2 = {_const(alpha)} \cdot"
        rf" {_arg(before.square_avg)} + {_const(1 - alpha)} \cdot {_arg(g * g)}"
        rf" = {_vec(after.square_avg)}",
        "A moving average of squared gradients: like AdaGrad's sum, but old gradients fade.",
    )
    var, name = after.square_avg, f"v_{{{t}}}"
    if h["centered"]:
        mean = after.grad_avg
        lines.say(
            rf"\bar g_{{{t}}} = \alpha \bar g_{{{t - 1}}} + (1-\alpha)\, g_{{{t}}}"
            rf" = {_const(alpha)} \cdot {_arg(before.grad_avg)} + {_const(1 - alpha)} \cdot"
            rf" {_arg(g)} = {_vec(mean)}",
            "A moving average of the gradient itself.",
        )
        var, name = after.square_avg - mean * mean, rf"\tilde v_{{{t}}}"
        lines.say(
            rf"{name} = v_{{{t}}} - \bar g_{{{t}}}^2 = {_arg(after.square_avg)}"
            rf" - {_arg(mean * mean)} = {_vec(var)}",
            "Centred: subtract the squared mean, so only the gradient's variance scales steps.",
        )
    root = np.sqrt(var)
    scaled = rf"g_{{{t}}} / (\sqrt{{{name}}} + \epsilon)"
    scaled_numbers = rf"{_arg(g)} / \left({_vec(root)} + {_const(eps)}\right)"
    if mu > 0:
        lines.say(
            rf"b_{{{t}}} = \mu b_{{{t - 1}}} + {scaled} = {_const(mu)} \cdot {_arg(before.buf)}"
            rf" + {scaled_numbers} = {_vec(after.buf)}",
            "Momentum on the scaled gradient: the buffer adds up the normalised steps.",
        )
        numbers = rf"{_const(s.lr)} \cdot {_arg(after.buf)}"
        about = "Step along the buffer, scaled by the learning rate."
        _final(s, lines, rf"\eta\, b_{{{t}}}", numbers, about)
        return lines
    step = s.lr * g / (root + eps)
    lines.say(
        rf"\Delta_{{{t}}} = \eta\, {scaled} = {_const(s.lr)} \cdot {scaled_numbers}"
        rf" = {_vec(step)}",
        "Each coordinate's step: its gradient over its recent typical size.",
    )
    about = "Step by Δ: each coordinate moves by about η, whatever its slope."
    _final(s, lines, rf"\Delta_{{{t}}}", _arg(step), about)
    return lines


def _adam_lines(s: _Step) -> _Lines:
    """torch.optim.Adam and AdamW: moments, AMSGrad, bias corrections, decoupled decay."""
    h, t, lines = s.hyper, s.t, _Lines()
    before, after = s.replay.before, s.replay.after
    beta1, beta2 = (float(b) for b in h["betas"])
    eps, decay, decoupled = h["eps"], h["weight_decay"], h.get("decoupled", False)
    g = _gradient(s, lines, 0.0 if decoupled else decay)
    base, name = s.x, None
    if decoupled and decay:
        base, name = s.x * (1 - s.lr * decay), rf"\tilde x_{{{t - 1}}}"
        lines.say(
            rf"{name} = x_{{{t - 1}}}\,(1 - \eta\lambda) = {_arg(s.x)} \cdot"
            rf" (1 - {_const(s.lr)} \cdot {_const(decay)}) = {_vec(base)}",
            "AdamW's decoupled weight decay: shrink x toward 0 directly, outside Adam's step.",
        )
    lines.say(
        rf"m_{{{t}}} = \beta_1 m_{{{t - 1}}} + (1-\beta_1)\, g_{{{t}}} = {_const(beta1)} \cdot"
        rf" {_arg(before.m)} + {_const(1 - beta1)} \cdot {_arg(g)} = {_vec(after.m)}",
        "First moment: a running average of the gradients, like momentum.",
    )
    lines.say(
        rf"v_{{{t}}} = \beta_2 v_{{{t - 1}}} + (1-\beta_2)\, g_{{{t}}}^2"
        rf" = {_const(beta2)} \cdot {_arg(before.v)} + {_const(1 - beta2)} \cdot"
        rf" {_arg(g * g)} = {_vec(after.v)}",
        "Second moment: a running average of the squared gradients, per coordinate.",
    )
    v, v_name = after.v, f"v_{{{t}}}"
    if h["amsgrad"]:
        v, v_name = after.v_max, rf"v^{{\max}}_{{{t}}}"
        lines.say(
            rf"{v_name} = \max(v^{{\max}}_{{{t - 1}}},\, v_{{{t}}}) = \max\left("
            rf"{_vec(before.v_max)},\, {_vec(after.v)}\right) = {_vec(v)}",
            "AMSGrad keeps the largest second moment so far: no coordinate's step grows back.",
        )
    c1, c2 = 1 - beta1**t, 1 - beta2**t
    m_hat, v_hat = after.m / c1, v / c2
    lines.say(
        rf"\hat m_{{{t}}} = m_{{{t}}} / (1-\beta_1^{{{t}}}) = {_arg(after.m)} / {_num(c1)}"
        rf" = {_vec(m_hat)}",
        "Bias correction: m starts at 0, so early averages are too small until divided by 1 − β₁ᵗ.",
    )
    lines.say(
        rf"\hat v_{{{t}}} = {v_name} / (1-\beta_2^{{{t}}}) = {_arg(v)} / {_num(c2)}"
        rf" = {_vec(v_hat)}",
        "The same correction for the second moment, dividing by 1 − β₂ᵗ.",
    )
    root = np.sqrt(v_hat)
    step = s.lr * m_hat / (root + eps)
    lines.say(
        rf"\Delta_{{{t}}} = \eta\, \hat m_{{{t}}} / (\sqrt{{\hat v_{{{t}}}}} + \epsilon)"
        rf" = {_const(s.lr)} \cdot {_arg(m_hat)} / \left({_vec(root)} + {_const(eps)}\right)"
        rf" = {_vec(step)}",
        "The step per coordinate: the averaged gradient over its typical size, "
        "so each coordinate moves by at most about η.",
    )
    about = "Step by Δ from the decayed point." if name else "Step by Δ."
    _final(s, lines, rf"\Delta_{{{t}}}", _arg(step), about, base, name)
    return lines


_LINES = {
    optimizers.gd: _sgd_lines,
    optimizers.sgd: _sgd_lines,
    optimizers.adagrad: _adagrad_lines,
    optimizers.rmsprop: _rmsprop_lines,
    optimizers.adam: _adam_lines,
}


def _family(spec: OptimizerSpec) -> Callable:
    """The optimizer function a registry entry builds (a preset is a partial of one)."""
    return getattr(spec.build, "func", spec.build)


def _hyper(traj: Trajectory) -> dict:
    """Every hyperparameter of the run: defaults, preset ones (μ = 0.9), then the run's own."""
    spec = OPTIMIZERS[traj.optimizer]
    return {**spec.defaults, **getattr(spec.build, "keywords", {}), **traj.hyper}


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
    explain = _LINES.get(_family(OPTIMIZERS[traj.optimizer]))
    if explain is None:
        raise ValueError(f"no step-by-step explanation for optimizer {traj.optimizer!r} yet")
    lr = float(traj.lrs[epoch])
    replay = replay_state(traj, epoch)
    step = _Step(epoch + 1, traj.points[epoch], traj.step_grads[epoch], lr, _hyper(traj), replay)
    lines = _Lines()
    schedule = filled_schedule(traj.schedule)
    if schedule is not None:
        name = SCHEDULES[schedule["kind"]].name.lower()
        lines.say(rf"\eta = {_const(lr)}", f"This epoch's rate from the {name} schedule.")
    return lines + explain(step)


# The PyTorch printer lived here once: its names stay importable from this module.
from .pytorch import torch_code, torch_expression  # noqa: E402, F401
