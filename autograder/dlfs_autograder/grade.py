"""``dlfs grade``: grade a class, sandboxed, in parallel, with verdicts the submissions cannot touch.

Input (see :mod:`.intake`): nbgrader's submitted layout, a flat folder of
``<student>.ipynb``, or an LMS zip download. Output in ``OUT``:

- ``grades.csv``: one row per student x graded test cell,
  ``student_id,assignment,exercise,score,max_score,status``;
- ``totals.csv``: one row per student x chapter, ``student_id,assignment,score,max_score,status``;
- ``feedback/<student>/<chapter>/<chapter>.html``: what ran, each check's message, no hidden test code;
- ``gradebook.db``: an nbgrader gradebook with every score (for ``nbgrader export`` or the formgrader);
- ``.journal/``: one record per graded submission, written as soon as it is graded. The CSVs
  are rewritten after every submission, so an interrupted run loses nothing, and a re-run
  reuses every record whose notebook and chapter have not changed (``--force`` re-grades all).

Each submission is graded by :func:`.trusted.grade` in a worker process of its own.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import html
import json
import os
import shutil
import tempfile
import time
import warnings
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from nbconvert import HTMLExporter
from nbgrader.api import Gradebook
from sqlalchemy.exc import SAWarning
from traitlets.config import Config

from dlfs_autograder.cells import strip_hidden_tests
from dlfs_autograder.course import chapters as course_chapters
from dlfs_autograder.course import course_env, course_root, load_config, source_notebook
from dlfs_autograder.intake import Found, discover, recognise
from dlfs_autograder.sandbox import Limits, bwrap_path, isolation_report
from dlfs_autograder.trusted import Chapter, Outcome
from dlfs_autograder.trusted import grade as grade_one

COLUMNS = ["student_id", "assignment", "exercise", "score", "max_score", "status"]
TOTAL_COLUMNS = ["student_id", "assignment", "score", "max_score", "status"]


@dataclass
class Record:
    """One graded submission, as kept in the journal."""

    student: str
    chapter: str
    notebook_sha256: str
    chapter_sha256: str
    scores: dict[str, float] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    status: str = ""
    seconds: float = 0.0


def limits_from_config(config: Config) -> Limits:
    """``c.DlfsGrade.*`` from jupyter_config.py, over the defaults of :class:`Limits`."""
    section = config.get("DlfsGrade", {})
    fields = {k: section[k] for k in Limits.__dataclass_fields__ if k in section}
    return Limits(**fields)


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _feedback_page(chapter: Chapter, outcome: Outcome, student: str) -> str:
    """The feedback HTML: a summary table, then the notebook as it ran (test cells without hidden code)."""
    rows = "".join(
        f"<tr><td><code>{html.escape(gid)}</code></td><td>{outcome.scores.get(gid, 0):g} / {chapter.points[gid]:g}</td>"
        f"<td><pre style='white-space:pre-wrap;margin:0'>{html.escape(outcome.messages.get(gid) or 'passed')}</pre></td></tr>"
        for gid in chapter.tests
    )
    total = sum(outcome.scores.values())
    possible = sum(chapter.points.values())
    summary = (
        f"<h1>{html.escape(chapter.name)}: feedback for {html.escape(student)}</h1>"
        f"<p>Score: <b>{total:g} / {possible:g}</b>. Status: {html.escape(outcome.status)}.</p>"
        f"<table border='1' cellpadding='4'><tr><th>check</th><th>points</th><th>result</th></tr>{rows}</table>"
    )
    if outcome.executed is None:
        return f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(chapter.name)}</title></head><body>{summary}</body></html>\n"
    body, _ = HTMLExporter(template_name="classic").from_notebook_node(outcome.executed)
    return body.replace("<body>", f"<body><div style='margin:1em'>{summary}</div>", 1)


class Verdict(NamedTuple):
    """What a worker sends back for one submission (picklable, plain data)."""

    scores: dict[str, float]
    messages: dict[str, str]
    status: str
    seconds: float


def _job(student: str, chapter_path: str, notebook: str, scratch: str, root: str, limits: Limits,
         hidden: list[str], feedback: str) -> Verdict:
    """Worker process: grade one submission, write its feedback page, return the verdict."""
    chapter = Chapter.load(Path(chapter_path))
    with tempfile.TemporaryDirectory(dir=scratch, prefix=f"{student}-") as work:
        outcome = grade_one(Path(notebook), chapter, Path(work), Path(root), limits, [Path(h) for h in hidden])
    page = Path(feedback)
    page.parent.mkdir(parents=True, exist_ok=True)
    try:
        page.write_text(_feedback_page(chapter, outcome, student), encoding="utf-8")
    except Exception as exc:  # noqa: BLE001 -- a page that cannot be drawn must not lose the grade
        page.write_text(f"<html><body><p>Feedback could not be drawn: {html.escape(str(exc))}</p></body></html>")
    return Verdict(outcome.scores, outcome.messages, outcome.status, outcome.seconds)


class Grader:
    """One grading run into ``out``."""

    def __init__(self, out: Path, root: Path, workers: int, force: bool) -> None:
        self.out, self.root, self.workers, self.force = out, root, workers, force
        self.journal = out / ".journal"
        self.journal.mkdir(parents=True, exist_ok=True)
        self.records: dict[tuple[str, str], Record] = {}
        self.chapters: dict[str, Chapter] = {}
        self.config = load_config(root)
        self.limits = limits_from_config(self.config)
        self.gradebook_url = f"sqlite:///{out / 'gradebook.db'}"

    # ---------------------------------------------------------------- journal and outputs
    def _journal_path(self, student: str, chapter: str) -> Path:
        return self.journal / f"{student}__{chapter}.json"

    def reuse(self, found: Found, sha: str) -> Record | None:
        path = self._journal_path(found.student, found.chapter)
        if self.force or not path.is_file():
            return None
        try:
            record = Record(**json.loads(path.read_text()))
        except (ValueError, TypeError):
            return None
        same = record.notebook_sha256 == sha and record.chapter_sha256 == self.chapters[found.chapter].digest
        return record if same else None

    def record(self, record: Record) -> None:
        self.records[(record.student, record.chapter)] = record
        _atomic_write(self._journal_path(record.student, record.chapter), json.dumps(asdict(record), indent=1))
        self._write_gradebook(record)
        self.write_csvs()

    def write_csvs(self) -> None:
        ordered = sorted(self.records.values(), key=lambda r: (r.student, r.chapter))
        lines, totals = [COLUMNS], [TOTAL_COLUMNS]
        for r in ordered:
            chapter = self.chapters[r.chapter]
            for gid in chapter.tests:
                lines.append([r.student, r.chapter, gid, f"{r.scores.get(gid, 0.0):g}", f"{chapter.points[gid]:g}", r.status])
            totals.append([r.student, r.chapter, f"{sum(r.scores.values()):g}", f"{sum(chapter.points.values()):g}", r.status])
        for name, rows in (("grades.csv", lines), ("totals.csv", totals)):
            buf = _CsvText()
            csv.writer(buf, lineterminator="\n").writerows(rows)
            _atomic_write(self.out / name, buf.text)

    # ---------------------------------------------------------------- nbgrader gradebook
    def prepare_gradebook(self) -> None:
        """Register each chapter, its notebook and its graded test cells in OUT/gradebook.db (nbgrader's schema)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)
            with Gradebook(self.gradebook_url) as gb:
                for name, chapter in self.chapters.items():
                    gb.update_or_create_assignment(name)
                    gb.update_or_create_notebook(name, name)
                    for gid, points in chapter.points.items():
                        source = strip_hidden_tests(chapter.tests[gid])
                        gb.update_or_create_grade_cell(gid, name, name, max_score=points, cell_type="code")
                        gb.update_or_create_source_cell(gid, name, name, source=source, cell_type="code", locked=True)
                    for exercise in chapter.exercises:
                        gb.update_or_create_solution_cell(exercise, name, name)

    def _write_gradebook(self, record: Record) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)
            with Gradebook(self.gradebook_url) as gb:
                gb.update_or_create_student(record.student)
                gb.update_or_create_submission(record.chapter, record.student)
                for gid, score in record.scores.items():
                    gb.find_grade(gid, record.chapter, record.chapter, record.student).auto_score = score
                gb.db.commit()

    # ---------------------------------------------------------------- the run
    def run(self, found: list[Found], hidden: list[Path]) -> None:
        todo: list[tuple[Found, str]] = []
        for item in found:
            sha = _sha256(item.path)
            reused = self.reuse(item, sha)
            if reused:
                self.record(reused)
                print(f"  {item.student} {item.chapter}: unchanged, kept {sum(reused.scores.values()):g} ({reused.status})")
            else:
                todo.append((item, sha))
        scratch = Path(tempfile.mkdtemp(prefix="dlfs-grade-"))
        try:
            with ProcessPoolExecutor(max_workers=max(1, min(self.workers, len(todo) or 1))) as pool:
                futures: dict[Future[Verdict], tuple[Found, str]] = {}
                for item, sha in todo:
                    feedback = self.out / "feedback" / item.student / item.chapter / f"{item.chapter}.html"
                    fut = pool.submit(_job, item.student, str(source_notebook(item.chapter, self.root)), str(item.path),
                                      str(scratch), str(self.root), self.limits, [str(h) for h in hidden], str(feedback))
                    futures[fut] = (item, sha)
                for n, fut in enumerate(as_completed(futures), 1):
                    item, sha = futures[fut]
                    chapter = self.chapters[item.chapter]
                    try:
                        verdict = fut.result()
                        record = Record(item.student, item.chapter, sha, chapter.digest, dict(verdict.scores),
                                        dict(verdict.messages), verdict.status, verdict.seconds)
                    except Exception as exc:  # noqa: BLE001 -- a crashed worker still gives rows
                        record = Record(item.student, item.chapter, sha, chapter.digest,
                                        {g: 0.0 for g in chapter.tests}, {}, f"not graded: the grader failed on it ({exc})")
                    self.record(record)
                    total = sum(record.scores.values())
                    print(f"[{n}/{len(todo)}] {item.student} {item.chapter}: {total:g}/{sum(chapter.points.values()):g} "
                          f"({record.status})", flush=True)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


class _CsvText:
    def __init__(self) -> None:
        self.text = ""

    def write(self, s: str) -> int:
        self.text += s
        return len(s)


def grade(submissions: Path, out: Path, chapter: str = "", workers: int = 0, force: bool = False,
          limits: dict[str, Any] | None = None) -> int:
    """Grade everything under ``submissions`` into ``out``. 0 when the batch was processed."""
    start = time.perf_counter()
    if not submissions.exists():
        print(f"dlfs grade: {submissions} is not a folder of submissions (or a zip file).")
        return 2
    submissions, out = submissions.resolve(), out.resolve()
    root = course_root()
    known = course_chapters(root)
    if chapter and chapter not in known:
        print(f"dlfs grade: no chapter named {chapter!r} (known: {', '.join(known)}).")
        return 2
    print(isolation_report(), flush=True)
    out.mkdir(parents=True, exist_ok=True)
    found, skipped = discover(submissions, known, chapter, out / ".unpacked")
    loaded = {name: Chapter.load(source_notebook(name, root)) for name in known}
    ids = {name: set(ch.points) | set(ch.exercises) for name, ch in loaded.items()}
    for item in found:
        if not item.chapter:
            item.chapter = recognise(item.path, ids)
            if not item.chapter:
                skipped.append(f"{item.path}: not recognisably a notebook of any chapter (use --chapter)")
    found = [f for f in found if f.chapter]
    for reason in skipped:
        print(f"skipped {reason}")
    grader = Grader(out, root, workers or os.cpu_count() or 1, force)
    if limits:
        grader.limits = dataclasses.replace(grader.limits, **limits)
    for name in sorted({f.chapter for f in found}):
        grader.chapters[name] = loaded[name]
    os.environ.update(course_env(root))  # nbgrader's gradebook runs `alembic` from this environment's bin/
    try:
        grader.prepare_gradebook()
    except Exception as exc:  # noqa: BLE001 -- the grader itself cannot run: say so, exit non-zero
        print(f"dlfs grade: could not open the gradebook {out / 'gradebook.db'}: {exc}")
        return 2
    hidden = [submissions if submissions.is_dir() else submissions.parent, out]
    grader.run(found, hidden)
    grader.write_csvs()
    records = list(grader.records.values())
    failed = [r for r in records if r.status.startswith("not graded")]
    print(
        f"Summary: {len(records) - len(failed)} graded, {len(failed)} could not be graded, {len(skipped)} skipped, "
        f"in {time.perf_counter() - start:.1f} s with {grader.workers} worker(s)"
        f"{'' if bwrap_path() else ' -- NOT SANDBOXED'}. Grades: {out / 'grades.csv'}"
    )
    return 0
