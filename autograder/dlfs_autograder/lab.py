"""``dlfs lab``: the learner's JupyterLab (``--instructor``: the instructor's), with the course configuration.

Learner mode (the default) serves the learner workspace (:mod:`dlfs_autograder.workspace`):
no Formgrader, no Create Assignment, no course list -- nothing in it can overwrite a
learner's notebook -- and a Validate button that gives ``dlfs check``'s verdict. With a
class exchange (``--exchange DIR`` or ``$DLFS_EXCHANGE``) the Assignment List fetches
chapters, submits them and fetches feedback; without one (self-study) it is not there,
and the workspace is filled from ``chapters/``.

Instructor mode serves the course folder with nbgrader's tools (Formgrader, Create
Assignment, and the Assignment List when there is an exchange).

Spawned by JupyterHub (``$JUPYTERHUB_SERVICE_URL`` set), it starts JupyterHub's
single-user server with the same configuration instead of a plain JupyterLab.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from dlfs_autograder.course import course_env, course_root
from dlfs_autograder.workspace import add_new_chapters, workspace_dir

MODES = Path(__file__).resolve().parent / "modes"  # one labconfig/page_config.json per mode: the plugins it hides


def lab_env(root: Path, instructor: bool, exchange: str) -> dict[str, str]:
    """The environment of the server: the course config, the mode, the exchange and the workspace."""
    env = course_env(root)
    env["DLFS_MODE"] = "instructor" if instructor else "learner"
    profile = ("instructor" if instructor else "learner") + ("-class" if exchange else "")
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join([env["JUPYTER_CONFIG_PATH"], str(MODES / profile)])
    if exchange:
        env["DLFS_EXCHANGE"] = exchange
    else:
        env.pop("DLFS_EXCHANGE", None)
    if not instructor:
        env["DLFS_WORKSPACE"] = str(workspace_dir(root))
    return env


def server_command(extra: list[str], env: dict[str, str]) -> list[str]:
    """``python -m jupyterlab`` -- or JupyterHub's single-user server when a hub spawned us."""
    if env.get("JUPYTERHUB_SERVICE_URL") or env.get("JUPYTERHUB_API_TOKEN"):
        single = shutil.which("jupyterhub-singleuser", path=str(Path(sys.executable).parent)) or "jupyterhub-singleuser"
        cmd = [single, *extra]
    else:
        cmd = [sys.executable, "-m", "jupyterlab", *extra]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        # containers and CI machines often run as root; Jupyter refuses that unless told
        print("Running as root: starting JupyterLab with --allow-root.", flush=True)
        cmd.append("--allow-root")
    return cmd


def lab(extra: list[str], instructor: bool = False, exchange: str | None = None) -> int:
    """Start JupyterLab (blocking) in learner or instructor mode; extra args go to ``jupyter lab``."""
    root = course_root()
    exchange = str(Path(exchange).resolve()) if exchange else os.environ.get("DLFS_EXCHANGE", "")
    env = lab_env(root, instructor, exchange)
    if instructor:
        folder = root
        print(f"Instructor mode: JupyterLab on {root} with nbgrader's Formgrader "
              f"({'exchange ' + exchange if exchange else 'no class exchange'}).", flush=True)
    else:
        folder = Path(env["DLFS_WORKSPACE"])
        folder.mkdir(parents=True, exist_ok=True)
        if exchange:
            print(f"Class mode: fetch chapters from the Assignment List into {folder}.", flush=True)
            if not Path(exchange).is_dir():
                print(f"Note: the class exchange {exchange} does not exist yet, so the Assignment List can only report "
                      "that; your instructor creates it (README: 'Teaching a class').", flush=True)
        else:
            added = add_new_chapters(root, folder)
            chapters = sorted({p.parts[0] for p in added})
            if chapters:
                print(f"Copied {len(chapters)} new chapter(s) into your workspace: {', '.join(chapters)}.", flush=True)
        print(f"Opening JupyterLab on your workspace {folder} (stop it with Ctrl-C) ...", flush=True)
    return hand_over(server_command(extra, env), cwd=folder, env=env)


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
