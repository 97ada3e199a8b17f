"""Long computations on a page: a progress bar while one runs, and a refusal, saying why and
what to change, where one takes longer than the page allows.

A view computes through :func:`within`, which hands the computation a progress callback
(:mod:`gdviz.progress`): it draws the bar and stops the computation once it has used its
budget of computing time (the thread's processor time, so a busy server does not refuse
what an idle one would draw). At its default resolution a view may take FIRST_VIEW seconds
(its first view must come that quickly); one the user asked for (a larger resolution, or
"compute it anyway" after a refusal) may take LONGER, with the bar. A refusal is
remembered, so the page's next run shows it at once instead of trying again.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from contextlib import contextmanager

import streamlit as st

from gdviz.progress import Deadline, TooSlow

try:  # Streamlit's mark of code running inside a cached function (1.67)
    from streamlit.runtime.scriptrunner_utils.script_run_context import in_cached_function
except ImportError:  # pragma: no cover - another Streamlit: no bar drawn from a cached function
    in_cached_function = None

#: Seconds of computing a view may take at its default resolution.
FIRST_VIEW = 2.0
#: Seconds of computing a view the user asked for may take (with a progress bar).
LONGER = 30.0
#: Seconds (on the clock) before the progress bar appears: quicker views show none.
SHOW_AFTER = 0.3
#: Refusals remembered (settings and budget → the stop): the page shows them at once.
REMEMBERED = 256
_refused: OrderedDict = OrderedDict()


def within(compute: Callable, key, budget: float, label: str):
    """``compute(progress)`` with a progress bar labelled ``label`` once it takes more than
    SHOW_AFTER seconds, stopped after ``budget`` seconds of computing: its result, or the
    :class:`~gdviz.progress.TooSlow` that stopped it (now or in an earlier run with these
    settings, ``key``, and as large a budget)."""
    for (known, spent), stop in _refused.items():
        if known == key and spent >= budget:
            return stop
    bar = st.empty()
    started = time.perf_counter()

    def show(done, left):
        if left and time.perf_counter() - started >= SHOW_AFTER:
            share = done / (done + left)
            with _outside_the_cache() as drawable:
                if drawable:
                    bar.progress(min(share, 1.0), text=f"{label} {100 * share:.0f} %")

    try:
        return compute(Deadline(budget, then=show, clock=time.thread_time))
    except TooSlow as stop:
        _refused[(key, budget)] = stop
        while len(_refused) > REMEMBERED:
            _refused.popitem(last=False)
        return stop
    finally:
        bar.empty()


@contextmanager
def _outside_the_cache():
    """Draw the bar as the page's own element, not as one of the cached function's: the
    computation runs inside a cached function, whose elements Streamlit records to replay
    on a cache hit, and a bar made outside it cannot be replayed (CacheReplayClosureError).
    Yields whether drawing is safe."""
    if in_cached_function is None:
        yield False
        return
    token = in_cached_function.set(False)
    try:
        yield True
    finally:
        in_cached_function.reset(token)


def nice_epochs(epochs: int, budget: float, stop: TooSlow) -> int:
    """About how many epochs would fit in ``budget`` at the rate that was stopped (rounded
    down to a round number: the cost grows about as the epochs do, at most).

    >>> nice_epochs(1000, 2.0, TooSlow(2.0, 0.25, 8.0))
    200
    """
    fit = epochs * budget / stop.estimate * 0.8 if stop.estimate > 0 else epochs
    for step in (100, 50, 10, 5, 1):
        if fit >= 2 * step:
            return max(step, int(fit // step) * step)
    return 1


def refusal(what: str, runs: int, epochs: int, optimizer: str, budget: float,
            stop: TooSlow) -> str:  # fmt: skip
    """Why the view is not drawn, in words: what it would take and how far it got."""
    estimate = stop.estimate if stop.estimate < 1e6 else float("inf")
    whole = f"about {estimate:.0f} s" if estimate < float("inf") else "much longer"
    done = f"{100 * stop.share:.0f} %"
    return (
        f"**This {what} would take too long to draw here.** Its {runs:,} runs of "
        f"{epochs:,} epochs ({optimizer}) did not finish in {budget:g} s of computing: they "
        f"had done {done} of their steps, so all of them would take up to {whole}."
    )


def refuse(message: str, changes: list[str], anyway_key: str | None = None, anyway=None,
           estimate: float | None = None) -> None:  # fmt: skip
    """Show a refusal: ``message``, what to change, and (with ``anyway_key``) a button that
    computes it anyway (setting session state ``anyway_key`` to ``anyway``)."""
    text = message
    if changes:
        text += " To draw it, use " + " or ".join(changes) + "."
    st.warning(text, icon="⏱️")
    if anyway_key is not None:
        about = f" (about {estimate:.0f} s)" if estimate and estimate < 1e6 else ""
        st.button(
            f"Compute it anyway{about}",
            key=anyway_key + "_button",
            on_click=lambda: st.session_state.__setitem__(anyway_key, anyway),
            help=f"Computes this view with a progress bar, for up to {LONGER:g} s.",
        )
