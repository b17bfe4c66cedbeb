"""Checks for chapter 02_derivatives: ``deriv`` and ``gradient`` (checked by :func:`check_gradient`, not to be
confused with :func:`dlfs.checks.gradcheck.check_gradient`, the course's gradient comparison).

``deriv(func, input_, delta)`` is *the central difference with the step it is given*: the
check compares it, to rounding, with ``(f(a + Δ) - f(a - Δ)) / (2Δ)`` computed here in float64,
for the default Δ = 0.001 and for large steps passed as an argument (Δ = 0.5 positionally,
Δ = 0.1 by keyword), where the central difference is visibly far from the exact slope. So a
function that ignores ``delta``, uses a tiny step of its own or another formula, however
accurate, is caught, with a hint that says which of these it looks like.

``gradient(f, x, delta)`` is checked the same way against central differences that nudge one
element at a time, on functions whose partial derivatives all differ and depend on the other
elements (so nudging every element at once cannot pass).

All functions handed to the learner's code are module-level, so they can travel to a sandboxed
kernel by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np
from numpy import ndarray

from dlfs.checks.gradcheck import HINT_FORWARD_DIFFERENCE, CheckFailed, assert_close, call_learner, relative_error
from dlfs.derivatives import deriv as central_difference
from dlfs.derivatives import forward_deriv
from dlfs.derivatives import gradient as reference_gradient

ArrayFunction = Callable[[ndarray], ndarray]
ScalarFunction = Callable[[ndarray], float]

#: Rounding is all that may separate a right answer from the reference (same formula, same step).
RTOL, ATOL = 1e-8, 1e-10

HINT_OTHER_STEP = (
    "this is closer to the exact slope than the central difference with the Δ you were given can be: "
    "your function uses a step of its own (or another formula) instead of its `delta` argument. "
    "Compute (f(a + Δ) - f(a - Δ)) / (2Δ) with Δ = delta."
)
HINT_FIVE_POINT = (
    "this is a five-point stencil, more accurate than the central difference; the exercise asks for "
    "exactly (f(a + Δ) - f(a - Δ)) / (2Δ) with the `delta` given (later chapters rely on that formula)."
)
HINT_BACKWARD = (
    "this is the backward difference (f(a) - f(a - Δ)) / Δ; use the central difference (f(a + Δ) - f(a - Δ)) / (2Δ)."
)
HINT_NO_DIVISION = "you computed f(a + Δ) - f(a - Δ) but did not divide it by 2Δ."
HINT_ALL_AT_ONCE = (
    "you nudged every element at once (x + Δ and x - Δ): that is the slope along the diagonal, the same number "
    "everywhere. A partial derivative nudges one element at a time and keeps the others where they are."
)
HINT_NOT_RESTORED = (
    "after nudging element i you did not put it back before nudging the next one, so later partial derivatives "
    "were taken at a moved point: restore x[i] (or start from a fresh copy of x) for every element."
)


def _cube(x: ndarray) -> ndarray:
    return x**3


def _cube_slope(x: ndarray) -> ndarray:
    return 3 * x**2


def _sigmoid(x: ndarray) -> ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _sigmoid_slope(x: ndarray) -> ndarray:
    s = _sigmoid(x)
    return s * (1 - s)


#: (name, function, exact derivative) for the visible check.
VISIBLE_CASES: tuple[tuple[str, ArrayFunction, ArrayFunction], ...] = (
    ("np.sin", np.sin, np.cos),
    ("cube", _cube, _cube_slope),
    ("np.exp", np.exp, np.exp),
)
#: Other functions for the hidden check.
HIDDEN_CASES: tuple[tuple[str, ArrayFunction, ArrayFunction], ...] = (
    ("np.tanh", np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    ("sigmoid", _sigmoid, _sigmoid_slope),
    ("np.cos", np.cos, lambda x: -np.sin(x)),
)
#: Steps passed explicitly: large enough that the central difference is far from the exact slope.
#: ``(name, function, exact derivative, delta, by keyword)``.
VISIBLE_STEPS: tuple[tuple[str, ArrayFunction, ArrayFunction, float, bool], ...] = (
    ("np.sin", np.sin, np.cos, 0.5, False),
    ("cube", _cube, _cube_slope, 0.1, True),
)
HIDDEN_STEPS: tuple[tuple[str, ArrayFunction, ArrayFunction, float, bool], ...] = (
    ("np.exp", np.exp, np.exp, 0.3, True),
    ("sigmoid", _sigmoid, _sigmoid_slope, 0.8, False),
)


def _five_point(func: ArrayFunction, x: ndarray, h: float) -> ndarray:
    return (-func(x + 2 * h) + 8 * func(x + h) - 8 * func(x - h) + func(x - 2 * h)) / (12 * h)


def _deriv_mistakes(func: ArrayFunction, slope: ArrayFunction, x: ndarray, delta: float) -> Iterator[tuple[str, ndarray]]:
    """What the classic mistakes return for ``deriv(func, x, delta)``, most specific first."""
    yield HINT_FORWARD_DIFFERENCE, forward_deriv(func, x, delta)
    yield HINT_BACKWARD, (func(x) - func(x - delta)) / delta
    yield HINT_NO_DIVISION, func(x + delta) - func(x - delta)
    yield HINT_FIVE_POINT, _five_point(func, x, delta)
    yield HINT_OTHER_STEP, slope(x)
    for step in (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8):
        if step < delta:
            yield HINT_OTHER_STEP, central_difference(func, x, step)
            yield HINT_OTHER_STEP, forward_deriv(func, x, step)
            yield HINT_OTHER_STEP, _five_point(func, x, step)


def _closest_first(got: object, candidates: Iterator[tuple[str, ndarray]]) -> list[tuple[str, ndarray]]:
    """The mistakes sorted by how close ``got`` is to each (so the best-fitting hint wins a near tie)."""
    listed = list(candidates)
    try:
        received = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return listed
    if received.dtype != np.float64 or not all(np.shape(c) == received.shape for _, c in listed):
        return listed
    return sorted(listed, key=lambda item: relative_error(received, item[1]))


def check_deriv(
    deriv: Callable[..., ndarray],
    seed: int = 0,
    cases: Sequence[tuple[str, ArrayFunction, ArrayFunction]] = VISIBLE_CASES,
    shapes: Sequence[tuple[int, ...]] = ((7,), (3, 4)),
    steps: Sequence[tuple[str, ArrayFunction, ArrayFunction, float, bool]] = VISIBLE_STEPS,
) -> None:
    """``deriv(func, x)`` and ``deriv(func, x, delta)`` equal the central difference with that Δ, element-wise.

    With the default Δ = 0.001 for every function in ``cases`` and every shape; then with each
    large step in ``steps`` (positionally or by keyword), on a 2-D input.
    """
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for shape in shapes:
        x = rng.uniform(-2.0, 2.0, size=shape)
        for label, func, slope in cases:
            got = call_learner(deriv, func, x, name="deriv")
            assert_close(
                got, central_difference(func, x, 0.001), what=f"deriv({label}, x) for x of shape {shape}",
                rtol=RTOL, atol=ATOL, mistakes=_closest_first(got, _deriv_mistakes(func, slope, x, 0.001)),
            )
    for label, func, slope, delta, keyword in steps:
        x = rng.uniform(-2.0, 2.0, size=(2, 3))
        if keyword:
            got = call_learner(deriv, func, x, delta=delta, name="deriv")
            call = f"deriv({label}, x, delta={delta})"
        else:
            got = call_learner(deriv, func, x, delta, name="deriv")
            call = f"deriv({label}, x, {delta})"
        assert_close(
            got, central_difference(func, x, delta), what=f"{call} for x of shape {x.shape}",
            rtol=RTOL, atol=ATOL, mistakes=_closest_first(got, _deriv_mistakes(func, slope, x, delta)),
        )


# ---------------------------------------------------------------- gradient: functions of many inputs


def weighted_bowl(x: ndarray) -> float:
    """``sum_i (i + 1) * x_i²`` over the elements in order: each direction has its own curvature."""
    v = np.ravel(x)
    return float(np.sum(np.arange(1, v.size + 1) * v**2))


def ring_waves(x: ndarray) -> float:
    """``sum_i sin(x_i) * x_{i-1}`` over the elements in order, cyclically: every partial derivative needs a neighbour."""
    v = np.ravel(x)
    return float(np.sin(v) @ np.roll(v, 1))


def log_sum_exp(x: ndarray) -> float:
    """``log(sum_i exp(x_i))`` (its gradient is the softmax of chapter 06)."""
    v = np.ravel(x)
    top = float(np.max(v))
    return top + float(np.log(np.sum(np.exp(v - top))))


def product_and_square(x: ndarray) -> float:
    """``x_0 * x_1 + (sum_i x_i)²`` over the elements in order: the first two partials differ from the rest."""
    v = np.ravel(x)
    return float(v[0] * v[1] + np.sum(v) ** 2)


VISIBLE_SCALARS: tuple[tuple[str, ScalarFunction], ...] = (("weighted_bowl", weighted_bowl), ("ring_waves", ring_waves))
HIDDEN_SCALARS: tuple[tuple[str, ScalarFunction], ...] = (("log_sum_exp", log_sum_exp), ("product_and_square", product_and_square))


def _all_at_once(f: ScalarFunction, x: ndarray, delta: float) -> ndarray:
    return np.full(x.shape, (f(x + delta) - f(x - delta)) / (2 * delta))


def _not_restored(f: ScalarFunction, x: ndarray, delta: float) -> ndarray:
    point = np.array(x, dtype=float)
    grad = np.zeros_like(point)
    for i in np.ndindex(point.shape):
        point[i] += delta
        up = f(point)
        point[i] -= 2 * delta
        grad[i] = (up - f(point)) / (2 * delta)
    return grad


def _forward_gradient(f: ScalarFunction, x: ndarray, delta: float) -> ndarray:
    base = f(x)
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        point = np.array(x, dtype=float)
        point[i] += delta
        grad[i] = (f(point) - base) / delta
    return grad


def check_gradient(
    gradient: Callable[..., ndarray],
    seed: int = 0,
    functions: Sequence[tuple[str, ScalarFunction]] = VISIBLE_SCALARS,
    shapes: Sequence[tuple[int, ...]] = ((4,), (2, 3)),
    delta: float = 0.2,
) -> None:
    """``gradient(f, x)`` and ``gradient(f, x, delta)`` are the central-difference partial derivatives of ``f`` at ``x``.

    Every function in ``functions`` at a random point of every shape in ``shapes``, with the default
    Δ = 0.001 and then with ``delta`` passed (large enough that the step shows in the result).
    """
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for shape in shapes:
        for label, f in functions:
            x = rng.uniform(-1.5, 1.5, size=shape)
            for step, args in ((0.001, ()), (delta, (delta,))):
                got = call_learner(gradient, f, x, *args, name="gradient")
                call = f"gradient({label}, x{', ' + str(step) if args else ''})"
                if isinstance(got, float | int | np.floating) and x.size > 1:
                    raise CheckFailed(
                        f"{call} for x of shape {shape}: expected an array of shape {shape}, one partial derivative per "
                        f"element, received one number ({float(got):.6g}).\n  Hint: {HINT_ALL_AT_ONCE}"
                    )
                assert_close(
                    got, reference_gradient(f, x, step), what=f"{call} for x of shape {shape}", rtol=1e-7, atol=1e-9,
                    mistakes=[
                        (HINT_ALL_AT_ONCE, _all_at_once(f, x, step)),
                        (HINT_NOT_RESTORED, _not_restored(f, x, step)),
                        (HINT_FORWARD_DIFFERENCE, _forward_gradient(f, x, step)),
                        (HINT_OTHER_STEP, reference_gradient(f, x, 1e-6)),
                    ],
                )
