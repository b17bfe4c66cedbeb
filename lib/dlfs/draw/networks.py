"""Networks drawn as boxes and units: the framework's stack, forward and backward, hidden units, dropout.

- :func:`network_units_diagram` -- inputs, hidden units and the output as circles and weights (chapter 05).
- :func:`network_stack_diagram`, :func:`forward_backward_diagram` -- a real
  :class:`~dlfs.nn.network.NeuralNetwork` as operations inside layers, values forward, gradients back (chapter 06).
- :func:`dropout_diagram` -- the same network with units dropped at training time (chapter 07).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Rectangle
from numpy import ndarray

from dlfs.draw.canvas import BOX_COLOR, EDGE_COLOR, GRADIENT_COLOR, LOSS_COLOR, WIRE_COLOR, Diagram, diagram_axes
from dlfs.nn.network import NeuralNetwork
from dlfs.nn.operations import ParamOperation

LAYER_COLOR = "#f4f6f8"


HELPER_COLOR = "#e3f1e4"


def _canvas(xlim: tuple[float, float], ylim: tuple[float, float], inch: float = 0.5,
            max_width: float = 16.0) -> tuple[Diagram, Axes]:
    """A figure with one frameless axes in data units, ``inch`` inches per unit (at most ``max_width`` wide)."""
    w = xlim[1] - xlim[0]
    fig, ax = diagram_axes(w * min(inch, max_width / w), xlim, ylim)
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


def network_stack_diagram(net: NeuralNetwork, title: str | None = None) -> Diagram:
    """The network as a stack of boxes: its operations inside its layers, inside the network, then the loss.

    Below it, the :class:`~dlfs.nn.trainer.Trainer` (which feeds batches and calls
    ``train_batch``) and the :class:`~dlfs.nn.optim.Optimizer` (which reads every
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

    first_input = next((op.input_ for op in (rows[0] if rows else []) if op.ran), None)
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

    first = ops[0][1].input_ if ops[0][1].ran else None
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
        wire_labels(x + box_w, value, _shape(op.output if op.ran else None), grad)
        x += box_w + wire
    loss_cx = x + loss_w / 2
    _box(ax, loss_cx, 0.0, loss_w, box_h, loss_name, color=LOSS_COLOR, fontsize=8.5)
    _arrow(ax, (loss_cx, 1.55), (loss_cx, box_h / 2 + 0.03))
    ax.text(loss_cx, 1.6, f"y {_shape(net.loss.target if net.loss.ran else None)}", ha="center", va="bottom", fontsize=8)
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


def network_units_diagram(feature_names: Sequence[str] = ("x1", "x2", "x3"), hidden: int = 4) -> Diagram:
    """Inputs, hidden units and the output as circles joined by lines: each hidden unit is a linear
    regression of the inputs, squashed by σ; the output is a linear regression of the hidden units."""
    k = len(feature_names)
    step = 1.1                                  # vertical distance between two circles
    height = step * max(k, hidden)
    fig = Diagram(figsize=(8.0, 1.0 + 0.75 * height), layout="constrained")
    ax = fig.add_subplot()
    ax.set_xlim(-1.3, 9.3)
    ax.set_ylim(-1.3, height + 0.4)
    ax.set_aspect("equal")
    ax.set_axis_off()
    top = height - step / 2

    def column(count: int) -> ndarray:
        """Heights of ``count`` circles, centred on the figure."""
        return height / 2 - step / 2 + (np.arange(count)[::-1] - (count - 1) / 2) * step + step / 2

    xs_in, xs_hidden, x_out = 0.5, 4.0, 7.5
    ys_in, ys_hidden, y_out = column(k), column(hidden), float(np.mean(column(hidden)))
    for yi in ys_in:
        for yh in ys_hidden:
            ax.plot([xs_in, xs_hidden], [yi, yh], color="#9db4cc", lw=1, zorder=1)
    for yh in ys_hidden:
        ax.plot([xs_hidden, x_out], [yh, y_out], color="#9db4cc", lw=1, zorder=1)
    for name, yi in zip(feature_names, ys_in):
        ax.add_patch(Circle((xs_in, yi), 0.38, facecolor="#f3f3f3", edgecolor=WIRE_COLOR, lw=1.5, zorder=2))
        ax.text(xs_in, yi, name, ha="center", va="center", fontsize=9, zorder=3)
    for j, yh in enumerate(ys_hidden):
        ax.add_patch(Circle((xs_hidden, yh), 0.45, facecolor="#dbe9f6", edgecolor=EDGE_COLOR, lw=1.8, zorder=2))
        ax.text(xs_hidden, yh, f"σ\nunit {j + 1}", ha="center", va="center", fontsize=8, zorder=3, linespacing=1.0)
    ax.add_patch(Circle((x_out, y_out), 0.45, facecolor="#f6d8d4", edgecolor=EDGE_COLOR, lw=1.8, zorder=2))
    ax.text(x_out, y_out, "$\\hat{y}$", ha="center", va="center", fontsize=13, zorder=3)
    bottom = -0.2
    ax.text(xs_in, bottom, f"{k} inputs\nX: (n, {k})", ha="center", va="top", fontsize=9.5)
    ax.text(xs_hidden, bottom, f"{hidden} hidden units\nσ(X @ W1 + B1): (n, {hidden})", ha="center", va="top", fontsize=9.5)
    ax.text(x_out, bottom, "1 output\n@ W2 + B2: (n, 1)", ha="center", va="top", fontsize=9.5)
    ax.text((xs_in + xs_hidden) / 2, top + 0.45, f"W1: ({k}, {hidden})", ha="center", fontsize=10, color=EDGE_COLOR)
    ax.text((xs_hidden + x_out) / 2, top + 0.45, f"W2: ({hidden}, 1)", ha="center", fontsize=10, color=EDGE_COLOR)
    ax.set_title("Each hidden unit is a linear regression of the inputs, bent by σ;\n"
                 "the output is a linear regression of the hidden units", fontsize=11)
    return fig


def _network(ax: Axes, sizes: Sequence[int], kept: ndarray | None, keep_prob: float, title: str) -> None:
    """Circles in columns joined by lines; hidden units with ``kept == False`` greyed and crossed out."""
    xs = np.linspace(0.0, 6.0, len(sizes))
    top = max(sizes)
    columns = [np.arange(n)[::-1] - (n - 1) / 2 for n in sizes]
    alive = [np.ones(n, dtype=bool) for n in sizes]
    if kept is not None:
        alive[1] = np.asarray(kept, dtype=bool)
    for c in range(len(sizes) - 1):
        for i, y0 in enumerate(columns[c]):
            for j, y1 in enumerate(columns[c + 1]):
                on = alive[c][i] and alive[c + 1][j]
                ax.plot([xs[c], xs[c + 1]], [y0, y1], color="#9db4cc" if on else "#eeeeee", lw=1.0 if on else 0.6,
                        zorder=1)
    for c, ys in enumerate(columns):
        for i, y in enumerate(ys):
            hidden = c == 1
            on = alive[c][i]
            face = ("#dbe9f6" if hidden else "#f3f3f3") if on else "#f7f7f7"
            ax.add_patch(Circle((xs[c], y), 0.3, facecolor=face, edgecolor=EDGE_COLOR if on else "#bbbbbb",
                                lw=1.5, zorder=2))
            if hidden and not on:
                ax.plot([xs[c] - 0.2, xs[c] + 0.2], [y - 0.2, y + 0.2], color="tab:red", lw=2, zorder=3)
                ax.plot([xs[c] - 0.2, xs[c] + 0.2], [y + 0.2, y - 0.2], color="tab:red", lw=2, zorder=3)
            elif hidden and kept is not None:
                ax.text(xs[c] + 0.38, y, f"×1/{keep_prob:g}", fontsize=8, va="center", color="tab:green", zorder=3)
    names = ("inputs", "hidden units\n(dropout here)", "outputs")
    for c, x in enumerate(xs):
        ax.text(x, -(top / 2) - 0.2, names[c] if c < len(names) else "", ha="center", va="top", fontsize=9,
                color=WIRE_COLOR)
    ax.set_xlim(-0.8, 7.0)
    ax.set_ylim(-(top / 2) - 1.3, top / 2 + 0.2)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title, fontsize=11)


def dropout_diagram(keep_prob: float = 0.6, seed: int = 1, sizes: Sequence[int] = (4, 7, 3), batch: int = 5) -> Diagram:
    """Three panels: one training pass (some hidden units dropped, the rest scaled by 1 / keep_prob),
    inference (every unit, nothing scaled), and the masks of a batch (one row of 0/1 per observation).

    The masks are drawn as the exercise draws them: ``np.random.default_rng(seed).random(shape) < keep_prob``.
    """
    masks = np.random.default_rng(seed).random((batch, sizes[1])) < keep_prob
    fig = Diagram(figsize=(13.0, 4.0), layout="constrained")
    a, b, c = fig.subplots(1, 3, width_ratios=(1.0, 1.0, 0.9))
    _network(a, sizes, masks[0], keep_prob,
             f"Training, observation 0: each hidden unit kept\nwith probability {keep_prob:g}, the kept ones ×1/{keep_prob:g}")
    _network(b, sizes, None, keep_prob, "Inference: every unit, nothing scaled\n(dropout is the identity)")
    c.imshow(np.where(masks, 0.35, 0.0), cmap="Greens", vmin=0.0, vmax=1.0, aspect="equal")
    for (i, j), m in np.ndenumerate(masks):
        c.text(j, i, "1" if m else "0", ha="center", va="center", fontsize=11, color="black" if m else "tab:red")
    c.set_xticks(range(sizes[1]))
    c.set_yticks(range(batch))
    c.set_xlabel("hidden unit")
    c.set_ylabel("observation (row of the batch)")
    c.set_title(f"The mask of a batch: rng.random(({batch}, {sizes[1]})) < {keep_prob:g}\n"
                f"(1 = kept; {int(masks.sum())} of {masks.size} kept)", fontsize=11)
    return fig




def operation_diagram(param: bool = False, title: str | None = None) -> Diagram:
    """One operation and its contract: ``forward(input_) -> output``, ``backward(output_grad) -> input_grad``.

    With ``param``, a :class:`~dlfs.nn.operations.ParamOperation`: the parameter comes in from
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


def dense_backward_diagram(title: str | None = None) -> Diagram:
    """A dense layer with a tanh activation, ``O = tanh(X W + B)``, as three boxes: forward above, and below, in
    purple, every gradient the backward pass computes from the upstream gradient ``G = ∂L/∂O``."""
    fig, ax = _canvas((0.0, 19.6), (-3.9, 3.2), inch=0.6)
    boxes = ((4.6, "× W\nWeightMultiply"), (9.8, "+ B\nBiasAdd"), (15.0, "tanh"))
    for cx, text in boxes:
        _box(ax, cx, 0.0, 2.6, 1.2, text, fontsize=10)
    wires = ((0.2, 3.3), (5.9, 8.5), (11.1, 13.7), (16.3, 19.4))
    names = ("X  (n, k)", "M = X W\n(n, m)", "N = M + B\n(n, m)", "O = tanh(N)\n(n, m)")
    grads = ("∂L/∂X = ∂L/∂M · Wᵀ\n(n, k)", "∂L/∂M = ∂L/∂N\n(n, m)", "∂L/∂N = G ⊙ (1 − O²)\n(n, m)",
             "G = ∂L/∂O\n(n, m), given")
    for (x0, x1), name, grad in zip(wires, names, grads):
        _arrow(ax, (x0, 0.25), (x1, 0.25))
        ax.text((x0 + x1) / 2, 0.4, name, ha="center", va="bottom", fontsize=9.5)
        _arrow(ax, (x1, -0.25), (x0, -0.25), color=GRADIENT_COLOR)
        ax.text((x0 + x1) / 2, -0.4, grad, ha="center", va="top", fontsize=9.5, color=GRADIENT_COLOR)
    for cx, param, grad in ((4.6, "W  (k, m)", "∂L/∂W = Xᵀ · ∂L/∂M\n(k, m)"),
                            (9.8, "B  (1, m)", "∂L/∂B = Σ over rows of ∂L/∂N\n(1, m)")):
        _arrow(ax, (cx, 2.6), (cx, 0.65))
        ax.text(cx + 0.15, 2.3, param, ha="left", va="center", fontsize=9.5)
        _arrow(ax, (cx, -0.65), (cx, -2.3), color=GRADIENT_COLOR)
        ax.text(cx, -2.45, grad, ha="center", va="top", fontsize=9.5, color=GRADIENT_COLOR, fontweight="bold")
    ax.set_title(title or "A dense layer O = tanh(X W + B): forward above, backward below, every gradient of its wire's shape",
                 fontsize=12)
    return fig
