"""A class at once: one gdviz server, many browser sessions opening the same shared link.

Run from the repo root (needs Debian's /usr/bin/chromium and the project's venv)::

    python bench/load.py          # one session alone, 30 at once, then the same without browsers
    python bench/load.py --sessions 45 --steps 5 --browsers 3
    python bench/load.py --url '/?fn=himmelblau&lr=0.01' --alone 0 --bare 0

It starts one ``streamlit run app.py`` on 127.0.0.1 (a free port, the flags of the browser
tests) and, in headless Chromium (one browser process, a context per session, unless
``--browsers`` says more), has every session do what a student given the link does:

1. open ``--url`` (default: a shared link to the descent page) and wait for a settled
   page: the app's script ``notRunning``, no stale element, gdviz's chart drawn and not
   updating, and all of that for 200 ms;
2. ``--steps`` times: focus the "Learning rate η (log scale)" slider, press ArrowRight
   (``--key``) and wait for the page to settle again, after a rerun (the script ran, or
   the chart was redrawn);
3. press the chart's Play and wait until it has moved three frames (or stopped playing).

Times are taken in the page (``performance.now()``): first load from the navigation's
start, a step from the keydown, each until the moment the page became settled (the 200 ms
of quiet not counted); "run done" is when the first script run had ended (the server's
work and the transfer, before the chart is drawn). The sessions alone first (``--alone``,
default one), then ``--sessions`` at once (``--ramp`` spreads their starts over that many
seconds).

Then the server's share alone, without browsers (``--bare``, default 30; 0 skips): one new
session over Streamlit's websocket asks for the link's page and is timed until its script
run has sent its last message, alone, then ``--bare`` at once. With browsers on the same
machine, their rendering takes most of the CPU (the table shows the server's CPU beside
the machine's); a class's browsers run on their own laptops.

Errors, which should be none: uncaught exceptions in a page, console errors, Streamlit's
exception boxes (``[data-testid="stException"]``; without a browser, exception elements
and failed runs), gdviz's chart error line, and waits that time out (``--wait`` seconds
each; the whole run stops after ``--timeout``). The server's memory is its resident set
(VmRSS in /proc, with any child processes) sampled every 100 ms: the peak is printed
beside Community Cloud's roughly 1 GB.

Everything runs on this machine, on the loopback interface only.

This is a benchmark, not a test: it prints numbers and asserts nothing (exit status 1 if
there were errors, so scripts can tell).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.e2e.harness import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    start_streamlit,
    stop_streamlit,
)

SHARED_LINK = "/?fn=rosenbrock&lr=0.0015&x0=-1.2&y0=1&epochs=300"
LR_SLIDER = "Learning rate η (log scale)"
CHART_ROOT = ".st-key-descent_chart .gdviz-chart"
VIEWPORT = {"width": 1280, "height": 900}  # a laptop's window
QUIET_MS = 200
MEMORY_LIMIT_MB = 1024  # Community Cloud's memory, roughly (see README)

# Before any page script: count the app's runs, remember the last keydown.
_INIT_JS = """
(() => {
  window.__stRuns = 0;
  new MutationObserver((records) => {
    for (const r of records)
      if (r.target.getAttribute('data-test-script-state') === 'running') window.__stRuns += 1;
  }).observe(document, {subtree: true, attributes: true,
                        attributeFilter: ['data-test-script-state']});
  document.addEventListener('keydown', () => { window.__keyAt = performance.now(); }, true);
  // The first run's end with the chart's element in the page: the server's part of a first
  // load (script, messages) done; drawing the chart is the browser's.
  new MutationObserver(() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (window.__scriptDone === undefined && window.__stRuns > 0 && app
        && app.getAttribute('data-test-script-state') === 'notRunning'
        && document.querySelector('.st-key-descent_chart'))
      window.__scriptDone = performance.now();
  }).observe(document, {subtree: true, childList: true, attributes: true});
})();
"""

# Settled: the script idle, nothing stale, the chart drawn and not updating; after a step
# also a sign that the step's rerun happened (a run started, or the chart's revision
# moved). window.__idleSince keeps when that first became (and stayed) true.
_SETTLED_JS = """
([chartRoot, runsBefore, revisionBefore, quietMs]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const chart = document.querySelector(chartRoot);
  const revision = chart ? Number(chart.dataset.revision || 0) : 0;
  const idle = !!app && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-stale="true"]')
    && !!chart && revision >= 1 && !chart.hasAttribute('data-pending')
    && !!chart.querySelector('.js-plotly-plot')
    && (runsBefore === null
        || (window.__stRuns || 0) > runsBefore || revision > revisionBefore);
  if (!idle) { window.__idleSince = null; return false; }
  window.__idleSince ??= performance.now();
  return performance.now() - window.__idleSince >= quietMs;
}
"""

_PAGE_STATE_JS = """
(chartRoot) => {
  const chart = document.querySelector(chartRoot);
  const error = document.querySelector(chartRoot + ' .gdviz-error');
  return {
    runs: window.__stRuns || 0,
    revision: chart ? Number(chart.dataset.revision || 0) : 0,
    frame: chart ? Number(chart.dataset.frame || 0) : 0,
    frames: chart ? Number(chart.dataset.frames || 0) : 0,
    exceptions: Array.from(document.querySelectorAll('[data-testid="stException"]'))
      .map((e) => e.innerText.slice(0, 300)),
    chartError: error && !error.hidden ? error.textContent.slice(0, 300) : null,
  };
}
"""


@dataclass
class Session:
    first: float | None = None  # s from the navigation's start to a settled page
    script: float | None = None  # s from the navigation's start to the first run's end
    steps: list[float] = field(default_factory=list)  # s from each keydown to settled
    played: bool = False
    errors: list[str] = field(default_factory=list)


# ---- the server's memory -----------------------------------------------------------------


def rss_kb(pid: int) -> int:
    """Resident set of ``pid`` and its descendants, kB (0 once it has gone)."""
    total = 0
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        for task in Path(f"/proc/{pid}/task").iterdir():
            children = (task / "children").read_text().split()
            total += sum(rss_kb(int(child)) for child in children)
    except (OSError, ValueError):
        pass
    return total


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    """CPU time (user + system) ``pid`` has used, s."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime


def machine_busy_s() -> float:
    """CPU time every core of the machine has spent busy (not idle or waiting), s."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / _TICK


class Usage:
    """What one phase cost: wall time, the server's CPU, the whole machine's CPU."""

    def __init__(self, pid: int):
        self.pid = pid
        self.start = (time.perf_counter(), cpu_s(pid), machine_busy_s())

    def done(self) -> dict:
        wall, server, machine = (
            now - then
            for now, then in zip(
                (time.perf_counter(), cpu_s(self.pid), machine_busy_s()), self.start, strict=True
            )
        )
        return {"wall_s": wall, "server_cpu_s": server, "machine_cpu_s": machine}


class MemorySampler(threading.Thread):
    """Samples ``rss_kb(pid)`` every ``interval`` s; ``peak_mb`` since the last ``reset``."""

    def __init__(self, pid: int, interval: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak = 0
        self.last = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.last = rss_kb(self.pid)
            self.peak = max(self.peak, self.last)
            self._done.wait(self.interval)

    def reset(self) -> None:
        self.peak = self.last = rss_kb(self.pid)

    def stop(self) -> None:
        self._done.set()
        self.join()

    @property
    def peak_mb(self) -> float:
        return self.peak / 1024

    @property
    def last_mb(self) -> float:
        return self.last / 1024


# ---- one session -------------------------------------------------------------------------


async def wait_settled(page, wait_s: float, runs=None, revision=0) -> float:
    """Wait for a settled page; return when it became settled, in the page's ms."""
    await page.evaluate("window.__idleSince = null")
    await page.wait_for_function(
        _SETTLED_JS, arg=[CHART_ROOT, runs, revision, QUIET_MS], polling=50, timeout=wait_s * 1e3
    )
    return await page.evaluate("window.__idleSince")


async def run_session(browser, base: str, args, session: Session) -> None:
    context = await browser.new_context(viewport=VIEWPORT)
    await context.add_init_script(_INIT_JS)
    page = await context.new_page()
    page.on("pageerror", lambda exc: session.errors.append(f"page error: {exc}"))
    page.on(
        "console",
        lambda msg: msg.type == "error" and session.errors.append(f"console: {msg.text[:300]}"),
    )
    stage = "first load"
    try:
        await page.goto(base + args.url, wait_until="commit", timeout=args.wait * 1e3)
        session.first = await wait_settled(page, args.wait) / 1e3
        session.script = await page.evaluate("(window.__scriptDone ?? NaN) / 1e3")
        slider = page.get_by_role("slider", name=LR_SLIDER)
        for k in range(args.steps):
            stage = f"η step {k + 1}"
            state = await page.evaluate(_PAGE_STATE_JS, CHART_ROOT)
            await slider.focus()
            await page.keyboard.press(args.key)
            settled = await wait_settled(page, args.wait, state["runs"], state["revision"])
            session.steps.append((settled - await page.evaluate("window.__keyAt")) / 1e3)
        stage = "Play"
        await page.locator(f"{CHART_ROOT} .gdviz-play").click(timeout=args.wait * 1e3)
        await page.wait_for_function(
            """(root) => { const c = document.querySelector(root);
                return Number(c.dataset.frame) >= 3 || c.dataset.playing === 'false'
                    && Number(c.dataset.frame) > 0; }""",
            arg=CHART_ROOT,
            polling=100,
            timeout=args.wait * 1e3,
        )
        session.played = True
        state = await page.evaluate(_PAGE_STATE_JS, CHART_ROOT)
        session.errors += [f"exception box: {text}" for text in state["exceptions"]]
        if state["chartError"]:
            session.errors.append(f"chart error: {state['chartError']}")
    except Exception as exc:  # a timeout, or the page went away: counted, not raised
        session.errors.append(f"{stage}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
    finally:
        await context.close()


async def run_bare_session(base: str, args, session: Session) -> None:
    """The server's part of a first load alone, without a browser: a new session over
    Streamlit's websocket asks for the link's page, the time runs until the script has
    finished (every element sent). Exception elements and a failed run are errors."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    path, _, query = args.url.partition("?")
    request = BackMsg()
    request.rerun_script.query_string = query
    request.rerun_script.page_name = path.strip("/")
    try:
        async with (
            asyncio.timeout(args.wait),
            websockets.connect(
                base.replace("http", "ws", 1) + "/_stcore/stream",
                subprotocols=["streamlit"],
                max_size=None,
            ) as socket,
        ):
            start = time.perf_counter()
            await socket.send(request.SerializeToString())
            while True:
                message = ForwardMsg()
                message.ParseFromString(await socket.recv())
                kind = message.WhichOneof("type")
                if kind == "delta" and message.delta.new_element.WhichOneof("type") == "exception":
                    exception = message.delta.new_element.exception
                    session.errors.append(f"exception: {exception.type}: {exception.message}")
                elif kind == "page_not_found":
                    session.errors.append(f"page not found: {path}")
                elif kind == "script_finished":
                    if message.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                        session.errors.append(f"script finished: {message.script_finished}")
                    break
            session.first = session.script = time.perf_counter() - start
    except Exception as exc:
        session.errors.append(f"bare session: {type(exc).__name__}: {exc}")


async def run_sessions(browsers, base: str, args, count: int) -> list[Session]:
    sessions = [Session() for _ in range(count)]

    async def started(i: int) -> None:
        if args.ramp and count > 1:
            await asyncio.sleep(args.ramp * i / (count - 1))
        if browsers:
            await run_session(browsers[i % len(browsers)], base, args, sessions[i])
        else:
            await run_bare_session(base, args, sessions[i])

    tasks = [asyncio.ensure_future(started(i)) for i in range(count)]
    done, pending = await asyncio.wait(tasks, timeout=args.timeout)
    for task in pending:
        task.cancel()
    for session, task in zip(sessions, tasks, strict=True):
        if task in pending:
            session.errors.append(f"not finished within --timeout {args.timeout:.0f} s")
    await asyncio.gather(*pending, return_exceptions=True)
    return sessions


# ---- report ------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile, linear between the closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q) - 1]


def summary(
    label: str, sessions: list[Session], peak_mb: float, usage: dict, browser: bool
) -> dict:
    firsts = [s.first for s in sessions if s.first is not None]
    scripts = [s.script for s in sessions if s.script is not None and s.script == s.script]
    steps = [t for s in sessions for t in s.steps]
    return {
        "label": label,
        "browser": browser,
        "sessions": len(sessions),
        "first_p50": percentile(firsts, 50),
        "first_p95": percentile(firsts, 95),
        "script_p50": percentile(scripts, 50),
        "script_p95": percentile(scripts, 95),
        "step_p50": percentile(steps, 50),
        "step_p95": percentile(steps, 95),
        "steps": len(steps),
        "played": sum(s.played for s in sessions),
        "errors": sum(len(s.errors) for s in sessions),
        "peak_mb": peak_mb,
        **usage,
        "messages": [e for s in sessions for e in s.errors],
    }


def print_table(rows: list[dict]) -> None:
    columns = [
        ("", 27),
        ("settled p50", 12),
        ("p95", 8),
        ("run done p50", 13),
        ("p95", 8),
        ("η step p50", 11),
        ("p95", 8),
        ("played", 7),
        ("errors", 7),
        ("peak RSS", 9),
        ("server CPU", 11),
        ("all CPU", 9),
        ("wall", 8),
    ]
    (label, width), columns = columns[0], columns[1:]
    head = f"{label:<{width}}" + "".join(f"{name:>{w}}" for name, w in columns)
    print(head)
    print("-" * len(head))

    def seconds(value: float) -> str:
        return "-" if value != value else f"{value:.2f} s"  # NaN: nothing measured

    for r in rows:
        cells = [
            *(seconds(r[k]) for k in ("first_p50", "first_p95", "script_p50", "script_p95")),
            *(seconds(r[k]) for k in ("step_p50", "step_p95")),
            f"{r['played']}/{r['sessions']}" if r["browser"] else "-",
            str(r["errors"]),
            f"{r['peak_mb']:.0f} MB",
            f"{r['server_cpu_s']:.1f} s",
            f"{r['machine_cpu_s']:.0f} s",
            f"{r['wall_s']:.1f} s",
        ]
        row = "".join(f"{cell:>{w}}" for cell, (_, w) in zip(cells, columns, strict=True))
        print(f"{r['label']:<{width}}" + row)
    print(
        "settled: from the link's navigation to a settled page; run done: to the end of the"
        " first script run;\nη step: keydown to settled; no browser: a new session's first"
        " run over the websocket, until\nits last message (the server's part alone); CPU: used"
        " during the phase, by the server and by\nthe whole machine (with browsers, they are"
        " most of the rest)"
    )
    for r in rows:
        for message in r["messages"][:20]:
            print(f"  {r['label']}: {message}")


async def bench(args) -> tuple[list[dict], dict]:
    from playwright.async_api import async_playwright

    log = REPO_ROOT / "tests" / "artifacts" / "load-server.log"
    proc, base = start_streamlit(REPO_ROOT / "app.py", REPO_ROOT, log)
    memory = MemorySampler(proc.pid)
    memory.start()
    rows = []
    try:
        idle_mb = rss_kb(proc.pid) / 1024
        async with async_playwright() as pw:
            browsers = [
                await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for _ in range(args.browsers)
            ]
            phases = [("1 session alone", 1, browsers)] * args.alone
            phases += [(f"{args.sessions} at once", args.sessions, browsers)] * bool(args.sessions)
            if args.bare:  # the same without browsers: the server's share
                phases += [("1 alone, no browser", 1, [])] * bool(args.alone)
                phases += [(f"{args.bare} at once, no browser", args.bare, [])]
            for label, count, clients in phases:
                memory.reset()
                usage = Usage(proc.pid)
                sessions = await run_sessions(clients, base, args, count)
                rows.append(summary(label, sessions, memory.peak_mb, usage.done(), bool(clients)))
            for browser in browsers:
                await browser.close()
        end_mb = rss_kb(proc.pid) / 1024
    finally:
        try:
            memory.stop()
        finally:
            stop_streamlit(proc)
    return rows, {"idle_mb": idle_mb, "end_mb": end_mb, "peak_mb": memory.peak_mb}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=30, help="sessions at once (0: skip)")
    parser.add_argument("--alone", type=int, default=1, help="sessions run alone first, in turn")
    parser.add_argument("--url", default=SHARED_LINK, help="path and query each session opens")
    parser.add_argument("--steps", type=int, default=3, help="η steps per session")
    parser.add_argument(
        "--bare", type=int, default=30, help="first loads at once without a browser (0: skip)"
    )
    parser.add_argument("--key", default="ArrowRight", help="the key each η step presses")
    parser.add_argument("--browsers", type=int, default=1, help="Chromium processes to share")
    parser.add_argument("--ramp", type=float, default=0.0, help="spread the starts over s")
    parser.add_argument("--wait", type=float, default=120.0, help="one wait's limit, s")
    parser.add_argument("--timeout", type=float, default=900.0, help="the whole run's limit, s")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if not args.url.startswith("/"):
        parser.error("--url is a path on the app's server, starting with /")
    if not Path(CHROMIUM).exists():
        print(f"Debian chromium not installed at {CHROMIUM}", file=sys.stderr)
        return 2
    rows, memory = asyncio.run(bench(args))
    print(f"gdviz under load: {args.url}, {args.steps} η steps and Play per session")
    print_table(rows)
    print(
        f"server RSS: {memory['idle_mb']:.0f} MB idle at start, {memory['end_mb']:.0f} MB at the"
        f" end; peak {max(r['peak_mb'] for r in rows):.0f} MB (limit ~{MEMORY_LIMIT_MB} MB)"
    )
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, **memory}, indent=2))
    return 1 if any(r["errors"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
