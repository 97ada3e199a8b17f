"""Every entry of every registry has what the pages, the explanations, the PyTorch snippet
and the suggestions need, and each of those works for it.

Adding an optimizer, schedule, loss or data set is one entry in its registry; these checks
run on every entry, so a new one that lacks something fails here, by name. The last tests
break an entry on purpose and make sure the checks notice.
"""

import dataclasses
import math
import re

import numpy as np
import pytest
import sympy as sp

from gdviz import DATASETS, LOSSES, OBJECTIVES, OPTIMIZERS, SCHEDULES, descend, get_optimizer
from gdviz.explain import step_latex, torch_code
from gdviz.expressions import FUNCTIONS, parse_expression
from gdviz.fit import least_squares, loss_objective
from gdviz.pytorch import _literal
from gdviz.race import suggested_lr
from gdviz.schedules import learning_rates
from gdviz.settings import Setting
from tests.conftest import open_page
from ui.controls import LR_MAX, LR_MIN

SLUG = re.compile(r"[a-z][a-z0-9_]*")  # goes into widget keys and URLs


def sentence(text: str) -> None:
    """Text for the user: a sentence, with η (never "lr") for the learning rate."""
    assert text and text.endswith("."), text
    assert not re.search(r"\blr\b", text), f"say η, not lr: {text!r}"


def latex(text: str) -> None:
    assert text and text.count("{") == text.count("}"), text


def snippet(code: str, *calls: str) -> None:
    """A PyTorch script that Python can compile, making each of ``calls``."""
    compile(code, "snippet.py", "exec")
    for call in calls:
        assert call in code, f"{call!r} not in\n{code}"


def other_value(default):
    """A valid value unlike ``default``, to see a changed hyperparameter reach the snippet."""
    if isinstance(default, bool):
        return not default
    if isinstance(default, tuple):
        return tuple(round(b - (1 - b), 6) for b in default)  # 0.9 → 0.8, 0.999 → 0.998
    return 0.1 if default == 0 else default / 2


def short_run(slug, schedule=None, **hyper):
    return descend("himmelblau", (0.0, 0.0), lr=suggested_lr("himmelblau", slug), epochs=12,
                   optimizer=slug, schedule=schedule, tol=0.0, **hyper)  # fmt: skip


def explained(traj) -> None:
    """The first and last steps explained: LaTeX lines and sentences, landing on x_t."""
    for epoch in (0, traj.epoch - 1):
        lines = step_latex(traj, epoch)
        assert lines and lines[-1][0].startswith(f"x_{{{epoch + 1}}} = "), lines
        for line, about in lines:
            latex(line)
            sentence(about)


# ---- optimizers ----------------------------------------------------------------------------


def check_optimizer(slug) -> None:
    spec = OPTIMIZERS[slug]
    assert spec.slug == slug and SLUG.fullmatch(slug)
    assert spec.name and spec.torch.isidentifier() and spec.torch[0].isupper(), spec
    latex(spec.rule)
    assert r"\eta" in spec.rule and "x_{t+1}" in spec.rule, spec.rule
    sentence(spec.about)
    assert spec.lr_share is None or 0 < spec.lr_share < 1, spec.lr_share
    assert not set(spec.preset) & set(spec.defaults), "a preset argument is open to change"
    for name, default in spec.defaults.items():  # what the race's widgets can show
        pair = isinstance(default, tuple) and len(default) == 2
        assert isinstance(default, bool | float) or pair, (name, default)
    for objective in OBJECTIVES:  # a share of the domain lands on the race's η grid
        lr = suggested_lr(objective, slug)
        assert lr > 0 and (spec.lr_share is None or LR_MIN <= lr <= LR_MAX), (objective, lr)
    traj = short_run(slug)
    explained(traj)
    fixed = [f"{k}={_literal(v)}" for k, v in spec.fixed.items()]
    snippet(torch_code(traj), f"torch.optim.{spec.torch}([p], lr=", *fixed)
    for name, default in spec.defaults.items():  # each changed alone reaches both
        value = other_value(default)
        try:
            get_optimizer(slug, **{name: value})
        except ValueError:
            continue  # PyTorch refuses it alone (Nesterov without momentum): the race says so
        traj = short_run(slug, **{name: value})
        explained(traj)
        snippet(torch_code(traj), f"{name}={_literal(value)}")


@pytest.mark.parametrize("slug", OPTIMIZERS)
def test_every_optimizer_has_what_the_pages_need(slug):
    check_optimizer(slug)


def test_optimizer_names_are_unique():
    names = [spec.name for spec in OPTIMIZERS.values()]
    assert len(set(names)) == len(names)


# ---- schedules -----------------------------------------------------------------------------


def widget_values(spec, epochs: int):
    """The parameters the race's widgets start at, then each widget at its lowest value."""
    start = {k: epochs if v is None else v for k, v in spec.defaults.items()}
    yield start
    for name, setting in spec.settings.items():
        if setting.low is not None:
            yield {**start, name: setting.cast(setting.low)}


def check_schedule(slug) -> None:
    spec = SCHEDULES[slug]
    assert spec.slug == slug and SLUG.fullmatch(slug) and spec.name
    sentence(spec.about)
    assert set(spec.settings) == set(spec.defaults), "every parameter needs a widget"
    assert set(spec.required) <= set(spec.defaults)
    for name, setting in spec.settings.items():
        default = spec.defaults[name]
        assert isinstance(setting, Setting) and setting.label, name
        assert setting.step > 0 and setting.cast(setting.step) == setting.step, setting
        if default is not None:
            assert setting.cast(default) == default, (name, default, "not a whole number")
            assert setting.low is None or setting.low <= default, (name, default)
            assert setting.high is None or default <= setting.high, (name, default)
    for params in widget_values(spec, epochs=40):
        rates = learning_rates({"kind": slug, **params}, 0.1, 40)
        assert len(rates) == 40 and np.all(np.isfinite(rates)), params
        assert np.all(rates > -1e-15), params  # 0 at the lowest, to rounding (as in PyTorch)
    traj = short_run("adam", schedule={"kind": slug})
    code = torch_code(traj)
    if not spec.torch:
        assert np.all(traj.lrs == traj.lr) and "scheduler" not in code
        return
    assert spec.torch.isidentifier() and spec.torch.endswith("LR"), spec.torch
    required = [f"{k}=" for k in spec.required]
    snippet(code, f"torch.optim.lr_scheduler.{spec.torch}(optimizer", *required)
    assert f"the {spec.name.lower()} schedule" in step_latex(traj, 0)[0][1]


@pytest.mark.parametrize("slug", SCHEDULES)
def test_every_schedule_has_what_the_pages_need(slug):
    check_schedule(slug)


@pytest.mark.parametrize("slug", SCHEDULES)
def test_the_race_page_builds_every_schedules_widgets(slug):
    at = open_page("views/race.py")
    at.selectbox(key="race_schedule").set_value(slug).run()
    assert not at.exception and not at.error
    spec = SCHEDULES[slug]
    inputs = {w.key: w for w in at.number_input if w.key.startswith("race_sched_")}
    assert set(inputs) == {f"race_sched_{name}" for name in spec.defaults}
    for name, setting in spec.settings.items():
        assert inputs[f"race_sched_{name}"].label == setting.label


# ---- losses --------------------------------------------------------------------------------


def check_loss(slug) -> None:
    spec = LOSSES[slug]
    assert spec.slug == slug and SLUG.fullmatch(slug)
    assert spec.name and spec.name.lower() != slug, "the fit page shows the name, in words"
    assert "{r}" in spec.latex
    latex(spec.latex.format(r="w x_i - y_i"))
    r = sp.Symbol("r", real=True)
    assert spec.of_residual(r).free_symbols == {r}
    solved = []
    for data in DATASETS.values():
        objective = loss_objective(data, slug)
        assert spec.name in objective.name and objective.latex
        answer = least_squares(data)
        if answer is not None:
            solved.append(np.linalg.norm(objective.grad(answer)) < 1e-8)
    assert solved and spec.squared == all(solved), "squared: least squares minimises it"


@pytest.mark.parametrize("slug", LOSSES)
def test_every_loss_has_what_the_fit_page_needs(slug):
    check_loss(slug)


# ---- data sets -----------------------------------------------------------------------------


def check_dataset(slug) -> None:
    data = DATASETS[slug]
    assert data.slug == slug and SLUG.fullmatch(slug) and data.name
    sentence(data.about)
    assert data.n >= 2 and len(data.start) == data.dim and data.lr > 0
    assert data.model.free_symbols <= {*data.parameters, sp.Symbol("x", real=True)}
    objective = loss_objective(data)
    assert all(lo <= s <= hi for s, (lo, hi) in zip(data.start, objective.domain, strict=True))
    if data.make is None:
        assert not data.settings
        return
    assert set(data.settings) == set(data.defaults), "every argument needs a widget"
    again = data.make(**data.defaults)
    np.testing.assert_array_equal(again.x, data.x)
    np.testing.assert_array_equal(again.y, data.y)
    for name, setting in data.settings.items():
        default = data.defaults[name]
        assert setting.label and setting.cast(default) == default, (name, default)
        assert setting.low is None or setting.low <= default, (name, default)
        assert setting.high is None or default <= setting.high, (name, default)
        if setting.low is not None:  # the lowest value the widget offers makes data too
            assert data.make(**{**data.defaults, name: setting.cast(setting.low)}).n >= 2


@pytest.mark.parametrize("slug", DATASETS)
def test_every_dataset_has_what_the_fit_page_needs(slug):
    check_dataset(slug)


# ---- read-only: objectives and the parser's functions ----------------------------------------


@pytest.mark.parametrize("slug", OBJECTIVES)
def test_every_objective_has_what_the_pages_need(slug):
    objective = OBJECTIVES[slug]
    assert objective.slug == slug and objective.name and objective.formula
    latex(objective.latex)
    assert len(objective.domain) == len(objective.start) == objective.dim
    assert all(lo <= s <= hi for s, (lo, hi) in zip(objective.start, objective.domain, strict=True))
    assert objective.lr > 0 and math.isfinite(float(objective.f(np.array(objective.start))))


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_parser_function_parses_and_agrees_with_its_float_version(name):
    spec = FUNCTIONS[name]
    expr = parse_expression(f"{name}(x)")
    assert expr.free_symbols == {sp.Symbol("x", real=True)}
    assert float(spec.build(sp.Float(0.5))) == pytest.approx(spec.value(0.5), rel=1e-12)


# ---- the checks notice what is missing -------------------------------------------------------


@pytest.mark.parametrize(
    ("registry", "slug", "change"),
    [
        (OPTIMIZERS, "adam", {"about": ""}),
        (OPTIMIZERS, "adam", {"torch": ""}),
        (OPTIMIZERS, "adam", {"rule": r"x_{t+1} = x_t - lr\, g_t"}),
        (OPTIMIZERS, "adam", {"lr_share": 10.0}),
        (OPTIMIZERS, "gd", {"lines": lambda step: []}),
        (OPTIMIZERS, "sgd", {"name": ""}),
        (SCHEDULES, "step", {"settings": {}}),
        (SCHEDULES, "step", {"required": ("step_size", "gama")}),
        (SCHEDULES, "step", {"about": "Multiply lr by γ every step_size epochs."}),
        (SCHEDULES, "cosine", {"torch": ""}),
        (LOSSES, "mae", {"squared": True}),
        (LOSSES, "mse", {"latex": r"r^2"}),
        (DATASETS, "noisy_line", {"settings": {}}),
        (DATASETS, "three_points", {"about": ""}),
    ],
)
def test_the_checks_fail_for_an_entry_that_lacks_something(monkeypatch, registry, slug, change):
    check = {id(OPTIMIZERS): check_optimizer, id(SCHEDULES): check_schedule,
             id(LOSSES): check_loss, id(DATASETS): check_dataset}[id(registry)]  # fmt: skip
    check(slug)  # the entry as registered passes
    monkeypatch.setitem(registry, slug, dataclasses.replace(registry[slug], **change))
    with pytest.raises(AssertionError):
        check(slug)
