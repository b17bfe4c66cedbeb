"""`dlfs check`: full marks on solutions, zero on blank notebooks, the right words for each mistake.

Every notebook here is executed in a real kernel with the grader's tests,
hidden ones included, exactly as a learner's self-check runs it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import CHAPTERS, ROOT, full_marks, release_path, solution_path, with_answers, write_submission
from mistakes import cases_by_chapter

from dlfs_autograder.cells import QUESTION_ID, grade_id, is_test_cell
from dlfs_autograder.check import Report, check_notebook
from dlfs_autograder.timing import cell_seconds

DLFS = str(Path(sys.executable).parent / "dlfs")
CHECK_BUDGET_S = 60.0  # `dlfs check` on a chapter: the chapter budget (it runs the notebook, hidden tests included)
TEST_CELL_BUDGET_S = 2.0  # one graded check


def _stderr_cells(report: Report) -> list[int]:
    return [
        i for i, cell in enumerate(report.executed.cells) if cell.cell_type == "code"
        for out in cell.get("outputs", []) if out.get("output_type") == "stream" and out.get("name") == "stderr"
    ]


@pytest.mark.notebook
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solution_gets_full_marks_cleanly_within_budget(chapter: str) -> None:
    report = check_notebook(solution_path(chapter))
    failed = [(r.exercise, r.message) for r in report.results if r.earned < r.possible]
    assert not failed
    assert report.full_marks and report.problem == ""
    errors = [i for i, c in enumerate(report.executed.cells) for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == [], f"cells {errors} raised errors"
    assert _stderr_cells(report) == [], "a cell wrote to stderr (nbgrader scores a test cell with stderr zero)"
    assert report.seconds <= CHECK_BUDGET_S, f"dlfs check took {report.seconds:.1f} s"
    for cell in report.executed.cells:
        if is_test_cell(cell):
            seconds = cell_seconds(cell)
            assert seconds is not None and seconds <= TEST_CELL_BUDGET_S, f"{grade_id(cell)} took {seconds} s"


@pytest.mark.notebook
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_untouched_learner_notebook_scores_zero(chapter: str) -> None:
    report = check_notebook(release_path(chapter))
    assert report.results, "no graded exercises found"
    for r in report.results:
        assert r.earned == 0, r
        # a question is a value to set (05-07: "not answered yet") or a function to finish (01-04: "not written yet")
        unfinished = ("not answered yet", "not written yet") if QUESTION_ID.fullmatch(r.grade_id) else ("not written yet",)
        assert any(words in r.message for words in unfinished), r.message


@pytest.mark.notebook
def test_cli_reports_full_marks_and_zero_with_exit_codes() -> None:
    total = full_marks("02_derivatives")
    ok = subprocess.run([DLFS, "check", str(solution_path("02_derivatives"))], capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"Total: {total} / {total}" in ok.stdout and "deriv" in ok.stdout
    blank = subprocess.run([DLFS, "check", str(release_path("02_derivatives"))], capture_output=True, text=True, cwd=ROOT)
    assert blank.returncode == 1
    assert f"Total: 0 / {total}" in blank.stdout and "not written yet" in blank.stdout
    assert "HIDDEN" not in blank.stdout and "HIDDEN_CASES" not in blank.stdout


MISTAKEN = cases_by_chapter(CHAPTERS)
CASES = [(ch, i) for ch, cases in MISTAKEN.items() for i in range(len(cases))]


@pytest.mark.notebook
@pytest.mark.parametrize(("chapter", "variant"), CASES)
def test_mistaken_submission_scores_and_speaks_as_intended(chapter: str, variant: int, tmp_path: Path) -> None:
    answers, expected = MISTAKEN[chapter][variant]
    nb = with_answers(nbformat.read(str(release_path(chapter)), as_version=4), answers)
    report = check_notebook(write_submission(tmp_path, chapter, nb))
    got = {r.grade_id: r for r in report.results}
    assert set(expected) <= set(got)
    for gid, (points, words) in expected.items():
        r = got[gid]
        if points is None:
            assert r.earned == r.possible, f"{gid}: {r.message}"
        else:
            assert r.earned == points, f"{gid}: {r.earned}/{r.possible} {r.message}"
            assert words in r.message, f"{gid}: {r.message!r} lacks {words!r}"


@pytest.mark.notebook
def test_edited_or_deleted_test_cells_do_not_help(tmp_path: Path) -> None:
    nb = nbformat.read(str(release_path("01_functions")), as_version=4)
    tests = [c for c in nb.cells if is_test_cell(c)]
    tests[0].source = "pass  # the learner emptied the check"
    nb.cells.remove(tests[1])
    report = check_notebook(write_submission(tmp_path, "01_functions", nb))
    got = {r.grade_id: r for r in report.results}
    assert got[str(grade_id(tests[0]))].earned == 0
    assert got[str(grade_id(tests[1]))].earned == 0
    assert "missing" in got[str(grade_id(tests[1]))].message


@pytest.mark.parametrize(
    ("content", "words"),
    [("", "is empty"), ('{"cells": [', "not a valid notebook"), ("[1, 2]", "not a valid notebook")],
)
def test_broken_files_get_a_clear_message(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "02_derivatives.ipynb"
    path.write_text(content)
    done = subprocess.run([DLFS, "check", str(path)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1
    assert words in done.stdout and "Nothing was graded" in done.stdout


def test_wrong_arguments_get_a_clear_message(tmp_path: Path) -> None:
    done = subprocess.run([DLFS, "check", str(tmp_path / "missing.ipynb")], capture_output=True, text=True)
    assert done.returncode == 2 and "no such file" in done.stdout
    other = tmp_path / "99_unknown.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), str(other))
    done = subprocess.run([DLFS, "check", str(other)], capture_output=True, text=True)
    assert done.returncode != 0 and "no chapter named '99_unknown'" in (done.stdout + done.stderr)
    assert "01_functions" in (done.stdout + done.stderr)
