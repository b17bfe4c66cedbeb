"""Chapter 01 explorer: pick an activation function, move leaky ReLU's slope, see the plot.

    from dlfs.widgets.functions import activation_explorer
    activation_explorer()          # last line of a notebook cell: the widget shows
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from numpy import ndarray

from dlfs import functions as F
from dlfs.widgets import show_figure

#: The functions the explorer offers: dropdown name -> f(x, alpha). Only leaky ReLU uses alpha.
ACTIVATIONS: dict[str, Callable[[ndarray, float], ndarray]] = {
    "square": lambda x, alpha: F.square(x),
    "ReLU": lambda x, alpha: F.relu(x),
    "leaky ReLU": lambda x, alpha: F.leaky_relu(x, alpha),
    "sigmoid": lambda x, alpha: F.sigmoid(x),
    "tanh": lambda x, alpha: np.tanh(x),
}

#: The largest slope the explorer's alpha slider offers: at 1, leaky ReLU is the identity.
ALPHA_MAX = 1.0


def draw_activation(name: str, alpha: float = 0.1, x_range: tuple[float, float] = (-5.0, 5.0), n_points: int = 401) -> Figure:
    """Plot the activation ``name`` (a key of :data:`ACTIVATIONS`) over ``x_range``.

    Leaky ReLU is drawn with slope ``alpha`` for negative inputs, next to plain ReLU (dashed)
    so the difference shows.
    """
    x: ndarray = np.linspace(x_range[0], x_range[1], n_points)
    fig = Figure(figsize=(6.5, 3.8), layout="constrained")
    ax = fig.add_subplot()
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.axvline(0.0, color="grey", linewidth=0.8)
    label = f"leaky ReLU, α = {alpha:.2f}" if name == "leaky ReLU" else name
    ax.plot(x, ACTIVATIONS[name](x, alpha), linewidth=2.4, label=label)
    if name == "leaky ReLU":
        ax.plot(x, F.relu(x), "--", color="grey", linewidth=1.4, label="ReLU (α = 0)")
    ax.set_title(f"{name}(x) for x from {x_range[0]:g} to {x_range[1]:g}")
    ax.set_xlabel("input x")
    ax.set_ylabel(f"output {name}(x)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    return fig


def activation_explorer(name: str = "leaky ReLU", alpha: float = 0.1) -> widgets.VBox:
    """A dropdown of functions, a slider for leaky ReLU's ``alpha``, an x-range slider, and the plot.

    Every change redraws the plot in an ``ipywidgets.Output``. Returns the widget box.
    """
    choice = widgets.Dropdown(options=list(ACTIVATIONS), value=name, description="function")
    slope = widgets.FloatSlider(value=alpha, min=0.0, max=ALPHA_MAX, step=0.01, description="alpha",
                                continuous_update=False, readout_format=".2f")
    x_range = widgets.FloatRangeSlider(value=(-5.0, 5.0), min=-10.0, max=10.0, step=0.5, description="x range",
                                       continuous_update=False)
    plot = widgets.Output()

    def redraw(_change: object = None) -> None:
        slope.disabled = choice.value != "leaky ReLU"
        low, high = x_range.value
        if high - low < 0.5:  # both handles on one value: widen so there is something to draw
            high = low + 0.5
        show_figure(plot, draw_activation(choice.value, slope.value, (low, high)))

    for control in (choice, slope, x_range):
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([choice, slope]), x_range, plot])
