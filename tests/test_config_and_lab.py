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
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import CHAPTERS, ROOT, full_marks
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


def test_dlfs_lab_serves_the_learner_workspace_with_config_and_validate(tmp_path: Path) -> None:
    port, token = _free_port(), secrets.token_hex(16)
    workspace = tmp_path / "my-work"
    env = dict(os.environ, HOME=str(tmp_path), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), DLFS_WORKSPACE=str(workspace))
    env.pop("DLFS_EXCHANGE", None)
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
        assert served == CHAPTERS  # root_dir is the learner workspace, made from chapters/ on the first start
        assert sorted(p.name for p in workspace.iterdir()) == CHAPTERS
        version = _get(f"{base}/nbgrader_version?version=0.9.6&token={token}")
        assert version == {"success": True}  # the Validate button's version check answers
        extensions = _get(f"{base}/lab/api/extensions?token={token}")
        names = {e["name"]: e for e in (extensions if isinstance(extensions, list) else extensions.get("installed", []))}
        assert "jupyter-nbgrader" in names and names["jupyter-nbgrader"]["enabled"], sorted(names)
        # the Validate button's request: the untouched learner notebook fails, with dlfs check's table
        request = urllib.request.Request(
            f"{base}/assignments/validate?path=02_derivatives/02_derivatives.ipynb", data=b"", method="POST",
            headers={"Authorization": f"token {token}"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 -- loopback only
            verdict = json.loads(response.read())
        assert verdict["success"] is True, verdict
        failed = verdict["value"].get("failed", [])
        assert failed and "not written yet" in json.dumps(failed), verdict["value"]
        assert f"Total: 0 / {full_marks('02_derivatives')}" in verdict["dlfs_check"]["report"]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _page_config(base: str, token: str) -> dict:  # type: ignore[type-arg]
    with urllib.request.urlopen(f"{base}/lab?token={token}", timeout=30) as response:  # noqa: S310 -- loopback only
        html = response.read().decode()
    start = html.index('id="jupyter-config-data"')
    start = html.index(">", start) + 1
    return json.loads(html[start:html.index("</script>", start)])


def _status(url: str, method: str = "GET", token: str = "") -> int:
    request = urllib.request.Request(url, data=b"{}" if method == "POST" else None, method=method,
                                     headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 -- loopback only
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


NBGRADER = "@jupyter/nbgrader:"


@pytest.mark.parametrize(
    ("args", "exchange", "served", "routes", "hidden", "shown"),
    [
        ([], False, "workspace", {"formgrader": 404, "assignments?course_id=dlfs": 404},
         ["formgrader", "create-assignment", "course-list", "assignment-list"], ["validate-assignment"]),
        ([], True, "workspace", {"formgrader": 404, "assignments?course_id=dlfs": 200},
         ["formgrader", "create-assignment", "course-list"], ["assignment-list", "validate-assignment"]),
        (["--instructor"], False, "course", {"formgrader": 200, "assignments?course_id=dlfs": 404},
         ["course-list", "assignment-list"], ["formgrader", "create-assignment", "validate-assignment"]),
        (["--instructor"], True, "course", {"formgrader": 200, "assignments?course_id=dlfs": 200},
         ["course-list"], ["formgrader", "create-assignment", "assignment-list"]),
    ],
    ids=["learner", "learner-class", "instructor", "instructor-class"],
)
def test_each_mode_serves_its_folder_and_only_its_tools(tmp_path: Path, args: list[str], exchange: bool, served: str,
                                                        routes: dict[str, int], hidden: list[str], shown: list[str]) -> None:
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, HOME=str(tmp_path), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               DLFS_WORKSPACE=str(tmp_path / "my-work"))
    env.pop("DLFS_EXCHANGE", None)
    extra = ["--exchange", str(tmp_path / "exchange")] if exchange else []
    if exchange:  # set up by the instructor, as the README says (world-writable, as nbgrader makes it)
        (tmp_path / "exchange").mkdir()
        (tmp_path / "exchange").chmod(0o777)
    proc = subprocess.Popen(
        [DLFS, "lab", *args, *extra, "--no-browser", "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}"],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(base, token, proc)
        page = _page_config(base, token)
        expected_root = tmp_path / "my-work" if served == "workspace" else ROOT
        root = page["serverRoot"]  # JupyterLab writes it relative to HOME (tmp_path here) when it is inside
        assert Path(root.replace("~", str(tmp_path), 1) if root.startswith("~") else root).resolve() == expected_root.resolve()
        disabled = set(page["disabledExtensions"])
        assert {NBGRADER + p for p in hidden} <= disabled and not {NBGRADER + p for p in shown} & disabled
        for route, status in routes.items():
            assert _status(f"{base}/{route}", token=token) == status, route
        # Formgrader's "Generate" (generate_assignment with force): only an instructor's server has it
        generate = _status(f"{base}/formgrader/api/assignment/99_none/assign", "POST", token)
        assert (generate == 404) == (served == "workspace")
        if served == "workspace" and exchange:
            assert not (tmp_path / "my-work" / "01_functions").exists()  # in a class, chapters come by Fetch
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert "Traceback" not in (proc.stdout.read() if proc.stdout else "")  # no extension failed to load


def _wait_for_server(base: str, token: str, proc: subprocess.Popen[str], seconds: float = 120) -> None:
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
    env = dict(os.environ, HOME=str(tmp_path), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), DLFS_WORKSPACE=str(tmp_path / "w"))
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
