"""The classic exercises: every number they show comes from a run, and PyTorch agrees.

tests/data/torch_lessons.json is written by tools/make_torch_lessons.py under real PyTorch.
"""

import json
import math
import re

import numpy as np
import pytest

from gdviz import OBJECTIVES, descend, get_dataset
from gdviz.exercises import (
    CLASSIC_EPOCHS,
    CLASSIC_HIGH,
    CLASSIC_LR,
    FORGOTTEN_LOOP_CODE,
    LOOP_CODE,
    MATRIX_FLAWED_STEP,
    MATRIX_LR,
    MATRIX_TARGET,
    PREDICTIONS,
    classic_loop,
    classic_printout,
    classic_sign_flip,
    classic_slip,
    classic_start,
    corrected_printout,
    counting_facts,
    derivative_sign_facts,
    first_epoch_below,
    matrix_comparison,
    matrix_curvature,
    matrix_exercise_start,
    matrix_flawed_prediction,
    matrix_flawed_update,
    matrix_gradient,
    matrix_hessian,
    matrix_loss,
    matrix_right_update,
    secant_facts,
    zero_grad_code,
    zero_grad_runs,
)
from gdviz.numbers import plain
from gdviz.pytorch import torch_code
from tests.conftest import ROOT

LESSONS = json.loads((ROOT / "tests" / "data" / "torch_lessons.json").read_text())
RTOL = 1e-12  # float64 against float64: rounding only


def said(value: float) -> str:
    """A number as the sentences write it."""
    return plain(float(value)).replace("-", "−")


def sentences(texts) -> None:
    for text in texts:
        assert text and text.endswith("."), text
        assert not re.search(r"\blr\b", text), f"say η, not lr: {text!r}"


# ---- 1. the classic loop -----------------------------------------------------------------


def test_classic_start_is_seeded_whole_and_within_0_to_10000():
    starts = [classic_start(seed) for seed in range(300)]
    assert starts == [classic_start(seed) for seed in range(300)]  # a seed replays
    assert all(isinstance(s, int) and 0 <= s <= CLASSIC_HIGH for s in starts)
    assert len(set(starts)) > 250  # another seed re-rolls
    with pytest.raises(ValueError, match="seed"):
        classic_start(-1)


def test_classic_loop_rows_follow_the_update():
    run = classic_loop(1234, epochs=CLASSIC_EPOCHS)
    assert run.epochs == CLASSIC_EPOCHS and len(run.rows) == CLASSIC_EPOCHS + 1
    assert [r.epoch for r in run.rows] == list(range(CLASSIC_EPOCHS + 1))
    assert run.rows[0].x == 1234
    for row, after in zip(run.rows, run.rows[1:], strict=False):
        assert row.gradient == 2 * row.x
        assert row.cost == row.x**2 + 5
        assert after.x == row.x - CLASSIC_LR * row.gradient
    assert run.final.x == pytest.approx(1234 * (1 - 2 * CLASSIC_LR) ** CLASSIC_EPOCHS, rel=1e-12)
    assert np.all(np.diff(run.costs) < 0)


def test_sign_plus_one_climbs_and_the_sentence_says_by_how_much():
    start = classic_start(0)
    up, down = classic_loop(start, sign=+1), classic_loop(start, sign=-1)
    assert np.all(np.diff(up.costs) > 0) and np.all(np.diff(up.xs) > 0)
    assert up.factor == pytest.approx(1 + 2 * CLASSIC_LR, rel=1e-12)
    assert down.factor == pytest.approx(1 - 2 * CLASSIC_LR, rel=1e-12)
    assert up.final.x > start > down.final.x
    text = classic_sign_flip(start)
    sentences([text])
    for value in (up.factor, down.factor, start, up.final.x, down.final.x, up.final.cost):
        assert said(value) in text, (value, text)
    with pytest.raises(ValueError, match="sign"):
        classic_loop(start, sign=2)


def test_classic_printout_shows_the_gradient_under_x():
    run = classic_loop(classic_start(0))
    assert run.start != 0
    lines = classic_printout(run)
    assert len(lines) == run.epochs + 1
    pattern = re.compile(r"EPOCH (\d+): Cost = (-?\d+\.\d{3}), x = (-?\d+\.\d{3})")
    for row, line in zip(run.rows, lines, strict=True):
        epoch, cost, shown = pattern.fullmatch(line).groups()
        assert int(epoch) == row.epoch
        assert float(cost) == pytest.approx(row.cost, abs=5e-4)
        assert float(shown) == pytest.approx(row.gradient, abs=5e-4)
    first = float(pattern.fullmatch(lines[0]).group(3))
    assert first == 2 * run.start != run.start  # the slip: 2·x₀ printed as "x"


def test_corrected_printout_keeps_x_and_the_gradient_apart():
    run = classic_loop(classic_start(5), epochs=20)
    classic, corrected = classic_printout(run), corrected_printout(run)
    pattern = re.compile(r"EPOCH (\d+): Cost = (\S+), x = (\S+), gradient = (\S+)")
    for row, old, new in zip(run.rows, classic, corrected, strict=True):
        epoch, cost, x, gradient = pattern.fullmatch(new).groups()
        assert float(x) == pytest.approx(row.x, abs=5e-4)
        assert float(gradient) == pytest.approx(2 * float(x), abs=2e-3)
        assert old == f"EPOCH {epoch}: Cost = {cost}, x = {gradient}"  # same numbers, relabelled


def test_classic_slip_names_the_slip_with_the_runs_numbers():
    run = classic_loop(classic_start(0))
    text = classic_slip(run)
    sentences([text])
    assert "gradient" in text
    assert said(2 * run.start) in text and said(run.start) in text
    assert said(run.rows[0].gradient / run.rows[0].x) in text  # "2 times"
    assert classic_slip() == text  # the default run is the same one
    assert "cannot show" in classic_slip(classic_loop(0))


@pytest.mark.parametrize("case", LESSONS["classic"], ids=lambda c: c["name"])
def test_classic_loop_matches_torch(case):
    expected = np.array(case["rows"])
    run = classic_loop(case["start"], case["lr"], len(expected) - 1, case["sign"])
    got = np.array([tuple(row) for row in run.rows])
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=0)


# ---- 2. minimize the loss below 1.30 ---------------------------------------------------------


def test_start_loss_is_125_25():
    start = matrix_exercise_start()
    assert matrix_loss(start.W) == pytest.approx(125.25, abs=1e-12)
    # by hand: a @ W = (Σa)·(1.5, 1.3, 1.8, 1.1), errors against t, squared, averaged
    errors = start.a.sum() * np.array([1.5, 1.3, 1.8, 1.1]) - start.t
    assert np.mean(errors**2) == pytest.approx(matrix_loss(start.W), abs=1e-12)


def test_W_at_a_is_another_prediction_with_another_loss():
    a, t, W = matrix_exercise_start()
    assert not np.allclose(W @ a, a @ W)
    by_hand = np.array([sum(W[i, j] * a[j] for j in range(4)) for i in range(4)])
    assert matrix_loss(W, prediction="W @ a") == pytest.approx(np.mean((by_hand - t) ** 2))
    assert matrix_loss(W, prediction="W @ a") != pytest.approx(matrix_loss(W))
    with pytest.raises(ValueError, match="prediction"):
        matrix_loss(W, prediction="a @ W.T")


def central_differences(W, prediction, h=1e-5):
    grad = np.empty_like(W)
    for index in np.ndindex(W.shape):
        up, down = W.copy(), W.copy()
        up[index] += h
        down[index] -= h
        loss_up, loss_down = (matrix_loss(V, prediction=prediction) for V in (up, down))
        grad[index] = (loss_up - loss_down) / (2 * h)
    return grad


@pytest.mark.parametrize("prediction", list(PREDICTIONS))
def test_gradient_matches_central_differences(prediction):
    start = matrix_exercise_start().W
    other = np.random.default_rng(1).normal(size=(4, 4))
    for W in (start, other):
        grad = matrix_gradient(W, prediction=prediction)
        np.testing.assert_allclose(grad, central_differences(W, prediction), rtol=1e-8, atol=1e-7)
        assert len(np.unique(np.round(grad, 9))) > 1  # weights have their own partials


@pytest.mark.parametrize("prediction", list(PREDICTIONS))
def test_hessian_is_the_gradients_derivative_and_sets_the_stable_eta(prediction):
    a = matrix_exercise_start().a
    W = np.random.default_rng(2).normal(size=(4, 4))
    V = np.random.default_rng(3).normal(size=(4, 4))
    hessian = matrix_hessian(prediction=prediction)
    change = matrix_gradient(W + V, prediction=prediction) - matrix_gradient(
        W, prediction=prediction
    )
    np.testing.assert_allclose(hessian @ V.ravel(), change.ravel(), rtol=1e-10, atol=1e-10)
    curvature = matrix_curvature(prediction=prediction)
    assert curvature.lam_max == pytest.approx(2 / a.size * a @ a, rel=1e-12)
    assert MATRIX_LR < curvature.one_step < curvature.gd_limit
    assert curvature.band(MATRIX_LR) == "monotone"


def test_flawed_update_adds_one_number_to_every_weight_and_the_loss_rises():
    run = matrix_flawed_update()
    assert run.epochs == 100
    assert np.all(np.diff(run.losses) > 0)  # uphill, every step
    assert run.losses[-1] > run.losses[0]
    for k in (0, 50, 99):
        step = run.weights[k + 1] - run.weights[k]
        mean = np.mean(matrix_gradient(run.weights[k]))
        np.testing.assert_allclose(step, MATRIX_FLAWED_STEP * mean, rtol=1e-9)
    assert first_epoch_below(run, MATRIX_TARGET) is None


def test_right_update_gets_below_the_target_at_the_epoch_it_says():
    run = matrix_right_update()
    epoch = first_epoch_below(run, MATRIX_TARGET)
    assert epoch is not None and 0 < epoch <= run.epochs
    assert run.losses[epoch] < MATRIX_TARGET <= run.losses[epoch - 1]
    assert np.all(run.losses[:epoch] >= MATRIX_TARGET)
    assert np.all(np.diff(run.losses) <= 0)  # monotone: η is below 1/λ_max
    # each error shrinks by 1 − η·λ_max, so the loss by its square
    factor = (1 - MATRIX_LR * matrix_curvature().lam_max) ** 2
    np.testing.assert_allclose(run.losses[1:11] / run.losses[:10], factor, rtol=1e-9)
    assert run.weights.shape == (run.epochs + 1, 4, 4)
    assert matrix_loss(run.weights[epoch]) == run.losses[epoch]


def test_first_epoch_below_reads_any_loss_history():
    assert first_epoch_below([5.0, 2.0, 1.0, 0.5], 1.5) == 2
    assert first_epoch_below(np.array([5.0, 2.0]), 1.0) is None
    assert first_epoch_below([1.0], 1.5) == 0


def test_flawed_prediction_fits_the_wrong_loss():
    run = matrix_flawed_prediction()
    assert run.prediction == "W @ a"
    assert run.losses[0] == matrix_loss(matrix_exercise_start().W, prediction="W @ a")
    assert first_epoch_below(run) is not None  # its own loss falls
    asked = run.losses_under("a @ W")
    assert asked[0] == matrix_loss(matrix_exercise_start().W)
    assert first_epoch_below(asked) is None  # the loss that was asked for never gets there


def test_comparison_says_the_computed_numbers():
    comparison = matrix_comparison()
    assert 2 <= len(comparison.sentences) <= 4
    sentences(comparison.sentences)
    update, flawed, right = comparison[:3]
    text = " ".join(comparison.sentences)
    for value in (
        update.losses[0],
        update.losses[-1],
        flawed.losses[0],
        flawed.losses_under("a @ W")[-1],
        comparison.curvature.lam_max,
        comparison.curvature.gd_limit,
        right.lr,
    ):
        assert said(value) in text, (value, text)
    for run in (flawed, right):
        assert f"at epoch {first_epoch_below(run)}" in text
    assert "1.30" in text


MATRIX_RUNS = {
    "right update": matrix_right_update,
    "flawed prediction": matrix_flawed_prediction,
    "flawed update": lambda epochs: matrix_flawed_update(epochs=epochs),
}


@pytest.mark.parametrize("case", LESSONS["matrix"], ids=lambda c: c["label"])
def test_matrix_runs_match_torch(case):
    run = MATRIX_RUNS[case["label"]](epochs=case["epochs"])
    np.testing.assert_allclose(run.weights, case["weights"], rtol=RTOL, atol=0)
    np.testing.assert_allclose(run.losses, case["losses"], rtol=RTOL, atol=0)


# ---- 3. step() and zero_grad() -----------------------------------------------------------------


def test_the_loop_lines_are_the_snippets_own():
    runs = zero_grad_runs("parabola", 3.0, 0.1, 4)
    code = torch_code(descend("parabola", 3.0, lr=0.1, epochs=4, tol=0))
    loop = code.split("for epoch in range(4):\n", 1)[1].splitlines()
    assert [line.strip() for line in loop[: len(LOOP_CODE)]] == list(LOOP_CODE)
    assert runs.normal.code == LOOP_CODE and runs.forgotten.code == FORGOTTEN_LOOP_CODE
    assert len(FORGOTTEN_LOOP_CODE) == len(LOOP_CODE)
    assert FORGOTTEN_LOOP_CODE[0].startswith("#") and FORGOTTEN_LOOP_CODE[1:] == LOOP_CODE[1:]


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_substeps_show_each_line_and_what_it_changes(optimizer):
    objective = OBJECTIVES["ravine"]
    runs = zero_grad_runs(objective, (-9.0, 2.0), 0.02, 6, optimizer)
    for run in runs:
        steps = run.substeps
        assert len(steps) == 4 * run.epoch
        assert [s.line for s in steps] == [0, 1, 2, 3] * run.epoch
        total = np.zeros(2)
        for k in range(run.epoch):
            zero, forward, backward, step = steps[4 * k : 4 * k + 4]
            assert all(s.epoch == k for s in (zero, forward, backward, step))
            np.testing.assert_array_equal(zero.p, run.points[k])
            np.testing.assert_array_equal(step.p, run.points[k + 1])
            assert forward.loss == objective.f(run.points[k])
            gradient = objective.grad(run.points[k])
            total = total + gradient
            if run.forgot:
                if k:  # zero_grad() does not run: last epoch's sum is still there
                    np.testing.assert_array_equal(zero.grad, run.p_grads[k - 1])
                np.testing.assert_allclose(backward.grad, total, rtol=1e-12)
            else:
                assert zero.grad is None and forward.grad is None
                np.testing.assert_allclose(backward.grad, gradient, rtol=1e-12)
            np.testing.assert_array_equal(step.grad, backward.grad)
        assert steps[0].loss is None and steps[0].grad is None


def test_forgotten_sgd_keeps_swinging_while_the_normal_run_settles():
    runs = zero_grad_runs("parabola", 3.0, 0.1, 200)
    assert abs(runs.normal.points[-1, 0]) < 1e-6
    # the summed gradient acts like a spring with no friction: |x| keeps coming back up
    late = np.abs(runs.forgotten.points[100:, 0])
    assert late.max() > 1.0
    assert runs.forgotten.losses[-50:].max() > runs.normal.losses[-1] + 1


@pytest.mark.parametrize("case", LESSONS["zero_grad"], ids=lambda c: c["name"])
def test_zero_grad_runs_match_torch(case):
    runs = zero_grad_runs(
        case["objective"], case["start"], case["lr"], case["epochs"], case["optimizer"]
    )
    run = runs.forgotten if case["forgot"] else runs.normal
    assert run.forgot is case["forgot"] and run.epoch == case["epochs"]
    np.testing.assert_allclose(run.points, case["points"], rtol=RTOL, atol=0)
    np.testing.assert_allclose(run.losses, case["losses"], rtol=RTOL, atol=0)
    np.testing.assert_allclose(run.p_grads, case["p_grads"], rtol=RTOL, atol=0)


def test_reference_covers_both_runs_of_sgd_and_momentum_on_two_objectives():
    cases = {(c["objective"], c["optimizer"], c["forgot"]) for c in LESSONS["zero_grad"]}
    objectives = {c["objective"] for c in LESSONS["zero_grad"]}
    assert len(objectives) >= 2
    for objective in objectives:
        for optimizer in ("sgd", "momentum"):
            assert {(objective, optimizer, False), (objective, optimizer, True)} <= cases


def test_zero_grad_code_leaves_out_only_zero_grad():
    runs = zero_grad_runs("ravine", (-9.0, 2.0), 0.02, 7, "sgd", momentum=0.5, nesterov=True)
    normal, forgotten = zero_grad_code(runs.normal), zero_grad_code(runs.forgotten)
    for code in (normal, forgotten):
        compile(code, "snippet.py", "exec")
        assert "torch.optim.SGD([p], lr=0.02, momentum=0.5, nesterov=True)" in code
        assert "for epoch in range(7):" in code
    assert "    optimizer.zero_grad()\n" in normal
    assert "zero_grad()\n" not in forgotten.split("for epoch", 1)[1]
    loop = [line for line in normal.splitlines() if line.startswith("    ")]
    assert [line for line in forgotten.splitlines() if line.startswith("    ")] == [
        line for line in loop if line != "    optimizer.zero_grad()"
    ]


def test_torch_code_can_leave_zero_grad_out():
    traj = descend("himmelblau", (0.0, 0.0), lr=0.01, epochs=5, tol=0, schedule={"kind": "cosine"})
    with_it, without = torch_code(traj), torch_code(traj, zero_grad=False)
    assert without == torch_code(traj, zero_grad=False)
    assert with_it.count("optimizer.zero_grad()") == 1
    assert "    optimizer.zero_grad()\n" not in without and "scheduler.step()" in without
    compile(without, "snippet.py", "exec")


def test_zero_grad_runs_check_their_arguments():
    with pytest.raises(ValueError, match="optimizer"):
        zero_grad_runs("parabola", 3.0, 0.1, 5, "lbfgs")
    with pytest.raises(ValueError, match="momentum"):
        zero_grad_runs("parabola", 3.0, 0.1, 5, "adam", momentum=0.9)
    with pytest.raises(ValueError, match="start"):
        zero_grad_runs("bowl", 3.0, 0.1, 5)


def test_a_run_stops_where_it_leaves_the_numbers():
    runs = zero_grad_runs("parabola", 3.0, 0.1, 2000, "momentum")
    forgotten = runs.forgotten
    assert forgotten.epoch < 2000 and np.all(np.isfinite(forgotten.points))
    assert len(forgotten.losses) == len(forgotten.points) == len(forgotten.p_grads) + 1


# ---- 4. small facts ----------------------------------------------------------------------------


def test_derivative_sign_facts():
    data = get_dataset("three_points")
    np.testing.assert_array_equal(data.x, [1, 2, 3])
    np.testing.assert_array_equal(data.y, [2, 4, 6])
    low, high = derivative_sign_facts()
    for fact in (low, high):
        by_hand = np.mean(2 * data.x * (fact.w * data.x - data.y))  # d/dw of mean (wx − y)²
        assert fact.slope == pytest.approx(by_hand, rel=1e-12)
        assert said(fact.slope) in fact.sentence
    assert (low.w, high.w) == (1.0, 3.0)
    assert low.slope < 0 and low.direction == 1 and "increase w" in low.sentence
    assert high.slope > 0 and high.direction == -1 and "decrease w" in high.sentence
    sentences([low.sentence, high.sentence])
    (flat,) = derivative_sign_facts((2.0,))
    assert flat.slope == 0 and flat.direction == 0


def test_secant_facts():
    facts = secant_facts()
    assert facts.slope == pytest.approx((1.1**2 - 1**2) / 0.1, rel=1e-12)
    assert facts.slope == pytest.approx(2.1, rel=1e-12)
    assert facts.limit == 2.0
    assert said(facts.slope) in facts.sentence and said(facts.limit) in facts.sentence
    assert secant_facts(3.0, 0.01).limit == 6.0
    sentences([facts.sentence])


@pytest.mark.parametrize("n", [1, 3, 10])
def test_counting_facts(n):
    facts = counting_facts(n)
    assert facts.finite_difference_evals == 2 * n
    assert facts.combinations == 2**n
    assert str(2 * n) in facts.sentences[0]
    assert f"{2**n:,}" in facts.sentences[1]
    sentences(facts.sentences)


def test_counting_facts_for_ten_parameters():
    facts = counting_facts()
    assert (facts.n, facts.finite_difference_evals, facts.combinations) == (10, 20, 1024)
    assert math.log2(facts.combinations) == facts.n


# ---- 5. the page's questions, answered from the runs -------------------------------------


def test_the_printout_shows_the_gradient_under_x_read_from_the_printout():
    from gdviz.exercises import printed_as_x

    assert printed_as_x(classic_loop(classic_start(0))) == ("gradient",)
    assert printed_as_x(classic_loop(0)) == ("x", "gradient")  # 0 = 2·0: both match


def test_the_addition_climbs_from_any_start_but_zero():
    from gdviz.exercises import sign_flip_outcome

    assert {sign_flip_outcome(classic_start(s)) for s in range(20)} == {"climbs"}
    assert sign_flip_outcome(0) == "stays"
    assert sign_flip_outcome(-50) == "climbs"  # |x| grows either side of the minimum


def test_the_matrix_outcomes_follow_the_losses():
    from gdviz.exercises import matrix_outcome

    assert matrix_outcome(matrix_flawed_update()) == "rises"
    assert matrix_outcome(matrix_right_update()) == "below"
    assert matrix_outcome(matrix_right_update(epochs=3)) == "stays"  # falls, not yet below


def test_forgetting_zero_grad_overshoots_and_the_sentence_has_the_runs_numbers():
    from gdviz.exercises import zero_grad_facts

    runs = zero_grad_runs("parabola", 3.0, lr=0.1, epochs=30)
    facts = zero_grad_facts(runs)
    assert facts.outcome == "overshoots" and facts.rises > 0 == facts.normal_rises
    assert facts.rises == int(np.sum(np.diff(runs.forgotten.losses) > 0))
    sentences([facts.sentence])
    for value in (runs.forgotten.p_grads[1, 0], runs.normal.p_grads[1, 0],
                  runs.forgotten.points[-1, 0], runs.normal.points[-1, 0]):  # fmt: skip
        assert said(value) in facts.sentence, (value, facts.sentence)
    assert zero_grad_facts(zero_grad_runs("parabola", 0.0, lr=0.1, epochs=30)).outcome == "same"
