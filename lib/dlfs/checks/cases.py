"""Element-wise functions with their exact derivatives, for the checks' test cases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy import ndarray

from dlfs import functions as F


@dataclass(frozen=True)
class Fn:
    """An element-wise function, its exact derivative, and a name for messages."""

    name: str
    f: Callable[[ndarray], ndarray]
    df: Callable[[ndarray], ndarray]
    kink: float | None = None  # where f is not differentiable (inputs are kept away from it)


def _dsigmoid(x: ndarray) -> ndarray:
    s = F.sigmoid(x)
    return s * (1 - s)


SIGMOID = Fn("sigmoid", F.sigmoid, _dsigmoid)
SQUARE = Fn("square", F.square, lambda x: 2 * x)
TANH = Fn("np.tanh", np.tanh, lambda x: 1 - np.tanh(x) ** 2)
SIN = Fn("np.sin", np.sin, np.cos)


def _cube(x: ndarray) -> ndarray:
    return x**3


CUBE = Fn("cube", _cube, lambda x: 3 * x**2)


def times_10000(x: ndarray) -> ndarray:
    """A steep box: ``10000 x``. After it, a step of Δ in ``x`` is a step of ``10000 Δ``."""
    return 10000.0 * x


#: A steep first box: the slope of the whole composite measured directly (``deriv`` of ``f2(f1(x))``
#: with Δ = 0.001 or 1e-5) is far off, while local slopes taken at the right points stay accurate.
STEEP = Fn("times_10000", times_10000, lambda x: np.full(np.shape(x), 10000.0))
LEAKY_RELU = Fn("leaky_relu", F.leaky_relu, lambda x: np.where(x > 0, 1.0, 0.01), kink=0.0)


def away_from_kinks(values: ndarray, fns: tuple[Fn, ...], margin: float = 0.05) -> bool:
    """True if no value lies within ``margin`` of any kink of ``fns`` (so numerical slopes are exact there)."""
    return all(fn.kink is None or bool(np.all(np.abs(values - fn.kink) > margin)) for fn in fns)
