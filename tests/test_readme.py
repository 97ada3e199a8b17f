"""The README's layout section matches the tree."""

import re

from tests.conftest import ROOT

SOURCES = ("gdviz", "ui", "views")


def layout_block() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    return [line for line in block.splitlines() if line.strip()]


def listed_paths() -> set[str]:
    """Every path the block names, its indentation giving the folder it sits in."""
    paths, folders = set(), []
    for line in layout_block():
        indent = (len(line) - len(line.lstrip())) // 2
        name = line.split()[0]
        folders = folders[:indent]
        path = "".join(folders) + name
        paths.add(path.rstrip("/"))
        if name.endswith("/"):
            folders.append(name)
    return paths


def test_every_module_and_page_is_in_the_readme_layout():
    listed = listed_paths()
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name == "__init__.py":
                continue
            relative = path.relative_to(ROOT).as_posix()
            assert relative in listed, f"{relative} is missing from the README's layout"


def test_everything_the_readme_layout_names_exists():
    for path in listed_paths():
        assert (ROOT / path).exists(), f"the README's layout names {path}, which does not exist"
    assert re.search(r"^gdviz/", "\n".join(layout_block()), re.M)
