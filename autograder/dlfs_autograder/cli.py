"""The ``dlfs`` command: ``lab``, ``release``, ``check``, ``grade``, ``export-learner``, and the class loop
``publish``, ``collect``, ``return``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dlfs",
        description="Deep learning from scratch: open, release, check and grade the course notebooks.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("lab", help="open JupyterLab on your workspace (my-work/) with the course configuration",
                       description="Open the learner's JupyterLab on the workspace my-work/ (created from chapters/ on the "
                                   "first start; a course update adds new chapters and never replaces your files), with "
                                   "jupyter_config.py applied. Extra arguments go to `jupyter lab` (e.g. --port 9000 --no-browser).")
    p.add_argument("--instructor", action="store_true",
                   help="instructor mode: the course folder with nbgrader's Formgrader and Create Assignment")
    p.add_argument("--exchange", default=None, metavar="DIR",
                   help="a class's nbgrader exchange folder (default: $DLFS_EXCHANGE; none: self-study)")

    p = sub.add_parser("release", help="regenerate chapters/ from solutions/ (nbgrader generate_assignment)",
                       description="Regenerate the learner notebooks in chapters/ from solutions/.")
    p.add_argument("chapters", nargs="*", metavar="CHAPTER", help="chapters to release (default: all)")
    p.add_argument("--to", type=Path, default=None, help="release into this folder instead of chapters/")

    p = sub.add_parser("check", help="self-check a notebook with the grader's tests, hidden ones included",
                       description="Run a notebook with the grader's tests (hidden ones included) and "
                                   "print points per exercise and what to fix. Exit 0 on full marks, 1 otherwise.")
    p.add_argument("notebook", help="the notebook to check, e.g. my-work/02_derivatives/02_derivatives.ipynb, "
                                    "or a chapter's name (02_derivatives: that chapter in your workspace)")

    for name, helptext in (("publish", "release a chapter to the class exchange (learners fetch it)"),
                           ("collect", "collect learners' latest submissions of a chapter into submitted/")):
        p = sub.add_parser(name, help=helptext, description=helptext[0].upper() + helptext[1:] + ".")
        p.add_argument("chapter", metavar="CHAPTER")
        p.add_argument("--exchange", default=None, metavar="DIR", help="the exchange folder (default: $DLFS_EXCHANGE)")
    p = sub.add_parser("return", help="send dlfs grade's feedback on a chapter back through the exchange",
                       description="Send each learner's feedback (from dlfs grade --out GRADED) back through the "
                                   "exchange; learners press Fetch Feedback in their Assignment List.")
    p.add_argument("chapter", metavar="CHAPTER")
    p.add_argument("--graded", type=Path, required=True, help="the --out folder of dlfs grade")
    p.add_argument("--exchange", default=None, metavar="DIR", help="the exchange folder (default: $DLFS_EXCHANGE)")

    p = sub.add_parser("grade", help="grade a class's submissions, sandboxed and in parallel",
                       description="Grade a class: SUBMISSIONS is nbgrader's submitted layout "
                                   "(<student>/<chapter>/<chapter>.ipynb), a flat folder of <student>.ipynb, or an "
                                   "LMS zip download. Each submission runs in a sandboxed kernel; the checks run "
                                   "outside it. Writes OUT/grades.csv, OUT/totals.csv, OUT/feedback/ and "
                                   "OUT/gradebook.db. Exit 0 when the batch was processed.")
    p.add_argument("submissions", type=Path, help="folder of submissions, or a .zip")
    p.add_argument("--out", type=Path, required=True, help="folder for grades.csv, totals.csv, feedback/, gradebook.db")
    p.add_argument("--chapter", default="", help="the chapter of flat or zipped notebooks (default: recognised)")
    p.add_argument("--workers", type=int, default=0, help="parallel workers (default: one per core)")
    p.add_argument("--force", action="store_true", help="re-grade everything, even unchanged submissions")
    p.add_argument("--cell-seconds", type=float, default=None, help="wall-clock limit per cell (default: jupyter_config.py)")
    p.add_argument("--notebook-seconds", type=float, default=None,
                   help="wall-clock budget per submission: cells, calls into its functions, feedback (default: jupyter_config.py)")

    p = sub.add_parser("export-learner", help="write the course as learners get it, without solutions/",
                       description="Copy chapters/, lib/, the dlfs command and the set-up files to DIR, without "
                                   "solutions/, tests/ or benchmarks/. There dlfs check runs the visible checks only.")
    p.add_argument("dir", type=Path, metavar="DIR", help="a new or empty folder")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "lab":
        from dlfs_autograder.lab import lab
        return lab(extra, instructor=args.instructor, exchange=args.exchange)
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "release":
        from dlfs_autograder.release import release
        return release(args.chapters, args.to)
    if args.command == "check":
        from dlfs_autograder.check import main as check_main
        from dlfs_autograder.workspace import notebook_argument
        return check_main(notebook_argument(args.notebook))
    if args.command in {"publish", "collect", "return"}:
        from dlfs_autograder import exchange
        if args.command == "publish":
            return exchange.publish(args.chapter, args.exchange)
        if args.command == "collect":
            return exchange.collect(args.chapter, args.exchange)
        return exchange.return_feedback(args.chapter, args.graded, args.exchange)
    if args.command == "export-learner":
        from dlfs_autograder.export import export_learner
        return export_learner(args.dir)
    from dlfs_autograder.grade import grade
    limits = {k: v for k, v in (("cell_seconds", args.cell_seconds), ("notebook_seconds", args.notebook_seconds)) if v}
    return grade(args.submissions, args.out, chapter=args.chapter, workers=args.workers, force=args.force, limits=limits)


if __name__ == "__main__":
    sys.exit(main())
