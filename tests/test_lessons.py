"""gdviz.lessons: every lesson's link opens its setting, its answer is computed from the run
(and holds on an independent run), predictions get the right verdict, and the search by
hand counts every probe against gradient descent's count."""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pytest

import gdviz
from gdviz import DATASETS, OBJECTIVES, descend, fit
from gdviz.lessons import (
    ANSWER_HIDDEN,
    ANSWER_PARAM,
    ANSWER_SHOWN,
    COUNT_FACTOR,
    HAND_TOL,
    KINDS,
    LESSON_PARAM,
    LESSONS,
    NEXT_STEP_SHARE,
    PAGES,
    STATUS,
    STATUS_CHOICES,
    HandSearch,
    Lesson,
    as_text,
    batch_labels,
    check,
    hand_search,
    lesson_query,
    outcome,
    point_label,
    read_lesson_query,
)
from gdviz.links import read
from gdviz.race import Racer, epochs_to_tolerance, race
from gdviz.scaling import QUICK_DIMS, scaling_experiment
from gdviz.stability import curvature, reference_curvature
from gdviz.trial import counted_descent_objective, race_trial_vs_gradient
from ui import links as ui_links

ALL = list(LESSONS)
SLUG = re.compile(r"[a-z][a-z0-9_]*")
#: The scenarios the issue asks for by name (slug → title).
ASKED = {
    "goldilocks": "Goldilocks learning rate",
    "too_big": "Too big: divergence",
    "stability_limit": "Bouncing at the stability limit",
    "local_minimum": "Stuck in a local minimum, the global one over the next hill",
    "saddle_escape": "Escaping a saddle point",
    "ravine_zigzag": "Zig-zag in a ravine",
    "momentum_beale": "Momentum overshoots (Beale from (3, 4))",
    "adam_vs_sgd": "Adam vs SGD on Rosenbrock",
    "batch_vs_sgd": "Batch vs stochastic",
    "why_gradients": "Why gradients beat trial and error",
    "by_hand": "Beat gradient descent by hand",
}


def gives(lesson: Lesson) -> str:
    return KINDS[lesson.kind].gives


# ---- the registry ------------------------------------------------------------------------------


def test_there_are_enough_lessons_with_the_asked_ones_among_them():
    # 14 with the 4 classic exercises another page adds: at least 12 here
    assert len(LESSONS) >= 12
    for slug, title in ASKED.items():
        assert LESSONS[slug].title == title
    assert len({lesson.title for lesson in LESSONS.values()}) == len(LESSONS)


@pytest.mark.parametrize("slug", ALL)
def test_every_lesson_is_complete(slug):
    lesson = LESSONS[slug]
    assert lesson.slug == slug and SLUG.fullmatch(slug)
    assert lesson.page in PAGES and lesson.kind in KINDS
    assert lesson.question.endswith("?") and "{" not in lesson.question
    assert lesson.about.endswith(".") and "{" not in lesson.about
    assert (gives(lesson) == "choice") == bool(lesson.choices)
    assert len(set(lesson.choices)) == len(lesson.choices)
    for text in (lesson.title, lesson.question, lesson.about, *lesson.choices):
        assert not re.search(r"\blr\b", text), f"say η, not lr: {text!r}"


def test_the_pages_are_the_apps_pages():
    assert set(PAGES) <= set(ui_links.PAGES)  # (the lessons and exercises pages have none)


@pytest.mark.parametrize("slug", ALL)
def test_every_lessons_query_opens_its_page_without_notes(slug):
    lesson = LESSONS[slug]
    page = lesson.page
    reading = read(lesson.query, ui_links.fields(page), ui_links.TEACHABLE[page])
    assert reading.notes == ()
    assert len(reading.values) == len(lesson.query)  # every name is one the page reads


# ---- outcomes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ALL)
def test_every_outcome_says_its_numbers(slug):
    lesson = LESSONS[slug]
    result = outcome(lesson)
    assert 1 <= len(result.sentences) <= 3
    assert result.numbers
    for sentence in result.sentences:
        assert sentence.endswith("."), sentence
        assert sentence.startswith("η") or not sentence[0].islower(), sentence
        assert not re.search(r"\blr\b|max_epochs|None|nan|\binf\b", sentence), sentence
    for name, value in result.numbers.items():
        assert as_text(value) in result.text, f"{name} = {as_text(value)} not in {result.text!r}"
    if gives(lesson) == "choice":
        assert result.answer in lesson.choices
    assert outcome(slug) is result  # cached


@pytest.mark.parametrize("slug", [s for s in ALL if LESSONS[s].kind == STATUS])
def test_no_status_lesson_ends_still_descending(slug):
    assert outcome(slug).answer in STATUS_CHOICES


def test_an_outcome_follows_its_setting_never_a_written_in_answer():
    lesson = LESSONS["too_big"]
    tamed = dataclasses.replace(lesson, query={**lesson.query, "lr": "0.5"})
    assert outcome(lesson).answer == "diverge"
    assert outcome(tamed).answer == "converge"
    assert check(tamed, "converge").right and not check(lesson, "converge").right


# ---- predictions ---------------------------------------------------------------------------------


def hand_to_the_minimum(lesson) -> HandSearch:
    search = hand_search(lesson)
    search.probe(search.objective.global_minimum.point)
    return search


def hand_that_dawdles(lesson) -> HandSearch:
    search = hand_search(lesson)
    for _ in range(outcome(lesson).answer):
        search.probe(search.start)
    return search


def predictions(lesson):
    """(a right prediction, a wrong one) for ``lesson``."""
    result = outcome(lesson)
    kind = gives(lesson)
    if kind == "choice":
        return result.answer, next(c for c in lesson.choices if c != result.answer)
    if kind == "point":
        far = np.add(result.answer, 10 * result.numbers["step length"])
        return result.answer, tuple(far)
    if kind == "number":
        return result.answer, result.answer * 10
    return hand_to_the_minimum(lesson), hand_that_dawdles(lesson)


@pytest.mark.parametrize("slug", ALL)
def test_a_right_and_a_wrong_prediction_get_their_verdicts(slug):
    lesson = LESSONS[slug]
    right, wrong = predictions(lesson)
    yes, no = check(lesson, right), check(lesson, wrong)
    assert yes.right and not no.right
    for verdict in (yes, no):
        assert verdict.outcome.text in verdict.sentence or gives(lesson) == "search"
        assert verdict.sentence.endswith(".")
        assert not re.search(r"\blr\b", verdict.sentence)


NONSENSE = {
    "choice": ["banana", 3, None, ["converge"], True],
    "point": ["banana", (1.0, 2.0, 3.0), math.nan, None, [True], "1, x"],
    "number": ["banana", -3, 0, math.inf, True, None, (1, 2)],
    "search": [33, "x", None],
}


@pytest.mark.parametrize("slug", ALL)
def test_nonsense_predictions_are_refused_saying_what_was_expected(slug):
    lesson = LESSONS[slug]
    for bad in NONSENSE[gives(lesson)]:
        with pytest.raises(ValueError, match="expected"):
            check(lesson, bad)


def test_predictions_are_read_as_a_person_writes_them():
    assert check("too_big", "  Diverge ").right
    assert check("too_big", "diverged").right  # gdviz's own status word
    assert check("stability_limit", "oscillating").right
    assert check("goldilocks", 0.4).right and check("goldilocks", "0.4").right
    assert check("next_step", 2).right and check("next_step", "2.1").right
    assert check("next_step", [2.0]).right and not check("next_step", 2.5).right
    assert check("mirror_rates", "70").right


def test_a_count_is_right_within_the_factor_and_a_point_within_its_share():
    answer = outcome("mirror_rates").answer
    assert check("mirror_rates", answer / COUNT_FACTOR).right
    assert check("mirror_rates", answer * COUNT_FACTOR).right
    assert not check("mirror_rates", answer * COUNT_FACTOR * 1.01).right
    result = outcome("next_step")
    share = NEXT_STEP_SHARE * result.numbers["step length"]
    assert check("next_step", result.answer[0] + 0.99 * share).right
    assert not check("next_step", result.answer[0] + 1.01 * share).right
    said = check("next_step", 2.5).sentence
    assert as_text(2.5) in said and as_text(result.answer) in said and as_text(share) in said


# ---- each lesson's claim, on an independent run ---------------------------------------------


def run_of(slug, **change):
    lesson = LESSONS[slug]
    q = {**lesson.query, **{k: str(v) for k, v in change.items()}}
    objective = OBJECTIVES[q["fn"]]
    start = [float(q["x0"])] + ([float(q["y0"])] if objective.dim == 2 else [])
    return descend(q["fn"], start, lr=float(q["lr"]), epochs=int(q["epochs"]))


def limit_of(slug):
    return curvature(OBJECTIVES[LESSONS[slug].query["fn"]], (0.0,), "the minimum").gd_limit


def test_goldilocks_too_small_just_right_too_big():
    lesson = LESSONS["goldilocks"]
    small, right, big = (run_of("goldilocks", lr=c) for c in lesson.choices)
    assert (small.status, right.status, big.status) == ("max_epochs", "converged", "diverged")
    assert float(lesson.choices[2]) > limit_of("goldilocks") > float(lesson.choices[1])
    assert outcome(lesson).answer == lesson.choices[1]
    assert outcome(lesson).numbers[f"epochs at η = {lesson.choices[1]}"] == right.epoch


def test_too_big_diverges_above_the_stable_limit():
    traj = run_of("too_big")
    assert traj.status == "diverged" and traj.lr > limit_of("too_big")
    numbers = outcome("too_big").numbers
    assert numbers["epoch it diverged at"] == traj.epoch
    assert numbers["stable limit 2/λ_max"] == pytest.approx(limit_of("too_big"))


def test_at_the_stability_limit_it_bounces_forever():
    traj = run_of("stability_limit")
    assert traj.lr == limit_of("stability_limit")  # η = 2/λ exactly (gdviz.stability)
    assert traj.status == "oscillating"
    assert outcome("stability_limit").answer == "bounce"


def test_just_under_the_limit_it_bounces_inward_and_converges():
    traj = run_of("just_under_limit")
    assert traj.lr < limit_of("just_under_limit") and traj.status == "converged"
    assert np.all(np.diff(np.sign(traj.points[:10, 0])) != 0)  # side to side
    assert outcome("just_under_limit").answer == "converge"


def test_a_curve_without_a_bottom_diverges_at_a_small_rate():
    assert run_of("no_bottom").status == "diverged"
    assert outcome("no_bottom").answer == "diverge"


def test_the_local_minimum_lesson_ends_in_the_local_not_the_global_minimum():
    objective = OBJECTIVES["double_well"]
    traj = run_of("local_minimum")
    local = next(p for p in objective.minima if p.kind == "local minimum")
    assert abs(traj.final[0] - local.point[0]) < 1e-4
    assert abs(traj.final[0] - objective.global_minimum.point[0]) > 1
    assert outcome("local_minimum").answer == point_label(objective, local)


def test_the_saddle_lesson_comes_close_to_the_saddle_and_escapes():
    objective = OBJECTIVES["two_wells"]
    saddle = next(p for p in objective.critical_points if p.kind == "saddle")
    traj = run_of("saddle_escape")
    distance = np.linalg.norm(traj.points - np.array(saddle.point), axis=-1)
    assert distance.min() < 0.05 and distance[-1] > 0.5  # it came close, then left
    assert traj.status == "converged"
    end = min(objective.minima, key=lambda p: np.linalg.norm(traj.final - np.array(p.point)))
    assert outcome("saddle_escape").answer == point_label(objective, end)
    assert "saddle" not in outcome("saddle_escape").answer


def test_himmelblaus_start_flows_to_a_minimum_that_is_not_the_nearest():
    objective = OBJECTIVES["himmelblau"]
    traj = run_of("himmelblau_basins")

    def near(x):
        return min(objective.minima, key=lambda p: np.linalg.norm(np.subtract(x, p.point)))

    assert near(traj.final) is not near(traj.points[0])
    assert np.linalg.norm(traj.final - np.array(near(traj.final).point)) < 1e-4
    assert outcome("himmelblau_basins").answer == point_label(objective, near(traj.final))


def test_in_the_ravine_y_zig_zags_and_x_creeps():
    steps = np.diff(run_of("ravine_zigzag").points, axis=0)
    flips = (steps[:-1] * steps[1:] < 0).sum(axis=0)
    assert flips[0] == 0 and flips[1] == len(steps) - 1
    assert outcome("ravine_zigzag").answer == "y"


def race_of(slug):
    q = LESSONS[slug].query
    opts = q["opt"].split(",")
    racers = [Racer(o, float(q[f"lr_{o}"]), dict(gdviz.OPTIMIZERS[o].defaults)) for o in opts]
    tol = float(q.get("tol", gdviz.DEFAULT_TOL))
    runs = race(q["fn"], (float(q["x0"]), float(q["y0"])), racers, epochs=int(q["epochs"]),
                tol=tol)  # fmt: skip
    return dict(zip(opts, runs, strict=True))


def test_momentum_overshoots_on_beale_and_ends_farther_than_plain_descent():
    runs = race_of("momentum_beale")
    assert (LESSONS["momentum_beale"].query["x0"], LESSONS["momentum_beale"].query["y0"]) == (
        "3",
        "4",
    )
    minimum = np.array(OBJECTIVES["beale"].global_minimum.point)
    gd, momentum = (np.linalg.norm(runs[o].points - minimum, axis=-1) for o in ("gd", "momentum"))
    assert gd[-1] < momentum[-1]
    assert momentum.min() < momentum[-1] / 2  # it came closer, then overshot
    assert outcome("momentum_beale").answer == gdviz.OPTIMIZERS["gd"].name


def test_adam_vs_sgd_agrees_with_the_races_stop_epochs():
    runs = race_of("adam_vs_sgd")
    result = outcome("adam_vs_sgd")
    adam, sgd = runs["adam"], runs["sgd"]
    assert adam.status == "converged" and sgd.status != "converged"
    assert result.answer == "Adam"
    assert result.numbers["first epoch at the tolerance"] == adam.epoch
    assert epochs_to_tolerance(adam, adam.tol) == adam.epoch
    assert result.numbers["SGD: epochs run"] == sgd.epoch


def test_batch_vs_stochastic_names_the_lowest_of_the_pages_comparison():
    lesson = LESSONS["batch_vs_sgd"]
    q = lesson.query
    n = DATASETS[q["data"]].n
    losses = [
        fit(q["data"], (0.0, 0.0), lr=float(q["lr"]), epochs=int(q["epochs"]), batch_size=size,
            seed=int(q["seed"])).losses[-1]
        for size in (None, min(4, n), 1)
    ]  # fmt: skip
    assert outcome(lesson).answer == batch_labels(q["data"])[int(np.argmin(losses))]
    assert lesson.choices == batch_labels(q["data"])


def test_sgd_bounces_below_the_stable_limit_where_the_full_batch_converges():
    q = LESSONS["sgd_bounces"].query
    args = dict(lr=float(q["lr"]), epochs=int(q["epochs"]), seed=int(q["seed"]))
    sgd = fit(q["data"], (0.0, 0.0), batch_size=1, **args)
    full = fit(q["data"], (0.0, 0.0), **args)
    assert sgd.status == "oscillating" and full.status == "converged"
    assert sgd.lr < reference_curvature(full.objective, (0.0, 0.0)).gd_limit
    assert outcome("sgd_bounces").answer == "bounce"


def test_why_gradients_counts_what_the_why_page_counts():
    q = LESSONS["why_gradients"].query
    result = race_trial_vs_gradient(q["fn"], (float(q["x0"]), float(q["y0"])),
                                    lr=float(q["lr"]), delta=float(q["delta"]))  # fmt: skip
    assert outcome("why_gradients").answer == result.trial.total_evals
    assert result.gradient.total_evals < result.trial.total_evals  # gradients do beat it here
    assert result.gradient.total_evals_fd < result.trial.total_evals


def test_many_parameters_counts_what_the_scaling_experiment_counts():
    experiment = scaling_experiment(QUICK_DIMS, seed=0)
    k = experiment.dims.index(outcome("many_parameters").numbers["parameters"])
    assert outcome("many_parameters").answer == experiment.trial_evals[k]
    gradient = outcome("many_parameters").numbers["gradient descent's evaluations"]
    assert gradient == experiment.gradient_evals[k]


def test_the_next_step_is_the_hand_computation():
    q = LESSONS["next_step"].query
    x0, lr = float(q["x0"]), float(q["lr"])
    assert outcome("next_step").answer == (x0 - lr * 2 * x0,)  # f′(x) = 2x on x² + 5


def test_the_mirror_rate_takes_as_many_epochs():
    traj = run_of("mirror_rates")
    result = outcome("mirror_rates")
    assert traj.status == "converged" and result.answer == traj.epoch
    assert result.numbers["epochs at the mirror η"] == run_of("mirror_rates", lr=0.1).epoch


# ---- beating gradient descent by hand -------------------------------------------------------


def gradient_count(lesson="by_hand") -> int:
    q = LESSONS[lesson].query
    return counted_descent_objective(q["fn"], (float(q["x0"]),), lr=float(q["lr"]),
                                     tol=HAND_TOL).total_evals  # fmt: skip


def test_a_hand_search_counts_every_probe_repeats_and_the_start_included():
    search = hand_search("by_hand")
    assert search.count == 1 and search.probes[0][0] == search.start
    values = [search.probe(0.5) for _ in range(3)]
    assert search.count == 4 and len(set(values)) == 1
    assert search.probe((1.0,)) == pytest.approx(float(OBJECTIVES["wavy"].f(np.array([1.0]))))
    assert search.count == 5 and len(search.probes) == 5
    assert search.best[1] == min(f for _, f in search.probes)


def test_the_hand_verdict_compares_with_gradient_descents_count():
    gd = gradient_count()
    assert outcome("by_hand").answer == gd
    quick = hand_to_the_minimum("by_hand")
    assert quick.reached_at == 2 and quick.verdict().right
    assert as_text(gd) in quick.verdict().sentence
    tie = hand_search("by_hand")
    for _ in range(gd - 2):
        tie.probe(tie.start)
    tie.probe(tie.objective.global_minimum.point)
    assert tie.reached_at == gd and not tie.verdict().right  # as many is not fewer
    assert check("by_hand", tie).right is False


def test_a_hand_search_that_has_not_arrived_says_how_far_it_is():
    search = hand_that_dawdles("by_hand")
    verdict = search.verdict()
    assert not verdict.right and verdict.sentence.startswith("Not yet")
    assert as_text(search.best[1]) in verdict.sentence


def test_a_hand_search_refuses_nonsense_points_and_other_lessons():
    search = hand_search("by_hand")
    for bad in ("banana", (1.0, 2.0), math.nan, None):
        with pytest.raises(ValueError, match="expected"):
            search.probe(bad)
    assert search.count == 1
    with pytest.raises(ValueError, match="expected"):
        check("by_hand", HandSearch("parabola", (3.0,), lr=0.1))
    with pytest.raises(ValueError, match="not a search by hand"):
        hand_search("too_big")
    with pytest.raises(ValueError, match="no global minimum"):
        HandSearch("saddle", (1.0, 0.5), lr=0.1)


# ---- the teacher's link -----------------------------------------------------------------------


@pytest.mark.parametrize("hidden", [False, True])
def test_a_lesson_link_reads_back(hidden):
    for slug in LESSONS:
        query = lesson_query(slug, answer_hidden=hidden)
        assert query == {LESSON_PARAM: slug,
                         ANSWER_PARAM: ANSWER_HIDDEN if hidden else ANSWER_SHOWN}  # fmt: skip
        link = read_lesson_query({k: [v] for k, v in query.items()})
        assert link.lesson is LESSONS[slug] and link.answer_hidden is hidden
        assert link.notes == ()


def test_a_lesson_link_is_untrusted_input():
    link = read_lesson_query({"lesson": ["nope"], "answer": ["maybe"], "zz": ["1"]})
    assert link.lesson is None and link.answer_hidden is False and len(link.notes) == 3
    assert read_lesson_query({"lesson": "too_big"}).answer_hidden is False
    with pytest.raises(ValueError, match="expected one of"):
        lesson_query("nope")
    with pytest.raises(ValueError, match="True or False"):
        lesson_query("too_big", answer_hidden="yes")


def test_a_lesson_is_checked_when_made():
    lesson = LESSONS["too_big"]
    with pytest.raises(ValueError, match="page"):
        dataclasses.replace(lesson, page="nowhere")
    with pytest.raises(ValueError, match="kind of prediction"):
        dataclasses.replace(lesson, kind="guess")
    with pytest.raises(ValueError, match="choices"):
        dataclasses.replace(lesson, choices=())
    with pytest.raises(TypeError):
        lesson.query["lr"] = "0.1"  # a lesson's setting is read-only


def test_the_lessons_api_is_exported():
    for name in ("LESSONS", "Lesson", "Outcome", "Verdict", "HandSearch", "outcome", "check",
                 "lesson_query", "hand_search", "LESSON_PARAM", "ANSWER_PARAM"):  # fmt: skip
        assert name in gdviz.__all__ and hasattr(gdviz, name)
