"""``dlfs release``: regenerate ``chapters/`` from ``solutions/`` with ``nbgrader generate_assignment``.

Each released notebook is then made ready for JupyterLab (:mod:`dlfs_autograder.labmeta`):
the metadata JupyterLab writes, and test cells tagged so that *Run All* goes on past a
failing check.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat

from dlfs_autograder.course import chapters, course_env, course_root, source_notebook
from dlfs_autograder.labmeta import prepare_for_learners


def finish_release(folder: Path, with_version: bool = False) -> None:
    """Post-process every notebook nbgrader released into ``folder`` (in place)."""
    for path in sorted(folder.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        nb = nbformat.read(str(path), as_version=4)
        if prepare_for_learners(nb, with_version):
            nbformat.write(nb, str(path))


def release(names: list[str], to: Path | None = None) -> int:
    """Release the named chapters (all if none) into ``chapters/`` or ``to``. Returns an exit code."""
    root = course_root()
    todo = names or chapters(root)
    for name in todo:
        source_notebook(name, root)  # a clear error for an unknown chapter
    for name in todo:
        cmd = [
            sys.executable, "-m", "nbgrader", "generate_assignment", name,
            "--force", "--no-db", "--log-level=WARN",
        ]
        if to is not None:
            cmd.append(f"--CourseDirectory.release_directory={to.resolve()}")
        done = subprocess.run(cmd, cwd=root, env=course_env(root), capture_output=True, text=True)
        if done.returncode != 0:
            print(f"dlfs release: nbgrader could not release {name}:\n{done.stdout}{done.stderr}")
            return 1
        finish_release((to or root / "chapters") / name)
        print(f"released {name} -> {(to or root / 'chapters') / name}")
    return 0
