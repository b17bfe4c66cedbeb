"""Chapter 05: linear regression and a first neural network, forward and backward by hand.

Conventions (every array is 2-D):

- ``X``: a batch of observations, shape ``(n, k)``: ``n`` rows, ``k`` features.
- ``y``: their targets, shape ``(n, 1)`` -- a column, never a flat ``(n,)`` vector
  (``(n, 1) - (n,)`` would silently broadcast to ``(n, n)``).
- Linear regression weights: ``{"W": (k, 1), "B": (1, 1)}``.
- Two-layer network weights: ``{"W1": (k, h), "B1": (1, h), "W2": (h, 1), "B2": (1, 1)}``
  with ``h`` hidden units.

The loss is the **mean** squared error ``L = (1/n) Σ_i (P_i - y_i)²``, and every
gradient here is the true gradient of that number: it contains the ``2/n``.
A forward function returns ``(loss, forward_info)``: the loss and every
intermediate array the backward function needs. A backward function returns a
dict with one gradient per weight, each of the shape of its weight.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy import ndarray

from dlfs.functions import sigmoid

#: Weights by name, e.g. ``{"W": (k, 1), "B": (1, 1)}``.
Weights = dict[str, ndarray]
#: The arrays a forward pass keeps for the backward pass, by name.
ForwardInfo = dict[str, ndarray]
#: ``forward(X, y, weights) -> (loss, forward_info)``.
ForwardFunction = Callable[[ndarray, ndarray, Weights], tuple[float, ForwardInfo]]
#: ``backward(forward_info, weights) -> gradients`` (same keys and shapes as the weights).
BackwardFunction = Callable[[ForwardInfo, Weights], Weights]


# ---------------------------------------------------------------- shapes


def check_batch(X: ndarray, y: ndarray | None = None) -> None:
    """Raise ``ValueError`` unless ``X`` is ``(n, k)`` and ``y`` (if given) is ``(n, 1)``."""
    if np.ndim(X) != 2:
        raise ValueError(f"X must be 2-D (n observations, k features); got shape {np.shape(X)}")
    if y is not None and np.shape(y) != (X.shape[0], 1):
        raise ValueError(
            f"y must be a column of shape (n, 1) = ({X.shape[0]}, 1) to match X {X.shape}; got shape {np.shape(y)}"
            + (" -- use y.reshape(-1, 1)" if np.ndim(y) == 1 else "")
        )


def _check_weight(weights: Weights, name: str, shape: tuple[int, int]) -> None:
    if name not in weights:
        raise ValueError(f"weights has no {name!r}; it has {sorted(weights)}")
    if np.shape(weights[name]) != shape:
        raise ValueError(f"weights[{name!r}] must have shape {shape}; got {np.shape(weights[name])}")


def check_linear_weights(X: ndarray, weights: Weights) -> None:
    """Raise ``ValueError`` unless ``weights`` has ``W`` of shape ``(k, 1)`` and ``B`` of shape ``(1, 1)`` for ``X (n, k)``."""
    _check_weight(weights, "W", (X.shape[1], 1))
    _check_weight(weights, "B", (1, 1))


def check_nn_weights(X: ndarray, weights: Weights) -> None:
    """Raise ``ValueError`` unless ``weights`` fits a two-layer network on ``X (n, k)``: ``W1 (k, h)``, ``B1 (1, h)``, ``W2 (h, 1)``, ``B2 (1, 1)``."""
    if "W1" not in weights or np.ndim(weights["W1"]) != 2:
        raise ValueError(f"weights needs a 2-D 'W1' of shape (k, h); got {sorted(weights)}")
    h = weights["W1"].shape[1]
    _check_weight(weights, "W1", (X.shape[1], h))
    _check_weight(weights, "B1", (1, h))
    _check_weight(weights, "W2", (h, 1))
    _check_weight(weights, "B2", (1, 1))


# ---------------------------------------------------------------- linear regression


def init_weights(n_features: int, seed: int = 0, scale: float = 0.1, bias: float = 0.0) -> Weights:
    """Starting weights for linear regression: ``W (k, 1)`` small normal numbers, ``B (1, 1)`` equal to ``bias``."""
    rng = np.random.default_rng(seed)
    return {"W": scale * rng.normal(size=(n_features, 1)), "B": np.full((1, 1), float(bias))}


def forward_linear_regression(X_batch: ndarray, y_batch: ndarray, weights: Weights) -> tuple[float, ForwardInfo]:
    """Predictions ``P = X @ W + B`` and their mean squared error.

    Args:
        X_batch: ``(n, k)``.
        y_batch: ``(n, 1)``.
        weights: ``{"W": (k, 1), "B": (1, 1)}``.

    Returns:
        ``(loss, forward_info)``: ``loss = mean((P - y)²)`` as a float, and
        ``{"X": X_batch (n, k), "N": X @ W (n, 1), "P": N + B (n, 1), "y": y_batch (n, 1)}``.

    Raises:
        ValueError: naming the shapes, if they do not fit together.
    """
    check_batch(X_batch, y_batch)
    check_linear_weights(X_batch, weights)
    N = X_batch @ weights["W"]
    P = N + weights["B"]  # B (1, 1) is broadcast onto every row
    loss = float(np.mean((P - y_batch) ** 2))
    return loss, {"X": X_batch, "N": N, "P": P, "y": y_batch}


def loss_gradients(forward_info: ForwardInfo, weights: Weights) -> Weights:
    """Gradients of ``L = mean((X @ W + B - y)²)`` with respect to ``W`` and ``B``.

    ``dL/dP = (2/n)(P - y)``, shape ``(n, 1)``; then ``dL/dW = Xᵀ @ dL/dP``, shape ``(k, 1)``,
    and ``dL/dB`` adds up ``dL/dP`` over the batch (``B`` is added to every row): shape ``(1, 1)``.

    Args:
        forward_info: from :func:`forward_linear_regression`: ``X (n, k)``, ``N (n, 1)``, ``P (n, 1)``, ``y (n, 1)``.
        weights: ``{"W": (k, 1), "B": (1, 1)}`` (only their shapes are needed).

    Returns:
        ``{"W": (k, 1), "B": (1, 1)}``.
    """
    X, P, y = forward_info["X"], forward_info["P"], forward_info["y"]
    n = X.shape[0]
    dL_dP = (2.0 / n) * (P - y)                  # (n, 1)
    dL_dW = X.T @ dL_dP                          # (k, n) @ (n, 1) -> (k, 1)
    dL_dB = dL_dP.sum(axis=0, keepdims=True)     # (1, 1)
    assert dL_dW.shape == weights["W"].shape and dL_dB.shape == weights["B"].shape
    return {"W": dL_dW, "B": dL_dB}


def predict(X: ndarray, weights: Weights) -> ndarray:
    """Linear regression's predictions ``X @ W + B``: ``X (n, k)`` in, ``(n, 1)`` out."""
    check_batch(X)
    check_linear_weights(X, weights)
    return X @ weights["W"] + weights["B"]


# ---------------------------------------------------------------- a two-layer neural network


def init_weights_nn(n_features: int, hidden: int, seed: int = 0, bias: float = 0.0) -> Weights:
    """Starting weights for a two-layer network with ``hidden`` units.

    ``W1 (k, h)`` and ``W2 (h, 1)`` are normal numbers scaled by ``1/sqrt(fan-in)`` (so a
    hidden unit's input starts at a moderate size, where the sigmoid is not flat);
    ``B1 (1, h)`` is zero and ``B2 (1, 1)`` equals ``bias`` (e.g. the mean target).
    """
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.normal(size=(n_features, hidden)) / np.sqrt(n_features),
        "B1": np.zeros((1, hidden)),
        "W2": rng.normal(size=(hidden, 1)) / np.sqrt(hidden),
        "B2": np.full((1, 1), float(bias)),
    }


def forward_loss_nn(X_batch: ndarray, y_batch: ndarray, weights: Weights) -> tuple[float, ForwardInfo]:
    """The two-layer network's forward pass and mean squared error.

    ``M1 = X @ W1``, ``N1 = M1 + B1``, ``O1 = σ(N1)`` (``n, h`` each), ``M2 = O1 @ W2``,
    ``P = M2 + B2`` (``n, 1`` each), ``loss = mean((P - y)²)``.

    Args:
        X_batch: ``(n, k)``.
        y_batch: ``(n, 1)``.
        weights: ``{"W1": (k, h), "B1": (1, h), "W2": (h, 1), "B2": (1, 1)}``.

    Returns:
        ``(loss, {"X", "M1", "N1", "O1", "M2", "P", "y"})``.

    Raises:
        ValueError: naming the shapes, if they do not fit together.
    """
    check_batch(X_batch, y_batch)
    check_nn_weights(X_batch, weights)
    M1 = X_batch @ weights["W1"]
    N1 = M1 + weights["B1"]
    O1 = sigmoid(N1)
    M2 = O1 @ weights["W2"]
    P = M2 + weights["B2"]
    loss = float(np.mean((P - y_batch) ** 2))
    return loss, {"X": X_batch, "M1": M1, "N1": N1, "O1": O1, "M2": M2, "P": P, "y": y_batch}


def loss_gradients_nn(forward_info: ForwardInfo, weights: Weights) -> Weights:
    """Gradients of the two-layer network's mean squared error with respect to all four weights.

    Backwards through the forward pass of :func:`forward_loss_nn`::

        dL/dP  = (2/n)(P - y)                  (n, 1)
        dL/dW2 = O1ᵀ @ dL/dP                   (h, 1)
        dL/dB2 = sum over rows of dL/dP        (1, 1)
        dL/dO1 = dL/dP @ W2ᵀ                   (n, h)
        dL/dN1 = dL/dO1 * σ'(N1)               (n, h), σ'(N1) = σ(N1)(1 - σ(N1)) = O1 (1 - O1)
        dL/dW1 = Xᵀ @ dL/dN1                   (k, h)
        dL/dB1 = sum over rows of dL/dN1       (1, h)

    Returns:
        ``{"W1": (k, h), "B1": (1, h), "W2": (h, 1), "B2": (1, 1)}``.
    """
    X, N1, O1, P, y = (forward_info[key] for key in ("X", "N1", "O1", "P", "y"))
    n = X.shape[0]
    dL_dP = (2.0 / n) * (P - y)
    dL_dW2 = O1.T @ dL_dP
    dL_dB2 = dL_dP.sum(axis=0, keepdims=True)
    dL_dO1 = dL_dP @ weights["W2"].T
    dsigma = sigmoid(N1) * (1.0 - sigmoid(N1))   # σ' at N1, the value that went into σ
    dL_dN1 = dL_dO1 * dsigma
    dL_dW1 = X.T @ dL_dN1
    dL_dB1 = dL_dN1.sum(axis=0, keepdims=True)
    grads = {"W1": dL_dW1, "B1": dL_dB1, "W2": dL_dW2, "B2": dL_dB2}
    for key, grad in grads.items():
        assert grad.shape == weights[key].shape, f"dL/d{key} has shape {grad.shape}, {key} has {weights[key].shape}"
    return grads


def predict_nn(X: ndarray, weights: Weights) -> ndarray:
    """The two-layer network's predictions ``σ(X @ W1 + B1) @ W2 + B2``: ``X (n, k)`` in, ``(n, 1)`` out."""
    check_batch(X)
    check_nn_weights(X, weights)
    return sigmoid(X @ weights["W1"] + weights["B1"]) @ weights["W2"] + weights["B2"]


# ---------------------------------------------------------------- training


def _epoch(X: ndarray, y: ndarray, weights: Weights, forward: ForwardFunction, backward: BackwardFunction,
           learning_rate: float, batch_size: int, order: ndarray) -> Weights:
    w = dict(weights)
    for start in range(0, X.shape[0], batch_size):
        rows = order[start:start + batch_size]
        _, info = forward(X[rows], y[rows], w)
        grads = backward(info, w)
        w = {key: value - learning_rate * grads[key] for key, value in w.items()}
    return w


def train_epoch(X: ndarray, y: ndarray, weights: Weights, forward: ForwardFunction, backward: BackwardFunction,
                learning_rate: float, batch_size: int, order: ndarray) -> Weights:
    """One epoch of mini-batch gradient descent: one step per batch, the batches in the order ``order`` gives.

    Batch ``j`` holds the rows ``order[j·b : (j + 1)·b]`` of ``X`` and ``y`` (``b = batch_size``; the
    last batch may be smaller). For each batch in turn, with the weights as the steps before left them:
    ``forward`` and ``backward`` give the gradient of the batch's loss, and every weight takes the
    step ``θ ← θ − η ∂L/∂θ``.

    Args:
        X: ``(n, k)``; y: ``(n, 1)``.
        weights: the weights by name (left unchanged: the result is a new dict of new arrays).
        forward: ``forward(X_batch, y_batch, weights) -> (loss, forward_info)``.
        backward: ``backward(forward_info, weights) -> gradients``, the weights' keys and shapes.
        learning_rate: the step size η.
        batch_size: rows per step, ``b >= 1``.
        order: ``(n,)`` integers, the rows in the order this epoch visits them (a permutation of ``0 .. n - 1``).

    Returns:
        The weights after ``ceil(n / b)`` steps, the same keys and shapes.
    """
    return _epoch(X, y, weights, forward, backward, learning_rate, batch_size, order)


def train(
    X: ndarray,
    y: ndarray,
    weights: Weights,
    *,
    forward: ForwardFunction = forward_linear_regression,
    backward: BackwardFunction = loss_gradients,
    learning_rate: float = 0.01,
    epochs: int = 100,
    batch_size: int = 32,
    seed: int = 0,
    X_val: ndarray | None = None,
    y_val: ndarray | None = None,
) -> tuple[Weights, dict[str, list[float]]]:
    """Mini-batch gradient descent: every epoch, shuffle the rows, then step once per batch.

    Each epoch is :func:`train_epoch` with ``order = rng.permutation(n)`` from a generator seeded
    with ``seed``.

    Args:
        X: training inputs ``(n, k)``; y: targets ``(n, 1)``.
        weights: the starting weights (not modified: training works on a copy).
        forward, backward: the model's forward and backward functions (linear regression
            by default; :func:`forward_loss_nn` and :func:`loss_gradients_nn` for the network).
        learning_rate: the step size η.
        epochs: passes over the training rows.
        batch_size: rows per step (the last batch of an epoch may be smaller).
        seed: seeds the shuffling, so a run is repeatable.
        X_val, y_val: optional validation rows, whose loss is recorded too.

    Returns:
        ``(weights, history)``: the trained weights, and ``history["train"]`` (and
        ``history["validation"]`` if given) -- the loss on all those rows before training
        and after every epoch (``epochs + 1`` numbers).

    Raises:
        ValueError: if ``X`` and ``y`` do not fit together, or ``batch_size``/``epochs`` make no sense.
        FloatingPointError: if the loss overflows (the learning rate is too large).
    """
    check_batch(X, y)
    if batch_size < 1 or epochs < 0:
        raise ValueError(f"need batch_size >= 1 and epochs >= 0; got batch_size={batch_size}, epochs={epochs}")
    rng = np.random.default_rng(seed)
    w = {key: np.array(value, dtype=np.float64) for key, value in weights.items()}
    history: dict[str, list[float]] = {"train": [forward(X, y, w)[0]]}
    if X_val is not None and y_val is not None:
        history["validation"] = [forward(X_val, y_val, w)[0]]
    n = X.shape[0]
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is reported below, not warned about
            w = _epoch(X, y, w, forward, backward, learning_rate, batch_size, order)  # what train_epoch does
            loss = forward(X, y, w)[0]
        if not np.isfinite(loss):
            raise FloatingPointError(
                f"training diverged: the loss became {loss} in epoch {epoch}; try a smaller learning_rate (now {learning_rate})"
            )
        history["train"].append(loss)
        if "validation" in history:
            history["validation"].append(forward(X_val, y_val, w)[0])  # type: ignore[arg-type]
    return w, history


# ---------------------------------------------------------------- how good are the predictions?


def _pair(y_true: ndarray, y_pred: ndarray) -> tuple[ndarray, ndarray]:
    t, p = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred must have the same shape; got {t.shape} and {p.shape}")
    return t, p


def mae(y_true: ndarray, y_pred: ndarray) -> float:
    """Mean absolute error ``mean(|y_pred - y_true|)``, in the target's units. Arrays of one shape."""
    t, p = _pair(y_true, y_pred)
    return float(np.mean(np.abs(p - t)))


def rmse(y_true: ndarray, y_pred: ndarray) -> float:
    """Root mean squared error ``sqrt(mean((y_pred - y_true)²))``, in the target's units. Arrays of one shape."""
    t, p = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((p - t) ** 2)))
