"""Lessons: guided "predict, then see" scenarios, with the answer computed from the run.

A :class:`Lesson` is a setting on one of the app's pages (its ``query``: the link settings
that open it, under the names that page's link reads), a question, the kind of prediction
the student makes, and a function that runs the setting with gdviz's own functions (the
computation the page shows) and returns an :class:`Outcome`: the answer, the numbers that
decide it, and 1–3 sentences with those numbers filled in. No answer and no number in an
outcome is written by hand: change the setting and the outcome follows.

:func:`check` says whether a prediction was right, with the numbers (a :class:`Verdict`);
a prediction that makes no sense for the lesson raises ``ValueError`` saying what was
expected. :class:`HandSearch` is the "beat gradient descent by hand" game: the student
probes points, sees only f there, and every probe is counted.

>>> lesson = LESSONS["too_big"]
>>> outcome(lesson).answer
'diverge'
>>> check(lesson, "converge").right, check(lesson, "diverge").right
(False, True)
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache, partial
from numbers import Integral, Real
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

from . import checks
from .analysis import nearest, steady_factor
from .data import DATASETS
from .descent import DEFAULT_TOL, Trajectory, check_start, descend
from .fit import fit
from .links import Choice, read
from .objectives import OBJECTIVES, CriticalPoint, Objective, get_objective
from .optimizers import OPTIMIZERS
from .race import Racer, ended, epochs_to_tolerance, race, suggested_lr
from .scaling import scaling_experiment
from .stability import curvature, reference_curvature
from .trial import SearchRun, counted_descent_objective, race_trial_vs_gradient

#: The pages a lesson can open: ``ui.links.PAGES`` (gdviz never imports ui; a test checks
#: that the two agree).
PAGES = ("descent", "race", "landscape", "fit", "why", "slope")

# ---- kinds of prediction -----------------------------------------------------------------

STATUS = "status"  # converge, bounce or diverge
MINIMUM = "minimum"  # which of the listed known points the run ends at
FIRST = "first"  # which racer reaches the tolerance first
CLOSEST = "closest"  # which racer ends closest to the minimum
LOWEST = "lowest"  # which run ends with the lowest loss
RATE = "rate"  # which learning rate converges fastest
ZIGZAG = "zigzag"  # which coordinate's steps flip back and forth
NEXT_STEP = "next_step"  # where the next step lands: a point
COUNT = "count"  # a number: epochs, evaluations
HAND = "hand"  # the student's own search, probe by probe (a HandSearch)


class Kind(NamedTuple):
    """A kind of prediction: its slug, what the student gives (``choice``: one of the
    lesson's choices; ``point``; ``number``; ``search``: a :class:`HandSearch`), and what
    is asked, in words."""

    slug: str
    gives: str
    about: str


#: Every kind of prediction, keyed by slug.
KINDS: dict[str, Kind] = {
    k.slug: k
    for k in (
        Kind(STATUS, "choice", "whether the run converges, bounces or diverges"),
        Kind(MINIMUM, "choice", "which of the function's known points the run ends at"),
        Kind(FIRST, "choice", "which optimizer reaches the tolerance first"),
        Kind(CLOSEST, "choice", "which optimizer ends closest to the minimum"),
        Kind(LOWEST, "choice", "which run ends with the lowest loss"),
        Kind(RATE, "choice", "which learning rate converges in the fewest epochs"),
        Kind(ZIGZAG, "choice", "which coordinate zig-zags"),
        Kind(NEXT_STEP, "point", "where the next step lands"),
        Kind(COUNT, "number", "how many (epochs, evaluations)"),
        Kind(HAND, "search", "whether your own search beats gradient descent"),
    )
}

#: A status lesson's choices ...
CONVERGE, BOUNCE, DIVERGE = "converge", "bounce", "diverge"
STATUS_CHOICES = (CONVERGE, BOUNCE, DIVERGE)
#: ... and the answer each gdviz status gives. A run that used all its epochs
#: (``max_epochs``) did none of the three: its answer is then the words the race page uses
#: for it (``gdviz.race.ended``: "still descending", "not converged"), which no prediction
#: matches. No registered status lesson ends there (tested).
STATUS_ANSWERS = {"converged": CONVERGE, "oscillating": BOUNCE, "diverged": DIVERGE}
#: Other words a status prediction may use (gdviz's own statuses among them).
_STATUS_WORDS = {
    **{word: CONVERGE for word in ("converged", "converges", "converging")},
    **{word: BOUNCE for word in ("bounces", "bouncing", "oscillate", "oscillates", "oscillating")},
    **{word: DIVERGE for word in ("diverged", "diverges", "diverging")},
}
#: The answer of a race nobody wins, and of a race two racers win at the same epoch.
NEITHER, TIE = "neither", "a tie"
BOTH = "both"

#: A next-step prediction is right within this share of the step's length of the point.
NEXT_STEP_SHARE = 0.1
#: A count is right within this factor of the answer, either way.
COUNT_FACTOR = 2.0
#: How close to the minimum value a search by hand (and gradient descent, its rival) must get.
HAND_TOL = 0.01
#: The number of parameters of the "many parameters" lesson (the why page shows n ≤ 256 at once).
SCALING_N = 256
#: A run left a saddle when it ends this many times farther from it than it came.
ESCAPED = 10.0
#: A racer overshot when it ends this many times farther from the minimum than it came.
OVERSHOT = 1.5

# ---- numbers in sentences -------------------------------------------------------------------

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def as_text(value) -> str:
    """How a lesson writes a number: counts in full (12,405), others to 4 significant
    digits (0.9753, -0.8), thousands rounded (39,063), powers of ten beyond (10⁻⁵,
    3.52 × 10⁻⁷); a point as (3, 0.5), a 1-D point as its number. Sentences and tests
    format every number of an :class:`Outcome` with it.

    >>> as_text(12405), as_text(0.975312), as_text(1e-05), as_text(3.5e-07)
    ('12,405', '0.9753', '10⁻⁵', '3.5 × 10⁻⁷')
    >>> as_text((3.0, 0.5)), as_text((2.0,)), as_text(-0.7999999999999998), as_text(39062.95)
    ('(3, 0.5)', '2', '-0.8', '39,063')
    """
    if isinstance(value, tuple | list | np.ndarray):
        parts = [as_text(float(v)) for v in np.ravel(value)]
        return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"
    if isinstance(value, Integral) and not isinstance(value, bool):
        return f"{int(value):,}"
    value = float(value)
    if math.isnan(value):
        return "undefined"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value == 0:
        return "0"
    if 1e-4 <= abs(value) < 1e3:
        return f"{value:.4g}"
    if 1e3 <= abs(value) < 1e6:
        return f"{round(value):,}"
    mantissa, exponent = f"{value:.3g}".split("e")
    power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
    if mantissa in ("1", "-1"):
        return mantissa[:-1] + power
    return f"{mantissa} × {power}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _signed(value) -> str:
    """A number as an operand: a negative one in parentheses (4 − 0.25 · (-8))."""
    text = as_text(value)
    return f"({text})" if text.startswith("-") else text


def _where(objective: Objective, point) -> str:
    """``x = 2`` or ``(x, y) = (3, 0.5)``, in the objective's own variables (w, b on a fit)."""
    names = [str(v) for v in objective.variables]
    if len(names) == 1:
        return f"{names[0]} = {as_text(point)}"
    return f"({', '.join(names)}) = {as_text(point)}"


def _point(values) -> tuple[float, ...]:
    return tuple(float(v) for v in np.ravel(values))


def point_label(objective: Objective, point: CriticalPoint) -> str:
    """How a lesson names a known point among its choices: ``the local minimum at x = 0.9601``.

    >>> point_label(OBJECTIVES["double_well"], OBJECTIVES["double_well"].minima[1])
    'the local minimum at x = 0.9601'
    """
    return f"the {point.kind} at {_where(objective, point.point)}"


# ---- values -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What a lesson's run did: the right ``answer`` (one of the lesson's choices, a point,
    a count), the ``numbers`` that decide it (name → value), and 1–3 ``sentences`` that
    quote every one of those numbers, written by :func:`as_text`."""

    answer: object
    numbers: Mapping[str, object]
    sentences: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


@dataclass(frozen=True)
class Verdict:
    """Whether a prediction was ``right``, a ``sentence`` saying so with the numbers, and
    the lesson's :class:`Outcome`."""

    right: bool
    sentence: str
    outcome: Outcome


def _said(answer, *parts: tuple[str, Mapping]) -> Outcome:
    """An Outcome from (sentence, the numbers it quotes) pairs, in order."""
    numbers: dict[str, object] = {}
    for _, quoted in parts:
        numbers.update(quoted)
    return Outcome(answer, MappingProxyType(numbers), tuple(text for text, _ in parts))


@dataclass(frozen=True, eq=False)
class Lesson:
    """A guided scenario: a setting on one page, a question, and its computed outcome.

    ``page`` is one of :data:`PAGES`; ``query`` the link settings (name → text) that open
    the setting there, under the names that page's link reads; ``kind`` one of
    :data:`KINDS`; ``choices`` the options offered for a choice kind (empty otherwise);
    ``compute(lesson) -> Outcome`` runs the setting (call :func:`outcome`, which caches).
    """

    slug: str
    title: str
    page: str
    query: Mapping[str, str]
    question: str
    kind: str
    choices: tuple[str, ...]
    about: str
    compute: Callable[[Lesson], Outcome] = field(repr=False)

    def __post_init__(self):
        if self.page not in PAGES:
            raise ValueError(f"{self.slug}: page must be one of {', '.join(PAGES)}, "
                             f"got {self.page!r}")  # fmt: skip
        kind = checks.one_of("kind of prediction", self.kind, KINDS)
        if (kind.gives == "choice") != bool(self.choices):
            needs = "choices" if kind.gives == "choice" else "no choices"
            raise ValueError(f"{self.slug}: a {self.kind} lesson needs {needs}")
        if not all(isinstance(v, str) for v in self.query.values()):
            raise ValueError(f"{self.slug}: every query value must be text")
        object.__setattr__(self, "query", MappingProxyType(dict(self.query)))
        object.__setattr__(self, "choices", tuple(self.choices))

    def __repr__(self) -> str:
        return f"Lesson({self.slug!r}, page={self.page!r}, kind={self.kind!r})"


# ---- running a lesson's setting, as its page does ---------------------------------------------

#: The epochs a page runs when its link leaves them out.
_PAGE_EPOCHS = {"descent": 100, "race": 200, "landscape": 100, "fit": 100}


def _number(query: Mapping[str, str], name: str, default=None) -> float:
    text = query.get(name)
    return default if text is None else float(text)


def _start(query: Mapping[str, str], objective: Objective) -> tuple[float, ...]:
    names = ("x0", "y0")[: objective.dim]
    return tuple(_number(query, n, s) for n, s in zip(names, objective.start, strict=True))


def _epochs(lesson: Lesson) -> int:
    return int(_number(lesson.query, "epochs", _PAGE_EPOCHS.get(lesson.page, 100)))


@lru_cache(maxsize=64)
def _descent(fn, start, lr, epochs, tol, noise, seed) -> Trajectory:
    return descend(fn, start, lr=lr, epochs=epochs, tol=tol, noise=noise, seed=seed)


def _descent_run(lesson: Lesson, lr: float | None = None, epochs: int | None = None):
    """The descent page's run (``ui.compute.run_descent``), at another η if given."""
    q = lesson.query
    objective = OBJECTIVES[q["fn"]]
    return _descent(q["fn"], _start(q, objective), float(q["lr"]) if lr is None else lr,
                    _epochs(lesson) if epochs is None else epochs,
                    _number(q, "tol", DEFAULT_TOL), _number(q, "noise", 0.0),
                    int(_number(q, "seed", 0)))  # fmt: skip


@lru_cache(maxsize=32)
def _fit(data, start, lr, epochs, optimizer, batch_size, seed, loss):
    return fit(DATASETS[data], start, lr=lr, epochs=epochs, optimizer=optimizer,
               batch_size=batch_size, seed=seed, loss=loss)  # fmt: skip


def _batch_size(lesson: Lesson) -> int | None:
    q, n = lesson.query, DATASETS[lesson.query["data"]].n
    word = q.get("batch", "full")
    if word == "mini":
        return int(_number(q, "bs", min(4, n)))
    return 1 if word == "sgd" else None


def _fit_run(lesson: Lesson, batch_size="link"):
    """The fit page's run (``ui.compute.run_fit``), with another batch size if given."""
    q = lesson.query
    data = DATASETS[q["data"]]
    start = tuple(_number(q, n, s) for n, s in zip(("w0", "b0"), data.start, strict=False))
    size = _batch_size(lesson) if batch_size == "link" else batch_size
    return _fit(q["data"], start, _number(q, "lr", data.lr), _epochs(lesson),
                q.get("opt", "gd"), size, int(_number(q, "seed", 0)),
                q.get("loss", "mse"))  # fmt: skip


def _run(lesson: Lesson):
    return _fit_run(lesson) if lesson.page == "fit" else _descent_run(lesson)


def shown_run(lesson: Lesson | str):
    """The run the lesson's page draws, for the lessons page to show: a Trajectory (the
    descent page), the racers' Trajectories (the race page), a FitTrajectory (the fit
    page); None for the why page, whose experiments are counts, not one run."""
    lesson = get_lesson(lesson)
    if lesson.page == "race":
        return _race_run(lesson)
    if lesson.page in ("descent", "fit"):
        return _run(lesson)
    return None


@lru_cache(maxsize=16)
def _race(fn, start, racers, epochs, tol) -> tuple[Trajectory, ...]:
    entries = [Racer(opt, lr, dict(OPTIMIZERS[opt].defaults)) for opt, lr in racers]
    return tuple(race(fn, start, entries, epochs=epochs, tol=tol))


def _race_run(lesson: Lesson) -> tuple[Trajectory, ...]:
    """The race page's runs (``ui.compute.run_race``): each racer with PyTorch's defaults and
    its own η (the link's, else the page's suggestion)."""
    q = lesson.query
    objective = OBJECTIVES[q["fn"]]
    picked = q["opt"].split(",")
    racers = tuple((opt, _number(q, f"lr_{opt}", suggested_lr(objective, opt))) for opt in picked)
    return _race(q["fn"], _start(q, objective), racers, _epochs(lesson),
                 _number(q, "tol", DEFAULT_TOL))  # fmt: skip


def _racer_name(traj: Trajectory) -> str:
    return OPTIMIZERS[traj.optimizer].name


@lru_cache(maxsize=16)
def _trial_race(fn, start, lr, delta):
    return race_trial_vs_gradient(fn, start, lr=lr, delta=delta)


def _why_setting(lesson: Lesson) -> tuple[str, tuple[float, ...], float, float]:
    """The why page's function, start, η and δ (``ui.compute.trial_vs_gradient``)."""
    q = lesson.query
    objective = OBJECTIVES[q["fn"]]
    return (q["fn"], _start(q, objective), _number(q, "lr", objective.lr),
            _number(q, "delta", 0.7))  # fmt: skip


@lru_cache(maxsize=16)
def _counted_gd(fn, start, lr, tol) -> SearchRun:
    return counted_descent_objective(fn, start, lr=lr, tol=tol)


@lru_cache(maxsize=4)
def _scaling(n: int, seed: int):
    # Each n's problem is seeded by (seed, n): the page's run over n = 1 … 256 gives n the
    # same numbers as this run of n alone.
    return scaling_experiment((n,), seed=seed)


# ---- outcomes, one function per kind of question ------------------------------------------------

_DIVERGED = {
    "runaway": "{s} grew faster and faster, step after step",
    "overflow": "the numbers grew too large to compute",
    "undefined": "{s} is not defined where it stepped",
    "unbounded": "{s} has no lower bound that way, and it kept falling faster",
}


def _ending(traj: Trajectory) -> tuple[str, dict]:
    """The first sentence of a status outcome: how the run ended, where, and f there."""
    obj, s = traj.objective, traj.objective.symbol
    k, final, loss = traj.epoch, _point(traj.final), float(traj.losses[-1])
    where = f"{_where(obj, final)}, {s} = {as_text(loss)}"
    if traj.status == "converged":
        return (f"It converged in {as_text(k)} epochs, to {where}.",
                {"epochs to converge": k, "final point": final, f"final {s}": loss})  # fmt: skip
    if traj.status == "diverged":
        why = _DIVERGED.get(traj.reason, "it ran away").format(s=s)
        return (f"It diverged at epoch {as_text(k)}: {why}; it was at {where}.",
                {"epoch it diverged at": k, "last point": final, f"{s} there": loss})  # fmt: skip
    if traj.status == "oscillating":
        return (f"It bounced for all {as_text(k)} epochs without settling, ending at {where}.",
                {"epochs": k, "final point": final, f"final {s}": loss})  # fmt: skip
    return (f"It did none of these: after {as_text(k)} epochs it was {ended(traj)}, at {where}.",
            {"epochs": k, "final point": final, f"final {s}": loss})  # fmt: skip


def _relation(lr: float, limit: float) -> str:
    if math.isclose(lr, limit, rel_tol=1e-9):
        return "exactly"
    return "below" if lr < limit else "above"


def _limit_part(traj: Trajectory, factor: bool) -> tuple[str, dict] | None:
    """η against plain GD's stable limit 2/λ_max where it is decided (gdviz.stability), and
    the measured factor by which each step multiplied the distance to the minimum."""
    obj = traj.objective
    c = reference_curvature(obj, traj.points[0])
    if c is None or c.gd_limit is None:
        return None
    text = (f"η = {as_text(traj.lr)} is {_relation(traj.lr, c.gd_limit)} the stable limit "
            f"2/λ_max = {as_text(c.gd_limit)} at {c.where}")  # fmt: skip
    numbers = {"η": traj.lr, "stable limit 2/λ_max": c.gd_limit}
    closest = nearest(obj.minima, traj.final)
    # only a factor that held over those steps (a chaotic bounce has none)
    measured = steady_factor(traj.points, closest.point, 10) if factor and closest else None
    if measured is not None:
        text += f"; over the last steps each multiplied the distance to it by {as_text(measured)}"
        numbers["distance factor per step"] = measured
    return text + ".", numbers


def _status(lesson: Lesson, *, limit: bool = True, factor: bool = True,
            full_batch: bool = False) -> Outcome:  # fmt: skip
    """converge / bounce / diverge, from the run's status; η against its stable limit; for a
    fit, the same η with the full batch beside it."""
    traj = _run(lesson)
    answer = STATUS_ANSWERS.get(traj.status) or ended(traj)
    parts = [_ending(traj)]
    if limit and (part := _limit_part(traj, factor)) is not None:
        parts.append(part)
    if full_batch:
        whole = _fit_run(lesson, batch_size=None)
        s, loss = whole.objective.symbol, float(whole.losses[-1])
        lowest = whole.objective.global_minimum
        did = "converged in" if whole.status == "converged" else f"was {ended(whole)} after"
        text = (f"With the full batch the same η {did} {as_text(whole.epoch)} epochs, at "
                f"{s} = {as_text(loss)}")  # fmt: skip
        numbers = {"full-batch epochs": whole.epoch, f"full-batch final {s}": loss}
        if lowest is not None:
            text += f"; the lowest {s} possible is {as_text(lowest.value)}"
            numbers[f"lowest {s}"] = lowest.value
        parts.append((text + ".", numbers))
    return _said(answer, *parts)


def _listed_points(lesson: Lesson, objective: Objective) -> dict[str, CriticalPoint]:
    labels = {point_label(objective, p): p for p in objective.critical_points}
    return {label: labels[label] for label in lesson.choices}


def _distance(a, b) -> float:
    return float(np.linalg.norm(np.subtract(a, b)))


def _minimum(lesson: Lesson) -> Outcome:
    """Which of the listed known points the run ends nearest; what is lower; whether the
    start's nearest minimum was another; how close it came to a listed saddle."""
    traj = _run(lesson)
    obj, s = traj.objective, traj.objective.symbol
    listed = _listed_points(lesson, obj)
    final, loss, start = _point(traj.final), float(traj.losses[-1]), _point(traj.points[0])
    label, end = min(listed.items(), key=lambda item: _distance(item[1].point, final))
    gap = _distance(end.point, final)
    parts = [(f"After {as_text(traj.epoch)} epochs ({ended(traj)}) it was at "
              f"{_where(obj, final)}, {as_text(gap)} from {label}, with {s} = {as_text(loss)}.",
              {"epochs": traj.epoch, "final point": final, "distance to that point": gap,
               f"final {s}": loss})]  # fmt: skip
    minima = {k: p for k, p in listed.items() if p.is_minimum}
    saddles = {k: p for k, p in listed.items() if not p.is_minimum}
    for name, saddle in saddles.items():
        with np.errstate(all="ignore"):
            path = np.linalg.norm(traj.points - np.asarray(saddle.point), axis=-1)
        k = int(np.argmin(path))
        closest, slope = float(path[k]), float(traj.grad_norms[k])
        escaped = _distance(saddle.point, final) > ESCAPED * closest
        left = "then left it" if escaped else "and stayed near it"
        parts.append((f"On the way it came within {as_text(closest)} of {name} at epoch "
                      f"{as_text(k)}, where ‖∇{s}‖ was only {as_text(slope)}, {left}.",
                      {"closest to the saddle": closest, "epoch closest to the saddle": k,
                       f"‖∇{s}‖ there": slope}))  # fmt: skip
    if end.is_minimum:
        lowest_label, lowest = min(minima.items(), key=lambda item: item[1].value)
        if lowest.value < end.value - 1e-9:
            parts.append((f"{_capital(lowest_label)} goes lower, to "
                          f"{s} = {as_text(lowest.value)}, but gradient descent only follows "
                          "the slope down from where it starts.",
                          {f"lowest {s} listed": lowest.value}))  # fmt: skip
        near_label, near = min(minima.items(), key=lambda item: _distance(item[1].point, start))
        if near is not end:
            to_near, to_end = _distance(near.point, start), _distance(end.point, start)
            parts.append((f"It did not end in the minimum nearest its start: the start is "
                          f"{as_text(to_near)} from {near_label} and {as_text(to_end)} from "
                          f"{label}.",
                          {"start to the nearest minimum": to_near,
                           "start to where it ended": to_end}))  # fmt: skip
    return _said(label, *parts[:3])


def _rates(lesson: Lesson) -> Outcome:
    """Too small, just right, too big: each choice's η run from the same setting."""
    rates = [float(c) for c in lesson.choices]
    runs = [_descent_run(lesson, lr=lr) for lr in rates]
    obj = runs[0].objective
    done = [(t.epoch, i) for i, t in enumerate(runs) if t.status == "converged"]
    if not done:
        return _said(NEITHER, (f"None of them converged in {as_text(runs[0].epochs)} epochs.",
                               {"epochs": runs[0].epochs}))  # fmt: skip
    best = min(done)[1]
    lr, k = rates[best], runs[best].epoch
    parts = [(f"η = {as_text(lr)} is just right: it converged in {as_text(k)} epochs.",
              {f"epochs at η = {as_text(lr)}": k})]  # fmt: skip
    others, numbers = [], {}
    for rate, traj in zip(rates, runs, strict=True):
        if rate == lr:
            continue
        size = "small" if rate < lr else "big"
        key = f"η = {as_text(rate)}"
        if traj.status == "diverged":
            what = f"it diverged at epoch {as_text(traj.epoch)}"
            numbers[f"{key}: epoch it diverged at"] = traj.epoch
        elif traj.status == "converged":
            what = f"it converged, but took {as_text(traj.epoch)} epochs"
            numbers[f"{key}: epochs"] = traj.epoch
        else:
            final = _point(traj.final)
            what = f"{ended(traj)} after {as_text(traj.epoch)} epochs, at {_where(obj, final)}"
            numbers[f"{key}: epochs"], numbers[f"{key}: final point"] = traj.epoch, final
        others.append(f"{key} is too {size}: {what}")
    parts.append(("; ".join(others) + ".", numbers))
    c = reference_curvature(obj, runs[0].points[0])
    if c is not None and c.gd_limit is not None:
        parts.append((f"The stable limit at {c.where} is 2/λ_max = {as_text(c.gd_limit)}.",
                      {"stable limit 2/λ_max": c.gd_limit}))  # fmt: skip
    return _said(lesson.choices[best], *parts)


def _zigzag(lesson: Lesson) -> Outcome:
    """Which coordinate's steps keep changing sign; each coordinate's factor 1 − η·∂²f/∂v²
    at the minimum (a negative one puts the point on the other side every step)."""
    traj = _run(lesson)
    obj = traj.objective
    names = [str(v) for v in obj.variables]
    steps = np.diff(traj.points, axis=0)
    flips = [int(np.sum(steps[:-1, i] * steps[1:, i] < 0)) for i in range(obj.dim)]
    pairs = len(steps) - 1
    zigzags = [name for name, f in zip(names, flips, strict=True) if pairs and f >= pairs / 2]
    answer = zigzags[0] if len(zigzags) == 1 else (BOTH if zigzags else NEITHER)
    if len(zigzags) == 1:
        told = f"{answer} zig-zags"
    else:
        told = f"{answer} {'zig-zag' if zigzags else 'zig-zags'}"
    counts = " and ".join(f"{n}'s {as_text(f)} times" for n, f in zip(names, flips, strict=True))
    parts = [(f"Over {as_text(len(steps))} steps, the step changed direction {counts}: "
              f"{told}.",
              {"steps": len(steps), **{f"{n}'s changes of direction": f
                                       for n, f in zip(names, flips, strict=True)}})]  # fmt: skip
    minimum = obj.global_minimum
    if minimum is not None:
        diagonal = np.diag(obj.hessian(np.asarray(minimum.point)))
        factors = [float(1 - traj.lr * h) for h in diagonal]
        said = " and ".join(f"{n} by 1 − η·∂²{obj.symbol}/∂{n}² = {as_text(a)}"
                            for n, a in zip(names, factors, strict=True))  # fmt: skip
        parts.append(
            (
                f"Near the minimum each step multiplies {said}: a negative factor "
                "puts the point on the other side every step.",
                {f"factor for {n}": a for n, a in zip(names, factors, strict=True)},
            )
        )
    return _said(answer, *parts)


def _first(lesson: Lesson) -> Outcome:
    """Which racer's gradient reached the tolerance first (the race's stop epochs)."""
    runs = _race_run(lesson)
    obj, s = runs[0].objective, runs[0].objective.symbol
    tol, epochs = runs[0].tol, runs[0].epochs
    hits = [epochs_to_tolerance(t, t.tol) for t in runs]
    reached = [h for h in hits if h is not None]
    parts = []
    if not reached:
        answer = NEITHER
        parts.append((f"Nobody reached ‖∇{s}‖ ≤ {as_text(tol)} in {as_text(epochs)} epochs.",
                      {"tolerance": tol, "epochs": epochs}))  # fmt: skip
    else:
        first = min(reached)
        winners = [i for i, h in enumerate(hits) if h == first]
        answer = _racer_name(runs[winners[0]]) if len(winners) == 1 else TIE
        who = " and ".join(_racer_name(runs[i]) for i in winners)
        parts.append((f"{who} reached ‖∇{s}‖ ≤ {as_text(tol)} first, at epoch {as_text(first)}.",
                      {"tolerance": tol, "first epoch at the tolerance": first}))  # fmt: skip
        others, numbers = [], {}
        for traj, hit in zip(runs, hits, strict=True):
            name = _racer_name(traj)
            if hit == first:
                continue
            if hit is not None:
                others.append(f"{name} at epoch {as_text(hit)}")
                numbers[f"{name}: epoch at the tolerance"] = hit
            else:
                loss = float(traj.losses[-1])
                others.append(f"{name} had not reached it after {as_text(traj.epoch)} epochs "
                              f"({ended(traj)}, {s} = {as_text(loss)})")  # fmt: skip
                numbers[f"{name}: epochs run"], numbers[f"{name}: final {s}"] = traj.epoch, loss
        if others:
            parts.append((_capital("; ".join(others)) + ".", numbers))
    minimum = obj.global_minimum
    if minimum is not None:
        ends = {_racer_name(t): _distance(t.final, minimum.point) for t in runs}
        listed = ", ".join(f"{name} {as_text(d)}" for name, d in ends.items())
        parts.append(
            (
                f"Distance from the minimum at {_where(obj, minimum.point)} at the end: {listed}.",
                {
                    "minimum": _point(minimum.point),
                    **{f"{name}: final distance": d for name, d in ends.items()},
                },
            )
        )
    return _said(answer, *parts)


def _climb(losses: np.ndarray) -> tuple[int, int]:
    """(epoch of the low, epoch of the peak) of the largest climb of the loss above its
    lowest value so far."""
    with np.errstate(all="ignore"):
        lows = np.minimum.accumulate(losses)
        peak = int(np.nanargmax(losses - lows))
    return int(np.argmin(losses[: peak + 1])), peak


def _closest(lesson: Lesson) -> Outcome:
    """Which racer ends closest to the global minimum; who came closer and overshot."""
    runs = _race_run(lesson)
    obj, s = runs[0].objective, runs[0].objective.symbol
    m = obj.global_minimum.point
    ends = [_distance(t.final, m) for t in runs]
    best = int(np.argmin(ends))
    winner = _racer_name(runs[best])
    rest = "".join(
        f"; {_racer_name(t)} ended {as_text(d)} away"
        for i, (t, d) in enumerate(zip(runs, ends, strict=True))
        if i != best
    )
    nearer = "nearer" if len(runs) == 2 else "nearest"
    parts = [(f"{winner} ended {nearer} the minimum at {_where(obj, m)}: "
              f"{as_text(ends[best])} from it{rest}.",
              {"minimum": _point(m),
               **{f"{_racer_name(t)}: final distance": d
                  for t, d in zip(runs, ends, strict=True)}})]  # fmt: skip
    for traj, d in zip(runs, ends, strict=True):
        with np.errstate(all="ignore"):
            path = np.linalg.norm(traj.points - np.asarray(m), axis=-1)
        k = int(np.nanargmin(path))
        if not d > OVERSHOT * path[k]:
            continue
        low, peak = _climb(traj.losses)
        name = _racer_name(traj)
        if peak == low:  # it moved away while f kept falling: no climb to tell
            parts.append((f"{name} came within {as_text(float(path[k]))} of it at epoch "
                          f"{as_text(k)}, then moved away.",
                          {f"{name}: closest distance": float(path[k]),
                           f"{name}: epoch closest": k}))  # fmt: skip
            continue
        parts.append((f"{name} came within {as_text(float(path[k]))} of it at epoch "
                      f"{as_text(k)}, then overshot: {s} climbed from {as_text(traj.losses[low])} "
                      f"at epoch {as_text(low)} to {as_text(traj.losses[peak])} at epoch "
                      f"{as_text(peak)}.",
                      {f"{name}: closest distance": float(path[k]),
                       f"{name}: epoch closest": k, f"{name}: lowest {s} before the climb":
                       float(traj.losses[low]), f"{name}: epoch of that low": low,
                       f"{name}: {s} at the top of the climb": float(traj.losses[peak]),
                       f"{name}: epoch of the top": peak}))  # fmt: skip
    return _said(winner, *parts[:3])


def batch_labels(data: str) -> tuple[str, str, str]:
    """The fit page's comparison of batches (``ui.compute.fit_comparison``), as it labels
    them: full batch, mini-batches of 4 (or fewer points), single samples."""
    n = DATASETS[data].n
    return ("full batch", f"mini-batch of {min(4, n)}", "SGD (batch 1)")


def _lowest(lesson: Lesson) -> Outcome:
    """Which of full batch, mini-batch and SGD ends with the lowest loss, same η and epochs."""
    n = DATASETS[lesson.query["data"]].n
    sizes = (None, min(4, n), 1)
    labels = batch_labels(lesson.query["data"])
    runs = [_fit_run(lesson, batch_size=size) for size in sizes]
    s = runs[0].objective.symbol
    losses = [float(t.losses[-1]) for t in runs]
    best = int(np.argmin(losses))
    rest = ", ".join(f"{label} {s} = {as_text(loss)}"
                     for i, (label, loss) in enumerate(zip(labels, losses, strict=True))
                     if i != best)  # fmt: skip
    parts = [(f"After {as_text(runs[0].epoch)} epochs, {labels[best]} ended lowest, at "
              f"{s} = {as_text(losses[best])}; {rest}.",
              {"epochs": runs[0].epoch,
               **{f"{label}: final {s}": loss
                  for label, loss in zip(labels, losses, strict=True)}})]  # fmt: skip
    per = [t.iterations_per_epoch for t in runs]
    parts.append((f"One epoch is {as_text(per[0])} step with the full batch, {as_text(per[1])} "
                  f"with mini-batches and {as_text(per[2])} with SGD: more steps, each on a "
                  "noisier gradient.",
                  {f"{label}: steps per epoch": k
                   for label, k in zip(labels, per, strict=True)}))  # fmt: skip
    lowest = runs[0].objective.global_minimum
    if lowest is not None:
        parts.append((f"The lowest {s} possible is {as_text(lowest.value)}.",
                      {f"lowest {s}": lowest.value}))  # fmt: skip
    return _said(labels[best], *parts)


def _next_step(lesson: Lesson) -> Outcome:
    """x₁ = x₀ − η∇f(x₀), from the page's own run."""
    traj = _descent_run(lesson, epochs=1)
    obj, s = traj.objective, traj.objective.symbol
    x0, x1 = _point(traj.points[0]), _point(traj.points[1])
    grad = _point(traj.grads[0])
    length = _distance(x0, x1)
    if obj.dim == 1:
        rule = f"x₁ = x₀ − η·{s}′(x₀) = {as_text(x0)} − {as_text(traj.lr)} · {_signed(grad)}"
        way = "to the left" if x1[0] < x0[0] else "to the right"
    else:
        rule = (f"(x₁, y₁) = (x₀, y₀) − η∇{s}(x₀, y₀) = {as_text(x0)} − {as_text(traj.lr)} · "
                f"{as_text(grad)}")  # fmt: skip
        way = "against the gradient"
    parts = [(f"It lands at {rule} = {as_text(x1)}.",
              {"start": x0, "η": traj.lr, "gradient at the start": grad, "next point": x1}),
             (f"The step is {as_text(length)} long, {way}: downhill.",
              {"step length": length})]  # fmt: skip
    return _said(x1, *parts)


def _count_epochs(lesson: Lesson) -> Outcome:
    """Epochs to converge on a 1-D quadratic bowl, and the rate on the other side of 1/λ
    that shrinks the distance just as fast."""
    traj = _descent_run(lesson)
    obj = traj.objective
    parts = [(f"It converged in {as_text(traj.epoch)} epochs.",
              {"epochs to converge": traj.epoch})]  # fmt: skip
    c = curvature(obj, obj.global_minimum.point, "the minimum")
    lam = c.lam_max
    factor = 1 - traj.lr * lam
    mirror = float(f"{2 / lam - traj.lr:.12g}")  # |1 − η′λ| = |1 − ηλ|
    other = _descent_run(lesson, lr=mirror)
    parts.append((f"Each step multiplies the offset from the minimum by 1 − η·{obj.symbol}″ = "
                  f"{as_text(factor)} ({obj.symbol}″ = {as_text(lam)}): the same shrink as "
                  f"η = {as_text(mirror)}, which takes {as_text(other.epoch)} epochs, only "
                  "flipping sides.",
                  {"factor per step": factor, f"{obj.symbol}″": lam, "mirror η": mirror,
                   "epochs at the mirror η": other.epoch}))  # fmt: skip
    return _said(traj.epoch, *parts)


def _trial_count(lesson: Lesson) -> Outcome:
    """Trial and error's evaluations of f on the why page, against gradient descent's."""
    fn, start, lr, delta = _why_setting(lesson)
    result = _trial_race(fn, start, lr, delta)
    trial, grad = result.trial, result.gradient
    obj, s = result.objective, result.objective.symbol
    fmin = obj.global_minimum.value
    got = "got within" if trial.reason == "target" else "did not get within"
    parts = [(f"Trial and error {got} {as_text(trial.tol)} of the minimum {s} = "
              f"{as_text(fmin)} after {as_text(trial.total_evals)} evaluations of {s}.",
              {"tolerance": trial.tol, f"minimum {s}": fmin,
               "trial and error's evaluations": trial.total_evals}),
             (f"Gradient descent needed {as_text(grad.total_evals)}, each ∇{s} counted as 1 "
              f"(backpropagation), or {as_text(grad.total_evals_fd)} counting each ∇{s} as "
              f"{as_text(obj.dim)} evaluations (finite differences).",
              {"gradient descent's evaluations": grad.total_evals,
               "with finite differences": grad.total_evals_fd, "parameters": obj.dim})]  # fmt: skip
    return _said(trial.total_evals, *parts)


def _scaling_count(lesson: Lesson, *, n: int, seed: int = 0) -> Outcome:
    """Trial and error's evaluations on the why page's n-parameter quadratic."""
    result = _scaling(n, seed)
    t, g, gfd = result.trial_evals[0], result.gradient_evals[0], result.gradient_evals_fd[0]
    parts = [(f"With n = {as_text(n)} parameters, trial and error needed {as_text(t)} "
              f"evaluations of f to reach f ≤ {as_text(result.tol)}.",
              {"parameters": n, "tolerance": result.tol, "trial and error's evaluations": t}),
             (f"Gradient descent needed {as_text(g)}, each ∇f counted as 1 (backpropagation): "
              f"{as_text(t / g)} times fewer; counting each ∇f as n evaluations, "
              f"{as_text(gfd)}.",
              {"gradient descent's evaluations": g, "times fewer": t / g,
               "with finite differences": gfd})]  # fmt: skip
    return _said(t, *parts)


def _hand_outcome(objective: Objective, start, lr: float, tol: float) -> Outcome:
    """Gradient descent's count to get f within ``tol`` of the minimum: the one to beat."""
    run = _counted_gd(objective.slug, tuple(start), lr, tol)
    s, fmin = objective.symbol, objective.global_minimum.value
    if run.reason != "target":
        return _said(None, (f"Gradient descent from {_where(objective, start)} with η = "
                            f"{as_text(lr)} never got {s} within {as_text(tol)} of its minimum "
                            f"{as_text(fmin)}: it stopped with {s} = {as_text(run.final_loss)}.",
                            {"start": tuple(start), "η": lr, "tolerance": tol,
                             f"minimum {s}": fmin, f"final {s}": run.final_loss}))  # fmt: skip
    return _said(run.total_evals, (
        f"Gradient descent from {_where(objective, start)} with η = {as_text(lr)} got {s} "
        f"within {as_text(tol)} of its minimum {as_text(fmin)} after "
        f"{as_text(run.total_evals)} evaluations: {as_text(run.total_loss_evals)} of {s} and "
        f"{as_text(run.total_grad_evals)} of ∇{s}, each ∇{s} counted as 1.",
        {"start": tuple(start), "η": lr, "tolerance": tol, f"minimum {s}": fmin,
         "gradient descent's evaluations": run.total_evals,
         f"evaluations of {s}": run.total_loss_evals,
         f"evaluations of ∇{s}": run.total_grad_evals}))  # fmt: skip


def _hand(lesson: Lesson) -> Outcome:
    fn, start, lr, _ = _why_setting(lesson)
    return _hand_outcome(OBJECTIVES[fn], start, lr, HAND_TOL)


# ---- beating gradient descent by hand --------------------------------------------------------


class HandSearch:
    """A search by hand: the student proposes points one at a time and sees only f there.

    Every probe is counted, repeats included, and so is f at the start, which the search
    begins with, as gradient descent's count does (:func:`gdviz.trial.counted_descent`).
    :meth:`verdict` compares the count at which f first came within ``tol`` of the minimum
    value with gradient descent's count from the same start at η = ``lr``.

    >>> search = HandSearch("parabola", (3.0,), lr=0.1)
    >>> search.probe(1.0), search.probe(0.0), search.count
    (6.0, 5.0, 3)
    >>> search.verdict().right
    True
    """

    def __init__(self, objective: Objective | str, start, *, lr: float, tol: float = HAND_TOL):
        self.objective = get_objective(objective)
        if self.objective.global_minimum is None:
            raise ValueError(f"{self.objective.slug} lists no global minimum to search for")
        self.start = _point(check_start(self.objective, start))
        self.lr = checks.number("lr", lr, low=0.0, low_open=True)
        self.tol = checks.number("tol", tol, low=0.0)
        self.target = self.objective.global_minimum.value + self.tol
        self._probes: list[tuple[tuple[float, ...], float]] = []
        self.probe(self.start)

    def probe(self, point) -> float:
        """f at ``point`` (a number for a curve, (x, y) for a surface), counted."""
        names = ", ".join(str(v) for v in self.objective.variables)
        try:
            x = checks.point("point", point, self.objective.dim, f"{self.objective.slug} ({names})")
        except ValueError as error:
            raise ValueError(f"expected a point ({names}) of finite numbers: {error}") from None
        value = float(self.objective.f(x))
        self._probes.append((_point(x), value))
        return value

    @property
    def count(self) -> int:
        """Evaluations of f so far, the start's included."""
        return len(self._probes)

    @property
    def probes(self) -> tuple[tuple[tuple[float, ...], float], ...]:
        """Every (point, f) in order."""
        return tuple(self._probes)

    @property
    def best(self) -> tuple[tuple[float, ...], float]:
        """The lowest (point, f) so far (a point where f is undefined never is)."""
        finite = [p for p in self._probes if math.isfinite(p[1])] or self._probes
        return min(finite, key=lambda p: p[1])

    @property
    def reached_at(self) -> int | None:
        """The count at which f first came within ``tol`` of the minimum value (None: not yet)."""
        return next((i for i, (_, f) in enumerate(self._probes, 1) if f <= self.target), None)

    def gradient_outcome(self) -> Outcome:
        """Gradient descent's run from the same start: its count is the answer."""
        return _hand_outcome(self.objective, self.start, self.lr, self.tol)

    def verdict(self) -> Verdict:
        """Right when the search got within ``tol`` in fewer evaluations than gradient descent."""
        gd = self.gradient_outcome()
        rival, mine = gd.answer, self.reached_at
        obj, s = self.objective, self.objective.symbol
        within = f"{s} within {as_text(self.tol)} of its minimum"
        if mine is None:
            point, value = self.best
            text = (f"Not yet: after {as_text(self.count)} evaluations your best is "
                    f"{s} = {as_text(value)} at {_where(obj, point)}; you need "
                    f"{s} ≤ {as_text(self.target)}.")  # fmt: skip
            return Verdict(False, f"{text} {gd.text}", gd)
        right = rival is None or mine < rival
        if rival is None:
            text = f"You beat gradient descent: you got {within} at evaluation {as_text(mine)}."
        elif right:
            text = (f"You beat gradient descent: you got {within} at evaluation "
                    f"{as_text(mine)}, against its {as_text(rival)}.")  # fmt: skip
        else:
            text = (f"Gradient descent wins: you got {within} at evaluation {as_text(mine)}, "
                    f"but it needed only {as_text(rival)}.")  # fmt: skip
        return Verdict(right, f"{text} {gd.text}", gd)

    def __repr__(self) -> str:
        return f"HandSearch({self.objective.slug!r}, count={self.count}, best={self.best[1]:.4g})"


def hand_search(lesson: Lesson | str) -> HandSearch:
    """A fresh :class:`HandSearch` for a ``hand`` lesson: its function, start and η."""
    lesson = get_lesson(lesson)
    if lesson.kind != HAND:
        raise ValueError(f"{lesson.slug} is a {lesson.kind} lesson, not a search by hand")
    fn, start, lr, _ = _why_setting(lesson)
    return HandSearch(fn, start, lr=lr, tol=HAND_TOL)


# ---- the registry ------------------------------------------------------------------------------


def _shown(query: Mapping[str, str]) -> dict[str, str]:
    """The query's numbers as a question writes them (as_text), its words as they are."""
    out = {}
    for name, text in query.items():
        try:
            out[name] = as_text(float(text))
        except ValueError:
            out[name] = text
    return out


def _lesson(slug, title, page, query, question, kind, about, compute, choices=(),
            **words) -> Lesson:  # fmt: skip
    """A Lesson whose question and about may name the query's settings ({lr}, {x0}, …), the
    function's formula and global minimum ({formula}, {minimum}), the choices ({choices}:
    "a, b or c") and ``words``."""
    words = {**_shown(query), **words}
    if "fn" in query:
        objective = OBJECTIVES[query["fn"]]
        words["formula"] = objective.formula
        if objective.global_minimum is not None:
            words["minimum"] = as_text(objective.global_minimum.point)
    if choices:
        words["choices"] = ", ".join(choices[:-1]) + " or " + choices[-1]
    return Lesson(slug, title, page, query, question.format(**words), kind, tuple(choices),
                  about.format(**words), compute)  # fmt: skip


def _labels(fn: str, kinds=("global minimum", "local minimum")) -> tuple[str, ...]:
    objective = OBJECTIVES[fn]
    return tuple(point_label(objective, p) for p in objective.critical_points if p.kind in kinds)


def _descent_query(fn, lr, x0, y0=None, epochs=100, **more) -> dict[str, str]:
    query = {"fn": fn, "lr": str(lr), "x0": str(x0)}
    if y0 is not None:
        query["y0"] = str(y0)
    return {**query, "epochs": str(epochs), **{k: str(v) for k, v in more.items()}}


def _registry() -> dict[str, Lesson]:
    status = partial(_status, limit=True, factor=True)
    lessons = [
        _lesson(
            "goldilocks", "Goldilocks learning rate", "descent",
            _descent_query("parabola", 0.01, 3),
            "On f(x) = {formula} from x₀ = {x0}, which learning rate reaches the minimum in "
            "the fewest epochs: η = {choices}?",
            RATE,
            "Each step moves x by −η·f′(x). Too small a step crawls, too large a step jumps "
            "past the minimum and lands higher each time; in between lies a rate that gets "
            "there quickly. The link opens the smallest η: drag it to the others.",
            _rates, choices=("0.01", "0.4", "1.1"),
        ),
        _lesson(
            "too_big", "Too big: divergence", "descent",
            _descent_query("parabola", 1.1, 3),
            "On f(x) = {formula} from x₀ = {x0} with η = {lr}, does gradient descent "
            "converge, bounce or diverge?",
            STATUS,
            "On a parabola each step multiplies the distance to the minimum by 1 − η·f″. Once "
            "that factor is below −1, every step lands farther away on the other side: the "
            "largest stable rate is 2/λ_max, the stable limit.",
            status, choices=STATUS_CHOICES,
        ),
        _lesson(
            "stability_limit", "Bouncing at the stability limit", "descent",
            _descent_query("parabola", 1, 3),
            "On f(x) = {formula} from x₀ = {x0} with η = {lr}, exactly 2/f″ (the stable "
            "limit), does gradient descent converge, bounce or diverge?",
            STATUS,
            "At η = 2/λ the factor 1 − η·λ is exactly −1: each step lands at the mirror "
            "point, as far from the minimum as before. Nothing shrinks and nothing grows.",
            status, choices=STATUS_CHOICES,
        ),
        _lesson(
            "just_under_limit", "Just under the stable limit", "descent",
            _descent_query("parabola", 0.95, 3, epochs=300),
            "On f(x) = {formula} from x₀ = {x0} with η = {lr}, just under the stable limit, "
            "does gradient descent converge, bounce or diverge?",
            STATUS,
            "Just under 2/λ the factor 1 − η·λ is a little above −1: the point jumps to the "
            "other side every step, but lands a little closer each time.",
            status, choices=STATUS_CHOICES,
        ),
        _lesson(
            "no_bottom", "No bottom: running off a cubic", "descent",
            _descent_query("cubic", 0.05, -1.2),
            "On f(x) = {formula} from x₀ = {x0}, left of the hilltop at x = {hilltop}, with a "
            "small η = {lr}, does gradient descent converge, bounce or diverge?",
            STATUS,
            "A small η keeps each step stable, but stability is not the only way to fail: "
            "downhill from here the curve falls forever, and gradient descent follows it.",
            partial(_status, limit=False), choices=STATUS_CHOICES,
            hilltop=as_text(OBJECTIVES["cubic"].critical_points[1].point),
        ),
        _lesson(
            "local_minimum", "Stuck in a local minimum, the global one over the next hill",
            "descent", _descent_query("double_well", 0.02, 1.8, epochs=200),
            "On f(x) = {formula} from x₀ = {x0} with η = {lr}, which minimum does gradient "
            "descent end in?",
            MINIMUM,
            "Gradient descent only ever walks downhill from where it is. A valley that is not "
            "the deepest still has zero slope at its bottom, and nothing pushes the point "
            "over the hill beside it.",
            _minimum, choices=_labels("double_well"),
        ),
        _lesson(
            "saddle_escape", "Escaping a saddle point", "descent",
            _descent_query("two_wells", 0.02, 0.27, 1.5, epochs=500),
            "On the two wells, from (x₀, y₀) = ({x0}, {y0}) with η = {lr}, gradient descent "
            "slides down towards the saddle between the wells: where does it end?",
            MINIMUM,
            "At a saddle the gradient is zero, so steps there are tiny, but it is a low point "
            "in one direction only. Any small offset along the other direction grows step by "
            "step, and the point rolls off into a well.",
            _minimum,
            choices=_labels("two_wells", ("saddle", "global minimum", "local minimum")),
        ),
        _lesson(
            "himmelblau_basins", "Which minimum? Himmelblau's four basins", "descent",
            _descent_query("himmelblau", 0.01, 0, -0.5, epochs=200),
            "Himmelblau's function has four minima, all with f = {lowest}. From (x₀, y₀) = "
            "({x0}, {y0}) with η = {lr}, which one does gradient descent end in?",
            MINIMUM,
            "Each minimum has a basin: every start in it flows down to that minimum. The "
            "borders between basins are curved ridges, so the minimum nearest the start is "
            "not always the one it flows to.",
            _minimum, choices=_labels("himmelblau"),
            lowest=as_text(OBJECTIVES["himmelblau"].global_minimum.value),
        ),
        _lesson(
            "ravine_zigzag", "Zig-zag in a ravine", "descent",
            _descent_query("ravine", 0.18, -9, 2),
            "On the ravine f(x, y) = {formula}, ten times steeper across (y) than along (x), "
            "from (x₀, y₀) = ({x0}, {y0}) with η = {lr}: which coordinate zig-zags, x, y, "
            "both or neither?",
            ZIGZAG,
            "One η serves both directions. Across the ravine the curvature is large and η is "
            "close to its limit there, so y overshoots back and forth; along it the curvature "
            "is small and the same η is timid, so x creeps.",
            _zigzag, choices=("x", "y", BOTH, NEITHER),
        ),
        _lesson(
            "momentum_beale", "Momentum overshoots (Beale from (3, 4))", "race",
            {"fn": "beale", "x0": "3", "y0": "4", "epochs": "1000", "opt": "gd,momentum",
             "lr_gd": "1e-05", "lr_momentum": "1e-05"},
            "On Beale's function from (x₀, y₀) = ({x0}, {y0}), plain gradient descent and "
            "momentum (μ = 0.9) race with the same η = {lr_gd} for {epochs} epochs: which "
            "ends nearer the minimum at {minimum}?",
            CLOSEST,
            "Momentum keeps a velocity: it adds up past gradients, so on a steep slope it "
            "builds up speed. That helps along a long valley, but at the bottom the speed "
            "carries it on, past the minimum and up the other side.",
            _closest, choices=(OPTIMIZERS["gd"].name, OPTIMIZERS["momentum"].name),
        ),
        _lesson(
            "adam_vs_sgd", "Adam vs SGD on Rosenbrock", "race",
            {"fn": "rosenbrock", "x0": "-1.2", "y0": "1", "epochs": "1000", "tol": "0.01",
             "opt": "sgd,adam", "lr_sgd": "0.0015", "lr_adam": "0.1"},
            "On Rosenbrock's banana valley from (x₀, y₀) = ({x0}, {y0}), SGD (η = {lr_sgd}) "
            "and Adam (η = {lr_adam}) race for {epochs} epochs: which reaches ‖∇f‖ ≤ {tol} "
            "first?",
            FIRST,
            "SGD's step is η times the gradient, tiny on the valley's flat floor; Adam divides "
            "each coordinate's step by the size of its recent gradients, so its steps stay "
            "about η long wherever it is.",
            _first, choices=(OPTIMIZERS["sgd"].name, OPTIMIZERS["adam"].name, NEITHER),
        ),
        _lesson(
            "batch_vs_sgd", "Batch vs stochastic", "fit",
            {"data": "noisy_line", "opt": "gd", "lr": "0.01", "w0": "0", "b0": "0",
             "epochs": "10", "batch": "sgd", "seed": "0", "details": "batches"},
            "Fitting a line to the noisy points with η = {lr} for {epochs} epochs (passes over "
            "the data), which ends with the lowest loss L: the full batch, mini-batches of 4 "
            "or SGD, one point at a time?",
            LOWEST,
            "The full batch takes one careful step per pass over the data; SGD takes a step "
            "per point, each on the gradient of a single point, noisy but many.",
            _lowest, choices=batch_labels("noisy_line"),
        ),
        _lesson(
            "sgd_bounces", "SGD never quite settles", "fit",
            {"data": "noisy_line", "opt": "gd", "lr": "0.1", "w0": "0", "b0": "0",
             "epochs": "500", "batch": "sgd", "seed": "0"},
            "Fitting a line to the noisy points by SGD (one point per step) with η = {lr} for "
            "{epochs} epochs, does the fit converge, bounce or diverge?",
            STATUS,
            "At the best line the gradient of the whole loss is zero, but the gradient of a "
            "single noisy point is not: each SGD step still moves the line, by η times that "
            "point's gradient.",
            partial(_status, limit=True, factor=False, full_batch=True), choices=STATUS_CHOICES,
        ),
        _lesson(
            "why_gradients", "Why gradients beat trial and error", "why",
            {"fn": "ravine", "x0": "-9", "y0": "2", "lr": "0.18", "delta": "0.3"},
            "On the ravine from (x₀, y₀) = ({x0}, {y0}), trial and error (steps of δ = {delta} "
            "that halve when nothing helps) hunts for the minimum: how many evaluations of f "
            "does it need to get within {tol} of it?",
            COUNT,
            "Trial and error tries each parameter +δ, then −δ, and keeps what helps: it learns "
            "one direction per evaluation. The gradient gives every parameter's downhill "
            "direction at once.",
            _trial_count, tol=as_text(DEFAULT_TOL),
        ),
        _lesson(
            "many_parameters", "Trial and error with many parameters", "why",
            {},
            "On a bowl with n = {n} parameters, how many evaluations of f does trial and error "
            "need to get f ≤ {tol}?",
            COUNT,
            "Trial and error learns about one parameter per try, so its cost grows with the "
            "number of parameters; a gradient computed by backpropagation costs about one "
            "evaluation however many parameters there are.",
            partial(_scaling_count, n=SCALING_N), n=as_text(SCALING_N), tol=as_text(DEFAULT_TOL),
        ),
        _lesson(
            "by_hand", "Beat gradient descent by hand", "why",
            {"fn": "wavy", "x0": "-2", "lr": "0.05"},
            "You see only f at the points you try: can you get f(x) = {formula} within {tol} of "
            "its lowest value in fewer evaluations than gradient descent from x₀ = {x0} with "
            "η = {lr}?",
            HAND,
            "Propose points one at a time; each tells you f there and nothing else, and each "
            "counts, repeats too (the start counts as one, as it does for gradient descent). "
            "Gradient descent also gets the slope at each point it visits.",
            _hand, tol=as_text(HAND_TOL),
        ),
        _lesson(
            "next_step", "Where does the next step land?", "descent",
            _descent_query("parabola", 0.25, 4, epochs=1),
            "On f(x) = {formula} from x₀ = {x0} with η = {lr}, where does the first step land?",
            NEXT_STEP,
            "One step of gradient descent is x₁ = x₀ − η·f′(x₀): find the slope at the start, "
            "scale it by η, and move against it.",
            _next_step,
        ),
        _lesson(
            "mirror_rates", "How many epochs?", "descent",
            _descent_query("parabola", 0.9, 3),
            "On f(x) = {formula} from x₀ = {x0} with η = {lr}, how many epochs does gradient "
            "descent need to converge (|f′(x)| ≤ {tol})?",
            COUNT,
            "Each step multiplies x by the same factor 1 − η·f″, so the distance shrinks "
            "geometrically: count how many factors it takes to get from the start to the "
            "tolerance. A negative factor shrinks just as fast as a positive one of the same "
            "size.",
            _count_epochs, tol=as_text(DEFAULT_TOL),
        ),
    ]  # fmt: skip
    return {lesson.slug: lesson for lesson in lessons}


#: Every lesson, keyed by slug, in the order a lessons page lists them.
LESSONS: dict[str, Lesson] = _registry()


def get_lesson(lesson: Lesson | str) -> Lesson:
    """Return ``lesson`` itself, or the registered lesson with that slug."""
    if isinstance(lesson, Lesson):
        return lesson
    return checks.one_of("lesson", lesson, LESSONS)


# ---- outcome and check -------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _registered_outcome(slug: str) -> Outcome:
    lesson = LESSONS[slug]
    return lesson.compute(lesson)


def outcome(lesson: Lesson | str) -> Outcome:
    """The lesson's setting run with gdviz's own functions: the answer, the numbers that
    decide it and the sentences that say so (cached for registered lessons)."""
    lesson = get_lesson(lesson)
    if LESSONS.get(lesson.slug) is lesson:
        return _registered_outcome(lesson.slug)
    return lesson.compute(lesson)


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _numbers(prediction, count: int | None, expected: str) -> tuple[float, ...]:
    """A number, several numbers, or their text ("2.4", "1, 2", "(1, 2)"), checked."""
    refuse = ValueError(f"expected {expected}, got {prediction!r}")
    if isinstance(prediction, str):
        parts = [p.strip() for p in prediction.strip().strip("()[]").split(",")]
        if not all(_NUMBER.fullmatch(p) for p in parts):
            raise refuse
        values = [float(p) for p in parts]
    elif isinstance(prediction, Real) and not isinstance(prediction, bool):
        values = [float(prediction)]
    else:
        try:
            values = [float(v) for v in prediction if not isinstance(v, bool | str)]
            if len(values) != len(prediction):
                raise refuse
        except TypeError:
            raise refuse from None
    if (count is not None and len(values) != count) or not all(map(math.isfinite, values)):
        raise refuse
    return tuple(values)


def _choice(lesson: Lesson, prediction) -> str:
    """The choice a prediction names (case and spaces aside; a status may use gdviz's own
    words, a rate its number)."""
    options = ", ".join(lesson.choices)
    refuse = ValueError(f"expected one of {options}, got {prediction!r}")
    if lesson.kind == RATE and isinstance(prediction, Real) and not isinstance(prediction, bool):
        for choice in lesson.choices:
            if float(choice) == float(prediction):
                return choice
        raise refuse
    if not isinstance(prediction, str):
        raise refuse
    word = " ".join(prediction.split()).lower()
    if lesson.kind == STATUS:
        word = _STATUS_WORDS.get(word, word)
    for choice in lesson.choices:
        if choice.lower() == word:
            return choice
    raise refuse


def check(lesson: Lesson | str, prediction) -> Verdict:
    """Whether ``prediction`` was right, in a sentence with the numbers of the run.

    A choice kind takes one of the lesson's choices; ``next_step`` a point (a number in
    1-D); ``count`` a positive number, right within a factor of :data:`COUNT_FACTOR`;
    ``hand`` a :class:`HandSearch` of this lesson. Anything else raises ``ValueError``
    saying what was expected.
    """
    lesson = get_lesson(lesson)
    gives = KINDS[lesson.kind].gives
    if gives == "search":
        return _check_search(lesson, prediction)
    result = outcome(lesson)
    if gives == "choice":
        said = _choice(lesson, prediction)
        right = said == result.answer
        if right:
            lead = f"Right: you predicted “{said}”."
        elif result.answer in lesson.choices:
            lead = f"Not this time: you predicted “{said}”, but it was “{result.answer}”."
        else:
            lead = f"Not this time: you predicted “{said}”, but it was none of these."
        return Verdict(right, f"{lead} {result.text}", result)
    if gives == "point":
        return _check_point(lesson, prediction, result)
    return _check_count(prediction, result)


def _check_point(lesson: Lesson, prediction, result: Outcome) -> Verdict:
    objective = OBJECTIVES[lesson.query["fn"]]
    names = ", ".join(str(v) for v in objective.variables)
    what = "a number (x)" if objective.dim == 1 else f"{objective.dim} numbers ({names})"
    guess = _numbers(prediction, objective.dim, what)
    landed = result.answer
    off = _distance(guess, landed)
    within = NEXT_STEP_SHARE * result.numbers["step length"]
    right = off <= within
    head = "Right" if right else "Not this time"
    limit = f"{'within' if right else 'farther than'} {as_text(within)}, {NEXT_STEP_SHARE:.0%}"
    lead = (f"{head}: your {_where(objective, guess)} is {as_text(off)} from where the step "
            f"lands, {_where(objective, landed)} ({limit} of the step's length).")  # fmt: skip
    return Verdict(right, f"{lead} {result.text}", result)


def _check_count(prediction, result: Outcome) -> Verdict:
    (guess,) = _numbers(prediction, 1, "a positive number (your count)")
    if guess <= 0:
        raise ValueError(f"expected a positive number (your count), got {prediction!r}")
    answer = result.answer
    low, high = answer / COUNT_FACTOR, answer * COUNT_FACTOR
    right = low <= guess <= high
    head = "Right" if right else "Not this time"
    lead = (f"{head}: you said {as_text(guess)}, and the answer is {as_text(answer)} (a guess "
            f"from {as_text(low)} to {as_text(high)}, within a factor of "
            f"{as_text(COUNT_FACTOR)}, counts).")  # fmt: skip
    return Verdict(right, f"{lead} {result.text}", result)


def _check_search(lesson: Lesson, prediction) -> Verdict:
    if not isinstance(prediction, HandSearch):
        raise ValueError(f"expected a HandSearch of this lesson (hand_search({lesson.slug!r})), "
                         f"got {prediction!r}")  # fmt: skip
    fn, start, lr, _ = _why_setting(lesson)
    mine = (prediction.objective.slug, prediction.start, prediction.lr, prediction.tol)
    if mine != (fn, start, lr, HAND_TOL):
        raise ValueError(f"expected a HandSearch of this lesson (hand_search({lesson.slug!r})), "
                         f"got one on {fn!r} from another start, η or tolerance")  # fmt: skip
    return prediction.verdict()


# ---- the lessons page's link ------------------------------------------------------------------

#: The lessons page's link: ``?lesson=<slug>&answer=hidden`` opens a lesson with its answer
#: hidden (``answer=shown``, the default, shows it after the prediction).
LESSON_PARAM = "lesson"
ANSWER_PARAM = "answer"
ANSWER_HIDDEN, ANSWER_SHOWN = "hidden", "shown"

#: The lessons page's fields for :func:`gdviz.links.read` (session-state keys ``lesson`` and
#: ``lesson_answer_hidden``).
LESSON_FIELDS = (
    Choice(LESSON_PARAM, "lesson", "the lesson", words={slug: slug for slug in LESSONS}),
    Choice(ANSWER_PARAM, "lesson_answer_hidden", "the answer", default=False,
           words={ANSWER_SHOWN: False, ANSWER_HIDDEN: True}),
)  # fmt: skip


def lesson_query(slug: str, answer_hidden: bool = False) -> dict[str, str]:
    """The lessons page's query for a lesson, with its answer switch.

    >>> lesson_query("too_big", answer_hidden=True)
    {'lesson': 'too_big', 'answer': 'hidden'}
    """
    lesson = get_lesson(slug)
    if not isinstance(answer_hidden, bool):
        raise ValueError(f"answer_hidden must be True or False, got {answer_hidden!r}")
    return {
        LESSON_PARAM: lesson.slug,
        ANSWER_PARAM: ANSWER_HIDDEN if answer_hidden else ANSWER_SHOWN,
    }


class LessonLink(NamedTuple):
    """What a lessons page link asks for: the lesson (None if it names none it knows),
    whether its answer is hidden, and a note for everything ignored."""

    lesson: Lesson | None
    answer_hidden: bool
    notes: tuple[str, ...]


def read_lesson_query(query: Mapping) -> LessonLink:
    """The lesson and answer switch of a lessons page link (untrusted: gdviz.links.read)."""
    reading = read(query, LESSON_FIELDS, ())
    slug = reading.values.get("lesson")
    return LessonLink(LESSONS.get(slug) if slug else None,
                      bool(reading.values.get("lesson_answer_hidden", False)),
                      reading.notes)  # fmt: skip
