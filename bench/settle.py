"""How long gdviz takes to settle after a slider key press, next to a bare Streamlit app.

Run from the repo root (needs Debian's /usr/bin/chromium and the project's venv)::

    python bench/settle.py                  # 15 measured presses per app after 2 warm-ups
    python bench/settle.py --runs 30 --pattern walk
    python bench/settle.py --surface        # gdviz on its 2-D page (Himmelblau's contour map)

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
QUIET_MS = 500  # no DOM change for this long after the last one: the page has settled

BENCH = REPO_ROOT / "bench"
BARE_SPEC = {
    "slider": '.st-key-value input[type="range"]',
    "result": '[data-testid="stMain"] [data-testid="stMarkdown"]',
    "ready": '[data-testid="stMain"] [data-testid="stMarkdown"]',
}
# Each app runs in its own working directory, so it reads that folder's .streamlit/config.
APPS = {
    "gdviz": {
        "app": REPO_ROOT / "app.py",
        "cwd": REPO_ROOT,
        "slider": '.st-key-lr input[type="range"]',
        "result": ".st-key-status_banner",
        "ready": ".st-key-descent_chart .gdviz-chart[data-revision]",
    },
    # The bare app with Streamlit's default settings: the baseline.
    "bare": {"app": BENCH / "bare_app.py", "cwd": BENCH, **BARE_SPEC},
    # The same app run with gdviz's .streamlit/config.toml.
    "bare+cfg": {"app": BENCH / "bare_app.py", "cwd": REPO_ROOT, **BARE_SPEC},
    # The bare app plus a 2-point st.plotly_chart: Streamlit's own price for a chart remount.
    "chart": {
        "app": BENCH / "bare_chart_app.py",
        "cwd": BENCH,
        **BARE_SPEC,
        "ready": '[data-testid="stPlotlyChart"] .js-plotly-plot',
    },
}

# In the page: stamp the keydown; stamp the first DOM mutation after which the script is
# idle and the result text differs from what it was when the press was armed ("result");
# and keep stamping every later mutation ("last"): the page has settled once no mutation
# followed the last one for QUIET_MS. gdviz's chart marks each finished redraw on its
# element (data-revision), so a redraw still in progress keeps the page unsettled.
_PROBE_JS = """
(() => {
  const b = window.__settle = {armed: false, t0: null, t1: null, last: null, before: null,
                               sel: null};
  const seen = () => {
    if (!b.armed || b.t0 === null) return;
    const now = performance.now();
    if (b.t1 !== null) { b.last = now; return; }
    const app = document.querySelector('__APP_SEL__');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return;
    const el = document.querySelector(b.sel);
    if (el && el.innerText.trim() !== b.before) b.t1 = b.last = now;
  };
  document.addEventListener('keydown', () => {
    if (b.armed && b.t0 === null) b.t0 = performance.now();
  }, true);
  new MutationObserver(seen).observe(document, {
    subtree: true, childList: true, attributes: true, characterData: true,
  });
})();
""".replace("__APP_SEL__", APP_SEL)


def to_surface(page) -> None:
    """Switch gdviz to 2-D (its default surface) and wait for the contour map."""
    page.locator(".st-key-dimension").get_by_text("2-D", exact=True).click()
    page.wait_for_function(
        """() => {
            const root = document.querySelector('.st-key-descent_chart .gdviz-chart');
            const app = document.querySelector('__APP_SEL__');
            return root && root.dataset.revision && !root.dataset.pending
                && app.getAttribute('data-test-script-state') === 'notRunning'
                && root.querySelector('svg image');
        }""".replace("__APP_SEL__", APP_SEL),
        timeout=60_000,
    )


def open_app(browser, base: str, spec: dict, surface: bool = False):
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
    if surface:
        to_surface(page)
    page.locator(spec["slider"]).focus()
    return page


def press(page, spec: dict, key: str, timeout_ms: float) -> tuple[float, float, float] | None:
    """One timed key press: (in-page ms to the new result, in-page ms until the page has
    settled, wall ms from Python), or None if the app did not settle in time."""
    slider = page.locator(spec["slider"])
    if not slider.evaluate("el => el === document.activeElement"):
        slider.focus()
    before = page.locator(spec["result"]).first.inner_text().strip()
    page.evaluate(
        """([before, sel]) => Object.assign(window.__settle,
            {armed: true, t0: null, t1: null, last: null, before, sel})""",
        [before, spec["result"]],
    )
    start = time.perf_counter()
    page.keyboard.press(key)
    try:
        page.wait_for_function(
            f"""() => {{ const b = window.__settle;
                return b.t1 !== null && performance.now() - b.last > {QUIET_MS}; }}""",
            timeout=timeout_ms,
        )
    except Exception:  # a timeout is reported, not raised
        page.evaluate("window.__settle.armed = false")
        return None
    wall = (time.perf_counter() - start) * 1000 - QUIET_MS
    t0, t1, last = page.evaluate("[window.__settle.t0, window.__settle.t1, window.__settle.last]")
    page.evaluate("window.__settle.armed = false")
    return t1 - t0, last - t0, wall


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="measured presses per app")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured presses first")
    parser.add_argument("--pattern", choices=("alternate", "walk"), default="alternate")
    parser.add_argument("--only", default="", help="comma-separated app names")
    parser.add_argument("--surface", action="store_true", help="gdviz on its 2-D page")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per press")
    args = parser.parse_args(argv)

    apps = {n: spec for n, spec in APPS.items() if not args.only or n in args.only.split(",")}
    if not Path(CHROMIUM).exists():
        print(f"Debian chromium not installed at {CHROMIUM}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    logs = REPO_ROOT / "tests" / "artifacts"
    logs.mkdir(parents=True, exist_ok=True)
    procs: dict[str, subprocess.Popen] = {}
    try:
        bases = {}
        for name, spec in apps.items():
            procs[name], bases[name] = start_streamlit(
                spec["app"], spec["cwd"], logs / f"settle-{name.replace('+', '-')}.log"
            )
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            pages = {
                name: open_app(browser, bases[name], apps[name], args.surface and name == "gdviz")
                for name in apps
            }
            results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in apps}
            misses = dict.fromkeys(apps, 0)
            for i in range(args.warmup + args.runs):
                if args.pattern == "walk":
                    key = "ArrowLeft"
                else:
                    key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"
                for name in apps:
                    got = press(pages[name], apps[name], key, args.timeout * 1000)
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

    page = "2-D page" if args.surface else "default page"
    print(
        f"after one slider key press ({page}, {args.pattern}, {args.runs} runs,"
        f" {args.warmup} warm-ups):"
        f" in-page ms until the page settled (no DOM change for {QUIET_MS} ms after it), and"
        " until the new result first showed"
    )
    medians = {}
    for name in apps:
        if not results[name]:
            print(f"  {name:8s} no press settled ({misses[name]} timed out)")
            continue
        result_ms, settle_ms, wall_ms = (list(col) for col in zip(*results[name], strict=True))
        medians[name] = statistics.median(settle_ms)
        print(
            f"  {name:8s} settled: median {medians[name]:6.1f}  p90 {p90(settle_ms):6.1f}  "
            f"min {min(settle_ms):6.1f}  max {max(settle_ms):6.1f} | result shown: median "
            f"{statistics.median(result_ms):6.1f} | wall median {statistics.median(wall_ms):6.1f}"
            + (f"  ({misses[name]} timed out)" if misses[name] else "")
        )
    for base in ("bare", "bare+cfg"):
        if medians.get(base):
            for name in ("gdviz", "chart"):
                if name in medians:
                    ratio = medians[name] / medians[base]
                    print(f"  ratio {name}/{base} (settled, medians): {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
