"""Chapter 07's pictures and its explorer: momentum, learning-rate decay, Glorot initialisation, dropout.

The explorer, :func:`momentum_explorer`, rolls two balls down the same long, narrow
bowl ``L(w) = ½ (a·w1² + b·w2²)`` (``a`` much smaller than ``b``): one by plain gradient
descent, one with momentum. Sliders set the learning rate and the momentum; the picture
shows both paths over the contour lines, and the loss after every step.

The other functions draw the chapter's static figures. Each returns a
:class:`dlfs.draw.canvas.Diagram` (a matplotlib ``Figure`` that Jupyter shows as a PNG) with
a title and labelled axes; none uses ``pyplot``, so all work headless.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
from IPython.display import Image, display

from dlfs.draw.canvas import Diagram
from dlfs.draw.landscapes import CURVATURES, START, fmt_bowl_loss, momentum_path, plot_momentum_paths


def _png(fig: Diagram) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


def momentum_explorer(lr: float = 0.05, momentum: float = 0.9, steps: int = 60, *,
                      start: Sequence[float] = START, curvatures: Sequence[float] = CURVATURES) -> widgets.VBox:
    """Sliders for the learning rate, the momentum and the number of steps, over :func:`plot_momentum_paths`.

    Args:
        lr: the starting learning rate; the slider is logarithmic, 0.001 to 0.5
            (plain gradient descent diverges above 2 / b = 0.2 on the default bowl).
        momentum: the starting momentum, 0 to 0.99.
        steps: the starting number of steps, 1 to 150.
        start, curvatures: the starting point and the bowl (see :func:`bowl_loss`).

    Returns:
        The widget box; end a notebook cell with it to show it.
    """
    style = {"description_width": "initial"}
    rate = widgets.FloatLogSlider(value=lr, base=10, min=-3, max=np.log10(0.5), step=0.02,
                                  description="learning rate η", readout_format=".3g", style=style)
    mu = widgets.FloatSlider(value=momentum, min=0.0, max=0.99, step=0.01, description="momentum μ",
                             readout_format=".2f", style=style)
    n_steps = widgets.IntSlider(value=steps, min=1, max=150, description="steps", style=style)
    readout = widgets.HTML()
    picture = widgets.Output()

    def redraw(_change: object = None) -> None:
        _, sgd = momentum_path(rate.value, 0.0, n_steps.value, start, curvatures)
        _, mom = momentum_path(rate.value, mu.value, n_steps.value, start, curvatures)
        readout.value = (f"loss at the start <b>{sgd[0]:.3g}</b>; after {n_steps.value} steps: gradient descent "
                         f"<b>{fmt_bowl_loss(float(sgd[-1]))}</b>, momentum {mu.value:.2f} <b>{fmt_bowl_loss(float(mom[-1]))}</b>"
                         f" (lowest possible 0; a constant gradient makes the momentum ball {1 / (1 - mu.value):.3g} "
                         "times faster)")
        png = _png(plot_momentum_paths(rate.value, mu.value, n_steps.value, start=start, curvatures=curvatures))
        with picture:
            picture.clear_output(wait=True)
            display(Image(data=png, format="png"))

    for control in (rate, mu, n_steps):
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([rate, mu, n_steps]), readout, picture])
