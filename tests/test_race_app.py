"""The race page through AppTest."""

import re

import pytest

from gdviz import OPTIMIZERS
from tests.conftest import chart_figures, open_page


@pytest.fixture
def race_page():
    return open_page("views/race.py")


def specs(at):
    return chart_figures(at)


def race_spec(at):
    return next(s for s in specs(at) if s.get("frames"))


def legend_names(spec):
    return {t.get("name") for t in spec["data"] if t.get("showlegend") is not False}


def test_race_renders_with_the_default_racers_and_a_leaderboard(race_page):
    assert race_page.multiselect(key="race_optimizers").value == ["gd", "momentum", "adam"]
    board = race_page.dataframe[0].value
    assert list(board.columns) == [
        "rank", "optimizer", "final loss", "distance to nearest minimum",
        "epochs to tolerance", "status",
    ]  # fmt: skip
    assert len(board) == 3
    assert board["rank"].is_monotonic_increasing
    spec = race_spec(race_page)
    assert len([n for n in legend_names(spec) if n and ", η = " in n]) == 3
    assert race_page.code[0].value.count("step()") >= 1
    assert OPTIMIZERS["gd"].rule in race_page.latex[0].value  # the rule, then its numbers


@pytest.mark.parametrize("count", [1, len(OPTIMIZERS)])
def test_race_with_one_to_all_optimizers(race_page, count):
    chosen = list(OPTIMIZERS)[:count]
    race_page.multiselect(key="race_optimizers").set_value(chosen).run()
    assert not race_page.exception
    assert len(race_page.dataframe[0].value) == count
    spec = race_spec(race_page)
    assert len([n for n in legend_names(spec) if n and ", η = " in n]) == count


def test_changing_one_learning_rate_changes_only_that_path(race_page):
    before = race_spec(race_page)
    race_page.select_slider(key="race_lr_adam").set_value(0.05).run()
    after = race_spec(race_page)
    names = [t.get("name") for t in before["data"]]
    changed = {
        names[i]
        for i, (a, b) in enumerate(zip(before["data"], after["data"], strict=True))
        if a != b and names[i] and ", η = " in names[i]
    }
    assert changed == {"Adam, η = 0.1"}
    assert any(", η = 0.05" in (t.get("name") or "") for t in after["data"])


def test_a_schedule_is_shown_and_used(race_page):
    race_page.selectbox(key="race_schedule").set_value("step").run()
    race_page.number_input(key="race_sched_step_size").set_value(10).run()
    assert not race_page.exception
    schedule = next(s for s in specs(race_page) if s["layout"].get("height") == 170)
    assert any("Sutskever" in c.value for c in race_page.caption)
    assert schedule["data"]
    assert "StepLR" in race_page.code[0].value


def test_bad_hyperparameters_leave_a_racer_out_with_a_message(race_page):
    race_page.multiselect(key="race_optimizers").set_value(["gd", "sgd"]).run()
    race_page.checkbox(key="race_sgd_nesterov").check().run()  # Nesterov without momentum
    assert not race_page.exception
    assert any("nesterov needs momentum" in w.value for w in race_page.warning)
    assert len(race_page.dataframe[0].value) == 1


def test_a_schedule_widget_offers_only_values_the_scheduler_takes(race_page):
    """LinearLR takes factors in (0, 1]: the widget stops at 1, so no value it offers makes
    the race stop on a raw error (the audit's link with 5 is a note: test_links_app)."""
    race_page.selectbox(key="race_schedule").set_value("linear").run()
    widget = race_page.number_input(key="race_sched_start_factor")
    assert widget.max == 1.0 and widget.min == 0.01
    widget.set_value(1.0).run()
    assert not race_page.exception and not race_page.error
    assert race_page.dataframe  # the leaderboard: the race ran


# ---- issue 11: the picker, the leaderboard, the banner, the notation ---------------------


def test_the_step_by_step_picker_shows_the_current_labels_after_a_function_change(race_page):
    race_page.selectbox(key="race_explain").set_value("adam").run()  # Adam, η = 0.1 on the parabola
    race_page.selectbox(key="race_objective").set_value("double_well").run()  # every η resets
    picker = race_page.selectbox(key="race_explain")
    labels = [n for n in legend_names(race_spec(race_page)) if n and ", η = " in n]
    assert picker.options == ["Gradient descent, η = 0.02", "Momentum (μ = 0.9), η = 0.02",
                              "Adam, η = 0.05"]  # fmt: skip
    assert set(picker.options) == set(labels)
    # the browser keeps the label it was last sent ("Adam, η = 0.1"): the page must send the
    # current one with the choice, which stays the same racer
    assert picker.proto.set_value and picker.proto.raw_value == "Adam, η = 0.05"
    assert picker.value == "adam" and "Adam" in race_page.code[0].value


def test_the_leaderboard_has_no_none_and_no_status_codes(race_page):
    race_page.select_slider(key="race_tol").set_value(0.0).run()  # stopping off: none converge
    board = race_page.dataframe[0].value
    assert not board.isna().any().any()
    cells = {str(v) for v in board.to_numpy().ravel()}
    assert not cells & {"None", "nan", "max_epochs", "oscillating"}
    assert set(board["epochs to tolerance"]) == {"not reached"}
    assert set(board["status"]) <= {"ran all epochs", "still descending", "not converged",
                                     "bouncing", "converged", "diverged"}  # fmt: skip
    assert any("Ranked by" in c.value for c in race_page.caption)


def test_the_banner_is_green_only_when_a_racer_converged(race_page):
    race_page.slider(key="race_epochs").set_value(5).run()  # too few epochs for anyone
    assert not race_page.exception
    assert "converged" not in set(race_page.dataframe[0].value["status"])
    assert not race_page.success  # was a green "Lowest loss" banner
    assert "No optimizer reached the tolerance" in race_page.warning[0].value
    race_page.slider(key="race_epochs").set_value(200).run()
    assert race_page.success and "First to converge" in race_page.success[0].value


_LR = re.compile(r"(?<![A-Za-z])lr(?![a-z])")  # lr, lr_decay, lr= … but not StepLR
_NOT_TEXT = {"id", "form_id", "key", "spec", "json", "data", "component_name", "url", "theme"}


def _strings(message):
    """Every string a proto carries for people to read (labels, options, bodies, help)."""
    for descriptor, value in message.ListFields():
        if descriptor.name in _NOT_TEXT:
            continue
        values = (
            value
            if isinstance(value, str | bytes) is False
            and hasattr(value, "__len__")
            and not hasattr(value, "ListFields")
            else [value]
        )
        for item in values:
            if isinstance(item, str):
                yield item
            elif hasattr(item, "ListFields"):
                yield from _strings(item)


def _visible_text(at) -> list[str]:
    texts = []
    for node in at._tree:
        if node.type == "code":
            continue  # PyTorch code: lr is the Python name there
        if node.type in ("plotly_chart", "bidi_component"):
            continue
        if getattr(node, "proto", None) is not None:
            texts += list(_strings(node.proto))
    for frame in at.dataframe:
        texts += [str(c) for c in frame.value.columns] + [
            str(v) for v in frame.value.to_numpy().ravel()
        ]
    for spec in chart_figures(at):
        texts += [str(t.get(k, "")) for t in spec["data"] for k in ("name", "hovertemplate")]
        layout = spec["layout"]
        texts += [
            str(a.get("title", "")) for k, a in layout.items() if k.startswith(("xaxis", "yaxis"))
        ]
    return texts


def test_no_lr_in_the_race_page_visible_text(race_page):
    race_page.multiselect(key="race_optimizers").set_value(["gd", "adagrad", "adam"]).run()
    race_page.number_input(key="race_adagrad_lr_decay").set_value(0.01).run()
    race_page.selectbox(key="race_schedule").set_value("step").run()
    assert not race_page.exception
    texts = _visible_text(race_page)
    assert any("η decay" in t for t in texts)  # the hyperparameter, renamed on screen
    assert any("η" in t for t in texts)
    assert any("learning rate η" in t for t in texts)  # widget labels are collected
    assert any("Ranked by" in t for t in texts)  # captions too
    offending = [t for t in texts if _LR.search(t)]
    assert not offending, offending


@pytest.mark.parametrize(("page", "prefix"), [(None, ""), ("views/race.py", "race_")])
def test_no_play_hint_under_the_3d_view_which_has_no_play(page, prefix):
    at = open_page(page)
    at.radio(key=prefix + "dimension").set_value("2-D").run()
    at.session_state[prefix + "view"] = "3-D surface"
    at.run()
    contour, surface = at.tabs
    assert any("Play" in c.value for c in contour.caption)
    assert surface.caption and not any("Play" in c.value for c in surface.caption)
    assert "height" in surface.caption[0].value


def test_the_race_caption_explains_a_log_loss_axis_only_when_there_is_one():
    at = open_page("views/race.py")
    play = [c.value for c in at.main.caption if "Play" in c.value]
    assert play and "logarithmic" not in play[0]  # the parabola's losses stay within 10×
    at.radio(key="race_dimension").set_value("2-D").run()  # Himmelblau: decades
    play = [c.value for c in at.main.caption if "Play" in c.value]
    assert play and "logarithmic" in play[0]
