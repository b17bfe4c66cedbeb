"""Chapter 06: operations, the building blocks of a network.

An :class:`Operation` is one box of the computational graph. Its ``forward``
takes an input array and returns an output array; its ``backward`` takes
``output_grad`` (the gradient of the loss with respect to the output, same
shape as the output) and returns ``input_grad`` (same shape as the input).
Subclasses only write the two pieces of maths, side by side:

- ``_output()``: the output, computed from ``self.input_``;
- ``_input_grad(output_grad)``: the chain rule, local derivative times ``output_grad``.

A :class:`ParamOperation` also holds a parameter (a weight matrix, a bias row)
and computes ``param_grad`` (shape of ``param``) in ``backward``.

Shapes: ``input_`` is a batch ``(n_rows, n_features)``. Every gradient has the
shape of what it is the gradient of; the base classes check that with messages
that say the expected and the received shape.
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray

from dlfs.functions import sigmoid


def check_shape(array: ndarray, expected: tuple[int, ...], what: str) -> None:
    """Raise ``ValueError`` naming ``what``, the expected and the received shape, unless they agree."""
    if np.shape(array) != tuple(expected):
        raise ValueError(f"{what}: expected shape {tuple(expected)}, received shape {np.shape(array)}")


class Operation:
    """One box of the graph: ``forward(input_) -> output``, ``backward(output_grad) -> input_grad``."""

    def __init__(self) -> None:
        self._last_input: ndarray | None = None
        self._last_output: ndarray | None = None
        self.input_grad: ndarray | None = None
        #: ``True`` while training; only operations that behave differently (Dropout) read it.
        self.training: bool = True

    @property
    def ran(self) -> bool:
        """``True`` once ``forward`` has run (so ``input_`` and ``output`` exist)."""
        return self._last_input is not None and self._last_output is not None

    @property
    def input_(self) -> ndarray:
        """The input of the last ``forward``."""
        if self._last_input is None:
            raise RuntimeError(f"{type(self).__name__}.input_ is read before {type(self).__name__}.forward ran: run forward first.")
        return self._last_input

    @property
    def output(self) -> ndarray:
        """The output of the last ``forward``."""
        if self._last_output is None:
            raise RuntimeError(f"{type(self).__name__}.output is read before {type(self).__name__}.forward ran: run forward first.")
        return self._last_output

    def forward(self, input_: ndarray) -> ndarray:
        """Store ``input_`` and return the output (its shape depends on the operation)."""
        self._last_input = np.asarray(input_)
        self._last_output = self._output()
        return self._last_output

    def backward(self, output_grad: ndarray) -> ndarray:
        """Given ``output_grad`` (shape of the output), return ``input_grad`` (shape of the input)."""
        name = type(self).__name__
        if not self.ran:
            raise RuntimeError(f"{name}.backward was called before {name}.forward: run forward first.")
        check_shape(output_grad, self.output.shape, f"{name}.backward: output_grad must have the output's shape")
        self.input_grad = self._input_grad(np.asarray(output_grad))
        check_shape(self.input_grad, self.input_.shape, f"{name}._input_grad must return the input's shape")
        return self.input_grad

    def _output(self) -> ndarray:
        """The output, from ``self.input_``. Subclasses write this."""
        raise NotImplementedError()

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        """``∂L/∂input`` from ``output_grad = ∂L/∂output``. Subclasses write this."""
        raise NotImplementedError()

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ParamOperation(Operation):
    """An operation with a parameter ``param``; ``backward`` also sets ``param_grad`` (shape of ``param``)."""

    def __init__(self, param: ndarray) -> None:
        super().__init__()
        self.param = np.asarray(param)
        self.param_grad: ndarray | None = None

    def backward(self, output_grad: ndarray) -> ndarray:
        """Return ``input_grad`` and store ``param_grad``, both shape-checked."""
        input_grad = super().backward(output_grad)
        self.param_grad = self._param_grad(np.asarray(output_grad))
        check_shape(self.param_grad, self.param.shape, f"{type(self).__name__}._param_grad must return the param's shape")
        return input_grad

    def _param_grad(self, output_grad: ndarray) -> ndarray:
        """``∂L/∂param`` from ``output_grad``. Subclasses write this."""
        raise NotImplementedError()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(param of shape {self.param.shape})"


class WeightMultiply(ParamOperation):
    """``output = input_ @ W``: input ``(n, k)``, ``W`` ``(k, m)``, output ``(n, m)``."""

    def __init__(self, W: ndarray) -> None:
        if np.ndim(W) != 2:
            raise ValueError(f"W must be 2-D (n_in, n_out); received shape {np.shape(W)}")
        super().__init__(W)

    def _output(self) -> ndarray:
        X, W = self.input_, self.param
        if X.ndim != 2 or X.shape[1] != W.shape[0]:
            raise ValueError(
                f"WeightMultiply: input must have shape (n, {W.shape[0]}) to multiply W {W.shape}; "
                f"received shape {X.shape}"
            )
        return X @ W

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        return output_grad @ self.param.T  # (n, m) @ (m, k) -> (n, k)

    def _param_grad(self, output_grad: ndarray) -> ndarray:
        return self.input_.T @ output_grad  # (k, n) @ (n, m) -> (k, m)


class BiasAdd(ParamOperation):
    """``output = input_ + B``: ``B`` of shape ``(1, m)`` is added to every row of the ``(n, m)`` input."""

    def __init__(self, B: ndarray) -> None:
        if np.ndim(B) != 2 or np.shape(B)[0] != 1:
            raise ValueError(f"B must be a row of shape (1, n_out); received shape {np.shape(B)}")
        super().__init__(B)

    def _output(self) -> ndarray:
        X, B = self.input_, self.param
        if X.ndim != 2 or X.shape[1] != B.shape[1]:
            raise ValueError(f"BiasAdd: input must have shape (n, {B.shape[1]}) to add B {B.shape}; received shape {X.shape}")
        return X + B

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        return output_grad  # ∂(x + b)/∂x = 1

    def _param_grad(self, output_grad: ndarray) -> ndarray:
        return output_grad.sum(axis=0, keepdims=True)  # B was used by every row: add their gradients


class Sigmoid(Operation):
    """``σ(x) = 1 / (1 + exp(-x))`` element-wise; ``σ'(x) = σ(x)(1 - σ(x))``. Shape in = shape out."""

    def _output(self) -> ndarray:
        return sigmoid(self.input_)

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        return self.output * (1.0 - self.output) * output_grad


class Tanh(Operation):
    """``tanh(x)`` element-wise; ``tanh'(x) = 1 - tanh(x)²``. Shape in = shape out."""

    def _output(self) -> ndarray:
        return np.tanh(self.input_)

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        return (1.0 - self.output**2) * output_grad


class ReLU(Operation):
    """``max(x, 0)`` element-wise; slope 1 where ``x > 0``, else 0. Shape in = shape out."""

    def _output(self) -> ndarray:
        return np.maximum(self.input_, 0.0)

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        return (self.input_ > 0) * output_grad


class Linear(Operation):
    """The identity ("no activation"): output = input, input_grad = output_grad."""

    def _output(self) -> ndarray:
        return self.input_

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        return output_grad
