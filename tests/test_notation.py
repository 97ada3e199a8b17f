"""One notation on every page: η for the learning rate (never "lr"), f(x) / f(x, y) on the
function pages, L(w) / L(w, b) on the fit page (its landscape too), ∇f and f′ — in every
label, caption, message, legend, axis, worked number and table a user can read."""

from __future__ import annotations

import re

import pytest

from tests.conftest import open_page, page_text

LR = re.compile(r"\blr\b", re.IGNORECASE)
PAGES = [None, "views/race.py", "views/fit.py", "views/why.py", "views/derivative.py",
         "views/exercises.py"]  # fmt: skip


def _lr_words(text: str) -> list[str]:
    return [text[max(m.start() - 30, 0) : m.end() + 30] for m in LR.finditer(text)]


@pytest.mark.parametrize("page", PAGES)
def test_no_page_says_lr(page):
    at = open_page(page)
    assert not _lr_words(page_text(at)), _lr_words(page_text(at))


@pytest.mark.parametrize("dimension", ["1-D", "2-D"])
def test_the_descent_page_says_eta_and_f_everywhere(dimension):
    at = open_page()
    if dimension == "2-D":
        at.radio(key="dimension").set_value("2-D").run()
    at.session_state["details"] = "Every epoch"
    at.run()
    text = page_text(at)
    assert not _lr_words(text), _lr_words(text)
    assert "η" in text and ("f′(x)" in text or "∇f" in text)
    assert "L(w" not in text and "∂L" not in text


def test_the_fit_page_speaks_of_the_loss_l_even_in_its_landscape():
    at = open_page("views/fit.py")
    text = page_text(at)
    assert not _lr_words(text), _lr_words(text)
    assert "L(w" in text
    for function_words in ("f(x)", "f′(x)", "f(w", "∇f", "∂f", "loss f"):
        assert function_words not in text, function_words
