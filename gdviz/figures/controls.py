"""Play/Pause, a speed menu and an epoch slider: Plotly's own animation controls.

The figure states what a viewer needs to know about them: the menus and the slider are
named ("play", "speed", "epoch") and ``layout.meta["controls"]["room"]`` is the height in
pixels they take under the plot, so gdviz's chart element (``ui/chart.js``), which draws
its own HTML controls, can find them and give that room back.
"""

from __future__ import annotations

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)
#: Pixels under the x axis's title where the controls sit, and the room they take.
CONTROLS_OFFSET, CONTROLS_ROOM = 66, 70


def frame_duration(n_frames: int) -> int:
    """Milliseconds per frame at 1× speed: a whole run plays in about 6 seconds."""
    return int(min(max(6000 / max(n_frames, 1), 30), 500))


def controls_below(height: int, margin: dict) -> float:
    """Paper y that sits ``CONTROLS_OFFSET`` pixels under the plot: clear of the x title."""
    return -CONTROLS_OFFSET / (height - margin["t"] - margin["b"])


def _play(ms: int) -> list:
    return [
        None,
        {
            "frame": {"duration": ms, "redraw": False},
            "fromcurrent": True,
            "transition": {"duration": 0},
            "mode": "immediate",
        },
    ]


def animation_controls(epochs, duration: int, below: float = -0.08, prefix: str = "Epoch ") -> dict:
    """Play/Pause buttons, a speed menu and an epoch slider, as layout entries.

    ``epochs`` name the frames (each step's label and the frame it shows); ``below`` is
    the controls' height in paper units (negative: under the x axis); ``prefix`` comes
    before the current step's label ("Epoch 12").
    """
    pause = [[None], {"frame": {"duration": 0, "redraw": False}, "mode": "immediate"}]
    buttons = {
        "name": "play",
        "type": "buttons",
        "direction": "left",
        "showactive": False,
        "x": 0.0,
        "y": below,
        "xanchor": "left",
        "yanchor": "top",
        "pad": {"t": 0, "r": 6},
        "buttons": [
            {"label": "▶ Play", "method": "animate", "args": _play(duration)},
            {"label": "❚❚ Pause", "method": "animate", "args": pause},
        ],
    }
    speeds = {
        "name": "speed",
        "type": "dropdown",
        "direction": "up",
        "showactive": True,
        "active": SPEEDS.index(1.0),
        "x": 0.2,
        "y": below,
        "xanchor": "left",
        "yanchor": "top",
        "buttons": [
            {"label": f"speed {s:g}×", "method": "animate", "args": _play(int(duration / s))}
            for s in SPEEDS
        ],
    }
    slider = {
        "name": "epoch",
        "active": 0,
        "x": 0.38,
        "len": 0.62,
        "y": below + 0.03,
        "yanchor": "top",
        "pad": {"t": 0, "b": 0},
        "currentvalue": {"prefix": prefix, "font": {"size": 13}},
        "transition": {"duration": 0},
        "steps": [
            {
                "label": str(e),
                "method": "animate",
                "args": [
                    [str(e)],
                    {"frame": {"duration": 0, "redraw": False}, "mode": "immediate"},
                ],
            }
            for e in epochs
        ],
    }
    return {
        "updatemenus": [buttons, speeds],
        "sliders": [slider],
        "meta": {"controls": {"room": CONTROLS_ROOM}},
    }
