"""Colours and the template every gdviz figure uses."""

TEMPLATE = "plotly_white"

PATH = "#ff6b35"  # orange: the path, readable on Viridis and on white
POINT = "#e63946"  # red: the current point
ARROW = "#d62728"
TANGENT = "#2a9d8f"
CURVE = "#1d3557"
LOSS = "#457b9d"
MINIMUM = "#ffd166"
DATA = "#1d3557"
LINE = "#e63946"
RESIDUAL = "rgba(230, 57, 70, 0.45)"
#: Legends over a dark field need a dark key for the white arrows and paths.
DARK_LEGEND = {"bgcolor": "#3b3f5c", "font": {"color": "white"}}

#: Colour-blind-safe colours (Okabe–Ito), one per run when several share a figure.
PALETTE = ("#D55E00", "#56B4E9", "#009E73", "#E69F00", "#0072B2", "#CC79A7", "#000000", "#F0E442")
#: The same over a dark (Viridis) map: black would vanish there, so a light grey takes its
#: place (not white: the −∇f arrows are white).
PALETTE_DARK = tuple("#BBBBBB" if c == "#000000" else c for c in PALETTE)


def run_colours(n: int, dark: bool = False) -> list[str]:
    """One colour per run: ``n`` ≤ 8 runs get ``n`` different colours (then they repeat)."""
    palette = PALETTE_DARK if dark else PALETTE
    return [palette[i % len(palette)] for i in range(n)]
