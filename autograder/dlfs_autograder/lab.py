"""``dlfs lab``: JupyterLab on ``chapters/`` with the course configuration."""

from __future__ import annotations

import subprocess
import sys

from dlfs_autograder.course import course_env, course_root


def lab(extra: list[str]) -> int:
    """Start JupyterLab (blocking) with ``jupyter_config.py`` applied; extra args go to ``jupyter lab``."""
    root = course_root()
    cmd = [sys.executable, "-m", "jupyterlab", *extra]
    print(f"Opening JupyterLab on {root / 'chapters'} (stop it with Ctrl-C) ...", flush=True)
    try:
        return subprocess.call(cmd, cwd=root / "chapters", env=course_env(root))
    except KeyboardInterrupt:
        return 0
