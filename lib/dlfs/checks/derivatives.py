"""Checks for chapter 02_derivatives: ``deriv``."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy import ndarray

from dlfs.checks.gradcheck import HINT_FORWARD_DIFFERENCE, assert_close, call_learner
from dlfs.derivatives import forward_deriv

ArrayFunction = Callable[[ndarray], ndarray]


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


def check_deriv(
    deriv: Callable[..., ndarray],
    seed: int = 0,
    cases: Sequence[tuple[str, ArrayFunction, ArrayFunction]] = VISIBLE_CASES,
    shapes: Sequence[tuple[int, ...]] = ((7,), (3, 4)),
) -> None:
    """``deriv(func, x)`` matches the exact derivative to central-difference accuracy, element-wise.

    Any estimator at least as accurate as the central difference with Δ = 0.001
    passes (a 5-point stencil does); the forward difference does not.
    """
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for shape in shapes:
        x = rng.uniform(-2.0, 2.0, size=shape)
        for label, func, slope in cases:
            got = call_learner(deriv, func, x.copy(), name="deriv")
            what = f"deriv({label}, x) for x of shape {shape}"
            delta = 0.001
            assert_close(
                got, slope(x), what=what, rtol=1e-5, atol=1e-5,
                mistakes={
                    HINT_FORWARD_DIFFERENCE: forward_deriv(func, x, delta),
                    "this is the backward difference (f(a) - f(a - Δ)) / Δ; use the central difference "
                    "(f(a + Δ) - f(a - Δ)) / (2Δ).": (func(x) - func(x - delta)) / delta,
                    "you computed f(a + Δ) - f(a - Δ) but did not divide it by 2Δ.": func(x + delta) - func(x - delta),
                },
            )
    x = rng.uniform(-2.0, 2.0, size=(2, 3))
    got = call_learner(deriv, np.sin, x.copy(), 1e-4, name="deriv")
    assert_close(got, np.cos(x), what="deriv(np.sin, x, 1e-4) (with delta passed)", rtol=1e-5, atol=1e-6)
