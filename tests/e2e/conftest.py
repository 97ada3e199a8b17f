"""Fixtures for gdviz's browser tests: a real Streamlit server and headless Debian Chromium.

The tests drive ``app.py`` the way a person would (clicks, key presses) through Playwright's
sync API. Browsers are never downloaded: Debian's ``/usr/bin/chromium`` is launched directly,
so the pytest-playwright fixtures (which want a downloaded browser) are not used.

Without ``/usr/bin/chromium`` the tests skip, except when ``CI`` is set: CI must run them.
Screenshots and the server log go to ``tests/artifacts/`` (gitignored).
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import pytest

from tests.e2e.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    REPO_ROOT,
    VIEWPORT,
    start_streamlit,
    stop_streamlit,
)

APP = REPO_ROOT / "app.py"
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"

APP_SEL = '[data-testid="stApp"]'
BANNER_SEL = ".st-key-status_banner"
# gdviz's chart (ui/charts.py): a plotly.js graph inside a .gdviz-chart root that also holds
# the HTML animation controls and marks its state (data-frames, data-frame, data-revision,
# data-pending while an update is being drawn).
CHART_SEL = ".st-key-descent_chart .gdviz-chart .js-plotly-plot"
IDLE_QUIET_MS = 200  # wait_idle: how long the page must stay idle

# Counts every switch of the app's script state to "running", so a test can tell that a
# rerun it triggered has really started (and so ended), not just that the app is idle.
_RUN_COUNTER_JS = """
(() => {
  window.__stRuns = 0;
  const observer = new MutationObserver((records) => {
    for (const r of records) {
      if (r.target.getAttribute('data-test-script-state') === 'running') window.__stRuns += 1;
    }
  });
  observer.observe(document, {
    subtree: true, attributes: true, attributeFilter: ['data-test-script-state'],
  });
})();
"""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "e2e: browser test against a live Streamlit server (needs Debian chromium)"
    )


def _unavailable(reason: str):
    """Skip locally, fail under CI (where browser tests must really run)."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so browser tests may not be skipped)", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# --------------------------------------------------------------------------- server


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def streamlit_server(artifacts):
    """Base URL of a live ``streamlit run app.py`` started from the repo root."""
    if not APP.exists():
        pytest.fail(f"{APP} does not exist", pytrace=False)
    try:
        proc, base = start_streamlit(APP, REPO_ROOT, artifacts / "streamlit-e2e.log")
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield base
    finally:
        stop_streamlit(proc)


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def chromium_browser():
    """Debian's headless Chromium, launched through Playwright (never a downloaded browser).

    Named so as not to collide with pytest-playwright's ``browser``/``page`` fixtures, which
    would try to use a browser that Playwright downloads itself.
    """
    if not os.path.exists(CHROMIUM):
        _unavailable(f"Debian chromium not installed at {CHROMIUM}: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"playwright is not installed: {exc}")
    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception:
        pw.stop()
        raise
    try:
        yield browser
    finally:
        browser.close()
        pw.stop()


@pytest.fixture
def app_page(request, chromium_browser, streamlit_server, artifacts):
    """A fresh browser context (so a fresh Streamlit session) with the app loaded and idle.

    ``page.gdviz_errors`` collects uncaught page errors for assertions.
    """
    context = chromium_browser.new_context(viewport=VIEWPORT)
    context.add_init_script(_RUN_COUNTER_JS)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.gdviz_errors = errors
    pg.goto(streamlit_server, wait_until="domcontentloaded")
    wait_loaded(pg)
    try:
        yield pg
    finally:
        failed = getattr(request.node, "rep_call", None)
        if failed is not None and failed.failed:
            # Best effort: a failing screenshot must never mask the test's own failure.
            with contextlib.suppress(Exception):
                pg.screenshot(path=str(artifacts / f"failed_{request.node.name}.png"))
        context.close()


# --------------------------------------------------------------------------- helpers


def script_state(page) -> str | None:
    return page.locator(APP_SEL).get_attribute("data-test-script-state")


def run_count(page) -> int:
    """How many times the app's script state has switched to "running" in this page."""
    return page.evaluate("window.__stRuns || 0")


def banner_text(page) -> str:
    return page.locator(BANNER_SEL).inner_text().strip()


def wait_loaded(page, timeout: float = 60_000) -> None:
    """Wait for the first run: app idle with the banner and the chart in the page."""
    page.wait_for_function(
        """([app, banner, chart]) => {
            const a = document.querySelector(app);
            return a && a.getAttribute('data-test-script-state') === 'notRunning'
                && document.querySelector(banner) && document.querySelector(chart);
        }""",
        arg=[APP_SEL, BANNER_SEL, CHART_SEL],
        timeout=timeout,
    )
    wait_idle(page, timeout=timeout)


def wait_idle(
    page,
    *,
    runs_before: int | None = None,
    text_before: str | None = None,
    text_selector: str = BANNER_SEL,
    timeout: float = 30_000,
) -> None:
    """Wait until the app's script is ``notRunning`` and no element is stale.

    After triggering a rerun, pass what was true before it, so an app that is idle only
    because the rerun has not started yet is not mistaken for one that has finished:

    - ``runs_before=run_count(page)``: a switch to "running" must have been seen since, and
    - ``text_before=banner_text(page)``: the text at ``text_selector`` must differ from it.

    When both are given, either piece of evidence is enough (a very fast rerun can go
    running -> notRunning inside one React render, so the switch may not reach the DOM).
    """
    page.evaluate("window.__idleSince = null")
    page.wait_for_function(
        """([app, runsBefore, textBefore, textSel, quietMs]) => {
            const idle = (() => {
                const a = document.querySelector(app);
                if (!a || a.getAttribute('data-test-script-state') !== 'notRunning') return false;
                if (document.querySelector('[data-stale="true"]')) return false;
                if (document.querySelector('.gdviz-chart[data-pending]')) return false;
                const ran = runsBefore === null ? null : (window.__stRuns || 0) > runsBefore;
                let changed = null;
                if (textBefore !== null) {
                    const el = document.querySelector(textSel);
                    changed = !!el && el.innerText.trim() !== textBefore;
                }
                if (ran === null && changed === null) return true;
                return ran === true || changed === true;
            })();
            // Idle for a moment, not an instant: a chart's update can start just after the
            // banner shows (its element's script runs after React has drawn the page).
            if (!idle) { window.__idleSince = null; return false; }
            window.__idleSince ??= performance.now();
            return performance.now() - window.__idleSince >= quietMs;
        }""",
        arg=[APP_SEL, runs_before, text_before, text_selector, IDLE_QUIET_MS],
        timeout=timeout,
        polling=25,
    )


def chart(page):
    return page.locator(CHART_SEL).first


def chart_state(page, selector: str = CHART_SEL) -> dict:
    """Frame count, the epoch slider's position, whether Play is running, the chart's
    revision (one per redraw) and whether the raster field image is in the SVG."""
    return page.evaluate(
        """(sel) => {
            const gd = document.querySelector(sel);
            if (!gd) return null;
            const root = gd.closest('.gdviz-chart');
            return {
                frames: Number(root.dataset.frames || 0),
                active: Number(root.querySelector('.gdviz-epoch').value),
                label: root.querySelector('.gdviz-label').textContent,
                playing: root.dataset.playing === 'true',
                revision: Number(root.dataset.revision || 0),
                images: gd.querySelectorAll('svg image').length,
                layoutImages: ((gd.layout && gd.layout.images) || []).length,
            };
        }""",
        selector,
    )


def click_play(page, container: str = ".st-key-descent_chart") -> None:
    """Press the Play button of the chart in ``container``."""
    page.locator(f"{container} .gdviz-chart .gdviz-play").first.click()


def plot_area(page, selector: str = CHART_SEL) -> dict:
    """The plot area inside the first x and y axes, in CSS pixels, relative to the graph
    div (a figure with several panels: the first panel's)."""
    return page.evaluate(
        """(sel) => {
            const s = document.querySelector(sel)._fullLayout;
            return {x: s.xaxis._offset, y: s.yaxis._offset, width: s.xaxis._length,
                    height: s.yaxis._length};
        }""",
        selector,
    )


@pytest.fixture(scope="session")
def ui():
    """This module's helpers (``ui.wait_idle(page, ...)``), robust to pytest's import mode."""
    return sys.modules[__name__]
