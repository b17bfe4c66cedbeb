"""Chapter 09: recurrent networks -- one time step (a *node*) and a whole sequence (a *layer*).

A recurrent node reads one input ``x_t`` ``(n, n_in)`` and the state it left at the step
before, and returns its new state; a layer runs the node along the time axis with the same
weights at every step. Three cells, each as a node (forward and backward side by side, the
teaching version) and inside a layer (the same maths, arranged to be fast):

- vanilla RNN: ``h_t = tanh(x_t W + h_{t-1} U + b)``;
- LSTM: four gates from ``a = x_t W + h_{t-1} U + b``, in the order ``i, f, g, o``::

      i = σ(a_i)   f = σ(a_f)   g = tanh(a_g)   o = σ(a_o)
      c_t = f ⊙ c_{t-1} + i ⊙ g        h_t = o ⊙ tanh(c_t)

- GRU (PyTorch's variant: the reset gate scales the hidden part of the candidate), gates
  in the order ``r, z, n`` from ``ax = x_t W + b_x`` and ``ah = h_{t-1} U + b_h``::

      r = σ(ax_r + ah_r)   z = σ(ax_z + ah_z)   n = tanh(ax_n + r ⊙ ah_n)
      h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}

Shapes: a batch of ``n`` sequences, ``T`` steps, ``n_in`` input features, ``H`` hidden units.
``W`` is ``(n_in, k·H)``, ``U`` is ``(H, k·H)`` and biases are rows ``(1, k·H)``, with ``k`` gate
blocks side by side (1 for the RNN, 4 for the LSTM, 3 for the GRU). Layers take and return
batch-first arrays ``(n, T, features)``.

**Weight layout and PyTorch.** The gate order is PyTorch's, and our matrices are the transposes
of its: for ``torch.nn.LSTM`` (and ``GRU``, ``RNN`` with ``nonlinearity="tanh"``),
``W = weight_ih_l0.T``, ``U = weight_hh_l0.T``; the LSTM and RNN have one bias,
``b = bias_ih_l0 + bias_hh_l0``; the GRU keeps both, ``b_x = bias_ih_l0`` and ``b_h = bias_hh_l0``.
:func:`torch_weights` and :func:`from_torch` convert in both directions.

Every node backward takes two gradients for its new hidden state: ``dh_out`` from what the
layer's output feeds at this step, and ``dh_next`` from the next step, which also reads it.
The state is used twice, so the two gradients add (chapter 09's fan-out rule).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy import ndarray

from dlfs.nn.layers import Layer
from dlfs.nn.operations import check_shape

Cache = dict[str, ndarray]


def _sigmoid(x: ndarray) -> ndarray:
    """``1 / (1 + exp(-x))`` written as ``(1 + tanh(x / 2)) / 2``: never overflows, keeps the dtype."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _check_step(x: ndarray, h_prev: ndarray, W: ndarray, U: ndarray, blocks: int) -> None:
    n, n_in = np.shape(x)
    H = np.shape(h_prev)[1]
    check_shape(h_prev, (n, H), "h_prev must be (n, H) with the batch size of x")
    check_shape(W, (n_in, blocks * H), f"W must be (n_in, {blocks}·H)")
    check_shape(U, (H, blocks * H), f"U must be (H, {blocks}·H)")


# ---------------------------------------------------------------- vanilla RNN node


def rnn_node_forward(x: ndarray, h_prev: ndarray, W: ndarray, U: ndarray, b: ndarray) -> tuple[ndarray, Cache]:
    """One step of a vanilla RNN: ``h = tanh(x W + h_prev U + b)``.

    Args:
        x: ``(n, n_in)``; h_prev: ``(n, H)``; W: ``(n_in, H)``; U: ``(H, H)``; b: ``(1, H)``.

    Returns:
        ``h`` ``(n, H)`` and the cache the backward needs: ``{"x", "h_prev", "h"}``.
    """
    _check_step(x, h_prev, W, U, 1)
    h = np.tanh(x @ W + h_prev @ U + b)
    return h, {"x": x, "h_prev": h_prev, "h": h}


def rnn_node_backward(dh_out: ndarray, dh_next: ndarray, cache: Cache, W: ndarray,
                      U: ndarray) -> tuple[ndarray, ndarray, ndarray, ndarray, ndarray]:
    """Backward of :func:`rnn_node_forward`.

    Args:
        dh_out: ``(n, H)``, the gradient reaching ``h`` from this step's output.
        dh_next: ``(n, H)``, the gradient reaching ``h`` from the next time step.
        cache: from the forward: ``x`` ``(n, n_in)``, ``h_prev`` ``(n, H)``, ``h`` ``(n, H)``.
        W, U: the forward's weights.

    Returns:
        ``(dx, dh_prev, dW, dU, db)``, shapes of ``x``, ``h_prev``, ``W``, ``U`` and ``(1, H)``.
    """
    x, h_prev, h = cache["x"], cache["h_prev"], cache["h"]
    dh = dh_out + dh_next                    # h went two ways: their gradients add
    da = dh * (1.0 - h**2)                   # tanh'(a) = 1 - tanh(a)², at the stored output
    return da @ W.T, da @ U.T, x.T @ da, h_prev.T @ da, da.sum(axis=0, keepdims=True)


# ---------------------------------------------------------------- LSTM node


def lstm_node_forward(x: ndarray, h_prev: ndarray, c_prev: ndarray, W: ndarray, U: ndarray,
                      b: ndarray) -> tuple[ndarray, ndarray, Cache]:
    """One step of an LSTM (gates ``i, f, g, o``, PyTorch's order).

    Args:
        x: ``(n, n_in)``; h_prev, c_prev: ``(n, H)``; W: ``(n_in, 4H)``; U: ``(H, 4H)``; b: ``(1, 4H)``.

    Returns:
        ``h`` ``(n, H)``, ``c`` ``(n, H)`` and the cache ``{"x", "h_prev", "c_prev", "i", "f", "g", "o", "c"}``
        (the gates after their activation, each ``(n, H)``).
    """
    _check_step(x, h_prev, W, U, 4)
    check_shape(c_prev, np.shape(h_prev), "c_prev must have the shape of h_prev")
    H = np.shape(h_prev)[1]
    a = x @ W + h_prev @ U + b
    i, f = _sigmoid(a[:, :H]), _sigmoid(a[:, H : 2 * H])
    g, o = np.tanh(a[:, 2 * H : 3 * H]), _sigmoid(a[:, 3 * H :])
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c, {"x": x, "h_prev": h_prev, "c_prev": c_prev, "i": i, "f": f, "g": g, "o": o, "c": c}


def lstm_node_backward(dh_out: ndarray, dh_next: ndarray, dc_next: ndarray, cache: Cache, W: ndarray,
                       U: ndarray) -> tuple[ndarray, ndarray, ndarray, ndarray, ndarray, ndarray]:
    """Backward of :func:`lstm_node_forward`.

    Args:
        dh_out: ``(n, H)``, the gradient reaching ``h`` from this step's output.
        dh_next, dc_next: ``(n, H)``, the gradients reaching ``h`` and ``c`` from the next time step.
        cache: from the forward.
        W, U: the forward's weights.

    Returns:
        ``(dx, dh_prev, dc_prev, dW, dU, db)``, shapes of ``x``, ``h_prev``, ``c_prev``, ``W``, ``U``, ``(1, 4H)``.
    """
    x, h_prev, c_prev, c = cache["x"], cache["h_prev"], cache["c_prev"], cache["c"]
    i, f, g, o = cache["i"], cache["f"], cache["g"], cache["o"]
    dh = dh_out + dh_next                          # h feeds the output and the next step
    tanh_c = np.tanh(c)
    do = dh * tanh_c                               # h = o ⊙ tanh(c)
    dc = dc_next + dh * o * (1.0 - tanh_c**2)      # c feeds h and the next step's c
    da = np.concatenate([dc * g * i * (1.0 - i),   # through i = σ(a_i): σ' = i(1 - i)
                         dc * c_prev * f * (1.0 - f),
                         dc * i * (1.0 - g**2),    # through g = tanh(a_g)
                         do * o * (1.0 - o)], axis=1)
    return da @ W.T, da @ U.T, dc * f, x.T @ da, h_prev.T @ da, da.sum(axis=0, keepdims=True)


# ---------------------------------------------------------------- GRU node


def gru_node_forward(x: ndarray, h_prev: ndarray, W: ndarray, U: ndarray, b_x: ndarray,
                     b_h: ndarray) -> tuple[ndarray, Cache]:
    """One step of a GRU (PyTorch's variant, gates ``r, z, n``).

    Args:
        x: ``(n, n_in)``; h_prev: ``(n, H)``; W: ``(n_in, 3H)``; U: ``(H, 3H)``; b_x, b_h: ``(1, 3H)``.

    Returns:
        ``h`` ``(n, H)`` and the cache ``{"x", "h_prev", "r", "z", "n", "ah_n"}`` (``ah_n = h_prev U_n + b_h,n``).
    """
    _check_step(x, h_prev, W, U, 3)
    H = np.shape(h_prev)[1]
    ax, ah = x @ W + b_x, h_prev @ U + b_h
    r = _sigmoid(ax[:, :H] + ah[:, :H])
    z = _sigmoid(ax[:, H : 2 * H] + ah[:, H : 2 * H])
    ah_n = ah[:, 2 * H :]
    n = np.tanh(ax[:, 2 * H :] + r * ah_n)
    h = (1.0 - z) * n + z * h_prev
    return h, {"x": x, "h_prev": h_prev, "r": r, "z": z, "n": n, "ah_n": ah_n}


def gru_node_backward(dh_out: ndarray, dh_next: ndarray, cache: Cache, W: ndarray,
                      U: ndarray) -> tuple[ndarray, ndarray, ndarray, ndarray, ndarray, ndarray]:
    """Backward of :func:`gru_node_forward`.

    Returns:
        ``(dx, dh_prev, dW, dU, db_x, db_h)``, shapes of ``x``, ``h_prev``, ``W``, ``U``, ``(1, 3H)``, ``(1, 3H)``.
    """
    x, h_prev, r, z, n, ah_n = (cache[k] for k in ("x", "h_prev", "r", "z", "n", "ah_n"))
    dh = dh_out + dh_next
    da_n = dh * (1.0 - z) * (1.0 - n**2)          # through h = (1 - z) n + z h_prev, then n = tanh(...)
    da_z = dh * (h_prev - n) * z * (1.0 - z)
    da_r = da_n * ah_n * r * (1.0 - r)
    dax = np.concatenate([da_r, da_z, da_n], axis=1)
    dah = np.concatenate([da_r, da_z, da_n * r], axis=1)   # the hidden part of n is scaled by r
    dh_prev = dh * z + dah @ U.T                   # h_prev feeds h directly and through U
    return (dax @ W.T, dh_prev, x.T @ dax, h_prev.T @ dah,
            dax.sum(axis=0, keepdims=True), dah.sum(axis=0, keepdims=True))


# ---------------------------------------------------------------- layers


class RecurrentLayer(Layer):
    """A recurrent cell run along the time axis: input ``(n, T, n_in)`` -> output ``(n, T, H)``.

    The hidden state at every step is the output. ``forward`` starts from ``state``
    (zeros if ``None``) and leaves the last state in ``final_state``; ``backward`` takes
    ``∂L/∂output`` ``(n, T, H)`` (and optionally ``state_grad``, the gradient of the final
    state) and returns ``∂L/∂input`` ``(n, T, n_in)``; it leaves ``∂L/∂h_t`` for every
    step in ``hidden_grads`` ``(n, T, H)`` and the initial state's gradient in ``initial_state_grad``.

    Weights are created at the first ``forward`` from ``seed``, uniform in ``±1/√H`` (PyTorch's
    default), in the input's floating dtype (float32 stays float32). ``params()`` are
    ``[W, U, b]`` (``[W, U, b_x, b_h]`` for the GRU).

    Subclasses set ``blocks`` and ``state_size`` and write ``_steps_forward``/``_steps_backward``.
    """

    blocks = 1
    state_size = 1  # 1: (h,), 2: (h, c)

    def __init__(self, hidden: int, seed: int | None = None) -> None:
        super().__init__(hidden, seed)
        self.param_list: list[ndarray] = []
        self.grad_list: list[ndarray] | None = None
        self.final_state: tuple[ndarray, ...] | None = None
        self.hidden_grads: ndarray | None = None
        self.initial_state_grad: tuple[ndarray, ...] | None = None
        self._saved: dict[str, Any] = {}

    # -- parameters
    def _setup(self, input_: ndarray) -> None:
        rng = np.random.default_rng(self.seed)
        n_in, H, k = input_.shape[2], self.neurons, self.blocks
        dtype = input_.dtype if np.issubdtype(input_.dtype, np.floating) else np.float64
        bound = 1.0 / np.sqrt(H)
        shapes = [(n_in, k * H), (H, k * H)] + [(1, k * H)] * self._bias_count()
        self.param_list = [rng.uniform(-bound, bound, size=s).astype(dtype) for s in shapes]

    def _bias_count(self) -> int:
        return 1

    def set_params(self, params: list[ndarray]) -> None:
        """Use these arrays (e.g. from :func:`from_torch`) as the layer's parameters, shapes checked."""
        if self.param_list:
            for i, (old, new) in enumerate(zip(self.param_list, params)):
                check_shape(new, old.shape, f"parameter {i}")
        self.param_list = [np.asarray(p) for p in params]

    def params(self) -> list[ndarray]:
        return self.param_list

    def param_grads(self) -> list[ndarray]:
        if self.grad_list is None:
            raise RuntimeError("param_grads() needs a backward pass first.")
        return self.grad_list

    # -- forward and backward over the whole sequence
    def forward(self, input_: ndarray, training: bool = True, state: tuple[ndarray, ...] | None = None) -> ndarray:
        """``(n, T, n_in)`` -> ``(n, T, H)``, starting from ``state`` (a tuple of ``(n, H)`` arrays) or zeros."""
        X = np.asarray(input_)
        if X.ndim != 3:
            raise ValueError(f"{type(self).__name__} expects a batch of sequences (n, T, n_in); received shape {X.shape}")
        if not self.param_list:
            self._setup(X)
        W = self.param_list[0]
        n, T, n_in = X.shape
        check_shape(W, (n_in, self.blocks * self.neurons), f"{type(self).__name__}: W for inputs of width {n_in}")
        X_t = np.ascontiguousarray(X.transpose(1, 0, 2), dtype=W.dtype)  # time-major (T, n, n_in)
        zeros = np.zeros((n, self.neurons), dtype=W.dtype)
        start = tuple(np.asarray(s, dtype=W.dtype) for s in state) if state is not None else (zeros,) * self.state_size
        for s in start:
            check_shape(s, (n, self.neurons), f"{type(self).__name__}: every initial state array")
        Hs, final = self._steps_forward(X_t, start)
        self.final_state = final
        self._saved = {"X_t": X_t, "start": start, **self._saved}
        self.output = Hs.transpose(1, 0, 2)
        return self.output

    def backward(self, output_grad: ndarray, state_grad: tuple[ndarray, ...] | None = None) -> ndarray:
        """``∂L/∂output`` ``(n, T, H)`` -> ``∂L/∂input`` ``(n, T, n_in)``; sets ``param_grads()``."""
        if self.output is None:
            raise RuntimeError(f"{type(self).__name__}.backward was called before forward: run forward first.")
        check_shape(output_grad, self.output.shape, f"{type(self).__name__}.backward: output_grad must have the output's shape")
        W = self.param_list[0]
        dY = np.ascontiguousarray(np.asarray(output_grad).transpose(1, 0, 2), dtype=W.dtype)
        n = dY.shape[1]
        zeros = np.zeros((n, self.neurons), dtype=W.dtype)
        end = tuple(np.asarray(g, dtype=W.dtype) for g in state_grad) if state_grad is not None else (zeros,) * self.state_size
        dX_t, dH, self.initial_state_grad, self.grad_list = self._steps_backward(dY, end)
        self.hidden_grads = dH.transpose(1, 0, 2)
        return dX_t.transpose(1, 0, 2)

    def _steps_forward(self, X_t: ndarray, start: tuple[ndarray, ...]) -> tuple[ndarray, tuple[ndarray, ...]]:
        raise NotImplementedError()

    def _steps_backward(self, dY: ndarray, end: tuple[ndarray, ...]
                        ) -> tuple[ndarray, ndarray, tuple[ndarray, ...], list[ndarray]]:
        raise NotImplementedError()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.neurons})"


def _input_part(X_t: ndarray, W: ndarray, b: ndarray) -> ndarray:
    """``x_t W + b`` for every step at once: ``(T, n, n_in)`` -> ``(T, n, k·H)`` (one big matrix product)."""
    T, n, n_in = X_t.shape
    return (X_t.reshape(T * n, n_in) @ W + b).reshape(T, n, -1)


def _weight_grads(X_t: ndarray, H_prev: ndarray, dA: ndarray, dA_h: ndarray | None = None) -> tuple[ndarray, ndarray]:
    """``dW = Σ_t x_tᵀ da_t`` and ``dU = Σ_t h_{t-1}ᵀ da_t``: the weights were used at every step, so their
    gradients add over time -- computed as one matrix product over all ``T·n`` rows."""
    T, n, n_in = X_t.shape
    rows = dA.reshape(T * n, -1)
    rows_h = rows if dA_h is None else dA_h.reshape(T * n, -1)
    return X_t.reshape(T * n, n_in).T @ rows, H_prev.reshape(T * n, -1).T @ rows_h


class RNNLayer(RecurrentLayer):
    """A vanilla RNN over a sequence; params ``[W (n_in, H), U (H, H), b (1, H)]``."""

    def _steps_forward(self, X_t: ndarray, start: tuple[ndarray, ...]) -> tuple[ndarray, tuple[ndarray, ...]]:
        W, U, b = self.param_list
        A = _input_part(X_t, W, b)
        T = X_t.shape[0]
        Hs = np.empty((T + 1,) + start[0].shape, dtype=W.dtype)   # Hs[0] = h_0, Hs[t + 1] = h after step t
        Hs[0] = start[0]
        for t in range(T):
            np.tanh(A[t] + Hs[t] @ U, out=Hs[t + 1])
        self._saved = {"Hs": Hs}
        return Hs[1:], (Hs[T].copy(),)

    def _steps_backward(self, dY: ndarray, end: tuple[ndarray, ...]
                        ) -> tuple[ndarray, ndarray, tuple[ndarray, ...], list[ndarray]]:
        W, U, _ = self.param_list
        Hs, X_t = self._saved["Hs"], self._saved["X_t"]
        T = dY.shape[0]
        dA = np.empty_like(dY)
        dH = np.empty_like(dY)
        dh_next = end[0]
        for t in range(T - 1, -1, -1):
            dH[t] = dY[t] + dh_next                       # from the output and from step t + 1
            h = Hs[t + 1]
            dA[t] = dH[t] * (1.0 - h * h)
            dh_next = dA[t] @ U.T
        dW, dU = _weight_grads(X_t, Hs[:-1], dA)
        dX = (dA.reshape(-1, dA.shape[2]) @ W.T).reshape(X_t.shape)
        return dX, dH, (dh_next,), [dW, dU, dA.sum(axis=(0, 1)).reshape(1, -1)]


class LSTMLayer(RecurrentLayer):
    """An LSTM over a sequence; params ``[W (n_in, 4H), U (H, 4H), b (1, 4H)]``, gates ``i, f, g, o``.

    The state is ``(h, c)``. With ``forget_bias`` (default 0, PyTorch's) added to the
    forget gate's bias at creation, the cell starts out remembering more.
    """

    blocks = 4
    state_size = 2

    def __init__(self, hidden: int, seed: int | None = None, forget_bias: float = 0.0) -> None:
        super().__init__(hidden, seed)
        self.forget_bias = forget_bias

    def _setup(self, input_: ndarray) -> None:
        super()._setup(input_)
        H = self.neurons
        self.param_list[2][0, H : 2 * H] += self.forget_bias

    def _steps_forward(self, X_t: ndarray, start: tuple[ndarray, ...]) -> tuple[ndarray, tuple[ndarray, ...]]:
        W, U, b = self.param_list
        H = self.neurons
        # σ(a) = (1 + tanh(a/2)) / 2: with the i, f, o columns of W, U and b halved, one tanh over the
        # whole row gives tanh(a/2) for those gates and tanh(a_g) for g; then `* scale + shift` finishes σ.
        scale = np.full(4 * H, 0.5, dtype=W.dtype)
        scale[2 * H : 3 * H] = 1.0
        shift = np.where(scale == 0.5, 0.5, 0.0).astype(W.dtype)
        A = _input_part(X_t, W * scale, b * scale)     # becomes the gates, in place, step by step
        U_half = U * scale
        T, n = X_t.shape[:2]
        Hs = np.empty((T + 1, n, H), dtype=W.dtype)
        Cs = np.empty((T + 1, n, H), dtype=W.dtype)
        tanh_C = np.empty((T, n, H), dtype=W.dtype)
        Hs[0], Cs[0] = start
        for t in range(T):
            a = A[t]
            a += Hs[t] @ U_half
            np.tanh(a, out=a)
            a *= scale
            a += shift                                   # a is now [i | f | g | o]
            i, f, g, o = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
            c = Cs[t + 1]
            np.multiply(f, Cs[t], out=c)
            c += i * g
            np.tanh(c, out=tanh_C[t])
            np.multiply(o, tanh_C[t], out=Hs[t + 1])
        self._saved = {"Hs": Hs, "Cs": Cs, "gates": A, "tanh_C": tanh_C}
        return Hs[1:], (Hs[T].copy(), Cs[T].copy())

    def _steps_backward(self, dY: ndarray, end: tuple[ndarray, ...]
                        ) -> tuple[ndarray, ndarray, tuple[ndarray, ...], list[ndarray]]:
        W, U, _ = self.param_list
        H = self.neurons
        Hs, Cs, G, tanh_C, X_t = (self._saved[k] for k in ("Hs", "Cs", "gates", "tanh_C", "X_t"))
        T, n = dY.shape[:2]
        i, f, g, o = G[..., :H], G[..., H : 2 * H], G[..., 2 * H : 3 * H], G[..., 3 * H :]
        # the local derivatives do not depend on the gradient coming back: compute them for all steps at once
        h_to_c = o * (1.0 - tanh_C * tanh_C)                                   # ∂h_t/∂c_t
        c_to_a = np.stack([g * i * (1.0 - i), Cs[:-1] * f * (1.0 - f), i * (1.0 - g * g)], axis=2)  # ∂c_t/∂a_i,f,g
        h_to_a = tanh_C * o * (1.0 - o)                                        # ∂h_t/∂a_o
        dA = np.empty((T, n, 4, H), dtype=G.dtype)                             # the blocks i, f, g, o of ∂L/∂a
        dH = np.empty_like(dY)
        dh_next, dc = end[0], end[1].copy()
        UT = np.ascontiguousarray(U.T)
        for t in range(T - 1, -1, -1):
            dh = dH[t]
            np.add(dY[t], dh_next, out=dh)              # from the output and from step t + 1
            dc += dh * h_to_c[t]                        # c feeds h, and the next step's c (already in dc)
            np.multiply(c_to_a[t], dc[:, None, :], out=dA[t, :, :3])
            np.multiply(dh, h_to_a[t], out=dA[t, :, 3])
            dh_next = dA[t].reshape(n, 4 * H) @ UT
            dc *= f[t]                                   # ∂c_t/∂c_(t-1) = f
        dA_rows = dA.reshape(T, n, 4 * H)
        dW, dU = _weight_grads(X_t, Hs[:-1], dA_rows)
        dX = (dA_rows.reshape(-1, 4 * H) @ W.T).reshape(X_t.shape)
        return dX, dH, (dh_next, dc), [dW, dU, dA_rows.sum(axis=(0, 1)).reshape(1, -1)]


class GRULayer(RecurrentLayer):
    """A GRU over a sequence (PyTorch's variant); params ``[W (n_in, 3H), U (H, 3H), b_x (1, 3H), b_h (1, 3H)]``."""

    blocks = 3

    def _bias_count(self) -> int:
        return 2

    def _steps_forward(self, X_t: ndarray, start: tuple[ndarray, ...]) -> tuple[ndarray, tuple[ndarray, ...]]:
        W, U, b_x, b_h = self.param_list
        H = self.neurons
        AX = _input_part(X_t, W, b_x)
        T, n = X_t.shape[:2]
        Hs = np.empty((T + 1, n, H), dtype=W.dtype)
        R, Z, N, AH_n = (np.empty((T, n, H), dtype=W.dtype) for _ in range(4))
        Hs[0] = start[0]
        for t in range(T):
            ah = Hs[t] @ U + b_h
            ax = AX[t]
            R[t] = _sigmoid(ax[:, :H] + ah[:, :H])
            Z[t] = _sigmoid(ax[:, H : 2 * H] + ah[:, H : 2 * H])
            AH_n[t] = ah[:, 2 * H :]
            N[t] = np.tanh(ax[:, 2 * H :] + R[t] * AH_n[t])
            Hs[t + 1] = N[t] + Z[t] * (Hs[t] - N[t])
        self._saved = {"Hs": Hs, "R": R, "Z": Z, "N": N, "AH_n": AH_n}
        return Hs[1:], (Hs[T].copy(),)

    def _steps_backward(self, dY: ndarray, end: tuple[ndarray, ...]
                        ) -> tuple[ndarray, ndarray, tuple[ndarray, ...], list[ndarray]]:
        W, U = self.param_list[:2]
        H = self.neurons
        Hs, R, Z, N, AH_n, X_t = (self._saved[k] for k in ("Hs", "R", "Z", "N", "AH_n", "X_t"))
        T = dY.shape[0]
        dAX = np.empty(dY.shape[:2] + (3 * H,), dtype=dY.dtype)
        dAH = np.empty_like(dAX)
        dH = np.empty_like(dY)
        dh_next = end[0]
        UT = np.ascontiguousarray(U.T)
        for t in range(T - 1, -1, -1):
            dh = dH[t]
            np.add(dY[t], dh_next, out=dh)
            r, z, n_ = R[t], Z[t], N[t]
            da_n = dh * (1.0 - z) * (1.0 - n_ * n_)
            da_z = dh * (Hs[t] - n_) * z * (1.0 - z)
            da_r = da_n * AH_n[t] * r * (1.0 - r)
            dAX[t, :, :H], dAX[t, :, H : 2 * H], dAX[t, :, 2 * H :] = da_r, da_z, da_n
            dAH[t, :, :H], dAH[t, :, H : 2 * H], dAH[t, :, 2 * H :] = da_r, da_z, da_n * r
            dh_next = dh * z + dAH[t] @ UT
        dW, dU = _weight_grads(X_t, Hs[:-1], dAX, dAH)
        dX = (dAX.reshape(-1, 3 * H) @ W.T).reshape(X_t.shape)
        return dX, dH, (dh_next,), [dW, dU, dAX.sum(axis=(0, 1)).reshape(1, -1), dAH.sum(axis=(0, 1)).reshape(1, -1)]


# ---------------------------------------------------------------- PyTorch's layout

_TORCH = {"RNNLayer": "RNN", "LSTMLayer": "LSTM", "GRULayer": "GRU"}


def torch_weights(layer: RecurrentLayer) -> dict[str, ndarray]:
    """The layer's parameters in ``torch.nn.{RNN, LSTM, GRU}``'s layout (one layer, batch_first or not).

    Keys ``weight_ih_l0`` ``(k·H, n_in)``, ``weight_hh_l0`` ``(k·H, H)``, ``bias_ih_l0``, ``bias_hh_l0`` ``(k·H,)``;
    the RNN's and LSTM's single bias goes to ``bias_ih_l0`` (``bias_hh_l0`` is zeros).
    """
    p = layer.params()
    if not p:
        raise RuntimeError("the layer has no parameters yet: run forward once (or set_params) first.")
    out = {"weight_ih_l0": p[0].T.copy(), "weight_hh_l0": p[1].T.copy(), "bias_ih_l0": p[2][0].copy()}
    out["bias_hh_l0"] = p[3][0].copy() if len(p) == 4 else np.zeros_like(p[2][0])
    return out


def from_torch(state: dict[str, Any], gru: bool = False) -> list[ndarray]:
    """Parameters for :meth:`RecurrentLayer.set_params` from a torch module's ``state_dict()`` (arrays or tensors).

    ``gru=True`` keeps both biases (``[W, U, b_x, b_h]``); otherwise they are summed (``[W, U, b]``).
    """
    arr = {k: np.asarray(v.detach().cpu().numpy() if hasattr(v, "detach") else v) for k, v in state.items()}
    W, U = arr["weight_ih_l0"].T.copy(), arr["weight_hh_l0"].T.copy()
    b_x, b_h = arr["bias_ih_l0"].reshape(1, -1), arr["bias_hh_l0"].reshape(1, -1)
    return [W, U, b_x.copy(), b_h.copy()] if gru else [W, U, b_x + b_h]
