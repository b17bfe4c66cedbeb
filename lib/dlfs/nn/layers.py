"""Chapter 06: layers, lists of operations applied one after another.

A :class:`Layer` runs its operations forward in order and backward in reverse
order. :class:`Dense` is the fully connected layer::

    input_ (n, k) -> WeightMultiply W (k, neurons) -> BiasAdd B (1, neurons)
                  -> activation -> [Dropout] -> output (n, neurons)

Its weights are created at the first ``forward``, when the input width ``k``
is known, from the layer's ``seed``.
"""

from __future__ import annotations

import copy

import numpy as np
from numpy import ndarray

from dlfs.nn.dropout import Dropout
from dlfs.nn.init import INITIALIZERS
from dlfs.nn.operations import BiasAdd, Operation, ParamOperation, Sigmoid, WeightMultiply, check_shape


class Layer:
    """A list of operations. Subclasses build ``self.operations`` in ``_setup(input_)``."""

    def __init__(self, neurons: int, seed: int | None = None) -> None:
        if neurons < 1:
            raise ValueError(f"a layer needs at least one neuron; received neurons={neurons}")
        self.neurons = neurons
        self.seed = seed
        self.operations: list[Operation] = []
        self.output: ndarray | None = None

    def _setup(self, input_: ndarray) -> None:
        """Create the operations (and parameters) for inputs like ``input_``. Subclasses write this."""
        raise NotImplementedError()

    def forward(self, input_: ndarray, training: bool = True) -> ndarray:
        """Input ``(n, k)`` -> output ``(n, neurons)``; ``training`` is passed to every operation."""
        if not self.operations:
            self._setup(np.asarray(input_))
        out = input_
        for op in self.operations:
            op.training = training
            out = op.forward(out)
        self.output = out
        return out

    def backward(self, output_grad: ndarray) -> ndarray:
        """``∂L/∂output`` ``(n, neurons)`` -> ``∂L/∂input`` ``(n, k)``; sets every operation's param_grad."""
        if self.output is None:
            raise RuntimeError(f"{type(self).__name__}.backward was called before forward: run forward first.")
        check_shape(output_grad, self.output.shape, f"{type(self).__name__}.backward: output_grad must have the output's shape")
        grad = output_grad
        for op in reversed(self.operations):
            grad = op.backward(grad)
        return grad

    def params(self) -> list[ndarray]:
        """The parameter arrays (the same objects the operations use), in order."""
        return [op.param for op in self.operations if isinstance(op, ParamOperation)]

    def param_grads(self) -> list[ndarray]:
        """The gradients of the last ``backward``, one per parameter, same shapes and order."""
        grads = [op.param_grad for op in self.operations if isinstance(op, ParamOperation)]
        if any(g is None for g in grads):
            raise RuntimeError("param_grads() needs a backward pass first.")
        return grads  # type: ignore[return-value]


class Dense(Layer):
    """A fully connected layer of ``neurons`` units.

    Args:
        neurons: output width.
        activation: an :class:`Operation` (default :class:`Sigmoid`); the layer uses its own copy.
        weight_init: ``"standard"`` (N(0, 1)), ``"glorot"`` (N(0, 2 / (n_in + n_out))) or ``"he"`` (N(0, 2 / n_in), for ReLU).
            Biases start at 0.
        dropout: keep probability; 1.0 means no dropout layer.
        seed: seeds the weights and the dropout masks; :class:`dlfs.nn.network.NeuralNetwork`
            sets it if it is ``None``.
    """

    def __init__(
        self,
        neurons: int,
        activation: Operation | None = None,
        weight_init: str = "standard",
        dropout: float = 1.0,
        seed: int | None = None,
    ) -> None:
        super().__init__(neurons, seed)
        if weight_init not in INITIALIZERS:
            raise ValueError(f"weight_init must be one of {sorted(INITIALIZERS)}; received {weight_init!r}")
        if not 0.0 < dropout <= 1.0:
            raise ValueError(f"dropout is a keep probability in (0, 1]; received {dropout}")
        self.activation = copy.deepcopy(activation) if activation is not None else Sigmoid()
        self.weight_init = weight_init
        self.dropout = dropout

    def _setup(self, input_: ndarray) -> None:
        if input_.ndim != 2:
            raise ValueError(f"Dense expects a 2-D batch (n_rows, n_features); received shape {input_.shape}")
        rng = np.random.default_rng(self.seed)
        W = INITIALIZERS[self.weight_init](input_.shape[1], self.neurons, rng)
        B = np.zeros((1, self.neurons))
        self.operations = [WeightMultiply(W), BiasAdd(B), self.activation]
        if self.dropout < 1.0:
            self.operations.append(Dropout(self.dropout, seed=rng))

    def __repr__(self) -> str:
        return (
            f"Dense({self.neurons}, activation={type(self.activation).__name__}(), "
            f"weight_init={self.weight_init!r}, dropout={self.dropout})"
        )


def dense_backward(X: ndarray, W: ndarray, B: ndarray, output_grad: ndarray) -> dict[str, ndarray]:
    """The backward pass of a dense layer with a tanh activation, ``O = tanh(X W + B)``, on a blank page.

    What ``Dense(m, Tanh())`` computes, box by box, with ``G = output_grad = ∂L/∂O``::

        ∂L/∂N = G ⊙ (1 - O²)            (n, m)   tanh' from the output, O = tanh(N), N = X W + B
        ∂L/∂B = Σ over rows of ∂L/∂N    (1, m)   B is added to every row
        ∂L/∂W = Xᵀ ∂L/∂N                (k, m)
        ∂L/∂X = ∂L/∂N Wᵀ                (n, k)

    Args:
        X: the layer's input ``(n, k)``; W: ``(k, m)``; B: ``(1, m)``; output_grad: ``(n, m)``.

    Returns:
        ``{"X": (n, k), "W": (k, m), "B": (1, m)}``.
    """
    out = np.tanh(X @ W + B)
    dN = output_grad * (1.0 - out**2)
    return {"X": dN @ W.T, "W": X.T @ dN, "B": dN.sum(axis=0, keepdims=True)}
