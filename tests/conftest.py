"""Shared fixtures: the course folder, its chapters, and notebook builders for mistaken submissions."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat import NotebookNode
from processes import become_subreaper, descendants, kill_all, left_behind, reap_zombies

from dlfs.checks.gradcheck import CheckFailed
from dlfs_autograder.cells import grade_id, is_test_cell
from dlfs_autograder.course import chapters as course_chapters
from dlfs_autograder.remote import Channel, RemoteFunction
from dlfs_autograder.sandbox import Kernel, Limits

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = course_chapters(ROOT)


def solution_path(chapter: str) -> Path:
    return ROOT / "solutions" / chapter / f"{chapter}.ipynb"


def release_path(chapter: str) -> Path:
    return ROOT / "chapters" / chapter / f"{chapter}.ipynb"


def full_marks(chapter: str) -> str:
    """The chapter's total points, written as totals.csv and the reports write them (``10``, ``2.5``)."""
    source = nbformat.read(str(solution_path(chapter)), as_version=4)
    return f"{sum(c.metadata['nbgrader']['points'] for c in source.cells if is_test_cell(c)):g}"


def solution_answers(chapter: str) -> dict[str, str]:
    """Each exercise cell's code in the instructor notebook (by grade_id), its solution markers removed."""
    source = nbformat.read(str(solution_path(chapter)), as_version=4)
    return {
        str(grade_id(c)): "\n".join(line for line in c.source.splitlines() if "### BEGIN SOLUTION" not in line
                                     and "### END SOLUTION" not in line)
        for c in source.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")
    }


def with_answers(nb: NotebookNode, answers: dict[str, str]) -> NotebookNode:
    """A copy of ``nb`` whose exercise cells (by grade_id) hold the given code instead."""
    out = copy.deepcopy(nb)
    todo = dict(answers)
    for cell in out.cells:
        gid = grade_id(cell)
        if gid in todo:
            cell.source = todo.pop(gid)
    assert not todo, f"no exercise cells {sorted(todo)}"
    return out


def write_submission(folder: Path, chapter: str, nb: NotebookNode) -> Path:
    """Write ``nb`` as ``folder/<chapter>.ipynb`` (the name tells the checker the chapter)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{chapter}.ipynb"
    nbformat.write(nb, str(path))
    return path


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def open_channel(folder: Path, learner_code: str, cell_seconds: float) -> Iterator[Channel]:
    """A sandboxed kernel that has run ``learner_code``, and a grader channel to it (for module fixtures)."""
    kernel = Kernel(folder, ROOT, Limits(cell_seconds=cell_seconds))
    kernel.start()
    try:
        run = kernel.execute(learner_code)
        assert run.error is None, run.error
        channel = Channel(kernel)
        channel.install()
        yield channel
    finally:
        kernel.shutdown()


def passes_remotely(channel: Channel, check: Callable[..., None], name: str, kwargs: dict[str, Any],
                    seconds: float = 4.0) -> None:
    """``check`` (visible, then with the hidden ``kwargs``) passes the kernel's ``name``, as in class grading, in time."""
    channel.install()
    start = time.perf_counter()
    check(RemoteFunction(channel, name))
    check(RemoteFunction(channel, name), **kwargs)
    assert time.perf_counter() - start < seconds


def fails_remotely_with(channel: Channel, check: Callable[..., None], name: str, message: str) -> None:
    """``check`` fails the kernel's ``name`` with a hint (or "not written") that contains ``message``."""
    channel.install()
    with pytest.raises(CheckFailed, match="Hint|not written") as info:
        check(RemoteFunction(channel, name))
    assert message in str(info.value)


# ---------------------------------------------------------------- no process outlives its test module

SUBREAPER = become_subreaper()


@pytest.fixture(autouse=True, scope="module")
def _no_process_left_behind(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every server, kernel or sandbox a test module starts is gone when the module ends."""
    before = set(descendants())
    yield
    if not isinstance(request.node, pytest.Module):
        return
    left = left_behind(before)
    reap_zombies()
    if left:
        kill_all(left)
        pytest.fail(f"{request.node.name} left processes running: " + "; ".join(f"{p}: {c[:120]}" for p, c in left.items()))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """After the whole run (nbval's kernels included), nothing the suite started may still run."""
    left = left_behind(set(), grace=15.0)
    reap_zombies()
    if left:
        kill_all(left)
        print("\nERROR: the test run left processes running (killed now):\n  "
              + "\n  ".join(f"{p}: {c[:160]}" for p, c in left.items()), flush=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# ---------------------------------------------------------------- say loudly what was not tested

def pytest_unconfigure(config: pytest.Config) -> None:
    """Without bubblewrap the sandbox tests skip quietly, one line each: end the run with one loud line."""
    terminalreporter = config.pluginmanager.getplugin("terminalreporter")
    if terminalreporter is None:
        return
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "bubblewrap" in str(getattr(r, "longrepr", ""))]
    if skipped:
        terminalreporter.write_line(
            f"WARNING: {len(skipped)} sandbox test(s) did NOT run because bubblewrap (bwrap) is not installed: class "
            "grading (dlfs grade: its sandbox, its defences against hostile submissions) is untested on this machine. "
            "Install it (Debian/Ubuntu: sudo apt-get install bubblewrap) and run the tests again.",
            red=True, bold=True)
