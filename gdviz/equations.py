"""Equations: one optimizer update written out term by term, with that step's numbers.

Each builder takes a :class:`Step` (the step count, the point, the gradient, η, every
hyperparameter, and the optimizer's state before and after, as replayed by
:func:`gdviz.explain.replay_state`) and returns :class:`Lines`: (LaTeX, sentence) pairs
in PyTorch's symbols. The registry (:mod:`gdviz.optimizers`) names each optimizer's
builder; :func:`gdviz.explain.step_latex` calls it. Nothing here imports the optimizers:
the states are read by their field names (b, G, v, ḡ, m, v_max).
"""

from __future__ import annotations

from functools import partial
from typing import Any, NamedTuple

import numpy as np

from .numbers import latex_constant as _const
from .numbers import latex_number as _num
from .numbers import latex_operand as _arg
from .numbers import latex_vector as _vec


class Replay(NamedTuple):
    """One epoch's update as the optimizer ran it: its state before and after, and the step."""

    before: Any  # state entering the update (the optimizer's NamedTuple, () for plain GD)
    delta: np.ndarray  # the update, x_{t} − x_{t−1}
    after: Any  # state leaving the update


class Step(NamedTuple):
    """One update to explain: where it started, with what, and what the optimizer did."""

    t: int  # PyTorch's step count, epoch + 1: the step goes from x_{t−1} to x_t
    x: np.ndarray  # x_{t−1}
    grad: np.ndarray  # the gradient the step used, before weight decay (with noise, if any)
    lr: float  # this epoch's η
    hyper: dict  # every hyperparameter, defaults and preset ones included
    replay: Replay
    exact: np.ndarray | None = None  # ∇f(x_{t−1}) without noise, when the run added noise
    symbol: str = "f"  # the function's letter: f, or L for a loss


class Lines(list):
    """(LaTeX, sentence) pairs, one per term of the update."""

    def say(self, latex: str, about: str) -> None:
        self.append((latex, about))


def _gradient(s: Step, lines: Lines, weight_decay: float) -> np.ndarray:
    """Say g_t (with the run's gradient noise, and weight decay's λx when λ > 0) and return it."""
    t, k, f = s.t, s.t - 1, s.symbol
    if len(s.x) == 1:
        nabla, about = f"{f}'(x_{{{k}}})", f"The slope at the current point: which way {f} rises."
    else:
        nabla, about = (
            rf"\nabla {f}(x_{{{k}}})",
            f"The gradient: the direction {f} rises fastest in.",
        )
    rule, numbers = nabla, _vec(s.grad)
    if s.exact is not None:
        rule += r" + \text{noise}"
        numbers = f"{_vec(s.exact)} + {_arg(s.grad - s.exact)}"
        about = (
            "The noisy gradient this step used: the exact one plus the run's Gaussian noise "
            "(the first number is the exact gradient, the second the noise)."
        )
    if not weight_decay:
        result = f" = {_vec(s.grad)}" if s.exact is not None else ""
        lines.say(rf"g_{{{t}}} = {rule} = {numbers}{result}", about)
        return s.grad
    g = s.grad + weight_decay * s.x
    if s.exact is None:
        numbers = _arg(s.grad)
    lines.say(
        rf"g_{{{t}}} = {rule} + \lambda x_{{{k}}} = {numbers} + {_const(weight_decay)}"
        rf" \cdot {_arg(s.x)} = {_vec(g)}",
        "Weight decay adds λx to the gradient, an L2 penalty pulling x toward 0.",
    )
    return g


def _final(s: Step, lines: Lines, rule: str, numbers: str, about: str, base=None, name=None):
    """Say x_t = x_{t−1} − (step), landing where the replayed update landed."""
    base = s.x if base is None else base
    name = name or f"x_{{{s.t - 1}}}"
    new = s.x + s.replay.delta
    lines.say(rf"x_{{{s.t}}} = {name} - {rule} = {_vec(base)} - {numbers} = {_vec(new)}", about)


def _average(lines: Lines, t: int, name: str, weight: str, w: float, before, g, after, about):
    """Say name_t = w·name_{t−1} + (1 − w)·g_t, an exponential moving average of g_t (or of
    g_t² when ``name`` is v)."""
    term = rf"g_{{{t}}}^2" if name == "v" else rf"g_{{{t}}}"
    lines.say(
        rf"{name}_{{{t}}} = {weight} {name}_{{{t - 1}}} + (1-{weight})\, {term} = {_const(w)}"
        rf" \cdot {_arg(before)} + {_const(1 - w)} \cdot {_arg(g)} = {_vec(after)}",
        about,
    )


def _step_by(s: Step, lines: Lines, step, rule, numbers, why, about, base=None, name=None):
    """Say Δ_t = (rule) = (numbers) = step, then x_t = x_{t−1} − Δ_t."""
    delta = rf"\Delta_{{{s.t}}}"
    lines.say(rf"{delta} = {rule} = {numbers} = {_vec(step)}", why)
    _final(s, lines, delta, _arg(step), about, base, name)


def sgd(s: Step) -> Lines:
    """torch.optim.SGD (and plain GD): weight decay, momentum buffer with dampening, Nesterov."""
    h, t, lines = s.hyper, s.t, Lines()
    mu, tau = h.get("momentum", 0.0), h.get("dampening", 0.0)
    g = _gradient(s, lines, h.get("weight_decay", 0.0))
    if not mu:
        numbers = rf"{_const(s.lr)} \cdot {_arg(g)}"
        about = "Step against the gradient, scaled by the learning rate."
        _final(s, lines, rf"\eta\, g_{{{t}}}", numbers, about)
        return lines
    before, buf = s.replay.before.b, s.replay.after.b
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


def adagrad(s: Step) -> Lines:
    """torch.optim.Adagrad: lr decay, weight decay, accumulated squared gradients."""
    h, t, lines = s.hyper, s.t, Lines()
    before, after = s.replay.before, s.replay.after
    g = _gradient(s, lines, h["weight_decay"])
    lr, eta = s.lr / (1 + (t - 1) * h["lr_decay"]), r"\eta"
    if h["lr_decay"]:
        eta = rf"\tilde\eta_{{{t}}}"
        lines.say(
            rf"{eta} = \eta / (1 + (t-1)\,\eta_{{\text{{decay}}}}) = {_const(s.lr)}"
            rf" / (1 + {t - 1} \cdot {_const(h['lr_decay'])}) = {_num(lr)}",
            "AdaGrad's learning-rate decay: η shrinks a little with every step.",
        )
    lines.say(
        rf"G_{{{t}}} = G_{{{t - 1}}} + g_{{{t}}}^2 = {_arg(before.G)} + {_arg(g * g)}"
        rf" = {_vec(after.G)}",
        "The sum of every squared gradient so far, per coordinate: it only grows.",
    )
    root = np.sqrt(after.G)
    _step_by(
        s, lines, lr * g / (root + h["eps"]),
        rf"{eta}\, g_{{{t}}} / (\sqrt{{G_{{{t}}}}} + \epsilon)",
        rf"{_num(lr)} \cdot {_arg(g)} / \left({_vec(root)} + {_const(h['eps'])}\right)",
        "Each coordinate's step: its gradient over the root of its history, "
        "so coordinates that were steep slow down for good.",
        "Step by Δ: steep and shallow coordinates move at comparable speeds.",
    )  # fmt: skip
    return lines


def rmsprop(s: Step) -> Lines:
    """torch.optim.RMSprop: moving average of g², optional centring and momentum."""
    h, t, lines = s.hyper, s.t, Lines()
    before, after = s.replay.before, s.replay.after
    alpha, eps, mu = h["alpha"], h["eps"], h["momentum"]
    g = _gradient(s, lines, h["weight_decay"])
    _average(
        lines, t, "v", r"\alpha", alpha, before.v, g * g, after.v,
        "A moving average of squared gradients: like AdaGrad's sum, but old gradients fade.",
    )  # fmt: skip
    var, name = after.v, f"v_{{{t}}}"
    if h["centered"]:
        mean = after.g_bar
        _average(lines, t, r"\bar g", r"\alpha", alpha, before.g_bar, g, mean,
                 "A moving average of the gradient itself.")  # fmt: skip
        var, name = after.v - mean * mean, rf"\tilde v_{{{t}}}"
        lines.say(
            rf"{name} = v_{{{t}}} - \bar g_{{{t}}}^2 = {_arg(after.v)}"
            rf" - {_arg(mean * mean)} = {_vec(var)}",
            "Centred: subtract the squared mean, so only the gradient's variance scales steps.",
        )
    root = np.sqrt(var)
    scaled = rf"g_{{{t}}} / (\sqrt{{{name}}} + \epsilon)"
    scaled_numbers = rf"{_arg(g)} / \left({_vec(root)} + {_const(eps)}\right)"
    if mu > 0:
        lines.say(
            rf"b_{{{t}}} = \mu b_{{{t - 1}}} + {scaled} = {_const(mu)} \cdot {_arg(before.b)}"
            rf" + {scaled_numbers} = {_vec(after.b)}",
            "Momentum on the scaled gradient: the buffer adds up the normalised steps.",
        )
        numbers = rf"{_const(s.lr)} \cdot {_arg(after.b)}"
        about = "Step along the buffer, scaled by the learning rate."
        _final(s, lines, rf"\eta\, b_{{{t}}}", numbers, about)
        return lines
    _step_by(
        s, lines, s.lr * g / (root + eps),
        rf"\eta\, {scaled}", rf"{_const(s.lr)} \cdot {scaled_numbers}",
        "Each coordinate's step: its gradient over its recent typical size.",
        "Step by Δ: each coordinate moves by about η, whatever its slope.",
    )  # fmt: skip
    return lines


def adam(s: Step, decoupled: bool = False) -> Lines:
    """torch.optim.Adam (and AdamW, ``decoupled``): moments, AMSGrad, bias corrections."""
    h, t, lines = s.hyper, s.t, Lines()
    before, after = s.replay.before, s.replay.after
    beta1, beta2 = (float(b) for b in h["betas"])
    eps, decay = h["eps"], h["weight_decay"]
    g = _gradient(s, lines, 0.0 if decoupled else decay)
    base, name = s.x, None
    if decoupled and decay:
        base, name = s.x * (1 - s.lr * decay), rf"\tilde x_{{{t - 1}}}"
        lines.say(
            rf"{name} = x_{{{t - 1}}}\,(1 - \eta\lambda) = {_arg(s.x)} \cdot"
            rf" (1 - {_const(s.lr)} \cdot {_const(decay)}) = {_vec(base)}",
            "AdamW's decoupled weight decay: shrink x toward 0 directly, outside Adam's step.",
        )
    _average(lines, t, "m", r"\beta_1", beta1, before.m, g, after.m,
             "First moment: a running average of the gradients, like momentum.")  # fmt: skip
    _average(lines, t, "v", r"\beta_2", beta2, before.v, g * g, after.v,
             "Second moment: a running average of g², coordinate by coordinate.")  # fmt: skip
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
    _step_by(
        s, lines, s.lr * m_hat / (root + eps),
        rf"\eta\, \hat m_{{{t}}} / (\sqrt{{\hat v_{{{t}}}}} + \epsilon)",
        rf"{_const(s.lr)} \cdot {_arg(m_hat)} / \left({_vec(root)} + {_const(eps)}\right)",
        "The step per coordinate: the averaged gradient over its typical size, "
        "so each coordinate moves by at most about η.",
        "Step by Δ from the decayed point." if name else "Step by Δ.",
        base, name,
    )  # fmt: skip
    return lines


#: AdamW: Adam's lines with the decoupled weight decay step first.
adamw = partial(adam, decoupled=True)
