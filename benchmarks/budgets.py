"""Measure the course's time budgets on this machine and print them.

    .venv/bin/python benchmarks/budgets.py [CHAPTER ...]

For each chapter: the solution notebook top to bottom in a fresh kernel (budget
60 s), the slowest graded test cell (budget 2 s), and `dlfs check` on the
solution (budget 60 s, as the chapter: it runs the notebook with hidden tests). Exits 1 if any budget is exceeded.
"""

from __future__ import annotations

import os
import sys
import time

import nbformat

from dlfs_autograder.cells import grade_id, is_test_cell
from dlfs_autograder.check import check_notebook, run_notebook
from dlfs_autograder.course import chapters, course_root, source_notebook
from dlfs_autograder.timing import cell_seconds

NOTEBOOK_S, TEST_CELL_S, CHECK_S = 60.0, 2.0, 60.0


def main(names: list[str]) -> int:
    root = course_root()
    print(f"cores: {os.cpu_count()}")
    print(f"{'chapter':<22} {'notebook s':>10} {'slowest check':>22} {'dlfs check s':>12}")
    ok = True
    for name in names or chapters(root):
        path = source_notebook(name, root)
        nb = nbformat.read(str(path), as_version=4)
        start = time.perf_counter()
        problem = run_notebook(nb, path.parent, timeout=120)
        run_s = time.perf_counter() - start
        tests = [(str(grade_id(c)), cell_seconds(c) or 0.0) for c in nb.cells if is_test_cell(c)]
        slow_id, slow_s = max(tests, key=lambda t: t[1]) if tests else ("-", 0.0)
        report = check_notebook(path)
        line_ok = not problem and run_s <= NOTEBOOK_S and slow_s <= TEST_CELL_S and report.seconds <= CHECK_S
        ok &= line_ok
        print(f"{name:<22} {run_s:>10.1f} {slow_id + f' {slow_s:.2f}':>22} {report.seconds:>12.1f}"
              f"{'' if line_ok else '  OVER BUDGET ' + problem}")
    print(f"budgets: notebook <= {NOTEBOOK_S:g} s, graded check <= {TEST_CELL_S:g} s, dlfs check <= {CHECK_S:g} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
