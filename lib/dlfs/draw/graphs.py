"""Box-and-wire pictures: functions as boxes, chains of boxes, computational graphs.

Each function returns a :class:`dlfs.draw.canvas.Diagram` with a title; end a
notebook cell with the call to show it.

- :func:`function_box` -- one function as a box: a wire in, a wire out (chapter 01).
- :func:`chain_diagram`, :func:`nudge_diagram` -- boxes in a row, with values and a nudge (chapter 03).
- :func:`graph_diagram` -- the graph of ``s = σ(x + y)`` or ``s = σ(x · y)``: values forward, gradients backward (chapter 03).
- :func:`linear_regression_graph`, :func:`network_graph` -- chapter 05's models as graphs.
- :func:`operation_diagram`, :func:`loss_graph_diagram` -- chapter 06's operation contract and softmax loss.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from dlfs.draw.canvas import (
    EDGE_COLOR,
    GRADIENT_COLOR,
    NUDGE_COLOR,
    SLOPE_COLOR,
    VALUE_COLOR,
    WIRE_COLOR,
    Diagram,
    diagram_axes,
    draw_box,
    draw_wire,
    fmt,
)

# The layout of chain_diagram (in its data units), shared with nudge_diagram.
_CHAIN_BOX_W = 2.2


_CHAIN_WIRE = 2.2


_CHAIN_Y = 1.5


def draw_function_box(ax: Axes, label: str, x_label: str = "x", y_label: str = "f(x)",
                      x_value: float | None = None, y_value: float | None = None,
                      center: tuple[float, float] = (5.0, 1.5), width: float = 2.4, wire: float = 2.6) -> None:
    """Draw one function box on ``ax``: a wire ``x_label`` in on the left, a wire ``y_label`` out on the right.

    ``x_value`` and ``y_value``, if given, are written under the wires (e.g. 3 in, 9 out).
    """
    cx, cy = center
    draw_box(ax, center, label, width=width)
    draw_wire(ax, (cx - width / 2 - wire, cy), (cx - width / 2 - 0.08, cy), x_label, x_value)
    draw_wire(ax, (cx + width / 2 + 0.08, cy), (cx + width / 2 + wire, cy), y_label, y_value)


def function_box(label: str, x_label: str = "x", y_label: str = "f(x)",
                 x_value: float | None = None, y_value: float | None = None, title: str | None = None) -> Figure:
    """A function drawn as a box: its input arrives on a wire, its output leaves on another.

    Args:
        label: the function's name, written in the box (e.g. ``"square"``).
        x_label, y_label: names of the input and output wires.
        x_value, y_value: optional numbers flowing on the wires (e.g. ``3`` and ``9``).
        title: the figure title; a sentence about the box by default.

    Returns:
        The figure (axes turned off, a title on top).
    """
    fig, ax = diagram_axes(7.0, (0.0, 10.0), (0.3, 2.7))
    draw_function_box(ax, label, x_label, y_label, x_value, y_value)
    ax.set_title(title or f"The function {label} as a box: input wire in, output wire out", fontsize=12)
    return fig


def chain_diagram(labels: Sequence[str], values: Sequence[float] | None = None,
                  local_slopes: Sequence[float] | None = None, *,
                  wire_labels: Sequence[str] | None = None, title: str | None = None) -> Figure:
    """Boxes in a row, ``labels[0]`` first: the output wire of each box is the input wire of the next.

    Args:
        labels: the function names, in the order the input passes through them.
        values: optional numbers on the ``len(labels) + 1`` wires: the input, then each box's output.
        local_slopes: optional slope of each box at its input (``len(labels)`` numbers): how many
            times it scales a small nudge. Written under the boxes, with their product -- the
            slope of the whole chain -- as the last line.
        wire_labels: names of the ``len(labels) + 1`` wires; ``x, u1, u2, ..., y`` by default.
        title: the figure title.

    Returns:
        The figure (axes turned off, a title on top).
    """
    n = len(labels)
    if n == 0:
        raise ValueError("chain_diagram needs at least one box label")
    if values is not None and len(values) != n + 1:
        raise ValueError(f"values must have len(labels) + 1 = {n + 1} numbers (input and each output); got {len(values)}")
    if local_slopes is not None and len(local_slopes) != n:
        raise ValueError(f"local_slopes must have len(labels) = {n} numbers (one per box); got {len(local_slopes)}")
    if wire_labels is None:
        wire_labels = ["x", *[f"$u_{k}$" for k in range(1, n)], "y"]
    elif len(wire_labels) != n + 1:
        raise ValueError(f"wire_labels must have len(labels) + 1 = {n + 1} names; got {len(wire_labels)}")

    box_w, wire = _CHAIN_BOX_W, _CHAIN_WIRE
    bottom = -0.6 if local_slopes is not None else 0.4
    total_w = n * box_w + (n + 1) * wire
    fig, ax = diagram_axes(min(0.8 * total_w, 14.0), (0.0, total_w), (bottom, 2.6))
    y = _CHAIN_Y
    for k in range(n + 1):
        x0 = k * (box_w + wire)
        start = x0 + (0.08 if k > 0 else 0.0)
        draw_wire(ax, (start, y), (x0 + wire - 0.08, y), wire_labels[k], None if values is None else values[k])
        if k < n:
            draw_box(ax, (x0 + wire + box_w / 2, y), labels[k], width=box_w)
            if local_slopes is not None:
                ax.text(x0 + wire + box_w / 2, y - 0.95, f"slope × {fmt(local_slopes[k])}",
                        ha="center", va="top", fontsize=12, color=SLOPE_COLOR)
    if local_slopes is not None:
        factors = " × ".join(f"({fmt(s)})" if s < 0 else fmt(s) for s in local_slopes)
        ax.text(total_w / 2, -0.25, f"a nudge ε at the input moves the output by {factors} × ε = {fmt(float(np.prod(local_slopes)))} ε",
                ha="center", va="center", fontsize=12, color=SLOPE_COLOR)
    ax.set_title(title or "A chain of functions: each output wire is the next box's input wire", fontsize=12)
    return fig


def nudge_diagram(labels: Sequence[str], values: Sequence[float], nudged_values: Sequence[float],
                  local_slopes: Sequence[float] | None = None, *,
                  wire_labels: Sequence[str] | None = None, title: str | None = None) -> Figure:
    """:func:`chain_diagram` with every wire's value before a nudge of the input and after it.

    Under each wire: the value before (red, ``= 0.25``), the value after the input was
    nudged (orange, ``→ 0.2601``) and how far the wire moved (``moved +0.0101``).

    Args:
        labels: the function names, in the order the input passes through them.
        values: the ``len(labels) + 1`` wire values before the nudge: the input, then each box's output.
        nudged_values: the same wires after the input was nudged (same length).
        local_slopes: optional slope of each box at its input, as in :func:`chain_diagram`.
        wire_labels: names of the wires; ``x, u1, u2, ..., y`` by default.
        title: the figure title.

    Returns:
        The figure (axes turned off, a title on top).
    """
    if len(nudged_values) != len(values):
        raise ValueError(f"nudged_values must have one number per wire, like values ({len(values)}); "
                         f"got {len(nudged_values)}")
    fig = chain_diagram(labels, values, local_slopes, wire_labels=wire_labels,
                        title=title or "A nudge at the input travels down the chain: each wire before and after")
    ax = fig.axes[0]
    for k, (before, after) in enumerate(zip(values, nudged_values)):
        mid = k * (_CHAIN_BOX_W + _CHAIN_WIRE) + _CHAIN_WIRE / 2
        ax.text(mid, _CHAIN_Y - 0.47, f"→ {after:.5g}", ha="center", va="top", fontsize=11, color=NUDGE_COLOR,
                fontweight="bold")
        ax.text(mid, _CHAIN_Y - 0.74, f"moved {after - before:+.3g}", ha="center", va="top", fontsize=10,
                color=NUDGE_COLOR)
    return fig


#: The wires of :func:`graph_diagram`, in the order their numbers are given.
GRAPH_WIRES = ("x", "y", "a", "s")


def graph_diagram(values: Mapping[str, float] | None = None, gradients: Mapping[str, float] | None = None, *,
                  func_label: str = "σ", op: str = "+", title: str | None = None) -> Figure:
    """The computational graph of ``s = σ(x + y)`` (or ``σ(x · y)``): two input wires into an ``op`` box, its output ``a`` into ``σ``.

    Values flow forward (left to right) and are written in red under the wires.
    Gradients flow backward (right to left): each is drawn in purple under its wire,
    with an arrow pointing back, as ``∂s/∂x = ...``. With gradients, the local slopes
    are written at the boxes too: ``+`` passes a gradient on unchanged to both inputs
    (local slope 1), ``×`` sends each input the other input's value (local slopes ``y`` for
    ``x`` and ``x`` for ``y``), ``σ`` multiplies it by ``σ'(a)`` (shown as ``gradients["a"] / gradients["s"]``).

    Args:
        values: optional numbers on the wires, keys ``"x", "y", "a", "s"``.
        gradients: optional ``∂s/∂(wire)`` for the keys ``"x", "y", "a", "s"`` (``∂s/∂s`` is 1).
        func_label: the name of the function after the sum, written in its box.
        op: ``"+"`` (a sum) or ``"×"`` (a product).
        title: the figure title.

    Returns:
        The figure (axes turned off, a title on top).
    """
    if op not in ("+", "×"):
        raise ValueError(f'op must be "+" or "×"; got {op!r}')
    for name, numbers in (("values", values), ("gradients", gradients)):
        if numbers is not None and set(GRAPH_WIRES) - set(numbers):
            raise ValueError(f"{name} needs a number for each wire {GRAPH_WIRES}; "
                             f"missing {sorted(set(GRAPH_WIRES) - set(numbers))}")
    top, bottom = 4.0, (-1.25 if gradients is not None else 0.05)
    fig, ax = diagram_axes(9.6, (0.0, 12.0), (bottom, top))

    plus_c, plus_w, plus_h = (3.6, 1.8), 1.8, 3.0
    func_c, func_w = (8.2, 1.8), 2.2
    mid_y = plus_c[1]
    # (wire, start, end, name above it)
    wires = [
        ("x", (0.0, 3.0), (plus_c[0] - plus_w / 2 - 0.08, 3.0), "x"),
        ("y", (0.0, 0.6), (plus_c[0] - plus_w / 2 - 0.08, 0.6), "y"),
        ("a", (plus_c[0] + plus_w / 2 + 0.08, mid_y), (func_c[0] - func_w / 2 - 0.08, mid_y), f"a = x {'+' if op == '+' else '·'} y"),
        ("s", (func_c[0] + func_w / 2 + 0.08, mid_y), (12.0, mid_y), f"s = {func_label}(a)"),
    ]
    draw_box(ax, plus_c, "", width=plus_w, height=plus_h)
    ax.text(*plus_c, op, ha="center", va="center", fontsize=28, fontweight="bold", color=EDGE_COLOR)
    draw_box(ax, func_c, func_label, width=func_w)
    for key, start, end, name in wires:
        draw_wire(ax, start, end, name, None if values is None else values[key])
        if gradients is not None:
            y = start[1]
            ax.add_patch(FancyArrowPatch((end[0] - 0.3, y - 0.62), (start[0] + 0.3, y - 0.62), arrowstyle="-|>",
                                         mutation_scale=13, linewidth=1.3, color=GRADIENT_COLOR))
            ax.text((start[0] + end[0]) / 2, y - 0.72, f"∂s/∂{key} = {fmt(gradients[key])}", ha="center",
                    va="top", fontsize=12, color=GRADIENT_COLOR, fontweight="bold")
    if gradients is not None:
        local = "local slope 1 to x and to y" if op == "+" else (
            "local slopes: y to x, x to y" if values is None
            else f"local slopes: y = {fmt(values['y'])} to x, x = {fmt(values['x'])} to y")
        ax.text(plus_c[0], plus_c[1] + plus_h / 2 + 0.12, local, ha="center", va="bottom", fontsize=11, color=SLOPE_COLOR)
        if gradients["s"] != 0:
            ax.text(func_c[0], func_c[1] - 0.95, f"local slope {func_label}'(a) = {fmt(gradients['a'] / gradients['s'])}",
                    ha="center", va="top", fontsize=11, color=SLOPE_COLOR)
        ax.text(6.0, bottom + 0.12, "red: values, flowing forward →        purple: gradients ∂s/∂(wire), flowing backward ←",
                ha="center", va="bottom", fontsize=10, color="dimgrey")
    ax.set_title(title or f"The computational graph of s = {func_label}(x {'+' if op == '+' else '·'} y)", fontsize=12)
    return fig


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], color: str = WIRE_COLOR) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=16, linewidth=1.7, color=color))


def _graph(stages: Sequence[tuple[str, str, str, str, str]], first: tuple[str, str], *, title: str,
           gradients: bool, wire: float = 2.9) -> Diagram:
    """Boxes in a row; a weight (or target) comes into each box from below.

    ``stages``: ``(box label, side input, its gradient, output wire, its gradient)``;
    ``first``: ``(input wire label, its gradient)``. Gradients (red) are written under
    the wires when ``gradients`` is true.
    """
    box_w, y = 1.3, 2.4
    width = wire + len(stages) * (box_w + wire)
    fig = Diagram(figsize=(0.62 * width, 3.2 if gradients else 2.6), layout="constrained")
    ax = fig.add_subplot()
    ax.set_xlim(-0.3, width + 0.3)
    ax.set_ylim(-0.9 if gradients else 0.0, 3.5)
    ax.set_axis_off()

    def wire_text(x_mid: float, label: str, grad: str) -> None:
        ax.text(x_mid, y + 0.2, label, ha="center", va="bottom", fontsize=10.5, linespacing=1.25)
        if gradients and grad:
            ax.text(x_mid, y - 0.22, grad, ha="center", va="top", fontsize=9.5, color=VALUE_COLOR, linespacing=1.25)

    _arrow(ax, (0.0, y), (wire - 0.05, y))
    wire_text(wire / 2, *first)
    for s, (box, side, side_grad, out, out_grad) in enumerate(stages):
        cx = wire + box_w / 2 + s * (box_w + wire)
        draw_box(ax, (cx, y), box, width=box_w, height=1.0)
        if side:
            _arrow(ax, (cx, 0.35), (cx, y - 0.55))
            ax.text(cx - 0.15, 0.55, side, ha="right", va="bottom", fontsize=10.5, linespacing=1.25)
            if gradients and side_grad:
                ax.text(cx + 0.15, 0.55, side_grad, ha="left", va="bottom", fontsize=9.5, color=VALUE_COLOR,
                        linespacing=1.25)
        start = cx + box_w / 2 + 0.05
        _arrow(ax, (start, y), (start + wire - 0.1, y))
        wire_text(start + wire / 2, out, out_grad)
    if gradients:
        ax.text(width / 2, -0.75, "black: values going forward, with their shapes;   red: the gradient of L with "
                "respect to each value, coming back (same shape as the value)", ha="center", va="bottom",
                fontsize=9.5, color="dimgrey")
    ax.set_title(title, fontsize=12)
    return fig


def linear_regression_graph(gradients: bool = False) -> Diagram:
    """The graph ``X, W -> [×] -> N -> [+ B] -> P -> [MSE with y] -> L``, shapes forward, optionally gradients back."""
    stages = [
        ("×", "W (k, 1)", "dL/dW =\nX.T @ dL/dN", "N = X @ W\n(n, 1)", "dL/dN = dL/dP"),
        ("+", "B (1, 1)", "dL/dB = dL/dP\nsummed over rows", "P = N + B\n(n, 1)", "dL/dP = (2/n)(P − y)"),
        ("MSE", "y (n, 1)", "", "L = mean((P − y)²)\none number", "dL/dL = 1"),
    ]
    title = "Linear regression as a computational graph" + (": values forward, gradients backward" if gradients else "")
    return _graph(stages, ("X (n, k)", ""), title=title, gradients=gradients)


def network_graph(gradients: bool = False) -> Diagram:
    """The two-layer network's graph: ``× W1, + B1, σ, × W2, + B2, MSE``, shapes forward, optionally gradients back."""
    stages = [
        ("×", "W1 (k, h)", "dL/dW1 =\nX.T @ dL/dM1", "M1 = X @ W1\n(n, h)", "dL/dM1\n= dL/dN1"),
        ("+", "B1 (1, h)", "dL/dB1 =\ndL/dN1 summed\nover rows", "N1 = M1 + B1\n(n, h)", "dL/dN1 =\ndL/dO1 * σ'(N1)"),
        ("σ", "", "", "O1 = σ(N1)\n(n, h)", "dL/dO1 =\ndL/dM2 @ W2.T"),
        ("×", "W2 (h, 1)", "dL/dW2 =\nO1.T @ dL/dM2", "M2 = O1 @ W2\n(n, 1)", "dL/dM2\n= dL/dP"),
        ("+", "B2 (1, 1)", "dL/dB2 =\ndL/dP summed\nover rows", "P = M2 + B2\n(n, 1)", "dL/dP =\n(2/n)(P − y)"),
        ("MSE", "y (n, 1)", "", "L\none number", ""),
    ]
    title = "The two-layer network as a computational graph" + (": values forward, gradients backward" if gradients else "")
    return _graph(stages, ("X (n, k)", ""), title=title, gradients=gradients, wire=2.5)


