"""The course installs from one list of pins: pyproject.toml and environment.yml agree."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pyproject_pins() -> set[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = data["project"]
    return set(project["dependencies"]) | set(project["optional-dependencies"]["dev"])


def _environment_pins() -> set[str]:
    pins = set()
    for line in (ROOT / "environment.yml").read_text().splitlines():
        m = re.match(r"^\s*-\s+([A-Za-z0-9_.\-]+==[^\s#]+)\s*$", line)
        if m:
            pins.add(m.group(1))
    return pins


def test_environment_yml_lists_the_same_pins_as_pyproject() -> None:
    assert _environment_pins() == _pyproject_pins()


def test_every_dependency_is_pinned_exactly() -> None:
    for req in _pyproject_pins():
        assert "==" in req, f"{req} is not pinned"


def test_environment_yml_installs_the_course_itself_and_python_311() -> None:
    text = (ROOT / "environment.yml").read_text()
    assert "- -e ." in text
    assert "python=3.11" in text
