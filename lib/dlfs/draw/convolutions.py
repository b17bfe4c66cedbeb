"""Convolution pictures (chapter 08): kernels sliding over signals and images, forward and backward, pooling.

- :func:`plot_parameter_counts` -- the weights of a dense layer and of a convolution layer on images of three sizes.
- :func:`plot_signal_filters` -- a 1-D signal and what a few kernels make of it.
- :func:`conv_1d_diagram` -- a kernel under its window of a padded signal, the products, the output cell.
- :func:`conv_backward_diagram` -- the same wires read backwards: the input gradient meets the kernel flipped.
- :func:`conv_2d_diagram` -- a kernel sliding over a padded image; the window, the products' sum, the output.
- :func:`channels_diagram` -- several input and output channels: each output map sums one correlation per input channel.
- :func:`max_pool_diagram` -- max pooling forward, and its gradient going to each window's first maximum.
- :func:`layers_diagram` -- a network's layers, their parameter counts and the shapes between them.
- :func:`plot_kernel_on_image`, :func:`plot_feature_maps` -- an image, kernels, and the feature maps they make.
- :func:`plot_learned_kernels` -- a trained layer's kernels and their feature maps on one image.
- :func:`plot_conv_timings` -- how long each way of computing a convolution took.

Every function returns a :class:`~dlfs.draw.canvas.Diagram` with a title (and labelled axes where there are
axes). The numbers drawn are computed here with plain NumPy, never with the chapter's exercises.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, Rectangle
from numpy import ndarray
from numpy.lib.stride_tricks import sliding_window_view

from dlfs.draw.canvas import BOX_COLOR, EDGE_COLOR, GRADIENT_COLOR, VALUE_COLOR, WIRE_COLOR, Diagram, diagram_axes, fmt

PAD_COLOR = "#eeeeee"
WINDOW_COLOR = "#fbe3c4"
KERNEL_COLOR = "#d7ecd9"
OUTPUT_COLOR = "#f6d8d4"


def _canvas(width: float, xlim: tuple[float, float], ylim: tuple[float, float]) -> tuple[Diagram, Axes]:
    """A frameless diagram ``width`` inches wide in data units (a :class:`Diagram`, as ``diagram_axes`` makes)."""
    fig, ax = diagram_axes(width, xlim, ylim)
    return fig, ax  # type: ignore[return-value]


def _correlate_1d(signal: ndarray, kernel: ndarray) -> ndarray:
    """"Same"-padded correlation of one signal ``(length,)`` with an odd kernel ``(k,)``."""
    p = (kernel.size - 1) // 2
    return sliding_window_view(np.pad(signal, p), kernel.size) @ kernel


def _correlate_2d(image: ndarray, kernel: ndarray) -> ndarray:
    """"Same"-padded correlation of one image ``(h, w)`` with an odd kernel ``(kh, kw)``."""
    ph, pw = (kernel.shape[0] - 1) // 2, (kernel.shape[1] - 1) // 2
    windows = sliding_window_view(np.pad(image, ((ph, ph), (pw, pw))), kernel.shape)
    return np.einsum("ijuv,uv->ij", windows, kernel)


def _cells(ax: Axes, values: ndarray, left: float, top: float, colors: ndarray | str = BOX_COLOR,
           numbers: bool = True, fontsize: float = 10.0, decimals: int = 1) -> None:
    """A 2-D array as a grid of unit cells from ``(left, top)``, row 0 on top; ``colors`` per cell or one colour."""
    values = np.atleast_2d(values)
    for (i, j), v in np.ndenumerate(values):
        color = colors if isinstance(colors, str) else colors[i, j]
        ax.add_patch(Rectangle((left + j, top - i - 1), 1, 1, facecolor=color, edgecolor=EDGE_COLOR, linewidth=1.0))
        if numbers:
            text = f"{v:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{v:.0f}"
            ax.text(left + j + 0.5, top - i - 0.5, "0" if text in ("-0", "") else text, ha="center", va="center",
                    fontsize=fontsize)


def _outline(ax: Axes, left: float, top: float, width: float, height: float, color: str = VALUE_COLOR,
             lw: float = 3.0) -> None:
    ax.add_patch(Rectangle((left, top - height), width, height, fill=False, edgecolor=color, linewidth=lw, zorder=5))


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], color: str = WIRE_COLOR,
           lw: float = 1.5, rad: float = 0.0) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=13, linewidth=lw, color=color,
                                 connectionstyle=f"arc3,rad={rad}", zorder=4, shrinkA=2, shrinkB=2))


# ---------------------------------------------------------------- why images need another architecture


def plot_parameter_counts(image_shapes: Sequence[tuple[int, int, int]] = ((8, 8, 1), (28, 28, 1), (224, 224, 3)),
                          kernels: int = 16, kernel_size: int = 3) -> Diagram:
    """Weights (and biases) of two layers that turn an ``h × w × c`` image into ``kernels`` maps of ``h × w``:
    a dense layer, ``(h·w·c)·(h·w·kernels) + h·w·kernels``, and a convolution, ``kernels·c·k² + kernels``."""
    fig = Diagram(figsize=(7.8, 4.4), layout="constrained")
    ax = fig.add_subplot()
    names, dense, conv = [], [], []
    for h, w, c in image_shapes:
        names.append(f"{h}×{w}×{c} image")
        dense.append((h * w * c) * (h * w * kernels) + h * w * kernels)
        conv.append(kernels * c * kernel_size**2 + kernels)
    x = np.arange(len(names))
    for offset, counts, label, color in ((-0.2, dense, "dense layer", "tab:red"),
                                         (0.2, conv, f"convolution, {kernels} kernels {kernel_size}×{kernel_size}",
                                          "tab:green")):
        bars = ax.bar(x + offset, counts, width=0.38, color=color, label=label)
        for bar, count in zip(bars, counts):
            ax.text(bar.get_x() + bar.get_width() / 2, count * 1.3, f"{count:,}", ha="center", va="bottom", fontsize=8.5)
    ax.set_yscale("log")
    ax.set_ylim(1, max(dense) * 60)
    ax.set_xticks(x, names)
    ax.set_xlabel(f"input (height × width × channels), turned into {kernels} maps of the same height and width")
    ax.set_ylabel("number of parameters (log scale)")
    ax.set_title("A dense layer's weights grow with the square of the image; a convolution's do not grow at all")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3, axis="y")
    return fig


# ---------------------------------------------------------------- 1-D


def plot_signal_filters(signal: ndarray, kernels: Mapping[str, ndarray], title: str | None = None) -> Diagram:
    """A 1-D signal on top and, below it, its "same"-padded correlation with each named kernel."""
    signal = np.asarray(signal, dtype=float)
    fig = Diagram(figsize=(8.0, 1.9 * (len(kernels) + 1)), layout="constrained")
    axes = fig.subplots(len(kernels) + 1, 1, sharex=True)
    positions = np.arange(signal.size)
    axes[0].plot(positions, signal, marker="o", markersize=3, color="tab:blue")
    axes[0].set_title("the signal")
    for ax, (name, kernel) in zip(axes[1:], kernels.items()):
        kernel = np.asarray(kernel, dtype=float)
        ax.plot(positions, _correlate_1d(signal, kernel), marker="o", markersize=3, color="tab:orange")
        ax.set_title(f"{name}: kernel {np.array2string(kernel, precision=2, separator=', ')}")
        ax.axhline(0, color="grey", linewidth=0.6)
    for ax in axes:
        ax.set_xlabel("position i", fontsize=8)
        ax.set_ylabel("value")
        ax.grid(alpha=0.3)
    fig.suptitle(title or "One small kernel, slid along the signal, picks out one kind of pattern")
    return fig


def conv_1d_diagram(signal: ndarray, kernel: ndarray, position: int, title: str | None = None) -> Diagram:
    """The padded signal, the kernel under the window that makes output ``position``, and the output row.

    "Same" padding: ``p = (k - 1) // 2`` zeros (grey) at each end; ``output[i] = Σ_j padded[i + j]·kernel[j]``.
    """
    signal, kernel = np.asarray(signal, dtype=float), np.asarray(kernel, dtype=float)
    k, n = kernel.size, signal.size
    if k % 2 == 0 or not 0 <= position < n:
        raise ValueError(f"need an odd kernel and 0 <= position < {n}; received kernel size {k}, position {position}")
    p = (k - 1) // 2
    padded = np.pad(signal, p)
    output = _correlate_1d(signal, kernel)
    fig, ax = _canvas(0.62 * (n + 2 * p + 5), (-2.5, n + 2 * p + 2.5), (-5.6, 2.4))
    colors = np.array([[PAD_COLOR if (j < p or j >= n + p) else BOX_COLOR for j in range(n + 2 * p)]])
    colors[0, position : position + k] = WINDOW_COLOR
    _cells(ax, padded[None, :], 0, 1.0, colors)
    _outline(ax, position, 1.0, k, 1)
    ax.text(-0.3, 0.5, "padded\ninput", ha="right", va="center", fontsize=10)
    _cells(ax, kernel[None, :], position, -0.6, KERNEL_COLOR)
    ax.text(position - 0.3, -1.1, "kernel", ha="right", va="center", fontsize=10, color="#2e7d32")
    products = " + ".join(f"{fmt(a)}·{fmt(b)}" for a, b in zip(padded[position : position + k], kernel))
    ax.text(position + k / 2, -2.0, f"= {products} = {fmt(output[position])}", ha="center", va="top", fontsize=10,
            color=VALUE_COLOR)
    out_colors = np.array([[OUTPUT_COLOR if j == position else BOX_COLOR for j in range(n)]])
    _cells(ax, output[None, :], p, -3.6, out_colors)
    _arrow(ax, (position + k / 2, -2.7), (p + position + 0.5, -3.55), color=VALUE_COLOR)
    ax.text(p - 0.3, -4.1, "output", ha="right", va="center", fontsize=10)
    ax.set_title(title or f"Output {position} is the window under the kernel, multiplied and added up "
                 f"({p} padding zero{'s' if p != 1 else ''} at each end)", fontsize=11)
    return fig


def conv_backward_diagram(kernel_size: int = 3, length: int = 7, position: int = 3) -> Diagram:
    """Forward and backward on the same wires, for a "same"-padded 1-D convolution.

    Left: output ``position`` gathers inputs ``position - p .. position + p`` with weights ``w0 .. w(k-1)``.
    Right: input ``position`` was used by outputs ``position + p .. position - p`` with those same weights, so
    its gradient gathers ``output_grad`` from them; read from left to right, the weights come flipped.
    """
    k, n = kernel_size, length
    if k % 2 == 0 or not 0 <= position < n:
        raise ValueError(f"need an odd kernel_size and 0 <= position < length; received {k}, {position}")
    p = (k - 1) // 2
    gap = n + 2 * p + 3
    fig, ax = _canvas(0.55 * (2 * gap + 1), (-1.5, 2 * gap - 1), (-4.3, 3.2))
    for panel, left in ((0, 0.0), (1, float(gap))):
        top_colors = np.array([[PAD_COLOR if (j < p or j >= n + p) else BOX_COLOR for j in range(n + 2 * p)]])
        if panel == 0:  # forward: padded inputs on top, the n outputs below (under the kernel centres)
            top_colors[0, position : position + k] = WINDOW_COLOR
            bottom = np.array([[OUTPUT_COLOR if j == position else BOX_COLOR for j in range(n)]])
            bottom_left, bottom_labels = left + p, [f"y{j}" for j in range(n)]
        else:  # backward: the input gradient on top, output_grad padded with p zeros below
            top_colors[0, position + p] = OUTPUT_COLOR
            bottom = np.array([[PAD_COLOR if (j < p or j >= n + p) else BOX_COLOR for j in range(n + 2 * p)]])
            bottom[0, position : position + k] = WINDOW_COLOR
            bottom_left, bottom_labels = left, [f"g{j - p}" if p <= j < n + p else "0" for j in range(n + 2 * p)]
        _cells(ax, np.zeros((1, n + 2 * p)), left, 1.0, top_colors, numbers=False)
        _cells(ax, np.zeros(bottom.shape), bottom_left, -2.0, bottom, numbers=False)
        for j in range(n + 2 * p):
            ax.text(left + j + 0.5, 0.5, f"x{j - p}" if p <= j < n + p else "0", ha="center", va="center", fontsize=9)
        for j, label in enumerate(bottom_labels):
            ax.text(bottom_left + j + 0.5, -2.5, label, ha="center", va="center", fontsize=9)
        for j in range(k):  # the wire between padded input position + j and output position, weight w_j
            if panel == 0:
                start, end, color = (left + position + j + 0.5, 0.0), (left + position + p + 0.5, -2.0), WIRE_COLOR
            else:  # output position + p - j used x[position] with weight w_j; it sits at padded index position + 2p - j
                start, end, color = (left + position + 2 * p - j + 0.5, -2.0), (left + position + p + 0.5, 0.0), GRADIENT_COLOR
            _arrow(ax, start, end, color=color)
            label_at = (start[0] + 0.3 * (end[0] - start[0]), start[1] + 0.3 * (end[1] - start[1]))
            ax.text(label_at[0] + (0.12 if start[0] > end[0] else -0.12), label_at[1], f"w{j}", fontsize=9,
                    ha="left" if start[0] > end[0] else "right" if start[0] < end[0] else "center",
                    va="center", color=color, fontweight="bold")
        if panel == 0:
            terms = " + ".join(f"w{j}·" + (f"x{position - p + j}" if 0 <= position - p + j < n else "0") for j in range(k))
            text = f"forward: y{position} = {terms}"
        else:
            terms = " + ".join(f"w{j}·" + (f"g{position + p - j}" if 0 <= position + p - j < n else "0")
                               for j in reversed(range(k)))
            text = (f"backward: dL/dx{position} = {terms}\n(left to right the weights run w{k - 1} … w0: "
                    "the kernel flipped)")
        ax.text(left + (n + 2 * p) / 2, 2.1, text, ha="center", va="center", fontsize=10,
                color=WIRE_COLOR if panel == 0 else GRADIENT_COLOR)
        ax.text(left - 0.3, 0.5, "inputs" if panel == 0 else "input grad", ha="right", va="center", fontsize=9)
        ax.text(bottom_left - 0.3, -2.5, "outputs" if panel == 0 else "output_grad", ha="right", va="center", fontsize=9)
    ax.text(gap - 1.4, -0.5, "⇒", ha="center", va="center", fontsize=22)
    ax.text((2 * gap - 2) / 2, -3.7, "The input gradient is output_grad, padded, correlated with the flipped kernel "
            "(a 'full' correlation, cut back to the input's length)", ha="center", va="center", fontsize=10)
    ax.set_title("Backward is the forward picture reversed: the same wires, the same weights, gradients flowing up",
                 fontsize=11)
    return fig


# ---------------------------------------------------------------- 2-D


def conv_2d_diagram(image: ndarray, kernel: ndarray, position: tuple[int, int], title: str | None = None) -> Diagram:
    """The padded image with the window for output ``position`` outlined, the kernel, and the output map.

    "Same" padding (odd kernel sizes); ``output[i, j] = Σ_u Σ_v padded[i + u, j + v]·kernel[u, v]``.
    """
    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    (h, w), (kh, kw) = image.shape, kernel.shape
    if kh % 2 == 0 or kw % 2 == 0:
        raise ValueError(f"'same' padding needs odd kernel sizes; received kernel shape {kernel.shape}")
    i, j = position
    ph, pw = (kh - 1) // 2, (kw - 1) // 2
    padded = np.pad(image, ((ph, ph), (pw, pw)))
    output = _correlate_2d(image, kernel)
    width = (w + 2 * pw) + kw + w + 5
    fig, ax = _canvas(0.5 * width, (-0.5, width), (-(h + 2 * ph) - 1.6, 1.6))
    colors = np.full(padded.shape, BOX_COLOR, dtype=object)
    colors[:ph], colors[h + ph:], colors[:, :pw], colors[:, w + pw:] = PAD_COLOR, PAD_COLOR, PAD_COLOR, PAD_COLOR
    colors[i : i + kh, j : j + kw] = WINDOW_COLOR
    _cells(ax, padded, 0, 0, colors.astype(str), fontsize=8)
    _outline(ax, j, -i, kw, kh)
    ax.text((w + 2 * pw) / 2, 0.6, f"padded image ({h}×{w}, {ph} row{'s' if ph != 1 else ''} and "
            f"{pw} column{'s' if pw != 1 else ''} of zeros)", ha="center", va="bottom", fontsize=10)
    k_left = w + 2 * pw + 1.5
    _cells(ax, kernel, k_left, -(h + 2 * ph - kh) / 2, KERNEL_COLOR, fontsize=8)
    ax.text(k_left + kw / 2, -(h + 2 * ph - kh) / 2 + 0.3, "kernel", ha="center", va="bottom", fontsize=10)
    o_left = k_left + kw + 1.5
    out_colors = np.full(output.shape, BOX_COLOR, dtype=object)
    out_colors[i, j] = OUTPUT_COLOR
    _cells(ax, output, o_left, -ph, out_colors.astype(str), fontsize=8)
    _outline(ax, o_left + j, -ph - i, 1, 1)
    ax.text(o_left + w / 2, -ph + 0.3, f"output ({h}×{w})", ha="center", va="bottom", fontsize=10)
    _arrow(ax, (j + kw, -i - kh / 2), (o_left + j + 0.5, -ph - i - 0.5), color=VALUE_COLOR, rad=-0.25)
    total = float(np.sum(padded[i : i + kh, j : j + kw] * kernel))
    ax.text(width / 2, -(h + 2 * ph) - 0.9, f"output[{i}, {j}] = Σ window × kernel = {fmt(total)}", ha="center",
            va="center", fontsize=11, color=VALUE_COLOR)
    ax.set_title(title or "A 2-D convolution: the kernel slides over every position of the padded image", fontsize=11)
    return fig


def channels_diagram(in_channels: int = 3, out_channels: int = 2) -> Diagram:
    """One image with ``in_channels`` channels, ``out_channels`` kernels of ``in_channels`` slices each, the
    output maps: output map ``o`` is the sum over ``c`` of input channel ``c`` correlated with slice ``kernels[o, c]``."""
    cell, gap = 1.6, 0.5
    height = max(in_channels, out_channels * in_channels * 0.55) * (cell + gap) + 1.0
    fig, ax = _canvas(11.0, (-1.0, 17.0), (-height, 1.6))
    ys_in = [-(c * (cell + gap)) for c in range(in_channels)]
    for c, y in enumerate(ys_in):
        ax.add_patch(Rectangle((0, y - cell), cell, cell, facecolor=BOX_COLOR, edgecolor=EDGE_COLOR))
        ax.text(cell / 2, y - cell / 2, f"x[b, {c}]", ha="center", va="center", fontsize=9)
    ax.text(cell / 2, 0.6, f"one image b\n{in_channels} input channels", ha="center", va="bottom", fontsize=10)
    small = 0.8
    k_x = 5.0
    o_x = 13.0
    for o in range(out_channels):
        top = -o * (in_channels * (small + 0.25) + 0.9)
        for c in range(in_channels):
            y = top - c * (small + 0.25)
            ax.add_patch(Rectangle((k_x, y - small), small, small, facecolor=KERNEL_COLOR, edgecolor=EDGE_COLOR))
            ax.text(k_x + small + 0.15, y - small / 2, f"kernels[{o}, {c}]", ha="left", va="center", fontsize=8.5)
            _arrow(ax, (cell, ys_in[c] - cell / 2), (k_x, y - small / 2), color="#999999", lw=1.0)
        y_out = top - (in_channels * (small + 0.25)) / 2
        ax.text(k_x + 3.4, y_out, "Σ over c", ha="center", va="center", fontsize=10, color=VALUE_COLOR)
        _arrow(ax, (k_x + 4.2, y_out), (o_x, y_out), color=VALUE_COLOR)
        ax.add_patch(Rectangle((o_x, y_out - cell / 2), cell, cell, facecolor=OUTPUT_COLOR, edgecolor=EDGE_COLOR))
        ax.text(o_x + cell / 2, y_out, f"out[b, {o}]", ha="center", va="center", fontsize=9)
    ax.text(k_x + 1.5, 0.6, f"kernels: ({out_channels}, {in_channels}, kh, kw)", ha="center", va="bottom", fontsize=10)
    ax.text(o_x + cell / 2, 0.6, f"{out_channels} output maps", ha="center", va="bottom", fontsize=10)
    ax.set_title("Channels: each output map adds up one 2-D correlation per input channel "
                 "(and every image of the batch goes through the same kernels)", fontsize=11)
    return fig


# ---------------------------------------------------------------- pooling


def max_pool_diagram(image: ndarray, output_grad: ndarray, size: int = 2, title: str | None = None) -> Diagram:
    """Max pooling of one map ``(h, w)``: the windows and their maxima, the pooled map, and the gradient
    ``output_grad`` ``(h // size, w // size)`` sent back to each window's first maximum in reading order."""
    image, output_grad = np.asarray(image, dtype=float), np.asarray(output_grad, dtype=float)
    h, w = image.shape
    if h % size or w % size or output_grad.shape != (h // size, w // size):
        raise ValueError(f"need h, w multiples of size={size} and output_grad of shape {(h // size, w // size)}; "
                         f"received image {image.shape}, output_grad {output_grad.shape}")
    windows = image.reshape(h // size, size, w // size, size).transpose(0, 2, 1, 3).reshape(h // size, w // size, -1)
    first = windows.argmax(axis=2)
    pooled = windows.max(axis=2)
    grad = np.zeros_like(image)
    colors = np.full(image.shape, BOX_COLOR, dtype=object)
    for (a, b), t in np.ndenumerate(first):
        r, c = a * size + t // size, b * size + t % size
        grad[r, c] = output_grad[a, b]
        colors[r, c] = WINDOW_COLOR
    width = 2 * w + w // size * 2 + 8
    fig, ax = _canvas(0.55 * width, (-0.5, width), (-h - 1.2, 1.6))
    _cells(ax, image, 0, 0, colors.astype(str))
    for a in range(h // size):
        for b in range(w // size):
            _outline(ax, b * size, -a * size, size, size, color=EDGE_COLOR, lw=2.2)
    ax.text(w / 2, 0.4, "input (first maximum of each window shaded)", ha="center", va="bottom", fontsize=10)
    p_left = w + 2.0
    _cells(ax, pooled, p_left, -(h - h // size) / 2, OUTPUT_COLOR)
    ax.text(p_left + w // size / 2, -(h - h // size) / 2 + 0.3, "max pool", ha="center", va="bottom", fontsize=10)
    _arrow(ax, (w + 0.2, -h / 2), (p_left - 0.2, -h / 2))
    g_left = p_left + w // size + 2.5
    grad_colors = np.where(grad != 0, WINDOW_COLOR, BOX_COLOR)
    for (a, b), t in np.ndenumerate(first):
        grad_colors[a * size + t // size, b * size + t % size] = WINDOW_COLOR
    _cells(ax, grad, g_left, 0, grad_colors.astype(str))
    ax.text(g_left + w / 2, 0.4, "input gradient", ha="center", va="bottom", fontsize=10, color=GRADIENT_COLOR)
    _arrow(ax, (p_left + w // size + 0.2, -h / 2), (g_left - 0.2, -h / 2), color=GRADIENT_COLOR)
    ax.text(p_left + w // size + 1.25, -h / 2 - 0.5, "output_grad\n" + np.array2string(output_grad, precision=1),
            ha="center", va="top", fontsize=8.5, color=GRADIENT_COLOR)
    ax.set_title(title or f"Max pooling {size}×{size}: each window's gradient goes to its maximum "
                 "(ties: the first in reading order); the others get 0", fontsize=11)
    return fig


# ---------------------------------------------------------------- a CNN's layers


def _layer_label(layer: object) -> str:
    name = type(layer).__name__
    activation = getattr(layer, "activation", None)
    act = f", {type(activation).__name__}" if activation is not None else ""
    if name == "Conv2D":
        kh, kw = getattr(layer, "kernel_size", (0, 0))
        return f"Conv2D({getattr(layer, 'neurons', '?')},\n{kh}×{kw}{act})"
    if name == "MaxPool2D":
        return f"MaxPool2D({getattr(layer, 'size', '?')})"
    if name == "Dense":
        return f"Dense({getattr(layer, 'neurons', '?')}{act})"
    return f"{name}()"


def layers_diagram(net: object, title: str | None = None) -> Diagram:
    """The layers of a network that has run ``forward`` once, as a chain of boxes: each layer's name and number
    of parameters, and on every arrow the shape of the array that flows there (batch first), down to the loss."""
    layers = list(getattr(net, "layers", []))
    if not layers or any(getattr(layer, "output", None) is None for layer in layers):
        raise ValueError("layers_diagram needs a network that has run forward once (so every layer knows its shapes)")
    shapes = [tuple(layers[0].operations[0].input_.shape)] + [tuple(layer.output.shape) for layer in layers]
    box_w, gap = 2.3, 1.9
    n = len(layers)
    width = gap + n * (box_w + gap) + 2.2
    fig, ax = _canvas(min(1.0 * width, 17.0), (-0.5, width), (-1.9, 1.9))
    x = 0.0
    for i, shape in enumerate(shapes):
        _arrow(ax, (x, 0.0), (x + gap, 0.0))
        ax.text(x + gap / 2, 0.18, str(shape).replace(" ", ""), ha="center", va="bottom", fontsize=8.5)
        x += gap
        if i == n:
            break
        layer = layers[i]
        params = sum(int(p.size) for p in layer.params())
        ax.add_patch(Rectangle((x, -0.8), box_w, 1.6, facecolor=BOX_COLOR if params else "#f4f6f8",
                               edgecolor=EDGE_COLOR, linewidth=1.6))
        ax.text(x + box_w / 2, 0.12, _layer_label(layer), ha="center", va="center", fontsize=9, fontweight="bold",
                color=EDGE_COLOR)
        ax.text(x + box_w / 2, -0.55, f"{params:,} parameters", ha="center", va="center", fontsize=8)
        x += box_w
    loss = getattr(net, "loss", None)
    ax.add_patch(Rectangle((x, -0.6), 2.0, 1.2, facecolor="#fbe3c4", edgecolor=EDGE_COLOR, linewidth=1.6))
    ax.text(x + 1.0, 0.0, f"{type(loss).__name__}\n(the loss)" if loss is not None else "loss", ha="center",
            va="center", fontsize=8, color=EDGE_COLOR)
    total = sum(int(p.size) for layer in layers for p in layer.params())
    ax.set_title(title or f"The network, layer by layer: {total:,} parameters; the arrays' shapes on the arrows",
                 fontsize=11)
    return fig


# ---------------------------------------------------------------- feature maps, learned kernels, timings


def _show_kernel(ax: Axes, kernel: ndarray, title: str) -> None:
    """A kernel as coloured cells (red positive, blue negative) with its numbers written in."""
    limit = max(float(np.abs(kernel).max()), 1e-9)
    ax.imshow(kernel, cmap="RdBu_r", vmin=-limit, vmax=limit)
    for (u, v), value in np.ndenumerate(kernel):
        ax.text(v, u, fmt(float(value)), ha="center", va="center", fontsize=9,
                color="white" if abs(value) > 0.6 * limit else "black")
    ax.set_xticks(range(kernel.shape[1]))
    ax.set_yticks(range(kernel.shape[0]))
    ax.set_title(title, fontsize=10)


def _show_map(ax: Axes, values: ndarray, title: str, signed: bool = True) -> None:
    if signed:
        limit = max(float(np.abs(values).max()), 1e-9)
        ax.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit)
    else:
        ax.imshow(values, cmap="gray_r")
    ax.set_xticks(range(0, values.shape[1], max(1, values.shape[1] // 4)))
    ax.set_yticks(range(0, values.shape[0], max(1, values.shape[0] // 4)))
    ax.set_title(title, fontsize=10)


def _label_axes(axes: Sequence[Axes]) -> None:
    for ax in axes:
        if ax.axison:
            ax.set_xlabel("column", fontsize=8)
            ax.set_ylabel("row", fontsize=8)
            ax.tick_params(labelsize=7)


def plot_kernel_on_image(image: ndarray, kernel: ndarray, title: str | None = None) -> Diagram:
    """Three panels: the image ``(h, w)``, the kernel ``(kh, kw)`` (odd sizes), and the "same"-padded feature map."""
    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    feature = _correlate_2d(image, kernel)
    fig = Diagram(figsize=(9.0, 3.6), layout="constrained")
    left, middle, right = fig.subplots(1, 3)
    _show_map(left, image, "the image", signed=False)
    _show_kernel(middle, kernel, f"kernel (weights add up to {fmt(float(kernel.sum()))})")
    _show_map(right, feature, f"feature map: {fmt(float(feature.min()))} to {fmt(float(feature.max()))}")
    _label_axes([left, middle, right])
    fig.suptitle(title or "The kernel slid over the image: red where the pattern is found, blue where its opposite is")
    return fig


def plot_feature_maps(image: ndarray, kernels: Mapping[str, ndarray], title: str | None = None) -> Diagram:
    """The image, then for each named kernel ``(kh, kw)``: its "same"-padded feature map, and the kernel below it."""
    image = np.asarray(image, dtype=float)
    n = len(kernels)
    fig = Diagram(figsize=(2.3 * (n + 1), 4.8), layout="constrained")
    axes = fig.subplots(2, n + 1, squeeze=False)
    _show_map(axes[0, 0], image, "the image", signed=False)
    axes[1, 0].set_axis_off()
    for col, (name, kernel) in enumerate(kernels.items(), start=1):
        kernel = np.asarray(kernel, dtype=float)
        _show_kernel(axes[1, col], kernel, f"kernel: {name}")
        _show_map(axes[0, col], _correlate_2d(image, kernel), f"map: {name}")
    _label_axes(list(axes.ravel()))
    fig.suptitle(title or "Each kernel makes its own feature map (red: positive, blue: negative)")
    return fig


def _mosaic(tiles: ndarray, columns: int) -> ndarray:
    """Tiles ``(count, th, tw)`` side by side, ``columns`` per row, one NaN (blank) pixel between neighbours."""
    count, th, tw = tiles.shape
    rows = int(np.ceil(count / columns))
    mosaic = np.full((rows * (th + 1) - 1, columns * (tw + 1) - 1), np.nan)
    for index in range(count):
        r, c = divmod(index, columns)
        mosaic[r * (th + 1) : r * (th + 1) + th, c * (tw + 1) : c * (tw + 1) + tw] = tiles[index]
    return mosaic


def plot_learned_kernels(kernels: ndarray, image: ndarray, title: str | None = None, columns: int = 8) -> Diagram:
    """Learned kernels ``(out_channels, 1, kh, kw)`` as tiles (one colour scale for all), and the feature map each
    makes of ``image`` ``(h, w)`` (each map on its own scale), in the same places."""
    kernels = np.asarray(kernels, dtype=float)
    if kernels.ndim != 4 or kernels.shape[1] != 1:
        raise ValueError(f"kernels must be (out_channels, 1, kh, kw); received shape {kernels.shape}")
    maps = np.stack([_correlate_2d(np.asarray(image, dtype=float), k[0]) for k in kernels])
    maps = maps / np.maximum(np.abs(maps).max(axis=(1, 2), keepdims=True), 1e-9)
    fig = Diagram(figsize=(11.0, 4.4), layout="constrained")
    left, right = fig.subplots(1, 2)
    limit = float(np.abs(kernels).max())
    shown = left.imshow(_mosaic(kernels[:, 0], columns), cmap="RdBu_r", vmin=-limit, vmax=limit)
    fig.colorbar(shown, ax=left, shrink=0.7, label="weight")
    left.set_title(f"{len(kernels)} learned {kernels.shape[2]}×{kernels.shape[3]} kernels")
    right.imshow(_mosaic(maps, columns), cmap="RdBu_r", vmin=-1, vmax=1)
    right.set_title("the feature map each one makes of the digit")
    for ax, (th, tw) in ((left, kernels.shape[2:]), (right, maps.shape[1:])):
        ax.set_xticks([c * (tw + 1) + (tw - 1) / 2 for c in range(columns)], [str(c) for c in range(columns)])
        rows = int(np.ceil(len(kernels) / columns))
        ax.set_yticks([r * (th + 1) + (th - 1) / 2 for r in range(rows)], [str(r * columns) for r in range(rows)])
        ax.set_xlabel("kernel number (column + row label)")
        ax.set_ylabel("row label")
    fig.suptitle(title or "Learned kernels (red: positive weights, blue: negative) and their feature maps on one digit")
    return fig


def plot_conv_timings(seconds: Mapping[str, Mapping[str, float]], title: str | None = None) -> Diagram:
    """Grouped horizontal bars: for each case (outer key), the time of each implementation (inner key), in
    milliseconds on a log scale."""
    cases = list(seconds)
    names = list(dict.fromkeys(name for case in cases for name in seconds[case]))
    fig = Diagram(figsize=(8.6, 0.5 * len(names) * len(cases) + 1.6), layout="constrained")
    ax = fig.add_subplot()
    height = 0.8 / len(cases)
    colors = ["tab:blue", "tab:orange", "tab:green", "tab:purple"]
    values = []
    for k, case in enumerate(cases):
        ms = [1000 * seconds[case].get(name, np.nan) for name in names]
        values += [v for v in ms if np.isfinite(v)]
        positions = np.arange(len(names)) + (k - (len(cases) - 1) / 2) * height
        bars = ax.barh(positions, ms, height=height * 0.95, color=colors[k % len(colors)], label=case)
        for bar, value in zip(bars, ms):
            if np.isfinite(value):
                ax.text(value * 1.08, bar.get_y() + bar.get_height() / 2, f"{value:.3g} ms", va="center", fontsize=8.5)
    ax.set_yticks(np.arange(len(names)), names)
    ax.set_xscale("log")
    ax.set_xlim(min(values) / 2, max(values) * 30)
    ax.invert_yaxis()
    ax.set_xlabel("milliseconds of CPU time (log scale)")
    ax.set_ylabel("implementation")
    ax.legend(loc="upper right", fontsize=9)
    ax.set_title(title or "The same convolution, the same numbers, very different times")
    ax.grid(alpha=0.3, axis="x")
    return fig
