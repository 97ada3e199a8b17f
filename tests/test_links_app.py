"""Every page's settings in its link, through AppTest: state → link → state on every page,
every kind of bad value a note on a working page, and a teacher's hidden and locked
controls."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import gdviz
from ui import links

ROOT = Path(__file__).resolve().parents[1]
PATHS = {
    "descent": "views/descent.py",
    "race": "views/race.py",
    "landscape": "views/landscape.py",
    "fit": "views/fit.py",
    "why": "views/why.py",
    "slope": "views/derivative.py",
    "lessons": "views/lessons.py",
    "exercises": "views/exercises.py",
}
#: Settings a user changes on each page before copying its link (key → value).
CHANGES = {
    "descent": {"dimension": "2-D", "objective": "rosenbrock", "lr": 0.0015, "x0": -1.2,
                "y0": 1.0, "epochs": 300, "tol": 0.0, "noise": 0.1, "noise_seed": 7,
                "details": "Every epoch"},
    "race": {"race_dimension": "2-D", "race_objective": "bowl", "race_optimizers": ["gd", "adam"],
             "race_lr_adam": 0.05, "race_adam_amsgrad": True, "race_schedule": "step",
             "race_sched_gamma": 0.5, "race_epochs": 50, "race_explain": "adam"},
    "landscape": {"landscape_optimizer": "sgd", "landscape_sgd_momentum": 0.5, "lr": 0.02,
                  "landscape_view": "momentum", "epochs": 60,
                  "momentum_map_resolution": "100 × 100"},
    "fit": {"fit_dataset": "noisy_line", "fit_noisy_size": 12, "fit_optimizer": "adam",
            "fit_lr": 0.05, "fit_batch": "mini-batch", "fit_batch_size": 3, "fit_epochs": 40,
            "fit_details": "Every learning rate", "fit_rates_view": "η × momentum map"},
    "why": {"why_objective": "custom", "why_expression": "x^2/4 + y^2", "why_delta": 0.3,
            "why_lr": 0.2, "why_x0": 1.5},
    "slope": {"slope_objective": "cubic", "slope_x": 0.5, "slope_dx": 0.1},
    "lessons": {"lesson": "too_big", "lesson_answer_hidden": True},
    "exercises": {"exercise_seed": 42, "exercise_answer": "hidden"},
}  # fmt: skip


def open_link(page: str, query: dict | None = None, timeout: float = 90) -> AppTest:
    """A new session opening ``page``'s link with ``query`` (name → value or values)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    path = PATHS[page]
    if Path(path).stem != page:  # AppTest finds a page by file name before its first run
        at.run()
        at.switch_page(path)
        del at.session_state["_link_read"]  # as if the session began here
        for name in list(at.query_params):
            del at.query_params[name]
    else:
        at.switch_page(path)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    return at


def notes(at) -> str:
    return " ".join(w.value for w in at.warning if "this link" in w.value)


def field_values(at, page: str) -> dict:
    state = at.session_state
    return {f.key: state[f.key] for f in links.fields(page) if f.key in state}


@pytest.mark.parametrize("page", list(PATHS))
def test_a_pages_link_opens_the_same_settings_in_a_new_session(page):
    at = open_link(page)
    for key, value in CHANGES[page].items():
        if key.endswith(("dimension", "objective", "expression", "dataset")):
            widget = next(w for w in at._tree if getattr(w, "key", None) == key)
            widget.set_value(value)  # as a user picks it: its callbacks run
        else:
            at.session_state[key] = value
        at.run()
    assert not at.exception, at.exception
    query = dict(at.query_params)
    names = {f.key: f.name for f in links.fields(page)}
    for key in CHANGES[page]:
        if key in names:
            assert names[key] in query, (key, query)
    again = open_link(page, query)
    assert notes(again) == ""
    before, after = field_values(at, page), field_values(again, page)
    for key in CHANGES[page]:
        if key in names:
            assert after[key] == before[key] == CHANGES[page][key], key
    assert dict(again.query_params) == query


def test_the_descent_page_writes_its_five_contract_names():
    at = open_link("descent", {"fn": "rosenbrock", "lr": "0.0015", "x0": "-1.2", "y0": "1",
                               "epochs": "300"})  # fmt: skip
    assert dict(at.query_params) == {"fn": "rosenbrock", "lr": "0.0015", "x0": "-1.2",
                                     "y0": "1", "epochs": "300"}  # fmt: skip
    assert at.session_state["lr"] == 0.0015 and at.session_state["x0"] == -1.2
    assert at.select_slider(key="lr").value == 0.0015
    assert at.slider(key="epochs").value == 300
    # and a changed η goes into the link (the learning rate's part of the page reruns)
    at.select_slider(key="lr").set_value(0.002).run()
    assert at.query_params["lr"] == "0.002"


def test_a_link_naming_a_function_brings_its_own_eta_and_start():
    at = open_link("descent", {"fn": "rosenbrock"})
    from gdviz import OBJECTIVES

    rosenbrock = OBJECTIVES["rosenbrock"]
    assert at.session_state["lr"] == rosenbrock.lr
    assert (at.session_state["x0"], at.session_state["y0"]) == pytest.approx(rosenbrock.start)


#: Every kind of bad value, per page: (query, words each note must hold).
BAD = [
    ({"zz": "1"}, "no setting of that name"),
    ({"lr": "nan"}, "not a number"),
    ({"lr": "inf"}, "not a number"),
    ({"lr": "1e999"}, "not a finite number"),
    ({"lr": "1e9"}, "must be from"),
    ({"epochs": "-4"}, "must be from"),
    ({"lr": ["0.01", "0.02"]}, "appears 2 times"),
    ({"fn": "x" * 5000}, "more than the 200"),
    ({"fn": "'; DROP TABLE"}, "must be one of"),
    ({"f": "__import__('os').system('id')"}, "Ignored"),
    ({"f": "x" + "^x" * 60}, "Ignored"),
    ({"hide": "everything"}, "no control called that"),
]


@pytest.mark.parametrize(("query", "words"), BAD, ids=[str(q)[:30] for q, _ in BAD])
def test_every_kind_of_bad_value_is_a_note_on_a_working_descent_page(query, words):
    at = open_link("descent", query)
    said = notes(at)
    assert words in said, said
    assert at.title[0].value == "See gradient descent"
    assert at.get("bidi_component"), "the chart is drawn"
    assert at.session_state["objective"] == gdviz.DEFAULT_OBJECTIVE  # untouched


@pytest.mark.parametrize("page", [p for p in PATHS if p != "descent"])
def test_bad_values_on_every_page_are_notes_and_the_page_works(page):
    at = open_link(page, {"zz": "1", "lr": "nan", "epochs": "1e400", "hide": "wings"})
    said = notes(at)
    assert "no setting of that name" in said and "no control called that" in said
    assert at.title, "the page drew its title"
    assert not at.error or page == "fit", [e.value for e in at.error]


def test_an_uploaded_file_cannot_travel_and_the_fit_page_says_so():
    at = open_link("fit", {"data": "upload", "bs": "9999", "batch": "mini"})
    said = notes(at)
    assert "cannot travel in a link" in said
    assert "batch size of 9999" in said
    assert at.session_state["fit_batch_size"] <= 4


def test_hidden_controls_are_absent_and_locked_ones_shown_but_fixed():
    at = open_link("descent", {"fn": "rosenbrock", "lr": "0.002", "hide": "fn,epochs,x0",
                               "lock": "lr,y0"})  # fmt: skip
    keys = {getattr(w, "key", None) for w in at._tree if hasattr(w, "key")}
    for gone in ("objective", "dimension", "epochs", "x0", "x0_exact"):
        assert gone not in keys, gone
    assert at.select_slider(key="lr").disabled
    assert at.slider(key="y0").disabled
    assert at.session_state["epochs"] == 100 and at.session_state["objective"] == "rosenbrock"
    # the switches stay in the link, so the students' copy hides the same
    assert at.query_params["hide"] == "fn,epochs,x0"
    assert at.query_params["lock"] == "lr,y0"
    assert at.get("bidi_component"), "the chart is still drawn"


def test_a_hidden_learning_rate_still_runs_the_links_eta():
    at = open_link("descent", {"fn": "bowl", "lr": "0.3", "hide": "lr"})
    keys = {getattr(w, "key", None) for w in at._tree if hasattr(w, "key")}
    assert "lr" not in keys and "lr_exact" not in keys
    assert "η = 0.3" in " ".join(str(getattr(e, "value", "")) for e in at._tree)


def test_presentation_mode_stays_in_the_link_as_settings_change():
    at = open_link("descent", {"fn": "bowl", "present": "1", "hide": "advanced"})
    assert at.session_state["present"] is True
    at.select_slider(key="lr").set_value(0.2).run()
    assert at.query_params["present"] == "1" and at.query_params["lr"] == "0.2"
    assert at.query_params["hide"] == "advanced"


#: Links that between them draw every control a teacher may hide or lock on each page.
SHOWING = {
    "descent": [{"fn": "rosenbrock"}],
    "race": [{"fn": "bowl", "opt": ",".join(gdviz.OPTIMIZERS), "schedule": kind}
             for kind in ("step", "cosine", "linear")],
    "landscape": [{"fn": "himmelblau", "opt": "sgd"}, {"fn": "himmelblau", "show": "basin"},
                  {"fn": "bowl", "show": "momentum"}, {"fn": "parabola", "show": "start"}],
    "fit": [{"data": "noisy_line", "batch": "mini", "details": "rates"},
            {"data": "noisy_line", "details": "rates", "rates": "momentum"},
            {"data": "noisy_line", "details": "rates", "rates": "basin"}],
    "why": [{"fn": "bowl"}],
    "slope": [{}],
    "lessons": [{}],
    "exercises": [{}],
}  # fmt: skip


def _keys_of(page: str) -> dict[str, list[str]]:
    """Each teacher's word → the widget keys it hides or locks."""
    out: dict[str, list[str]] = {}
    for f in links.fields(page):
        word = "box" if f.name in ("bxmin", "bxmax", "bymin", "bymax") else f.name
        out.setdefault(word, []).append(f.key)
    return out


def _widgets(at) -> dict:
    return {w.key: w for w in at._tree if getattr(w, "key", None)}


@pytest.mark.parametrize("page", list(PATHS))
def test_every_control_a_link_may_hide_is_absent_and_may_lock_is_disabled(page):
    """Every word of TEACHABLE is tried where its control is drawn: hidden, it is absent
    and the page runs on the same values; locked, it is drawn disabled."""
    keys, teachable = _keys_of(page), links.TEACHABLE[page]
    everything = ",".join(teachable)
    seen = set()
    for query in SHOWING[page]:
        plain = open_link(page, query)
        drawn = _widgets(plain)
        shown = [w for w in teachable if any(k in drawn for k in keys[w])]
        seen.update(shown)
        hidden = open_link(page, {**query, "hide": everything})
        assert notes(hidden) == ""
        gone = _widgets(hidden)
        for word in shown:
            assert not any(k in gone for k in keys[word]), word
        assert field_values(hidden, page) == field_values(plain, page), query
        locked = _widgets(open_link(page, {**query, "lock": everything}))
        for word in shown:
            for key in keys[word]:
                if key in locked:
                    assert locked[key].disabled, (word, key)
    assert seen == set(teachable), f"never drawn: {set(teachable) - seen}"


def test_a_locked_setting_holds_its_value_whatever_moves_it():
    at = open_link("descent", {"fn": "bowl", "x0": "1.5", "lr": "0.2", "lock": "x0,lr"})
    at.session_state["x0"] = -2.0  # as a click on the chart or a key would set it
    at.session_state["lr"] = 0.5
    at.run()
    assert at.session_state["x0"] == 1.5 and at.session_state["lr"] == 0.2
    assert at.query_params["x0"] == "1.5" and at.query_params["lr"] == "0.2"
    said = " ".join(c.value for c in at.caption)
    assert "Click the chart to start there" not in said and "+ and − move η" not in said


def test_a_locked_learning_rate_is_not_taken_from_the_sweep():
    at = open_link("landscape", {"fn": "bowl", "lock": "lr"})
    said = " ".join(c.value for c in at.caption)
    assert "This link holds η fixed" in said and "Click a point to take its η" not in said
    buttons = [b for b in at.button if b.key.startswith("sweep_")]
    assert buttons and all(b.disabled for b in buttons)


@pytest.mark.parametrize(
    ("page", "query", "key", "value"),
    [
        ("landscape", {"fn": "himmelblau", "show": "basin", "res": "512"}, "basin_resolution",
         "512 × 512"),
        ("landscape", {"fn": "bowl", "show": "momentum", "mres": "100"},
         "momentum_map_resolution", "100 × 100"),
        ("landscape", {"fn": "parabola", "show": "start", "sres": "400"}, "start_map_resolution",
         "400 × 400"),
        ("fit", {"details": "rates", "rates": "momentum"}, "fit_rates_view", "η × momentum map"),
        ("race", {"fn": "bowl", "opt": "gd,adam", "explain": "adam"}, "race_explain", "adam"),
    ],
)  # fmt: skip
def test_the_open_map_and_explanation_travel_in_the_link(page, query, key, value):
    at = open_link(page, query)
    assert notes(at) == ""
    assert at.session_state[key] == value
    for name, text in query.items():
        assert at.query_params[name] == text, name


def test_a_zoomed_basin_map_travels_in_the_link_and_the_plotting_box_does_not():
    at = open_link("landscape", {"fn": "himmelblau", "show": "basin", "res": "256"})
    assert "bxmin" not in at.query_params  # the whole plotting box: nothing to say
    at.number_input(key="basin_xmin").set_value(0.0).run()
    assert at.query_params["bxmin"] == "0"
    zoomed = open_link("landscape", dict(at.query_params))
    assert notes(zoomed) == ""
    assert zoomed.session_state["basin_xmin"] == 0.0
    assert "x ∈ [0, " in " ".join(m.value for m in zoomed.markdown)


def test_a_race_link_with_a_schedule_value_the_scheduler_refuses_is_a_note():
    """The audit's link: start_factor 5 is inside the link's old range but outside LinearLR's
    (0, 1]. It is a note naming the range, and the race runs with the default."""
    at = open_link("race", {"opt": "gd", "schedule": "linear", "sched_start_factor": "5"})
    said = notes(at)
    assert "start_factor must be from 0.01 to 1" in said, said
    assert not at.error, [e.value for e in at.error]
    assert at.session_state["race_schedule"] == "linear" and at.dataframe


def test_a_long_field_name_is_written_whole_in_its_note():
    name = "adagrad_initial_accumulator_value"
    at = open_link("race", {"opt": "adagrad", name: "-1"})
    assert f"`{name}=-1`" in notes(at)
