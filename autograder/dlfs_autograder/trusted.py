"""Grade one submission so that its code cannot change its verdict.

The learner's cells run, in order, in a sandboxed kernel (:mod:`.sandbox`).
Where a test cell stands, the instructor's version of that test -- from
``solutions/``, hidden tests included -- runs instead, in this (the grader's)
process, with the learner's functions reached through :mod:`.remote`. So:

- edited, deleted, retyped or added test cells change nothing: test code is
  always the instructor's, run at the test's place (a missing one runs at the end);
- monkeypatching NumPy, ``dlfs``, builtins, IPython hooks or exception handlers
  in the kernel cannot touch the comparison, which never runs there;
- hidden test code never enters the kernel, so the submission cannot read it,
  and the feedback shows only the visible part and the check's message.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from dlfs_autograder.cells import NotebookError, grade_id, is_test_cell, read_notebook, strip_hidden_tests
from dlfs_autograder.remote import Channel, RemoteFunction, SandboxFailure
from dlfs_autograder.sandbox import Kernel, Limits


@dataclass
class Outcome:
    """The verdict on one submission: a score and a message per test cell, and a status in plain words."""

    scores: dict[str, float] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    status: str = "graded"
    executed: NotebookNode | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class Chapter:
    """What the grader needs from a chapter's source notebook."""

    name: str
    source: NotebookNode
    tests: dict[str, str]  # test grade_id -> the instructor's code (hidden tests included)
    points: dict[str, float]
    exercises: tuple[str, ...]  # grade_ids of the solution cells: the names tests call
    digest: str  # SHA-256 of the source notebook: a journal record is reused only for the same chapter

    @classmethod
    def load(cls, path: Path) -> Chapter:
        nb = read_notebook(path)
        tests = {str(grade_id(c)): c.source for c in nb.cells if is_test_cell(c)}
        points = {str(grade_id(c)): float(c.metadata["nbgrader"].get("points", 0)) for c in nb.cells if is_test_cell(c)}
        exercises = tuple(str(grade_id(c)) for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution"))
        return cls(path.stem, nb, tests, points, exercises, hashlib.sha256(nbformat.writes(nb).encode()).hexdigest())


def _test_output(stdout: str, message: str | None) -> list[dict[str, object]]:
    outputs: list[dict[str, object]] = []
    if stdout:
        outputs.append({"output_type": "stream", "name": "stdout", "text": stdout[:20_000]})
    if message is not None:
        outputs.append({"output_type": "error", "ename": "CheckFailed", "evalue": message, "traceback": [f"CheckFailed: {message}"]})
    return outputs


def run_test(chapter: Chapter, gid: str, channel: Channel) -> tuple[float, str, str]:
    """Run the instructor's test ``gid`` here, against the learner's functions in the kernel.

    Returns ``(points, message, stdout)``; message is '' on success.
    """
    channel.install()
    namespace: dict[str, object] = {"__name__": f"dlfs_test_{gid}"}
    for name in chapter.exercises:
        namespace[name] = RemoteFunction(channel, name)
    stdout = io.StringIO()
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(chapter.tests[gid], f"<test {gid}>", "exec"), namespace)  # noqa: S102 -- the instructor's code
    except SandboxFailure as exc:
        return 0.0, f"{exc}.", stdout.getvalue()
    except AssertionError as exc:
        return 0.0, str(exc) or "a check failed.", stdout.getvalue()
    except Exception as exc:  # noqa: BLE001 -- any error in a test is a failed test, in words
        return 0.0, f"{type(exc).__name__}: {exc}", stdout.getvalue()
    return chapter.points[gid], "", stdout.getvalue()


def grade(path: Path, chapter: Chapter, scratch: Path, root: Path, limits: Limits, hidden: list[Path]) -> Outcome:
    """Grade the notebook at ``path`` against ``chapter``. Never raises for a bad submission."""
    start = time.monotonic()
    outcome = Outcome(scores={g: 0.0 for g in chapter.tests}, messages={g: "not run" for g in chapter.tests})
    try:
        nb = read_notebook(path)
    except NotebookError as exc:
        outcome.status = f"not graded: {exc}"
        outcome.messages = {g: outcome.status for g in chapter.tests}
        return outcome
    ids = {grade_id(c) for c in nb.cells}
    if not ids & (set(chapter.tests) | set(chapter.exercises)):
        outcome.status = f"not graded: this is not a {chapter.name} notebook (none of its exercises or checks were found)"
        outcome.messages = {g: outcome.status for g in chapter.tests}
        return outcome
    executed = copy.deepcopy(nb)
    notes: list[str] = []
    env = {"NBGRADER_EXECUTION": "autograde"}
    try:
        kernel_cm = Kernel(scratch, root, limits, env=env, hidden=hidden)
        kernel_cm.start()
    except Exception as exc:  # noqa: BLE001
        outcome.status = f"not graded: the sandboxed kernel could not start ({exc})"
        return outcome
    with contextlib.closing(_Closer(kernel_cm)):
        channel = Channel(kernel_cm)
        done: set[str] = set()
        count = 0
        for index, cell in enumerate(executed.cells):
            gid = grade_id(cell)
            if gid in chapter.tests and gid not in done:
                done.add(str(gid))
                _run_test_cell(chapter, str(gid), channel, cell, outcome, notes)
                continue
            if cell.get("cell_type") != "code" or is_test_cell(cell):
                continue  # a stray test cell (duplicate, unknown) is not run: only the instructor's tests count
            if not kernel_cm.alive():
                break
            if time.monotonic() - start > limits.notebook_seconds:
                notes.append(f"stopped: the notebook ran longer than {limits.notebook_seconds:g} s")
                break
            count += 1
            run = kernel_cm.execute(cell.source)
            cell.outputs = [nbformat.from_dict(o) for o in run.outputs]
            cell.execution_count = count
            if run.timed_out:
                notes.append(f"cell {index + 1} ran longer than {limits.cell_seconds:g} s and was stopped")
            if run.died:
                notes.append(f"the kernel died in cell {index + 1} (out of memory, or the code exited Python)")
                break
            if run.truncated:
                notes.append(f"cell {index + 1} printed too much; its output was cut")
        for gid in chapter.tests:
            if gid in done:
                continue
            if kernel_cm.alive() and not any(n.startswith("stopped") for n in notes):
                placeholder = nbformat.v4.new_code_cell(strip_hidden_tests(chapter.tests[gid]))
                _run_test_cell(chapter, gid, channel, placeholder, outcome, notes)
                outcome.messages[gid] = (outcome.messages[gid] + " (its test cell was missing from the notebook)").strip()
            else:
                outcome.messages[gid] = "not run: " + (notes[-1] if notes else "the kernel stopped")
    outcome.status = "graded" + (f"; {'; '.join(dict.fromkeys(notes))}" if notes else "")
    outcome.executed = executed
    outcome.seconds = time.monotonic() - start
    return outcome


class _Closer:
    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def close(self) -> None:
        self.kernel.shutdown()


def _run_test_cell(chapter: Chapter, gid: str, channel: Channel, cell: NotebookNode, outcome: Outcome, notes: list[str]) -> None:
    if not channel.kernel.alive():
        outcome.messages[gid] = "not run: the kernel had stopped"
        return
    try:
        points, message, stdout = run_test(chapter, gid, channel)
    except SandboxFailure as exc:
        points, message, stdout = 0.0, f"{exc}.", ""
    outcome.scores[gid] = points
    outcome.messages[gid] = message
    cell.cell_type = "code"
    cell.source = strip_hidden_tests(chapter.tests[gid]).rstrip() + (
        "\n# (hidden tests run here; their code is not shown)" if "HIDDEN TESTS" in chapter.tests[gid] else "")
    cell.outputs = [nbformat.from_dict(o) for o in _test_output(stdout, message or None)]
    cell.metadata["nbgrader"] = copy.deepcopy(
        next(c for c in chapter.source.cells if grade_id(c) == gid).metadata["nbgrader"])
    cell.setdefault("execution_count", None)
