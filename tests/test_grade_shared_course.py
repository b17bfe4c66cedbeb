"""`dlfs grade` on a course folder without `lib/` (a class's shared folder on a hub, `DLFS_COURSE_ROOT`).

The kernel must import the grader's guarded copy of the library wherever the installed `dlfs` lives: not the
installed package itself (whose own answers would then earn points), and not nothing (a clone under /tmp, hidden by
the sandbox, once gave every call "No module named 'dlfs'" and a right notebook 4 / 10).
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import full_marks, release_path, solution_answers, with_answers, write_submission
from labtools import clean_env, scratch_course

from dlfs_autograder.sandbox import bwrap_path

DLFS = str(Path(sys.executable).parent / "dlfs")
CH = "02_derivatives"

pytestmark = [pytest.mark.notebook, pytest.mark.skipif(bwrap_path() is None, reason="bubblewrap is not installed")]


def test_a_course_folder_without_lib_grades_with_the_guarded_library(tmp_path: Path) -> None:
    course = scratch_course(tmp_path / "course")
    assert not (course / "lib").exists()
    blank = nbformat.read(str(release_path(CH)), as_version=4)
    answers = solution_answers(CH)
    submitted = tmp_path / "submitted"
    write_submission(submitted / "alice" / CH, CH, with_answers(blank, answers))
    write_submission(submitted / "mallory" / CH, CH, with_answers(blank, {**answers, "deriv": "from dlfs.derivatives import deriv"}))
    out = tmp_path / "out"
    env = clean_env(DLFS_COURSE_ROOT=str(course), HOME=str(tmp_path))
    done = subprocess.run([DLFS, "grade", str(submitted), "--chapter", CH, "--out", str(out)], env=env, cwd=course,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    with (out / "grades.csv").open() as f:
        rows = {(r["student_id"], r["exercise"]): r for r in csv.DictReader(f)}
    with (out / "totals.csv").open() as f:
        totals = {r["student_id"]: r["score"] for r in csv.DictReader(f)}
    assert totals["alice"] == full_marks(CH), done.stdout
    assert rows[("mallory", "test_deriv")]["score"] == "0"
    assert "library's own answer earns nothing" in rows[("mallory", "test_deriv")]["status"], done.stdout
    assert float(totals["mallory"]) == float(full_marks(CH)) - 3
