"""Figures: traces, frames, fixed ranges, the raster field and payload size."""

import base64
import io

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

import gdviz
from gdviz import OBJECTIVES, descend
from gdviz.figures import MAX_FRAMES, TRAIL_POINTS, frame_epochs
from tests.conftest import decode_plotly, figure_json, moving


def run(slug, **kwargs):
    obj = OBJECTIVES[slug]
    start = kwargs.pop("start", obj.start)
    return descend(slug, start, **({"lr": obj.lr, "epochs": 1000, "tol": 0} | kwargs))


def test_frame_sampling_keeps_first_and_last_and_caps_the_count():
    assert list(frame_epochs(5)) == [0, 1, 2, 3, 4, 5]
    many = frame_epochs(1000)
    assert len(many) <= MAX_FRAMES and many[0] == 0 and many[-1] == 1000
    assert np.all(np.diff(many) > 0)


def test_curve_figure_has_curve_tangent_step_arrow_and_epoch_frames():
    traj = run("parabola", start=(3.0,), lr=0.1, epochs=30)
    fig = gdviz.curve_figure(traj)
    assert isinstance(fig, go.Figure)
    names = [t.name for t in fig.data]
    assert any("tangent" in n for n in names) and any("step" in n for n in names)
    assert len(fig.frames) == 31
    assert [f.name for f in fig.frames] == [str(e) for e in range(31)]
    spec = figure_json(fig)
    # the tangent in frame k passes through (x_k, f(x_k)) with slope f'(x_k) = 2 x_k
    for k in (0, 5, 30):
        frame = spec["frames"][k]
        tangent = moving(spec, frame, "tangent")
        tx, ty = np.array(tangent["x"]), np.array(tangent["y"])
        slope = (ty[1] - ty[0]) / (tx[1] - tx[0])
        assert slope == pytest.approx(2 * traj.points[k, 0], rel=1e-4, abs=1e-5)
        # the step arrow runs from x_k to x_k - lr f'(x_k) = x_{k+1}
        ax = np.array(moving(spec, frame, "step")["x"])
        if k < 30:
            assert ax[1] == pytest.approx(traj.points[k + 1, 0], rel=1e-4, abs=1e-5)


def test_frames_carry_only_the_moving_traces():
    for slug in ("parabola", "himmelblau"):
        fig = gdviz.descent_figure(run(slug))
        static = {
            i
            for i, t in enumerate(fig.data)
            if t.name in ("level sets", "whole path (faint)") or "f(x) =" in (t.name or "")
        }
        assert len(static) == 2
        for frame in fig.frames:
            assert not static & set(frame.traces)
            assert len(frame.data) == len(frame.traces) <= 4


def test_the_curve_spans_the_figure_and_the_map_fills_its_column():
    """No side panel: the 1-D curve takes the full width; a 2-D map has no fixed width (it
    fills the page's column) and states its equal aspect for the chart to keep, with the
    colour bar in the right margin, whatever the domain's shape."""
    spec = figure_json(gdviz.descent_figure(run("parabola")))
    assert spec["layout"]["xaxis"]["domain"] == [0.0, 1.0]
    assert not any(k.startswith(("xaxis2", "yaxis2")) for k in spec["layout"])
    for slug in ("himmelblau", "mccormick", "rosenbrock", "ravine"):
        obj = OBJECTIVES[slug]
        spec = figure_json(gdviz.descent_figure(run(slug)))
        layout = spec["layout"]
        assert "width" not in layout
        assert layout["xaxis"]["domain"] == [0.0, 1.0]
        (x_lo, x_hi), (y_lo, y_hi) = obj.domain
        aspect = min(max((x_hi - x_lo) / (y_hi - y_lo), 0.6), 2.0)
        assert layout["meta"]["aspect"] == pytest.approx(aspect, rel=1e-9)
        assert layout["meta"]["controls"]["room"] > 0  # the controls' note kept beside it
        assert layout["yaxis"]["scaleanchor"] == "x"
        colourbar = next(t for t in spec["data"] if t.get("marker", {}).get("showscale"))
        assert 1.0 < colourbar["marker"]["colorbar"]["x"] < 1.05
        assert layout["margin"]["r"] >= 100  # room for the colour bar and its labels


def test_slider_is_labelled_by_epoch_and_controls_exist():
    traj = run("himmelblau", epochs=1000)
    spec = figure_json(gdviz.descent_figure(traj))
    steps = spec["layout"]["sliders"][0]["steps"]
    assert steps[0]["label"] == "0" and steps[-1]["label"] == str(traj.epoch)
    assert len(steps) == len(spec["frames"]) <= MAX_FRAMES
    labels = [b["label"] for m in spec["layout"]["updatemenus"] for b in m["buttons"]]
    assert any("Play" in b for b in labels) and any("Pause" in b for b in labels)
    assert any("speed" in b for b in labels)
    play = spec["layout"]["updatemenus"][0]["buttons"][0]["args"][1]
    assert play["frame"]["redraw"] is False  # the raster field survives redraw-free animation


def test_contour_field_is_a_raster_image_under_fixed_axes():
    obj = OBJECTIVES["goldstein_price"]
    spec = figure_json(gdviz.descent_figure(run("goldstein_price")))
    (image,) = spec["layout"]["images"]
    assert image["layer"] == "below" and image["source"].startswith("data:image/png;base64,")
    png = Image.open(io.BytesIO(base64.b64decode(image["source"].split(",", 1)[1])))
    pixels = np.asarray(png.convert("RGB")).reshape(-1, 3)
    assert len(np.unique(pixels, axis=0)) > 100  # a real colour field, not a flat fill
    assert spec["layout"]["xaxis"]["range"] == list(obj.domain[0])
    assert spec["layout"]["yaxis"]["range"] == list(obj.domain[1])
    assert spec["layout"]["xaxis"]["autorange"] is False
    assert not any(t["type"] in ("contour", "heatmap") for t in spec["data"])
    colourbar = next(t for t in spec["data"] if t.get("marker", {}).get("showscale"))
    assert "log" in colourbar["marker"]["colorbar"]["title"]["text"]


def test_known_minima_are_marked():
    spec = figure_json(gdviz.descent_figure(run("himmelblau")))
    marks = next(t for t in spec["data"] if t.get("name") == "minimum (★)")
    xs = decode_plotly(marks["x"])
    assert sum(1 for t in marks["text"] if "minimum" in t) == 4
    assert 3.0 in list(xs)


def test_the_legend_names_every_kind_of_mark_and_only_those_the_function_has():
    """Minima (★) and saddles or maxima (×) are separate legend entries, and the faint whole
    path is in the legend too; a function without saddles gets no empty × entry."""
    himmelblau = figure_json(gdviz.descent_figure(run("himmelblau")))
    names = {t.get("name") for t in himmelblau["data"] if t.get("showlegend", True)}
    assert {"minimum (★)", "saddle or maximum (×)", "whole path (faint)"} <= names
    saddles = next(t for t in himmelblau["data"] if t.get("name") == "saddle or maximum (×)")
    assert saddles["marker"]["symbol"] == "x-thin-open"
    assert all("minimum" not in text for text in saddles["text"])
    bowl = figure_json(gdviz.descent_figure(run("bowl")))
    assert "saddle or maximum (×)" not in {t.get("name") for t in bowl["data"]}


def test_marks_and_the_current_point_are_drawn_past_the_plot_edge_not_cut():
    for slug in ("parabola", "himmelblau"):
        spec = figure_json(gdviz.descent_figure(run(slug)))
        for name in ("point", "minimum (★)"):
            trace = next(t for t in spec["data"] if name in (t.get("meta"), t.get("name")))
            assert trace["cliponaxis"] is False, (slug, name)


def _tick_value(label: str) -> float:
    """A tick label ("2500", "0.05", "10⁻⁴", "2 × 10⁶", "−2") back to its number."""
    label = label.replace("−", "-")
    exponent = label.translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-"))
    if "× 10" in label:
        mantissa, power = exponent.split("× 10")
        return float(mantissa) * 10.0 ** int(power)
    if label.startswith(("10", "-10")) and exponent != label:
        return (-1 if label.startswith("-") else 1) * 10.0 ** int(exponent.lstrip("-")[2:])
    return float(label)


def _round_step(step: float) -> bool:
    mantissa = step / 10.0 ** np.floor(np.log10(step))
    return any(np.isclose(mantissa, m) for m in (1, 2, 5, 10))


def test_colour_bar_and_3d_heights_use_round_ticks():
    """Equal 1, 2 or 5 × 10ᵏ steps, or decades on a log colour scale, written plainly
    (never "2.51e+03" or "8.23k")."""
    for slug in ("himmelblau", "rosenbrock", "booth", "ackley", "goldstein_price", "bowl"):
        spec = figure_json(gdviz.descent_figure(run(slug)))
        bar = next(t for t in spec["data"] if t.get("marker", {}).get("showscale"))
        labels = bar["marker"]["colorbar"]["ticktext"]
        assert len(labels) >= 3, (slug, labels)
        assert not any("e+" in t or "e-" in t or t.endswith("k") for t in labels), labels
        values = [_tick_value(t) for t in labels]
        if "log" in bar["marker"]["colorbar"]["title"]["text"]:
            assert all(_round_step(abs(v)) for v in values if v), (slug, labels)
        else:
            steps = np.diff(values)
            assert np.allclose(steps, steps[0]) and _round_step(steps[0]), (slug, labels)
    surface = gdviz.surface_figure(run("rosenbrock", epochs=300))
    assert "log scale" in surface.layout.scene.zaxis.title.text
    assert all(_round_step(_tick_value(t)) for t in surface.layout.scene.zaxis.ticktext)


def test_3d_minima_sit_in_their_wells_not_under_the_surface():
    """On a log height scale the exact minimum is decades below the grid's lowest point:
    the marks and the path are drawn at the well's floor as drawn."""
    fig = gdviz.surface_figure(run("rosenbrock", epochs=2000))
    floor = float(np.nanmin(fig.data[0].z))
    minima = next(t for t in fig.data if t.name == "minimum")
    assert min(minima.z) >= floor - 1e-12
    path = next(t for t in fig.data if t.name == "path")
    assert min(path.z) >= floor - 1e-12


def test_two_hundred_frame_2d_figure_is_under_400_kb():
    for slug in ("himmelblau", "rosenbrock", "goldstein_price", "rastrigin"):
        traj = run(slug, epochs=1000)
        fig = gdviz.descent_figure(traj, max_frames=200)
        size = len(fig.to_json())
        assert len(fig.frames) == 200
        assert size < 400_000, (slug, size)


def test_trail_follows_the_path_so_far():
    traj = run("bowl", epochs=30)
    spec = figure_json(gdviz.descent_figure(traj))
    lengths = [len(decode_plotly(moving(spec, f, "trail")["x"])) for f in spec["frames"]]
    assert lengths == list(range(1, 32))
    trail = moving(spec, spec["frames"][-1], "trail")
    np.testing.assert_allclose(decode_plotly(trail["x"]), traj.points[:, 0], rtol=1e-6)


def test_long_trails_are_thinned_but_end_at_the_current_point():
    traj = run("bowl", epochs=90)
    spec = figure_json(gdviz.descent_figure(traj))
    last = moving(spec, spec["frames"][-1], "trail")
    xs = decode_plotly(last["x"])
    assert len(xs) == TRAIL_POINTS
    assert xs[0] == pytest.approx(traj.points[0, 0], rel=1e-6)
    recent = frame_epochs(traj.epoch)[-5:]
    np.testing.assert_allclose(xs[-5:], traj.points[recent, 0], rtol=1e-6)


def test_gradient_arrow_points_downhill():
    traj = run("himmelblau", epochs=20)
    spec = figure_json(gdviz.descent_figure(traj))
    for k in (0, 10):
        arrow = moving(spec, spec["frames"][k], "arrow")
        direction = np.array([arrow["x"][1] - arrow["x"][0], arrow["y"][1] - arrow["y"][0]])
        assert direction @ traj.grads[k] < 0


def test_surface_figure_puts_the_path_on_the_surface():
    traj = run("bowl", epochs=50)
    fig = gdviz.surface_figure(traj)
    assert isinstance(fig.data[0], go.Surface)
    path = next(t for t in fig.data if t.name == "path")
    np.testing.assert_allclose(np.array(path.z), traj.losses, rtol=1e-9)


def test_loss_figure_uses_log_scale_when_values_span_decades():
    fig = gdviz.loss_figure(run("bowl", epochs=100), mark_epoch=3)
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis2.type == "log"
    assert fig.layout.shapes[0].x0 == 3
    flat = gdviz.loss_figure(descend("saddle", (1.0, 0.1), lr=0.05, epochs=50))
    assert flat.layout.yaxis.type == "linear"  # negative losses: no log axis


def test_every_objective_builds_every_figure():
    for slug, obj in OBJECTIVES.items():
        traj = run(slug, epochs=50, tol=gdviz.DEFAULT_TOL)
        spec = figure_json(gdviz.descent_figure(traj))
        assert spec["frames"]
        gdviz.loss_figure(traj)
        if obj.dim == 2:
            gdviz.surface_figure(traj)


def test_animated_figure_round_trips_through_pickle():
    import pickle

    fig = gdviz.descent_figure(run("bowl", epochs=10))
    copy = pickle.loads(pickle.dumps(fig))
    assert copy.to_dict() == fig.to_dict()


def test_fit_figure_animates_line_landscape_and_loss_together():
    traj = gdviz.fit("four_points", (0.0, 0.0), lr=0.05, epochs=40)
    spec = figure_json(gdviz.fit_figure(traj))
    assert spec["layout"]["images"][0]["xref"] == "x4"  # the loss map sits on its own axes
    for frame in spec["frames"][::9]:
        e = int(frame["name"])
        line, now, loss = (
            moving(spec, frame, name) for name in ("line", "landscape_point", "loss_mark")
        )
        w, b = traj.points[e]
        assert line["y"][1] == pytest.approx(w * line["x"][1] + b, rel=1e-4, abs=1e-4)
        assert now["x"] == [pytest.approx(w, rel=1e-5, abs=1e-9)]
        assert loss["x"] == [e]


@pytest.mark.parametrize("slug", ["parabola", "double_well", "himmelblau"])
def test_runs_that_stay_in_the_box_share_their_axes_exactly(slug):
    """A learning-rate change that keeps the run inside the box must not move the axes,
    not even in the last digits: the chart would relayout them on every change."""
    obj = OBJECTIVES[slug]
    specs = [
        figure_json(gdviz.descent_figure(descend(slug, obj.start, lr=obj.lr * k, epochs=100)))
        for k in (0.5, 1.0, 1.2)
    ]
    for name in ("xaxis", "yaxis"):
        assert specs[0]["layout"][name] == specs[1]["layout"][name] == specs[2]["layout"][name]


def test_hover_labels_name_the_function_and_its_variable():
    """The point's hover reads f(x) = … on a function and L(w) = … on a loss (the letter
    comes from the objective, never from a number of the run)."""
    curve = figure_json(gdviz.descent_figure(run("parabola")))
    point = next(t for t in curve["data"] if t.get("meta") == "point")
    assert "<br>f(x) = %{customdata[1]" in point["hovertemplate"]
    fit = figure_json(gdviz.descent_figure(gdviz.fit("three_points", (1.0,), lr=0.1, epochs=5)))
    point = next(t for t in fit["data"] if t.get("meta") == "point")
    assert "<br>L(w) = %{customdata[1]" in point["hovertemplate"]
    assert "step −η·L′(w)" in {t.get("name") for t in fit["data"]}


def test_axis_ticks_are_plain_numbers_where_they_fit():
    """A curve reaching 20,000 is ticked 5000, 10000 … (not "10k"); every figure's
    template writes large ticks as powers of ten, never SI suffixes."""
    steep = figure_json(gdviz.descent_figure(descend("parabola", (140.0,), lr=0.01, epochs=5)))
    assert steep["layout"]["yaxis"]["exponentformat"] == "none"
    template = steep["layout"]["template"]["layout"]
    assert template["yaxis"]["exponentformat"] == "power"
    assert template["xaxis"]["exponentformat"] == "power"
