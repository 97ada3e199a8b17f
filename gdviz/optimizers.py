"""Optimizers as small pure state updates, written like their equations.

Each optimizer is a factory that closes over its hyperparameters and returns an
``Update``: ``init(params) -> state`` and ``step(grad, state, params, lr) ->
(delta, state)``; applying it is ``params + delta``. The learning rate is passed
per step so that schedules can change it. Everything is element-wise, so it works
on arrays with any leading batch axes.

Names, defaults and arithmetic follow ``torch.optim`` (torch 2.x, single-tensor
path), operation for operation, so trajectories agree with PyTorch's to rounding.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple

import numpy as np

from . import checks


class Update(NamedTuple):
    init: Callable[[np.ndarray], Any]
    step: Callable[[np.ndarray, Any, np.ndarray, float], tuple[np.ndarray, Any]]


def _lerp(start, end, weight):
    """torch.lerp, branch for branch: start + w·(end − start), or from the far end."""
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


def _check(name: str, value, low: float = 0.0, high: float = math.inf, closed: bool = True):
    checks.number(name, value, low=low, high=high, high_open=not closed)


# ---- plain gradient descent ------------------------------------------------------------


def gd() -> Update:
    """Plain gradient descent: x ← x − η g."""

    def init(params):
        return ()

    def step(g, state, params, lr):
        return -lr * g, state

    return Update(init, step)


# ---- SGD with momentum (PyTorch's buffer form) -------------------------------------------


class SGDState(NamedTuple):
    buf: np.ndarray | None  # momentum buffer b (velocity); None before the first step

    @property
    def velocity(self):
        return self.buf


def sgd(momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0) -> Update:
    """torch.optim.SGD.

    g ← g + λx (weight decay); b ← μb + (1 − τ)g (b = g on the first step);
    g ← g + μb (Nesterov) or g ← b; x ← x − η g.
    """
    _check("momentum", momentum)
    _check("dampening", dampening)
    _check("weight_decay", weight_decay)
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError("nesterov needs momentum > 0 and dampening = 0")

    def init(params):
        return SGDState(buf=None)

    def step(g, state, params, lr):
        if weight_decay:
            g = g + weight_decay * params  # L2 penalty's gradient
        buf = state.buf
        if momentum:
            # velocity: on the first step the buffer is the gradient itself
            buf = np.array(g, copy=True) if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        return -lr * g, SGDState(buf)

    return Update(init, step)


# ---- AdaGrad ------------------------------------------------------------------------------


class AdagradState(NamedTuple):
    count: int  # steps taken
    sum: np.ndarray  # running sum of squared gradients G


def adagrad(lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10) -> Update:
    """torch.optim.Adagrad.

    g ← g + λx; η_t = η / (1 + (t − 1)·decay); G ← G + g²; x ← x − η_t g / (√G + ε).
    """
    _check("lr_decay", lr_decay)
    _check("weight_decay", weight_decay)
    _check("initial_accumulator_value", initial_accumulator_value)
    _check("eps", eps)

    def init(params):
        return AdagradState(0, np.full_like(params, initial_accumulator_value, dtype=float))

    def step(g, state, params, lr):
        t = state.count + 1
        if weight_decay:
            g = g + weight_decay * params
        clr = lr / (1 + (t - 1) * lr_decay)  # decayed learning rate
        total = state.sum + 1 * g * g  # accumulated squared gradient
        std = np.sqrt(total) + eps
        return -clr * g / std, AdagradState(t, total)

    return Update(init, step)


# ---- RMSProp ------------------------------------------------------------------------------


class RMSpropState(NamedTuple):
    square_avg: np.ndarray  # E[g²]
    grad_avg: np.ndarray  # E[g] (centered only)
    buf: np.ndarray  # momentum buffer

    @property
    def velocity(self):
        return self.buf


def rmsprop(alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False) -> Update:
    """torch.optim.RMSprop.

    g ← g + λx; v ← αv + (1 − α)g²; (centered: ḡ ← αḡ + (1 − α)g, v̂ = v − ḡ²);
    d = √v̂ + ε (ε after the root); b ← μb + g/d, x ← x − η b (momentum) or x ← x − η g/d.
    """
    _check("alpha", alpha)
    _check("eps", eps)
    _check("weight_decay", weight_decay)
    _check("momentum", momentum)

    def init(params):
        zeros = np.zeros_like(params, dtype=float)
        return RMSpropState(zeros, zeros, zeros)

    def step(g, state, params, lr):
        if weight_decay:
            g = g + weight_decay * params
        square_avg = state.square_avg * alpha + (1 - alpha) * g * g  # second moment
        grad_avg = state.grad_avg
        if centered:
            grad_avg = _lerp(grad_avg, g, 1 - alpha)  # first moment
            avg = np.sqrt(square_avg + -1 * grad_avg * grad_avg)  # variance estimate
        else:
            avg = np.sqrt(square_avg)
        avg = avg + eps
        buf = state.buf
        if momentum > 0:
            buf = buf * momentum + 1 * g / avg
            delta = -lr * buf
        else:
            delta = -lr * g / avg
        return delta, RMSpropState(square_avg, grad_avg, buf)

    return Update(init, step)


# ---- Adam and AdamW -----------------------------------------------------------------------


class AdamState(NamedTuple):
    count: int  # steps taken
    m: np.ndarray  # first moment
    v: np.ndarray  # second moment
    v_max: np.ndarray  # running max of v (AMSGrad)

    @property
    def velocity(self):
        return self.m


def adam(betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, decoupled=False) -> Update:
    """torch.optim.Adam (and AdamW with ``decoupled=True``).

    Adam: g ← g + λx. AdamW: x ← x(1 − ηλ) instead.
    m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; (AMSGrad: v̂ ← max(v̂, v));
    x ← x − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε).
    """
    try:
        beta1, beta2 = (float(b) for b in betas)
    except (TypeError, ValueError):
        raise ValueError(f"betas must be two numbers in [0, 1), got {betas!r}") from None
    _check("betas[0]", beta1, 0.0, 1.0, closed=False)
    _check("betas[1]", beta2, 0.0, 1.0, closed=False)
    _check("eps", eps)
    _check("weight_decay", weight_decay)

    def init(params):
        zeros = np.zeros_like(params, dtype=float)
        return AdamState(0, zeros, zeros, zeros)

    def step(g, state, params, lr):
        t = state.count + 1
        decayed = params
        if weight_decay:
            if decoupled:
                decayed = params * (1 - lr * weight_decay)  # AdamW: shrink x directly
            else:
                g = g + weight_decay * params  # Adam: L2 penalty in the gradient
        m = _lerp(state.m, g, 1 - beta1)  # first moment
        v = state.v * beta2 + (1 - beta2) * g * g  # second moment
        step_size = lr / (1 - beta1**t)  # bias correction of m
        root_correction = (1 - beta2**t) ** 0.5  # bias correction of v
        v_max = np.maximum(state.v_max, v) if amsgrad else state.v_max
        denom = np.sqrt(v_max if amsgrad else v) / root_correction + eps
        new = decayed + -step_size * m / denom
        return new - params, AdamState(t, m, v, v_max)

    return Update(init, step)


adamw = partial(adam, decoupled=True)


# ---- the registry -------------------------------------------------------------------------


@dataclass(frozen=True)
class OptimizerSpec:
    """A registry entry: how to build the optimizer and how to explain it.

    ``defaults`` are PyTorch's (lr excepted: it is passed on its own); ``torch``
    names the ``torch.optim`` class and fixed arguments that run the same method.
    """

    slug: str
    name: str
    build: Callable[..., Update]
    defaults: dict
    rule: str  # the update rule in LaTeX
    about: str = ""
    torch: str = ""
    torch_lr: float = 1e-3
    fixed: dict = field(default_factory=dict)  # preset arguments not open to change


_SGD_DEFAULTS = {"momentum": 0.0, "dampening": 0.0, "nesterov": False, "weight_decay": 0.0}

#: Every optimizer, keyed by slug.
OPTIMIZERS: dict[str, OptimizerSpec] = {
    spec.slug: spec
    for spec in [
        OptimizerSpec(
            slug="gd",
            name="Gradient descent",
            build=gd,
            defaults={},
            rule=r"x_{t+1} = x_t - \eta\,\nabla f(x_t)",
            about="Step downhill, against the gradient, by the learning rate times its size.",
            torch="torch.optim.SGD(params, lr=η)",
            torch_lr=1e-3,
        ),
        OptimizerSpec(
            slug="sgd",
            name="SGD",
            build=sgd,
            defaults=dict(_SGD_DEFAULTS),
            rule=r"b_t = \mu b_{t-1} + (1-\tau) g_t,\quad x_{t+1} = x_t - \eta\, b_t",
            about="PyTorch's SGD: optional momentum buffer, dampening, Nesterov, weight decay.",
            torch="torch.optim.SGD",
            torch_lr=1e-3,
        ),
        OptimizerSpec(
            slug="momentum",
            name="Momentum (μ = 0.9)",
            build=partial(sgd, momentum=0.9),
            defaults={"dampening": 0.0, "weight_decay": 0.0},
            rule=r"b_t = 0.9\, b_{t-1} + g_t,\quad x_{t+1} = x_t - \eta\, b_t",
            about="A heavy ball: the buffer remembers past gradients and keeps rolling.",
            torch="torch.optim.SGD(momentum=0.9)",
            torch_lr=1e-3,
            fixed={"momentum": 0.9},
        ),
        OptimizerSpec(
            slug="nesterov",
            name="Nesterov (μ = 0.9)",
            build=partial(sgd, momentum=0.9, nesterov=True),
            defaults={"weight_decay": 0.0},
            rule=r"b_t = 0.9\, b_{t-1} + g_t,\quad x_{t+1} = x_t - \eta\,(g_t + 0.9\, b_t)",
            about="Momentum that looks ahead: the step adds the buffer to the gradient.",
            torch="torch.optim.SGD(momentum=0.9, nesterov=True)",
            torch_lr=1e-3,
            fixed={"momentum": 0.9, "nesterov": True},
        ),
        OptimizerSpec(
            slug="adagrad",
            name="AdaGrad",
            build=adagrad,
            defaults={
                "lr_decay": 0.0,
                "weight_decay": 0.0,
                "initial_accumulator_value": 0.0,
                "eps": 1e-10,
            },
            rule=r"G_t = G_{t-1} + g_t^2,\quad "
            r"x_{t+1} = x_t - \eta\, g_t / (\sqrt{G_t} + \epsilon)",
            about="Each coordinate's step shrinks with the squared gradients it has seen.",
            torch="torch.optim.Adagrad",
            torch_lr=1e-2,
        ),
        OptimizerSpec(
            slug="rmsprop",
            name="RMSProp",
            build=rmsprop,
            defaults={
                "alpha": 0.99,
                "eps": 1e-8,
                "weight_decay": 0.0,
                "momentum": 0.0,
                "centered": False,
            },
            rule=r"v_t = \alpha v_{t-1} + (1-\alpha) g_t^2,\quad "
            r"x_{t+1} = x_t - \eta\, g_t / (\sqrt{v_t} + \epsilon)",
            about="AdaGrad that forgets: a moving average of squared gradients scales each step.",
            torch="torch.optim.RMSprop",
            torch_lr=1e-2,
        ),
        OptimizerSpec(
            slug="adam",
            name="Adam",
            build=adam,
            defaults={"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False},
            rule=r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\ "
            r"v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,"
            r"\ x_{t+1} = x_t - \eta\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)",
            about="Momentum and RMSProp together, with bias correction for the first steps.",
            torch="torch.optim.Adam",
            torch_lr=1e-3,
        ),
        OptimizerSpec(
            slug="adamw",
            name="AdamW",
            build=adamw,
            defaults={"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 1e-2, "amsgrad": False},
            rule=r"x_t \leftarrow x_t (1 - \eta\lambda),\ "
            r"x_{t+1} = x_t - \eta\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)",
            about="Adam with decoupled weight decay: x shrinks directly, not through the gradient.",
            torch="torch.optim.AdamW",
            torch_lr=1e-3,
        ),
    ]
}


def get_optimizer(slug: str, **hyper) -> Update:
    """Build the optimizer ``slug`` with ``hyper`` over its PyTorch defaults."""
    spec = checks.one_of("optimizer", slug, OPTIMIZERS)
    unknown = set(hyper) - set(spec.defaults)
    if unknown:
        allowed = ", ".join(spec.defaults) or "none"
        raise ValueError(
            f"optimizer {slug!r} has no hyperparameter {', '.join(sorted(unknown))}: "
            f"expected {allowed}"
        )
    return spec.build(**{**spec.defaults, **hyper})
