"""Benchmark of the sweep's first view and of the range test.

Run from the repo root::

    python bench/sweep.py

For each objective (parabola, himmelblau, rosenbrock, the fit page's MSE on noisy_line),
from its suggested start, plain GD and momentum, 501 rates from 10⁻⁵ to 10, prints the
seconds of (a) lr_sweep, (b) sweep_figure, (c) fig.to_json(), and their sum: the first view,
whose target is under 1 s for up to 1000 epochs; then the range test (100 steps) and its
figure. Best of 3, first call (compiling f) excluded. No assertions: speed is measured.
"""

import platform
import sys
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import gdviz  # noqa: E402
from bench import optimizers as optimizers_bench  # noqa: E402
from gdviz.figures.sweep import range_test_figure, sweep_figure  # noqa: E402
from gdviz.stability import reference_curvature  # noqa: E402
from gdviz.sweep import SWEEP_RATES, lr_sweep, range_test  # noqa: E402

REPEAT = 3


def objectives():
    fit = gdviz.loss_objective(gdviz.DATASETS["noisy_line"], "mse")
    return [gdviz.OBJECTIVES[s] for s in ("parabola", "himmelblau", "rosenbrock")] + [fit]


def main():
    print(f"Python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    print(f"{SWEEP_RATES} rates, 10⁻⁵ … 10; seconds, best of {REPEAT}")
    header = f"{'objective':<22}{'optimizer':<10}{'epochs':>7}{'sweep':>8}{'figure':>8}"
    print(header + f"{'to_json':>9}{'total':>8}  counts")
    for objective in objectives():
        start = objective.start
        curvature = reference_curvature(objective, start)
        lr_sweep(objective, start, epochs=2)  # compile f and ∇f once, as the page has
        for optimizer in ("gd", "momentum"):
            for epochs in (100, 1000):
                run = partial(lr_sweep, objective, start, optimizer=optimizer, epochs=epochs)
                t_sweep, sweep = optimizers_bench.best_of(run, REPEAT)
                draw = partial(sweep_figure, sweep, objective.lr, curvature)
                t_fig, fig = optimizers_bench.best_of(draw, REPEAT)
                t_json, _ = optimizers_bench.best_of(fig.to_json, REPEAT)
                counts = ", ".join(
                    f"{s} {int(np.sum(sweep.statuses == s))}" for s in dict.fromkeys(sweep.statuses)
                )
                total = t_sweep + t_fig + t_json
                print(f"{objective.slug:<22}{optimizer:<10}{epochs:>7}{t_sweep:>8.3f}"
                      f"{t_fig:>8.3f}{t_json:>9.3f}{total:>8.3f}  {counts}")  # fmt: skip
    print()
    print(f"{'objective':<22}{'range test':>11}{'figure+json':>12}  steps, stopped")
    for objective in objectives():
        start = objective.start
        curvature = reference_curvature(objective, start)
        t_test, test = optimizers_bench.best_of(partial(range_test, objective, start), REPEAT)
        t_fig, fig = optimizers_bench.best_of(partial(range_test_figure, test, curvature), REPEAT)
        t_json, _ = optimizers_bench.best_of(fig.to_json, REPEAT)
        print(f"{objective.slug:<22}{t_test:>11.4f}{t_fig + t_json:>12.4f}  {len(test)}, "
              f"{test.stopped}")  # fmt: skip


if __name__ == "__main__":
    main()
