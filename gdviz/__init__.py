"""gdviz: see gradient descent. A pure core (numpy, sympy, plotly) behind a Streamlit app."""

from .analysis import objective_lr_limit, stable_lr_limit
from .descent import DEFAULT_TOL, STATUSES, Trajectory, descend
from .field import sample_field
from .figures import (
    LightFigure,
    contour_figure,
    curve_figure,
    descent_figure,
    loss_figure,
    race_figure,
    schedule_figure,
    surface_figure,
)
from .objectives import DEFAULT_OBJECTIVE, OBJECTIVES, CriticalPoint, Objective, get_objective
from .optimizers import OPTIMIZERS, OptimizerSpec, get_optimizer
from .schedules import SCHEDULES, learning_rates

__all__ = [
    "LightFigure",
    "contour_figure",
    "curve_figure",
    "descent_figure",
    "loss_figure",
    "race_figure",
    "schedule_figure",
    "sample_field",
    "surface_figure",
    "DEFAULT_OBJECTIVE",
    "DEFAULT_TOL",
    "OBJECTIVES",
    "OPTIMIZERS",
    "SCHEDULES",
    "STATUSES",
    "CriticalPoint",
    "Objective",
    "OptimizerSpec",
    "Trajectory",
    "descend",
    "get_objective",
    "get_optimizer",
    "learning_rates",
    "objective_lr_limit",
    "stable_lr_limit",
]
