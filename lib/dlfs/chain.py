"""Chapter 03: composite functions and the chain rule.

A *chain* is a list of element-wise array functions, applied first to last:
``[f1, f2, f3]`` means ``f3(f2(f1(x)))``. The forward pass keeps every
intermediate value; the backward pass multiplies the local derivatives, each
evaluated at the value that entered its box. All functions are element-wise:
shape in = shape out. Two-input graphs: ``σ(x + y)`` (a sum passes the gradient on
to both inputs) and ``σ(x · y)`` (a product sends each input the other one's value).
"""

from __future__ import annotations

from collections.abc import Sequence

from numpy import ndarray

from dlfs.derivatives import deriv
from dlfs.functions import ArrayFunction

#: A chain of element-wise functions, applied in list order.
Chain = Sequence[ArrayFunction]


def evaluate_chain(chain: Chain, x: ndarray) -> ndarray:
    """``chain[-1](...chain[1](chain[0](x)))``: apply the functions first to last. Shape of ``x``."""
    for f in chain:
        x = f(x)
    return x


def forward_values(chain: Chain, x: ndarray) -> list[ndarray]:
    """The forward pass: ``[x, f1(x), f2(f1(x)), ...]`` (``len(chain) + 1`` arrays of ``x``'s shape)."""
    values = [x]
    for f in chain:
        values.append(f(values[-1]))
    return values


def chain_deriv(chain: Chain, x: ndarray) -> ndarray:
    """d/dx of the whole chain at every element of ``x``: the product of the local derivatives.

    Box ``i`` is differentiated (numerically, by :func:`dlfs.derivatives.deriv`) at
    the value that entered it in the forward pass.
    """
    values = forward_values(chain, x)
    total = deriv(lambda v: v, x)  # ones of x's shape, as floats
    for f, entering in zip(chain, values[:-1]):
        total = total * deriv(f, entering)
    return total


def chain_deriv_2(chain: Chain, input_range: ndarray) -> ndarray:
    """Chain rule for two functions: ``f2'(f1(x)) * f1'(x)``. Shape of ``input_range``."""
    if len(chain) != 2:
        raise ValueError(f"chain_deriv_2 needs a chain of 2 functions, got {len(chain)}")
    f1, f2 = chain
    f1_of_x = f1(input_range)
    return deriv(f2, f1_of_x) * deriv(f1, input_range)


def chain_deriv_3(chain: Chain, input_range: ndarray) -> ndarray:
    """Chain rule for three functions: ``f3'(f2(f1(x))) * f2'(f1(x)) * f1'(x)``. Shape of ``input_range``."""
    if len(chain) != 3:
        raise ValueError(f"chain_deriv_3 needs a chain of 3 functions, got {len(chain)}")
    f1, f2, f3 = chain
    f1_of_x = f1(input_range)
    f2_of_x = f2(f1_of_x)
    return deriv(f3, f2_of_x) * deriv(f2, f1_of_x) * deriv(f1, input_range)


def multiple_inputs_add(x: ndarray, y: ndarray, sigma: ArrayFunction) -> ndarray:
    """Forward pass of ``s = σ(x + y)``; ``x`` and ``y`` of one shape."""
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape, got {x.shape} and {y.shape}")
    return sigma(x + y)


def multiple_inputs_add_backward(x: ndarray, y: ndarray, sigma: ArrayFunction) -> tuple[ndarray, ndarray]:
    """``(ds/dx, ds/dy)`` for ``s = σ(a)``, ``a = x + y``: both ``σ'(a) * 1``. Each of ``x``'s shape."""
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape, got {x.shape} and {y.shape}")
    a = x + y
    ds_da = deriv(sigma, a)
    da_dx, da_dy = 1.0, 1.0
    return ds_da * da_dx, ds_da * da_dy


def multiple_inputs_multiply(x: ndarray, y: ndarray, sigma: ArrayFunction) -> ndarray:
    """Forward pass of ``s = σ(x · y)`` (element-wise product); ``x`` and ``y`` of one shape."""
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape, got {x.shape} and {y.shape}")
    return sigma(x * y)


def multiple_inputs_multiply_backward(x: ndarray, y: ndarray, sigma: ArrayFunction) -> tuple[ndarray, ndarray]:
    """``(ds/dx, ds/dy)`` for ``s = σ(a)``, ``a = x · y``: ``σ'(a) * y`` and ``σ'(a) * x``. Each of ``x``'s shape.

    The product box's local slope for one input is the *other* input: nudge ``x`` by ε and
    ``a`` moves by ``y·ε``. So the two inputs get different gradients.
    """
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape, got {x.shape} and {y.shape}")
    a = x * y
    ds_da = deriv(sigma, a)
    da_dx, da_dy = y, x
    return ds_da * da_dx, ds_da * da_dy
