"""What follows the chart's epoch in plain text: a line of worked numbers per frame and a
table of every epoch, as strings a page shows as they are (never parsed as markup)."""

from __future__ import annotations

import numpy as np

from . import explain
from .descent import Trajectory
from .numbers import fmt, position


def step_lines(traj: Trajectory, epochs) -> list[str]:
    """For each shown epoch k: the update from k to k + 1 with its numbers, or, at the
    run's last epoch, where it stopped."""
    f = traj.objective.symbol
    lines = []
    for k in (int(e) for e in epochs):
        if k < traj.epoch:
            lines.append(f"Epoch {k} → {k + 1}:  {explain.update_text(traj, k)}")
        else:
            where = position(traj.objective, traj.points[k])
            lines.append(f"Epoch {k}, the last:  {where}, {f} = {fmt(float(traj.losses[k]))}")
    return lines


def table_rows(traj: Trajectory) -> dict:
    """Every epoch of the run (explain.table's columns) as rows of readable strings."""
    columns = explain.table(traj)
    names = list(columns)
    cells = []
    for name in names:
        values = np.asarray(columns[name])
        if name == "epoch":
            cells.append([str(int(v)) for v in values])
        else:
            cells.append(["" if not np.isfinite(v) else f"{v:.6g}" for v in values.astype(float)])
    return {"columns": names, "rows": [list(row) for row in zip(*cells, strict=True)]}


def race_lines(runs, labels, epochs) -> list[str]:
    """For each shown epoch: every racer's loss there (or where it stopped), in the race's
    order, so the numbers under the chart follow the animation."""
    f = runs[0].objective.symbol
    lines = []
    for k in (int(e) for e in epochs):
        parts = []
        for run, label in zip(runs, labels, strict=True):
            at = min(k, run.epoch)
            note = "" if at == k else f" (stopped at epoch {run.epoch})"
            parts.append(f"{label}: {f} = {fmt(float(run.losses[at]))}{note}")
        lines.append(f"Epoch {k}:  " + "   ·   ".join(parts))
    return lines
