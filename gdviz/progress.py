"""How far a long computation has got, and a deadline for it.

A batch of runs (:func:`gdviz.descend_batch`, and the maps and sweeps built on it) takes an
optional ``progress`` callable, a plain function of two numbers: ``progress(done, left)``,
the run-steps done so far and at most how many are left (a run that stops early leaves
fewer). It is called now and then, between steps; an exception it raises stops the
computation and propagates to the caller, which is how :class:`Deadline` refuses a
computation that takes too long (and how a page that reruns stops the old one).

>>> seen = []
>>> work = Work(lambda done, left: seen.append((done, left)), runs=4, epochs=10, every=0)
>>> work.begin(4); work.step(active=4, steps=2, left=8); work.step(active=3, steps=8, left=0)
>>> seen
[(8, 32), (32, 0)]
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

Report = Callable[[float, float], None]


class Work:
    """The run-steps of a batch of ``runs`` runs of ``epochs`` epochs: those done, and at
    most those left, reported to ``report(done, left)`` at most every ``every`` seconds
    (and always when the last run stops)."""

    def __init__(self, report: Report, runs: int, epochs: int, every: float = 0.05):
        self.report, self.epochs, self.every = report, epochs, every
        self.waiting = runs  # runs not begun
        self.done = 0
        self.last = -math.inf  # the first step is reported: a deadline checks it at once

    def begin(self, runs: int) -> None:
        """``runs`` runs start stepping (they are no longer waiting)."""
        self.waiting = max(0, self.waiting - runs)

    def step(self, active: int, steps: int, left: int) -> None:
        """``active`` runs each made ``steps`` steps and have at most ``left`` epochs to go."""
        self.done += active * steps
        now = time.perf_counter()
        if now - self.last >= self.every or (not left and not self.waiting):
            self.last = now
            self.report(self.done, self.waiting * self.epochs + active * left)


def in_turn(report: Report | None, sizes) -> list[Report | None]:
    """Callbacks for computations run one after another (``sizes``: each one's run-steps at
    most), that report to ``report`` as one: the steps the earlier ones did are added to
    ``done``, the later ones' to ``left``."""
    if report is None:
        return [None] * len(sizes)
    sizes = list(sizes)
    done_by = [0.0] * len(sizes)  # the run-steps each has done

    def part(i):
        later = sum(sizes[i + 1 :])

        def tell(done, left):
            done_by[i] = done
            report(sum(done_by), left + later)

        return tell

    return [part(i) for i in range(len(sizes))]


class TooSlow(Exception):
    """A computation stopped at its deadline: ``seconds`` spent, ``share`` of its run-steps
    done (at most: runs that would stop early make the rest quicker), ``estimate`` the
    seconds the whole would take at the rate so far (at most, for the same reason)."""

    def __init__(self, seconds: float, share: float, estimate: float):
        super().__init__(f"stopped after {seconds:.1f} s with {share:.0%} done")
        self.seconds, self.share, self.estimate = seconds, share, estimate


class Deadline:
    """A progress callback that stops the computation (raises :class:`TooSlow`) once it has
    run longer than ``seconds`` on ``clock`` (by default the wall clock; a page measures its
    own processor time, ``time.thread_time``), passing progress on to ``then(done, left)``.

    >>> deadline = Deadline(0.0)
    >>> try:
    ...     deadline(10, 30)
    ... except TooSlow as stop:
    ...     print(f"{stop.share:.0%} done")
    25% done
    """

    def __init__(self, seconds: float, then: Report | None = None, clock=time.perf_counter):
        self.seconds, self.then, self.clock = seconds, then, clock
        self.started = clock()

    def __call__(self, done: float, left: float) -> None:
        spent = self.clock() - self.started
        if left and spent > self.seconds:
            share = done / (done + left) if done + left else 0.0
            estimate = spent / share if share else float("inf")
            raise TooSlow(spent, share, estimate)
        if self.then is not None:
            self.then(done, left)
