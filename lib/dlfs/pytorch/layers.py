"""Chapter 10: a layer as a ``torch.nn.Module``.

:class:`DenseLayer` is chapter 06's ``Dense`` without its activation, written the PyTorch way:
the parameters are ``nn.Parameter`` attributes (so the module *registers* them: ``parameters()``,
``state_dict()``, ``.double()`` and optimizers find them), ``forward`` says only how the output is
computed, and autograd writes the backward pass. Weights keep the course's layout, ``W`` of shape
``(n_in, n_out)`` and ``X @ W``; ``torch.nn.Linear`` stores the transpose, ``weight`` of shape
``(n_out, n_in)`` and ``X @ weight.T``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


class DenseLayer(nn.Module):
    """``X`` ``(n, n_in)`` -> ``X @ W + B`` ``(n, n_out)``.

    ``W`` ``(n_in, n_out)`` starts Glorot normal, every weight from N(0, 2 / (n_in + n_out))
    (chapter 07), drawn from torch's global generator (``torch.manual_seed`` makes it
    reproducible); ``B`` ``(1, n_out)`` starts at 0. Both are registered parameters.
    """

    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__()
        if n_in < 1 or n_out < 1:
            raise ValueError(f"n_in and n_out must be positive; received n_in={n_in}, n_out={n_out}")
        std = math.sqrt(2.0 / (n_in + n_out))
        self.W = nn.Parameter(torch.randn(n_in, n_out) * std)
        self.B = nn.Parameter(torch.zeros(1, n_out))

    def forward(self, X: Tensor) -> Tensor:
        """``(n, n_in)`` -> ``(n, n_out)``."""
        if X.ndim != 2 or X.shape[1] != self.W.shape[0]:
            raise ValueError(f"DenseLayer expects a batch of shape (n, {self.W.shape[0]}); received shape {tuple(X.shape)}")
        return X @ self.W + self.B

    def extra_repr(self) -> str:
        return f"n_in={self.W.shape[0]}, n_out={self.W.shape[1]}"
