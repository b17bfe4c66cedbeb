"""Chapter 02 explorer: move the point ``a`` and the step Δ, watch the secant turn into the tangent."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import numpy as np
from numpy import ndarray

from dlfs.draw.curves import plot_function_and_tangent
from dlfs.functions import sigmoid
from dlfs.widgets import show_figure

ArrayFunction = Callable[[ndarray], ndarray]

#: The dropdown's functions: label -> (function, exact derivative, name in the plot).
FUNCTIONS: dict[str, tuple[ArrayFunction, ArrayFunction | None, str]] = {
    "sin(x)": (np.sin, np.cos, "sin"),
    "x²": (np.square, lambda x: 2 * x, "f"),
    "x³": (lambda x: x**3, lambda x: 3 * x**2, "f"),
    "exp(x)": (np.exp, np.exp, "exp"),
    "sigmoid(x)": (sigmoid, lambda x: sigmoid(x) * (1 - sigmoid(x)), r"\sigma"),
}




def _readout(f: ArrayFunction, df: ArrayFunction | None, a: float, delta: float) -> str:
    """HTML lines with the central and forward estimates at ``a`` and, if known, the exact slope."""
    point = np.array([a])
    with np.errstate(all="ignore"):
        f_up, f_at, f_down = (float(f(point + s)[0]) for s in (delta, 0.0, -delta))
    central = (f_up - f_down) / (2 * delta)
    forward = (f_up - f_at) / delta
    if df is None:
        return (f"central estimate: <b>{central:.6f}</b><br>forward estimate: <b>{forward:.6f}</b><br>"
                "exact slope: not known (pass <code>dfunc</code> to see it)")
    exact = float(df(point)[0])
    return (
        f"central estimate (f(a+Δ) − f(a−Δ)) / 2Δ: <b>{central:.6f}</b> &nbsp; error {abs(central - exact):.1e}<br>"
        f"forward estimate (f(a+Δ) − f(a)) / Δ: <b>{forward:.6f}</b> &nbsp; error {abs(forward - exact):.1e}<br>"
        f"exact slope f′(a): <b>{exact:.6f}</b>"
    )


def slope_explorer(
    func: ArrayFunction = np.sin,
    dfunc: ArrayFunction | None = None,
    *,
    a: float = 1.0,
    delta: float = 0.5,
    x_range: tuple[float, float] = (-3.0, 3.0),
) -> widgets.VBox:
    """Sliders for ``a`` and Δ and a dropdown of functions, over the tangent-and-secant plot.

    Args:
        func: the function shown first: one of :data:`FUNCTIONS` (e.g. ``np.sin``) or
            your own array function (shape ``(n,)`` to ``(n,)``), added as "your function".
        dfunc: the exact derivative of your own ``func``, for the "exact slope" line.
        a: the starting point; the ``a`` slider spans ``x_range``.
        delta: the starting Δ; the Δ slider is logarithmic, from 0.001 to 1.
        x_range: the range of ``a``; the plot shows one more unit on each side.

    Returns:
        The widget box; end a notebook cell with it to show it.
    """
    choices = dict(FUNCTIONS)
    start = next((label for label, (f, _, _) in choices.items() if f is func), None)
    if start is None:
        start = "your function"
        choices[start] = (func, dfunc, "f")

    style = {"description_width": "initial"}
    pick = widgets.Dropdown(options=list(choices), value=start, description="function", style=style)
    a_slider = widgets.FloatSlider(value=a, min=x_range[0], max=x_range[1], step=0.05,
                                   description="point a", style=style)
    delta_slider = widgets.FloatLogSlider(value=delta, base=10, min=-3, max=0, step=0.05,
                                          description="step Δ", readout_format=".3g", style=style)
    readout = widgets.HTML()
    picture = widgets.Output()
    x = np.linspace(x_range[0] - 1.0, x_range[1] + 1.0, 400)

    def redraw(_change: object = None) -> None:
        f, df, name = choices[pick.value]
        fig = plot_function_and_tangent(f, a_slider.value, x, delta_slider.value, name=name, show_forward=True)
        readout.value = _readout(f, df, a_slider.value, delta_slider.value)
        show_figure(picture, fig)

    for control in (pick, a_slider, delta_slider):
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([pick, a_slider, delta_slider]), readout, picture])
