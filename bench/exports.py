"""Benchmark of the exports: bytes and seconds of each file for a 100-epoch descent.

Run from the repo root::

    python bench/exports.py [--repeat 3]

Runs that use all 100 epochs (so 100 frames): the parabola from x = 3 at η = 0.01 (1-D)
and Rosenbrock from (−1.5, 2) at η = 0.002 (2-D), plus a 60-frame race and a fit. Each
row: the CSV, the standalone HTML (basic plotly.js inline) and its time, the PNG (last
frame, 2× scale) and the GIF (every frame) with their sizes and times, medians of
``--repeat`` runs. Figures are built once, before timing.

No assertions: speed is measured, not tested.
"""

import argparse
import io
import statistics
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import plotly.offline  # noqa: E402
from PIL import Image  # noqa: E402

import gdviz  # noqa: E402
from gdviz import export  # noqa: E402
from gdviz.explain import table  # noqa: E402
from gdviz.race import Racer, race  # noqa: E402

BASIC = ROOT / "ui" / "vendor" / f"plotly-basic-{plotly.offline.get_plotlyjs_version()}.min.js"


def cases():
    parabola = gdviz.descend("parabola", 3.0, lr=0.01, epochs=100, tol=0)
    rosenbrock = gdviz.descend("rosenbrock", (-1.5, 2.0), lr=0.002, epochs=100, tol=0)
    racers = [Racer("gd", 0.002, {}), Racer("momentum", 0.001, {}), Racer("adam", 0.05, {})]
    runs = race(gdviz.OBJECTIVES["rosenbrock"], (-1.5, 2.0), racers, epochs=100, tol=0)
    fit = gdviz.fit(gdviz.DATASETS["four_points"], (0.0, 0.0), lr=0.05, epochs=100)
    return [
        ("descent, parabola (1-D)", gdviz.descent_figure(parabola), table(parabola)),
        ("descent, Rosenbrock (2-D)", gdviz.descent_figure(rosenbrock), table(rosenbrock)),
        ("race of 3, Rosenbrock", gdviz.race_figure(runs, ["GD", "Momentum", "Adam"]),
         export.race_columns(runs, ["GD", "Momentum", "Adam"])),
        ("fit, four points", gdviz.fit_figure(fit), table(fit)),
    ]  # fmt: skip


def timed(make, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = make()
        times.append(time.perf_counter() - start)
    return out, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    js = BASIC.read_text() if BASIC.is_file() else None
    print("| figure | frames | CSV KB | HTML KB | HTML s | PNG KB | PNG s | GIF KB | GIF frames "
          "| GIF s |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, figure, columns in cases():
        csv, _ = timed(partial(export.csv_text, columns), repeat)
        html, html_s = timed(partial(export.standalone_html, figure, plotly_js=js), repeat)
        png, png_s = timed(partial(export.png_bytes, figure, title=name), repeat)
        gif, gif_s = timed(partial(export.gif_bytes, figure, title=name), repeat)
        frames = Image.open(io.BytesIO(gif)).n_frames
        print(
            f"| {name} | {len(figure.frames)} | {len(csv) / 1e3:.1f} | {len(html) / 1e3:.0f} "
            f"| {html_s:.3f} | {len(png) / 1e3:.0f} | {png_s:.2f} | {len(gif) / 1e3:.0f} "
            f"| {frames} | {gif_s:.2f} |"
        )


if __name__ == "__main__":
    main()
