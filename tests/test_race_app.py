"""The race page through AppTest."""

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
    assert board["final loss"].is_monotonic_increasing
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


def test_schedule_parameters_the_scheduler_refuses_stop_the_race_with_a_message(race_page):
    race_page.selectbox(key="race_schedule").set_value("linear").run()
    race_page.number_input(key="race_sched_start_factor").set_value(1.5).run()
    assert not race_page.exception
    assert [e.value for e in race_page.error] == [
        "linear schedule factors must lie in (0, 1] and [0, 1]"
    ]
    assert not race_page.dataframe
