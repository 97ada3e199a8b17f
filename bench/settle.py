"""How long gdviz takes to settle after a slider key press, next to a bare Streamlit app.

Run from the repo root (needs Debian's /usr/bin/chromium and the project's venv)::

    python bench/settle.py                  # 15 measured presses per app after 2 warm-ups
    python bench/settle.py --runs 30 --pattern walk

It starts three Streamlit servers side by side: gdviz's ``app.py``; ``bench/bare_app.py``
(one slider and one line of text); and ``bench/bare_chart_app.py`` (the same plus a
2-point Plotly chart, to show what a chart remount alone costs). It opens each in headless
Chromium, and for each measured press focuses the slider (gdviz: ``lr``; the others:
``value``), presses an arrow key and times how long it takes until the app's script
state is ``notRunning`` again AND the visible result has changed (gdviz: the status
banner's text; the others: the "value is" line).

The time is taken inside the page (``performance.now()`` at the keydown event and when a
DOM mutation first makes both conditions true), so Playwright's round trips do not count;
the wall time seen from Python is printed too. The two apps are measured in turn, press by
press, so both see the same machine load.

``--pattern alternate`` (default) presses ArrowRight, ArrowLeft, ArrowRight, ...: after the
warm-ups both values are in gdviz's caches, so this times a cached rerun (script, figure
serialisation, transfer, rendering). ``--pattern walk`` presses ArrowLeft every time, so
every gdviz run computes a learning rate it has not seen.

This is a benchmark, not a test: it prints numbers and asserts nothing.
"""

from __future__ import annotations

import argparse
import math
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.e2e.harness import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    start_streamlit,
    stop_streamlit,
)

APP_SEL = '[data-testid="stApp"]'

APPS = {
    "gdviz": {
        "app": REPO_ROOT / "app.py",
        "slider": '.st-key-lr input[type="range"]',
        "result": ".st-key-status_banner",
        "ready": '.st-key-descent_chart [data-testid="stPlotlyChart"] .js-plotly-plot',
    },
    "bare": {
        "app": REPO_ROOT / "bench" / "bare_app.py",
        "slider": '.st-key-value input[type="range"]',
        "result": '[data-testid="stMain"] [data-testid="stMarkdown"]',
        "ready": '[data-testid="stMain"] [data-testid="stMarkdown"]',
    },
    # The bare app plus a 2-point Plotly chart: Streamlit's own price for a chart remount.
    "chart": {
        "app": REPO_ROOT / "bench" / "bare_chart_app.py",
        "slider": '.st-key-value input[type="range"]',
        "result": '[data-testid="stMain"] [data-testid="stMarkdown"]',
        "ready": '[data-testid="stPlotlyChart"] .js-plotly-plot',
    },
}

# In the page: stamp the keydown, then stamp the first DOM mutation after which the script
# is idle and the result text differs from what it was when the press was armed.
_PROBE_JS = """
(() => {
  const b = window.__settle = {armed: false, t0: null, t1: null, before: null, sel: null};
  const done = () => {
    if (!b.armed || b.t0 === null || b.t1 !== null) return;
    const app = document.querySelector('__APP_SEL__');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return;
    const el = document.querySelector(b.sel);
    if (el && el.innerText.trim() !== b.before) b.t1 = performance.now();
  };
  document.addEventListener('keydown', () => {
    if (b.armed && b.t0 === null) b.t0 = performance.now();
  }, true);
  new MutationObserver(done).observe(document, {
    subtree: true, childList: true, attributes: true, characterData: true,
  });
})();
""".replace("__APP_SEL__", APP_SEL)


def open_app(browser, base: str, spec: dict):
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(_PROBE_JS)
    page = context.new_page()
    page.goto(base, wait_until="domcontentloaded")
    page.wait_for_function(
        """([app, ready]) => {
            const a = document.querySelector(app);
            return a && a.getAttribute('data-test-script-state') === 'notRunning'
                && document.querySelector(ready);
        }""",
        arg=[APP_SEL, spec["ready"]],
        timeout=60_000,
    )
    page.locator(spec["slider"]).focus()
    return page


def press(page, spec: dict, key: str, timeout_ms: float) -> tuple[float, float] | None:
    """One timed key press: (in-page ms, wall ms), or None if the app did not settle."""
    slider = page.locator(spec["slider"])
    if not slider.evaluate("el => el === document.activeElement"):
        slider.focus()
    before = page.locator(spec["result"]).first.inner_text().strip()
    page.evaluate(
        """([before, sel]) => Object.assign(window.__settle,
            {armed: true, t0: null, t1: null, before, sel})""",
        [before, spec["result"]],
    )
    start = time.perf_counter()
    page.keyboard.press(key)
    try:
        page.wait_for_function("window.__settle.t1 !== null", timeout=timeout_ms)
    except Exception:  # a timeout is reported, not raised
        page.evaluate("window.__settle.armed = false")
        return None
    wall = (time.perf_counter() - start) * 1000
    t0, t1 = page.evaluate("[window.__settle.t0, window.__settle.t1]")
    page.evaluate("window.__settle.armed = false")
    return t1 - t0, wall


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="measured presses per app")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured presses first")
    parser.add_argument("--pattern", choices=("alternate", "walk"), default="alternate")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per press")
    args = parser.parse_args(argv)

    if not Path(CHROMIUM).exists():
        print(f"Debian chromium not installed at {CHROMIUM}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    logs = REPO_ROOT / "tests" / "artifacts"
    logs.mkdir(parents=True, exist_ok=True)
    procs: dict[str, subprocess.Popen] = {}
    try:
        bases = {}
        for name, spec in APPS.items():
            procs[name], bases[name] = start_streamlit(
                spec["app"], REPO_ROOT, logs / f"settle-{name}.log"
            )
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            pages = {name: open_app(browser, bases[name], APPS[name]) for name in APPS}
            results: dict[str, list[tuple[float, float]]] = {name: [] for name in APPS}
            misses = dict.fromkeys(APPS, 0)
            for i in range(args.warmup + args.runs):
                if args.pattern == "walk":
                    key = "ArrowLeft"
                else:
                    key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"
                for name in APPS:
                    got = press(pages[name], APPS[name], key, args.timeout * 1000)
                    if i < args.warmup:
                        continue
                    if got is None:
                        misses[name] += 1
                    else:
                        results[name].append(got)
            browser.close()
    finally:
        for proc in procs.values():
            stop_streamlit(proc)

    print(
        f"settle time after one slider key press ({args.pattern}, {args.runs} runs, "
        f"{args.warmup} warm-ups; in-page ms, wall ms from Python in brackets)"
    )
    medians = {}
    for name in APPS:
        page_ms = [r[0] for r in results[name]]
        wall_ms = [r[1] for r in results[name]]
        if not page_ms:
            print(f"  {name:6s} no press settled ({misses[name]} timed out)")
            continue
        medians[name] = statistics.median(page_ms)
        print(
            f"  {name:6s} median {medians[name]:7.1f} ms  p90 {p90(page_ms):7.1f} ms  "
            f"[wall median {statistics.median(wall_ms):7.1f}  p90 {p90(wall_ms):7.1f}]  "
            f"min {min(page_ms):.1f}  max {max(page_ms):.1f}"
            + (f"  ({misses[name]} timed out)" if misses[name] else "")
        )
    if medians.get("bare"):
        for name in ("gdviz", "chart"):
            if name in medians:
                print(f"  ratio {name}/bare (medians): {medians[name] / medians['bare']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
