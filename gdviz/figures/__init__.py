"""Figures: pure functions from runs to Plotly figures, one module per kind.

``base`` (the light figure, templates, frame assembly), ``controls`` (Plotly's animation
controls), ``style`` (colours), ``backdrops`` (curves and fields drawn once), then the
figures: ``descent`` (one run), ``race`` (several), ``fit`` (a model and its data) and
``lessons`` (the learning pages' charts) and ``exercises`` (the classic exercises');
``projector`` redraws any of them for a room.
Animated figures draw the static parts once and put only the moving traces in frames,
found by the name each carries in ``meta``.
"""

from .base import MAX_FRAMES, TRAIL_POINTS, LightFigure, frame_epochs, trace_index, trail_epochs
from .controls import SPEEDS, animation_controls, frame_duration
from .descent import contour_figure, curve_figure, descent_figure, loss_figure, surface_figure
from .exercises import (
    classic_figure,
    matrix_animation,
    zero_grad_animation,
    zero_grad_figure,
    zero_grad_readout,
)
from .fit import fit_figure
from .lessons import (
    derivative_animation,
    derivative_figure,
    evaluations_figure,
    paths_animation,
    paths_figure,
    question_curve,
    scaling_figure,
    schedule_figure,
)
from .maps import basin_figure, param_map_figure
from .projector import for_projector
from .race import RACE_FRAMES, race_figure
from .sweep import range_test_figure, sweep_figure

__all__ = [
    "MAX_FRAMES",
    "RACE_FRAMES",
    "SPEEDS",
    "TRAIL_POINTS",
    "LightFigure",
    "animation_controls",
    "classic_figure",
    "contour_figure",
    "curve_figure",
    "derivative_animation",
    "derivative_figure",
    "descent_figure",
    "evaluations_figure",
    "fit_figure",
    "for_projector",
    "frame_duration",
    "frame_epochs",
    "loss_figure",
    "matrix_animation",
    "paths_animation",
    "paths_figure",
    "question_curve",
    "race_figure",
    "basin_figure",
    "param_map_figure",
    "range_test_figure",
    "sweep_figure",
    "scaling_figure",
    "schedule_figure",
    "surface_figure",
    "trace_index",
    "trail_epochs",
    "zero_grad_animation",
    "zero_grad_figure",
    "zero_grad_readout",
]
