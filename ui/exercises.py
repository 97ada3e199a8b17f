"""Small helpers of the classic exercises page: the classic program as courses write it,
a printout's excerpt, a loop's code with the running line marked, and the link that opens
the classic loop on the descent page."""

from __future__ import annotations

import math
import secrets
from urllib.parse import urlencode

from gdviz.exercises import CLASSIC_EPOCHS, CLASSIC_HIGH, CLASSIC_LR, PRINT_FORMAT, classic_start
from gdviz.links import number_text

#: f(x) = x² + 5 as the descent page's typed function reads it.
CLASSIC_FUNCTION = "x^2+5"
#: Seeds of the classic start a link may carry (as the other pages' seeds).
SEEDS = 10_000
#: The line that marks the running line of a loop's code.
MARK = "▶ "


def classic_program(start: int) -> str:
    """The classic program, slip included, as most courses write it: it prints the gradient
    under the label ``x`` (``gdviz.classic_printout`` is its output)."""
    f = PRINT_FORMAT
    return (
        "import random\n\n"
        f"x = random.randint(0, {CLASSIC_HIGH})  # here x = {start}\n"
        f"lr = {CLASSIC_LR:g}\n"
        f"epochs = {CLASSIC_EPOCHS}\n"
        "for i in range(epochs + 1):\n"
        "    cost = x**2 + 5\n"
        "    x_grad = 2 * x\n"
        f'    print(f"EPOCH {{i}}: Cost = {{cost:{f}}}, x = {{x_grad:{f}}}")\n'
        "    x = x - lr * x_grad"
    )


def excerpt(lines: list[str], head: int = 6, tail: int = 3) -> str:
    """The first ``head`` and last ``tail`` lines, with "…" between when some are left out."""
    if len(lines) <= head + tail + 1:
        return "\n".join(lines)
    return "\n".join([*lines[:head], "…", *lines[-tail:]])


def marked_code(code, line: int | None) -> str:
    """A loop's lines with the one that runs (index ``line``) marked ▶, the others indented
    alike so the code stays aligned."""
    return "\n".join((MARK if i == line else " " * len(MARK)) + text for i, text in enumerate(code))


def new_seed(seed: int) -> int:
    """Another seed of the classic start, one that starts somewhere else."""
    start = classic_start(seed)
    while True:
        other = secrets.randbelow(SEEDS + 1)
        if other != seed and classic_start(other) != start:
            return other


def _round_up(value: float) -> float:
    """The smallest of 1, 2, 5 × 10ᵏ at or above ``value``."""
    power = 10.0 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= value)


def descent_query(start: float) -> dict[str, str]:
    """The descent page's link to the classic loop from ``start``: f(x) = x² + 5 typed, its
    plotting box ±(a round number at least 10% beyond the start, 5 at least), η = 0.01 and
    100 epochs (the names are the descent page's, ``ui.links.fields("descent")``)."""
    edge = _round_up(max(1.1 * abs(float(start)), 5.0))
    return {
        "f": CLASSIC_FUNCTION,
        "lr": number_text(CLASSIC_LR),
        "x0": number_text(start),
        "epochs": str(CLASSIC_EPOCHS),
        "xmin": number_text(-edge),
        "xmax": number_text(edge),
    }


def descent_link(start: float) -> str:
    """:func:`descent_query` as a link relative to this page (the app's first page is one
    level up from ``/exercises``, whatever path the app is served under)."""
    return "./?" + urlencode(descent_query(start))
