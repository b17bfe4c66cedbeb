"""Chapter 09: gradient clipping by global norm.

A recurrent network multiplies gradients by the same matrices at every step back in time,
so now and then a gradient explodes. Clipping caps the *length* of the step without changing
its *direction*: all the gradients, taken together as one long vector, are scaled down when
that vector is longer than ``max_norm``::

    norm = sqrt(Σ_i Σ g_i²)          (over every element of every gradient)
    g_i ← g_i · max_norm / norm      for every i, only if norm > max_norm

Clipping each gradient on its own would change the direction of the step.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy import ndarray


def global_norm(grads: Sequence[ndarray]) -> float:
    """``sqrt(Σ_i Σ g_i²)``: the length of all the arrays in ``grads`` laid end to end, as one vector."""
    return float(np.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads)))


def clip_by_global_norm(grads: Sequence[ndarray], max_norm: float) -> tuple[list[ndarray], float]:
    """Scale every gradient by the same factor so that their global norm is at most ``max_norm``.

    Args:
        grads: gradient arrays of any shapes (they are not modified).
        max_norm: the largest global norm allowed, > 0.

    Returns:
        ``(clipped, norm)``: new arrays of the same shapes (``g · max_norm / norm`` if
        ``norm > max_norm``, else copies of ``g``) and the global norm *before* clipping.
    """
    if max_norm <= 0:
        raise ValueError(f"max_norm must be > 0; received {max_norm}")
    norm = global_norm(grads)
    scale = max_norm / norm if norm > max_norm else 1.0
    return [np.asarray(g) * scale for g in grads], norm
