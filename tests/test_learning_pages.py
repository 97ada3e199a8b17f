"""The "Why gradients?" and "What is a derivative?" pages through AppTest."""

import pytest

from tests.conftest import open_page


def test_why_gradients_counts_both_methods_and_runs_the_scaling_experiment():
    at = open_page("views/why.py")
    trial, gradient, gradient_fd = (int(m.value.replace(",", "")) for m in at.metric)
    assert trial > 0 and gradient > 0 and gradient_fd >= gradient
    assert "evaluations" in at.info[0].value
    at.radio(key="why_dimension").set_value("2-D").run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 2  # the paths and loss against evaluations
    at.toggle(key="why_scaling").set_value(True).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["n"]) == [2**k for k in range(11)]
    assert table["trial and error"].is_monotonic_increasing


def test_derivative_table_shows_the_secant_slope_approaching_f_prime():
    at = open_page("views/derivative.py")
    table = at.dataframe[0].value  # x² + 5 at x = 1
    assert list(table["slope Δy/Δx"]) == pytest.approx([3.0, 2.1, 2.01, 2.001], rel=1e-9)
    assert set(table["f′(x)"]) == {2.0}
    assert "downhill is to the left" in at.info[0].value
    at.slider(key="slope_x").set_value(-2.0).run()
    assert "downhill is to the right" in at.info[0].value
    at.selectbox(key="slope_objective").set_value("wavy").run()
    assert not at.exception


def test_a_new_function_brings_its_own_learning_rate():
    at = open_page("views/why.py")
    at.radio(key="why_dimension").set_value("2-D").run()
    assert at.select_slider(key="why_lr").value == pytest.approx(0.01)  # himmelblau's
    assert "diverged" not in at.info[0].value
