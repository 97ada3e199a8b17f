"""Benchmark of descend_batch: throughput against a bare numpy loop, a loop of descend, torch.

Run from the repo root::

    python bench/batch.py [--torch-python /tmp/torchref/bin/python] [--runs 40000]

Rosenbrock, plain GD, float64, η = 0.001 (the objective's own), starts uniform on its
plotting box, 500 epochs, tol = 1e-6. Best of 3. It prints:

(a) run-steps per second (runs × epochs / seconds) of
    - the bare loop ``p -= lr * grad(p)`` on points (n, 2), ``objective.grad`` (the target's
      reference, as the issue writes it);
    - the same on coordinate rows (2, n), the compiled ∇f alone, in place: the fastest bare
      loop we know, which skips f (the stopping rules need it) and every check;
    - the same on rows computing f too (one compiled pass of f and ∇f, as the batch does):
      the arithmetic the batch cannot skip, since its stopping rules read the loss at every
      epoch;
    - descend_batch, with the ratio to each: its fast loop, since rosenbrock's formula
      shows f ≥ 0 (tests every CHUNK epochs, steps again only the runs they flag); the
      same batch as for a function with no bound shown (the fast loop reading each run's
      streak of falls at its chunk ends); and with every test at every step (its full
      loop, as paths or a fit's loss take);
(b) descend in a Python loop, timed on the first 200 starts and scaled to all (said so);
(c) one run of 1,000 epochs (tol = 0) with descend_batch (which hands so few runs to
    descend), with its vectorized path forced, with descend, and with torch.optim.SGD and
    autograd when torch is importable here or in ``--torch-python``.

The columns of (a) are timed in turn, ROUNDS times, the shortest of each kept.

No assertions: speed is measured, not tested.
"""

import argparse
import inspect
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import gdviz.batch  # noqa: E402
from bench import optimizers as optimizers_bench  # noqa: E402
from gdviz import OBJECTIVES, descend, descend_batch  # noqa: E402

EPOCHS = 500
LOOP_RUNS = 200
SINGLE_EPOCHS = 1000
START = (-1.5, 2.0)
REPEAT = 3
#: Rounds of the throughput columns, timed in turn (see ``interleaved``).
ROUNDS = 7
SKIPPED = "torch not importable: skipped"


def best_of(fn, repeat=REPEAT):
    """The shortest of ``repeat`` timings of ``fn()`` and its last result (bench/optimizers)."""
    return optimizers_bench.best_of(fn, repeat)


def interleaved(fns, rounds):
    """The shortest timing of each of ``fns`` over ``rounds`` rounds that run each once in
    turn, and each one's last result: on a shared machine a busy spell then slows every
    column alike, not one column's whole block of repeats."""
    best, results = [float("inf")] * len(fns), [None] * len(fns)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            results[i] = fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best, results


def bare(objective, starts, lr):
    """The reference: only p -= lr * grad(p)."""
    p = starts.copy()
    with np.errstate(all="ignore"):
        for _ in range(EPOCHS):
            p -= lr * objective.grad(p)
    return p


def bare_rows(objective, starts, lr):
    """The same on coordinate rows, with the compiled ∇f alone, each row updated in place."""
    x = np.ascontiguousarray(starts.T)
    grad = objective._grad
    with np.errstate(all="ignore"):
        for _ in range(EPOCHS):
            for row, g in zip(x, grad(*x), strict=True):
                row -= lr * g
    return x


def bare_with_f(objective, starts, lr):
    """The same on rows, computing f and ∇f in one compiled pass (as the batch does): the
    arithmetic the batch cannot skip, since its stopping rules read the loss every epoch."""
    x = np.ascontiguousarray(starts.T)
    both = objective._value_and_grad
    with np.errstate(all="ignore"):
        for _ in range(EPOCHS):
            _, *grad = both(*x)
            for row, g in zip(x, grad, strict=True):
                row -= lr * g
    return x


def unbounded_loop(objective, starts, lr, every_test=False):
    """descend_batch as it runs where f shows no lower bound: rosenbrock's bound f ≥ 0
    hidden (blocks of BLOCK runs, the streaks of falls read at chunk ends); with
    ``every_test`` its full loop instead of the fast one (every test at every step)."""
    bound = objective.__dict__.pop("lower_bound", None)
    objective.__dict__["lower_bound"] = -np.inf
    fast = gdviz.batch._run_fast
    if every_test:
        gdviz.batch._run_fast = lambda *args, plain=False: gdviz.batch._run_block(*args)
    try:
        return descend_batch(objective, starts, lr=lr, epochs=EPOCHS)
    finally:
        gdviz.batch._run_fast = fast
        objective.__dict__.pop("lower_bound")
        if bound is not None:
            objective.__dict__["lower_bound"] = bound


def torch_single(start, lr, epochs, repeat):
    """torch.optim.SGD with autograd on rosenbrock: seconds for the run, and its final point.
    Self-contained, so that it can run in another interpreter."""

    import torch

    best, final = float("inf"), None
    for _ in range(repeat):
        x = torch.tensor(start, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.SGD([x], lr=lr)
        t0 = time.perf_counter()
        for _ in range(epochs):
            opt.zero_grad()
            loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
            loss.backward()
            opt.step()
        best = min(best, time.perf_counter() - t0)
        final = x.detach().tolist()
    return {"seconds": best, "final": final, "torch": torch.__version__}


def run_torch(torch_python, lr):
    args = [list(START), lr, SINGLE_EPOCHS, 5]
    if torch_python is None:
        try:
            import torch  # noqa: F401
        except ImportError:
            return None, SKIPPED
        return torch_single(*args), ""
    script = "\n".join(
        [
            "import json, sys, time",
            inspect.getsource(torch_single),
            "print(json.dumps(torch_single(*json.loads(sys.argv[1]))))",
        ]
    )
    try:
        done = subprocess.run(
            [torch_python, "-c", script, json.dumps(args)],
            capture_output=True,
            text=True,
            timeout=600,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"--torch-python failed: {exc}"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return None, SKIPPED if "No module named 'torch'" in last else f"failed: {last}"
    return json.loads(done.stdout), ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--torch-python", help="a python with torch, for column (c)")
    parser.add_argument("--runs", type=int, default=40_000)
    args = parser.parse_args()
    objective = OBJECTIVES["rosenbrock"]
    lr = objective.lr
    n = args.runs
    rng = np.random.default_rng(0)
    (x0, x1), (y0, y1) = objective.domain
    starts = np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])
    print(f"Python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    print(f"rosenbrock, gd, float64, lr={lr}, {n:,} starts on the box x ∈ [{x0}, {x1}], "
          f"y ∈ [{y0}, {y1}], {EPOCHS} epochs, tol=1e-6; (a) best of {ROUNDS} rounds "
          f"in turn, the rest best of {REPEAT}")  # fmt: skip

    descend_batch(objective, starts[:10], lr=lr, epochs=5)  # compile f and ∇f first
    objective.grad(starts[:10])
    (t_bare, t_rows, t_f, t_batch), (*_, result) = interleaved(
        [lambda: bare(objective, starts, lr), lambda: bare_rows(objective, starts, lr),
         lambda: bare_with_f(objective, starts, lr),
         lambda: descend_batch(objective, starts, lr=lr, epochs=EPOCHS)],
        ROUNDS,
    )  # fmt: skip
    t_open, _ = best_of(lambda: unbounded_loop(objective, starts, lr))
    t_full, _ = best_of(lambda: unbounded_loop(objective, starts, lr, every_test=True))
    steps = n * EPOCHS
    done = int(result.stop_epochs.sum())
    print("\n(a) throughput, run-steps per second (runs × epochs / s)")
    for name, seconds in (
        ("bare loop p -= lr * grad(p)", t_bare),
        ("bare loop on rows, ∇f only, in place", t_rows),
        ("bare loop on rows, f and ∇f, in place", t_f),
        ("descend_batch (its fast loop)", t_batch),
        ("descend_batch, no bound shown", t_open),
        ("descend_batch, every test each step", t_full),
    ):
        print(f"  {name:36s} {seconds:7.3f} s  {steps / seconds / 1e6:7.1f} M/s")
    print(f"  descend_batch / bare loop:             {t_bare / t_batch:.2f}x")
    print(f"  descend_batch / bare loop on rows:     {t_rows / t_batch:.2f}x")
    print(f"  descend_batch / bare loop with f:      {t_f / t_batch:.2f}x")
    print(f"  (no bound shown / bare loop:           {t_bare / t_open:.2f}x)")
    print(f"  (every test each step / bare loop:     {t_bare / t_full:.2f}x)")
    print(f"  statuses: {result.counts()}; run-steps actually taken: {done:,} of {steps:,}")

    sub = starts[:LOOP_RUNS]
    t_loop, _ = best_of(
        lambda: [descend(objective, s, lr=lr, epochs=EPOCHS) for s in sub], repeat=1
    )
    t_sub, _ = best_of(lambda: descend_batch(objective, sub, lr=lr, epochs=EPOCHS))
    scaled = t_loop * n / LOOP_RUNS
    print(f"\n(b) descend in a Python loop: {t_loop:.2f} s for the first {LOOP_RUNS} starts, "
          f"scaled to {n:,}: {scaled:.1f} s")  # fmt: skip
    print(f"  descend_batch on all {n:,}: {t_batch:.2f} s -> {scaled / t_batch:.0f}x faster")
    print(f"  (on the same {LOOP_RUNS} starts: {t_sub * 1e3:.1f} ms, {t_loop / t_sub:.0f}x)")

    one = np.array([START])
    t_one, single = best_of(
        lambda: descend_batch(objective, one, lr=lr, epochs=SINGLE_EPOCHS, tol=0), repeat=5
    )
    gdviz.batch.FEW, few = 0, gdviz.batch.FEW  # the vectorized path even for one run
    t_vec, _ = best_of(
        lambda: descend_batch(objective, one, lr=lr, epochs=SINGLE_EPOCHS, tol=0), repeat=5
    )
    gdviz.batch.FEW = few
    t_desc, _ = best_of(
        lambda: descend(objective, START, lr=lr, epochs=SINGLE_EPOCHS, tol=0), repeat=5
    )
    print(f"\n(c) one run from {START}, {SINGLE_EPOCHS} epochs, tol=0")
    for name, seconds in (
        (f"descend_batch (n = 1: fewer than {few} runs go through descend)", t_one),
        ("descend_batch's vectorized path, n = 1", t_vec),
        ("descend", t_desc),
    ):
        per_step = seconds / SINGLE_EPOCHS * 1e6
        print(f"  {name:58s} {seconds * 1e3:7.1f} ms ({per_step:.1f} µs/step)")
    torch_result, why = run_torch(args.torch_python, lr)
    if torch_result is None:
        print(f"  torch.optim.SGD: {why}")
    else:
        t_torch = torch_result["seconds"]
        gap = np.max(np.abs(np.array(torch_result["final"]) - single.final_points[0]))
        per_step = t_torch / SINGLE_EPOCHS * 1e6
        print(f"  torch {torch_result['torch']} SGD + autograd: {t_torch * 1e3:7.1f} ms "
              f"({per_step:.1f} µs/step); final points differ by {gap:.1e}")  # fmt: skip
        print(f"  torch / descend_batch: {t_torch / t_one:.1f}x; torch / its vectorized path: "
              f"{t_torch / t_vec:.1f}x; torch / descend: {t_torch / t_desc:.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
