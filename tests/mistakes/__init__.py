"""Mistaken and right-but-different submissions, one module per chapter (``chNN.py``, a list ``CASES``;
more in ``chNN_<topic>.py``, e.g. ``ch02_library.py``).

Both ``dlfs check`` (tests/test_check.py) and ``dlfs grade`` (tests/test_grade_mistakes.py)
must score every case as its ``expected`` says. A chapter adds its cases by adding its module.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

Case = tuple[dict[str, str], dict[str, tuple[float | None, str | None]]]


def cases_by_chapter(chapters: list[str]) -> dict[str, list[Case]]:
    """``chapter -> CASES`` for every chapter that has a ``chNN`` module (or ``chNN_<topic>`` modules) here."""
    found: dict[str, list[Case]] = {}
    for path in sorted(Path(__file__).parent.glob("ch[0-9][0-9]*.py")):
        module: Any = importlib.import_module(f"mistakes.{path.stem}")
        chapter = next((c for c in chapters if c.startswith(path.stem[2:4] + "_")), None)
        assert chapter is not None, f"{path.name} matches no chapter in {chapters}"
        found.setdefault(chapter, []).extend(module.CASES)
    return found
