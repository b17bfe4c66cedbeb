"""`dlfs export-learner DIR`: the course without solutions/, where self-check runs the visible tests only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
from conftest import ROOT, full_marks, release_path, solution_answers, with_answers, write_submission

DLFS = str(Path(sys.executable).parent / "dlfs")
CH = "02_derivatives"
RIGHT = "def deriv(func, input_, delta=0.001):\n    return (func(input_ + delta) - func(input_ - delta)) / (2 * delta)\n"


def _check(dest: Path, notebook: Path) -> subprocess.CompletedProcess[str]:
    """``dlfs check`` run from the fresh copy: its own command, its own library, its own course folder."""
    env = {**os.environ, "DLFS_COURSE_ROOT": str(dest), "PYTHONPATH": str(dest / "autograder")}
    return subprocess.run([DLFS, "check", str(notebook)], capture_output=True, text=True, cwd=dest, env=env, timeout=300)


def test_the_learner_copy_holds_no_solution_and_checks_the_visible_tests(tmp_path: Path) -> None:
    dest = tmp_path / "learner"
    done = subprocess.run([DLFS, "export-learner", str(dest)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (dest / "chapters" / CH / f"{CH}.ipynb").is_file() and (dest / "lib" / "dlfs").is_dir()
    assert not (dest / "solutions").exists() and not (dest / "tests").exists()
    for path in dest.rglob("*.ipynb"):
        text = path.read_text()
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, path

    work = tmp_path / "work"
    right = write_submission(work / "right", CH, with_answers(nbformat.read(str(release_path(CH)), as_version=4),
                                                             {**solution_answers(CH), "deriv": RIGHT}))
    passed = _check(dest, right)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert f"Total: {full_marks(CH)} / {full_marks(CH)}" in passed.stdout and "Hidden tests are not part of this self-check" in passed.stdout

    untouched = write_submission(work / "untouched", CH, nbformat.read(str(release_path(CH)), as_version=4))
    failed = _check(dest, untouched)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Hidden tests are not part of this self-check" in failed.stdout

    lazy = write_submission(work / "lazy", CH, with_answers(nbformat.read(str(release_path(CH)), as_version=4),
                                                            {"deriv": "from dlfs.derivatives import deriv"}))
    library = _check(dest, lazy)
    assert library.returncode == 1, library.stdout + library.stderr


def test_export_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_text("x")
    done = subprocess.run([DLFS, "export-learner", str(tmp_path)], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 2 and "not empty" in done.stdout
