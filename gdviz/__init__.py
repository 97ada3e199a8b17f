"""gdviz: see gradient descent. A pure core (numpy, sympy, plotly) behind a Streamlit app."""

from .analysis import objective_lr_limit, stable_lr_limit
from .batch import BatchResult, descend_batch
from .custom import parse_objective
from .data import DATASETS, Dataset, dataset_from_csv, get_dataset, make_noisy_line
from .derivative import downhill_sentence, secant_and_tangent, secant_table
from .descent import DEFAULT_TOL, STATUSES, Trajectory, descend
from .export import csv_text, gif_bytes, png_bytes, race_columns, standalone_html
from .expressions import ExpressionError, parse_expression
from .field import sample_field
from .figures import (
    LightFigure,
    contour_figure,
    curve_figure,
    derivative_animation,
    derivative_figure,
    descent_figure,
    evaluations_figure,
    fit_figure,
    for_projector,
    loss_figure,
    paths_animation,
    paths_figure,
    race_figure,
    scaling_figure,
    schedule_figure,
    surface_figure,
)
from .fit import LOSSES, FitTrajectory, LossObjective, fit, least_squares, loss_objective
from .maps import (
    BASIN_RESOLUTION,
    FINE_RESOLUTION,
    MOMENTUM_OPTIMIZERS,
    BasinMap,
    ParamMap,
    basin_map,
    lr_momentum_map,
    lr_start_map,
)
from .objectives import DEFAULT_OBJECTIVE, OBJECTIVES, CriticalPoint, Objective, get_objective
from .optimizers import OPTIMIZERS, OptimizerSpec, get_optimizer
from .scaling import scaling_experiment
from .schedules import SCHEDULES, learning_rates
from .stability import Curvature, curvature, reference_curvature, sharpness
from .sweep import SWEEP_RANGE, SWEEP_RATES, RangeTest, Sweep, lr_sweep, range_sentences, range_test
from .trial import race_trial_vs_gradient, trial_and_error
from .view import View, view_around, view_of

__all__ = [
    "ExpressionError",
    "parse_expression",
    "parse_objective",
    "downhill_sentence",
    "secant_and_tangent",
    "secant_table",
    "race_trial_vs_gradient",
    "scaling_experiment",
    "trial_and_error",
    "DATASETS",
    "Dataset",
    "dataset_from_csv",
    "get_dataset",
    "make_noisy_line",
    "LOSSES",
    "FitTrajectory",
    "LossObjective",
    "fit",
    "least_squares",
    "loss_objective",
    "LightFigure",
    "contour_figure",
    "curve_figure",
    "derivative_animation",
    "derivative_figure",
    "descent_figure",
    "evaluations_figure",
    "paths_animation",
    "paths_figure",
    "scaling_figure",
    "fit_figure",
    "for_projector",
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
    "BatchResult",
    "View",
    "descend",
    "descend_batch",
    "BASIN_RESOLUTION",
    "FINE_RESOLUTION",
    "MOMENTUM_OPTIMIZERS",
    "BasinMap",
    "ParamMap",
    "basin_map",
    "lr_momentum_map",
    "lr_start_map",
    "Curvature",
    "curvature",
    "reference_curvature",
    "sharpness",
    "SWEEP_RANGE",
    "SWEEP_RATES",
    "RangeTest",
    "Sweep",
    "lr_sweep",
    "range_sentences",
    "range_test",
    "get_objective",
    "get_optimizer",
    "learning_rates",
    "objective_lr_limit",
    "stable_lr_limit",
    "view_around",
    "view_of",
    "csv_text",
    "gif_bytes",
    "png_bytes",
    "race_columns",
    "standalone_html",
]
