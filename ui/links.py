"""Every page's settings in its link: read on a session's first run of the page, written
back as they change, a "Copy link" control, and the teacher's switches (hide, lock,
present) that travel with the link.

Each page's fields (:func:`fields`) name a widget key and its short name in the link;
the parsing is :mod:`gdviz.links` (pure, tested without Streamlit). A page calls
:func:`restore` before its widgets, :func:`publish` after them (the descent page's
learning-rate fragment publishes again when only it reruns), and asks :func:`visible` and
:func:`locked` when it draws a control a teacher may hide or lock.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import NamedTuple
from urllib.parse import quote

import streamlit as st

import gdviz
from gdviz import DATASETS, LOSSES, OBJECTIVES, OPTIMIZERS, SCHEDULES
from gdviz.exercises import EXERCISES
from gdviz.links import Choice, Field, Flag, Number, Several, Text, number_text, read
from ui import controls
from ui.exercises import SEEDS

PAGES = ("descent", "race", "landscape", "fit", "why", "slope", "lessons", "exercises")


class Entry(NamedTuple):
    """A page in the app's navigation: its script, title and icon (its address is its
    name, the descent page's the app's own)."""

    script: str
    title: str
    icon: str


#: The app's pages in navigation order: app.py's st.navigation and the lessons' links.
NAVIGATION = {
    "descent": Entry("views/descent.py", "Gradient descent", "📉"),
    "lessons": Entry("views/lessons.py", "Lessons", "🎓"),
    "race": Entry("views/race.py", "Optimizer race", "🏁"),
    "landscape": Entry("views/landscape.py", "Every learning rate", "🗺️"),
    "fit": Entry("views/fit.py", "Fit a model", "📈"),
    "why": Entry("views/why.py", "Why gradients?", "🎲"),
    "slope": Entry("views/derivative.py", "What is a derivative?", "📐"),
    "exercises": Entry("views/exercises.py", "Classic exercises", "📝"),
}
_READ = "_link_read"  # session state: the session's link was read (on its first run)
_NOTES = "_link_notes"  # page → notes about its link, shown until the page changes
_TEACHER = "_link_teacher"  # {"hide": (...), "lock": (...)}
_PAGE = "_link_page"  # the page this run draws
_PINS = "_link_pins"  # widget key → the value a locked setting is held at
#: Every start in a link lies within ±START_LIMIT, as the typed start does.
_FAR = controls.START_LIMIT


def _numbers(options) -> dict:
    return {number_text(v): v for v in options}


def _is(key: str, value):
    return lambda values: values.get(key) == value


def _two_d(prefix: str):
    return lambda values: values.get(prefix + "dimension") == "2-D"


def _function_fields(prefix: str) -> list[Field]:
    """The function (a registry slug, or a typed one with its plotting box)."""
    custom = _is(prefix + "objective", controls.CUSTOM)
    return [
        Choice("fn", prefix + "objective", "the function", default=None,
               words={**{s: s for s in OBJECTIVES}, controls.CUSTOM: controls.CUSTOM}),
        Text("f", prefix + "expression", "the typed function", when=custom, default=None,
             check=gdviz.parse_expression),
        *(Number(name, prefix + name, name, when=custom, default=value, low=-_FAR, high=_FAR)
          for name, value in (("xmin", -5.0), ("xmax", 5.0), ("ymin", -5.0), ("ymax", 5.0))),
    ]  # fmt: skip


def _start_fields(prefix: str) -> list[Field]:
    return [
        Number("x0", prefix + "x0", "x₀", default=None, low=-_FAR, high=_FAR),
        Number("y0", prefix + "y0", "y₀", when=_two_d(prefix), default=None, low=-_FAR,
               high=_FAR),
    ]  # fmt: skip


def _lr(key: str) -> Field:
    return Number("lr", key, "η", default=None, low=controls.LR_MIN, high=controls.LR_MAX)


def _run_fields(prefix: str, epochs: int | None) -> list[Field]:
    return [
        Number("epochs", prefix + "epochs", "epochs", default=epochs, low=1, high=1000,
               whole=True),
        Choice("tol", prefix + "tol", "the tolerance", default=gdviz.DEFAULT_TOL,
               words=_numbers(controls.TOLERANCES)),
        Choice("noise", prefix + "noise", "the noise σ", default=0.0,
               words=_numbers(controls.NOISE_LEVELS)),
        Number("seed", prefix + "noise_seed", "the seed", default=0, low=0, high=10_000,
               whole=True),
    ]  # fmt: skip


def _hyper_fields(prefix: str, picked_key: str) -> list[Field]:
    """Each optimizer's η and hyperparameters (in the link while it races)."""
    out = []
    for slug, spec in OPTIMIZERS.items():
        racing = functools.partial(lambda s, values: s in (values.get(picked_key) or ()), slug)
        out.append(Number(f"lr_{slug}", f"{prefix}lr_{slug}", f"{spec.name}'s η", when=racing,
                          default=None, low=controls.LR_MIN, high=controls.LR_MAX))  # fmt: skip
        for name, default in spec.defaults.items():
            key, label = f"{prefix}{slug}_{name}", f"{spec.name}'s {name}"
            if isinstance(default, bool):
                out.append(Flag(key.removeprefix(prefix), key, label, when=racing, default=default))
            elif isinstance(default, tuple):
                out.extend(
                    Number(f"{slug}_{name}_{i}", f"{key}_{i}", f"{label} {i}", when=racing,
                           default=value, low=0.0, high=0.9999)
                    for i, value in enumerate(default, 1)
                )  # fmt: skip
            else:
                out.append(Number(key.removeprefix(prefix), key, label, when=racing,
                                  default=float(default), low=0.0, high=_FAR))  # fmt: skip
    return out


def _schedule_fields(prefix: str) -> list[Field]:
    kind = prefix + "schedule"
    out = [Choice("schedule", kind, "the schedule", default="constant",
                  words={s: s for s in SCHEDULES})]  # fmt: skip
    seen: dict[str, list[str]] = {}
    for slug, spec in SCHEDULES.items():
        for name in spec.settings:
            seen.setdefault(name, []).append(slug)
    for name, kinds in seen.items():
        setting = SCHEDULES[kinds[0]].settings[name]
        lows = [SCHEDULES[k].settings[name].low for k in kinds]
        highs = [SCHEDULES[k].settings[name].high for k in kinds]
        low = max((v for v in lows if v is not None), default=-_FAR)
        high = min((v for v in highs if v is not None), default=_FAR)
        out.append(Number(f"sched_{name}", f"{prefix}sched_{name}", name, default=None,
                          when=lambda values, kinds=tuple(kinds): values.get(kind) in kinds,
                          low=low, high=high, whole=setting.whole))  # fmt: skip
    return out


#: The descent page's chart views and details (the page shows these labels).
DESCENT_VIEWS = ("Contour map", "3-D surface")
DESCENT_DETAILS = ("Loss and gradient size", "Sharpness vs 2/η", "Every epoch")
#: The fit page's ways to take the gradient.
BATCHES = ("full batch", "mini-batch", "1 (SGD)")
#: The fit page's tabs under its chart.
FIT_DETAILS = ("Loss landscape", "Full batch vs mini-batch vs SGD", "Every learning rate",
               "Every epoch")  # fmt: skip
#: The landscape page's views (the page's labels are its own).
LANDSCAPE_VIEWS = ("sweep", "range", "basin", "momentum", "start")
UPLOAD = "upload"


def _descent() -> list[Field]:
    return [
        *_function_fields(""),
        _lr("lr"),
        *_start_fields(""),
        *_run_fields("", None),
        Choice("view", "view", "the view", default=DESCENT_VIEWS[0],
               words=dict(zip(("contour", "3d"), DESCENT_VIEWS, strict=True))),
        Choice("details", "details", "the details", default=DESCENT_DETAILS[0],
               words=dict(zip(("loss", "sharpness", "table"), DESCENT_DETAILS, strict=True))),
    ]  # fmt: skip


def _race() -> list[Field]:
    p = "race_"
    return [
        *_function_fields(p),
        *_start_fields(p),
        *_run_fields(p, 200),
        Several("opt", p + "optimizers", "the optimizers", default=None,
                words={s: s for s in OPTIMIZERS}),
        *_hyper_fields(p, p + "optimizers"),
        *_schedule_fields(p),
        Choice("view", p + "view", "the view", default=DESCENT_VIEWS[0],
               words=dict(zip(("contour", "3d"), DESCENT_VIEWS, strict=True))),
        Choice("explain", p + "explain", "the optimizer explained", default=None,
               words={s: s for s in OPTIMIZERS}, when=_explaining_another),
    ]  # fmt: skip


def _explaining_another(values) -> bool:
    """The race explains another optimizer than its first (the page's default)."""
    picked = values.get("race_optimizers") or ()
    return bool(picked) and values.get("race_explain") != picked[0]


def _map_fields(view: Callable[[Mapping, str], bool], start_map: bool = True) -> list[Field]:
    """The maps' resolutions and the basin map's zoomed box, each while its map is shown
    (``view(values, which)`` says whether the map ``which`` is)."""
    from ui.landscape import BASIN_RESOLUTIONS, MAP_RESOLUTIONS, ZOOM, ZOOMED

    def showing(which):
        return lambda values: view(values, which)

    return [
        Choice("res", "basin_resolution", "the basin map's resolution", default="256 × 256",
               words={str(n): label for label, n in BASIN_RESOLUTIONS.items()},
               when=showing("basin")),
        *(Number(f"b{key.removeprefix('basin_')}", key, f"the zoom box's {label}",
                 default=None, low=-_FAR, high=_FAR,
                 when=lambda values: view(values, "basin") and bool(values.get(ZOOMED)))
          for key, label, _, _ in ZOOM),
        Choice("mres", "momentum_map_resolution", "the η × β map's resolution",
               default="200 × 200", when=showing("momentum"),
               words={str(n): label for label, n in MAP_RESOLUTIONS.items()}),
        *[Choice("sres", "start_map_resolution", "the η × start map's resolution",
                 default="200 × 200", when=showing("start"),
                 words={str(n): label for label, n in MAP_RESOLUTIONS.items()})][:start_map],
    ]  # fmt: skip


#: The fit page's views of every learning rate (its labels) and their words in a link.
FIT_RATES = {"sweep": "Sweep and range test", "momentum": "η × momentum map",
             "basin": "Basin map"}  # fmt: skip


def _landscape() -> list[Field]:
    return [
        *_function_fields(""),
        Choice("opt", "landscape_optimizer", "the optimizer", default="gd",
               words={s: s for s in OPTIMIZERS}),
        Number("beta", "landscape_sgd_momentum", "momentum β", default=0.0, low=0.0, high=0.99,
               when=_is("landscape_optimizer", "sgd")),
        _lr("lr"),
        *_start_fields(""),
        *_run_fields("", None)[:2],
        Choice("show", "landscape_view", "the view", default="sweep",
               words={s: s for s in LANDSCAPE_VIEWS}),
        *_map_fields(lambda values, which: values.get("landscape_view") == which),
    ]  # fmt: skip


def _made(values) -> str | None:
    slug = values.get("fit_dataset")
    return slug if slug in DATASETS and DATASETS[slug].make else None


def _fit() -> list[Field]:
    p = "fit_"
    made = []
    for slug, data in DATASETS.items():
        if not data.make:
            continue
        for name, setting in data.settings.items():
            key = f"{p}{slug.partition('_')[0]}_{name}"
            low = -_FAR if setting.low is None else setting.low
            high = _FAR if setting.high is None else setting.high
            made.append(Number(key.removeprefix(p), key, name, default=data.defaults[name],
                               low=low, high=high, whole=setting.whole,
                               when=lambda values, s=slug: _made(values) == s))  # fmt: skip
    return [
        Choice("data", p + "dataset", "the data", default=None,
               words={**{s: s for s in DATASETS}, UPLOAD: UPLOAD}),
        *made,
        Choice("loss", p + "loss", "the loss", default="mse", words={s: s for s in LOSSES}),
        Choice("opt", p + "optimizer", "the optimizer", default="gd",
               words={s: s for s in OPTIMIZERS}),
        _lr(p + "lr"),
        Number("w0", p + "w0", "w₀", default=None, low=-_FAR, high=_FAR),
        Number("b0", p + "b0", "b₀", default=None, low=-_FAR, high=_FAR),
        Number("epochs", p + "epochs", "epochs", default=100, low=1, high=500, whole=True),
        Choice("batch", p + "batch", "the batch", default=BATCHES[0],
               words=dict(zip(("full", "mini", "sgd"), BATCHES, strict=True))),
        Number("bs", p + "batch_size", "the batch size", default=None, low=1, high=10_000,
               whole=True, when=_is(p + "batch", BATCHES[1])),
        Number("seed", p + "seed", "the shuffle seed", default=0, low=0, high=10_000,
               whole=True),
        Choice("details", p + "details", "the details", default=FIT_DETAILS[0],
               words=dict(zip(("landscape", "batches", "rates", "table"), FIT_DETAILS,
                              strict=True))),
        Choice("rates", p + "rates_view", "the view of every η", default=FIT_RATES["sweep"],
               words=FIT_RATES, when=_is(p + "details", FIT_DETAILS[2])),
        *_map_fields(lambda values, which: values.get(p + "details") == FIT_DETAILS[2]
                     and values.get(p + "rates_view") == FIT_RATES[which], start_map=False),
    ]  # fmt: skip


def _why() -> list[Field]:
    p = "why_"
    return [
        *_function_fields(p),
        *_start_fields(p),
        _lr(p + "lr"),
        Choice("delta", p + "delta", "δ", default=0.7, words=_numbers((0.1, 0.3, 0.7, 1.0, 2.0))),
        Flag("more", p + "scaling", "the larger n", default=False),
    ]  # fmt: skip


def _slope() -> list[Field]:
    p = "slope_"
    curves = [s for s, o in OBJECTIVES.items() if o.dim == 1]
    return [
        Choice("fn", p + "objective", "the curve", default=None, words={s: s for s in curves}),
        Number("x", p + "x", "x", default=None, low=-_FAR, high=_FAR),
        Choice("dx", p + "dx", "Δx", default=1.0,
               words=_numbers((2.0, 1.0, 0.5, 0.1, 0.01, 0.001))),
    ]  # fmt: skip


def _lessons() -> list[Field]:
    return list(gdviz.lessons.LESSON_FIELDS)


#: How the exercises page's answers show: "shown" lets a student see one without predicting
#: ("Show me"); "hidden" (a teacher's ``?answer=hidden``) only after a prediction.
ANSWERS = ("shown", "hidden")


def _exercises() -> list[Field]:
    return [
        Choice("ex", "exercise", "the exercise", default="classic_loop",
               words={s: s for s in EXERCISES}),
        Number("seed", "exercise_seed", "the start's seed", default=0, low=0, high=SEEDS,
               whole=True, when=_is("exercise", "classic_loop")),
        Choice("answer", "exercise_answer", "the answer", default="shown",
               words={a: a for a in ANSWERS}),
    ]  # fmt: skip


_BUILDERS = {
    "lessons": _lessons,
    "descent": _descent,
    "race": _race,
    "landscape": _landscape,
    "fit": _fit,
    "why": _why,
    "slope": _slope,
    "exercises": _exercises,
}


#: Field names that are not a control of their own: the chart's tabs (a view, not a
#: setting), and the typed function and its box (parts of the function control, which
#: ``fn`` hides or locks whole).
_NOT_CONTROLS = ("view", "details", "f", "xmin", "xmax", "ymin", "ymax")


#: Fields a teacher hides or locks together, under one word: the zoom box's four edges.
_TOGETHER = {name: "box" for name in ("bxmin", "bxmax", "bymin", "bymax")}


@functools.cache
def _teachable(page: str) -> tuple[str, ...]:
    names = (_TOGETHER.get(f.name, f.name) for f in fields(page) if f.name not in _NOT_CONTROLS)
    return tuple(dict.fromkeys(names))


@functools.cache
def fields(page: str) -> tuple[Field, ...]:
    """The settings ``page``'s link carries."""
    return tuple(_BUILDERS[page]())


class _Teachable(Mapping):
    """Read on first use: the landscape page's fields import its module."""

    def __getitem__(self, page: str) -> tuple[str, ...]:
        if page not in PAGES:
            raise KeyError(page)
        return _teachable(page)

    def __iter__(self):
        return iter(PAGES)

    def __len__(self) -> int:
        return len(PAGES)


#: The controls a teacher's link can hide or lock on each page: every setting the page's
#: link carries that is a control of its own (hide= also takes LAYOUT's).
TEACHABLE: Mapping[str, tuple[str, ...]] = _Teachable()


@functools.cache
def _names(page: str) -> dict[str, str]:
    """Widget key → the teacher's word for it (its name in the link), for the page's fields."""
    return {f.key: _TOGETHER.get(f.name, f.name) for f in fields(page)}


# ---- reading and writing the link ------------------------------------------------------


def _query() -> dict[str, list[str]]:
    params = st.query_params
    return {name: params.get_all(name) for name in params}


def restore(page: str) -> None:
    """At the top of ``page``: on the session's first run (a link opened, a page reloaded)
    the link's settings go into session state before any widget is drawn, and its notes
    are kept to show. Later pages of the session start from their own settings (the
    navigation clears the query), unless the app's own link brings one (a lesson's "open
    this setting"), which is then read as a link is."""
    state = st.session_state
    arrived = state.get(_PAGE) != page
    state[_PAGE] = page
    if state.get(_READ) and not (arrived and _for_page(page)):
        _hold_locked(page)
        return
    state[_READ] = True
    reading = read(_query(), fields(page), TEACHABLE[page])
    values = dict(reading.values)
    notes = list(reading.notes)
    if page == "fit" and values.get("fit_dataset") == UPLOAD:
        values.pop("fit_dataset")
        notes.append("An uploaded CSV file cannot travel in a link: the page opens with a "
                     "built-in data set. Upload the file again to use it.")  # fmt: skip
    for key, value in _with_function(values).items():
        state[key] = value
    teacher = state.setdefault(_TEACHER, {"hide": (), "lock": ()})
    teacher["hide"] = tuple(dict.fromkeys((*teacher["hide"], *reading.hide)))
    teacher["lock"] = tuple(dict.fromkeys((*teacher["lock"], *reading.lock)))
    state.setdefault(_NOTES, {})[page] = tuple(notes)


def _for_page(page: str) -> bool:
    """Whether the address carries a query made for ``page`` (a lesson's link to its
    setting), not one left over from the page before."""
    names = set(st.query_params)
    known = {f.name for f in fields(page)} | set(gdviz.links.TEACHER)
    return bool(names) and names <= known


def _with_function(values: dict) -> dict:
    """A typed function sets the custom choice; a function sets its dimension."""
    for key in [k for k in values if k.endswith("expression")]:
        values.setdefault(key.removesuffix("expression") + "objective", controls.CUSTOM)
    for key, slug in list(values.items()):
        if key.endswith("objective") and slug in OBJECTIVES and not key.startswith("slope_"):
            values[key.removesuffix("objective") + "dimension"] = f"{OBJECTIVES[slug].dim}-D"
    return values


def note(page: str, text: str) -> None:
    """Add a note about the link (a value the page itself found it cannot use)."""
    notes = st.session_state.setdefault(_NOTES, {})
    notes[page] = (*notes.get(page, ()), text)


def show_notes(page: str) -> None:
    """What the link asked for and did not get, said once at the top of the page."""
    notes = st.session_state.get(_NOTES, {}).get(page, ())
    if notes:
        with st.container(key="link_notes"):
            st.warning("Some of this link's settings were not used, so the page uses its "
                       "own defaults for them:\n\n" + "\n".join(f"- {n}" for n in notes),
                       icon="🔗")  # fmt: skip


def current(page: str) -> dict[str, str]:
    """The query string of ``page``'s current settings and the teacher's switches."""
    state = st.session_state
    query = gdviz.links.encode(state.to_dict(), fields(page))
    teacher = state.get(_TEACHER, {})
    for name in ("hide", "lock"):
        if teacher.get(name):
            query[name] = ",".join(teacher[name])
    if state.get("present"):  # presentation mode (ui.present reads it from the link)
        query["present"] = "1"
    return query


def publish(page: str) -> None:
    """Write ``page``'s current settings into the link (only when they changed), and note
    the value each locked setting is held at from now on."""
    _pin_locked(page)
    query = current(page)
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)


def copy_link(page: str) -> None:
    """The page's link, with a copy button (st.code's), for a teacher to share."""
    query = current(page)
    base = _base_url()
    link = base + ("?" + "&".join(f"{k}={_quoted(v)}" for k, v in query.items()) if query else "")
    with st.popover("🔗 Copy link", width="stretch"):
        st.caption("This page with every setting as it is now. Anyone who opens the link "
                   "sees the same function, start, learning rate and chart.")  # fmt: skip
        st.code(link, language=None, wrap_lines=True)
        if page == "fit" and st.session_state.get("fit_dataset") == UPLOAD:
            st.caption("An uploaded CSV file cannot travel in a link: whoever opens it gets "
                       "a built-in data set instead.")  # fmt: skip


def _quoted(text: str) -> str:
    return quote(text, safe=",-._~")


def _base_url() -> str:
    """This page's address without its query (the server's, as the browser sees it)."""
    url = getattr(st.context, "url", None) or ""
    return url.split("?", 1)[0]


# ---- the teacher's switches -------------------------------------------------------------


def _teacher() -> dict:
    return st.session_state.get(_TEACHER, {})


def hidden(name: str) -> bool:
    """Whether the link hides the control ``name`` (a field's name, or one of LAYOUT)."""
    return name in _teacher().get("hide", ())


def visible(key: str) -> bool:
    """Whether the widget ``key`` is drawn (a teacher's link may hide it)."""
    return not hidden(_names(st.session_state.get(_PAGE, "descent")).get(key, key))


def locked(key: str) -> bool:
    """Whether the widget ``key`` is shown but not changeable (``lock=`` in the link)."""
    name = _names(st.session_state.get(_PAGE, "descent")).get(key, key)
    return name in _teacher().get("lock", ())


def control(widget, label: str, *args, key: str, **kwargs):
    """Draw the setting ``key``'s widget (``st.selectbox``, ``column.slider``, ...) as the
    teacher's link wants it and return its value: disabled when the link locks it; not
    drawn when the link hides it, its value (the link's, or the widget's own starting
    value) still used."""
    if visible(key):
        kwargs["disabled"] = bool(kwargs.get("disabled")) or locked(key)
        return widget(label, *args, key=key, **kwargs)
    state = st.session_state
    if key not in state:
        state[key] = _starting_value(widget, label, args, kwargs)
    return state[key]


def _starting_value(widget, label: str, args: tuple, kwargs: dict):
    """The value ``widget(label, *args, **kwargs)`` would start at, as Streamlit picks it."""
    bound = inspect.signature(widget).bind_partial(label, *args, **kwargs)
    bound.apply_defaults()
    given, kind = bound.arguments, widget.__name__
    options = list(given.get("options") or ())
    if kind in ("selectbox", "radio"):
        return options[given.get("index") or 0]
    if kind == "select_slider":
        return options[0] if given.get("value") is None else given["value"]
    if kind in ("segmented_control", "pills"):
        return given.get("default")
    if kind == "multiselect":
        return list(given.get("default") or ())
    if kind in ("checkbox", "toggle"):
        return bool(given.get("value"))
    if kind in ("slider", "number_input"):
        value = given.get("value")
        if value is None or value == "min":
            low = given.get("min_value")
            return low if low is not None else 0.0
        return value
    raise TypeError(f"no starting value known for st.{kind}")


def _pin_locked(page: str) -> None:
    pins = st.session_state.setdefault(_PINS, {})
    state = st.session_state
    for spec in fields(page):
        if locked(spec.key) and spec.key in state and spec.key not in pins:
            pins[spec.key] = state[spec.key]


def _hold_locked(page: str) -> None:
    """A locked setting keeps its value whatever else would move it (a click on a chart,
    a key, a sweep's point): set back before any widget is drawn."""
    pins = st.session_state.get(_PINS, {})
    for spec in fields(page):
        if spec.key in pins and locked(spec.key):
            st.session_state[spec.key] = pins[spec.key]


def locked_any(*keys: str) -> bool:
    """Whether the link locks any of the widgets ``keys`` (a start's x₀ or y₀, say)."""
    return any(locked(key) for key in keys)


def nav_hidden() -> bool:
    """Whether the link hides the navigation (asked before any page has read the link)."""
    if st.session_state.get(_READ):
        return hidden("nav")
    words = ",".join(st.query_params.get_all("hide")[:1]).lower()
    return "nav" in (w.strip() for w in words.split(","))


def hide_layout() -> None:
    """The sidebar hidden by the link: CSS (its widgets still hold the settings)."""
    if hidden("advanced"):
        st.html("<style>.st-key-advanced {display: none !important;}</style>")
    if hidden("sidebar"):
        st.html(
            "<style>section[data-testid='stSidebar'], [data-testid='stSidebarCollapsedControl'],"
            " [data-testid='stExpandSidebarButton'] {display: none !important;}</style>"
        )
