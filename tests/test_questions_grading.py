"""Conceptual questions are graded the same way in the notebook and in class grading.

In class grading the test runs in the grader's process, where ``answer_q1`` is a stand-in for the
name in the learner's kernel: the question checks fetch its value through the grader's channel.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import open_channel

from dlfs.checks import questions as q
from dlfs.checks.gradcheck import CheckFailed

LEARNER = 'answer_q1 = "B "\nanswer_q2 = 2.302\nanswer_q3 = ...\nanswer_q4 = "e"\n'


@pytest.fixture(scope="module")
def channel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from open_channel(tmp_path_factory.mktemp("questions"), LEARNER, cell_seconds=20)


def test_answers_are_read_from_the_learners_kernel(channel: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from dlfs_autograder.remote import RemoteFunction

    channel.install()
    q.check_choice_form(RemoteFunction(channel, "answer_q1"), options="abcd")
    q.check_choice(RemoteFunction(channel, "answer_q1"), correct="b", explanation="because.")
    q.check_number_form(RemoteFunction(channel, "answer_q2"))
    q.check_number(RemoteFunction(channel, "answer_q2"), expected=2.302585, explanation="ln 10.")
    assert capsys.readouterr().out.count("Right.") == 2


@pytest.mark.parametrize(
    ("name", "check", "words"),
    [("answer_q3", lambda a: q.check_choice_form(a, options="abcd"), "not answered yet"),
     ("answer_q9", lambda a: q.check_number_form(a), "not answered yet"),
     ("answer_q4", lambda a: q.check_choice_form(a, options="abcd"), "one letter out of a, b, c, d"),
     ("answer_q1", lambda a: q.check_choice(a, correct="c", explanation="because."), "not quite: because.")],
)
def test_unanswered_and_wrong_answers_say_so_in_class_grading(channel: Any, name: str, check: Any, words: str) -> None:
    from dlfs_autograder.remote import RemoteFunction

    channel.install()
    with pytest.raises(CheckFailed, match=words):
        check(RemoteFunction(channel, name))


def test_plain_values_are_used_as_they_are(tmp_path: Path) -> None:
    q.check_choice_form("a", options="ab")
    with pytest.raises(CheckFailed, match="not answered yet"):
        q.check_number_form(...)
