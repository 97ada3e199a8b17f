"""Typing your own function: AppTest on the descent and race pages."""

from tests.conftest import chart_figures, open_page


def banner(at):
    for kind in ("success", "error", "warning", "info"):
        for element in getattr(at, kind):
            if element.value.split()[0] in ("Converged", "Diverged", "Oscillating:", "Still"):
                return kind, element.value
    return None


def typed(text: str, page: str | None = None, prefix: str = ""):
    """A page (the descent page by default) with ``text`` typed as its function."""
    at = open_page(page)
    at.selectbox(key=prefix + "objective").set_value("custom").run()
    at.text_input(key=prefix + "expression").input(text).run()
    return at


def test_a_typed_1d_function_gets_the_same_page_as_a_builtin():
    at = typed("x^2 + 3*sin(2x)")
    assert not at.exception
    assert at.radio(key="dimension").value == "1-D"
    assert banner(at) is not None
    spec = chart_figures(at)[0]
    assert len(spec["frames"]) > 1


def test_a_typed_2d_function_draws_a_map():
    at = typed("(1-x)^2 + 100(y-x^2)^2")
    assert not at.exception
    assert at.radio(key="dimension").value == "2-D"
    spec = chart_figures(at)[0]
    assert spec["layout"]["images"]


def test_a_hostile_expression_shows_its_message_and_the_page_keeps_working():
    at = typed("__import__('os').system('echo pwned')")
    assert not at.exception
    assert any("not allowed" in e.value for e in at.error)
    at.text_input(key="expression").input("x^2").run()
    assert not at.exception and banner(at) is not None
    at.selectbox(key="objective").set_value("parabola").run()
    assert banner(at)[1].startswith("Converged")


def test_the_race_runs_on_a_typed_function():
    at = typed("x^4 - 3x^2 + x", "views/race.py", "race_")
    assert not at.exception
    assert len(at.dataframe[0].value) == 3


def test_a_function_undefined_in_part_of_the_box_gets_a_note_and_a_clear_stop():
    at = typed("log(x) + x^2")
    assert not at.exception
    assert any("not defined everywhere" in c.value for c in at.caption)
    at.select_slider(key="lr").set_value(0.5).run()
    kind, text = banner(at)
    assert kind == "error" and "where f is defined" in text, text


def test_the_plotting_box_can_be_set():
    at = typed("x^2 - x")
    at.number_input(key="xmin").set_value(-2.0)
    at.number_input(key="xmax").set_value(2.0).run()
    assert not at.exception
    # the start (3, suggested in the old box) is outside the new box: clamped to its edge
    assert (at.slider(key="x0").min, at.slider(key="x0").max) == (-2.0, 2.0)
    assert at.slider(key="x0").value == 2.0
    at.number_input(key="x0_exact").set_value(1.0).run()
    assert (at.slider(key="x0").value, at.slider(key="x0").max) == (1.0, 2.0)
    spec = chart_figures(at)[0]
    assert spec["layout"]["xaxis"]["range"] == [-2.0, 2.0]
    at.number_input(key="xmin").set_value(3.0).run()  # an empty box: a message, no traceback
    assert not at.exception
    assert at.error
