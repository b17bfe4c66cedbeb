"""Shared fixtures: the course folder, its chapters, and notebook builders for mistaken submissions."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode

from dlfs_autograder.cells import grade_id
from dlfs_autograder.course import chapters as course_chapters
from dlfs_autograder.remote import Channel
from dlfs_autograder.sandbox import Kernel, Limits

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = course_chapters(ROOT)


def solution_path(chapter: str) -> Path:
    return ROOT / "solutions" / chapter / f"{chapter}.ipynb"


def release_path(chapter: str) -> Path:
    return ROOT / "chapters" / chapter / f"{chapter}.ipynb"


def with_answers(nb: NotebookNode, answers: dict[str, str]) -> NotebookNode:
    """A copy of ``nb`` whose exercise cells (by grade_id) hold the given code instead."""
    out = copy.deepcopy(nb)
    todo = dict(answers)
    for cell in out.cells:
        gid = grade_id(cell)
        if gid in todo:
            cell.source = todo.pop(gid)
    assert not todo, f"no exercise cells {sorted(todo)}"
    return out


def write_submission(folder: Path, chapter: str, nb: NotebookNode) -> Path:
    """Write ``nb`` as ``folder/<chapter>.ipynb`` (the name tells the checker the chapter)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{chapter}.ipynb"
    nbformat.write(nb, str(path))
    return path


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def open_channel(folder: Path, learner_code: str, cell_seconds: float) -> Iterator[Channel]:
    """A sandboxed kernel that has run ``learner_code``, and a grader channel to it (for module fixtures)."""
    kernel = Kernel(folder, ROOT, Limits(cell_seconds=cell_seconds))
    kernel.start()
    try:
        run = kernel.execute(learner_code)
        assert run.error is None, run.error
        channel = Channel(kernel)
        channel.install()
        yield channel
    finally:
        kernel.shutdown()
