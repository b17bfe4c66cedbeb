"""`dlfs grade` on a small class: the CSV, the feedback, and no hidden test code anywhere a student sees."""

from __future__ import annotations

import csv
import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, full_marks, release_path, solution_path, with_answers, write_submission

from dlfs_autograder.cells import is_test_cell

DLFS = str(Path(sys.executable).parent / "dlfs")
CH = "02_derivatives"


def _hidden_lines(chapter: str) -> list[str]:
    """The code lines inside hidden-test regions of a chapter's source."""
    lines = []
    for cell in nbformat.read(str(solution_path(chapter)), as_version=4).cells:
        if not is_test_cell(cell):
            continue
        inside = False
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END HIDDEN TESTS" in line:
                inside = False
            elif inside and line.strip() and not line.strip().startswith("#"):
                lines.append(line.strip())
    # a hidden line that the learner's own notebook shows too (an import of the visible checks) reveals nothing
    visible = "\n".join(c.source for c in nbformat.read(str(release_path(chapter)), as_version=4).cells)
    lines = [line for line in lines if line not in visible]
    assert lines
    return lines


def _visible_text(page: Path) -> str:
    """The text of an HTML page as a reader sees it (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    subs = tmp_path_factory.mktemp("submitted")
    shutil.copytree(solution_path(CH).parent, subs / "alice" / CH)
    shutil.copytree(release_path(CH).parent, subs / "bob" / CH)
    wrong = with_answers(
        nbformat.read(str(release_path(CH)), as_version=4),
        {"deriv": "def deriv(func, input_, delta=0.001):\n    return (func(input_ + delta) - func(input_)) / delta"},
    )
    write_submission(subs / "carol" / CH, CH, wrong)
    (subs / "dave" / CH).mkdir(parents=True)
    (subs / "dave" / CH / f"{CH}.ipynb").write_text('{"cells": [ {"cell_type": "code", ')
    out = tmp_path_factory.mktemp("out")
    done = subprocess.run([DLFS, "grade", str(subs), "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    return out, done


@pytest.mark.notebook
def test_grade_exits_zero_and_writes_the_csv(graded: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, done = graded
    assert done.returncode == 0, done.stdout + done.stderr
    with (out / "grades.csv").open() as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["student_id", "assignment", "exercise", "score", "max_score", "status"]
    assert {tuple(r[:2]) for r in rows[1:]} == {(s, CH) for s in ("alice", "bob", "carol", "dave")}  # a row per exercise
    deriv = [r for r in rows[1:] if r[2] == "test_deriv"]
    assert deriv == [
        ["alice", CH, "test_deriv", "3", "3", "graded"],
        ["bob", CH, "test_deriv", "0", "3", "graded"],
        ["carol", CH, "test_deriv", "0", "3", "graded"],
        ["dave", CH, "test_deriv", "0", "3", deriv[-1][-1]],
    ]
    assert deriv[-1][-1].startswith("not graded:") and "not a valid notebook" in deriv[-1][-1]
    assert "Summary: 3 graded, 1 could not be graded" in done.stdout


@pytest.mark.notebook
def test_feedback_for_every_student_explains_without_hidden_code(graded: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, _ = graded
    hidden = _hidden_lines(CH)
    for student in ("alice", "bob", "carol", "dave"):
        page = out / "feedback" / student / CH / f"{CH}.html"
        assert page.is_file(), page
        text = _visible_text(page)
        for line in hidden:
            assert line not in text, f"hidden test code {line!r} in {student}'s feedback"
        assert "HIDDEN TESTS" not in text
    carol = _visible_text(out / "feedback" / "carol" / CH / f"{CH}.html")
    assert "forward difference" in carol
    assert "not graded" in (out / "feedback" / "dave" / CH / f"{CH}.html").read_text()


def test_grade_rejects_a_missing_folder(tmp_path: Path) -> None:
    done = subprocess.run([DLFS, "grade", str(tmp_path / "nope"), "--out", str(tmp_path / "o")], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and "is not a folder" in done.stdout


@pytest.mark.notebook
def test_totals_and_gradebook(graded: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, _ = graded
    with (out / "totals.csv").open() as f:
        totals = {r["student_id"]: r for r in csv.DictReader(f)}
    total = full_marks(CH)
    assert totals["alice"]["score"] == total and totals["bob"]["score"] == "0"
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        assert gb.find_submission(CH, "alice").score == float(total)
        assert gb.find_submission(CH, "carol").score == 0
