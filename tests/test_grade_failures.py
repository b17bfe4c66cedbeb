"""The grader's own failures are never grades (issue 11, item 5), and a feedback page cannot stall grading (item 4).

- a grading process killed mid-run (what the out-of-memory killer does) costs nothing:
  that submission is graded again and everyone gets their real score;
- a kernel that cannot start because of the grader's environment is no grade: the rows say
  so with no score, nothing is journalled, ``dlfs grade`` exits 3, and a plain re-run grades;
- the instructor's Python environment under ``/tmp`` (hidden by the sandbox) still works;
- drawing a feedback page is cut off at its time limit, with a page that says so.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, full_marks, release_path, solution_path, with_answers

from dlfs_autograder.sandbox import bwrap_path

DLFS = str(Path(sys.executable).parent / "dlfs")
CH = "02_derivatives"
FORWARD = "def deriv(func, input_, delta=0.001):\n    return (func(input_ + delta) - func(input_)) / delta\n"

pytestmark = [pytest.mark.notebook, pytest.mark.skipif(bwrap_path() is None, reason="bubblewrap is not installed")]


def _class(folder: Path, n: int, pause: float = 0.0) -> dict[str, str]:
    """``n`` students, alternately the solution (every point) and a forward difference (0); expected totals."""
    expected = {}
    total = full_marks(CH)
    for i in range(n):
        student = f"s{i}"
        nb = nbformat.read(str(solution_path(CH) if i % 2 == 0 else release_path(CH)), as_version=4)
        if i % 2:
            nb = with_answers(nb, {"deriv": FORWARD})
        if pause:
            nb.cells.insert(1, nbformat.v4.new_code_cell(f"import time\ntime.sleep({pause})"))
        (folder / student / CH).mkdir(parents=True)
        nbformat.write(nb, str(folder / student / CH / f"{CH}.ipynb"))
        expected[student] = total if i % 2 == 0 else "0"
    return expected


def _totals(out: Path) -> dict[str, dict[str, str]]:
    with (out / "totals.csv").open() as f:
        return {r["student_id"]: r for r in csv.DictReader(f)}


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def test_a_killed_grading_process_is_graded_again(tmp_path: Path) -> None:
    expected = _class(tmp_path / "subs", 3, pause=4)
    cmd = [DLFS, "grade", str(tmp_path / "subs"), "--out", str(tmp_path / "out"), "--workers", "2"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 300  # generous: on a loaded machine a kernel may take a minute to start
    me = b""
    while b"grade" not in me and time.monotonic() < deadline:  # once dlfs has replaced the forked pytest
        me = Path(f"/proc/{proc.pid}/cmdline").read_bytes()
        time.sleep(0.05)
    victim = None
    while victim is None and time.monotonic() < deadline and proc.poll() is None:
        for child in _children(proc.pid):  # a grading process: a fork of dlfs grade, already running a kernel
            try:
                same = Path(f"/proc/{child}/cmdline").read_bytes() == me
            except OSError:
                continue
            if same and _children(child):
                time.sleep(1.0)
                victim = child
                break
        time.sleep(0.1)
    if victim is None:
        proc.kill()
        raise AssertionError(f"no grading process was seen (dlfs grade exit {proc.poll()}):\n{proc.communicate()[0][-3000:]}")
    os.kill(victim, signal.SIGKILL)  # what the out-of-memory killer does
    stdout, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, stdout
    assert "trying again" in stdout
    assert {s: r["score"] for s, r in _totals(tmp_path / "out").items()} == expected
    assert all(r["status"].startswith("graded") for r in _totals(tmp_path / "out").values()), stdout


def test_a_kernel_that_cannot_start_gives_no_grade_and_a_rerun_grades(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dlfs_autograder.grade import EXIT_GRADER_FAILURE, grade

    expected = _class(tmp_path / "subs", 2)
    saved = dict(os.environ)
    try:  # a grader whose limits leave the interpreter no memory: no kernel can start
        code = grade(tmp_path / "subs", tmp_path / "out", limits={"memory_mb": 1})
    finally:
        os.environ.clear()
        os.environ.update(saved)
    printed = capsys.readouterr().out
    assert code == EXIT_GRADER_FAILURE, printed
    assert "ERROR: the grader failed on 2 submission(s)" in printed
    rows = _totals(tmp_path / "out")
    assert {s: r["score"] for s, r in rows.items()} == {s: "" for s in expected}  # no score, not a false zero
    assert all("grader failure" in r["status"] and "could not start" in r["status"] for r in rows.values()), rows
    assert list((tmp_path / "out" / ".journal").glob("*.json")) == []
    again = subprocess.run([DLFS, "grade", str(tmp_path / "subs"), "--out", str(tmp_path / "out")],
                           capture_output=True, text=True, cwd=ROOT)
    assert again.returncode == 0, again.stdout
    assert "unchanged, kept" not in again.stdout
    assert {s: r["score"] for s, r in _totals(tmp_path / "out").items()} == expected


def test_a_python_environment_under_tmp_still_grades(tmp_path: Path) -> None:
    """The sandbox hides /tmp; the interpreter the grader runs from is bound back, wherever it lives."""
    expected = _class(tmp_path / "subs", 2)
    venv = Path(tempfile.mkdtemp(prefix="dlfs-venv-", dir="/tmp"))
    venv.chmod(0o755)  # as `python -m venv` makes it
    try:
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", "--without-pip", "--clear", str(venv)], check=True, capture_output=True)
        python = venv / "bin" / "python"
        site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              check=True, capture_output=True, text=True).stdout.strip()
        real = sysconfig.get_paths()["purelib"]  # the course's packages, reached through a .pth file
        Path(site, "course.pth").write_text(f"import site; site.addsitedir({real!r})\n")
        path = f"{venv / 'bin'}:{Path(sys.executable).parent}:/usr/bin:/bin"  # the course's tools (alembic) too
        data = str(Path(sys.prefix) / "share" / "jupyter")  # and its Jupyter data (nbconvert's templates)
        done = subprocess.run([str(python), "-m", "dlfs_autograder.cli", "grade", str(tmp_path / "subs"), "--out",
                               str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT,
                              env={**os.environ, "PATH": path, "JUPYTER_PATH": data})
        assert done.returncode == 0, done.stdout + done.stderr
        assert {s: r["score"] for s, r in _totals(tmp_path / "out").items()} == expected, done.stdout
        assert "could not be drawn" not in done.stdout
    finally:
        shutil.rmtree(venv, ignore_errors=True)


def test_drawing_feedback_is_cut_off_at_its_time_limit(tmp_path: Path) -> None:
    from dlfs_autograder.grade import Job, _render
    from dlfs_autograder.intake import Found
    from dlfs_autograder.trusted import Chapter, Outcome

    chapter = Chapter.load(solution_path(CH))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("[" * 15_000) for _ in range(8)]  # markdown parsing is quadratic in this
    outcome = Outcome(scores={"test_deriv": 3.0}, messages={"test_deriv": ""}, executed=nb)
    job = Job(Found("mallory", CH, None, "x"), "sha", chapter, tmp_path / "page.html")
    start = time.monotonic()
    note = _render(job, outcome, 2.0)
    assert time.monotonic() - start < 6.0
    assert "took too long" in note
    page = (tmp_path / "page.html").read_text()
    assert "feedback for mallory" in page and "3 / 3" in page and "took too long" in page
    json.dumps(note)


def test_pages_that_cannot_be_drawn_never_stop_grading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # seen as an ordinary user on this machine: the venv's interpreter fell back to an older standard library and
    # nbconvert's HTML export raised for every page; the warm-up before forking must not stop the run
    from dlfs_autograder import feedback
    from dlfs_autograder.grade import Job, _render
    from dlfs_autograder.intake import Found
    from dlfs_autograder.trusted import Chapter, Outcome

    def broken(*args: object, **kwargs: object) -> str:
        raise ValueError("Invalid character 'i' position 0")

    monkeypatch.setattr(feedback, "notebook_page", broken)
    feedback.warm_up()
    chapter = Chapter.load(solution_path(CH))
    outcome = Outcome(scores={"test_deriv": 3.0}, messages={"test_deriv": ""}, executed=nbformat.v4.new_notebook())
    job = Job(Found("alice", CH, None, "x"), "sha", chapter, tmp_path / "page.html")
    note = _render(job, outcome, 5.0)
    assert "could not be drawn (ValueError)" in note
    assert "feedback for alice" in (tmp_path / "page.html").read_text()
