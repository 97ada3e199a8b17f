"""Charts anyone can read: every axis titled, categorical colours that stay apart for
colour-blind eyes (and endings told by shape, not colour alone), and a light and a dark
theme with readable text."""

from __future__ import annotations

import itertools
import json
import re
import tomllib

import numpy as np
import plotly.io as pio
import pytest

from gdviz.figures import maps, style, sweep
from tests.conftest import ROOT
from tests.every_figure import every_figure

AXIS = re.compile(r"^([xy])axis(\d*)$")
CARTESIAN = ("scatter", "scattergl", "heatmap", "contour", "bar", "histogram", "image")


def _title(axis: dict) -> str:
    title = axis.get("title")
    return (title.get("text") if isinstance(title, dict) else title) or ""


def _axes(spec: dict) -> set[str]:
    """Every 2-D cartesian axis a figure draws: those its layout sets up and those its
    traces are on."""
    layout = spec["layout"]
    names = {key for key in layout if AXIS.match(key)}
    for trace in spec["data"]:
        if trace.get("type", "scatter") in CARTESIAN:
            for letter in "xy":
                ref = trace.get(f"{letter}axis", letter)
                names.add(f"{ref[0]}axis{ref[1:]}")
    return names


def untitled_axes(spec: dict) -> list[str]:
    """Axes without a title, except a hidden one and a panel's axis that draws no tick
    labels and shares the range of a titled axis (stacked panels: the title is said once,
    under the bottom panel)."""
    layout = spec["layout"]
    titled = {k for k in _axes(spec) if _title(layout.get(k, {}))}
    ref = {f"{m[1]}{m[2]}": k for k in _axes(spec) if (m := AXIS.match(k))}
    missing = []
    for name in sorted(_axes(spec) - titled):
        axis = layout.get(name, {})
        if axis.get("visible") is False:
            continue
        partners = {ref.get(axis.get("matches"))} | {
            other for other in titled if ref.get(layout[other].get("matches")) == name
        }
        if axis.get("showticklabels") is False and partners & titled:
            continue
        missing.append(name)
    return missing


@pytest.mark.parametrize("name", list(every_figure()))
def test_every_chart_titles_every_axis(name):
    spec = json.loads(pio.to_json(every_figure()[name], validate=False))
    assert _axes(spec) or "surface" in name
    assert untitled_axes(spec) == [], name
    if "scene" in spec["layout"]:  # a 3-D chart: its three axes too
        scene = spec["layout"]["scene"]
        assert all(_title(scene[f"{c}axis"]) for c in "xyz"), name


def test_an_untitled_axis_is_found():
    spec = {"data": [{"type": "scatter", "xaxis": "x2", "yaxis": "y2"}],
            "layout": {"xaxis2": {"title": {"text": "x"}}}}  # fmt: skip
    assert untitled_axes(spec) == ["yaxis2"]
    spec["layout"]["yaxis2"] = {"showticklabels": False, "matches": "y"}
    assert untitled_axes(spec) == ["yaxis2"]  # it shares the range of no titled axis
    spec["layout"]["yaxis"] = {"title": {"text": "f"}}
    assert untitled_axes(spec) == []  # a stacked panel: the title is said once


# ---- colours --------------------------------------------------------------------------
# Machado, Oliveira & Fernandes (2009), severity 1: linear RGB as a dichromat sees it.
DICHROMATS = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
}  # fmt: skip
#: Least CIELAB distance (ΔE*ab) two categories keep, as each kind of dichromat sees them:
#: Okabe–Ito's own colours keep 16 or more; 10 is clearly different side by side.
LEAST_DELTA_E = 10.0


def _linear(hex_colour: str) -> np.ndarray:
    c = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ np.clip(linear, 0, 1)  # fmt: skip
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def least_distance(colours, matrix) -> tuple[float, str, str]:
    seen = {c: _lab(np.asarray(matrix) @ _linear(c)) for c in colours}
    return min(
        (float(np.linalg.norm(seen[a] - seen[b])), a, b)
        for a, b in itertools.combinations(colours, 2)
    )


PALETTES = {
    "runs (Okabe–Ito)": style.PALETTE,
    "runs over a dark map": style.PALETTE_DARK,
    "sweep endings": [colour for colour, _ in sweep.KINDS.values()],
    "basins and the other endings": [*maps.BASIN_COLOURS, *maps.CATEGORY_COLOURS.values()],
}


@pytest.mark.parametrize("palette", list(PALETTES))
@pytest.mark.parametrize("dichromat", list(DICHROMATS))
def test_categorical_colours_stay_apart_for_colour_blind_eyes(palette, dichromat):
    distance, a, b = least_distance(PALETTES[palette], DICHROMATS[dichromat])
    assert distance >= LEAST_DELTA_E, (palette, dichromat, a, b, round(distance, 1))


@pytest.mark.parametrize("dichromat", [*DICHROMATS, "normal"])
def test_a_settings_maps_endings_stand_apart_from_every_shade_of_its_scale(dichromat):
    """η × β and η × start maps: epochs to converge in Viridis, the other endings in
    colours of their own that no shade of Viridis may be taken for."""
    matrix = DICHROMATS.get(dichromat, np.eye(3))
    endings = [maps.NOT_SETTLED, maps.DIVERGED_SETTING, maps.NO_RUN]
    assert least_distance(endings, matrix)[0] >= LEAST_DELTA_E
    for ending in endings:
        for shade in maps._viridis(64):
            distance, *_ = least_distance([ending, shade], matrix)
            assert distance >= LEAST_DELTA_E, (dichromat, ending, shade, round(distance, 1))


def test_the_check_would_catch_red_against_green():
    distance, *_ = least_distance(["#d62728", "#2ca02c"], DICHROMATS["deuteranopia"])
    assert distance < LEAST_DELTA_E


def test_sweep_endings_differ_in_shape_not_only_colour():
    shapes = [shape for _, shape in sweep.KINDS.values()]
    assert len(set(shapes)) == len(shapes)


# ---- themes ---------------------------------------------------------------------------


def _luminance(hex_colour: str) -> float:
    return float(np.array([0.2126, 0.7152, 0.0722]) @ _linear(hex_colour))


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_a_light_and_a_dark_theme_exist_with_readable_text():
    """Both sections make Streamlit's settings menu offer Light, Dark and System; the
    colours of each live in its own section (the shared [theme] would apply to both)."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    theme = config["theme"]
    assert "base" not in theme and "backgroundColor" not in theme and "textColor" not in theme
    for name, dark in (("light", False), ("dark", True)):
        part = theme[name]
        background, text = part["backgroundColor"], part["textColor"]
        assert (_luminance(background) < 0.1) == dark, name
        assert contrast(text, background) >= 7, name  # WCAG AAA for body text
        assert contrast(text, part["secondaryBackgroundColor"]) >= 7, name
        assert contrast(part["primaryColor"], background) >= 3, name  # widgets, focus rings


def test_charts_are_white_cards_with_their_own_text_in_either_theme():
    css = (ROOT / "ui" / "chart.css").read_text()
    card = re.search(r"\.gdviz-chart \{([^}]*)\}", css)[1]
    assert "background: #fff" in card and "color: #1d3557" in card
    template = pio.templates[style.TEMPLATE].layout
    assert template.paper_bgcolor.lower() == "white"  # st.plotly_chart's figures, too
