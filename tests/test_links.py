"""gdviz.links: reading a link's settings (untrusted) with notes, writing them back."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdviz.expressions import parse_expression
from gdviz.links import (
    MAX_NOTES,
    MAX_VALUE,
    Choice,
    Flag,
    Number,
    Several,
    Text,
    encode,
    number_text,
    read,
    shown,
)

LR = Number("lr", "lr", "η", low=1e-5, high=10)
EPOCHS = Number("epochs", "epochs", "epochs", default=100, low=1, high=1000, whole=True)
TOL = Choice("tol", "tol", "the tolerance", default=1e-6, words={"0": 0.0, "1e-06": 1e-6})
FN = Choice("fn", "objective", "the function", words={"rosenbrock": "rosenbrock", "bowl": "bowl"})
EXPR = Text("f", "expression", "the typed function", check=parse_expression)
OPT = Several("opt", "optimizers", "the optimizers", words={"gd": "gd", "adam": "adam"})
FIELDS = (FN, EXPR, LR, Number("x0", "x0", "x₀", low=-1e6, high=1e6), EPOCHS, TOL, OPT,
          Flag("more", "more", "more", default=False))  # fmt: skip


def test_the_contract_link_reads_back_its_values():
    query = {"fn": ["rosenbrock"], "lr": ["0.0015"], "x0": ["-1.2"], "epochs": ["300"]}
    reading = read(query, FIELDS)
    assert reading.values == {"objective": "rosenbrock", "lr": 0.0015, "x0": -1.2, "epochs": 300}
    assert reading.notes == ()
    assert encode(reading.values, FIELDS) == {k: v[0] for k, v in query.items()}


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("nan", "not a number"),
        ("NaN", "not a number"),
        ("inf", "not a number"),
        ("-inf", "not a number"),
        ("1e400", "not a finite number"),  # matches the pattern, overflows to inf
        ("0x10", "not a number"),
        ("1_000", "not a number"),
        ("__import__('os').system('ls')", "not a number"),
        ("1e9", "η must be from 0.00001 to 10"),
        ("0", "η must be from"),
        ("", "not a number"),
    ],
)
def test_a_bad_number_is_ignored_with_its_reason(text, why):
    reading = read({"lr": [text]}, FIELDS)
    assert "lr" not in reading.values
    assert len(reading.notes) == 1 and why.split(" from")[0] in reading.notes[0]


def test_range_ends_are_allowed_and_a_whole_number_must_be_whole():
    assert read({"lr": ["1e-5"]}, FIELDS).values == {"lr": 1e-5}
    assert read({"lr": ["10"]}, FIELDS).values == {"lr": 10.0}
    reading = read({"epochs": ["2.5"]}, FIELDS)
    assert reading.values == {} and "whole number" in reading.notes[0]
    assert read({"epochs": ["3e2"]}, FIELDS).values == {"epochs": 300}


def test_unknown_repeated_and_huge_values():
    reading = read({"zz": ["1"], "lr": ["0.1", "0.2", "0.3"], "x0": ["1" * (MAX_VALUE + 1)]},
                   FIELDS)  # fmt: skip
    assert reading.values == {"lr": 0.1}  # the first of the repeated values
    notes = " ".join(reading.notes)
    assert "no setting of that name" in notes
    assert "appears 3 times" in notes
    assert f"{MAX_VALUE + 1:,} characters" in notes


def test_a_hostile_expression_is_refused_by_the_parser_not_run():
    hostile = "__import__('os').system('touch /tmp/gdviz-pwned')"
    reading = read({"f": [hostile]}, FIELDS)
    assert reading.values == {} and len(reading.notes) == 1
    assert not __import__("os").path.exists("/tmp/gdviz-pwned")
    assert read({"f": ["x^2 + y^2"]}, FIELDS).values == {"expression": "x^2 + y^2"}


def test_choices_take_their_words_or_an_equal_number():
    assert read({"tol": ["0.000001"]}, FIELDS).values == {"tol": 1e-6}
    assert read({"tol": ["1E-06"]}, FIELDS).values == {"tol": 1e-6}
    assert read({"fn": ["ROSENBROCK"]}, FIELDS).values == {"objective": "rosenbrock"}
    reading = read({"tol": ["0.5"], "fn": ["rm -rf"]}, FIELDS)
    assert reading.values == {} and len(reading.notes) == 2
    assert read({"opt": ["adam,gd,adam"]}, FIELDS).values == {"optimizers": ["adam", "gd"]}
    assert read({"opt": ["gd,sgd"]}, FIELDS).values == {}
    assert read({"more": ["yes"]}, FIELDS).values == {"more": True}
    assert read({"more": ["maybe"]}, FIELDS).values == {}


def test_teacher_switches_take_known_controls_only():
    reading = read({"hide": ["sidebar,lr,banana"], "lock": ["fn,nav"], "present": ["1"]}, FIELDS)
    assert reading.hide == ("sidebar", "lr")
    assert reading.lock == ("fn",)  # the navigation cannot be locked, only hidden
    assert reading.present is True
    assert len(reading.notes) == 2 and "banana" in reading.notes[0]
    assert read({"present": ["nope"]}, FIELDS).present is None


def test_notes_are_bounded_and_show_no_markdown_from_the_link():
    query = {f"bad{i}": ["`**x**`\n# big"] for i in range(30)}
    notes = read(query, FIELDS).notes
    assert len(notes) == MAX_NOTES and "more ignored" in notes[-1]
    for note in notes[:-1]:
        # the value sits inside one code span: no backtick or line break of its own
        assert note.count("`") == 2 and "\n" not in note


def test_shown_cuts_and_cleans():
    assert shown("a`b\nc") == "a b c"
    assert len(shown("x" * 500)) == 24


def test_encode_leaves_out_defaults_and_fields_not_in_use():
    fields = (EPOCHS, TOL, Number("y0", "y0", "y₀", when=lambda v: v.get("dim") == 2))
    assert encode({"epochs": 100, "tol": 1e-6, "y0": 1.0, "dim": 1}, fields) == {}
    assert encode({"epochs": 50, "tol": 0.0, "y0": 1.0, "dim": 2}, fields) == {
        "epochs": "50", "tol": "0", "y0": "1",
    }  # fmt: skip
    assert encode({"tol": 0.3}, fields) == {}  # a value the link has no word for


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_number_text_reads_back_exactly(value):
    text = number_text(value)
    assert float(text) == value
    if value != 0:
        assert read({"x": [text]}, (Number("x", "x", "x"),)).values == {"x": value}


def test_number_text_is_short():
    assert [number_text(v) for v in (300.0, -1.2, 0.0015, 1e-05, 1.0)] == [
        "300", "-1.2", "0.0015", "1e-05", "1",
    ]  # fmt: skip
    assert math.isclose(float(number_text(1 / 3)), 1 / 3)


def test_only_the_controls_a_page_can_hide_are_taken():
    reading = read({"hide": ["lr,epochs"], "lock": ["epochs"]}, FIELDS, teachable=("lr",))
    assert reading.hide == ("lr",) and reading.lock == ()
    assert len(reading.notes) == 2 and all("epochs" in n for n in reading.notes)
