"""Every kind of figure the pages draw, built from small runs: for tests that must hold for
all of them (axis titles, the projector)."""

from __future__ import annotations

from functools import cache

import gdviz
from gdviz import OBJECTIVES
from gdviz.figures.maps import basin_figure, param_map_figure
from gdviz.figures.stability import sharpness_figure
from gdviz.figures.sweep import range_test_figure, sweep_figure
from gdviz.maps import basin_map, lr_momentum_map, lr_start_map
from gdviz.stability import reference_curvature
from gdviz.sweep import lr_sweep, range_test


@cache
def every_figure() -> dict:
    """{name: figure} for each figure builder the pages use (ui/compute.py), on 1-D and
    2-D functions, a run that diverges (signed-log axes) and the fit page's models; the
    descent page's figures for every objective in the registry."""
    figures = {}
    for slug, obj in OBJECTIVES.items():
        traj = gdviz.descend(slug, obj.start, lr=obj.lr, epochs=20)
        figures[f"descent {slug}"] = gdviz.descent_figure(traj)
        figures[f"loss {slug}"] = gdviz.loss_figure(traj, animated=True)
        figures[f"sharpness {slug}"] = sharpness_figure(traj)
        if obj.dim == 2:
            figures[f"surface {slug}"] = gdviz.surface_figure(traj, size=20)
    one = gdviz.descend("parabola", (3.0,), lr=0.1, epochs=30)
    two = gdviz.descend("himmelblau", (0.0, 0.0), lr=0.01, epochs=30)
    figures["descent diverging"] = gdviz.descent_figure(
        gdviz.descend("parabola", (3.0,), lr=10.0, epochs=30)
    )
    figures["loss static"] = gdviz.loss_figure(two, mark_epoch=3)
    adam = gdviz.descend("parabola", (3.0,), lr=0.1, epochs=30, optimizer="adam")
    figures["race 1-D"] = gdviz.race_figure([one, adam], ["GD", "Adam"])
    figures["race 2-D"] = gdviz.race_figure([two], ["GD"])
    figures["race surface"] = gdviz.surface_figure([two], ["GD"], size=20)
    for dataset, start in (("three_points", (0.0,)), ("four_points", (0.0, 0.0))):
        fit = gdviz.fit(dataset, start, lr=0.05, epochs=30)
        figures[f"fit {dataset}"] = gdviz.fit_figure(fit)
        figures[f"fit landscape {dataset}"] = gdviz.descent_figure(fit)
        figures[f"fit comparison {dataset}"] = gdviz.race_figure([fit, fit], ["full", "SGD"])
    parabola, himmelblau = OBJECTIVES["parabola"], OBJECTIVES["himmelblau"]
    figures["derivative"] = gdviz.derivative_figure(parabola, 1.0, 1.0)
    rates = gdviz.learning_rates({"kind": "cosine", "T_max": 50}, 1.0, 50)
    figures["schedule"] = gdviz.schedule_figure(rates)
    trial = gdviz.race_trial_vs_gradient(himmelblau, (0.0, 0.0), lr=0.01, delta=0.7)
    paths = [("trial and error", trial.trial.points), ("gradient", trial.gradient.points)]
    figures["why paths"] = gdviz.paths_figure(himmelblau, paths)
    labels = {"trial": "trial", "gradient": "gradient", "gradient_fd": "finite differences"}
    figures["why evaluations"] = gdviz.evaluations_figure(trial.aligned(), labels, "f")
    figures["why scaling"] = gdviz.scaling_figure(gdviz.scaling_experiment((1, 2, 4), seed=0))
    basins = basin_map(himmelblau, lr=0.01, epochs=50, resolution=24)
    figures["basin map"] = basin_figure(basins)
    figures["basin map replay"] = basin_figure(basins, two)
    momentum = lr_momentum_map(parabola, (3.0,), optimizer="momentum", epochs=40, resolution=12)
    figures["momentum map"] = param_map_figure(momentum, (0.1, 0.9))
    figures["start map"] = param_map_figure(
        lr_start_map(parabola, epochs=40, resolution=12), (0.1, 3.0)
    )
    sweep = lr_sweep(parabola, (3.0,), epochs=50)
    figures["sweep"] = sweep_figure(sweep, 0.1, reference_curvature(parabola, (3.0,)))
    start = gdviz.classic_start(0)
    figures["classic loop"] = gdviz.classic_figure(
        gdviz.classic_loop(start), gdviz.classic_loop(start, sign=+1)
    )
    figures["matrix exercise"] = gdviz.matrix_animation(gdviz.matrix_comparison())
    figures["zero_grad"] = gdviz.zero_grad_figure(gdviz.zero_grad_runs("parabola", 3.0, 0.1, 30), 3)
    test = range_test(parabola, (3.0,))
    figures["range test"] = range_test_figure(test, reference_curvature(parabola, (3.0,)))
    return figures
