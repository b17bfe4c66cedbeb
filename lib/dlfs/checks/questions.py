"""Checks for short conceptual questions: a choice or a number, with an explanation once answered.

A question's answer cell sets a variable (``answer_q1 = "b"`` or ``answer_q2 = 0.25``). Its test
cell checks the *form* in the visible part and the *content* in the hidden part, so the key never
reaches the learner's notebook::

    check_choice_form(answer_q1, options="abcd")          # visible: one of the letters?
    ### BEGIN HIDDEN TESTS
    check_choice(answer_q1, correct="b", explanation="...")
    ### END HIDDEN TESTS

A right answer prints the explanation (it shows under the cell in ``dlfs check``, Validate and the
feedback); a wrong one fails with it, so the learner learns why either way.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dlfs.checks.gradcheck import CheckFailed

UNANSWERED = "this question is not answered yet: set the variable in the cell above to your answer."


def _resolve(answer: Any) -> Any:
    """The learner's answer itself.

    In a notebook (and in ``dlfs check``) that is the variable's value. In class grading the tests run in
    the grader's process, which holds a stand-in for every name the chapter's solution cells define
    (:class:`dlfs_autograder.remote.RemoteFunction`, recognised by its ``_channel``); called with no
    arguments, it fetches the value of that name from the learner's kernel.
    """
    __tracebackhide__ = True
    if callable(answer) and hasattr(answer, "_channel"):
        try:
            value = answer()
        except NameError:
            raise CheckFailed(UNANSWERED) from None
        # a value the channel does not carry comes back as a handle that names its type (`...` is an ellipsis)
        return Ellipsis if getattr(value, "_type_name", None) == "ellipsis" else value
    return answer


def _letter(answer: Any) -> str | None:
    return answer.strip().lower() if isinstance(answer, str) and len(answer.strip()) == 1 else None


def check_choice_form(answer: Any, options: str) -> None:
    """``answer`` is one of the letters in ``options`` (case and spaces ignored)."""
    __tracebackhide__ = True
    answer = _resolve(answer)
    if answer is None or answer is Ellipsis:
        raise CheckFailed(UNANSWERED)
    letter = _letter(answer)
    if letter is None or letter not in options:
        raise CheckFailed(f"answer with one letter out of {', '.join(options)} (a string such as \"{options[0]}\"); received {answer!r:.40}.")


def check_choice(answer: Any, correct: str, explanation: str) -> None:
    """``answer`` is the letter ``correct``; prints ``explanation`` when it is, fails with it when not."""
    __tracebackhide__ = True
    answer = _resolve(answer)
    if _letter(answer) != correct:
        raise CheckFailed(f"not quite: {explanation}")
    print(f"Right. {explanation}")


def check_number_form(answer: Any) -> None:
    """``answer`` is one finite number."""
    __tracebackhide__ = True
    answer = _resolve(answer)
    if answer is None or answer is Ellipsis:
        raise CheckFailed(UNANSWERED)
    if isinstance(answer, bool) or not isinstance(answer, int | float | np.integer | np.floating) or not np.isfinite(answer):
        raise CheckFailed(f"answer with one number (an int or a float); received {answer!r:.40}.")


def check_number(answer: Any, expected: float, explanation: str, rtol: float = 1e-3, atol: float = 1e-9) -> None:
    """``answer`` equals ``expected`` within ``rtol`` (relative) or ``atol``; prints or fails with ``explanation``."""
    __tracebackhide__ = True
    answer = _resolve(answer)
    check_number_form(answer)
    if not np.isclose(float(answer), expected, rtol=rtol, atol=atol):
        raise CheckFailed(f"not quite ({float(answer):.6g}): {explanation}")
    print(f"Right. {explanation}")
