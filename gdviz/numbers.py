"""How numbers read on screen: in sentences (the banner, tables) and in LaTeX (the steps)."""

from __future__ import annotations

import math

import numpy as np


def fmt(value: float) -> str:
    """A number for a message: 4 decimals up to 1e5 (so 3e-9 reads 0.0000), else scientific.

    >>> fmt(2.5), fmt(-3e-9), fmt(123456.0)
    ('2.5000', '0.0000', '1.235e+05')
    """
    if not math.isfinite(value):
        return str(value)
    if abs(value) < 1e5:
        text = f"{value:.4f}"
        return "0.0000" if text == "-0.0000" else text
    return f"{value:.3e}"


def short(value: float) -> str:
    """A rate or factor to 3 significant digits, keeping a decimal point (1.0, 1.02).

    Factors within 1% of 1 get the digits that show how far from 1 they are.

    >>> short(1.0), short(1.0204), short(0.998)
    ('1.0', '1.02', '0.998')
    """
    text = f"{value:.5g}" if 0 < abs(value - 1) < 0.01 else f"{value:.3g}"
    return text if any(c in text for c in ".en") else text + ".0"


def telling_apart(a: float, b: float) -> tuple[str, str]:
    """``a`` and ``b`` as :func:`short` writes them, with more digits where that writes them
    alike (η = 0.9999999 and a limit of 1.0 must not both read "1.0").

    >>> telling_apart(0.9999999, 1.0), telling_apart(0.5, 1.0)
    (('0.9999999', '1.0'), ('0.5', '1.0'))
    """
    first, second = short(a), short(b)
    digits = 4
    while first == second and a != b and digits <= 17:
        first, second = (_with_point(f"{v:.{digits}g}") for v in (a, b))
        digits += 1
    return first, second


def _with_point(text: str) -> str:
    return text if any(c in text for c in ".en") else text + ".0"


def position(objective, x) -> str:
    """``x = 1.0000`` or ``(x, y) = (1.0000, 2.0000)``."""
    names = [str(v) for v in objective.variables]
    values = [fmt(float(v)) for v in np.atleast_1d(x)]
    if len(names) == 1:
        return f"{names[0]} = {values[0]}"
    return f"({', '.join(names)}) = ({', '.join(values)})"


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def plain(value: float) -> str:
    """A number as a person writes it: 6 significant digits, or a power of ten when huge.

    >>> plain(-2.4000000000000004), plain(11000.0), plain(2.1e12)
    ('-2.4', '11000', '2.1 × 10¹²')
    """
    if abs(value) < 1e5:
        return f"{value:.6g}"
    mantissa, exponent = f"{value:.3g}".split("e")
    power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
    return power if mantissa == "1" else f"{mantissa} × {power}"


def count(k: int, noun: str) -> str:
    """``1 epoch``, ``3 epochs``."""
    return f"{k} {noun}" if k == 1 else f"{k} {noun}s"


# ---- LaTeX -----------------------------------------------------------------------------


def latex_power(text: str) -> str:
    """'2.5e-05' as LaTeX: 2.5 × 10⁻⁵ (and '1e-08' as 10⁻⁸).

    >>> latex_power("2.5e-05")
    '2.5 \\\\times 10^{-5}'
    """
    mantissa, _, exponent = text.partition("e")
    if not exponent:
        return text
    power = f"10^{{{int(exponent)}}}"
    return power if mantissa == "1" else rf"{mantissa} \times {power}"


def latex_number(value: float) -> str:
    """A computed number: 4 decimals, or 4 significant digits when tiny or huge.

    Second moments and late gradients are often far below 0.0001; 4 decimals would show 0.
    """
    value = float(value)
    if not math.isfinite(value):
        return r"\mathrm{NaN}" if math.isnan(value) else ("-" if value < 0 else "") + r"\infty"
    if value == 0 or 0.1 <= abs(value) < 1e5:
        return fmt(value)
    return latex_power(f"{value:.4g}")


def latex_constant(value: float) -> str:
    """A hyperparameter or learning rate, as given: 0.9, 0.001, 10⁻⁸."""
    return latex_power(f"{float(value):g}")


def latex_column(values, number=latex_number) -> str:
    """A column vector."""
    return r"\begin{pmatrix}" + r" \\ ".join(number(v) for v in values) + r"\end{pmatrix}"


def latex_vector(values, number=latex_number) -> str:
    """A plain number in 1-D, a column vector in 2-D."""
    values = np.atleast_1d(values)
    return number(values[0]) if len(values) == 1 else latex_column(values, number)


def latex_operand(values, number=latex_number) -> str:
    """``latex_vector`` as an operand: a negative plain number goes in parentheses."""
    text = latex_vector(values, number)
    return rf"\left({text}\right)" if text.startswith("-") else text


# ---- plain Unicode, for the same equations shown as text -------------------------------------

#: Subscript digits, for x₅ and f′(x₄) in text.
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def subscript(k: int) -> str:
    """``12`` as ``₁₂``."""
    return str(k).translate(_SUBSCRIPT)


def _text_power(text: str) -> str:
    """'2.5e-05' as 2.5 × 10⁻⁵, a minus sign as − (U+2212), the same digits as LaTeX."""
    mantissa, _, exponent = text.partition("e")
    if exponent:
        power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
        text = power if mantissa == "1" else f"{mantissa} × {power}"
    return text.replace("-", "−")


def text_number(value: float) -> str:
    """:func:`latex_number` in plain Unicode: the same digits, − for minus, 10⁻⁵ for powers.

    >>> text_number(-7.37141), text_number(2.5e-05)
    ('−7.3714', '2.5 × 10⁻⁵')
    """
    value = float(value)
    if not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("−" if value < 0 else "") + "∞"
    if value == 0 or 0.1 <= abs(value) < 1e5:
        return fmt(value).replace("-", "−")
    return _text_power(f"{value:.4g}")


def text_constant(value: float) -> str:
    """:func:`latex_constant` in plain Unicode: 0.1, 10⁻⁸."""
    return _text_power(f"{float(value):g}")


def text_vector(values) -> str:
    """A plain number in 1-D, ``(a, b)`` in 2-D."""
    values = np.atleast_1d(values)
    if len(values) == 1:
        return text_number(values[0])
    return "(" + ", ".join(text_number(v) for v in values) + ")"


def text_operand(values) -> str:
    """``text_vector`` as an operand: a negative plain number goes in parentheses."""
    text = text_vector(values)
    return f"({text})" if text.startswith("−") else text
