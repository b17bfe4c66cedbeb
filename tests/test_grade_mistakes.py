"""Class grading scores every mistaken notebook of tests/mistakes exactly as `dlfs check` does.

All cases are graded as one class (one student per case) by `dlfs grade`, in its sandbox;
each must get the points its case expects, and its feedback page must say the expected words.
"""

from __future__ import annotations

import csv
import html
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import CHAPTERS, ROOT, release_path, with_answers, write_submission
from mistakes import cases_by_chapter

from dlfs_autograder.cells import QUESTION_ID
from dlfs_autograder.sandbox import bwrap_path

DLFS = str(Path(sys.executable).parent / "dlfs")
MISTAKEN = cases_by_chapter(CHAPTERS)
CASES = [(ch, i) for ch, cases in MISTAKEN.items() for i in range(len(cases))]

pytestmark = [
    pytest.mark.notebook,
    pytest.mark.skipif(bwrap_path() is None, reason="bubblewrap is not installed (.ci/run installs it)"),
]


def _student(chapter: str, variant: int) -> str:
    return f"case{chapter[:2]}v{variant}"


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[tuple[str, str], tuple[float, float]]]:
    subs = tmp_path_factory.mktemp("submitted")
    for chapter, variant in CASES:
        answers, _ = MISTAKEN[chapter][variant]
        nb = with_answers(nbformat.read(str(release_path(chapter)), as_version=4), answers)
        write_submission(subs / _student(chapter, variant) / chapter, chapter, nb)
    out = tmp_path_factory.mktemp("out")
    done = subprocess.run([DLFS, "grade", str(subs), "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    with (out / "grades.csv").open() as f:
        scores = {(row["student_id"], row["exercise"]): (float(row["score"]), float(row["max_score"])) for row in csv.DictReader(f)}
    return out, scores


@pytest.mark.parametrize(("chapter", "variant"), CASES)
def test_grade_scores_and_explains_each_case_as_check_does(
    chapter: str, variant: int, graded: tuple[Path, dict[tuple[str, str], tuple[float, float]]]
) -> None:
    out, scores = graded
    student = _student(chapter, variant)
    _, expected = MISTAKEN[chapter][variant]
    page = out / "feedback" / student / chapter / f"{chapter}.html"
    text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))
    for gid, (points, words) in expected.items():
        score, possible = scores[(student, gid)]
        if points is None:
            assert score == possible, f"{gid}: scored {score} of {possible}"
            continue
        assert score == points, f"{gid}: scored {score}, expected {points}"
        if words and QUESTION_ID.fullmatch(gid):  # a question's explanation is shown
            assert words in text, f"{gid}: feedback lacks {words!r}"
        elif words:  # dlfs check's words, or (when a hidden test failed) the grader's note that its details stay hidden
            # the grader calls the learner's function across the sandbox, where it names an argument by position
            same = re.sub(r"changed its input `[^`]*` in place", "changed its input in place", words)
            seen = re.sub(r"changed its input `[^`]*` in place", "changed its input in place", text)
            assert same in seen or "their details stay hidden" in text, f"{gid}: feedback lacks {words!r}"
