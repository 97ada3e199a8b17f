"""Benchmark of the maps: time to first view (compute + figure + to_json) and peak memory.

Run from the repo root::

    python bench/maps.py [--quick]

Basin maps (plain GD, 500 epochs) on Himmelblau (η 0.01), Rastrigin (η 0.002) and two
wells (η 0.02) at 256² and 512²; the η × β map (momentum, parabola from x = 3) and the
η × x₀ map (double well), 200², 500 epochs. Each row: the map's compute time, of which
descend_batch's share, the figure and its JSON, their sum (the time to first view), the
JSON's size and the peak memory Python allocated meanwhile (tracemalloc, which slows the
run, so it is a separate pass). Warm: each function is compiled before timing.
``--quick`` skips the 512² maps.

No assertions: speed is measured, not tested.
"""

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import gdviz.maps  # noqa: E402
from gdviz.figures.maps import basin_figure, param_map_figure  # noqa: E402
from gdviz.maps import basin_map, lr_momentum_map, lr_start_map  # noqa: E402

EPOCHS = 500
BASINS = (("himmelblau", 0.01), ("rastrigin", 0.002), ("two_wells", 0.02))


class _BatchClock:
    """Time spent inside descend_batch while it is installed in gdviz.maps."""

    def __init__(self):
        self.seconds = 0.0
        self._inner = gdviz.maps.descend_batch

    def __enter__(self):
        def timed(*args, **kwargs):
            t = time.perf_counter()
            try:
                return self._inner(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - t

        gdviz.maps.descend_batch = timed
        return self

    def __exit__(self, *exc):
        gdviz.maps.descend_batch = self._inner


def cases(quick: bool):
    for size in (256,) if quick else (256, 512):
        for slug, lr in BASINS:
            yield (
                f"basin {slug} η={lr} {size}²",
                lambda slug=slug, lr=lr, size=size: basin_map(
                    slug, lr=lr, epochs=EPOCHS, resolution=size
                ),
                basin_figure,
            )
    yield (
        "η × β momentum, parabola 200²",
        lambda: lr_momentum_map("parabola", (3.0,), epochs=EPOCHS, resolution=200),
        lambda m: param_map_figure(m, (0.1, 0.9)),
    )
    yield (
        "η × x₀ gd, double well 200²",
        lambda: lr_start_map("double_well", epochs=EPOCHS, resolution=200),
        lambda m: param_map_figure(m, (0.02, 1.8)),
    )


def measure(compute, draw):
    with _BatchClock() as clock:
        t0 = time.perf_counter()
        result = compute()
        t1 = time.perf_counter()
    text = draw(result).to_json()
    t2 = time.perf_counter()
    return t1 - t0, clock.seconds, t2 - t1, len(text)


def peak(compute, draw) -> float:
    tracemalloc.start()
    draw(compute()).to_json()
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top / 2**20


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the 512² maps")
    args = parser.parse_args(argv)
    for slug, lr in BASINS:  # compile f, ∇f, ∇²f once
        basin_figure(basin_map(slug, lr=lr, epochs=5, resolution=4))
    lr_momentum_map("parabola", (3.0,), epochs=5, resolution=4)
    lr_start_map("double_well", epochs=5, resolution=4)
    print(f"{'map':<38} {'compute':>8} {'batch':>7} {'figure':>7} {'first view':>10} "
          f"{'JSON':>8} {'peak':>8}")  # fmt: skip
    for name, compute, draw in cases(args.quick):
        spent, batch, drawing, size = measure(compute, draw)
        top = peak(compute, draw)
        print(
            f"{name:<38} {spent:7.2f}s {batch:6.2f}s {drawing:6.3f}s {spent + drawing:9.2f}s "
            f"{size / 1024:6.0f} kB {top:5.0f} MB"
        )


if __name__ == "__main__":
    main()
