"""Progress of a long computation (gdviz.progress), reported by batches, maps and sweeps,
and a deadline that stops one."""

import numpy as np
import pytest

from gdviz import descend_batch
from gdviz.maps import basin_map, lr_momentum_map, lr_start_map
from gdviz.progress import Deadline, TooSlow, Work, in_turn
from gdviz.sweep import lr_sweep


class Seen:
    """A progress callback that keeps what it was told."""

    def __init__(self):
        self.reports = []

    def __call__(self, done, left):
        self.reports.append((done, left))

    def check(self, most: int) -> None:
        """Done only grows, done + left never exceeds the whole, and the last says all done."""
        done = [d for d, _ in self.reports]
        assert done == sorted(done)
        assert all(d + left <= most for d, left in self.reports)
        assert self.reports[-1][1] == 0 and 0 < self.reports[-1][0] <= most


def test_work_counts_run_steps_done_and_at_most_left():
    seen = Seen()
    work = Work(seen, runs=10, epochs=5, every=0)
    work.begin(6)
    work.step(active=6, steps=2, left=3)
    work.step(active=2, steps=3, left=0)  # four stopped early
    work.begin(4)
    work.step(active=4, steps=5, left=0)
    assert seen.reports == [(12, 38), (18, 20), (38, 0)]


def test_computations_in_turn_report_as_one():
    seen = Seen()
    first, second = in_turn(seen, [100, 50])
    first(30, 70)
    first(80, 0)  # stopped early: 20 steps never needed
    second(10, 40)
    second(50, 0)
    assert seen.reports == [(30, 120), (80, 50), (90, 40), (130, 0)]
    assert in_turn(None, [1, 2]) == [None, None]


def test_a_deadline_stops_a_computation_with_an_estimate():
    passed = Seen()
    Deadline(60.0, then=passed)(10, 30)
    assert passed.reports == [(10, 30)]
    with pytest.raises(TooSlow) as stop:
        Deadline(-1.0)(10, 30)
    assert stop.value.share == 0.25 and stop.value.estimate == pytest.approx(4 * stop.value.seconds)
    Deadline(-1.0)(40, 0)  # finished: nothing to stop


@pytest.mark.parametrize("slug, optimizer", [("rosenbrock", "gd"), ("saddle", "adam"),
                                             ("cubic", "momentum")])  # fmt: skip
def test_a_batch_reports_its_progress_and_ends_as_without(slug, optimizer):
    rng = np.random.default_rng(0)
    dim = 1 if slug == "cubic" else 2
    starts = rng.uniform(-2, 2, (20000, dim))
    seen = Seen()
    with_progress = descend_batch(slug, starts, lr=0.01, epochs=200, optimizer=optimizer,
                                  progress=seen)  # fmt: skip
    without = descend_batch(slug, starts, lr=0.01, epochs=200, optimizer=optimizer)
    assert np.array_equal(with_progress.final_points, without.final_points)
    assert np.array_equal(with_progress.stop_epochs, without.stop_epochs)
    seen.check(20000 * 200)
    # every run's steps counted once (a run that stops inside a chunk of the fast loop: to
    # the chunk's end)
    assert with_progress.stop_epochs.sum() <= seen.reports[-1][0]


def test_an_exception_from_the_callback_stops_the_batch():
    calls = []

    def stop(done, left):
        calls.append(done)
        raise TooSlow(1.0, 0.1, 10.0)

    starts = np.random.default_rng(1).uniform(-5, 5, (30000, 2))
    with pytest.raises(TooSlow):
        descend_batch("himmelblau", starts, lr=0.01, epochs=500, progress=stop)
    assert len(calls) == 1


def test_maps_and_sweeps_report_their_progress():
    for compute, most in [
        (lambda p: basin_map("himmelblau", lr=0.01, epochs=50, resolution=40, progress=p),
         1600 * 50),
        (lambda p: lr_momentum_map("saddle", (1.8, 0.05), epochs=50, resolution=20, progress=p),
         400 * 50),
        (lambda p: lr_start_map("cubic", epochs=50, resolution=20, progress=p), 400 * 50),
        (lambda p: lr_sweep("parabola", (3.0,), epochs=50, progress=p), 501 * 50),
    ]:  # fmt: skip
        seen = Seen()
        compute(seen)
        seen.check(most)
