"""Learning-rate sweep and range test, against the theory of GD on quadratics.

Expected values come from the quadratic itself: on f = ½ Σ λᵢ (xᵢ − x*ᵢ)² plain GD
multiplies each gradient component by (1 − ηλᵢ) every step, so the stop epoch and the
divergent boundary 2/λ_max are known in closed form; the curvatures are written down by
hand (or from the data, for the fit page's losses), never read from gdviz.
"""

import math
import re
import warnings

import numpy as np
import pytest

import gdviz
from gdviz import DEFAULT_TOL, parse_objective
from gdviz.figures.sweep import KINDS, range_test_figure, sweep_figure
from gdviz.stability import Curvature, reference_curvature
from gdviz.sweep import (
    SWEEP_RANGE,
    SWEEP_RATES,
    _valley,
    lr_sweep,
    optimizer_limit,
    range_sentences,
    range_test,
)
from tests.conftest import decode_plotly, figure_json

#: Long enough that every grid rate below the limit with |1 − ηλ| ≤ 0.99 converges.
EPOCHS = 3000


def grid():
    return np.logspace(math.log10(SWEEP_RANGE[0]), math.log10(SWEEP_RANGE[1]), SWEEP_RATES)


def predicted_stops(rates, lams, g0, tol=DEFAULT_TOL, epochs=EPOCHS):
    """First epoch k with ‖g_k‖ ≤ tol, g_k,i = (1 − ηλᵢ)^k g0_i; epochs + 1 if none."""
    k = np.arange(epochs + 1)
    factors = np.abs(1 - np.outer(rates, lams))  # (n, dim)
    with np.errstate(under="ignore", over="ignore"):  # rates past the limit grow to inf
        norms = np.sqrt(
            sum((factors[:, [i]] ** k * g0[i]) ** 2 for i in range(len(lams)))
        )  # (n, epochs + 1)
    done = norms <= tol
    return np.where(done.any(axis=1), done.argmax(axis=1), epochs + 1)


# objective, start, eigenvalues of the Hessian and gradient at the start (by hand)
QUADRATICS = {
    "parabola": ("parabola", (3.0,), [2.0], [6.0]),
    "typed x^2 + 5": (parse_objective("x^2 + 5"), (3.0,), [2.0], [6.0]),
    "bowl": ("bowl", (4.0, 3.0), [2.0, 2.0], [8.0, 6.0]),
    "ravine": ("ravine", (-9.0, 2.0), [1.0, 10.0], [-9.0, 20.0]),
}


@pytest.fixture(scope="module", params=list(QUADRATICS))
def quadratic(request):
    objective, start, lams, g0 = QUADRATICS[request.param]
    return lr_sweep(objective, start, epochs=EPOCHS), np.array(lams), np.array(g0)


def test_sweep_grid_is_the_documented_one():
    sweep = lr_sweep("parabola", (3.0,), epochs=5)
    assert len(sweep) == SWEEP_RATES == 501
    np.testing.assert_allclose(sweep.rates, grid(), rtol=1e-14)
    assert sweep.rates[0] == pytest.approx(1e-5) and sweep.rates[-1] == pytest.approx(10.0)
    assert sweep.index(0.1) == int(np.argmin(np.abs(np.log10(grid()) + 1)))


def test_quadratic_statuses_follow_the_theory(quadratic):
    sweep, lams, g0 = quadratic
    limit = 2 / lams.max()
    below, above = sweep.rates < limit, sweep.rates > limit
    assert np.all(sweep.statuses[above] == "diverged")
    assert not np.any(np.isin(sweep.statuses[below], ["diverged", "oscillating"]))
    # below the limit: converged exactly when the closed form says it reaches the tolerance
    stops = predicted_stops(sweep.rates[below], lams, g0)
    sure = np.abs(stops - EPOCHS) > 1  # a run ending on the last epoch is left out
    converged = sweep.statuses[below] == "converged"
    np.testing.assert_array_equal(converged[sure], (stops <= EPOCHS)[sure])
    assert converged.sum() > 100
    # and in the epoch the closed form gives (±1: the iterates round, the power does not)
    assert np.all(np.abs(sweep.stop_epochs[below][converged & sure] - stops[converged & sure])
                  <= 1)  # fmt: skip
    # the slowest rates crawl: still descending at the cap, not converged
    assert sweep.still_descending()[0]


def test_first_divergent_is_the_first_grid_rate_above_the_limit(quadratic):
    sweep, lams, _ = quadratic
    limit = 2 / lams.max()
    expected = grid()[grid() > limit][0]
    assert sweep.first_divergent() == pytest.approx(expected, rel=1e-12)
    curvature = Curvature("the minimum", (0.0,) * len(lams), tuple(sorted(lams)))
    last = sweep.summary(curvature)[-1]
    assert f"{expected:.3g}" in last and "first rate tried above it" in last


def test_fastest_straddles_one_over_lambda():
    """On f = x² + 5 the fewest epochs are at η near 1/λ = 0.5 (one step would land on the
    minimum); the tie goes to the middle of the tied rates."""
    sweep = lr_sweep("parabola", (3.0,), epochs=200)
    stops = predicted_stops(sweep.rates, [2.0], [6.0], epochs=200)
    fewest = stops.min()
    tied = sweep.rates[stops == fewest]
    best = sweep.fastest()
    assert tied[0] <= best <= tied[-1] and tied[0] < 0.5 < tied[-1]
    assert sweep.stop_epochs[sweep.index(best)] == fewest
    assert sweep.converging() == (
        pytest.approx(sweep.rates[stops <= 200][0]),
        pytest.approx(sweep.rates[stops <= 200][-1]),
    )
    text = " ".join(sweep.summary())
    assert f"converged in {fewest} epochs" in text


@pytest.mark.parametrize(
    ("optimizer", "hyper", "h_max"),
    [
        ("momentum", {}, 2 + 2 * 0.9),  # Polyak: ηλ < 2 + 2β
        ("sgd", {"momentum": 0.5}, 2 + 2 * 0.5),
        # PyTorch's Nesterov: roots of z² − (1 + β)(1 − h)z + β(1 − h); Jury: h < (2+2β)/(1+2β)
        ("nesterov", {}, (2 + 2 * 0.9) / (1 + 2 * 0.9)),
    ],
)
def test_momentum_boundary(optimizer, hyper, h_max):
    """Heavy ball and Nesterov on f = x² + 5 (λ = 2): every rate above h_max/λ diverges,
    none below does, and the limit the figure and sentences use is that one."""
    sweep = lr_sweep("parabola", (3.0,), optimizer=optimizer, epochs=EPOCHS, **hyper)
    limit = h_max / 2.0
    assert np.all(sweep.statuses[sweep.rates > limit] == "diverged")
    assert not np.any(sweep.statuses[sweep.rates < limit] == "diverged")
    assert sweep.first_divergent() == pytest.approx(grid()[grid() > limit][0], rel=1e-12)
    curvature = Curvature("the minimum", (0.0,), (2.0,))
    assert optimizer_limit(curvature, optimizer, hyper).value == pytest.approx(limit)
    assert "first rate tried above it" in sweep.summary(curvature)[-1]


def fit_lambda_max(dataset) -> float:
    """λ_max of the MSE's Hessian from the data: 2·mean(x²) for y = w·x, else the top
    eigenvalue of 2·[[mean x², mean x], [mean x, 1]] for y = w·x + b."""
    x = np.asarray(dataset.x, dtype=float)
    if len(dataset.parameters) == 1:
        return 2 * np.mean(x**2)
    return float(np.linalg.eigvalsh(2 * np.array([[np.mean(x**2), np.mean(x)],
                                                   [np.mean(x), 1.0]]))[-1])  # fmt: skip


@pytest.mark.parametrize("name", ["three_points", "four_points", "noisy_line"])
def test_fit_loss_boundary_is_two_over_lambda(name):
    dataset = gdviz.DATASETS[name]
    objective = gdviz.loss_objective(dataset, "mse")
    limit = 2 / fit_lambda_max(dataset)
    if name == "three_points":
        assert limit == pytest.approx(3 / 14)  # λ = 2·(1 + 4 + 9)/3
    sweep = lr_sweep(objective, dataset.start, epochs=EPOCHS)
    assert np.all(sweep.statuses[sweep.rates > limit] == "diverged")
    assert not np.any(sweep.statuses[sweep.rates < limit] == "diverged")
    assert sweep.first_divergent() == pytest.approx(grid()[grid() > limit][0], rel=1e-12)
    curvature = reference_curvature(objective, dataset.start)
    assert curvature.gd_limit == pytest.approx(limit, rel=1e-9)
    assert "first rate tried above it" in sweep.summary(curvature)[-1]


def test_summary_counts_the_runs_between_limit_and_first_divergence():
    """On Himmelblau from (0, 0) a few rates just above 2/λ_max at the minimum (3, 2) do
    not diverge: the sentence must count them by status, not claim agreement."""
    objective = gdviz.OBJECTIVES["himmelblau"]
    # Hessian at (3, 2) by hand: [[74, 20], [20, 34]]
    lam = 54 + math.sqrt(20**2 + 20**2)
    curvature = reference_curvature(objective, (0.0, 0.0))
    assert curvature.lam_max == pytest.approx(lam)
    sweep = lr_sweep(objective, (0.0, 0.0), epochs=1000)
    first = sweep.first_divergent()
    between = sweep.statuses[(sweep.rates > 2 / lam) & (sweep.rates < first)]
    last = sweep.summary(curvature)[-1]
    assert between.size > 0 and "first rate tried above it" not in last
    assert f"the {between.size} rates between" in last
    for status, word in (("oscillating", "oscillating"), ("converged", "converged")):
        if np.any(between == status):
            assert f"{int(np.sum(between == status))} {word}" in last


# ---- the range test ----------------------------------------------------------------------


def test_range_test_rates_and_losses_by_hand():
    """GD on f = x² + 5 from 3: x ← x − η_k·2x, the loss recorded before each step, the
    smoothed loss the tools' bias-corrected average, and the stop at 4 × the best."""
    lo, hi, steps = 1e-7, 10.0, 100
    test = range_test("parabola", (3.0,), lo=lo, hi=hi, steps=steps)
    q = (hi / lo) ** (1 / (steps - 1))
    n = len(test)
    np.testing.assert_allclose(test.rates, lo * q ** np.arange(n), rtol=1e-12)
    np.testing.assert_allclose(test.rates[1:] / test.rates[:-1], q, rtol=1e-12)
    x, losses = 3.0, []
    for rate in test.rates:
        losses.append(x * x + 5)
        x -= rate * 2 * x
    np.testing.assert_allclose(test.losses, losses, rtol=1e-12)
    average, smoothed = 0.0, []
    for k, loss in enumerate(losses):
        average = 0.98 * average + 0.02 * loss
        smoothed.append(average / (1 - 0.98 ** (k + 1)))
    np.testing.assert_allclose(test.smoothed, smoothed, rtol=1e-12)
    best = np.minimum.accumulate(smoothed)
    assert test.stopped == "blew up"
    assert smoothed[-1] > 4 * best[-1] and np.all(np.array(smoothed[:-1]) <= 4 * best[:-1])


@pytest.mark.parametrize(
    ("objective", "start", "optimizer"),
    [("parabola", (3.0,), "gd"), ("ravine", (-9.0, 2.0), "momentum"),
     ("himmelblau", (0.0, 0.0), "gd"), ("rosenbrock", (-1.5, 2.0), "adam")],
)  # fmt: skip
def test_suggestions_lie_inside_the_tested_range(objective, start, optimizer):
    test = range_test(objective, start, optimizer=optimizer)
    for value in (test.steepest, test.valley):
        assert value is not None and test.rates[0] <= value <= test.rates[-1]
        assert value in test.rates
    # the steepest drop: no other counted step falls faster (central differences)
    window = test.smoothed[test.skip : len(test) - 1]
    i = int(np.flatnonzero(test.rates == test.steepest)[0]) - test.skip
    slopes = np.gradient(window)
    assert slopes[i] == slopes.min() and slopes[i] < 0


def test_valley_follows_fastai_arithmetic():
    """fast.ai's valley on hand-made curves: the longest strictly falling sequence, its start
    as fast.ai books it, and the suggestion at start + ⌊len/3⌋ + ⌊len/6⌋."""
    # falls 5 → 1 (length 5, ending at 4); fast.ai books the start at 4 − 5 = −1:
    # −1 + ⌊5/3⌋ + ⌊5/6⌋ = 0
    assert _valley(np.array([5.0, 4, 3, 2, 1, 2, 3]), 0, 0) == (0, 0, 4)
    # 1, 3, 2, 1, 0, −1, 5, 6: the longest run 3, 2, 1, 0, −1 (or 1, 0, −1 …) ends at 5 with
    # length 5, booked from 0; suggestion 0 + 1 + 0
    assert _valley(np.array([1.0, 3, 2, 1, 0, -1, 5, 6]), 0, 0) == (1, 0, 5)
    # skips shift the indices; a curve that never falls suggests its first counted step
    assert _valley(np.array([9.0, 9, 1, 2, 3, 4, 0]), 2, 1) == (2, 2, 2)


def numbers_in(sentence: str) -> list[float]:
    """The numbers of a sentence, reading 2.5 × 10⁻⁵ and 10⁻⁵ as numbers."""
    sup = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
    text = re.sub(r"(\d+(?:\.\d+)?) × 10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)",
                  lambda m: f"{m[1]}e{m[2].translate(sup)}", sentence)  # fmt: skip
    text = re.sub(r"(?<![\d.])10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)", lambda m: f"1e{m[1].translate(sup)}", text)
    return [float(v) for v in re.findall(r"(?<![\w/])-?\d+(?:\.\d+)?(?:e-?\d+)?", text)]


def suggestion_numbers(sentence):
    """η and its ratio to the limit, as the sentence writes them."""
    eta = numbers_in(re.search(r"η = ([^,;(]+)", sentence)[1])[0]
    ratio = float(re.search(r", ([\d.e+-]+)× the limit ", sentence)[1])
    return eta, ratio


def test_range_sentences_disagree_on_the_parabola():
    """f = x² + 5, λ = 2: both suggestions lie far under 2/λ = 1, and the sentences say so
    with their own η and ratio."""
    test = range_test("parabola", (3.0,))
    curvature = Curvature("the minimum", (0.0,), (2.0,))
    sentences = range_sentences(test, curvature)
    assert len(sentences) == 2
    for sentence, value in zip(sentences, (test.steepest, test.valley), strict=True):
        eta, ratio = suggestion_numbers(sentence)
        assert eta == pytest.approx(value, rel=5e-3)
        assert ratio == pytest.approx(value / 1.0, rel=5e-2)
        assert value < 0.5 and "disagrees: well under the limit" in sentence
    # the steepest's reason: the steps so far, Σ η·λ_max, computed here by hand
    i = int(np.flatnonzero(test.rates == test.steepest)[0])
    crossed = 2.0 * test.rates[:i].sum()
    assert f"Σ η·λ_max = {crossed:.2g}" in sentences[0]
    # the valley's: it starts at the first counted step (no noise), which the sentence says
    assert test.valley_span[0] == test.rates[test.skip]
    assert "first step fast.ai counts" in sentences[1]


def test_range_sentences_agree_on_himmelblau():
    """Himmelblau from (0, 0): the steepest drop lies between half of 2/λ_max and 2/λ_max
    at the minimum (3, 2) (λ_max by hand), and its sentence says they agree."""
    lam = 54 + math.sqrt(800)
    limit = 2 / lam
    test = range_test("himmelblau", (0.0, 0.0))
    sentence = range_sentences(test, Curvature("(3, 2)", (3.0, 2.0), (54 - math.sqrt(800), lam)))[0]
    ratio = test.steepest / limit
    assert 0.5 <= ratio <= 1
    assert "agrees" in sentence and "disagrees" not in sentence
    eta, said = suggestion_numbers(sentence)
    assert eta == pytest.approx(test.steepest, rel=5e-3) and said == pytest.approx(ratio, abs=0.01)


def test_range_sentences_above_the_limit():
    """On the ravine (λ = 1 and 10) the steepest drop comes past 2/λ_max = 0.2: most of the
    loss lies along the flat direction. The sentence says it disagrees, from above."""
    test = range_test("ravine", (-9.0, 2.0))
    sentence = range_sentences(test, Curvature("the minimum", (0.0, 0.0), (1.0, 10.0)))[0]
    assert test.steepest > 0.2
    assert "disagrees: above the limit" in sentence
    steps_above = int(np.sum(test.rates[: np.flatnonzero(test.rates == test.steepest)[0] + 1]
                             > 0.2))  # fmt: skip
    assert f"only {steps_above} step" in sentence
    assert f"|1 − η·λ_max| = {abs(1 - 10 * test.steepest):.3g}" in sentence


def test_range_sentences_when_nothing_moves():
    """Started at the minimum, the loss never changes: no verdict on the limit, whatever
    rounding noise picks as the steepest step or the valley."""
    test = range_test("parabola", (0.0,))
    for sentence in range_sentences(test, Curvature("the minimum", (0.0,), (2.0,))):
        assert "marks nothing" in sentence and "agrees" not in sentence


def test_range_sentences_without_a_limit():
    test = range_test("parabola", (3.0,), optimizer="adam")
    for sentence in range_sentences(test, Curvature("the minimum", (0.0,), (2.0,))):
        assert "no η·λ limit applies" in sentence and "× the limit" not in sentence
    for sentence in range_sentences(test, None):
        assert "λ" not in sentence.replace("λ_max", "") and "limit" not in sentence


# ---- figures -----------------------------------------------------------------------------


def finite_everywhere(fig):
    for trace in figure_json(fig)["data"]:
        for key in ("x", "y", "customdata"):
            if key in trace:
                values = decode_plotly(trace[key])
                assert values.dtype != object, (trace.get("name"), key)
                assert np.all(np.isfinite(values.astype(float))), (trace.get("name"), key)


def lines(fig, label):
    return [t for t in fig.data if t.mode == "lines" and t.name and label in t.name]


def test_sweep_figure_points_lines_and_current_rate():
    sweep = lr_sweep("parabola", (3.0,), epochs=100)
    curvature = Curvature("the minimum", (0.0,), (2.0,))
    fig = sweep_figure(sweep, lr=0.1, curvature=curvature)
    finite_everywhere(fig)
    points = [t for t in fig.data if t.legendgroup in KINDS]
    top = [t for t in points if t.yaxis == "y"]
    bottom = [t for t in points if t.yaxis == "y2"]
    for panel in (top, bottom):
        rates = np.sort(np.concatenate([np.asarray(t.customdata, dtype=float) for t in panel]))
        np.testing.assert_array_equal(rates, sweep.rates)
        for t in panel:
            np.testing.assert_array_equal(np.asarray(t.customdata), np.asarray(t.x))
    for label, x in (("1/λ_max", 0.5), ("2/λ_max", 1.0), ("(now)", 0.1)):
        found = lines(fig, label)
        assert len(found) == 2  # one per panel
        for t in found:
            assert list(t.x) == [pytest.approx(x)] * 2
            assert list(t.customdata) == [pytest.approx(x)] * 2
    assert not lines(fig, "β =")  # plain GD: no momentum limit
    ring = [t for t in fig.data if t.mode == "markers" and t.legendgroup == "η = 0.1 (now)"]
    assert len(ring) == 2 and all(t.x[0] == sweep.rates[sweep.index(0.1)] for t in ring)
    names = {t.name for t in fig.data if t.showlegend is not False}
    assert {"converged", "still descending after 100 epochs", "diverged"} <= names
    # the diverged runs sit on their own row, above every finite value
    diverged = [t for t in top if t.legendgroup == "diverged"][0]
    others = np.concatenate([np.asarray(t.y) for t in top if t.legendgroup != "diverged"])
    assert np.all(np.asarray(diverged.y) > others.max())
    assert "diverged" in fig.layout.yaxis.ticktext and "diverged" in fig.layout.yaxis2.ticktext


def test_sweep_figure_momentum_limit_line():
    sweep = lr_sweep("ravine", (-9.0, 2.0), optimizer="momentum", epochs=300)
    fig = sweep_figure(sweep, lr=0.18, curvature=Curvature("m", (0.0, 0.0), (1.0, 10.0)))
    (heavy, _) = lines(fig, "(2 + 2β)/λ_max")
    assert list(heavy.x) == [pytest.approx(3.8 / 10)] * 2
    nesterov = lr_sweep("ravine", (-9.0, 2.0), optimizer="nesterov", epochs=300)
    fig = sweep_figure(nesterov, curvature=Curvature("m", (0.0, 0.0), (1.0, 10.0)))
    (line, _) = lines(fig, "(2 + 2β)/((1 + 2β)λ_max)")
    assert list(line.x) == [pytest.approx(3.8 / 2.8 / 10)] * 2


def test_divergent_heavy_sweep_warns_nothing():
    """Rosenbrock: most rates overflow or run away; nothing may warn, nothing drawn is NaN."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        objective = gdviz.OBJECTIVES["rosenbrock"]
        sweep = lr_sweep(objective, (-1.5, 2.0), epochs=1000)
        assert np.mean(sweep.statuses == "diverged") > 0.5
        curvature = reference_curvature(objective, (-1.5, 2.0))
        fig = sweep_figure(sweep, lr=0.001, curvature=curvature)
        fig.to_json()
        test = range_test(objective, (-1.5, 2.0))
        range_fig = range_test_figure(test, curvature)
        range_fig.to_json()
        sweep.summary(curvature)
        range_sentences(test, curvature)
    finite_everywhere(fig)
    finite_everywhere(range_fig)


def test_sweep_figure_gap_to_the_minimum():
    """f = x² + 5: the top panel draws f − 5, so converged runs sit orders of magnitude below
    the slow ones (f itself would show them all near 5)."""
    sweep = lr_sweep("parabola", (3.0,), epochs=100)
    fig = sweep_figure(sweep)
    top = {t.legendgroup: np.asarray(t.y) for t in fig.data if t.yaxis == "y"}
    converged = sweep.statuses == "converged"
    np.testing.assert_allclose(
        top["converged"], np.maximum(sweep.final_losses[converged] - 5.0, 5e-15), rtol=1e-9
    )
    assert "f* = 5" in fig.layout.yaxis.title.text


def test_range_test_figure():
    test = range_test("parabola", (3.0,))
    fig = range_test_figure(test, Curvature("the minimum", (0.0,), (2.0,)))
    finite_everywhere(fig)
    for t in fig.data:
        np.testing.assert_array_equal(np.asarray(t.customdata), np.asarray(t.x))
    marks = {t.name: t for t in fig.data if t.mode == "markers"}
    steep = next(t for name, t in marks.items() if name.startswith("steepest drop"))
    valley = next(t for name, t in marks.items() if name.startswith("valley"))
    assert steep.x[0] == test.steepest and valley.x[0] == test.valley
    i = int(np.flatnonzero(test.rates == test.steepest)[0])
    assert steep.y[0] == test.smoothed[i]
    (limit,) = lines(fig, "2/λ_max")
    assert list(limit.x) == [1.0, 1.0]
    assert fig.layout.xaxis.type == "log"
