"""``dlfs lab``: JupyterLab on ``chapters/`` with the course configuration."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

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
    return hand_over(cmd, cwd=root / "chapters", env=course_env(root))


def hand_over(cmd: list[str], cwd: Path, env: dict[str, str]) -> int:
    """Become ``cmd`` (``exec``): a signal sent to ``dlfs lab`` then reaches JupyterLab itself,
    which stops its kernels and their sandboxes. Where ``exec`` is unavailable, run it as a
    child and pass SIGINT, SIGTERM and SIGHUP on to it."""
    if hasattr(os, "execve") and os.name == "posix":
        os.chdir(cwd)
        os.execve(cmd[0], cmd, env)
    child = subprocess.Popen(cmd, cwd=cwd, env=env)
    for sig in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            signal.signal(sig, lambda signum, _frame: child.send_signal(signum))
    return child.wait()
