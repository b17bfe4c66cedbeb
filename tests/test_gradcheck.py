"""dlfs.checks.gradcheck: numerical gradients in float64, and every hint of assert_close."""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pytest

from dlfs.checks import gradcheck as gc
from dlfs.derivatives import forward_deriv
from dlfs_autograder.check import run_notebook

SHAPES = [(3,), (2, 5), (4, 3), (2, 3, 4)]


@pytest.mark.parametrize("shape", SHAPES)
def test_numerical_gradient_matches_exact_gradient(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape)
    W = rng.normal(size=shape)
    f = lambda z: np.sum(np.sin(z) * W) + 0.5 * np.sum(z**2)  # noqa: E731
    exact = np.cos(x) * W + x
    grad = gc.numerical_gradient(f, x)
    assert grad.dtype == np.float64 and grad.shape == shape
    assert np.max(np.abs(grad - exact)) < 1e-8


def test_numerical_gradient_leaves_x_alone_and_works_on_ints() -> None:
    x = np.array([[1, 2, 3], [4, 5, 6]])
    before = x.copy()
    grad = gc.numerical_gradient(lambda z: np.sum(z**2), x)
    assert np.array_equal(x, before)
    np.testing.assert_allclose(grad, 2 * x, rtol=1e-7)


def test_elementwise_derivative() -> None:
    x = np.linspace(-2, 2, 12).reshape(3, 4)
    np.testing.assert_allclose(gc.elementwise_derivative(np.sin, x), np.cos(x), rtol=1e-8, atol=1e-9)


def test_relative_error() -> None:
    assert gc.relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert gc.relative_error(np.array([0.0]), np.array([0.0])) == 0.0
    assert gc.relative_error(np.array([1.1]), np.array([1.0])) == pytest.approx(0.1 / 1.1)
    assert gc.relative_error(np.array([np.nan]), np.array([1.0])) == float("inf")


def _fail(received: object, expected: np.ndarray, **kwargs: object) -> str:
    with pytest.raises(gc.CheckFailed) as info:
        gc.assert_close(received, expected, what="grad_W", **kwargs)  # type: ignore[arg-type]
    assert isinstance(info.value, AssertionError)
    return str(info.value)


def test_passes_within_tolerance() -> None:
    e = np.arange(6.0).reshape(2, 3)
    gc.assert_close(e + 1e-12, e, what="x")


def test_message_names_argument_worst_element_expected_and_received() -> None:
    e = np.arange(1.0, 13.0).reshape(3, 4)
    r = e.copy()
    r[2, 1] += 0.5
    r[0, 3] += 0.1
    msg = _fail(r, e)
    assert msg.startswith("grad_W is wrong.")
    assert "2 of 12 element(s) differ" in msg
    assert "index [2, 1]" in msg and "expected 10" in msg and "received 10.5" in msg
    assert "Hint" not in msg


def test_hint_shape_mismatch() -> None:
    msg = _fail(np.zeros((2, 5)), np.zeros((3, 4)))
    assert "expected an array of shape (3, 4), received shape (2, 5)" in msg
    assert "Hint" in msg


def test_hint_broadcast_column_instead_of_row() -> None:
    msg = _fail(np.zeros((3, 3)), np.zeros((3,)))
    assert "broadcast" in msg and "(n,) vs (n, 1)" in msg


def test_hint_same_size_wrong_shape() -> None:
    msg = _fail(np.arange(12.0).reshape(2, 6), np.arange(12.0).reshape(3, 4))
    assert "number of elements is right" in msg


def test_hint_transposed_rectangular() -> None:
    e = np.arange(6.0).reshape(2, 3)
    assert gc.HINT_TRANSPOSED in _fail(e.T, e)


def test_hint_transposed_square() -> None:
    e = np.arange(9.0).reshape(3, 3)
    assert gc.HINT_TRANSPOSED in _fail(e.T, e)


def test_hint_sign_flip() -> None:
    e = np.linspace(1, 2, 6).reshape(2, 3)
    assert gc.HINT_SIGN in _fail(-e, e)


@pytest.mark.parametrize(("factor", "hint"), [(2.0, gc.HINT_DOUBLE), (0.5, gc.HINT_HALF)])
def test_hint_factor_of_two(factor: float, hint: str) -> None:
    e = np.linspace(1, 2, 6).reshape(3, 2)
    assert hint in _fail(factor * e, e)


def test_hint_forward_instead_of_central_difference() -> None:
    x = np.linspace(-1, 1, 8)
    received = forward_deriv(np.exp, x, 0.001)
    msg = _fail(received, np.exp(x), rtol=1e-5, atol=1e-5,
                mistakes={gc.HINT_FORWARD_DIFFERENCE: forward_deriv(np.exp, x, 0.001)})
    assert gc.HINT_FORWARD_DIFFERENCE in msg and "worst" in msg


def test_hint_inner_derivative_forgotten() -> None:
    # d/dx sin(x**2) = cos(x**2) * 2x; forgetting the inner derivative gives cos(x**2)
    x = np.linspace(0.2, 1.5, 6).reshape(2, 3)
    expected = np.cos(x**2) * 2 * x
    msg = _fail(np.cos(x**2), expected, mistakes={gc.HINT_INNER_DERIVATIVE: np.cos(x**2)})
    assert gc.HINT_INNER_DERIVATIVE in msg


def test_hint_none_returned() -> None:
    assert gc.HINT_NONE in _fail(None, np.zeros(3))


def test_hint_not_a_number_array() -> None:
    assert "expected a NumPy array of numbers" in _fail("abc", np.zeros(3))


def test_hint_nan_or_inf() -> None:
    e = np.ones(4)
    r = e.copy()
    r[2] = np.inf
    msg = _fail(r, e)
    assert gc.HINT_NOT_FINITE in msg and "index [2]" in msg


def test_mistake_hint_wins_over_generic_hint() -> None:
    e = np.linspace(1, 2, 4)
    assert "special" in _fail(-e, e, mistakes={"special": -e})


def test_check_gradient_passes_and_fails() -> None:
    rng = np.random.default_rng(3)
    X, W = rng.normal(size=(4, 3)), rng.normal(size=(3, 2))
    gc.check_gradient(np.ones((4, 2)) @ W.T, lambda x: np.sum(x @ W), X, what="dL/dX")
    with pytest.raises(gc.CheckFailed, match="transpose"):
        gc.check_gradient((np.ones((4, 2)) @ W.T).T, lambda x: np.sum(x @ W), X, what="dL/dX")


def test_call_learner_reports_stub_crash_and_silences_warnings(recwarn: pytest.WarningsRecorder) -> None:
    def stub(x: np.ndarray) -> np.ndarray:
        raise NotImplementedError()

    with pytest.raises(gc.CheckFailed, match="not written yet"):
        gc.call_learner(stub, np.zeros(2), name="square")

    def crash(x: np.ndarray) -> np.ndarray:
        return x @ np.ones((5, 5))

    with pytest.raises(gc.CheckFailed, match=r"crash\(array of shape \(2, 3\)\) raised ValueError"):
        gc.call_learner(crash, np.zeros((2, 3)))

    def noisy(x: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-x))

    out = gc.call_learner(noisy, np.array([-1000.0]))
    assert out[0] == 0.0
    assert len(recwarn) == 0

    with pytest.raises(gc.CheckFailed, match="should be a function"):
        gc.call_learner(3, np.zeros(2), name="square")  # type: ignore[arg-type]


# ---------------------------------------------------------------- the dtype policy and the learner's arguments


def test_float32_results_pass_with_float32_tolerance_and_are_named_when_wrong() -> None:
    x = np.random.default_rng(1).normal(size=(3, 4))
    gc.assert_close((x**2).astype(np.float32), x**2, what="square(x)", rtol=1e-7, atol=1e-12)  # float32 is fine
    with pytest.raises(gc.CheckFailed, match=r"\(your result is float32\)"):
        gc.assert_close((x**2 * 1.001).astype(np.float32), x**2, what="square(x)")


def test_numbers_that_look_equal_are_shown_with_enough_digits() -> None:
    expected = np.array(0.0661642)
    with pytest.raises(gc.CheckFailed) as info:
        gc.assert_close(np.float64(0.06616422), expected, what="exponential_decay(...)", rtol=1e-9)
    assert "expected 0.0661642, received 0.06616422" in str(info.value)


@pytest.mark.parametrize(("value", "words"), [
    (np.arange(6).reshape(2, 3), "dtype int64, integer"),
    (np.ones((2, 3), dtype=bool), "dtype bool, boolean"),
    (np.ones((2, 3), dtype=complex), "dtype complex128, complex"),
    (np.ones((2, 3), dtype=np.float16), "too imprecise"),
    ([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "received a Python list"),
    ("1.0", "received str"),
])
def test_results_outside_the_dtype_policy_are_refused_with_what_was_received(value: object, words: str) -> None:
    with pytest.raises(gc.CheckFailed, match=words.replace("(", r"\(").replace(")", r"\)")):
        gc.assert_close(value, np.ones((2, 3)), what="f(x)")


def test_integer_results_are_fine_where_integers_are_expected() -> None:
    gc.assert_close(np.array([1, 2, 3]), np.array([1, 2, 3]), what="argmax")
    gc.assert_close(3, np.float64(3.0), what="a count")  # one number where one number is expected


def test_a_scalar_where_an_array_belongs_gets_its_own_hint() -> None:
    x = np.random.default_rng(2).normal(size=5)
    with pytest.raises(gc.CheckFailed, match="received one number") as info:
        gc.assert_close(np.dot(x, x), x**2, what="square(x)")
    assert gc.HINT_SCALAR in str(info.value)


@pytest.mark.parametrize("k", [3, 5, 32])
def test_a_result_k_times_or_one_kth_of_the_right_one_is_named(k: int) -> None:
    g = np.random.default_rng(k).normal(size=(4, 3))
    with pytest.raises(gc.CheckFailed, match=f"exactly {k} times the expected one"):
        gc.assert_close(k * g, g, what="dL/dW")
    with pytest.raises(gc.CheckFailed, match=f"divided by {k}"):
        gc.assert_close(g / k, g, what="dL/dW")


def test_a_merely_wrong_result_gets_no_factor_hint() -> None:
    g = np.random.default_rng(0).normal(size=(4, 3))
    with pytest.raises(gc.CheckFailed) as info:
        gc.assert_close(g + 1.0, g, what="dL/dW")
    assert "times the expected" not in str(info.value) and "divided by" not in str(info.value)


def test_call_learner_fails_an_in_place_change_and_names_the_argument() -> None:
    def scribble(info: dict[str, np.ndarray], lr: float) -> np.ndarray:
        info["W"][0, 1] = 0.25
        return info["W"] * lr

    W = np.full((2, 3), 0.5)
    with pytest.raises(gc.CheckFailed, match=r"changed its input `info\['W'\]` in place \(element \[0, 1\] went from 0.5 to 0.25\)"):
        gc.call_learner(scribble, {"W": W}, 0.1, name="scribble")


def test_call_learner_allows_declared_in_place_updates() -> None:
    def step(param: np.ndarray, grad: np.ndarray) -> None:
        param -= 0.1 * grad

    p, g = np.ones(3), np.ones(3)
    gc.call_learner(step, p, g, name="step", may_change=(0,))
    assert np.allclose(p, 0.9)
    with pytest.raises(gc.CheckFailed, match="changed its input `param` in place"):
        gc.call_learner(step, p, g, name="step")


def test_a_crash_names_the_shapes_inside_dicts() -> None:
    def crash(forward_info: dict[str, np.ndarray], weights: dict[str, np.ndarray]) -> None:
        forward_info["X"] @ weights["W"]

    with pytest.raises(gc.CheckFailed, match=r"crash\(dict\(X: \(4, 3\)\), dict\(W: \(2, 1\)\)\) raised ValueError"):
        gc.call_learner(crash, {"X": np.ones((4, 3))}, {"W": np.ones((2, 1))}, name="crash")


@pytest.mark.notebook
def test_a_failed_check_shows_one_short_message_in_a_notebook(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from dlfs.checks.gradcheck import assert_close\nimport numpy as np\n"
        "assert_close(np.ones(3) * 2, np.ones(3), what='double(x)')"
    )])
    assert run_notebook(nb, tmp_path, timeout=60) == ""
    (error,) = [o for o in nb.cells[0].outputs if o["output_type"] == "error"]
    assert error["ename"] == "CheckFailed" and "twice the expected" in error["evalue"]
    assert len(error["traceback"]) == 1 and "gradcheck.py" not in error["traceback"][0]


# ---------------------------------------------------------------- conceptual questions


def test_choice_questions_check_form_then_content_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    from dlfs.checks import questions as q

    with pytest.raises(gc.CheckFailed, match="not answered yet"):
        q.check_choice_form(..., options="abc")
    with pytest.raises(gc.CheckFailed, match="one letter out of a, b, c"):
        q.check_choice_form("d", options="abc")
    q.check_choice_form(" B ", options="abc")
    with pytest.raises(gc.CheckFailed, match="not quite: because"):
        q.check_choice("a", correct="b", explanation="because.")
    q.check_choice(" B", correct="b", explanation="because.")
    assert "Right. because." in capsys.readouterr().out


def test_number_questions_accept_close_numbers_only() -> None:
    from dlfs.checks import questions as q

    with pytest.raises(gc.CheckFailed, match="one number"):
        q.check_number_form("2.3")
    with pytest.raises(gc.CheckFailed, match="one number"):
        q.check_number_form(True)
    q.check_number(np.log(10), expected=2.302585, explanation="ln 10.")
    with pytest.raises(gc.CheckFailed, match=r"not quite \(2\.4\)"):
        q.check_number(2.4, expected=2.302585, explanation="ln 10.")
