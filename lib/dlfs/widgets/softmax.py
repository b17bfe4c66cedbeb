"""Chapter 06's explorer: softmax and cross-entropy for one row of logits.

:func:`softmax_explorer` has one slider per logit, a temperature slider and a choice of the
true class. It shows the probabilities ``softmax(z / T)`` (and those at ``T = 1``, outlined),
the cross-entropy ``-log p_true`` of the true class, and the gradient ``p - y`` of that loss
with respect to the logits ``z / T``.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np

from dlfs.draw.curves import plot_softmax_temperature
from dlfs.widgets import show_figure


def softmax_explorer(logits: Sequence[float] = (2.0, 1.0, 0.1, -1.0, 3.0), true_class: int = 0,
                     temperature: float = 1.0) -> widgets.VBox:
    """Sliders for the logits (-6 to 6) and the temperature (0.1 to 10, logarithmic), a choice of the true class.

    Args:
        logits: the starting logits, 2 to 8 of them.
        true_class: the index of the true class.
        temperature: the starting temperature ``T``; the probabilities are ``softmax(z / T)``.

    Returns:
        The widget box; end a notebook cell with it to show it.
    """
    values = [float(v) for v in logits]
    if not 2 <= len(values) <= 8:
        raise ValueError(f"softmax_explorer shows 2 to 8 logits; received {len(values)}")
    if not 0 <= true_class < len(values):
        raise ValueError(f"true_class must be in 0 .. {len(values) - 1}; received {true_class}")
    style = {"description_width": "initial"}
    sliders = [widgets.FloatSlider(value=v, min=-6.0, max=6.0, step=0.1, description=f"z{j}", readout_format=".1f",
                                   style=style, layout=widgets.Layout(width="220px")) for j, v in enumerate(values)]
    temp = widgets.FloatLogSlider(value=temperature, base=10, min=-1, max=1, step=0.02, description="temperature T",
                                  readout_format=".2f", style=style)
    truth = widgets.Dropdown(options=list(range(len(values))), value=true_class, description="true class", style=style,
                             layout=widgets.Layout(width="160px"))
    readout = widgets.HTML()
    picture = widgets.Output()

    def redraw(_change: object = None) -> None:
        z = np.array([s.value for s in sliders])
        t, c = float(temp.value), int(truth.value)
        e = np.exp((z - z.max()) / t)
        p = e / e.sum()
        y = np.eye(len(z))[c]
        readout.value = (f"p(true class {c}) = <b>{p[c]:.3f}</b>, cross-entropy −log p = <b>{-np.log(p[c]):.3f}</b> "
                         f"(uniform guess: ln {len(z)} = {np.log(len(z)):.3f}); its gradient with respect to the logits, (p − y) / T: "
                         f"<b>[{', '.join(f'{v:+.2f}' for v in (p - y) / t)}]</b>")
        show_figure(picture, plot_softmax_temperature(z, t, c))

    for control in (*sliders, temp, truth):
        control.observe(redraw, names="value")
    redraw()
    rows = [widgets.HBox(sliders[i:i + 4]) for i in range(0, len(sliders), 4)]
    return widgets.VBox([*rows, widgets.HBox([temp, truth]), readout, picture])
