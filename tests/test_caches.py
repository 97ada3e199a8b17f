"""Every cache is bounded: a long-running server (about 1 GB on Community Cloud) must not
grow with the number of visitors, typed functions or uploaded files."""

from __future__ import annotations

import ast
import importlib
import pkgutil

import pytest

import gdviz
from tests.conftest import ROOT

STREAMLIT_CACHES = ("cache_data", "cache_resource")


def gdviz_modules():
    names = [m.name for m in pkgutil.walk_packages(gdviz.__path__, "gdviz.")]
    return [importlib.import_module(name) for name in names]


def test_every_functools_cache_in_gdviz_has_a_size_limit():
    caches = {
        f"{module.__name__}.{name}": value.cache_parameters()["maxsize"]
        for module in gdviz_modules()
        for name, value in vars(module).items()
        if callable(getattr(value, "cache_parameters", None))
    }
    assert "gdviz.field.sample_field" in caches  # the scan finds them
    assert not [name for name, maxsize in caches.items() if maxsize is None], caches


def streamlit_caches(path):
    """(function name, keyword names) of each @st.cache_data/@st.cache_resource in a file."""
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call else decorator
            if isinstance(target, ast.Attribute) and target.attr in STREAMLIT_CACHES:
                yield node.name, {k.arg for k in call.keywords} if call else set()


@pytest.mark.parametrize(
    "path", sorted((ROOT / "ui").glob("*.py")) + sorted((ROOT / "views").glob("*.py")),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)  # fmt: skip
def test_every_streamlit_cache_has_a_size_limit(path):
    unbounded = [name for name, keywords in streamlit_caches(path) if "max_entries" not in keywords]
    assert not unbounded, f"{path.name}: give these max_entries: {unbounded}"


def test_the_streamlit_cache_scan_finds_the_caches():
    names = dict(streamlit_caches(ROOT / "ui" / "compute.py"))
    assert "run_descent" in names and "max_entries" in names["run_descent"]
    assert dict(streamlit_caches(ROOT / "ui" / "controls.py"))["resolve"] == {
        "max_entries",
        "show_spinner",
    }
