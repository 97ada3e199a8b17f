"""Every view of every learning rate, on every objective and optimizer: time to first view.

Run from the repo root::

    python bench/maps_sweep.py [--epochs 100 300 1000] [--timeout 20] [--top 25]
    python bench/maps_sweep.py --fit            # the fit page's loss views instead
    python bench/maps_sweep.py --views basin --objectives saddle cubic --optimizers adam

Sweeps every built-in objective × every optimizer × every view the "Every learning rate"
page offers for it × epochs, as the page runs them at its defaults: the objective's own
start and η, the default tolerance, the default resolution (basin 256², η × β and η × x₀
200²), SGD with β = 0. Views: the learning-rate sweep (501 rates), the range test (once per
objective and optimizer: it has no epochs), the basin map (2-D), the η × momentum map (its
two kinds of momentum: heavy ball, which the page runs for sgd, momentum and the adaptive
optimizers, and Nesterov) and the η × start map (1-D). ``--fit``: the fit page's loss L
on every data set and loss (its epochs go to 500): the sweep with the range test, the
η × momentum map and, for two parameters, the basin map.

Each case is timed once from the page's first call (f compiled before, as the page has it):
compute, figure and ``to_json``, their sum being the time to first view. ``--resolution
fine`` times the larger resolutions (512², 400²) instead. Cases run one after the other in
a worker process; a case still running after ``--timeout`` seconds is stopped and reported
as "over N s". Prints the slowest cases and, per view, how many are over the 2 s target;
``--json`` keeps every row for a later comparison (``--compare before.json``).

No assertions: speed is measured, not tested.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import gdviz  # noqa: E402
from gdviz import DATASETS, OBJECTIVES, OPTIMIZERS  # noqa: E402
from gdviz.descent import DEFAULT_TOL  # noqa: E402
from gdviz.figures.maps import basin_figure, param_map_figure  # noqa: E402
from gdviz.figures.sweep import range_test_figure, sweep_figure  # noqa: E402
from gdviz.fit import LOSSES  # noqa: E402
from gdviz.maps import basin_map, lr_momentum_map, lr_start_map  # noqa: E402
from gdviz.stability import reference_curvature  # noqa: E402
from gdviz.sweep import lr_sweep, range_test  # noqa: E402

TARGET = 2.0
EPOCHS = (100, 300, 1000)
FIT_EPOCHS = (100, 300, 500)
VIEWS = ("sweep", "range", "basin", "momentum", "start")
RESOLUTIONS = {"default": {"basin": 256, "map": 200}, "fine": {"basin": 512, "map": 400}}


def momentum_kind(optimizer: str) -> str:
    """The optimizer the page's η × momentum map runs for ``optimizer``."""
    return optimizer if optimizer in ("sgd", "momentum", "nesterov") else "momentum"


def page_hyper(optimizer: str) -> dict:
    """The page's hyperparameters at its defaults: SGD's β slider starts at 0."""
    return {"momentum": 0.0} if optimizer == "sgd" else {}


def objective_of(name: str):
    if name.startswith("fit:"):
        _, data, loss = name.split(":")
        return gdviz.loss_objective(DATASETS[data], loss)
    return OBJECTIVES[name]


def cases(args):
    """(objective name, optimizer, view, epochs) of every case asked for, in order."""
    if args.fit:
        names = [f"fit:{d}:{loss}" for d in DATASETS for loss in LOSSES]
        epochs_list = args.epochs or FIT_EPOCHS
    else:
        names = args.objectives or list(OBJECTIVES)
        epochs_list = args.epochs or EPOCHS
    optimizers = args.optimizers or list(OPTIMIZERS)
    views = args.views or VIEWS
    for name in names:
        dim = objective_of(name).dim
        for view in views:
            if (view == "basin" and dim != 2) or (view == "start" and (dim != 1 or args.fit)):
                continue
            for optimizer in optimizers:
                if view == "momentum" and optimizer not in ("momentum", "nesterov"):
                    continue  # sgd and the adaptive ones run the heavy ball's map
                for epochs in (None,) if view == "range" else epochs_list:
                    yield name, optimizer, view, epochs


def first_view(name, optimizer, view, epochs, resolution) -> dict:
    """Compute, figure and JSON of one case: seconds of each, and what the runs did."""
    objective = objective_of(name)
    start, lr, hyper = objective.start, objective.lr, page_hyper(optimizer)
    sizes = RESOLUTIONS[resolution]
    t0 = time.perf_counter()
    if view == "sweep":
        result = lr_sweep(objective, start, optimizer=optimizer, epochs=epochs,
                          tol=DEFAULT_TOL, **hyper)  # fmt: skip
        runs, statuses = len(result), result.statuses
    elif view == "range":
        result = range_test(objective, start, optimizer=optimizer, **hyper)
        runs, statuses = 1, np.array([])
    elif view == "basin":
        result = basin_map(objective, lr=lr, epochs=epochs, optimizer=optimizer,
                           tol=DEFAULT_TOL, resolution=sizes["basin"], **hyper)  # fmt: skip
        runs, statuses = result.labels.size, None
    elif view == "momentum":
        kind = momentum_kind(optimizer)
        result = lr_momentum_map(objective, start, optimizer=kind, epochs=epochs,
                                 tol=DEFAULT_TOL, resolution=sizes["map"])  # fmt: skip
        runs, statuses = result.statuses.size, result.statuses
    else:
        result = lr_start_map(objective, optimizer=optimizer, epochs=epochs, tol=DEFAULT_TOL,
                              resolution=sizes["map"], **hyper)  # fmt: skip
        runs, statuses = result.statuses.size, result.statuses
    t1 = time.perf_counter()
    if view == "sweep":
        fig = sweep_figure(result, lr, reference_curvature(objective, start))
    elif view == "range":
        fig = range_test_figure(result, reference_curvature(objective, start))
    elif view == "basin":
        fig = basin_figure(result)
    elif view == "momentum":
        fig = param_map_figure(result, (lr, 0.9))
    else:
        fig = param_map_figure(result, (lr, start[0]))
    t2 = time.perf_counter()
    fig.to_json()
    t3 = time.perf_counter()
    if statuses is None:
        counts = result.counts()
        diverged = counts.get("diverged", 0)
    else:
        diverged = int(np.count_nonzero(np.asarray(statuses) == "diverged"))
    return {"compute": t1 - t0, "figure": t2 - t1, "json": t3 - t2, "total": t3 - t0,
            "runs": int(runs), "diverged": diverged}  # fmt: skip


def warm(name: str) -> None:
    """Compile f, ∇f and ∇²f once, as a page that has drawn the function has them."""
    objective = objective_of(name)
    with np.errstate(all="ignore"):
        objective.value_and_grad(np.asarray(objective.start, dtype=float))
        objective.f(np.asarray([objective.start]))
        objective.hessian(np.asarray(objective.start, dtype=float))
        gdviz.descend_batch(objective, np.tile(objective.start, (4, 1)), lr=objective.lr,
                            epochs=3)  # fmt: skip


def warm_figures() -> None:
    """Build each kind of figure once: the first build of a kind in a process pays Plotly's
    own start-up (validators, templates), which a running app has paid long before."""
    first_view("parabola", "gd", "sweep", 5, "default")
    first_view("parabola", "gd", "range", None, "default")
    first_view("parabola", "momentum", "momentum", 5, "default")
    first_view("parabola", "gd", "start", 5, "default")
    first_view("bowl", "gd", "basin", 5, "default")


def _worker(connection, resolution):
    while True:
        case = connection.recv()
        if case is None:
            return
        try:
            connection.send(("ok", first_view(*case, resolution)))
        except Exception as error:  # a refusal is a result too
            connection.send(("error", f"{type(error).__name__}: {error}"))


class Runner:
    """Cases in a forked worker, each stopped after ``timeout`` seconds."""

    def __init__(self, timeout: float, resolution: str):
        self.timeout, self.resolution = timeout, resolution
        self.context = multiprocessing.get_context("fork")
        self.process = None

    def _start(self):
        self.connection, child = self.context.Pipe()
        self.process = self.context.Process(target=_worker, args=(child, self.resolution),
                                            daemon=True)  # fmt: skip
        self.process.start()

    def run(self, case):
        if self.process is None or not self.process.is_alive():
            self._start()
        self.connection.send(case)
        if self.connection.poll(self.timeout):
            return self.connection.recv()
        self.process.kill()  # our own worker, by its handle
        self.process.join()
        self.process = None
        return ("timeout", None)

    def close(self):
        if self.process is not None and self.process.is_alive():
            self.connection.send(None)
            self.process.join(5)


def label(row) -> str:
    name, optimizer, view, epochs = row["case"]
    return f"{view:<9}{name:<22}{optimizer:<10}{'' if epochs is None else epochs:>6}"


def seconds(row) -> str:
    if row["status"] == "timeout":
        return f"over {row['timeout']:g} s"
    if row["status"] == "error":
        return "refused"
    return f"{row['total']:.2f} s"


def sort_key(row) -> float:
    if row["status"] == "timeout":
        return float("inf")
    return row.get("total", -1.0)


def report(rows, top: int, before=None) -> None:
    print()
    print(f"The {min(top, len(rows))} slowest of {len(rows)} cases (first view = compute + "
          f"figure + JSON):")  # fmt: skip
    head = f"{'view':<9}{'objective':<22}{'optimizer':<10}{'epochs':>6}{'first view':>13}"
    head += f"{'compute':>9}{'figure':>8}{'json':>7}{'runs':>8}{'diverged':>9}"
    if before is not None:
        head += f"{'before':>14}"
    print(head)
    earlier = {tuple(r["case"]): r for r in before or []}
    for row in sorted(rows, key=sort_key, reverse=True)[:top]:
        line = f"{label(row)}{seconds(row):>13}"
        if row["status"] == "ok":
            line += (f"{row['compute']:>9.2f}{row['figure']:>8.3f}{row['json']:>7.3f}"
                     f"{row['runs']:>8}{row['diverged']:>9}")  # fmt: skip
        elif row["status"] == "error":
            line += "  " + row["error"][:70]
        else:
            line += " " * 41
        if before is not None:
            old = earlier.get(tuple(row["case"]))
            line += f"{seconds(old) if old else '-':>14}"
        print(line)
    summary(rows, "this run")
    if before is not None:
        asked = {tuple(r["case"]) for r in rows}
        summary([r for r in before if tuple(r["case"]) in asked], "the earlier run (--compare)")


def summary(rows, title: str) -> None:
    """Per view: how many cases, how many within the target, how many slower."""
    print()
    print(f"{'view':<9}{'cases':>6}{'< 2 s':>7}{'2-5 s':>7}{'5-20 s':>7}{'over':>6}"
          f"{'refused':>8}{'slowest':>14}   {title}")  # fmt: skip
    for view in VIEWS:
        mine = [r for r in rows if r["case"][2] == view]
        if not mine:
            continue
        done = [r["total"] for r in mine if r["status"] == "ok"]
        over = sum(r["status"] == "timeout" for r in mine)
        refused = sum(r["status"] == "error" for r in mine)
        slowest = max(mine, key=sort_key)
        print(f"{view:<9}{len(mine):>6}{sum(t < TARGET for t in done):>7}"
              f"{sum(TARGET <= t < 5 for t in done):>7}{sum(5 <= t < 20 for t in done):>7}"
              f"{over:>6}{refused:>8}{seconds(slowest):>14}")  # fmt: skip


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, nargs="*")
    parser.add_argument("--views", nargs="*", choices=VIEWS)
    parser.add_argument("--objectives", nargs="*", choices=list(OBJECTIVES))
    parser.add_argument("--optimizers", nargs="*", choices=list(OPTIMIZERS))
    parser.add_argument("--fit", action="store_true", help="the fit page's loss views")
    parser.add_argument("--resolution", choices=list(RESOLUTIONS), default="default")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per case")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--json", help="write every row to this file")
    parser.add_argument("--compare", help="rows of an earlier run (--json) to print beside")
    parser.add_argument("--quiet", action="store_true", help="no line per case")
    args = parser.parse_args(argv)
    todo = list(cases(args))
    print(f"Python {platform.python_version()}, numpy {np.__version__}, "
          f"{platform.machine()}; {len(todo)} cases, {args.resolution} resolution, "
          f"timeout {args.timeout:g} s")  # fmt: skip
    for name in dict.fromkeys(case[0] for case in todo):
        warm(name)  # before the fork: the worker inherits the compiled functions
    warm_figures()
    runner = Runner(args.timeout, args.resolution)
    rows = []
    began = time.perf_counter()
    try:
        for case in todo:
            status, value = runner.run(case)
            row = {"case": list(case), "status": status, "timeout": args.timeout}
            if status == "ok":
                row.update(value)
            elif status == "error":
                row["error"] = value
            rows.append(row)
            if not args.quiet:
                print(f"{label(row)}{seconds(row):>13}", flush=True)
    finally:
        runner.close()
    print(f"\n{len(rows)} cases in {time.perf_counter() - began:.0f} s")
    before = json.loads(Path(args.compare).read_text()) if args.compare else None
    report(rows, args.top, before)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
