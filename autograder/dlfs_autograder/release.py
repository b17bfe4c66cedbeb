"""``dlfs release``: regenerate ``chapters/`` from ``solutions/`` with ``nbgrader generate_assignment``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dlfs_autograder.course import chapters, course_env, course_root, source_notebook


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
        print(f"released {name} -> {(to or root / 'chapters') / name}")
    return 0
