"""``dlfs check``: a learner's self-check, with the grader's tests, hidden ones included.

The learner's notebook is run in a fresh kernel after every test cell has been
replaced by the instructor's version from ``solutions/`` (so the hidden tests run
too, and an edited test cell counts for nothing). Each test cell is scored as
nbgrader scores it. The report shows each exercise's points and, for a failed
check, its message -- never the test code.

As in ``dlfs grade``, the kernel imports the chapter's copy of ``dlfs`` in which the
library's own answers to this chapter's exercises are guarded (:mod:`.redact`): an
answer that is, wraps or subclasses one of them fails its check and says why.

In a learner distribution of the course (``dlfs export-learner``, no ``solutions/``)
the self-check runs the visible tests of the notebook itself and says that the
hidden tests run when the notebook is graded.
"""

from __future__ import annotations

import copy
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode

from dlfs_autograder.cells import NotebookError, failure_message, grade_id, is_test_cell, read_notebook, score
from dlfs_autograder.course import course_env, course_root, load_config, source_notebook
from dlfs_autograder.redact import build_library, library_source

HIDDEN_NOTE = "Hidden tests are not part of this self-check: they run when your notebook is graded."


@dataclass
class Result:
    """One graded test cell's outcome."""

    exercise: str
    grade_id: str
    earned: float
    possible: float
    message: str = ""


def _guard_cell(code: str) -> NotebookNode:
    from nbformat import v4

    return v4.new_code_cell(code)


def merge_tests(learner: NotebookNode, source: NotebookNode, guard: list[str] | None = None) -> tuple[NotebookNode, list[str]]:
    """The learner's notebook with every test cell replaced by the source's version.

    Returns the merged notebook and the grade_ids of test cells the learner's
    notebook lacks (deleted, or a notebook of another chapter); those score zero.
    ``guard``: the chapter's exercise names; each test cell is then wrapped in two
    ungraded cells that grade the calls it makes (see :mod:`.exercise_guard`).
    """
    merged = copy.deepcopy(learner)
    tests = {str(grade_id(c)): c for c in source.cells if is_test_cell(c)}
    seen: set[str] = set()
    for i, cell in enumerate(merged.cells):
        gid = grade_id(cell)
        if gid is not None and gid in tests and gid not in seen:
            merged.cells[i] = copy.deepcopy(tests[gid])
            merged.cells[i].outputs = []
            seen.add(gid)
        elif is_test_cell(cell):
            # a test cell that is not in the source (or a duplicate): it counts for nothing
            cell.metadata["nbgrader"]["grade"] = False
    missing = [gid for gid in tests if gid not in seen]
    if guard is not None:
        cells = []
        for cell in merged.cells:
            if is_test_cell(cell) and grade_id(cell) in tests:
                cells.append(_guard_cell("import dlfs._exercise_guard as __dlfs_guard__\n"
                                         f"__dlfs_guard__.enter(globals(), {sorted(guard)!r})"))
                cells.append(cell)
                cells.append(_guard_cell("__dlfs_guard__.leave(globals())"))
            else:
                cells.append(cell)
        merged.cells = cells
    return merged, missing


def run_notebook(nb: NotebookNode, workdir: Path, timeout: int, mode: str = "validate", library: Path | None = None) -> str:
    """Execute ``nb`` in place in a fresh kernel (errors recorded in outputs). Returns '' or a problem.

    ``library``: a folder holding a ``dlfs`` package the kernel imports instead of the installed one.
    """
    env = course_env()
    env["NBGRADER_EXECUTION"] = mode
    if library is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(library), *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]])
    old = dict(os.environ)
    os.environ.update(env)  # the kernel inherits this process's environment
    try:
        client = NotebookClient(
            nb, timeout=timeout, kernel_name="python3", allow_errors=True, interrupt_on_timeout=True,
            error_on_timeout={
                "ename": "Timeout",
                "evalue": f"this cell ran longer than {timeout} s and was stopped (an infinite loop?)",
                "traceback": [],
            },
            resources={"metadata": {"path": str(workdir)}},
        )
        client.execute(stderr=subprocess.DEVNULL)  # the kernel's own log lines are noise here
    except CellTimeoutError:
        return f"a cell ran longer than {timeout} s and was stopped (an infinite loop?)"
    except DeadKernelError:
        return "the kernel died while running your notebook (out of memory, or the code exited Python)"
    finally:
        os.environ.clear()
        os.environ.update(old)
    return ""


@dataclass
class Report:
    """A self-check: per-exercise results, a problem note ('' if none), the executed notebook, the time."""

    results: list[Result]
    problem: str
    executed: NotebookNode
    seconds: float
    hidden_at_grading: bool = False  # a learner distribution: only the visible tests ran

    @property
    def full_marks(self) -> bool:
        return bool(self.results) and all(r.earned >= r.possible for r in self.results)


def check_notebook(path: Path) -> Report:
    """Run the self-check on one notebook (the chapter is the notebook's file name)."""
    start = time.perf_counter()
    chapter = path.stem
    root = course_root()
    learner_only = not (root / "solutions").is_dir()
    if learner_only:  # a learner distribution: the notebook's own (visible) tests
        if not (root / "chapters" / chapter).is_dir():
            known = ", ".join(sorted(p.name for p in (root / "chapters").iterdir() if p.is_dir())) or "none"
            raise SystemExit(f"dlfs: no chapter named {chapter!r} (known chapters: {known}).")
        learner = read_notebook(path)
        source = learner
    else:
        source = read_notebook(source_notebook(chapter))
        learner = read_notebook(path)
    exercises = [str(grade_id(c)) for c in source.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")]
    merged, missing = merge_tests(learner, source, guard=exercises)
    config = load_config()
    timeout = int(config.ExecutePreprocessor.get("timeout", 60))
    with tempfile.TemporaryDirectory(prefix="dlfs-check-") as tmp:
        build_library(library_source(root), exercises, Path(tmp) / "lib")
        problem = run_notebook(merged, path.resolve().parent, timeout, library=Path(tmp) / "lib")
    by_id = {grade_id(c): c for c in merged.cells if is_test_cell(c)}
    results = []
    for cell in source.cells:
        if not is_test_cell(cell):
            continue
        gid = str(grade_id(cell))
        possible = float(cell.metadata["nbgrader"].get("points", 0))
        exercise = gid.removeprefix("test_")
        if gid in missing:
            results.append(Result(exercise, gid, 0.0, possible, f"the test cell {gid} is missing from your notebook."))
            continue
        done = by_id[gid]
        if problem and done.get("execution_count") is None:
            results.append(Result(exercise, gid, 0.0, possible, f"not run: {problem}."))
            continue
        earned, _ = score(done)
        results.append(Result(exercise, gid, earned, possible, failure_message(done) if earned < possible else ""))
    return Report(results, problem, merged, time.perf_counter() - start, hidden_at_grading=learner_only)


def format_report(path: Path, results: list[Result], seconds: float) -> str:
    """The table ``dlfs check`` prints."""
    width = max([len("exercise")] + [len(r.exercise) for r in results])
    lines = [f"Self-check of {path} ({seconds:.1f} s)", "", f"{'exercise':<{width}}  points  result"]
    for r in results:
        status = "ok" if r.earned >= r.possible else "FAILED"
        lines.append(f"{r.exercise:<{width}}  {r.earned:g}/{r.possible:g}{'':<{max(0, 6 - len(f'{r.earned:g}/{r.possible:g}'))}}  {status}")
    earned = sum(r.earned for r in results)
    possible = sum(r.possible for r in results)
    lines += ["", f"Total: {earned:g} / {possible:g}"]
    failed = [r for r in results if r.earned < r.possible]
    if failed:
        lines += ["", "What to fix:"]
        for r in failed:
            text = "\n      ".join((r.message or "this check failed.").splitlines())
            lines.append(f"  - {r.exercise}: {text}")
    return "\n".join(lines)



def main(notebook: str) -> int:
    """``dlfs check PATH.ipynb``: print the report; 0 on full marks, 1 otherwise."""
    path = Path(notebook)
    if path.suffix != ".ipynb":
        print(f"dlfs check: expected a .ipynb notebook, got {notebook!r}.")
        return 2
    if not path.is_file():
        print(f"dlfs check: no such file: {notebook}")
        return 2
    try:
        report = check_notebook(path)
    except NotebookError as exc:
        print(f"dlfs check: {exc}. Nothing was graded.")
        return 1
    print(format_report(path, report.results, report.seconds))
    if report.hidden_at_grading:
        print(f"\n{HIDDEN_NOTE}")
    if report.problem:
        print(f"\nNote: {report.problem}.")
    return 0 if report.full_marks else 1
