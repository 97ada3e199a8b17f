"""Learning from data: textbook statements, gradients vs finite differences, batching, CSV."""

import pickle

import numpy as np
import pytest

from gdviz import OPTIMIZERS, descend
from gdviz.data import DATASETS, dataset_from_csv, make_noisy_line
from gdviz.fit import LOSSES, fit, least_squares, loss_objective

# ---- the textbook statements ---------------------------------------------------------------


def test_three_points_predictions_and_the_sign_of_the_derivative():
    data = DATASETS["three_points"]
    np.testing.assert_array_equal(data.predict([1.0]), [1.0, 2.0, 3.0])
    objective = loss_objective(data)
    assert objective.value_and_grad(np.array([1.0]))[1][0] < 0  # increasing w lowers the error
    assert objective.value_and_grad(np.array([3.0]))[1][0] > 0
    # MSE(w) = mean((w·x − 2x)²) = 14/3·(w − 2)²
    for w in (1.0, 2.0, 3.0):
        assert objective.f(np.array([w])) == pytest.approx(14 / 3 * (w - 2) ** 2, abs=1e-12)


def test_three_points_gd_reaches_w_2():
    traj = fit("three_points", [1.0], lr=0.1, epochs=200)
    assert traj.status == "converged"
    assert traj.final[0] == pytest.approx(2.0, abs=1e-6)
    assert traj.objective.global_minimum.point == pytest.approx((2.0,))


def test_four_points_reaches_w_1_b_1_and_diverges_with_too_large_lr():
    traj = fit("four_points", [0.0, 0.0], lr=0.1, epochs=3000)
    assert traj.status == "converged"
    np.testing.assert_allclose(traj.final, [1.0, 1.0], atol=1e-5)
    assert "global minimum" in traj.message
    assert fit("four_points", [0.0, 0.0], lr=0.2, epochs=3000).status == "diverged"


def test_least_squares_answers():
    np.testing.assert_allclose(least_squares("three_points"), [2.0])
    np.testing.assert_allclose(least_squares("four_points"), [1.0, 1.0])
    data = DATASETS["noisy_line"]
    expected = np.polyfit(data.x, data.y, 1)
    np.testing.assert_allclose(least_squares(data), expected, rtol=1e-10)
    minimum = loss_objective(data).global_minimum
    np.testing.assert_allclose(loss_objective(data).grad(np.array(minimum.point)), 0, atol=1e-12)


@pytest.mark.parametrize("slug", DATASETS)
def test_every_dataset_fits_with_its_suggested_lr(slug):
    data = DATASETS[slug]
    traj = fit(slug, data.start, lr=data.lr, epochs=5000)
    assert traj.status == "converged"
    np.testing.assert_allclose(traj.final, least_squares(data), atol=1e-5)


# ---- gradients --------------------------------------------------------------------------------


def _central(f, point, h=1e-6):
    point = np.asarray(point, dtype=float)
    grads = []
    for i in range(point.size):
        e = np.zeros_like(point)
        e[i] = h
        grads.append((f(point + e) - f(point - e)) / (2 * h))
    return np.array(grads)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("slug", DATASETS)
def test_gradients_match_central_differences(slug, loss):
    data = DATASETS[slug]
    objective = loss_objective(data, loss)
    rng = np.random.default_rng(1)
    everyone = np.arange(data.n)
    for point in rng.uniform(-3, 3, (5, data.dim)):
        # MAE has kinks where a residual is zero: random points stay clear of them
        value, grad = objective.value_and_grad(point)
        np.testing.assert_allclose(grad, _central(lambda p: float(objective.f(p)), point), 1e-6)
        assert value == pytest.approx(float(objective.f(point)))
        np.testing.assert_allclose(objective.grad(point), grad, rtol=1e-12)
        batch = rng.choice(data.n, size=min(2, data.n), replace=False)
        _, batch_grad = objective.batch(point, batch)
        f_batch = lambda p, batch=batch: objective.batch(p, batch)[0]  # noqa: E731
        np.testing.assert_allclose(batch_grad, _central(f_batch, point), rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(objective.batch(point, everyone)[1], grad, rtol=1e-12)


def test_grids_evaluate_like_points():
    objective = loss_objective("four_points")
    grid = np.stack(np.meshgrid(np.linspace(-1, 3, 7), np.linspace(-1, 3, 5)), axis=-1)
    values, grads = objective.f(grid), objective.grad(grid)
    assert values.shape == (5, 7) and grads.shape == (5, 7, 2)
    assert objective.hessian(grid).shape == (5, 7, 2, 2)
    for index in np.ndindex(5, 7):
        value, grad = objective.value_and_grad(grid[index])
        assert values[index] == pytest.approx(value, rel=1e-12)
        np.testing.assert_allclose(grads[index], grad, rtol=1e-12, atol=1e-14)
    # the expression written for display is the same function
    w, b = objective.variables
    assert float(objective.expr.subs({w: 0.5, b: 2.0})) == pytest.approx(
        float(objective.f(np.array([0.5, 2.0]))), rel=1e-12
    )
    np.testing.assert_allclose(objective.hessian(np.array([0.0, 0.0])), [[15, 5], [5, 2]])


def test_mae_hessian_is_zero_where_differentiable():
    objective = loss_objective("four_points", "mae")
    np.testing.assert_array_equal(objective.hessian(np.array([0.3, 0.2])), np.zeros((2, 2)))


# ---- full batch, mini-batches and SGD ---------------------------------------------------------


@pytest.mark.parametrize("slug", DATASETS)
@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_full_batch_equals_descend_on_the_loss_objective(slug, optimizer):
    data = DATASETS[slug]
    traj = fit(slug, data.start, lr=data.lr, epochs=300, optimizer=optimizer)
    reference = descend(
        loss_objective(data), data.start, lr=data.lr, epochs=300, optimizer=optimizer
    )
    np.testing.assert_array_equal(traj.points, reference.points)
    np.testing.assert_array_equal(traj.losses, reference.losses)
    np.testing.assert_array_equal(traj.grads, reference.grads)
    assert (traj.status, traj.reason, traj.message) == (
        reference.status,
        reference.reason,
        reference.message,
    )
    np.testing.assert_array_equal(traj.iterations, traj.points)
    assert traj.iterations_per_epoch == 1 and traj.orders is None


@pytest.mark.parametrize("batch_size", [1, 2, 3, 7, 30])
def test_every_sample_is_used_exactly_once_per_epoch(batch_size):
    data = DATASETS["noisy_line"]
    traj = fit(data, data.start, lr=0.01, epochs=5, batch_size=batch_size, tol=0)
    if batch_size == data.n:
        assert traj.orders is None  # one batch of everything is full-batch descent
        return
    per_epoch = -(-data.n // batch_size)
    assert traj.iterations_per_epoch == per_epoch
    assert traj.orders.shape == (5, data.n)
    for order in traj.orders:
        np.testing.assert_array_equal(np.sort(order), np.arange(data.n))
    assert traj.iterations.shape == (5 * per_epoch + 1, 2)
    np.testing.assert_array_equal(traj.iterations[::per_epoch], traj.points)


def test_minibatch_gd_is_the_hand_written_loop():
    data = DATASETS["four_points"]
    traj = fit(data, [0.0, 0.0], lr=0.05, epochs=4, batch_size=3, seed=7, tol=0)
    rng = np.random.default_rng(7)
    theta, path = np.zeros(2), [np.zeros(2)]
    for _ in range(4):
        order = rng.permutation(4)
        for batch in (order[:3], order[3:]):
            residual = theta[0] * data.x[batch] + theta[1] - data.y[batch]
            grad = np.array([np.mean(2 * residual * data.x[batch]), np.mean(2 * residual)])
            theta = theta - 0.05 * grad
            path.append(theta)
    np.testing.assert_allclose(traj.iterations, path, rtol=1e-13, atol=1e-15)


def test_shuffling_is_reproducible_with_a_seed_and_differs_with_another():
    args = dict(lr=0.01, epochs=20, batch_size=1, tol=0)
    one = fit("noisy_line", [0.0, 0.0], seed=3, **args)
    again = fit("noisy_line", [0.0, 0.0], seed=3, **args)
    other = fit("noisy_line", [0.0, 0.0], seed=4, **args)
    np.testing.assert_array_equal(one.iterations, again.iterations)
    np.testing.assert_array_equal(one.orders, again.orders)
    assert not np.array_equal(one.orders, other.orders)
    assert not np.array_equal(one.points, other.points)


def test_sgd_fits_an_exact_line():
    # every sample's gradient vanishes at the answer, so even SGD converges
    traj = fit("three_points", [1.0], lr=0.03, epochs=500, batch_size=1)
    assert traj.status == "converged"
    assert traj.final[0] == pytest.approx(2.0, abs=1e-6)


def test_sgd_gets_close_on_noisy_data():
    data = DATASETS["noisy_line"]
    traj = fit(data, data.start, lr=0.01, epochs=200, batch_size=5)
    assert traj.status in ("max_epochs", "oscillating", "converged")
    np.testing.assert_allclose(traj.final, least_squares(data), atol=0.2)
    assert traj.losses[-1] < 0.1 * traj.losses[0]


def test_a_diverging_minibatch_run_records_only_whole_epochs():
    traj = fit("four_points", [0.0, 0.0], lr=5.0, epochs=500, batch_size=1)
    assert traj.status == "diverged"
    assert np.isfinite(traj.iterations).all()
    np.testing.assert_array_equal(traj.iterations[:: traj.iterations_per_epoch], traj.points)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_optimizer_can_drive_a_fit(optimizer):
    traj = fit("four_points", [0.0, 0.0], lr=0.05, epochs=2000, optimizer=optimizer)
    assert traj.status != "diverged"
    assert traj.losses[-1] < 0.05 * traj.losses[0]


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_optimizer_can_drive_a_minibatch_fit(optimizer):
    traj = fit("four_points", [0.0, 0.0], lr=0.02, epochs=500, optimizer=optimizer, batch_size=2)
    assert traj.losses[-1] < 0.2 * traj.losses[0]


def test_mae_fit_and_schedule():
    traj = fit("four_points", [0.0, 0.0], lr=0.05, epochs=2000, loss="mae", schedule="exponential")
    assert traj.losses[-1] < 0.05 * traj.losses[0]
    assert traj.loss == "mae" and traj.lrs[1] < traj.lrs[0]


def test_loss_objectives_pickle():
    for objective in (
        loss_objective("four_points", "mae"),
        loss_objective(make_noisy_line(size=5)),
    ):
        copy = pickle.loads(pickle.dumps(objective))
        point = np.array([0.4, -0.3])
        assert copy.value_and_grad(point)[0] == objective.value_and_grad(point)[0]


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: fit("nope", [0.0], lr=0.1, epochs=1), "unknown dataset 'nope': expected one of"),
        (lambda: fit("four_points", [0.0], lr=0.1, epochs=1), r"2 coordinate\(s\)"),
        (lambda: fit("three_points", [0, 0], lr=0.1, epochs=1), r"1 coordinate\(s\)"),
        (lambda: fit("four_points", [0, 0], lr=0.1, epochs=1, batch_size=0), "between 1 and"),
        (lambda: fit("four_points", [0, 0], lr=0.1, epochs=1, batch_size=5), "the 4 samples"),
        (lambda: fit("four_points", [0, 0], lr=0.1, epochs=1, batch_size=1.5), "whole number"),
        (lambda: fit("four_points", [0, 0], lr=0.1, epochs=1, loss="l2"), "expected one of mse"),
        (lambda: fit("four_points", [0, 0], lr=-1, epochs=1), "lr must be"),
        (lambda: fit("four_points", [0, 0], lr=0.1, epochs=0), "epochs must be"),
        (lambda: fit("four_points", [0, 0], lr=0.1, epochs=1, optimizer="x"), "unknown optimizer"),
        (lambda: make_noisy_line(size=1), "size must be"),
    ],
)
def test_bad_arguments_say_what_was_expected(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ---- CSV ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "x,y\n1,2\n2,3\n3,5\n",
        "1,2\n2,3\n3,5\n",
        "\ufeffheight, weight\r\n1, 2\r\n\r\n2, 3\r\n3, 5\r\n",
        "x;y\n1;2\n2;3\n3;5",
        "x\ty\n1\t2\n2\t3\n3\t5\n",
    ],
)
def test_valid_csv_parses_with_or_without_header(text):
    for data in (text, text.encode("utf-8")):
        dataset = dataset_from_csv(data)
        np.testing.assert_array_equal(dataset.x, [1, 2, 3])
        np.testing.assert_array_equal(dataset.y, [2, 3, 5])
        assert dataset.params == ("w", "b")
    traj = fit(dataset, dataset.start, lr=dataset.lr, epochs=5000)
    assert traj.status == "converged"
    np.testing.assert_allclose(traj.final, np.polyfit([1, 2, 3], [2, 3, 5], 1), atol=1e-5)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "the file is empty: expected two columns"),
        ("\n  \n", "the file is empty"),
        (b"\xff\xfe\x00x", "not UTF-8"),
        ("x,y\n1,2\n2,abc\n", "row 3, column 2: 'abc' is not a number"),
        ("1,2\nfoo,3\n", "row 2, column 1: 'foo' is not a number"),
        ("x,y\n1,2\n2,nan\n", "row 3, column 2: 'nan' is not a finite number"),
        ("x,y\ninf,2\n2,3\n", "row 2, column 1: 'inf' is not a finite number"),
        ("x\n1\n2\n", "row 1 has 1 column: expected two columns, x and y"),
        ("1,2,3\n4,5,6\n", "row 1 has 3 columns: expected two columns, x and y"),
        ("x,y\n1,2\n3,4,5\n", "row 3 has 3 columns"),
        ("x,y\n1,2\n", "only 1 data row: expected at least 2"),
        ("x,y\n", "no data rows"),
        ("1,2\n1,3\n", "every x is 1"),
        ("x,y\n" + "1,2\n" * 5 + "2,3\n", "too many rows: at most 5 data rows"),
        ("eval('1'),2\n1,2\n", "row 1, column 1"),
    ],
)
def test_malformed_csv_says_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        dataset_from_csv(text, max_rows=5)


def test_large_csv_fits_quickly():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 10, 10_000)
    text = "\n".join(f"{a},{3 * a - 2 + rng.normal()}" for a in x)
    dataset = dataset_from_csv(text)
    assert dataset.n == 10_000
    for loss in LOSSES:
        objective = loss_objective(dataset, loss)
        grid = np.stack(np.meshgrid(np.linspace(0, 6, 40), np.linspace(-5, 1, 40)), axis=-1)
        assert np.isfinite(objective.f(grid)).all()
    traj = fit(dataset, dataset.start, lr=dataset.lr, epochs=2, batch_size=100)
    assert traj.iterations.shape == (201, 2)
