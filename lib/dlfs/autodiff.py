"""Chapter 09: a tiny automatic-differentiation engine.

A :class:`Node` is a value (``data``, a float64 array; a number is a 0-d array) that remembers
how it was made: the nodes it was computed from (``parents``) and ``grad_fn``, which maps the
gradient of the node to the gradients of its parents (a tuple, one per parent, each of that
parent's shape). Every operation below writes its forward value and, right beside it, its
``grad_fn``. :class:`Value` adds ``backward()``: visit the graph from the output back to the
inputs (reverse topological order) and let every node send its gradient to its parents. A
node used twice (fan-out) receives two gradients: they **add**.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy import ndarray

GradFn = Callable[[ndarray], tuple[ndarray, ...]]


def _unbroadcast(grad: Any, shape: tuple[int, ...]) -> ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched, so it gets ``shape`` (a new array)."""
    g = np.broadcast_to(grad, np.broadcast_shapes(np.shape(grad), shape))
    g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    return np.array(g.sum(axis=tuple(i for i, s in enumerate(shape) if s == 1), keepdims=True).reshape(shape))


class Node:
    """A value in a computational graph, with its operations (forward and backward side by side)."""

    def __init__(self, data: Any, parents: tuple[Node, ...] = (), grad_fn: GradFn | None = None, op: str = "") -> None:
        self.data = np.array(data, dtype=np.float64)     # a copy: the graph owns its values
        self.grad = np.zeros_like(self.data)              # ∂(output)/∂(this node), filled by backward()
        self.parents = tuple(parents)
        self.grad_fn = grad_fn
        self.op = op

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    def _lift(self, other: Any) -> Node:
        return other if isinstance(other, Node) else type(self)(other)   # a constant becomes a leaf

    def _result(self, data: ndarray, parents: tuple[Node, ...], grad_fn: GradFn, op: str) -> Node:
        return type(self)(data, parents, grad_fn, op)

    def add(self, other: Any) -> Node:                     # ∂(a + b)/∂a = ∂(a + b)/∂b = 1
        b = self._lift(other)
        return self._result(self.data + b.data, (self, b),
                            lambda g: (_unbroadcast(g, self.shape), _unbroadcast(g, b.shape)), "+")

    def mul(self, other: Any) -> Node:                     # ∂(a b)/∂a = b, ∂(a b)/∂b = a
        b = self._lift(other)
        return self._result(self.data * b.data, (self, b),
                            lambda g: (_unbroadcast(g * b.data, self.shape), _unbroadcast(g * self.data, b.shape)), "*")

    def matmul(self, other: Any) -> Node:                  # chapter 04: G Wᵀ and Xᵀ G
        b = self._lift(other)
        return self._result(self.data @ b.data, (self, b), lambda g: (g @ b.data.T, self.data.T @ g), "@")

    def tanh(self) -> Node:                                # tanh' = 1 - tanh²
        t = np.tanh(self.data)
        return self._result(t, (self,), lambda g: ((1.0 - t**2) * g,), "tanh")

    def exp(self) -> Node:                                 # exp' = exp
        e = np.exp(self.data)
        return self._result(e, (self,), lambda g: (e * g,), "exp")

    def log(self) -> Node:                                 # log' = 1/x
        return self._result(np.log(self.data), (self,), lambda g: (g / self.data,), "log")

    def pow(self, p: float) -> Node:                       # (x^p)' = p x^(p-1), for a constant p
        return self._result(self.data**p, (self,), lambda g: (p * self.data ** (p - 1) * g,), f"**{p:g}")

    def sum(self) -> Node:                                 # every element feeds the sum with slope 1
        return self._result(self.data.sum(), (self,), lambda g: (np.broadcast_to(g, self.shape).copy(),), "sum")

    __add__ = __radd__ = add
    __mul__ = __rmul__ = mul
    __matmul__ = matmul
    __pow__ = pow

    def __neg__(self) -> Node:
        return self.mul(-1.0)

    def __sub__(self, other: Any) -> Node:
        return self.add(self._lift(other).mul(-1.0))

    def __rsub__(self, other: Any) -> Node:
        return self._lift(other).add(self.mul(-1.0))

    def __truediv__(self, other: Any) -> Node:
        return self.mul(self._lift(other).pow(-1.0))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({np.array2string(self.data, precision=4)}, op={self.op!r})"


def topological_order(root: Node) -> list[Node]:
    """Every node ``root`` depends on, each once, inputs first and ``root`` last (each after all its parents)."""
    order: list[Node] = []
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:                                           # depth first, without recursion (long graphs are fine)
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(node.parents) if id(p) not in seen)
    return order


class Value(Node):
    """A :class:`Node` that can run backpropagation through the graph that made it."""

    def backward(self) -> None:
        """Fill ``grad`` of every node this one depends on with ``∂(sum of self.data)/∂(node)``, same shape as the node."""
        order = topological_order(self)
        for node in order:
            node.grad = np.zeros_like(node.data)          # start every gradient afresh, each call
        self.grad = np.ones_like(self.data)               # ∂self/∂self = 1
        for node in reversed(order):                      # a node is visited after every node that used it
            if node.grad_fn is None:
                continue                                   # a leaf: nothing further back
            for parent, g in zip(node.parents, node.grad_fn(node.grad)):
                parent.grad = parent.grad + g             # accumulate: a parent used twice gets both gradients
