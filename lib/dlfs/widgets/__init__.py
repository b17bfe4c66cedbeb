"""Small ipywidgets explorers, one module per chapter that uses them.

Each explorer is a function that builds the widgets, draws with matplotlib and
returns the widget box, so a notebook cell ends with ``explorer(...)`` and shows it.
Outside a notebook (or in tests) the same functions run and draw without a screen.
"""

from __future__ import annotations

import base64
import io

import ipywidgets as widgets
from matplotlib.figure import Figure


def figure_png(fig: Figure, dpi: int = 80) -> bytes:
    """``fig`` as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def show_figure(output: widgets.Output, fig: Figure, dpi: int = 80) -> None:
    """Replace what ``output`` shows with ``fig`` as a PNG.

    Setting ``output.outputs`` directly (instead of ``with output: display(...)``)
    works the same with or without a kernel, so explorers also draw in tests.
    """
    title = fig.axes[0].get_title() if fig.axes else "figure"
    data = base64.b64encode(figure_png(fig, dpi)).decode("ascii")
    output.outputs = ({"output_type": "display_data", "data": {"image/png": data, "text/plain": f"<{title}>"},
                       "metadata": {}},)
