r"""Write tests/data/torch_reference.json: real PyTorch optimizer and scheduler runs in float64.

The test suite compares gdviz's optimizers and learning-rate schedules against these
trajectories without needing torch itself. This script does not import gdviz: each objective
is written directly as a torch expression of a 1-D float64 tensor ``p``.

Run (from the repo root)::

    python3 -m venv /tmp/torchref && \
        /tmp/torchref/bin/pip install torch==2.13.0 && \
        /tmp/torchref/bin/python tools/make_torch_reference.py

Keep that venv outside the repo and never install torch into the project venv. The script
writes the JSON wherever it is run from and does not need numpy.

Each case runs like a PyTorch training loop, one epoch = one step::

    lrs.append(opt.param_groups[0]["lr"])  # the lr this step uses
    opt.zero_grad(); loss = f(p); loss.backward(); opt.step()
    if sched: sched.step()
    points.append(p.detach().tolist())

Every optimizer is built with ``foreach=False`` so that the single-tensor code path runs.
RMSprop's cases also keep ``grads``, the gradient autograd gave each step, so that the tests
can replay torch's gradients through gdviz's update alone (gdviz's own ∇f, compiled from
sympy, differs from autograd's in the last bits). ``cpu_capability`` records torch's CPU
kernels: with AVX2 or AVX-512 they fuse some multiply-adds (addcmul, add with alpha, lerp),
rounding once where numpy (and a DEFAULT, non-AVX torch build) rounds twice, so a replayed
step may differ from torch's by one unit in the last place.
``hyper`` in the JSON holds the torch keyword arguments a case passes beyond ``lr`` and beyond
what its optimizer slug fixes (``momentum`` means ``SGD(momentum=0.9, **hyper)``, ``nesterov``
means ``SGD(momentum=0.9, nesterov=True, **hyper)``); an empty ``hyper`` means torch's defaults.
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from pathlib import Path

import torch

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "torch_reference.json"
TORCH_VERSION = "2.13.0"
STEPS = 500
#: Optimizers whose cases also store torch's gradient at every step (for the replay test).
WITH_GRADS = {"rmsprop"}
SCHEDULE_STEPS = 300

OBJECTIVES = {
    "parabola": lambda p: p[0] ** 2 + 5,
    "bowl": lambda p: p[0] ** 2 + p[1] ** 2,
    "ravine": lambda p: 0.5 * (p[0] ** 2 + 10 * p[1] ** 2),
    "rosenbrock": lambda p: (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2,
    "himmelblau": lambda p: (p[0] ** 2 + p[1] - 11) ** 2 + (p[0] + p[1] ** 2 - 7) ** 2,
    "beale": lambda p: (
        (1.5 - p[0] + p[0] * p[1]) ** 2
        + (2.25 - p[0] + p[0] * p[1] ** 2) ** 2
        + (2.625 - p[0] + p[0] * p[1] ** 3) ** 2
    ),
    "booth": lambda p: (p[0] + 2 * p[1] - 7) ** 2 + (2 * p[0] + p[1] - 5) ** 2,
}

STARTS = {
    "parabola": [3.0],
    "bowl": [4.0, 3.0],
    "ravine": [-9.0, 2.0],
    "rosenbrock": [-1.5, 2.0],
    "himmelblau": [0.0, 0.0],
    "beale": [1.0, 1.5],
    "booth": [-8.0, -8.0],
}

# slug -> (torch class, keyword arguments the slug itself fixes)
OPTIMIZERS = {
    "gd": (torch.optim.SGD, {}),
    "sgd": (torch.optim.SGD, {}),
    "momentum": (torch.optim.SGD, {"momentum": 0.9}),
    "nesterov": (torch.optim.SGD, {"momentum": 0.9, "nesterov": True}),
    "adagrad": (torch.optim.Adagrad, {}),
    "rmsprop": (torch.optim.RMSprop, {}),
    "adam": (torch.optim.Adam, {}),
    "adamw": (torch.optim.AdamW, {}),
}

SCHEDULERS = {
    "step": (torch.optim.lr_scheduler.StepLR, ("step_size", "gamma")),
    "exponential": (torch.optim.lr_scheduler.ExponentialLR, ("gamma",)),
    "cosine": (torch.optim.lr_scheduler.CosineAnnealingLR, ("T_max", "eta_min")),
    "linear": (
        torch.optim.lr_scheduler.LinearLR,
        ("start_factor", "end_factor", "total_iters"),
    ),
}


def case(name, objective, optimizer, lr, hyper=None, schedule=None, steps=STEPS):
    return {
        "name": name,
        "objective": objective,
        "start": list(STARTS[objective]),
        "optimizer": optimizer,
        "lr": float(lr),
        "hyper": dict(hyper or {}),
        "schedule": schedule,
        "steps": steps,
    }


CASES = [
    # 1. plain gradient descent
    case("gd-parabola", "parabola", "gd", 0.1),
    case("gd-rosenbrock", "rosenbrock", "gd", 0.001),
    case("gd-himmelblau", "himmelblau", "gd", 0.01),
    # 2. SGD with its own hyperparameters
    case("sgd-booth-defaults", "booth", "sgd", 0.01),
    case(
        "sgd-rosenbrock-momentum-dampening-wd",
        "rosenbrock",
        "sgd",
        0.001,
        {"momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01},
    ),
    case("sgd-ravine-nesterov", "ravine", "sgd", 0.05, {"momentum": 0.5, "nesterov": True}),
    # 3. heavy-ball and Nesterov momentum (momentum 0.9 fixed by the slug)
    case("momentum-rosenbrock", "rosenbrock", "momentum", 0.001),
    case("momentum-himmelblau", "himmelblau", "momentum", 0.01),
    case("nesterov-rosenbrock", "rosenbrock", "nesterov", 0.001),
    case("nesterov-bowl-wd", "bowl", "nesterov", 0.01, {"weight_decay": 0.05}),
    # 4. Adagrad
    case("adagrad-rosenbrock", "rosenbrock", "adagrad", 0.5),
    case(
        "adagrad-himmelblau-all",
        "himmelblau",
        "adagrad",
        1.0,
        {
            "lr_decay": 0.01,
            "initial_accumulator_value": 0.1,
            "weight_decay": 0.001,
            "eps": 1e-8,
        },
    ),
    # 5. RMSprop
    # lr 0.01 makes RMSprop hop across the valley at ±lr, where rounding differences grow
    # chaotically after ~170 steps; at 0.001 the path is smooth and comparable for 500 steps.
    case("rmsprop-rosenbrock", "rosenbrock", "rmsprop", 0.001),
    case(
        "rmsprop-himmelblau-centered-momentum",
        "himmelblau",
        "rmsprop",
        0.001,
        {"centered": True, "momentum": 0.9, "alpha": 0.9, "weight_decay": 0.01},
    ),
    case("rmsprop-beale-momentum", "beale", "rmsprop", 0.01, {"momentum": 0.5}),
    # α = 0.5 and ε = 1e-3 make the step nearly η·sign(g): while the path runs down Beale's
    # valley (steps 140-196) a 1-ulp difference grows about 1.25x a step, to ~1e-9, then
    # shrinks again as the path settles by the minimum. Rounding-limited: see the tests.
    case(
        "rmsprop-beale-alpha-eps-momentum",
        "beale",
        "rmsprop",
        0.01,
        {"alpha": 0.5, "eps": 1e-3, "momentum": 0.3},
    ),
    # 6. Adam
    case("adam-rosenbrock", "rosenbrock", "adam", 0.01),
    case(
        "adam-himmelblau-amsgrad-wd",
        "himmelblau",
        "adam",
        0.05,
        {"amsgrad": True, "weight_decay": 0.01, "betas": [0.8, 0.99], "eps": 1e-6},
    ),
    case("adam-parabola", "parabola", "adam", 0.1),
    case("adam-beale", "beale", "adam", 0.01),
    # 7. AdamW (torch's default weight_decay is 1e-2)
    case("adamw-rosenbrock", "rosenbrock", "adamw", 0.01),
    case(
        "adamw-booth-amsgrad-wd",
        "booth",
        "adamw",
        0.05,
        {"amsgrad": True, "weight_decay": 0.1},
    ),
    # 8. learning-rate schedules
    case(
        "momentum-rosenbrock-steplr",
        "rosenbrock",
        "momentum",
        0.001,
        schedule={"kind": "step", "step_size": 100, "gamma": 0.5},
        steps=SCHEDULE_STEPS,
    ),
    case(
        "adam-himmelblau-exponentiallr",
        "himmelblau",
        "adam",
        0.05,
        schedule={"kind": "exponential", "gamma": 0.99},
        steps=SCHEDULE_STEPS,
    ),
    case(
        # runs past T_max on purpose: torch's cosine schedule comes back up
        "sgd-booth-cosinelr",
        "booth",
        "sgd",
        0.02,
        schedule={"kind": "cosine", "T_max": 100, "eta_min": 0.001},
        steps=SCHEDULE_STEPS,
    ),
    case(
        "rmsprop-rosenbrock-linearlr",
        "rosenbrock",
        "rmsprop",
        0.01,
        schedule={"kind": "linear", "start_factor": 0.1, "end_factor": 1.0, "total_iters": 50},
        steps=SCHEDULE_STEPS,
    ),
    case(
        "adagrad-bowl-steplr",
        "bowl",
        "adagrad",
        0.5,
        schedule={"kind": "step", "step_size": 30, "gamma": 0.3},
        steps=SCHEDULE_STEPS,
    ),
    case(
        "gd-himmelblau-constant",
        "himmelblau",
        "gd",
        0.01,
        schedule=None,
        steps=SCHEDULE_STEPS,
    ),
]


def make_optimizer(slug, p, lr, hyper):
    cls, fixed = OPTIMIZERS[slug]
    kwargs = {**fixed, **hyper}
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    return cls([p], lr=lr, foreach=False, **kwargs)


def make_scheduler(opt, schedule):
    if schedule is None or schedule["kind"] == "constant":
        return None
    cls, names = SCHEDULERS[schedule["kind"]]
    extra = set(schedule) - {"kind", *names}
    if extra:
        raise ValueError(f"schedule {schedule} has unexpected keys {sorted(extra)}")
    return cls(opt, **{k: schedule[k] for k in names})


def closed_form_lr(lr, schedule, k):
    """The textbook lr at epoch ``k`` (torch computes it recursively instead)."""
    if schedule is None or schedule["kind"] == "constant":
        return lr
    kind = schedule["kind"]
    if kind == "step":
        return lr * schedule["gamma"] ** (k // schedule["step_size"])
    if kind == "exponential":
        return lr * schedule["gamma"] ** k
    if kind == "cosine":
        lo, t = schedule["eta_min"], schedule["T_max"]
        return lo + (lr - lo) * (1 + math.cos(math.pi * k / t)) / 2
    if kind == "linear":
        a, b, n = schedule["start_factor"], schedule["end_factor"], schedule["total_iters"]
        return lr * (a + (b - a) * min(k, n) / n)
    raise ValueError(kind)


def run(spec):
    f = OBJECTIVES[spec["objective"]]
    p = torch.tensor(spec["start"], dtype=torch.float64, requires_grad=True)
    opt = make_optimizer(spec["optimizer"], p, spec["lr"], spec["hyper"])
    group = opt.param_groups[0]
    assert group["foreach"] is False and not group.get("fused"), group
    sched = make_scheduler(opt, spec["schedule"])
    points = [list(spec["start"])]
    lrs, grads = [], []
    for _ in range(spec["steps"]):
        lr = opt.param_groups[0]["lr"]
        lrs.append(float(lr))
        opt.zero_grad()
        loss = f(p)
        loss.backward()
        grads.append(p.grad.tolist())
        opt.step()
        if sched is not None:
            sched.step()
        points.append(p.detach().tolist())
    with torch.no_grad():
        final_loss = float(f(p))
    finite = all(math.isfinite(v) for pt in points for v in pt) and all(
        math.isfinite(v) for v in lrs
    )
    if not finite:
        raise SystemExit(f"case {spec['name']!r} diverged: lower its lr")
    result = {**spec, "points": points, "lrs": lrs}
    if spec["optimizer"] in WITH_GRADS:
        result["grads"] = grads
    return result, final_loss


def main() -> int:
    torch.set_default_dtype(torch.float64)
    version = torch.__version__.split("+")[0]
    if version != TORCH_VERSION:
        raise SystemExit(f"need torch=={TORCH_VERSION}, found {torch.__version__}")
    names = [c["name"] for c in CASES]
    assert len(set(names)) == len(names), "case names must be unique"

    results = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for spec in CASES:
            result, final_loss = run(spec)
            results.append(result)
            drift = max(
                abs(got - closed_form_lr(spec["lr"], spec["schedule"], k)) / spec["lr"]
                for k, got in enumerate(result["lrs"])
            )
            final = ", ".join(repr(v) for v in result["points"][-1])
            print(
                f"{spec['name']:40s} final=[{final}] loss={final_loss!r} "
                f"lr-vs-closed-form(rel)={drift:.2e}"
            )
    for w in caught:
        print(f"warning: {w.category.__name__}: {w.message}", file=sys.stderr)

    data = {
        "torch_version": version,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "generated_by": "tools/make_torch_reference.py",
        "cases": results,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w") as fh:
        json.dump(data, fh, indent=None, separators=(",", ":"))
        fh.write("\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(results)} cases)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
