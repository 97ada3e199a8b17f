"""The "What is a derivative?" page through AppTest (the "Why gradients?" page: test_why.py)."""

import pytest

from tests.conftest import open_page


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
