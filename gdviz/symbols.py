"""The variables every function is written in: x, and y on surfaces (real numbers)."""

import sympy as sp

X, Y = sp.symbols("x y", real=True)
