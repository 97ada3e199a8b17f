r"""Write tests/data/torch_lessons.json: the classic exercises run by real PyTorch in float64.

``gdviz.exercises`` computes these runs with numpy; the tests compare it to this file step
for step, without needing torch. Like tools/make_torch_reference.py, this script does not
import gdviz: every run is written here in plain torch.

* ``classic``: the classic loop on f(x) = x² + 5 (η = 0.01, 100 epochs), descending with
  ``SGD`` and climbing with ``SGD(maximize=True)``; each row is
  ``[epoch, x, x.grad, f(x)]``, all at x_k, before that epoch's step.
* ``matrix``: "minimize the loss below 1.30": the right update (``SGD`` on
  ``((a @ W - t) ** 2).mean()``), the flawed prediction (the same on ``W @ a``) and the
  flawed update (``W += 0.0001 * W.grad.mean()``); ``weights[k]`` and ``losses[k]`` are W
  and its loss after k updates.
* ``zero_grad``: the usual loop, with and without ``optimizer.zero_grad()``, for SGD, SGD
  with momentum 0.9 and Adam on two objectives; ``p_grads[k]`` is what ``p.grad`` held
  when ``step()`` read it.

Run (from the repo root), with torch in a throwaway venv, never the project's::

    python3 -m venv /tmp/torchref && \
        /tmp/torchref/bin/pip install torch==2.13.0 && \
        /tmp/torchref/bin/python tools/make_torch_lessons.py
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import torch

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "torch_lessons.json"
TORCH_VERSION = "2.13.0"

#: 8507 is what ``gdviz.exercises.classic_start(0)`` draws; any whole start would do.
CLASSIC_START = 8507
CLASSIC_LR = 0.01
CLASSIC_EPOCHS = 100

MATRIX_EPOCHS = 30
MATRIX_LR = 0.01
MATRIX_FLAWED_STEP = 1e-4
MATRIX_RUNS = ("right update", "flawed prediction", "flawed update")

ZERO_GRAD_EPOCHS = 50
#: slug (gdviz's objective) -> (the function of p, start, η for SGD and momentum)
OBJECTIVES = {
    "parabola": (lambda p: p[0] ** 2 + 5, [3.0], 0.1),
    "ravine": (lambda p: 0.5 * (p[0] ** 2 + 10 * p[1] ** 2), [-9.0, 2.0], 0.02),
}
#: slug (gdviz's optimizer) -> (torch class, keyword arguments, η or None for the objective's)
OPTIMIZERS = {
    "sgd": (torch.optim.SGD, {}, None),
    "momentum": (torch.optim.SGD, {"momentum": 0.9}, None),
    "adam": (torch.optim.Adam, {}, 0.1),
}


def classic(sign: int) -> dict:
    x = torch.tensor(float(CLASSIC_START), requires_grad=True)
    opt = torch.optim.SGD([x], lr=CLASSIC_LR, maximize=sign > 0, foreach=False)
    rows = []
    for k in range(CLASSIC_EPOCHS + 1):
        opt.zero_grad()
        cost = x**2 + 5
        cost.backward()
        rows.append([k, x.item(), x.grad.item(), cost.item()])
        opt.step()
    name = "classic-descend" if sign < 0 else "classic-climb"
    return {"name": name, "start": CLASSIC_START, "lr": CLASSIC_LR, "sign": sign, "rows": rows}


def matrix(label: str) -> dict:
    a = torch.tensor([1.0, 2.0, 3.0, 4.0])
    t = torch.tensor([2.0, 3.0, 4.0, 5.0])
    W = torch.tensor([[1.5, 1.3, 1.8, 1.1]] * 4, requires_grad=True)

    def loss_of(W):
        prediction = W @ a if label == "flawed prediction" else a @ W
        return ((prediction - t) ** 2).mean()

    opt = torch.optim.SGD([W], lr=MATRIX_LR, foreach=False)
    weights, losses = [], []
    for _ in range(MATRIX_EPOCHS):
        opt.zero_grad()
        loss = loss_of(W)
        loss.backward()
        weights.append(W.detach().tolist())
        losses.append(loss.item())
        if label == "flawed update":
            with torch.no_grad():
                W += MATRIX_FLAWED_STEP * W.grad.mean()  # one averaged number, added
        else:
            opt.step()
    with torch.no_grad():
        weights.append(W.detach().tolist())
        losses.append(loss_of(W).item())
    return {"label": label, "epochs": MATRIX_EPOCHS, "weights": weights, "losses": losses}


def zero_grad(objective: str, optimizer: str, forgot: bool) -> dict:
    f, start, objective_lr = OBJECTIVES[objective]
    cls, kwargs, lr = OPTIMIZERS[optimizer]
    lr = objective_lr if lr is None else lr
    p = torch.tensor(start, requires_grad=True)
    opt = cls([p], lr=lr, foreach=False, **kwargs)
    points, losses, p_grads = [list(start)], [], []
    for _ in range(ZERO_GRAD_EPOCHS):
        if not forgot:
            opt.zero_grad()
        loss = f(p)
        loss.backward()
        losses.append(loss.item())
        p_grads.append(p.grad.tolist())
        opt.step()
        points.append(p.detach().tolist())
    with torch.no_grad():
        losses.append(f(p).item())
    if not all(math.isfinite(v) for point in points for v in point):
        raise SystemExit(f"{objective} {optimizer} forgot={forgot} diverged: lower its η")
    return {
        "name": f"{objective}-{optimizer}-{'forgotten' if forgot else 'normal'}",
        "objective": objective,
        "start": list(start),
        "optimizer": optimizer,
        "lr": lr,
        "epochs": ZERO_GRAD_EPOCHS,
        "forgot": forgot,
        "points": points,
        "losses": losses,
        "p_grads": p_grads,
    }


def main() -> int:
    torch.set_default_dtype(torch.float64)
    version = torch.__version__.split("+")[0]
    if version != TORCH_VERSION:
        raise SystemExit(f"need torch=={TORCH_VERSION}, found {torch.__version__}")
    data = {
        "torch_version": version,
        "generated_by": "tools/make_torch_lessons.py",
        "classic": [classic(-1), classic(+1)],
        "matrix": [matrix(label) for label in MATRIX_RUNS],
        "zero_grad": [
            zero_grad(objective, optimizer, forgot)
            for objective in OBJECTIVES
            for optimizer in OPTIMIZERS
            for forgot in (False, True)
        ],
    }
    for case in data["classic"]:
        print(f"{case['name']:34s} x_100 = {case['rows'][-1][1]!r}")
    for case in data["matrix"]:
        print(f"{case['label']:34s} loss_{case['epochs']} = {case['losses'][-1]!r}")
    for case in data["zero_grad"]:
        print(f"{case['name']:34s} p_{case['epochs']} = {case['points'][-1]}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w") as fh:
        json.dump(data, fh, indent=None, separators=(",", ":"))
        fh.write("\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
