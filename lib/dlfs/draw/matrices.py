"""Arrays drawn as grids of numbers: axes and broadcasting, batches, dot and matrix products, their gradients.

Conventions as in :mod:`dlfs.matmul`: ``X`` is a batch ``(n, k)`` (one observation per
row), ``W`` a weight matrix ``(k, m)``, ``N = X @ W`` is ``(n, m)``. Every function
returns a :class:`dlfs.draw.canvas.Diagram` with a title.

- :func:`axis_sums_diagram`, :func:`broadcast_rows_diagram` -- ``sum(axis=...)`` and a row added to every row (chapter 01).
- :func:`view_copy_diagram` -- a view shares its array's memory, a copy has its own (chapter 01).
- :func:`observations_diagram`, :func:`dot_product_diagram`, :func:`matmul_diagram` -- a batch and its products (chapter 04).
- :func:`batch_graph_diagram` -- ``X, W -> [×] -> N -> [σ] -> S -> [sum] -> L`` with shapes and gradients.
- :func:`jacobian_blocks_diagram` -- the element-by-element matrix chain rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, Rectangle
from numpy import ndarray

from dlfs.draw.canvas import (
    BOX_COLOR,
    EDGE_COLOR,
    SLOPE_COLOR,
    VALUE_COLOR,
    WIRE_COLOR,
    Diagram,
    diagram_axes,
    draw_box,
    draw_grid,
    fmt,
)


def axis_sums_diagram(X: ndarray, title: str | None = None) -> Figure:
    """A matrix with its column sums (``X.sum(axis=0)``) below and its row sums (``X.sum(axis=1)``) on the right.

    ``axis=0`` runs down the rows, so summing over it collapses each column to one number;
    ``axis=1`` runs along a row, so summing over it collapses each row.
    """
    if X.ndim != 2:
        raise ValueError(f"axis_sums_diagram draws a 2-D array; got shape {X.shape}")
    n_rows, n_cols = X.shape
    fig, ax = diagram_axes(0.8 * (n_cols + 5.5), (-1.6, n_cols + 3.9), (-2.7, n_rows + 1.0))
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
    fig, ax = diagram_axes(0.8 * (width + 1.0), (-0.5, width + 0.5), (-1.2, n_rows + 1.0))
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


def view_copy_diagram(X: ndarray, row: int = 0, col: int = 1, new_value: float = 99.0, title: str | None = None) -> Figure:
    """What ``v = X[row]`` (a view) and ``c = X[row].copy()`` (a copy) do when ``v[col] = new_value`` is written.

    Two panels, before and after the write. A view is drawn as arrows into the cells of
    ``X`` it shares; a copy as cells of its own. After the write, ``X`` has changed
    through the view (the red cell), and the copy has not.

    Args:
        X: a 2-D array (a few rows and columns, so the numbers stay readable).
        row, col: the row that is viewed and copied, and the element written through the view.
        new_value: the number written.
        title: the figure title.
    """
    if X.ndim != 2 or not (0 <= row < X.shape[0] and 0 <= col < X.shape[1]):
        raise ValueError(f"view_copy_diagram needs a 2-D X and an element inside it; got X {X.shape}, row {row}, col {col}")
    n_rows, n_cols = X.shape
    panel = n_cols + 5.5
    fig, ax = diagram_axes(0.75 * 2 * panel, (-0.5, 2 * panel - 0.5), (-3.6, n_rows + 1.6))
    after = X.astype(float).copy()
    copy = after[row].copy()
    after[row, col] = new_value
    for p, (values, caption) in enumerate(((X.astype(float), "before"), (after, f"after  v[{col}] = {fmt(new_value)}"))):
        left = p * panel
        colors = np.full(values.shape, BOX_COLOR, dtype=object)
        colors[row, :] = ROW_COLOR
        if p == 1:
            colors[row, col] = "#f3a89e"
        _cells(ax, values, left, n_rows, colors)
        ax.text(left + n_cols / 2, n_rows + 0.9, caption, ha="center", va="bottom", fontsize=12, fontweight="bold")
        ax.text(left + n_cols / 2, n_rows + 0.15, f"X, shape {X.shape}", ha="center", va="bottom", fontsize=11)
        # the view: a frame around the cells of X it shares, no cells of its own
        ax.add_patch(Rectangle((left - 0.08, n_rows - row - 1.08), n_cols + 0.16, 1.16, fill=False,
                               edgecolor=VALUE_COLOR, linewidth=2.5))
        vy = n_rows - row - 0.5
        _arrow(ax, (left + n_cols + 1.2, vy), (left + n_cols + 0.15, vy), color=VALUE_COLOR, width=1.4, scale=12)
        ax.text(left + n_cols + 1.3, vy, f"v = X[{row}]\n(a view: X's own cells)", ha="left", va="center",
                fontsize=11, color=VALUE_COLOR)
        # the copy: cells of its own
        _cells(ax, copy[None, :], left, -1.0, "#d7ecd9")
        ax.text(left + n_cols + 0.3, -1.5, f"c = X[{row}].copy()\n(its own memory)", ha="left", va="center",
                fontsize=11, color=SLOPE_COLOR)
    ax.text(panel - 0.5, -2.6, "writing into a view writes into X; the copy keeps the old numbers",
            ha="center", va="top", fontsize=11, color="dimgrey")
    ax.set_title(title or "A view shares memory with its array; a copy has its own", fontsize=12)
    return fig


#: Colours: the highlighted row, column and element of a product; faded (zero) cells; gradients.
ROW_COLOR = "#fbe3c4"


RESULT_COLOR = "#f6b98a"


ZERO_COLOR = "#f2f2f2"


GRAD_COLOR = VALUE_COLOR


Dim = int | str  # a dimension: a number, or a letter such as "n"


def _signed(value: float) -> str:
    """A factor in a sum, negative ones in brackets: ``0.5``, ``(-1.2)``."""
    return f"({fmt(value)})" if value < 0 else fmt(value)


def _shape(*dims: Dim) -> str:
    """``(n, k)`` or ``(1, 4)``."""
    return "(" + ", ".join(str(d) for d in dims) + ")"


def _canvas(xlim: tuple[float, float], ylim: tuple[float, float], inch_per_unit: float = 0.55) -> tuple[Diagram, Axes]:
    """A figure with one frameless, equal-aspect axes spanning ``xlim`` x ``ylim`` in data units."""
    fig, ax = diagram_axes(inch_per_unit * (xlim[1] - xlim[0]), xlim, ylim)
    return fig, ax  # type: ignore[return-value]


def _cells(ax: Axes, values: ndarray, left: float, top: float, colors: ndarray | str = BOX_COLOR,
           fontsize: float = 11, cell: float = 1.0, faded: ndarray | None = None) -> None:
    """Draw a 2-D array as cells with their numbers, row 0 on top, its top-left corner at ``(left, top)``.

    ``colors`` is one colour or an array of colours of ``values``'s shape; where ``faded`` is true the
    number is drawn in grey.
    """
    for (i, j), v in np.ndenumerate(values):
        color = colors if isinstance(colors, str) else colors[i, j]
        ax.add_patch(Rectangle((left + j * cell, top - (i + 1) * cell), cell, cell,
                               facecolor=color, edgecolor=EDGE_COLOR, linewidth=1.1))
        grey = faded is not None and bool(faded[i, j])
        ax.text(left + (j + 0.5) * cell, top - (i + 0.5) * cell, fmt(float(v)), ha="center", va="center",
                fontsize=fontsize, color="#9a9a9a" if grey else "black")


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], color: str = WIRE_COLOR,
           width: float = 1.8, scale: float = 18) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=scale, linewidth=width, color=color))


def _check_2d(X: ndarray, W: ndarray) -> None:
    if X.ndim != 2 or W.ndim != 2 or X.shape[1] != W.shape[0]:
        raise ValueError(f"expected X (n, k) and W (k, m) with matching k; got X {X.shape} and W {W.shape}")


def observations_diagram(X: ndarray, feature_names: Sequence[str] | None = None, title: str | None = None) -> Diagram:
    """A batch ``X`` of shape ``(n, k)`` as a table: one observation per row, one feature per column.

    Args:
        X: the batch, shape ``(n, k)``.
        feature_names: ``k`` column headings; ``feature 0``, ``feature 1``, ... by default.
        title: the figure title.
    """
    if X.ndim != 2:
        raise ValueError(f"observations_diagram draws a 2-D batch (n, k); got shape {X.shape}")
    n, k = X.shape
    names = list(feature_names) if feature_names is not None else [f"feature {j}" for j in range(k)]
    if len(names) != k:
        raise ValueError(f"X has {k} features (columns) but {len(names)} feature names were given")
    cell_w = 1.8
    fig, ax = _canvas((-3.6, k * cell_w + 0.4), (-1.5, n + 1.3), inch_per_unit=0.6)
    for (i, j), v in np.ndenumerate(X):
        ax.add_patch(Rectangle((j * cell_w, n - i - 1), cell_w, 1.0, facecolor=ROW_COLOR if i == 0 else BOX_COLOR,
                               edgecolor=EDGE_COLOR, linewidth=1.1))
        ax.text((j + 0.5) * cell_w, n - i - 0.5, fmt(float(v)), ha="center", va="center", fontsize=12)
    for j, name in enumerate(names):
        ax.text((j + 0.5) * cell_w, n + 0.15, name, ha="center", va="bottom", fontsize=11, color=SLOPE_COLOR)
    for i in range(n):
        ax.text(-0.2, n - i - 0.5, f"observation {i}", ha="right", va="center", fontsize=11, color=EDGE_COLOR)
    ax.text(k * cell_w / 2, -0.3, f"X, shape {X.shape}: {n} rows (observations) × {k} columns (features)\n"
            "the shaded row is one observation, X[0], with shape " + str(X[0].shape),
            ha="center", va="top", fontsize=11)
    ax.set_title(title or "A batch: each row is one observation, each column one feature", fontsize=12)
    return fig


def dot_product_diagram(x: ndarray, w: ndarray, title: str | None = None) -> Diagram:
    """One observation ``x`` (k features) and weights ``w`` (k numbers) make one new feature ``x · w``.

    Each feature travels along a wire, is multiplied by its weight, and a Σ node adds the products.

    Args:
        x: the features, any shape with ``k`` elements (``(k,)`` or ``(1, k)``).
        w: the weights, ``k`` elements (``(k,)`` or ``(k, 1)``).
        title: the figure title.
    """
    x, w = np.ravel(x).astype(float), np.ravel(w).astype(float)
    if x.size != w.size:
        raise ValueError(f"x and w need the same number of elements; got {x.size} and {w.size}")
    k = x.size
    height = max(1.3 * k, 3.0)
    fig, ax = _canvas((-1.2, 12.8), (-1.9, height + 0.6))
    ys = np.linspace(height - 0.65, 0.65, k) if k > 1 else np.array([height / 2])
    sx, sy = 7.0, height / 2
    for j, (xj, wj, y) in enumerate(zip(x, w, ys)):
        ax.add_patch(Circle((0.6, y), 0.5, facecolor=BOX_COLOR, edgecolor=EDGE_COLOR, linewidth=1.5))
        ax.text(0.6, y, fmt(xj), ha="center", va="center", fontsize=11)
        ax.text(-0.1, y, f"x[{j}]", ha="right", va="center", fontsize=11, color=EDGE_COLOR)
        direction = np.array([sx - 0.6, sy - y])
        direction /= np.linalg.norm(direction)
        start = np.array([0.6, y]) + 0.55 * direction
        end = np.array([sx, sy]) - 0.65 * direction
        _arrow(ax, tuple(start), tuple(end), width=1.4, scale=14)
        label = start + 0.42 * (end - start)
        ax.text(label[0], label[1], f"× w[{j}] = {fmt(wj)}", ha="center", va="center", fontsize=10,
                color=SLOPE_COLOR, bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0})
    ax.add_patch(Circle((sx, sy), 0.6, facecolor="#d7ecd9", edgecolor=SLOPE_COLOR, linewidth=2))
    ax.text(sx, sy, "Σ", ha="center", va="center", fontsize=20, color=SLOPE_COLOR)
    value = float(x @ w)
    _arrow(ax, (sx + 0.65, sy), (sx + 3.0, sy))
    ax.text(sx + 1.8, sy + 0.2, "new feature", ha="center", va="bottom", fontsize=11)
    ax.text(sx + 3.15, sy, fmt(value), ha="left", va="center", fontsize=13, color=VALUE_COLOR, fontweight="bold")
    terms = " + ".join(f"{_signed(a)}·{_signed(b)}" for a, b in zip(x, w))
    ax.text(5.8, -0.5, f"x · w = {terms} = {fmt(value)}", ha="center", va="top", fontsize=11, color=VALUE_COLOR)
    ax.set_title(title or "A dot product: weight each feature, add them up, get one new feature", fontsize=12)
    return fig


def matmul_diagram(X: ndarray, W: ndarray, row: int = 0, col: int = 0, title: str | None = None) -> Diagram:
    """``X @ W = N`` as three grids, with row ``row`` of ``X`` times column ``col`` of ``W`` making ``N[row, col]``.

    Args:
        X: the batch, shape ``(n, k)``: rows are observations, columns features.
        W: the weights, shape ``(k, m)``: column ``b`` holds the weights of output ``b``.
        row, col: the highlighted element of ``N``.
        title: the figure title.
    """
    _check_2d(X, W)
    (n, k), m = X.shape, W.shape[1]
    if not (0 <= row < n and 0 <= col < m):
        raise ValueError(f"row must be in 0..{n - 1} and col in 0..{m - 1}; got row={row}, col={col}")
    N = X @ W
    gap = 2.2
    x_left, w_left = 0.0, k + gap
    n_left = w_left + m + gap
    right = n_left + m
    top = max(n, k) / 2
    x_top, w_top, n_top = n / 2, k / 2, n / 2
    terms = " + ".join(f"{_signed(X[row, j])}·{_signed(W[j, col])}" for j in range(k))
    sentence = f"N[{row}, {col}] = row {row} of X · column {col} of W = {terms} = {fmt(float(N[row, col]))}"
    half = max(right / 2 + 1.6, 0.105 * len(sentence))  # wide enough for the sentence under the grids
    xlim = (right / 2 - half, right / 2 + half)
    fig, ax = _canvas(xlim, (-top - 2.4, top + 1.2), inch_per_unit=0.62)

    x_colors = np.full(X.shape, BOX_COLOR, dtype=object)
    x_colors[row, :] = ROW_COLOR
    w_colors = np.full(W.shape, BOX_COLOR, dtype=object)
    w_colors[:, col] = ROW_COLOR
    n_colors = np.full(N.shape, "#d7ecd9", dtype=object)
    n_colors[row, col] = RESULT_COLOR
    _cells(ax, X, x_left, x_top, x_colors)
    _cells(ax, W, w_left, w_top, w_colors)
    _cells(ax, N, n_left, n_top, n_colors)
    ax.add_patch(Rectangle((x_left, x_top - row - 1), k, 1, fill=False, edgecolor=VALUE_COLOR, linewidth=2.5))
    ax.add_patch(Rectangle((w_left + col, w_top - k), 1, k, fill=False, edgecolor=VALUE_COLOR, linewidth=2.5))
    ax.add_patch(Rectangle((n_left + col, n_top - row - 1), 1, 1, fill=False, edgecolor=VALUE_COLOR, linewidth=2.5))
    ax.text(w_left - gap / 2 - 0.15, 0, "@", ha="center", va="center", fontsize=22)
    ax.text(n_left - gap / 2, 0, "=", ha="center", va="center", fontsize=22)

    # What the rows and columns mean.
    ax.text(x_left - 0.3, 0, "rows: observations", rotation=90, ha="right", va="center", fontsize=10, color=EDGE_COLOR)
    ax.text(x_left + k / 2, x_top + 0.15, "columns: features", ha="center", va="bottom", fontsize=10, color=EDGE_COLOR)
    ax.text(w_left + m / 2, w_top + 0.15, "columns: outputs", ha="center", va="bottom", fontsize=10, color=EDGE_COLOR)
    ax.text(n_left + m / 2, n_top + 0.15, "new features", ha="center", va="bottom", fontsize=10, color=EDGE_COLOR)
    ax.text(w_left - 0.3, 0, "rows: features", rotation=90, ha="right", va="center", fontsize=10, color=EDGE_COLOR)
    for left, caption in ((x_left, f"X {X.shape}"), (w_left, f"W {W.shape}"), (n_left, f"N = X @ W {N.shape}")):
        width = k if left == x_left else m
        ax.text(left + width / 2, -top - 0.25, caption, ha="center", va="top", fontsize=11)

    ax.text(right / 2, -top - 0.95, sentence, ha="center", va="top", fontsize=11, color=VALUE_COLOR)
    ax.text(right / 2, -top - 1.6, f"shapes: {_shape(n, k)} @ {_shape(k, m)} -> {_shape(n, m)}: "
            "the inner sizes must match, the outer ones are kept", ha="center", va="top", fontsize=10, color="dimgrey")
    ax.set_title(title or f"Matrix multiplication: every element of N is one dot product "
                 f"(highlighted: N[{row}, {col}])", fontsize=12)
    return fig


def _grad_lines(ax: Axes, x: float, y: float, lines: Sequence[str], ha: str = "center") -> None:
    ax.text(x, y, "\n".join(lines), ha=ha, va="top", fontsize=10.5, color=GRAD_COLOR, linespacing=1.35)


def batch_graph_diagram(n: Dim = "n", k: Dim = "k", m: Dim = "m", *, sigma: bool = True, total: bool = True,
                        gradients: bool = True, upstream: bool = False, title: str | None = None) -> Diagram:
    """The computational graph ``X, W -> [×] -> N -> [σ] -> S -> [sum] -> L``, shapes forward, gradients back.

    Above each wire: what it carries and its shape. Below it (red, with an arrow pointing back):
    the gradient of the output with respect to it, which always has the same shape.

    Args:
        n, k, m: the sizes to write in the shapes: numbers or letters.
        sigma: include the element-wise function σ after the product.
        total: include the final ``sum`` that makes the scalar ``L``.
        gradients: write the gradients under the wires. Needs a scalar output: ``total=True``,
            ``upstream=True``, or ``n = m = 1`` (one observation, one output).
        upstream: the product feeds the rest of a network, which ends in a scalar ``L``: the gradient
            arriving at ``N`` is any ``G`` (needs ``sigma=False`` and ``total=False``).
        title: the figure title.

    Raises:
        ValueError: if gradients are asked for but the output is not a scalar.
    """
    if upstream and (sigma or total):
        raise ValueError("upstream=True draws X @ W followed by the rest of a network: pass sigma=False, total=False")
    scalar_out = total or upstream or (n == 1 and m == 1)
    if gradients and not scalar_out:
        raise ValueError("a gradient needs a scalar output: pass total=True, or n=1 and m=1 (one number out)")
    out = "L" if total or upstream else ("S" if sigma else "N")
    d = f"d{out}/d"
    box_w, wire = 1.6, 3.6
    stages = ["×"] + (["σ"] if sigma else []) + (["sum"] if total else []) + (["rest of\nthe\nnetwork"] if upstream else [])
    wire_names = ["N"] + (["S"] if sigma else []) + (["L"] if total or upstream else [])
    y = 2.0
    x0 = 0.0
    right = x0 + wire + len(stages) * (box_w + wire)
    fig, ax = _canvas((-0.6, right + 0.6), (-2.6, 3.4), inch_per_unit=0.6)

    def grad_of(name: str) -> str:
        """What ``d<out>/d<name>`` equals, in the simplest words."""
        if name == out:
            return "1"
        if name == "S":
            return "ones"
        if name == "N":
            return "σ'(N)" if sigma else ("G" if upstream else "ones")
        return ""

    def wire_text(x_mid: float, name: str, shape: str, forward: str) -> None:
        ax.text(x_mid, y + 0.25, f"{forward}\n{shape}", ha="center", va="bottom", fontsize=11, linespacing=1.3)
        if gradients:
            _arrow(ax, (x_mid + 1.0, y - 0.35), (x_mid - 1.0, y - 0.35), color=GRAD_COLOR, width=1.3, scale=12)
            g = grad_of(name)
            if name == out:
                lines = [f"{d}{name} = 1"]
            elif name == "S":
                lines = [f"{d}S {shape}", f"= ones({shape})"]
            elif sigma and total:  # N, with σ and the sum after it
                lines = [f"{d}N {shape}", "= dL/dS * σ'(N)", f"= {g}"]
            elif upstream:  # N, followed by the rest of the network
                lines = [f"{d}N {shape}", "= G, any array", "(from the right)"]
            else:  # N
                lines = [f"{d}N {shape}", f"= {g}"]
            _grad_lines(ax, x_mid, y - 0.6, lines)

    # X comes in from the left.
    box_x = x0 + wire + box_w / 2
    _arrow(ax, (x0, y), (box_x - box_w / 2 - 0.08, y))
    ax.text(x0 + wire / 2, y + 0.25, f"X: {'one observation' if n == 1 else 'batch'}\n{_shape(n, k)}", ha="center", va="bottom", fontsize=11, linespacing=1.3)
    if gradients:
        _arrow(ax, (x0 + wire / 2 + 1.0, y - 0.35), (x0 + wire / 2 - 1.0, y - 0.35), color=GRAD_COLOR, width=1.3, scale=12)
        simple = {"1": "W.T", "ones": "ones @ W.T", "σ'(N)": "σ'(N) @ W.T", "G": "G @ W.T"}[grad_of("N")]
        _grad_lines(ax, x0 + wire / 2, y - 0.6, [f"{d}X {_shape(n, k)}", f"= {d}N @ W.T", f"= {simple}"])
    # W comes in from below.
    _arrow(ax, (box_x, y - 3.3), (box_x, y - 0.78))
    ax.text(box_x - 0.2, y - 2.3, f"W: weights\n{_shape(k, m)}", ha="right", va="center", fontsize=11, linespacing=1.3)
    if gradients:
        _arrow(ax, (box_x + 0.3, y - 1.2), (box_x + 0.3, y - 3.2), color=GRAD_COLOR, width=1.3, scale=12)
        simple = {"1": "X.T", "ones": "X.T @ ones", "σ'(N)": "X.T @ σ'(N)", "G": "X.T @ G"}[grad_of("N")]
        _grad_lines(ax, box_x + 0.5, y - 1.55, [f"{d}W {_shape(k, m)}", f"= X.T @ {d}N", f"= {simple}"], ha="left")

    forward_text = {"N": "N = X @ W", "S": "S = σ(N)",
                    "L": "L (the loss)" if upstream else ("L = sum(S)" if sigma else "L = sum(N)")}
    for s, (label, name) in enumerate(zip(stages, wire_names)):
        cx = x0 + wire + box_w / 2 + s * (box_w + wire)
        draw_box(ax, (cx, y), label, width=box_w, height=1.4)
        start, end = cx + box_w / 2 + 0.08, cx + box_w / 2 + wire
        _arrow(ax, (start, y), (end, y))
        shape = "scalar" if name == "L" else _shape(n, m)
        wire_text((start + end) / 2, name, shape, forward_text[name])
    if gradients:
        ax.text(right / 2 + 1.0, -2.05, "above the wires (black): values going forward\n"
                "below (red): gradients coming back, each with the shape of its wire",
                ha="center", va="center", fontsize=10, color="dimgrey")
    default = "The batch graph: shapes forward, gradients backward" if gradients else "The batch graph: shapes forward"
    ax.set_title(title or default, fontsize=12)
    return fig


def jacobian_blocks_diagram(X: ndarray, W: ndarray, sigma: Callable[[ndarray], ndarray] | None = None,
                            sigma_name: str = "σ", title: str | None = None) -> Diagram:
    """Every element of the output has its own gradient with respect to ``X``; summing makes one.

    The output is ``N = X @ W`` (or ``S = σ(N)`` when ``sigma`` is given), shape ``(n, m)``. For each
    output element ``[a, b]``, a block of ``X``'s shape ``(n, k)`` holds the slopes of that element
    with respect to every element of ``X``: only row ``a`` is non-zero, and it holds ``W[:, b]``
    (times ``σ'(N[a, b])``). All ``n·m`` blocks together are a 4-D array of shape ``(n, m, n, k)``;
    their sum, on the right, is the gradient of ``L = sum(output)``, shape ``(n, k)``.

    Slopes of σ are central differences (``dlfs.derivatives.deriv``). Keep the shapes small
    (``n·m`` blocks are drawn); at most 4 blocks per side are supported.
    """
    from dlfs.derivatives import deriv

    _check_2d(X, W)
    (n, k), m = X.shape, W.shape[1]
    if n > 4 or m > 4 or k > 5:
        raise ValueError(f"jacobian_blocks_diagram draws n·m blocks of (n, k) cells; keep n, m <= 4 and k <= 5, got {X.shape} @ {W.shape}")
    N = X @ W
    slope = deriv(sigma, N) if sigma is not None else np.ones_like(N)
    blocks = np.zeros((n, m, n, k))
    for a in range(n):
        for b in range(m):
            blocks[a, b, a, :] = slope[a, b] * W[:, b]
    total = blocks.sum(axis=(0, 1))
    cell, gap_x, gap_y = 1.2, 1.0, 1.3
    block_w, block_h = k * cell, n * cell
    grid_w = m * block_w + (m - 1) * gap_x
    grid_h = n * block_h + (n - 1) * gap_y
    sum_left = grid_w + 3.2
    footnote = (f"{n}·{m} blocks of shape {X.shape}: together a 4-D array of shape {(n, m, n, k)}"
                f" ({n * m * n * k} numbers).\nIn block [a, b] only row a is non-zero (shaded): it holds column b of W"
                + (f", times {sigma_name}'(N[a, b])." if sigma is not None else "."))
    right = max(sum_left + block_w + 0.5, 0.19 * 62)  # the footnote's longest line needs ~0.19 units a character
    fig, ax = _canvas((-0.4, right), (-1.7, grid_h + 0.9), inch_per_unit=0.6)
    out = "S" if sigma is not None else "N"
    for a in range(n):
        for b in range(m):
            left = b * (block_w + gap_x)
            top = grid_h - a * (block_h + gap_y)
            colors = np.full((n, k), ZERO_COLOR, dtype=object)
            colors[a, :] = ROW_COLOR
            faded = np.ones((n, k), dtype=bool)
            faded[a, :] = False
            _cells(ax, blocks[a, b], left, top, colors, fontsize=9, cell=cell, faded=faded)
            ax.text(left + block_w / 2, top + 0.1, f"d{out}[{a}, {b}]/dX", ha="center", va="bottom", fontsize=10)
    mid = grid_h / 2
    _arrow(ax, (grid_w + 0.3, mid), (sum_left - 0.3, mid), color=VALUE_COLOR)
    ax.text((grid_w + sum_left) / 2, mid + 0.2, f"add all\n{n * m} blocks", ha="center", va="bottom", fontsize=10,
            color=VALUE_COLOR)
    _cells(ax, total, sum_left, mid + block_h / 2, "#d7ecd9", fontsize=9, cell=cell)
    formula = f"{sigma_name}'(N) @ W.T" if sigma is not None else "ones @ W.T"
    ax.text(sum_left + block_w / 2, mid + block_h / 2 + 0.1, f"dL/dX for L = sum({out})", ha="center",
            va="bottom", fontsize=10)
    ax.text(sum_left + block_w / 2, mid - block_h / 2 - 0.15, f"= {formula}\nshape {X.shape}", ha="center", va="top",
            fontsize=10, color=VALUE_COLOR)
    ax.text((right - 0.4) / 2, -0.35, footnote, ha="center", va="top", fontsize=10, color="dimgrey")
    name = f"S = {sigma_name}(N)" if sigma is not None else "N = X @ W"
    ax.set_title(title or f"The slopes of every element of {name} with respect to X, and their sum", fontsize=12)
    return fig


#: One colour per batch in :func:`epoch_diagram` (repeated if there are more batches).
BATCH_COLORS = ("#fbe3c4", "#d7ecd9", "#dbe9f6", "#f6d8d4", "#e8dcf0", "#fff2b3")


def epoch_diagram(order: Sequence[int], batch_size: int, title: str | None = None) -> Diagram:
    """One epoch of mini-batch gradient descent, as a picture.

    Top: the rows ``0 .. n-1`` of ``X`` and ``y``. Middle: the same rows in the order ``order``
    visits them (a permutation of ``0 .. n-1``), cut into batches of ``batch_size`` consecutive
    entries, one colour each (the last batch may be smaller). Bottom: one step per batch,
    ``θ_j = θ_{j-1} - η ∂L_j/∂θ``, each starting from the weights the step before left.
    """
    rows = np.asarray(order)
    n = rows.size
    if rows.ndim != 1 or sorted(rows.tolist()) != list(range(n)):
        raise ValueError(f"order must be a permutation of 0 .. n-1; got {rows.tolist()}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1; got {batch_size}")
    starts = list(range(0, n, batch_size))
    batch_of = {int(r): j for j, s in enumerate(starts) for r in rows[s:s + batch_size]}
    colors = [BATCH_COLORS[j % len(BATCH_COLORS)] for j in range(len(starts))]
    width = max(n, 3.2 * len(starts)) + 3.5
    fig, ax = _canvas((-3.2, width - 3.2), (-4.6, 3.6), inch_per_unit=0.6)
    # the rows as stored, coloured by the batch that will use them
    ax.text(-0.3, 3.0, "rows of X, y", ha="right", va="center", fontsize=11)
    _cells(ax, np.arange(n)[None, :], 0.0, 3.5, np.array([[colors[batch_of[r]] for r in range(n)]]), fontsize=10)
    ax.text(-0.3, 1.0, "order", ha="right", va="center", fontsize=11)
    _cells(ax, rows[None, :], 0.0, 1.5, np.array([[colors[batch_of[int(r)]] for r in rows]]), fontsize=10)
    ax.text(n / 2, 2.05, "shuffled: this epoch visits the rows in this order", ha="center", va="center", fontsize=10,
            color="grey")
    # one step per batch, chained
    step_w = 2.8
    for j, s in enumerate(starts):
        size = len(rows[s:s + batch_size])
        ax.add_patch(Rectangle((s, 0.35), size, 0.15, facecolor=colors[j], edgecolor=EDGE_COLOR, linewidth=1.0))
        cx = 0.2 + j * 3.2 + step_w / 2
        ax.add_patch(Rectangle((cx - step_w / 2, -2.9), step_w, 1.6, facecolor=colors[j], edgecolor=EDGE_COLOR,
                               linewidth=1.4))
        ax.text(cx, -1.75, f"step {j + 1}: {size} row{'s' if size > 1 else ''}", ha="center", va="center", fontsize=10)
        ax.text(cx, -2.35, rf"$\theta_{j + 1} = \theta_{j} - \eta\,\partial L_{j + 1}/\partial\theta$", ha="center",
                va="center", fontsize=11)
        _arrow(ax, (s + size / 2, 0.3), (cx, -1.25), color="#888888", width=1.2, scale=12)
        if j > 0:
            _arrow(ax, (cx - 3.2 + step_w / 2, -2.1), (cx - step_w / 2, -2.1), scale=14)
    ax.text(0.2, -3.5, r"$\theta_0$: the weights the epoch starts from; the last $\theta$ is what it returns",
            ha="left", va="top", fontsize=10, color="grey")
    ax.set_title(title or f"One epoch: {n} rows in batches of {batch_size}, one step per batch", fontsize=12)
    return fig


def numerical_gradient_diagram(x: ndarray, f: Callable[[ndarray], float], index: tuple[int, int] = (0, 1),
                               delta: float = 0.01, f_label: str = "f", title: str | None = None) -> Diagram:
    """The central-difference gradient of a scalar function ``f`` of a 2-D array ``x``, one element at a time.

    Left: ``x`` with the element ``index`` nudged up and down by ``delta`` (two copies: ``x`` itself is never
    changed). Middle: ``f`` of each copy, one number each. Right: the gradient array, whose element ``index``
    is ``(f(x + δ) - f(x - δ)) / (2δ)``; every other element is filled the same way, one nudge each.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"numerical_gradient_diagram draws a 2-D x; received shape {x.shape}")
    n, k = x.shape
    i, j = index
    up, down = x.copy(), x.copy()
    up[i, j] += delta
    down[i, j] -= delta
    f_up, f_down = float(f(up)), float(f(down))
    grad = np.full(x.shape, np.nan)
    grad[i, j] = (f_up - f_down) / (2 * delta)
    gap = 2.6
    left2 = k + gap + 4.2
    width = left2 + k + 1.0
    fig, ax = _canvas((-0.5, width), (-2.2 * n - 1.6, 1.6), inch_per_unit=0.62)
    for row, (values, sign, f_value) in enumerate(((up, "+", f_up), (down, "−", f_down))):
        top = -row * (n + 1.4)
        colors = np.full(x.shape, BOX_COLOR, dtype=object)
        colors[i, j] = ROW_COLOR
        _cells(ax, values, 0.0, top, colors, fontsize=10)
        ax.text(k / 2, top + 0.15, f"x {sign} δ at [{i}, {j}]  (a copy of x)", ha="center", va="bottom", fontsize=10)
        _arrow(ax, (k + 0.2, top - n / 2), (k + gap - 0.2, top - n / 2))
        ax.text(k + gap / 2, top - n / 2 + 0.15, f_label, ha="center", va="bottom", fontsize=12, fontweight="bold")
        ax.text(k + gap, top - n / 2, f"{f_label}(x {sign} δ) = {f_value:.5f}", ha="left", va="center", fontsize=10.5,
                color=VALUE_COLOR)
    faded = np.isnan(grad)
    shown = np.where(faded, 0.0, grad)
    colors = np.where(faded, ZERO_COLOR, RESULT_COLOR)
    mid = -(n + 1.4) / 2 - 0.2
    for (a, b), v in np.ndenumerate(shown):
        ax.add_patch(Rectangle((left2 + b, mid - a - 1), 1, 1, facecolor=colors[a, b], edgecolor=EDGE_COLOR, linewidth=1.1))
        ax.text(left2 + b + 0.5, mid - a - 0.5, "?" if faded[a, b] else fmt(float(v)), ha="center", va="center",
                fontsize=10, color="#9a9a9a" if faded[a, b] else "black")
    ax.text(left2 + k / 2, mid + 0.15, f"gradient, shape {x.shape}", ha="center", va="bottom", fontsize=10)
    ax.text(left2 + k / 2, mid - n - 0.3, f"[{i}, {j}]: ({f_up:.5f} − {f_down:.5f}) / (2 · {delta:g})\n"
            "the other elements: one nudge each", ha="center", va="top", fontsize=9.5, color=GRAD_COLOR)
    ax.set_title(title or "A numerical gradient: nudge one element up and down, difference of f over 2δ", fontsize=12)
    return fig
