"""gdviz's animated chart element (ui/charts.py): plotly.js served from the installed
package, figures serialised once, and a chart that keeps its identity across reruns."""

from __future__ import annotations

import gc
import json
import subprocess

import plotly.io as pio
import plotly.offline
import pytest

import gdviz
from tests.conftest import ROOT, animated_charts, chart_figures, open_page
from ui import charts


@pytest.fixture
def figure():
    return gdviz.descent_figure(gdviz.descend("parabola", (3.0,), lr=0.1, epochs=30))


def test_figure_json_is_what_plotly_receives_and_is_made_once_per_figure(figure):
    text = charts.figure_json(figure)
    assert json.loads(text) == json.loads(pio.to_json(figure, validate=False))
    assert charts.figure_json(figure) is text
    other = gdviz.descent_figure(gdviz.descend("parabola", (3.0,), lr=0.2, epochs=30))
    assert charts.figure_json(other) != text


def test_plotly_js_is_copied_once_as_the_basic_bundle_of_the_installed_version(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(charts, "STATIC", tmp_path / "static")
    assert charts._provide_plotly_js()
    target = tmp_path / "static" / charts.PLOTLY_FILE
    version = plotly.offline.get_plotlyjs_version()
    assert f"plotly-basic-{version}.min.js" == charts.PLOTLY_FILE
    assert f"plotly.js (basic - minified) v{version}" in target.read_text()[:200]
    assert target.stat().st_size < len(plotly.offline.get_plotlyjs()) / 3
    assert target.stat().st_mtime == charts.SERVED_MTIME  # an old date: long cached
    stamp = (target.stat().st_ino, target.stat().st_ctime_ns)
    assert charts._provide_plotly_js()
    assert (target.stat().st_ino, target.stat().st_ctime_ns) == stamp  # not rewritten
    assert [p.name for p in (tmp_path / "static").iterdir()] == [charts.PLOTLY_FILE]


def test_another_plotly_js_version_gets_the_installed_full_bundle(tmp_path, monkeypatch):
    monkeypatch.setattr(charts, "BASIC_BUNDLE", tmp_path / "plotly-basic-0.0.1.min.js")
    name, text = charts.plotly_bundle()
    version = plotly.offline.get_plotlyjs_version()
    assert name == f"plotly-{version}.min.js" and text() == plotly.offline.get_plotlyjs()


def test_the_basic_bundle_has_what_the_chart_element_uses():
    text = charts.BASIC_BUNDLE.read_text()
    for name in ("animate", "relayout", "react", "newPlot", "purge", "updatemenus", "sliders"):
        assert name in text, name
    for component in ("images", "colorbar", "legend", "shapes", "annotations"):
        assert f'"{component}"' in text or f"'{component}'" in text, component


def test_an_unwritable_static_folder_is_reported_not_raised(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(charts, "STATIC", blocker / "static")
    assert charts._provide_plotly_js() is False


def test_the_component_script_loads_the_copied_plotly_js():
    source = (charts.HERE / "chart.js").read_text()
    assert '"__PLOTLY_SRC__"' in source  # the placeholder ui/charts.py fills in
    assert "Plotly.react" in source and "Plotly.animate" in source


def test_a_learning_rate_change_updates_the_same_chart_element():
    at = open_page()
    chart, loss = animated_charts(at)  # the path, and the loss chart that follows it
    assert chart.proto.id.endswith("descent_figure") and loss.proto.id.endswith("loss_figure")
    before = chart_figures(at)[0]
    at.select_slider(key="lr").set_value(0.2).run()
    assert not at.exception
    after_chart, _ = animated_charts(at)
    after = chart_figures(at)[0]
    # same identity, so the browser updates the graph instead of mounting a new one
    assert after_chart.proto.id == chart.proto.id
    assert after["frames"] != before["frames"]
    assert after["layout"]["sliders"][0]["steps"], "the frames' epoch labels travel with it"


def test_without_static_serving_the_page_falls_back_to_st_plotly_chart(monkeypatch):
    monkeypatch.setattr(charts, "_provide_plotly_js", lambda: False)
    at = open_page()
    assert not animated_charts(at)
    chart, loss = at.get("plotly_chart")
    assert len(json.loads(chart.proto.spec)["frames"]) > 1
    assert json.loads(loss.proto.spec)["data"][0]["name"] == "loss f"


def test_a_figures_serialisation_is_forgotten_with_the_figure():
    figure = gdviz.descent_figure(gdviz.descend("parabola", (3.0,), lr=0.3, epochs=30))
    charts.figure_json(figure)
    key = id(figure)
    assert key in charts._json
    del figure
    gc.collect()
    assert key not in charts._json  # the memo is bounded by the figures alive


def preloads(at) -> list:
    return [n for n in at.get("bidi_component") if n.proto.component_name.endswith("preload")]


@pytest.mark.parametrize("path", [None, "views/race.py", "views/fit.py"])
def test_every_page_starts_loading_plotly_js_before_anything_else(path):
    at = open_page(path)
    (preload,) = preloads(at)
    assert preload.proto.component_name == "gdviz.plotly_preload"
    assert not preload.proto.json or json.loads(preload.proto.json) is None  # no figure
    # first in the page, so the browser starts on plotly.js while the script computes
    assert at.main[0].proto.component_name == "gdviz.plotly_preload"


def test_without_static_serving_nothing_is_preloaded(monkeypatch):
    monkeypatch.setattr(charts, "_provide_plotly_js", lambda: False)
    assert not preloads(open_page())


def test_a_fresh_clone_has_the_static_folder_streamlit_serves():
    """Streamlit warns "no static folder found" at start when static/ is missing: the
    folder is in the repository, with the basic bundle (tests/test_deploy.py); what is
    copied there at run time (another plotly.js version) is not committed."""
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", f"static/{charts.BASIC_BUNDLE.name}"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert tracked.returncode == 0, tracked.stderr
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "static/plotly-9.9.9.min.js"], cwd=ROOT, check=False
    )
    assert ignored.returncode == 0  # a full bundle copied at run time is not committed
