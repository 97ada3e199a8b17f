"""Every page's Export row through AppTest: four download buttons under its chart, each
making its file only when pressed (a deferred callable), and the files they make."""

import csv
import io

import pytest
from PIL import Image
from streamlit.runtime.media_file_manager import MediaFileManager

import gdviz
from tests.conftest import open_page

#: page → its widget-key prefix
PAGES = {
    "views/descent.py": "",
    "views/race.py": "race_",
    "views/landscape.py": "landscape_",
    "views/fit.py": "fit_",
    "views/why.py": "why_",
    "views/derivative.py": "slope_",
}
KINDS = ("csv", "html", "png", "gif")


@pytest.fixture
def made(monkeypatch) -> dict:
    """What each download button would make when pressed, by its key: the callables the
    page hands Streamlit (they run only when a browser asks for the file)."""
    callables: dict = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, element_id=""):
        callables[element_id.rsplit("-", 1)[-1]] = (data_callable, mimetype, file_name)
        return original(self, data_callable, mimetype, coordinates, file_name=file_name,
                        element_id=element_id)  # fmt: skip

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return callables


def buttons(at) -> dict:
    """The page's download buttons by key."""
    return {b.proto.id.rsplit("-", 1)[-1]: b for b in at.get("download_button")}


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(("page", "prefix"), PAGES.items())
def test_every_page_has_an_export_row_that_makes_its_files_on_request(page, prefix, made):
    at = open_page(page, timeout=180)
    shown = buttons(at)
    for kind in KINDS:
        key = f"{prefix}export_{kind}"
        assert key in shown, (page, sorted(shown))
        button = shown[key].proto
        assert not button.disabled and button.deferred_file_id  # made when pressed only
        assert button.ignore_rerun  # a download does not rerun the page
        data, mime, name = made[key]
        assert name.startswith("gdviz-") and name.endswith(f".{kind}"), name
        assert mime == {"csv": "text/csv", "html": "text/html", "png": "image/png",
                        "gif": "image/gif"}[kind]  # fmt: skip
    table = rows(made[f"{prefix}export_csv"][0]())
    assert len(table) > 2 and len(set(map(len, table))) == 1  # a header and whole rows
    html = made[f"{prefix}export_html"][0]()
    assert "Plotly.newPlot" in html and 'src="http' not in html
    png = Image.open(io.BytesIO(made[f"{prefix}export_png"][0]()))
    assert png.format == "PNG" and png.width >= 1000


def test_the_descent_csv_is_the_run_on_the_page(made):
    at = open_page("views/descent.py")
    traj = gdviz.descend("parabola", 3.0, lr=0.1, epochs=100)  # the page's defaults
    table = rows(made["export_csv"][0]())
    assert table[0] == ["epoch", "x", "f′(x)", "loss f", "step size"]
    assert len(table) - 1 == traj.epoch + 1
    assert table[1][:2] == ["0", "3.0"]  # the start
    assert made["export_csv"][2] == "gdviz-parabola-eta0.1.csv"
    at.select_slider(key="lr").set_value(0.5).run()  # a new η: new rows, new name
    table = rows(made["export_csv"][0]())
    assert len(table) - 1 == gdviz.descend("parabola", 3.0, lr=0.5, epochs=100).epoch + 1
    assert made["export_csv"][2] == "gdviz-parabola-eta0.5.csv"


def test_the_descent_gif_animates_the_run(made):
    open_page("views/descent.py")
    gif = Image.open(io.BytesIO(made["export_gif"][0]()))
    assert gif.format == "GIF" and gif.n_frames == 71  # epochs 0..70


def test_the_race_csv_has_every_racer(made):
    at = open_page("views/race.py")
    table = rows(made["race_export_csv"][0]())
    assert table[0][:2] == ["optimizer", "epoch"]
    names = {row[0] for row in table[1:]}
    assert len(names) == len(at.multiselect(key="race_optimizers").value) == 3


def test_the_derivative_exports_the_secant_table_and_its_animation(made):
    open_page("views/derivative.py")
    table = rows(made["slope_export_csv"][0]())
    assert table[0] == ["Δx", "f(x)", "f(x + Δx)", "slope Δy/Δx", "f′(x)"]
    assert [float(r[3]) for r in table[1:]] == pytest.approx([3.0, 2.1, 2.01, 2.001], rel=1e-9)
    gif = Image.open(io.BytesIO(made["slope_export_gif"][0]()))
    assert gif.n_frames == 6  # Δx = 2, 1, 0.5, 0.1, 0.01, 0.001


def test_a_3d_view_offers_its_html_and_says_why_no_picture():
    from streamlit.testing.v1 import AppTest

    def script():
        import gdviz
        from ui.exports import export_row

        traj = gdviz.descend("himmelblau", (0.0, 0.0), lr=0.01, epochs=20)
        export_row(gdviz.surface_figure(traj), {"epoch": [0]}, "surface", "t_", key="surface")

    at = AppTest.from_function(script, default_timeout=60).run()
    assert not at.exception, at.exception
    shown = buttons(at)
    assert not shown["t_export_html"].proto.disabled
    for kind in ("png", "gif"):
        button = shown[f"t_export_{kind}"].proto
        assert button.disabled and "HTML" in button.help
