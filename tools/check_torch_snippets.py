"""Run the PyTorch scripts gdviz shows (``explain.torch_code``) under real PyTorch.

Each script should reproduce the trajectory gdviz drew. This builds runs with gdviz (every
optimizer, with PyTorch's defaults and with other hyperparameters, on Himmelblau, Rosenbrock
and a 1-D curve, with and without a learning-rate schedule, plus every objective once to
exercise the sympy → torch printer, plus a typed 1-D and 2-D function for every name the
parser accepts, the optimizers taking turns, plus the "forgotten zero_grad()" runs of
``gdviz.exercises``, whose scripts leave ``optimizer.zero_grad()`` out), writes their scripts
and paths to a temporary JSON, runs each script in its own process under a Python that has
torch, and prints the largest difference between the two paths, relative to max(|x|, 1).

Run from the repo root, with gdviz's venv; torch lives in a throwaway venv (see
tools/make_torch_reference.py), never in the project's::

    /work/venv/bin/python tools/check_torch_snippets.py --torch-python /tmp/torchref/bin/python

Exits 1 if any script fails or strays beyond ``--tolerance``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gdviz import OBJECTIVES, OPTIMIZERS, descend, parse_objective  # noqa: E402
from gdviz.exercises import zero_grad_code, zero_grad_runs  # noqa: E402
from gdviz.explain import torch_code  # noqa: E402
from gdviz.expressions import FUNCTIONS  # noqa: E402
from gdviz.race import suggested_lr  # noqa: E402
from tests.test_every_function import examples  # noqa: E402  (the functions the tests type)
from tests.test_explain import OTHER_HYPER  # noqa: E402  (the same settings the tests use)

EPOCHS = 200
OBJECTIVES_CHECKED = ("himmelblau", "rosenbrock", "wavy")

#: A learning rate per optimizer family that makes visible progress on these objectives.
LR = {"adagrad": 0.5, "rmsprop": 0.01, "adam": 0.05, "adamw": 0.05}

#: RMSprop at 0.01 hops across Rosenbrock's valley, where last-bit differences between torch's
#: autograd and sympy's gradient grow about 1000× every 20 epochs after epoch ~140 (5.9e-8 by
#: epoch 200); at 0.001 the path is smooth, as in tools/make_torch_reference.py.
LR_ON = {("rosenbrock", "rmsprop"): 0.001}

#: Cycled through the scheduled runs so that every kind (and cosine's T_max default) is run.
SCHEDULES = [
    {"kind": "step", "step_size": 50, "gamma": 0.5},
    {"kind": "exponential", "gamma": 0.99},
    {"kind": "cosine"},
    {"kind": "linear", "start_factor": 0.25, "total_iters": 40},
]

# Runs one script as __main__ in a fresh process and hands back its ``points``.
RUNNER = """
import contextlib, io, json, sys
case = json.load(open(sys.argv[1]))["cases"][int(sys.argv[2])]
namespace = {"__name__": "__main__"}
with contextlib.redirect_stdout(io.StringIO()):
    exec(compile(case["code"], case["name"] + ".py", "exec"), namespace)
print(json.dumps(namespace["points"]))
"""


TYPED_EPOCHS = 100


def typed_cases():
    """(name, trajectory) for every accepted function name, typed as the tests type it in
    1-D and in 2-D; the optimizers take turns, with PyTorch's defaults or other
    hyperparameters, each at the learning rate the race page suggests."""
    slugs = list(OPTIMIZERS)
    runs = []
    for i, name in enumerate(FUNCTIONS):
        for dim, text in enumerate(examples(name), start=1):
            objective = parse_objective(text)
            slug = slugs[(2 * i + dim - 1) % len(slugs)]
            hyper = OTHER_HYPER[slug] if (i + i // 4) % 2 else {}  # both, for every optimizer
            traj = descend(
                objective,
                objective.start,
                lr=suggested_lr(objective, slug),
                epochs=TYPED_EPOCHS,
                optimizer=slug,
                tol=0.0,
                **hyper,
            )
            runs.append((f"{name}-{dim}d-{slug}{'-hyper' if hyper else ''}", traj))
    return runs


def cases():
    """(name, trajectory) for every built-in run to check."""
    runs = []
    for objective in OBJECTIVES_CHECKED:
        for i, slug in enumerate(OPTIMIZERS):
            lr = LR_ON.get((objective, slug), LR.get(slug, OBJECTIVES[objective].lr))
            schedule = SCHEDULES[i % len(SCHEDULES)]
            variants = [
                ("defaults", {}, None),
                ("hyper", OTHER_HYPER[slug], None),
                (schedule["kind"], OTHER_HYPER[slug], schedule),
            ]
            for label, hyper, sched in variants:
                traj = descend(
                    objective,
                    OBJECTIVES[objective].start,
                    lr=lr,
                    epochs=EPOCHS,
                    optimizer=slug,
                    schedule=sched,
                    tol=0.0,
                    **hyper,
                )
                runs.append((f"{objective}-{slug}-{label}", traj))
    for slug, objective in OBJECTIVES.items():
        traj = descend(slug, objective.start, lr=0.01, epochs=50, optimizer="adam", tol=0.0)
        runs.append((f"{slug}-adam-printer", traj))
    return runs


#: (objective, start, η, epochs) for the forgotten-zero_grad() runs; every optimizer on each.
FORGOTTEN = [
    ("parabola", (3.0,), 0.1, 50),
    ("ravine", (-9.0, 2.0), 0.02, 50),
    ("himmelblau", (0.0, 0.0), 0.001, 100),
]


def forgotten_cases():
    """(name, script, points, label) for runs without zero_grad(): every optimizer, with its
    defaults, at the η the race page suggests for the adaptive ones."""
    runs = []
    for objective, start, lr, epochs in FORGOTTEN:
        for slug, spec in OPTIMIZERS.items():
            rate = suggested_lr(objective, slug) if spec.adaptive else lr
            run = zero_grad_runs(objective, start, rate, epochs, slug).forgotten
            label = f"{run.epoch:4d} epochs  {'no zero_grad':12s}"
            runs.append((f"{objective}-{slug}-forgotten", zero_grad_code(run), run.points, label))
    return runs


def trajectory_case(name, traj):
    """(name, script, points, label) for a gdviz run."""
    return name, torch_code(traj), traj.points, f"{traj.epoch:4d} epochs  {traj.status:12s}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch-python", default="/tmp/torchref/bin/python")
    parser.add_argument("--tolerance", type=float, default=1e-9)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--only",
        choices=("builtin", "typed", "forgotten"),
        help="run only the built-in, the typed or the forgotten-zero_grad() cases",
    )
    args = parser.parse_args()

    groups = {
        "builtin": lambda: [trajectory_case(*case) for case in cases()],
        "typed": lambda: [trajectory_case(*case) for case in typed_cases()],
        "forgotten": forgotten_cases,
    }
    runs = [run for group, make in groups.items() if args.only in (None, group) for run in make()]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "snippets.json"
        data = [
            {"name": name, "code": code, "points": points.tolist()}
            for name, code, points, _ in runs
        ]
        path.write_text(json.dumps({"cases": data}))

        def run(index: int) -> subprocess.CompletedProcess:
            command = [args.torch_python, "-c", RUNNER, str(path), str(index)]
            return subprocess.run(command, capture_output=True, text=True, check=False)

        with ThreadPoolExecutor(args.jobs) as pool:
            results = list(pool.map(run, range(len(data))))

    worst, failed = 0.0, 0
    print(f"{'run':36s} {'length':11s}  {'status':12s} max |torch − gdviz| / max(|x|, 1)")
    worst_name = ""
    for (name, _, expected, label), result in zip(runs, results, strict=True):
        if result.returncode != 0:
            failed += 1
            print(f"{name:40s} FAILED\n{result.stderr.strip()}")
            continue
        points = np.array(json.loads(result.stdout.strip().splitlines()[-1]))
        if points.shape != expected.shape:
            failed += 1
            print(f"{name:40s} FAILED: torch gave {points.shape}, gdviz {expected.shape}")
            continue
        scale = np.maximum(np.abs(expected), 1.0)
        difference = float(np.max(np.abs(points - expected) / scale))
        if difference >= worst:
            worst, worst_name = difference, name
        flag = "" if difference <= args.tolerance else "  <-- beyond tolerance"
        print(f"{name:36s} {label} {difference:.2e}{flag}")
    print(
        f"\n{len(runs)} scripts, {failed} failed, "
        f"worst max relative difference {worst:.2e} ({worst_name})"
    )
    return 1 if failed or worst > args.tolerance else 0


if __name__ == "__main__":
    raise SystemExit(main())
