"""Exports (gdviz.export, gdviz.render): CSV rows, a standalone HTML page that plays
offline, and PNG and GIF pictures drawn without a browser."""

import csv
import io
import json
import re

import numpy as np
import plotly.io as pio
import plotly.offline
import pytest
from PIL import Image

import gdviz
from gdviz import export, render
from gdviz.explain import table
from gdviz.figures.style import PATH, POINT
from gdviz.race import Racer, race
from gdviz.render import Renderer, figure_json
from tests.conftest import ROOT

BASIC = ROOT / "ui" / "vendor" / f"plotly-basic-{plotly.offline.get_plotlyjs_version()}.min.js"


@pytest.fixture(scope="module")
def basic_js() -> str:
    if not BASIC.is_file():
        pytest.skip(f"no basic plotly.js bundle for this plotly version at {BASIC}")
    return BASIC.read_text()


@pytest.fixture(scope="module")
def parabola():
    """x² + 5 from 3 at η = 0.1: converges in 70 epochs (71 frames)."""
    return gdviz.descend("parabola", 3.0, lr=0.1, epochs=100)


@pytest.fixture(scope="module")
def himmelblau():
    return gdviz.descend("himmelblau", (0.0, 0.0), lr=0.01, epochs=100)


def page_figure(html: str) -> dict:
    """The figure a standalone page draws (the JSON after ``const figure =``)."""
    text = html.split("const figure = ", 1)[1].split(";\n", 1)[0]
    return json.loads(text.replace("<\\/", "</"))


def page_script(html: str, bundle: str) -> str:
    """The page without the plotly.js it carries: what gdviz itself wrote."""
    return html.replace(bundle, "")


# ---- CSV ------------------------------------------------------------------------------


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_has_the_table_columns_and_one_row_per_epoch_from_the_start(parabola):
    rows = read_csv(export.csv_text(export.trajectory_columns(parabola)))
    assert rows[0] == list(table(parabola)) == ["epoch", "x", "f′(x)", "loss f", "step size"]
    assert len(rows) - 1 == parabola.epoch + 1 == 71
    first, last = rows[1], rows[-1]
    assert first[:4] == ["0", "3.0", "6.0", "14.0"]  # the start: x₀ = 3, f′ = 6, f = 14
    assert float(first[4]) == pytest.approx(0.6)  # |x₁ − x₀| = η·|f′(x₀)|
    assert last[0] == "70" and last[4] == ""  # no step after the last epoch
    # every number exactly as computed, not rounded for display
    assert [float(r[1]) for r in rows[1:]] == parabola.points[:, 0].tolist()


def test_race_csv_stacks_every_racer_with_its_name():
    runs = race(gdviz.OBJECTIVES["bowl"], (2.0, 1.5),
                [Racer("gd", 0.1, {}), Racer("adam", 0.1, {})], epochs=30)  # fmt: skip
    rows = read_csv(export.csv_text(export.race_columns(runs, ["GD", "Adam"])))
    assert rows[0][:4] == ["optimizer", "epoch", "x", "y"]
    body = rows[1:]
    assert len(body) == sum(r.epoch + 1 for r in runs)
    assert [r[0] for r in body] == ["GD"] * (runs[0].epoch + 1) + ["Adam"] * (runs[1].epoch + 1)
    adam_start = body[runs[0].epoch + 1]
    assert adam_start[1:4] == ["0", "2.0", "1.5"]
    with pytest.raises(ValueError, match="a label per run"):
        export.race_columns(runs, ["GD"])


def test_search_csv_counts_every_evaluation():
    result = gdviz.race_trial_vs_gradient(gdviz.OBJECTIVES["bowl"], (2.0, 1.5), lr=0.1, delta=0.7)
    runs = [result.trial, result.gradient]
    rows = read_csv(export.csv_text(export.search_columns(runs, ["trial", "gd"], ["x", "y"])))
    assert rows[0] == ["method", "move", "x", "y", "f", "evaluations of f", "evaluations of ∇f"]
    assert len(rows) - 1 == len(result.trial.points) + len(result.gradient.points)
    last_gd = rows[-1]
    assert int(last_gd[1]) == len(result.gradient.points) - 1
    assert float(last_gd[6]) == result.gradient.grad_evals[-1]


def test_csv_refuses_columns_of_different_lengths():
    with pytest.raises(ValueError, match="one length"):
        export.csv_text({"a": [1, 2], "b": [1]})


# ---- HTML -----------------------------------------------------------------------------


def test_html_carries_plotly_inline_and_loads_nothing(parabola, basic_js):
    html = export.standalone_html(gdviz.descent_figure(parabola), title="x² + 5",
                                  plotly_js=basic_js)  # fmt: skip
    assert basic_js in html  # inline, whole
    own = page_script(html, basic_js)
    assert not re.search(r"<script[^>]*\bsrc=", own, re.IGNORECASE)
    assert not re.search(r"<link[^>]*\bhref=", own, re.IGNORECASE)
    assert not re.search(r"https?://", own)  # no CDN, font or MathJax address anywhere
    assert "Plotly.newPlot" in own and "Plotly.addFrames" in own
    assert "Plotly.animate" not in own  # it waits for ▶ Play (no autoplay)


def test_html_has_the_frames_a_play_button_and_an_epoch_slider(parabola, basic_js):
    fig = page_figure(export.standalone_html(gdviz.descent_figure(parabola), plotly_js=basic_js))
    assert len(fig["frames"]) == parabola.epoch + 1 == 71
    layout = fig["layout"]
    play = next(m for m in layout["updatemenus"] if m.get("name") == "play")
    button = play["buttons"][0]
    assert "Play" in button["label"] and button["method"] == "animate"
    assert button["args"][1]["fromcurrent"] is True
    steps = layout["sliders"][0]["steps"]
    assert [s["args"][0][0] for s in steps] == [f["name"] for f in fig["frames"]]
    # on a row of its own under the buttons, across the plot's width
    assert layout["sliders"][0]["x"] == 0 and layout["sliders"][0]["len"] == 1
    assert layout["sliders"][0]["y"] < play["y"] < 0


def test_html_uses_gdviz_colours_not_the_streamlit_placeholder(himmelblau, basic_js):
    import streamlit  # noqa: F401  (sets plotly's default template to "streamlit")

    assert pio.templates.default == "streamlit"
    fig = page_figure(export.standalone_html(gdviz.descent_figure(himmelblau), plotly_js=basic_js))
    template = fig["layout"]["template"]["layout"]
    white = pio.templates["plotly_white"].layout
    assert template["paper_bgcolor"] == white.paper_bgcolor == "white"
    assert template["colorway"] == list(white.colorway)
    assert template["colorway"] != list(pio.templates["streamlit"].layout.colorway or [])
    colours = json.dumps(fig["data"])
    assert PATH in colours and POINT in colours
    # a map keeps its aspect: a width that holds it, so the colour bar stays beside it
    assert 500 < fig["layout"]["width"] < 900


def test_html_adds_the_template_to_a_figure_that_has_none(parabola, basic_js):
    bare = figure_json(gdviz.descent_figure(parabola))
    del bare["layout"]["template"]
    fig = page_figure(export.standalone_html(bare, plotly_js=basic_js))
    assert fig["layout"]["template"]["layout"]["plot_bgcolor"] == "white"


def test_html_escapes_a_closing_script_tag_in_the_figure(basic_js):
    fig = {"data": [{"type": "scatter", "x": [0], "y": [0], "name": "</script><b>"}],
           "layout": {}}  # fmt: skip
    html = export.standalone_html(fig, title="<i>", plotly_js=basic_js)
    own = page_script(html, basic_js)
    assert own.count("</script>") == 2  # the bundle's element and gdviz's own
    assert page_figure(html)["data"][0]["name"] == "</script><b>"
    assert "<title>&lt;i&gt;</title>" in own and "<h1>&lt;i&gt;</h1>" in own


def test_a_3d_surface_needs_the_full_bundle(himmelblau, basic_js):
    surface = gdviz.surface_figure(himmelblau)
    assert export.needs_full_bundle(surface)
    assert not export.needs_full_bundle(gdviz.descent_figure(himmelblau))
    assert not render.can_render(surface)
    with pytest.raises(ValueError, match="HTML instead"):
        export.png_bytes(surface)


# ---- pictures -------------------------------------------------------------------------


def pixels_like(image: Image.Image, hex_colour: str, tolerance: int = 12) -> np.ndarray:
    """(row, column) of the pixels within ``tolerance`` of a colour."""
    rgb = np.asarray(image.convert("RGB"), dtype=int)
    target = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    return np.argwhere(np.abs(rgb - target).max(axis=-1) <= tolerance)


def test_png_is_the_last_frame_at_twice_the_size_with_the_point_where_the_run_ended(parabola):
    fig = gdviz.descent_figure(parabola)
    image = Image.open(io.BytesIO(export.png_bytes(fig, title="x² + 5")))
    assert image.format == "PNG"
    # 1000 CSS pixels wide; 520 high less the 70 of the controls, plus the title's 33
    assert image.size == (2000, 2 * (520 - 70 + 33))
    spec = figure_json(fig)
    (x0, x1), (y0, y1) = spec["layout"]["xaxis"]["range"], spec["layout"]["yaxis"]["range"]
    margin = spec["layout"]["margin"]
    left, top = 2 * margin["l"], 2 * (33 + margin["t"])
    width, height = 2 * (1000 - margin["l"] - margin["r"]), 2 * (520 - 70 - margin["t"] - 50)
    x, f = parabola.points[-1, 0], parabola.losses[-1]
    expected = (top + (y1 - f) / (y1 - y0) * height, left + (x - x0) / (x1 - x0) * width)
    red = pixels_like(image, POINT)
    assert len(red) > 100  # the current point (and the legend's key), in the app's red
    nearest = np.abs(red - expected).sum(axis=1).min()
    assert nearest < 20, (expected, red.mean(axis=0))
    assert len(pixels_like(image, PATH)) > 200  # the orange path
    assert np.asarray(image)[5, 5].tolist() == [255, 255, 255]  # gdviz's white paper


def test_png_of_a_map_shows_the_viridis_field_at_the_maps_aspect(himmelblau):
    image = Image.open(io.BytesIO(export.png_bytes(gdviz.descent_figure(himmelblau), scale=1)))
    # 460 pixels of plot at aspect 1, with the margins: 60 + 460 + 130; the frame's label
    # above it (33)
    assert image.size == (650, 620 - 70 + 33)
    hsv = np.asarray(image.convert("HSV"), dtype=int)
    field = (hsv[..., 1] > 90) & (hsv[..., 2] > 40)
    assert field.mean() > 0.4


def test_gif_plays_every_frame_and_rests_on_the_last(parabola):
    data = export.gif_bytes(gdviz.descent_figure(parabola), title="x² + 5")
    gif = Image.open(io.BytesIO(data))
    assert gif.format == "GIF" and gif.n_frames == 71
    assert gif.size == (1000, 520 - 70 + 33)
    gif.seek(0)
    first = np.asarray(gif.convert("RGB")).copy()
    assert gif.info["duration"] == 80  # 6000 ms / 71 frames, in GIF's 10 ms steps
    gif.seek(gif.n_frames - 1)
    last = np.asarray(gif.convert("RGB"))
    assert gif.info["duration"] == export.GIF_HOLD_MS
    assert (first != last).any(axis=-1).sum() > 500  # the point moved
    assert first[3, 3].tolist() == [255, 255, 255]  # gdviz's white paper, exactly
    # the point: at the start in the first frame, at the minimum in the last
    plot = slice(100, None)  # below the title and the legend (whose keys are red too)
    red_first = pixels_like(Image.fromarray(first[plot]), POINT)
    red_last = pixels_like(Image.fromarray(last[plot]), POINT)
    assert len(red_first) > 50 and len(red_last) > 50
    assert red_first[:, 1].mean() > red_last[:, 1].mean() + 100  # x = 3 is right of x = 0


def test_gif_frames_show_what_the_renderer_draws_at_each_epoch(himmelblau):
    fig = figure_json(gdviz.descent_figure(himmelblau))
    gif = Image.open(io.BytesIO(export.gif_bytes(fig, title="t")))
    renderer = Renderer(fig, scale=export.GIF_SUPERSAMPLE, title="t")
    for k in (1, 30, gif.n_frames - 1):  # unchanged pixels come from the frames before
        gif.seek(k)
        shown = np.asarray(gif.convert("RGB"), dtype=int)
        drawn = np.asarray(renderer.render(k).reduce(export.GIF_SUPERSAMPLE), dtype=int)
        assert shown.shape == drawn.shape
        assert np.abs(shown - drawn).mean() < 3, k  # 255 colours' rounding only


def test_gif_subsamples_long_animations_keeping_both_ends():
    chosen = export.gif_frames(300, 120)
    assert len(chosen) == 120 and chosen[0] == 0 and chosen[-1] == 299
    assert export.gif_frames(50, 120) == list(range(50))


def test_every_page_figure_renders(himmelblau):
    runs = race(gdviz.OBJECTIVES["himmelblau"], (0.0, 0.0),
                [Racer("gd", 0.01, {}), Racer("adam", 0.1, {})], epochs=50)  # fmt: skip
    fit = gdviz.fit(gdviz.DATASETS["four_points"], (0.0, 0.0), lr=0.05, epochs=40)
    trial = gdviz.race_trial_vs_gradient(gdviz.OBJECTIVES["wavy"], (-2.0,), lr=0.05, delta=0.7)
    paths = [("trial", trial.trial.points), ("gd", trial.gradient.points)]
    figures = [
        gdviz.race_figure(runs, ["GD", "Adam"]),
        gdviz.fit_figure(fit),
        gdviz.paths_animation(gdviz.OBJECTIVES["wavy"], paths),
        gdviz.derivative_animation(gdviz.OBJECTIVES["parabola"], 1.0),
        gdviz.descent_figure(gdviz.descend("parabola", 9999.0, lr=10.0, epochs=100)),  # zooms
    ]
    for fig in figures:
        image = render.render(fig, -1, title="t")
        assert image.mode == "RGB" and image.width >= 600
        colours = np.unique(np.asarray(image).reshape(-1, 3), axis=0)
        assert len(colours) > 50  # drawn, not a blank page


def test_a_diverging_run_is_drawn_on_its_signed_log_axes():
    traj = gdviz.descend("parabola", 9999.0, lr=10.0, epochs=100)
    spec = figure_json(gdviz.descent_figure(traj))
    last = spec["frames"][-1]["layout"]["xaxis"]
    renderer = Renderer(spec)
    data, layout = render.frame_state(spec, len(spec["frames"]) - 1)
    axes = render._axes(data, layout)
    assert (axes["x"].lo, axes["x"].hi) == tuple(last["range"])  # the frame's own zoom
    labels = [label for _, label in render.ticks(axes["x"], 900)]
    assert labels == [render.plain(t) for t in last["ticktext"]]  # its real-value ticks
    assert renderer.render(-1).size == renderer.render(0).size


# ---- the renderer's reading of a figure -------------------------------------------------


def test_typed_arrays_frames_and_colours_are_read_as_plotly_does():
    assert render.array({"dtype": "f4", "bdata": "AACAPwAAAEA="}).tolist() == [1.0, 2.0]
    assert np.isnan(render.array([1, None, 3])[1])
    assert render.colour("rgba(255,255,255,0.35)") == (255, 255, 255, 89)
    assert render.colour("#ff6b35") == (255, 107, 53, 255)
    base = {"data": [{"x": [0], "marker": {"size": 3, "color": "red"}}], "layout": {},
            "frames": [{"name": "1", "traces": [0], "data": [{"marker": {"size": 9}}],
                        "layout": {"xaxis": {"range": [0, 2]}}}]}  # fmt: skip
    data, layout = render.frame_state(base, 0)
    assert data[0]["marker"] == {"size": 9, "color": "red"}
    assert layout["xaxis"]["range"] == [0, 2]
    assert base["data"][0]["marker"]["size"] == 3  # the figure itself is untouched


def test_log_axes_tick_each_decade_or_every_few():
    axis = render.Axis("y", {"type": "log"}, lo=-6.0, hi=2.0)
    assert [label for _, label in render.ticks(axis, 600)] == [
        "10⁻⁶", "10⁻⁵", "10⁻⁴", "0.001", "0.01", "0.1", "1", "10", "100",
    ]  # fmt: skip
    sparse = render.ticks(render.Axis("y", {"type": "log", "dtick": 2}, lo=-6.0, hi=2.0), 600)
    assert [value for value, _ in sparse] == [-6.0, -4.0, -2.0, 0.0, 2.0]


# ---- animated versions of the learning pages' figures -------------------------------------


def test_derivative_animation_shrinks_dx_towards_the_tangent():
    fig = figure_json(gdviz.derivative_animation(gdviz.OBJECTIVES["parabola"], 1.0))
    from gdviz.figures.lessons import DX_STEPS

    assert [f["name"] for f in fig["frames"]] == [f"{d:g}" for d in DX_STEPS]
    assert fig["layout"]["sliders"][0]["currentvalue"]["prefix"] == "Δx = "
    secant = next(i for i, t in enumerate(fig["data"]) if t.get("meta") == "secant")
    slopes = []
    for frame in fig["frames"]:
        line = frame["data"][frame["traces"].index(secant)]
        (x0, x1), (y0, y1) = line["x"], line["y"]
        slopes.append((y1 - y0) / (x1 - x0))
    # f = x² + 5 at x = 1: the secant's slope is 2 + Δx, tending to f′(1) = 2
    assert slopes == pytest.approx([2 + d for d in DX_STEPS], rel=1e-9)


def test_paths_animation_grows_each_path_move_by_move():
    result = gdviz.race_trial_vs_gradient(gdviz.OBJECTIVES["bowl"], (2.0, 1.5), lr=0.1, delta=0.7)
    paths = [("trial", result.trial.points), ("gd", result.gradient.points)]
    fig = figure_json(gdviz.paths_animation(gdviz.OBJECTIVES["bowl"], paths))
    longest = max(len(p) for _, p in paths) - 1
    assert len(fig["frames"]) == min(longest + 1, 100)
    assert fig["layout"]["sliders"][0]["currentvalue"]["prefix"] == "Move "
    last = fig["frames"][-1]
    for i, (_, points) in enumerate(paths):
        index = next(j for j, t in enumerate(fig["data"]) if t.get("meta") == f"path{i}")
        drawn = render.array(last["data"][last["traces"].index(index)]["x"])
        assert drawn == pytest.approx(points[:, 0], rel=1e-6)  # the whole path at the end
    first = fig["frames"][0]
    assert all(len(render.array(d["x"])) == 1 for d in first["data"])  # only the start
