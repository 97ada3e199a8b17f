"""Benchmarks of the core and the app's rerun: numbers to compare later work against.

Run: python bench/core.py
Prints µs per descent step, figure build/serialize time and JSON size, and the
app's rerun time through AppTest. No assertions: speed is measured, not tested.
"""

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import plotly.io as pio  # noqa: E402

import gdviz  # noqa: E402
from gdviz import OBJECTIVES, descend  # noqa: E402

SLUGS = ("parabola", "wavy", "bowl", "rosenbrock", "himmelblau", "goldstein_price", "rastrigin")


def best_of(fn, repeat=7):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), result


def main():
    print(f"{'objective':16s} {'µs/step':>8s} {'build ms':>9s} {'json ms':>8s} {'JSON KB':>8s}")
    for slug in SLUGS:
        obj = OBJECTIVES[slug]
        gdviz.sample_field(obj) if obj.dim == 2 else None  # cached per objective

        def run(obj=obj, slug=slug):
            return descend(slug, obj.start, lr=obj.lr, epochs=1000, tol=0)

        best, _, traj = best_of(run)
        build, _, fig = best_of(lambda traj=traj: gdviz.descent_figure(traj))
        dump, _, text = best_of(lambda fig=fig: pio.to_json(fig.to_dict(), validate=False))
        print(
            f"{slug:16s} {best / traj.epoch * 1e6:8.1f} {build * 1e3:9.1f} "
            f"{dump * 1e3:8.1f} {len(text) / 1e3:8.0f}"
        )

    field, _, _ = best_of(lambda: gdviz.field.sample_field.__wrapped__(OBJECTIVES["rastrigin"]), 3)
    print(f"\nfield raster + iso-lines (rastrigin, uncached): {field * 1e3:.0f} ms")

    from streamlit.testing.v1 import AppTest

    start = time.perf_counter()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    cold = time.perf_counter() - start
    same, lrs = [], [0.05, 0.06, 0.07, 0.08, 0.09, 0.12, 0.15, 0.18, 0.2]
    new = []
    for lr in lrs:
        start = time.perf_counter()
        at.select_slider(key="lr").set_value(lr).run()
        new.append(time.perf_counter() - start)
        start = time.perf_counter()
        at.run()
        same.append(time.perf_counter() - start)
    at.radio(key="dimension").set_value("2-D").run()
    new_2d = []
    for lr in [0.005, 0.006, 0.007, 0.008, 0.009, 0.012, 0.015]:
        start = time.perf_counter()
        at.select_slider(key="lr").set_value(lr).run()
        new_2d.append(time.perf_counter() - start)
    print(f"\nAppTest: cold first run {cold:.2f} s")
    print(f"AppTest rerun, new lr (1-D parabola): median {statistics.median(new) * 1e3:.0f} ms")
    print(
        f"AppTest rerun, new lr (2-D himmelblau): median {statistics.median(new_2d) * 1e3:.0f} ms"
    )
    print(f"AppTest rerun, same settings (cached): median {statistics.median(same) * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
