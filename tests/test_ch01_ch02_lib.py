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


def _deriv_halves(func: Callable[..., Any], input_: np.ndarray, delta: float = 0.001) -> np.ndarray:
    # the same central difference, written another way
    return 0.5 * (func(input_ + delta) - func(input_ - delta)) / delta


def _deriv_loop(func: Callable[..., Any], input_: np.ndarray, delta: float = 0.001) -> np.ndarray:
    # element by element (slow, but right), calling func on one-element arrays
    out = np.empty(input_.shape)
    for i in np.ndindex(input_.shape):
        a = input_[i]
        out[i] = ((func(np.array([a + delta])) - func(np.array([a - delta]))) / (2 * delta))[0]
    return out


def _gradient_one_hot(f: Callable[..., Any], x: np.ndarray, delta: float = 0.001) -> np.ndarray:
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[i] = delta
        grad[i] = (f(x + e) - f(x - e)) / (2 * delta)
    return grad


def _gradient_flat_loop(f: Callable[..., Any], x: np.ndarray, delta: float = 0.001) -> np.ndarray:
    flat = x.astype(float).ravel()  # a copy (astype copies)
    grad = []
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + delta
        up = f(flat.reshape(x.shape))
        flat[i] = old - delta
        down = f(flat.reshape(x.shape))
        flat[i] = old
        grad.append((up - down) / (2 * delta))
    return np.array(grad).reshape(x.shape)


def _naive_sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))  # overflows (with a warning) for very negative x, but the value is right


def _tanh_sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(x / 2))


def _loop_free_leaky(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    return np.maximum(x, alpha * x)


def _two_sided_leaky(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    return np.maximum(x, 0) + alpha * np.minimum(x, 0)


def _center_by_sum(X: np.ndarray) -> np.ndarray:
    if np.ndim(X) != 2:
        raise ValueError(f"need 2-D, got {np.shape(X)}")
    return X - X.sum(axis=0, keepdims=True) / X.shape[0]


def _center_copy_then_in_place(X: np.ndarray) -> np.ndarray:
    if X.ndim != 2:
        raise ValueError("X must be 2-D")
    out = X.copy()
    out -= out.mean(axis=0)  # in place, but on a copy: X is safe
    return out


def _bias_float32(X: np.ndarray, b: np.ndarray) -> np.ndarray:
    return F.add_bias_rows(X, b).astype(np.float32)


RIGHT_ANSWERS = [
    (cf.check_square, F.square), (cf.check_square, lambda x: x * x),
    (cf.check_leaky_relu, F.leaky_relu), (cf.check_leaky_relu, _loop_free_leaky),
    (cf.check_sigmoid, F.sigmoid), (cf.check_sigmoid, _naive_sigmoid), (cf.check_sigmoid, _tanh_sigmoid),
    (cf.check_add_bias_rows, F.add_bias_rows),
    # float32 results are right too (the course's dtype policy)
    (cf.check_square, lambda x: (x**2).astype(np.float32)), (cf.check_square, np.square),
    (cf.check_sigmoid, lambda x: F.sigmoid(x).astype(np.float32)),
    (cf.check_leaky_relu, _two_sided_leaky), (cf.check_add_bias_rows, _bias_float32),
    (cf.check_center_columns, F.center_columns), (cf.check_center_columns, _center_by_sum),
    (cf.check_center_columns, _center_copy_then_in_place),
    (cd.check_deriv, D.deriv), (cd.check_deriv, _deriv_halves), (cd.check_deriv, _deriv_loop),
    (cd.check_gradient, D.gradient), (cd.check_gradient, _gradient_one_hot), (cd.check_gradient, _gradient_flat_loop),
]


@pytest.mark.parametrize(("check", "answer"), RIGHT_ANSWERS)
@pytest.mark.parametrize("seed", [0, 7])
def test_checks_accept_right_answers(check: Callable[..., None], answer: Callable[..., Any], seed: int, recwarn: pytest.WarningsRecorder) -> None:
    check(answer, seed=seed)
    assert len(recwarn) == 0  # nothing would reach stderr


def test_deriv_hidden_cases_accept_right_answers() -> None:
    cd.check_deriv(D.deriv, seed=31, cases=cd.HIDDEN_CASES, shapes=((5,), (2, 3, 4)), steps=cd.HIDDEN_STEPS)
    cd.check_gradient(D.gradient, seed=32, functions=cd.HIDDEN_SCALARS, shapes=((3,), (2, 2, 2)), delta=0.3)
    cd.check_gradient(_gradient_one_hot, seed=32, functions=cd.HIDDEN_SCALARS, shapes=((5,), (3, 2)), delta=0.3)


# ---------------------------------------------------------------- the checks reject classic mistakes


def _in_place_square(x: np.ndarray) -> np.ndarray:
    x **= 2
    return x


def _no_return(x: np.ndarray) -> None:
    x**2


def _stub(*args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError()


def _deriv_in_place(func: Callable[..., Any], input_: np.ndarray, delta: float = 0.001) -> np.ndarray:
    h = 1e-3  # ignores delta, and moves input_ around in place
    input_ += h
    up = func(input_)
    input_ -= 2 * h
    down = func(input_)
    input_ += h
    return (up - down) / (2 * h)


def _gradient_all_at_once(f: Callable[..., Any], x: np.ndarray, delta: float = 0.001) -> float:
    return float((f(x + delta) - f(x - delta)) / (2 * delta))


def _gradient_not_restored(f: Callable[..., Any], x: np.ndarray, delta: float = 0.001) -> np.ndarray:
    point = x.copy()
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        point[i] += delta
        up = f(point)
        point[i] -= 2 * delta
        grad[i] = (up - f(point)) / (2 * delta)
    return grad


def _gradient_forward(f: Callable[..., Any], x: np.ndarray, delta: float = 0.001) -> np.ndarray:
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        point = x.copy()
        point[i] += delta
        grad[i] = (f(point) - f(x)) / delta
    return grad


def _gradient_in_place(f: Callable[..., Any], x: np.ndarray, delta: float = 0.001) -> np.ndarray:
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        x[i] += delta
        up = f(x)
        x[i] -= 2 * delta
        grad[i] = (up - f(x)) / (2 * delta)
        x[i] += delta  # "restored", up to rounding
    return grad


def _bias_no_check(X: np.ndarray, b: np.ndarray) -> np.ndarray:
    return X + b


def _bias_in_place(X: np.ndarray, b: np.ndarray) -> np.ndarray:
    if X.ndim != 2 or b.shape != (X.shape[1],):
        raise ValueError("bad shapes")
    X += b
    return X


def _square_list(x: np.ndarray) -> list[Any]:
    return [v**2 for v in x]


def _center_in_place(X: np.ndarray) -> np.ndarray:
    if X.ndim != 2:
        raise ValueError("X must be 2-D")
    X -= X.mean(axis=0)
    return X


def _center_through_view(X: np.ndarray) -> np.ndarray:
    if X.ndim != 2:
        raise ValueError("X must be 2-D")
    out = X[:]  # a view, not a copy
    out -= X.mean(axis=0)
    return out


def _center(fix: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    """A center_columns that checks the shape, then returns ``fix(X)``."""
    def center_columns(X: np.ndarray) -> np.ndarray:
        if X.ndim != 2:
            raise ValueError("X must be 2-D")
        return fix(X)
    return center_columns


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
    (cf.check_square, _square_list, "received a Python list"),
    (cf.check_square, lambda x: np.dot(x.ravel(), x.ravel()), "one number"),
    (cf.check_square, lambda x: (x**2).astype(int), "dtype int64"),
    (cf.check_leaky_relu, lambda x, alpha=0.01: np.maximum(x, 0), "plain ReLU"),
    (cf.check_leaky_relu, lambda x, alpha=0.01: np.where(x > 0, alpha * x, x), "scaled the positive inputs"),
    (cf.check_leaky_relu, lambda x, alpha=0.01: np.where(x > 0, x, 0.01 * x), "use the `alpha` argument"),
    (cf.check_leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x), "raised TypeError"),
    (cf.check_leaky_relu, lambda x, alpha=0.01: np.where(x > 0, x, alpha), "returned alpha itself"),
    (cf.check_sigmoid, lambda x: np.tanh(x), "tanh"),
    (cf.check_sigmoid, lambda x: 1 / (1 + np.exp(x)), "sign inside np.exp"),
    (cf.check_sigmoid, lambda x: 1 / 1 + np.exp(-x), "parentheses"),
    (cf.check_sigmoid, lambda x: np.exp(x) / (1 + np.exp(x)), "nan or inf"),
    (cf.check_sigmoid, lambda x: F.sigmoid(x) * (1 - F.sigmoid(x)), "derivative of the sigmoid"),
    (cf.check_add_bias_rows, _bias_no_check, "should raise ValueError"),
    (cf.check_add_bias_rows, _bias_wrong_error, "raised TypeError; it should raise ValueError"),
    (cf.check_add_bias_rows, lambda X, b: X + b.sum(), "sum of b"),
    (cf.check_add_bias_rows, _stub, "not written yet"),
    (cf.check_add_bias_rows, _bias_in_place, "changed its input `X` in place"),
    (cf.check_center_columns, _center_in_place, "changed its input `X` in place"),
    (cf.check_center_columns, _center_through_view, "changed its input `X` in place"),
    (cf.check_center_columns, _center(lambda X: X - X.mean()), "mean of the whole array"),
    (cf.check_center_columns, _center(lambda X: X - X.mean(axis=1, keepdims=True)), "row's mean"),
    (cf.check_center_columns, _center(lambda X: X - X.sum(axis=0)), "column sums"),
    (cf.check_center_columns, _center(lambda X: (X - X.mean(axis=0)) / X.std(axis=0)), "standard deviation"),
    (cf.check_center_columns, _center(lambda X: X.mean(axis=0)), "shape"),
    (cf.check_center_columns, _center(lambda X: X), "returned X unchanged"),
    (cf.check_center_columns, lambda X: X - X.mean(axis=0), "should raise ValueError"),
    (cf.check_center_columns, _stub, "not written yet"),
    (cd.check_deriv, D.forward_deriv, "forward difference"),
    (cd.check_deriv, lambda f, x, delta=0.001: (f(x) - f(x - delta)) / delta, "backward difference"),
    (cd.check_deriv, lambda f, x, delta=0.001: (f(x + delta) - f(x - delta)) / delta, "twice the expected"),
    (cd.check_deriv, lambda f, x, delta=0.001: f(x + delta) - f(x - delta), "did not divide it by 2Δ"),
    (cd.check_deriv, lambda f, x, delta=0.001: (f(x - delta) - f(x + delta)) / (2 * delta), "opposite sign"),
    (cd.check_deriv, lambda f, x: (f(x + 0.001) - f(x - 0.001)) / 0.002, "raised TypeError"),
    (cd.check_deriv, lambda f, x, delta=0.001: (f(x + 0.1) - f(x - 0.1)) / 0.2, "is wrong"),
    # issue 14: ignoring `delta` (a step of its own), however accurate, and a tiny-step forward difference
    (cd.check_deriv, lambda f, x, delta=0.001: (f(x + 1e-3) - f(x - 1e-3)) / 2e-3, "instead of its `delta` argument"),
    (cd.check_deriv, lambda f, x, delta=0.001: (f(x + 1e-8) - f(x)) / 1e-8, "instead of its `delta` argument"),
    (cd.check_deriv, lambda f, x, delta=0.001: (f(x + 1e-5) - f(x - 1e-5)) / 2e-5, "instead of its `delta` argument"),
    (cd.check_deriv, _five_point, "five-point stencil"),
    (cd.check_deriv, _deriv_in_place, "changed its input `input_` in place"),
    (cd.check_deriv, lambda f, x, delta=0.001: ((f(x + delta) - f(x - delta)) / (2 * delta)).tolist(), "Python list"),
    (cd.check_gradient, _gradient_all_at_once, "nudged every element at once"),
    (cd.check_gradient, lambda f, x, delta=0.001: np.full(x.shape, (f(x + delta) - f(x - delta)) / (2 * delta)), "at once"),
    (cd.check_gradient, _gradient_not_restored, "did not put it back"),
    (cd.check_gradient, _gradient_forward, "forward difference"),
    (cd.check_gradient, _gradient_in_place, "changed its input `x` in place"),
    (cd.check_gradient, lambda f, x, delta=0.001: D.gradient(f, x, 1e-6), "instead of its `delta` argument"),
    (cd.check_gradient, lambda f, x: D.gradient(f, x), "raised TypeError"),
    (cd.check_gradient, _stub, "not written yet"),
]


@pytest.mark.parametrize(("check", "mistake", "message"), MISTAKES)
def test_checks_name_the_classic_mistake(check: Callable[..., None], mistake: Callable[..., Any], message: str) -> None:
    with pytest.raises(CheckFailed) as info:
        check(mistake)
    assert message in str(info.value)


# ---------------------------------------------------------------- chapter 01's explorer and pictures


def _curve(fig: Any, label: str) -> Any:
    return next(line for line in fig.axes[0].lines if str(line.get_label()).startswith(label))


def test_activation_explorer_reaches_the_identity_and_offers_tanh() -> None:
    from dlfs.widgets.functions import activation_explorer, draw_activation

    box = activation_explorer()
    choice, slope = box.children[0].children
    assert slope.max >= 1.0  # the text asks for alpha = 1 (leaky ReLU becomes the identity)
    slope.value = 1.0
    line = _curve(draw_activation("leaky ReLU", slope.value), "leaky ReLU")
    np.testing.assert_allclose(line.get_ydata(), line.get_xdata())
    assert "tanh" in choice.options
    tanh_line = _curve(draw_activation("tanh"), "tanh")
    np.testing.assert_allclose(tanh_line.get_ydata(), np.tanh(tanh_line.get_xdata()))


def test_view_copy_diagram_shows_the_write_through_the_view_only() -> None:
    from dlfs.draw.matrices import view_copy_diagram

    X = np.arange(6.0).reshape(2, 3)
    fig = view_copy_diagram(X, row=1, col=2, new_value=42.0)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count("42") == 1 and "v = X[1]\n(a view: X's own cells)" in texts
    assert fig.axes[0].get_title()
    np.testing.assert_array_equal(X, np.arange(6.0).reshape(2, 3))  # drawing changes nothing
    with pytest.raises(ValueError, match="2-D"):
        view_copy_diagram(np.ones(3))


# ---------------------------------------------------------------- chapter 02's pictures of a function of two inputs


def _bowl(v: np.ndarray) -> float:
    return float(v[0] ** 2 + v[0] * v[1] + 2 * v[1] ** 2)


def _bowl_gradient(v: np.ndarray) -> np.ndarray:
    return np.array([2 * v[0] + v[1], v[0] + 4 * v[1]])


def test_partial_slices_draw_tangents_with_the_given_slopes() -> None:
    from dlfs.draw.landscapes import plot_partial_slices

    point = np.array([1.0, 0.5])
    fig = plot_partial_slices(_bowl, point, _bowl_gradient(point))
    assert fig.get_suptitle() and all(ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes[:3])
    for k, ax in enumerate(fig.axes[1:3]):
        tangent = next(line for line in ax.lines if "tangent" in str(line.get_label()))
        t, y = tangent.get_xdata(), tangent.get_ydata()
        assert np.isclose((y[-1] - y[0]) / (t[-1] - t[0]), _bowl_gradient(point)[k])
    with pytest.raises(ValueError, match="2 numbers"):
        plot_partial_slices(_bowl, [1.0, 2.0, 3.0], [1.0, 2.0])


def test_gradient_arrows_point_along_the_gradient() -> None:
    from dlfs.draw.landscapes import plot_gradient_arrows

    points = np.array([[1.0, 0.5], [-1.0, 1.0], [0.5, -1.5]])
    fig = plot_gradient_arrows(_bowl, _bowl_gradient, points)
    ax = fig.axes[0]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    quiver = ax.collections[-1]
    u, v = np.asarray(quiver.U), np.asarray(quiver.V)
    expected = np.array([_bowl_gradient(p) for p in points])
    np.testing.assert_allclose(np.stack([u, v], axis=1) / np.stack([u, v], axis=1)[0, 0], expected / expected[0, 0])
    with pytest.raises(ValueError, match=r"\(p, 2\)"):
        plot_gradient_arrows(_bowl, _bowl_gradient, np.ones(3))


def test_reference_gradient_matches_the_exact_gradient_and_leaves_x_alone() -> None:
    x = np.array([[0.3, -1.2], [2.0, 0.7]])
    before = x.copy()
    np.testing.assert_allclose(D.gradient(lambda v: float(np.sum(v**3)), x), 3 * x**2 + 1e-6)  # central: 3x² + Δ²
    np.testing.assert_array_equal(x, before)
