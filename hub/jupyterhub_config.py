"""JupyterHub for a class taking this course on one shared server.

Every account gets its own single-user JupyterLab, started as that account by
``dlfs lab`` from the course's virtual environment:

* learners: ``dlfs lab`` -- the learner's JupyterLab on ``~/my-work`` with the
  Assignment List (Fetch, Submit, Fetch Feedback) and Validate (``dlfs check``);
* instructors: ``dlfs lab --instructor`` -- the course folder with nbgrader's
  Formgrader; grading runs here, in the instructor's server (its terminal:
  ``dlfs collect``, ``dlfs grade``, ``dlfs return``), sandboxed by bubblewrap.

Everyone shares chapters, submissions and feedback through nbgrader's exchange
folder. Start it (as root, so it can start each learner's server as that user)::

    .venv/bin/jupyterhub -f hub/jupyterhub_config.py

Settings come from the environment, with defaults for a real class:

    DLFS_HUB_INSTRUCTORS   comma-separated instructor accounts     (default: instructor)
    DLFS_HUB_LEARNERS      comma-separated learner accounts        (default: none: add them)
    DLFS_EXCHANGE          the exchange folder                     (default: /srv/nbgrader/exchange)
    DLFS_HUB_STATE         the hub's database, cookie secret, pid  (default: /srv/jupyterhub)
    DLFS_HUB_URL           where the hub listens                   (default: http://127.0.0.1:8000)
    DLFS_HUB_PORT, DLFS_HUB_PROXY_API_PORT   internal ports       (default: 8081, 8001)

It uses JupyterHub's defaults for a real class: PAM log-in (the machine's own
accounts) and ``LocalProcessSpawner`` (each server runs as its unix user, so a
learner cannot read another's work). ``tests/test_hub.py`` loads this file and only
swaps in a dummy authenticator and ``SimpleLocalProcessSpawner`` on loopback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

c = get_config()  # noqa: F821 -- provided by traitlets when JupyterHub loads this file

COURSE = Path(os.environ.get("DLFS_COURSE_ROOT") or Path(__file__).resolve().parents[1])
DLFS = str(Path(sys.executable).parent / "dlfs")  # the course venv's command (JupyterHub runs from the same venv)
EXCHANGE = os.environ.get("DLFS_EXCHANGE") or "/srv/nbgrader/exchange"
STATE = Path(os.environ.get("DLFS_HUB_STATE") or "/srv/jupyterhub")
INSTRUCTORS = {u for u in os.environ.get("DLFS_HUB_INSTRUCTORS", "instructor").split(",") if u}
LEARNERS = {u for u in os.environ.get("DLFS_HUB_LEARNERS", "").split(",") if u}

STATE.mkdir(mode=0o700, parents=True, exist_ok=True)

# ---------------------------------------------------------------- who may log in
c.Authenticator.allowed_users = INSTRUCTORS | LEARNERS

# ---------------------------------------------------------------- where it listens, where it keeps its state
c.JupyterHub.bind_url = os.environ.get("DLFS_HUB_URL", "http://127.0.0.1:8000")
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("DLFS_HUB_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ.get('DLFS_HUB_PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops everyone's server

# ---------------------------------------------------------------- each account's JupyterLab
c.Spawner.cmd = [DLFS, "lab"]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {
    "DLFS_COURSE_ROOT": str(COURSE),  # the course: its configuration, solutions (for dlfs check) and chapters
    "DLFS_EXCHANGE": EXCHANGE,
}


def pre_spawn_hook(spawner: Any) -> None:
    """Instructors get instructor mode; learners work in ``~/my-work`` (their home as the spawner sets it)."""
    if spawner.user.name in INSTRUCTORS:
        spawner.cmd = [DLFS, "lab", "--instructor"]
    else:
        home = spawner.user_env({}).get("HOME") or os.path.expanduser(f"~{spawner.user.name}")
        spawner.environment = {**spawner.environment, "DLFS_WORKSPACE": str(Path(home) / "my-work")}


c.Spawner.pre_spawn_hook = pre_spawn_hook
