"""The ``dlfs`` command: ``lab``, ``release``, ``check``, ``grade``."""

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

    p = sub.add_parser("lab", help="open JupyterLab on chapters/ with the course configuration",
                       description="Open JupyterLab on chapters/ with jupyter_config.py applied. "
                                   "Extra arguments go to `jupyter lab` (e.g. --port 9000 --no-browser).")

    p = sub.add_parser("release", help="regenerate chapters/ from solutions/ (nbgrader generate_assignment)",
                       description="Regenerate the learner notebooks in chapters/ from solutions/.")
    p.add_argument("chapters", nargs="*", metavar="CHAPTER", help="chapters to release (default: all)")
    p.add_argument("--to", type=Path, default=None, help="release into this folder instead of chapters/")

    p = sub.add_parser("check", help="self-check a notebook with the grader's tests, hidden ones included",
                       description="Run a notebook with the grader's tests (hidden ones included) and "
                                   "print points per exercise and what to fix. Exit 0 on full marks, 1 otherwise.")
    p.add_argument("notebook", help="the notebook to check, e.g. chapters/02_derivatives/02_derivatives.ipynb")

    p = sub.add_parser("grade", help="grade a class's submissions; write grades.csv and feedback",
                       description="Grade SUBMISSIONS/<student>/<chapter>/<chapter>.ipynb with nbgrader; "
                                   "write OUT/grades.csv and OUT/feedback/<student>/<chapter>/.")
    p.add_argument("submissions", type=Path, help="folder of submissions (nbgrader's submitted layout)")
    p.add_argument("--out", type=Path, required=True, help="folder for grades.csv and feedback/")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "lab":
        from dlfs_autograder.lab import lab
        return lab(extra)
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "release":
        from dlfs_autograder.release import release
        return release(args.chapters, args.to)
    if args.command == "check":
        from dlfs_autograder.check import main as check_main
        return check_main(args.notebook)
    from dlfs_autograder.grade import grade
    return grade(args.submissions, args.out)


if __name__ == "__main__":
    sys.exit(main())
