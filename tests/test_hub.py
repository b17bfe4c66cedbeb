"""The class loop on JupyterHub, with hub/jupyterhub_config.py: one instructor, two learners.

The hub (JupyterHub from PyPI, configurable-http-proxy from npm) runs on loopback with
a dummy authenticator and SimpleLocalProcessSpawner (every server as this user, homes in
the test's folder); everything else is the repository's configuration. Each learner's
server is `dlfs lab` (learner mode), the instructor's `dlfs lab --instructor`. Learners
press what JupyterLab's Assignment List and Validate button send (the same HTTP
requests, through the hub's proxy); the instructor runs one command per step.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, full_marks, solution_path
from labtools import DERIV_RIGHT, DERIV_WRONG_IN_3D, clean_env, free_port, http, scratch_course, stop, stop_pid_file, wait_for

BIN = Path(sys.executable).parent
DLFS = str(BIN / "dlfs")
CHAPTER = "02_derivatives"
_SOLUTION = nbformat.read(str(solution_path(CHAPTER)), as_version=4)
TOTAL = full_marks(CHAPTER)
# alice answers every exercise and question of the chapter (her deriv written her own way); bob only a deriv wrong in 3-D
LEARNERS = {"alice": {**{c.metadata["nbgrader"]["grade_id"]: c.source for c in _SOLUTION.cells
                         if c.metadata.get("nbgrader", {}).get("solution")}, "deriv": DERIV_RIGHT},
            "bob": {"deriv": DERIV_WRONG_IN_3D}}
INSTRUCTOR = "teacher"
HUB_BUDGET_S = 300

pytestmark = pytest.mark.skipif(shutil.which("configurable-http-proxy") is None,
                                reason="configurable-http-proxy (npm) is not installed; .ci/run installs it")

TEST_CONFIG = '''
c = get_config()  # noqa: F821
load_subconfig(r"{config}")  # noqa: F821 -- the repository's hub configuration, then only what a test needs:
c.JupyterHub.authenticator_class = "dummy"
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = r"{homes}/{{username}}"
c.JupyterHub.services = [{{"name": "loop-test", "api_token": "{token}"}}]
c.JupyterHub.load_roles = [{{"name": "loop-test", "services": ["loop-test"],
                            "scopes": ["admin:users", "admin:servers", "access:servers", "list:users"]}}]
'''


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return None


def log_in(hub: str, user: str) -> int:
    """Log in through the hub's form (the dummy authenticator); the status of the form's POST."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    opener.open(f"{hub}/hub/login", timeout=30).read()
    xsrf = next(c.value for c in jar if c.name == "_xsrf")
    form = urllib.parse.urlencode({"username": user, "password": "any", "_xsrf": xsrf}).encode()
    try:
        with opener.open(f"{hub}/hub/login?_xsrf={xsrf}", data=form, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def instructor(*args: str, env: dict[str, str], cwd: Path) -> str:
    """One instructor step, as typed in the instructor's terminal on the hub."""
    done = subprocess.run([DLFS, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, f"dlfs {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


def test_one_instructor_and_two_learners_run_the_whole_loop_on_jupyterhub(tmp_path: Path) -> None:
    start = time.monotonic()
    course = scratch_course(tmp_path / "course")
    exchange, state, homes = tmp_path / "exchange", tmp_path / "state", tmp_path / "homes"
    token = secrets.token_hex(16)
    port = free_port()
    hub = f"http://127.0.0.1:{port}"
    config = tmp_path / "hub_test_config.py"
    config.write_text(TEST_CONFIG.format(config=ROOT / "hub" / "jupyterhub_config.py", homes=homes, token=token))
    env = clean_env(
        PATH=f"{BIN}:{clean_env().get('PATH', '')}", HOME=str(tmp_path),
        DLFS_COURSE_ROOT=str(course), DLFS_EXCHANGE=str(exchange), DLFS_HUB_STATE=str(state),
        DLFS_HUB_URL=hub, DLFS_HUB_PORT=str(free_port()), DLFS_HUB_PROXY_API_PORT=str(free_port()),
        DLFS_HUB_INSTRUCTORS=INSTRUCTOR, DLFS_HUB_LEARNERS=",".join(LEARNERS),
    )
    log = tmp_path / "hub.log"
    with log.open("w") as out:
        proc = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(config)], cwd=tmp_path, env=env,
                                stdout=out, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(f"{hub}/hub/api", proc, log=log, status=200)

        # the dummy authenticator lets the class roster in, and no one else
        assert log_in(hub, "alice") == 302
        assert log_in(hub, "mallory") == 403

        users = [INSTRUCTOR, *LEARNERS]
        for user in users:
            status, _ = http(f"{hub}/hub/api/users/{user}/server", "POST", {}, token=token)
            assert status in (201, 202), (user, status, log.read_text()[-3000:])
        deadline = time.monotonic() + 150
        for user in users:
            while not (http(f"{hub}/hub/api/users/{user}", token=token)[1].get("servers", {}).get("", {}).get("ready")):
                assert time.monotonic() < deadline, f"{user}'s server did not start: {log.read_text()[-4000:]}"
                assert proc.poll() is None, log.read_text()[-4000:]
                time.sleep(1)

        def user_url(user: str, path: str) -> str:
            return f"{hub}/user/{user}/{path}"

        # modes: the instructor has the Formgrader; a learner's server has no route that could overwrite their work
        assert http(user_url(INSTRUCTOR, "formgrader"), token=token)[0] == 200
        for learner in LEARNERS:
            assert http(user_url(learner, "formgrader"), token=token)[0] == 404
            assert http(user_url(learner, f"formgrader/api/assignment/{CHAPTER}/assign"), "POST", {}, token=token)[0] == 404

        # 1. the instructor publishes the chapter
        teacher_env = clean_env(PATH=env["PATH"], HOME=str(homes / INSTRUCTOR), DLFS_COURSE_ROOT=str(course),
                                DLFS_EXCHANGE=str(exchange), DLFS_MODE="instructor", JUPYTERHUB_USER=INSTRUCTOR)
        assert "published 02_derivatives" in instructor("publish", CHAPTER, env=teacher_env, cwd=course)

        # 2. the learners, at the same time: fetch from the Assignment List, write deriv, Validate, Submit
        course_query = {"course_id": "dlfs", "assignment_id": CHAPTER}

        def learner_works(learner: str, answer: dict[str, str]) -> dict:
            status, listed = http(user_url(learner, "assignments?course_id=dlfs"), token=token)
            assert status == 200 and listed["success"], listed
            assert [(a["assignment_id"], a["status"]) for a in listed["value"]] == [(CHAPTER, "released")]
            status, listed = http(user_url(learner, "assignments/fetch"), "POST", course_query, token=token)
            assert status == 200 and listed["success"] and listed["value"][0]["status"] == "fetched", listed
            notebook = f"{CHAPTER}/{CHAPTER}.ipynb"
            assert (homes / learner / "my-work" / notebook).is_file()  # fetched into the learner's workspace
            status, model = http(user_url(learner, f"api/contents/{notebook}"), token=token)
            assert status == 200
            nb = nbformat.from_dict(model["content"])
            for cell in nb.cells:
                if cell.metadata.get("nbgrader", {}).get("grade_id") in answer:
                    cell.source = answer[cell.metadata["nbgrader"]["grade_id"]]
            status, _ = http(user_url(learner, f"api/contents/{notebook}"), "PUT",
                             {"type": "notebook", "format": "json", "content": nb}, token=token)
            assert status == 200
            status, verdict = http(user_url(learner, f"assignments/validate?path={urllib.parse.quote(notebook)}"), "POST",
                                   b"", token=token)
            assert status == 200 and verdict["success"], verdict
            status, listed = http(user_url(learner, "assignments/submit"), "POST", course_query, token=token)
            assert status == 200 and listed["success"], listed
            assert any(a["status"] == "submitted" for a in listed["value"])
            return verdict

        with ThreadPoolExecutor(len(LEARNERS)) as pool:
            verdicts = dict(zip(LEARNERS, pool.map(learner_works, LEARNERS, LEARNERS.values())))
        assert verdicts["alice"]["value"] == {}, str(verdicts["alice"]["value"])[-1500:]  # full marks: "Success! ..."
        report = verdicts["bob"]["dlfs_check"]["report"]
        assert f"Total: 0 / {TOTAL}" in report and "(2, 3, 4)" in report  # bob's deriv fails the hidden 3-D case

        # 3. the instructor collects, grades and returns the feedback: one command each
        collected = instructor("collect", CHAPTER, env=teacher_env, cwd=course)
        assert "from 2 learner(s)" in collected and "alice, bob" in collected
        graded = tmp_path / "graded"
        instructor("grade", str(course / "submitted"), "--chapter", CHAPTER, "--out", str(graded), env=teacher_env, cwd=course)
        assert "to 2 learner(s)" in instructor("return", CHAPTER, "--graded", str(graded), env=teacher_env, cwd=course)

        # 4. each learner fetches the feedback from the Assignment List and opens it
        for learner, score in (("alice", f"{TOTAL} / {TOTAL}"), ("bob", f"0 / {TOTAL}")):
            status, listed = http(user_url(learner, "assignments/fetch_feedback"), "POST", course_query, token=token)
            assert status == 200 and listed["success"], listed
            submitted = [a for a in listed["value"] if a["status"] == "submitted"]
            folder = submitted[0]["submissions"][-1]["local_feedback_path"]  # "(view feedback)" opens this folder
            assert folder and folder.startswith(f"{CHAPTER}/feedback/"), submitted
            page_path = f"{folder}/{CHAPTER}.html"
            status, page = http(user_url(learner, f"files/{urllib.parse.quote(page_path)}"), token=token)
            assert status == 200 and f"feedback for {learner}" in page and score in page, page[:2000]
        assert "their details stay hidden" in page  # bob passed the visible checks: class feedback keeps hidden inputs hidden
    finally:
        stop(proc, seconds=60)  # the hub stops every single-user server and the proxy it started
        stop_pid_file(state / "jupyterhub-proxy.pid")  # unless it died first
    assert time.monotonic() - start < HUB_BUDGET_S, f"the hub loop took {time.monotonic() - start:.0f} s (budget {HUB_BUDGET_S} s)"
