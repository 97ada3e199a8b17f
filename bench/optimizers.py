"""Benchmarks of the optimizers: what a step costs, alone, in a path, in a batch, and in torch.

Run from the repo root::

    python bench/optimizers.py [--torch-python /path/to/python-with-torch]

For each optimizer in ``gdviz.OPTIMIZERS`` it prints, best of 5 runs:

(a) µs per step of ``gdviz.descend`` on rosenbrock from (-1.5, 2.0), 1000 epochs, tol=0
    (the whole loop: f and ∇f, the update, the status checks);
(b) µs per ``update.step`` alone, with a fixed gradient at a single (2,) point;
(c) a batch of 10,000 paths (points of shape (10000, 2)) stepped together: µs per step for
    the whole batch, ``obj.grad(batch)`` included, and ns per path-step;
(d) the same single path run with ``torch.optim`` (float64, the usual
    zero_grad / backward / step loop on the rosenbrock expression): µs per step, the ratio
    gdviz (a) / torch, and how far the two final points are apart (a check that it is the
    same trajectory).

The torch column needs torch. It is filled in-process when torch is importable here;
gdviz's venv has none, so ``--torch-python`` names another interpreter that has it (for
example a throwaway venv) and the torch timing runs there as a small ``-c`` script that
prints JSON. ``--torch-python`` wins over an importable torch. Without either the column
reads "torch not importable: skipped". No assertions: speed is measured, not tested.
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

import gdviz  # noqa: E402
from gdviz import OBJECTIVES, OPTIMIZERS, descend, get_optimizer  # noqa: E402

START = (-1.5, 2.0)
EPOCHS = 1000
REPEAT = 5
BATCH = 10_000
BATCH_STEPS = 100

#: A sensible learning rate per optimizer on rosenbrock from START (all run 1000 epochs).
LRS = {
    "gd": 1e-3,
    "sgd": 1e-3,
    "momentum": 1e-3,
    "nesterov": 1e-3,
    "adagrad": 0.5,
    "rmsprop": 1e-2,
    "adam": 1e-2,
    "adamw": 1e-2,
}

#: The torch.optim class and arguments that run each slug (gdviz's defaults are torch's).
TORCH = {
    "gd": ("SGD", {}),
    "sgd": ("SGD", {}),
    "momentum": ("SGD", {"momentum": 0.9}),
    "nesterov": ("SGD", {"momentum": 0.9, "nesterov": True}),
    "adagrad": ("Adagrad", {}),
    "rmsprop": ("RMSprop", {}),
    "adam": ("Adam", {}),
    "adamw": ("AdamW", {}),
}

SKIPPED = "torch not importable: skipped"


def best_of(fn, repeat=REPEAT):
    """The shortest of ``repeat`` timings of ``fn()``, in seconds, and its last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def time_descend(slug):
    """(a) µs per epoch of a whole descend run, and the run's final point."""

    def run():
        return descend("rosenbrock", START, lr=LRS[slug], epochs=EPOCHS, optimizer=slug, tol=0)

    seconds, traj = best_of(run)
    return seconds / traj.epoch * 1e6, traj


def time_step(slug):
    """(b) µs per update.step alone: a fixed gradient at a fixed (2,) point, state carried."""
    obj = OBJECTIVES["rosenbrock"]
    update = get_optimizer(slug)
    params = np.array(START)
    grad = obj.grad(params)
    lr = LRS[slug]
    step = update.step

    def run():
        state = update.init(params)
        for _ in range(EPOCHS):
            _, state = step(grad, state, params, lr)
        return state

    seconds, _ = best_of(run)
    return seconds / EPOCHS * 1e6


def time_batch(slug):
    """(c) µs per step of BATCH paths at once, ∇f of the batch included."""
    obj = OBJECTIVES["rosenbrock"]
    update = get_optimizer(slug)
    rng = np.random.default_rng(0)
    starts = np.array(START) + rng.normal(scale=0.05, size=(BATCH, 2))
    lr = LRS[slug]
    grad, step = obj.grad, update.step

    def run():
        points = starts
        state = update.init(points)
        for _ in range(BATCH_STEPS):
            delta, state = step(grad(points), state, points, lr)
            points = points + delta
        return points

    with np.errstate(all="ignore"):
        seconds, _ = best_of(run)
    return seconds / BATCH_STEPS * 1e6


def torch_times(cases, start, epochs, repeat):
    """(d) torch.optim on rosenbrock: {slug: [µs per step, final point]}, and torch's version.

    Self-contained (imports inside) so that its source can run in another interpreter.
    """
    import sys
    import time

    import torch

    def rosenbrock(x):
        return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2

    out = {}
    for slug, (name, lr, kwargs) in cases.items():
        best, final = float("inf"), None
        for _ in range(repeat):
            x = torch.tensor(start, dtype=torch.float64, requires_grad=True)
            opt = getattr(torch.optim, name)([x], lr=lr, **kwargs)
            t0 = time.perf_counter()
            for _ in range(epochs):
                opt.zero_grad()
                loss = rosenbrock(x)
                loss.backward()
                opt.step()
            best = min(best, time.perf_counter() - t0)
            final = x.detach().tolist()
        out[slug] = [best / epochs * 1e6, final]
    return {"torch": torch.__version__, "python": sys.version.split()[0], "times": out}


def run_torch(torch_python):
    """Torch timings, here or in ``torch_python``; (None, why) when there is no torch."""
    cases = {slug: (TORCH[slug][0], LRS[slug], TORCH[slug][1]) for slug in OPTIMIZERS}
    if torch_python is None:
        try:
            import torch  # noqa: F401
        except ImportError:
            return None, SKIPPED
        return torch_times(cases, list(START), EPOCHS, REPEAT), ""
    script = "\n".join(
        [
            "import json",
            "import sys",
            inspect.getsource(torch_times),
            "args = json.loads(sys.argv[1])",
            "print(json.dumps(torch_times(*args)))",
        ]
    )
    args = json.dumps([cases, list(START), EPOCHS, REPEAT])
    try:
        done = subprocess.run(
            [torch_python, "-c", script, args], capture_output=True, text=True, timeout=600
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"--torch-python failed: {exc}"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        if "No module named 'torch'" in last:
            return None, SKIPPED
        return None, f"--torch-python failed: {last}"
    return json.loads(done.stdout), ""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--torch-python",
        metavar="PATH",
        help="a Python interpreter with torch, to time torch.optim in (via subprocess)",
    )
    args = parser.parse_args(argv)

    print(
        f"gdviz on Python {platform.python_version()}, numpy {np.__version__}; "
        f"rosenbrock from {START}, {EPOCHS} epochs, best of {REPEAT}; "
        f"batch {BATCH:,} paths × {BATCH_STEPS} steps"
    )
    rows = []
    for slug in gdviz.OPTIMIZERS:
        path_us, traj = time_descend(slug)
        rows.append((slug, path_us, traj, time_step(slug), time_batch(slug)))

    torch, why = run_torch(args.torch_python)
    if torch is not None:
        where = args.torch_python or sys.executable
        print(f"torch {torch['torch']} on Python {torch['python']} ({where}), float64")
    print()

    print(
        f"{'optimizer':9s} {'lr':>6s} │ {'(a) descend':>11s} │ {'(b) step':>8s} │ "
        f"{'(c) batch':>9s} {'ns/path':>7s} │ {'(d) torch':>9s} {'gdviz/torch':>11s} "
        f"{'|Δ final|':>9s}"
    )
    print(
        f"{'':9s} {'':6s} │ {'µs/step':>11s} │ {'µs/step':>8s} │ {'µs/step':>9s} "
        f"{'-step':>7s} │ {'µs/step':>9s} {'':11s} {'':9s}"
    )
    for slug, path_us, traj, step_us, batch_us in rows:
        line = (
            f"{slug:9s} {LRS[slug]:6g} │ {path_us:11.2f} │ {step_us:8.2f} │ "
            f"{batch_us:9.0f} {batch_us / BATCH * 1e3:7.2f} │ "
        )
        if torch is None:
            line += why
        else:
            torch_us, final = torch["times"][slug]
            gap = float(np.max(np.abs(traj.final - np.array(final))))
            line += f"{torch_us:9.2f} {path_us / torch_us:11.2f} {gap:9.1e}"
        print(line)


if __name__ == "__main__":
    main()
