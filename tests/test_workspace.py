"""The learner workspace: made from chapters/ on the first start; a course update adds, never overwrites."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
from conftest import CHAPTERS, ROOT, full_marks

from dlfs_autograder.labmeta import language_info
from dlfs_autograder.workspace import WORKSPACE, add_new_chapters

DLFS = str(Path(sys.executable).parent / "dlfs")


def course_with(tmp_path: Path, chapters: list[str]) -> Path:
    course = tmp_path / "course"
    for chapter in chapters:
        shutil.copytree(ROOT / "chapters" / chapter, course / "chapters" / chapter)
    return course


def test_the_first_start_copies_every_chapter_ready_for_the_learners_kernel(tmp_path: Path) -> None:
    course = course_with(tmp_path, CHAPTERS)
    workspace = tmp_path / "ws"
    added = add_new_chapters(course, workspace)
    assert sorted({p.parts[0] for p in added}) == CHAPTERS
    nb = nbformat.read(str(workspace / "02_derivatives" / "02_derivatives.ipynb"), as_version=4)
    assert nb.metadata["language_info"] == language_info(with_version=True)  # this Python's version, as JupyterLab writes
    released = nbformat.read(str(ROOT / "chapters" / "02_derivatives" / "02_derivatives.ipynb"), as_version=4)
    assert [c.source for c in nb.cells] == [c.source for c in released.cells]
    assert add_new_chapters(course, workspace) == []  # a second start changes nothing


def test_a_course_update_adds_new_chapters_and_files_and_never_touches_the_learners(tmp_path: Path) -> None:
    course = course_with(tmp_path, CHAPTERS[:2])
    workspace = tmp_path / "ws"
    add_new_chapters(course, workspace)
    mine = workspace / "01_functions" / "01_functions.ipynb"
    nb = nbformat.read(str(mine), as_version=4)
    nb.cells[0].source = "my notes"
    nbformat.write(nb, str(mine))
    work = mine.read_bytes()
    # the update: a new chapter, a new file in an old chapter, and a changed release of the learner's notebook
    shutil.copytree(ROOT / "chapters" / CHAPTERS[2], course / "chapters" / CHAPTERS[2])
    (course / "chapters" / "01_functions" / "data.csv").write_text("x,y\n1,2\n")
    released = nbformat.read(str(course / "chapters" / "01_functions" / "01_functions.ipynb"), as_version=4)
    released.cells[0].source = "the new release"
    nbformat.write(released, str(course / "chapters" / "01_functions" / "01_functions.ipynb"))
    (workspace / "02_derivatives").rename(workspace / "02_moved")  # what the learner did with a folder
    (workspace / "02_derivatives").mkdir()
    (workspace / "02_derivatives" / "02_derivatives.ipynb").symlink_to(workspace / "02_moved" / "02_derivatives.ipynb")

    added = add_new_chapters(course, workspace)
    assert sorted(str(p) for p in added) == sorted([
        f"{CHAPTERS[2]}/{CHAPTERS[2]}.ipynb", "01_functions/data.csv",
    ])
    assert mine.read_bytes() == work  # the learner's notebook, untouched
    assert (workspace / "02_derivatives" / "02_derivatives.ipynb").is_symlink()  # nothing replaced, links included


def test_dlfs_check_takes_a_chapter_name_for_the_workspace_copy(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    add_new_chapters(ROOT, workspace)
    env = dict(os.environ, DLFS_WORKSPACE=str(workspace))
    done = subprocess.run([DLFS, "check", "02_derivatives"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"Self-check of {workspace / '02_derivatives' / '02_derivatives.ipynb'}" in done.stdout
    assert f"Total: 0 / {full_marks('02_derivatives')}" in done.stdout
    missing = subprocess.run([DLFS, "check", "03_chain_rule"], capture_output=True, text=True, cwd=tmp_path,
                             env=dict(env, DLFS_WORKSPACE=str(tmp_path / "empty")), timeout=60)
    assert missing.returncode == 2 and "no such file" in missing.stdout


def test_git_ignores_the_workspace_and_the_class_folders() -> None:
    paths = [f"{WORKSPACE}/01_functions/01_functions.ipynb", "submitted/alice/02_derivatives/02_derivatives.ipynb",
             "feedback/alice/02_derivatives/02_derivatives.html", "graded/grades.csv"]
    done = subprocess.run(["git", "check-ignore", "--no-index", *paths], cwd=ROOT, capture_output=True, text=True)
    assert done.stdout.split() == paths
