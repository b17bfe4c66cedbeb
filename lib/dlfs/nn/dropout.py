"""Chapter 07: (inverted) dropout.

While training, every unit is kept with probability ``keep_prob`` and set to 0
otherwise; kept units are scaled by ``1 / keep_prob`` so that the expected value
of every output equals its input. At inference (``training = False``) dropout is
the identity, and nothing needs rescaling.

Forward and backward use the same mask ``m`` (1 = kept, 0 = dropped)::

    output     = input_     * m / keep_prob
    input_grad = output_grad * m / keep_prob
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy import ndarray

from dlfs.nn.operations import Operation, check_shape

#: Makes a dropout mask: takes the input's shape, returns 0/1 (or bool) values of that shape.
MaskFunction = Callable[[tuple[int, ...]], ndarray]


class Dropout(Operation):
    """Inverted dropout with keep probability ``keep_prob`` in (0, 1]. Shape in = shape out.

    Args:
        keep_prob: the probability that a unit is kept.
        seed: an int or a ``np.random.Generator`` for the masks (reproducible runs).
        mask_fn: optional; if given, ``mask_fn(shape)`` makes the mask instead
            of the random generator (for checks that need an exact mask).
    """

    def __init__(
        self,
        keep_prob: float = 0.8,
        seed: int | np.random.Generator | None = None,
        mask_fn: MaskFunction | None = None,
    ) -> None:
        if not 0.0 < keep_prob <= 1.0:
            raise ValueError(f"keep_prob must be in (0, 1]; received {keep_prob}")
        super().__init__()
        self.keep_prob = keep_prob
        self.rng = np.random.default_rng(seed)
        self.mask_fn = mask_fn
        #: the 0/1 mask of the last training forward; ``None`` after an inference forward.
        self.mask: ndarray | None = None

    def _make_mask(self, shape: tuple[int, ...]) -> ndarray:
        """A float 0/1 mask of ``shape``: from ``mask_fn`` if given, else each 1 with probability keep_prob."""
        if self.mask_fn is not None:
            mask = np.asarray(self.mask_fn(shape), dtype=np.float64)
            check_shape(mask, shape, "Dropout: mask_fn(shape) must return the input's shape")
            return mask
        return (self.rng.random(shape) < self.keep_prob).astype(np.float64)

    def _output(self) -> ndarray:
        if not self.training:
            self.mask = None  # inference: the identity, forward and backward
            return self.input_
        self.mask = self._make_mask(self.input_.shape)
        return self.input_ * self.mask / self.keep_prob

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        if self.mask is None:
            return output_grad
        return output_grad * self.mask / self.keep_prob  # the same mask as forward

    def __repr__(self) -> str:
        return f"Dropout(keep_prob={self.keep_prob})"
