"""The stability strip beside the learning-rate control: the bands of η for plain GD at
the curvature that decides (monotone, oscillating, divergent) on the slider's log scale,
with the current η marked. Plain HTML built from computed numbers only."""

from __future__ import annotations

import math

import streamlit as st

from gdviz.numbers import telling_apart
from gdviz.stability import Curvature, describe_curvature
from ui.controls import LR_MAX, LR_MIN

EXPLAINED = (
    "Near a minimum, plain gradient descent multiplies the distance along each direction of "
    "curvature λ (an eigenvalue of the Hessian ∇²{f}) by 1 − η·λ: it shrinks steadily while "
    "η < 1/λ, overshoots and oscillates inward up to η < 2/λ, and grows beyond. The largest, "
    "λ_max, decides: the stable limit is 2/λ_max (a parabola a·x² has λ_max = 2a). "
)

COLOURS = {
    "monotone": "#2a9d8f",
    "oscillating": "#e9c46a",
    "divergent": "#e76f51",
    "stable": "#2a9d8f",
}
#: Beyond colour: the divergent band is striped, so it reads without telling red from green.
BACKGROUNDS = {
    **COLOURS,
    "divergent": "repeating-linear-gradient(135deg, #e76f51 0 4px, #9c3b22 4px 6px)",
}
#: Optimizers whose stable limit on a quadratic is heavy-ball momentum's (2 + 2β)/λ_max.
HEAVY_BALL = ("sgd", "momentum")


def _at(value: float, lo: float, hi: float) -> float:
    """Percent along a log axis from lo to hi (clamped)."""
    t = (math.log10(value) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
    return 100.0 * min(max(t, 0.0), 1.0)


def strip_html(c: Curvature, lr: float, lo: float, hi: float, momentum: float | None = None) -> str:
    """The strip for curvature ``c`` with η = ``lr`` marked, over η from lo to hi: plain
    GD's three bands, or with heavy-ball ``momentum`` β its stable and divergent bands."""
    if momentum:
        limit = c.momentum_limit(momentum)
        edges = [(lo, min(limit, hi), "stable"), (limit, hi, "divergent")]
    else:
        one, limit = c.one_step, c.gd_limit
        edges = [(lo, min(one, hi), "monotone"), (one, min(limit, hi), "oscillating"),
                 (limit, hi, "divergent")]  # fmt: skip
    parts = []
    for start, end, band in edges:
        if end <= lo or start >= hi:
            continue
        left, right = _at(max(start, lo), lo, hi), _at(end, lo, hi)
        parts.append(
            f'<div title="{band}" style="position:absolute;left:{left:.2f}%;'
            f'width:{right - left:.2f}%;top:0;bottom:0;background:{BACKGROUNDS[band]}"></div>'
        )
    marker = _at(lr, lo, hi)
    parts.append(
        f'<div style="position:absolute;left:calc({marker:.2f}% - 1px);width:3px;top:-3px;'
        'bottom:-3px;background:#1d3557;box-shadow:0 0 0 1.5px #fff"></div>'  # seen on dark too
    )
    return (
        '<div class="gdviz-strip" style="position:relative;height:10px;border-radius:3px;'
        f'overflow:visible;margin:2px 0 4px 0">{"".join(parts)}</div>'
    )


def _times(ratio: float) -> str:
    """η's multiple of a limit, to 3 digits, or as many as tell it from 1 (0.9999999×)."""
    text = f"{ratio:.3g}"
    return telling_apart(ratio, 1.0)[0] if text == "1" and ratio != 1 else text


def strip_words(c: Curvature, lr: float) -> str:
    """η against this curvature's limits, in words: "η = 1.6× this minimum's stable limit
    (diverges)" and the band edges."""
    ratio = c.ratio(lr)
    band = c.band(lr)
    what = {
        "monotone": "closes in without overshooting",
        "one step": "crosses the steepest direction in one step",
        "oscillating": "overshoots and oscillates inward",
        "divergent": "cannot settle (each step grows the distance)",
    }[band]
    return (
        f"η = {_times(ratio)}× the stable limit 2/λ_max = {c.gd_limit:.4g} at {c.where}: "
        f"plain GD {what} there. Monotone below {c.one_step:.4g}, oscillating up to "
        f"{c.gd_limit:.4g}, divergent above."
    )


def momentum_words(c: Curvature, lr: float, beta: float) -> str:
    """η against heavy-ball momentum's limit (2 + 2β)/λ_max at this curvature, in words."""
    limit = c.momentum_limit(beta)
    ratio = lr / limit
    if math.isclose(lr, limit, rel_tol=1e-9):
        what = "is exactly at the limit (it neither settles nor grows)"
    else:
        what = "cannot settle (each step grows the distance)" if lr > limit else "settles there"
    return (
        f"η = {_times(ratio)}× the stable limit (2 + 2β)/λ_max = {limit:.4g} of momentum "
        f"β = {beta:g} at {c.where}: it {what}. Plain GD's limit 2/λ_max is {c.gd_limit:.4g}."
    )


def stability_strip(
    reference: Curvature,
    lr: float,
    symbol: str,
    start=None,
    *,
    momentum: float | None = None,
    optimizer: str = "gd",
) -> None:
    """The strip on the η slider's scale and its words; the help explains the bands and
    gives the eigenvalues and κ at the start (if given) and at ``reference``.

    For heavy-ball momentum (``optimizer`` "sgd" or "momentum" with β = ``momentum`` > 0)
    the strip shows its limit (2 + 2β)/λ_max; for other optimizers it shows plain GD's
    bands and says that they are plain GD's.
    """
    heavy = momentum if optimizer in HEAVY_BALL and momentum else None
    st.html(strip_html(reference, lr, LR_MIN, LR_MAX, heavy))
    details = [describe_curvature(c, symbol) for c in (start, reference) if c is not None]
    words = momentum_words(reference, lr, heavy) if heavy else strip_words(reference, lr)
    if optimizer not in ("gd", *HEAVY_BALL):
        words += " (These are plain GD's bands; this optimizer's steps differ.)"
    st.caption(words, help=EXPLAINED.format(f=symbol) + " ".join(details))
