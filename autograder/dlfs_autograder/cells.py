"""Reading nbgrader cell metadata, and scoring executed test cells."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbgrader import utils as nbutils


class NotebookError(Exception):
    """A notebook file that cannot be read as a notebook; the message says why."""


def read_notebook(path: Path) -> NotebookNode:
    """Read and validate a notebook file, raising :class:`NotebookError` with a plain message."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NotebookError(f"cannot read {path}: {exc}") from None
    if not text.strip():
        raise NotebookError(f"{path} is empty")
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 -- nbformat raises several kinds
        raise NotebookError(f"{path} is not a valid notebook (invalid JSON or format): {str(exc).splitlines()[0]}") from None
    if not isinstance(nb.get("cells"), list):
        raise NotebookError(f"{path} has no list of cells")
    return nb


QUESTION_ID = re.compile(r"(test_)?answer_q\d+")


def distinctive(ids: set[str]) -> set[str]:
    """The grade_ids that tell a chapter apart: every chapter has conceptual questions ``answer_q1``,
    ``test_answer_q1``, ... so those alone never identify one (all of ``ids`` if it holds nothing else)."""
    own = {g for g in ids if not QUESTION_ID.fullmatch(g)}
    return own or ids


def grade_id(cell: NotebookNode) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta.get("grade_id")


def is_test_cell(cell: NotebookNode) -> bool:
    """An autograded test cell: graded, not a solution, code."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution") and cell.get("cell_type") == "code"


def is_locked(cell: NotebookNode) -> bool:
    """A cell the learner must not change (test cells and read-only cells)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("locked")) and not meta.get("solution")


@dataclass(frozen=True)
class TestCell:
    """One graded test cell of a chapter: its grade_id, its points, and the exercise it checks."""

    grade_id: str
    points: float

    @property
    def exercise(self) -> str:
        return self.grade_id.removeprefix("test_")


def test_cells(nb: NotebookNode) -> list[TestCell]:
    """The graded test cells of a (source) notebook, in order."""
    return [
        TestCell(str(grade_id(c)), float(c.metadata["nbgrader"].get("points", 0)))
        for c in nb.cells
        if is_test_cell(c)
    ]


def failure_message(cell: NotebookNode) -> str:
    """What went wrong in an executed test cell, in words: the error's last line or the stderr text.

    Only the exception's name and message are used -- never the traceback, which
    would show test code.
    """
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            name, value = out.get("ename", "Error"), str(out.get("evalue", "")).strip()
            if name in {"CheckFailed", "AssertionError"}:
                return value or "a check failed (no message)."
            return f"{name}: {value}" if value else name
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            return "the check wrote to stderr, which scores zero: " + str(out.get("text", "")).strip()[:500]
    return ""


def score(cell: NotebookNode) -> tuple[float, float]:
    """``(points earned, points possible)`` of an executed test cell, as nbgrader scores it."""
    earned, possible = nbutils.determine_grade(cell)
    return float(earned or 0.0), float(possible)


def _hidden_split(source: str, begin: str, end: str, want_hidden: bool) -> str:
    """The lines of ``source`` outside (or, ``want_hidden``, inside) its hidden-test regions; marker lines dropped."""
    kept: list[str] = []
    hidden = False
    for line in source.split("\n"):
        if begin in line:
            hidden = True
        elif end in line:
            hidden = False
        elif hidden == want_hidden:
            kept.append(line)
    return "\n".join(kept)


def strip_hidden_tests(source: str, begin: str = "BEGIN HIDDEN TESTS", end: str = "END HIDDEN TESTS") -> str:
    """Cut every ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` region from a cell's source."""
    return _hidden_split(source, begin, end, want_hidden=False)


def hidden_code(source: str, begin: str = "BEGIN HIDDEN TESTS", end: str = "END HIDDEN TESTS") -> str:
    """The lines inside the cell's hidden-test regions (empty if it has none)."""
    return _hidden_split(source, begin, end, want_hidden=True)


def error_summary(outputs: list[Any]) -> list[Any]:
    """Replace every error output's traceback with its last line (``Name: message``)."""
    cleaned = []
    for out in outputs:
        if out.get("output_type") == "error":
            out = nbformat.from_dict(dict(out))
            out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        cleaned.append(out)
    return cleaned
