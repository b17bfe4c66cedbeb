"""Chapter 06 pictures: the framework as boxes, and the plots of the softmax chapter.

Every function returns a :class:`dlfs.diagrams.Diagram` (a matplotlib ``Figure`` that
Jupyter shows as a PNG), with a title; every plot has labelled axes.

The framework, drawn from a real :class:`~dlfs.network.NeuralNetwork` (its layers,
operations and, after one ``train_batch``, the shapes of its arrays):

- :func:`network_stack_diagram` -- the network as a stack of boxes: operations inside layers inside
  the network, the loss at the end, and the trainer and optimizer that drive it.
- :func:`forward_backward_diagram` -- every operation in a row: values flow forward above,
  gradients flow backward below, each parameter's gradient drops out of its box.
- :func:`operation_diagram` -- one :class:`~dlfs.operations.Operation` (or ``ParamOperation``) and its contract.
- :func:`loss_graph_diagram` -- softmax then cross-entropy, and the gradient that comes back.

Plots:

- :func:`plot_digits` -- a few images of a data set with their labels.
- :func:`plot_softmax_bars` -- one row of logits and its softmax probabilities.
- :func:`plot_loss_against_probability` -- cross-entropy and squared error against the probability of the right class.
- :func:`plot_gradient_against_logit` -- how hard each loss pushes the right class's logit.
- :func:`plot_float64_range` -- logits before and after subtracting the max, against the range of ``np.exp``.
- :func:`plot_accuracy_histories` -- test accuracy during training, one line per run.
- :func:`plot_learning_rate_sweep` -- final test accuracy against the learning rate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle
from numpy import ndarray

from dlfs.diagrams import BOX_COLOR, EDGE_COLOR, GRADIENT_COLOR, WIRE_COLOR, Diagram, _diagram_axes
from dlfs.network import NeuralNetwork
from dlfs.operations import ParamOperation

LAYER_COLOR = "#f4f6f8"
LOSS_COLOR = "#fbe3c4"
HELPER_COLOR = "#e3f1e4"

#: float64: np.exp(x) is inf above this and exactly 0 below EXP_UNDERFLOW.
EXP_OVERFLOW = float(np.log(np.finfo(np.float64).max))  # 709.78...
EXP_UNDERFLOW = float(np.log(np.finfo(np.float64).smallest_subnormal))  # -744.44...


# ---------------------------------------------------------------- drawing helpers


def _canvas(xlim: tuple[float, float], ylim: tuple[float, float], inch: float = 0.5,
            max_width: float = 16.0) -> tuple[Diagram, Axes]:
    """A figure with one frameless axes in data units, ``inch`` inches per unit (at most ``max_width`` wide)."""
    w = xlim[1] - xlim[0]
    fig, ax = _diagram_axes(w * min(inch, max_width / w), xlim, ylim)
    return fig, ax  # type: ignore[return-value]


def _box(ax: Axes, cx: float, cy: float, w: float, h: float, text: str, *, color: str = BOX_COLOR,
         fontsize: float = 10.0, weight: str = "bold", edge: str = EDGE_COLOR, style: str = "-", z: int = 2) -> None:
    ax.add_patch(FancyBboxPatch((cx - w / 2, cy - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.15",
                                facecolor=color, edgecolor=edge, linewidth=1.6, linestyle=style, zorder=z))
    ax.text(cx, cy, text, ha="center", va="center", fontsize=fontsize, fontweight=weight, color=EDGE_COLOR,
            zorder=z + 1, linespacing=1.3)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], color: str = WIRE_COLOR,
           width: float = 1.6, style: str = "-") -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, linewidth=width, color=color,
                                 linestyle=style, zorder=3, shrinkA=0, shrinkB=0))


def _shape(array: ndarray | None, fallback: str = "") -> str:
    return str(tuple(int(s) for s in np.shape(array))) if array is not None else fallback


def _layer_name(layer: object) -> str:
    """``Dense(89, Tanh)`` for a Dense layer, the class name otherwise."""
    neurons = getattr(layer, "neurons", None)
    activation = getattr(layer, "activation", None)
    name = type(layer).__name__
    if neurons is None:
        return name
    extra = f", {type(activation).__name__}" if activation is not None else ""
    dropout = getattr(layer, "dropout", 1.0)
    extra += f", keep {dropout:g}" if dropout < 1.0 else ""
    return f"{name}({neurons}{extra})"


def _param_name(op: object, layer_index: int) -> str:
    return {"WeightMultiply": "W", "BiasAdd": "B"}.get(type(op).__name__, "param") + str(layer_index + 1)


# ---------------------------------------------------------------- the framework


def network_stack_diagram(net: NeuralNetwork, title: str | None = None) -> Diagram:
    """The network as a stack of boxes: its operations inside its layers, inside the network, then the loss.

    Below it, the :class:`~dlfs.trainer.Trainer` (which feeds batches and calls
    ``train_batch``) and the :class:`~dlfs.optimizers.Optimizer` (which reads every
    parameter and its gradient and updates the parameter in place). If the network
    has run ``forward`` once, the wires carry the shapes of its arrays.
    """
    op_w, op_h, gap, pad = 2.7, 1.1, 0.45, 0.35
    rows = [list(layer.operations) for layer in net.layers]
    x = 3.0
    layer_spans = []
    for ops in rows:
        count = max(len(ops), 1)
        width = count * op_w + (count - 1) * gap + 2 * pad
        layer_spans.append((x, x + width))
        x += width + 1.5
    loss_name = type(net.loss).__name__
    loss_w = max(2.4, 0.16 * len(loss_name) + 0.5)
    loss_x = x + loss_w / 2
    right = loss_x + loss_w / 2 + 2.3
    fig, ax = _canvas((-0.4, right + 0.4), (-3.7, 3.3), inch=0.55)

    # the network's frame
    frame_left, frame_right = 2.2, loss_x + loss_w / 2 + 0.3
    ax.add_patch(FancyBboxPatch((frame_left, -1.55), frame_right - frame_left, 3.75,
                                boxstyle="round,pad=0.02,rounding_size=0.3", facecolor="none", edgecolor=EDGE_COLOR,
                                linewidth=1.4, linestyle="--", zorder=1))
    ax.text(frame_left + 0.2, 2.0, f"NeuralNetwork: {len(net.layers)} layers and a loss", ha="left", va="top",
            fontsize=10.5, color=EDGE_COLOR, fontweight="bold")

    first_input = next((op.input_ for op in (rows[0] if rows else []) if op.input_ is not None), None)
    _arrow(ax, (0.0, 0.0), (layer_spans[0][0] - 0.05, 0.0))
    ax.text(1.0, 0.2, f"X\n{_shape(first_input, '(n, features)')}", ha="center", va="bottom", fontsize=9)
    for index, (layer, ops, (left, right_edge)) in enumerate(zip(net.layers, rows, layer_spans)):
        ax.add_patch(Rectangle((left, -1.2), right_edge - left, 2.6, facecolor=LAYER_COLOR, edgecolor="grey",
                               linewidth=1.0, zorder=1))
        ax.text((left + right_edge) / 2, 1.28, f"layer {index + 1}: {_layer_name(layer)}", ha="center", va="top",
                fontsize=9.5, color="dimgrey")
        if ops:
            for j, op in enumerate(ops):
                cx = left + pad + op_w / 2 + j * (op_w + gap)
                extra = f"\n{_param_name(op, index)} {_shape(op.param)}" if isinstance(op, ParamOperation) else ""
                _box(ax, cx, -0.1, op_w, op_h, type(op).__name__ + extra, fontsize=9 if extra else 9.5)
                if j:
                    _arrow(ax, (cx - op_w / 2 - gap, -0.1), (cx - op_w / 2, -0.1), width=1.2)
        else:
            _box(ax, (left + right_edge) / 2, -0.1, right_edge - left - 2 * pad, op_h,
                 f"{_layer_name(layer)}\n(operations made at the first forward)", fontsize=8.5, weight="normal")
        nxt = layer_spans[index + 1][0] if index + 1 < len(layer_spans) else loss_x - loss_w / 2
        out = getattr(layer, "output", None)
        _arrow(ax, (right_edge + 0.05, 0.0), (nxt - 0.05, 0.0))
        ax.text((right_edge + nxt) / 2, 0.2, _shape(out, "(n, ·)"), ha="center", va="bottom", fontsize=8.5)

    _box(ax, loss_x, 0.0, loss_w, 1.2, f"{loss_name}\n(the loss)", color=LOSS_COLOR, fontsize=8.5)
    _arrow(ax, (loss_x, -1.45), (loss_x, -0.62))
    ax.text(loss_x + 0.15, -1.45, "y", ha="left", va="bottom", fontsize=10)
    _arrow(ax, (loss_x + loss_w / 2 + 0.05, 0.0), (right - 0.1, 0.0))
    ax.text((loss_x + loss_w / 2 + right) / 2, 0.2, "L\n(a number)", ha="center", va="bottom", fontsize=9)

    # the helpers below the network
    mid = (frame_left + frame_right) / 2
    _box(ax, mid - 4.2, -2.8, 6.4, 1.1,
         "Trainer: for each epoch, for each batch:\ntrain_batch(X, y), then optimizer.step(...)",
         color=HELPER_COLOR, fontsize=8.5, weight="normal")
    _box(ax, mid + 4.2, -2.8, 6.4, 1.1, "Optimizer: every param -= lr · its gradient\n(in place; SGD, SGDMomentum)",
         color=HELPER_COLOR, fontsize=8.5, weight="normal")
    _arrow(ax, (mid - 4.2, -2.23), (mid - 4.2, -1.58), color="tab:green")
    _arrow(ax, (mid + 4.2, -1.58), (mid + 4.2, -2.23), color="tab:green")
    ax.text(mid - 4.0, -1.9, "batches", ha="left", va="center", fontsize=8.5, color="tab:green")
    ax.text(mid + 4.4, -1.9, "params() and param_grads()", ha="left", va="center", fontsize=8.5, color="tab:green")
    ax.set_title(title or "A network is a stack of boxes: operations inside layers, then a loss", fontsize=12)
    return fig


def forward_backward_diagram(net: NeuralNetwork, title: str | None = None) -> Diagram:
    """Every operation of ``net`` in a row, then the loss: values forward above, gradients backward below.

    The network must have run ``forward`` (or ``train_batch``) once, so that its
    operations exist; the wires then carry the shapes of the arrays of that pass.
    Above each parameterised operation: its parameter; below it: the parameter's
    gradient, which ``backward`` leaves there for the optimizer.
    """
    ops = [(i, op) for i, layer in enumerate(net.layers) for op in layer.operations]
    if not ops:
        raise ValueError("forward_backward_diagram needs a network that has run forward once "
                         "(call net.forward(X) or net.train_batch(X, y) first)")
    box_w, box_h, wire = 2.65, 1.0, 1.85
    loss_name = type(net.loss).__name__
    loss_w = max(box_w, 0.16 * len(loss_name) + 0.5)
    width = wire + len(ops) * (box_w + wire) + loss_w + wire + 0.4
    fig, ax = _canvas((-0.2, width + 0.2), (-3.7, 3.3), inch=0.45)
    y_back = -1.05

    def wire_labels(x0: float, value: str, shape: str, grad: str) -> None:
        mid = x0 + wire / 2
        _arrow(ax, (x0 + 0.05, 0.0), (x0 + wire - 0.05, 0.0))
        ax.text(mid, 0.15, f"{value}\n{shape}", ha="center", va="bottom", fontsize=8)
        _arrow(ax, (x0 + wire - 0.1, y_back), (x0 + 0.1, y_back), color=GRADIENT_COLOR, width=1.3)
        ax.text(mid, y_back - 0.12, f"{grad}\n{shape}", ha="center", va="top", fontsize=8, color=GRADIENT_COLOR)

    first = ops[0][1].input_
    wire_labels(0.0, "X", _shape(first), "∂L/∂X")
    x = wire
    spans: dict[int, list[float]] = {}
    for k, (layer_index, op) in enumerate(ops):
        cx = x + box_w / 2
        spans.setdefault(layer_index, [x, x + box_w])[1] = x + box_w
        _box(ax, cx, 0.0, box_w, box_h, type(op).__name__, fontsize=8.5)
        if isinstance(op, ParamOperation):
            name = _param_name(op, layer_index)
            _arrow(ax, (cx, 1.55), (cx, box_h / 2 + 0.03))
            ax.text(cx, 1.6, f"{name} {_shape(op.param)}", ha="center", va="bottom", fontsize=8)
            _arrow(ax, (cx, -box_h / 2 - 0.03), (cx, -2.15), color=GRADIENT_COLOR, width=1.3)
            ax.text(cx, -2.2, f"∂L/∂{name}\n{_shape(op.param)}", ha="center", va="top", fontsize=8,
                    color=GRADIENT_COLOR, fontweight="bold")
        value = "P" if k == len(ops) - 1 else f"out {k + 1}"
        grad = "∂L/∂P" if k == len(ops) - 1 else f"∂L/∂(out {k + 1})"
        wire_labels(x + box_w, value, _shape(op.output), grad)
        x += box_w + wire
    loss_cx = x + loss_w / 2
    _box(ax, loss_cx, 0.0, loss_w, box_h, loss_name, color=LOSS_COLOR, fontsize=8.5)
    _arrow(ax, (loss_cx, 1.55), (loss_cx, box_h / 2 + 0.03))
    ax.text(loss_cx, 1.6, f"y {_shape(net.loss.target)}", ha="center", va="bottom", fontsize=8)
    _arrow(ax, (x + loss_w + 0.05, 0.0), (width - 0.05, 0.0))
    ax.text((x + loss_w + width) / 2, 0.15, "L\none number", ha="center", va="bottom", fontsize=8)
    ax.text(loss_cx, -box_h / 2 - 0.2, "backward starts here:\nloss.backward() = ∂L/∂P", ha="center", va="top",
            fontsize=8, color=GRADIENT_COLOR)
    for layer_index, (left, right) in spans.items():
        ax.plot([left, right], [2.45, 2.45], color="dimgrey", linewidth=1.2)
        ax.text((left + right) / 2, 2.55, f"layer {layer_index + 1}: {_layer_name(net.layers[layer_index])}",
                ha="center", va="bottom", fontsize=9, color="dimgrey")
    ax.text(width / 2, -3.65, "black, left to right: forward(), values and their shapes;   purple, right to left: "
            "backward(), the gradient of L for each value (same shape as the value)", ha="center", va="bottom",
            fontsize=9, color="dimgrey")
    ax.set_title(title or "One training step: values flow forward, gradients flow back", fontsize=12)
    return fig


def operation_diagram(param: bool = False, title: str | None = None) -> Diagram:
    """One operation and its contract: ``forward(input_) -> output``, ``backward(output_grad) -> input_grad``.

    With ``param``, a :class:`~dlfs.operations.ParamOperation`: the parameter comes in from
    above and ``backward`` also leaves ``param_grad`` (shape of the parameter).
    """
    fig, ax = _canvas((0.0, 13.0), (-3.0 if param else -2.0, 2.8 if param else 1.7), inch=0.62)
    name = "ParamOperation" if param else "Operation"
    _box(ax, 6.5, 0.0, 3.4, 1.5, f"{name}\n_output()\n_input_grad()" + ("\n_param_grad()" if param else ""),
         fontsize=9.5)
    _arrow(ax, (0.3, 0.35), (4.75, 0.35))
    ax.text(2.5, 0.5, "input_  (n, k)", ha="center", va="bottom", fontsize=10)
    _arrow(ax, (8.25, 0.35), (12.7, 0.35))
    ax.text(10.5, 0.5, "output", ha="center", va="bottom", fontsize=10)
    _arrow(ax, (12.7, -0.35), (8.25, -0.35), color=GRADIENT_COLOR)
    ax.text(10.5, -0.5, "output_grad = ∂L/∂output\n(shape of output)", ha="center", va="top", fontsize=9.5,
            color=GRADIENT_COLOR)
    _arrow(ax, (4.75, -0.35), (0.3, -0.35), color=GRADIENT_COLOR)
    ax.text(2.5, -0.5, "input_grad = ∂L/∂input_\n(shape of input_)", ha="center", va="top", fontsize=9.5,
            color=GRADIENT_COLOR)
    if param:
        _arrow(ax, (6.5, 2.2), (6.5, 0.8))
        ax.text(6.7, 1.7, "param (e.g. W)", ha="left", va="center", fontsize=10)
        _arrow(ax, (6.5, -0.8), (6.5, -2.2), color=GRADIENT_COLOR)
        ax.text(6.7, -2.0, "param_grad = ∂L/∂param\n(shape of param)", ha="left", va="center", fontsize=9.5,
                color=GRADIENT_COLOR)
    ax.set_title(title or f"An {name}: forward above (black), backward below (purple)", fontsize=12)
    return fig


def loss_graph_diagram(title: str | None = None) -> Diagram:
    """Logits ``z`` into softmax, probabilities ``p`` into cross-entropy with ``y``, the loss ``L`` out;
    below, the gradients that come back: ``∂L/∂p = -y / (n p)`` and ``∂L/∂z = (p - y) / n``."""
    fig, ax = _canvas((0.0, 16.4), (-2.6, 3.0), inch=0.6)
    _box(ax, 4.4, 0.0, 2.4, 1.2, "softmax\n(each row)", fontsize=10)
    _box(ax, 10.4, 0.0, 2.8, 1.2, "cross-entropy\n-(1/n) Σ y log p", fontsize=9.5)
    ax.add_patch(FancyBboxPatch((2.9, -1.0), 9.2, 2.0, boxstyle="round,pad=0.02,rounding_size=0.2", facecolor="none",
                                edgecolor="tab:orange", linewidth=1.5, linestyle="--"))
    ax.text(7.5, -1.15, "SoftmaxCrossEntropy: one loss box, fed the logits", ha="center", va="top", fontsize=9.5,
            color="tab:orange")
    wires = ((0.2, 3.15), (5.65, 8.95), (11.85, 16.2))
    for (x0, x1), text in zip(wires, ("z  (n, k)\nlogits", "p  (n, k)\nprobabilities", "L\none number")):
        _arrow(ax, (x0, 0.25), (x1, 0.25))
        ax.text((x0 + x1) / 2, 0.4, text, ha="center", va="bottom", fontsize=9.5)
    _arrow(ax, (10.4, 2.4), (10.4, 0.65))
    ax.text(10.55, 2.2, "y  (n, k), one-hot", ha="left", va="center", fontsize=9.5)
    for (x0, x1), text in zip(wires, ("∂L/∂z = (p - y) / n", "∂L/∂p = -y / (n p)", "∂L/∂L = 1")):
        _arrow(ax, (x1, -0.25), (x0, -0.25), color=GRADIENT_COLOR)
        ax.text((x0 + x1) / 2, -0.4, text, ha="center", va="top", fontsize=10, color=GRADIENT_COLOR,
                fontweight="bold")
    ax.text(8.2, -2.5, "purple: gradients, flowing backward; through the softmax, -y / (n p) becomes simply (p - y) / n",
            ha="center", va="bottom", fontsize=9, color="dimgrey")
    ax.set_title(title or "Softmax, then cross-entropy: the forward pass and the gradient that comes back", fontsize=12)
    return fig


# ---------------------------------------------------------------- plots


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


def plot_softmax_bars(logits: ndarray, title: str | None = None) -> Diagram:
    """Two bar charts for one row: the logits ``z`` (any real numbers), and ``softmax(z)`` (positive, summing to 1)."""
    z = np.asarray(logits, dtype=float).ravel()
    e = np.exp(z - z.max())
    p = e / e.sum()
    fig, (left, right) = _plot((9.0, 3.4), ncols=2)
    classes = np.arange(z.size)
    left.bar(classes, z, color="tab:blue")
    left.axhline(0, color="grey", linewidth=0.8)
    left.set_title("logits z: any real numbers")
    left.set_xlabel("class j")
    left.set_ylabel("logit $z_j$")
    right.bar(classes, p, color="tab:orange")
    for j, v in zip(classes, p):
        right.text(j, v + 0.01, f"{v:.2f}", ha="center", va="bottom", fontsize=8.5)
    right.set_ylim(0, min(1.1, p.max() + 0.12))
    right.set_title(f"softmax(z): positive, summing to {p.sum():.0f}")
    right.set_xlabel("class j")
    right.set_ylabel("probability $p_j$")
    for ax in (left, right):
        ax.set_xticks(classes)
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle(title or "Softmax turns a row of logits into probabilities; the order is kept")
    return fig


def plot_loss_against_probability(k: int = 10, title: str | None = None) -> Diagram:
    """One observation's loss against ``p``, the probability given to the right class (the rest spread evenly
    over the other ``k - 1`` classes): cross-entropy ``-log p`` and squared error ``Σ_j (p_j - y_j)²``."""
    p = np.linspace(1e-3, 1.0, 400)
    fig, (ax,) = _plot()
    ax.plot(p, -np.log(p), linewidth=2.2, label="cross-entropy: -log p")
    ax.plot(p, (1 - p) ** 2 + (1 - p) ** 2 / (k - 1), linewidth=2.2, label=f"squared error over the {k} outputs")
    ax.set_ylim(0, 7)
    ax.set_title(title or "The loss of one observation against the probability of its right class")
    ax.set_xlabel("p, the probability given to the right class")
    ax.set_ylabel("loss of this observation")
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def plot_gradient_against_logit(k: int = 10, title: str | None = None) -> Diagram:
    """How hard the loss pushes the right class's logit ``z`` up, ``|∂L/∂z|``, against ``z`` (the other logits 0).

    Softmax cross-entropy: ``1 - p`` with ``p = e^z / (e^z + k - 1)``. Squared error on a sigmoid
    output: ``2 (1 - σ(z)) σ(z) (1 - σ(z))``, which vanishes when the output is confidently wrong.
    """
    z = np.linspace(-10, 10, 400)
    p = 1.0 / (1.0 + (k - 1) * np.exp(-z))
    s = 1.0 / (1.0 + np.exp(-z))
    fig, (ax,) = _plot()
    ax.plot(z, 1 - p, linewidth=2.2, label="softmax cross-entropy: 1 - p")
    ax.plot(z, 2 * (1 - s) * s * (1 - s), linewidth=2.2, label="squared error on a sigmoid output: 2(1 - σ)σ(1 - σ)")
    ax.axvspan(-10, -3, color="tab:red", alpha=0.08)
    ax.text(-6.5, 0.55, "confidently wrong:\nsquared error\nhardly pushes", ha="center", va="center", fontsize=9,
            color="tab:red")
    ax.set_title(title or "How hard each loss pushes the right class's logit up")
    ax.set_xlabel("z, the logit of the right class")
    ax.set_ylabel("|∂L/∂z|, the size of the gradient")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize=8.5)
    return fig


def plot_float64_range(logits: ndarray, title: str | None = None) -> Diagram:
    """A row of logits before and after subtracting its max, on the number line of ``np.exp``'s argument:
    above about 709.8 ``np.exp`` overflows to inf, below about -744.4 it underflows to 0."""
    z = np.asarray(logits, dtype=float).ravel()
    shifted = z - z.max()
    lo = min(-1000.0, float(shifted.min()) - 100)
    hi = max(1000.0, float(z.max()) + 100)
    fig, (ax,) = _plot((8.6, 3.2))
    ax.axvspan(EXP_OVERFLOW, hi, color="tab:red", alpha=0.15, label=f"np.exp overflows to inf (x > {EXP_OVERFLOW:.1f})")
    ax.axvspan(lo, EXP_UNDERFLOW, color="tab:blue", alpha=0.12,
               label=f"np.exp underflows to 0 (x < {EXP_UNDERFLOW:.1f})")
    ax.scatter(z, np.ones_like(z), s=60, color="black", zorder=3)
    ax.scatter(shifted, np.zeros_like(z), s=60, color="tab:green", zorder=3)
    for a, b in zip(z, shifted):
        ax.annotate("", (b, 0.08), (a, 0.92), arrowprops={"arrowstyle": "->", "color": "grey", "lw": 0.8})
    ax.set_yticks([0, 1], ["z - max(z)", "z"])
    ax.set_ylim(-0.6, 1.6)
    ax.set_xlim(lo, hi)
    ax.set_title(title or "Subtracting the max moves every logit to 0 or below: np.exp cannot overflow")
    ax.set_xlabel("x, the argument given to np.exp")
    ax.set_ylabel("the logits of one row")
    ax.legend(loc="upper left", fontsize=8.5)
    ax.grid(alpha=0.3, axis="x")
    return fig


def plot_accuracy_histories(histories: Mapping[str, Mapping[str, Sequence[float]]], *, title: str | None = None,
                            ylim: tuple[float, float] | None = None) -> Diagram:
    """Test accuracy against epochs, one line per run (label -> a :class:`~dlfs.trainer.Trainer` history)."""
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
