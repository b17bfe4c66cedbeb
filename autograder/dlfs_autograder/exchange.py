"""The class loop over nbgrader's exchange: one command per instructor step.

    dlfs publish CHAPTER             the chapter appears in every learner's Assignment List
    (learners: Fetch, work, Submit -- buttons in JupyterLab's Assignment List)
    dlfs collect CHAPTER             everyone's latest submission -> submitted/<student>/CHAPTER/
    dlfs grade submitted --out graded
    dlfs return CHAPTER --graded graded
                                     each learner's feedback goes back; they press Fetch Feedback

The exchange is a folder every account of the class can reach (``--exchange DIR`` or
``$DLFS_EXCHANGE``; README: "Teaching a class"). These commands drive nbgrader's own
``release_assignment``, ``collect`` and ``release_feedback`` with the course configuration.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from dlfs_autograder.course import course_env, course_root, source_notebook
from dlfs_autograder.release import finish_release

NO_EXCHANGE = ("dlfs: no class exchange is configured. Pass --exchange DIR or set DLFS_EXCHANGE to the exchange folder "
               "every learner's server can reach (README: 'Teaching a class').")


def exchange_root(exchange: str | None) -> Path | None:
    """The exchange folder from ``--exchange`` or ``$DLFS_EXCHANGE``; None when there is none."""
    value = exchange or os.environ.get("DLFS_EXCHANGE", "")
    return Path(value).expanduser().resolve() if value else None


def _nbgrader(app: str, chapter: str, exchange: Path, *args: str) -> int:
    root = course_root()
    env = course_env(root)
    env["DLFS_EXCHANGE"] = str(exchange)  # jupyter_config.py sets c.Exchange.root from it
    cmd = [sys.executable, "-m", "nbgrader", app, chapter, "--log-level=INFO", *args]
    done = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    # our configuration is jupyter_config.py: nbgrader's note that it found no nbgrader_config.py is noise
    lines = [ln for ln in (done.stdout + done.stderr).splitlines() if ln.strip() and "No nbgrader_config.py" not in ln]
    for line in lines:
        print(f"  {line}")
    if done.returncode != 0:
        print(f"dlfs: nbgrader {app} {chapter} failed (exit {done.returncode}).")
    return done.returncode


def publish(chapter: str, exchange: str | None = None) -> int:
    """Release ``chapters/CHAPTER`` to the exchange (replacing an earlier release of it)."""
    root_ex = exchange_root(exchange)
    if root_ex is None:
        print(NO_EXCHANGE)
        return 2
    root = course_root()
    source_notebook(chapter, root)  # a clear error for an unknown chapter
    with tempfile.TemporaryDirectory(prefix="dlfs-publish-") as staging:
        # the learners' kernels run this course's Python: stamp its version, as JupyterLab would write it
        shutil.copytree(root / "chapters" / chapter, Path(staging) / chapter,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        finish_release(Path(staging) / chapter, with_version=True)
        code = _nbgrader("release_assignment", chapter, root_ex, "--force",
                         f"--CourseDirectory.release_directory={staging}")
    if code == 0:
        print(f"published {chapter} to {root_ex}: learners see it in their Assignment List (Fetch).")
    return code


def collect(chapter: str, exchange: str | None = None) -> int:
    """Copy every learner's latest submission of ``chapter`` into ``submitted/<student>/<chapter>/``."""
    root_ex = exchange_root(exchange)
    if root_ex is None:
        print(NO_EXCHANGE)
        return 2
    source_notebook(chapter)
    code = _nbgrader("collect", chapter, root_ex, "--update")
    if code == 0:
        submitted = course_root() / "submitted"
        students = sorted(p.parent.name for p in submitted.glob(f"*/{chapter}") if p.is_dir())
        print(f"collected {chapter} from {len(students)} learner(s) into {submitted}: {', '.join(students) or 'none yet'}.")
        print(f"Next: dlfs grade {submitted} --chapter {chapter} --out graded")
    return code


def return_feedback(chapter: str, graded: Path, exchange: str | None = None) -> int:
    """Send each learner's feedback from ``dlfs grade``'s ``graded/feedback/`` back through the exchange.

    nbgrader matches feedback to a submission by the submission's secret, which ``collect``
    kept beside it in ``submitted/``: each feedback page is put in nbgrader's ``feedback/``
    folder with that secret and timestamp, and ``release_feedback`` publishes it.
    """
    root_ex = exchange_root(exchange)
    if root_ex is None:
        print(NO_EXCHANGE)
        return 2
    root = course_root()
    source_notebook(chapter, root)
    pages = sorted((graded / "feedback").glob(f"*/{chapter}/*.html"))
    if not pages:
        print(f"dlfs return: no feedback for {chapter} under {graded / 'feedback'}: run dlfs grade first.")
        return 1
    staged = 0
    for page in pages:
        student = page.parent.parent.name
        submission = root / "submitted" / student / chapter
        if not (submission / "submission_secret.txt").is_file():
            print(f"  {student}: no collected submission with a secret in {submission}; skipped "
                  "(feedback goes back only for work submitted through the exchange).")
            continue
        target = root / "feedback" / student / chapter
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(page, target / page.name)
        for name in ("timestamp.txt", "submission_secret.txt"):
            shutil.copyfile(submission / name, target / name)
        staged += 1
    if not staged:
        return 1
    code = _nbgrader("release_feedback", chapter, root_ex)
    if code == 0:
        print(f"returned feedback on {chapter} to {staged} learner(s): they press Fetch Feedback in the Assignment List.")
    return code
