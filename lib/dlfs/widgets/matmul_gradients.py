"""Chapter 04 explorer: nudge one element of a batch ``X``, watch ``L = sum(σ(X @ W))`` move.

    from dlfs.widgets.matmul_gradients import nudge_element_explorer
    nudge_element_explorer()       # last line of a notebook cell: the widget shows

The learner picks a row ``i`` and a column ``j`` of ``X`` and a nudge size ε. The
readout shows ``L`` before and after adding ε to ``X[i, j]``, the measured slope
``ΔL / ε``, and the gradient element ``dL/dX[i, j]`` from the formula
``σ'(N) @ W.T``; the heatmap shows all of ``dL/dX`` with the chosen element framed.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from numpy import ndarray

from dlfs.functions import ArrayFunction, sigmoid
from dlfs.matmul import matrix_forward_sum, matrix_function_backward_sum_1
from dlfs.widgets import show_figure


def example_batch(seed: int = 0, n: int = 3, k: int = 4, m: int = 2) -> tuple[ndarray, ndarray]:
    """A small seeded batch ``X`` (n, k) and weights ``W`` (k, m), rounded to one decimal for easy reading."""
    rng = np.random.default_rng(seed)
    return np.round(rng.normal(size=(n, k)), 1), np.round(rng.normal(size=(k, m)), 1)


def nudge_numbers(X: ndarray, W: ndarray, i: int, j: int, epsilon: float,
                  sigma: ArrayFunction = sigmoid) -> dict[str, float]:
    """``L`` before and after ``X[i, j] += epsilon``, the measured slope ``ΔL / ε`` and ``dL/dX[i, j]``.

    ``L = sum(σ(X @ W))``; the gradient comes from the formula ``σ'(N) @ W.T`` (``dlfs.matmul``).
    ``X`` is not modified.
    """
    nudged = np.array(X, dtype=float)
    nudged[i, j] += epsilon
    before, after = matrix_forward_sum(X, W, sigma), matrix_forward_sum(nudged, W, sigma)
    gradient = float(matrix_function_backward_sum_1(X, W, sigma)[i, j])
    return {"before": before, "after": after, "change": after - before,
            "measured": (after - before) / epsilon, "gradient": gradient}


def draw_gradient_heatmap(X: ndarray, W: ndarray, i: int, j: int, sigma: ArrayFunction = sigmoid,
                          sigma_name: str = "sigmoid", measured: float | None = None,
                          epsilon: float | None = None) -> Figure:
    """A heatmap of ``dL/dX = σ'(N) @ W.T`` (shape of ``X``) with element ``[i, j]`` framed.

    Every cell is labelled with its value; the colour scale is centred on 0 (red up, blue down).
    With ``measured`` (and ``epsilon``), the title also gives the measured slope ``ΔL / ε`` of that element.
    """
    grad = matrix_function_backward_sum_1(X, W, sigma)
    n, k = grad.shape
    fig = Figure(figsize=(1.2 * k + 2.6, 0.75 * n + 1.9), layout="constrained")
    ax = fig.add_subplot()
    limit = float(np.max(np.abs(grad))) or 1.0
    image = ax.imshow(grad, cmap="RdBu_r", vmin=-limit, vmax=limit)
    for (r, c), v in np.ndenumerate(grad):
        ax.text(c, r, f"{v:.3f}", ha="center", va="center", fontsize=10,
                color="white" if abs(v) > 0.6 * limit else "black", fontweight="bold" if (r, c) == (i, j) else None)
    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=3))
    ax.set_xticks(range(k), [str(c) for c in range(k)])
    ax.set_yticks(range(n), [str(r) for r in range(n)])
    ax.set_xlabel("column j of X (feature)")
    ax.set_ylabel("row i of X (observation)")
    title = f"dL/dX = σ'(N) @ W.T, σ = {sigma_name}\nframed: dL/dX[{i}, {j}] = {grad[i, j]:.4f}"
    if measured is not None:
        title += f", measured ΔL/ε = {measured:.4f}" + (f" (ε = {epsilon:.3g})" if epsilon is not None else "")
    ax.set_title(title, fontsize=11)
    fig.colorbar(image, ax=ax, label="dL/dX[i, j]", shrink=0.9)
    return fig




def _readout(numbers: dict[str, float], i: int, j: int, epsilon: float) -> str:
    """HTML: the numbers of one nudge, measured slope and formula side by side."""
    gap = abs(numbers["measured"] - numbers["gradient"])
    return (
        "<table style='font-family: monospace'>"
        f"<tr><td>L before</td><td><b>{numbers['before']:.6f}</b></td></tr>"
        f"<tr><td>L after X[{i}, {j}] += {epsilon:.3g}</td><td><b>{numbers['after']:.6f}</b></td></tr>"
        f"<tr><td>ΔL</td><td>{numbers['change']:.6g}</td></tr>"
        f"<tr><td>measured ΔL / ε</td><td><b>{numbers['measured']:.6f}</b></td></tr>"
        f"<tr><td>formula (σ'(N) @ W.T)[{i}, {j}]</td><td><b>{numbers['gradient']:.6f}</b></td></tr>"
        f"<tr><td>difference</td><td>{gap:.1e} (shrinks with ε)</td></tr>"
        "</table>"
    )


def nudge_element_explorer(X: ndarray | None = None, W: ndarray | None = None, *, sigma: ArrayFunction = sigmoid,
                           sigma_name: str = "sigmoid", i: int = 0, j: int = 0, epsilon: float = 0.1,
                           seed: int = 0) -> widgets.VBox:
    """Pick a row ``i``, a column ``j`` and a nudge ε; compare ``ΔL / ε`` with ``dL/dX[i, j]``.

    Args:
        X, W: the batch ``(n, k)`` and weights ``(k, m)``; by default :func:`example_batch` (3 × 4 and 4 × 2).
        sigma, sigma_name: the element-wise function after the product, and its name for the title.
        i, j: the element of ``X`` nudged first.
        epsilon: the first nudge size; the slider is logarithmic, from 0.0001 to 1.
        seed: the seed of the default ``X`` and ``W``.

    Returns:
        The widget box; end a notebook cell with it to show it.
    """
    if X is None or W is None:
        X, W = example_batch(seed)
    X, W = np.asarray(X, dtype=float), np.asarray(W, dtype=float)
    if X.ndim != 2 or W.ndim != 2 or X.shape[1] != W.shape[0]:
        raise ValueError(f"expected X (n, k) and W (k, m); got X {X.shape} and W {W.shape}")
    n, k = X.shape
    style = {"description_width": "initial"}
    row = widgets.Dropdown(options=list(range(n)), value=i, description="row i", style=style)
    col = widgets.Dropdown(options=list(range(k)), value=j, description="column j", style=style)
    size = widgets.FloatLogSlider(value=epsilon, base=10, min=-4, max=0, step=0.25, description="nudge ε",
                                  readout_format=".4g", continuous_update=False, style=style)
    readout = widgets.HTML()
    plot = widgets.Output()
    text = widgets.HTML(
        f"X, shape {X.shape}:<pre>{np.array2string(X, precision=2)}</pre>"
        f"W, shape {W.shape}:<pre>{np.array2string(W, precision=2)}</pre>"
    )

    def redraw(_change: object = None) -> None:
        numbers = nudge_numbers(X, W, row.value, col.value, size.value, sigma)
        readout.value = _readout(numbers, row.value, col.value, size.value)
        fig = draw_gradient_heatmap(X, W, row.value, col.value, sigma, sigma_name, numbers["measured"], size.value)
        show_figure(plot, fig)

    for control in (row, col, size):
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([row, col, size]), widgets.HBox([text, readout]), plot])
