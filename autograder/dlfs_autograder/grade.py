"""``dlfs grade``: grade a class, sandboxed, in parallel, with verdicts the submissions cannot touch.

Input (see :mod:`.intake`): nbgrader's submitted layout, a flat folder of
``<student>.ipynb``, or an LMS zip download. Output in ``OUT``:

- ``grades.csv``: one row per student x graded test cell,
  ``student_id,assignment,exercise,score,max_score,status``;
- ``totals.csv``: one row per student x chapter, ``student_id,assignment,score,max_score,status``;
- ``feedback/<student>/<chapter>/<chapter>.html``: what ran, each check's message, no hidden test code,
  nothing of the submission's that runs in a browser (:mod:`.feedback`);
- ``gradebook.db``: an nbgrader gradebook with every score (for ``nbgrader export`` or the formgrader);
- ``.journal/``: one record per graded submission, written as soon as it is graded. The CSVs
  are rewritten after every submission, so an interrupted run loses nothing, and a re-run
  reuses every record whose notebook, chapter and grading rules have not changed (``--force``
  re-grades all).

Each submission is graded by :func:`.trusted.grade` in a process of its own (forked, at most
``--workers`` at a time), within one wall-clock budget that covers its cells, the checks'
calls into its functions and the drawing of its feedback page; a process that overruns is
stopped. The grader's own failures -- a process that dies (the out-of-memory killer), a kernel
that cannot start -- are never recorded as grades: the submission is tried again, and if it
fails again its rows say "not graded (grader failure)" with no score, nothing is journalled
(so a plain re-run grades it), and ``dlfs grade`` exits with status 3.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import multiprocessing
import os
import resource
import shutil
import signal
import tempfile
import time
import warnings
from collections import deque
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from nbgrader.api import Gradebook
from sqlalchemy.exc import SAWarning
from traitlets.config import Config

from dlfs_autograder import feedback
from dlfs_autograder.cells import strip_hidden_tests
from dlfs_autograder.course import chapters as course_chapters
from dlfs_autograder.course import course_env, course_root, load_config, source_notebook
from dlfs_autograder.intake import Found, discover, recognise
from dlfs_autograder.redact import build_library, library_source
from dlfs_autograder.sandbox import Limits, bwrap_path, isolation_report
from dlfs_autograder.trusted import MAX_STATUS_CHARS, Chapter, clip
from dlfs_autograder.trusted import grade as grade_one

COLUMNS = ["student_id", "assignment", "exercise", "score", "max_score", "status"]
TOTAL_COLUMNS = ["student_id", "assignment", "score", "max_score", "status"]
#: Bumped when the rules that decide a grade change: journal records of other rules are not reused.
RULES = "2"
ATTEMPTS = 2  # a submission the grader fails on is tried this many times
STARTUP_SECONDS = 90.0  # beyond the budget: kernel start-up and tear-down, before a job is stopped
FEEDBACK_SECONDS = 10.0  # the least time the feedback page gets, even when the budget is spent
EXIT_GRADER_FAILURE = 3


@dataclass
class Record:
    """One submission's verdict, as kept in the journal (``infrastructure`` ones are never journalled)."""

    student: str
    chapter: str
    notebook_sha256: str
    chapter_sha256: str
    scores: dict[str, float] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    status: str = ""
    seconds: float = 0.0
    rules: str = ""
    infrastructure: str = ""
    peak_mb: float = 0.0  # the grading process's largest resident memory (the kernel's not included)


def limits_from_config(config: Config) -> Limits:
    """``c.DlfsGrade.*`` from jupyter_config.py, over the defaults of :class:`Limits`."""
    section = config.get("DlfsGrade", {})
    fields = {k: section[k] for k in Limits.__dataclass_fields__ if k in section}
    return Limits(**fields)


def _sha256(path: Path | None) -> str:
    if path is None:
        return "none"
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# ---------------------------------------------------------------- one submission, in its own process

@dataclass
class Job:
    """Everything a grading process needs (inherited through fork, never pickled)."""

    found: Found
    sha: str
    chapter: Chapter
    feedback: Path
    attempt: int = 1
    # set by the scheduler while it runs
    process: Any = None
    conn: Connection | None = None
    started: float = 0.0
    verdict: dict[str, Any] | None = None
    verdict_at: float = 0.0
    rendered: bool = False


class _RenderTimeout(Exception):
    pass


def _on_alarm(signum: int, frame: Any) -> None:
    raise _RenderTimeout()


def _render(job: Job, outcome: Any, seconds: float) -> str:
    """Write the feedback page within ``seconds``; return a note for the status ('' if all went well)."""
    chapter, student = job.chapter, job.found.student
    body = feedback.summary(chapter.name, student, chapter.points, outcome.scores, outcome.messages, outcome.status)
    note = ""
    page = None
    if outcome.executed is not None:
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.5))
        try:
            page = feedback.notebook_page(chapter.name, body, outcome.executed)
        except _RenderTimeout:
            note = "feedback page: the notebook took too long to draw, only the summary is shown"
        except Exception as exc:  # noqa: BLE001 -- a page that cannot be drawn must not lose the grade
            note = f"feedback page: the notebook could not be drawn ({type(exc).__name__}), only the summary is shown"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    if page is None:
        page = feedback.summary_page(chapter.name, body, note)
    job.feedback.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(job.feedback, page)
    return note


def _job_main(job: Job, conn: Connection, scratch: Path, root: Path, limits: Limits, hidden: list[Path],
              library: Path) -> None:
    """The grading process: grade, send the verdict, draw the feedback page, say so."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the scheduler's to handle
    assert job.found.path is not None
    with tempfile.TemporaryDirectory(dir=scratch, prefix="job-") as work:
        outcome = grade_one(job.found.path, job.chapter, Path(work), root, limits, hidden, library=library)
    conn.send({"kind": "verdict", "scores": outcome.scores, "messages": outcome.messages, "status": outcome.status,
               "seconds": outcome.seconds, "infrastructure": outcome.infrastructure, "peak_mb": _peak_mb()})
    if outcome.infrastructure:
        return
    left = (outcome.deadline - time.monotonic()) if outcome.deadline is not None else limits.notebook_seconds
    note = _render(job, outcome, max(left, FEEDBACK_SECONDS))
    conn.send({"kind": "rendered", "note": note})


def _peak_mb() -> float:
    """The largest resident memory this process has had, in MB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _job_entry(job: Job, conn: Connection, *args: Any) -> None:
    try:
        _job_main(job, conn, *args)
    except BaseException as exc:  # noqa: BLE001 -- a bug of the grader: the scheduler retries
        try:
            conn.send({"kind": "crash", "error": clip(f"{type(exc).__name__}: {exc}", 500)})
        except Exception:  # noqa: BLE001
            pass
        os._exit(70)
    conn.close()
    os._exit(0)


# ---------------------------------------------------------------- the run

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
        self.libraries: dict[str, Path] = {}

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
        same = (record.notebook_sha256 == sha and record.chapter_sha256 == self.chapters[found.chapter].digest
                and record.rules == RULES and not record.infrastructure)
        return record if same else None

    def record(self, record: Record) -> None:
        self.records[(record.student, record.chapter)] = record
        if record.infrastructure:
            self._journal_path(record.student, record.chapter).unlink(missing_ok=True)
        else:
            _atomic_write(self._journal_path(record.student, record.chapter), json.dumps(asdict(record), indent=1))
            self._write_gradebook(record)
        self.write_csvs()

    def write_csvs(self) -> None:
        ordered = sorted(self.records.values(), key=lambda r: (r.student, r.chapter))
        lines, totals = [COLUMNS], [TOTAL_COLUMNS]
        for r in ordered:
            chapter = self.chapters[r.chapter]
            def show(x: float) -> str:
                return "" if r.infrastructure else f"{x:g}"  # no score at all, rather than a false zero
            for gid in chapter.tests:
                lines.append([r.student, r.chapter, gid, show(r.scores.get(gid, 0.0)), f"{chapter.points[gid]:g}", r.status])
            totals.append([r.student, r.chapter, show(sum(r.scores.values())), f"{sum(chapter.points.values()):g}", r.status])
        for name, rows in (("grades.csv", lines), ("totals.csv", totals)):
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerows(rows)
            _atomic_write(self.out / name, buf.getvalue())

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

    # ---------------------------------------------------------------- the scheduler
    def _print(self, record: Record, done: int, total: int) -> None:
        chapter = self.chapters[record.chapter]
        score = "-" if record.infrastructure else f"{sum(record.scores.values()):g}"
        print(f"[{done}/{total}] {record.student} {record.chapter}: {score}/{sum(chapter.points.values()):g} "
              f"({record.status})", flush=True)

    def _finish(self, job: Job, note: str = "") -> Record:
        v = job.verdict or {}
        status = "; ".join(x for x in [str(v.get("status", "")), *job.found.notes, note] if x)
        return Record(job.found.student, job.chapter.name, job.sha, job.chapter.digest, dict(v.get("scores", {})),
                      dict(v.get("messages", {})), clip(status, MAX_STATUS_CHARS), float(v.get("seconds", 0.0)), RULES,
                      peak_mb=float(v.get("peak_mb", 0.0)))

    def _failed(self, job: Job, why: str) -> Record:
        status = f"not graded (grader failure, {ATTEMPTS} attempts): {why}; re-run dlfs grade to try again"
        return Record(job.found.student, job.chapter.name, job.sha, job.chapter.digest,
                      {g: 0.0 for g in job.chapter.tests}, {g: status for g in job.chapter.tests},
                      clip(status, MAX_STATUS_CHARS), 0.0, RULES, infrastructure=clip(why, 500))

    def run(self, jobs: list[Job], hidden: list[Path], scratch: Path) -> None:
        pending = deque(jobs)
        running: list[Job] = []
        if jobs:
            feedback.warm_up()  # every grading process is forked from here: it inherits the page's compiled templates
        total, done = len(jobs), 0
        ctx = multiprocessing.get_context("fork")
        budget = self.limits.notebook_seconds

        def start(job: Job) -> None:
            parent, child = ctx.Pipe(duplex=False)
            job.conn, job.verdict, job.rendered = parent, None, False
            job.process = ctx.Process(target=_job_entry, args=(job, child, scratch, self.root, self.limits, hidden,
                                                                 self.libraries[job.chapter.name]), daemon=False)
            job.process.start()
            child.close()
            job.started = time.monotonic()
            running.append(job)

        def settle(job: Job, record: Record | None, retry_why: str = "") -> None:
            nonlocal done
            running.remove(job)
            assert job.conn is not None
            job.conn.close()
            if record is None:
                if job.attempt < ATTEMPTS:
                    print(f"  {job.found.student} {job.chapter.name}: the grader failed ({retry_why}); trying again", flush=True)
                    job.attempt += 1
                    pending.append(job)
                    return
                record = self._failed(job, retry_why)
            done += 1
            self.record(record)
            self._print(record, done, total)

        while pending or running:
            while pending and len(running) < self.workers:
                start(pending.popleft())
            waitables: list[Any] = [j.conn for j in running] + [j.process.sentinel for j in running]
            wait(waitables, timeout=0.5)
            now = time.monotonic()
            for job in list(running):
                assert job.conn is not None
                try:
                    while job.conn.poll():
                        msg = job.conn.recv()
                        if msg.get("kind") == "verdict":
                            job.verdict, job.verdict_at = msg, now
                        elif msg.get("kind") == "rendered":
                            job.rendered = True
                            job.verdict = {**(job.verdict or {}), "note": msg.get("note", "")}
                        elif msg.get("kind") == "crash":
                            job.verdict = {**(job.verdict or {}), "crash": msg.get("error", "")}
                except (EOFError, OSError):
                    pass
                alive = job.process.is_alive()
                verdict = job.verdict or {}
                late = (verdict.get("kind") == "verdict" and not job.rendered
                        and now > job.verdict_at + max(budget - (job.verdict_at - job.started), 0) + FEEDBACK_SECONDS + 5)
                hung = verdict.get("kind") != "verdict" and now > job.started + budget + STARTUP_SECONDS
                if alive and not (late or hung):
                    continue
                if alive:
                    job.process.kill()
                job.process.join()
                if verdict.get("kind") != "verdict":  # no grade was decided: the grader's failure
                    why = verdict.get("crash") or ("its grading process stopped answering and was stopped" if hung else
                                                   f"its grading process died (exit code {job.process.exitcode})")
                    settle(job, None, str(why))
                elif verdict.get("infrastructure"):
                    settle(job, None, str(verdict["infrastructure"]))
                elif job.rendered:
                    settle(job, self._finish(job, str(verdict.get("note", ""))))
                else:  # graded, but the page was not drawn in time (or the process died drawing it)
                    note = ("feedback page: drawing it ran out of time, only the summary is shown" if late else
                            "feedback page: its process died while drawing it, only the summary is shown")
                    record = self._finish(job, note)
                    chapter = self.chapters[record.chapter]
                    body = feedback.summary(chapter.name, record.student, chapter.points, record.scores,
                                            record.messages, record.status)
                    job.feedback.parent.mkdir(parents=True, exist_ok=True)
                    _atomic_write(job.feedback, feedback.summary_page(chapter.name, body))
                    settle(job, record)

    def problem(self, found: Found, sha: str) -> Record:
        """A submission that cannot be graded: zeros and the reason, its page says the same."""
        chapter = self.chapters[found.chapter]
        status = clip("; ".join([found.problem, *found.notes]), MAX_STATUS_CHARS)
        record = Record(found.student, found.chapter, sha, chapter.digest, {g: 0.0 for g in chapter.tests},
                        {g: found.problem for g in chapter.tests}, status, 0.0, RULES)
        page = self.out / "feedback" / found.student / found.chapter / f"{found.chapter}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        body = feedback.summary(chapter.name, found.student, chapter.points, record.scores, record.messages, status)
        _atomic_write(page, feedback.summary_page(chapter.name, body))
        return record


def _assign_chapters(found: list[Found], loaded: dict[str, Chapter], skipped: list[str]) -> list[Found]:
    """Recognise each flat or zipped notebook's chapter; a problem without one takes the batch's only chapter."""
    ids = {name: set(ch.points) | set(ch.exercises) for name, ch in loaded.items()}
    for item in found:
        if not item.chapter and item.path is not None:
            item.chapter = recognise(item.path, ids)
            if not item.chapter:
                item.problem = item.problem or "not graded: not recognisably a notebook of any chapter"
    seen = {f.chapter for f in found if f.chapter}
    kept = []
    for item in found:
        if not item.chapter and len(seen) == 1:
            item.chapter = next(iter(seen))
        if item.chapter:
            kept.append(item)
        else:
            skipped.append(f"{item.origin}: {item.problem.removeprefix('not graded: ')} (use --chapter to give it a row)")
    return kept


def _deduplicate(found: list[Found], lines: list[str]) -> list[Found]:
    """One submission per student and chapter: the first found (folder before flat file) counts."""
    kept: dict[tuple[str, str], Found] = {}
    for item in found:
        key = (item.student, item.chapter)
        if key in kept:
            first = kept[key]
            first.notes.append(f"another submission for this student and chapter ({item.origin}) was not graded")
            lines.append(f"duplicate: {item.student} {item.chapter}: graded {first.origin}, not {item.origin}")
            continue
        kept[key] = item
    return list(kept.values())


def grade(submissions: Path, out: Path, chapter: str = "", workers: int = 0, force: bool = False,
          limits: dict[str, Any] | None = None) -> int:
    """Grade everything under ``submissions`` into ``out``.

    Returns 0 when every submission has a grade (bad submissions included), 2 when the run
    could not start, 3 when the grader itself failed on some submission (they have no grade).
    """
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
    scratch = Path(tempfile.mkdtemp(prefix="dlfs-grade-"))
    try:
        return _grade(submissions, out, chapter, workers, force, limits, root, known, scratch, start)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _grade(submissions: Path, out: Path, chapter: str, workers: int, force: bool, limits: dict[str, Any] | None,
           root: Path, known: list[str], scratch: Path, start: float) -> int:
    found, skipped = discover(submissions, known, chapter, scratch / "intake")
    loaded = {name: Chapter.load(source_notebook(name, root)) for name in known}
    found = _assign_chapters(found, loaded, skipped)
    lines: list[str] = []
    found = _deduplicate(found, lines)
    for item in found:
        lines += [f"note: {item.student} {item.chapter}: {n}" for n in item.notes]
        if item.problem:
            lines.append(f"{item.student} {item.chapter}: {item.problem}")
    grader = Grader(out, root, workers or os.cpu_count() or 1, force)
    if limits:
        grader.limits = dataclasses.replace(grader.limits, **limits)
    for name in sorted({f.chapter for f in found}):
        grader.chapters[name] = loaded[name]
        grader.libraries[name] = scratch / f"lib-{name}"
        build_library(library_source(root), loaded[name].exercises, grader.libraries[name])
    os.environ.update(course_env(root))  # nbgrader's gradebook runs `alembic` from this environment's bin/
    try:
        grader.prepare_gradebook()
    except Exception as exc:  # noqa: BLE001 -- the grader itself cannot run: say so, exit non-zero
        print(f"dlfs grade: could not open the gradebook {out / 'gradebook.db'}: {exc}")
        return 2
    jobs: list[Job] = []
    for item in found:
        sha = _sha256(item.path)
        if item.problem:
            grader.record(grader.problem(item, sha))
            continue
        reused = grader.reuse(item, sha)
        if reused:
            grader.record(reused)
            print(f"  {item.student} {item.chapter}: unchanged, kept {sum(reused.scores.values()):g} ({reused.status})")
            continue
        page = out / "feedback" / item.student / item.chapter / f"{item.chapter}.html"
        jobs.append(Job(item, sha, grader.chapters[item.chapter], page))
    hidden = [submissions if submissions.is_dir() else submissions.parent, out, scratch]
    grader.run(jobs, hidden, scratch)
    grader.write_csvs()
    records = list(grader.records.values())
    failed = [r for r in records if r.infrastructure]
    ungradable = [r for r in records if not r.infrastructure and r.status.startswith("not graded")]
    for reason in skipped:
        print(f"skipped {reason}")
    for line in lines:
        print(line)
    print(
        f"Summary: {len(records) - len(failed) - len(ungradable)} graded, {len(ungradable)} could not be graded "
        f"(score 0, the status says why), {len(failed)} not graded because the grader failed, {len(skipped)} skipped, "
        f"in {time.perf_counter() - start:.1f} s with {grader.workers} worker(s)"
        f"{'' if bwrap_path() else ' -- NOT SANDBOXED'}. Grades: {out / 'grades.csv'}"
    )
    if failed:
        print(f"ERROR: the grader failed on {len(failed)} submission(s) twice: they have NO grade (empty score). "
              f"First reason: {failed[0].infrastructure}. Fix the cause and run dlfs grade again: it grades only those.",
              flush=True)
        return EXIT_GRADER_FAILURE
    return 0
