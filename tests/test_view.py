"""The figure follows the run: widened to the whole path, zooming out with a diverging
run, on signed log axes where its growth spans decades; in 1-D and 2-D."""

import numpy as np
import pytest

import gdviz
from gdviz import OBJECTIVES, descend
from gdviz.figures import frame_epochs
from gdviz.race import race
from gdviz.view import frame_boxes, slog, unslog, view_of, zoom_levels
from tests.conftest import decode_plotly, figure_json, moving


def point_path(spec) -> np.ndarray:
    """The current point's (x, y) in every frame, as drawn."""
    return np.array([[moving(spec, f, "point")[k][0] for k in ("x", "y")] for f in spec["frames"]])


def label_value(text: str) -> float:
    """'−10¹²' → -1e12, '100' → 100, '0' → 0."""
    digits = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
    sign = -1.0 if text.startswith("−") else 1.0
    text = text.lstrip("−")
    if text in ("0", "1", "10", "100", "1000"):
        return sign * float(text)
    return sign * 10.0 ** int(text[2:].translate(digits))


def test_signed_log_is_invertible_and_keeps_the_sign():
    values = np.array([-1e12, -57.0, -1.0, 0.0, 0.5, 3.0, 1083.0, 2e300])
    np.testing.assert_allclose(unslog(slog(values)), values, rtol=1e-12)
    assert np.all(np.sign(slog(values)) == np.sign(values))
    assert slog(999.0) == pytest.approx(3.0)


def test_a_run_inside_the_box_keeps_the_box_and_says_nothing():
    traj = descend("parabola", 3.0, lr=0.1, epochs=100)
    view = view_of(traj)
    assert view.box == view.domain == ((-5.0, 5.0),)
    assert not (view.widened or view.zoom or view.log) and view.note() is None
    spec = figure_json(gdviz.descent_figure(traj))
    assert spec["layout"]["xaxis"]["range"] == [-5.0, 5.0]
    assert all("layout" not in f for f in spec["frames"])


def test_a_far_start_widens_the_view_to_the_whole_path_with_f_drawn_there():
    traj = descend("parabola", 9999.0, lr=0.01, epochs=100)
    view = view_of(traj)
    assert view.widened and not view.zoom and not view.log
    spec = figure_json(gdviz.descent_figure(traj))
    lo, hi = spec["layout"]["xaxis"]["range"]
    assert lo <= -5.0 and hi >= 9999.0 and hi < 2 * 9999.0
    y_lo, y_hi = spec["layout"]["yaxis"]["range"]
    assert y_lo <= 5.0 and y_hi >= 9999.0**2 + 5
    curve = spec["data"][0]
    xs, ys = decode_plotly(curve["x"]), decode_plotly(curve["y"])
    assert xs.min() == pytest.approx(lo) and xs.max() == pytest.approx(hi)
    np.testing.assert_allclose(ys, xs**2 + 5, rtol=1e-9)
    # every frame's point is the run's point, unclamped, inside the view
    drawn = point_path(spec)
    shown = frame_epochs(traj.epoch)
    np.testing.assert_allclose(drawn[:, 0], traj.points[shown, 0], rtol=1e-5)
    assert np.all((drawn[:, 0] >= lo) & (drawn[:, 0] <= hi))
    assert view.note().startswith("The path leaves the plotting box, so the view is widened")
    assert "x from -1000 to 11000" in view.note()


def test_a_far_start_in_2d_draws_the_field_over_the_whole_path():
    traj = descend("bowl", (400.0, -300.0), lr=0.1, epochs=50)
    spec = figure_json(gdviz.descent_figure(traj))
    layout = spec["layout"]
    (image,) = layout["images"]
    x_lo, x_hi = layout["xaxis"]["range"]
    y_lo, y_hi = layout["yaxis"]["range"]
    assert x_lo <= -5 and x_hi >= 400 and y_lo <= -300 and y_hi >= 5
    # the raster covers exactly the view
    assert image["x"] == pytest.approx(x_lo) and image["sizex"] == pytest.approx(x_hi - x_lo)
    assert image["y"] == pytest.approx(y_hi) and image["sizey"] == pytest.approx(y_hi - y_lo)
    np.testing.assert_allclose(point_path(spec), traj.points, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("slug", "start", "lr"), [("parabola", (3.0,), 1.2), ("bowl", (4.0, 3.0), 1.05)]
)
def test_a_diverging_run_zooms_out_as_it_plays(slug, start, lr):
    """η just above the stable limit: the frames' ranges grow and always hold the point and
    the next one; the first frame still shows the plotting box."""
    traj = descend(slug, start, lr=lr, epochs=100)
    assert traj.status == "diverged"
    view = view_of(traj)
    assert view.zoom and not view.log
    spec = figure_json(gdviz.descent_figure(traj))
    frames = spec["frames"]
    assert len(frames) == traj.epoch + 1
    axes = ("xaxis", "yaxis") if traj.objective.dim == 2 else ("xaxis",)
    for i, name in enumerate(axes):
        ranges = np.array([f["layout"][name]["range"] for f in frames])
        assert np.all(np.diff(ranges[:, 0]) <= 0) and np.all(np.diff(ranges[:, 1]) >= 0)
        lo, hi = OBJECTIVES[slug].domain[i]
        assert ranges[0, 0] <= lo and ranges[0, 1] >= hi
        for e in range(traj.epoch + 1):
            ahead = traj.points[min(e + 1, traj.epoch), i]
            for value in (traj.points[e, i], ahead):
                assert ranges[e, 0] <= value <= ranges[e, 1]
    assert spec["layout"]["xaxis"]["range"] == frames[0]["layout"]["xaxis"]["range"]
    assert "zooms out as it plays" in view.note()


def test_at_eta_10_the_1d_run_bounces_wall_to_wall_further_up_each_time_on_log_axes():
    traj = descend("parabola", 3.0, lr=10.0, epochs=100)
    view = view_of(traj)
    assert view.zoom and view.log
    spec = figure_json(gdviz.descent_figure(traj))
    drawn = point_path(spec)
    np.testing.assert_allclose(drawn[:, 0], slog(traj.points[:, 0]), rtol=1e-5)
    np.testing.assert_allclose(drawn[:, 1], slog(traj.losses), rtol=1e-5)
    assert np.all(np.sign(drawn[1:, 0]) == -np.sign(drawn[:-1, 0]))  # wall to wall
    assert np.all(np.diff(np.abs(drawn[:, 0])) > 0) and np.all(np.diff(drawn[:, 1]) > 0)
    assert drawn[-1, 1] - drawn[0, 1] > 10  # the growth spans more than ten decades
    last = spec["frames"][-1]["layout"]
    ticks = last["xaxis"]["ticktext"]
    assert any(t.startswith("10") for t in ticks) and any(t.startswith("−10") for t in ticks)
    for value, text in zip(last["xaxis"]["tickvals"], last["xaxis"]["ticktext"], strict=True):
        assert unslog(value) == pytest.approx(label_value(text), rel=1e-9)  # ticks read true
    assert "signed log" in spec["layout"]["xaxis"]["title"]["text"]
    assert "signed log axes" in view.note()


def test_at_eta_10_the_2d_run_is_drawn_on_log_axes_over_nested_sharp_fields():
    traj = descend("bowl", (4.0, 3.0), lr=10.0, epochs=100)
    view = view_of(traj)
    assert view.zoom and view.log
    spec = figure_json(gdviz.descent_figure(traj))
    np.testing.assert_allclose(point_path(spec), slog(traj.points), rtol=1e-5)
    images = spec["layout"]["images"]
    assert len(images) >= 3
    boxes = [(i["x"], i["x"] + i["sizex"], i["y"] - i["sizey"], i["y"]) for i in images]
    for outer, inner in zip(boxes, boxes[1:], strict=False):  # outermost first, nested
        assert outer[0] <= inner[0] and outer[1] >= inner[1]
        assert outer[2] <= inner[2] and outer[3] >= inner[3]
    np.testing.assert_allclose(boxes[-1], [*slog([-5.0, 5.0]), *slog([-5.0, 5.0])], rtol=1e-9)
    # every frame is as wide as tall as the figure's map, and holds the point
    for frame, point in zip(spec["frames"], slog(traj.points), strict=True):
        (a, b), (c, d) = frame["layout"]["xaxis"]["range"], frame["layout"]["yaxis"]["range"]
        assert a <= point[0] <= b and c <= point[1] <= d


def test_zoom_levels_run_from_the_whole_view_in_to_the_plotting_box():
    traj = descend("bowl", (4.0, 3.0), lr=1.05, epochs=100)
    levels = zoom_levels(view_of(traj))
    assert levels[0] == view_of(traj).box and levels[-1] == ((-5.0, 5.0), (-5.0, 5.0))
    spans = [max(hi - lo for lo, hi in box) for box in levels]
    assert all(a > b for a, b in zip(spans, spans[1:], strict=False))


def test_frame_boxes_hold_the_path_up_to_the_next_point():
    traj = descend("parabola", 3.0, lr=1.2, epochs=100)
    view = view_of(traj)
    epochs = np.arange(traj.epoch + 1)
    for e, ((lo, hi),) in zip(epochs, frame_boxes(view, traj.points, epochs), strict=True):
        seen = traj.points[: min(e + 2, traj.epoch + 1), 0]
        assert lo <= seen.min() and hi >= seen.max()


def test_a_race_with_a_runaway_racer_widens_to_show_every_path():
    racers = [{"optimizer": "gd", "lr": 0.1}, {"optimizer": "gd", "lr": 1.05}]
    runs = race("bowl", (4.0, 3.0), racers, epochs=100)
    spec = figure_json(gdviz.race_figure(runs))
    for run in runs:
        for axis, values in zip(("xaxis", "yaxis"), run.points.T, strict=True):
            lo, hi = spec["layout"][axis]["range"]
            assert lo <= values.min() and hi >= values.max()


@pytest.mark.parametrize(("slug", "lr"), [("himmelblau", 0.05), ("bowl", 10.0), ("bowl", 1.05)])
def test_the_field_covers_every_frame_of_a_zooming_map(slug, lr):
    obj = OBJECTIVES[slug]
    spec = figure_json(gdviz.descent_figure(descend(slug, obj.start, lr=lr, epochs=100)))
    image = spec["layout"]["images"][0]  # the outermost level
    x_lo, x_hi = image["x"], image["x"] + image["sizex"]
    y_lo, y_hi = image["y"] - image["sizey"], image["y"]
    for frame in spec["frames"]:
        (a, b), (c, d) = frame["layout"]["xaxis"]["range"], frame["layout"]["yaxis"]["range"]
        slack = 1e-5 * max(abs(x_lo), abs(x_hi), abs(y_lo), abs(y_hi))  # ranges keep 6 digits
        assert x_lo - slack <= a and b <= x_hi + slack and y_lo - slack <= c and d <= y_hi + slack
