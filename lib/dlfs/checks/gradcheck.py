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
  crashes into clear messages, with NumPy warnings kept off stderr, and failing if
  it changed an argument in place.

The dtype policy, the same in every check: a result may be a float64 or a float32
NumPy array (or, where one number is expected, a Python or NumPy number). float32
results are compared with a relative tolerance of at least 1e-5, since float32
keeps about 7 significant digits. Lists, None, integer, boolean or complex arrays
are refused with a message that says what was received (unless the expected result
itself is integer or boolean).

In IPython (a notebook, ``dlfs check``, nbgrader), a :class:`CheckFailed` shows as
one short message instead of a traceback through this module (its ``_render_traceback_``).
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
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
HINT_SCALAR = (
    "your function returned one number where an array was expected: something summed or multiplied everything "
    "together (np.dot(x, x) and np.sum give one number; x * x keeps every element)."
)

#: float32 keeps about 7 significant digits: results in float32 are compared at least this loosely.
FLOAT32_RTOL = 1e-5
FLOAT32_ATOL = 1e-7


class CheckFailed(AssertionError):
    """A graded check failed; the message says what is wrong and, if it can, why."""

    def _render_traceback_(self) -> list[str]:
        """How IPython shows it (notebooks, ``dlfs check``, nbgrader): the message alone, no traceback."""
        return [f"\x1b[0;31mCheckFailed\x1b[0m: {self}"]


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


def _fmt_pair(expected: float, received: float) -> tuple[str, str]:
    """Both numbers with enough digits to show how they differ (6 if that suffices, up to 17)."""
    for digits in (6, 10, 17):
        e, r = f"{expected:.{digits}g}", f"{received:.{digits}g}"
        if e != r:
            return e, r
    return e, r


def _index(idx: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in idx) + "]"


def describe(value: Any) -> str:
    """A short description of a value for messages: ``array of shape (3, 4)``, ``dict(W: (3, 1), B: (1, 1))``, ``list``."""
    if isinstance(value, ndarray):
        return f"array of shape {value.shape}" + ("" if value.dtype == np.float64 else f" ({value.dtype})")
    if isinstance(value, dict):
        items = ", ".join(f"{k}: {np.shape(v) if isinstance(v, ndarray) else type(v).__name__}" for k, v in list(value.items())[:8])
        return f"dict({items})"
    if isinstance(value, list | tuple) and value and all(isinstance(v, ndarray) for v in value):
        return f"{type(value).__name__} of {len(value)} arrays"
    if isinstance(value, bool | int | float | np.generic):
        return f"{type(value).__name__} {value!r:.40}"
    return type(value).__name__


def as_float_array(value: Any, what: str, expected: ArrayLike | None = None) -> ndarray:
    """A learner's result as a float64 array, or :class:`CheckFailed` saying why it is not acceptable.

    The course's dtype policy (see the module docstring): float64 or float32 arrays; plain numbers
    only where ``expected`` is one number (0-d); integer or boolean arrays only where ``expected``
    is integer or boolean. Without ``expected``, any real array or number is accepted.
    """
    __tracebackhide__ = True
    if value is None:
        raise CheckFailed(f"{what}: {HINT_NONE}")
    exp = None if expected is None else np.asarray(expected)
    if isinstance(value, list | tuple):
        shape = f" of shape {exp.shape}" if exp is not None else ""
        raise CheckFailed(
            f"{what}: expected a NumPy array{shape}, received a Python {type(value).__name__}. "
            "Compute with NumPy operations on whole arrays (no loop that appends to a list): they return an array."
        )
    if isinstance(value, ndarray | np.generic):
        kind = value.dtype.kind
        allowed = {"f"} | ({"i", "u"} if exp is not None and exp.dtype.kind in "iub" else set()) | (
            {"b"} if exp is not None and exp.dtype.kind == "b" else set())
        if exp is None:
            allowed |= {"i", "u", "b"}
        if kind not in allowed:
            hint = {
                "i": "integer: was a float rounded, or an array created from integers (np.zeros(n, dtype=int), np.array([1, 2]))?",
                "u": "integer: was a float rounded, or an array created from integers?",
                "b": "boolean: a comparison such as x > 0 gives True/False; multiply or use np.where to get numbers.",
                "c": "complex: a square root or power of a negative number?",
                "O": "object: the array holds Python objects, not numbers (a list of arrays of different shapes?).",
            }.get(kind, f"{value.dtype}.")
            raise CheckFailed(f"{what}: expected floating-point numbers (float64 or float32), received dtype {value.dtype}, {hint}")
        if kind == "f" and value.dtype.itemsize < 4:
            raise CheckFailed(f"{what}: received dtype {value.dtype}, too imprecise for this check: use float64 (or float32).")
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise CheckFailed(f"{what}: expected a NumPy array of numbers, received {describe(value)}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailed(f"{what}: expected a NumPy array of numbers, received {describe(value)}") from None
    return arr


def _tolerances(received: Any, rtol: float, atol: float) -> tuple[float, float]:
    """``(rtol, atol)`` loosened for float32 results (the dtype policy)."""
    dtype = getattr(received, "dtype", None)
    if dtype is not None and dtype == np.float32:
        return max(rtol, FLOAT32_RTOL), max(atol, FLOAT32_ATOL)
    return rtol, atol


def _dtype_note(received: Any) -> str:
    dtype = getattr(received, "dtype", None)
    return f" (your result is {dtype})" if dtype is not None and dtype != np.float64 else ""


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
    shown_e, shown_r = _fmt_pair(e, r)
    return (
        f"{n_bad} of {received.size} element(s) differ; the worst {where}: "
        f"expected {shown_e}, received {shown_r} (relative error {relative_error(np.array(r), np.array(e)):.1e})."
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
    return _factor_hint(received, expected, rtol, atol)


def _factor_hint(received: ndarray, expected: ndarray, rtol: float, atol: float) -> str | None:
    """A hint when ``received`` is ``k`` or ``1/k`` times ``expected`` everywhere, for a whole number ``k >= 3``."""
    big = np.abs(expected) > max(atol, 1e-12) * 10
    if received.shape != expected.shape or not np.any(big):
        return None
    with np.errstate(all="ignore"):
        ratios = received[big] / expected[big]
    if not np.all(np.isfinite(ratios)) or np.ptp(ratios) > 1e-6 * max(1.0, float(np.max(np.abs(ratios)))):
        return None
    ratio = float(np.mean(ratios))
    for factor, word in ((ratio, "times"), (1.0 / ratio if ratio else 0.0, "divided")):
        k = round(factor)
        if k >= 3 and abs(factor - k) < 1e-6 * k and _matches(received, expected * (k if word == "times" else 1.0 / k), rtol, atol):
            if word == "times":
                return (f"your result is exactly {k} times the expected one: a sum where a mean belongs, "
                        f"or a missing division by a count (the batch size, or a length, is {k} here?).")
            return (f"your result is the expected one divided by {k}: an extra division by a count "
                    f"(the batch size, or a length, is {k} here?) — e.g. dividing again what the loss already averaged.")
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
    rec = as_float_array(received, what, expected)
    rtol, atol = _tolerances(received, rtol, atol)
    what = what + _dtype_note(received)
    if rec.shape == exp.shape and bool(np.allclose(rec, exp, rtol=rtol, atol=atol)):
        return
    items = mistakes.items() if isinstance(mistakes, Mapping) else mistakes
    for hint, candidate in items:
        if _matches(rec, candidate, max(rtol, 1e-6), max(atol, 1e-9)):
            detail = (_worst_element(rec, exp, rtol, atol) if rec.shape == exp.shape
                      else f"Expected an array of shape {exp.shape}, received shape {rec.shape}.")
            raise CheckFailed(f"{what} is wrong. {detail}\n  Hint: {hint}".replace("wrong. \n", "wrong.\n"))
    if rec.ndim == 0 and exp.ndim > 0:
        raise CheckFailed(f"{what}: expected an array of shape {exp.shape}, received one number ({float(rec):.6g}).\n  Hint: {HINT_SCALAR}")
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


def _arrays_in(value: Any, path: str) -> Iterator[tuple[str, ndarray]]:
    """Every NumPy array inside ``value`` (through tuples, lists and dicts), with where it sits."""
    if isinstance(value, ndarray):
        yield path, value
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            yield from _arrays_in(v, f"{path}[{i}]")
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _arrays_in(v, f"{path}[{k!r}]")


def _argument_names(func: Callable[..., Any], n: int) -> list[str]:
    try:
        names = [p.name for p in inspect.signature(func).parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        names = []
    return [names[i] if i < len(names) else f"argument {i + 1}" for i in range(n)]


def _changed_in_place(label: str, before: list[tuple[str, ndarray, ndarray]]) -> None:
    __tracebackhide__ = True
    for where, array, copy in before:
        if array.shape != copy.shape or not np.array_equal(array, copy, equal_nan=True):
            detail = ""
            if array.shape == copy.shape:
                idx = np.unravel_index(int(np.argmax(array != copy)), array.shape) if array.ndim else ()
                detail = (f" (element {_index(tuple(int(i) for i in idx))} went from {_fmt(float(copy[idx]))} "
                          f"to {_fmt(float(array[idx]))})")
            raise CheckFailed(
                f"{label} changed its input `{where}` in place{detail}. Return a new array and leave the inputs as they "
                "were: no `x[...] = ...`, `x += ...` or `x **= 2` on an argument (a view such as x.T or x[:, 0] shares "
                "memory with x, so writing into it changes x too)."
            )


def call_learner(func: Callable[..., Any], *args: Any, name: str | None = None, may_change: Iterable[int] = (),
                 **kwargs: Any) -> Any:
    """Call a learner's function and return its result.

    NumPy floating-point warnings and Python warnings raised inside are silenced
    (a warning on stderr would make nbgrader score the check zero even when the
    result is right; the result itself is what gets checked). A stub that still
    raises ``NotImplementedError``, or any crash, becomes a :class:`CheckFailed`
    that says so, naming the shapes it was called with. Every NumPy array among the
    arguments (inside tuples, lists and dicts too) must be unchanged afterwards,
    except positional arguments whose index is in ``may_change``.
    """
    __tracebackhide__ = True
    label: str = name or str(getattr(func, "__name__", "your function"))
    if not callable(func):
        raise CheckFailed(f"{label} should be a function, but it is a {type(func).__name__}.")
    names = _argument_names(func, len(args))
    keep = set(may_change)
    watched = [(where, a, a.copy()) for i, arg in enumerate(args) if i not in keep for where, a in _arrays_in(arg, names[i])]
    watched += [(where, a, a.copy()) for k, v in kwargs.items() for where, a in _arrays_in(v, k)]
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            result = func(*args, **kwargs)
    except NotImplementedError:
        raise CheckFailed(
            f"{label} is not written yet: replace `raise NotImplementedError()` with your code."
        ) from None
    except CheckFailed:
        raise
    except Exception as exc:  # noqa: BLE001 -- any crash of learner code is reported, not re-raised raw
        shapes = ", ".join(describe(a) for a in args)
        message = f"{label}({shapes}) raised {type(exc).__name__}: {str(exc)[:500]}"
        if isinstance(exc, ValueError) and ("matmul" in str(exc) or "not aligned" in str(exc)):
            message += f"\n  Hint: {HINT_MATMUL_SHAPES}"
        elif isinstance(exc, ValueError) and "could not be broadcast" in str(exc):
            message += f"\n  Hint: {HINT_BROADCAST}"
        raise CheckFailed(message) from exc
    _changed_in_place(label, watched)
    return result


def beside(learner: Any, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` where the learner's code runs: here, or in the grader's kernel.

    In the class grader the learner's function is a stand-in with a ``beside`` method that calls a
    library function (by name) in the learner's (sandboxed) kernel; data come back as data, objects as
    handles that the learner's code can be given. In a notebook it is simply called here.
    """
    remote = getattr(type(learner), "beside", None)
    if remote is not None and not isinstance(learner, type):
        return learner.beside(fn, *args, **kwargs)
    return fn(*args, **kwargs)


def random_array(rng: np.random.Generator, shape: tuple[int, ...], scale: float = 1.0) -> ndarray:
    """Float64 normal random numbers of ``shape`` times ``scale`` (for tests)."""
    return rng.normal(size=shape) * scale

