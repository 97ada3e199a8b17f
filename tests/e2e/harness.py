"""Start a Streamlit server and find Debian's Chromium: shared by the browser tests and
``bench/settle.py``. Plain functions, no pytest."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling out of this closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1600}
HEALTH_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "<no log>"


def start_streamlit(
    app: Path, cwd: Path, log_path: Path, port: int | None = None
) -> tuple[subprocess.Popen, str]:
    """Start ``streamlit run app`` on a free loopback port (or ``port``); return (process,
    base URL)."""
    port = port or free_port()
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process in stop_streamlit
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    proc._gdviz_log = log  # type: ignore[attr-defined]
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            stop_streamlit(proc)
            raise RuntimeError(
                f"streamlit exited with {proc.returncode} before it was healthy:\n"
                + _tail(log_path)
            )
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return proc, base
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            stop_streamlit(proc)
            raise RuntimeError(
                f"streamlit not healthy after {HEALTH_TIMEOUT_S:.0f} s:\n" + _tail(log_path)
            )
        time.sleep(0.2)


def stop_streamlit(proc: subprocess.Popen) -> None:
    """Stop the server by its handle: terminate, then kill if it lingers."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    log = getattr(proc, "_gdviz_log", None)
    if log is not None:
        log.close()


def copy_app(target: Path) -> Path:
    """A copy of the app as a fresh clone has it, in ``target``: the files git tracks plus
    untracked ones it does not ignore (nothing made at run time, no ``__pycache__``)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT, capture_output=True, check=True,
    ).stdout.split(b"\0")  # fmt: skip
    for name in filter(None, (n.decode() for n in listed)):
        source = REPO_ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def tree_state(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` (``__pycache__`` aside) with its size and mtime (ns),
    by path relative to it: equal before and after a run if the run wrote nothing there."""
    state = {}
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            path = Path(root, name)
            stat = path.stat()
            state[path.relative_to(folder).as_posix()] = (stat.st_size, stat.st_mtime_ns)
    return state
