"""``dlfs export-learner DIR``: the course as learners get it, without ``solutions/``.

``dlfs check`` in the course folder needs ``solutions/`` (it runs the hidden tests
too), so a learner who can self-check that way can read every solution and hidden
test. The learner distribution holds only what a learner needs -- ``chapters/`` (the
released notebooks), ``lib/`` (the ``dlfs`` library), ``autograder/`` (the ``dlfs``
command), the set-up files -- and no ``solutions/``, ``tests/`` or ``benchmarks/``.
There ``dlfs check`` runs the visible tests of the notebook itself and says that
the hidden ones run when the notebook is graded.

What it cannot hide: ``lib/dlfs`` is the library learners import and read, so it
holds the reference implementation of every exercise (the grader gives no credit
for using it, see :mod:`.redact`), and ``lib/dlfs/checks`` holds the checks with
their hidden-test parameters (seeds, shapes, cases).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from dlfs_autograder.course import course_root

FILES = ["README.md", "course.py", "pyproject.toml", "environment.yml", "jupyter_config.py", ".gitignore"]
FOLDERS = ["chapters", "lib", "autograder"]
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".ipynb_checkpoints", "gradebook.db", ".venv")
MARKERS = ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS")


def export_learner(dest: Path) -> int:
    """Write the learner distribution to ``dest`` (new or empty). Returns an exit code."""
    root = course_root()
    dest = dest.resolve()
    if dest.exists() and any(dest.iterdir()):
        print(f"dlfs export-learner: {dest} is not empty; give a new folder.")
        return 2
    if dest == root or dest.is_relative_to(root):
        print(f"dlfs export-learner: {dest} is inside the course folder; give a folder outside it.")
        return 2
    leaks = [str(p.relative_to(root)) for p in sorted((root / "chapters").rglob("*.ipynb"))
             if ".ipynb_checkpoints" not in p.parts and any(m in p.read_text(encoding="utf-8") for m in MARKERS)]
    if leaks:
        print(f"dlfs export-learner: these released notebooks still hold solutions or hidden tests: {', '.join(leaks)}. "
              "Run dlfs release first.")
        return 1
    dest.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        if (root / name).is_file():
            shutil.copy2(root / name, dest / name)
    for name in FOLDERS:
        shutil.copytree(root / name, dest / name, ignore=IGNORE, symlinks=False)
    chapters = sorted(p.name for p in (dest / "chapters").iterdir() if p.is_dir())
    print(f"Learner distribution written to {dest}: {len(chapters)} chapters ({', '.join(chapters)}), "
          f"the dlfs library and the dlfs command; no solutions/, tests/ or benchmarks/.\n"
          f"There `python3 course.py lab` opens the course, and `.venv/bin/dlfs check NOTEBOOK` runs the visible "
          f"checks (hidden tests run when the notebook is graded).")
    return 0
