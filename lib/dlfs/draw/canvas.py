"""The drawing board every picture in :mod:`dlfs.draw` shares: colours, the figure type, boxes and wires.

- :class:`Diagram` -- a matplotlib ``Figure`` that Jupyter shows as a PNG, made without ``pyplot``.
- :func:`diagram_axes` -- a figure with one frameless axes in data units (for box-and-wire pictures).
- :func:`new_figure`, :func:`new_axes` -- figures for plots with axes, shown once as a cell's value.
- :func:`draw_box`, :func:`draw_wire`, :func:`draw_grid` -- a function box, an arrow with its value, an array as cells.
"""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
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
LOSS_COLOR = "#fbe3c4"


class Diagram(Figure):
    """A matplotlib ``Figure`` that Jupyter displays as a PNG image (its ``_repr_png_``)."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


def fmt(value: float) -> str:
    """A value short enough to write on a wire: ``3``, ``-0.5``, ``0.905``, ``1.2e+04``."""
    return f"{value:.3g}"


def diagram_axes(width: float, xlim: tuple[float, float], ylim: tuple[float, float]) -> tuple[Figure, Axes]:
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
        ax.text(mid_x, start[1] - 0.18, f"= {fmt(value)}", ha="center", va="top", fontsize=12,
                color=VALUE_COLOR, fontweight="bold")


def draw_box(ax: Axes, center: tuple[float, float], label: str, width: float = 2.4, height: float = 1.4) -> None:
    """Draw a rounded box with ``label`` written in the middle (one function, one "factory")."""
    cx, cy = center
    ax.add_patch(FancyBboxPatch((cx - width / 2, cy - height / 2), width, height,
                                boxstyle="round,pad=0.05,rounding_size=0.15",
                                facecolor=BOX_COLOR, edgecolor=EDGE_COLOR, linewidth=2))
    ax.text(cx, cy, label, ha="center", va="center", fontsize=14, fontweight="bold", color=EDGE_COLOR)


def draw_grid(ax: Axes, values: ndarray, top_left: tuple[float, float], color: str = BOX_COLOR,
              alpha: float = 1.0, cell: float = 1.0) -> None:
    """Draw a 2-D array as a grid of cells with its numbers; row 0 on top, starting at ``top_left``."""
    left, top = top_left
    for (i, j), v in np.ndenumerate(np.atleast_2d(values)):
        ax.add_patch(Rectangle((left + j * cell, top - (i + 1) * cell), cell, cell,
                               facecolor=color, edgecolor=EDGE_COLOR, linewidth=1.2, alpha=alpha))
        ax.text(left + (j + 0.5) * cell, top - (i + 0.5) * cell, fmt(float(v)), ha="center", va="center",
                fontsize=12, alpha=max(alpha, 0.45))


def new_figure(figsize: tuple[float, float]) -> Figure:
    """A new figure that pyplot does not keep: shown once as a cell's value, never piled up.

    It is made with pyplot and closed at once; making it loads the notebook's plotting
    backend, which is what teaches the notebook to show a returned figure as a picture.
    """
    fig = plt.figure(figsize=figsize, layout="constrained")
    plt.close(fig)
    return fig


def new_axes(ax: Axes | None, figsize: tuple[float, float] = (6.4, 4.2)) -> tuple[Figure, Axes]:
    """``ax`` and its figure, or a new figure with one axes."""
    if ax is not None:
        fig = ax.get_figure(root=True)
        assert fig is not None, "an axes always belongs to a figure"
        return fig, ax
    fig = new_figure(figsize)
    return fig, fig.add_subplot()
