"""Divergence is drawn, never lost: every figure builder draws every run, those that
overflow or leave the floats included, up to the last finite point, with finite axes, no
warnings (pytest turns them into errors), and ticks and notes that read as numbers.

The sweep runs every built-in objective and some typed ones at η from 10⁻⁵ to 10 from
their own start and from ±10⁶; the forged runs stand for the far ends of the floats that
real runs reach only in part (a last point near 10³⁰⁰, losses from 10⁻³⁰⁰ to 10³⁰⁸, a
gradient too big to square).
"""

from __future__ import annotations

import dataclasses
import json
import re
from functools import cache

import numpy as np
import pytest

import gdviz
from gdviz import OBJECTIVES, descend, explain, export, parse_objective, readout
from gdviz.figures.backdrops import axis_scale
from gdviz.figures.base import nice_ticks
from gdviz.figures.fit import round_ticks
from gdviz.figures.lessons import decade_ticks
from gdviz.figures.maps import basin_figure
from gdviz.figures.race import loss_axis
from gdviz.figures.stability import sharpness_figure
from gdviz.maps import basin_map
from gdviz.view import log_ticks, view_around, view_of
from tests.conftest import decode_plotly

LRS = (1e-5, 1e-3, 0.1, 1.0, 10.0)
FAR = 1e6
TYPED = ("x^4", "x^3", "exp(x)", "x^4 - 2*x^2", "-x^2", "x^2 - y^2", "exp(x) + y^2", "x*y")
EPOCHS = 60
#: Unicode superscripts back to digits, for reading tick labels.
_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻−", "0123456789--")


# ---- what every figure must be ------------------------------------------------------------


def _arrays(trace: dict):
    for key in ("x", "y", "z", "customdata"):
        if trace.get(key) is not None:
            values = trace[key]
            if isinstance(values, list):
                values = [np.nan if v is None else v for v in np.ravel(values, order="K")]
            yield key, np.asarray(decode_plotly(values), dtype=float)


def _axes(layout: dict):
    """Every axis of a layout (and of its 3-D scene), by name."""
    for name, axis in layout.items():
        if re.fullmatch(r"[xy]axis\d*", name) and isinstance(axis, dict):
            yield name, axis
    for name, axis in (layout.get("scene") or {}).items():
        if name.endswith("axis") and isinstance(axis, dict):
            yield "scene." + name, axis


def drawable(fig) -> dict:
    """The figure as the browser gets it, :func:`checked`."""
    return checked(json.loads(fig.to_json()))


def checked(spec: dict) -> dict:
    """A figure's JSON, checked: it is strict JSON, every axis range, tick and image
    placement is finite, and no trace carries ±inf (a NaN gap is fine)."""
    json.dumps(spec, allow_nan=False)
    layouts = [spec["layout"], *(f.get("layout") or {} for f in spec.get("frames", []))]
    for layout in layouts:
        for name, axis in _axes(layout):
            for key in ("range", "tickvals"):
                if axis.get(key) is not None:
                    values = np.asarray(decode_plotly(axis[key]), dtype=float)
                    assert np.all(np.isfinite(values)), (name, key, axis[key])
            for key in ("dtick", "tick0"):
                if isinstance(axis.get(key), int | float):
                    assert np.isfinite(axis[key]), (name, key, axis[key])
        for image in layout.get("images") or []:
            place = [image[k] for k in ("x", "y", "sizex", "sizey")]
            assert np.all(np.isfinite(place)), place
    traces = [*spec["data"], *(t for f in spec.get("frames", []) for t in f["data"])]
    for trace in traces:
        for key, values in _arrays(trace):
            assert not np.isinf(values).any(), (trace.get("name") or trace.get("meta"), key)
    return spec


def trace(spec: dict, name: str) -> dict:
    return next(t for t in spec["data"] if t.get("name") == name or t.get("meta") == name)


def holds_the_path(spec: dict, traj) -> None:
    """The descent figure's faint whole path is the run's every point (x and f on a
    curve, x and y on a map) in the view's coordinates, the last finite one included."""
    view = view_of(traj)
    raw = traj.points if traj.objective.dim == 2 else np.column_stack([traj.points, traj.losses])
    want = view.to_view(raw)
    path = trace(spec, "whole path (faint)")
    got = np.column_stack([decode_plotly(path["x"]), decode_plotly(path["y"])]).astype(float)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-30)
    last = next(t for t in spec["frames"][-1]["data"] if t.get("text"))  # the point
    np.testing.assert_allclose([last["x"][0], last["y"][0]], want[-1], rtol=1e-5)


def sizes(vectors) -> np.ndarray:
    """‖v‖ computed as m·‖v/m‖ with m = max |vᵢ|: no overflow in the squares."""
    vectors = np.asarray(vectors, dtype=float)
    top = np.abs(vectors).max(axis=-1, keepdims=True)
    scale = np.where(top > 0, top, 1.0)
    with np.errstate(over="ignore"):
        return top[..., 0] * np.sqrt(((vectors / scale) ** 2).sum(axis=-1))


def holds_the_losses(spec: dict, traj) -> None:
    """The loss chart draws every loss, and every ‖∇f‖ at its size (a gap past the
    floats, and for a 0 on a log axis)."""
    f = traj.objective.symbol
    losses = decode_plotly(trace(spec, f"loss {f}")["y"]).astype(float)
    np.testing.assert_allclose(losses, traj.losses, rtol=1e-12)
    drawn = decode_plotly(trace(spec, f"gradient size ‖∇{f}‖")["y"]).astype(float)
    want = sizes(traj.grads)
    shown = np.isfinite(want) & (want > 0)
    np.testing.assert_allclose(drawn[shown], want[shown], rtol=1e-12)
    assert np.isnan(drawn[~np.isfinite(want)]).all()


def reads_as_numbers(text: str) -> None:
    assert not re.search(r"\b(inf|nan)\b", text, re.IGNORECASE), text


# ---- the audit's cases ----------------------------------------------------------------------


AUDIT = {
    "double_well from 1.8 at η = 0.25": ("double_well", (1.8,), 0.25),
    "cubic from 0.5 at η = 10": ("cubic", (0.5,), 10.0),
    "Rosenbrock from (−1.5, 2) at η = 0.1": ("rosenbrock", (-1.5, 2.0), 0.1),
    "Himmelblau from (10⁶, 10⁶)": ("himmelblau", (FAR, FAR), 0.01),
    "Himmelblau from (−10⁶, 10⁶)": ("himmelblau", (-FAR, FAR), 0.01),
}


@cache
def audit_run(case: str):
    slug, start, lr = AUDIT[case]
    return descend(slug, start, lr=lr, epochs=100)


@pytest.mark.parametrize("case", list(AUDIT))
def test_the_audits_diverging_runs_are_drawn_to_their_last_finite_point(case):
    traj = audit_run(case)
    assert traj.status == "diverged"
    spec = drawable(gdviz.descent_figure(traj))
    holds_the_path(spec, traj)
    view = view_of(traj)
    assert view.log and view.zoom  # the zooming signed-log view
    reads_as_numbers(view.note())


@pytest.mark.parametrize("case", list(AUDIT))
@pytest.mark.parametrize("animated", [True, False])
def test_the_audits_diverging_runs_have_their_loss_chart(case, animated):
    traj = audit_run(case)
    holds_the_losses(drawable(gdviz.loss_figure(traj, animated=animated)), traj)


def test_a_gradient_too_big_to_square_is_drawn_at_its_size():
    traj = audit_run("Rosenbrock from (−1.5, 2) at η = 0.1")
    assert np.isinf(traj.grad_norms[-1])  # the case the audit found: ‖∇f‖² overflows
    spec = drawable(gdviz.loss_figure(traj, animated=True))
    drawn = decode_plotly(trace(spec, "gradient size ‖∇f‖")["y"]).astype(float)
    assert drawn[-1] == pytest.approx(np.abs(traj.grads[-1]).max(), rel=1e-6)
    scale = spec["layout"]["yaxis2"]
    assert scale["type"] == "log" and scale["dtick"] >= 1
    assert 10 ** scale["range"][1] >= drawn[-1]


def test_log_ticks_reach_past_the_largest_power_of_ten_a_float_holds():
    """A padded signed-log range may end past 308 (10³⁰⁸ is about the largest float)."""
    ticks = log_ticks(-3.0, 333.0)
    assert ticks["tickvals"] == sorted(ticks["tickvals"]) and len(ticks["tickvals"]) <= 9
    assert all(-3.0 <= v <= 333.0 for v in ticks["tickvals"])
    powers = {int(t[2:].translate(_DIGITS)): v
              for t, v in zip(ticks["ticktext"], ticks["tickvals"], strict=True)
              if t.startswith("10")}  # fmt: skip
    assert max(powers) > 200 and all(v == pytest.approx(k) for k, v in powers.items())
    assert log_ticks(-400.0, 5.0)["tickvals"][0] >= -400.0


def test_a_curves_hover_numbers_keep_values_beyond_float32():
    """The curve's customdata (x and f as numbers) once overflowed float32 to inf."""
    traj = audit_run("double_well from 1.8 at η = 0.25")
    spec = drawable(gdviz.descent_figure(traj))
    curve = spec["data"][0]
    real = decode_plotly(curve["customdata"]).astype(float)
    defined = np.isfinite(decode_plotly(curve["y"]).astype(float))  # f < 10³⁰⁰ there
    assert np.isfinite(real[defined]).all() and np.abs(real[defined]).max() > 1e39
    assert np.isnan(real[~defined, 1]).all()


def test_a_path_near_the_largest_float_gets_a_finite_view_and_a_readable_note():
    obj = OBJECTIVES["parabola"]
    path = np.array([[3.0], [-1e100], [1e300], [-1.7e308]])
    view = view_around(obj, [path], diverging=[path], zoom=True)
    ((lo, hi),) = view.box
    assert np.isfinite([lo, hi]).all() and lo <= -1.7e308 and hi >= 1e300
    reads_as_numbers(view.note())
    assert "10³⁰⁸" in view.ranges()


def test_a_path_near_the_largest_float_that_does_not_diverge_is_drawn_on_log_axes():
    """A linear view that far out would have a span past the floats."""
    obj = OBJECTIVES["parabola"]
    view = view_around(obj, [np.array([[1e306], [-1e306]])])
    assert view.log and np.isfinite(view.box).all()


def test_a_note_says_a_run_that_left_the_floats_is_drawn_to_its_last_finite_point():
    overflowed = audit_run("cubic from 0.5 at η = 10")
    # (double_well from 1.8 at η = 0.25 overflows too: x⁴ − 2x² at 10²⁸³ is ∞ − ∞)
    undefined = descend(parse_objective("x^2 + sqrt(x)"), 1.0, lr=0.9, epochs=10)  # √ of < 0
    assert (overflowed.reason, undefined.reason) == ("overflow", "undefined")
    for traj, why in ((overflowed, "overflowed"), (undefined, "is defined")):
        note = view_of(traj).note()  # the run's message says why; the note, what is drawn
        assert note.endswith("The path is drawn up to its last finite point.")
        assert why in traj.message
    both = view_of([overflowed, overflowed, descend("cubic", 0.5, lr=0.01, epochs=10)])
    assert "paths that stopped" in both.note()
    calm = descend("parabola", 3.0, lr=0.1, epochs=100)
    assert view_of(calm).note() is None


def test_log_axis_ticks_reach_the_largest_float():
    """Ticks on a log axis up to 1.7 × 10³⁰⁸ once computed 10.0 ** 309 (an OverflowError)."""
    for ticks in (
        loss_axis([1e-3, 1.7e308], log=True)["tickvals"],
        round_ticks([1e-3, 1.7e308], log=True)["tickvals"],
        decade_ticks(1.0, 1.7e308)["tickvals"],
        nice_ticks(1e-3, 1.7e308, log=True),
        nice_ticks(1e-300, 1e-290, log=True),
    ):
        assert ticks and np.all(np.isfinite(ticks))
    assert np.isfinite(nice_ticks(-1.5e308, 1.5e308)).all()
    assert axis_scale(np.array([1e-300, 1.7e308, np.inf]), True)["dtick"] >= 1


def test_a_table_of_huge_steps_keeps_their_size():
    """‖step‖ of steps past 10¹⁵⁴ once overflowed in the squares (a warning, then inf)."""
    traj = forged_runs()["1-D, to 10³⁰⁰"]
    sizes = explain.table(traj)["step size"]
    np.testing.assert_allclose(sizes[:-1], np.abs(np.diff(traj.points[:, 0])), rtol=1e-12)
    rows = readout.table_rows(traj)["rows"]
    assert all(cell for row in rows[:-1] for cell in row)


def test_a_click_on_a_huge_log_view_starts_where_it_points():
    from ui.charts import _tidy

    assert _tidy(30000.0, -1e77, 2.8e78) == 30000.0  # the step of the ±10⁶ the start takes
    assert _tidy(-3e9, -1.7e308, 1.7e308) == -FAR


# ---- forged runs at the far ends of the floats ---------------------------------------------


def forged(slug, points, losses, grads, status="diverged", reason="overflow"):
    """A run of ``slug`` with these iterates, losses and gradients (the status as given)."""
    obj = OBJECTIVES[slug]
    base = descend(obj, obj.start, lr=0.1, epochs=3, tol=0)
    n = len(points)
    return dataclasses.replace(
        base, points=np.reshape(np.array(points, float), (n, obj.dim)),
        losses=np.array(losses, float), grads=np.reshape(np.array(grads, float), (n, obj.dim)),
        status=status, reason=reason, lrs=np.full(n - 1, 0.1), epochs=n - 1,
    )  # fmt: skip


@cache
def forged_runs() -> dict:
    k = np.arange(11)
    grow = 10.0 ** (30 * k)  # 1 … 10³⁰⁰
    up = 10.0 ** np.minimum(30.8 * k, 308.0)  # 1 … 10³⁰⁸
    sign = (-1.0) ** k
    return {
        "1-D, to 10³⁰⁰": forged("parabola", sign * grow, up, sign * grow),
        "1-D, losses from 10⁻³⁰⁰ to 10³⁰⁸": forged(
            "parabola", sign * grow * 1e-150, 10.0 ** np.linspace(-300, 308, 11), sign * grow
        ),
        "1-D, falling to −10³⁰⁸": forged("cubic", -grow, -up, 3 * grow**0.5),
        "2-D, to 10³⁰⁰": forged(
            "himmelblau",
            np.column_stack([sign * grow, grow / 10]),
            up,
            np.column_stack([grow, -grow]),
        ),  # fmt: skip
        "2-D, gradients too big to square": forged(
            "rosenbrock",
            np.column_stack([k / 10, k / 5]),
            1.0 + k,
            np.full((11, 2), 1e200),
            status="max_epochs",
            reason="epochs",
        ),  # fmt: skip
    }


@pytest.mark.parametrize("name", ["1-D, to 10³⁰⁰", "1-D, losses from 10⁻³⁰⁰ to 10³⁰⁸",
                                  "1-D, falling to −10³⁰⁸", "2-D, to 10³⁰⁰",
                                  "2-D, gradients too big to square"])  # fmt: skip
def test_runs_at_the_far_ends_of_the_floats_are_drawn_by_every_builder(name):
    traj = forged_runs()[name]
    spec = drawable(gdviz.descent_figure(traj))
    holds_the_path(spec, traj)
    reads_as_numbers(view_of(traj).note() or "")
    for animated in (True, False):
        holds_the_losses(drawable(gdviz.loss_figure(traj, animated=animated)), traj)
    drawable(sharpness_figure(traj))
    drawable(gdviz.race_figure([traj, traj], ["one", "two"]))
    if traj.objective.dim == 2:
        drawable(gdviz.surface_figure(traj, size=20))
    lines = readout.step_lines(traj, range(traj.epoch + 1))
    rows = readout.table_rows(traj)["rows"]
    for text in (*lines, *(c for row in rows for c in row)):
        reads_as_numbers(text)
    csv = export.csv_text(explain.table(traj))
    assert "nan" not in csv.lower()


@pytest.mark.parametrize("name", ["1-D, to 10³⁰⁰", "2-D, to 10³⁰⁰"])
def test_exports_of_runs_at_the_far_ends_of_the_floats(name):
    traj = forged_runs()[name]
    for fig in (gdviz.descent_figure(traj), gdviz.loss_figure(traj, mark_epoch=2)):
        html = export.standalone_html(fig, plotly_js="")
        assert "Infinity" not in html and "NaN" not in html
        assert export.png_bytes(fig, scale=1).startswith(b"\x89PNG")
        assert export.png_bytes(fig, frame=0, scale=1).startswith(b"\x89PNG")
    assert export.gif_bytes(gdviz.descent_figure(traj), most=3, supersample=1)[:3] == b"GIF"
    assert export.gif_bytes(gdviz.race_figure([traj]), most=3, supersample=1)[:3] == b"GIF"


def test_a_linear_axis_over_losses_of_both_signs_near_the_largest_float_exports():
    """A fixed range from −1.8 × 10³⁰⁸ to 1.8 × 10³⁰⁸ has a span past the floats: the PNG
    renderer counted its ticks one by one (about 10³⁰⁸ of them)."""
    k = np.arange(11)
    losses = np.where(k % 2, -1.7e308, 1.7e308) * (k > 0) + 1.0
    traj = forged("parabola", k / 10, losses, np.ones(11), status="max_epochs", reason="epochs")
    fig = gdviz.loss_figure(traj, mark_epoch=3)
    lo, hi = drawable(fig)["layout"]["yaxis"]["range"]
    assert np.isfinite(hi - lo) and lo < 0 < hi
    assert export.png_bytes(fig, scale=1).startswith(b"\x89PNG")


# ---- the sweep: every objective, η from 10⁻⁵ to 10, starts up to ±10⁶ ----------------------


def _objective(name: str):
    return OBJECTIVES[name] if name in OBJECTIVES else gdviz.parse_objective(name)


@cache
def sweep_runs(name: str) -> tuple:
    """Every run of the grid that can start (f must be finite at the start)."""
    obj = _objective(name)
    far = [(FAR,) * obj.dim, (-FAR, FAR)[-obj.dim :]]
    grid = [(tuple(obj.start), lr, "gd") for lr in LRS]
    grid += [(start, lr, "gd") for start in far for lr in LRS[::2]]
    grid += [(tuple(obj.start), lr, opt) for opt in ("momentum", "adam") for lr in (0.1, 10.0)]
    runs = []
    for start, lr, optimizer in grid:
        try:
            runs.append(descend(obj, start, lr=lr, epochs=EPOCHS, optimizer=optimizer))
        except ValueError as error:  # f overflows at a far start: said, never drawn
            assert "start" in str(error)
    return tuple(runs)


def kinds(runs) -> list:
    """One run of each kind of picture: status, view (box, widened, zooming, log), a
    gradient too big to square, and the decade the loss reached."""
    seen = {}
    for traj in runs:
        view = view_of(traj)
        top = float(np.max(np.abs(traj.losses)))
        key = (traj.status, view.widened, view.zoom, view.log,
               bool(np.isinf(traj.grad_norms).any()), int(np.log10(top + 1.0)) // 100)  # fmt: skip
        seen.setdefault(key, traj)
    return list(seen.values())


NAMES = [*OBJECTIVES, *TYPED]


@pytest.mark.parametrize("name", NAMES)
def test_every_run_of_the_sweep_has_a_view_a_loss_chart_and_a_table(name):
    runs = sweep_runs(name)
    assert runs
    for traj in runs:
        view = view_of(traj)
        assert np.isfinite(view.box).all()
        reads_as_numbers(view.note() or "")
        holds_the_losses(drawable(gdviz.loss_figure(traj, animated=True)), traj)
        for row in readout.table_rows(traj)["rows"]:
            reads_as_numbers(" ".join(row))


@pytest.mark.parametrize("name", NAMES)
def test_every_kind_of_run_of_the_sweep_is_drawn_by_every_builder(name):
    for traj in kinds(sweep_runs(name)):
        spec = drawable(gdviz.descent_figure(traj))
        holds_the_path(spec, traj)
        drawable(sharpness_figure(traj))
        drawable(gdviz.race_figure([traj], ["GD"]))
        if traj.objective.dim == 2:
            drawable(gdviz.surface_figure(traj, size=20))
        for line in readout.step_lines(traj, [0, traj.epoch]):
            reads_as_numbers(line)


@pytest.mark.parametrize("dataset", list(gdviz.DATASETS))
def test_every_fit_is_drawn_at_any_rate_from_any_start(dataset):
    dim = len(gdviz.DATASETS[dataset].params)
    for lr in (1e-5, 0.1, 10.0):
        for start in ((0.0,) * dim, (FAR,) * dim, (-FAR, FAR)[-dim:]):
            fit = gdviz.fit(dataset, start, lr=lr, epochs=EPOCHS)
            drawable(gdviz.fit_figure(fit))
            holds_the_path(drawable(gdviz.descent_figure(fit)), fit)


def test_a_replayed_diverging_run_on_the_basin_map_is_drawn():
    himmelblau = OBJECTIVES["himmelblau"]
    bmap = basin_map(himmelblau, lr=0.01, epochs=30, resolution=16)
    for start, lr in (((0.0, 0.0), 0.01), ((4.0, 4.0), 0.1), ((FAR, -FAR), 0.01)):
        traj = descend(himmelblau, start, lr=lr, epochs=30)
        holds_the_path(drawable(basin_figure(bmap, traj)), traj)
