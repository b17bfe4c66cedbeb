"""Pictures of graphs that branch, and of automatic differentiation (chapter 09).

- :func:`fan_out_diagram` -- one value used twice: its two gradients meet and add.
- :func:`value_graph_diagram` -- any graph of :class:`dlfs.autodiff.Node` objects (the learner's
  ``Value`` too), laid out from the inputs to the output, with values and gradients.

Each returns a :class:`dlfs.draw.canvas.Diagram` with a title; end a notebook cell with the
call to show it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch

from dlfs.draw.canvas import EDGE_COLOR, GRADIENT_COLOR, VALUE_COLOR, WIRE_COLOR, diagram_axes, draw_box, fmt


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], color: str = WIRE_COLOR,
           width: float = 1.8, bend: float = 0.0) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=16, linewidth=width, color=color,
                                 shrinkA=0, shrinkB=0, connectionstyle=f"arc3,rad={bend}"))


def fan_out_diagram(x: float = 2.0, title: str | None = None) -> Figure:
    """``L = u + v`` with ``u = x²`` and ``v = 3x``: ``x`` feeds two boxes, so two gradients come back to it.

    Values (red) flow forward, left to right; gradients ``∂L/∂(wire)`` (purple) flow backward.
    At ``x`` the gradient through the square, ``2x``, and the one through ``×3``, ``3``, meet and add.
    """
    u, v = x**2, 3 * x
    fig, ax = diagram_axes(10.0, (0.0, 15.0), (-0.4, 6.6))
    x_pos, top, bottom, plus = (2.2, 3.1), (6.4, 5.1), (6.4, 1.1), (10.6, 3.1)
    ax.add_patch(Circle(x_pos, 0.55, facecolor="#f6f0fa", edgecolor=GRADIENT_COLOR, linewidth=2.2))
    ax.text(*x_pos, "x", ha="center", va="center", fontsize=16, fontweight="bold", color=EDGE_COLOR)
    _arrow(ax, (0.2, x_pos[1]), (x_pos[0] - 0.56, x_pos[1]))
    ax.text(0.3, x_pos[1] + 0.2, f"x = {fmt(x)}", fontsize=12, color=VALUE_COLOR, fontweight="bold", va="bottom")
    draw_box(ax, top, "square", width=2.2, height=1.2)
    draw_box(ax, bottom, "× 3", width=2.2, height=1.2)
    draw_box(ax, plus, "+", width=1.4, height=2.2)
    # forward wires
    _arrow(ax, (x_pos[0] + 0.45, x_pos[1] + 0.35), (top[0] - 1.15, top[1]))
    _arrow(ax, (x_pos[0] + 0.45, x_pos[1] - 0.35), (bottom[0] - 1.15, bottom[1]))
    _arrow(ax, (top[0] + 1.15, top[1]), (plus[0] - 0.75, plus[1] + 0.6))
    _arrow(ax, (bottom[0] + 1.15, bottom[1]), (plus[0] - 0.75, plus[1] - 0.6))
    _arrow(ax, (plus[0] + 0.75, plus[1]), (14.6, plus[1]))
    ax.text(8.8, top[1] + 0.1, f"u = x² = {fmt(u)}", fontsize=12, color=VALUE_COLOR, fontweight="bold", ha="center")
    ax.text(8.8, bottom[1] - 0.45, f"v = 3x = {fmt(v)}", fontsize=12, color=VALUE_COLOR, fontweight="bold", ha="center")
    ax.text(12.8, plus[1] + 0.25, f"L = u + v = {fmt(u + v)}", fontsize=12, color=VALUE_COLOR, fontweight="bold",
            ha="center", va="bottom")
    # backward: the gradients, in purple, under the wires
    ax.text(12.8, plus[1] - 0.25, "∂L/∂L = 1", fontsize=12, color=GRADIENT_COLOR, fontweight="bold", ha="center", va="top")
    ax.text(8.8, top[1] - 0.55, "∂L/∂u = 1", fontsize=11, color=GRADIENT_COLOR, ha="center", va="top")
    ax.text(8.8, bottom[1] + 0.45, "∂L/∂v = 1", fontsize=11, color=GRADIENT_COLOR, ha="center", va="bottom")
    ax.text(4.1, top[1] - 0.1, f"via u: 2x · 1 = {fmt(2 * x)}", fontsize=11, color=GRADIENT_COLOR, ha="center",
            va="bottom", rotation=24, fontweight="bold")
    ax.text(4.1, bottom[1] + 0.1, "via v: 3 · 1 = 3", fontsize=11, color=GRADIENT_COLOR, ha="center", va="top",
            rotation=-24, fontweight="bold")
    ax.text(x_pos[0], x_pos[1] - 0.75, f"∂L/∂x = {fmt(2 * x)} + 3 = {fmt(2 * x + 3)}", fontsize=13,
            color=GRADIENT_COLOR, ha="center", va="top", fontweight="bold")
    ax.text(7.5, -0.3, "red: values, flowing forward →     purple: gradients, flowing backward ←; "
            "where a value was used twice, its gradients add", ha="center", va="bottom", fontsize=10, color="dimgrey")
    ax.set_title(title or "Fan-out: x is used twice, so two gradients come back to it, and they add", fontsize=12)
    return fig


def _describe(array: Any) -> str:
    a = np.asarray(array)
    return fmt(float(a)) if a.ndim == 0 else "shape " + "×".join(map(str, a.shape))


def _layout(root: Any) -> tuple[list[Any], dict[int, tuple[float, float]]]:
    """Nodes in topological order, and a position for each: column = longest path from a leaf."""
    order: list[Any] = []
    seen: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(node.parents) if id(p) not in seen)
    depth: dict[int, int] = {}
    for node in order:
        depth[id(node)] = 1 + max((depth[id(p)] for p in node.parents), default=-1)
    columns: dict[int, list[Any]] = {}
    for node in order:
        columns.setdefault(depth[id(node)], []).append(node)
    pos: dict[int, tuple[float, float]] = {}
    tallest = max(len(c) for c in columns.values())
    for col, nodes in columns.items():
        for row, node in enumerate(nodes):
            pos[id(node)] = (col * 3.2 + 1.6, (tallest - 1) * 1.1 - (row - (len(nodes) - 1) / 2) * 2.2 + 1.6)
    return order, pos


def value_graph_diagram(root: Any, names: Mapping[str, Any] | None = None, gradients: bool = True,
                        title: str | None = None) -> Figure:
    """The graph that made ``root`` (any object with ``data``, ``grad``, ``parents`` and ``op``), inputs on the left.

    Each node is a box with its operation (or its name, for a leaf named in ``names``: name ->
    node), its value in red (a shape for arrays) and, with ``gradients``, its ``grad`` in purple.
    A node with two arrows leaving it is used twice: the gradient written under it is the sum of
    the two that came back.
    """
    order, pos = _layout(root)
    label = {id(node): name for name, node in (names or {}).items()}
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    fig, ax = diagram_axes(min(2.2 + 1.9 * (max(xs) - min(xs)) / 3.2 * 1.3, 13.0),
                           (min(xs) - 1.6, max(xs) + 1.6), (min(ys) - 1.4, max(ys) + 2.2))
    users: dict[int, int] = {}
    for node in order:
        for p in node.parents:
            users[id(p)] = users.get(id(p), 0) + 1
            (x0, y0), (x1, y1) = pos[id(p)], pos[id(node)]
            if x1 - x0 > 3.3:   # a wire that skips columns arches over the boxes between
                _arrow(ax, (x0 + 0.3, y0 + 0.62), (x1 - 0.3, y1 + 0.62), width=1.4, bend=-0.25)
            else:
                _arrow(ax, (x0 + 0.95, y0), (x1 - 0.95, y1), width=1.4)
    for node in order:
        cx, cy = pos[id(node)]
        shared = users.get(id(node), 0) > 1
        name = label.get(id(node), node.op or "input")
        draw_box(ax, (cx, cy), "", width=1.9, height=1.2)
        if shared:
            ax.add_patch(Circle((cx + 0.95, cy + 0.6), 0.16, color=GRADIENT_COLOR))
        ax.text(cx, cy + 0.27, name, ha="center", va="center", fontsize=12, fontweight="bold", color=EDGE_COLOR)
        ax.text(cx, cy - 0.2, _describe(node.data), ha="center", va="center", fontsize=10, color=VALUE_COLOR)
        if gradients:
            ax.text(cx, cy - 0.72, f"grad {_describe(node.grad)}", ha="center", va="top", fontsize=10,
                    color=GRADIENT_COLOR, fontweight="bold")
    ax.text((min(xs) + max(xs)) / 2, min(ys) - 1.35, "red: value    purple: gradient of the output    "
            "purple dot: used more than once (its gradients were added)", ha="center", va="bottom", fontsize=9,
            color="dimgrey")
    ax.set_title(title or "The graph behind the output: inputs on the left, the output on the right", fontsize=12)
    return fig
