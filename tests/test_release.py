"""`dlfs release`: chapters/ is exactly what nbgrader makes of solutions/, with nothing of the answers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import CHAPTERS, ROOT, release_path, solution_path

from dlfs_autograder.cells import QUESTION_ID, grade_id, is_test_cell

DLFS = str(Path(sys.executable).parent / "dlfs")


@pytest.fixture(scope="module")
def fresh_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release")
    done = subprocess.run([DLFS, "release", "--to", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def test_every_chapter_has_a_solution_and_a_release() -> None:
    assert CHAPTERS[:2] == ["01_functions", "02_derivatives"]
    released = sorted(p.name for p in (ROOT / "chapters").iterdir() if p.is_dir())
    assert released == CHAPTERS


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapters_folder_equals_a_fresh_release(chapter: str, fresh_release: Path) -> None:
    committed = json.loads(release_path(chapter).read_text())
    fresh = json.loads((fresh_release / chapter / f"{chapter}.ipynb").read_text())
    assert committed == fresh, f"chapters/{chapter} is out of date: run `dlfs release {chapter}` and commit it"
    committed_files = sorted(p.relative_to(ROOT / "chapters" / chapter) for p in (ROOT / "chapters" / chapter).rglob("*") if p.is_file())
    fresh_files = sorted(p.relative_to(fresh_release / chapter) for p in (fresh_release / chapter).rglob("*") if p.is_file())
    assert committed_files == fresh_files


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_release_hides_solutions_and_hidden_tests(chapter: str) -> None:
    text = release_path(chapter).read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "HIDDEN_CASES"):
        assert marker not in text
    assert "# YOUR CODE HERE (then run the check cell below)" in text  # the course's stub, from jupyter_config.py


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_exercise_and_test_cells_follow_the_naming_convention(chapter: str) -> None:
    nb = nbformat.read(str(solution_path(chapter)), as_version=4)
    cells = nb.cells
    names = []
    for i, cell in enumerate(cells):
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            name = str(grade_id(cell))
            names.append(name)
            defines = f"def {name}(" in cell.source or f"class {name}" in cell.source
            if QUESTION_ID.fullmatch(name):  # a conceptual question: a function (01-04) or a value to set (05-07)
                defines = defines or f"\n{name} = " in "\n" + cell.source.split("### BEGIN SOLUTION")[1]
            assert defines, f"{name}: cell defines no {name}"
            assert "### BEGIN SOLUTION" in cell.source
            nxt = cells[i + 1]
            assert is_test_cell(nxt) and grade_id(nxt) == f"test_{name}", f"{name} is not followed by test_{name}"
            assert "### BEGIN HIDDEN TESTS" in nxt.source, f"test_{name} has no hidden tests"
            assert nxt.metadata["nbgrader"]["points"] > 0
            imports = [ln for ln in nxt.source.splitlines() if ln.startswith(("import ", "from "))]
            assert all(ln.split()[1].split(".")[0] in {"dlfs", "numpy"} for ln in imports), imports
    assert names, "no exercises"


def test_release_of_unknown_chapter_fails_clearly() -> None:
    done = subprocess.run([DLFS, "release", "07_nope"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode != 0 and "no chapter named '07_nope'" in done.stdout + done.stderr


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_released_notebooks_carry_what_jupyterlab_writes_and_tag_their_checks(chapter: str) -> None:
    from ipykernel.ipkernel import IPythonKernel
    from jupyter_client.kernelspec import KernelSpecManager

    nb = nbformat.read(str(release_path(chapter)), as_version=4)
    spec = KernelSpecManager().get_kernel_spec("python3")  # what JupyterLab writes as the notebook's kernelspec
    assert nb.metadata["kernelspec"] == {"display_name": spec.display_name, "language": spec.language, "name": "python3"}
    reported = {k: v for k, v in IPythonKernel.language_info.items() if k != "version"}  # the kernel's own report
    assert nb.metadata["language_info"] == reported  # the version is stamped where the learner's kernel runs
    tests = [c for c in nb.cells if is_test_cell(c)]
    assert tests and all("raises-exception" in c.metadata.get("tags", []) for c in tests)  # Run All goes past a failed check
    # besides the checks, only a question's answer cell may carry the tag: its stub (`answer_q1 = ...` then nbgrader's
    # `raise NotImplementedError()`) would otherwise stop Run All
    others = [c for c in nb.cells if not is_test_cell(c) and "raises-exception" in c.metadata.get("tags", [])
              and not QUESTION_ID.fullmatch(str(grade_id(c)))]
    assert others == []
