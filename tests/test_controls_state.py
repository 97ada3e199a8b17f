"""Sidebar controls keep their values honestly: no widget gets a value both as a default and
through session state (Streamlit logs a warning for that), and a slider whose range changes
keeps a value that is still inside it (AppTest)."""

import logging

import pytest
import streamlit.elements.lib.policies as policies

from tests.conftest import open_page

DUPLICATE = "created with a default value but also had its value set via the Session State API"


@pytest.fixture
def duplicate_warnings(monkeypatch, caplog):
    """The warnings Streamlit logs for a widget given a default and a session-state value.

    Streamlit checks only under a running server and warns once per process, so the test
    pretends to be under a server and resets the once-flag.
    """
    monkeypatch.setattr(policies.runtime, "exists", lambda: True)
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    caplog.set_level(logging.WARNING, logger="streamlit")
    return lambda: [r.getMessage() for r in caplog.records if DUPLICATE in r.getMessage()]


@pytest.mark.parametrize(("page", "prefix"), [(None, ""), ("views/race.py", "race_")])
def test_valid_invalid_valid_typed_function_logs_no_duplicate_value_warning(
    duplicate_warnings, page, prefix
):
    at = open_page(page)
    at.selectbox(key=prefix + "objective").set_value("custom").run()
    at.text_input(key=prefix + "expression").input("x^2 - x").run()
    at.text_input(key=prefix + "expression").input("x^2 +").run()
    assert at.error  # the typo is reported ...
    at.text_input(key=prefix + "expression").input("x^2 - 2x").run()
    assert not at.exception, at.exception
    assert at.slider(key=prefix + "epochs")  # ... and the run controls are back
    assert duplicate_warnings() == []
