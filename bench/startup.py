"""How long gdviz takes to open: ``import gdviz``, and a fresh server's first chart.

Run from the repo root (needs Debian's /usr/bin/chromium and the project's venv)::

    python bench/startup.py                   # 15 imports; 5 first charts fresh + 5 warm
    python bench/startup.py --baseline e00dce2  # the same for that commit, side by side
    python bench/startup.py --imports 30 --charts 0
    python bench/startup.py --imports 0 --charts 8 --only warm

**Imports.** Each repetition starts fresh Python processes, in turn: one imports gdviz's
libraries (numpy, sympy, plotly.graph_objects, plotly.io, contourpy, PIL), the other
imports gdviz (which imports them too), each timed inside the process. gdviz's own cost
is the difference of the medians (target: at most 0.3 s).

**First chart.** Each repetition copies the app's files (what ``git ls-files`` lists,
plus untracked files git does not ignore) into a temporary folder, starts
``streamlit run app.py`` there and opens the page in a new headless Chromium context
(empty browser cache) as soon as ``/_stcore/health`` answers. The time runs from the
server's start until the descent chart (``.gdviz-chart``) has ``data-revision`` >= 1,
i.e. plotly.js has drawn the first figure (target: 3 s). "fresh" is a new copy for every
repetition, as in a fresh clone: no ``__pycache__``, and ``static/`` only as committed
(older commits had none: ui/charts.py copied plotly.js there on first use). "warm"
reuses one copy after an unmeasured first run. Every repetition starts its own server.
``--baseline REV`` measures commit REV's files the same way, in turn with the working
tree's.

The page's own timings (``performance.now()``, ms since the page request) break the
part after the request down: the HTML, Streamlit's JS bundle, the script run starting
and the chart element arriving (both seen in the DOM), plotly.js downloaded and
executed, and the chart drawn. Sizes show whether plotly.js came compressed.

This is a benchmark, not a test: it prints numbers and asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.e2e import harness  # noqa: E402

LIBRARIES = "numpy, sympy, plotly.graph_objects, plotly.io, contourpy, PIL"
_TIMED_IMPORT = "import time; t = time.perf_counter(); import {}; print(time.perf_counter() - t)"
CHART_SEL = ".st-key-descent_chart .gdviz-chart"
TIMEOUT_S = 90.0

# In the page, from the first script on: stamp when the app's script first runs, when the
# chart element first appears, when a script from static/ (plotly.js) has executed, and
# when the chart first has a revision (drawn).
_PROBE_JS = """
(() => {
  const s = window.__startup = {running: null, element: null, plotly: null, drawn: null};
  const now = () => performance.now();
  document.addEventListener('load', (e) => {
    if (s.plotly === null && e.target.tagName === 'SCRIPT' && /static\\/plotly/.test(e.target.src))
      s.plotly = now();
  }, true);
  new MutationObserver(() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (s.running === null && app && app.getAttribute('data-test-script-state') === 'running')
      s.running = now();
    const chart = document.querySelector('__CHART__');
    if (s.element === null && chart) s.element = now();
    if (s.drawn === null && chart && Number(chart.dataset.revision) >= 1) s.drawn = now();
  }).observe(document, {subtree: true, childList: true, attributes: true});
})();
""".replace("__CHART__", CHART_SEL)

# Read after the chart is drawn: navigation and resource timings, ms since the request.
_TIMINGS_JS = """
() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  const bundle = res.filter((r) => /\\/static\\/js\\/index\\.[^/]*\\.js$/.test(r.name));
  const plotly = res.find((r) => /static\\/plotly[^/]*\\.js/.test(r.name));
  return {
    html: nav.responseEnd,
    bundle: bundle.length ? Math.max(...bundle.map((r) => r.responseEnd)) : null,
    dcl: nav.domContentLoadedEventEnd,
    plotly_start: plotly ? plotly.startTime : null,
    plotly_end: plotly ? plotly.responseEnd : null,
    plotly_encoded: plotly ? plotly.encodedBodySize : null,
    plotly_decoded: plotly ? plotly.decodedBodySize : null,
    ...window.__startup,
  };
}
"""


def median(values) -> float:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


# ---- the app as a fresh clone has it ------------------------------------------------------


def export_tree(target: Path, rev: str | None = None) -> Path:
    """The app's files as git has them (no __pycache__, nothing made at run time): the
    working tree's (what git tracks, plus untracked files it does not ignore), or commit
    ``rev``'s."""
    target.mkdir(parents=True)
    if rev:
        archive = subprocess.run(
            ["git", "archive", rev], cwd=REPO_ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
        return target
    return harness.copy_app(target)


# ---- imports -----------------------------------------------------------------------------


def timed_import(modules: str, cwd: Path) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _TIMED_IMPORT.format(modules)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def bench_imports(runs: int, trees: dict[str, Path]) -> None:
    for tree in trees.values():
        timed_import("gdviz", tree)  # unmeasured: writes the bytecode
    times = {"libraries": [], **{label: [] for label in trees}}
    for _ in range(runs):  # in turn, so all see the same machine load
        times["libraries"].append(timed_import(LIBRARIES, REPO_ROOT))
        for label, tree in trees.items():
            times[label].append(timed_import("gdviz", tree))
    medians = {label: median(values) for label, values in times.items()}
    print(f"import, fresh processes, median of {runs} (min-max):")
    print(
        f"  libraries alone ({LIBRARIES}): {medians['libraries']:.3f} s", spread(times["libraries"])
    )
    for label in trees:
        own = medians[label] - medians["libraries"]
        print(
            f"  import gdviz, {label}: {medians[label]:.3f} s {spread(times[label])};"
            f" gdviz's own share {own:.3f} s (target <= 0.300)"
        )


def spread(values) -> str:
    return f"({min(values):.3f}-{max(values):.3f})"


# ---- first chart -------------------------------------------------------------------------


def start_server(app_dir: Path, log) -> tuple[subprocess.Popen, str]:
    port = harness.free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true", "--server.address", "127.0.0.1",
        "--server.port", str(port), "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=app_dir, stdout=log, stderr=subprocess.STDOUT)
    return proc, f"http://127.0.0.1:{port}"


def wait_healthy(proc: subprocess.Popen, base: str) -> None:
    # Polled every 20 ms (the test harness polls every 200 ms): this time is measured.
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.02)
    raise RuntimeError("streamlit not healthy in time")


def first_chart(browser, app_dir: Path, log_path: Path) -> dict:
    """Start a server in ``app_dir``, open its page, time it until the chart is drawn."""
    context = browser.new_context(viewport=harness.VIEWPORT)
    context.add_init_script(_PROBE_JS)
    page = context.new_page()
    with open(log_path, "w") as log:
        start = time.perf_counter()
        proc, base = start_server(app_dir, log)
        try:
            wait_healthy(proc, base)
            healthy = time.perf_counter()
            page.goto(base, wait_until="commit")
            page.wait_for_function(
                f"""() => {{ const c = document.querySelector('{CHART_SEL}');
                    return c && Number(c.dataset.revision) >= 1; }}""",
                timeout=TIMEOUT_S * 1000,
                polling=10,
            )
            drawn = time.perf_counter()
            timings = page.evaluate(_TIMINGS_JS)
        finally:
            harness.stop_streamlit(proc)
            context.close()
    sizes = {k: timings.pop(k) for k in ("plotly_encoded", "plotly_decoded")}
    in_page = {k: None if ms is None else ms / 1000 for k, ms in timings.items()}
    return {
        "total": drawn - start,
        "server": healthy - start,
        "after_request": drawn - healthy,
        **in_page,
        **sizes,
    }


def report(label: str, runs: list[dict]) -> None:
    m = {k: median([r[k] for r in runs]) for k in runs[0]}
    totals = [r["total"] for r in runs]
    print(
        f"  {label}: first chart {m['total']:.2f} s after the server's start"
        f" ({min(totals):.2f}-{max(totals):.2f}); server healthy {m['server']:.2f} s;"
        f" after the page request {m['after_request']:.2f} s"
    )
    print(
        "    in the page, s since the request (medians): "
        f"HTML {m['html']:.2f}, JS bundle {m['bundle']:.2f}, DOMContentLoaded {m['dcl']:.2f}, "
        f"script running {m['running']:.2f}, chart element {m['element']:.2f}, "
        f"plotly.js requested {m['plotly_start']:.2f} / downloaded {m['plotly_end']:.2f} / "
        f"executed {m['plotly']:.2f}, chart drawn {m['drawn']:.2f}"
    )
    size = runs[0]["plotly_decoded"]
    if size:
        print(
            f"    plotly.js {size / 1e6:.2f} MB, sent as {runs[0]['plotly_encoded'] / 1e6:.2f} MB"
        )


def bench_charts(runs: int, kinds: list[str], revs: dict[str, str | None], tmp: Path) -> None:
    from playwright.sync_api import sync_playwright

    logs = REPO_ROOT / "tests" / "artifacts"
    logs.mkdir(parents=True, exist_ok=True)
    cases = [(label, kind) for label in revs for kind in kinds]
    results: dict[tuple[str, str], list[dict]] = {case: [] for case in cases}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=harness.CHROMIUM, args=harness.CHROMIUM_ARGS)
        warm = {}
        for n, (label, rev) in enumerate(revs.items()):
            if "warm" in kinds:  # an unmeasured first run (bytecode; static/ if not committed)
                warm[label] = export_tree(tmp / f"warm{n}", rev)
                first_chart(browser, warm[label], logs / "startup-warm.log")
        for i in range(runs):  # in turn, so all see the same machine load
            for n, (label, kind) in enumerate(cases):
                if kind == "warm":
                    app_dir = warm[label]
                else:
                    app_dir = export_tree(tmp / f"fresh{n}-{i}", revs[label])
                log = logs / f"startup-{kind}.log"
                results[label, kind].append(first_chart(browser, app_dir, log))
        browser.close()
    print(f"first chart, a new server per run, median of {runs} (min-max), target <= 3 s:")
    kinds_said = {"fresh": "fresh clone (no bytecode)", "warm": "warm (after a first run)"}
    for label, kind in cases:
        report(f"{label}, {kinds_said[kind]}", results[label, kind])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--imports", type=int, default=15, help="import runs (0: skip)")
    parser.add_argument("--charts", type=int, default=5, help="first charts per case (0: skip)")
    parser.add_argument("--only", default="fresh,warm", help="fresh, warm or both")
    parser.add_argument("--baseline", default="", help="also measure this commit, side by side")
    args = parser.parse_args(argv)
    revs = {"working tree": None} | ({args.baseline: args.baseline} if args.baseline else {})
    if args.charts and not Path(harness.CHROMIUM).exists():
        print(f"Debian chromium not installed at {harness.CHROMIUM}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        if args.imports:
            trees = {label: export_tree(Path(tmp) / f"imports{n}", rev)
                     for n, (label, rev) in enumerate(revs.items())}  # fmt: skip
            bench_imports(args.imports, trees)
        if args.charts:
            kinds = [k for k in ("fresh", "warm") if k in args.only.split(",")]
            bench_charts(args.charts, kinds, revs, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
