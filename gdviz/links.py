"""Settings in a link: a page's fields read from a query string, with a note for
everything ignored, and written back in short, readable form.

A link is untrusted input. Nothing in it is evaluated: a number must match a plain
decimal pattern before ``float`` sees it, a choice must be one of the field's words, and
a typed function goes through the same whitelist parser as the text box
(:func:`gdviz.expressions.parse_expression`). Whatever fails is left out of the reading,
and a note says what was ignored and why, so the page falls back to its default.

>>> fields = (Number("lr", "lr", "η", low=1e-5, high=10),
...           Number("epochs", "epochs", "epochs", low=1, high=1000, whole=True))
>>> reading = read({"lr": ["0.0015"], "epochs": ["1e9"], "zz": ["1"]}, fields)
>>> reading.values
{'lr': 0.0015}
>>> len(reading.notes)
2
>>> encode({"lr": 0.0015, "epochs": 300}, fields)
{'lr': '0.0015', 'epochs': '300'}
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

#: Characters of one value in a link (a typed function is at most 200: MAX_LENGTH).
MAX_VALUE = 200
#: Characters of a hide= or lock= list (words checked one by one: a race has ~50 controls).
MAX_SWITCHES = 1000
#: Notes about one link: past this many, one line says how many more were ignored.
MAX_NOTES = 8
#: Names every page reads besides its own fields: the teacher's switches.
TEACHER = ("hide", "lock", "present")
#: Controls a link can hide on every page besides the page's own field names.
LAYOUT = ("sidebar", "nav", "advanced")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
#: Words a link may use for a switch that is on, and off.
YES, NO = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def shown(text: str, limit: int = 24) -> str:
    """A value from a link, safe to print inside a note: cut to ``limit`` characters, with
    no backticks or line breaks (a note shows it as code, where markdown is inert)."""
    text = re.sub(r"[`\s]+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def number_text(value: float) -> str:
    """The shortest text that reads back as ``value``: 300, -1.2, 0.0015, 1e-05."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _same(value, number: float) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == number


@dataclass(frozen=True)
class Field:
    """One setting a link carries: its name in the link, its session-state key, and the
    words a note uses for it. ``when(values)`` says whether the page uses it now (a
    typed function's box only for a typed function), from the page's current values."""

    name: str
    key: str
    label: str
    when: Callable[[Mapping], bool] | None = field(default=None, compare=False)
    default: object = None  # not written at this value; None: always written

    def parse(self, text: str):
        """The value for ``text``, or raise ValueError saying why it cannot be used."""
        raise NotImplementedError

    def text(self, value) -> str:
        return str(value)


@dataclass(frozen=True)
class Number(Field):
    low: float = -math.inf
    high: float = math.inf
    whole: bool = False

    def parse(self, text: str):
        if not _NUMBER.fullmatch(text.strip()):
            raise ValueError("not a number")
        value = float(text)
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        if not self.low <= value <= self.high:
            raise ValueError(
                f"{self.label} must be from {number_text(self.low)} to {number_text(self.high)}"
            )
        if self.whole:
            if not value.is_integer():
                raise ValueError(f"{self.label} must be a whole number")
            return int(value)
        return value

    def text(self, value) -> str:
        return number_text(value)


@dataclass(frozen=True)
class Choice(Field):
    """One of a few values, each written as a word (``words``: word → value)."""

    words: Mapping[str, object] = field(default_factory=dict)

    def parse(self, text: str):
        word = text.strip().lower()
        if word not in self.words and _NUMBER.fullmatch(word):  # 0.000001 for 1e-06
            word = next((w for w, v in self.words.items() if _same(v, float(word))), word)
        if word not in self.words:
            options = ", ".join(list(self.words)[:12]) + (", …" if len(self.words) > 12 else "")
            raise ValueError(f"{self.label} must be one of {options}")
        return self.words[word]

    def text(self, value) -> str:
        for word, known in self.words.items():
            if known == value:
                return word
        raise ValueError(f"{value!r} is not a value of {self.name}")


@dataclass(frozen=True)
class Several(Choice):
    """Several of a few values, comma-separated, in order, no repeats."""

    def parse(self, text: str):
        items = [w for w in (part.strip().lower() for part in text.split(",")) if w]
        unknown = [w for w in items if w not in self.words]
        if unknown:
            raise ValueError(
                f"{shown(unknown[0])} is not one of {', '.join(list(self.words)[:12])}"
            )
        return list(dict.fromkeys(self.words[w] for w in items))

    def text(self, value) -> str:
        return ",".join(Choice.text(self, v) for v in value)


@dataclass(frozen=True)
class Flag(Field):
    def parse(self, text: str):
        word = text.strip().lower()
        if word in YES:
            return True
        if word in NO:
            return False
        raise ValueError(f"{self.label} must be 1 or 0 (true or false)")

    def text(self, value) -> str:
        return "1" if value else "0"


@dataclass(frozen=True)
class Text(Field):
    """Free text, checked by ``check`` (which raises ValueError on text it refuses)."""

    check: Callable[[str], object] | None = field(default=None, compare=False)

    def parse(self, text: str):
        if self.check is not None:
            self.check(text)
        return text


@dataclass(frozen=True)
class Reading:
    """What a link sets: session-state key → value; the teacher's switches; and a note
    for each thing ignored."""

    values: dict
    hide: tuple[str, ...] = ()
    lock: tuple[str, ...] = ()
    present: bool | None = None
    notes: tuple[str, ...] = ()


def read(
    query: Mapping[str, Sequence[str] | str],
    fields: Sequence[Field],
    teachable: Sequence[str] | None = None,
) -> Reading:
    """The settings ``query`` (name → its values, in order) gives the page with
    ``fields``; everything else becomes a note. A repeated name uses its first value.
    ``teachable``: the fields whose controls the page can hide or lock (default: all)."""
    by_name = {f.name: f for f in fields}
    values, notes = {}, []
    hide, lock, present = [], [], None
    teachable = tuple(by_name) if teachable is None else tuple(teachable)
    controls = (*LAYOUT, *teachable)
    for name, given in query.items():
        given = [given] if isinstance(given, str) else list(given)
        if not given:
            continue
        text = given[0]
        ours = name in by_name or name in TEACHER
        label = name if ours else shown(name, 40)  # a field's own name, never cut
        if len(given) > 1:
            notes.append(f"`{label}` appears {len(given)} times in the link: the first "
                         f"(`{shown(text)}`) is used.")  # fmt: skip
        limit = MAX_SWITCHES if name in ("hide", "lock") else MAX_VALUE
        if len(text) > limit:
            notes.append(f"Ignored `{label}` in the link: {len(text):,} characters, more "
                         f"than the {limit} a value may have.")  # fmt: skip
            continue
        if name in ("hide", "lock"):
            words = [w.strip().lower() for w in text.split(",") if w.strip()]
            known = controls if name == "hide" else teachable
            canonical = {w.lower(): w for w in known}  # (sched_T_max read as typed)
            bad = [w for w in words if w not in canonical]
            if bad:
                listed = ", ".join(known[:12]) + (", …" if len(known) > 12 else "")
                notes.append(f"Ignored `{name}={shown(','.join(bad))}` in the link: this "
                             f"page has no control called that (it has {listed}).")  # fmt: skip
            (hide if name == "hide" else lock).extend(canonical[w] for w in words if w in canonical)
            continue
        if name == "present":
            try:
                present = Flag("present", "present", "present").parse(text)
            except ValueError as error:
                notes.append(f"Ignored `present={shown(text)}` in the link: {error}.")
            continue
        spec = by_name.get(name)
        if spec is None:
            notes.append(f"Ignored `{label}={shown(text)}` in the link: this page has no "
                         "setting of that name.")  # fmt: skip
            continue
        try:
            values[spec.key] = spec.parse(text)
        except ValueError as error:
            notes.append(f"Ignored `{label}={shown(text)}` in the link: {error}.")
    if len(notes) > MAX_NOTES:
        notes = [*notes[: MAX_NOTES - 1], f"… and {len(notes) - MAX_NOTES + 1} more ignored."]
    return Reading(values, tuple(dict.fromkeys(hide)), tuple(dict.fromkeys(lock)), present,
                   tuple(notes))  # fmt: skip


def encode(values: Mapping, fields: Sequence[Field]) -> dict:
    """The link's query (name → text) for the page's current ``values`` (key → value):
    the fields in use, each unless it is at its default."""
    query = {}
    for spec in fields:
        if spec.key not in values or (spec.when is not None and not spec.when(values)):
            continue
        value = values[spec.key]
        if spec.default is not None and spec.default == value:
            continue
        try:
            query[spec.name] = spec.text(value)
        except (ValueError, TypeError):
            continue  # a value the link cannot say (it is not one of the words)
    return query
