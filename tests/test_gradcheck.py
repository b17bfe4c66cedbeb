"""dlfs.checks.gradcheck: numerical gradients in float64, and every hint of assert_close."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.checks import gradcheck as gc
from dlfs.derivatives import forward_deriv

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

    with pytest.raises(gc.CheckFailed, match=r"crash\(ndarray of shape \(2, 3\)\) raised ValueError"):
        gc.call_learner(crash, np.zeros((2, 3)))

    def noisy(x: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-x))

    out = gc.call_learner(noisy, np.array([-1000.0]))
    assert out[0] == 0.0
    assert len(recwarn) == 0

    with pytest.raises(gc.CheckFailed, match="should be a function"):
        gc.call_learner(3, np.zeros(2), name="square")  # type: ignore[arg-type]
