"""Chapter 02: derivatives as slopes, estimated numerically.

Both estimators take an element-wise array function and an array of points,
and return the slope at every point: shape in = shape out.
"""

from __future__ import annotations

from numpy import ndarray

from dlfs.functions import ArrayFunction


def deriv(func: ArrayFunction, input_: ndarray, delta: float = 0.001) -> ndarray:
    """Central difference ``(f(a + Δ) - f(a - Δ)) / (2Δ)`` at every element of ``input_``.

    Its error shrinks like ``Δ²`` (until floating-point round-off takes over).
    """
    return (func(input_ + delta) - func(input_ - delta)) / (2 * delta)


def forward_deriv(func: ArrayFunction, input_: ndarray, delta: float = 0.001) -> ndarray:
    """Forward difference ``(f(a + Δ) - f(a)) / Δ``: simpler, but its error shrinks only like ``Δ``."""
    return (func(input_ + delta) - func(input_)) / delta
