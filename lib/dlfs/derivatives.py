"""Chapter 02: derivatives as slopes, estimated numerically.

- :func:`deriv`, :func:`forward_deriv` -- the slope of an element-wise array function at every
  element of an array: shape in = shape out.
- :func:`gradient` -- the partial derivatives of a function of many inputs that returns one
  number: one central difference per input element, nudging one element at a time.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy import ndarray

from dlfs.functions import ArrayFunction

#: A function of an array that returns one number, such as a loss.
ScalarFunction = Callable[[ndarray], float]


def deriv(func: ArrayFunction, input_: ndarray, delta: float = 0.001) -> ndarray:
    """Central difference ``(f(a + Δ) - f(a - Δ)) / (2Δ)`` at every element of ``input_``.

    Its error shrinks like ``Δ²`` (until floating-point round-off takes over).
    """
    return (func(input_ + delta) - func(input_ - delta)) / (2 * delta)


def forward_deriv(func: ArrayFunction, input_: ndarray, delta: float = 0.001) -> ndarray:
    """Forward difference ``(f(a + Δ) - f(a)) / Δ``: simpler, but its error shrinks only like ``Δ``."""
    return (func(input_ + delta) - func(input_)) / delta


def gradient(f: ScalarFunction, x: ndarray, delta: float = 0.001) -> ndarray:
    """The gradient of the scalar function ``f`` at ``x``: every partial derivative, by central differences.

    Element ``i`` is ``(f(x + Δ e_i) - f(x - Δ e_i)) / (2Δ)``, where ``e_i`` is 1 at index ``i``
    and 0 elsewhere: only element ``i`` is nudged, the others stay where they are.

    Args:
        f: takes an array of ``x``'s shape, returns one number.
        x: the point, an array of any shape ``S`` (not changed).
        delta: the step Δ.

    Returns:
        float64 array of shape ``S``: ``∂f/∂x[i]`` at every index ``i``.
    """
    point = np.array(x, dtype=float)  # a copy: nudging it leaves x alone
    grad = np.zeros_like(point)
    for i in np.ndindex(point.shape):
        old = point[i]
        point[i] = old + delta
        up = float(f(point))
        point[i] = old - delta
        down = float(f(point))
        point[i] = old
        grad[i] = (up - down) / (2 * delta)
    return grad
