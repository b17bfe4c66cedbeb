"""Chapters 01-02 in the library: the reference functions, and their graded checks.

Each check must pass every correct answer (also ones written differently from
the reference) and fail each classic mistake with the message meant for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from dlfs import derivatives as D
from dlfs import functions as F
from dlfs.checks import derivatives as cd
from dlfs.checks import functions as cf
from dlfs.checks.gradcheck import CheckFailed, elementwise_derivative

SHAPES = [(5,), (3, 4), (2, 3, 2)]


@pytest.mark.parametrize("shape", SHAPES)
def test_reference_functions_keep_shape_and_values(shape: tuple[int, ...]) -> None:
    x = np.random.default_rng(1).normal(size=shape) * 4
    np.testing.assert_allclose(F.square(x), x * x)
    np.testing.assert_allclose(F.relu(x), np.where(x > 0, x, 0))
    np.testing.assert_allclose(F.leaky_relu(x, 0.3), np.where(x > 0, x, 0.3 * x))
    np.testing.assert_allclose(F.sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-12)
    for f in (F.square, F.relu, F.leaky_relu, F.sigmoid):
        assert f(x).shape == shape


def test_sigmoid_is_stable_and_warning_free() -> None:
    x = np.array([-1e4, -745.0, -40.0, 0.0, 40.0, 1e4])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        s = F.sigmoid(x)
    assert np.all(np.isfinite(s)) and s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5


def test_add_bias_rows_and_its_shape_errors() -> None:
    X = np.arange(12.0).reshape(4, 3)
    b = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(F.add_bias_rows(X, b), X + b)
    with pytest.raises(ValueError, match=r"\(3,\)"):
        F.add_bias_rows(X, np.ones((4, 1)))
    with pytest.raises(ValueError, match="2-D"):
        F.add_bias_rows(np.ones(3), b)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(("f", "df"), [(np.sin, np.cos), (np.exp, np.exp), (F.sigmoid, lambda x: F.sigmoid(x) * (1 - F.sigmoid(x)))])
def test_central_difference_beats_forward_difference(shape: tuple[int, ...], f: Callable[..., Any], df: Callable[..., Any]) -> None:
    x = np.random.default_rng(2).uniform(-2, 2, size=shape)
    central = np.max(np.abs(D.deriv(f, x) - df(x)))
    forward = np.max(np.abs(D.forward_deriv(f, x) - df(x)))
    assert central < 1e-6 < forward
    np.testing.assert_allclose(elementwise_derivative(f, x), df(x), atol=1e-8)


# ---------------------------------------------------------------- the checks accept right answers


def _five_point(func: Callable[..., Any], input_: np.ndarray, delta: float = 0.001) -> np.ndarray:
    h = delta
    return (-func(input_ + 2 * h) + 8 * func(input_ + h) - 8 * func(input_ - h) + func(input_ - 2 * h)) / (12 * h)


def _naive_sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))  # overflows (with a warning) for very negative x, but the value is right


def _tanh_sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(x / 2))


def _loop_free_leaky(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    return np.maximum(x, alpha * x)


RIGHT_ANSWERS = [
    (cf.check_square, F.square), (cf.check_square, lambda x: x * x),
    (cf.check_leaky_relu, F.leaky_relu), (cf.check_leaky_relu, _loop_free_leaky),
    (cf.check_sigmoid, F.sigmoid), (cf.check_sigmoid, _naive_sigmoid), (cf.check_sigmoid, _tanh_sigmoid),
    (cf.check_add_bias_rows, F.add_bias_rows),
    (cd.check_deriv, D.deriv), (cd.check_deriv, _five_point),
]


@pytest.mark.parametrize(("check", "answer"), RIGHT_ANSWERS)
@pytest.mark.parametrize("seed", [0, 7])
def test_checks_accept_right_answers(check: Callable[..., None], answer: Callable[..., Any], seed: int, recwarn: pytest.WarningsRecorder) -> None:
    check(answer, seed=seed)
    assert len(recwarn) == 0  # nothing would reach stderr


def test_deriv_hidden_cases_accept_right_answers() -> None:
    cd.check_deriv(D.deriv, seed=31, cases=cd.HIDDEN_CASES, shapes=((5,), (2, 3, 4)))
    cd.check_deriv(_five_point, seed=31, cases=cd.HIDDEN_CASES)


# ---------------------------------------------------------------- the checks reject classic mistakes


def _in_place_square(x: np.ndarray) -> np.ndarray:
    x **= 2
    return x


def _no_return(x: np.ndarray) -> None:
    x**2


def _stub(*args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError()


def _bias_no_check(X: np.ndarray, b: np.ndarray) -> np.ndarray:
    return X + b


def _bias_wrong_error(X: np.ndarray, b: np.ndarray) -> np.ndarray:
    if b.shape != (X.shape[1],):
        raise TypeError("bad b")
    return X + b


MISTAKES: list[tuple[Callable[..., None], Callable[..., Any], str]] = [
    (cf.check_square, lambda x: 2 * x, "derivative of x²"),
    (cf.check_square, _no_return, "forget the `return`"),
    (cf.check_square, _in_place_square, "changed its input `x` in place"),
    (cf.check_square, _stub, "not written yet"),
    (cf.check_square, lambda x: x.T**2, "transpose"),
    (cf.check_leaky_relu, lambda x, alpha=0.01: np.maximum(x, 0), "plain ReLU"),
    (cf.check_leaky_relu, lambda x, alpha=0.01: np.where(x > 0, alpha * x, x), "scaled the positive inputs"),
    (cf.check_leaky_relu, lambda x, alpha=0.01: np.where(x > 0, x, 0.01 * x), "use the `alpha` argument"),
    (cf.check_leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x), "raised TypeError"),
    (cf.check_sigmoid, lambda x: 1 / (1 + np.exp(x)), "sign inside np.exp"),
    (cf.check_sigmoid, lambda x: 1 / 1 + np.exp(-x), "parentheses"),
    (cf.check_sigmoid, lambda x: np.exp(x) / (1 + np.exp(x)), "nan or inf"),
    (cf.check_sigmoid, lambda x: F.sigmoid(x) * (1 - F.sigmoid(x)), "derivative of the sigmoid"),
    (cf.check_add_bias_rows, _bias_no_check, "should raise ValueError"),
    (cf.check_add_bias_rows, _bias_wrong_error, "raised TypeError; it should raise ValueError"),
    (cf.check_add_bias_rows, lambda X, b: X + b.sum(), "sum of b"),
    (cf.check_add_bias_rows, _stub, "not written yet"),
    (cd.check_deriv, D.forward_deriv, "forward difference"),
    (cd.check_deriv, lambda f, x, delta=0.001: (f(x) - f(x - delta)) / delta, "backward difference"),
    (cd.check_deriv, lambda f, x, delta=0.001: (f(x + delta) - f(x - delta)) / delta, "twice the expected"),
    (cd.check_deriv, lambda f, x, delta=0.001: f(x + delta) - f(x - delta), "did not divide it by 2Δ"),
    (cd.check_deriv, lambda f, x, delta=0.001: (f(x - delta) - f(x + delta)) / (2 * delta), "opposite sign"),
    (cd.check_deriv, lambda f, x: (f(x + 0.001) - f(x - 0.001)) / 0.002, "raised TypeError"),
    (cd.check_deriv, lambda f, x, delta=0.001: (f(x + 0.1) - f(x - 0.1)) / 0.2, "is wrong"),
]


@pytest.mark.parametrize(("check", "mistake", "message"), MISTAKES)
def test_checks_name_the_classic_mistake(check: Callable[..., None], mistake: Callable[..., Any], message: str) -> None:
    with pytest.raises(CheckFailed) as info:
        check(mistake)
    assert message in str(info.value)
