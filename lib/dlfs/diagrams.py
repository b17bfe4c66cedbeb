"""Whiteboard pictures drawn with matplotlib: function boxes, chains, plots, arrays.

Every public function returns a :class:`Diagram`, a :class:`matplotlib.figure.Figure`
built without ``pyplot``: nothing is shown twice in a notebook, no global figure
state is kept, and everything works headless. A ``Diagram`` shows itself as a PNG
in Jupyter, so end a notebook cell with the call (or pass the figure to
``display``) to show it, with or without ``%matplotlib inline``;
``fig.savefig("file.png")`` saves it.

- :func:`function_box` -- one function as a box: a wire in, a wire out.
- :func:`chain_diagram` -- boxes in a row, the output wire of one feeding the next.
- :func:`nudge_diagram` -- a chain of boxes with every wire's value before and after a nudge.
- :func:`graph_diagram` -- the computational graph of ``s = σ(x + y)``: values forward, gradients backward.
- :func:`plot_functions` -- several functions of ``x`` on one plot.
- :func:`plot_composite_and_slope` -- a composite function, and its slope by the chain rule against a direct one.
- :func:`axis_sums_diagram` -- a matrix with ``sum(axis=0)`` below and ``sum(axis=1)`` beside it.
- :func:`broadcast_rows_diagram` -- ``X + b``: the row ``b`` added to every row of ``X``.

The ``draw_*`` helpers draw the same pieces onto an ``Axes`` you already have.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle
from numpy import ndarray

BOX_COLOR = "#dbe9f6"
EDGE_COLOR = "#1f4e79"
WIRE_COLOR = "#333333"
VALUE_COLOR = "#c0392b"
SLOPE_COLOR = "#2e7d32"
NUDGE_COLOR = "#d35400"
GRADIENT_COLOR = "#7d3c98"

# The layout of chain_diagram (in its data units), shared with nudge_diagram.
_CHAIN_BOX_W = 2.2
_CHAIN_WIRE = 2.2
_CHAIN_Y = 1.5


class Diagram(Figure):
    """A matplotlib ``Figure`` that Jupyter displays as a PNG image (its ``_repr_png_``)."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


def _fmt(value: float) -> str:
    """A value short enough to write on a wire: ``3``, ``-0.5``, ``0.905``, ``1.2e+04``."""
    return f"{value:.3g}"


def _diagram_axes(width: float, xlim: tuple[float, float], ylim: tuple[float, float]) -> tuple[Figure, Axes]:
    """A figure ``width`` inches wide with one frameless axes in data units ``xlim`` x ``ylim``, equal aspect.

    The height follows from the aspect ratio, plus room for the title.
    """
    height = width * (ylim[1] - ylim[0]) / (xlim[1] - xlim[0]) + 0.5
    fig = Diagram(figsize=(width, height), layout="constrained")
    ax = fig.add_subplot()
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return fig, ax


def draw_wire(ax: Axes, start: tuple[float, float], end: tuple[float, float],
              label: str = "", value: float | None = None) -> None:
    """Draw an arrow (a wire) from ``start`` to ``end``, its name above it and its value below."""
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=18, linewidth=1.8, color=WIRE_COLOR))
    mid_x = (start[0] + end[0]) / 2
    if label:
        ax.text(mid_x, start[1] + 0.18, label, ha="center", va="bottom", fontsize=13)
    if value is not None:
        ax.text(mid_x, start[1] - 0.18, f"= {_fmt(value)}", ha="center", va="top", fontsize=12,
                color=VALUE_COLOR, fontweight="bold")


def draw_box(ax: Axes, center: tuple[float, float], label: str, width: float = 2.4, height: float = 1.4) -> None:
    """Draw a rounded box with ``label`` written in the middle (one function, one "factory")."""
    cx, cy = center
    ax.add_patch(FancyBboxPatch((cx - width / 2, cy - height / 2), width, height,
                                boxstyle="round,pad=0.05,rounding_size=0.15",
                                facecolor=BOX_COLOR, edgecolor=EDGE_COLOR, linewidth=2))
    ax.text(cx, cy, label, ha="center", va="center", fontsize=14, fontweight="bold", color=EDGE_COLOR)


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
    fig, ax = _diagram_axes(7.0, (0.0, 10.0), (0.3, 2.7))
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
    fig, ax = _diagram_axes(min(0.8 * total_w, 14.0), (0.0, total_w), (bottom, 2.6))
    y = _CHAIN_Y
    for k in range(n + 1):
        x0 = k * (box_w + wire)
        start = x0 + (0.08 if k > 0 else 0.0)
        draw_wire(ax, (start, y), (x0 + wire - 0.08, y), wire_labels[k], None if values is None else values[k])
        if k < n:
            draw_box(ax, (x0 + wire + box_w / 2, y), labels[k], width=box_w)
            if local_slopes is not None:
                ax.text(x0 + wire + box_w / 2, y - 0.95, f"slope × {_fmt(local_slopes[k])}",
                        ha="center", va="top", fontsize=12, color=SLOPE_COLOR)
    if local_slopes is not None:
        factors = " × ".join(f"({_fmt(s)})" if s < 0 else _fmt(s) for s in local_slopes)
        ax.text(total_w / 2, -0.25, f"a nudge ε at the input moves the output by {factors} × ε = {_fmt(float(np.prod(local_slopes)))} ε",
                ha="center", va="center", fontsize=12, color=SLOPE_COLOR)
    ax.set_title(title or "A chain of functions: each output wire is the next box's input wire", fontsize=12)
    return fig


def plot_functions(funcs: Mapping[str, Callable[[ndarray], ndarray]], x: ndarray, title: str,
                   xlabel: str = "input x", ylabel: str = "output f(x)",
                   ylim: tuple[float, float] | None = None, figsize: tuple[float, float] = (7.0, 4.2)) -> Figure:
    """Plot each function in ``funcs`` (legend label -> function) over the 1-D array ``x`` on one axes.

    Thin grey lines mark ``x = 0`` and ``y = 0``. Returns the figure.
    """
    fig = Diagram(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.axvline(0.0, color="grey", linewidth=0.8)
    for name, func in funcs.items():
        ax.plot(x, func(x), linewidth=2.2, label=name)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def draw_grid(ax: Axes, values: ndarray, top_left: tuple[float, float], color: str = BOX_COLOR,
              alpha: float = 1.0, cell: float = 1.0) -> None:
    """Draw a 2-D array as a grid of cells with its numbers; row 0 on top, starting at ``top_left``."""
    left, top = top_left
    for (i, j), v in np.ndenumerate(np.atleast_2d(values)):
        ax.add_patch(Rectangle((left + j * cell, top - (i + 1) * cell), cell, cell,
                               facecolor=color, edgecolor=EDGE_COLOR, linewidth=1.2, alpha=alpha))
        ax.text(left + (j + 0.5) * cell, top - (i + 0.5) * cell, _fmt(float(v)), ha="center", va="center",
                fontsize=12, alpha=max(alpha, 0.45))


def axis_sums_diagram(X: ndarray, title: str | None = None) -> Figure:
    """A matrix with its column sums (``X.sum(axis=0)``) below and its row sums (``X.sum(axis=1)``) on the right.

    ``axis=0`` runs down the rows, so summing over it collapses each column to one number;
    ``axis=1`` runs along a row, so summing over it collapses each row.
    """
    if X.ndim != 2:
        raise ValueError(f"axis_sums_diagram draws a 2-D array; got shape {X.shape}")
    n_rows, n_cols = X.shape
    fig, ax = _diagram_axes(0.8 * (n_cols + 5.5), (-1.6, n_cols + 3.9), (-2.7, n_rows + 1.0))
    draw_grid(ax, X, (0.0, n_rows))
    ax.text(n_cols / 2, n_rows + 0.25, f"X, shape {X.shape}", ha="center", va="bottom", fontsize=12)
    ax.text(-0.2, n_rows - 0.5, "row 0", ha="right", va="center", fontsize=10, color="grey")
    ax.text(0.5, n_rows + 0.05, "col 0", ha="center", va="bottom", fontsize=9, color="grey")
    col_sums, row_sums = X.sum(axis=0), X.sum(axis=1)
    ax.add_patch(FancyArrowPatch((-0.8, n_rows - 0.1), (-0.8, -0.6), arrowstyle="-|>", mutation_scale=16, color=VALUE_COLOR))
    ax.text(-1.0, n_rows / 2, "axis 0", rotation=90, ha="right", va="center", fontsize=11, color=VALUE_COLOR)
    draw_grid(ax, col_sums[None, :], (0.0, -0.6), color="#f6d8d4")
    ax.text(n_cols / 2, -1.8, f"X.sum(axis=0), shape {col_sums.shape}\n(one sum per column)",
            ha="center", va="top", fontsize=11, color=VALUE_COLOR)
    ax.add_patch(FancyArrowPatch((n_cols + 0.1, n_rows - 0.5), (n_cols + 0.9, n_rows - 0.5), arrowstyle="-|>",
                                 mutation_scale=16, color=SLOPE_COLOR))
    ax.text(n_cols + 0.5, n_rows - 0.35, "axis 1", ha="center", va="bottom", fontsize=11, color=SLOPE_COLOR)
    draw_grid(ax, row_sums[:, None], (n_cols + 1.0, n_rows), color="#d7ecd9")
    ax.text(n_cols + 2.2, n_rows / 2, f"X.sum(axis=1)\nshape {row_sums.shape}\n(one sum\nper row)",
            ha="left", va="center", fontsize=11, color=SLOPE_COLOR)
    ax.set_title(title or "Summing over an axis collapses that axis", fontsize=12)
    return fig


def broadcast_rows_diagram(X: ndarray, b: ndarray, title: str | None = None) -> Figure:
    """``X + b`` for ``X`` of shape ``(n_rows, n_features)`` and ``b`` of shape ``(n_features,)``.

    Three panels: ``X``; ``b`` with faded copies in the rows NumPy repeats it into
    (no copy is made in memory); and the sum.
    """
    if X.ndim != 2 or b.shape != (X.shape[1],):
        raise ValueError(f"broadcast_rows_diagram needs X (n_rows, n_features) and b (n_features,); got {X.shape} and {b.shape}")
    n_rows, n_cols = X.shape
    gap = 1.6
    width = 3 * n_cols + 2 * gap
    fig, ax = _diagram_axes(0.8 * (width + 1.0), (-0.5, width + 0.5), (-1.2, n_rows + 1.0))
    panels = [
        (X, f"X, shape {X.shape}", None),
        (np.tile(b, (n_rows, 1)), f"b, shape {b.shape}, repeated", "+"),
        (X + b, f"X + b, shape {(X + b).shape}", "="),
    ]
    for k, (values, caption, sign) in enumerate(panels):
        left = k * (n_cols + gap)
        if k == 1:
            draw_grid(ax, values[:1], (left, n_rows), color="#fbe3c4")
            draw_grid(ax, values[1:], (left, n_rows - 1), color="#fbe3c4", alpha=0.35)
        else:
            draw_grid(ax, values, (left, n_rows), color=BOX_COLOR if k == 0 else "#d7ecd9")
        ax.text(left + n_cols / 2, n_rows + 0.2, caption, ha="center", va="bottom", fontsize=11)
        if sign:
            ax.text(left - gap / 2, n_rows / 2, sign, ha="center", va="center", fontsize=22)
    ax.text(n_cols + gap + n_cols / 2, -0.3, "faded rows: NumPy reuses b\nfor every row (no copy made)",
            ha="center", va="top", fontsize=10, color="grey")
    ax.set_title(title or "Broadcasting: the row b is added to every row of X", fontsize=12)
    return fig


# ---------------------------------------------------------------- chapter 03: nudges, graphs, slopes


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
                  func_label: str = "σ", title: str | None = None) -> Figure:
    """The computational graph of ``s = σ(x + y)``: two input wires into a ``+`` box, its output ``a`` into ``σ``.

    Values flow forward (left to right) and are written in red under the wires.
    Gradients flow backward (right to left): each is drawn in purple under its wire,
    with an arrow pointing back, as ``∂s/∂x = ...``. With gradients, the local slopes
    are written at the boxes too: ``+`` passes a gradient on unchanged to both inputs
    (local slope 1), ``σ`` multiplies it by ``σ'(a)`` (shown as ``gradients["a"] / gradients["s"]``).

    Args:
        values: optional numbers on the wires, keys ``"x", "y", "a", "s"``.
        gradients: optional ``∂s/∂(wire)`` for the keys ``"x", "y", "a", "s"`` (``∂s/∂s`` is 1).
        func_label: the name of the function after the sum, written in its box.
        title: the figure title.

    Returns:
        The figure (axes turned off, a title on top).
    """
    for name, numbers in (("values", values), ("gradients", gradients)):
        if numbers is not None and set(GRAPH_WIRES) - set(numbers):
            raise ValueError(f"{name} needs a number for each wire {GRAPH_WIRES}; "
                             f"missing {sorted(set(GRAPH_WIRES) - set(numbers))}")
    top, bottom = 4.0, (-1.25 if gradients is not None else 0.05)
    fig, ax = _diagram_axes(9.6, (0.0, 12.0), (bottom, top))

    plus_c, plus_w, plus_h = (3.6, 1.8), 1.8, 3.0
    func_c, func_w = (8.2, 1.8), 2.2
    mid_y = plus_c[1]
    # (wire, start, end, name above it)
    wires = [
        ("x", (0.0, 3.0), (plus_c[0] - plus_w / 2 - 0.08, 3.0), "x"),
        ("y", (0.0, 0.6), (plus_c[0] - plus_w / 2 - 0.08, 0.6), "y"),
        ("a", (plus_c[0] + plus_w / 2 + 0.08, mid_y), (func_c[0] - func_w / 2 - 0.08, mid_y), "a = x + y"),
        ("s", (func_c[0] + func_w / 2 + 0.08, mid_y), (12.0, mid_y), f"s = {func_label}(a)"),
    ]
    draw_box(ax, plus_c, "", width=plus_w, height=plus_h)
    ax.text(*plus_c, "+", ha="center", va="center", fontsize=28, fontweight="bold", color=EDGE_COLOR)
    draw_box(ax, func_c, func_label, width=func_w)
    for key, start, end, name in wires:
        draw_wire(ax, start, end, name, None if values is None else values[key])
        if gradients is not None:
            y = start[1]
            ax.add_patch(FancyArrowPatch((end[0] - 0.3, y - 0.62), (start[0] + 0.3, y - 0.62), arrowstyle="-|>",
                                         mutation_scale=13, linewidth=1.3, color=GRADIENT_COLOR))
            ax.text((start[0] + end[0]) / 2, y - 0.72, f"∂s/∂{key} = {_fmt(gradients[key])}", ha="center",
                    va="top", fontsize=12, color=GRADIENT_COLOR, fontweight="bold")
    if gradients is not None:
        ax.text(plus_c[0], plus_c[1] + plus_h / 2 + 0.12, "local slope 1 to x and to y", ha="center",
                va="bottom", fontsize=11, color=SLOPE_COLOR)
        if gradients["s"] != 0:
            ax.text(func_c[0], func_c[1] - 0.95, f"local slope {func_label}'(a) = {_fmt(gradients['a'] / gradients['s'])}",
                    ha="center", va="top", fontsize=11, color=SLOPE_COLOR)
        ax.text(6.0, bottom + 0.12, "red: values, flowing forward →        purple: gradients ∂s/∂(wire), flowing backward ←",
                ha="center", va="bottom", fontsize=10, color="dimgrey")
    ax.set_title(title or f"The computational graph of s = {func_label}(x + y)", fontsize=12)
    return fig


def plot_composite_and_slope(x: ndarray, values: ndarray, chain_rule_slopes: ndarray, direct_slopes: ndarray, *,
                             name: str = "f(x)", title: str | None = None) -> Figure:
    """Two panels: a composite function (left); its slope by the chain rule over a direct numerical slope (right).

    Args:
        x: shape ``(n,)``, the inputs along the horizontal axis.
        values: shape ``(n,)``, the composite function at ``x``.
        chain_rule_slopes: shape ``(n,)``, the slope from the chain rule (drawn as dots).
        direct_slopes: shape ``(n,)``, the slope of the composite measured directly
            (e.g. ``deriv`` of the whole function; drawn as a wide grey line).
        name: the composite's formula for the labels, e.g. ``"σ(x²)"``.
        title: a title over both panels.

    Returns:
        The figure; the right panel's title gives the largest difference between the two slopes.
    """
    arrays = {"values": values, "chain_rule_slopes": chain_rule_slopes, "direct_slopes": direct_slopes}
    for label, arr in arrays.items():
        if np.shape(arr) != np.shape(x):
            raise ValueError(f"{label} must have the shape of x, {np.shape(x)}; got {np.shape(arr)}")
    fig = Diagram(figsize=(10.0, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.plot(x, values, linewidth=2.2)
    left.set_title(f"The composite {name}")
    left.set_xlabel("input x")
    left.set_ylabel(f"output {name}")
    right.plot(x, direct_slopes, color="black", linewidth=5, alpha=0.25, label="direct: deriv of the whole function")
    right.plot(x, chain_rule_slopes, ".", color=VALUE_COLOR, markersize=5, label="chain rule: product of local slopes")
    gap = float(np.max(np.abs(np.asarray(chain_rule_slopes) - np.asarray(direct_slopes))))
    right.set_title(f"Its slope: largest difference {gap:.1e}")
    right.set_xlabel("input x")
    right.set_ylabel(f"slope d/dx {name}")
    right.legend(loc="best", fontsize="small")
    for ax in (left, right):
        ax.axhline(0.0, color="grey", linewidth=0.8)
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    return fig
