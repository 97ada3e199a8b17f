"""Race: several optimizers from the same start, compared fairly."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from . import checks
from .analysis import nearest, still_falling
from .descent import DEFAULT_TOL, Trajectory, descend
from .figures.style import PALETTE  # noqa: F401  (one colour per racer; kept importable here)
from .numbers import count, fmt
from .objectives import Objective, get_objective
from .optimizers import OPTIMIZERS, get_optimizer

_NICE = (1.0, 2.0, 5.0)


def nice(value: float) -> float:
    """The nearest of 1, 2, 5 × 10ᵏ (in log terms): 0.037 → 0.05, 0.0013 → 0.001."""
    exponent = math.floor(math.log10(value))
    candidates = [m * 10.0**e for e in (exponent - 1, exponent, exponent + 1) for m in _NICE]
    best = min(candidates, key=lambda c: abs(math.log(c / value)))
    return float(f"{best:.12g}")


def suggested_lr(objective: Objective | str, optimizer: str) -> float:
    """A learning rate that makes the first view of a race interesting.

    Gradient methods step by η·g, so they take the objective's own suggestion.
    Adaptive methods step by about η per coordinate whatever the slope, so η is the
    optimizer's ``lr_share`` of the domain's width, rounded to 1, 2 or 5 × 10ᵏ
    (Adam ~1/100, AdaGrad ~1/10, RMSprop, whose first step is ~10η, ~1/1000).

    >>> suggested_lr("himmelblau", "adam")  # a tenth-unit step on a 10-wide map
    0.1
    """
    obj = get_objective(objective)
    spec = checks.one_of("optimizer", optimizer, OPTIMIZERS)
    if not spec.adaptive:
        return obj.lr
    return nice(spec.lr_share * max(hi - lo for lo, hi in obj.domain))


@dataclass(frozen=True)
class Racer:
    """One entry of a race: an optimizer, its learning rate and hyperparameters."""

    optimizer: str
    lr: float
    hyper: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        """Legend text: name, η and every hyperparameter that differs from PyTorch's default.

        >>> Racer("sgd", 0.01, {"momentum": 0.9}).label
        'SGD, η = 0.01 (momentum 0.9)'
        """
        spec = OPTIMIZERS[self.optimizer]
        changed = [
            f"{hyper_name(k)} {_show(v)}"
            for k, v in self.hyper.items()
            if _differs(v, spec.defaults.get(k))
        ]
        return f"{spec.name}, η = {self.lr:g}" + (f" ({', '.join(changed)})" if changed else "")


#: Hyperparameters whose PyTorch name would put "lr" on screen: η is the learning rate.
_SHOWN_AS = {"lr_decay": "η decay"}


def hyper_name(name: str) -> str:
    """A hyperparameter's name as the page shows it: PyTorch's, with η for the learning rate.

    >>> hyper_name("lr_decay"), hyper_name("momentum")
    ('η decay', 'momentum')
    """
    return _SHOWN_AS.get(name, name)


def _differs(value, default) -> bool:
    if isinstance(value, list | tuple) and isinstance(default, list | tuple):
        return tuple(value) != tuple(default)
    return value != default


def _show(value) -> str:
    if isinstance(value, list | tuple):
        return "/".join(f"{v:g}" for v in value)
    return str(value) if isinstance(value, bool) else f"{value:g}"


def race(
    objective: Objective | str,
    start,
    racers,
    *,
    epochs: int,
    tol: float = DEFAULT_TOL,
    schedule=None,
    noise: float = 0.0,
    seed: int = 0,
) -> list[Trajectory]:
    """Run every racer from the same ``start`` with the same epochs, tolerance, schedule
    and gradient noise (the same noise draws for everyone)."""
    obj = get_objective(objective)
    racers = [r if isinstance(r, Racer) else Racer(**r) for r in racers]
    if not racers:
        raise ValueError("a race needs at least one optimizer")
    return [
        descend(
            obj, start, lr=r.lr, epochs=epochs, optimizer=r.optimizer, tol=tol, schedule=schedule,
            noise=noise, seed=seed, **r.hyper,
        )
        for r in racers
    ]  # fmt: skip


def velocities(traj: Trajectory) -> np.ndarray | None:
    """The optimizer's running direction after each epoch's update, shape (epoch, dim).

    The momentum buffer b (SGD or RMSprop with momentum), the first moment m
    (Adam, AdamW); None for methods without one. Replays the optimizer over the
    recorded gradients, so it is exactly the state the run had.
    """
    update = get_optimizer(traj.optimizer, **traj.hyper)
    state = update.init(traj.points[0])
    if not hasattr(state, "velocity"):
        return None
    out = np.zeros((traj.epoch, traj.objective.dim))
    for t in range(traj.epoch):
        _, state = update.step(traj.step_grads[t], state, traj.points[t], traj.lrs[t])
        if state.velocity is not None:
            out[t] = state.velocity
    return out if np.any(out) else None


def epochs_to_tolerance(traj: Trajectory, tol: float) -> int | None:
    """First epoch whose gradient norm is at most ``tol`` (None if never)."""
    if tol <= 0:
        return None
    hits = np.flatnonzero(traj.grad_norms <= tol)
    return int(hits[0]) if hits.size else None


#: Losses closer than this share of their size are equal: digits below it are rounding.
ROUNDING = 1e-12

#: How the page states the ranking rule (one line).
RANKING_RULE = (
    "Ranked by how fast each optimizer reached the tolerance (fewest epochs first); those "
    "that did not reach it follow, by final {symbol}, with values closer than the tolerance "
    "tied; diverged runs come last."
)


def ended(traj: Trajectory) -> str:
    """How a run ended, in the words a student reads (never a status code).

    ``converged`` (‖∇f‖ reached the tolerance), ``diverged``, ``bouncing`` (oscillating
    without progress), and for a run that used all its epochs: ``ran all epochs`` when
    stopping was off (tolerance 0, so nothing says whether it had arrived), ``still
    descending`` while f is still coming down (:func:`gdviz.analysis.still_falling`),
    ``not converged`` otherwise.

    >>> ended(descend("parabola", 3.0, lr=0.01, epochs=5))
    'still descending'
    """
    if traj.status in ("converged", "diverged"):
        return traj.status
    if traj.status == "oscillating":
        return "bouncing"
    if traj.tol <= 0:
        return "ran all epochs"
    if still_falling(traj.losses):
        return "still descending"
    return "not converged"


def tie_width(best: float, tol: float) -> float:
    """How far apart two final losses may be and still tie: the tolerance, and never less
    than the rounding of numbers the size of ``best`` (``ROUNDING`` × max(1, |best|))."""
    return max(tol, ROUNDING * max(1.0, abs(best)))


def _shared_ranks(keys, first: int) -> list[int]:
    """Competition ranks (1, 2, 2, 4) from already sorted tie ``keys``, starting at ``first``."""
    ranks = []
    for k, key in enumerate(keys):
        ranks.append(ranks[-1] if k and key == keys[k - 1] else first + k)
    return ranks


def leaderboard(trajectories, labels=None) -> list[dict]:
    """One row per racer, ranked; tied runs share a rank (1, 2, 2, 4).

    1. Runs that converged (‖∇f‖ reached their tolerance) come first, by the epochs they
       took; equal epochs tie. Digits of f below the tolerance never decide a place:
       Nesterov at f = 9e-16 in 83 epochs ranks behind AdaGrad at 6.6e-15 in 28.
    2. Then runs that neither converged nor diverged, by final loss, lowest first, in tie
       groups: sorted by loss, a run ties with the group's lowest loss when it is within
       :func:`tie_width` (the tolerance) of it, else it starts the next group. So losses
       that differ by less than the tolerance, or both lie within it of the best, tie.
       Ranking by loss, not by distance to one minimum, keeps a surface with several
       equally good minima fair.
    3. Diverged runs last, all tied: where a diverged run stopped says nothing about how
       good it was.

    Columns: rank, optimizer, final loss, distance to the nearest known minimum (None
    without one), epochs to reach the tolerance (None if never), status (in words, see
    :func:`ended`).
    """
    runs = list(trajectories)
    rows = []
    for i, traj in enumerate(runs):
        closest = nearest(traj.objective.minima, traj.final)
        distance = float(np.linalg.norm(traj.final - closest.point)) if closest else None
        rows.append({
            "optimizer": labels[i] if labels else traj.optimizer,
            "final loss": float(traj.losses[-1]),
            "distance to nearest minimum": distance,
            "epochs to tolerance": epochs_to_tolerance(traj, traj.tol),
            "status": ended(traj),
        })  # fmt: skip
    done = sorted(
        (i for i, t in enumerate(runs) if t.status == "converged"),
        key=lambda i: (rows[i]["epochs to tolerance"], rows[i]["final loss"], i),
    )
    rest = sorted(
        (i for i, t in enumerate(runs) if t.status not in ("converged", "diverged")),
        key=lambda i: (rows[i]["final loss"], i),
    )
    lost = [i for i, t in enumerate(runs) if t.status == "diverged"]
    groups, anchor = [], None
    for i in rest:
        loss = rows[i]["final loss"]
        if anchor is None or loss - anchor > tie_width(anchor, runs[i].tol):
            anchor = loss
        groups.append(anchor)
    ranks = (
        _shared_ranks([rows[i]["epochs to tolerance"] for i in done], 1)
        + _shared_ranks(groups, len(done) + 1)
        + [len(done) + len(rest) + 1] * len(lost)
    )
    order = done + rest + lost
    return [{"rank": rank, **rows[i]} for rank, i in zip(ranks, order, strict=True)]


class Verdict(NamedTuple):
    """The race's banner: its kind (``success``, ``warning``, ``info`` or ``error``, the
    Streamlit call that shows it) and its sentence."""

    kind: str
    text: str


def _names(rows) -> str:
    names = [f"**{row['optimizer']}**" for row in rows]  # labels hold commas: bold sets them off
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def verdict(trajectories, labels=None, board=None) -> Verdict:
    """What the race showed, by the leaderboard's rule, as a banner.

    Success only when someone converged: it names the first to converge (ties named
    together) and, when a run that did not win ended lower by more than the tolerance,
    says so. Nobody converged: a warning naming the lowest final loss (an info when the
    tolerance is 0, so stopping was off). Everyone diverged: an error. ``board``: the
    runs' :func:`leaderboard`, if already made.
    """
    runs = list(trajectories)
    board = leaderboard(runs, labels) if board is None else board
    symbol, tol, epochs = runs[0].objective.symbol, runs[0].tol, runs[0].epochs
    winners = [row for row in board if row["rank"] == 1]
    if board[0]["status"] == "converged":
        n = board[0]["epochs to tolerance"]
        text = (
            f"First to converge: {_names(winners)}, in {count(n, 'epoch')} "
            f"(‖∇{symbol}‖ ≤ {tol:g}), ending at {symbol} = {fmt(winners[0]['final loss'])}."
        )
        alive = [row for row in board if row["status"] != "diverged"]
        lowest = min(alive, key=lambda row: row["final loss"])
        if winners[0]["final loss"] - lowest["final loss"] > tie_width(lowest["final loss"], tol):
            text += (
                f" **{lowest['optimizer']}** ended lower, at {symbol} = "
                f"{fmt(lowest['final loss'])} ({lowest['status']})."
            )
        return Verdict("success", text + _diverged(board))
    if board[0]["status"] == "diverged":
        return Verdict(
            "error",
            "Every optimizer diverged: lower the learning rates (open each optimizer above).",
        )
    best = f"{_names(winners)}, {symbol} = {fmt(winners[0]['final loss'])}"
    if tol <= 0:
        text = (
            f"Stopping is off (tolerance 0), so every run took all {count(epochs, 'epoch')}. "
            f"Lowest final {symbol}: {best}."
        )
        return Verdict("info", text + _diverged(board))
    text = (
        f"No optimizer reached the tolerance ‖∇{symbol}‖ ≤ {tol:g} in "
        f"{count(epochs, 'epoch')}. Lowest final {symbol} so far: {best} "
        f"({winners[0]['status']})."
    )
    return Verdict("warning", text + _diverged(board))


def _diverged(board) -> str:
    lost = [row for row in board if row["status"] == "diverged"]
    if not lost:
        return ""
    return f" {_names(lost)} diverged." if len(lost) < 3 else f" {len(lost)} runs diverged."


def board_table(board) -> list[dict]:
    """The leaderboard as the page shows it: no ``None`` (``not reached``, ``no known
    minimum``), epochs as text so the column holds one type."""
    return [
        {
            **row,
            "distance to nearest minimum": "no known minimum"
            if row["distance to nearest minimum"] is None
            else f"{row['distance to nearest minimum']:.3g}",
            "epochs to tolerance": "not reached"
            if row["epochs to tolerance"] is None
            else str(row["epochs to tolerance"]),
        }
        for row in board
    ]
