"""``dlfs lab``: JupyterLab on ``chapters/`` with the course configuration."""

from __future__ import annotations

import os
import subprocess
import sys

from dlfs_autograder.course import course_env, course_root


def lab(extra: list[str]) -> int:
    """Start JupyterLab (blocking) with ``jupyter_config.py`` applied; extra args go to ``jupyter lab``."""
    root = course_root()
    cmd = [sys.executable, "-m", "jupyterlab", *extra]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        # containers and CI machines often run as root; Jupyter refuses that unless told
        print("Running as root: starting JupyterLab with --allow-root.", flush=True)
        cmd.append("--allow-root")
    print(f"Opening JupyterLab on {root / 'chapters'} (stop it with Ctrl-C) ...", flush=True)
    try:
        return subprocess.call(cmd, cwd=root / "chapters", env=course_env(root))
    except KeyboardInterrupt:
        return 0
