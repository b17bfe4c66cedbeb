"""`dlfs grade` against plain sequential `nbgrader autograde` on the same submissions.

    .venv/bin/python benchmarks/grading_speed.py [N] [CHAPTER]

Makes N submissions of CHAPTER (default 02_derivatives) -- alternately its
solution and its untouched learner notebook, so scores differ -- grades them with `dlfs grade` (sandboxed, one worker per core) and
with `nbgrader autograde` (one after another, nbgrader's only way), checks that
both give every student the same scores, and prints both times and the ratio.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nbgrader.api import Gradebook

from dlfs_autograder.course import course_env, course_root, source_notebook


def _timed(cmd: list[str], **kwargs: object) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - start


def main(n: int, chapter: str) -> int:
    root = course_root()
    source = source_notebook(chapter, root)
    env = course_env(root)
    with tempfile.TemporaryDirectory(prefix="dlfs-bench-") as tmp:
        base = Path(tmp)
        students = [f"s{i:03d}" for i in range(n)]
        blank = root / "chapters" / chapter / f"{chapter}.ipynb"
        for i, s in enumerate(students):
            (base / "submitted" / s / chapter).mkdir(parents=True)
            shutil.copyfile(source if i % 2 == 0 else blank, base / "submitted" / s / chapter / f"{chapter}.ipynb")
        # dlfs grade
        dlfs = str(Path(sys.executable).parent / "dlfs")
        ours = _timed([dlfs, "grade", str(base / "submitted"), "--out", str(base / "out"), "--force"], env=env)
        with (base / "out" / "totals.csv").open() as f:
            our_scores = {r["student_id"]: float(r["score"]) for r in csv.DictReader(f)}
        # plain nbgrader, sequential, in its own course folder
        course = base / "nbgrader"
        (course / "source" / chapter).mkdir(parents=True)
        shutil.copyfile(source, course / "source" / chapter / f"{chapter}.ipynb")
        shutil.copytree(base / "submitted", course / "submitted")
        flags = [f"--CourseDirectory.root={course}", "--CourseDirectory.source_directory=source",
                 "--CourseDirectory.release_directory=release", f"--CourseDirectory.db_url=sqlite:///{course / 'gb.db'}"]
        nbgrader = [sys.executable, "-m", "nbgrader"]
        _timed([*nbgrader, "generate_assignment", chapter, *flags], cwd=course, env=env)
        theirs = _timed([*nbgrader, "autograde", chapter, *flags], cwd=course, env=env)
        with Gradebook(f"sqlite:///{course / 'gb.db'}") as gb:
            their_scores = {s: float(gb.find_submission(chapter, s).score) for s in students}
    same = our_scores == their_scores
    print(f"{n} submissions of {chapter} on {os.cpu_count()} cores")
    print(f"  dlfs grade (sandboxed, parallel): {ours:6.1f} s  ({ours / n:.2f} s each)")
    print(f"  nbgrader autograde (sequential):  {theirs:6.1f} s  ({theirs / n:.2f} s each)")
    print(f"  speed-up: {theirs / ours:.2f}x; identical scores: {same} ({sorted(set(our_scores.values()))})")
    return 0 if same else 1


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(main(int(args[0]) if args else 10, args[1] if len(args) > 1 else "02_derivatives"))
