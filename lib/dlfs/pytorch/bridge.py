"""Chapter 10: the same weights in both -- the from-scratch library and PyTorch, side by side.

Copy a trained (or freshly set up) from-scratch layer or network into PyTorch, in float64,
and the two must give the same outputs and the same gradients, to float64 round-off. The
layouts differ, and these functions are where that is written down once:

========================  ==========================  ===================================
from scratch (dlfs)       PyTorch                     copy
========================  ==========================  ===================================
``W`` ``(n_in, n_out)``   ``Linear.weight`` ``(n_out, n_in)``   ``weight = W.T``
``B`` ``(1, n_out)``      ``Linear.bias`` ``(n_out,)``           ``bias = B[0]``
``SoftmaxCrossEntropy``   ``CrossEntropyLoss``        one-hot rows -> class probabilities
``MeanSquaredError``      ``((p - y)**2).sum() / n``  PyTorch's ``MSELoss`` averages over n·k
========================  ==========================  ===================================

- :func:`torch_activation`, :func:`linear_from_dense`, :func:`sequential_from_network` -- the copies;
- :func:`compare_network` -- one batch through both: loss, output and every gradient, and how far apart;
- :func:`compare_conv2d` -- chapter 08's ``Conv2D`` against ``torch.nn.functional.conv2d``;
- :func:`compare_recurrent` -- chapter 09's ``RNNLayer``/``LSTMLayer``/``GRULayer`` against ``nn.RNN``/``nn.LSTM``/``nn.GRU``;
- :func:`scratch_grads_match` -- does a from-scratch gradient of ``X @ W + B`` equal autograd's?

A convolution's kernels ``(out, in, kh, kw)`` are already PyTorch's layout (both compute a
correlation); a recurrent layer's ``W``, ``U`` are PyTorch's ``weight_ih_l0.T``, ``weight_hh_l0.T``
with the gates in PyTorch's order (see :mod:`dlfs.nn.recurrent`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from numpy import ndarray
from torch import Tensor, nn

from dlfs.convolution import padding_amounts
from dlfs.nn.conv import Conv2D
from dlfs.nn.layers import Dense
from dlfs.nn.losses import Loss, MeanSquaredError, SoftmaxCrossEntropy
from dlfs.nn.network import NeuralNetwork
from dlfs.nn.operations import Linear, Operation, ReLU, Sigmoid, Tanh
from dlfs.nn.recurrent import GRULayer, LSTMLayer, RecurrentLayer, RNNLayer, torch_weights

_ACTIVATIONS: dict[type[Operation], type[nn.Module]] = {Sigmoid: nn.Sigmoid, Tanh: nn.Tanh, ReLU: nn.ReLU, Linear: nn.Identity}


def torch_activation(op: Operation) -> nn.Module:
    """The PyTorch module for a from-scratch activation (``Sigmoid``, ``Tanh``, ``ReLU``, ``Linear``)."""
    for kind, module in _ACTIVATIONS.items():
        if type(op) is kind:
            return module()
    raise ValueError(f"no PyTorch counterpart for {type(op).__name__}; known: {[k.__name__ for k in _ACTIVATIONS]}")


def linear_from_dense(layer: Dense) -> nn.Linear:
    """A float64 ``nn.Linear`` holding a copy of ``layer``'s weights: ``weight = W.T``, ``bias = B[0]``.

    The layer must have its weights (it creates them at its first ``forward``).
    """
    params = layer.params()
    if len(params) != 2:
        raise ValueError("the Dense layer has no weights yet: run its forward once (it creates them for its input width)")
    W, B = params
    linear = nn.Linear(W.shape[0], W.shape[1], dtype=torch.float64)
    with torch.no_grad():  # copying is not part of any computation to differentiate
        linear.weight.copy_(torch.from_numpy(W.T.copy()))
        linear.bias.copy_(torch.from_numpy(B[0].copy()))
    return linear


def sequential_from_network(net: NeuralNetwork) -> nn.Sequential:
    """``Linear, activation, Linear, activation, ...``: a float64 copy of a network of ``Dense`` layers without dropout."""
    modules: list[nn.Module] = []
    for i, layer in enumerate(net.layers):
        if not isinstance(layer, Dense) or layer.dropout < 1.0:
            raise ValueError(f"layer {i} ({layer!r}): only Dense layers without dropout are copied")
        modules += [linear_from_dense(layer), torch_activation(layer.activation)]
    return nn.Sequential(*modules)


def torch_loss(loss: Loss, prediction: Tensor, target: Tensor) -> Tensor:
    """The PyTorch value of a from-scratch loss, with the same averaging (a mean over the ``n`` rows)."""
    if isinstance(loss, SoftmaxCrossEntropy):
        return nn.functional.cross_entropy(prediction, target)  # target rows are class probabilities
    if isinstance(loss, MeanSquaredError):
        return ((prediction - target) ** 2).sum() / prediction.shape[0]
    raise ValueError(f"no PyTorch counterpart for {type(loss).__name__}")


@dataclass(frozen=True)
class Comparison:
    """One batch through both libraries: their losses, and each array's largest difference relative to its largest element."""

    loss_scratch: float
    loss_torch: float
    differences: dict[str, float]  # "output", "dL/dX", "layer 0 dL/dW", "layer 0 dL/dB", ...

    @property
    def worst(self) -> float:
        """The largest relative difference of all (the losses included)."""
        return max([*self.differences.values(), _relative(np.array(self.loss_scratch), np.array(self.loss_torch))])


def _relative(a: ndarray, b: ndarray) -> float:
    """``max |a - b| / max(|a|, |b|)`` over the whole array: 1e-16 is float64 round-off, 1 is unrelated."""
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), 1e-300)
    return float(np.max(np.abs(a - b))) / scale


def compare_network(net: NeuralNetwork, X: ndarray, y: ndarray) -> Comparison:
    """Run the batch ``(X, y)`` through ``net`` and through its PyTorch copy, in float64, and compare.

    From scratch: ``train_batch`` (forward, loss, backward). PyTorch: the copy's forward, the same
    loss, ``backward()``; gradients are read from ``.grad`` and laid out like the course's
    (``dW = weight.grad.T``, ``dB = bias.grad[None, :]``). The network's weights are not changed.
    """
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    loss_scratch = net.train_batch(X, y)
    output, input_grad = net.layers[-1].output, net.layers[0].operations[0].input_grad
    assert output is not None and input_grad is not None
    model = sequential_from_network(net)
    X_t = torch.from_numpy(X.copy()).requires_grad_()
    out_t = model(X_t)
    loss_t = torch_loss(net.loss, out_t, torch.from_numpy(y))
    loss_t.backward()
    assert X_t.grad is not None
    diffs = {"output": _relative(output, out_t.detach().numpy()), "dL/dX": _relative(input_grad, X_t.grad.numpy())}
    linears = [m for m in model if isinstance(m, nn.Linear)]
    for i, (layer, linear) in enumerate(zip(net.layers, linears)):
        dW, dB = layer.param_grads()
        assert linear.weight.grad is not None and linear.bias.grad is not None
        diffs[f"layer {i} dL/dW"] = _relative(dW, linear.weight.grad.numpy().T)
        diffs[f"layer {i} dL/dB"] = _relative(dB, linear.bias.grad.numpy()[None, :])
    return Comparison(float(loss_scratch), float(loss_t.item()), diffs)


def _weighted_sum(output: ndarray, output_grad: ndarray) -> float:
    """``L = sum(output * output_grad)``: the loss whose gradient with respect to the output is ``output_grad``."""
    return float(np.sum(output * output_grad))


def compare_conv2d(layer: Conv2D, X: ndarray, output_grad: ndarray) -> Comparison:
    """Chapter 08's ``Conv2D`` layer and ``torch.nn.functional.conv2d`` (+ the same activation), in float64.

    Args:
        layer: a ``Conv2D``; its kernels are created by this call's forward if it has none yet.
        X: images ``(n, in_channels, h, w)``.
        output_grad: ``∂L/∂output`` ``(n, out_channels, out_h, out_w)``, any values (the loss is
            ``sum(output * output_grad)``).

    Returns:
        The differences of the output, ``dL/dX``, ``dL/dK`` (kernels ``(out, in, kh, kw)``, the same layout in
        both libraries) and ``dL/dB`` (one bias per output channel).
    """
    X = np.asarray(X, dtype=np.float64)
    output = layer.forward(X)
    if np.shape(output_grad) != output.shape:
        raise ValueError(f"output_grad must have the layer's output shape {output.shape}; received {np.shape(output_grad)}")
    G = np.asarray(output_grad, dtype=np.float64)
    input_grad = layer.backward(G)
    (kernels, bias), (kernel_grad, bias_grad) = layer.params(), layer.param_grads()
    X_t = torch.from_numpy(X.copy()).requires_grad_()
    K_t = torch.from_numpy(np.array(kernels, dtype=np.float64)).requires_grad_()
    B_t = torch.from_numpy(np.array(bias, dtype=np.float64)).requires_grad_()
    conv = nn.functional.conv2d(X_t, K_t, B_t, padding=padding_amounts(layer.kernel_size, layer.padding))
    out_t = torch_activation(layer.activation)(conv)
    loss_t = (out_t * torch.from_numpy(G)).sum()
    loss_t.backward()
    assert X_t.grad is not None and K_t.grad is not None and B_t.grad is not None
    diffs = {"output": _relative(output, out_t.detach().numpy()), "dL/dX": _relative(input_grad, X_t.grad.numpy()),
             "dL/dK": _relative(kernel_grad, K_t.grad.numpy()), "dL/dB": _relative(bias_grad, B_t.grad.numpy())}
    return Comparison(_weighted_sum(output, G), float(loss_t.item()), diffs)


_RECURRENT: dict[type[RecurrentLayer], type[nn.Module]] = {RNNLayer: nn.RNN, LSTMLayer: nn.LSTM, GRULayer: nn.GRU}


def compare_recurrent(layer: RecurrentLayer, X: ndarray, output_grad: ndarray) -> Comparison:
    """Chapter 09's ``RNNLayer``, ``LSTMLayer`` or ``GRULayer`` and PyTorch's ``nn.RNN``/``nn.LSTM``/``nn.GRU``, in float64.

    Both start from a zero state. Args: ``X`` ``(n, T, n_in)`` (batch first); ``output_grad`` ``∂L/∂output``
    ``(n, T, H)`` (the loss is ``sum(output * output_grad)``). The layer's weights are created by this
    call's forward if it has none yet, then copied with :func:`dlfs.nn.recurrent.torch_weights`.

    Returns:
        The differences of the output, ``dL/dX`` and of ``dL/dW``, ``dL/dU`` (PyTorch's
        ``weight_ih_l0.grad.T``, ``weight_hh_l0.grad.T``) and the bias gradients (a single bias ``b``
        is both of PyTorch's biases at once, so its gradient equals each of theirs).
    """
    kind = _RECURRENT.get(type(layer))
    if kind is None:
        raise ValueError(f"no PyTorch counterpart for {type(layer).__name__}; known: {[k.__name__ for k in _RECURRENT]}")
    X = np.asarray(X, dtype=np.float64)
    output = layer.forward(X)
    if np.shape(output_grad) != output.shape:
        raise ValueError(f"output_grad must have the layer's output shape {output.shape}; received {np.shape(output_grad)}")
    G = np.asarray(output_grad, dtype=np.float64)
    input_grad = layer.backward(G)
    grads = layer.param_grads()
    module = kind(X.shape[2], layer.neurons, batch_first=True, dtype=torch.float64)
    module.load_state_dict({k: torch.from_numpy(np.array(v, dtype=np.float64)) for k, v in torch_weights(layer).items()})
    X_t = torch.from_numpy(X.copy()).requires_grad_()
    out_t, _ = module(X_t)
    loss_t = (out_t * torch.from_numpy(G)).sum()
    loss_t.backward()
    assert X_t.grad is not None
    theirs = {name: p.grad.numpy() for name, p in module.named_parameters() if p.grad is not None}
    diffs = {"output": _relative(output, out_t.detach().numpy()), "dL/dX": _relative(input_grad, X_t.grad.numpy()),
             "dL/dW": _relative(grads[0], theirs["weight_ih_l0"].T), "dL/dU": _relative(grads[1], theirs["weight_hh_l0"].T),
             "dL/db (input side)": _relative(grads[2][0], theirs["bias_ih_l0"]),
             "dL/db (hidden side)": _relative(grads[-1][0], theirs["bias_hh_l0"])}
    return Comparison(_weighted_sum(output, G), float(loss_t.item()), diffs)


def scratch_grads_match(W: ndarray, B: ndarray, X: ndarray, output_grad: ndarray,
                        grads: dict[str, ndarray]) -> dict[str, bool]:
    """Does each from-scratch gradient of ``out = X @ W + B`` equal autograd's?

    Args:
        W: ``(n_in, n_out)``; B: ``(1, n_out)``; X: ``(n, n_in)``; output_grad: ``∂L/∂out`` ``(n, n_out)``.
        grads: the gradients to judge, keys ``"X"``, ``"W"``, ``"B"``, in the course's layout.

    Returns:
        ``{"X": ..., "W": ..., "B": ...}``: ``True`` where the gradient has the shape of what it is the
        gradient of and ``np.allclose(grad, autograd's, rtol=1e-6, atol=1e-9)``.
    """
    linear = nn.Linear(W.shape[0], W.shape[1], dtype=torch.float64)
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(np.array(W.T)))     # nn.Linear keeps W transposed
        linear.bias.copy_(torch.from_numpy(np.array(B[0])))      # and the bias as a plain vector
    X_t = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    linear(X_t).backward(torch.from_numpy(np.array(output_grad)))  # L = sum(out * output_grad)
    assert X_t.grad is not None and linear.weight.grad is not None and linear.bias.grad is not None
    autograd = {"X": X_t.grad.numpy(), "W": linear.weight.grad.numpy().T, "B": linear.bias.grad.numpy()[None, :]}
    verdicts = {}
    for key, expected in autograd.items():
        got = np.asarray(grads[key])
        verdicts[key] = got.shape == expected.shape and bool(np.allclose(got, expected, rtol=1e-6, atol=1e-9))
    return verdicts
