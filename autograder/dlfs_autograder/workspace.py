"""The learner workspace: the learner's own copies of the chapters, in a folder git ignores.

``chapters/`` is generated and tracked by git: a learner who edited it in place
would have a ``git pull`` conflict with their work, and ``dlfs release`` overwrite
it. Learners work in ``my-work/`` instead (``$DLFS_WORKSPACE`` moves it, e.g. to a
home folder on a shared server). :func:`add_new_chapters` creates it from
``chapters/`` on the first start and, after a course update, adds what is new --
it never replaces or changes a file that is already there.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat

from dlfs_autograder.labmeta import prepare_for_learners

WORKSPACE = "my-work"  # listed in .gitignore


def workspace_dir(root: Path) -> Path:
    """The learner workspace: ``$DLFS_WORKSPACE`` if set, else ``<course>/my-work``."""
    env = os.environ.get("DLFS_WORKSPACE")
    return Path(env).expanduser().resolve() if env else root / WORKSPACE


def _released_files(chapters: Path) -> list[Path]:
    """Every file of every chapter folder, relative to ``chapters``, checkpoints left out."""
    files = []
    for path in sorted(chapters.glob("*/**/*")):
        if path.is_file() and ".ipynb_checkpoints" not in path.parts and "__pycache__" not in path.parts:
            files.append(path.relative_to(chapters))
    return files


def _copy_new(src: Path, dest: Path) -> bool:
    """Copy ``src`` to ``dest`` only if ``dest`` does not exist (checked atomically); True if copied."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if src.suffix == ".ipynb":
        nb = nbformat.read(str(src), as_version=4)
        prepare_for_learners(nb, with_version=True)  # the Python version of the kernel that will run it
        data = (nbformat.writes(nb) + "\n").encode()
    else:
        data = src.read_bytes()
    try:
        with dest.open("xb") as out:  # "x": fails if anything (a file, a link) is already there
            out.write(data)
    except FileExistsError:
        return False
    shutil.copymode(src, dest)
    return True


def add_new_chapters(root: Path, workspace: Path) -> list[Path]:
    """Copy into ``workspace`` every file of ``chapters/`` it does not have yet; return what was added.

    Files already in the workspace -- the learner's work -- are never replaced, even when
    ``chapters/`` has a newer version of them.
    """
    chapters = root / "chapters"
    added = []
    for rel in _released_files(chapters):
        dest = workspace / rel
        if not os.path.lexists(dest) and _copy_new(chapters / rel, dest):
            added.append(rel)
    return added


def notebook_argument(arg: str) -> str:
    """``dlfs check``'s argument: a path as given, or a chapter's name for that chapter in the workspace."""
    if arg.endswith(".ipynb") or os.sep in arg or (os.altsep and os.altsep in arg):
        return arg
    from dlfs_autograder.course import course_root

    root = course_root()
    if (root / "chapters" / arg).is_dir():
        return str(workspace_dir(root) / arg / f"{arg}.ipynb")
    return arg
