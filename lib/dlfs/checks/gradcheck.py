"""Gradient checks with feedback a learner can act on.

Every graded check in the course goes through this module:

- :func:`numerical_gradient` -- central-difference gradient of a scalar function, in float64;
- :func:`elementwise_derivative` -- central-difference slope of an element-wise function;
- :func:`relative_error` -- one number for "how far apart are these arrays";
- :func:`assert_close` -- compare a learner's array with the expected one and raise
  :class:`CheckFailed` (an ``AssertionError``) whose message names the argument,
  the worst element, expected vs received, and a hint when the difference has the
  signature of a classic mistake;
- :func:`check_gradient` -- :func:`assert_close` against a numerical gradient;
- :func:`call_learner` -- call a learner's function, turning "not written yet" and
  crashes into clear messages, with NumPy warnings kept off stderr.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
from numpy import ndarray
from numpy.typing import ArrayLike

#: Hints for classic mistakes. Checks pass these (with the array the mistake
#: would produce) to :func:`assert_close` through its ``mistakes`` argument.
HINT_FORWARD_DIFFERENCE = (
    "this is what the forward difference (f(a + Δ) - f(a)) / Δ gives; "
    "use the central difference (f(a + Δ) - f(a - Δ)) / (2Δ), which is far more accurate."
)
HINT_INNER_DERIVATIVE = (
    "this is the outer derivative alone: by the chain rule, multiply it by the "
    "derivative of the inner function."
)
HINT_TRANSPOSED = "your result is the transpose of the expected one: check the order of a matrix product or a missing .T."
HINT_SIGN = "your result has the opposite sign everywhere: check a minus sign."
HINT_DOUBLE = "your result is twice the expected one: check for a factor of 2 (e.g. dividing by Δ instead of 2Δ)."
HINT_HALF = "your result is half the expected one: check for a factor of 2 (e.g. dividing by 2 twice)."
HINT_NONE = "your function returned None: did you forget the `return` statement?"
HINT_MATMUL_SHAPES = (
    "a matrix product's inner dimensions do not match: print the shapes; "
    "a missing .T, or the two factors in the wrong order?"
)
HINT_BROADCAST = (
    "two arrays of incompatible shapes met in an element-wise operation: print the shapes; "
    "an element-wise * where a matrix product @ belongs, or a missing .T?"
)
HINT_NOT_FINITE = "your result contains nan or inf: an overflow (e.g. np.exp of a large number) or a division by zero?"


class CheckFailed(AssertionError):
    """A graded check failed; the message says what is wrong and, if it can, why."""


def numerical_gradient(f: Callable[[ndarray], Any], x: ndarray, delta: float = 1e-6) -> ndarray:
    """Central-difference gradient of a scalar function ``f`` at ``x``.

    Each element of ``x`` is nudged by ``±delta`` in turn; ``f`` gets a fresh float64
    copy of ``x`` each time, so it may not keep or modify it.

    Args:
        f: maps an array of ``x``'s shape to a scalar.
        x: the point, any shape.
        delta: the nudge.

    Returns:
        float64 array of ``x``'s shape: ``∂f/∂x[i]`` at every index ``i``.
    """
    point = np.array(x, dtype=np.float64)
    grad = np.zeros_like(point)
    for idx in np.ndindex(point.shape):
        old = point[idx]
        point[idx] = old + delta
        up = float(np.sum(f(point.copy())))
        point[idx] = old - delta
        down = float(np.sum(f(point.copy())))
        point[idx] = old
        grad[idx] = (up - down) / (2 * delta)
    return grad


def elementwise_derivative(func: Callable[[ndarray], ndarray], x: ndarray, delta: float = 1e-5) -> ndarray:
    """Central-difference slope of an element-wise ``func`` at every element of ``x`` (float64, shape of ``x``)."""
    point = np.asarray(x, dtype=np.float64)
    return (np.asarray(func(point + delta)) - np.asarray(func(point - delta))) / (2 * delta)


def relative_error(received: ndarray, expected: ndarray) -> float:
    """Largest element-wise ``|r - e| / max(|r|, |e|)`` (0 where both are 0). Arrays of one shape."""
    r = np.asarray(received, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if not (np.all(np.isfinite(r)) and np.all(np.isfinite(e))):
        return float("inf") if not np.array_equal(r, e, equal_nan=True) else 0.0
    scale = np.maximum(np.abs(r), np.abs(e))
    diff = np.abs(r - e)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(scale > 0, diff / np.where(scale > 0, scale, 1.0), 0.0)
    return float(np.max(rel)) if rel.size else 0.0


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def _index(idx: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in idx) + "]"


def as_float_array(value: Any, what: str) -> ndarray:
    """Convert a learner's result to a float64 array or fail with a clear message."""
    __tracebackhide__ = True
    if value is None:
        raise CheckFailed(f"{what}: {HINT_NONE}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailed(
            f"{what}: expected a NumPy array of numbers, received {type(value).__name__} {value!r:.80}"
        ) from None
    return arr


def _matches(received: ndarray, candidate: ArrayLike, rtol: float, atol: float) -> bool:
    cand = np.asarray(candidate, dtype=np.float64)
    return received.shape == cand.shape and bool(np.allclose(received, cand, rtol=rtol, atol=atol))


def _shape_message(received: ndarray, expected: ndarray, what: str, rtol: float, atol: float) -> str:
    msg = f"{what}: expected an array of shape {expected.shape}, received shape {received.shape}."
    if received.ndim >= 2 and received.shape == expected.shape[::-1] and _matches(received.T, expected, rtol, atol):
        return f"{msg}\n  Hint: {HINT_TRANSPOSED}"
    if received.size == expected.size:
        return (
            f"{msg}\n  Hint: the number of elements is right but the shape is not: "
            "check a reshape, a transpose, or which axis you summed over."
        )
    try:
        np.broadcast_shapes(received.shape, expected.shape)
        return (
            f"{msg}\n  Hint: NumPy broadcast two arrays into a shape you did not intend: "
            "check that a row vector is not a column (shape (n,) vs (n, 1))."
        )
    except ValueError:
        return f"{msg}\n  Hint: print the shapes of your intermediate arrays to see where the shape goes wrong."


def _worst_element(received: ndarray, expected: ndarray, rtol: float, atol: float) -> str:
    diff = np.abs(received - expected)
    allowed = atol + rtol * np.abs(expected)
    with np.errstate(invalid="ignore"):
        excess = np.where(np.isfinite(diff), diff / allowed, np.inf)
    flat = int(np.argmax(excess))
    idx = np.unravel_index(flat, received.shape) if received.ndim else ()
    r, e = float(received[idx]), float(expected[idx])
    where = f"at index {_index(tuple(int(i) for i in idx))}" if received.ndim else ""
    n_bad = int(np.sum(~np.isclose(received, expected, rtol=rtol, atol=atol)))
    return (
        f"{n_bad} of {received.size} element(s) differ; the worst {where}: "
        f"expected {_fmt(e)}, received {_fmt(r)} (relative error {relative_error(np.array(r), np.array(e)):.1e})."
    ).replace("worst :", "worst:")


def _value_hint(received: ndarray, expected: ndarray, rtol: float, atol: float) -> str | None:
    if not np.all(np.isfinite(received)) and np.all(np.isfinite(expected)):
        return HINT_NOT_FINITE
    if np.any(np.abs(expected) > atol):
        for factor, hint in ((-1.0, HINT_SIGN), (2.0, HINT_DOUBLE), (0.5, HINT_HALF)):
            if _matches(received, factor * expected, rtol, atol):
                return hint
    if received.ndim >= 2 and received.shape[0] == received.shape[1] and _matches(received.T, expected, rtol, atol):
        return HINT_TRANSPOSED
    return None


def assert_close(
    received: Any,
    expected: ArrayLike,
    *,
    what: str,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    mistakes: Mapping[str, ArrayLike] | Iterable[tuple[str, ArrayLike]] = (),
) -> None:
    """Raise :class:`CheckFailed` unless ``received`` equals ``expected`` within tolerance.

    Passes when ``|received - expected| <= atol + rtol * |expected|`` element-wise
    and the shapes are equal.

    Args:
        received: what the learner's code returned (converted to a float64 array).
        expected: the right answer, any shape.
        what: names the thing checked, e.g. ``"deriv(np.sin, x) for x of shape (3, 4)"``;
            it starts the message.
        rtol, atol: relative and absolute tolerance.
        mistakes: ``hint -> array``: what a classic mistake would return. When
            ``received`` matches one of them, its hint is shown. The generic
            signatures (None, shape, transpose, sign, factor 2, nan/inf) are
            recognised without being listed.
    """
    __tracebackhide__ = True
    exp = np.asarray(expected, dtype=np.float64)
    rec = as_float_array(received, what)
    if rec.shape == exp.shape and bool(np.allclose(rec, exp, rtol=rtol, atol=atol)):
        return
    items = mistakes.items() if isinstance(mistakes, Mapping) else mistakes
    for hint, candidate in items:
        if _matches(rec, candidate, max(rtol, 1e-6), max(atol, 1e-9)):
            detail = (_worst_element(rec, exp, rtol, atol) if rec.shape == exp.shape
                      else f"Expected an array of shape {exp.shape}, received shape {rec.shape}.")
            raise CheckFailed(f"{what} is wrong. {detail}\n  Hint: {hint}".replace("wrong. \n", "wrong.\n"))
    if rec.shape != exp.shape:
        raise CheckFailed(_shape_message(rec, exp, what, rtol, atol))
    message = f"{what} is wrong. {_worst_element(rec, exp, rtol, atol)}"
    hint = _value_hint(rec, exp, rtol, atol)
    if hint:
        message += f"\n  Hint: {hint}"
    raise CheckFailed(message)


def check_gradient(
    received: Any,
    f: Callable[[ndarray], Any],
    x: ndarray,
    *,
    what: str,
    rtol: float = 1e-5,
    atol: float = 1e-7,
    delta: float = 1e-6,
    mistakes: Mapping[str, ArrayLike] | Iterable[tuple[str, ArrayLike]] = (),
) -> None:
    """Check a learner's gradient of the scalar function ``f`` at ``x`` against central differences.

    ``received`` must have ``x``'s shape. Everything runs in float64.
    """
    __tracebackhide__ = True
    expected = numerical_gradient(f, x, delta=delta)
    assert_close(received, expected, what=what, rtol=rtol, atol=atol, mistakes=mistakes)


def call_learner(func: Callable[..., Any], *args: Any, name: str | None = None, **kwargs: Any) -> Any:
    """Call a learner's function and return its result.

    NumPy floating-point warnings and Python warnings raised inside are silenced
    (a warning on stderr would make nbgrader score the check zero even when the
    result is right; the result itself is what gets checked). A stub that still
    raises ``NotImplementedError``, or any crash, becomes a :class:`CheckFailed`
    that says so.
    """
    __tracebackhide__ = True
    label = name or getattr(func, "__name__", "your function")
    if not callable(func):
        raise CheckFailed(f"{label} should be a function, but it is a {type(func).__name__}.")
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return func(*args, **kwargs)
    except NotImplementedError:
        raise CheckFailed(
            f"{label} is not written yet: replace `raise NotImplementedError()` with your code."
        ) from None
    except CheckFailed:
        raise
    except Exception as exc:  # noqa: BLE001 -- any crash of learner code is reported, not re-raised raw
        shapes = ", ".join(
            f"{type(a).__name__} of shape {a.shape}" if isinstance(a, ndarray) else type(a).__name__ for a in args
        )
        message = f"{label}({shapes}) raised {type(exc).__name__}: {exc}"
        if isinstance(exc, ValueError) and ("matmul" in str(exc) or "not aligned" in str(exc)):
            message += f"\n  Hint: {HINT_MATMUL_SHAPES}"
        elif isinstance(exc, ValueError) and "could not be broadcast" in str(exc):
            message += f"\n  Hint: {HINT_BROADCAST}"
        raise CheckFailed(message) from exc


def random_array(rng: np.random.Generator, shape: tuple[int, ...], scale: float = 1.0) -> ndarray:
    """Float64 normal random numbers of ``shape`` times ``scale`` (for tests)."""
    return rng.normal(size=shape) * scale
