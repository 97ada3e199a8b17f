"""Every page's cached computations, defined once per process.

A page script runs again on every rerun; cached functions defined inside it were
re-decorated each time (Streamlit reads a function's source to key its cache: ~1.5 ms a
function per rerun). Here they are decorated once. Arguments are plain values; results
are immutable objects kept as they are (``cache_resource``): a typed function's compiled
code would be rebuilt if pickled.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

import gdviz
from gdviz import DATASETS, OBJECTIVES, explain, readout
from gdviz.figures import frame_epochs
from gdviz.figures.maps import basin_figure, param_map_figure
from gdviz.figures.race import RACE_FRAMES
from gdviz.figures.stability import sharpness_figure
from gdviz.figures.sweep import range_test_figure, sweep_figure
from gdviz.fit import at_start
from gdviz.maps import basin_map, lr_momentum_map, lr_start_map
from gdviz.race import Racer, board_table, leaderboard, race, velocities, verdict
from gdviz.scaling import QUICK_DIMS, step_costs
from gdviz.stability import curvature, reference_curvature
from gdviz.sweep import lr_sweep, range_sentences, range_test
from ui.controls import resolve

# ---- gradient descent ------------------------------------------------------------------


@st.cache_resource(max_entries=128, show_spinner=False)
def run_descent(source, start, lr, epochs, tol, noise=0.0, seed=0):
    objective = resolve(source)
    return gdviz.descend(objective, start, lr=lr, epochs=epochs, tol=tol, noise=noise, seed=seed)


@st.cache_resource(max_entries=64, show_spinner=False)
def descent_chart(*args):
    return gdviz.descent_figure(run_descent(*args))


@st.cache_resource(max_entries=32, show_spinner=False)
def descent_surface(*args):
    return gdviz.surface_figure(run_descent(*args))


@st.cache_resource(max_entries=64, show_spinner=False)
def loss_chart(*args):
    return gdviz.loss_figure(run_descent(*args), animated=True)


@st.cache_data(max_entries=64, show_spinner=False)
def descent_readout(*args) -> list[str]:
    """The line of worked numbers under the chart, one per frame: the step from that
    frame's epoch to the next, or where the run ended."""
    traj = run_descent(*args)
    return readout.step_lines(traj, frame_epochs(traj.epoch))


@st.cache_data(max_entries=64, show_spinner=False)
def stability_at(source, start):
    """(the curvature that decides near the start: at its nearest known minimum, else at
    the start; the curvature at the start itself)."""
    objective = resolve(source)
    return (
        reference_curvature(objective, start),
        curvature(objective, start, "the start"),
    )


@st.cache_resource(max_entries=64, show_spinner=False)
def sharpness_chart(*args):
    return sharpness_figure(run_descent(*args))


@st.cache_data(max_entries=32, show_spinner=False)
def descent_table(*args) -> dict:
    """Every epoch as rows of readable strings, for the table that follows the chart."""
    return readout.table_rows(run_descent(*args))


# ---- optimizer race --------------------------------------------------------------------


@st.cache_resource(max_entries=64, show_spinner=False)
def run_race(source, start, racers, epochs, tol, schedule, noise=0.0, seed=0):
    entries = [Racer(opt, lr, dict(hyper)) for opt, lr, hyper in racers]
    return race(resolve(source), start, entries, epochs=epochs, tol=tol,
                schedule=dict(schedule) or None, noise=noise, seed=seed)  # fmt: skip


@st.cache_resource(max_entries=32, show_spinner=False)
def race_chart(labels, *key):
    return gdviz.race_figure(run_race(*key), labels)


@st.cache_data(max_entries=32, show_spinner=False)
def race_readout(labels, *key) -> list[str]:
    """Every racer's loss at each of the race chart's frames."""
    runs = run_race(*key)
    return readout.race_lines(runs, labels, frame_epochs(max(r.epoch for r in runs), RACE_FRAMES))


@st.cache_resource(max_entries=16, show_spinner=False)
def race_surface(labels, *key):
    return gdviz.surface_figure(run_race(*key), labels)


@st.cache_data(max_entries=32, show_spinner=False)
def race_board(labels, *key):
    return leaderboard(run_race(*key), labels)


@st.cache_data(max_entries=32, show_spinner=False)
def race_table(labels, *key):
    """The leaderboard as shown: words where the data has None."""
    return pd.DataFrame(board_table(race_board(labels, *key)))


@st.cache_data(max_entries=32, show_spinner=False)
def race_keeps_moments(*key):
    """Whether any racer keeps a velocity or first moment (drawn as dotted arrows)."""
    return any(velocities(run) is not None for run in run_race(*key))


@st.cache_data(max_entries=32, show_spinner=False)
def race_verdict(labels, *key):
    return verdict(run_race(*key), labels, race_board(labels, *key))


@st.cache_data(max_entries=64, show_spinner=False)
def race_steps(index, epoch, *key):
    return explain.step_latex(run_race(*key)[index], epoch)


@st.cache_data(max_entries=32, show_spinner=False)
def race_snippet(index, *key):
    return explain.torch_code(run_race(*key)[index])


# A schedule travels as a tuple of (name, value) pairs, "kind" first.
@st.cache_resource(max_entries=32, show_spinner=False)
def schedule_chart(schedule, epochs):
    return gdviz.schedule_figure(gdviz.learning_rates(dict(schedule), 1.0, epochs))


# ---- fitting data ----------------------------------------------------------------------


# Data sets hold compiled functions, so caches key on where the data came from instead:
# ("registry", slug), ("made", slug, ((argument, value), ...)) or ("csv", bytes).
@st.cache_resource(max_entries=16, show_spinner=False)
def load_dataset(source: tuple):
    kind, *rest = source
    if kind == "registry":
        return DATASETS[rest[0]]
    if kind == "made":
        return DATASETS[rest[0]].make(**dict(rest[1]))
    return gdviz.dataset_from_csv(rest[0])


@st.cache_resource(max_entries=16, show_spinner=False)
def fit_objective(source, loss):
    return gdviz.loss_objective(load_dataset(source), loss)


@st.cache_data(max_entries=32, show_spinner=False)
def fit_stability(source, loss, start):
    """The curvature of L that decides plain GD's stability (at its minimum)."""
    return reference_curvature(fit_objective(source, loss), start)


@st.cache_data(max_entries=64, show_spinner=False)
def fit_start(source, loss, start):
    return at_start(fit_objective(source, loss), start)


@st.cache_resource(max_entries=32, show_spinner=False)
def run_fit(source, start, lr, epochs, optimizer, batch_size, seed, loss):
    return gdviz.fit(
        load_dataset(source), start, lr=lr, epochs=epochs, optimizer=optimizer,
        batch_size=batch_size, seed=seed, loss=loss,
    )  # fmt: skip


@st.cache_resource(max_entries=32, show_spinner=False)
def fit_chart(*args):
    return gdviz.fit_figure(run_fit(*args))


@st.cache_resource(max_entries=16, show_spinner=False)
def fit_comparison(source, start, lr, epochs, optimizer, seed, loss):
    """The same fit with the full batch, mini-batches of 4 and single samples (SGD)."""
    n = load_dataset(source).n
    sizes = [(None, "full batch"), (min(4, n), f"mini-batch of {min(4, n)}"), (1, "SGD (batch 1)")]
    runs = [run_fit(source, start, lr, epochs, optimizer, b, seed, loss) for b, _ in sizes]
    return gdviz.race_figure(runs, [label for _, label in sizes])


@st.cache_resource(max_entries=16, show_spinner=False)
def fit_landscape(*args):
    return gdviz.descent_figure(run_fit(*args))


@st.cache_data(max_entries=16, show_spinner=False)
def fit_table(*args):
    return pd.DataFrame(explain.table(run_fit(*args)))


@st.cache_data(max_entries=16, show_spinner=False)
def fit_rows(*args) -> dict:
    """Every epoch of the fit as rows of readable strings, for the table that follows the
    chart."""
    return readout.table_rows(run_fit(*args))


@st.cache_data(max_entries=16, show_spinner=False)
def fit_readout(*args) -> list[str]:
    """The worked step under the fit chart, one line per frame (full-batch fits: a
    mini-batch step's gradient is its batch's, which the line would not show)."""
    traj = run_fit(*args)
    return readout.step_lines(traj, frame_epochs(traj.epoch))


# ---- why gradients ---------------------------------------------------------------------


def _why_paths(source, start, lr, delta) -> list:
    trial, gradient, _, _ = trial_vs_gradient(source, start, lr, delta)
    return [("trial and error", trial.points), ("gradient descent", gradient.points)]


@st.cache_resource(max_entries=16, show_spinner=False)
def why_paths(source, start, lr, delta):
    return gdviz.paths_figure(resolve(source), _why_paths(source, start, lr, delta))


@st.cache_resource(max_entries=16, show_spinner=False)
def why_evaluations(source, start, lr, delta):
    objective = resolve(source)
    labels = {
        "trial": "trial and error (evaluations of f)",
        "gradient": "gradient descent, ∇f counted as 1",
    }
    if objective.dim > 1:  # with n = 1 both conventions draw the same curve
        labels["gradient_fd"] = f"gradient descent, ∇f counted as n = {objective.dim}"
    curves = trial_vs_gradient(source, start, lr, delta)[2]
    return gdviz.evaluations_figure(curves, labels, objective.symbol)


@st.cache_data(max_entries=32, show_spinner=False)
def why_banner(source, start, lr, delta):
    trial, gradient, _, summary = trial_vs_gradient(source, start, lr, delta)
    return gdviz.view_around(resolve(source), [trial.points, gradient.points]).told(*summary)


@st.cache_data(max_entries=32, show_spinner=False)
def trial_vs_gradient(source, start, lr, delta):
    result = gdviz.race_trial_vs_gradient(resolve(source), start, lr=lr, delta=delta)
    return result.trial, result.gradient, result.aligned(), result.summary()


# n ≤ 256 takes a few hundredths of a second: shown at once. 512 and 1024 add about a
# second (trial and error's batches grow as n²), so they wait for the toggle.
@st.cache_data(max_entries=4, show_spinner="Running the scaling experiment (about a second)…")
def scaling(seed, dims=QUICK_DIMS):
    return gdviz.scaling_experiment(dims, seed=seed)


@st.cache_data(max_entries=2, show_spinner=False)
def why_steps(seed):
    return step_costs(seed=seed)


@st.cache_resource(max_entries=8, show_spinner=False)
def why_animation(source, start, lr, delta):
    """The paths of step 1, played move by move (for the page's exports)."""
    return gdviz.paths_animation(resolve(source), _why_paths(source, start, lr, delta))


@st.cache_data(max_entries=8, show_spinner=False)
def why_rows(source, start, lr, delta) -> dict:
    """Both runs of step 1, every recorded point, for the CSV export."""
    trial, gradient, _, _ = trial_vs_gradient(source, start, lr, delta)
    objective = resolve(source)
    names = [str(v) for v in objective.variables]
    return gdviz.export.search_columns([trial, gradient], ["trial and error", "gradient descent"],
                                       names, objective.symbol)  # fmt: skip


# ---- what a derivative is ----------------------------------------------------------------


@st.cache_data(max_entries=64, show_spinner=False)
def slope_table(slug, x):
    return [row._asdict() for row in gdviz.secant_table(OBJECTIVES[slug], x)]


@st.cache_resource(max_entries=32, show_spinner=False)
def slope_chart(slug, x, dx):
    return gdviz.derivative_figure(OBJECTIVES[slug], x, dx)


@st.cache_resource(max_entries=8, show_spinner=False)
def slope_animation(slug, x):
    """The secant turning into the tangent as Δx shrinks (for the page's exports)."""
    return gdviz.derivative_animation(OBJECTIVES[slug], x)


@st.cache_data(max_entries=64, show_spinner=False)
def slope_words(slug, x, dx):
    objective = OBJECTIVES[slug]
    slope = float(objective.grad([x])[0])
    view = gdviz.view_around(objective, [[x, x + dx]])
    note = (
        f"x or x + Δx is outside the plotting box, so the view is widened ({view.ranges()})."
        if view.widened
        else ""
    )
    return " ".join(filter(None, (gdviz.downhill_sentence(slope, "x"), note)))


# ---- the classic exercises ------------------------------------------------------------------


@st.cache_resource(max_entries=32, show_spinner=False)
def classic_runs(seed):
    """The classic loop from ``classic_start(seed)``: (x₀, the descent, the addition's climb)."""
    start = gdviz.classic_start(seed)
    return start, gdviz.classic_loop(start), gdviz.classic_loop(start, sign=+1)


@st.cache_resource(max_entries=32, show_spinner=False)
def classic_chart(seed):
    _, down, up = classic_runs(seed)
    return gdviz.classic_figure(down, up)


@st.cache_data(max_entries=32, show_spinner=False)
def classic_words(seed) -> dict:
    """Everything the classic loop's answers say: both printouts, what the printout's "x"
    is, the slip, and what the addition does."""
    start, down, _ = classic_runs(seed)
    return {
        "printout": gdviz.classic_printout(down),
        "corrected": gdviz.corrected_printout(down),
        "printed": gdviz.printed_as_x(down),
        "slip": gdviz.classic_slip(down),
        "flip": gdviz.sign_flip_outcome(start),
        "flip_sentence": gdviz.classic_sign_flip(start),
    }


@st.cache_resource(max_entries=1, show_spinner=False)
def matrix_exercise():
    """The matrix exercise's three runs compared (gdviz.matrix_comparison)."""
    return gdviz.matrix_comparison()


@st.cache_resource(max_entries=1, show_spinner=False)
def matrix_chart():
    return gdviz.matrix_animation(matrix_exercise())


@st.cache_resource(max_entries=4, show_spinner=False)
def zero_grad_pair(slug, start, lr, epochs):
    """PyTorch's loop with and without zero_grad() (gdviz.zero_grad_runs)."""
    return gdviz.zero_grad_runs(slug, start, lr, epochs)


@st.cache_resource(max_entries=64, show_spinner=False)
def zero_grad_chart(slug, start, lr, epochs, epoch):
    return gdviz.zero_grad_figure(zero_grad_pair(slug, start, lr, epochs), epoch)


@st.cache_resource(max_entries=4, show_spinner=False)
def zero_grad_played(slug, start, lr, epochs):
    """Both runs played line by line, and the loop with the running line marked per frame."""
    runs = zero_grad_pair(slug, start, lr, epochs)
    return gdviz.zero_grad_animation(runs), gdviz.zero_grad_readout(runs)


@st.cache_data(max_entries=4, show_spinner=False)
def zero_grad_words(slug, start, lr, epochs) -> dict:
    """What forgetting zero_grad() did, and the forgotten run as a PyTorch script."""
    runs = zero_grad_pair(slug, start, lr, epochs)
    facts = gdviz.zero_grad_facts(runs)
    return {"outcome": facts.outcome, "sentence": facts.sentence,
            "code": gdviz.zero_grad_code(runs.forgotten)}  # fmt: skip


@st.cache_data(max_entries=1, show_spinner=False)
def small_facts():
    """The small facts' numbers: dL/dw's sign, the secant's slope, what trying costs."""
    return gdviz.derivative_sign_facts(), gdviz.secant_facts(), gdviz.counting_facts()


# ---- every learning rate at once: sweeps, range tests, maps -----------------------------
# A "target" is what these views run on: a function's source (see resolve) or
# ("fit", data source, loss) for the fit page's loss L. Hyperparameters travel as a tuple
# of (name, value) pairs.


def target_objective(target):
    if isinstance(target, tuple) and target and target[0] == "fit":
        return fit_objective(target[1], target[2])
    return resolve(target)


# The views compute through ui.budget.within, which passes ``_progress`` (a callable, not
# part of the cache key: Streamlit does not hash arguments whose names begin with "_").
@st.cache_resource(max_entries=16, show_spinner=False)
def lr_sweep_of(target, start, optimizer, epochs, tol, hyper, _progress=None):
    return lr_sweep(target_objective(target), start, optimizer=optimizer, epochs=epochs,
                    tol=tol, progress=_progress, **dict(hyper))  # fmt: skip


@st.cache_resource(max_entries=16, show_spinner=False)
def sweep_chart(target, start, optimizer, epochs, tol, hyper, lr):
    sweep = lr_sweep_of(target, start, optimizer, epochs, tol, hyper)
    return sweep_figure(sweep, lr, reference_curvature(sweep.objective, start))


@st.cache_data(max_entries=16, show_spinner=False)
def sweep_words(target, start, optimizer, epochs, tol, hyper) -> list[str]:
    sweep = lr_sweep_of(target, start, optimizer, epochs, tol, hyper)
    return sweep.summary(reference_curvature(sweep.objective, start))


@st.cache_data(max_entries=16, show_spinner=False)
def sweep_marks(target, start, optimizer, epochs, tol, hyper) -> dict:
    """The sweep's notable rates: the fastest to converge, the largest that converges and
    the smallest that diverges (None where the sweep has none)."""
    sweep = lr_sweep_of(target, start, optimizer, epochs, tol, hyper)
    converging = sweep.converging()
    return {
        "fastest": sweep.fastest(),
        "largest": converging[1] if converging else None,
        "divergent": sweep.first_divergent(),
    }


@st.cache_resource(max_entries=16, show_spinner="Running the range test…")
def range_test_of(target, start, optimizer, hyper):
    return range_test(target_objective(target), start, optimizer=optimizer, **dict(hyper))


@st.cache_resource(max_entries=16, show_spinner=False)
def range_chart(target, start, optimizer, hyper):
    test = range_test_of(target, start, optimizer, hyper)
    return range_test_figure(test, reference_curvature(test.objective, start))


@st.cache_data(max_entries=16, show_spinner=False)
def range_words(target, start, optimizer, hyper) -> list[str]:
    test = range_test_of(target, start, optimizer, hyper)
    return range_sentences(test, reference_curvature(test.objective, start))


@st.cache_resource(max_entries=16, show_spinner=False)
def landscape_run(target, start, optimizer, lr, epochs, tol, hyper):
    return gdviz.descend(target_objective(target), start, lr=lr, epochs=epochs,
                         optimizer=optimizer, tol=tol, **dict(hyper))  # fmt: skip


@st.cache_resource(max_entries=16, show_spinner=False)
def landscape_run_chart(*args):
    return gdviz.descent_figure(landscape_run(*args))


def landscape_rows(*args) -> dict:
    """Every epoch of the run the views point at (for the page's CSV export)."""
    return explain.table(landscape_run(*args))


# Maps hold only small arrays (int8 labels, float32 values); the batch behind each is
# freed as soon as it is classified. A few are kept: a 512 × 512 map is about 1 MB.
@st.cache_resource(max_entries=6, show_spinner=False)
def basin_of(target, optimizer, lr, epochs, tol, hyper, resolution, box, _progress=None):
    return basin_map(target_objective(target), lr=lr, epochs=epochs, optimizer=optimizer,
                     tol=tol, resolution=resolution, box=box, progress=_progress,
                     **dict(hyper))  # fmt: skip


@st.cache_resource(max_entries=6, show_spinner=False)
def basin_chart(target, optimizer, lr, epochs, tol, hyper, resolution, box, replay):
    """The basin map; with ``replay`` (a start) that start's run animated on it."""
    bmap = basin_of(target, optimizer, lr, epochs, tol, hyper, resolution, box)
    traj = None
    if replay is not None:
        traj = landscape_run(target, replay, optimizer, lr, epochs, tol, hyper)
    return basin_figure(bmap, traj)


@st.cache_resource(max_entries=6, show_spinner=False)
def momentum_map_of(target, start, optimizer, epochs, tol, resolution, _progress=None):
    return lr_momentum_map(target_objective(target), start, optimizer=optimizer, epochs=epochs,
                           tol=tol, resolution=resolution, progress=_progress)  # fmt: skip


@st.cache_resource(max_entries=6, show_spinner=False)
def lr_start_map_of(target, optimizer, epochs, tol, hyper, resolution, _progress=None):
    return lr_start_map(target_objective(target), optimizer=optimizer, epochs=epochs, tol=tol,
                        resolution=resolution, progress=_progress, **dict(hyper))  # fmt: skip


@st.cache_resource(max_entries=6, show_spinner=False)
def param_map_chart(which, args, current):
    pmap = momentum_map_of(*args) if which == "momentum" else lr_start_map_of(*args)
    return param_map_figure(pmap, current)
