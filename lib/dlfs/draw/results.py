"""Data and results: the data set, fits, training histories, weights, accuracies.

- :func:`plot_target_against_features`, :func:`plot_line_and_errors`, :func:`plot_loss_histories`,
  :func:`plot_predicted_vs_actual`, :func:`plot_feature_weights`, :func:`plot_fits_1d`,
  :func:`plot_hidden_units_1d` -- regression (chapter 05).
- :func:`plot_digits`, :func:`plot_accuracy_histories`, :func:`plot_learning_rate_sweep` -- classification (chapter 06).
- :func:`activation_spread`, :func:`plot_activation_spread`, :func:`plot_relu_init_spread`, :func:`plot_ladder` --
  initialisation and the experiment ladder (chapter 07).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from numpy import ndarray

from dlfs.draw.canvas import Diagram
from dlfs.functions import sigmoid


def _plot_axes(figsize: tuple[float, float] = (6.4, 4.3)) -> tuple[Diagram, Axes]:
    fig = Diagram(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def plot_target_against_features(X: ndarray, y: ndarray, feature_names: Sequence[str], *,
                                 title: str = "The target against each feature (training rows)") -> Diagram:
    """One small scatter plot per feature: the target ``y (n, 1)`` against column ``j`` of ``X (n, k)``,
    with the correlation in each panel's title."""
    k = X.shape[1]
    cols = min(k, 5)
    rows = int(np.ceil(k / cols))
    fig = Diagram(figsize=(2.6 * cols, 2.4 * rows + 0.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, sharey=True)).ravel()
    for j, ax in enumerate(axes):
        if j >= k:
            ax.set_axis_off()
            continue
        ax.scatter(X[:, j], y[:, 0], s=6, alpha=0.5, color="tab:blue")
        r = np.corrcoef(X[:, j], y[:, 0])[0, 1]
        ax.set_title(f"{feature_names[j]}: correlation {r:+.2f}", fontsize=10)
        ax.set_xlabel(f"{feature_names[j]} (standardized)", fontsize=9)
        if j % cols == 0:
            ax.set_ylabel("target y", fontsize=9)
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    return fig


def plot_line_and_errors(x: ndarray, y: ndarray, w: float, b: float, *, feature: str = "x",
                         target: str = "y", title: str | None = None) -> Diagram:
    """Data points, the line ``ŷ = w·x + b``, and each point's error ``ŷ - y`` as a vertical segment;
    the mean of the squared segment lengths is in the title."""
    x, y = np.ravel(x), np.ravel(y)
    fig, ax = _plot_axes()
    pred = w * x + b
    ax.vlines(x, y, pred, color="tab:red", lw=0.8, alpha=0.6, label="error $\\hat{y} - y$ of each point")
    ax.scatter(x, y, s=10, color="tab:blue", zorder=3, label="data")
    grid = np.linspace(x.min(), x.max(), 2)
    ax.plot(grid, w * grid + b, color="black", lw=2, label=f"$\\hat{{y}}$ = {w:.1f}·{feature} + {b:.1f}")
    mse = float(np.mean((pred - y) ** 2))
    ax.set_title(title or f"A line and its errors: mean squared error {mse:,.0f}")
    ax.set_xlabel(feature)
    ax.set_ylabel(target)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    return fig


def plot_loss_histories(histories: Mapping[str, Sequence[float]], *, title: str = "Loss during training",
                        xlabel: str = "epoch", ylabel: str | None = None, log: bool = True,
                        ylim: tuple[float, float] | None = None) -> Diagram:
    """One curve per history (label -> one number per epoch, epoch 0 = before training).

    ``log`` puts the vertical axis on a log scale; ``ylim`` fixes its range.
    """
    fig, ax = _plot_axes()
    for label, losses in histories.items():
        ax.plot(np.arange(len(losses)), losses, lw=1.8, label=label)
    if log:
        ax.set_yscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel or ("mean squared error (log scale)" if log else "mean squared error"))
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small")
    return fig


def plot_predicted_vs_actual(y_true: ndarray, predictions: Mapping[str, ndarray], *,
                             title: str = "Predictions against the truth (test rows)") -> Diagram:
    """Scatter of predicted against actual target for each model (label -> ``(n, 1)`` predictions),
    with the diagonal ``predicted = actual`` where a perfect model's points would lie."""
    fig, ax = _plot_axes((5.6, 5.0))
    t = np.ravel(y_true)
    for (label, p), marker in zip(predictions.items(), "o^sD"):
        ax.scatter(t, np.ravel(p), s=16, alpha=0.6, marker=marker, label=label)
    lo = float(min(t.min(), *(np.min(p) for p in predictions.values())))
    hi = float(max(t.max(), *(np.max(p) for p in predictions.values())))
    ax.plot([lo, hi], [lo, hi], color="black", lw=1, ls="--", label="perfect: predicted = actual")
    ax.set_title(title)
    ax.set_xlabel("actual target y")
    ax.set_ylabel("predicted target $\\hat{y}$")
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def plot_feature_weights(weights: Mapping[str, ndarray], feature_names: Sequence[str], *,
                         title: str = "The weights: change in prediction per standard deviation of each feature",
                         ylabel: str = "weight (target units per standard deviation)") -> Diagram:
    """Bar chart of one or more weight vectors (label -> ``(k, 1)`` or ``(k,)``), side by side per feature."""
    fig, ax = _plot_axes((9.0, 4.3))
    k = len(feature_names)
    width = 0.8 / len(weights)
    for i, (label, w) in enumerate(weights.items()):
        values = np.ravel(w)
        if values.shape != (k,):
            raise ValueError(f"weights {label!r} must have {k} values, one per feature; got shape {np.shape(w)}")
        ax.bar(np.arange(k) + (i - (len(weights) - 1) / 2) * width, values, width=width, label=label)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(np.arange(k), list(feature_names))
    ax.set_title(title)
    ax.set_xlabel("feature")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3, axis="y")
    if len(weights) > 1:
        ax.legend(fontsize="small")
    return fig


def plot_fits_1d(x: ndarray, y: ndarray, x_grid: ndarray, curves: Mapping[str, ndarray], *,
                 title: str = "Fits to one input", xlabel: str = "input x", ylabel: str = "target y") -> Diagram:
    """Data points and one fitted curve per model (label -> predictions at ``x_grid``, shape ``(m, 1)``)."""
    fig, ax = _plot_axes((7.0, 4.3))
    ax.scatter(np.ravel(x), np.ravel(y), s=8, alpha=0.45, color="grey", label="data")
    for label, values in curves.items():
        ax.plot(np.ravel(x_grid), np.ravel(values), lw=2.2, label=label)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def plot_hidden_units_1d(x_grid: ndarray, weights: Mapping[str, ndarray], *,
                         title: str = "The network's output: one bent curve per hidden unit, added up") -> Diagram:
    """For a network with one input: each hidden unit's contribution ``W2[j] · σ(x W1[0, j] + B1[0, j])``
    (thin lines) and their sum plus ``B2``, the prediction (thick)."""
    xg = np.reshape(x_grid, (-1, 1))
    if weights["W1"].shape[0] != 1:
        raise ValueError(f"plot_hidden_units_1d needs a network with one input: W1 of shape (1, h); got {weights['W1'].shape}")
    O1 = sigmoid(xg @ weights["W1"] + weights["B1"])          # (m, h)
    parts = O1 * weights["W2"].T                              # (m, h): one column per hidden unit
    fig, ax = _plot_axes((7.0, 4.3))
    for j in range(parts.shape[1]):
        ax.plot(xg[:, 0], parts[:, j], lw=1.2, alpha=0.85, label=f"hidden unit {j + 1}")
    ax.plot(xg[:, 0], parts.sum(axis=1) + weights["B2"][0, 0], color="black", lw=2.6, label="sum + B2 = prediction")
    ax.set_title(title)
    ax.set_xlabel("input x")
    ax.set_ylabel("contribution to the prediction")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="x-small", ncol=3)
    return fig


def _plot(figsize: tuple[float, float] = (6.6, 4.2), ncols: int = 1) -> tuple[Diagram, list[Axes]]:
    fig = Diagram(figsize=figsize, layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, ncols)).tolist()
    return fig, axes


def plot_digits(X: ndarray, labels: ndarray, predictions: ndarray | None = None, *, n_cols: int = 8,
                title: str = "Handwritten digits: each image is one row of X") -> Diagram:
    """The rows of ``X`` ``(m, side²)`` as grey images, each labelled with its ``labels`` entry (and prediction)."""
    X, labels = np.asarray(X), np.asarray(labels)
    side = int(round(np.sqrt(X.shape[1])))
    if side * side != X.shape[1]:
        raise ValueError(f"plot_digits needs square images: {X.shape[1]} features is not a square number")
    m = X.shape[0]
    cols = min(n_cols, m)
    rows = int(np.ceil(m / cols))
    fig = Diagram(figsize=(1.35 * cols, 1.55 * rows + 0.5), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for i, ax in enumerate(axes):
        if i >= m:
            ax.set_axis_off()
            continue
        ax.imshow(X[i].reshape(side, side), cmap="gray_r", interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        text = f"label {labels[i]}" + (f", said {predictions[i]}" if predictions is not None else "")
        ax.set_xlabel(text, fontsize=8.5, color="black" if predictions is None or predictions[i] == labels[i] else "red")
        if i % cols == 0:
            ax.set_ylabel(f"{side} pixels", fontsize=8)
    fig.suptitle(title)
    return fig


def plot_accuracy_histories(histories: Mapping[str, Mapping[str, Sequence[float]]], *, title: str | None = None,
                            ylim: tuple[float, float] | None = None) -> Diagram:
    """Test accuracy against epochs, one line per run (label -> a :class:`~dlfs.nn.trainer.Trainer` history)."""
    fig, (ax,) = _plot((7.0, 4.3))
    for label, history in histories.items():
        ax.plot(history["epoch"], np.asarray(history["test_accuracy"]) * 100, marker="o", markersize=3.5,
                linewidth=1.8, label=label)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_title(title or "Test accuracy during training")
    ax.set_xlabel("epoch")
    ax.set_ylabel("test accuracy (%)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8.5)
    return fig


def plot_learning_rate_sweep(learning_rates: Sequence[float], accuracies: Mapping[str, Sequence[float]], *,
                             title: str | None = None) -> Diagram:
    """Final test accuracy against the (starting) learning rate, log scale, one line per loss."""
    fig, (ax,) = _plot((6.6, 4.2))
    for label, values in accuracies.items():
        ax.plot(learning_rates, np.asarray(values) * 100, marker="o", linewidth=1.8, label=label)
    ax.set_xscale("log")
    ax.set_xticks(list(learning_rates), [f"{lr:g}" for lr in learning_rates])
    ax.set_ylim(0, 100)
    ax.set_title(title or "Final test accuracy against the learning rate")
    ax.set_xlabel("starting learning rate (log scale)")
    ax.set_ylabel("test accuracy after training (%)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8.5)
    return fig


def activation_spread(X: ndarray, init: str, layers: int = 6, width: int = 89, seed: int = 0,
                      activation: str = "tanh") -> dict[str, ndarray]:
    """Run ``X`` ``(n, d)`` through ``layers`` layers of ``width`` units (biases 0) and measure each layer.

    ``init`` is a name of :data:`dlfs.nn.init.INITIALIZERS`: ``"standard"`` (weights ~ N(0, 1)), ``"glorot"``
    (N(0, 2 / (n_in + n_out))) or ``"he"`` (N(0, 2 / n_in)); ``activation`` is ``"tanh"`` or ``"relu"``.

    Returns:
        ``{"std": ..., "rms": ..., "saturated": ...}``, one value per layer: the standard deviation of the
        activation's inputs ``N = X @ W``, their root mean square ``sqrt(mean(N²))``, and the fraction of units
        with ``|tanh| > 0.99`` (saturated: slope below 0.02; always 0 for ReLU).
    """
    from dlfs.nn.init import INITIALIZERS

    if activation not in ("tanh", "relu"):
        raise ValueError(f"activation must be 'tanh' or 'relu'; received {activation!r}")
    rng = np.random.default_rng(seed)
    out = np.asarray(X, dtype=np.float64)
    stds, rms, saturated = [], [], []
    for _ in range(layers):
        W = INITIALIZERS[init](out.shape[1], width, rng)
        N = out @ W
        out = np.tanh(N) if activation == "tanh" else np.maximum(N, 0.0)
        stds.append(float(N.std()))
        rms.append(float(np.sqrt(np.mean(N**2))))
        saturated.append(float(np.mean(np.abs(out) > 0.99)) if activation == "tanh" else 0.0)
    return {"std": np.array(stds), "rms": np.array(rms), "saturated": np.array(saturated)}


def plot_relu_init_spread(X: ndarray, layers: int = 10, width: int = 89, seed: int = 0) -> Diagram:
    """Glorot vs He initialisation in ReLU layers: the size (root mean square) of the ReLU inputs per layer,
    and how much of its mean square each layer passes on to the next."""
    fig = Diagram(figsize=(11.0, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    depth = np.arange(1, layers + 1)
    width_bar = 0.38
    for i, (init, color) in enumerate((("glorot", "tab:green"), ("he", "tab:purple"))):
        rms = activation_spread(X, init, layers, width, seed, activation="relu")["rms"]
        label = "Glorot: N(0, 2 / (n_in + n_out))" if init == "glorot" else "He: N(0, 2 / n_in)"
        left.semilogy(depth, rms, "o-", color=color, lw=2, label=label)
        right.bar(depth[1:] + (i - 0.5) * width_bar, (rms[1:] / rms[:-1]) ** 2, width=width_bar, color=color,
                  label=label)
    for value, text in ((1.0, "kept"), (0.5, "halved")):
        right.axhline(value, color="grey", lw=1, ls="--")
        right.text(0.6, value + 0.02, text, va="bottom", ha="left", fontsize=8, color="grey")
    left.set_title(f"Size of the ReLU inputs, {layers} layers of {width} units")
    left.set_xlabel("layer")
    left.set_ylabel("root mean square of X @ W (log scale)")
    right.set_title("Mean square passed on from one layer to the next")
    right.set_xlabel("layer")
    right.set_ylabel("mean square ratio, layer / previous")
    right.set_ylim(0, 1.5)
    right.set_xlim(0.5, layers + 0.5)
    left.legend(fontsize="small", loc="lower left")
    right.legend(fontsize="small", loc="upper center")
    for ax in (left, right):
        ax.set_xticks(depth)
        ax.grid(alpha=0.3, which="both", axis="y")
    return fig


def plot_activation_spread(X: ndarray, layers: int = 6, width: int = 89, seed: int = 0) -> Diagram:
    """Standard vs Glorot initialisation: the spread of the tanh inputs and the share of saturated units, per layer."""
    fig = Diagram(figsize=(11.0, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    depth = np.arange(1, layers + 1)
    for init, color in (("standard", "tab:orange"), ("glorot", "tab:green")):
        stats = activation_spread(X, init, layers, width, seed)
        label = "standard: N(0, 1)" if init == "standard" else "Glorot: N(0, 2 / (n_in + n_out))"
        left.semilogy(depth, stats["std"], "o-", color=color, lw=2, label=label)
        right.plot(depth, 100 * stats["saturated"], "o-", color=color, lw=2, label=label)
    left.axhline(1.0, color="grey", lw=1, ls="--")
    left.set_title(f"Spread of the tanh inputs, {layers} layers of {width} units")
    left.set_xlabel("layer")
    left.set_ylabel("standard deviation of X @ W (log scale)")
    right.set_title("Saturated units: |tanh| > 0.99, slope < 0.02")
    right.set_xlabel("layer")
    right.set_ylabel("saturated units (%)")
    right.set_ylim(-3, 103)
    for ax in (left, right):
        ax.set_xticks(depth)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize="small")
    return fig


def plot_ladder(epochs: Sequence[int], validation_accuracy: Mapping[str, ndarray],
                test_accuracy: Mapping[str, ndarray], *, floor: float | None = None) -> Diagram:
    """The experiment ladder: validation accuracy during training, and test accuracy at the end.

    Args:
        epochs: the epochs at which the validation accuracy was measured.
        validation_accuracy: rung name -> array ``(seeds, len(epochs))`` of fractions; the mean over seeds is drawn.
        test_accuracy: rung name -> array ``(seeds,)`` of fractions; a dot per seed and a bar at their mean.
        floor: the lowest accuracy shown, in percent (default: a little below the second-worst rung), so
            that small differences between good rungs stay visible; a rung below it is marked at the
            bottom with its value.
    """
    names = list(validation_accuracy)
    colors = [f"C{i}" for i in range(len(names))]
    val = {n: 100 * np.mean(np.atleast_2d(validation_accuracy[n]), axis=0) for n in names}
    test = {n: 100 * np.atleast_1d(test_accuracy[n]) for n in names}
    if floor is None:
        lows = sorted(min(float(val[n].min()), float(test[n].min())) for n in names)
        floor = float(np.floor(lows[min(1, len(lows) - 1)] - 2.0))
    fig = Diagram(figsize=(12.5, 4.6), layout="constrained")
    left, right = fig.subplots(1, 2)
    for name, color in zip(names, colors):
        below = val[name].max() < floor
        label = f"{name} (below the axis: {val[name].min():.0f}-{val[name].max():.0f} %)" if below else name
        left.plot(epochs, val[name], "o-", color=color, lw=1.8, ms=4, label=label)
    left.set_ylim(floor, 100)
    left.set_title("Validation accuracy during training (mean over seeds)")
    left.set_xlabel("epoch")
    left.set_ylabel("validation accuracy (%)")
    left.grid(alpha=0.3)
    left.legend(fontsize="x-small", loc="lower right")
    for i, (name, color) in enumerate(zip(names, colors)):
        values = test[name]
        if values.mean() < floor:
            right.plot(i, floor + 0.3, "v", color=color, ms=12)
            right.text(i, floor + 0.9, f"{values.mean():.1f} %\n(below\nthe axis)", ha="center", va="bottom",
                       fontsize=8, color=color)
            continue
        right.plot([i - 0.3, i + 0.3], [values.mean()] * 2, color=color, lw=3)
        right.plot(np.full(values.shape, i), values, "o", color=color, ms=5, alpha=0.8)
        right.text(i, values.mean() + 0.25, f"{values.mean():.1f}", ha="center", va="bottom", fontsize=9)
    right.set_ylim(floor, 100)
    right.set_xlim(-0.6, len(names) - 0.4)
    if len(names) <= 6:
        right.set_xticks(np.arange(len(names)), [textwrap.fill(n, 13) for n in names], fontsize=8)
    else:  # many rungs: slanted labels, so that neighbours do not overlap
        right.set_xticks(np.arange(len(names)), [textwrap.fill(n, 24) for n in names], fontsize=8, rotation=30,
                         ha="right", rotation_mode="anchor")
    right.set_title("Test accuracy after the last epoch (line: mean; dots: seeds)")
    right.set_xlabel("rung of the ladder, in the order of the table")
    right.set_ylabel("test accuracy (%)")
    right.grid(alpha=0.3, axis="y")
    return fig


def plot_confusion_matrix(matrix: ndarray, *, title: str | None = None) -> Diagram:
    """A confusion matrix ``(k, k)`` as a grid of counts: rows are the true classes, columns the predicted ones.

    The diagonal (right answers) is drawn in green, the mistakes in red, darker for larger counts.
    """
    C = np.asarray(matrix)
    if C.ndim != 2 or C.shape[0] != C.shape[1]:
        raise ValueError(f"a confusion matrix is square (k, k); received shape {C.shape}")
    k = C.shape[0]
    fig, (ax,) = _plot((0.55 * k + 2.2, 0.55 * k + 1.2))
    right = np.where(np.eye(k, dtype=bool), C, 0)
    wrong = np.where(np.eye(k, dtype=bool), 0, C)
    ax.imshow(np.ma.masked_where(right == 0, right), cmap="Greens", vmin=0, vmax=max(int(C.max()), 1) * 1.3)
    ax.imshow(np.ma.masked_where(wrong == 0, wrong), cmap="Reds", vmin=0, vmax=max(int(wrong.max()), 1) * 1.6)
    for (i, j), n in np.ndenumerate(C):
        if n:
            ax.text(j, i, str(int(n)), ha="center", va="center", fontsize=8.5)
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title or f"Confusion matrix: {int(np.trace(C))} of {int(C.sum())} right (the diagonal)")
    return fig


def plot_initial_losses(losses: Mapping[str, ndarray], n_classes: int, *, title: str | None = None) -> Diagram:
    """Histograms of the per-observation loss of untrained networks (label -> losses ``(n,)``), with ``ln k`` marked:
    the loss of a network that gives every class the same probability ``1 / k``."""
    fig, (ax,) = _plot((7.0, 4.2))
    top = max(float(np.percentile(v, 99)) for v in losses.values())
    bins = np.linspace(0, max(top, 1.5 * np.log(n_classes)), 60)
    for label, values in losses.items():
        values = np.asarray(values)
        ax.hist(np.clip(values, 0, bins[-1]), bins=bins.tolist(), alpha=0.55, label=f"{label}: mean {values.mean():.2f}")
    ax.axvline(np.log(n_classes), color="black", linestyle="--", linewidth=1.5)
    ax.text(np.log(n_classes), ax.get_ylim()[1] * 0.95, f"  ln {n_classes} = {np.log(n_classes):.3f}", ha="left", va="top")
    ax.set_title(title or "The loss of each training image before training")
    ax.set_xlabel("cross-entropy of one image (values past the right edge are piled up there)")
    ax.set_ylabel("number of images")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8.5)
    return fig
