"""Pictures for chapter 10: the from-scratch library and PyTorch side by side, training runs, learned codes.

- :func:`plot_weight_layouts` -- one weight matrix in the course's layout ``W (n_in, n_out)`` and in
  ``nn.Linear``'s ``weight (n_out, n_in)``, with the products each side computes.
- :func:`plot_agreement` -- how far apart the two libraries are, array by array, on a log scale.
- :func:`plot_training` -- training loss and validation accuracy per epoch, one line per run.
- :func:`plot_codes` -- 2-D codes of an autoencoder, one colour per digit.
- :func:`plot_reconstructions` -- digits next to what the autoencoder gives back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle
from numpy import ndarray

from dlfs.draw.canvas import BOX_COLOR, EDGE_COLOR, GRADIENT_COLOR, Diagram, fmt

#: float64 round-off: a relative difference near this is "the same number".
FLOAT64_EPS = float(np.finfo(np.float64).eps)


def _grid(ax: Axes, values: ndarray, left: float, top: float, color: str) -> None:
    for (i, j), v in np.ndenumerate(values):
        ax.add_patch(Rectangle((left + j, top - i - 1), 1, 1, facecolor=color, edgecolor=EDGE_COLOR, linewidth=1.1))
        ax.text(left + j + 0.5, top - i - 0.5, fmt(float(v)), ha="center", va="center", fontsize=10)


def plot_weight_layouts(W: ndarray, title: str | None = None) -> Diagram:
    """``W`` ``(n_in, n_out)`` on the left, ``nn.Linear.weight = W.T`` ``(n_out, n_in)`` on the right.

    One column of ``W`` (one output unit's weights, highlighted) is one row of ``weight``.
    """
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2:
        raise ValueError(f"W must be 2-D (n_in, n_out); received shape {W.shape}")
    n_in, n_out = W.shape
    gap = 3.0
    width = n_out + gap + n_in
    fig = Diagram(figsize=(0.75 * width + 1.0, 0.75 * max(n_in, n_out) + 1.6), layout="constrained")
    ax = fig.add_subplot()
    ax.set_xlim(-0.5, width + 0.5)
    ax.set_ylim(-max(n_in, n_out) - 1.4, 1.3)
    ax.set_aspect("equal")
    ax.set_axis_off()
    _grid(ax, W, 0, 0, BOX_COLOR)
    _grid(ax, W.T, n_out + gap, 0, BOX_COLOR)
    for i in range(n_in):  # unit 0's weights: a column on the left, a row on the right
        ax.add_patch(Rectangle((0, -i - 1), 1, 1, facecolor="none", edgecolor=GRADIENT_COLOR, linewidth=2.6))
        ax.add_patch(Rectangle((n_out + gap + i, -1), 1, 1, facecolor="none", edgecolor=GRADIENT_COLOR, linewidth=2.6))
    ax.text(n_out / 2, 0.35, f"dlfs: W, shape ({n_in}, {n_out})\nout = X @ W + B", ha="center", va="bottom", fontsize=11)
    ax.text(n_out + gap + n_in / 2, 0.35, f"nn.Linear: weight = W.T, shape ({n_out}, {n_in})\nout = X @ weight.T + bias",
            ha="center", va="bottom", fontsize=11)
    ax.annotate("", xy=(n_out + gap - 0.3, -0.5), xytext=(n_out + 0.3, -0.5),
                arrowprops={"arrowstyle": "-|>", "color": GRADIENT_COLOR, "linewidth": 1.8})
    ax.text(n_out + gap / 2, -0.8, "copy\nW.T", ha="center", va="top", fontsize=10, color=GRADIENT_COLOR)
    ax.text(width / 2, -max(n_in, n_out) - 0.5, "purple: the weights of output unit 0 (a column of W, a row of weight)",
            ha="center", va="top", fontsize=10, color="dimgrey")
    ax.set_title(title or "One weight matrix, two layouts", fontsize=12)
    return fig


def plot_agreement(differences: Mapping[str, float], title: str | None = None) -> Diagram:
    """A horizontal bar per array: its largest difference between the libraries relative to its largest element.

    The x axis is logarithmic; a dashed line marks float64's machine epsilon (2.2e-16).
    """
    if not differences:
        raise ValueError("differences is empty: give at least one array's relative difference")
    names = list(differences)
    values = np.maximum(np.array([differences[k] for k in names], dtype=np.float64), 1e-18)
    fig = Diagram(figsize=(7.2, 0.42 * len(names) + 1.5), layout="constrained")
    ax = fig.add_subplot()
    ax.barh(range(len(names)), values, color=BOX_COLOR, edgecolor=EDGE_COLOR)
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlim(1e-18, 1e-2)
    ax.axvline(FLOAT64_EPS, color=GRADIENT_COLOR, linestyle="--", label="float64 round-off (2.2e-16)")
    ax.set_xlabel("largest |dlfs - PyTorch| / largest |value| (log scale)")
    ax.set_ylabel("array")
    ax.legend(loc="lower right", fontsize=9)
    ax.set_title(title or "The same weights in both libraries: how far apart are the results?", fontsize=12)
    return fig


def plot_training(histories: Mapping[str, tuple[Sequence[float], Sequence[float]]], title: str | None = None) -> Diagram:
    """Two panels: the mean training loss and the validation accuracy of every epoch.

    Args:
        histories: run name -> (training losses, validation accuracies), one number per epoch each.
    """
    fig = Diagram(figsize=(10.5, 3.9), layout="constrained")
    left, right = fig.subplots(1, 2)
    for name, (losses, accuracies) in histories.items():
        epochs = np.arange(1, len(losses) + 1)
        left.plot(epochs, losses, marker=".", label=name)
        right.plot(np.arange(1, len(accuracies) + 1), 100 * np.asarray(accuracies), marker=".", label=name)
        if len(accuracies):
            best = int(np.argmax(accuracies))
            right.plot(best + 1, 100 * accuracies[best], "k*", markersize=11)
    left.set_yscale("log")
    left.set_xlabel("epoch")
    left.set_ylabel("mean training loss (log scale)")
    left.set_title("Training loss")
    right.set_xlabel("epoch")
    right.set_ylabel("validation accuracy (%)")
    right.set_title("Validation accuracy (★ = the epoch kept)")
    for ax in (left, right):
        ax.legend(fontsize=9)
        ax.grid(alpha=0.3)
    fig.suptitle(title or "Training in PyTorch", fontsize=12)
    return fig


def plot_codes(codes: ndarray, labels: ndarray, title: str | None = None) -> Diagram:
    """A scatter of 2-D codes ``(n, 2)``, coloured by label ``(n,)`` (digits 0-9), each digit's median labelled."""
    codes, labels = np.asarray(codes, dtype=np.float64), np.asarray(labels)
    if codes.ndim != 2 or codes.shape[1] != 2 or len(labels) != len(codes):
        raise ValueError(f"codes must be (n, 2) and labels (n,); received {codes.shape} and {labels.shape}")
    fig = Diagram(figsize=(7.0, 6.0), layout="constrained")
    ax = fig.add_subplot()
    cmap = matplotlib.colormaps["tab10"]
    for digit in np.unique(labels):
        mine = codes[labels == digit]
        ax.scatter(mine[:, 0], mine[:, 1], s=9, alpha=0.7, color=cmap(int(digit) % 10), label=str(digit))
        cx, cy = np.median(mine, axis=0)
        ax.text(cx, cy, str(digit), fontsize=15, fontweight="bold", ha="center", va="center",
                bbox={"boxstyle": "circle,pad=0.2", "facecolor": "white", "edgecolor": cmap(int(digit) % 10), "alpha": 0.85})
    ax.set_xlabel("code[0]")
    ax.set_ylabel("code[1]")
    ax.legend(title="digit", markerscale=2.5, fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.set_title(title or "Every digit squeezed into two numbers (the labels were never used)", fontsize=12)
    return fig


def plot_reconstructions(originals: ndarray, reconstructions: ndarray, title: str | None = None) -> Diagram:
    """Two rows of 8 x 8 images: ``originals`` ``(k, 64)`` on top, ``reconstructions`` ``(k, 64)`` below."""
    originals, reconstructions = np.asarray(originals), np.asarray(reconstructions)
    if originals.shape != reconstructions.shape or originals.ndim != 2 or originals.shape[1] != 64:
        raise ValueError(f"need two (k, 64) arrays; received {originals.shape} and {reconstructions.shape}")
    k = len(originals)
    fig = Diagram(figsize=(1.05 * k + 0.8, 2.6), layout="constrained")
    axes = np.atleast_2d(fig.subplots(2, k))
    for j in range(k):
        for row, images in enumerate((originals, reconstructions)):
            ax = axes[row, j]
            ax.imshow(images[j].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_ylabel("input", fontsize=10)
    axes[1, 0].set_ylabel("output", fontsize=10)
    fig.suptitle(title or "Digits and their reconstructions from a 2-number code", fontsize=12)
    return fig
