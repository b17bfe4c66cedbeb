"""Chapters 03-04 in the library: the chain rule and matrix-product gradients, and their graded checks.

Every backward pass is compared with a float64 central-difference gradient on
several non-square shapes; every check accepts right answers written other ways
and names each classic mistake.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from dlfs import chain as C
from dlfs import functions as F
from dlfs import matmul as M
from dlfs.checks import chain_rule as cr
from dlfs.checks import matmul_gradients as mg
from dlfs.checks.cases import SIGMOID, SQUARE, TANH
from dlfs.checks.gradcheck import CheckFailed, elementwise_derivative, numerical_gradient
from dlfs.derivatives import deriv

SHAPES = [(4, 3, 2), (2, 5, 3), (6, 2, 4), (1, 3, 1)]


# ---------------------------------------------------------------- reference implementations


@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 2)])
def test_chain_rule_references_match_numerical_slopes(shape: tuple[int, ...]) -> None:
    x = np.random.default_rng(0).uniform(-2, 2, size=shape)
    two = [F.square, F.sigmoid]
    three = [np.sin, F.square, F.sigmoid]
    np.testing.assert_allclose(C.chain_deriv_2(two, x), elementwise_derivative(lambda v: C.evaluate_chain(two, v), x), atol=1e-6)
    np.testing.assert_allclose(C.chain_deriv_3(three, x), elementwise_derivative(lambda v: C.evaluate_chain(three, v), x), atol=1e-6)
    np.testing.assert_allclose(C.chain_deriv(three, x), C.chain_deriv_3(three, x), atol=1e-12)
    assert [v.shape for v in C.forward_values(three, x)] == [shape] * 4


def test_multiple_inputs_add_backward_matches_numerical_gradients() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    dx, dy = C.multiple_inputs_add_backward(x, y, F.sigmoid)
    np.testing.assert_allclose(dx, numerical_gradient(lambda v: np.sum(C.multiple_inputs_add(v, y, F.sigmoid)), x), atol=1e-7)
    np.testing.assert_allclose(dy, numerical_gradient(lambda v: np.sum(C.multiple_inputs_add(x, v, F.sigmoid)), y), atol=1e-7)
    with pytest.raises(ValueError, match="same shape"):
        C.multiple_inputs_add_backward(x, y.T, F.sigmoid)


def test_chain_deriv_wrong_length_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="2 functions"):
        C.chain_deriv_2([F.square], np.ones(3))
    with pytest.raises(ValueError, match="3 functions"):
        C.chain_deriv_3([F.square, F.square], np.ones(3))


@pytest.mark.parametrize(("n", "k", "m"), SHAPES)
@pytest.mark.parametrize("sigma", [F.sigmoid, np.tanh, F.square])
def test_matrix_gradients_match_numerical_gradients(n: int, k: int, m: int, sigma: Callable[..., Any]) -> None:
    rng = np.random.default_rng(n * 100 + k * 10 + m)
    X, W = rng.normal(size=(n, k)), rng.normal(size=(k, m))
    L = lambda x, w: M.matrix_forward_sum(x, w, sigma)  # noqa: E731
    np.testing.assert_allclose(M.matmul_backward_first(X, W), numerical_gradient(lambda x: np.sum(x @ W), X), atol=1e-8)
    np.testing.assert_allclose(M.matrix_function_backward_sum_1(X, W, sigma), numerical_gradient(lambda x: L(x, W), X), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(M.matrix_function_backward_sum_W(X, W, sigma), numerical_gradient(lambda w: L(X, w), W), rtol=1e-5, atol=1e-7)
    assert M.matrix_function_backward_sum_1(X, W, sigma).shape == X.shape
    assert M.matrix_function_backward_sum_W(X, W, sigma).shape == W.shape


def test_single_observation_gradient_is_w_transposed() -> None:
    rng = np.random.default_rng(2)
    X, W = rng.normal(size=(1, 5)), rng.normal(size=(5, 1))
    np.testing.assert_allclose(M.matmul_backward_first(X, W), W.T)
    np.testing.assert_allclose(M.matrix_function_backward_1(X, W, F.sigmoid), numerical_gradient(lambda x: np.sum(F.sigmoid(x @ W)), X), atol=1e-8)
    with pytest.raises(ValueError, match=r"\(1, k\)"):
        M.matrix_function_backward_1(np.ones((2, 5)), W, F.sigmoid)


def test_matmul_shape_errors_name_both_shapes() -> None:
    with pytest.raises(ValueError, match=r"X \(4, 3\) and W \(4, 2\)"):
        M.matmul_forward(np.ones((4, 3)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="2-D"):
        M.matmul_forward(np.ones(3), np.ones((3, 2)))


# ---------------------------------------------------------------- checks accept right answers


def _exact_chain_2(chain: list[Callable[..., Any]], x: np.ndarray) -> np.ndarray:
    # no chain rule: a five-point stencil of the whole composite (accurate, except after a steep box)
    g = lambda v: chain[1](chain[0](v))  # noqa: E731
    h = 1e-3
    return (-g(x + 2 * h) + 8 * g(x + h) - 8 * g(x - h) + g(x - 2 * h)) / (12 * h)


def _chain_2_own_step(chain: list[Callable[..., Any]], x: np.ndarray) -> np.ndarray:
    # the chain rule with local slopes from a central difference of one's own (Δ = 1e-4)
    f1, f2 = chain
    return deriv(f2, f1(x), 1e-4) * deriv(f1, x, 1e-4)


def _chain_3_loop(chain: list[Callable[..., Any]], x: np.ndarray) -> np.ndarray:
    # the two passes as loops, for a chain of any length
    values = [x]
    for f in chain:
        values.append(f(values[-1]))
    grad = np.ones_like(x)
    for f, entering in zip(reversed(chain), reversed(values[:-1])):
        grad = grad * deriv(f, entering)
    return grad


def _multiply_backward_other_way(x: np.ndarray, y: np.ndarray, s: Callable[..., Any]) -> list[np.ndarray]:
    a = np.multiply(x, y)
    slope = (s(a + 1e-4) - s(a - 1e-4)) / 2e-4
    return [y * slope, x * slope]


RIGHT = [
    (cr.check_chain_deriv_2, C.chain_deriv_2, {}), (cr.check_chain_deriv_2, C.chain_deriv_2, {"pairs": cr.HIDDEN_PAIRS, "seed": 5}),
    (cr.check_chain_deriv_3, C.chain_deriv_3, {}), (cr.check_chain_deriv_3, C.chain_deriv_3, {"triples": cr.HIDDEN_TRIPLES, "seed": 5}),
    (cr.check_chain_deriv_3, lambda ch, x: C.chain_deriv(ch, x), {}),
    (cr.check_multiple_inputs_add_backward, C.multiple_inputs_add_backward, {}),
    (cr.check_multiple_inputs_add_backward, C.multiple_inputs_add_backward, {"sigmas": cr.HIDDEN_SIGMAS, "seed": 5}),
    (cr.check_multiple_inputs_add_backward, lambda x, y, s: [deriv(s, x + y)] * 2, {}),
    (cr.check_chain_deriv_2, _chain_2_own_step, {}), (cr.check_chain_deriv_3, _chain_3_loop, {}),
    (cr.check_chain_deriv_3, _chain_3_loop, {"triples": cr.HIDDEN_TRIPLES, "seed": 6}),
    (cr.check_chain_deriv_2, lambda ch, x: C.chain_deriv_2(ch, x).astype(np.float32), {}),
    (cr.check_multiple_inputs_multiply_backward, C.multiple_inputs_multiply_backward, {}),
    (cr.check_multiple_inputs_multiply_backward, C.multiple_inputs_multiply_backward, {"sigmas": cr.HIDDEN_SIGMAS, "seed": 8}),
    (cr.check_multiple_inputs_multiply_backward, _multiply_backward_other_way, {"shapes": ((5,), (3, 2, 2))}),
    (mg.check_matmul_backward_first, M.matmul_backward_first, {}),
    (mg.check_matmul_backward_first, lambda X, W: np.tile(W.sum(axis=1), (X.shape[0], 1)), {"shapes": mg.HIDDEN_SHAPES}),
    (mg.check_matrix_function_backward_1, M.matrix_function_backward_1, {}),
    (mg.check_matrix_function_backward_1, M.matrix_function_backward_1, {"sigmas": mg.HIDDEN_SIGMAS, "features": (4, 7)}),
    (mg.check_matrix_function_backward_sum_1, M.matrix_function_backward_sum_1, {}),
    (mg.check_matrix_function_backward_sum_1, M.matrix_function_backward_sum_1, {"shapes": mg.HIDDEN_SHAPES, "sigmas": mg.HIDDEN_SIGMAS}),
    (mg.check_matrix_function_backward_sum_1, lambda X, W, s: np.einsum("nm,km->nk", deriv(s, X @ W), W), {}),
    (mg.check_matrix_function_backward_sum_W, M.matrix_function_backward_sum_W, {}),
    (mg.check_matrix_function_backward_sum_W, M.matrix_function_backward_sum_W, {"shapes": mg.HIDDEN_SHAPES, "sigmas": mg.HIDDEN_SIGMAS}),
    (mg.check_matrix_function_backward_sum_W, lambda X, W, s: (deriv(s, X @ W).T @ X).T, {}),
    (mg.check_matmul_backward, M.matmul_backward, {}),
    (mg.check_matmul_backward, M.matmul_backward, {"shapes": mg.HIDDEN_UPSTREAM_SHAPES, "seed": 45}),
    (mg.check_matmul_backward, lambda X, W, G: [np.einsum("nm,km->nk", G, W), np.einsum("nk,nm->km", X, G)], {}),
    (mg.check_matmul_backward, lambda X, W, G: ((W @ G.T).T.astype(np.float32), (G.T @ X).T), {}),
    (mg.check_matrix_function_backward_sum_1, lambda X, W, s: M.matmul_backward(X, W, deriv(s, X @ W))[0], {}),
]


@pytest.mark.parametrize(("check", "answer", "kwargs"), RIGHT)
def test_checks_accept_right_answers(check: Callable[..., None], answer: Callable[..., Any], kwargs: dict[str, Any]) -> None:
    check(answer, **kwargs)


# ---------------------------------------------------------------- checks name the classic mistakes


def _ones(X: np.ndarray, W: np.ndarray) -> np.ndarray:
    return np.ones((X.shape[0], W.shape[1]))


_FIRST_G: list[np.ndarray] = []


def _matmul_backward_first_G_only(X: np.ndarray, W: np.ndarray, G: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # keeps the first upstream gradient it sees for each shape: right once, then stale
    kept = next((g for g in _FIRST_G if g.shape == G.shape), None)
    if kept is None:
        _FIRST_G.append(G.copy())
        kept = G
    return kept @ W.T, X.T @ kept


def _matmul_backward_in_place(X: np.ndarray, W: np.ndarray, G: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    G *= 1.0 + 0.0 * G  # harmless ...
    dX = G @ W.T
    G -= G              # ... and then not: the caller's dL_dN is now zeros
    return dX, X.T @ (dX @ np.linalg.pinv(W.T))


def _chain_2_in_place(chain: list[Callable[..., Any]], input_range: np.ndarray) -> np.ndarray:
    f1, f2 = chain
    slope_1 = deriv(f1, input_range)
    input_range[...] = f1(input_range)  # reuses the input array for the middle wire
    return deriv(f2, input_range) * slope_1


def _multiply_in_place(x: np.ndarray, y: np.ndarray, s: Callable[..., Any]) -> tuple[np.ndarray, np.ndarray]:
    x *= y  # a = x·y, computed into x
    slope = deriv(s, x)
    return slope * y, slope * (x / y)


MISTAKES: list[tuple[Callable[..., None], Callable[..., Any], str]] = [
    (cr.check_chain_deriv_2, lambda ch, x: deriv(ch[1], x) * deriv(ch[0], x), "evaluated the outer derivative at x"),
    (cr.check_chain_deriv_2, lambda ch, x: deriv(ch[1], ch[0](x)), "multiply it by the derivative of the inner function"),
    (cr.check_chain_deriv_2, lambda ch, x: deriv(ch[1], ch[0](x)) + deriv(ch[0], x), "added the local derivatives"),
    (cr.check_chain_deriv_2, lambda ch, x: deriv(ch[0], ch[1](x)) * deriv(ch[1], x), "wrong order"),
    (cr.check_chain_deriv_2, lambda ch, x: deriv(ch[0], x), "inner function alone"),
    (cr.check_chain_deriv_3, lambda ch, x: deriv(ch[2], ch[1](ch[0](x))) * deriv(ch[1], ch[0](x)), "left out f1'(x)"),
    (cr.check_chain_deriv_3, lambda ch, x: deriv(ch[2], ch[1](ch[0](x))) * deriv(ch[0], x), "left out f2'(f1(x))"),
    (cr.check_chain_deriv_3, lambda ch, x: deriv(ch[1], ch[0](x)) * deriv(ch[0], x), "left out f3'(f2(f1(x)))"),
    (cr.check_chain_deriv_3, lambda ch, x: deriv(ch[2], x) * deriv(ch[1], x) * deriv(ch[0], x), "evaluated the outer derivative at x"),
    (cr.check_chain_deriv_3, lambda ch, x: deriv(ch[2], ch[0](x)) * deriv(ch[1], ch[0](x)) * deriv(ch[0], x), "not both at f1(x)"),
    (cr.check_chain_deriv_3, lambda ch, x: deriv(ch[2], ch[1](ch[0](x))) + deriv(ch[1], ch[0](x)) + deriv(ch[0], x), "added"),
    (cr.check_multiple_inputs_add_backward, lambda x, y, s: (s(x + y), s(x + y)), "needs its derivative"),
    (cr.check_multiple_inputs_add_backward, lambda x, y, s: (np.ones_like(x), np.ones_like(y)), "multiply it by σ'(x + y)"),
    (cr.check_multiple_inputs_add_backward, lambda x, y, s: (deriv(s, x), deriv(s, y)), "at x (or y) alone"),
    (cr.check_multiple_inputs_add_backward, lambda x, y, s: deriv(s, x + y), "should return a pair"),
    # issue 14: no chain rule at all, the slope of the whole composite measured directly
    (cr.check_chain_deriv_2, lambda ch, x: deriv(lambda v: ch[1](ch[0](v)), x), "not the chain rule"),
    (cr.check_chain_deriv_2, lambda ch, x: deriv(lambda v: ch[1](ch[0](v)), x, 1e-5), "not the chain rule"),
    (cr.check_chain_deriv_2, lambda ch, x: deriv(lambda v: ch[1](ch[0](v)), x, 3e-5), "steep box"),
    (cr.check_chain_deriv_3, lambda ch, x: deriv(lambda v: ch[2](ch[1](ch[0](v))), x), "not the chain rule"),
    # a step so small that the composite's slope is right even after the steep box: how it was computed shows
    (cr.check_chain_deriv_2, lambda ch, x: deriv(lambda v: ch[1](ch[0](v)), x, 1e-6), "only ever called on the previous box's outputs"),
    (cr.check_chain_deriv_2, lambda ch, x: deriv(lambda v: ch[1](ch[0](v)), x, 1e-8), "only ever called on the previous box's outputs"),
    (cr.check_chain_deriv_3, lambda ch, x: deriv(lambda v: ch[2](ch[1](ch[0](v))), x, 1e-7), "box 2 (sigmoid), box 3 (np.tanh) were only ever called"),
    # half the idea: the chain rule for the last box, the first two measured as one composite
    (cr.check_chain_deriv_3, lambda ch, x: deriv(ch[2], ch[1](ch[0](x))) * deriv(lambda v: ch[1](ch[0](v)), x, 1e-7),
     "box 2 (sigmoid) was only ever called"),
    (cr.check_chain_deriv_2, _exact_chain_2, "steep box"),
    (cr.check_chain_deriv_2, _chain_2_in_place, "changed its input `input_range` in place"),
    (cr.check_chain_deriv_3, lambda ch, x: list(C.chain_deriv_3(ch, x)), "Python list"),
    (cr.check_multiple_inputs_multiply_backward, lambda x, y, s: (deriv(s, x * y) * x, deriv(s, x * y) * y), "swapped"),
    (cr.check_multiple_inputs_multiply_backward, lambda x, y, s: (deriv(s, x * y), deriv(s, x * y)), "as if the box were a sum"),
    (cr.check_multiple_inputs_multiply_backward, lambda x, y, s: (y, x), "left out σ'(x·y)"),
    (cr.check_multiple_inputs_multiply_backward, lambda x, y, s: (s(x * y) * y, s(x * y) * x), "σ'(x·y), its slope"),
    (cr.check_multiple_inputs_multiply_backward, lambda x, y, s: (deriv(s, x + y) * y, deriv(s, x + y) * x), "at x + y"),
    (cr.check_multiple_inputs_multiply_backward, lambda x, y, s: (deriv(s, x) * y, deriv(s, y) * x), "one input alone"),
    (cr.check_multiple_inputs_multiply_backward, lambda x, y, s: deriv(s, x * y) * y, "should return a pair"),
    (cr.check_multiple_inputs_multiply_backward, _multiply_in_place, "changed its input `x` in place"),
    (mg.check_matmul_backward_first, lambda X, W: W.T, "one observation and one output only"),
    (mg.check_matmul_backward_first, lambda X, W: np.ones((X.shape[0], 1)) @ W.T[:1], "each column's weights add up"),
    (mg.check_matmul_backward_first, lambda X, W: _ones(X, W) @ W, "inner dimensions do not match"),
    (mg.check_matmul_backward_first, lambda X, W: (_ones(X, W) @ W.T).T, "transpose"),
    (mg.check_matrix_function_backward_1, lambda X, W, s: W.T, "left out σ'(N)"),
    (mg.check_matrix_function_backward_1, lambda X, W, s: s(X @ W) * W.T, "needs σ'(N)"),
    (mg.check_matrix_function_backward_1, lambda X, W, s: deriv(s, X @ W) * W, "transpose"),
    (mg.check_matrix_function_backward_1, lambda X, W, s: deriv(s, X) * W.T, "σ' at X instead of at N"),
    (mg.check_matrix_function_backward_sum_1, lambda X, W, s: deriv(s, X @ W) @ W, "inner dimensions do not match"),
    (mg.check_matrix_function_backward_sum_1, lambda X, W, s: W.T @ deriv(s, X @ W), "inner dimensions do not match"),
    (mg.check_matrix_function_backward_sum_1, lambda X, W, s: s(X @ W) @ W.T, "needs σ'(N)"),
    (mg.check_matrix_function_backward_sum_1, lambda X, W, s: _ones(X, W) @ W.T, "left out σ'(N)"),
    (mg.check_matrix_function_backward_sum_1, lambda X, W, s: -(deriv(s, X @ W) @ W.T), "opposite sign"),
    (mg.check_matrix_function_backward_sum_W, lambda X, W, s: deriv(s, X @ W).T @ X, "transpose"),
    (mg.check_matrix_function_backward_sum_W, lambda X, W, s: X @ deriv(s, X @ W), "inner dimensions do not match"),
    (mg.check_matrix_function_backward_sum_W, lambda X, W, s: X.T @ s(X @ W), "needs σ'(N)"),
    (mg.check_matrix_function_backward_sum_W, lambda X, W, s: X.T @ _ones(X, W), "left out σ'(N)"),
    (mg.check_matrix_function_backward_sum_W, lambda X, W, s: 2 * X.T @ deriv(s, X @ W), "twice"),
    (mg.check_matrix_function_backward_sum_1, lambda X, W, s: deriv(s, X @ W) @ W.T / X.shape[0], "divided by"),
    (mg.check_matmul_backward, lambda X, W, G: (_ones(X, W) @ W.T, X.T @ _ones(X, W)), "ignores dL_dN"),
    (mg.check_matmul_backward, lambda X, W, G: (G.sum() * _ones(X, W) @ W.T, X.T @ G), "summed dL_dN into one number"),
    (mg.check_matmul_backward, lambda X, W, G: (G @ W.T, G.mean() * X.T @ _ones(X, W)), "summed dL_dN into one number"),
    (mg.check_matmul_backward, lambda X, W, G: (X.T @ G, G @ W.T), "(dL_dW, dL_dX)"),
    (mg.check_matmul_backward, lambda X, W, G: (G @ W, X.T @ G), "inner dimensions do not match"),
    (mg.check_matmul_backward, lambda X, W, G: G @ W.T, "should return a pair"),
    (mg.check_matmul_backward, lambda X, W, G: ((G @ W.T).T, X.T @ G), "transpose"),
    (mg.check_matmul_backward, lambda X, W, G: (-(G @ W.T), X.T @ G), "opposite sign"),
    (mg.check_matmul_backward, _matmul_backward_first_G_only, "previous call"),
    (mg.check_matmul_backward, _matmul_backward_in_place, "changed its input `G` in place"),
]


@pytest.mark.parametrize(("check", "mistake", "message"), MISTAKES)
def test_checks_name_the_classic_mistake(check: Callable[..., None], mistake: Callable[..., Any], message: str) -> None:
    with pytest.raises(CheckFailed) as info:
        check(mistake)
    assert message in str(info.value)


def test_square_weights_cannot_hide_a_missing_transpose() -> None:
    # with only square matrices W.T and W have the same shape; the visible shapes are never all square
    assert all(len({n, k, m}) == 3 for n, k, m in mg.VISIBLE_SHAPES)
    assert all(len({n, k, m}) == 3 for n, k, m in mg.HIDDEN_SHAPES[:2])


def test_cases_derivatives_are_right() -> None:
    x = np.linspace(-2, 2, 9)
    for fn in (SIGMOID, SQUARE, TANH):
        np.testing.assert_allclose(fn.df(x), elementwise_derivative(fn.f, x), atol=1e-8)


# ---------------------------------------------------------------- chapter 03: the steep box and the product node


def test_steep_box_separates_the_chain_rule_from_the_whole_composite() -> None:
    from dlfs.checks.cases import STEEP

    assert any(STEEP in pair for pair in cr.VISIBLE_PAIRS) and any(STEEP in pair for pair in cr.HIDDEN_PAIRS)
    assert any(STEEP in t for t in cr.VISIBLE_TRIPLES) and any(STEEP in t for t in cr.HIDDEN_TRIPLES)
    x = np.random.default_rng(0).uniform(-2, 2, size=50)
    exact = np.cos(STEEP.f(x)) * 10000.0
    local = deriv(np.sin, STEEP.f(x)) * deriv(STEEP.f, x)
    whole = deriv(lambda v: np.sin(STEEP.f(v)), x)
    assert np.max(np.abs(local - exact) / np.abs(exact)) < 1e-6 < 0.5 < np.max(np.abs(whole - exact) / np.abs(exact))


def test_product_backward_reference_matches_numerical_gradients() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    dx, dy = C.multiple_inputs_multiply_backward(x, y, np.tanh)
    np.testing.assert_allclose(dx, numerical_gradient(lambda v: np.sum(C.multiple_inputs_multiply(v, y, np.tanh)), x), atol=1e-6)
    np.testing.assert_allclose(dy, numerical_gradient(lambda v: np.sum(C.multiple_inputs_multiply(x, v, np.tanh)), y), atol=1e-6)
    with pytest.raises(ValueError, match="same shape"):
        C.multiple_inputs_multiply_backward(x, y.T, np.tanh)


def test_graph_diagram_draws_a_product_node_with_its_local_slopes() -> None:
    from dlfs.draw.graphs import graph_diagram

    values = {"x": 1.5, "y": -0.5, "a": -0.75, "s": 0.32}
    fig = graph_diagram(values, {"s": 1.0, "a": 0.2, "x": -0.1, "y": 0.3}, op="×")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "×" in texts and "a = x · y" in texts and "local slopes: y = -0.5 to x, x = 1.5 to y" in texts
    assert "σ(x · y)" in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="op must be"):
        graph_diagram(op="-")


# ---------------------------------------------------------------- chapter 04: any upstream gradient


def test_matmul_backward_reference_matches_numerical_gradients_for_any_G() -> None:
    rng = np.random.default_rng(9)
    X, W, G = rng.normal(size=(5, 3)), rng.normal(size=(3, 2)), rng.normal(size=(5, 2))
    dX, dW = M.matmul_backward(X, W, G)
    np.testing.assert_allclose(dX, numerical_gradient(lambda x: np.sum(G * (x @ W)), X), atol=1e-8)
    np.testing.assert_allclose(dW, numerical_gradient(lambda w: np.sum(G * (X @ w)), W), atol=1e-8)
    with pytest.raises(ValueError, match=r"shape of N = X @ W, \(5, 2\)"):
        M.matmul_backward(X, W, G.T)


def test_upstream_shapes_are_never_square_and_both_calls_differ() -> None:
    assert all(len({n, k, m}) == 3 for n, k, m in mg.VISIBLE_UPSTREAM_SHAPES + mg.HIDDEN_UPSTREAM_SHAPES)
    seen: list[np.ndarray] = []
    mg.check_matmul_backward(lambda X, W, G: (seen.append(G.copy()), M.matmul_backward(X, W, G))[1])
    assert len(seen) == 2 * len(mg.VISIBLE_UPSTREAM_SHAPES)
    assert not any(np.allclose(seen[i], seen[i + 1]) for i in range(0, len(seen), 2))
    assert not any(np.allclose(g, 1.0) for g in seen)


def test_batch_graph_diagram_with_an_upstream_gradient() -> None:
    from dlfs.draw.matrices import batch_graph_diagram

    fig = batch_graph_diagram(sigma=False, total=False, upstream=True)
    text = "\n".join(t.get_text() for t in fig.axes[0].texts)
    assert "= G @ W.T" in text and "= X.T @ G" in text and "G, any array" in text
    with pytest.raises(ValueError, match="upstream"):
        batch_graph_diagram(upstream=True)
