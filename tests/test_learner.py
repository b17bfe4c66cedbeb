"""`dlfs.learner.uses_your`: a demo cell that needs an unfinished exercise says so in one line and does not raise."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.learner import missing_result_message, not_written_message, uses_your


def _stub(x: np.ndarray) -> np.ndarray:
    raise NotImplementedError()


def test_a_finished_answer_runs_the_whole_block(capsys: pytest.CaptureFixture[str]) -> None:
    done = []
    with uses_your("deriv"):
        done.append(np.square(np.arange(3.0)))
        done.append("after")
    assert done[1] == "after" and capsys.readouterr().out == ""


def test_an_unfinished_answer_stops_the_block_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    reached = []
    with uses_your("deriv"):
        reached.append("before")
        _stub(np.zeros(2))
        reached.append("after")  # pragma: no cover -- never reached
    assert reached == ["before"]
    out = capsys.readouterr()
    assert out.out.strip() == not_written_message(("deriv",)) and "`deriv`" in out.out and out.out.count("\n") == 1
    assert out.err == ""


def test_other_errors_are_shown_as_usual() -> None:
    with pytest.raises(ValueError, match="shapes"), uses_your("deriv"):
        raise ValueError("shapes (2,) and (3,) do not match")


def test_several_names_and_none() -> None:
    assert "`Sigmoid`, `SoftmaxCrossEntropy`" in not_written_message(("Sigmoid", "SoftmaxCrossEntropy"))
    assert "an exercise above" in not_written_message(())


def test_a_result_a_skipped_cell_did_not_make_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, object] = {}
    with uses_your("train"):
        exec("history_gd = train(None)", {"train": _stub}, namespace)  # the cell that trains: skipped
    with uses_your("train"):
        exec("print(history_gd['loss'])", {}, namespace)  # the cell that plots its result
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == not_written_message(("train",))
    assert "name 'history_gd' is not defined" in lines[1] and "`train`" in lines[1] and len(lines) == 2
    assert lines[1] == missing_result_message(("train",), NameError("name 'history_gd' is not defined"))
