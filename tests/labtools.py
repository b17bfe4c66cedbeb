"""Helpers for tests that start real servers (JupyterLab, JupyterHub): ports, HTTP on loopback, scratch courses."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from conftest import ROOT

# the 3-D mistake of issue 14: right on the visible checks' 1-D and 2-D inputs, wrong on the hidden 3-D ones
DERIV_RIGHT = "def deriv(func, input_, delta=0.001):\n    return (func(input_ + delta) - func(input_ - delta)) / (2 * delta)\n"
DERIV_WRONG_IN_3D = (
    "def deriv(func, input_, delta=0.001):\n"
    "    if input_.ndim == 3:\n"
    "        return (func(input_ + delta) - func(input_)) / delta\n"
    "    return (func(input_ + delta) - func(input_ - delta)) / (2 * delta)\n"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http(url: str, method: str = "GET", body: Any = None, token: str = "", timeout: float = 180,
         headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """``(status, parsed JSON or text)`` of one request; HTTP errors are returned, not raised."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if token:
        request.add_header("Authorization", f"token {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 -- loopback only
            status, text = response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        status, text = exc.code, exc.read().decode(errors="replace")
    try:
        return status, json.loads(text)
    except json.JSONDecodeError:
        return status, text


def wait_for(url: str, proc: subprocess.Popen[str], token: str = "", seconds: float = 90, log: Path | None = None,
             status: int | None = None) -> None:
    """Poll ``url`` until it answers (with ``status``, if given) while ``proc`` runs."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            got, _ = http(url, token=token, timeout=5)
            if status is None or got == status:
                return
            raise ConnectionError(f"status {got}")
        except OSError:
            if proc.poll() is not None:
                raise AssertionError(f"server exited with {proc.returncode}: {log.read_text()[-3000:] if log else ''}") from None
            if time.monotonic() > deadline:
                raise AssertionError(f"{url} did not answer within {seconds:g} s: {log.read_text()[-3000:] if log else ''}") from None
            time.sleep(0.5)


def stop(proc: subprocess.Popen[str], seconds: float = 30) -> None:
    """SIGTERM (what stops a Jupyter server and its kernels), then SIGKILL if it does not stop."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def scratch_course(folder: Path) -> Path:
    """A copy of the course (configuration, solutions, chapters) whose class folders a test may fill."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "jupyter_config.py", folder / "jupyter_config.py")
    for name in ("solutions", "chapters"):
        shutil.copytree(ROOT / name, folder / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return folder


def jupyter_dirs(base: Path) -> dict[str, str]:
    """Environment that keeps Jupyter's own folders (config, data, runtime) and HOME inside ``base``."""
    dirs = {"HOME": base / "home", "JUPYTER_CONFIG_DIR": base / "jupyter-config",
            "JUPYTER_DATA_DIR": base / "jupyter-data", "JUPYTER_RUNTIME_DIR": base / "jupyter-runtime"}
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    return {k: str(v) for k, v in dirs.items()}


def clean_env(**extra: str) -> dict[str, str]:
    """``os.environ`` without course or hub variables a developer's shell may have set, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DLFS_", "JUPYTERHUB_", "JUPYTER_"))}
    env.update(extra)
    return env


def stop_pid_file(pid_file: Path) -> None:
    """SIGTERM the process a pid file names, if it still runs (a proxy whose hub died before stopping it)."""
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, signal.SIGTERM)
    except (OSError, ValueError):
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            return
        time.sleep(0.2)
