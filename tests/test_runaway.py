"""The runaway rule: a loss rising faster and faster stops a run as diverged only once it is
above the start's loss, so a stable run's long swings are not called divergence, and only
while the iterates grow with it (analysis.grows_away), so an adaptive optimizer's loss spike,
its step catching up with a steep wall inside the region it has crossed, is not either.

Heavy ball on the parabola f(x) = x² + 5 (λ = 2) from x₀ = 3: the iteration
x_{k+1} = (1 + β − ηλ)x_k − βx_{k−1} is stable iff 0 < ηλ < 2 + 2β, Nesterov (PyTorch's
form) iff ηλ < (2 + 2β)/(1 + 2β). Expected statuses come from that theory, not from runs.
"""

import numpy as np
import pytest

import gdviz.batch
from gdviz import OBJECTIVES, descend, descend_batch, fit
from gdviz.analysis import RUNAWAY_EPOCHS, Streak
from tests.test_batch import assert_same_as_alone

PARABOLA = OBJECTIVES["parabola"]
LAM = float(PARABOLA.hessian(np.zeros(1))[0, 0])  # λ of x² + 5
X0, EPOCHS = 3.0, 500
#: The η × β map's pixel (200², 500 epochs) near β = 0.925, η = 0.0012: ηλ = 0.0024.
SWING = {"momentum": 0.9253266331658292, "lr": 0.0012033778407775904}


def limit(beta: float, nesterov: bool) -> float:
    """The largest stable η on the parabola, from the iteration's characteristic roots."""
    return (2 + 2 * beta) / ((1 + 2 * beta) if nesterov else 1.0) / LAM


def test_the_curvature_is_that_of_x_squared():
    assert LAM == 2.0


def test_a_slow_swing_of_a_stable_heavy_ball_is_not_diverged():
    """Each slow crossing of the minimum is followed by many epochs of rises, each larger
    than the last, from a tiny first rise: the streak alone (≥ 8 rises, ×100) fires, but the
    loss stays below the start's, and the run is stable (ηλ ≪ 2 + 2β)."""
    beta, lr = SWING["momentum"], SWING["lr"]
    assert lr * LAM < 2 + 2 * beta
    run = descend(PARABOLA, X0, lr=lr, epochs=EPOCHS, optimizer="sgd", momentum=beta)
    assert run.status != "diverged"
    assert abs(run.final[0]) < X0  # it settles towards the minimum
    # The streak rule by itself would have stopped it: shown mid-run, below the start.
    streak, shown = Streak(), []
    for k, change in enumerate(np.diff(run.losses), start=1):
        streak.add(change if change > 0 else None)
        if streak.shown():
            shown.append(k)
    assert shown and all(run.losses[k] <= run.losses[0] for k in shown)


def test_the_batch_judges_the_swing_as_descend_does():
    beta, lr = SWING["momentum"], SWING["lr"]
    result = descend_batch(PARABOLA, [X0] * 4, lr=lr, epochs=EPOCHS, optimizer="sgd",
                           momentum=[beta, beta, 0.5, 0.9])  # fmt: skip
    assert "diverged" not in set(result.statuses)
    alone = descend(PARABOLA, X0, lr=lr, epochs=EPOCHS, optimizer="sgd", momentum=beta)
    assert result.stop_epochs[0] == alone.epoch and result.statuses[0] == alone.status


BETAS = np.linspace(0.0, 0.98, 12)
#: Shares of the stable limit: from far below it to just under it, and beyond it.
BELOW = np.geomspace(1e-4, 0.99, 10)
ABOVE = (1.05, 1.5, 3.0)


def grid(shares, nesterov):
    beta, share = np.meshgrid(BETAS[BETAS > 0] if nesterov else BETAS, shares)
    beta, share = beta.ravel(), share.ravel()
    return beta, share * np.array([limit(b, nesterov) for b in beta])


def runs(shares, nesterov):
    """(β, η, the run) over the grid of β and η = share × the stable limit."""
    betas, rates = grid(shares, nesterov)
    for beta, lr in zip(betas, rates, strict=True):
        yield beta, lr, descend(PARABOLA, X0, lr=lr, epochs=EPOCHS, optimizer="sgd",
                                momentum=beta, nesterov=nesterov)  # fmt: skip


@pytest.mark.parametrize("nesterov", [False, True])
def test_stable_momentum_runs_are_never_diverged(nesterov):
    for beta, lr, run in runs(BELOW, nesterov):
        assert run.status != "diverged", (beta, lr, run.reason, run.epoch)


@pytest.mark.parametrize("nesterov", [False, True])
def test_unstable_momentum_runs_stop_early_as_diverged(nesterov):
    for beta, lr, run in runs(ABOVE, nesterov):
        assert run.status == "diverged" and run.epoch < EPOCHS, (beta, lr, run.reason)


@pytest.mark.parametrize("nesterov", [False, True])
def test_the_batch_ends_the_grid_as_descend_does(nesterov):
    """Above and below the line, with one β per run: the batch's runaway rule is descend's."""
    b1, r1 = grid(BELOW, nesterov)
    b2, r2 = grid(ABOVE, nesterov)
    betas, rates = np.concatenate([b1, b2]), np.concatenate([r1, r2])
    result = descend_batch(PARABOLA, np.full(len(betas), X0), lr=rates, epochs=EPOCHS,
                           optimizer="sgd", momentum=betas, nesterov=nesterov)  # fmt: skip
    assert set(result.statuses[len(b1) :]) == {"diverged"}
    assert "diverged" not in set(result.statuses[: len(b1)])
    for i, (beta, lr) in enumerate(zip(betas, rates, strict=True)):
        run = descend(PARABOLA, X0, lr=lr, epochs=EPOCHS, optimizer="sgd", momentum=beta,
                      nesterov=nesterov)  # fmt: skip
        assert (result.reasons[i], result.stop_epochs[i]) == (run.reason, run.epoch)
        assert np.array_equal(result.final_points[i], run.final)


@pytest.mark.parametrize("lr", [1.01, 1.5, 3.0])
def test_plain_gd_past_its_limit_still_stops_as_a_runaway(lr):
    """GD multiplies x by 1 − 2η, |1 − 2η| > 1: the loss passes the start's at once."""
    run = descend(PARABOLA, X0, lr=lr, epochs=EPOCHS)
    assert run.status == "diverged" and run.epoch < EPOCHS


# ---- loss spikes of adaptive optimizers ----------------------------------------------------


def streak_alone_fires(run) -> bool:
    """Whether the loss alone (≥ 8 rises, each at least the last, grown ×100, above the
    start's loss) shows a runaway somewhere along ``run``: the rule before the iterates'
    growth was asked for."""
    streak = Streak()
    for k, change in enumerate(np.diff(run.losses), start=1):
        streak.add(change if change > 0 else None)
        if streak.shown() and run.losses[k] > run.losses[0]:
            return True
    return False


SPIKES = [  # (objective, start, optimizer, η, epochs): the audit's and their kin
    ("rosenbrock", (-1.2, 1.0), "rmsprop", 1.0, 1000),
    ("rosenbrock", (-1.2, 1.0), "adam", 1.0, 5000),
    ("rosenbrock", (-1.2, 1.0), "rmsprop", 0.3, 1000),
    ("goldstein_price", (-0.5, 1.0), "rmsprop", 1.0, 2000),
    ("two_wells", (1.5, 1.2), "rmsprop", 10.0, 1000),
    ("three_hump_camel", (2.2, -1.5), "rmsprop", 3.0, 1000),
    ("goldstein_price", (-0.5, 1.0), "adam", 10.0, 1000),
    ("rastrigin", (3.2, 2.1), "adamw", 1.0, 1000),  # early: Adam's first steps, all alike
]


@pytest.mark.parametrize("case", SPIKES, ids=lambda c: f"{c[0]}-{c[2]}-{c[3]:g}")
def test_a_loss_spike_of_an_adaptive_optimizer_is_not_a_runaway(case):
    slug, start, optimizer, lr, epochs = case
    run = descend(slug, start, lr=lr, epochs=epochs, optimizer=optimizer)
    assert streak_alone_fires(run)  # the loss rose ×100 in a streak, above the start's
    assert run.status != "diverged", run.message
    # ... and the iterates stayed in a bounded region: steps of about η at most
    reach = np.linalg.norm(run.points - run.points[0], axis=-1).max()
    assert reach < 25 * max(1.0, lr) and np.isfinite(run.losses).all()


def test_the_fit_pages_spiking_rmsprop_is_not_diverged():
    """The audit's case: four points, RMSprop, batch 1, η = 10 ("Diverged at epoch 83")."""
    run = fit("four_points", [0.0, 0.0], lr=10.0, epochs=300, optimizer="rmsprop", batch_size=1)
    assert run.status != "diverged", run.message
    assert np.abs(run.points).max() < 100


def test_adamw_whose_decay_multiplies_x_past_one_still_diverges():
    """x ← x(1 − ηλ) with ηλ = 5 multiplies x by −4 every step, whatever Adam's own step:
    the iterates grow, and that is a runaway."""
    run = descend("parabola", 3.0, lr=10.0, epochs=200, optimizer="adamw", weight_decay=0.5)
    assert (run.status, run.reason) == ("diverged", "runaway")
    assert run.epoch < 20


def test_a_slow_divergence_too_short_to_show_growth_is_not_called_diverged():
    """η = 1.01 multiplies the distance to the minimum by 1.02 a step: after 8 epochs the
    steps have grown 15 %, not ×2, so the run is bouncing (its message says η is past the
    limit); run long enough, the growth shows and it stops as diverged."""
    short = descend("parabola", 3.0, lr=1.01, epochs=RUNAWAY_EPOCHS)
    assert short.status == "oscillating" and "above" in short.message
    long = descend("parabola", 3.0, lr=1.01, epochs=1000)
    assert (long.status, long.reason) == ("diverged", "runaway") and long.epoch < 200


@pytest.mark.parametrize("band", [gdviz.batch._BAND, 0.5])
def test_the_batch_ends_spikes_and_runaways_as_descend_does(monkeypatch, band):
    """Rosenbrock has a lower bound: its runs go through the fast loop, which leaves every
    possible runaway to the full loop from the start. With a band of 0.5 every growth test
    is too close to call and descend decides it: the same ends either way."""
    monkeypatch.setattr(gdviz.batch, "_BAND", band)
    again = []
    inner = gdviz.batch._again
    monkeypatch.setattr(gdviz.batch, "_again", lambda *a: again.append(len(a[8])) or inner(*a))
    starts = np.array([[-1.2, 1.0], [-1.5, 2.0], [0.5, -0.5], [1.5, 1.5]] * 3)
    rates = np.repeat([0.3, 1.0, 3.0], 4)
    for optimizer in ("rmsprop", "adam"):
        result = descend_batch("rosenbrock", starts, lr=rates, epochs=600, optimizer=optimizer)
        assert_same_as_alone(result, OBJECTIVES["rosenbrock"], starts, rates, optimizer, {})
    gd = np.array([0.002, 0.0021, 0.004, 0.01])
    result = descend_batch("rosenbrock", starts[:4], lr=gd, epochs=600)
    assert_same_as_alone(result, OBJECTIVES["rosenbrock"], starts[:4], gd, "gd", {})
    assert "diverged" in set(result.statuses)
    assert sum(again) > 0  # some runs were run again with every test
