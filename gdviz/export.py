"""Export: a run's rows as CSV, its figure as a page that plays offline, a PNG, a GIF.

Everything here is bytes or text from plain data, with no server and no browser:

- :func:`csv_text`: columns (``explain.table``'s, :func:`race_columns`') as CSV, every
  number at full precision, one row per epoch from the start (epoch 0).
- :func:`standalone_html`: the figure as one HTML file with plotly.js inline (no network:
  it opens from a USB stick), its title as the page's heading, gdviz's own template and
  Plotly's Play/Pause buttons and epoch slider (the app draws its own in HTML; a file needs
  Plotly's), never autoplaying.
- :func:`png_bytes` and :func:`gif_bytes`: pictures drawn by :mod:`gdviz.render` with
  Pillow, the figure's last frame or its whole animation, for slides.

>>> from gdviz import descend, descent_figure
>>> traj = descend("parabola", 3.0, lr=0.1, epochs=3)
>>> print(csv_text(trajectory_columns(traj)).splitlines()[1])
0,3.0,6.0,14.0,0.6000000000000001
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from html import escape

import numpy as np
from PIL import Image

from .explain import table
from .field import colour_rgb
from .figures.base import plain_template
from .figures.controls import CONTROLS_OFFSET
from .render import Renderer, can_render, colour, figure_json, map_aspect

#: Trace types plotly.js's "basic" bundle draws (scatter, bar, pie); others need the full one.
BASIC_TRACES = frozenset({"scatter", "bar", "pie"})
#: Most frames a GIF carries (more are subsampled evenly, the ends kept).
GIF_FRAMES = 120
#: How long a GIF rests on its last frame, in milliseconds, before it loops.
GIF_HOLD_MS = 1500
#: Pixels per CSS pixel of a PNG: sharp on a projector and on a high-density screen.
PNG_SCALE = 2
#: The palette index of a GIF pixel that stays as the frame before left it (transparent).
CLEAR = 255
#: A GIF is drawn at this many times its size and scaled down: smooth lines, no fringes.
GIF_SUPERSAMPLE = 2


# ---- rows -----------------------------------------------------------------------------


def trajectory_columns(traj) -> dict[str, np.ndarray]:
    """A run's every epoch (``explain.table``): epoch, position, gradient, loss, step size."""
    return table(traj)


def race_columns(runs: Sequence, labels: Sequence[str]) -> dict[str, list]:
    """Several runs in one table, one row per (run, epoch): an "optimizer" column first,
    then :func:`trajectory_columns`' columns."""
    if len(runs) != len(labels):
        raise ValueError(f"race_columns needs a label per run: {len(runs)} runs, {len(labels)}")
    out: dict[str, list] = {"optimizer": []}
    for run, label in zip(runs, labels, strict=True):
        columns = table(run)
        out["optimizer"] += [label] * (run.epoch + 1)
        for name, values in columns.items():
            out.setdefault(name, []).extend(np.asarray(values).tolist())
    return out


def search_columns(runs: Sequence, labels: Sequence[str], variables: Sequence[str],
                   symbol: str = "f") -> dict[str, list]:  # fmt: skip
    """Counted runs (``gdviz.trial``: trial and error, gradient descent) in one table, one
    row per (run, recorded point): the method, the move (0 is the start), the position,
    the loss and the evaluations of f and of its gradient spent to reach it."""
    if len(runs) != len(labels):
        raise ValueError(f"search_columns needs a label per run: {len(runs)} runs, {len(labels)}")
    out: dict[str, list] = {"method": [], "move": [], **{str(v): [] for v in variables}}
    out |= {symbol: [], f"evaluations of {symbol}": [], f"evaluations of ∇{symbol}": []}
    for run, label in zip(runs, labels, strict=True):
        n = len(run.points)
        out["method"] += [label] * n
        out["move"] += list(range(n))
        for i, name in enumerate(variables):
            out[str(name)] += np.asarray(run.points)[:, i].tolist()
        out[symbol] += np.asarray(run.losses).tolist()
        out[f"evaluations of {symbol}"] += np.asarray(run.loss_evals).tolist()
        out[f"evaluations of ∇{symbol}"] += np.asarray(run.grad_evals).tolist()
    return out


def _cell(value) -> str:
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        value = float(value)
        return repr(value) if math.isfinite(value) else ("" if math.isnan(value) else str(value))
    return "" if value is None else str(value)


def csv_text(columns: dict) -> str:
    """Columns (name → values, all as long) as CSV text: a header, then one line a row;
    floats written exactly (``repr``), NaN (a step after the last epoch) left empty."""
    names = list(columns)
    lengths = {len(columns[n]) for n in names}
    if len(lengths) > 1:
        raise ValueError(f"csv_text needs columns of one length, got lengths {sorted(lengths)}")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for row in zip(*(columns[n] for n in names), strict=True):
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


# ---- a page that plays offline ----------------------------------------------------------


def needs_full_bundle(figure) -> bool:
    """Whether the figure has traces the basic plotly.js bundle cannot draw (3-D surfaces)."""
    fig = figure if isinstance(figure, dict) else figure_json(figure)
    return any(t.get("type", "scatter") not in BASIC_TRACES for t in fig.get("data", []))


def _own_template(layout: dict) -> dict:
    """The layout with gdviz's template in it as data: a template given by name, or none,
    would be Plotly's default, which importing streamlit makes its grey placeholder."""
    template = layout.get("template")
    if not isinstance(template, dict) or not template.get("layout"):
        layout = {**layout, **plain_template()}
    return layout


def _fitted_size(layout: dict) -> dict:
    """A map that keeps its aspect (``meta.aspect``, which gdviz's chart applies in the
    app) gets the width that holds it, so its colour bar stays beside it."""
    aspect = map_aspect(layout)
    if not aspect or layout.get("width") or not layout.get("height"):
        return layout
    margin = {"l": 80, "r": 80, "t": 100, "b": 80, **(layout.get("margin") or {})}
    meta = layout.get("meta") if isinstance(layout.get("meta"), dict) else {}
    room = meta.get("controls", {}).get("room", 0) if layout.get("sliders") else 0
    plot = layout["height"] - margin["t"] - margin["b"] + room
    return {**layout, "width": int(round(plot * aspect + margin["l"] + margin["r"]))}


#: Pixels the standalone page adds under the plot: the epoch slider gets a row of its own.
SLIDER_ROW = 60


def _page_controls(layout: dict) -> dict:
    """Plotly's animation controls laid out for a page of their own (the app draws its own
    in HTML): ▶ Play and Pause at the left, the speed menu at the right, and the epoch
    slider on a row below them across the whole width, so none covers another on a
    narrow map."""
    if not layout.get("sliders") or not layout.get("height"):
        return layout
    margin = {"l": 80, "r": 80, "t": 100, "b": 80, **(layout.get("margin") or {})}
    margin["b"] += SLIDER_ROW
    height = layout["height"] + SLIDER_ROW
    plot = height - margin["t"] - margin["b"]
    below = -CONTROLS_OFFSET / plot
    menus = []
    for menu in layout.get("updatemenus") or []:
        menu = {**menu, "y": below}
        if menu.get("name") == "speed":
            menu |= {"x": 1.0, "xanchor": "right"}
        menus.append(menu)
    sliders = [{**layout["sliders"][0], "x": 0.0, "len": 1.0, "y": below - 44 / plot}]
    return {**layout, "height": height, "margin": margin, "updatemenus": menus,
            "sliders": sliders + layout["sliders"][1:]}  # fmt: skip


def export_figure(figure) -> dict:
    """The figure as a standalone page draws it: gdviz's template as data, a map's width
    fixed to its aspect, Plotly's own animation controls laid out for the page."""
    fig = figure if isinstance(figure, dict) else figure_json(figure)
    layout = _page_controls(_fitted_size(_own_template(dict(fig.get("layout", {})))))
    return {**fig, "layout": layout}


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="gdviz">
<title>{title}</title>
<style>
  body {{ margin: 16px; font-family: "Open Sans", verdana, arial, sans-serif; color: #2a3f5f; }}
  h1 {{ font-size: 20px; font-weight: 600; margin: 0 0 4px 0; }}
  #gdviz-figure {{ max-width: 100%; }}
  footer {{ font-size: 12px; color: #6b7b93; margin-top: 8px; }}
</style>
<script>{plotly_js}</script>
</head>
<body>
<h1>{heading}</h1>
<div id="gdviz-figure"></div>
<footer>Made with gdviz. Press ▶ Play, or drag the epoch slider. Works offline.</footer>
<script>
(function () {{
  const figure = {figure};
  const gd = document.getElementById("gdviz-figure");
  Plotly.newPlot(gd, figure.data, figure.layout, {{ displaylogo: false, responsive: true }})
    .then(function () {{ return figure.frames ? Plotly.addFrames(gd, figure.frames) : null; }});
}})();
</script>
</body>
</html>
"""


def standalone_html(figure, *, title: str = "", plotly_js: str | None = None) -> str:
    """The figure as one HTML file that plays offline.

    ``plotly_js`` is the plotly.js to put inline: by default plotly's full bundle
    (``plotly.offline.get_plotlyjs()``, 4.8 MB); a scatter-only figure plays the same with
    the 1.2 MB basic bundle of the same version (see :func:`needs_full_bundle`). The file
    loads nothing: no CDN, no fonts, no MathJax.
    """
    fig = export_figure(figure)
    if plotly_js is None:
        import plotly.offline

        plotly_js = plotly.offline.get_plotlyjs()
    text = json.dumps(fig, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    # Inside <script>, "</" could close the element early: a JSON string may hold "\/".
    text = text.replace("</", "<\\/")
    return _PAGE.format(title=escape(title or "gdviz figure"), heading=escape(title),
                        plotly_js=plotly_js, figure=text)  # fmt: skip


# ---- pictures ---------------------------------------------------------------------------


def _renderer(figure, title: str, scale: float) -> Renderer:
    fig = figure if isinstance(figure, dict) else figure_json(figure)
    if not can_render(fig):
        raise ValueError(
            "PNG and GIF pictures are drawn for 2-D charts (curves, maps, fits); this figure "
            "is a 3-D view: export it as HTML instead"
        )
    return Renderer(fig, scale=scale, title=title)


def png_bytes(
    figure, *, frame: int | None = -1, title: str = "", scale: float = PNG_SCALE
) -> bytes:
    """One frame of the figure as a PNG (``frame=-1``: the last, the whole run), at
    ``scale`` pixels per CSS pixel."""
    image = _renderer(figure, title, scale).render(frame)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def gif_frames(count: int, most: int = GIF_FRAMES) -> list[int]:
    """Which of ``count`` frames a GIF shows: all, or ``most`` evenly spread, ends kept."""
    if count <= most:
        return list(range(count))
    return sorted({int(round(v)) for v in np.linspace(0, count - 1, most)})


def _frame_ms(fig: dict, shown: int, count: int) -> int:
    """Milliseconds a GIF frame stays: the figure's own Play speed, for the frames shown."""
    try:
        ms = fig["layout"]["updatemenus"][0]["buttons"][0]["args"][1]["frame"]["duration"]
    except (KeyError, IndexError, TypeError):
        ms = 100
    # GIF delays are counted in hundredths of a second; browsers treat < 20 ms as 100 ms.
    return int(max(20, round(ms * count / max(shown, 1) / 10) * 10))


def _figure_colours(node, found: dict) -> None:
    """Every opaque colour the figure names (traces, markers, legend, template)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("color") and isinstance(value, str):
                found.setdefault(colour(value)[:3], None) if colour(value)[3] == 255 else None
            elif key.endswith("color") and isinstance(value, list):
                for item in value:
                    if isinstance(item, str) and colour(item)[3] == 255:
                        found.setdefault(colour(item)[:3], None)
            elif key not in ("source", "bdata", "frames"):
                _figure_colours(value, found)
    elif isinstance(node, list):
        for item in node[:200]:
            _figure_colours(item, found)


def gif_palette(fig: dict, picture: Image.Image) -> Image.Image:
    """A 256-colour palette for every frame: the figure's own colours exactly (the path,
    the point, the text), Viridis evenly where a field or colour bar is drawn, the rest
    taken from ``picture`` (the last frame)."""
    found: dict = {(255, 255, 255): None}
    _figure_colours({"data": fig.get("data"), "layout": fig.get("layout")}, found)
    fixed = list(found)[:64]
    layout = fig.get("layout", {})
    if layout.get("images") or "colorbar" in json.dumps(fig.get("data", []))[:200_000]:
        fixed += [tuple(int(c) for c in rgb) for rgb in colour_rgb(np.linspace(0, 1, 48))]
    room = CLEAR - len(fixed)  # entries 0..254: colours; 255 is "unchanged" (transparent)
    rest = picture.quantize(colors=max(16, room), method=Image.Quantize.MEDIANCUT)
    adaptive = np.array(rest.getpalette()[: 3 * room]).reshape(-1, 3)
    # Pillow maps a pixel to a palette entry through a coarse cache: an adaptive entry next
    # to an exact colour could take its pixels (white paper turning 252 grey). None stays.
    exact = np.array(fixed)
    near = (np.abs(adaptive[:, None, :] - exact[None, :, :]).max(axis=-1) <= 8).any(axis=1)
    values = [v for rgb in fixed for v in rgb] + adaptive[~near].ravel().tolist()
    values = values[: 3 * CLEAR]
    values += values[:3] * (CLEAR - len(values) // 3)  # unused entries: white again
    palette = Image.new("P", (1, 1))
    palette.putpalette(values)  # 255 entries: no pixel is ever mapped to CLEAR
    return palette


def gif_bytes(
    figure,
    *,
    title: str = "",
    most: int = GIF_FRAMES,
    scale: float = 1.0,
    supersample: int = GIF_SUPERSAMPLE,
) -> bytes:
    """The figure's animation as a looping GIF, one picture per frame (at most ``most``,
    evenly spread), resting on the last; a figure without frames gives a one-frame GIF.

    All frames share one palette: the figure's own colours exactly, the rest from the last
    frame (which holds the whole path), without dithering. After the first, a frame's
    pixels that did not change are written as transparent (the frame before shows
    through), so what a frame stores is mostly one repeated index: a race or a fit, whose
    changes span the whole figure, takes a few hundred kilobytes instead of two megabytes.
    """
    fig = figure if isinstance(figure, dict) else figure_json(figure)
    renderer = _renderer(fig, title, scale * supersample)
    count = renderer.frame_count()
    chosen = gif_frames(count, most) if count else [None]

    def picture(index) -> Image.Image:
        image = renderer.render(index)
        if supersample > 1:
            image = image.reduce(supersample)  # each pixel the mean of its block
        return image

    last = picture(chosen[-1])
    palette = gif_palette(fig, last)
    indexed = [
        np.asarray(
            (last if i == chosen[-1] else picture(i)).quantize(
                palette=palette, dither=Image.Dither.NONE
            )
        )
        for i in chosen
    ]
    colours = palette.getpalette()[: 3 * CLEAR] + [255, 0, 255]
    frames = []
    for k, pixels in enumerate(indexed):
        # Pixels as they were in the frame before are written as "unchanged": GIF frames
        # store one box each, and a box that spans a map and a loss panel compresses
        # mostly to runs of that one index (a race's GIF: about a third of the bytes).
        kept = pixels if k == 0 else np.where(pixels == indexed[k - 1], CLEAR, pixels)
        frame = Image.fromarray(kept.astype(np.uint8), "P")
        frame.putpalette(colours)
        frames.append(frame)
    ms = _frame_ms(fig, len(chosen), count) if count else GIF_HOLD_MS
    durations = [ms] * (len(frames) - 1) + [GIF_HOLD_MS]
    out = io.BytesIO()
    frames[0].save(
        out,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=0,
        disposal=1,
        transparency=CLEAR,
        optimize=False,
    )
    return out.getvalue()
