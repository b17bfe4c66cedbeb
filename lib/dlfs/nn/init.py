"""Chapter 07: weight initialisation.

Each initializer returns a weight matrix of shape ``(n_in, n_out)`` drawn with
the NumPy ``Generator`` it is given (so a seed makes it reproducible).

- :func:`standard_init`: every weight ~ N(0, 1). With many inputs the weighted
  sums get large (variance ``n_in``) and a sigmoid or tanh saturates.
- :func:`glorot_init`: Glorot (Xavier) *normal* initialisation, weights ~ N(0, 2 / (n_in + n_out)).
  Glorot & Bengio (2010) derive the variance 2 / (n_in + n_out) as a compromise between
  keeping the forward activations' variance (1 / n_in) and the backward gradients'
  variance (1 / n_out); their paper draws from a uniform distribution with that variance,
  this is the normal (untruncated) variant with the same variance.
- :func:`he_init`: He (Kaiming) normal initialisation, weights ~ N(0, 2 / n_in). A ReLU zeroes about half of
  its inputs, halving the signal's variance; He et al. (2015) double Glorot's forward variance 1 / n_in to make
  up for it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy import ndarray

Initializer = Callable[[int, int, np.random.Generator], ndarray]


def _check_sizes(n_in: int, n_out: int) -> None:
    if n_in < 1 or n_out < 1:
        raise ValueError(f"n_in and n_out must be positive; received n_in={n_in}, n_out={n_out}")


def standard_init(n_in: int, n_out: int, rng: np.random.Generator) -> ndarray:
    """Weights ~ N(0, 1), shape ``(n_in, n_out)``."""
    _check_sizes(n_in, n_out)
    return rng.normal(0.0, 1.0, size=(n_in, n_out))


def glorot_init(n_in: int, n_out: int, rng: np.random.Generator) -> ndarray:
    """Glorot normal: weights ~ N(0, 2 / (n_in + n_out)), shape ``(n_in, n_out)``."""
    _check_sizes(n_in, n_out)
    scale = np.sqrt(2.0 / (n_in + n_out))
    return rng.normal(0.0, scale, size=(n_in, n_out))


def he_init(n_in: int, n_out: int, rng: np.random.Generator) -> ndarray:
    """He normal: weights ~ N(0, 2 / n_in), shape ``(n_in, n_out)``; for ReLU layers."""
    _check_sizes(n_in, n_out)
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))


#: Initializers by the name :class:`dlfs.nn.layers.Dense` accepts in ``weight_init``.
INITIALIZERS: dict[str, Initializer] = {"standard": standard_init, "glorot": glorot_init, "he": he_init}
