"""The app's logic through Streamlit's AppTest: widgets by key, banner, charts, table."""

import pytest
from streamlit.testing.v1 import AppTest

from gdviz import OBJECTIVES
from tests.conftest import ROOT, animated_charts, chart_figures, chart_payload

TIMEOUT = 60


@pytest.fixture
def app():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def banner(at) -> tuple[str, str]:
    """(kind, text) of the status banner: the first alert on the page."""
    for kind in ("success", "error", "warning", "info"):
        elements = getattr(at, kind)
        if len(elements):
            return kind, elements[0].value
    raise AssertionError("no status banner")


def chart_specs(at) -> list[dict]:
    return chart_figures(at)


def choose(at, slug):
    dim = OBJECTIVES[slug].dim
    if at.radio(key="dimension").value != f"{dim}-D":
        at.radio(key="dimension").set_value(f"{dim}-D").run()
    at.selectbox(key="objective").set_value(slug).run()
    assert not at.exception, at.exception


def test_default_page_is_the_textbook_parabola(app):
    assert app.radio(key="dimension").value == "1-D"
    assert app.selectbox(key="objective").value == "parabola"
    assert app.select_slider(key="lr").value == pytest.approx(0.1)
    assert app.slider(key="x0").value == pytest.approx(3.0)
    assert app.slider(key="epochs").value == 100
    kind, text = banner(app)
    assert kind == "success" and text.startswith("Converged in")
    specs = chart_specs(app)
    assert len(specs[0]["frames"]) > 1  # the chart has frames
    # the learning rate's widgets sit in the sidebar, though a fragment draws them
    assert app.sidebar.select_slider(key="lr").value == pytest.approx(0.1)
    assert app.sidebar.number_input(key="lr_exact").value == pytest.approx(0.1)
    app.session_state["details"] = "Every epoch"
    app.run()
    assert app.get("download_button")


@pytest.mark.parametrize("slug", sorted(OBJECTIVES))
def test_every_objective_renders(app, slug):
    choose(app, slug)
    obj = OBJECTIVES[slug]
    assert app.selectbox(key="objective").value == slug
    assert app.select_slider(key="lr").value == pytest.approx(obj.lr)
    assert app.slider(key="x0").value == pytest.approx(obj.start[0], abs=0.05)
    kind, text = banner(app)
    assert text.split()[0] in ("Converged", "Diverged", "Oscillating:", "Still")
    specs = chart_specs(app)
    assert specs[0]["frames"]
    if obj.dim == 2:
        assert specs[0]["layout"]["images"]  # the raster field
        assert not any(t["type"] == "surface" for s in specs for t in s["data"])  # built lazily
        app.session_state["view"] = "3-D surface"
        app.run()
        specs = chart_specs(app)
        assert any(t["type"] == "surface" for s in specs for t in s["data"])  # the 3-D tab
        app.session_state["view"] = "Contour map"


def test_lr_above_the_limit_turns_the_banner_into_divergence(app):
    app.select_slider(key="lr").set_value(1.5).run()
    kind, text = banner(app)
    assert kind == "error"
    assert text.startswith("Diverged at epoch")
    assert "stable limit 1.0" in text
    assert app.number_input(key="lr_exact").value == pytest.approx(1.5)


def test_exact_learning_rate_entry_drives_the_run(app):
    app.number_input(key="lr_exact").set_value(1.01).run()
    assert app.select_slider(key="lr").value == pytest.approx(1.01)
    kind, text = banner(app)
    assert kind == "error" and "by 1.02" in text and "η = 1.01" in text
    app.number_input(key="lr_exact").set_value(1.0).run()
    kind, text = banner(app)
    assert kind == "warning" and text.startswith("Oscillating")


def test_switching_dimension_picks_a_surface_and_its_start(app):
    app.radio(key="dimension").set_value("2-D").run()
    obj = OBJECTIVES[app.selectbox(key="objective").value]
    assert obj.dim == 2
    assert (app.slider(key="x0").value, app.slider(key="y0").value) == pytest.approx(obj.start)
    assert app.select_slider(key="lr").value == pytest.approx(obj.lr)


@pytest.mark.parametrize(
    ("slug", "lr", "epochs"),
    [("rosenbrock", 10.0, 1000), ("parabola", 10.0, 1000), ("goldstein_price", 10.0, 1)],
)
def test_nonsense_settings_give_a_clear_banner_and_a_working_page(app, slug, lr, epochs):
    choose(app, slug)
    app.select_slider(key="lr").set_value(lr)
    app.slider(key="epochs").set_value(epochs).run()
    assert not app.exception
    kind, text = banner(app)
    assert kind == "error" and text.startswith("Diverged at epoch")
    assert chart_specs(app)[0]["frames"]


def keyed_payload(at, key: str) -> dict:
    return next(chart_payload(n) for n in animated_charts(at) if n.proto.id.endswith(key))


def test_the_worked_numbers_under_the_chart_follow_its_frames(app):
    """One epoch control: the chart's frames carry a line of worked numbers each; the
    step from x₁ = 2.4 on the default run is x₂ = 2.4 − 0.1 · 4.8 = 1.92."""
    payload = chart_payload(animated_charts(app)[0])
    readout, frames = payload["readout"], payload["figure"]["frames"]
    assert len(readout) == len(frames)
    assert readout[1].startswith("Epoch 1 → 2")
    assert "2.4000 − 0.1 · 4.8000 = 1.9200" in readout[1], readout[1]
    assert readout[-1].startswith(f"Epoch {frames[-1]['name']}, the last")
    assert payload["group"] == "descent" and payload["clickable"] is True


def test_table_has_a_row_per_epoch_and_follows_the_chart(app):
    app.session_state["details"] = "Every epoch"
    app.run()
    table = next(
        chart_payload(n) for n in animated_charts(app) if n.proto.id.endswith("epoch_table")
    )
    assert table["follow"] == "descent"  # the row of the chart's epoch is marked
    assert table["table"]["columns"][:4] == ["epoch", "x", "f′(x)", "loss f"]
    kind, text = banner(app)
    epochs = int(text.split("Converged in ")[1].split()[0])
    rows = table["table"]["rows"]
    assert len(rows) == epochs + 1
    assert [r[0] for r in rows[:3]] == ["0", "1", "2"] and float(rows[0][1]) == pytest.approx(3.0)


def test_garbage_in_session_state_falls_back_to_defaults():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["objective"] = "no_such_thing"
    at.session_state["x0"] = "abc"
    at.session_state["lr"] = -3
    at.session_state["epochs"] = 50
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="objective").value == "parabola"
    assert at.select_slider(key="lr").value == pytest.approx(0.1)
    assert banner(at) == ("info", banner(at)[1])
    assert banner(at)[1].startswith("Still descending after 50 epochs")


def test_the_loss_chart_follows_the_charts_epoch(app):
    app.session_state["details"] = "Loss and gradient size"
    app.run()
    loss = next(
        chart_payload(n) for n in animated_charts(app) if n.proto.id.endswith("loss_figure")
    )
    assert loss["follow"] == "descent"
    figure = loss["figure"]
    path = chart_payload(animated_charts(app)[0])["figure"]
    # a marker frame for every frame of the path's chart, at the same epochs
    assert [f["name"] for f in figure["frames"]] == [f["name"] for f in path["frames"]]
    assert figure["layout"]["yaxis"]["type"] in ("log", "linear")


def test_a_rerun_with_the_same_settings_reuses_the_cache(app):
    before = chart_specs(app)[0]
    app.run()
    assert chart_specs(app)[0] == before


def test_a_start_on_the_minimum_stops_at_epoch_zero_cleanly(app):
    app.radio(key="dimension").set_value("2-D").run()
    app.selectbox(key="objective").set_value("bowl").run()
    app.slider(key="x0").set_value(0.0)
    app.slider(key="y0").set_value(0.0).run()
    assert not app.exception
    kind, text = banner(app)
    assert kind == "success" and text.startswith("Converged at the start")
    assert len(chart_specs(app)[0]["frames"]) == 1


def test_gradient_noise_changes_the_run_and_is_reproducible(app):
    quiet = chart_specs(app)[0]["frames"][-1]
    app.select_slider(key="noise").set_value(1.0).run()
    assert not app.exception
    noisy = chart_specs(app)[0]["frames"][-1]
    assert noisy != quiet
    app.number_input(key="noise_seed").set_value(0).run()
    assert chart_specs(app)[0]["frames"][-1] == noisy


def test_jargon_in_the_banner_is_explained_under_it_only_when_used(app):
    captions = [c.value for c in app.main.caption]
    assert not any(c.startswith(("The stable limit", "The tolerance")) for c in captions)
    app.select_slider(key="lr").set_value(1.5).run()  # diverges: "… stable limit 1.0"
    kind, text = banner(app)
    assert kind == "error" and "stable limit" in text
    captions = [c.value for c in app.main.caption]
    assert any(c.startswith("The stable limit is 2/λ_max") and "of f" in c for c in captions)
