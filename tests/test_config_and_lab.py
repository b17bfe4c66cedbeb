"""jupyter_config.py is the one configuration, and both nbgrader and JupyterLab apply it."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from conftest import CHAPTERS, ROOT
from processes import descendants, left_behind

from dlfs_autograder.course import course_env

DLFS = str(Path(sys.executable).parent / "dlfs")

PRINT_NBGRADER_CONFIG = """
from nbgrader.apps import NbGraderApp
app = NbGraderApp()
app.initialize([])
cd = app.config.CourseDirectory
print(cd.get("source_directory", "<default>"), cd.get("release_directory", "<default>"), cd.get("course_id", "<default>"))
print(app.config.ExecutePreprocessor.get("timeout", "<default>"))
"""


def test_nbgrader_applies_the_course_config_through_the_dlfs_environment(tmp_path: Path) -> None:
    env = course_env(ROOT)
    done = subprocess.run([sys.executable, "-c", PRINT_NBGRADER_CONFIG], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["solutions", "chapters", "dlfs", "60"]


def test_nbgrader_without_the_wiring_does_not_see_it(tmp_path: Path) -> None:
    # the control: from another folder, with no JUPYTER_CONFIG_PATH, nbgrader keeps its defaults
    env = {k: v for k, v in os.environ.items() if k != "JUPYTER_CONFIG_PATH"}
    done = subprocess.run([sys.executable, "-c", PRINT_NBGRADER_CONFIG], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[:3] == ["<default>", "<default>", "<default>"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> dict | list:  # type: ignore[type-arg]
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 -- loopback only
        return json.loads(response.read())


def test_dlfs_lab_serves_chapters_with_config_and_nbgrader_extension(tmp_path: Path) -> None:
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, HOME=str(tmp_path), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    proc = subprocess.Popen(
        [DLFS, "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}"],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status = _get(f"{base}/api/status?token={token}")
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else "lab exited"
                assert time.monotonic() < deadline, "JupyterLab did not start within 60 s"
                time.sleep(0.5)
        assert isinstance(status, dict)
        contents = _get(f"{base}/api/contents?token={token}")
        assert isinstance(contents, dict)
        served = sorted(item["name"] for item in contents["content"] if item["type"] == "directory")
        assert served == CHAPTERS  # root_dir is chapters/, from jupyter_config.py
        version = _get(f"{base}/nbgrader_version?version=0.9.6&token={token}")
        assert version == {"success": True}  # nbgrader's validate server extension answers
        extensions = _get(f"{base}/lab/api/extensions?token={token}")
        names = {e["name"]: e for e in (extensions if isinstance(extensions, list) else extensions.get("installed", []))}
        assert "jupyter-nbgrader" in names and names["jupyter-nbgrader"]["enabled"], sorted(names)
        # the Validate button's request: the untouched learner notebook fails its check
        request = urllib.request.Request(
            f"{base}/assignments/validate?path=02_derivatives/02_derivatives.ipynb", data=b"", method="POST",
            headers={"Authorization": f"token {token}"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 -- loopback only
            verdict = json.loads(response.read())
        assert verdict["success"] is True, verdict
        failed = verdict["value"].get("failed", [])
        assert failed and "not written yet" in json.dumps(failed), verdict["value"]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait_for_server(base: str, token: str, proc: subprocess.Popen[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            _get(f"{base}/api/status?token={token}")
            return
        except OSError:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else "lab exited"
            assert time.monotonic() < deadline, f"JupyterLab did not start within {seconds:g} s"
            time.sleep(0.5)


def test_sigterm_to_dlfs_lab_stops_jupyterlab_and_its_kernels(tmp_path: Path) -> None:
    """What a process manager or a script does: SIGTERM to `dlfs lab` leaves no server, kernel or port behind."""
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, HOME=str(tmp_path), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    before = set(descendants())
    proc = subprocess.Popen(
        [DLFS, "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}"],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(base, token, proc)
        request = urllib.request.Request(f"{base}/api/kernels?token={token}", data=b"{}", method="POST")
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 -- loopback only
            kernel = json.loads(response.read())
        assert kernel["id"]
        deadline = time.monotonic() + 30
        while len(set(descendants()) - before) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)  # the server and its kernel
        started = set(descendants()) - before
        assert len(started) >= 2, started
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
        assert left_behind(before, grace=10.0) == {}, "dlfs lab stopped but left processes running"
        with socket.socket() as s:  # and nothing listens on the port any more (TIME_WAIT connections may linger)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
