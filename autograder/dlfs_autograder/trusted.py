"""Grade one submission so that its code cannot change its verdict.

The learner's cells run, in order, in a sandboxed kernel (:mod:`.sandbox`).
Where a test cell stands, the visible part of the instructor's version of that
test -- from ``solutions/`` -- runs instead, in this (the grader's) process, with
the learner's functions reached through :mod:`.remote`. So:

- edited, deleted, retyped or added test cells change nothing: test code is
  always the instructor's, run at the test's place (a missing one runs at the end);
- monkeypatching NumPy, ``dlfs``, builtins, IPython hooks or exception handlers
  in the kernel cannot touch the comparison, which never runs there;
- hidden test code never enters the kernel or the feedback.

Hidden tests run **after the notebook's last cell**, against the learner's
functions as they were where each test cell stands (kept in the kernel when the
visible part ran). No learner cell runs after them, so nothing the learner's code
observed during the hidden tests (arguments, shapes, values) can reach the
feedback; their failures are reported without details for the same reason.

One wall-clock budget (``Limits.notebook_seconds``, from the moment the kernel is
ready) covers the cells and every call the checks make into the learner's
functions; when it runs out the grading stops and the status says so.

An answer that is, or runs, the library's own implementation of an exercise of
this chapter earns nothing (:mod:`.exercise_guard`).

A kernel that cannot start is the grader's failure, not the submission's: the
outcome is marked ``infrastructure`` and :mod:`.grade` retries it instead of
recording a grade.
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

from dlfs_autograder.cells import QUESTION_ID, NotebookError, distinctive, grade_id, hidden_code, is_test_cell, read_notebook, strip_hidden_tests
from dlfs_autograder.remote import Channel, GradingStop, LibraryAnswer, OutOfTime, RemoteFunction, SandboxFailure
from dlfs_autograder.sandbox import SANDBOX_UID, Kernel, Limits, unreadable_runtime

MAX_MESSAGE_CHARS = 4_000
MAX_STATUS_CHARS = 2_000
HIDDEN_FAILED = ("the visible checks pass, but the hidden tests failed. They call your function with other inputs; "
                 "their details stay hidden. Test it on other shapes and values, and read the hints of the visible checks.")


def clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying so."""
    return text if len(text) <= limit else text[:limit] + f" [... cut: {len(text) - limit} more characters]"


@dataclass
class Outcome:
    """The verdict on one submission: a score and a message per test cell, and a status in plain words.

    ``infrastructure`` is non-empty when the grader itself failed (no grade was decided).
    """

    scores: dict[str, float] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    status: str = "graded"
    executed: NotebookNode | None = None
    seconds: float = 0.0
    infrastructure: str = ""
    deadline: float | None = None  # time.monotonic() when the submission's budget ends


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


@dataclass
class _Test:
    """One test while it is graded: its namespace (kept from the visible to the hidden part) and result."""

    gid: str
    namespace: dict[str, object]
    cell: NotebookNode
    stdout: str = ""
    message: str = ""
    passed_visible: bool = False
    hidden_result: str = ""  # "" (none), "passed", "failed", "not run"


def _exec(code: str, name: str, namespace: dict[str, object]) -> tuple[str, str]:
    """Run instructor code; return ``(message, stdout)``, message '' on success. GradingStop passes through."""
    stdout = io.StringIO()
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(code, name, "exec"), namespace)  # noqa: S102 -- the instructor's code
    except SandboxFailure as exc:
        return clip(f"{exc}."), stdout.getvalue()
    except AssertionError as exc:
        return clip(str(exc) or "a check failed."), stdout.getvalue()
    except Exception as exc:  # noqa: BLE001 -- any error in a test is a failed test, in words
        return clip(f"{type(exc).__name__}: {exc}"), stdout.getvalue()
    return "", stdout.getvalue()


def run_test(chapter: Chapter, gid: str, channel: Channel) -> tuple[float, str, str]:
    """Run the instructor's whole test ``gid`` (visible and hidden parts) here, against the learner's functions.

    Returns ``(points, message, stdout)``; message is '' on success. (For tools and tests;
    :func:`grade` runs the two parts apart.)
    """
    channel.install()
    namespace: dict[str, object] = {"__name__": f"dlfs_test_{gid}"}
    for name in chapter.exercises:
        namespace[name] = RemoteFunction(channel, name)
    try:
        message, stdout = _exec(chapter.tests[gid], f"<test {gid}>", namespace)
    except LibraryAnswer as exc:
        return 0.0, str(exc), ""
    return (0.0 if message else chapter.points[gid]), message, stdout


class _Grading:
    """One submission's grading run, cell by cell."""

    def __init__(self, chapter: Chapter, kernel: Kernel, channel: Channel, limits: Limits) -> None:
        self.chapter, self.kernel, self.channel, self.limits = chapter, kernel, channel, limits
        self.notes: list[str] = []
        self.tests: dict[str, _Test] = {}
        self.stopped = ""  # why the notebook could not run to its end

    def out_of_time(self) -> str:
        return f"stopped: the submission's time budget of {self.limits.notebook_seconds:g} s ran out"

    def _stop(self, reason: str) -> None:
        if not self.stopped:
            self.stopped = reason
            self.notes.append(reason)

    def visible(self, gid: str, cell: NotebookNode, missing: bool = False) -> None:
        """The visible part of test ``gid``, here; the learner's functions as they are now are kept for later."""
        test = _Test(gid, {"__name__": f"dlfs_test_{gid}"}, cell)
        self.tests[gid] = test
        for name in self.chapter.exercises:
            test.namespace[name] = RemoteFunction(self.channel, name)
        code = strip_hidden_tests(self.chapter.tests[gid])
        try:
            self.channel.install()
            self.channel.request("pin", names=list(self.chapter.exercises), group=gid)
            test.message, test.stdout = _exec(code, f"<test {gid}>", test.namespace)
        except OutOfTime:
            test.message = "not finished: " + self.out_of_time().removeprefix("stopped: ")
            self._stop(self.out_of_time())
        except LibraryAnswer as exc:
            test.message = str(exc)
            self.notes.append(f"{gid}: the library's own answer earns nothing")
        except (GradingStop, SandboxFailure) as exc:
            test.message = clip(f"{exc}.")
        test.passed_visible = not test.message
        if missing:
            test.message = (test.message + " (its test cell was missing from the notebook)").strip()
        self._show(test)

    def hidden(self, test: _Test) -> None:
        """The hidden part of a test, after the notebook, against the functions kept at the test's place."""
        code = hidden_code(self.chapter.tests[test.gid])
        if not code.strip() or not test.passed_visible:
            return
        if self.stopped or not self.kernel.alive():
            test.hidden_result = "not run"
            test.message = f"not run: the hidden tests run after the notebook, which did not run to its end ({self.stopped or 'the kernel stopped'})."
            return
        for name in self.chapter.exercises:
            test.namespace[name] = RemoteFunction(self.channel, name, pin=test.gid)
        try:
            self.channel.install()
            message, _ = _exec(code, f"<hidden tests of {test.gid}>", test.namespace)  # their stdout is not shown
            test.hidden_result = "failed" if message else "passed"
            # a conceptual question's hidden test holds only its answer and explanation: the learner should read them
            question = QUESTION_ID.fullmatch(test.gid) is not None
            test.message = (message if question else HIDDEN_FAILED) if message else ""
        except OutOfTime:
            test.hidden_result = "not run"
            test.message = "not finished: " + self.out_of_time().removeprefix("stopped: ")
            self._stop(self.out_of_time())
        except LibraryAnswer as exc:
            test.hidden_result = "failed"
            test.message = str(exc)
            self.notes.append(f"{test.gid}: the library's own answer earns nothing")
        except (GradingStop, SandboxFailure):
            test.hidden_result = "failed"
            test.message = HIDDEN_FAILED
        self._show(test)

    def _show(self, test: _Test) -> None:
        cell = test.cell
        source = self.chapter.tests[test.gid]
        cell.cell_type = "code"
        cell.source = strip_hidden_tests(source).rstrip() + (
            "\n# (hidden tests run after the notebook; their code is not shown)" if "HIDDEN TESTS" in source else "")
        outputs: list[dict[str, object]] = []
        if test.stdout:
            outputs.append({"output_type": "stream", "name": "stdout", "text": clip(test.stdout, 20_000)})
        if test.hidden_result:
            outputs.append({"output_type": "stream", "name": "stdout", "text": f"hidden tests: {test.hidden_result}\n"})
        if test.message:
            outputs.append({"output_type": "error", "ename": "CheckFailed", "evalue": test.message,
                            "traceback": [f"CheckFailed: {test.message}"]})
        cell.outputs = [nbformat.from_dict(o) for o in outputs]
        cell.metadata["nbgrader"] = copy.deepcopy(
            next(c for c in self.chapter.source.cells if grade_id(c) == test.gid).metadata["nbgrader"])
        cell.setdefault("execution_count", None)

    def cells(self, executed: NotebookNode) -> None:
        count = 0
        for index, cell in enumerate(executed.cells):
            gid = grade_id(cell)
            if gid in self.chapter.tests and gid not in self.tests:
                if self.stopped or not self.kernel.alive():
                    continue
                self.visible(str(gid), cell)
                continue
            if cell.get("cell_type") != "code" or is_test_cell(cell):
                continue  # a stray test cell (duplicate, unknown) is not run: only the instructor's tests count
            if self.stopped or not self.kernel.alive():
                break
            left = self.channel.deadline - time.monotonic() if self.channel.deadline is not None else self.limits.cell_seconds
            if left <= 0:
                self._stop(self.out_of_time())
                break
            count += 1
            run = self.kernel.execute(cell.source, timeout=min(self.limits.cell_seconds, left))
            cell.outputs = [nbformat.from_dict(o) for o in run.outputs]
            cell.execution_count = count
            if run.timed_out and self.channel.deadline is not None and time.monotonic() >= self.channel.deadline - 0.01:
                self._stop(self.out_of_time())
                break
            if run.timed_out:
                self.notes.append(f"cell {index + 1} ran longer than {self.limits.cell_seconds:g} s and was stopped")
            if run.died:
                self._stop(f"the kernel died in cell {index + 1} (out of memory, or the code exited Python)")
                break
            if run.truncated and self.kernel.output_bytes >= self.limits.max_notebook_output_bytes - self.limits.max_output_bytes:
                self.notes.append(f"the notebook printed more than {self.limits.max_notebook_output_bytes} bytes: "
                                  "output was cut from there on")
            elif run.truncated:
                self.notes.append(f"cell {index + 1} printed too much; its output was cut")

    def finish(self, outcome: Outcome) -> None:
        """Missing tests at the end, then every hidden part; scores and messages into ``outcome``."""
        for gid in self.chapter.tests:
            if gid in self.tests:
                continue
            if not self.stopped and self.kernel.alive():
                placeholder = nbformat.v4.new_code_cell(strip_hidden_tests(self.chapter.tests[gid]))
                self.visible(gid, placeholder, missing=True)
            else:
                outcome.messages[gid] = clip("not run: " + (self.stopped or "the kernel stopped"))
        for test in self.tests.values():
            self.hidden(test)
        for gid, test in self.tests.items():
            passed = test.passed_visible and test.hidden_result in {"", "passed"}
            outcome.scores[gid] = self.chapter.points[gid] if passed else 0.0
            outcome.messages[gid] = clip(test.message)


def grade(path: Path, chapter: Chapter, scratch: Path, root: Path, limits: Limits, hidden: list[Path],
          library: Path | None = None) -> Outcome:
    """Grade the notebook at ``path`` against ``chapter``. Never raises for a bad submission.

    ``library``: the folder the kernel sees as the course's ``lib/`` (see :mod:`.redact`).
    """
    start = time.monotonic()
    outcome = Outcome(scores={g: 0.0 for g in chapter.tests}, messages={g: "not run" for g in chapter.tests})
    try:
        nb = read_notebook(path)
    except NotebookError as exc:
        outcome.status = clip(f"not graded: {exc}", MAX_STATUS_CHARS)
        outcome.messages = {g: outcome.status for g in chapter.tests}
        return outcome
    ids = {grade_id(c) for c in nb.cells}
    if not ids & distinctive(set(chapter.tests) | set(chapter.exercises)):  # question ids are in every chapter
        outcome.status = f"not graded: this is not a {chapter.name} notebook (none of its exercises or checks were found)"
        outcome.messages = {g: outcome.status for g in chapter.tests}
        return outcome
    executed = copy.deepcopy(nb)
    kernel = Kernel(scratch, root, limits, env={"NBGRADER_EXECUTION": "autograde"}, hidden=hidden, library=library)
    try:
        kernel.start()
    except Exception as exc:  # noqa: BLE001 -- the grader's environment, not the submission
        kernel.shutdown()
        outcome.infrastructure = clip(f"the sandboxed kernel could not start ({type(exc).__name__}: {exc})", 500)
        unreadable = unreadable_runtime(root, [root, Path.home(), *hidden])
        if unreadable:
            outcome.infrastructure += (f"; it runs as uid {SANDBOX_UID} and cannot read {', '.join(unreadable[:3])}: "
                                       "make the Python environment readable by all (chmod -R o+rX)")
        outcome.status = f"not graded: {outcome.infrastructure}"
        return outcome
    outcome.deadline = time.monotonic() + limits.notebook_seconds
    try:
        channel = Channel(kernel, deadline=outcome.deadline)
        grading = _Grading(chapter, kernel, channel, limits)
        grading.cells(executed)
        grading.finish(outcome)
    finally:
        kernel.shutdown()
    notes = grading.notes
    outcome.status = clip("graded" + (f"; {'; '.join(dict.fromkeys(notes))}" if notes else ""), MAX_STATUS_CHARS)
    outcome.executed = executed
    outcome.seconds = time.monotonic() - start
    return outcome
