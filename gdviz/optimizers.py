"""Optimizers as small pure state updates, written like their equations.

Each optimizer is a factory that closes over its hyperparameters and returns an
``Update``: ``init(x) -> state`` and ``step(g, state, x, lr) -> (delta, state)``;
applying it is ``x + delta``. The learning rate is passed per step so that schedules
can change it. Everything is element-wise, so it works on arrays with any leading
batch axes. States and variables carry the symbols the explanations show: g, b, G, v,
ḡ, m, t.

Names, defaults and arithmetic follow ``torch.optim`` (torch 2.x, single-tensor
path), operation for operation, so trajectories agree with PyTorch's to rounding.

Each optimizer is registered beside its function with :func:`optimizer`: that entry is
the only place it is described (name, rule, torch class, explanation, suggested η);
its hyperparameters and their defaults are the function's own.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

import numpy as np

from . import checks, equations
from .settings import keyword_defaults


class Update(NamedTuple):
    init: Callable[[np.ndarray], Any]
    step: Callable[[np.ndarray, Any, np.ndarray, float], tuple[np.ndarray, Any]]


@dataclass(frozen=True)
class OptimizerSpec:
    """A registry entry: everything pages, explanations, snippets and tests read.

    ``build`` makes the update from hyperparameters named and defaulted as PyTorch's
    (lr excepted: it is passed per step); a preset is a ``functools.partial`` of one
    (Momentum is SGD with μ = 0.9 fixed for good).
    """

    slug: str
    name: str
    build: Callable[..., Update]
    rule: str  # the update rule in LaTeX
    about: str  # one sentence for the page
    torch: str  # the torch.optim class that runs the same method
    lines: Callable[[equations.Step], equations.Lines]  # one step's equations, with numbers
    #: Suggested η as a share of the domain's width: adaptive methods step by about η per
    #: coordinate whatever the slope. None: the objective's own η (steps of η·g).
    lr_share: float | None = None

    @property
    def adaptive(self) -> bool:
        """Steps by about η per coordinate, whatever the slope (not η·g)."""
        return self.lr_share is not None

    @property
    def defaults(self) -> dict:
        """The hyperparameters open to change, with their (PyTorch's) defaults."""
        return keyword_defaults(self.build)

    @property
    def preset(self) -> dict:
        """The arguments a preset fixes (``{"momentum": 0.9, ...}``); empty for the rest."""
        return dict(getattr(self.build, "keywords", {}))

    @property
    def fixed(self) -> dict:
        """The preset arguments PyTorch must be given: those unlike the function's default."""
        base = keyword_defaults(getattr(self.build, "func", self.build))
        return {k: v for k, v in self.preset.items() if v != base[k]}


#: Every optimizer, keyed by slug, in the order the pages list them.
OPTIMIZERS: dict[str, OptimizerSpec] = {}


def optimizer(slug: str, name: str, **entry) -> Callable:
    """Register the decorated builder (or preset) as ``OPTIMIZERS[slug]``; see OptimizerSpec."""

    def register(build):
        OPTIMIZERS[slug] = OptimizerSpec(slug, name, build, **entry)
        return build

    return register


def _lerp(start, end, weight):
    """torch.lerp, branch for branch: start + w·(end − start), or from the far end."""
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


def _check(name: str, value, low: float = 0.0, high: float = math.inf, closed: bool = True):
    checks.number(name, value, low=low, high=high, high_open=not closed)


# ---- plain gradient descent ------------------------------------------------------------


@optimizer(
    "gd", "Gradient descent", torch="SGD", lines=equations.sgd,
    about="Step downhill, against the gradient, by the learning rate times its size.",
    rule=r"x_{t+1} = x_t - \eta\,\nabla f(x_t)")  # fmt: skip
def gd() -> Update:
    """Plain gradient descent: x ← x − η g."""

    def init(x):
        return ()

    def step(g, state, x, lr):
        return -lr * g, state

    return Update(init, step)


# ---- SGD with momentum (PyTorch's buffer form) -------------------------------------------


class SGDState(NamedTuple):
    b: np.ndarray | None  # momentum buffer (velocity); None before the first step

    @property
    def velocity(self):
        return self.b


@optimizer(
    "sgd", "SGD", torch="SGD", lines=equations.sgd,
    about="PyTorch's SGD: optional momentum buffer, dampening, Nesterov, weight decay.",
    rule=r"b_t = \mu b_{t-1} + (1-\tau) g_t,\quad x_{t+1} = x_t - \eta\, b_t")  # fmt: skip
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

    def init(x):
        return SGDState(b=None)

    def step(g, state, x, lr):
        if weight_decay:
            g = g + weight_decay * x  # L2 penalty's gradient
        b = state.b
        if momentum:
            # velocity: on the first step the buffer is the gradient itself
            b = np.array(g, copy=True) if b is None else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        return -lr * g, SGDState(b)

    return Update(init, step)


# Presets: SGD with some arguments fixed for good (PyTorch runs them as SGD with those).
optimizer(
    "momentum", "Momentum (μ = 0.9)", torch="SGD", lines=equations.sgd,
    about="A heavy ball: the buffer remembers past gradients and keeps rolling.",
    rule=r"b_t = 0.9\, b_{t-1} + g_t,\quad x_{t+1} = x_t - \eta\, b_t",
)(partial(sgd, momentum=0.9, nesterov=False))  # fmt: skip
optimizer(
    "nesterov", "Nesterov (μ = 0.9)", torch="SGD", lines=equations.sgd,
    about="Momentum that looks ahead: the step adds the buffer to the gradient.",
    rule=r"b_t = 0.9\, b_{t-1} + g_t,\quad x_{t+1} = x_t - \eta\,(g_t + 0.9\, b_t)",
)(partial(sgd, momentum=0.9, nesterov=True, dampening=0.0))  # fmt: skip


# ---- AdaGrad ------------------------------------------------------------------------------


class AdagradState(NamedTuple):
    t: int  # steps taken
    G: np.ndarray  # running sum of squared gradients


@optimizer(
    "adagrad", "AdaGrad", torch="Adagrad", lines=equations.adagrad, lr_share=0.1,
    about="Each coordinate's step shrinks with the squared gradients it has seen.",
    rule=r"G_t = G_{t-1} + g_t^2,\quad "
    r"x_{t+1} = x_t - \eta\, g_t / (\sqrt{G_t} + \epsilon)")  # fmt: skip
def adagrad(lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10) -> Update:
    """torch.optim.Adagrad.

    g ← g + λx; η_t = η / (1 + (t − 1)·decay); G ← G + g²; d = √G + ε; x ← x − η_t g / d.
    """
    _check("lr_decay", lr_decay)
    _check("weight_decay", weight_decay)
    _check("initial_accumulator_value", initial_accumulator_value)
    _check("eps", eps)

    def init(x):
        return AdagradState(0, np.full_like(x, initial_accumulator_value, dtype=float))

    def step(g, state, x, lr):
        t = state.t + 1
        if weight_decay:
            g = g + weight_decay * x
        eta = lr / (1 + (t - 1) * lr_decay)  # decayed learning rate η_t
        G = state.G + g * g  # accumulated squared gradient
        d = np.sqrt(G) + eps
        return -eta * g / d, AdagradState(t, G)

    return Update(init, step)


# ---- RMSProp ------------------------------------------------------------------------------


class RMSpropState(NamedTuple):
    v: np.ndarray  # moving average of g²
    g_bar: np.ndarray  # moving average of g (centered only)
    b: np.ndarray  # momentum buffer

    @property
    def velocity(self):
        return self.b


@optimizer(
    "rmsprop", "RMSProp", torch="RMSprop", lines=equations.rmsprop, lr_share=0.001,
    about="AdaGrad that forgets: a moving average of squared gradients scales each step.",
    rule=r"v_t = \alpha v_{t-1} + (1-\alpha) g_t^2,\quad "
    r"x_{t+1} = x_t - \eta\, g_t / (\sqrt{v_t} + \epsilon)")  # fmt: skip
def rmsprop(alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False) -> Update:
    """torch.optim.RMSprop.

    g ← g + λx; v ← αv + (1 − α)g²; d = √v + ε (ε after the root), or when centered
    ḡ ← αḡ + (1 − α)g and d = √(v − ḡ²) + ε; b ← μb + g/d, x ← x − η b (momentum),
    or x ← x − η g/d.
    """
    _check("alpha", alpha)
    _check("eps", eps)
    _check("weight_decay", weight_decay)
    _check("momentum", momentum)

    def init(x):
        zeros = np.zeros_like(x, dtype=float)
        return RMSpropState(zeros, zeros, zeros)

    def step(g, state, x, lr):
        if weight_decay:
            g = g + weight_decay * x
        v = state.v * alpha + (1 - alpha) * g * g  # second moment
        g_bar = state.g_bar
        if centered:
            g_bar = _lerp(g_bar, g, 1 - alpha)  # first moment
            d = np.sqrt(v - g_bar * g_bar) + eps  # root of the variance
        else:
            d = np.sqrt(v) + eps
        b = state.b
        if momentum > 0:
            b = b * momentum + g / d
            return -lr * b, RMSpropState(v, g_bar, b)
        return -lr * g / d, RMSpropState(v, g_bar, b)

    return Update(init, step)


# ---- Adam and AdamW -----------------------------------------------------------------------


class AdamState(NamedTuple):
    t: int  # steps taken
    m: np.ndarray  # first moment
    v: np.ndarray  # second moment
    v_max: np.ndarray  # running max of v (AMSGrad)

    @property
    def velocity(self):
        return self.m


def _adam(betas, eps, weight_decay, amsgrad, *, decoupled) -> Update:
    """Adam's update; ``decoupled`` weight decay shrinks x directly (AdamW)."""
    try:
        beta1, beta2 = (float(b) for b in betas)
    except (TypeError, ValueError):
        raise ValueError(f"betas must be two numbers in [0, 1), got {betas!r}") from None
    _check("betas[0]", beta1, 0.0, 1.0, closed=False)
    _check("betas[1]", beta2, 0.0, 1.0, closed=False)
    _check("eps", eps)
    _check("weight_decay", weight_decay)

    def init(x):
        zeros = np.zeros_like(x, dtype=float)
        return AdamState(0, zeros, zeros, zeros)

    def step(g, state, x, lr):
        t = state.t + 1
        x_decayed = x
        if weight_decay and decoupled:
            x_decayed = x * (1 - lr * weight_decay)  # AdamW: shrink x directly
        elif weight_decay:
            g = g + weight_decay * x  # Adam: L2 penalty in the gradient
        m = _lerp(state.m, g, 1 - beta1)  # first moment
        v = state.v * beta2 + (1 - beta2) * g * g  # second moment
        v_max = np.maximum(state.v_max, v) if amsgrad else state.v_max
        eta = lr / (1 - beta1**t)  # η with m's bias correction
        d = np.sqrt(v_max if amsgrad else v) / (1 - beta2**t) ** 0.5 + eps  # √v̂ + ε
        return x_decayed - eta * m / d - x, AdamState(t, m, v, v_max)

    return Update(init, step)


@optimizer(
    "adam", "Adam", torch="Adam", lines=equations.adam, lr_share=0.01,
    about="Momentum and RMSProp together, with bias correction for the first steps.",
    rule=r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\ v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,"
    r"\ x_{t+1} = x_t - \eta\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)")  # fmt: skip
def adam(betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False) -> Update:
    """torch.optim.Adam.

    g ← g + λx; m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; (AMSGrad: v̂ ← max(v̂, v));
    x ← x − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε).
    """
    return _adam(betas, eps, weight_decay, amsgrad, decoupled=False)


@optimizer(
    "adamw", "AdamW", torch="AdamW", lines=equations.adamw, lr_share=0.01,
    about="Adam with decoupled weight decay: x shrinks directly, not through the gradient.",
    rule=r"x_t \leftarrow x_t (1 - \eta\lambda),\ "
    r"x_{t+1} = x_t - \eta\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)")  # fmt: skip
def adamw(betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False) -> Update:
    """torch.optim.AdamW: Adam, but x ← x(1 − ηλ) instead of g ← g + λx."""
    return _adam(betas, eps, weight_decay, amsgrad, decoupled=True)


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
