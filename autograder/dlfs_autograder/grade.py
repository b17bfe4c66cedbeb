"""``dlfs grade``: grade a class's submissions with nbgrader, write grades.csv and feedback.

Input: nbgrader's submitted layout, ``SUBMISSIONS/<student>/<chapter>/<chapter>.ipynb``.
Output: ``OUT/grades.csv`` (one row per student x graded test cell, columns
``student_id,assignment,exercise,score,max_score``) and
``OUT/feedback/<student>/<chapter>/<chapter>.html``.

nbgrader works in its own course folder under ``OUT/.nbgrader``: the chapter
sources are copied there, released into its gradebook, and each submission is
autograded and given feedback. A submission that cannot be graded still gets
its rows, with score 0, and the reason is printed.
"""

from __future__ import annotations

import csv
import html
import os
import re
import shutil
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from sqlalchemy.exc import SAWarning
from traitlets.config import Config

from dlfs_autograder.cells import NotebookError, TestCell, read_notebook, test_cells
from dlfs_autograder.course import chapters, course_env, course_root, load_config, source_notebook

COLUMNS = ["student_id", "assignment", "exercise", "score", "max_score"]
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")


@dataclass
class Submission:
    student: str
    chapter: str
    path: Path
    status: str = "graded"
    scores: dict[str, float] = field(default_factory=dict)


def discover(folder: Path, known: list[str]) -> tuple[list[Submission], list[str]]:
    """Find ``<student>/<chapter>/<chapter>.ipynb`` submissions; also return what was skipped and why."""
    found: list[Submission] = []
    skipped: list[str] = []
    for student_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        student = student_dir.name
        if not STUDENT_ID.match(student):
            skipped.append(f"{student_dir}: {student!r} is not a usable student id")
            continue
        for chapter_dir in sorted(p for p in student_dir.iterdir() if p.is_dir()):
            chapter = chapter_dir.name
            if chapter not in known:
                skipped.append(f"{chapter_dir}: no chapter named {chapter!r}")
                continue
            nb = chapter_dir / f"{chapter}.ipynb"
            if not nb.is_file():
                candidates = sorted(chapter_dir.glob("*.ipynb"))
                if len(candidates) != 1:
                    skipped.append(f"{chapter_dir}: expected {chapter}.ipynb")
                    continue
                nb = candidates[0]
            found.append(Submission(student, chapter, nb))
    return found, skipped


def _nbgrader_config(base: Config, work: Path) -> Config:
    cfg = Config(base)
    cfg.CourseDirectory.root = str(work)
    cfg.CourseDirectory.source_directory = "source"
    cfg.CourseDirectory.release_directory = "release"
    cfg.CourseDirectory.submitted_directory = "submitted"
    cfg.CourseDirectory.autograded_directory = "autograded"
    cfg.CourseDirectory.feedback_directory = "feedback"
    cfg.CourseDirectory.db_url = f"sqlite:///{work / 'gradebook.db'}"
    return cfg


def _last_line(text: str) -> str:
    lines = [ln for ln in (text or "").strip().splitlines() if ln.strip()]
    return lines[-1].strip() if lines else "unknown error"


def _unreadable_feedback(out: Path, sub: Submission) -> None:
    """A one-page feedback file for a submission nbgrader could not grade, saying why."""
    dest = out / "feedback" / sub.student / sub.chapter
    dest.mkdir(parents=True, exist_ok=True)
    reason = html.escape(sub.status.removeprefix("not graded: "))
    (dest / f"{sub.chapter}.html").write_text(
        f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{sub.chapter}: feedback</title></head>"
        f"<body><h1>{sub.chapter}: not graded</h1><p>Your submission could not be graded, so every "
        f"exercise scores 0.</p><p>Reason: {reason}</p><p>Open it in JupyterLab, check that it runs "
        f"top to bottom, and submit it again.</p></body></html>\n",
        encoding="utf-8",
    )


def _grade_one(api: NbGraderAPI, sub: Submission, work: Path, db_url: str, tests: list[TestCell], out: Path) -> None:
    try:
        read_notebook(sub.path)
    except NotebookError as exc:
        sub.status = f"not graded: {exc}"
        return
    target = work / "submitted" / sub.student / sub.chapter
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sub.path, target / f"{sub.chapter}.ipynb")
    result = api.autograde(sub.chapter, sub.student)
    if not result.get("success"):
        sub.status = f"not graded: nbgrader autograde failed: {_last_line(result.get('error') or result.get('log', ''))}"
        return
    with Gradebook(db_url) as gb:
        try:
            nb = gb.find_submission_notebook(sub.chapter, sub.chapter, sub.student)
        except MissingEntry:
            sub.status = "not graded: nbgrader recorded no grades"
            return
        grades = {g.name: float(g.score or 0.0) for g in nb.grades}
    sub.scores = {t.grade_id: grades.get(t.grade_id, 0.0) for t in tests}
    feedback = api.generate_feedback(sub.chapter, sub.student)
    page = work / "feedback" / sub.student / sub.chapter / f"{sub.chapter}.html"
    if feedback.get("success") and page.is_file():
        dest = out / "feedback" / sub.student / sub.chapter
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(page, dest / page.name)
    else:
        sub.status = "graded (feedback could not be generated)"


def write_csv(path: Path, subs: list[Submission], tests: dict[str, list[TestCell]]) -> None:
    """Write grades.csv: a row per submission x test cell, score 0 where nothing was graded."""
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for sub in sorted(subs, key=lambda s: (s.student, s.chapter)):
            for t in tests[sub.chapter]:
                writer.writerow([sub.student, sub.chapter, t.grade_id, f"{sub.scores.get(t.grade_id, 0.0):g}", f"{t.points:g}"])


def grade(submissions: Path, out: Path) -> int:
    """Grade every submission under ``submissions`` into ``out``. 0 when the batch was processed."""
    if not submissions.is_dir():
        print(f"dlfs grade: {submissions} is not a folder of submissions.")
        return 2
    start = time.perf_counter()
    submissions, out = submissions.resolve(), out.resolve()
    root = course_root()
    subs, skipped = discover(submissions, chapters(root))
    for reason in skipped:
        print(f"skipped {reason}")
    out.mkdir(parents=True, exist_ok=True)
    work = out / ".nbgrader"
    shutil.rmtree(work, ignore_errors=True)
    (work / "source").mkdir(parents=True)
    needed = sorted({s.chapter for s in subs})
    tests: dict[str, list[TestCell]] = {}
    for chapter in needed:
        src = source_notebook(chapter, root)
        shutil.copytree(src.parent, work / "source" / chapter, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        tests[chapter] = test_cells(read_notebook(src))
    os.environ.update(course_env(root))
    cfg = _nbgrader_config(load_config(root), work)
    api = NbGraderAPI(coursedir=CourseDirectory(config=cfg), config=cfg)
    for chapter in needed:
        result = api.generate_assignment(chapter)
        if not result.get("success"):
            print(f"dlfs grade: nbgrader could not prepare {chapter}: {_last_line(result.get('error', ''))}")
            return 2
    db_url = cfg.CourseDirectory.db_url
    for i, sub in enumerate(subs, 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)  # nbgrader's own ORM noise, not the instructor's concern
            _grade_one(api, sub, work, db_url, tests[sub.chapter], out)
        if sub.status.startswith("not graded"):
            _unreadable_feedback(out, sub)
        earned = sum(sub.scores.values())
        possible = sum(t.points for t in tests[sub.chapter])
        print(f"[{i}/{len(subs)}] {sub.student} {sub.chapter}: {earned:g}/{possible:g} ({sub.status})", flush=True)
    write_csv(out / "grades.csv", subs, tests)
    failed = sum(1 for s in subs if s.status.startswith("not graded"))
    print(
        f"Graded {len(subs) - failed} submission(s), {failed} could not be graded, "
        f"in {time.perf_counter() - start:.1f} s. Grades: {out / 'grades.csv'}"
    )
    return 0
